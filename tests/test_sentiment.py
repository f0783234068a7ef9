"""Rule-based sentiment: each rule against hand-worked contributions, and the lexicon's checks.

The tests use a small lexicon written here, so every expected number can be worked by hand
from the valences and weights below; the shipped lexicon is checked separately.
"""

import math
from pathlib import Path

import numpy as np
import pytest

from pmresearch.coding.lexicon import load_lexicon, read_lexicon
from pmresearch.coding.sentiment import explain_sentiment, score_sentiment

LEXICON = """term,valence,note
# a test lexicon
good,1.9,
lovely,2.5,
terrible,-3.0,
not bad,0.9,idiom
goods,0,a noun
on time,1.0,
"""
SENTIMENT = """negators: [not, "no", never]
intensifiers: {very: 0.3}
downtoners: {slightly: 0.5, "a bit": 0.6}
contrast_after: [but, however]
concessive: [although, despite]
hypothetical: [would]
politeness: [please, "kind regards"]
weights:
  negation_scope: 3
  negated_positive: -0.7
  negated_negative: -0.3
  modifier_scope: 2
  before_contrast: 0.5
  after_contrast: 1.5
  concessive: 0.5
  hypothetical_scope: 3
  hypothetical: 0.3
  exclamation: 1.2
  score_scale: 3.0
"""


def write(folder: Path, lexicon: str = LEXICON, sentiment: str = SENTIMENT):
    (folder / "lexicon.csv").write_text(lexicon, encoding="utf-8")
    (folder / "sentiment.yaml").write_text(sentiment, encoding="utf-8")
    return load_lexicon(folder / "lexicon.csv", folder / "sentiment.yaml")


@pytest.fixture
def lexicon(tmp_path):
    lex, problems = write(tmp_path)
    assert problems == []
    return lex


def totals(texts, lexicon):
    """Each comment's valence total, recovered from the score: score = tanh(total / 3)."""
    table = score_sentiment(texts, lexicon)
    return [round(3.0 * math.atanh(s), 6) for s in table["score"]]


@pytest.mark.parametrize("text, total", [
    ("good", 1.9),
    ("not good", 1.9 * -0.7),                     # negated positive
    ("not terrible", -3.0 * -0.3),                # negated negative: only mildly positive
    ("not very good", 1.9 * 1.3 * -0.7),          # negation reaches past the intensifier
    ("slightly terrible", -3.0 * 0.5),            # down-toner
    ("a bit terrible", -3.0 * 0.6),               # multi-word down-toner
    ("not bad", 0.9),                             # the idiom wins over negation
    ("it would be good", 1.9 * 0.3),              # hypothetical
    ("terrible!", -3.0 * 1.2),                    # exclamation
    ("not now, good", 1.9),                       # a comma closes the negator's scope
    ("never on time", 1.0 * -0.7),                # phrase negated
    ("isn't good", 1.9 * -0.7),                   # any n't contraction negates
    ("terribly", -3.0),                           # suffix fallback to the listed base
    ("goods", 0.0),                               # a listed 0 stops the fallback ("good")
    ("please fix it, kind regards", 0.0),         # politeness carries nothing
    ("good but terrible", 1.9 * 0.5 - 3.0 * 1.5),  # contrast: the clause after 'but' wins
    ("Although it was lovely, it was terrible.", 2.5 * 0.5 - 3.0),  # concessive clause
])
def test_rules_give_hand_worked_totals(lexicon, text, total):
    assert totals([text], lexicon) == [pytest.approx(total, abs=1e-6)]


def test_a_negator_does_not_reach_into_the_next_comment(lexicon):
    assert totals(["it is not", "good"], lexicon) == [0.0, pytest.approx(1.9)]


def test_labels_follow_the_band_and_the_mixed_rule(lexicon):
    table = score_sentiment(["good", "terrible", "goods", "good but terrible",
                             "Although it was lovely, it was terrible."], lexicon,
                            neutral_band=0.05, mixed_threshold=1.0)
    # 'good but terrible': strongest positive clause 0.95 < 1.0, so not mixed.
    # 'Although …': clauses +1.25 and -3.0 are both beyond 1.0, so mixed.
    assert table["sentiment"].tolist() == ["positive", "negative", "neutral", "negative", "mixed"]
    assert table.loc[4, "strongest_positive_clause"] == pytest.approx(1.25)
    assert table.loc[4, "strongest_negative_clause"] == pytest.approx(-3.0)
    assert table.loc[3, "positive"] == pytest.approx(0.95)
    assert table.loc[3, "negative"] == pytest.approx(4.5)


def test_explanation_lists_each_term_and_rule(lexicon):
    why = explain_sentiment("Although the staff were lovely, the wait was not very good!",
                            lexicon)
    assert why[["clause", "term", "contribution"]].values.tolist() == [
        [1, "although", 0.0], [1, "lovely", 1.25 * 1.2],
        [2, "not", 0.0], [2, "very", 0.0], [2, "good", round(1.9 * 1.3 * -0.7 * 1.2, 3)]]
    assert why["rules"].tolist() == [
        "concessive", "clause weight ×0.5; exclamation ×1.2", "negator", "intensifier",
        "negated by 'not' ×-0.7; 'very' ×1.3; exclamation ×1.2"]
    assert why.attrs["sentiment"] == "mixed"


def test_scores_keep_a_series_index_and_blank_comments_are_neutral(lexicon):
    import pandas as pd

    table = score_sentiment(pd.Series(["good", None, ""], index=[10, 11, 12]), lexicon)
    assert table.index.tolist() == [10, 11, 12]
    assert table["sentiment"].tolist() == ["positive", "neutral", "neutral"]
    assert table["n_terms"].tolist() == [1, 0, 0]


@pytest.mark.parametrize("lexicon_text, sentiment_text, message", [
    ("term,valence,note\nfly-tipping,-2,\n", SENTIMENT,
     "lexicon.csv, column 'term', row 2: term 'fly-tipping' is not lower-case words of letters, "
     "digits and an apostrophe suffix, up to 4 words separated by single spaces (write 'fly "
     "tipping', not 'fly-tipping'). Correct the term."),
    ("term,valence,note\ngood,5,\n", SENTIMENT,
     "lexicon.csv, column 'valence', row 2: valence '5' of 'good' is not a number from -4 to 4. "
     "Give a valence from -4 (very negative) to 4 (very positive)."),
    ("term,valence,note\n# heading\ngood,1,\ngood,2,\n", SENTIMENT,
     "lexicon.csv, column 'term', row 4: term 'good' is listed twice (rows 3 and 4). Keep one "
     "row per term."),
    (LEXICON, SENTIMENT.replace('"no"', "no"),
     "sentiment.yaml: negators: an entry reads as False because YAML takes a bare "
     "no/yes/on/off as true or false. Put the word in quotes, e.g. \"no\"."),
    (LEXICON, SENTIMENT.replace("  exclamation: 1.2\n", ""),
     "sentiment.yaml: weights.exclamation is None; expected a number (factor for the terms of a "
     "sentence ending in '!'). Give a number."),
    (LEXICON, SENTIMENT + "boosters: [very]\n",
     "sentiment.yaml: unknown key 'boosters' (allowed: concessive, contrast_after, downtoners, "
     "hypothetical, intensifiers, negators, politeness, weights). Remove or rename it."),
])
def test_lexicon_problems_name_the_file_row_and_fix(tmp_path, lexicon_text, sentiment_text,
                                                    message):
    lex, problems = write(tmp_path, lexicon_text, sentiment_text)
    assert lex is None
    assert [str(p) for p in problems] == [message]


def test_shipped_lexicon_codes_the_issue_examples():
    """The examples off-the-shelf tools get wrong (issue: coding free text)."""
    table = score_sentiment(["The new cycle lane is rubbish.",
                             "The bins are never collected on time.",
                             "Thank you for all your hard work.",
                             "Fly-tipping in Castle Hill is out of control.",
                             "Gutted that the library is closing.",
                             "The potholes on our road are a shambles.",
                             "Library staff were brilliant but the opening hours are too short.",
                             "No other comments."], read_lexicon())
    assert table["sentiment"].tolist() == ["negative", "negative", "positive", "negative",
                                           "negative", "negative", "mixed", "neutral"]


def test_shipped_lexicon_is_large_and_balanced():
    lex = read_lexicon()
    values = np.array(list(lex.valence.values()))
    assert len(values) >= 5000
    assert (values > 0).sum() > 1000 and (values < 0).sum() > 1000

"""Agreement statistics for nominal codes, checked against published worked examples, closed
forms worked by hand in the tests, and scikit-learn computed in the tests."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score, confusion_matrix, precision_recall_fscore_support

from pmresearch.coding.reliability import (
    Reliability,
    agreement_table,
    cohens_kappa,
    confusion_table,
    krippendorff_alpha,
    reliability,
    theme_reliability,
)

SENTIMENTS = ["mixed", "negative", "neutral", "positive"]


def _random_pair(seed: int, n: int = 300, labels=SENTIMENTS, agree: float = 0.6,
                 missing: float = 0.0):
    """Two correlated codings: the second copies the first with probability ``agree``."""
    rng = np.random.default_rng(seed)
    shares = np.linspace(1, 3, len(labels))
    a = rng.choice(labels, size=n, p=shares / shares.sum())
    b = np.where(rng.random(n) < agree, a, rng.choice(labels, size=n)).astype(object)
    a = a.astype(object)
    a[rng.random(n) < missing] = None
    b[rng.random(n) < missing] = np.nan
    return a, b


# --- Krippendorff's alpha --------------------------------------------------------------------

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability, section C ("nominal data,
# any number of observers, missing data"), https://repository.upenn.edu/asc_papers/43: four
# observers, twelve units, published nominal alpha 0.743. Rows are units, columns observers.
KRIPPENDORFF_2011_C = pd.DataFrame({
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}, index=pd.RangeIndex(1, 13, name="unit"))


def test_alpha_reproduces_krippendorffs_published_nominal_example():
    assert round(krippendorff_alpha(KRIPPENDORFF_2011_C), 3) == 0.743
    # Hand check through the coincidence matrix: n = 40 pairable values (unit 12 has one);
    # values 1…5 occur n_c = 9, 13, 10, 5, 3 times; the diagonal,
    # Σ_u Σ_c n_uc (n_uc − 1) / (m_u − 1), is 3 + 2 + 4 + 4 + 4 + 0 + 4 + 2 + 4 + 3 + 2 = 32
    # over units 1…11.
    n, diagonal, by_value = 40, 32, np.array([9, 13, 10, 5, 3])
    expected = 1 - (n - 1) * (n - diagonal) / (n ** 2 - (by_value ** 2).sum())
    assert krippendorff_alpha(KRIPPENDORFF_2011_C) == pytest.approx(expected, abs=1e-12)


def test_alpha_from_a_long_table_pivoted_to_one_column_per_coder():
    long = KRIPPENDORFF_2011_C.reset_index().melt(id_vars="unit", var_name="coder",
                                                  value_name="code").dropna()
    wide = long.pivot(index="unit", columns="coder", values="code")
    assert krippendorff_alpha(wide) == pytest.approx(krippendorff_alpha(KRIPPENDORFF_2011_C))


def test_alpha_equals_the_two_coder_closed_form_without_missing_data():
    first = ["neg", "neg", "pos", "neu", "neg", "pos", "neg", "neu", "neg", "pos"]
    second = ["neg", "pos", "pos", "neu", "neg", "pos", "neu", "neu", "neg", "neg"]
    # Two coders, N units, no missing: n = 2N values, d units in disagreement,
    # alpha = 1 − (n − 1) · 2d / (n² − Σ n_c²).  Here d = 3 (units 2, 7, 10); neg 5+4,
    # pos 3+3, neu 2+3: 1 − 19 · 6 / (400 − 81 − 36 − 25) = 1 − 114/258.
    n, d, n_c = 20, 3, np.array([9, 6, 5])
    closed_form = 1 - (n - 1) * 2 * d / (n ** 2 - (n_c ** 2).sum())
    assert round(closed_form, 5) == 0.55814
    assert krippendorff_alpha(pd.DataFrame({"a": first, "b": second})) == \
        pytest.approx(closed_form, abs=1e-12)


def test_alpha_ignores_comments_coded_once_and_coders_with_no_codings():
    data = pd.DataFrame({"a": ["x", "y", "y", "x"], "b": ["x", "y", "x", "x"]})
    extended = pd.concat([data, pd.DataFrame({"a": ["y", None], "b": [None, "x"]})],
                         ignore_index=True).assign(c=None)
    assert krippendorff_alpha(extended) == pytest.approx(krippendorff_alpha(data), abs=1e-12)


# --- Cohen's kappa ---------------------------------------------------------------------------

def test_kappa_reproduces_the_grant_proposal_example():
    # Wikipedia, "Cohen's kappa", Simple example: 50 grant proposals read by readers A and B;
    # both yes 20, A yes B no 5, A no B yes 10, both no 15.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    observed = (20 + 15) / 50                     # 0.7
    chance = (25 / 50) * (30 / 50) + (25 / 50) * (20 / 50)   # 0.5
    assert (observed - chance) / (1 - chance) == pytest.approx(0.4)
    assert cohens_kappa(a, b) == pytest.approx(0.4, abs=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_kappa_matches_scikit_learn_on_random_codings_with_missing_values_dropped(seed):
    a, b = _random_pair(seed, missing=0.1)
    both = ~(pd.isna(a) | pd.isna(b))
    expected = cohen_kappa_score(a[both].astype(str), b[both].astype(str))
    assert cohens_kappa(a, b) == pytest.approx(expected, abs=1e-12)


def test_perfect_agreement_gives_one_and_systematic_disagreement_is_below_chance():
    a = ["positive", "negative"] * 5
    swapped = ["negative", "positive"] * 5
    assert cohens_kappa(a, a) == 1.0
    assert krippendorff_alpha(pd.DataFrame({"a": a, "b": a})) == 1.0
    # Every comment disagrees while each coder uses both labels equally: p_o = 0, p_e = 0.5.
    assert cohens_kappa(a, swapped) == -1.0
    # alpha = 1 − (20 − 1) · 2 · 10 / (20² − 10² − 10²) = −0.9
    assert krippendorff_alpha(pd.DataFrame({"a": a, "b": swapped})) == pytest.approx(-0.9)


def test_one_label_only_gives_nan_because_chance_agreement_is_certain():
    same = ["negative"] * 6
    assert math.isnan(cohens_kappa(same, same))
    assert math.isnan(krippendorff_alpha(pd.DataFrame({"a": same, "b": same})))
    result = reliability(same, same)
    assert result.percent_agreement == 100.0
    assert math.isnan(result.cohens_kappa) and math.isnan(result.krippendorff_alpha)


# --- per-label agreement and confusion -------------------------------------------------------

def test_confusion_table_counts_by_hand():
    reference = ["negative", "negative", "positive", "neutral", "negative", "mixed", None]
    predicted = ["negative", "positive", "positive", "negative", "negative", "negative", "mixed"]
    table = confusion_table(reference, predicted, labels=SENTIMENTS)
    expected = pd.DataFrame(
        [[0, 1, 0, 0],   # mixed → negative
         [0, 2, 0, 1],   # negative → negative twice, → positive once
         [0, 1, 0, 0],   # neutral → negative
         [0, 0, 0, 1]],  # positive → positive; the last pair is dropped (no reference)
        index=pd.Index(SENTIMENTS, name="reference"),
        columns=pd.Index(SENTIMENTS, name="predicted"))
    pd.testing.assert_frame_equal(table, expected)


def test_confusion_table_matches_scikit_learn_on_random_codings():
    a, b = _random_pair(5)
    table = confusion_table(a, b)
    assert table.index.tolist() == SENTIMENTS == table.columns.tolist()
    np.testing.assert_array_equal(table.to_numpy(),
                                  confusion_matrix(a.astype(str), b.astype(str),
                                                   labels=SENTIMENTS))


@pytest.mark.parametrize("seed", [6, 7])
def test_agreement_table_matches_scikit_learn_per_label_and_averages(seed):
    a, b = _random_pair(seed, labels=["mixed", "negative", "neutral"], agree=0.5)
    b[b == "neutral"] = "positive"  # a label the reference never uses
    labels = ["mixed", "negative", "neutral", "positive"]
    table = agreement_table(a, b, labels=labels)
    a, b = a.astype(str), b.astype(str)
    precision, recall, f1, support = precision_recall_fscore_support(
        a, b, labels=labels, zero_division=np.nan)
    per_label = table.loc[labels]
    np.testing.assert_allclose(per_label["precision"], precision, equal_nan=True)
    np.testing.assert_allclose(per_label["recall"], recall, equal_nan=True)
    np.testing.assert_allclose(per_label["f1"], f1, equal_nan=True)
    assert per_label["support"].tolist() == support.tolist()
    assert math.isnan(per_label.loc["neutral", "precision"])  # never predicted
    assert math.isnan(per_label.loc["positive", "recall"])    # never in the reference
    for row, average in [("macro avg", "macro"), ("weighted avg", "weighted")]:
        expected = precision_recall_fscore_support(a, b, labels=labels, average=average,
                                                   zero_division=np.nan)[:3]
        np.testing.assert_allclose(table.loc[row, ["precision", "recall", "f1"]].astype(float),
                                   expected)
        assert table.loc[row, "support"] == len(a)


def test_reliability_gathers_every_statistic_of_the_pair():
    reference = ["negative", "negative", "positive", "neutral", "negative", "mixed", None]
    predicted = ["negative", "positive", "positive", "neutral", "negative", "negative", "mixed"]
    result = reliability(reference, predicted)
    assert isinstance(result, Reliability)
    assert result.n == 6
    assert result.percent_agreement == pytest.approx(100 * 4 / 6)
    assert result.cohens_kappa == pytest.approx(cohens_kappa(reference, predicted))
    assert result.krippendorff_alpha == pytest.approx(
        krippendorff_alpha(pd.DataFrame({"r": reference, "p": predicted})))
    pd.testing.assert_frame_equal(result.per_class, agreement_table(reference, predicted))
    pd.testing.assert_frame_equal(result.confusion, confusion_table(reference, predicted))
    assert result.macro_f1 == result.per_class.loc["macro avg", "f1"]
    summary = result.summary()
    assert summary.columns.tolist() == ["n", "percent_agreement", "cohens_kappa",
                                        "krippendorff_alpha", "macro_f1"]
    assert summary.iloc[0].tolist() == pytest.approx(
        [6, 100 * 4 / 6, result.cohens_kappa, result.krippendorff_alpha, result.macro_f1])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.n = 7


def test_demo_council_coders_agreement_matches_scikit_learn_and_the_coder_table(
        demo_workspace):
    hand = pd.read_csv(demo_workspace / "hand_coded.csv")
    wide = hand.pivot(index="comment_id", columns="coder", values="sentiment")
    both = wide.dropna()
    assert len(both) == 200  # the double-coded sample
    result = reliability(wide["coder_a"], wide["coder_b"], labels=SENTIMENTS)
    assert result.n == 200
    assert result.cohens_kappa == pytest.approx(cohen_kappa_score(both["coder_a"],
                                                                  both["coder_b"]))
    # With two coders, alpha over the coder table is the same statistic as in reliability().
    assert result.krippendorff_alpha == pytest.approx(krippendorff_alpha(wide))
    assert 0.5 < result.cohens_kappa < 1  # the demo's coders agree well but not perfectly


# --- themes ----------------------------------------------------------------------------------

CODES = ["W1", "W2", "S1", "X1", "Z1"]


def _random_themes(seed: int, n: int = 250):
    rng = np.random.default_rng(seed)
    said = rng.random((n, len(CODES))) < [0.3, 0.2, 0.25, 0.4, 0.05]
    flip = rng.random((n, len(CODES))) < 0.15
    given = said ^ flip
    given[:, -1] = False  # the model never gives Z1
    def as_text(matrix):
        return [";".join(code for code, yes in zip(CODES, row) if yes) for row in matrix]

    return said, given, as_text(said), as_text(given)


def test_theme_reliability_matches_scikit_learn_code_by_code_and_pooled():
    said, given, reference, predicted = _random_themes(8)
    table = theme_reliability(reference, predicted, codes=CODES)
    for k, code in enumerate(CODES):
        precision, recall, f1, _ = precision_recall_fscore_support(
            said[:, k], given[:, k], average="binary", zero_division=np.nan)
        row = table.loc[code]
        np.testing.assert_allclose(row[["precision", "recall", "f1"]].astype(float),
                                   [precision, recall, f1], equal_nan=True)
        assert row["kappa"] == pytest.approx(cohen_kappa_score(said[:, k], given[:, k]))
        assert row["support"] == said[:, k].sum() and row["predicted"] == given[:, k].sum()
    micro = precision_recall_fscore_support(said, given, average="micro", zero_division=np.nan)
    np.testing.assert_allclose(table.loc["micro avg", ["precision", "recall", "f1"]].astype(float),
                               micro[:3])
    assert table.loc["micro avg", "kappa"] == pytest.approx(
        cohen_kappa_score(said.ravel(), given.ravel()))
    macro = precision_recall_fscore_support(said, given, average="macro", zero_division=np.nan)
    np.testing.assert_allclose(table.loc["macro avg", ["precision", "recall", "f1"]].astype(float),
                               macro[:3])
    assert math.isnan(table.loc["Z1", "precision"])  # never predicted


def test_theme_codes_may_be_lists_or_strings_with_spaces_and_missing_rows_are_left_out():
    reference = ["W1; X1", ["W1"], "S1", "", None]
    predicted = [["W1"], "W1;S1", " S1 ", [], "W2"]
    table = theme_reliability(reference, predicted, codes=["W1", "S1", "X1", "W2"])
    assert table["support"].tolist() == [2, 1, 1, 0, 4, 4]
    assert table["predicted"].tolist() == [2, 2, 0, 0, 4, 4]
    assert table.index.tolist() == ["W1", "S1", "X1", "W2", "micro avg", "macro avg"]
    # W2 was only given on the dropped row: no decision either way, so nothing is defined.
    assert table.loc["W2", ["precision", "recall", "f1", "kappa"]].isna().all()


# --- bad input -------------------------------------------------------------------------------

def test_codings_of_different_lengths_are_refused():
    with pytest.raises(ValueError) as error:
        cohens_kappa(["a", "b", "c"], ["a", "b"])
    assert str(error.value) == ("first coder has 3 values and second coder has 2; give one "
                                "value per comment in each, in the same order.")


def test_series_with_different_indexes_are_refused_rather_than_misaligned():
    with pytest.raises(ValueError) as error:
        reliability(pd.Series(["a", "b"], index=["C1", "C2"]),
                    pd.Series(["a", "b"], index=["C2", "C1"]))
    assert str(error.value) == ("reference and predicted are Series with different indexes, so "
                                "their comments cannot be paired. Align them first, e.g. join "
                                "both on comment_id.")


def test_no_comment_coded_by_both_is_refused():
    with pytest.raises(ValueError) as error:
        agreement_table(["a", None], [None, "b"])
    assert str(error.value) == ("No comment has a value in both reference and predicted; "
                                "agreement needs comments coded by both.")


def test_a_label_outside_the_listed_labels_is_refused():
    with pytest.raises(ValueError) as error:
        reliability(["negative", "Negative"], ["negative", "postive"], labels=SENTIMENTS)
    assert str(error.value) == (
        "Labels 'Negative', 'postive' are used but not in labels ('mixed', 'negative', "
        "'neutral', 'positive'). Correct the coding or add them to labels.")


def test_alpha_without_any_double_coded_comment_is_refused():
    with pytest.raises(ValueError) as error:
        krippendorff_alpha(pd.DataFrame({"a": ["x", None], "b": [None, "y"]}))
    assert str(error.value) == (
        "krippendorff_alpha: no comment was coded by two or more coders, so there is nothing "
        "to compare. Give one column per coder and one row per comment, with the double-coded "
        "comments in rows of their own.")


def test_theme_codes_outside_the_code_frame_are_refused_with_counts():
    with pytest.raises(ValueError) as error:
        theme_reliability(["W1;W9", "w1", "W9"], ["W1", "W1", "W1"], codes=["W1", "W2"])
    assert str(error.value) == (
        "reference_codes uses codes not in the code frame: 'W9' (2 comments), 'w1' (1 comment). "
        "Correct them or add them to codes (allowed: W1, W2).")

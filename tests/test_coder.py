"""The coding workflow: rules with theme sentiment, campaign-aware theme counts, the trained
classifier, the review queue and the demo council end to end."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from pmresearch.coding.classifier import (SentimentClassifier, ThemeClassifier,
                                          cross_validated_predictions, load_model, save_model)
from pmresearch.coding.coder import CodedComments, code_by_rules, code_comments, theme_summary
from pmresearch.coding.themes import compile_codeframe
from pmresearch.workspace import load_workspace

from test_sentiment import write as write_lexicon

SETTINGS = {"neutral_band": 0.05, "mixed_threshold": 1.0, "review_threshold": 0.6,
            "top_issue_share": 0.10, "top_issue_min_comments": 20,
            "top_issue_negative_share": 0.60}


@pytest.fixture
def parameters(tmp_path):
    lexicon, problems = write_lexicon(tmp_path)
    assert problems == []
    codeframe = pd.DataFrame({
        "code": ["A", "B", "Z1", "Z2"], "label": ["Potholes", "Bins", "Other", "Nothing"],
        "service_id": ["highways", "waste", "", ""], "description": "",
        "include": [["pothole*"], ["bin*"], [], ["no", "comment*"]],
        "exclude": [[], [], [], []],
        "special": ["", "", "none_of_the_above", "no_substantive_content"]})
    return SimpleNamespace(settings={"coding": SETTINGS}, lexicon=lexicon,
                           theme_matcher=compile_codeframe(codeframe))


def test_each_theme_takes_the_sentiment_of_the_clause_that_raises_it(parameters):
    coded = code_by_rules(["The bins are lovely but the potholes are terrible.",
                           "Potholes everywhere. Terrible.", "No comment.", "Buses are late."],
                          parameters)
    # Clause 1: lovely 2.5 × 0.5 (before 'but') = +1.25; clause 2: terrible -3 × 1.5 = -4.5.
    assert coded.loc[0, "sentiment"] == "mixed"
    assert coded.loc[0, "theme_sentiments"] == "A:negative;B:positive"
    # The pothole sentence has no sentiment terms, so the theme takes the comment's label.
    assert coded.loc[1, "theme_sentiments"] == "A:negative"
    assert coded["themes"].tolist() == ["A;B", "A", "Z2", "Z1"]


def coded_fixture(rows: list[tuple[str, str, str, int, int, str]]) -> CodedComments:
    """A CodedComments from (comment_id, code, theme sentiment, group, group_size, date)."""
    frame = pd.DataFrame(rows, columns=["comment_id", "code", "sentiment", "group", "group_size",
                                        "date"])
    comments = frame.drop_duplicates("comment_id").assign(service_id="waste")
    mentions = frame.assign(service_id="waste")
    empty = pd.DataFrame()
    return CodedComments(comments=comments, mentions=mentions, quotes=empty, review_queue=empty,
                         reliability=empty, redaction=pd.Series(dtype=int), model=None)


def test_theme_counts_count_a_campaign_once_and_flag_top_issues():
    rows = [(f"C{i}", "B", "negative", i, 1, "2025-06-01") for i in range(15)]
    rows += [(f"C{i}", "B", "positive", i, 1, "2025-06-01") for i in range(15, 18)]
    # A campaign of 10 identical letters is group 99: one comment in the counts.
    rows += [(f"K{i}", "A", "negative", 99, 10, "2025-06-01") for i in range(10)]
    rows += [(f"C{i}", "Z1", "neutral", i, 1, "2025-06-01") for i in range(18, 22)]
    rows += [("OLD", "A", "negative", 500, 1, "2020-01-01")]  # outside the window
    codeframe = pd.DataFrame({"code": ["A", "B", "Z1"], "label": ["Potholes", "Bins", "Other"]})
    table = theme_summary(coded_fixture(rows), codeframe, "waste", pd.Timestamp("2025-04-01"),
                          pd.Timestamp("2025-09-30"), SETTINGS)
    # Base: 22 single comments + 1 campaign = 23 groups.
    assert table.attrs["base"] == 23 and table.attrs["comments_received"] == 32
    b, a = table.set_index("code").loc["B"], table.set_index("code").loc["A"]
    assert (b["comments"], b["negative"]) == (18, 15)
    assert b["pct_of_comments"] == pytest.approx(100 * 18 / 23)
    assert b["pct_negative"] == pytest.approx(100 * 15 / 18)
    assert bool(b["top_issue"])                     # 78% of comments, 83% negative, base 23
    assert (a["comments"], a["campaign_responses"]) == (1, 9)
    assert not bool(a["top_issue"])                 # 1 of 23 is under 10%
    assert table["code"].tolist() == ["B", "Z1", "A"]


def test_top_issue_needs_the_minimum_base():
    rows = [(f"C{i}", "B", "negative", i, 1, "2025-06-01") for i in range(19)]
    codeframe = pd.DataFrame({"code": ["B"], "label": ["Bins"]})
    table = theme_summary(coded_fixture(rows), codeframe, "waste", pd.Timestamp("2025-04-01"),
                          pd.Timestamp("2025-09-30"), SETTINGS)
    assert table["pct_negative"].tolist() == [100.0]
    assert table["top_issue"].tolist() == [False]  # 19 comments < 20


class _Spy(ClassifierMixin, BaseEstimator):
    """Predicts perfectly for any text it was trained on, and records what that was."""

    def fit(self, texts, labels):
        self.memory_ = dict(zip(texts, labels))
        self.classes_ = np.array(sorted(set(labels)), dtype=object)
        return self

    def predict_proba(self, texts):
        assert not set(texts) & set(self.memory_), "scored on a training row"
        return np.full((len(texts), len(self.classes_)), 1 / len(self.classes_))


def test_cross_validation_never_scores_a_comment_on_a_model_that_saw_it():
    texts = [f"comment {i}" for i in range(40)]
    labels = ["positive", "negative"] * 20
    out = cross_validated_predictions(_Spy(), texts, labels, folds=5)
    assert len(out) == 40 and out["confidence"].tolist() == [0.5] * 40


@pytest.fixture(scope="module")
def demo():
    ws = load_workspace()
    return ws, code_comments(ws)


def test_demo_final_sentiment_is_the_coders_label_else_a_confident_model_else_review(demo):
    ws, coded = demo
    comments = coded.comments.set_index("comment_id")
    coder_a = ws.hand_coded[ws.hand_coded["coder"] == "coder_a"].set_index("comment_id")
    assert (comments.loc[coder_a.index, "sentiment"] == coder_a["sentiment"]).all()
    assert (comments.loc[coder_a.index, "sentiment_source"] == "hand-coded (coder_a)").all()
    threshold = ws.parameters.settings["coding"]["review_threshold"]
    model = comments[comments["sentiment_source"] == "model"]
    assert (model["confidence"] >= threshold).all() and len(model) > 1000
    queued = comments[comments["needs_review"]]
    assert len(queued) > 0
    assert (queued["confidence"] < threshold).all() and (queued["sentiment"] == "").all()
    assert sorted(coded.review_queue["comment_id"]) == sorted(queued.index)
    assert list(coded.review_queue.columns[-3:]) == ["coder", "sentiment", "themes"]


def test_demo_redaction_counts_match_the_planted_personal_data(demo):
    ws, coded = demo
    gold = pd.read_csv(ws.path / "comments.csv", usecols=["pii_types"])["pii_types"]
    planted = gold.dropna().str.split(";").explode().value_counts()
    assert coded.redaction[planted.index].to_dict() == planted.to_dict()
    assert not coded.comments["text"].str.contains(r"@\w+\.\w", regex=True).any()


def test_demo_quotes_are_short_safe_and_one_per_campaign(demo):
    _, coded = demo
    quotes = coded.quotes
    comments = coded.comments.set_index("comment_id")
    assert len(quotes) > 100
    assert (quotes["n_words"] <= 60).all()
    assert (comments.loc[quotes["comment_id"], "personal_data_found"] == 0).all()
    groups = comments.loc[quotes["comment_id"], "group"].to_numpy()
    keyed = quotes.assign(group=groups).groupby(["service_id", "code", "sentiment"])
    assert (keyed["group"].nunique() == keyed.size()).all()
    assert (keyed.size() <= 3).all()


def test_demo_reliability_reports_coders_model_and_rules(demo):
    _, coded = demo
    table = coded.reliability.set_index(["comparison", "what"])
    coders = table.loc[("coder_b vs coder_a", "sentiment")]
    assert coders["n"] == 200 and coders["cohens_kappa"] > 0.7
    model = table.loc[("model vs coder_a (5-fold cross-validation)", "sentiment")]
    assert model["n"] == 600 and model["cohens_kappa"] > 0.6
    # Trained on the coder's own judgements, the model agrees with the coder better than the
    # rules alone do, for sentiment and for themes.
    rules = table.loc[("rules vs coder_a", "sentiment")]
    assert model["cohens_kappa"] > rules["cohens_kappa"]
    theme_model = table.loc[("model vs coder_a (5-fold cross-validation)", "themes")]
    assert theme_model["macro_f1"] > table.loc[("rules vs coder_a", "themes"), "macro_f1"]


def test_model_confidence_is_calibrated_against_the_reference_coder(demo):
    """Mean confidence ≈ share right, judged on comments the model never saw, against the
    reference coder's labels (what the calibration learned from) and the demo's gold labels
    (which are cleaner than any coder, so the model should do at least as well)."""
    ws, coded = demo
    texts = coded.comments.set_index("comment_id")["text"]
    gold = pd.read_csv(ws.path / "comments.csv", index_col="comment_id")["sentiment"]
    unseen = texts.index.difference(ws.hand_coded["comment_id"])
    confidence = coded.model.predict_confidence(texts.loc[unseen].tolist())
    right = coded.model.predict(texts.loc[unseen].tolist()) == gold.loc[unseen].to_numpy()
    assert right.mean() >= confidence.mean() - 0.02
    # Out-of-fold agreement with the reference coder is what the confidence promises.
    cv = coded.reliability.set_index(["comparison", "what"]).loc[
        ("model vs coder_a (5-fold cross-validation)", "sentiment"), "percent_agreement"]
    assert abs(cv / 100 - confidence.mean()) < 0.05


def test_sentiment_classifier_is_reproducible_and_survives_saving(tmp_path, demo):
    ws, coded = demo
    sample = ws.hand_coded[ws.hand_coded["coder"] == "coder_a"].head(200)
    texts = coded.comments.set_index("comment_id").loc[sample["comment_id"], "text"].tolist()
    lexicon = ws.parameters.lexicon
    first = SentimentClassifier(lexicon).fit(texts, sample["sentiment"])
    second = SentimentClassifier(lexicon).fit(texts, sample["sentiment"])
    probe = coded.comments["text"].head(50).tolist()
    assert np.array_equal(first.predict_proba(probe), second.predict_proba(probe))
    loaded = load_model(save_model(first, tmp_path / "model.joblib"))
    assert np.array_equal(loaded.predict_proba(probe), first.predict_proba(probe))


def test_classifier_says_which_label_is_too_rare(demo):
    ws, _ = demo
    with pytest.raises(ValueError, match="only 1 comment\\(s\\) coded 'mixed'; code at least 2"):
        SentimentClassifier(ws.parameters.lexicon).fit(
            ["good", "bad", "fine", "awful", "both"], ["positive", "negative", "positive",
                                                        "negative", "mixed"])


def test_theme_classifier_learns_codes_with_examples_and_keeps_rules_for_the_rest(demo):
    ws, coded = demo
    coder_a = ws.hand_coded[ws.hand_coded["coder"] == "coder_a"]
    texts = coded.comments.set_index("comment_id").loc[coder_a["comment_id"], "text"].tolist()
    model = ThemeClassifier(ws.parameters.theme_matcher).fit(texts, coder_a["themes"].tolist())
    counts = coder_a["themes"].str.split(";").explode().value_counts()
    enough = {c for c, n in counts.items() if n >= 8 and len(coder_a) - n >= 8}
    assert set(model.models_) == enough
    proba = model.predict_proba(texts[:20])
    assert list(proba.columns) == list(ws.parameters.theme_matcher.codes)


def test_a_hand_coded_sample_too_small_to_train_leaves_the_rules_to_code_everything():
    """A council that has hand-coded only a few comments gets rules-coded comments and the
    reason, never a traceback (one 'positive' cannot be cross-validated)."""
    from dataclasses import replace

    ws = load_workspace()
    comments = ws.comments.head(200)
    sample = pd.DataFrame({"comment_id": comments["comment_id"].head(3).to_numpy(),
                           "coder": "AB", "sentiment": ["negative", "negative", "positive"],
                           "themes": "Z1"})
    coded = code_comments(replace(ws, comments=comments, hand_coded=sample))
    assert coded.model is None
    assert coded.untrained_reason == (
        "the hand-coded sample has only 1 comment(s) coded 'positive'; code at least 2 (better "
        "20 or more) of each label, or recode those comments")
    assert (coded.comments["sentiment_source"] == "rules").all()
    assert coded.comments["sentiment"].tolist() == coded.comments["rule_sentiment"].tolist()
    assert coded.review_queue.empty and coded.reliability.empty


def test_two_comments_of_a_label_train_the_model_without_cross_validating_it():
    """Two of a label train the classifier; cross-validation would leave one in some fold's
    training rows, so the model's agreement is not reported rather than failing."""
    from dataclasses import replace

    ws = load_workspace()
    comments = ws.comments.head(200)
    sample = pd.DataFrame({"comment_id": comments["comment_id"].head(6).to_numpy(),
                           "coder": "AB", "sentiment": ["negative"] * 4 + ["positive"] * 2,
                           "themes": "Z1"})
    coded = code_comments(replace(ws, comments=comments, hand_coded=sample))
    assert coded.model is not None and coded.untrained_reason == ""
    assert coded.reliability["comparison"].tolist() == ["rules vs AB", "rules vs AB"]

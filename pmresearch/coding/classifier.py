"""A sentiment classifier trained on the hand-coded sample, with the rule scores as features.

The rules (:mod:`.sentiment`) know words; the hand-coded sample knows how this council's
residents write and how its coders judge. :class:`SentimentClassifier` joins them: word
n-grams (TF-IDF) next to the rule-based scores, and a class-balanced logistic regression (so
the rarer "mixed" and "neutral" are not swamped by "negative"). Its **confidence** is
calibrated: the probability that the label it gives is right, learned by Platt scaling from
cross-validated predictions on the training sample, so "0.8" means right about 8 times in 10
and a threshold can send doubtful comments to a person instead of guessing. (Calibrating each
class's probability instead, with scikit-learn's ``CalibratedClassifierCV``, undid the class
balance: cross-validated macro-F1 on the demo's hand-coded sample fell from 0.71 to 0.56.)
:class:`ThemeClassifier` does the same for themes, one yes/no model per code, with the code
frame's pattern matches as features; a code with too few coded examples keeps the rules' answer.

It is a scikit-learn estimator: ``fit(texts, labels)``, ``predict``, ``predict_proba``; it can
be cross-validated, pickled with :func:`save_model` and read back with :func:`load_model`.
Training is deterministic (fixed seeds, single-threaded solvers). Linear algebra runs on one
thread: on these small problems a BLAS thread pool costs more in hand-offs than it saves (a fit
took 9.3 s with OpenBLAS's threads and 1.6 s without, on the 2-core machine used here).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from ._tokens import tokenize
from .lexicon import Lexicon
from .sentiment import score_tokens, summarise

__all__ = ["RuleFeatures", "RuleThemes", "SentimentClassifier", "ThemeClassifier",
           "cross_validated_predictions", "cross_validated_themes", "load_model", "save_model",
           "sample_shortfall"]


def sample_shortfall(labels) -> str:
    """Why a hand-coded sample cannot train :class:`SentimentClassifier`, or ``""`` if it can.

    The classifier calibrates its confidence by cross-validation, stratified by label, so it
    needs at least two labels and two comments of each label it is given.

    Examples
    --------
    >>> sample_shortfall(["positive", "negative", "negative"])
    "the hand-coded sample has only 1 comment(s) coded 'positive'; code at least 2 (better 20 or more) of each label, or recode those comments"
    >>> sample_shortfall(["positive", "positive", "negative", "negative"])
    ''
    """
    counts = pd.Series(np.asarray(labels, dtype=object)).value_counts()
    if len(counts) < 2:
        only = f" ({counts.index[0]!r})" if len(counts) else ""
        return f"the hand-coded sample has only one sentiment label{only}; code examples of at least two"
    if counts.min() < 2:
        return (f"the hand-coded sample has only {counts.min()} comment(s) coded "
                f"{counts.index[-1]!r}; code at least 2 (better 20 or more) of each label, or "
                "recode those comments")
    return ""


class RuleFeatures(TransformerMixin, BaseEstimator):
    """The rule-based sentiment scores of each text, as numeric features.

    Columns: score, positive and negative totals, strongest positive and negative clause,
    number of terms, and whether the rules said positive / negative / neutral / mixed.
    """

    def __init__(self, lexicon: Lexicon | None = None):
        self.lexicon = lexicon

    def fit(self, texts, y=None):
        if self.lexicon is None:
            raise ValueError("RuleFeatures needs a lexicon: pass lexicon=read_lexicon() or the "
                             "workspace's parameters.lexicon.")
        self.n_features_in_ = 1
        return self

    def transform(self, texts):
        check_is_fitted(self, "n_features_in_")
        scores = score_tokens(tokenize(list(texts)), self.lexicon)
        # The label thresholds here only shape four indicator features; the model learns its
        # own boundaries from the scores, so the defaults serve every council.
        table = summarise(scores, score_scale=self.lexicon.weights["score_scale"],
                          neutral_band=0.05, mixed_threshold=1.0)
        labels = [(table["sentiment"] == label).to_numpy(float)
                  for label in ("positive", "negative", "neutral", "mixed")]
        return np.column_stack([table[c].to_numpy(float) for c in
                                ("score", "positive", "negative", "strongest_positive_clause",
                                 "strongest_negative_clause", "n_terms")] + labels)


class SentimentClassifier(ClassifierMixin, BaseEstimator):
    """Sentiment classifier over n-grams and rule scores, with a calibrated confidence.

    Parameters
    ----------
    lexicon : Lexicon
        The rule coder's lexicon (its scores are features).
    C : float
        Inverse regularisation strength of the logistic regression.
    rule_weight : float
        Scale of the standardised rule scores against the n-grams.
    calibration_folds : int
        Cross-validation folds whose predictions calibrate the confidence (reduced to the
        rarest label's count when that is smaller).
    random_state : int
        Seed of those folds.

    Attributes
    ----------
    classes_ : ndarray
        The labels, in the column order of :meth:`predict_proba`.
    model_ : Pipeline
        The fitted features and logistic regression.
    calibration_ : LogisticRegression or float
        Platt scaling from the top class probability to the chance the label is right (a
        constant when every cross-validated prediction was right, or every one wrong).

    Examples
    --------
    >>> from pmresearch.coding.lexicon import read_lexicon
    >>> texts = ["Brilliant service, thank you", "Rubbish, never collected",
    ...          "Great staff, very helpful", "Disgraceful, bins left for weeks",
    ...          "Lovely park, well kept", "Potholes everywhere, a shambles"] * 3
    >>> labels = ["positive", "negative"] * 9
    >>> model = SentimentClassifier(read_lexicon(), calibration_folds=3).fit(texts, labels)
    >>> model.predict(["The staff were brilliant", "A complete shambles"]).tolist()
    ['positive', 'negative']
    >>> bool((model.predict_confidence(["A complete shambles"]) > 0.5).all())
    True
    """

    def __init__(self, lexicon: Lexicon | None = None, *, C: float = 0.5,
                 rule_weight: float = 3.0, calibration_folds: int = 5, random_state: int = 0):
        self.lexicon = lexicon
        self.C = C
        self.rule_weight = rule_weight
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    def _pipeline(self) -> Pipeline:
        # The rule scores are few and strong, the n-grams many and weak: scaling the standardised
        # scores up lets one penalty (C) shrink the n-grams without shrinking the rules. Character
        # n-grams were tried and added nothing in cross-validation on either training sample.
        features = FeatureUnion([
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                      token_pattern=r"(?u)\b\w[\w']*\b")),
            ("rules", Pipeline([("scores", RuleFeatures(self.lexicon)),
                                ("standardise", StandardScaler()),
                                ("weight", FunctionTransformer(_times,
                                                               kw_args={"factor": self.rule_weight}))
                                ])),
        ])
        return Pipeline([("features", features),
                         ("model", LogisticRegression(C=self.C, class_weight="balanced",
                                                      max_iter=5000))])

    def fit(self, texts, labels):
        texts = _as_texts(texts)
        labels = np.asarray(labels, dtype=object)
        if len(texts) != len(labels):
            raise ValueError(f"fit got {len(texts)} texts but {len(labels)} labels; give one "
                             "label per text.")
        shortfall = sample_shortfall(labels)
        if shortfall:
            raise ValueError(shortfall + ".")
        folds = int(min(self.calibration_folds, pd.Series(labels).value_counts().min()))
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
        with threadpool_limits(limits=1, user_api="blas"):
            held_out = cross_val_predict(self._pipeline(), texts, labels, cv=cv,
                                         method="predict_proba")
            self.model_ = self._pipeline().fit(texts, labels)
        self.classes_ = self.model_.classes_
        right = self.classes_[held_out.argmax(axis=1)] == labels
        if right.all() or not right.any():
            self.calibration_ = float(right.mean())
        else:
            self.calibration_ = LogisticRegression().fit(_logit(held_out.max(axis=1)), right)
        return self

    def predict_proba(self, texts) -> np.ndarray:
        """Class-balanced probabilities of each label (columns ``classes_``); they rank the
        labels, while :meth:`predict_confidence` says how often the top one is right."""
        check_is_fitted(self, "model_")
        with threadpool_limits(limits=1, user_api="blas"):
            return self.model_.predict_proba(_as_texts(texts))

    def predict(self, texts) -> np.ndarray:
        proba = self.predict_proba(texts)
        return self.classes_[proba.argmax(axis=1)]

    def predict_confidence(self, texts) -> np.ndarray:
        """The calibrated probability that :meth:`predict`'s label is right, per text."""
        top = self.predict_proba(texts).max(axis=1)
        if isinstance(self.calibration_, float):
            return np.full(len(top), self.calibration_)
        return self.calibration_.predict_proba(_logit(top))[:, 1]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p)).reshape(-1, 1)


class RuleThemes(TransformerMixin, BaseEstimator):
    """Which codes the code frame's patterns give each text, as 0/1 features (one per code)."""

    def __init__(self, matcher=None):
        self.matcher = matcher

    def fit(self, texts, y=None):
        if self.matcher is None:
            raise ValueError("RuleThemes needs a compiled code frame: pass "
                             "matcher=parameters.theme_matcher.")
        self.codes_ = list(self.matcher.codes)
        return self

    def transform(self, texts):
        from .themes import code_themes

        check_is_fitted(self, "codes_")
        return _indicators(code_themes(_as_texts(texts), self.matcher)["themes"], self.codes_)


def _indicators(themes, codes: list[str]) -> np.ndarray:
    """0/1 matrix of texts × codes from ``;``-separated code lists."""
    column = {code: j for j, code in enumerate(codes)}
    out = np.zeros((len(themes), len(codes)))
    for i, text in enumerate(themes):
        for code in (text.split(";") if isinstance(text, str) else text):
            if code in column:
                out[i, column[code]] = 1.0
    return out


class ThemeClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label theme classifier: one logistic regression per code over n-grams and the
    code frame's matches; codes with fewer than ``min_examples`` coded yes (or no) examples
    keep the rules' answer.

    Parameters
    ----------
    matcher : ThemeMatcher
        The compiled code frame (``parameters.theme_matcher``).
    C : float
        Inverse regularisation strength.
    min_examples : int
        Fewest yes and no examples a code needs for a model of its own.

    Attributes
    ----------
    codes_ : list of str
        Codes, in the code frame's order (the columns of :meth:`predict_proba`).
    models_ : dict
        Code → fitted pipeline, for codes with enough examples.

    Examples
    --------
    >>> from pmresearch.workspace import load_workspace
    >>> matcher = load_workspace().parameters.theme_matcher
    >>> texts = ["Potholes everywhere", "The library should open on Sundays",
    ...          "Pot holes on Elm Road", "Library hours are too short"] * 5
    >>> themes = ["H1", "L1", "H1", "L1"] * 5
    >>> model = ThemeClassifier(matcher, min_examples=3).fit(texts, themes)
    >>> model.predict(["Another pothole", "Open the library longer"]).tolist()
    ['H1', 'L1']
    """

    def __init__(self, matcher=None, *, C: float = 4.0, min_examples: int = 8):
        self.matcher = matcher
        self.C = C
        self.min_examples = min_examples

    def fit(self, texts, themes):
        texts = _as_texts(texts)
        rules = RuleThemes(self.matcher).fit(texts)
        self.codes_ = rules.codes_
        targets = _indicators(list(themes), self.codes_)
        self.models_ = {}
        for j, code in enumerate(self.codes_):
            yes = int(targets[:, j].sum())
            if min(yes, len(texts) - yes) < self.min_examples:
                continue
            features = FeatureUnion([
                ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
                ("rules", RuleThemes(self.matcher))])
            with threadpool_limits(limits=1, user_api="blas"):
                self.models_[code] = Pipeline([
                    ("features", features),
                    ("model", LogisticRegression(C=self.C, class_weight="balanced",
                                                 max_iter=5000))]).fit(texts, targets[:, j])
        return self

    def predict_proba(self, texts) -> pd.DataFrame:
        """Probability of each code for each text (columns ``codes_``); a code without a
        model of its own gives the rules' 0 or 1."""
        check_is_fitted(self, "models_")
        texts = _as_texts(texts)
        proba = RuleThemes(self.matcher).fit(texts).transform(texts)
        for j, code in enumerate(self.codes_):
            if code in self.models_:
                proba[:, j] = self.models_[code].predict_proba(texts)[:, 1]
        return pd.DataFrame(proba, columns=self.codes_)

    def predict(self, texts) -> np.ndarray:
        """``;``-separated codes with probability ≥ 0.5, in code-frame order; the special
        codes (none of the above, no substantive content) only when no other code is given."""
        chosen = self.predict_proba(texts).to_numpy() >= 0.5
        codes = np.array(self.codes_, dtype=object)
        special = np.isin(codes, [self.matcher.none_of_the_above,
                                  self.matcher.no_substantive_content])
        chosen[:, special] &= ~chosen[:, ~special].any(axis=1, keepdims=True)
        return np.array([";".join(codes[row]) for row in chosen], dtype=object)


def _times(features, factor: float):
    return features * factor


def _as_texts(texts) -> list[str]:
    return ["" if not isinstance(t, str) else t for t in texts]


def cross_validated_predictions(estimator, texts, labels, *, folds: int = 5,
                                random_state: int = 0) -> pd.DataFrame:
    """Out-of-fold predictions: each text is predicted by a model that never saw it.

    Parameters
    ----------
    estimator : SentimentClassifier (or any classifier with predict_proba)
        Cloned afresh for every fold.
    texts, labels : sequences of equal length
    folds : int
        Stratified folds (reduced to the smallest label's count if that is fewer).

    Returns
    -------
    DataFrame
        ``predicted`` and ``confidence`` (the model's calibrated confidence, or its top
        probability if it has none), one
        row per text in input order.
    """
    texts = _as_texts(texts)
    labels = np.asarray(labels, dtype=object)
    counts = pd.Series(labels).value_counts()
    splitter = StratifiedKFold(n_splits=int(max(2, min(folds, counts.min()))), shuffle=True,
                               random_state=random_state)
    predicted = np.empty(len(texts), dtype=object)
    confidence = np.zeros(len(texts))
    text_array = np.asarray(texts, dtype=object)
    for train, test in splitter.split(text_array, labels):
        model = clone(estimator).fit(list(text_array[train]), labels[train])
        proba = model.predict_proba(list(text_array[test]))
        predicted[test] = model.classes_[proba.argmax(axis=1)]
        confidence[test] = (model.predict_confidence(list(text_array[test]))
                            if hasattr(model, "predict_confidence") else proba.max(axis=1))
    return pd.DataFrame({"predicted": predicted, "confidence": confidence})


def cross_validated_themes(estimator: ThemeClassifier, texts, themes, *, folds: int = 5,
                           random_state: int = 0) -> np.ndarray:
    """Out-of-fold theme predictions (``;``-separated codes), each text predicted by a model
    that never saw it; folds are shuffled with a fixed seed."""
    from sklearn.model_selection import KFold

    text_array = np.asarray(_as_texts(texts), dtype=object)
    themes = np.asarray(list(themes), dtype=object)
    predicted = np.empty(len(text_array), dtype=object)
    splitter = KFold(n_splits=folds, shuffle=True, random_state=random_state)
    for train, test in splitter.split(text_array):
        model = clone(estimator).fit(list(text_array[train]), list(themes[train]))
        predicted[test] = model.predict(list(text_array[test]))
    return predicted


def save_model(model: SentimentClassifier, path: str | Path) -> Path:
    """Write a fitted classifier with joblib; :func:`load_model` reads it back."""
    import joblib

    check_is_fitted(model, "model_")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)
    return path


def load_model(path: str | Path) -> SentimentClassifier:
    """Read a classifier written by :func:`save_model` (only open files you trust: pickle)."""
    import joblib

    model = joblib.load(Path(path))
    if not isinstance(model, SentimentClassifier):
        raise ValueError(f"{path} holds a {type(model).__name__}, not a SentimentClassifier; "
                         "save models with pmresearch.coding.classifier.save_model.")
    return model

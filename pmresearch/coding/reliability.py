"""How far two codings of the same comments agree: coder with coder, or model with coder.

Sentiment labels (``positive`` / ``negative`` / ``neutral`` / ``mixed``) and theme codes are
nominal: a disagreement is a disagreement, whichever two labels it is between. This module gives
the statistics councils and content analysts report for nominal codes:

* percent agreement — easy to read, but flattered by a dominant label;
* **Cohen's kappa** (Cohen 1960) — two coders, agreement beyond what each coder's own label
  shares would give by chance;
* **Krippendorff's alpha** (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability",
  https://repository.upenn.edu/asc_papers/43) — any number of coders, missing codings allowed,
  chance judged from the labels all coders used together;
* per-label precision, recall and F1 of a model against a reference coding, with macro
  (every label counts the same) and weighted (by the label's frequency) averages, and the
  confusion table behind them.

Conventions
-----------
Codings are given one value per comment, in the same order (or as pandas Series with the same
index). A missing value (None, NaN, ``pd.NA``) means "not coded": the comment is left out of any
statistic that pairs it, never counted as a disagreement.

A statistic that cannot be defined is ``nan``, not an error: kappa and alpha are ``nan`` when
only one label occurs (chance agreement is then certain and "agreement beyond chance" is 0/0);
precision is ``nan`` for a label the model never gave, recall for a label the reference never
gave. Averages leave ``nan`` values out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "Reliability",
    "agreement_table",
    "cohens_kappa",
    "confusion_table",
    "krippendorff_alpha",
    "reliability",
    "theme_reliability",
]


@dataclass(frozen=True, eq=False)
class Reliability:
    """Agreement of a predicted coding with a reference coding, from :func:`reliability`.

    Attributes
    ----------
    n : int
        Comments coded in both (pairs with a missing value are left out).
    percent_agreement : float
        Share of those comments given the same label, 0–100.
    cohens_kappa, krippendorff_alpha : float
        Chance-corrected agreement (1 = perfect, 0 = chance level, below 0 = worse than chance).
    macro_f1 : float
        Mean F1 over labels, every label counting the same.
    per_class : DataFrame
        :func:`agreement_table` of the two codings.
    confusion : DataFrame
        :func:`confusion_table` of the two codings.
    """

    n: int
    percent_agreement: float
    cohens_kappa: float
    krippendorff_alpha: float
    macro_f1: float
    per_class: pd.DataFrame
    confusion: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """The headline figures as a one-row table."""
        return pd.DataFrame({
            "n": [self.n], "percent_agreement": [self.percent_agreement],
            "cohens_kappa": [self.cohens_kappa], "krippendorff_alpha": [self.krippendorff_alpha],
            "macro_f1": [self.macro_f1]})


def cohens_kappa(a: Iterable, b: Iterable) -> float:
    """Cohen's kappa of two coders' nominal labels for the same comments.

    kappa = (p_o − p_e) / (1 − p_e), where p_o is the share of comments given the same label
    and p_e = Σ_k p_a(k) · p_b(k) is the agreement expected if each coder kept their own label
    shares but chose independently (Cohen 1960).

    Parameters
    ----------
    a, b : array-like or Series
        One label per comment from each coder, same order. Comments missing from either coder
        are left out.

    Returns
    -------
    float
        Kappa, or ``nan`` when both coders used one and the same label for every comment.

    Raises
    ------
    ValueError
        If the codings differ in length or index, or no comment is coded by both.

    Examples
    --------
    >>> a = ["negative", "negative", "positive", "neutral", "negative", None]
    >>> b = ["negative", "positive", "positive", "neutral", "negative", "negative"]
    >>> round(cohens_kappa(a, b), 4)  # p_o = 4/5, p_e = (3·2 + 1·2 + 1·1)/25 = 0.36
    0.6875
    """
    a, b = _paired(a, b, "first coder", "second coder")
    codes, _ = pd.factorize(np.concatenate([a, b]))
    return _kappa_from_table(_cross_counts(codes[:len(a)], codes[len(a):], codes.max() + 1))


def krippendorff_alpha(data: pd.DataFrame) -> float:
    """Krippendorff's alpha for nominal codes, any number of coders, missing codings allowed.

    Parameters
    ----------
    data : DataFrame
        One row per comment (unit), one column per coder; each cell the coder's label, or
        missing when that coder did not code that comment. A long table of codings becomes this
        shape with ``codings.pivot(index="comment_id", columns="coder", values="sentiment")``.

    Returns
    -------
    float
        Alpha = 1 − D_o / D_e from the coincidence matrix (Krippendorff 2011, section C): only
        comments with two or more codings count, each contributing its m_u (m_u − 1) ordered
        pairs of codings weighted 1 / (m_u − 1). ``nan`` when every pairable coding carries
        the same label.

    Raises
    ------
    ValueError
        If no comment has codings from two or more coders.

    Examples
    --------
    >>> codings = pd.DataFrame({"comment_id": ["C1", "C1", "C2", "C2", "C3", "C3", "C3"],
    ...                         "coder": ["ann", "bob", "ann", "bob", "ann", "bob", "cat"],
    ...                         "sentiment": ["negative", "negative", "positive", "neutral",
    ...                                       "positive", "positive", "positive"]})
    >>> table = codings.pivot(index="comment_id", columns="coder", values="sentiment")
    >>> round(krippendorff_alpha(table), 4)  # 1 − 6 × 2 / 28
    0.5714
    """
    values = pd.DataFrame(data).to_numpy(dtype=object)
    present = ~pd.isna(values)
    unit, _ = np.nonzero(present)
    codes, labels = pd.factorize(values[present])
    counts = np.zeros((values.shape[0], max(len(labels), 1)))
    np.add.at(counts, (unit, codes), 1)
    pairable = counts.sum(axis=1)
    counts = counts[pairable >= 2]
    pairable = pairable[pairable >= 2]
    if not len(pairable):
        raise ValueError("krippendorff_alpha: no comment was coded by two or more coders, so "
                         "there is nothing to compare. Give one column per coder and one row per "
                         "comment, with the double-coded comments in rows of their own.")
    weighted = counts / (pairable - 1)[:, None]
    coincidence = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    by_label = coincidence.sum(axis=1)
    n = by_label.sum()
    expected = n * n - (by_label ** 2).sum()
    if expected <= 0:
        return float("nan")
    return float(1 - (n - 1) * (n - np.trace(coincidence)) / expected)


def confusion_table(reference: Iterable, predicted: Iterable, *,
                    labels: Sequence | None = None) -> pd.DataFrame:
    """Counts of comments by reference label (rows) and predicted label (columns).

    Parameters
    ----------
    reference, predicted : array-like or Series
        One label per comment, same order; pairs with a missing value are left out.
    labels : sequence, optional
        Labels in the order to show (default: every label used, sorted). A label used but not
        listed is an error, so a typo cannot go uncounted.

    Returns
    -------
    DataFrame
        Integer counts; index named ``reference``, columns named ``predicted``.

    Examples
    --------
    >>> confusion_table(["negative", "negative", "positive"],
    ...                 ["negative", "positive", "positive"])  # doctest: +NORMALIZE_WHITESPACE
    predicted  negative  positive
    reference
    negative          1         1
    positive          0         1
    """
    table, labels = _confusion(reference, predicted, labels)
    return pd.DataFrame(table, index=pd.Index(labels, name="reference"),
                        columns=pd.Index(labels, name="predicted"))


def agreement_table(reference: Iterable, predicted: Iterable, *,
                    labels: Sequence | None = None) -> pd.DataFrame:
    """Precision, recall and F1 of the predicted labels against the reference, label by label.

    Parameters
    ----------
    reference, predicted : array-like or Series
        One label per comment, same order; pairs with a missing value are left out.
    labels : sequence, optional
        Labels to report, in order (default: every label used, sorted).

    Returns
    -------
    DataFrame
        Index ``label``: each label, then ``macro avg`` (labels count the same) and
        ``weighted avg`` (weighted by support). Columns ``precision`` (of comments predicted
        as the label, the share the reference agrees with), ``recall`` (of the reference's
        comments with the label, the share predicted), ``f1`` and ``support`` (reference count).
        Undefined values are ``nan`` and left out of the averages.

    Examples
    --------
    >>> agreement_table(["negative", "negative", "positive", "neutral"],
    ...                 ["negative", "positive", "positive", "positive"]).round(3)
    ... # doctest: +NORMALIZE_WHITESPACE
                  precision  recall     f1  support
    label
    negative          1.000     0.5  0.667        2
    neutral             NaN     0.0  0.000        1
    positive          0.333     1.0  0.500        1
    macro avg         0.667     0.5  0.389        4
    weighted avg      0.778     0.5  0.458        4
    """
    confusion, labels = _confusion(reference, predicted, labels)
    hits = np.diag(confusion).astype(float)
    support = confusion.sum(axis=1)
    given = confusion.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(given > 0, hits / given, np.nan)
        recall = np.where(support > 0, hits / support, np.nan)
        wrong = support + given - 2 * hits
        f1 = np.where(support + given > 0, 2 * hits / (2 * hits + wrong), np.nan)
    table = pd.DataFrame({"precision": precision, "recall": recall, "f1": f1,
                          "support": support.astype(np.int64)},
                         index=pd.Index(labels, name="label"))
    scores = table[["precision", "recall", "f1"]]
    weighted = {column: _nan_average(scores[column].to_numpy(), support)
                for column in scores.columns}
    averages = pd.DataFrame(
        {"precision": [scores["precision"].mean(), weighted["precision"]],
         "recall": [scores["recall"].mean(), weighted["recall"]],
         "f1": [scores["f1"].mean(), weighted["f1"]],
         "support": [int(support.sum())] * 2},
        index=pd.Index(["macro avg", "weighted avg"], name="label"))
    return pd.concat([table, averages])


def reliability(reference: Iterable, predicted: Iterable, *,
                labels: Sequence | None = None) -> Reliability:
    """Every agreement statistic of a predicted coding against a reference, in one call.

    Parameters
    ----------
    reference, predicted : array-like or Series
        One label per comment, same order (e.g. a coder's sentiment and the model's); pairs
        with a missing value are left out.
    labels : sequence, optional
        Labels in reporting order (default: every label used, sorted).

    Returns
    -------
    Reliability

    Examples
    --------
    >>> coder = ["negative", "negative", "positive", "neutral", "negative", "mixed"]
    >>> model = ["negative", "positive", "positive", "neutral", "negative", "negative"]
    >>> result = reliability(coder, model)
    >>> result.summary().round(3)
       n  percent_agreement  cohens_kappa  krippendorff_alpha  macro_f1
    0  6             66.667           0.5               0.532     0.583
    """
    reference, predicted = _paired(reference, predicted, "reference", "predicted")
    per_class = agreement_table(reference, predicted, labels=labels)
    return Reliability(
        n=len(reference),
        percent_agreement=float(100 * np.mean(reference == predicted)),
        cohens_kappa=cohens_kappa(reference, predicted),
        krippendorff_alpha=krippendorff_alpha(pd.DataFrame({"reference": reference,
                                                            "predicted": predicted})),
        macro_f1=float(per_class.loc["macro avg", "f1"]),
        per_class=per_class,
        confusion=confusion_table(reference, predicted, labels=labels))


def theme_reliability(reference_codes: Iterable, predicted_codes: Iterable, *,
                      codes: Sequence[str]) -> pd.DataFrame:
    """Agreement on multi-label theme codes, each code judged as a yes/no decision per comment.

    Parameters
    ----------
    reference_codes, predicted_codes : array-like or Series
        Each comment's codes as a ``;``-separated string (``"W1;X1"``, as in
        ``hand_coded.csv``) or a list of codes; ``""`` or ``[]`` means "no code", a missing value
        means "not coded" and leaves the comment out.
    codes : sequence of str
        The code frame, in reporting order. A code used but not listed is an error.

    Returns
    -------
    DataFrame
        Index ``code``: each code, then ``micro avg`` (all comment × code decisions pooled) and
        ``macro avg`` (mean over codes, ``nan`` left out). Columns ``support`` (reference
        comments with the code), ``predicted`` (predicted comments with the code),
        ``precision``, ``recall``, ``f1`` and ``kappa`` (Cohen's kappa of the yes/no decisions;
        ``nan`` for a code neither coding used).

    Examples
    --------
    >>> coder = ["W1;X1", "W1", "S2", ""]
    >>> model = ["W1", "W1;S2", "S2", "X1"]
    >>> theme_reliability(coder, model, codes=["W1", "S2", "X1"]).round(3)
    ... # doctest: +NORMALIZE_WHITESPACE
               support  predicted  precision  recall     f1  kappa
    code
    W1               2          2        1.0   1.000  1.000  1.000
    S2               1          2        0.5   1.000  0.667  0.500
    X1               1          1        0.0   0.000  0.000 -0.333
    micro avg        4          5        0.6   0.750  0.667  0.471
    macro avg        4          5        0.5   0.667  0.556  0.389
    """
    reference_codes, predicted_codes = _paired(reference_codes, predicted_codes,
                                               "reference_codes", "predicted_codes")
    codes = list(codes)
    if len(set(codes)) != len(codes) or not codes:
        raise ValueError("theme_reliability: codes must list each code of the code frame once "
                         f"(got {codes!r}).")
    said = _code_matrix(reference_codes, codes, "reference_codes")
    given = _code_matrix(predicted_codes, codes, "predicted_codes")
    hits = (said & given).sum(axis=0)
    only_said = (said & ~given).sum(axis=0)
    only_given = (~said & given).sum(axis=0)
    neither = (~said & ~given).sum(axis=0)
    counts = np.column_stack([hits, only_given, only_said, neither])
    pooled = counts.sum(axis=0, keepdims=True)
    table = _binary_scores(np.vstack([counts, pooled]))
    table.index = pd.Index(codes + ["micro avg"], name="code")
    macro = table.iloc[:-1].drop(columns=["support", "predicted"]).mean()
    table.loc["macro avg"] = {**macro.to_dict(), "support": table.loc["micro avg", "support"],
                              "predicted": table.loc["micro avg", "predicted"]}
    table[["support", "predicted"]] = table[["support", "predicted"]].astype(np.int64)
    return table


def _paired(a: Iterable, b: Iterable, name_a: str, name_b: str) -> tuple[np.ndarray, np.ndarray]:
    """Both codings as object arrays, pairs with a missing value dropped."""
    if isinstance(a, pd.Series) and isinstance(b, pd.Series) and not a.index.equals(b.index):
        raise ValueError(f"{name_a} and {name_b} are Series with different indexes, so their "
                         "comments cannot be paired. Align them first, e.g. join both on "
                         "comment_id.")
    a, b = _object_array(a), _object_array(b)
    if len(a) != len(b):
        raise ValueError(f"{name_a} has {len(a)} values and {name_b} has {len(b)}; give one "
                         "value per comment in each, in the same order.")
    both = ~(_missing(a) | _missing(b))
    if not both.any():
        raise ValueError(f"No comment has a value in both {name_a} and {name_b}; agreement "
                         "needs comments coded by both.")
    return a[both], b[both]


def _object_array(values: Iterable) -> np.ndarray:
    # Through a Series so that lists of codes stay one cell each.
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    return series.to_numpy(dtype=object)


def _missing(values: np.ndarray) -> np.ndarray:
    # On a 1-D object array pd.isna tests each cell as one value, so a list of theme codes is
    # present, not compared element by element.
    return np.asarray(pd.isna(values), dtype=bool)


def _labels(reference: np.ndarray, predicted: np.ndarray, labels: Sequence | None) -> list:
    used = pd.unique(np.concatenate([reference, predicted]))
    if labels is None:
        return sorted(used, key=str)
    labels = list(labels)
    if len(set(labels)) != len(labels):
        raise ValueError(f"labels must name each label once; got {labels!r}.")
    allowed = set(labels)
    unknown = [value for value in used if value not in allowed]
    if unknown:
        found = ", ".join(repr(v) for v in sorted(unknown, key=str))
        listed = ", ".join(repr(v) for v in labels)
        raise ValueError(f"Labels {found} are used but not in labels ({listed}). Correct the "
                         "coding or add them to labels.")
    return labels


def _confusion(reference: Iterable, predicted: Iterable,
               labels: Sequence | None) -> tuple[np.ndarray, list]:
    """Reference × predicted counts and the labels in their order."""
    reference, predicted = _paired(reference, predicted, "reference", "predicted")
    labels = _labels(reference, predicted, labels)
    table = _cross_counts(_codes(reference, labels), _codes(predicted, labels), len(labels))
    return table, labels


def _codes(values: np.ndarray, labels: list) -> np.ndarray:
    return pd.Index(labels).get_indexer(pd.Index(values, dtype=object))


def _cross_counts(a: np.ndarray, b: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(a * size + b, minlength=size * size).reshape(size, size)


def _kappa_from_table(table: np.ndarray) -> float:
    total = table.sum()
    observed = np.trace(table) / total
    chance = (table.sum(axis=1) @ table.sum(axis=0)) / total ** 2
    if np.isclose(chance, 1.0):
        return float("nan")
    return float((observed - chance) / (1 - chance))


def _nan_average(values: np.ndarray, weights: np.ndarray) -> float:
    keep = ~np.isnan(values) & (weights > 0)
    return float(np.average(values[keep], weights=weights[keep])) if keep.any() else float("nan")


def _binary_scores(counts: np.ndarray) -> pd.DataFrame:
    """Scores from rows of (both yes, only predicted, only reference, both no) counts."""
    hits, only_given, only_said, neither = counts.T.astype(float)
    total = counts.sum(axis=1)
    said, given = hits + only_said, hits + only_given
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(given > 0, hits / given, np.nan)
        recall = np.where(said > 0, hits / said, np.nan)
        f1 = np.where(said + given > 0, 2 * hits / (said + given), np.nan)
        observed = (hits + neither) / total
        chance = (said * given + (total - said) * (total - given)) / total ** 2
        kappa = np.where(np.isclose(chance, 1.0), np.nan, (observed - chance) / (1 - chance))
    return pd.DataFrame({"support": said, "predicted": given, "precision": precision,
                         "recall": recall, "f1": f1, "kappa": kappa})


def _code_matrix(values: np.ndarray, codes: list[str], name: str) -> np.ndarray:
    """Comments × codes, True where the comment carries the code."""
    as_text = pd.Series([";".join(map(str, v)) if isinstance(v, (list, tuple, set, np.ndarray))
                         else str(v) for v in values], dtype=object)
    tidy = as_text.str.replace(r"\s*;\s*", ";", regex=True).str.strip().str.strip(";")
    present = tidy.str.get_dummies(sep=";")
    unknown = [code for code in present.columns if code not in set(codes)]
    if unknown:
        counts = present[unknown].sum()
        found = ", ".join(f"'{code}' ({counts[code]} comment{'s' if counts[code] != 1 else ''})"
                          for code in unknown)
        raise ValueError(f"{name} uses codes not in the code frame: {found}. Correct them or "
                         f"add them to codes (allowed: {', '.join(codes)}).")
    return present.reindex(columns=codes, fill_value=0).to_numpy(dtype=bool)

"""Survey estimates: % satisfied, mean and net scores, with design-based standard errors.

Coding follows the LGA convention: 1 very satisfied (strongly agree) … 5 very dissatisfied
(4 on four-point items), 9 don't know, blank not asked. "% satisfied" is codes 1–2 over valid
answers, so don't-know answers are excluded from the base but reported as a share of answers.

Estimates take a :class:`~pmresearch.design.SurveyDesign` and follow R's ``survey`` package:
an estimate over valid answers (or a subgroup) is a *domain* mean, ``svymean(~y,
subset(design, valid))``, whose standard error is a Taylor linearisation over the whole design
(strata, PSUs, fpc), with the scores residualised on the calibration so that raking is
accounted for (see :mod:`pmresearch._variance`). Pass ``design.with_fixed_weights()`` to
treat the weights as fixed.

Every estimate table has the columns of :data:`ESTIMATE_COLUMNS` after any ``by`` columns:

* ``item``; ``estimate`` (a share 0–1, a mean code, or a net share −1…1) and its ``se``;
* ``ci_low``, ``ci_high``: for a proportion the logit interval of ``svyciprop(method =
  "logit")`` (Student t on the design's degrees of freedom, inside [0, 1]; an estimate of
  exactly 0 or 1, whose logit interval collapses, gets the Clopper–Pearson interval on the
  unweighted base); for mean and net scores estimate ± t quantile × se on the same degrees of
  freedom, as ``confint(svymean(...), df = degf(...))``. The degrees of freedom are R's
  ``degf`` of the subgroup's valid answers: PSUs minus strata (n − 1 for an unclustered,
  unstratified sample), so a design of 20 clustered wards gets t on 19, not the normal;
* ``n_unweighted`` (valid answers), ``n_weighted`` (their weights' sum);
* ``deff`` as ``svymean(deff = TRUE)`` (see :func:`pmresearch._variance.domain_means`) and
  ``n_effective`` = ``n_unweighted / deff``;
* ``pct_dont_know``: weighted don't-know answers as a percentage (0–100) of all answers;
* ``low_base`` (base below ``low_base`` but shown) and ``suppressed`` (base below
  ``min_base``: ``estimate``, ``se``, the interval, ``deff`` and ``n_effective`` are NaN).

Rows whose ``by`` value is blank belong to no subgroup; subgroups without any answer to the
item (not asked) are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._variance import (DesignStructure, design_df, design_structure, difference_variance,
                        domain_means, logit_interval, satterthwaite_df, t_interval, t_test)
from .design import SurveyDesign

__all__ = [
    "DONT_KNOW",
    "ESTIMATE_COLUMNS",
    "SATISFIED_CODES",
    "SUBGROUP_COMPARISON_COLUMNS",
    "WAVE_COMPARISON_COLUMNS",
    "benjamini_hochberg",
    "compare_subgroups",
    "compare_waves",
    "mean_score",
    "net_score",
    "proportion",
]

DONT_KNOW = 9
SATISFIED_CODES = (1, 2)

#: Columns of :func:`proportion`, :func:`mean_score` and :func:`net_score` after any ``by``.
ESTIMATE_COLUMNS = ("item", "estimate", "se", "ci_low", "ci_high", "n_unweighted", "n_weighted",
                    "n_effective", "deff", "pct_dont_know", "low_base", "suppressed")
#: Columns of :func:`compare_waves` after the ``by`` columns.
WAVE_COMPARISON_COLUMNS = ("item", "estimate_a", "estimate_b", "n_unweighted_a", "n_unweighted_b",
                           "difference", "se", "ci_low", "ci_high", "z", "df", "p_value",
                           "significant", "low_base", "suppressed")
#: Columns of :func:`compare_subgroups` after the ``by`` columns.
SUBGROUP_COMPARISON_COLUMNS = ("item", "estimate", "estimate_rest", "n_unweighted",
                               "n_unweighted_rest", "difference", "se", "ci_low", "ci_high", "z",
                               "df", "p_value", "p_adjusted", "significant", "low_base",
                               "suppressed")


def _preview(values) -> str:
    shown = [repr(str(v)) for v in list(values)[:8]]
    return ", ".join(shown) + (", …" if len(values) > 8 else "")


def _item_codes(design: SurveyDesign, item: str) -> np.ndarray:
    """The item's codes as floats (NaN = not asked), after checking they are whole numbers."""
    data = design.data
    if not isinstance(item, str) or item not in data.columns:
        raise ValueError(f"item {item!r} is not a column of the design's data (found: "
                         f"{_preview(data.columns)}); expected the name of a survey item column")
    column = data[item]
    if pd.api.types.is_bool_dtype(column):
        bad = column.dropna()
    elif not pd.api.types.is_numeric_dtype(column):  # text: digits are codes, words are not
        numeric = pd.to_numeric(column.astype(object), errors="coerce")
        bad = column[numeric.isna() & column.notna()]
        column = numeric
    else:
        bad = column.iloc[:0]
    if len(bad):
        raise ValueError(f"column {item!r} has non-numeric codes (found: "
                         f"{_preview(pd.unique(bad))}); expected whole-number codes (1 = very "
                         "satisfied …, 9 = don't know) with blanks for not asked")
    codes = column.to_numpy(dtype=float, na_value=np.nan)
    wrong = np.isinf(codes) | (np.isfinite(codes) & (codes != np.round(codes)))
    if wrong.any():
        found = pd.unique(codes[wrong])
        raise ValueError(f"column {item!r} has codes that are not whole numbers (found: "
                         f"{_preview(found)}); expected whole-number codes such as 1–5 and 9")
    return codes


def _by_columns(design: SurveyDesign, by) -> list[str]:
    if by is None:
        return []
    columns = [by] if isinstance(by, str) else list(by)
    if not columns:
        raise ValueError("by: found an empty list; expected a column name, a list of them, "
                         "or None")
    for name in columns:
        if not isinstance(name, str) or name not in design.data.columns:
            raise ValueError(f"by column {name!r} is not a column of the design's data (found: "
                             f"{_preview(design.data.columns)}); expected a subgroup column such "
                             "as 'ward_code' or 'age_band'")
    return columns


def _groups(design: SurveyDesign, columns: list[str],
            answered: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Subgroups with at least one answer (sorted) and each row's subgroup (−1: none)."""
    n = len(design.data)
    if not columns:
        return pd.DataFrame(index=range(1)), np.zeros(n, dtype=np.int64)
    factorised = [pd.factorize(design.data[name], sort=True) for name in columns]
    codes = np.column_stack([c for c, _ in factorised])
    keep = (codes >= 0).all(axis=1) & answered
    if not keep.any():
        raise ValueError(f"by column{'s' if len(columns) > 1 else ''} {_preview(columns)} "
                         f"{'are' if len(columns) > 1 else 'is'} blank on every row that answered "
                         "the item; expected a subgroup for at least one answer")
    # One integer per combination of categories, in sorted order, so no row-wise sort.
    sizes = tuple(len(labels) for _, labels in factorised)
    combined = np.ravel_multi_index(tuple(codes[keep].T), sizes)
    present, inverse = np.unique(combined, return_inverse=True)
    group = np.full(n, -1, dtype=np.int64)
    group[keep] = inverse
    unique = np.column_stack(np.unravel_index(present, sizes))
    keys = pd.DataFrame({name: labels.take(unique[:, j])
                         for j, (name, (_, labels)) in enumerate(zip(columns, factorised))})
    return keys, group


def _check_options(level: float, min_base: int, low_base: int, dont_know: int) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level: found {level!r}; expected a confidence level between 0 and 1, "
                         "such as 0.95")
    for name, value in (("min_base", min_base), ("low_base", low_base)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name}: found {value!r}; expected a whole number of respondents "
                             "(0 or more)")
    if isinstance(dont_know, bool) or not isinstance(dont_know, (int, np.integer)):
        raise ValueError(f"dont_know: found {dont_know!r}; expected the whole-number code of "
                         "don't know, such as 9")


def _check_codes(codes: Sequence[int], dont_know: int) -> tuple[int, ...]:
    values = tuple(codes) if isinstance(codes, Sequence) and not isinstance(codes, str) else ()
    if not values or any(isinstance(c, bool) or not isinstance(c, (int, np.integer))
                         for c in values):
        raise ValueError(f"codes: found {codes!r}; expected a non-empty sequence of whole-number "
                         "answer codes, such as (1, 2)")
    if dont_know in values:
        raise ValueError(f"codes: found the don't-know code {dont_know} among {values}; expected "
                         "answer codes only (don't know is excluded from the base)")
    return values


@dataclass(frozen=True)
class _Answers:
    """An item's answers in a design, split into subgroups."""

    structure: DesignStructure
    codes: np.ndarray  # float, NaN = not asked
    answered: np.ndarray  # valid or don't know
    valid: np.ndarray
    columns: list[str]  # the by columns
    keys: pd.DataFrame  # one row per subgroup
    group: np.ndarray  # subgroup of each row, -1 for none

    def members(self) -> np.ndarray:
        """(n, G) boolean: valid answers of each subgroup."""
        return (self.group[:, None] == np.arange(len(self.keys))) & self.valid[:, None]

    def weight_total(self, rows: np.ndarray) -> np.ndarray:
        """Sum of weights of ``rows`` in each subgroup."""
        rows = rows & (self.group >= 0)
        return np.bincount(self.group[rows], weights=self.structure.weights[rows],
                           minlength=len(self.keys))


def _answers(design: SurveyDesign, item: str, by, dont_know: int) -> _Answers:
    codes = _item_codes(design, item)
    columns = _by_columns(design, by)
    structure = design_structure(design)
    answered = np.isfinite(codes)
    valid = answered & (codes != dont_know)
    if not valid.any():
        raise ValueError(f"column {item!r} has no valid answers (found only blanks and "
                         f"don't know, code {dont_know}); expected at least one answer to "
                         "estimate from")
    keys, group = _groups(design, columns, answered)
    return _Answers(structure, codes, answered, valid, columns, keys, group)


def _estimates(design: SurveyDesign, item: str, by, *, score, dont_know: int, level: float,
               min_base: int, low_base: int, interval: str, srs_replacement: bool,
               with_df: bool = False) -> pd.DataFrame:
    """The table shared by proportion, mean_score and net_score; ``score`` maps codes to y.

    ``with_df`` adds a last column ``df``: each subgroup's ``degf`` (for :func:`compare_waves`).
    """
    _check_options(level, min_base, low_base, dont_know)
    answers = _answers(design, item, by, dont_know)
    y = score(answers.codes, answers.valid)
    means = domain_means(design, answers.structure, y, answers.members(),
                         srs_replacement=srs_replacement)
    se = np.sqrt(means.variance)
    if interval == "logit":
        low, high = logit_interval(means.estimate, se, means.df, means.n_unweighted, level)
    else:
        low, high = t_interval(means.estimate, se, means.df, level)
    n = means.n_unweighted
    suppressed = (n < min_base) | (n == 0)
    hide = np.where(suppressed, np.nan, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_effective = n / means.deff
        pct_dont_know = (100 * answers.weight_total(answers.answered & ~answers.valid)
                         / answers.weight_total(answers.answered))
    table = answers.keys.assign(
        item=item, estimate=means.estimate * hide, se=se * hide, ci_low=low * hide,
        ci_high=high * hide, n_unweighted=n.astype(np.int64), n_weighted=means.n_weighted,
        n_effective=n_effective * hide, deff=means.deff * hide, pct_dont_know=pct_dont_know,
        low_base=~suppressed & (n < low_base), suppressed=suppressed, df=means.df)
    return table[answers.columns + list(ESTIMATE_COLUMNS) + (["df"] if with_df else [])]


def proportion(design: SurveyDesign, item: str, *, codes: Sequence[int] = SATISFIED_CODES,
               by: str | Sequence[str] | None = None, dont_know: int = DONT_KNOW,
               level: float = 0.95, min_base: int = 50, low_base: int = 100,
               srs_replacement: bool = False) -> pd.DataFrame:
    """Weighted share of valid answers with one of ``codes`` ("% satisfied"), by subgroup.

    The R equivalent is ``svyciprop(~I(item %in% codes), subset(design, valid), method =
    "logit")`` for each subgroup: the standard error keeps the full design (strata, PSUs, fpc,
    calibration).

    Parameters
    ----------
    design : SurveyDesign
        The weighted survey; its data holds ``item`` and the ``by`` columns.
    item : str
        Item column of whole-number codes; blank = not asked.
    codes : sequence of int, default (1, 2)
        The answers counted (very + fairly satisfied).
    by : str or list of str, optional
        Subgroup columns (crossed when several); one row per subgroup, sorted.
    dont_know : int, default 9
        Don't-know code, excluded from the base and reported as ``pct_dont_know``.
    level : float, default 0.95
        Confidence level of the interval.
    min_base, low_base : int, default 50, 100
        Suppress below ``min_base`` valid answers; flag ``low_base`` below ``low_base``
        (``parameters/rules.yaml``, ``settings.suppression``).
    srs_replacement : bool, default False
        Compare with simple random sampling with replacement in ``deff`` (R's ``deff =
        "replace"``); use it when the weights are scaled to the sample rather than the
        population.

    Returns
    -------
    DataFrame
        The ``by`` columns, then :data:`ESTIMATE_COLUMNS` (module docstring).

    Raises
    ------
    ValueError
        For an unknown item or ``by`` column, non-numeric codes, an item with no valid answers,
        bad options, or a design whose structure does not allow a variance.

    Examples
    --------
    >>> from pmresearch.design import SurveyDesign
    >>> data = pd.DataFrame({"sat": [1, 2, 2, 4, 5, 9] * 20, "sex": ["F", "M", "F"] * 40})
    >>> design = SurveyDesign(data, weights=np.full(120, 500.0))
    >>> row = proportion(design, "sat").iloc[0]
    >>> print(f"{row.estimate:.0%} (95% CI {row.ci_low:.0%} to {row.ci_high:.0%}), "
    ...       f"base {row.n_unweighted}, DK {row.pct_dont_know:.0f}%")
    60% (95% CI 50% to 69%), base 100, DK 17%
    >>> proportion(design, "sat", by="sex", min_base=50)[["sex", "n_unweighted", "suppressed"]]
      sex  n_unweighted  suppressed
    0   F            60       False
    1   M            40        True
    """
    return _proportion(design, item, codes=codes, by=by, dont_know=dont_know, level=level,
                       min_base=min_base, low_base=low_base, srs_replacement=srs_replacement)


def _proportion(design: SurveyDesign, item: str, *, codes, by, dont_know: int, level: float,
                min_base: int, low_base: int, srs_replacement: bool = False,
                with_df: bool = False) -> pd.DataFrame:
    wanted = _check_codes(codes, dont_know)
    return _estimates(design, item, by, score=lambda c, valid: np.isin(c, wanted).astype(float),
                      dont_know=dont_know, level=level, min_base=min_base, low_base=low_base,
                      interval="logit", srs_replacement=srs_replacement, with_df=with_df)


def mean_score(design: SurveyDesign, item: str, *, by: str | Sequence[str] | None = None,
               dont_know: int = DONT_KNOW, level: float = 0.95, min_base: int = 50,
               low_base: int = 100, srs_replacement: bool = False) -> pd.DataFrame:
    """Weighted mean code of the valid answers, by subgroup (lower = more satisfied).

    As ``svymean(~item, subset(design, valid))``; the interval is ``confint(m, df =
    degf(subset(design, valid)))``, estimate ± t quantile × se on the design's degrees of
    freedom, as ``svyciprop`` does for a proportion (R's ``confint`` of a ``svymean`` would
    use the normal unless given ``df``). Parameters, returns and errors as
    :func:`proportion`.

    Examples
    --------
    >>> from pmresearch.design import SurveyDesign
    >>> data = pd.DataFrame({"sat": [1, 2, 2, 4, 5, 9] * 20})
    >>> row = mean_score(SurveyDesign(data, weights=np.ones(120)), "sat").iloc[0]
    >>> print(f"mean {row.estimate:.2f} ± {row.ci_high - row.estimate:.2f}")
    mean 2.80 ± 0.29
    """
    return _estimates(design, item, by, score=lambda c, valid: c, dont_know=dont_know,
                      level=level, min_base=min_base, low_base=low_base, interval="normal",
                      srs_replacement=srs_replacement)


def net_score(design: SurveyDesign, item: str, *, scale_points: int,
              by: str | Sequence[str] | None = None, dont_know: int = DONT_KNOW,
              level: float = 0.95, min_base: int = 50, low_base: int = 100,
              srs_replacement: bool = False) -> pd.DataFrame:
    """Share in the top two codes minus share in the bottom two, over valid answers (−1 … 1).

    The net score is the domain mean of +1 (codes 1–2), −1 (the bottom two codes of the
    scale) and 0 (the middle), so its standard error linearises the difference of the two
    shares in one step, covariance included. The interval is estimate ± t quantile × se on the
    design's degrees of freedom, as :func:`mean_score`.

    Parameters
    ----------
    scale_points : int
        Number of scale points (5, or 4 for agree/disagree items); the bottom two codes are
        ``scale_points - 1`` and ``scale_points``. Valid codes must lie in 1 … scale_points.

    Other parameters, returns and errors as :func:`proportion`.

    Examples
    --------
    >>> from pmresearch.design import SurveyDesign
    >>> data = pd.DataFrame({"safe": [1, 2, 2, 3, 4, 9] * 20})
    >>> row = net_score(SurveyDesign(data, weights=np.ones(120)), "safe", scale_points=4).iloc[0]
    >>> print(f"net {row.estimate:+.0%}")
    net +20%
    """
    if isinstance(scale_points, bool) or not isinstance(scale_points, (int, np.integer)) or \
            scale_points < 4:
        raise ValueError(f"scale_points: found {scale_points!r}; expected the number of scale "
                         "points, 4 or more (top two and bottom two codes must not overlap)")

    def score(codes: np.ndarray, valid: np.ndarray) -> np.ndarray:
        outside = valid & ((codes < 1) | (codes > scale_points))
        if outside.any():
            raise ValueError(f"column {item!r} has codes outside 1–{scale_points} (found: "
                             f"{_preview(np.unique(codes[outside]).astype(int))}); expected "
                             f"1–{scale_points} and {dont_know} for don't know")
        return (codes <= 2).astype(float) - (codes >= scale_points - 1).astype(float)

    return _estimates(design, item, by, score=score, dont_know=dont_know, level=level,
                      min_base=min_base, low_base=low_base, interval="normal",
                      srs_replacement=srs_replacement)


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha: found {alpha!r}; expected a significance level between 0 "
                         "and 1, such as 0.05")


def compare_waves(design_a: SurveyDesign, design_b: SurveyDesign, item: str, *,
                  codes: Sequence[int] = SATISFIED_CODES,
                  by: str | Sequence[str] | None = None, dont_know: int = DONT_KNOW,
                  alpha: float = 0.05, min_base: int = 50, low_base: int = 100) -> pd.DataFrame:
    """Change in "% satisfied" from wave a to wave b (b − a), two independent samples.

    Each wave's proportion and standard error come from :func:`proportion`; as the samples
    are independent, ``se = sqrt(se_a² + se_b²)``. The test is Student t on the
    Welch–Satterthwaite combination of the two waves' design degrees of freedom
    (:func:`pmresearch._variance.satterthwaite_df`; ``docs/assumptions.md`` says why)::

        df = (se_a² + se_b²)² / (se_a⁴ / degf_a + se_b⁴ / degf_b)

    where ``degf`` is that of each wave's valid answers in the subgroup. ``z`` is ``difference
    / se`` (the t statistic; the column keeps its name), ``p_value = 2 * pt(-|z|, df)`` and the
    interval ``difference ± qt(1 − alpha/2, df) · se``. R has no single call for two separate
    designs; the reference is, with ``m_a <- svymean(sat, subset(design_a, valid))`` and
    ``m_b`` alike::

        d <- coef(m_b) - coef(m_a); se <- sqrt(SE(m_a)^2 + SE(m_b)^2)
        df <- se^4 / (SE(m_a)^4 / degf(subset(design_a, valid)) +
                      SE(m_b)^4 / degf(subset(design_b, valid)))
        2 * pt(-abs(d / se), df); d + c(-1, 1) * qt(1 - alpha / 2, df) * se

    Parameters
    ----------
    design_a, design_b : SurveyDesign
        The earlier and later wave.
    alpha : float, default 0.05
        ``significant`` is ``p_value < alpha`` (``settings.significance.alpha``).

    Other parameters as :func:`proportion`.

    Returns
    -------
    DataFrame
        The ``by`` columns (subgroups of either wave), then :data:`WAVE_COMPARISON_COLUMNS`
        (``df``: the degrees of freedom of the test, not a whole number). A subgroup
        suppressed or absent in either wave is ``suppressed`` with NaN statistics;
        ``low_base`` flags a comparison where either shown base is low.

    Examples
    --------
    >>> from pmresearch.design import SurveyDesign
    >>> before = SurveyDesign(pd.DataFrame({"sat": [1] * 66 + [4] * 34}), weights=np.ones(100))
    >>> after = SurveyDesign(pd.DataFrame({"sat": [1] * 50 + [4] * 50}), weights=np.ones(100))
    >>> row = compare_waves(before, after, "sat").iloc[0]
    >>> print(f"{row.difference:+.0%}, p = {row.p_value:.3f}, significant: {row.significant}")
    -16%, p = 0.022, significant: True
    """
    _check_alpha(alpha)
    options = dict(codes=codes, by=by, dont_know=dont_know, level=1 - alpha, min_base=min_base,
                   low_base=low_base)
    a = _proportion(design_a, item, with_df=True, **options)
    b = _proportion(design_b, item, with_df=True, **options)
    keys = _by_columns(design_a, by)
    both = a.merge(b, on=keys or "item", how="outer", suffixes=("_a", "_b"), sort=True)
    suppressed = ~(both["suppressed_a"].eq(False) & both["suppressed_b"].eq(False)).to_numpy()
    estimate_a = both["estimate_a"].to_numpy(dtype=float)
    estimate_b = both["estimate_b"].to_numpy(dtype=float)
    difference = estimate_b - estimate_a
    se_a, se_b = both["se_a"].to_numpy(dtype=float), both["se_b"].to_numpy(dtype=float)
    se = np.hypot(se_a, se_b)
    df = satterthwaite_df(se_a ** 2, both["df_a"].to_numpy(dtype=float), se_b ** 2,
                          both["df_b"].to_numpy(dtype=float))
    low, high, z, p = t_test(difference, se, df, alpha)
    low_flag = both["low_base_a"].eq(True) | both["low_base_b"].eq(True)
    table = both[keys].assign(
        item=item, estimate_a=estimate_a, estimate_b=estimate_b,
        n_unweighted_a=both["n_unweighted_a"].fillna(0).astype(np.int64),
        n_unweighted_b=both["n_unweighted_b"].fillna(0).astype(np.int64),
        difference=difference, se=se, ci_low=low, ci_high=high, z=z, df=df, p_value=p,
        significant=~suppressed & (p < alpha), low_base=~suppressed & low_flag.to_numpy(),
        suppressed=suppressed)
    return table[keys + list(WAVE_COMPARISON_COLUMNS)].reset_index(drop=True)


def compare_subgroups(design: SurveyDesign, item: str, by: str | Sequence[str], *,
                      codes: Sequence[int] = SATISFIED_CODES, dont_know: int = DONT_KNOW,
                      alpha: float = 0.05, min_base: int = 50,
                      low_base: int = 100) -> pd.DataFrame:
    """Each subgroup's "% satisfied" against the rest of the same sample.

    The rest is every other valid answer with a ``by`` value. Both are domains of one
    design, so the standard error of ``difference = estimate − estimate_rest`` linearises the
    difference directly (the covariance is in the shared scores), as ``svycontrast`` on
    ``svyby(..., covmat = TRUE)`` over the two-level factor "in subgroup / not" does.

    The test is R's design-based t-test, ``svyttest(satisfied ~ in_group, subset(design,
    valid & !is.na(by)))``, which fits ``svyglm`` and uses its residual degrees of freedom:
    ``df = degf(subset) + 1 − 2`` coefficients, one less than the design's ``degf`` (n − 2 for
    an unclustered sample of n valid answers, 18 for 20 clustered wards). ``z`` is ``difference
    / se`` (R's t statistic; the column keeps its name), ``p_value = 2 * pt(-|z|, df)`` and the
    interval ``difference ± qt(1 − alpha/2, df) · se`` (R's ``confint(svyglm(...))``, Wald).
    ``p_adjusted`` applies :func:`benjamini_hochberg` across the subgroups shown, and
    ``significant`` is ``p_adjusted < alpha``.

    Parameters
    ----------
    by : str or list of str
        Subgroup columns, such as ``"ward_code"`` or ``"age_band"``.

    Other parameters as :func:`proportion`.

    Returns
    -------
    DataFrame
        The ``by`` columns, then :data:`SUBGROUP_COMPARISON_COLUMNS` (``df`` the same on every
        row shown). A comparison where the subgroup or the rest has fewer than ``min_base``
        valid answers is ``suppressed`` (NaN statistics, left out of the adjustment);
        ``low_base`` flags a shown one where either base is below ``low_base``.

    Examples
    --------
    >>> from pmresearch.design import SurveyDesign
    >>> data = pd.DataFrame({"sat": [1] * 60 + [4] * 40 + [1] * 40 + [4] * 60,
    ...                      "age_band": ["18-34"] * 100 + ["65+"] * 100})
    >>> table = compare_subgroups(SurveyDesign(data, weights=np.ones(200)), "sat", "age_band")
    >>> table[["age_band", "difference", "df", "p_adjusted"]].round(4)
      age_band  difference     df  p_adjusted
    0    18-34         0.2  198.0      0.0044
    1      65+        -0.2  198.0      0.0044
    """
    _check_alpha(alpha)
    _check_options(1 - alpha, min_base, low_base, dont_know)
    wanted = _check_codes(codes, dont_know)
    if by is None:
        raise ValueError("by: found None; expected the subgroup column(s) to compare")
    answers = _answers(design, item, by, dont_know)
    y = np.isin(answers.codes, wanted).astype(float)
    members = answers.members()
    compared = (answers.group >= 0) & answers.valid
    rest = compared[:, None] & ~members
    estimate, estimate_rest, variance = difference_variance(design, answers.structure, y,
                                                            members, rest)
    n, n_rest = members.sum(axis=0), rest.sum(axis=0)
    suppressed = (n < max(min_base, 1)) | (n_rest < max(min_base, 1))
    hide = np.where(suppressed, np.nan, 1.0)
    difference = (estimate - estimate_rest) * hide
    # svyglm(y ~ in_group)'s residual df: degf of the compared rows + 1 − 2 coefficients
    df = np.where(suppressed, np.nan, design_df(answers.structure, compared) - 1.0)
    low, high, z, p = t_test(difference, np.sqrt(variance) * hide, df, alpha)
    adjusted = benjamini_hochberg(p)
    table = answers.keys.assign(
        item=item, estimate=estimate * hide, estimate_rest=estimate_rest * hide,
        n_unweighted=n.astype(np.int64), n_unweighted_rest=n_rest.astype(np.int64),
        difference=difference, se=np.sqrt(variance) * hide, ci_low=low, ci_high=high, z=z,
        df=df, p_value=p, p_adjusted=adjusted, significant=~suppressed & (adjusted < alpha),
        low_base=~suppressed & ((n < low_base) | (n_rest < low_base)), suppressed=suppressed)
    return table[answers.columns + list(SUBGROUP_COMPARISON_COLUMNS)]


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (false discovery rate), as R's ``p.adjust("BH")``.

    The i-th smallest of m p-values becomes ``min over j >= i of (m / j) · p_(j)``, capped at
    1. NaN p-values stay NaN and do not count in m, as in R.

    Parameters
    ----------
    p_values : array-like of float
        One-dimensional, each in [0, 1] or NaN.

    Returns
    -------
    ndarray
        Adjusted p-values in the input order.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.2]).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.2]
    """
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1:
        raise ValueError(f"p_values: found shape {p.shape}; expected a one-dimensional list")
    present = ~np.isnan(p)
    if ((p[present] < 0) | (p[present] > 1)).any():
        raise ValueError(f"p_values: found values outside [0, 1] "
                         f"({_preview(p[present & ((p < 0) | (p > 1))])}); expected p-values")
    adjusted = np.full(p.shape, np.nan)
    m = int(present.sum())
    if m:
        order = np.argsort(p[present], kind="stable")
        scaled = p[present][order] * m / np.arange(1, m + 1)
        stepped = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
        values = np.empty(m)
        values[order] = stepped
        adjusted[present] = values
    return adjusted


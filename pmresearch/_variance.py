"""Taylor-linearisation variance for a :class:`~pmresearch.design.SurveyDesign`.

This is the one-stage ("ultimate cluster") estimator of R's ``survey`` package
(``svyrecvar`` → ``onestage``/``onestrat``). Every estimate is first written as a sum of
per-row influence scores ``z_i``; then

1. the part of the scores explained by the calibration (raking, post-stratification) is
   removed by ``design.residualize``, so standard errors account for the weighting;
2. the scores are summed within each primary sampling unit (PSU); PSUs are nested in strata,
   so the same cluster id in two strata is two PSUs (``svydesign(nest = TRUE)``);
3. within each stratum ``h`` with ``n_h`` PSUs and population size ``N_h`` (the fpc)::

       v_h = (1 - n_h / N_h) * n_h / (n_h - 1) * sum_i (t_hi - mean_h t)^2

   and the variance is the sum over strata.

A stratum with a single PSU has no within-stratum variance to estimate. R's default
(``options(survey.lonely.psu = "fail")``) stops with an error and so does this module, unless
the fpc says the stratum was sampled completely (it then contributes zero, as in R). The check is
made on the whole design, not per domain, so a domain that misses such a stratum fails too
(R fails there only for calibrated designs). Domains (subgroups, "valid answers only") keep
the whole design: rows outside the domain get a zero score, as R's ``subset()`` of a design
does.

The module also turns a linearised standard error into intervals and tests on Student's t
with the design's degrees of freedom (:func:`design_df`, :func:`logit_interval`,
:func:`t_interval`, :func:`t_test`, :func:`satterthwaite_df`). R's ``degf(design)`` is the
number of PSUs minus the number of strata among the rows with a non-zero weight: n − 1 for an
unclustered, unstratified sample of n, 19 for 20 wards sampled as clusters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
# scipy.special rather than scipy.stats: the same functions, a third of the import time, which
# every evidence pack's kernel pays.
from scipy import special

from .design import SurveyDesign

__all__ = ["DesignStructure", "DomainMeans", "design_df", "design_structure",
           "difference_variance", "domain_means", "linearised_variance", "logit_interval",
           "satterthwaite_df", "t_interval", "t_quantile", "t_test"]

# R treats a stratum as self-representing (zero variance) when its fpc factor is below this.
_SELF_REPRESENTING = 1e-7


@dataclass(frozen=True)
class DesignStructure:
    """The sampling structure of a design, coded once for repeated variance estimates.

    Attributes
    ----------
    weights : ndarray
        Final weight of each row.
    psu : ndarray
        PSU index of each row, 0 … P−1.
    stratum : ndarray
        Stratum index of each row.
    psu_stratum : ndarray
        Stratum index of each PSU.
    psu_scale : ndarray
        ``(1 − n_h/N_h) · n_h/(n_h − 1)`` of each PSU's stratum.
    row_is_psu : bool
        Each row is its own PSU, in row order (no clusters).
    """

    weights: np.ndarray
    psu: np.ndarray
    stratum: np.ndarray
    psu_stratum: np.ndarray
    psu_scale: np.ndarray
    row_is_psu: bool


@dataclass(frozen=True)
class DomainMeans:
    """Weighted means of one variable over several domains, with their linearised variance.

    Every attribute is an array with one value per domain.
    """

    estimate: np.ndarray
    variance: np.ndarray
    n_unweighted: np.ndarray
    n_weighted: np.ndarray
    deff: np.ndarray
    df: np.ndarray


def _labels(values, what: str) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and sorted labels of a per-row array; a missing label is an error."""
    codes, labels = pd.factorize(pd.Series(np.asarray(values, dtype=object)), sort=True)
    if (codes < 0).any():
        rows = np.flatnonzero(codes < 0)[:5].tolist()
        raise ValueError(f"design {what}: found missing values in rows {rows} (0-based); "
                         f"expected a {what} label on every row")
    return codes, pd.Index(labels)


def design_structure(design: SurveyDesign) -> DesignStructure:
    """Validate a design's sampling structure and code it for :func:`linearised_variance`.

    Raises
    ------
    ValueError
        If the weights, strata, clusters or fpc do not fit the data, or a stratum has a
        single PSU (R's ``survey.lonely.psu = "fail"``).
    """
    n = len(design.data)
    weights = np.asarray(design.weights, dtype=float)
    if weights.shape != (n,):
        raise ValueError(f"design weights: found shape {weights.shape}; expected one weight "
                         f"per row of the data, shape ({n},)")
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError("design weights: found missing, infinite or negative weights; "
                         "expected finite weights of zero or more")
    for name in ("strata", "clusters", "fpc"):
        value = getattr(design, name)
        if value is not None and len(value) != n:
            raise ValueError(f"design {name}: found {len(value)} values; expected one per row "
                             f"of the data ({n})")
    if design.strata is None:
        stratum, strata_labels = np.zeros(n, dtype=np.int64), pd.Index(["(all rows)"])
    else:
        stratum, strata_labels = _labels(design.strata, "strata")
    if design.clusters is None:
        psu, psu_stratum = np.arange(n), stratum
    else:
        # Nest clusters in strata: a (stratum, cluster) pair is one PSU.
        cluster, _ = _labels(design.clusters, "clusters")
        psu = np.unique(stratum * (cluster.max() + 1) + cluster, return_inverse=True)[1]
        psu_stratum = stratum[np.unique(psu, return_index=True)[1]]
    n_psu = np.bincount(psu_stratum, minlength=len(strata_labels))  # n_h
    fraction = np.ones(len(n_psu))  # 1 - n_h/N_h
    if design.fpc is not None:
        fraction = _fpc_factor(np.asarray(design.fpc, dtype=float), stratum, n_psu,
                               strata_labels)
    lonely = (n_psu == 1) & (fraction >= _SELF_REPRESENTING)
    if lonely.any():
        names = ", ".join(repr(str(strata_labels[h])) for h in np.flatnonzero(lonely))
        raise ValueError(f"design strata: stratum {names} has only one primary sampling unit, so "
                         "its variance cannot be estimated (as R's survey.lonely.psu = 'fail'); "
                         "expected at least two PSUs per stratum. Merge the stratum with a "
                         "similar one, or give its fpc if it was sampled completely")
    scale = np.where(fraction < _SELF_REPRESENTING, 0.0,
                     fraction * n_psu / np.maximum(n_psu - 1, 1))
    return DesignStructure(weights=weights, psu=psu, stratum=stratum, psu_stratum=psu_stratum,
                           psu_scale=scale[psu_stratum], row_is_psu=design.clusters is None)


def _fpc_factor(fpc: np.ndarray, stratum: np.ndarray, n_psu: np.ndarray,
                labels: pd.Index) -> np.ndarray:
    """``1 - n_h/N_h`` per stratum from the per-row population sizes ``N_h``."""
    if np.isnan(fpc).any() or (fpc <= 0).any():
        raise ValueError("design fpc: found missing, zero or negative values; expected the "
                         "population size (number of PSUs) of each row's stratum")
    per_stratum = pd.Series(fpc).groupby(stratum).agg(["min", "max"])
    varies = per_stratum["min"] != per_stratum["max"]
    if varies.any():
        h = int(per_stratum.index[varies][0])
        raise ValueError(f"design fpc: stratum {str(labels[h])!r} has several population sizes "
                         f"({per_stratum['min'][h]:g} to {per_stratum['max'][h]:g}); expected one "
                         "per stratum")
    population = per_stratum["min"].to_numpy()
    short = population < n_psu
    if short.any():
        h = int(np.flatnonzero(short)[0])
        raise ValueError(f"design fpc: stratum {str(labels[h])!r} has population size "
                         f"{population[h]:g} but {n_psu[h]} sampled PSUs; expected population "
                         "sizes of at least the sample, not sampling fractions")
    with np.errstate(invalid="ignore"):  # inf - n over inf: an infinite population
        return np.where(np.isinf(population), 1.0, (population - n_psu) / population)


def linearised_variance(design: SurveyDesign, structure: DesignStructure,
                        scores: np.ndarray) -> np.ndarray:
    """Variance of the totals of each column of influence ``scores`` (shape (n, k)).

    The scores are residualised on the design's calibration first, then summed within PSUs
    and compared within strata (module docstring). Returns shape (k,).
    """
    resid = np.asarray(design.residualize(scores), dtype=float)
    if resid.shape != scores.shape:
        raise ValueError(f"design.residualize returned shape {resid.shape}; expected the shape "
                         f"of the scores it was given, {scores.shape}")
    if structure.row_is_psu:
        totals = resid
    else:
        totals = np.column_stack([np.bincount(structure.psu, weights=resid[:, j],
                                              minlength=len(structure.psu_stratum))
                                  for j in range(resid.shape[1])])
    n_psu = np.bincount(structure.psu_stratum)
    means = np.column_stack([np.bincount(structure.psu_stratum, weights=totals[:, j]) / n_psu
                             for j in range(totals.shape[1])])
    centred = totals - means[structure.psu_stratum]
    return structure.psu_scale @ (centred * centred)


def _ratio_scores(structure: DesignStructure, y: np.ndarray, members: np.ndarray):
    """Domain means of ``y`` and their influence scores, zero outside each domain.

    ``members`` is a boolean (n, G) matrix; ``y`` must be finite wherever a row is a member.
    Returns the means, the domains' weight totals, ``y - mean`` (n, G) and the scores.
    """
    # Work domain by domain along contiguous rows (G, n): numpy broadcasts far faster that way.
    weights = np.where(members.T, structure.weights, 0.0)
    y = np.where(members.any(axis=1), y, 0.0)
    total_weight = weights.sum(axis=1)
    empty = total_weight == 0
    divisor = np.where(empty, 1.0, total_weight)[:, None]  # an empty domain scores all zero
    estimate = (weights @ y) / divisor[:, 0]
    deviation = y - estimate[:, None]
    scores = np.multiply(weights, deviation, out=weights)  # in place: these are n × G
    scores /= divisor
    deviation, scores = deviation.T, scores.T
    return np.where(empty, np.nan, estimate), total_weight, deviation, scores


def domain_means(design: SurveyDesign, structure: DesignStructure, y: np.ndarray,
                 members: np.ndarray, *, srs_replacement: bool = False) -> DomainMeans:
    """Weighted mean of ``y`` in each domain (a column of ``members``), as ``svymean`` on a subset.

    The design effect follows ``svymean(deff = TRUE)``: the design variance over the variance
    of simple random sampling of the same number of rows (with positive weight) *without*
    replacement from a population of ``sum(weights)``, or *with* replacement when
    ``srs_replacement`` (R's ``deff = "replace"``). Without replacement it is NaN when the
    weights sum to no more than the base (weights scaled to the sample), where R gives NA/Inf.
    The degrees of freedom are R's ``degf`` of the subset (:func:`design_df`).
    """
    estimate, total_weight, deviation, scores = _ratio_scores(structure, y, members)
    variance = linearised_variance(design, structure, scores)
    positive = members & (structure.weights > 0)[:, None]
    n_obs = positive.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.einsum("ij,ij->j", scores, deviation)  # Σ w (y - m)² / W
        srs_var = spread * n_obs / (n_obs - 1) / n_obs
        if not srs_replacement:
            srs_var = np.where(total_weight > n_obs, srs_var * (1 - n_obs / total_weight), np.nan)
        deff = np.where(srs_var > 0, variance / srs_var, np.nan)
    df = np.array([design_df(structure, col) for col in positive.T])
    return DomainMeans(estimate=estimate, variance=variance, n_unweighted=members.sum(axis=0),
                       n_weighted=total_weight, deff=deff, df=df)


def difference_variance(design: SurveyDesign, structure: DesignStructure, y: np.ndarray,
                        members_a: np.ndarray,
                        members_b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means of ``y`` over domains a and b and the variance of a − b, column by column.

    Both domains come from the same design, so their covariance enters through the shared
    scores, as ``svycontrast`` of ``svyby(..., covmat = TRUE)`` does.
    """
    estimate_a, *_, scores_a = _ratio_scores(structure, y, members_a)
    estimate_b, *_, scores_b = _ratio_scores(structure, y, members_b)
    return estimate_a, estimate_b, linearised_variance(design, structure, scores_a - scores_b)


def design_df(structure: DesignStructure, rows: np.ndarray) -> int:
    """Degrees of freedom of the design restricted to ``rows``, as R's ``degf(subset(...))``.

    R counts, among the rows with a non-zero weight, the distinct PSUs minus the distinct
    strata (``degf.survey.design2``, survey 4.1). A subset keeps the design's PSUs and strata,
    so a domain met by 12 of 20 wards sampled as clusters has 12 − 1 = 11.

    Parameters
    ----------
    structure : DesignStructure
    rows : ndarray of bool
        The domain (length n); rows with weight zero are left out, as R's subset does.

    Returns
    -------
    int

    Examples
    --------
    Seven respondents in three clusters, two strata; the domain misses the third cluster:

    >>> from pmresearch.design import SurveyDesign
    >>> design = SurveyDesign(pd.DataFrame(index=range(7)), np.ones(7),
    ...                       strata=np.array(list("AAAABBB")),
    ...                       clusters=np.array([1, 1, 2, 2, 3, 3, 4]))
    >>> structure = design_structure(design)
    >>> design_df(structure, np.ones(7, dtype=bool))  # 4 PSUs - 2 strata
    2
    >>> design_df(structure, np.array([True] * 4 + [False] * 3))  # 2 PSUs - 1 stratum
    1
    """
    inside = np.asarray(rows, dtype=bool) & (structure.weights != 0)
    return int(np.unique(structure.psu[inside]).size
               - np.unique(structure.stratum[inside]).size)


def t_quantile(df, probability):
    """Student t quantile on ``df`` degrees of freedom (normal when infinite; NaN when ``df``
    is not positive, as R's ``qt``). Works elementwise on arrays."""
    df = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(df > 0, special.stdtrit(np.where(df > 0, df, 1.0), probability), np.nan)


def logit_interval(estimate, se, df, n, level):
    """Interval of a proportion, as ``svyciprop(method = "logit")``.

    Student t on ``df`` degrees of freedom on the logit scale (NaN when ``df`` < 1, as R).
    Where the estimate is exactly 0 or 1 the variance is zero and the logit interval a point,
    so the Clopper–Pearson interval on the unweighted base ``n`` is given instead.
    """
    alpha = 1 - level
    inside = (estimate > 0) & (estimate < 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = t_quantile(df, 1 - alpha / 2)
        half = quantile * se / (estimate * (1 - estimate))
        centre = special.logit(estimate)
        low = np.where(inside, special.expit(centre - half), np.nan)
        high = np.where(inside, special.expit(centre + half), np.nan)
        # exact binomial bound for 0 or n successes out of n
        edge = (alpha / 2) ** (1 / n)
    low = np.where(estimate == 0, 0.0, np.where(estimate == 1, edge, low))
    high = np.where(estimate == 0, 1 - edge, np.where(estimate == 1, 1.0, high))
    return low, high


def t_interval(estimate, se, df, level):
    """``estimate ± t(1 − (1 − level)/2, df) · se``, as ``confint(svymean(...), df = df)``."""
    half = t_quantile(df, 1 - (1 - level) / 2) * se
    return estimate - half, estimate + half


def t_test(difference, se, df, alpha):
    """Interval at 1 − ``alpha``, t statistic and two-sided p-value of a difference on ``df``.

    As R's ``svyttest`` (and ``summary(svyglm(...))``): ``t = difference / se``, ``p = 2 *
    pt(-|t|, df)``, interval ``difference ± qt(1 − alpha/2, df) · se``. The p-value and the
    interval are NaN where ``df`` is not positive (R: NaN); an infinite ``df`` gives the normal
    test. Returns ``(low, high, t, p)``.

    Examples
    --------
    On 14 degrees of freedom a difference of 2.054 standard errors, p = 0.04 on the normal,
    is not significant at 5%:

    >>> low, high, t, p = t_test(np.array([2.054]), np.array([1.0]), np.array([14]), 0.05)
    >>> round(float(p[0]), 3), round(float(low[0]), 3)
    (0.059, -0.091)
    >>> round(float(t_test(np.array([2.054]), np.array([1.0]), np.inf, 0.05)[3][0]), 3)
    0.04
    """
    df = np.broadcast_to(np.asarray(df, dtype=float), np.shape(difference))
    low, high = t_interval(difference, se, df, 1 - alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = difference / se
        p = np.where(df > 0, 2 * special.stdtr(np.where(df > 0, df, 1.0), -np.abs(t)), np.nan)
    return low, high, t, p


def satterthwaite_df(variance_a, df_a, variance_b, df_b):
    """Welch–Satterthwaite degrees of freedom of ``variance_a + variance_b``.

    For a difference of estimates from two independent samples (two survey waves), each
    variance estimated on its design's degrees of freedom::

        df = (v_a + v_b)² / (v_a² / df_a + v_b² / df_b)

    It lies between ``min(df_a, df_b)`` and ``df_a + df_b`` (reached when the variances are in
    proportion to their degrees of freedom), as Welch's two-sample t (R's ``t.test``). Where
    one variance is zero the other's ``df`` is returned; NaN when either ``df`` is not
    positive or both variances are zero.

    Examples
    --------
    Two waves of 20 wards each (19 df), equal variances, then wave b three times as variable:

    >>> satterthwaite_df(np.array([1.0, 1.0]), 19, np.array([1.0, 3.0]), 19).round(2).tolist()
    [38.0, 30.4]
    """
    va, vb = np.asarray(variance_a, dtype=float), np.asarray(variance_b, dtype=float)
    df_a, df_b = np.asarray(df_a, dtype=float), np.asarray(df_b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        # a zero variance contributes nothing (0 / df), whatever its df
        part_a = np.where(va == 0, 0.0, va ** 2 / df_a)
        part_b = np.where(vb == 0, 0.0, vb ** 2 / df_b)
        df = (va + vb) ** 2 / (part_a + part_b)
    return np.where((df_a > 0) & (df_b > 0), df, np.nan)

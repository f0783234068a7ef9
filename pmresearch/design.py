"""The survey design object that weighting returns and estimates consume.

As in R's ``survey`` package, a design carries everything a variance estimate needs: the
weights, the sampling structure (strata, primary sampling units, finite population correction)
and how the weights were calibrated, so that standard errors account for raking or
post-stratification rather than treating the weights as fixed.

Calibration enters a variance by :meth:`SurveyDesign.residualize`: before the influence scores
of an estimate are summed over sampling units, the part of them that the calibration variables
explain is removed, because calibrated weights reproduce those variables' population totals
exactly and so add no sampling variance along them. We follow R's ``svyrecvar`` (survey 4.1–4.5,
``R/multistage.R``) step for step so that standard errors agree with ``svymean(~y, rake(...))``:

* a **post-stratified** design subtracts from each score its post-stratum's mean of
  score / weight (means weighted by the weights before post-stratification), times the weight;
* a **raked** design keeps one post-stratification per margin, each with the weights as they
  stood right after that margin was adjusted in the last raking sweep, and removes the margins'
  category means in turn, repeating the sweep over all margins a fixed
  :data:`RAKING_PROJECTION_SWEEPS` = 10 times (R's ``for(iterations in 1:10)``). The means are
  unweighted means of score / weight within each category, as R's ``ave()`` takes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

__all__ = ["RAKING_PROJECTION_SWEEPS", "PostStratification", "RakingCalibration", "SurveyDesign"]

#: Sweeps of the margin-by-margin projection that residualises scores of a raked design; R's
#: svyrecvar does exactly ten, converged or not, and we match it so standard errors agree.
RAKING_PROJECTION_SWEEPS = 10


def _category_means(codes: np.ndarray, n_categories: int, values: np.ndarray,
                    weights: np.ndarray | None = None) -> np.ndarray:
    """Mean of each column of ``values`` within each category (weighted when ``weights``)."""
    denominator = np.bincount(codes, weights=weights, minlength=n_categories)
    sums = np.empty((n_categories, values.shape[1]))
    for j in range(values.shape[1]):
        column = values[:, j] if weights is None else values[:, j] * weights
        sums[:, j] = np.bincount(codes, weights=column, minlength=n_categories)
    # Categories no row falls in are never gathered back; keep them finite and warning-free.
    return np.divide(sums, denominator[:, None], out=np.zeros_like(sums),
                     where=denominator[:, None] != 0)


@dataclass(frozen=True, eq=False)
class RakingCalibration:
    """How weights were raked: what the linearisation needs to account for it.

    Rows that share a category on every raking variable (and, after trimming, a starting
    weight) form a *group*; all rows of a group were adjusted by the same factors.

    Parameters
    ----------
    variables : tuple of str
        The raking variables, in the order their margins were adjusted.
    categories : tuple of tuple of str
        Each variable's categories, in code order.
    population : tuple of ndarray
        Each variable's population total per category (the targets the weights reproduce).
    groups : ndarray of int
        Group of each row (length n).
    group_codes : ndarray of int, shape (n_groups, n_variables)
        Category code of each group on each variable.
    group_factors : ndarray, shape (n_variables, n_groups)
        Weight divided by starting weight of each group's rows right after each variable's
        margin was adjusted in the last sweep (R keeps these weights with each margin).
    base_weights : ndarray, optional
        Starting weight of each row; 1 for every row when None.
    """

    variables: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    population: tuple[np.ndarray, ...]
    groups: np.ndarray
    group_codes: np.ndarray
    group_factors: np.ndarray
    base_weights: np.ndarray | None = None

    def margin_codes(self, j: int) -> np.ndarray:
        """Category code of every row on the ``j``-th raking variable."""
        return self.group_codes[self.groups, j]

    def margin_weights(self, j: int) -> np.ndarray:
        """Every row's weight right after the ``j``-th margin's adjustment in the last sweep."""
        weights = self.group_factors[j][self.groups]
        return weights if self.base_weights is None else weights * self.base_weights

    def residualize(self, scores: np.ndarray) -> np.ndarray:
        """Scores (n × k) with the raking margins projected out, as R's svyrecvar does."""
        margins = [(self.margin_codes(j), self.margin_weights(j)[:, None], len(cats))
                   for j, cats in enumerate(self.categories)]
        x = np.array(scores, dtype=float)
        for _ in range(RAKING_PROJECTION_SWEEPS):
            for codes, weights, n_categories in margins:
                x = x - weights * _category_means(codes, n_categories, x / weights)[codes]
        return x


@dataclass(frozen=True, eq=False)
class PostStratification:
    """How weights were post-stratified: what the linearisation needs to account for it.

    Parameters
    ----------
    variables : tuple of str
        The variables crossed to form the post-strata.
    cells : tuple of tuple of str
        Each post-stratum's categories (one per variable), in code order.
    population : ndarray
        Population total of each post-stratum.
    codes : ndarray of int
        Post-stratum of each row (length n).
    ratios : ndarray
        Population total / weighted sample total of each post-stratum: the factor applied.
    base_weights : ndarray, optional
        Weight of each row before post-stratification; 1 for every row when None.
    """

    variables: tuple[str, ...]
    cells: tuple[tuple[str, ...], ...]
    population: np.ndarray
    codes: np.ndarray
    ratios: np.ndarray
    base_weights: np.ndarray | None = None

    def residualize(self, scores: np.ndarray) -> np.ndarray:
        """Scores (n × k) less their post-stratum means, as R's svyrecvar does."""
        old = (np.ones(len(self.codes)) if self.base_weights is None
               else np.asarray(self.base_weights, dtype=float))
        weights = (old * self.ratios[self.codes])[:, None]
        x = np.asarray(scores, dtype=float)
        means = _category_means(self.codes, len(self.cells), x / weights, weights=old)
        return x - means[self.codes] * weights


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """An immutable weighted survey design.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    weights : ndarray
        Final weight of each row (same length as ``data``).
    strata : ndarray, optional
        Stratum label of each row; one stratum when omitted.
    clusters : ndarray, optional
        Primary sampling unit of each row; each respondent is its own unit when omitted.
    fpc : ndarray, optional
        Population size of each row's stratum, for the finite population correction.
    calibration : tuple
        How the weights were calibrated, in the order the steps were applied
        (:class:`RakingCalibration` or :class:`PostStratification`, filled by
        :mod:`pmresearch.weighting`); empty for weights treated as fixed.
    """

    data: pd.DataFrame
    weights: np.ndarray
    strata: np.ndarray | None = None
    clusters: np.ndarray | None = None
    fpc: np.ndarray | None = None
    calibration: tuple = field(default_factory=tuple)

    def with_fixed_weights(self) -> SurveyDesign:
        """The same design with its weights treated as fixed (no calibration adjustment)."""
        return replace(self, calibration=())

    def residualize(self, scores: np.ndarray) -> np.ndarray:
        """Influence scores with the part explained by the calibration removed.

        This is the first step of R's ``svyrecvar`` for a raked or post-stratified design
        (see the module notes); the variance is then computed from the returned scores over
        strata and sampling units exactly as for fixed weights.

        Parameters
        ----------
        scores : ndarray, shape (n,) or (n, k)
            One row per row of ``data``, *including* the weight, as R passes them: for a mean,
            ``w * (y - mean) / sum(w)``. Rows outside a domain (or with a missing answer) keep
            their place with score 0, as R keeps them with weight 0 in a calibrated design.

        Returns
        -------
        ndarray
            Same shape as ``scores``; ``scores`` unchanged when there is no calibration.

        Raises
        ------
        ValueError
            If ``scores`` does not have one row per row of ``data``.

        Examples
        --------
        Post-stratified to cells of 60 and 40 people from 2 and 3 respondents, each cell's
        scores lose their mean, so only within-cell variation is left:

        >>> cells = PostStratification(variables=("cell",), cells=(("a",), ("b",)),
        ...                            population=np.array([60.0, 40.0]),
        ...                            codes=np.array([0, 0, 1, 1, 1]),
        ...                            ratios=np.array([30, 40 / 3]))
        >>> design = SurveyDesign(data=pd.DataFrame(index=range(5)),
        ...                       weights=np.array([30, 30, 40 / 3, 40 / 3, 40 / 3]),
        ...                       calibration=(cells,))
        >>> y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
        >>> scores = design.weights * (y - 0.5) / 100
        >>> np.round(design.residualize(scores), 4).tolist()
        [0.15, -0.15, 0.0444, 0.0444, -0.0889]
        >>> design.with_fixed_weights().residualize(scores) is scores
        True
        """
        if not self.calibration:
            return scores
        x = np.asarray(scores, dtype=float)
        if x.shape[0] != len(self.weights) or x.ndim not in (1, 2):
            raise ValueError(f"scores must have one row per respondent ({len(self.weights)} rows, "
                             f"1 or 2 dimensions); got shape {x.shape}.")
        matrix = x.reshape(len(x), -1)
        for step in self.calibration:
            matrix = step.residualize(matrix)
        return matrix.reshape(x.shape)

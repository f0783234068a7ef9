"""Survey weighting: raking, trimming, post-stratification and their diagnostics.

Raking (iterative proportional fitting) adjusts the weights one variable at a time until the
weighted sample reproduces every population margin. Rows that share a category on every
weighting variable always receive the same adjustment, so the work is done once per *cell*
(at most the product of the category counts, e.g. 6 × 2 × 20 × 5 = 1,200) rather than once per
respondent: the cost is coding each column to integers once (:mod:`pmresearch._raking`), and
gathering the final weights. A million respondents with four string columns take about 0.12 s,
nearly all of it hashing the strings.

Conventions:

* **Margins** are a long table ``variable, category, population``. Population figures are
  counts, or shares when a variable's figures sum to 1 (within 0.5%). The weights sum to the
  first variable's total; when that variable is given as shares they sum to the design
  weights' total (the sample size without design weights). Every other variable is scaled to
  that total: shares by definition, counts only to absorb rounding of up to 0.5% — a larger
  disagreement is an error, never silently fixed.
* **Convergence**: a sweep adjusts every margin once; raking stops after the first sweep that
  leaves every weighted margin within ``tol`` of its target, relatively
  (``max |weighted / target − 1| ≤ tol``, which is also the largest relative change the next
  sweep would make). Not converging within ``max_iter`` sweeps is an error.
* **Trimming** bounds weights to multiples of the mean weight (population total / respondents),
  ``[0.2, 5]`` by default as in ``domain.md``. Raked weights already inside the bounds are kept;
  otherwise each margin is met exactly by the factor that, with weights clipped to the bounds,
  hits it, and sweeps repeat until every margin holds to ``tol`` with every weight in bounds.
* **Standard errors**: every result's ``design`` records how its weights were calibrated, so
  :meth:`~pmresearch.design.SurveyDesign.residualize` can remove what the margins explain, as
  R's ``survey`` does for ``rake()`` and ``postStratify()`` (see :mod:`pmresearch.design`).
* **Missing values** in a weighting variable are an error naming the rows: recode them (for
  example to a "Not known" category with its own margin) or drop the rows before weighting.
  Nothing is collapsed or dropped silently; :func:`collapse_categories` does it on request.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._raking import (check_respondents, coded_cells, counted, design_weights, fit_margins,
                      fit_margins_bounded, margin_targets, ratio, scaled_populations)
from ._messages import quoted
from .design import PostStratification, RakingCalibration, SurveyDesign
from .errors import WeightingError

__all__ = ["SurveyWeights", "WeightingDiagnostics", "WeightingResult", "collapse_categories",
           "poststratify", "rake", "trim_weights", "weight_all_waves", "weight_wave"]


@dataclass(frozen=True, eq=False)
class WeightingDiagnostics:
    """How well weighting worked.

    Attributes
    ----------
    iterations : int
        Sweeps over the margins (1 for post-stratification).
    converged : bool
        True: a result is only returned when the margins were met (otherwise an error).
    max_margin_error : float
        Largest |weighted − population| share over all categories, in percentage points.
    design_effect : float
        Kish's 1 + CV² of the weights (CV with the population variance, ddof = 0).
    effective_n : float
        Respondents / design effect.
    min_weight, max_weight, weight_ratio : float
        Smallest and largest weight and their ratio.
    n_trimmed : int
        Respondents whose raked weight lay outside the trimming bounds, so that trimming
        re-raked the weights (0 without trimming, or when every weight was within bounds).
    margins : DataFrame
        One row per category: ``variable``, ``category``, ``population_pct``, ``sample_pct``
        (unweighted share of respondents), ``weighted_pct`` and ``difference_points``
        (weighted − population).
    """

    iterations: int
    converged: bool
    max_margin_error: float
    design_effect: float
    effective_n: float
    min_weight: float
    max_weight: float
    weight_ratio: float
    n_trimmed: int
    margins: pd.DataFrame


@dataclass(frozen=True, eq=False)
class WeightingResult:
    """Weights, the design they define and their diagnostics.

    Attributes
    ----------
    weights : Series
        Named ``weight``, aligned to the responses' index.
    design : SurveyDesign
        The responses with these weights and how they were calibrated.
    diagnostics : WeightingDiagnostics
    """

    weights: pd.Series
    design: SurveyDesign
    diagnostics: WeightingDiagnostics


def _check_options(tol: float, max_iter: int) -> None:
    """Programming errors in the numeric options (not data problems)."""
    if not tol > 0:
        raise ValueError(f"tol must be positive; got {tol!r}.")
    if not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
        raise ValueError(f"max_iter must be a positive integer; got {max_iter!r}.")


def _not_converged(variables, categories, errors, max_iter: int,
                   bounds: str = "") -> WeightingError:
    """The error for raking that did not converge, naming the worst category."""
    j = int(np.argmax([e.max() for e in errors]))
    c = int(np.argmax(errors[j]))
    return WeightingError(
        f"raking{bounds} did not converge in {counted(max_iter, 'sweep')}: the largest "
        f"remaining error is variable '{variables[j]}', category '{categories[j][c]}' "
        f"(relative error {errors[j][c]:.2e}). Raise max_iter, or collapse sparse categories with "
        "collapse_categories() if the margins conflict.",
        variable=variables[j], category=categories[j][c])


def _diagnostics(n, summary, iterations, n_trimmed, margin_rows) -> WeightingDiagnostics:
    """Diagnostics from the weights' (sum, sum of squares, min, max) and, per margin,
    (variable, categories, population, respondents, weighted total)."""
    def shares(index: int) -> np.ndarray:
        return np.concatenate([100 * row[index] / row[index].sum() for row in margin_rows])

    margins = pd.DataFrame({
        "variable": np.repeat([row[0] for row in margin_rows],
                              [len(row[1]) for row in margin_rows]),
        "category": [category for row in margin_rows for category in row[1]],
        "population_pct": shares(2), "sample_pct": shares(3), "weighted_pct": shares(4)})
    margins["difference_points"] = margins["weighted_pct"] - margins["population_pct"]
    total, squares, low, high = (float(x) for x in summary)
    return WeightingDiagnostics(
        iterations=int(iterations), converged=True,
        max_margin_error=float(margins["difference_points"].abs().max()),
        design_effect=n * squares / total**2, effective_n=total**2 / squares, min_weight=low,
        max_weight=high, weight_ratio=high / low, n_trimmed=int(n_trimmed), margins=margins)


def _weight_series(responses: pd.DataFrame, weights: np.ndarray) -> pd.Series:
    """The weights as a Series sharing the design's (read-only) array, to spare a copy."""
    weights.flags.writeable = False
    return pd.Series(weights, index=responses.index, name="weight", copy=False)


def _raking_result(responses, weights, calibration: RakingCalibration, prior: tuple,
                   iterations: int, n_trimmed: int, counts=None, totals=None,
                   summary=None) -> WeightingResult:
    """The result of raking; group ``counts``, weighted ``totals`` and the weights' ``summary``
    are computed from the weights unless given (they are cheap to get from the cells)."""
    groups, group_codes = calibration.groups, calibration.group_codes
    if counts is None:
        counts = np.bincount(groups, minlength=len(group_codes))
        totals = np.bincount(groups, weights=weights, minlength=len(group_codes))
    if summary is None:
        summary = (weights.sum(), np.dot(weights, weights), weights.min(), weights.max())
    rows = [(v, cats, pop, np.bincount(group_codes[:, j], weights=counts, minlength=len(cats)),
             np.bincount(group_codes[:, j], weights=totals, minlength=len(cats)))
            for j, (v, cats, pop) in enumerate(zip(calibration.variables, calibration.categories,
                                                   calibration.population))]
    design = SurveyDesign(data=responses, weights=weights, calibration=prior + (calibration,))
    return WeightingResult(_weight_series(responses, weights), design,
                           _diagnostics(len(weights), summary, iterations, n_trimmed, rows))


def rake(responses: pd.DataFrame, margins: pd.DataFrame, *, variables: list[str],
         design_weight: str | np.ndarray | None = None, tol: float = 1e-10, max_iter: int = 100,
         trim: tuple[float, float] | None = None) -> WeightingResult:
    """Rake respondents' weights to population margins (iterative proportional fitting).

    Parameters
    ----------
    responses : DataFrame
        One row per respondent, with a column per weighting variable (strings, numbers or
        categoricals; every value must be a category of that variable's margins).
    margins : DataFrame
        Long table ``variable, category, population``: counts or shares (see the module notes).
    variables : list of str
        Weighting variables, in the order their margins are adjusted within a sweep.
    design_weight : str or ndarray, optional
        Starting weights (a column name or one value per row); 1 for everyone when omitted.
    tol : float, default 1e-10
        Largest relative error of any weighted margin at convergence.
    max_iter : int, default 100
        Most sweeps over the margins.
    trim : (float, float), optional
        Lower and upper bounds as multiples of the mean weight, e.g. ``(0.2, 5.0)``; when the
        raked weights break them they are re-raked within the bounds (:func:`trim_weights`).

    Returns
    -------
    WeightingResult
        Weights summing to the population total, the design (with the calibration its
        standard errors need) and diagnostics.

    Raises
    ------
    WeightingError
        Naming the variable and category, for: a respondent category missing from the margins,
        a margin category without respondents, missing values, margins whose totals disagree,
        non-convergence, or trim bounds that cannot be met.
    ValueError
        For a non-positive ``tol`` or ``max_iter``, or repeated ``variables``.

    Notes
    -----
    Without trimming the weights are those of R's ``survey::rake()`` (to the tolerance), and
    ``design.residualize`` gives the standard errors of ``svymean(~y, rake(...))``. List the
    margins in the same order as R: its variance stops projecting after 10 sweeps, so the
    order matters in principle (by 1e-10, relatively, on the demo survey).

    Examples
    --------
    >>> people = pd.DataFrame({"sex": ["F", "F", "F", "M"],
    ...                        "age": ["old", "old", "young", "young"]})
    >>> margins = pd.DataFrame({"variable": ["sex", "sex", "age", "age"],
    ...                         "category": ["F", "M", "old", "young"],
    ...                         "population": [50.0, 50.0, 40.0, 60.0]})
    >>> result = rake(people, margins, variables=["sex", "age"])
    >>> result.weights.round(6).tolist()
    [20.0, 20.0, 10.0, 50.0]
    >>> print(f"deff {result.diagnostics.design_effect:.2f}, effective n "
    ...       f"{result.diagnostics.effective_n:.2f}")
    deff 1.36, effective n 2.94
    """
    _check_options(tol, max_iter)
    variables = list(variables)
    if not variables or len(set(variables)) != len(variables):
        raise ValueError(f"variables must name distinct weighting variables; got {variables!r}.")
    if len(responses) == 0:
        raise WeightingError("survey_responses has no respondents to weight. Check the wave or "
                             "filter that selected them.")
    base = design_weights(responses, design_weight)
    targets = margin_targets(margins, variables, len(responses) if base is None else base.sum())
    categories = tuple(cats for cats, _ in targets)
    populations = tuple(p for _, p in targets)
    cells, cell_codes = coded_cells(responses, variables, categories, "population_margins")
    counts = np.bincount(cells, minlength=len(cell_codes))
    check_respondents(variables, targets, cell_codes, counts)
    start = counts.astype(float) if base is None else np.bincount(cells, weights=base,
                                                                  minlength=len(cell_codes))
    occupied = np.flatnonzero(counts)
    after, sweeps, errors = fit_margins(start[occupied], cell_codes[occupied], populations, tol,
                                        max_iter)
    if errors is not None:
        raise _not_converged(variables, categories, errors, max_iter)
    factors = np.zeros((len(variables), len(cell_codes)))
    factors[:, occupied] = after / start[occupied]
    totals = np.zeros(len(cell_codes))
    totals[occupied] = after[-1]
    if base is None:  # every row of a cell has its weight: summarise the cells, not the rows
        weights = factors[-1][cells]
        final = factors[-1][occupied]
        summary = (totals.sum(), np.dot(counts[occupied], final**2), final.min(), final.max())
    else:
        weights, summary = factors[-1][cells] * base, None
    calibration = RakingCalibration(tuple(variables), categories, populations, cells,
                                    cell_codes, factors, base)
    result = _raking_result(responses, weights, calibration, (), sweeps, 0, counts, totals,
                            summary)
    return result if trim is None else trim_weights(result, bounds=trim, tol=tol,
                                                    max_iter=max_iter)


def trim_weights(result: WeightingResult, *, bounds: tuple[float, float] = (0.2, 5.0),
                 tol: float = 1e-10, max_iter: int = 100) -> WeightingResult:
    """Bound raked weights to multiples of the mean weight, re-raking so the margins still hold.

    Each margin is adjusted by the factor that meets it exactly once weights are clipped to the
    bounds; sweeps repeat until every margin holds to ``tol`` (relative) with every weight in
    bounds. Weights already inside the bounds are returned unchanged.

    Parameters
    ----------
    result : WeightingResult
        A result of :func:`rake` (its calibration says which margins to keep).
    bounds : (float, float), default (0.2, 5.0)
        Lower and upper bound as multiples of the mean weight (population total / respondents),
        the ``domain.md`` default.
    tol, max_iter
        As for :func:`rake`; ``iterations`` in the diagnostics counts the sweeps of both.

    Returns
    -------
    WeightingResult
        ``n_trimmed`` in its diagnostics counts the respondents whose raked weight was out of
        bounds. Its design keeps the margins (with the bounded weights of the last sweep), so
        standard errors are residualised on them as for raking; R has no bounded raking to
        compare with (its ``trimWeights()`` spreads the excess without re-raking).

    Raises
    ------
    WeightingError
        If a category's target is out of reach within the bounds (naming the category and the
        bound it needs), or the bounded raking does not converge.

    Examples
    --------
    The one young man's raked weight is 1.49 × the mean (220 / 12); bounded to 1.4 ×, weight
    moves to the other men and the young women so that the margins still hold:

    >>> people = pd.DataFrame({"sex": list("FFFFFFFFMMMM"),
    ...                        "age": ["old"] * 6 + ["young"] * 2 + ["old"] * 3 + ["young"]})
    >>> margins = pd.DataFrame({"variable": ["sex", "sex", "age", "age"],
    ...                         "category": ["F", "M", "old", "young"],
    ...                         "population": [120.0, 100.0, 160.0, 60.0]})
    >>> raked = rake(people, margins, variables=["sex", "age"])
    >>> raked.weights.round(3).tolist()[5:]
    [14.545, 16.364, 16.364, 24.242, 24.242, 24.242, 27.273]
    >>> trimmed = trim_weights(raked, bounds=(0.2, 1.4))
    >>> trimmed.weights.round(3).tolist()[5:], trimmed.diagnostics.n_trimmed
    ([14.278, 17.167, 17.167, 24.778, 24.778, 24.778, 25.667], 1)

    A bound that no weighting can meet is named, with the bound it would take:

    >>> trim_weights(raked, bounds=(0.2, 1.2))
    Traceback (most recent call last):
    ...
    pmresearch.errors.WeightingError: trim bounds cannot be met: variable 'sex', category 'M' needs 100.0 from 4 respondents, more than the upper bound allows (4 respondents at 1.2 × the mean weight 18.33 = 88.0). Raise the upper bound to at least 1.36 or collapse 'M' with a neighbouring category.
    """
    _check_options(tol, max_iter)
    lower_bound, upper_bound = (float(b) for b in bounds)
    if not 0 <= lower_bound < 1 < upper_bound:
        raise WeightingError(f"trim bounds must satisfy 0 ≤ lower < 1 < upper (multiples of the "
                             f"mean weight); got ({lower_bound}, {upper_bound}).")
    steps = result.design.calibration
    if not steps or not isinstance(steps[-1], RakingCalibration):
        raise WeightingError("trim_weights needs a result of rake() (its weights were not raked "
                             "last). Pass rake(..., trim=bounds) instead.")
    raking = steps[-1]
    start = np.asarray(result.design.weights, dtype=float)
    mean = raking.population[0].sum() / len(start)
    lower, upper = lower_bound * mean, upper_bound * mean
    outside = (start < lower * (1 - 1e-12)) | (start > upper * (1 + 1e-12))
    if not outside.any():
        return result
    # Rows of a cell with the same starting weight stay equal: work on those groups.
    start_codes, _ = pd.factorize(start)
    _, first, groups = np.unique(raking.groups * (start_codes.max() + 1) + start_codes,
                                 return_index=True, return_inverse=True)
    group_codes = raking.group_codes[raking.groups[first]]
    counts = np.bincount(groups).astype(float)
    for j, (variable, categories, target) in enumerate(zip(raking.variables, raking.categories,
                                                           raking.population)):
        found = np.bincount(group_codes[:, j], weights=counts, minlength=len(categories))
        for c in np.flatnonzero((target > found * upper) | (target < found * lower)):
            high = target[c] > found[c] * upper
            side, multiple = ("upper", upper_bound) if high else ("lower", lower_bound)
            raise WeightingError(
                f"trim bounds cannot be met: variable '{variable}', category '{categories[c]}' "
                f"needs {target[c]:,.1f} from {counted(found[c], 'respondent')}, "
                f"{'more' if high else 'less'} than the {side} bound allows "
                f"({counted(found[c], 'respondent')} at {multiple:g} × the mean weight "
                f"{mean:.4g} = {found[c] * multiple * mean:,.1f}). "
                f"{'Raise' if high else 'Lower'} the {side} bound to "
                f"{'at least' if high else 'at most'} {target[c] / (found[c] * mean):.2f} or "
                f"collapse '{categories[c]}' with a neighbouring category.",
                variable=variable, category=categories[c])
    units = start[first].copy()
    after, sweeps, errors = fit_margins_bounded(units, counts, group_codes,
                                                list(raking.population), lower, upper, tol,
                                                max_iter)
    if errors is not None:
        raise _not_converged(raking.variables, raking.categories, errors, max_iter,
                             f" with weights bounded to [{lower_bound:g}, {upper_bound:g}] × mean")
    calibration = RakingCalibration(raking.variables, raking.categories, raking.population,
                                    groups, group_codes, after, None)
    return _raking_result(result.design.data, units[groups], calibration, steps[:-1],
                          result.diagnostics.iterations + sweeps, int(outside.sum()))


def poststratify(responses: pd.DataFrame, population: pd.DataFrame, *, variables: list[str],
                 design_weight: str | np.ndarray | None = None) -> WeightingResult:
    """Post-stratify: scale each cell of the crossed ``variables`` to its population total.

    A respondent's weight becomes design weight × N_cell / (weighted respondents in the cell),
    so without design weights it is N_cell / n_cell.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent with a column per variable.
    population : DataFrame
        One row per cell: a column per variable and ``population`` (counts, or shares summing
        to 1, which are scaled to the design weights' total).
    variables : list of str
        Variables crossed to form the cells.
    design_weight : str or ndarray, optional
        As for :func:`rake`.

    Returns
    -------
    WeightingResult
        Its diagnostics' ``margins`` has one row per cell (variable ``"age × sex"``, category
        ``"old × F"``).

    Raises
    ------
    WeightingError
        For a respondent in a cell missing from ``population``, a cell with people but no
        respondents, or missing values.

    Examples
    --------
    >>> people = pd.DataFrame({"age": ["old", "old", "young"]})
    >>> cells = pd.DataFrame({"age": ["old", "young"], "population": [60.0, 40.0]})
    >>> poststratify(people, cells, variables=["age"]).weights.tolist()
    [30.0, 30.0, 40.0]
    """
    variables = list(variables)
    missing = [c for c in variables + ["population"] if c not in population.columns]
    if not variables or missing:
        raise WeightingError(f"population table: missing columns "
                             f"{quoted(missing or ['(variables)'], limit=12)} (found: "
                             f"{quoted(population.columns, limit=12)}). Give one column per "
                             "post-stratification variable and 'population'.")
    labels = population[variables].astype(str)
    repeated = labels.duplicated()
    if repeated.any():
        cell = " × ".join(labels.loc[repeated].iloc[0])
        raise WeightingError(f"population table: cell '{cell}' appears more than once. Give each "
                             "cell one row.", category=cell)
    base = design_weights(responses, design_weight)
    counts_of = population["population"].to_numpy(dtype=float, na_value=np.nan)
    if not (np.isfinite(counts_of) & (counts_of >= 0)).all() or counts_of.sum() <= 0:
        raise WeightingError("population table: populations must be non-negative numbers with a "
                             "positive total. Fill in the missing or negative figures.")
    name = " × ".join(variables)
    (target,) = scaled_populations([name], [counts_of],
                                    len(responses) if base is None else base.sum(), "population")
    levels = [tuple(dict.fromkeys(labels[v])) for v in variables]
    cells, cell_codes = coded_cells(responses, variables, levels, "the population table")
    row_codes = np.column_stack([pd.Index(cats).get_indexer(labels[v])
                                 for v, cats in zip(variables, levels)])
    strides = np.cumprod([1] + [len(cats) for cats in levels[:0:-1]])[::-1]
    row_of_cell = pd.Index(row_codes @ strides).get_indexer(cell_codes @ strides)
    cell_of_row = row_of_cell[cells]
    if cell_of_row.min() < 0:
        row = int(np.argmax(cell_of_row < 0))
        cell = " × ".join(levels[j][cell_codes[cells[row], j]] for j in range(len(variables)))
        raise WeightingError(f"survey_responses, row {responses.index[row]}: cell '{cell}' of "
                             f"{name} is not in the population table. Add the cell or collapse "
                             "categories with collapse_categories().", category=cell)
    respondents = np.bincount(cell_of_row, minlength=len(labels)).astype(float)
    weighted = respondents if base is None else np.bincount(cell_of_row, weights=base,
                                                            minlength=len(labels))
    cell_names = [" × ".join(row) for row in labels.itertuples(index=False)]
    for c in np.flatnonzero((respondents == 0) != (target == 0)):
        problem = ("has no respondents. Post-stratify on fewer or collapsed categories "
                   "(collapse_categories()) so every cell with people has respondents."
                   if respondents[c] == 0 else
                   f"has population 0 but {counted(respondents[c], 'respondent')}, who would get "
                   "weight 0. Give the cell its population or recode those respondents.")
        raise WeightingError(f"population table, cell '{cell_names[c]}' of {name} {problem}",
                             category=cell_names[c])
    ratios = ratio(target, weighted) * (weighted > 0)
    weights = ratios[cell_of_row] if base is None else ratios[cell_of_row] * base
    calibration = PostStratification(tuple(variables), tuple(map(tuple, labels.to_numpy())),
                                     target, cell_of_row, ratios, base)
    design = SurveyDesign(data=responses, weights=weights, calibration=(calibration,))
    summary = (weights.sum(), np.dot(weights, weights), weights.min(), weights.max())
    diagnostics = _diagnostics(len(weights), summary, 1, 0, [(
        name, cell_names, target, respondents,
        np.bincount(cell_of_row, weights=weights, minlength=len(labels)))])
    return WeightingResult(_weight_series(responses, weights), design,
                           diagnostics)


def collapse_categories(responses: pd.DataFrame, margins: pd.DataFrame,
                        mapping: dict[str, dict[str, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Merge categories of weighting variables in both the responses and the margins.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent.
    margins : DataFrame
        Long margins (``variable, category, population``, optionally ``wave``, ``share``) or a
        post-stratification table (a column per variable and ``population``). Populations (and
        shares) of merged categories are added up; other columns identify the rows.
    mapping : dict
        ``{variable: {old_category: new_category}}``; unmapped categories are kept.

    Returns
    -------
    (DataFrame, DataFrame)
        New responses and margins; the inputs are not changed.

    Raises
    ------
    WeightingError
        For a variable that is not a column of the responses or not in the margins, or an old
        category found in neither.

    Examples
    --------
    >>> people = pd.DataFrame({"age": ["18-34", "65-74", "65-74"]})
    >>> margins = pd.DataFrame({"variable": "age", "category": ["18-34", "65-74", "75+"],
    ...                         "population": [50.0, 30.0, 20.0]})
    >>> older = {"age": {"65-74": "65+", "75+": "65+"}}
    >>> people, margins = collapse_categories(people, margins, older)
    >>> people["age"].tolist(), margins["population"].tolist()
    (['18-34', '65+', '65+'], [50.0, 50.0])
    """
    long = {"variable", "category"} <= set(margins.columns)
    responses, margins = responses.copy(), margins.copy()
    for variable, recode in mapping.items():
        if variable not in responses.columns:
            raise WeightingError(f"survey_responses has no column '{variable}' to collapse "
                                 f"(columns: {quoted(responses.columns, limit=12)}).",
                                 variable=variable)
        if long:
            rows = margins["variable"].astype(str) == variable
            known = set(margins.loc[rows, "category"].astype(str))
        else:
            rows = None
            known = set(margins[variable].astype(str)) if variable in margins.columns else set()
        if not known:
            raise WeightingError(f"the margins have no categories of '{variable}' to collapse. "
                                 "Collapse only weighting variables.", variable=variable)
        column = responses[variable]
        for old in recode:
            if old not in known and not (column.astype(str) == old).any():
                raise WeightingError(f"category '{old}' of '{variable}' is in neither the "
                                     f"responses nor the margins (margins: "
                                     f"{quoted(sorted(known), limit=12)}). Check the spelling of "
                                     "the mapping.", variable=variable, category=old)
        if isinstance(column.dtype, pd.CategoricalDtype):
            responses[variable] = column.map(lambda value: recode.get(value, value))
        else:
            responses[variable] = column.replace(recode)
        if long:
            margins.loc[rows, "category"] = margins.loc[rows, "category"].replace(recode)
        else:
            margins[variable] = margins[variable].replace(recode)
    sums = [c for c in ("population", "share") if c in margins.columns]
    keys = [c for c in margins.columns if c not in sums]
    merged = margins.groupby(keys, sort=False, dropna=False)[sums].sum().reset_index()
    return responses, merged[list(margins.columns)]


def _wave_margins(margins: pd.DataFrame, wave: str) -> pd.DataFrame:
    """A wave's margins: its own rows for a variable if it has any, else the blank-wave rows."""
    if "wave" not in margins.columns:
        return margins
    label = margins["wave"].astype("string").str.strip().fillna("")
    own = label == wave
    with_own = set(margins.loc[own, "variable"].astype(str))
    shared = (label == "") & ~margins["variable"].astype(str).isin(with_own)
    return margins.loc[own | shared]


def weight_wave(ws, wave: str, *, variables: list[str] | None = None) -> WeightingResult:
    """Rake one survey wave of a workspace to its population margins, trimmed as configured.

    The wave's respondents are raked on ``variables`` (default: every variable in
    ``population_margins``, in its order) using the margins for that wave: rows whose ``wave``
    is blank apply to every wave, and a variable with rows for this wave uses those instead.
    Design weights come from the ``design_weight`` column when present; trim bounds from
    ``weighting.trim_lower`` / ``trim_upper`` in the parameters.

    Parameters
    ----------
    ws : Workspace
        A loaded workspace (:func:`pmresearch.workspace.load_workspace`).
    wave : str
        The wave to weight, as in ``survey_waves.csv``.
    variables : list of str, optional
        Weighting variables.

    Returns
    -------
    WeightingResult
        Weights aligned to the wave's rows of ``ws.survey_responses``.

    Examples
    --------
    >>> from pmresearch.workspace import load_workspace
    >>> result = weight_wave(load_workspace(), "2025")
    >>> print(f"{len(result.weights):,} weights, deff {result.diagnostics.design_effect:.2f}")
    1,650 weights, deff 1.46
    """
    responses = ws.survey_responses
    in_wave = responses["wave"].astype(str) == str(wave)
    if not in_wave.any():
        raise WeightingError(f"survey_responses has no respondents in wave '{wave}' (waves: "
                             f"{quoted(responses['wave'].astype(str), limit=12)}). Name a "
                             "wave of survey_waves.csv.")
    margins = _wave_margins(ws.population_margins, str(wave))
    if variables is None:
        variables = list(dict.fromkeys(margins["variable"].astype(str)))
    settings = ws.parameters.settings["weighting"]
    return rake(responses.loc[in_wave], margins, variables=variables,
                design_weight="design_weight" if ws.filled("survey_responses", "design_weight") else None,
                trim=(settings["trim_lower"], settings["trim_upper"]))


@dataclass(frozen=True)
class SurveyWeights:
    """Every wave of a workspace weighted: the weights and how well weighting worked.

    Attributes
    ----------
    weights : DataFrame
        ``respondent_id``, ``wave``, ``weight``: one row per respondent.
    diagnostics : DataFrame
        One row per wave: ``wave``, ``respondents``, ``iterations``, ``design_effect``,
        ``effective_n``, ``max_margin_error`` (points), ``min_weight``, ``max_weight``,
        ``weight_ratio``, ``n_trimmed``.
    margins : DataFrame
        ``wave`` then :attr:`WeightingDiagnostics.margins`' columns: population, sample and
        weighted share of every category.
    notes : tuple of str
        What the person weighting should know: each wave of ``survey_waves.csv`` left out
        because it has no respondents yet.
    """

    weights: pd.DataFrame
    diagnostics: pd.DataFrame
    margins: pd.DataFrame
    notes: tuple[str, ...] = ()

    def write(self, folder) -> list:
        """Write ``weights.csv``, ``weighting_diagnostics.csv`` and ``weighting_margins.csv``."""
        from pathlib import Path

        from ._csv import write_csv

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, table in (("weights.csv", self.weights),
                            ("weighting_diagnostics.csv", self.diagnostics),
                            ("weighting_margins.csv", self.margins)):
            write_csv(table, folder / name, float_format="%.12g")
            written.append(folder / name)
        return written


def weight_all_waves(ws) -> SurveyWeights:
    """Weight every wave of ``survey_waves.csv`` with :func:`weight_wave`.

    A wave with no respondents yet (listed before its fieldwork) is left out, with a note.

    Examples
    --------
    >>> from pmresearch.workspace import load_workspace
    >>> weighted = weight_all_waves(load_workspace())
    >>> weighted.diagnostics[["wave", "respondents"]].to_string(index=False)
    'wave  respondents\\n2023         2300\\n2024         1950\\n2025         1650'
    """
    weights, diagnostics, margins, notes = [], [], [], []
    fielded = set(ws.survey_responses["wave"].astype(str))
    for wave in ws.survey_waves["wave"].astype(str):
        if wave not in fielded:
            notes.append(f"Wave '{wave}' of survey_waves.csv has no respondents yet: not "
                         "weighted. It is weighted once its responses are in "
                         "survey_responses.csv.")
            continue
        result = weight_wave(ws, wave)
        rows = ws.survey_responses.loc[result.weights.index]
        weights.append(pd.DataFrame({"respondent_id": rows["respondent_id"].to_numpy(),
                                     "wave": wave, "weight": result.weights.to_numpy()}))
        d = result.diagnostics
        diagnostics.append({"wave": wave, "respondents": len(rows), "iterations": d.iterations,
                            "design_effect": d.design_effect, "effective_n": d.effective_n,
                            "max_margin_error": d.max_margin_error, "min_weight": d.min_weight,
                            "max_weight": d.max_weight, "weight_ratio": d.weight_ratio,
                            "n_trimmed": d.n_trimmed})
        margins.append(d.margins.assign(wave=wave))
    margins = pd.concat(margins, ignore_index=True)
    return SurveyWeights(pd.concat(weights, ignore_index=True), pd.DataFrame(diagnostics),
                         margins[["wave", *[c for c in margins.columns if c != "wave"]]],
                         tuple(notes))

"""The machinery of raking: checking its inputs, coding columns into cells, fitting margins.

Rows that share a category on every weighting variable always receive the same adjustment, so
raking works on *cells* — at most the product of the category counts (6 × 2 × 20 × 5 = 1,200,
say) — rather than on respondents. The cost that grows with the number of respondents is
coding each column to integers once (hashing its strings), crossing the codes, and gathering
the final weights back; the fitting itself takes microseconds per sweep.

Private to :mod:`pmresearch.weighting` (the public functions and their conventions live there):
errors raised here already carry the message a user sees.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._messages import quoted
from .errors import WeightingError

__all__ = ["check_respondents", "coded_cells", "counted", "design_weights", "fit_margins",
           "fit_margins_bounded", "margin_errors", "margin_targets", "ratio",
           "row_labels", "scaled_populations"]

_DENSE_CELLS = 1 << 22  # cross-classifications up to this size are indexed without hashing
_HASH_SIZE = 1024  # start hash tables small (they grow): pandas' default is one slot per row
_TOTALS_TOLERANCE = 0.005  # published margins may disagree by rounding; 0.5% is the most we absorb


def counted(count: float, noun: str) -> str:
    """``1 respondent``, ``3 respondents``: a count for an error message."""
    return f"{count:,.0f} {noun}{'' if count == 1 else 's'}"


def row_labels(index: pd.Index, limit: int = 5) -> str:
    """``3, 17 and 2 more``: row labels for an error message."""
    shown = ", ".join(str(label) for label in index[:limit])
    return shown + (f" and {len(index) - limit} more" if len(index) > limit else "")


def design_weights(responses: pd.DataFrame, design_weight) -> np.ndarray | None:
    """The design weights as floats (None for none), all positive."""
    if design_weight is None:
        return None
    if isinstance(design_weight, str):
        if design_weight not in responses.columns:
            raise WeightingError(f"survey_responses has no design weight column '{design_weight}'"
                                 f" (columns: {quoted(responses.columns, limit=12)}). Name the "
                                 "column that holds the design weights, or pass None.")
        values = responses[design_weight].to_numpy(dtype=float, na_value=np.nan)
    else:
        values = np.asarray(design_weight, dtype=float)
        if values.shape != (len(responses),):
            raise ValueError(f"design_weight must have one value per respondent "
                             f"({len(responses)}); got shape {values.shape}.")
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        raise WeightingError(f"survey_responses, design weights, rows "
                             f"{row_labels(responses.index[bad])}: {bad.sum()} weights are "
                             "missing, zero or negative. Design weights must be positive: drop "
                             "respondents who should not count before weighting.")
    return values


def scaled_populations(names: list[str], totals_of: list[np.ndarray], base_total: float,
                        source: str) -> list[np.ndarray]:
    """Populations scaled to one total (the rule is in :mod:`pmresearch.weighting`'s notes), or
    an error naming the variable whose total disagrees."""
    totals = [float(p.sum()) for p in totals_of]
    is_share = [abs(t - 1) <= _TOTALS_TOLERANCE for t in totals]
    grand = base_total if is_share[0] else totals[0]
    for name, total, share in zip(names, totals, is_share):
        apart = abs(total / totals[0] - 1)
        if not share and apart > _TOTALS_TOLERANCE:
            raise WeightingError(
                f"{source}: variable '{name}' totals {total:,.2f} but '{names[0]}' totals "
                f"{totals[0]:,.2f} ({100 * apart:.2f}% apart; at most 0.5% is allowed). Give every "
                "variable the same population base, as counts or as shares.", variable=name)
    return [p * (grand / t) for p, t in zip(totals_of, totals)]


def margin_targets(margins: pd.DataFrame, variables: list[str],
                    base_total: float) -> list[tuple[tuple[str, ...], np.ndarray]]:
    """Each variable's categories and population targets, validated and scaled."""
    missing = [c for c in ("variable", "category", "population") if c not in margins.columns]
    if missing:
        raise WeightingError(f"population_margins: missing columns {quoted(missing, limit=12)} "
                             f"(found: {quoted(margins.columns, limit=12)}). Give the margins as a "
                             "long table variable, category, population.")
    names = margins["variable"].astype(str).to_numpy()
    labels = margins["category"].astype(str).to_numpy()
    figures = margins["population"].to_numpy(dtype=float, na_value=np.nan)
    found: list[tuple[tuple[str, ...], np.ndarray]] = []
    for variable in variables:
        rows = names == variable
        if not rows.any():
            raise WeightingError(f"population_margins has no rows for variable '{variable}' "
                                 f"(variables: {quoted(names, limit=12)}). Add its "
                                 "population figures or leave it out of the weighting variables.",
                                 variable=variable)
        categories = tuple(labels[rows])
        if len(set(categories)) < len(categories):
            repeated = next(c for i, c in enumerate(categories) if c in categories[:i])
            raise WeightingError(f"population_margins, variable '{variable}': category "
                                 f"'{repeated}' appears more than once. Give each category one "
                                 "row.", variable=variable, category=repeated)
        population = figures[rows]
        if not (np.isfinite(population) & (population >= 0)).all() or population.sum() <= 0:
            raise WeightingError(f"population_margins, variable '{variable}': populations must be "
                                 "non-negative numbers with a positive total. Fill in the missing "
                                 "or negative figures.", variable=variable)
        found.append((categories, population))
    scaled = scaled_populations(variables, [p for _, p in found], base_total,
                                 "population_margins")
    return [(categories, p) for (categories, _), p in zip(found, scaled)]


def check_respondents(variables, targets, codes, counts) -> None:
    """Every margin category with people needs respondents, and vice versa."""
    for j, (variable, (categories, population)) in enumerate(zip(variables, targets)):
        found = np.bincount(codes[:, j], weights=counts, minlength=len(categories))
        for c in np.flatnonzero((found == 0) & (population > 0)):
            with_people = [i for i in (c - 1, c + 1) if 0 <= i < len(categories) and found[i]]
            pool = with_people or list(np.flatnonzero(found))
            other = categories[min(pool, key=lambda i: (population[i], i))]
            raise WeightingError(
                f"population_margins, variable '{variable}': category '{categories[c]}' "
                f"(population {population[c]:,.0f}) has no respondents. Collapse it with a "
                f"neighbouring category, e.g. collapse_categories(responses, margins, "
                f"{{'{variable}': {{'{categories[c]}': '{other}'}}}}).",
                variable=variable, category=categories[c])
        for c in np.flatnonzero((found > 0) & (population == 0)):
            raise WeightingError(
                f"population_margins, variable '{variable}': category '{categories[c]}' has "
                f"population 0 but {counted(found[c], 'respondent')}, who would get weight 0. "
                "Give the category its population, or recode those respondents with "
                "collapse_categories().",
                variable=variable, category=categories[c])


def _factorize_column(responses: pd.DataFrame, variable: str) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of a column and the values they stand for; missing values are an error."""
    if variable not in responses.columns:
        raise WeightingError(f"survey_responses has no column '{variable}' (columns: "
                             f"{quoted(responses.columns, limit=12)}). Weight only on columns of "
                             "the responses.", variable=variable)
    column = responses[variable]
    # Hashing the strings once is the dominant cost of weighting a large survey: give pandas
    # the plain object array for Python strings (its fastest path), anything else as it is.
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, values = column.cat.codes.to_numpy().astype(np.intp), column.cat.categories
    elif column.dtype == object or getattr(column.dtype, "storage", None) == "python":
        codes, values = pd.factorize(column.to_numpy(), size_hint=_HASH_SIZE)
    else:
        codes, values = pd.factorize(column, size_hint=_HASH_SIZE)
    if len(codes) and codes.min() < 0:
        missing = codes < 0
        raise WeightingError(
            f"survey_responses, column '{variable}', rows {row_labels(responses.index[missing])}: "
            f"{counted(missing.sum(), 'respondent')} with no value. Every respondent needs a "
            "category: recode the missing values (e.g. to 'Not known', with its own population "
            "figure) or drop those rows before weighting.", variable=variable)
    return codes, pd.Index(values)


def _category_lookup(variable: str, codes: np.ndarray, values: pd.Index,
                     categories: tuple[str, ...], source: str) -> np.ndarray:
    """Position in ``categories`` of each coded value; a value not among them is an error."""
    position = {category: i for i, category in enumerate(categories)}
    lookup = np.array([position.get(str(value), -1) for value in values], dtype=np.intp)
    for unknown in np.flatnonzero(lookup < 0):
        count = int(np.count_nonzero(codes == unknown))
        lookup[unknown] = 0  # an unused level of a categorical column does not matter
        if count:
            raise WeightingError(
                f"survey_responses, column '{variable}': value '{values[unknown]}' "
                f"({counted(count, 'respondent')}) is not a category in {source} (found: "
                f"{quoted(categories, limit=12)}). Add "
                "it to the margins or recode it with collapse_categories().",
                variable=variable, category=str(values[unknown]))
    return lookup


def coded_cells(responses: pd.DataFrame, variables: list[str],
                categories: list[tuple[str, ...]], source: str) -> tuple[np.ndarray, np.ndarray]:
    """Cell of every respondent, and each cell's category code on every variable.

    A value must be one of its variable's ``categories`` (named in errors as found in
    ``source``); missing values are an error. Cells are numbered densely (row-major) while
    there are few enough, beyond that only the occupied ones, so any number of variables works.
    """
    cells = cell_codes = None
    lookups = []
    for variable, cats in zip(variables, categories):
        codes, values = _factorize_column(responses, variable)
        lookups.append(_category_lookup(variable, codes, values, cats, source))
        # Cross the raw codes column by column (one column's codes alive at a time) and
        # translate only the few cells to category codes, never the rows.
        size = len(values)
        if cells is None:
            cells, cell_codes = codes, np.arange(size)[:, None]
            continue
        cells *= size
        cells += codes
        cell_codes = np.column_stack([np.repeat(cell_codes, size, axis=0),
                                      np.tile(np.arange(size), len(cell_codes))])
        if len(cell_codes) > _DENSE_CELLS:
            cells, occupied = pd.factorize(cells)
            cell_codes = cell_codes[occupied]
    return cells, np.column_stack([lookup[cell_codes[:, j]] for j, lookup in enumerate(lookups)])


def ratio(target: np.ndarray, current: np.ndarray) -> np.ndarray:
    """target / current, and 1 where current is 0 (a category no cell holds)."""
    return np.divide(target, current, out=np.ones_like(target), where=current > 0)


def margin_errors(totals, codes, targets) -> list[np.ndarray]:
    """Relative error |weighted / target − 1| of every category of every margin."""
    errors = []
    for j, target in enumerate(targets):
        current = np.bincount(codes[:, j], weights=totals, minlength=len(target))
        errors.append(np.abs(ratio(current, target) - 1) * (target > 0))
    return errors


def fit_margins(totals: np.ndarray, codes: np.ndarray, targets: list[np.ndarray], tol: float,
                max_iter: int) -> tuple[np.ndarray, int, list[np.ndarray] | None]:
    """Rake cell totals to the margins (iterative proportional fitting).

    Returns ``(after, sweeps, errors)``: ``after[j]`` holds the cell totals right after margin
    ``j`` was adjusted in the last sweep (``after[-1]`` are the final totals); ``errors`` is
    None once every margin is within ``tol`` (relative), else the errors left after
    ``max_iter`` sweeps.
    """
    after = np.empty((len(targets), len(totals)))
    for sweep in range(1, max_iter + 1):
        for j, target in enumerate(targets):
            current = np.bincount(codes[:, j], weights=totals, minlength=len(target))
            totals = totals * ratio(target, current)[codes[:, j]]
            after[j] = totals
        errors = margin_errors(totals, codes, targets)
        if max(e.max() for e in errors) <= tol:
            return after, sweep, None
    return after, max_iter, errors


def _bounded_factor(units, counts, target, lower, upper) -> float:
    """Factor f with sum(counts · clip(units · f, lower, upper)) = target (feasible target)."""
    factor = target / np.dot(counts, units)
    scaled = units * factor
    if scaled.min() >= lower and scaled.max() <= upper:
        return factor
    # The clipped total is piecewise linear and non-decreasing in f, with kinks where a unit
    # reaches a bound: find the piece holding the target, then solve that piece exactly.
    kinks = np.unique(np.concatenate([lower / units, upper / units]))
    low, high = 0, len(kinks) - 1
    while high - low > 1:
        middle = (low + high) // 2
        if np.dot(counts, np.clip(units * kinks[middle], lower, upper)) <= target:
            low = middle
        else:
            high = middle
    scaled = units * (0.5 * (kinks[low] + kinks[high]))
    free = (scaled > lower) & (scaled < upper)
    fixed = np.dot(counts[~free], np.clip(scaled[~free], lower, upper))
    slope = np.dot(counts[free], units[free])
    return kinks[low] if slope == 0 else (target - fixed) / slope


def fit_margins_bounded(units: np.ndarray, counts: np.ndarray, codes: np.ndarray,
                        targets: list[np.ndarray], lower: float, upper: float, tol: float,
                        max_iter: int) -> tuple[np.ndarray, int, list[np.ndarray] | None]:
    """Rake the weights of groups of ``counts`` rows each (``units`` is the weight of one row
    of a group, changed in place), keeping every weight within [lower, upper].

    Each step meets one margin exactly with weights clipped to the bounds: the Kullback–Leibler
    projection onto that margin within the bounds, so cycling through the margins converges
    whenever the margins can be met within the bounds. Returns as :func:`fit_margins`, with
    ``after`` holding per-row weights of each group.
    """
    members = []
    for j, target in enumerate(targets):
        order = np.argsort(codes[:, j], kind="stable")
        members.append(np.split(order, np.cumsum(np.bincount(codes[:, j],
                                                             minlength=len(target)))[:-1]))
    after = np.empty((len(targets), len(units)))
    for sweep in range(1, max_iter + 1):
        for j, target in enumerate(targets):
            for rows, total in zip(members[j], target):
                if len(rows):
                    factor = _bounded_factor(units[rows], counts[rows], total, lower, upper)
                    units[rows] = np.clip(units[rows] * factor, lower, upper)
            after[j] = units
        errors = margin_errors(units * counts, codes, targets)
        if max(e.max() for e in errors) <= tol:
            return after, sweep, None
    return after, max_iter, errors

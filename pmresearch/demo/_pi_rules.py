"""The standard PI judgements the demo generator plants its signals against.

These mirror the default rules (``parameters/rules.yaml``; domain.md §5 rules 5–7) so the demo
can check, and ``SCENARIO.md`` can state, what the product should find. They are deliberately
small and independent of :mod:`pmresearch.performance`, which is the product's implementation.
"""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd

from . import _ashbrook

__all__ = ["annual_value", "band", "direction", "period_end", "quartile_position", "rag_column"]

# Rule 6: a change smaller than 1% of the earlier value is "same" (rules.yaml no_change_band).
_NO_CHANGE = 0.01
# Float slack so a value exactly on the tolerance line counts as within it.
_EPS = 1e-9


def period_end(period: str) -> str:
    """Last day of a financial quarter such as ``2025-26 Q2``, as ISO ``YYYY-MM-DD``.

    >>> period_end("2025-26 Q1"), period_end("2024-25 Q4")
    ('2025-06-30', '2025-03-31')
    """
    first_year, quarter = int(period[:4]), int(period[-1])
    last_month = _ashbrook.FINANCIAL_YEAR_START_MONTH + 3 * quarter - 1  # may pass December
    year, month = first_year + (last_month - 1) // 12, (last_month - 1) % 12 + 1
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def band(target, tolerance: float, tolerance_type: str):
    """Width of the amber band: ``tolerance`` % of the target, or ``tolerance`` in the unit.

    >>> band(6.0, 10.0, "relative"), band(46.0, 3.0, "absolute")
    (0.6, 3.0)
    """
    if tolerance_type == "relative":
        return tolerance * abs(target) / 100
    return tolerance + 0 * target  # same shape as target: scalar or array


def rag_column(values: pd.DataFrame, indicators: pd.DataFrame) -> pd.Series:
    """Standard RAG of every ``pi_values`` row: ``green``, ``amber``, ``red``, ``n/a``, ``no data``.

    Green at or better than target; amber worse but within tolerance; red beyond. Context
    indicators get ``n/a``; missing and estimated values get ``no data`` (rule 7).
    """
    spec = indicators.set_index("pi_id").reindex(values["pi_id"]).set_axis(values.index)
    value = values["value"].astype(float)
    target = values["target"].astype(float)
    tolerance = spec["tolerance"].astype(float)
    width = np.where(spec["tolerance_type"] == "relative", tolerance * target.abs() / 100,
                     tolerance)
    shortfall = np.where(spec["polarity"] == "higher_better", target - value, value - target)
    rag = np.select([shortfall <= _EPS, shortfall <= width + _EPS], ["green", "amber"], "red")
    rag = np.where(spec["polarity"] == "context", "n/a", rag)
    no_data = values["data_status"].isin(["missing", "estimated"]) | value.isna()
    rag = np.where(no_data & (spec["polarity"] != "context"), "no data", rag)
    return pd.Series(rag, index=values.index, name="rag")


def direction(now: float, before: float, polarity: str) -> str:
    """Direction of travel: ``better``/``same``/``worse`` (``up``/``down`` for context PIs).

    >>> direction(47.6, 50.2, "lower_better"), direction(100.5, 100.0, "higher_better")
    ('better', 'same')
    """
    if pd.isna(now) or pd.isna(before) or before == 0:
        return "n/a"
    change = (now - before) / abs(before)
    if abs(change) < _NO_CHANGE:
        return "same"
    if polarity == "context":
        return "up" if change > 0 else "down"
    improved = change > 0 if polarity == "higher_better" else change < 0
    return "better" if improved else "worse"


def annual_value(borough_rows: pd.DataFrame, year: str, *, cumulative: bool,
                 frequency: str) -> float:
    """Ashbrook's value for a financial year, as compared with its benchmark group.

    Year-to-date and annual indicators use the Q4 value; other quarterly indicators the mean
    of the year's available (non-missing) quarters, rounded to 2 decimals. ``borough_rows``
    are one indicator's borough-level ``pi_values`` rows.

    >>> rows = pd.DataFrame({"period": [f"2024-25 Q{q}" for q in range(1, 5)],
    ...                      "value": [92.8, 92.6, 91.6, 93.0]})
    >>> annual_value(rows, "2024-25", cumulative=False, frequency="quarterly")
    92.5
    >>> annual_value(rows, "2024-25", cumulative=True, frequency="quarterly")
    93.0
    """
    rows = borough_rows[borough_rows["period"].str.startswith(year)
                        & borough_rows["value"].notna()]
    if cumulative or frequency == "annual":
        q4 = rows.loc[rows["period"] == f"{year} Q4", "value"]
        return float(q4.iloc[0]) if len(q4) else float("nan")
    return round(float(rows["value"].astype(float).mean()), 2)


def quartile_position(value: float, lower_quartile: float, upper_quartile: float,
                      polarity: str) -> str:
    """``top quartile``, ``middle half`` or ``bottom quartile`` of a value, given polarity.

    Bottom means strictly worse than the worse-side quartile (the lower quartile when higher
    is better), top strictly better than the better-side one.

    >>> quartile_position(92.6, 95.0, 97.8, "higher_better")
    'bottom quartile'
    >>> quartile_position(92.6, 95.0, 97.8, "lower_better")
    'top quartile'
    """
    sign = 1 if polarity == "higher_better" else -1
    worse, better = ((lower_quartile, upper_quartile) if sign == 1
                     else (upper_quartile, lower_quartile))
    if sign * (value - worse) < 0:
        return "bottom quartile"
    if sign * (value - better) > 0:
        return "top quartile"
    return "middle half"

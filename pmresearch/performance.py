"""Performance indicators: each PI's latest value against target, with its recent history.

This first version reports values as recorded; RAG status, direction of travel, trend tests
and benchmark position build on the same table.
"""

from __future__ import annotations

import pandas as pd

from ._periods import shift_period

__all__ = ["indicator_table", "pi_history"]


def _borough_values(pi_values: pd.DataFrame) -> pd.DataFrame:
    """Borough-wide rows only (ward-level rows carry a ``ward_code``)."""
    if "ward_code" not in pi_values:
        return pi_values
    ward = pi_values["ward_code"].fillna("").astype(str).str.strip()
    return pi_values[ward == ""]


def pi_history(pi_values: pd.DataFrame, pi_ids: list[str], period: str, quarters: int) -> pd.DataFrame:
    """Borough values of ``pi_ids`` over the ``quarters`` quarters ending with ``period``.

    Returns the matching rows of ``pi_values`` in PI then period order.

    Examples
    --------
    >>> values = pd.DataFrame({"pi_id": ["A"] * 3, "period": ["2025-26 Q1", "2024-25 Q4", "2025-26 Q2"],
    ...                        "value": [2.0, 1.0, 3.0], "target": [2.0] * 3})
    >>> pi_history(values, ["A"], "2025-26 Q2", 2)["value"].tolist()
    [2.0, 3.0]
    """
    wanted = {shift_period(period, -k) for k in range(quarters)}
    rows = _borough_values(pi_values)
    rows = rows[rows["pi_id"].isin(pi_ids) & rows["period"].isin(wanted)]
    order = {pi: i for i, pi in enumerate(pi_ids)}
    return rows.sort_values(["pi_id", "period"], key=lambda s: s.map(order) if s.name == "pi_id" else s)


def indicator_table(indicators: pd.DataFrame, pi_values: pd.DataFrame, service_id: str,
                    period: str) -> pd.DataFrame:
    """One row per PI of a service: its value in ``period`` with target and comparisons.

    Annual PIs report their latest value at or before ``period`` (``value_period`` says which).

    Returns
    -------
    DataFrame
        Columns ``pi_id``, ``name``, ``unit``, ``polarity``, ``is_key``, ``value_period``,
        ``value``, ``target``, ``data_status``, ``previous_quarter`` (value one quarter before
        ``value_period``) and ``same_quarter_last_year``.

    Examples
    --------
    >>> pis = pd.DataFrame({"pi_id": ["A"], "service_id": ["s"], "name": ["Litter %"], "unit": ["%"],
    ...                     "polarity": ["lower_better"], "is_key": [True]})
    >>> values = pd.DataFrame({"pi_id": ["A", "A"], "period": ["2024-25 Q2", "2025-26 Q2"],
    ...                        "value": [5.0, 7.5], "target": [6.0, 6.0], "data_status": ["final"] * 2})
    >>> indicator_table(pis, values, "s", "2025-26 Q2")[["value", "target", "same_quarter_last_year"]]
       value  target  same_quarter_last_year
    0    7.5     6.0                     5.0
    """
    borough = _borough_values(pi_values)
    rows = []
    for pi in indicators[indicators["service_id"] == service_id].itertuples(index=False):
        history = borough[(borough["pi_id"] == pi.pi_id) & (borough["period"] <= period)]
        history = history.set_index("period").sort_index()
        latest = history.index[-1] if len(history) else period
        at = history.loc[latest] if len(history) else None

        def value_at(label: str) -> float:
            return history["value"].get(label, float("nan"))

        rows.append({
            "pi_id": pi.pi_id,
            "name": pi.name,
            "unit": pi.unit,
            "polarity": pi.polarity,
            "is_key": bool(pi.is_key),
            "value_period": latest,
            "value": value_at(latest),
            "target": at["target"] if at is not None else float("nan"),
            "data_status": at.get("data_status", "final") if at is not None else "missing",
            "previous_quarter": value_at(shift_period(latest, -1)),
            "same_quarter_last_year": value_at(shift_period(latest, -4)),
        })
    return pd.DataFrame(rows, columns=[
        "pi_id", "name", "unit", "polarity", "is_key", "value_period", "value", "target",
        "data_status", "previous_quarter", "same_quarter_last_year"])

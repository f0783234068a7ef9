"""The performance tables of the evidence store: each service's PIs as judged in the period,
the series behind its trend chart, and which PIs are cost indicators."""

from __future__ import annotations

import pandas as pd

from .. import performance
from ..periods import shift_period

__all__ = ["cost_indicator", "indicator_rows", "pi_chart_rows"]


def cost_indicator(table: pd.DataFrame, chosen: dict) -> pd.Series:
    """True for each PI whose unit holds one of ``chosen["units"]`` or whose name holds one of
    its ``name_words`` (any case): the PIs of a pack's cost and value section
    (``settings.packs.cost_indicators`` in rules.yaml).

    Examples
    --------
    >>> pis = pd.DataFrame({"unit": ["£", "%", "days"], "name": ["Spend", "Unit COST", "Wait"]})
    >>> cost_indicator(pis, {"units": ["£"], "name_words": ["cost"]}).tolist()
    [True, True, False]
    """
    unit = table["unit"].astype(str)
    name = table["name"].astype(str).str.lower()
    found = pd.Series(False, index=table.index)
    for mark in chosen.get("units", []):
        found |= unit.str.contains(mark, regex=False)
    for word in chosen.get("name_words", []):
        found |= name.str.contains(word.lower(), regex=False)
    return found


def indicator_rows(ws, service_id: str, period: str, cost_indicators: dict) -> pd.DataFrame:
    """:func:`pmresearch.performance.indicator_table` of one service, with ``service_id`` and
    ``is_cost`` (:func:`cost_indicator`)."""
    table = performance.indicator_table(ws.indicators, ws.pi_values, service_id, period,
                                        benchmarks=ws.benchmarks, settings=ws.parameters.settings)
    return table.assign(service_id=service_id, is_cost=cost_indicator(table, cost_indicators))


def pi_chart_rows(ws, service_id: str, period: str, quarters: int) -> pd.DataFrame:
    """One row per PI of the service and quarter shown in its trend chart, oldest first: what
    :func:`pmresearch.plots.pi_trends` draws and the pack's "data behind this chart" lists.

    Each PI is judged over the quarters shown plus the four before them, so a RAG variant
    that compares with a year before has its comparison. A quarter without a value has a row
    with ``data_status`` blank and no value.
    """
    pis = ws.indicators[ws.indicators["service_id"] == service_id].reset_index(drop=True)
    shown = [shift_period(period, k - quarters + 1) for k in range(quarters)]
    history = performance.pi_history(ws.pi_values, pis["pi_id"].tolist(), period, quarters + 4)
    assessed = performance.assess_indicators(pis, history, settings=ws.parameters.settings)
    rows = []
    for pi in pis.itertuples(index=False):
        mine = assessed[assessed["pi_id"] == pi.pi_id]
        series = mine.set_index("period").reindex(shown)
        rows.append(pd.DataFrame({
            "service_id": service_id, "pi_id": pi.pi_id, "name": pi.name,
            "unit": getattr(pi, "unit", ""), "position": range(quarters), "period": shown,
            "recorded": series.index.isin(mine["period"]),
            "value": series["value"].to_numpy(float), "target": series["target"].to_numpy(float),
            "red_threshold": series["red_threshold"].to_numpy(float),
            "rag": series["rag"].to_numpy(object), "rag_marker": series["rag_marker"].to_numpy(object),
            "data_status": series["data_status"].to_numpy(object),
            "year_to_date": bool(mine["cumulative"].any())}))
    columns = ["service_id", "pi_id", "name", "unit", "position", "period", "recorded", "value",
               "target", "red_threshold", "rag", "rag_marker", "data_status", "year_to_date"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)

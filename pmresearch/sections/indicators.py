"""The performance indicators of a pack: the PI table, trends against target, benchmark
position, cost indicators, and how PIs and residents' satisfaction go together across wards."""

from __future__ import annotations

import functools

import pandas as pd
from IPython.display import HTML, Markdown
from pandas.io.formats.style import Styler

from .. import evidence, linkage, performance, plots, report
from .._periods import shift_period
from ..workspace import Workspace
from ._common import (QUARTILE_LABELS, _direction, _md, _question_of, _with_marker,
                      service_settings, styled_table)

__all__ = ["benchmark_position", "cost_and_value", "indicator_table", "indicator_trends",
           "ward_linkage", "ward_scatter"]


def _indicators(ws: Workspace, service_id: str, period: str) -> pd.DataFrame:
    """:func:`pmresearch.performance.indicator_table` for the workspace, a fresh copy of a
    table judged once per pack (four sections show it)."""
    return _judged(ws, service_id, period).copy()


@functools.lru_cache(maxsize=16)
def _judged(ws: Workspace, service_id: str, period: str) -> pd.DataFrame:
    # Workspaces hash by identity: each loaded workspace judges each service once.
    return performance.indicator_table(ws.indicators, ws.pi_values, service_id, period,
                                       benchmarks=ws.benchmarks,
                                       settings=ws.parameters.settings)


def _benchmark(table: pd.DataFrame) -> list[str]:
    """Each PI's benchmark quartile in words with its year, or an en dash."""
    return ["–" if pd.isna(quartile) else f"{QUARTILE_LABELS[int(quartile)]} ({year})"
            for quartile, year in zip(table["benchmark_quartile"], table["benchmark_year"])]


def indicator_table(ws: Workspace, service_id: str, period: str) -> Styler:
    """The service's PIs in ``period``: value against target, RAG, directions of travel,
    quarters red, trend and benchmark quartile (rules in ``parameters/rules.yaml``).

    A year-to-date PI's short-term direction compares with the same quarter last year; its
    cell says "(year to date)" and a sentence of the caption says what that means."""
    table = _indicators(ws, service_id, period)
    table["is_key"] = table["is_key"].map({True: "key", False: ""})
    table["rag"] = _with_marker(table["rag"], table["rag_marker"])
    for column in ("dot_short", "dot_long"):
        table[column] = _direction(table[column])
    to_date = table["dot_short_basis"] == "same quarter last year"
    table["dot_short"] = table["dot_short"].where(~to_date, table["dot_short"] + " (year to date)")
    table["trend"] = [
        row.trend if pd.isna(row.trend_p) else f"{row.trend} (p = {row.trend_p:.2f})"
        for row in table.itertuples()]
    table["benchmark"] = _benchmark(table)
    return styled_table(table, {
        "pi_id": "PI", "name": "Indicator", "is_key": "Key PI", "unit": "Unit",
        "value_period": "Period", "value": "Value", "target": "Target", "rag": "RAG",
        "dot_short": "vs previous quarter", "dot_long": "vs a year before",
        "consecutive_red": "Quarters red", "trend": "Trend", "benchmark": "Benchmark"},
        {"value": "{:,.1f}", "target": "{:,.1f}", "consecutive_red": "{:,}"},
        caption="RAG: ● green at or better than target, ▲ amber worse but within tolerance, "
                "■ red beyond it, ○ no data (missing or estimated). Trend: Mann–Kendall test "
                "over the last quarters. Benchmark: quartile of the comparator group, best "
                "first." + (_YEAR_TO_DATE_NOTE if to_date.any() else ""))


# A running total always grows through the year, so it is compared with the same point of
# last year; its trend is over the quarters on their own.
_YEAR_TO_DATE_NOTE = (" Year to date: compared with the same quarter last year, not the "
                      "previous quarter; trend over each quarter on its own.")


def indicator_trends(ws: Workspace, service_id: str, period: str) -> HTML:
    """Each PI of the service against its target and tolerance over the recent quarters, with
    the values behind the chart."""
    quarters = service_settings(ws, service_id)["pi_history_quarters"]
    settings = ws.parameters.settings
    figure = plots.pi_trends(ws.indicators, ws.pi_values, service_id, period, quarters=quarters,
                             settings=settings)
    pis = ws.indicators.loc[ws.indicators["service_id"] == service_id, "pi_id"].tolist()
    assessed = evidence.evidence_for(ws, period)["pi"]  # judged once for the whole batch
    first = shift_period(period, -(quarters - 1))
    data = assessed[assessed["pi_id"].isin(pis) & assessed["period"].between(first, period)]
    data = data.assign(rag=_with_marker(data["rag"], data["rag_marker"]))
    data = data[["pi_id", "period", "value", "target", "rag", "data_status"]].rename(columns={
        "pi_id": "PI", "period": "Quarter", "value": "Value", "target": "Target", "rag": "RAG",
        "data_status": "Data status"})
    alt = (f"Line charts of the {service_id} performance indicators over the {quarters} "
           f"quarters to {period}: target as a dashed line, tolerance as a shaded band, each "
           "value lettered G, A or R for its RAG status.")
    return report.chart(figure, alt=alt, data=data,
                        caption=f"Performance indicators, {first} to {period}: value, target "
                                "and tolerance band; letters give the RAG status.",
                        formats={"Value": "{:,.2f}", "Target": "{:,.2f}"})


def benchmark_position(ws: Workspace, service_id: str, period: str) -> HTML | Markdown:
    """Each benchmarked PI against its comparator group's quartiles, with the figures."""
    table = _indicators(ws, service_id, period)
    table = table[table["benchmark_quartile"].notna()]
    if table.empty:
        return Markdown("_No benchmark data for this service's indicators._")
    figure = plots.benchmark_strip(ws.indicators, ws.pi_values, ws.benchmarks, service_id,
                                   period, settings=ws.parameters.settings)
    ours = f"{ws.council['name']} value"
    data = table.assign(quartile=table["benchmark_quartile"].astype(int).map(QUARTILE_LABELS))
    data = data[["pi_id", "benchmark_year", "benchmark_value", "lower_quartile", "median",
                 "upper_quartile", "quartile", "benchmark_rank", "benchmark_n"]].rename(columns={
        "pi_id": "PI", "benchmark_year": "Year", "benchmark_value": ours,
        "lower_quartile": "Lower quartile", "median": "Median", "upper_quartile": "Upper quartile",
        "quartile": "Position", "benchmark_rank": "Rank", "benchmark_n": "Of"})
    alt = (f"Strips of the comparator group's lower quartile, median and upper quartile for "
           f"each benchmarked {service_id} indicator, with the council's value marked and "
           "labelled with its quartile; better is to the right.")
    number = "{:,.2f}"
    return report.chart(figure, alt=alt, data=data,
                        caption="Each indicator's value for the benchmark year against its "
                                "comparator group; better is always to the right.",
                        formats={ours: number, "Lower quartile": number, "Median": number,
                                 "Upper quartile": number, "Rank": "{:.0f}", "Of": "{:.0f}"})


def cost_and_value(ws: Workspace, service_id: str, period: str) -> Styler | Markdown:
    """The service's cost indicators (a unit in £ or "cost" in the name) with their RAG and
    benchmark position."""
    table = _indicators(ws, service_id, period)
    cost = table["unit"].astype(str).str.contains("£") | \
        table["name"].astype(str).str.contains("cost", case=False)
    table = table[cost]
    if table.empty:
        return Markdown("_This service has no cost indicator in `indicators.csv` (a unit in £ "
                        "or \"cost\" in its name)._")
    table = table.assign(rag=_with_marker(table["rag"], table["rag_marker"]),
                         dot_long=_direction(table["dot_long"]), benchmark=_benchmark(table))
    return styled_table(table, {
        "pi_id": "PI", "name": "Indicator", "unit": "Unit", "value_period": "Period",
        "value": "Value", "target": "Target", "rag": "RAG", "dot_long": "vs a year before",
        "benchmark": "Benchmark"}, {"value": "{:,.2f}", "target": "{:,.2f}"},
        caption="Net cost per unit of service; lower is better unless the indicator says "
                "otherwise.")


def ward_linkage(ws: Workspace, service_id: str, period: str) -> Styler:
    """Across wards: ward satisfaction against the PI's ward values, raw and controlling for
    deprivation."""
    table = linkage.ward_correlation(ws, service_id, period)
    first = table.iloc[0]
    caption = ("Pearson correlation across wards with a survey base of at least "
               f"{ws.parameters.settings['suppression']['min_base']} "
               f"(at least {ws.parameters.settings['linkage']['min_wards']} wards needed)")
    if first.pi_id and first.pi_period:
        caption += f"; PI {first.pi_id} in {first.pi_period}, survey wave {first.wave}"
    return styled_table(table, {
        "analysis": "Analysis", "n": "Wards", "r": "r", "ci_low": "95% CI from",
        "ci_high": "95% CI to", "p_value": "p-value", "status": "Status"},
        {"r": "{:+.2f}", "ci_low": "{:+.2f}", "ci_high": "{:+.2f}", "p_value": "{:.3f}"},
        caption=caption)


def ward_scatter(ws: Workspace, service_id: str, period: str) -> HTML | Markdown:
    """Ward satisfaction against the PI's ward values, one labelled point per ward, with the
    figures behind the chart."""
    wards = linkage.ward_points(ws, service_id, period)
    if wards.attrs["status"] != "ok" or wards.empty:
        return Markdown(f"_No ward chart: {_md(wards.attrs['status'])}._")
    pi = ws.indicators.set_index("pi_id").loc[wards.attrs["pi_id"]]
    question = _question_of(ws, pd.Series([wards.attrs["survey_item"]])).iloc[0]
    figure = plots.ward_scatter(wards, pi_label=f"{pi['name']} ({pi['unit']}), "
                                                f"{wards.attrs['pi_period']}",
                                item_label=f"% satisfied, wave {wards.attrs['wave']}",
                                labels=wards["ward_name"])
    alt = (f"Scatter of {len(wards)} wards: % satisfied ({question}) against "
           f"{pi['name']}, each point labelled with its ward, with a least-squares line.")
    data = wards[["ward_name", "pct_satisfied", "n_unweighted", "base_note", "value",
                  "imd_quintile"]].rename(
        columns={"ward_name": "Ward", "pct_satisfied": "% satisfied", "n_unweighted": "Base",
                 "base_note": "Note", "value": f"{pi['name']} ({pi['unit']})",
                 "imd_quintile": "IMD quintile"})
    return report.chart(figure, alt=alt, data=data,
                        caption=f"Wards: % satisfied ({wards.attrs['wave']} survey) against "
                                f"{pi['name']} ({wards.attrs['pi_period']}).",
                        formats={"% satisfied": "{:.0f}", "Base": "{:,.0f}",
                                 "IMD quintile": "{:.0f}"})

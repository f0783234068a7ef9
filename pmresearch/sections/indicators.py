"""The performance indicators of a pack: the PI table, trends against target, benchmark
position, cost indicators, and how PIs and residents' satisfaction go together across wards."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML, Markdown
from pandas.io.formats.style import Styler

from .. import plots, report
from ..store import EvidenceStore
from ._common import QUARTILE_LABELS, _direction, _md, _with_marker, styled_table

__all__ = ["benchmark_position", "cost_and_value", "indicator_table", "indicator_trends",
           "ward_linkage", "ward_scatter"]


def _benchmark(table: pd.DataFrame) -> list[str]:
    """Each PI's benchmark quartile in words with its year, or an en dash."""
    return ["–" if pd.isna(quartile) else f"{QUARTILE_LABELS[int(quartile)]} ({year})"
            for quartile, year in zip(table["benchmark_quartile"], table["benchmark_year"])]


def indicator_table(store: EvidenceStore, service_id: str) -> Styler:
    """The service's PIs in the period: value against target, RAG, directions of travel,
    quarters red, trend and benchmark quartile (rules in ``parameters/rules.yaml``).

    A year-to-date PI's short-term direction compares with the same quarter last year; its
    cell says "(year to date)" and a sentence of the caption says what that means."""
    table = store.rows("indicators", service_id)
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


def indicator_trends(store: EvidenceStore, service_id: str) -> HTML:
    """Each PI of the service against its target and tolerance over the recent quarters, with
    the values behind the chart (the same rows of the store's ``pi_chart`` table)."""
    chart = store.rows("pi_chart", service_id)
    quarters = int(store.service(service_id)["pi_history_quarters"])
    period = store.period
    figure = plots.pi_trends(chart, empty_label=service_id)
    data = chart[chart["recorded"]]
    data = data.assign(rag=_with_marker(data["rag"], data["rag_marker"]))
    data = data[["pi_id", "period", "value", "target", "rag", "data_status"]].rename(columns={
        "pi_id": "PI", "period": "Quarter", "value": "Value", "target": "Target", "rag": "RAG",
        "data_status": "Data status"})
    first = chart["period"].iloc[0] if len(chart) else period
    alt = (f"Line charts of the {service_id} performance indicators over the {quarters} "
           f"quarters to {period}: target as a dashed line, tolerance as a shaded band, each "
           "value lettered G, A or R for its RAG status.")
    return report.chart(figure, alt=alt, data=data,
                        caption=f"Performance indicators, {first} to {period}: value, target "
                                "and tolerance band; letters give the RAG status.",
                        formats={"Value": "{:,.2f}", "Target": "{:,.2f}"})


def benchmark_position(store: EvidenceStore, service_id: str) -> HTML | Markdown:
    """Each benchmarked PI against its comparator group's quartiles, with the figures (the
    same rows of the store's ``indicators`` table)."""
    table = store.rows("indicators", service_id)
    table = table[table["benchmark_quartile"].notna()].reset_index(drop=True)
    if table.empty:
        return Markdown("_No benchmark data for this service's indicators._")
    figure = plots.benchmark_strip(table)
    ours = f"{store.meta['council']} value"
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


def cost_and_value(store: EvidenceStore, service_id: str) -> Styler | Markdown:
    """The service's cost indicators (``settings.packs.cost_indicators`` in rules.yaml: by
    default a unit in £ or "cost" in the name) with their RAG and benchmark position."""
    table = store.rows("indicators", service_id)
    table = table[table["is_cost"]]
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


def ward_linkage(store: EvidenceStore, service_id: str) -> Styler:
    """Across wards: ward satisfaction against the PI's ward values, raw and controlling for
    deprivation."""
    table = store.rows("ward_correlation", service_id)
    first = table.iloc[0]
    caption = ("Pearson correlation across wards with a survey base of at least "
               f"{store.settings['suppression']['min_base']} "
               f"(at least {store.settings['linkage']['min_wards']} wards needed)")
    if pd.notna(first.pi_id) and pd.notna(first.pi_period) and first.pi_id and first.pi_period:
        caption += f"; PI {first.pi_id} in {first.pi_period}, survey wave {first.wave}"
    return styled_table(table, {
        "analysis": "Analysis", "n": "Wards", "r": "r", "ci_low": "95% CI from",
        "ci_high": "95% CI to", "p_value": "p-value", "status": "Status"},
        {"r": "{:+.2f}", "ci_low": "{:+.2f}", "ci_high": "{:+.2f}", "p_value": "{:.3f}"},
        caption=caption)


def ward_scatter(store: EvidenceStore, service_id: str) -> HTML | Markdown:
    """Ward satisfaction against the PI's ward values, one labelled point per ward, with the
    figures behind the chart (the same rows of the store's ``ward_points`` table)."""
    service = store.service(service_id)
    wards = store.rows("ward_points", service_id)
    if service["ward_chart_status"] != "ok":
        return Markdown(f"_No ward chart: {_md(service['ward_chart_status'])}._")
    if wards.empty:
        # Ward values and a survey item, but no ward reaches the base to be shown.
        return Markdown("_No ward chart: no ward has both a survey base of at least "
                        f"{store.settings['suppression']['min_base']} and a value of the PI._")
    name, unit, pi_period = service["ward_pi_name"], service["ward_pi_unit"], service["ward_pi_period"]
    figure = plots.ward_scatter(wards, pi_label=f"{name} ({unit}), {pi_period}",
                                item_label=f"% satisfied, wave {service['ward_wave']}",
                                labels=wards["ward_name"])
    alt = (f"Scatter of {len(wards)} wards: % satisfied ({service['ward_question']}) against "
           f"{name}, each point labelled with its ward, with a least-squares line.")
    data = wards[["ward_name", "pct_satisfied", "n_unweighted", "base_note", "value",
                  "imd_quintile"]].rename(
        columns={"ward_name": "Ward", "pct_satisfied": "% satisfied", "n_unweighted": "Base",
                 "base_note": "Note", "value": f"{name} ({unit})",
                 "imd_quintile": "IMD quintile"})
    return report.chart(figure, alt=alt, data=data,
                        caption=f"Wards: % satisfied ({service['ward_wave']} survey) against "
                                f"{name} ({pi_period}).",
                        formats={"% satisfied": "{:.0f}", "Base": "{:,.0f}",
                                 "IMD quintile": "{:.0f}"})

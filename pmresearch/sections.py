"""The sections of an evidence pack, each built from a workspace, a service and a period.

The pack notebook calls one function per cell; each returns something Jupyter displays (a
Markdown block, a table or a figure), so the same sections can be shown in JupyterLab.
Tables are shown for reading (labelled columns, rounded figures, no row numbers); the tidy
DataFrames behind them come from the capability modules (:mod:`pmresearch.performance`,
:mod:`pmresearch.estimates`, :mod:`pmresearch.coding`).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
from IPython.display import Image, Markdown
from pandas.io.formats.style import Styler

from . import __version__, coding, estimates, performance, plots
from ._periods import period_end, shift_period
from .workspace import Workspace

__all__ = ["comments_by_source", "header", "indicator_table", "indicator_trends",
           "satisfaction_by_wave", "service_settings"]


def service_settings(ws: Workspace, service_id: str) -> dict:
    """The pack parameters of a service (``parameters/services/<id>.yaml``), with defaults."""
    return {"pi_history_quarters": 8, **ws.parameters.services.get(service_id, {})}


def _table(frame: pd.DataFrame, labels: dict[str, str], formats: dict[str, str] | None = None,
           caption: str = "") -> Styler:
    """``frame``'s ``labels`` columns, renamed and formatted for reading, without row numbers.

    Missing values show as an en dash. The table's HTML id is derived from its content, so the
    same table renders to the same HTML every time (notebook regression checks rely on it).
    """
    shown = frame[list(labels)].rename(columns=labels)
    formats = {labels[column]: spec for column, spec in (formats or {}).items()}
    digest = hashlib.sha256(shown.to_csv().encode("utf-8")).hexdigest()[:10]
    styler = shown.style.format(formats, na_rep="–").hide(axis="index").set_uuid(digest)
    return styler.set_caption(caption) if caption else styler


def _service(ws: Workspace, service_id: str) -> pd.Series:
    match = ws.services[ws.services["service_id"] == service_id]
    if match.empty:
        known = ", ".join(ws.services["service_id"])
        raise ValueError(f"service '{service_id}' is not in services.csv (found: {known})")
    return match.iloc[0]


def header(ws: Workspace, service_id: str, period: str) -> Markdown:
    """Title block: council, service, directorate, period and the pack's provenance."""
    service = _service(ws, service_id)
    title = service_settings(ws, service_id).get("title", service["service_name"])
    return Markdown(
        f"# {title}: evidence pack, {period}\n\n"
        f"**{ws.council['name']}** · {service['directorate']} directorate · "
        f"service `{service_id}`\n\n"
        f"Generated {dt.date.today().isoformat()} by pmresearch {__version__} from the "
        f"workspace `{ws.path.name}`."
    )


def indicator_table(ws: Workspace, service_id: str, period: str) -> Styler:
    """The service's PIs in ``period`` with target and previous values."""
    table = performance.indicator_table(ws.indicators, ws.pi_values, service_id, period)
    table["is_key"] = table["is_key"].map({True: "key", False: ""})
    table["polarity"] = table["polarity"].str.replace("_", " ")
    return _table(table, {
        "pi_id": "PI", "name": "Indicator", "is_key": "Key PI", "unit": "Unit",
        "polarity": "Polarity", "value_period": "Period", "value": "Value", "target": "Target",
        "data_status": "Data status", "previous_quarter": "Previous quarter",
        "same_quarter_last_year": "Same quarter last year"},
        {"value": "{:,.1f}", "target": "{:,.1f}", "previous_quarter": "{:,.1f}",
         "same_quarter_last_year": "{:,.1f}"})


def indicator_trends(ws: Workspace, service_id: str, period: str) -> Image:
    """Each PI of the service against its target over the recent quarters, as a PNG image."""
    quarters = service_settings(ws, service_id)["pi_history_quarters"]
    figure = plots.pi_trends(ws.indicators, ws.pi_values, service_id, period, quarters=quarters)
    alt = (f"Line charts of the {service_id} performance indicators against target over the "
           f"{quarters} quarters to {period}.")
    return Image(data=plots.figure_png(figure), format="png", alt=alt)


def satisfaction_by_wave(ws: Workspace, service_id: str, period: str) -> Styler | Markdown:
    """Unweighted % satisfied with the service's survey items, per wave up to ``period``."""
    items = _service(ws, service_id)["survey_items"]
    items = [item for item in str(items).split(";") if item.strip()]
    if not items:
        return Markdown("_The resident survey has no question about this service._")
    end = pd.Timestamp(period_end(period, ws.council["financial_year_start_month"]))
    waves = ws.survey_waves.loc[ws.survey_waves["fieldwork_end"] <= end, "wave"]
    responses = ws.survey_responses[ws.survey_responses["wave"].isin(waves)]
    suppression = ws.parameters.settings["suppression"]
    meta = ws.survey_items.set_index("item")
    table = estimates.satisfaction_by_wave(
        responses, items, min_base=suppression["min_base"], low_base=suppression["low_base"],
        questions=meta["question"].to_dict(), scale_points=meta["scale_points"].to_dict())
    table["note"] = table["suppressed"].map({True: "suppressed: base too small", False: ""})
    table.loc[table["low_base"], "note"] = "low base: treat with caution"
    return _table(table, {
        "question": "Question", "wave": "Wave", "pct_satisfied": "% satisfied",
        "pct_dissatisfied": "% dissatisfied", "net_satisfied": "Net (points)",
        "pct_dont_know": "% don't know", "n_valid": "Base (valid answers)", "note": "Note"},
        {"pct_satisfied": "{:.0f}", "pct_dissatisfied": "{:.0f}", "net_satisfied": "{:+.0f}",
         "pct_dont_know": "{:.0f}", "n_valid": "{:,}"})


def comments_by_source(ws: Workspace, service_id: str, period: str) -> Styler:
    """Comments about the service received in the four quarters ending with ``period``."""
    month = ws.council["financial_year_start_month"]
    end = pd.Timestamp(period_end(period, month))
    start = pd.Timestamp(period_end(shift_period(period, -4), month)) + pd.Timedelta(days=1)
    table = coding.comment_counts(ws.comments, service_id, start, end)
    table["source"] = table["source"].str.replace("_", " ").str.capitalize()
    return _table(table, {"source": "Source", "comments": "Comments",
                          "pct_of_comments": "% of comments"},
                  {"comments": "{:,}", "pct_of_comments": "{:.0f}"},
                  caption=f"Comments dated {start:%d %B %Y} to {end:%d %B %Y}")

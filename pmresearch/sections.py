"""The sections of an evidence pack, each built from a workspace, a service and a period.

The pack notebook calls one function per cell; each returns something Jupyter displays (a
Markdown block, a table or a figure), so the same sections can be shown in JupyterLab.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from IPython.display import Image, Markdown

from . import __version__, coding, estimates, performance, plots
from ._periods import period_end, shift_period
from .workspace import Workspace

__all__ = ["comments_by_source", "header", "indicator_table", "indicator_trends",
           "satisfaction_by_wave", "service_settings"]


def service_settings(ws: Workspace, service_id: str) -> dict:
    """The pack parameters of a service (``parameters/services/<id>.yaml``), with defaults."""
    return {"pi_history_quarters": 8, **ws.parameters.services.get(service_id, {})}


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


def indicator_table(ws: Workspace, service_id: str, period: str) -> pd.DataFrame:
    """The service's PIs in ``period`` with target and previous values."""
    return performance.indicator_table(ws.indicators, ws.pi_values, service_id, period)


def indicator_trends(ws: Workspace, service_id: str, period: str) -> Image:
    """Each PI of the service against its target over the recent quarters, as a PNG image."""
    quarters = service_settings(ws, service_id)["pi_history_quarters"]
    figure = plots.pi_trends(ws.indicators, ws.pi_values, service_id, period, quarters=quarters)
    alt = (f"Line charts of the {service_id} performance indicators against target over the "
           f"{quarters} quarters to {period}.")
    return Image(data=plots.figure_png(figure), format="png", alt=alt)


def satisfaction_by_wave(ws: Workspace, service_id: str, period: str) -> pd.DataFrame:
    """Unweighted % satisfied with the service's survey items, per wave up to ``period``."""
    items = _service(ws, service_id)["survey_items"]
    items = [item for item in str(items).split(";") if item.strip()]
    end = pd.Timestamp(period_end(period, ws.council["financial_year_start_month"]))
    waves = ws.survey_waves.loc[ws.survey_waves["fieldwork_end"] <= end, "wave"]
    responses = ws.survey_responses[ws.survey_responses["wave"].isin(waves)]
    suppression = ws.parameters.settings["suppression"]
    meta = ws.survey_items.set_index("item")
    return estimates.satisfaction_by_wave(
        responses, items, min_base=suppression["min_base"], low_base=suppression["low_base"],
        questions=meta["question"].to_dict(), scale_points=meta["scale_points"].to_dict())


def comments_by_source(ws: Workspace, service_id: str, period: str) -> pd.DataFrame:
    """Comments about the service received in the four quarters ending with ``period``."""
    month = ws.council["financial_year_start_month"]
    end = pd.Timestamp(period_end(period, month))
    start = pd.Timestamp(period_end(shift_period(period, -4), month)) + pd.Timedelta(days=1)
    return coding.comment_counts(ws.comments, service_id, start, end)

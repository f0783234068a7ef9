"""Building the evidence store: every table of a period computed once (see
:func:`pmresearch.store.build_store`)."""

from __future__ import annotations

import io

import pandas as pd

from .. import coding, evidence, linkage, rules
from ..periods import check_period
from .._version import __version__
from . import _comments, _performance, _survey
from ._tables import STORE_VERSION, TABLES, EvidenceStore

__all__ = ["build", "pack_settings"]

#: Pack settings a council's rules.yaml may leave out (``settings.packs``).
_PACK_DEFAULTS = {"pi_history_quarters": 8,
                  "cost_indicators": {"units": ["£"], "name_words": ["cost"]}}


def pack_settings(ws) -> dict:
    """``settings.packs`` of rules.yaml with the defaults for what it leaves out."""
    return {**_PACK_DEFAULTS, **ws.parameters.settings.get("packs", {})}


def build(ws, period: str, *, inputs: dict | None = None) -> EvidenceStore:
    """:func:`pmresearch.store.build_store`."""
    period = check_period(ws, period)
    coded = coding.coded_comments(ws)
    start, end = linkage.comment_window(ws, period)
    gathered = evidence.evidence_for(ws, period)  # shared with anything that gathered it
    found = evidence.findings_for(ws, period, gathered=gathered)
    settings = ws.parameters.settings
    packs = pack_settings(ws)
    tables: dict[str, list] = {name: [] for name in TABLES}
    service_rows = []
    for service in ws.services.itertuples(index=False):
        service_id = service.service_id
        own = {**packs, **ws.parameters.services.get(service_id, {})}
        quarters = int(own["pi_history_quarters"])
        themes, theme_counts = _comments.theme_rows(ws, coded, service_id, start, end)
        complaint_table, complaint_counts = _comments.complaint_themes(ws, coded, service_id,
                                                                        start, end)
        points = linkage.ward_points(ws, service_id, period)
        service_rows.append({
            "service_id": service_id, "service_name": service.service_name,
            "directorate": service.directorate,
            "title": own.get("title", service.service_name), "pi_history_quarters": quarters,
            "survey_items": ";".join(linkage.service_items(ws, service_id)),
            **_survey.survey_status(ws, service_id, period),
            **_comments.review_counts(coded, service_id, start, end), **theme_counts,
            **complaint_counts,
            **_ward_chart(ws, points)})
        tables["indicators"].append(_performance.indicator_rows(ws, service_id, period,
                                                             packs["cost_indicators"]))
        tables["pi_chart"].append(_performance.pi_chart_rows(ws, service_id, period, quarters))
        tables["ward_correlation"].append(
            linkage.ward_correlation(ws, service_id, period).assign(service_id=service_id))
        tables["ward_points"].append(pd.DataFrame(points).assign(service_id=service_id))
        tables["comment_sources"].append(_comments.sources_table(ws, service_id, start, end))
        tables["themes"].append(themes)
        tables["top_issue_quotes"].append(
            _comments.top_issue_quotes(ws, coded, themes, service_id, start, end))
        tables["complaint_themes"].append(complaint_table)
    built = {name: pd.concat(parts, ignore_index=True) for name, parts in tables.items() if parts}
    built.update({f"evidence_{kind}": table for kind, table in gathered.items()})
    built.update(services=pd.DataFrame(service_rows), findings=found,
                 improvement_actions=rules.improvement_actions(found),
                 satisfaction=_survey.satisfaction(ws, period),
                 wave_changes=_survey.changes(ws, period),
                 survey_groups=_survey.subgroups(ws, period),
                 weighting=_survey.weighting_quality(ws, period),
                 reliability=_comments.reliability_table(coded))
    meta = {
        "store_version": STORE_VERSION, "pmresearch": __version__, "period": period,
        "council": ws.council["name"], "workspace": ws.path.name,
        "inputs": inputs if inputs is not None else {},
        "comment_window": [start.date().isoformat(), end.date().isoformat()],
        "unfielded_note": _survey.unfielded_note(ws, period),
        "rules": len(ws.parameters.rules),
        "settings": {**{key: settings[key] for key in ("suppression", "significance", "coding")},
                     "linkage": {**settings["linkage"],
                                 "comment_window_quarters": linkage.comment_window_quarters(ws)}},
    }
    return EvidenceStore(meta, None, {name: _storable(built[name]) for name in TABLES})


def _ward_chart(ws, points: pd.DataFrame) -> dict:
    """What the ward chart of a service needs beside its points (``ward_chart_status`` "ok"
    or why there is none)."""
    attrs = points.attrs
    pi = ws.indicators.set_index("pi_id")
    known = attrs.get("pi_id") in pi.index
    item = attrs.get("survey_item")
    questions = ws.survey_items.set_index("item")["question"]
    return {"ward_chart_status": attrs["status"], "ward_pi_id": attrs.get("pi_id"),
            "ward_pi_name": pi.loc[attrs["pi_id"], "name"] if known else None,
            "ward_pi_unit": pi.loc[attrs["pi_id"], "unit"] if known else None,
            "ward_pi_period": attrs.get("pi_period"), "ward_survey_item": item,
            "ward_question": questions.get(item) if item else None,
            "ward_wave": attrs.get("wave")}


def _storable(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` exactly as it reads back from Parquet (a clean index, text columns of mixed
    content as text, missing text as a missing value), so sections see the same values and
    types whether the store was just built or read from its folder."""
    table = table.reset_index(drop=True)
    table.attrs = {}
    if "service_id" in table:  # the key first, as in every table a reader opens
        table = table[["service_id", *(c for c in table.columns if c != "service_id")]]
    for column in table.columns:
        if table[column].dtype == object:
            values = table[column].dropna()
            kinds = {type(value) for value in values}
            if len(kinds) > 1 and not kinds <= {int, float, bool}:
                table[column] = table[column].map(lambda v: v if pd.isna(v) else str(v))
    return pd.read_parquet(io.BytesIO(table.to_parquet(index=False)))

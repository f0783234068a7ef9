"""The evidence store: every table the packs show and the rules read, for one period, computed
once by the package and kept as Parquet files that analysts can open themselves.

:func:`build_store` weights each survey wave once, codes the comments once, judges every PI
once, links them and applies the rules; :meth:`EvidenceStore.write` saves the tables in a
folder (``outputs/<period>/evidence/`` for ``pmresearch packs``), one ``<table>.parquet`` per
entry of :data:`TABLES` plus ``store.json`` (what it was made from, and the settings the
pack's words quote). The pack notebook receives that folder as a Papermill parameter and only
reads and presents it (:mod:`pmresearch.sections`). Each table is read at most once per
process. ``docs/evidence_store.md`` describes every table and column.

Examples
--------
>>> from pmresearch.workspace import load_workspace
>>> store = build_store(load_workspace(), "2025-26 Q2")
>>> store.period, len(store.table("services"))
('2025-26 Q2', 8)
>>> pis = store.rows("indicators", "street_cleansing")
>>> pis.loc[pis["is_key"], ["pi_id", "rag"]].values.tolist()
[['SC01', 'red']]
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import coding, evidence, linkage, rules
from .._periods import check_period
from .._version import __version__
from ..errors import PackError
from . import _comments, _performance, _survey

__all__ = ["STORE_VERSION", "TABLES", "EvidenceStore", "build_store", "open_store",
           "read_meta", "write_tables"]

#: The store's layout version; a store of another version is rebuilt, never read.
STORE_VERSION = 1

#: Every table of the store, with what one row is. Tables with ``service_id`` hold every
#: service; :meth:`EvidenceStore.rows` gives one service's.
TABLES = {
    "services": "a service: names, pack settings, survey and comment counts for its captions",
    "evidence_service": "rules' evidence: a service in a quarter up to the period",
    "evidence_pi": "rules' evidence: a PI in a quarter up to the period",
    "evidence_ward": "rules' evidence: a ward against the rest, headline item, linked wave",
    "evidence_subgroup": "rules' evidence: an equality group against the rest, linked wave",
    "evidence_theme": "rules' evidence: a consultation theme of a service",
    "evidence_wave": "rules' evidence: how weighting went for the linked wave",
    "findings": "a finding of a rule, with its action, owner and reasons",
    "improvement_actions": "a finding's action as an improvement-plan row",
    "indicators": "a PI of a service as judged in the period",
    "pi_chart": "a PI in a quarter of its trend chart (what is drawn and listed under it)",
    "satisfaction": "a service's survey item in a wave: weighted % satisfied",
    "wave_changes": "a service's survey item: change between its last two waves",
    "survey_groups": "a ward or equality group against everyone else, latest wave",
    "weighting": "a survey wave: how far weighting moved it",
    "ward_correlation": "an analysis across wards: satisfaction against a PI's ward values",
    "ward_points": "a ward in a service's ward chart",
    "comment_sources": "a comment source of a service, with its role",
    "themes": "a consultation theme of a service's comments",
    "top_issue_quotes": "a quote on a theme a service's pack quotes",
    "complaint_themes": "a theme raised in complaints or compliments about a service",
    "reliability": "a comparison of the coding with the hand-coded sample",
}

#: Pack settings a council's rules.yaml may leave out (``settings.packs``).
_PACK_DEFAULTS = {"pi_history_quarters": 8,
                  "cost_indicators": {"units": ["£"], "name_words": ["cost"]}}


@dataclass(frozen=True, eq=False)
class EvidenceStore:
    """The tables of one period, in memory or read on demand from a store folder.

    ``meta`` holds what the store was made from (council, period, workspace folder name,
    pmresearch version, the SHA-256 of every input) and the settings the pack's words
    quote (``settings``), the comment window and coding notes.
    """

    meta: dict
    folder: Path | None = None
    _tables: dict = field(default_factory=dict, repr=False)

    @property
    def period(self) -> str:
        return self.meta["period"]

    @property
    def settings(self) -> dict:
        return self.meta["settings"]

    def table(self, name: str) -> pd.DataFrame:
        """The whole table ``name`` (one of :data:`TABLES`); treat it as read-only."""
        if name not in self._tables:
            if name not in TABLES:
                raise KeyError(f"the evidence store has no table '{name}' "
                               f"(tables: {', '.join(TABLES)})")
            self._tables[name] = pd.read_parquet(self.folder / f"{name}.parquet")
        return self._tables[name]

    def rows(self, name: str, service_id: str) -> pd.DataFrame:
        """The rows of table ``name`` about ``service_id``, in stored order."""
        table = self.table(name)
        return table[table["service_id"] == service_id].reset_index(drop=True)

    def service(self, service_id: str) -> pd.Series:
        """The ``services`` row of ``service_id``; a clear error for an unknown one."""
        found = self.rows("services", service_id)
        if found.empty:
            known = ", ".join(self.table("services")["service_id"])
            raise PackError(f"service '{service_id}' is not in the evidence store for "
                            f"{self.period} (services: {known}). Check the service id.")
        return found.iloc[0]

    def pack_title(self, service_id: str) -> str:
        """The pack's title: ``"<service title>: evidence pack, <period>"``."""
        return f"{self.service(service_id)['title']}: evidence pack, {self.period}"

    def write(self, folder: str | Path) -> Path:
        """Write every table and ``store.json`` to ``folder``, replacing any store there only
        once the new one is complete (a failed write leaves the old store as it was)."""
        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-staging-", dir=folder.parent))
        try:
            digests = {}
            for name in TABLES:
                path = staging / f"{name}.parquet"
                self.table(name).to_parquet(path, index=False)
                digests[name] = hashlib.sha256(path.read_bytes()).hexdigest()
            meta = {**self.meta, "tables": digests}
            (staging / "store.json").write_text(json.dumps(meta, indent=2, sort_keys=True),
                                                encoding="utf-8")
            os.chmod(staging, 0o755)
            retired = folder.with_name(f".{folder.name}-retired")
            if folder.exists():
                shutil.rmtree(retired, ignore_errors=True)
                os.replace(folder, retired)
            os.replace(staging, folder)
            shutil.rmtree(retired, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return folder


def open_store(folder: str | Path | None = None) -> EvidenceStore:
    """The store in ``folder``; with no folder, one built in memory for the demo council's
    current period (for exploring the pack notebook in JupyterLab).

    Raises
    ------
    PackError
        ``folder`` holds no store, or one made by another layout version.
    """
    if folder is None or str(folder) == "":
        from ..workspace import load_workspace

        ws = load_workspace()
        return build_store(ws, ws.council["current_period"])
    folder = Path(folder)
    meta = read_meta(folder)
    if meta is None:
        raise PackError(f"{folder} holds no evidence store of layout version {STORE_VERSION} "
                        "(store.json missing or from another version). Make it with "
                        "pmresearch packs or pmresearch evidence.")
    return EvidenceStore(meta, folder)


def read_meta(folder: Path) -> dict | None:
    """``store.json`` of the store in ``folder``, or None if there is no current one."""
    try:
        meta = json.loads((Path(folder) / "store.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if meta.get("store_version") == STORE_VERSION else None


def pack_settings(ws) -> dict:
    """``settings.packs`` of rules.yaml with the defaults for what it leaves out."""
    return {**_PACK_DEFAULTS, **ws.parameters.settings.get("packs", {})}


def build_store(ws, period: str, *, inputs: dict | None = None) -> EvidenceStore:
    """Compute every table of the store for ``period``, once.

    Parameters
    ----------
    ws : Workspace
    period : str
        The quarter, e.g. ``'2025-26 Q2'``.
    inputs : dict, optional
        SHA-256 of each input by name, recorded in ``meta`` (``pmresearch packs`` passes the
        hashes it computed once for the run).

    Raises
    ------
    pmresearch.errors.PeriodError
        ``period`` is not a quarter the workspace holds data for.
    """
    period = check_period(ws, period)
    coded = coding.coded_comments(ws)
    start, end = linkage.comment_window(ws, period)
    gathered = evidence.gather_evidence(ws, period)
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
            "survey_items": ";".join(_survey.service_items(ws, service_id)),
            **_survey.survey_status(ws, service_id, period),
            **_comments.review_counts(coded, service_id, start, end), **theme_counts,
            **complaint_counts,
            **_ward_chart(ws, points)})
        tables["indicators"].append(_performance.indicator_rows(ws, service_id, period))
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
        "settings": {key: settings[key] for key in ("suppression", "significance", "coding",
                                                    "linkage")},
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
    """``table`` as Parquet keeps it: a clean index, text columns of mixed content as text."""
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
    return table


#: The tables ``pmresearch evidence`` writes as CSV for spreadsheet users, by file name.
CSV_TABLES = {"indicator_assessment.csv": "evidence_pi", "evidence_table.csv": "evidence_service",
              "findings.csv": "findings", "improvement_actions.csv": "improvement_actions"}


def write_tables(store: EvidenceStore, folder: str | Path) -> list[Path]:
    """Write the store to ``folder/store/`` and its main tables as CSV in ``folder``
    (:data:`CSV_TABLES`; text that a spreadsheet would run as a formula is neutralised).

    Returns
    -------
    list of Path
        The files and the store folder written.
    """
    from .._csv import write_csv

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in CSV_TABLES.items():
        if name == "findings.csv":
            written.append(rules.write_findings(store.table(table), folder / name))
        elif name == "evidence_table.csv":
            write_csv(_with_base_notes(store.table(table), store.settings["suppression"]),
                      folder / name, float_format="%.10g")
            written.append(folder / name)
        else:
            write_csv(store.table(table), folder / name, float_format="%.10g")
            written.append(folder / name)
    written.append(store.write(folder / "store"))
    return written


def _with_base_notes(table: pd.DataFrame, suppression: dict) -> pd.DataFrame:
    """The rules' service evidence with each estimate's base marked, as docs/assumptions.md
    promises for ``evidence_table.csv``: ``satisfaction_low_base`` (blank without an estimate)
    and ``satisfaction_base_note`` in words (:func:`pmresearch.linkage.estimate_base_notes`)."""
    flags = linkage.base_flags(table["n_unweighted"], suppression)
    low = flags["low_base"].astype("boolean").mask(table["n_unweighted"].isna().to_numpy())
    return table.assign(satisfaction_low_base=low.to_numpy(),
                        satisfaction_base_note=linkage.estimate_base_notes(table, suppression))

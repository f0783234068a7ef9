"""The evidence store's tables and the object that reads them (see :mod:`pmresearch.store`)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .._modes import share
from ..errors import PackError

__all__ = ["STORE_VERSION", "TABLES", "EvidenceStore", "read_meta"]

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
            share(staging)  # mkdtemp made it 0700
            retired = folder.with_name(f".{folder.name}-retired")
            if folder.exists():
                shutil.rmtree(retired, ignore_errors=True)
                os.replace(folder, retired)
            os.replace(staging, folder)
            shutil.rmtree(retired, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return folder


def read_meta(folder: Path) -> dict | None:
    """``store.json`` of the store in ``folder``, or None if there is no current one."""
    try:
        meta = json.loads((Path(folder) / "store.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if meta.get("store_version") == STORE_VERSION else None

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

from pathlib import Path

import pandas as pd

from ..bases import base_flags, estimate_base_notes
from ..errors import PackError
from ._tables import STORE_VERSION, TABLES, EvidenceStore, read_meta

__all__ = ["STORE_VERSION", "TABLES", "EvidenceStore", "build_store", "open_store",
           "read_meta", "write_tables"]


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
    from ._build import build  # the statistics stack, loaded only to build a store

    return build(ws, period, inputs=inputs)


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
    from .. import rules
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
    and ``satisfaction_base_note`` in words (:func:`pmresearch.bases.estimate_base_notes`)."""
    flags = base_flags(table["n_unweighted"], suppression)
    low = flags["low_base"].astype("boolean").mask(table["n_unweighted"].isna().to_numpy())
    return table.assign(satisfaction_low_base=low.to_numpy(),
                        satisfaction_base_note=estimate_base_notes(table, suppression))

"""The record of a period's packs: ``manifest.json`` and ``index.html``.

Several writers share one record: the worker that has just swapped a pack into place, the run
that collects the results, and other runs into the same outputs at the same time. Each writes
holding the period's lock (:class:`pmresearch._outputs_lock.PeriodLock`): it reads the manifest
afresh, merges its own packs' entries into it and replaces the file in one step, so no writer
loses another's packs and no reader sees half a file.
"""

from __future__ import annotations

import html
import json
import os
import sys
import uuid
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from ._version import __version__
from .sections import RAG_LABELS, SEVERITY_LABELS
from .workspace import Workspace

__all__ = ["package_versions", "rag_summary", "read_manifest", "record_packs", "write_index"]

_REPORTED_PACKAGES = ("pandas", "numpy", "scipy", "scikit-learn", "pingouin", "papermill",
                      "nbconvert", "matplotlib", "ipykernel")


def package_versions() -> dict[str, str]:
    """Python's and the reported packages' versions, for the manifest."""
    versions = {"python": sys.version.split()[0], "pmresearch": __version__}
    for name in _REPORTED_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def read_manifest(period_dir: Path) -> dict:
    """``manifest.json`` of a period folder; empty if there is none or it cannot be read."""
    path = period_dir / "manifest.json"
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}  # an unreadable manifest only costs a rerun of every pack


def record_packs(period_dir: Path, head: dict, entries: dict[str, dict], token: str) -> None:
    """Merge packs' entries into ``manifest.json``; hold the period's lock while calling.

    Parameters
    ----------
    head : dict
        What the run was made from: ``council``, ``period``, ``workspace``, ``versions``,
        ``inputs``.
    entries : dict
        Per service id, its pack's entry: ``status``, ``fingerprint``, ``files`` (SHA-256 of
        each file in the pack's folder) and so on. A failed pack's entry keeps the record of
        the good pack still on disk as ``previous_good``.
    token : str
        The run's token (:class:`pmresearch._outputs_lock.RunClaim`), for the temporary file.
    """
    manifest = read_manifest(period_dir)
    packs = dict(manifest.get("packs", {}))
    for service_id, entry in entries.items():
        old = packs.get(service_id, {})
        entry = dict(entry)
        if entry["status"] == "failed" and (old.get("status") == "ok" or "previous_good" in old):
            entry["previous_good"] = old if old.get("status") == "ok" else old["previous_good"]
        packs[service_id] = entry
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    content = {**manifest, **head, "updated_at": now, "packs": dict(sorted(packs.items()))}
    order = ["council", "period", "workspace", "updated_at", "versions", "inputs", "packs"]
    content = {key: content[key] for key in order if key in content}
    _write_atomically(period_dir / "manifest.json", json.dumps(content, indent=2) + "\n", token)


def rag_summary(ws: Workspace, period: str) -> dict[str, str]:
    """Per service, how many of its PIs are red, amber, green or without data in ``period``
    (the PIs as the batch's evidence judged them; annual PIs at their latest year)."""
    from .evidence import evidence_for

    judged = evidence_for(ws, period)["pi"].sort_values("period", kind="stable")
    latest = judged.drop_duplicates("pi_id", keep="last")
    latest = latest[(latest["period"] == period) | (latest["frequency"] == "annual")]
    summary = {}
    for service_id, rows in latest.groupby("service_id"):
        counts = rows["rag"].value_counts()
        summary[service_id] = " · ".join(f"{counts[rag]} {label}" for rag, label in
                                         RAG_LABELS.items()
                                         if rag in counts and rag != "n/a") or "no RAG"
    return summary


def _severity_summary(findings: pd.DataFrame) -> str:
    counts = findings["severity"].value_counts()
    return " · ".join(f"{counts[key]} {label}" for key, label in SEVERITY_LABELS.items()
                      if key in counts) or "none"


def write_index(period_dir: Path, ws: Workspace, period: str, findings: pd.DataFrame | None,
                rag: dict[str, str], token: str) -> None:
    """``index.html``: every service in the manifest with its RAG summary (``rag``, from
    :func:`rag_summary`), findings by severity and links to its pack; then the high and medium
    findings, and the council-wide ones. Hold the period's lock while calling.

    Without findings the evidence could not be gathered (each pack reports why): pass ``{}``
    as ``rag``; the index still lists the packs."""
    packs = read_manifest(period_dir).get("packs", {})
    names = dict(zip(ws.services["service_id"], ws.services["service_name"]))
    esc = html.escape
    rows = []
    for service_id, entry in packs.items():
        folder = esc(service_id)
        good = (period_dir / service_id / "evidence_pack.html").exists()
        links = [f'<a href="{folder}/{name}">{label}</a>' for name, label in (
            ("evidence_pack.html", "pack (HTML)"), ("evidence_pack.pdf", "PDF"),
            ("evidence_pack.ipynb", "notebook"),
            ("findings.csv", "findings.csv"), ("improvement_actions.csv", "actions.csv"))
            if (period_dir / service_id / name).exists()] if good else ["no pack"]
        mine = findings[findings["service_id"] == service_id] if findings is not None else None
        rows.append(f"<tr><td>{esc(names.get(service_id, service_id))}</td>"
                    f"<td>{esc(entry.get('status', 'unknown'))}</td>"
                    f"<td>{esc(rag.get(service_id, '–'))}</td>"
                    f"<td>{esc(_severity_summary(mine)) if mine is not None else '–'}</td>"
                    f"<td>{' · '.join(links)}</td><td>{esc(entry.get('message') or '')}</td></tr>")
    listed = ""
    if findings is not None:
        serious = findings[findings["severity"].isin(["high", "medium"])
                           & (findings["service_id"] != "council")]
        council = findings[findings["service_id"] == "council"]
        for heading, table in (("High and medium findings", serious),
                               ("Council-wide findings", council)):
            items = "\n".join(
                f"<li><strong>{esc(SEVERITY_LABELS[r.severity])}</strong> "
                f"{esc(names.get(r.service_id, r.service_id))}, {esc(r.subject)}: "
                f"{esc(r.finding)}</li>" for r in table.itertuples())
            listed += f"<h2>{heading}</h2>\n<ul>\n{items or '<li>none</li>'}\n</ul>\n"
    title = f"{esc(ws.council['name'])}: evidence packs, {esc(period)}"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:Arial,sans-serif;margin:2em;color:#111}}table{{border-collapse:collapse}}
td,th{{border:1px solid #888;padding:.4em .8em;text-align:left;vertical-align:top}}</style></head>
<body><h1>{title}</h1>
<table><thead><tr><th>Service</th><th>Status</th><th>PIs this period (RAG)</th>
<th>Findings</th><th>Files</th><th>Note</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
{listed}<p>Rules: parameters/rules.yaml. Provenance of every pack (inputs' SHA-256, parameters,
versions): <a href="manifest.json">manifest.json</a>.</p>
</body></html>
"""
    _write_atomically(period_dir / "index.html", page, token)


def _write_atomically(path: Path, text: str, token: str) -> None:
    # The temporary name carries the run's token, so a later run can remove it if this run is
    # killed before the rename (pmresearch._outputs_lock.remove_leftovers).
    staging = path.with_name(f".{path.name}.{token}-{uuid.uuid4().hex[:8]}")
    staging.write_text(text, encoding="utf-8")
    os.replace(staging, path)

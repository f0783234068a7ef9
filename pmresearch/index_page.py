"""``index.html``: the page listing a period's packs, their RAG summaries and findings.

It is rewritten after every pack, holding the period's lock
(:class:`pmresearch._outputs_lock.PeriodLock`), from ``manifest.json``
(:mod:`pmresearch.manifest`), so it always lists the packs that are in place.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from .manifest import read_manifest, replace_file
from .sections import RAG_LABELS, SEVERITY_LABELS
from .workspace import Workspace

__all__ = ["rag_summary", "write_index"]


def rag_summary(judged: pd.DataFrame, period: str) -> dict[str, str]:
    """Per service, how many of its PIs are red, amber, green or without data in ``period``
    (``judged``: the evidence store's ``evidence_pi`` table; annual PIs at their latest year)."""
    judged = judged.sort_values("period", kind="stable")
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
    replace_file(period_dir / "index.html", page, token)

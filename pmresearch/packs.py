"""Evidence packs: the pack notebook run by Papermill once per service, in parallel.

``run_packs`` is the main job. For each service it executes ``notebooks/evidence_pack.ipynb``
with the service's parameters in a worker process, exports HTML without code (and with
``pdf=True`` prints it to PDF, :mod:`pmresearch.pdf`), and moves the
result into ``outputs/<period>/<service_id>/`` only when everything succeeded, so a failed run
never leaves a half-written pack over a good one. A failing service is recorded (its partial
notebook kept as ``evidence_pack.failed.ipynb``) and the others finish. ``manifest.json``
records what each pack was made from, so unchanged packs are skipped unless ``force=True``.

Executors are looked up by name in :data:`EXECUTORS`, as Papermill looks up its engines, so a
cluster executor can be registered later without touching the job itself.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from . import __version__
from .errors import PackError
from ._csv import write_csv
from .rules import improvement_actions, write_findings
from .sections import RAG_LABELS, SEVERITY_LABELS
from ._resources import bundled_path
from .workspace import Workspace, load_workspace, parse_period, period_slug

__all__ = ["EXECUTORS", "PackJob", "PackResult", "PackRun", "pack_notebook_path", "run_packs"]

PACK_NOTEBOOK = "evidence_pack.ipynb"
_HIDDEN_IN_PACK = {"hide-in-pack", "injected-parameters"}
_REPORTED_PACKAGES = ("pandas", "numpy", "scipy", "scikit-learn", "pingouin", "papermill",
                      "nbconvert", "matplotlib", "ipykernel")


def pack_notebook_path() -> Path:
    """The pack notebook: ``./notebooks/evidence_pack.ipynb`` if present, else the bundled one."""
    return bundled_path("notebooks") / PACK_NOTEBOOK


@dataclass(frozen=True)
class PackJob:
    """Everything a worker needs to make one service's pack (picklable, no open resources)."""

    service_id: str
    notebook: str
    kernel_name: str
    target_dir: str
    parameters: dict
    fingerprint: str
    # The rules' findings for this service (computed once for the batch), written beside the
    # pack as findings.csv and improvement_actions.csv; None if they could not be computed.
    findings: pd.DataFrame | None = None
    # What the pack's provenance footer states: version, parameters, inputs' SHA-256.
    provenance: dict = field(default_factory=dict)
    # Chrome/Chromium binary that prints evidence_pack.pdf; None makes the HTML pack only.
    chromium: str | None = None


@dataclass(frozen=True)
class PackResult:
    """How one service's pack went: ``status`` is ``ok``, ``failed`` or ``skipped``."""

    service_id: str
    status: str
    seconds: float
    message: str = ""
    files: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PackRun:
    """The outcome of :func:`run_packs`; ``notes`` are messages for the person who ran it
    (such as "No Chromium found: the packs are written as HTML only. …")."""

    period: str
    output_dir: Path
    results: tuple[PackResult, ...]
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no pack failed."""
        return all(r.status != "failed" for r in self.results)

    def table(self) -> pd.DataFrame:
        """One row per service: ``service_id``, ``status``, ``seconds``, ``message``."""
        return pd.DataFrame(
            [{"service_id": r.service_id, "status": r.status, "seconds": round(r.seconds, 1),
              "message": r.message} for r in self.results],
            columns=["service_id", "status", "seconds", "message"])


_kernel_template = None  # this worker process's KernelTemplate, set by _start_worker


def _start_worker() -> None:
    global _kernel_template
    if hasattr(os, "fork"):
        from ._kernels import KernelTemplate

        _kernel_template = KernelTemplate()


def _local_executor(work: Callable[[PackJob], PackResult], jobs: list[PackJob],
                    workers: int) -> Iterator[PackResult]:
    """Run jobs in a pool of local worker processes, yielding results as they finish.

    Each worker forks its packs' kernels from a warm template (see :mod:`pmresearch._kernels`).
    """
    # Imported before forking so that every worker shares them instead of importing its own.
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    # fork is cheapest where it exists: the parent has started no threads or kernels yet.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                             initializer=_start_worker) as pool:
        futures = {pool.submit(work, job): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                yield future.result()
            except Exception as error:  # the worker process itself died
                yield PackResult(job.service_id, "failed", 0.0, f"worker failed: {error!r}")


#: Executors by name: each takes (work, jobs, workers) and yields a PackResult per job.
EXECUTORS: dict[str, Callable[[Callable[[PackJob], PackResult], list[PackJob], int],
                              Iterable[PackResult]]] = {"local": _local_executor}


def run_packs(
    workspace: str | Path | None = None,
    *,
    period: str | None = None,
    services: list[str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    pdf: bool = False,
    outputs: str | Path = "outputs",
    parameters_dir: str | Path | None = None,
    notebook: str | Path | None = None,
    executor: str = "local",
    progress: bool = True,
) -> PackRun:
    """Make one evidence pack per service for a period.

    Parameters
    ----------
    workspace : str or Path, optional
        Council workspace folder; the Ashbrook demo when omitted.
    period : str, optional
        Financial quarter such as ``'2025-26 Q2'``; the workspace's ``current_period`` when omitted.
    services : list of str, optional
        Service ids to make packs for; every service in ``services.csv`` when omitted.
    jobs : int, optional
        Worker processes; the number of CPU cores when omitted.
    force : bool, default False
        Remake packs whose inputs and parameters are unchanged since the last run.
    pdf : bool, default False
        Also print each pack to ``evidence_pack.pdf`` with the Chromium that
        :func:`pmresearch.pdf.find_chromium` finds. A pack made earlier without its PDF is
        remade. Where there is no Chromium the packs are made as HTML only and
        ``PackRun.notes`` says how to install one; a pack whose printing fails keeps its HTML,
        status ``ok``, and says why in its message.
    outputs : str or Path, default ``'outputs'``
        Root folder; packs go to ``<outputs>/<period>/<service_id>/``.
    parameters_dir : str or Path, optional
        Parameters folder (see :func:`pmresearch.workspace.default_parameters_dir`).
    notebook : str or Path, optional
        Pack notebook to run instead of the standard one.
    executor : str, default ``'local'``
        Name of an entry in :data:`EXECUTORS`.
    progress : bool, default True
        Show a progress bar on standard error.

    Returns
    -------
    PackRun
        Per-service results; ``PackRun.ok`` is False if any pack failed; ``PackRun.notes``
        has messages for the person who ran it.

    Raises
    ------
    WorkspaceError
        The workspace or its parameters are invalid (every problem is listed).
    PackError
        An unknown period format, service or executor was asked for.
    """
    ws = load_workspace(workspace, parameters_dir=parameters_dir)
    period = period or ws.council["current_period"]
    try:
        parse_period(period)
    except ValueError as error:
        raise PackError(f"--period: {error}") from None
    known = ws.services["service_id"].tolist()
    wanted = list(dict.fromkeys(services)) if services else known
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise PackError(f"unknown service {', '.join(repr(s) for s in unknown)}: services.csv "
                        f"has {', '.join(known)}. Check the --service spelling.")
    if executor not in EXECUTORS:
        raise PackError(f"unknown executor '{executor}' (available: {', '.join(EXECUTORS)})")

    period_dir = Path(outputs) / period_slug(period)
    period_dir.mkdir(parents=True, exist_ok=True)
    notebook_path = Path(notebook) if notebook else pack_notebook_path()
    kernel_name = _kernel_name(notebook_path)
    # ws.files is keyed by each input's name in messages: 'wards.csv', 'parameters/rules.yaml' …
    inputs = {name: _sha256(path) for name, path in ws.files.items()}
    inputs[f"notebooks/{notebook_path.name}"] = _sha256(notebook_path)
    manifest = _read_manifest(period_dir)
    previous = manifest.get("packs", {})
    chromium, notes = _pdf_printer(pdf)

    findings = _findings(ws, period)
    to_run: list[PackJob] = []
    results: list[PackResult] = []
    for service_id in wanted:
        parameters = {
            "workspace": str(ws.path.resolve()),
            "service_id": service_id,
            "period": period,
            "parameters_dir": str(ws.parameters.directory.resolve()),
        }
        fingerprint = _sha256_text(json.dumps(
            {"inputs": inputs, "parameters": parameters, "version": __version__}, sort_keys=True))
        target = period_dir / service_id
        done = previous.get(service_id, {})
        if (not force and done.get("status") == "ok" and done.get("fingerprint") == fingerprint
                and (target / "evidence_pack.html").exists()
                and (chromium is None or (target / "evidence_pack.pdf").exists())):
            results.append(PackResult(service_id, "skipped", 0.0, "inputs unchanged (use --force)"))
            continue
        mine = None if findings is None else \
            findings[findings["service_id"] == service_id].reset_index(drop=True)
        provenance = {"version": __version__, "inputs": inputs,
                      "parameters": {"service_id": service_id, "period": period,
                                     "workspace": ws.path.resolve().name,
                                     "parameters": ws.parameters.directory.resolve().name}}
        to_run.append(PackJob(service_id, str(notebook_path.resolve()), kernel_name,
                              str(target.resolve()), parameters, fingerprint, mine, provenance,
                              chromium=chromium))

    if to_run:
        from tqdm.auto import tqdm

        class _Bar(tqdm):
            monitor_interval = 0  # no monitor thread: the worker processes are forked after this

        workers = max(1, min(jobs or os.cpu_count() or 1, len(to_run)))
        bar = _Bar(total=len(to_run), desc="evidence packs", unit="pack", disable=not progress,
                   file=sys.stderr)
        for result in EXECUTORS[executor](execute_pack, to_run, workers):
            results.append(result)
            bar.set_postfix_str(f"{result.service_id}: {result.status}")
            bar.update()
        bar.close()

    order = {service_id: i for i, service_id in enumerate(wanted)}
    results.sort(key=lambda r: order[r.service_id])
    jobs_by_service = {job.service_id: job for job in to_run}
    _write_manifest(period_dir, ws, period, inputs, manifest, results, jobs_by_service)
    _write_index(period_dir, ws, period, findings)
    return PackRun(period, period_dir, tuple(results), notes)


def _pdf_printer(pdf: bool) -> tuple[str | None, tuple[str, ...]]:
    """The Chromium that prints the packs (None for HTML only) and the note saying why not."""
    if not pdf:
        return None, ()
    from .pdf import chromium_install_hint, find_chromium

    chromium = find_chromium()
    if chromium is None:
        return None, ("No Chromium found: the packs are written as HTML only. "
                      + chromium_install_hint(),)
    return chromium, ()


def _findings(ws: Workspace, period: str) -> pd.DataFrame | None:
    """Every service's findings, computed once before the workers start: the comments are
    coded and the evidence gathered into the cache every pack's kernel then reads (training the
    classifier in each pack would repeat seconds of work per service).

    A failure here is left for the packs to meet and report, each in its own notebook.
    """
    from .evidence import findings_for

    try:
        return findings_for(ws, period)
    except Exception:  # noqa: BLE001 - reported by every pack that needs the evidence
        return None


def execute_pack(job: PackJob) -> PackResult:
    """Run one pack notebook into a staging folder, then swap it into place.

    Runs in a worker process. Never raises: any failure becomes a ``failed`` result, with the
    partial notebook kept as ``evidence_pack.failed.ipynb`` next to the previous good pack.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    target = Path(job.target_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".{job.service_id}-staging-", dir=target.parent))
    executed = staging / PACK_NOTEBOOK
    template = _kernel_template
    kernel = template.kernel_manager(job.kernel_name) if template is not None else None
    try:
        notebook = papermill.execute_notebook(
            job.notebook, str(executed), parameters=job.parameters, kernel_name=job.kernel_name,
            progress_bar=False, request_save_on_cell_execute=False, cwd=str(target.parent),
            km=kernel)
        (staging / "evidence_pack.html").write_text(_html_without_code(notebook, job.provenance),
                                                    encoding="utf-8")
        if job.findings is not None:
            write_findings(job.findings, staging / "findings.csv")
            write_csv(improvement_actions(job.findings), staging / "improvement_actions.csv")
        note = _print_pack(job, staging) if job.chromium else ""
        files = {p.name: _sha256(p) for p in sorted(staging.iterdir())}
        _swap_into_place(staging, target)
        return PackResult(job.service_id, "ok", time.perf_counter() - started, note, files=files)
    except Exception as error:
        if isinstance(error, PapermillExecutionError):
            message = f"cell {error.exec_count}: {error.ename}: {error.evalue}"
        else:
            message = f"{type(error).__name__}: {error}"
        if executed.exists():
            target.mkdir(exist_ok=True)
            os.replace(executed, target / "evidence_pack.failed.ipynb")
        return PackResult(job.service_id, "failed", time.perf_counter() - started, message)
    finally:
        if kernel is not None and kernel.has_kernel:
            kernel.shutdown_kernel(now=True)
        shutil.rmtree(staging, ignore_errors=True)


def _print_pack(job: PackJob, staging: Path) -> str:
    """Print the staged HTML pack to ``evidence_pack.pdf``; return "" or why it failed.

    A printing failure is not the pack's failure: the HTML pack is good and is kept (status
    ``ok``), the message says the PDF is missing, and the next run with PDF asked remakes it.
    """
    from .pdf import print_pdf

    try:
        print_pdf(staging / "evidence_pack.html", staging / "evidence_pack.pdf",
                  chromium=job.chromium)
    except PackError as error:
        return f"HTML only, no PDF: {error}"
    return ""


def _kernel_name(notebook: Path) -> str:
    """The kernel spec a notebook asks for (``python3`` when it names none)."""
    try:
        metadata = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PackError(f"cannot read the pack notebook {notebook}: {error}") from None
    return metadata.get("kernelspec", {}).get("name") or "python3"


@functools.cache
def _html_exporter():
    """One exporter per process: building its template environment is the slow part."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    # The "basic" template renders the cells only: no page template loading scripts from the
    # internet. pmresearch.report wraps them in a self-contained page.
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    # Set-up cells (parameters, imports, notes to the analyst) are not for the pack's readers.
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=_HIDDEN_IN_PACK), enabled=True)
    return exporter


def _html_without_code(notebook, provenance: dict | None = None) -> str:
    """An executed notebook (a ``NotebookNode``) as a self-contained HTML report without code
    or prompts (:func:`pmresearch.report.pack_document`)."""
    from .report import pack_document

    body, _ = _html_exporter().from_notebook_node(notebook)
    heading = re.search(r"<h1[^>]*>(.*?)<a class=\"anchor-link\"", body, re.S)
    title = re.sub(r"<[^>]+>", "", heading.group(1)) if heading else "Evidence pack"
    return pack_document(body, title=html.unescape(title), provenance=provenance or {})


def _swap_into_place(staging: Path, target: Path) -> None:
    """Replace ``target`` with ``staging`` using renames, so no reader sees a half pack."""
    if target.exists():
        retired = target.with_name(f".{target.name}-retired-{uuid.uuid4().hex[:8]}")
        os.replace(target, retired)
        os.replace(staging, target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(staging, target)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _package_versions() -> dict[str, str]:
    versions = {"python": sys.version.split()[0], "pmresearch": __version__}
    for name in _REPORTED_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _read_manifest(period_dir: Path) -> dict:
    path = period_dir / "manifest.json"
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}  # an unreadable manifest only costs a rerun of every pack


def _write_manifest(period_dir: Path, ws: Workspace, period: str, inputs: dict, manifest: dict,
                    results: list[PackResult], jobs: dict[str, PackJob]) -> None:
    packs = dict(manifest.get("packs", {}))
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for result in results:
        if result.status == "skipped":
            continue
        job = jobs[result.service_id]
        entry = {"status": result.status, "parameters": job.parameters,
                 "fingerprint": job.fingerprint if result.status == "ok" else None,
                 "seconds": round(result.seconds, 2), "finished_at": now,
                 "message": result.message, "files": result.files}
        old = packs.get(result.service_id, {})
        if result.status == "failed" and (old.get("status") == "ok" or "previous_good" in old):
            # the previous good pack is still on disk: keep its record beside the failure
            entry["previous_good"] = old if old.get("status") == "ok" else old["previous_good"]
        packs[result.service_id] = entry
    content = {
        "council": ws.council["name"],
        "period": period,
        "workspace": str(ws.path.resolve()),
        "updated_at": now,
        "versions": _package_versions(),
        "inputs": inputs,
        "packs": dict(sorted(packs.items())),
    }
    _write_atomically(period_dir / "manifest.json", json.dumps(content, indent=2) + "\n")




def _rag_summary(ws: Workspace, period: str) -> dict[str, str]:
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


def _write_index(period_dir: Path, ws: Workspace, period: str,
                 findings: pd.DataFrame | None) -> None:
    """``index.html``: every service with its RAG summary, findings by severity and links to
    its pack; then the high and medium findings, and the council-wide ones."""
    packs = _read_manifest(period_dir).get("packs", {})
    names = dict(zip(ws.services["service_id"], ws.services["service_name"]))
    # Without findings the evidence could not be gathered (each pack reports why); the index
    # still lists the packs.
    rag = _rag_summary(ws, period) if findings is not None else {}
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
    _write_atomically(period_dir / "index.html", page)


def _write_atomically(path: Path, text: str) -> None:
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    staging.write_text(text, encoding="utf-8")
    os.replace(staging, path)

"""Evidence packs: the pack notebook run by Papermill once per service, in parallel.

``run_packs`` is the main job. For each service it executes ``notebooks/evidence_pack.ipynb``
with the service's parameters in a worker process, exports HTML without code (and with
``pdf=True`` prints it to PDF, :mod:`pmresearch.pdf`), and moves the
result into ``outputs/<period>/<service_id>/`` only when everything succeeded, so a failed run
never leaves a half-written pack over a good one. A failing service is recorded (its partial
notebook kept as ``evidence_pack.failed.ipynb``) and the others finish. ``manifest.json``
records what each pack was made from, so unchanged packs are skipped unless ``force=True``.

Interruptions and concurrent runs (see :mod:`pmresearch._outputs_lock`):

- each pack is recorded in ``manifest.json`` and ``index.html`` as soon as it is in place,
  holding the period folder's lock, so a batch stopped or killed part-way leaves a true record
  of the packs it finished, and two runs into the same outputs both end up in it;
- workers and kernels die with the batch (:mod:`pmresearch._parent_death`); SIGINT or SIGTERM
  stop the workers, tidy up and raise :class:`BatchStopped`;
- a run removes what killed runs left behind (hidden staging folders, temporary files), and
  remakes an unchanged pack whose files no longer match the SHA-256 in the manifest.

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
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ._version import __version__
from .periods import check_period
from .errors import PackError
from ._csv import write_csv
from ._outputs_lock import PeriodLock, RunClaim, remove_leftovers
from ._pack_record import package_versions, rag_summary, read_manifest, record_packs, write_index
from . import _batch_processes
from ._batch_processes import Stop, end_workers, signals_ignored, signals_stop_the_batch
from .rules import improvement_actions, write_findings
from ._resources import bundled_path
from .workspace import Workspace, load_workspace, period_slug

__all__ = ["EXECUTORS", "BatchStopped", "PackJob", "PackResult", "PackRun",
           "pack_notebook_path", "run_packs"]

PACK_NOTEBOOK = "evidence_pack.ipynb"
_HIDDEN_IN_PACK = {"hide-in-pack", "injected-parameters"}


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
    # The run's token (_outputs_lock.RunClaim), carried by the names of its hidden folders.
    run_token: str = ""
    # What the whole run was made from, written at the top of manifest.json.
    manifest_head: dict = field(default_factory=dict)
    # Why the pack is being remade, when the person running the batch should know.
    note: str = ""


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


class BatchStopped(PackError):
    """The batch was stopped by SIGINT (Ctrl-C) or SIGTERM before every pack was made.

    The workers and kernels have been stopped and their staging folders removed; the packs that
    finished are in place and in ``manifest.json`` and ``index.html``, and the others keep
    their previous version. ``signal_name`` is ``'SIGINT'`` or ``'SIGTERM'``, ``finished`` and
    ``planned`` count the packs. The command line prints the message and exits with status 2.
    """

    def __init__(self, signal_name: str, finished: int, planned: int):
        self.signal_name, self.finished, self.planned = signal_name, finished, planned
        super().__init__(f"stopped by {signal_name}; {finished} of {planned} pack"
                         f"{'s' if planned != 1 else ''} finished, the others keep their "
                         f"previous version")


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
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=_batch_processes.start_worker, initargs=(os.getpid(),))
    try:
        futures = {pool.submit(work, job): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except Exception as error:  # the worker process itself died
                result = PackResult(job.service_id, "failed", 0.0, f"worker failed: {error!r}")
                _record_alone(job, result)
            yield result
    except BaseException:
        # Stopped (a signal, or the caller closed this generator): end the workers now rather
        # than wait for their packs; their kernel templates and kernels die with them.
        end_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


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
        Show a progress bar on standard error, after a line saying the evidence is being
        prepared, and say so there when another run holds the period's lock.

    Returns
    -------
    PackRun
        Per-service results; ``PackRun.ok`` is False if any pack failed; ``PackRun.notes``
        has messages for the person who ran it.

    Raises
    ------
    WorkspaceError
        The workspace or its parameters are invalid (every problem is listed).
    PeriodError
        ``period`` is not a financial quarter, or the workspace holds no data for it.
    PackError
        An unknown service or executor was asked for.
    BatchStopped
        SIGINT or SIGTERM arrived while the packs were being made (a :class:`PackError`; its
        message says how many packs finished).
    """
    ws = load_workspace(workspace, parameters_dir=parameters_dir)
    period = check_period(ws, period)  # PeriodError if malformed or outside the data
    known = ws.services["service_id"].tolist()
    wanted = list(dict.fromkeys(services)) if services else known
    unknown = [s for s in wanted if s not in known]
    if unknown:
        listing = next((name for name in ws.files if name.startswith("services.")), "services.csv")
        raise PackError(f"unknown service {', '.join(repr(s) for s in unknown)}: {listing} "
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
    chromium, notes = _pdf_printer(pdf)
    say = functools.partial(print, file=sys.stderr) if progress else (lambda message: None)
    lock = PeriodLock(period_dir, on_wait=lambda message: say(f"pmresearch packs: {message}"))
    claim = RunClaim(period_dir)
    try:
        with lock.held():
            repaired = remove_leftovers(period_dir, claim.token)
            previous = read_manifest(period_dir).get("packs", {})
        if repaired:
            notes += (f"Removed what a stopped run left in {period_dir}: {', '.join(repaired)}.",)
        head = {"council": ws.council["name"], "period": period,
                "workspace": str(ws.path.resolve()), "versions": package_versions(),
                "inputs": inputs}

        planned: list[tuple[str, dict, str, str]] = []  # service, parameters, fingerprint, note
        results: list[PackResult] = []
        for service_id in wanted:
            parameters = {
                "workspace": str(ws.path.resolve()),
                "service_id": service_id,
                "period": period,
                "parameters_dir": str(ws.parameters.directory.resolve()),
            }
            fingerprint = _sha256_text(json.dumps(
                {"inputs": inputs, "parameters": parameters, "version": __version__},
                sort_keys=True))
            reason = _reason_to_make(previous.get(service_id, {}), fingerprint,
                                     period_dir / service_id, pdf=chromium is not None,
                                     force=force)
            if reason is None:
                results.append(PackResult(service_id, "skipped", 0.0,
                                          "inputs unchanged (use --force)"))
            else:
                planned.append((service_id, parameters, fingerprint, reason))

        if planned:
            say(f"Preparing evidence for {len(planned)} service{'s' if len(planned) != 1 else ''}"
                f" (coding comments, judging PIs)…")
        findings = _findings(ws, period)
        rag = rag_summary(ws, period) if findings is not None else {}
        to_run = []
        for service_id, parameters, fingerprint, reason in planned:
            mine = None if findings is None else \
                findings[findings["service_id"] == service_id].reset_index(drop=True)
            provenance = {"version": __version__, "inputs": inputs,
                          "parameters": {"service_id": service_id, "period": period,
                                         "workspace": ws.path.resolve().name,
                                         "parameters": ws.parameters.directory.resolve().name}}
            to_run.append(PackJob(service_id, str(notebook_path.resolve()), kernel_name,
                                  str((period_dir / service_id).resolve()), parameters,
                                  fingerprint, mine, provenance, chromium=chromium,
                                  run_token=claim.token, manifest_head=head, note=reason))

        def write_record() -> None:
            with lock.held():
                record_packs(period_dir, head, {}, claim.token)
                write_index(period_dir, ws, period, findings, rag, claim.token)

        if to_run:
            results += _make_packs(to_run, executor, jobs, progress, write_record, period_dir,
                                   claim.token)
        write_record()
    finally:
        claim.release()

    order = {service_id: i for i, service_id in enumerate(wanted)}
    results.sort(key=lambda r: order[r.service_id])
    return PackRun(period, period_dir, tuple(results), notes)


def _make_packs(to_run: list[PackJob], executor: str, jobs: int | None, progress: bool,
                write_record: Callable[[], None], period_dir: Path,
                token: str) -> list[PackResult]:
    """Run the jobs on the executor, the progress bar counting; the record is rewritten after
    each pack. SIGINT or SIGTERM stop the workers, tidy up and raise :class:`BatchStopped`."""
    from tqdm.auto import tqdm

    class _Bar(tqdm):
        monitor_interval = 0  # no monitor thread: the worker processes are forked after this

    workers = max(1, min(jobs or os.cpu_count() or 1, len(to_run)))
    bar = _Bar(total=len(to_run), desc="evidence packs", unit="pack", disable=not progress,
               file=sys.stderr)
    results: list[PackResult] = []
    made = EXECUTORS[executor](execute_pack, to_run, workers)
    try:
        with signals_stop_the_batch():
            for result in made:
                results.append(result)
                write_record()
                bar.set_postfix_str(f"{result.service_id}: {result.status}")
                bar.update()
    except Stop as stop:
        with signals_ignored():
            getattr(made, "close", lambda: None)()  # stops the workers
            bar.close()
            with PeriodLock(period_dir).held():
                remove_leftovers(period_dir, token, own=True)
            write_record()
        raise BatchStopped(signal.Signals(stop.signum).name,
                           sum(r.status == "ok" for r in results), len(to_run)) from None
    finally:
        getattr(made, "close", lambda: None)()
        bar.close()
    return results


def _reason_to_make(previous: dict, fingerprint: str, folder: Path, *, pdf: bool,
                    force: bool) -> str | None:
    """Why a service's pack must be made: None to keep the one in ``folder``, "" for the plain
    reasons (asked to, new inputs, no good pack yet), or a note for the person running it."""
    if (force or previous.get("status") != "ok" or previous.get("fingerprint") != fingerprint
            or (pdf and not (folder / "evidence_pack.pdf").exists())):
        return ""
    recorded = previous.get("files") or {}
    # A pack changed or damaged after it was made (edited, half copied, cut short by a killed
    # run) is not kept: its files must be the ones the manifest vouches for.
    if "evidence_pack.html" not in recorded or not all(
            (folder / name).is_file() and _sha256(folder / name) == digest
            for name, digest in recorded.items()):
        return "remade: files differed from the manifest"
    return None


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
    """Run one pack notebook into a staging folder, then swap it into place and record it.

    Runs in a worker process. Never raises for a failing pack: it becomes a ``failed`` result,
    with the partial notebook kept as ``evidence_pack.failed.ipynb`` next to the previous good
    pack. The swap and the pack's entry in ``manifest.json`` happen together, holding the
    period's lock, so the record matches the folder even if the batch is killed next.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    target = Path(job.target_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".{job.service_id}-staging-{job.run_token}-",
                                    dir=target.parent))
    executed = staging / PACK_NOTEBOOK
    template = _batch_processes.kernel_template
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
        _share(staging)
        files = {p.name: _sha256(p) for p in sorted(staging.iterdir())}
        result = PackResult(job.service_id, "ok", time.perf_counter() - started,
                            "; ".join(filter(None, (job.note, note))), files=files)
        with PeriodLock(target.parent).held():
            _swap_into_place(staging, target, job.run_token)
            _record(job, result)
        return result
    except Exception as error:
        if isinstance(error, PapermillExecutionError):
            message = f"cell {error.exec_count}: {error.ename}: {error.evalue}"
        else:
            message = f"{type(error).__name__}: {error}"
        result = PackResult(job.service_id, "failed", time.perf_counter() - started, message)
        with PeriodLock(target.parent).held():
            if executed.exists():
                target.mkdir(exist_ok=True)
                os.replace(executed, target / "evidence_pack.failed.ipynb")
            _record(job, result)
        return result
    finally:
        if kernel is not None and kernel.has_kernel:
            kernel.shutdown_kernel(now=True)
        shutil.rmtree(staging, ignore_errors=True)


def _record(job: PackJob, result: PackResult) -> None:
    """Merge one pack's entry into the manifest; hold the period's lock while calling."""
    entry = {"status": result.status, "parameters": job.parameters,
             "fingerprint": job.fingerprint if result.status == "ok" else None,
             "seconds": round(result.seconds, 2),
             "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "message": result.message, "files": result.files}
    record_packs(Path(job.target_dir).parent, job.manifest_head, {job.service_id: entry},
                 job.run_token)


def _record_alone(job: PackJob, result: PackResult) -> None:
    """Record a pack whose worker died (so could not record it), taking the lock."""
    with PeriodLock(Path(job.target_dir).parent).held():
        _record(job, result)


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


def _swap_into_place(staging: Path, target: Path, token: str) -> None:
    """Replace ``target`` with ``staging`` using renames, so no reader sees a half pack.

    The old pack is first renamed aside with the run's token in its name: if the run is killed
    between the two renames, the next run puts it back (:func:`remove_leftovers`)."""
    if target.exists():
        retired = target.with_name(f".{target.name}-retired-{token}")
        os.replace(target, retired)
        os.replace(staging, target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(staging, target)


def _share(folder: Path) -> None:
    """Give a staged pack folder and its files the modes of any folder and file made here
    (0755 and 0644 under the usual umask 022): ``tempfile.mkdtemp`` made it 0700, which
    colleagues opening the packs on a shared drive could not read."""
    umask = _umask()
    os.chmod(folder, 0o777 & ~umask)
    for path in folder.iterdir():
        if path.is_file():
            os.chmod(path, 0o666 & ~umask)


def _umask() -> int:
    """This process's umask, read without changing it where Linux shows it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o022)  # elsewhere the only way to read it is to set it, then set it back
    os.umask(umask)
    return umask


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

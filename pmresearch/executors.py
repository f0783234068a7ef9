"""Executors: where and how the packs' notebooks run, and what one pack's run does.

:func:`execute_pack` makes one service's pack: it runs the pack notebook with Papermill into a
hidden staging folder, exports the HTML pack (:mod:`pmresearch.export`), writes the findings
beside it, prints the PDF if asked, and swaps the folder into place and records it in
``manifest.json`` (:mod:`pmresearch.manifest`) in one step under the period's lock. A failing
pack becomes a ``failed`` :class:`PackResult`; it never raises.

An executor runs :func:`execute_pack` over many :class:`PackJob` and yields a
:class:`PackResult` for each as it finishes. Executors are looked up by name in
:data:`EXECUTORS`, as Papermill looks up its engines, so a cluster executor can be registered
later without touching :func:`pmresearch.packs.run_packs`. Each is called as
``executor(work, jobs, workers, kernels=...)``.

Kernels (:data:`KERNEL_MODES`): ``"forked"`` forks each pack's kernel from a warm template
process per worker (:mod:`pmresearch._kernels`; POSIX only, about a second of CPU saved per
pack), ``"fresh"`` starts each kernel the ordinary Papermill way (portable). Either way each
pack runs in a kernel process of its own, and a kernel that dies makes its pack ``failed`` with
a message saying how it died.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from . import _batch_processes
from ._batch_processes import end_workers
from ._csv import write_csv
from ._modes import share
from ._outputs_lock import PeriodLock
from .errors import PackError
from .export import html_without_code
from .manifest import file_sha256, record_packs
from .rules import improvement_actions, write_findings

__all__ = ["DEFAULT_KERNELS", "EXECUTORS", "KERNEL_MODES", "PACK_NOTEBOOK", "PackJob",
           "PackResult", "check_kernels", "execute_pack", "local_executor"]

PACK_NOTEBOOK = "evidence_pack.ipynb"

#: How pack kernels start: forked from a warm template (POSIX), or the ordinary way.
KERNEL_MODES = ("forked", "fresh")
#: Forked where the system can fork, fresh elsewhere.
DEFAULT_KERNELS = "forked" if hasattr(os, "fork") else "fresh"


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
    # The HTML pack's page title (browser tab, PDF metadata).
    title: str = "Evidence pack"


@dataclass(frozen=True)
class PackResult:
    """How one service's pack went: ``status`` is ``ok``, ``failed`` or ``skipped``."""

    service_id: str
    status: str
    seconds: float
    message: str = ""
    files: dict = field(default_factory=dict)


Work = Callable[[PackJob], PackResult]


def local_executor(work: Work, jobs: list[PackJob], workers: int, *,
                   kernels: str = DEFAULT_KERNELS) -> Iterator[PackResult]:
    """Run jobs in a pool of local worker processes, yielding results as they finish.

    With ``kernels="forked"`` each worker starts a kernel template as it starts
    (:mod:`pmresearch._kernels`) and forks its packs' kernels from it.
    """
    # Imported before forking so that every worker shares them instead of importing its own.
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    # fork is cheapest where it exists: the parent has started no threads or kernels yet.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=_batch_processes.start_worker,
                               initargs=(os.getpid(), kernels))
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


#: Executors by name: each takes (work, jobs, workers, kernels=...) and yields a PackResult per
#: job.
EXECUTORS: dict[str, Callable[..., Iterable[PackResult]]] = {"local": local_executor}


def check_kernels(kernels: str | None) -> str:
    """``kernels``, or :data:`DEFAULT_KERNELS` when None; :class:`PackError` if it cannot be used.

    Examples
    --------
    >>> check_kernels("fresh")
    'fresh'
    >>> check_kernels("warm")
    Traceback (most recent call last):
    ...
    pmresearch.errors.PackError: kernels: 'warm' is not a kernel mode (available: forked, fresh)
    """
    kernels = DEFAULT_KERNELS if kernels is None else kernels
    if kernels not in KERNEL_MODES:
        raise PackError(f"kernels: {kernels!r} is not a kernel mode (available: "
                        f"{', '.join(KERNEL_MODES)})")
    if kernels == "forked" and not hasattr(os, "fork"):
        raise PackError("kernels: 'forked' needs fork(), which this system does not have. "
                        "Use 'fresh'.")
    return kernels


def execute_pack(job: PackJob) -> PackResult:
    """Run one pack notebook into a staging folder, then swap it into place and record it.

    Runs in a worker process (or any process: without a kernel template it starts the kernel
    the ordinary way). Never raises for a failing pack: it becomes a ``failed`` result, with
    the partial notebook kept as ``evidence_pack.failed.ipynb`` next to the previous good
    pack; a kernel that dies says so, with its exit status or signal. The swap and the pack's
    entry in ``manifest.json`` happen together, holding the period's lock, so the record
    matches the folder even if the batch is killed next.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    target = Path(job.target_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".{job.service_id}-staging-{job.run_token}-",
                                    dir=target.parent))
    executed = staging / PACK_NOTEBOOK
    kernel = _kernel_manager(job.kernel_name)
    try:
        notebook = papermill.execute_notebook(
            job.notebook, str(executed), parameters=job.parameters, kernel_name=job.kernel_name,
            progress_bar=False, request_save_on_cell_execute=False, cwd=str(target.parent),
            km=kernel)
        (staging / "evidence_pack.html").write_text(
            html_without_code(notebook, title=job.title, provenance=job.provenance),
            encoding="utf-8")
        if job.findings is not None:
            write_findings(job.findings, staging / "findings.csv")
            write_csv(improvement_actions(job.findings), staging / "improvement_actions.csv")
        note = _print_pack(job, staging) if job.chromium else ""
        share(staging)
        files = {p.name: file_sha256(p) for p in sorted(staging.iterdir())}
        result = PackResult(job.service_id, "ok", time.perf_counter() - started,
                            "; ".join(filter(None, (job.note, note))), files=files)
        with PeriodLock(target.parent).held():
            _swap_into_place(staging, target, job.run_token)
            _record(job, result)
        return result
    except Exception as error:
        died = kernel.exit_status()
        if died is not None:
            message = f"the kernel died ({_how_it_ended(died)}) before the notebook finished"
        elif isinstance(error, PapermillExecutionError):
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
        kernel.close_clients()
        kernel.shut_down()
        shutil.rmtree(staging, ignore_errors=True)


def _kernel_manager(kernel_name: str):
    """The pack's kernel manager: forked from this worker's template if it has one, else an
    ordinary one (made here rather than by Papermill, so a dead kernel's status can be read)."""
    template = _batch_processes.kernel_template
    if template is not None:
        return template.kernel_manager(kernel_name)
    from ._kernels import fresh_kernel_manager

    return fresh_kernel_manager(kernel_name)


def _how_it_ended(status: int) -> str:
    """``'exit status 1'`` or ``'killed by SIGKILL'`` for a process's exit status.

    Examples
    --------
    >>> _how_it_ended(1), _how_it_ended(-9)
    ('exit status 1', 'killed by SIGKILL')
    """
    if status >= 0:
        return f"exit status {status}"
    try:
        name = signal.Signals(-status).name
    except ValueError:
        name = f"signal {-status}"
    return f"killed by {name}"


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


def _swap_into_place(staging: Path, target: Path, token: str) -> None:
    """Replace ``target`` with ``staging`` using renames, so no reader sees a half pack.

    The old pack is first renamed aside with the run's token in its name: if the run is killed
    between the two renames, the next run puts it back
    (:func:`pmresearch._outputs_lock.remove_leftovers`)."""
    if target.exists():
        retired = target.with_name(f".{target.name}-retired-{token}")
        os.replace(target, retired)
        os.replace(staging, target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(staging, target)

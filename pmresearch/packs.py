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

This module is the recipe; the parts are their own modules: :mod:`pmresearch.executors` (where
and how each pack's notebook runs: :data:`~pmresearch.executors.EXECUTORS`, looked up by name
as Papermill looks up its engines, and the ``forked`` or ``fresh`` kernels),
:mod:`pmresearch.export` (the HTML pack), :mod:`pmresearch.manifest` (``manifest.json``) and
:mod:`pmresearch.index_page` (``index.html``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ._version import __version__
from .periods import check_period
from .errors import PackError
from ._outputs_lock import PeriodLock, RunClaim, remove_leftovers
from .executors import (EXECUTORS, PACK_NOTEBOOK, PackJob, PackResult, check_kernels,
                        execute_pack)
from .index_page import rag_summary, write_index
from .manifest import file_sha256, package_versions, read_manifest, record_packs
from ._batch_processes import Stop, signals_ignored, signals_stop_the_batch
from ._resources import bundled_path
from .store import EvidenceStore, build_store, open_store, read_meta
from .workspace import load_workspace, period_slug

__all__ = ["EXECUTORS", "BatchStopped", "PackJob", "PackResult", "PackRun", "execute_pack",
           "pack_notebook_path", "run_packs"]

#: The evidence store's folder inside ``outputs/<period>/`` (:mod:`pmresearch.store`).
STORE_FOLDER = "evidence"


def pack_notebook_path() -> Path:
    """The pack notebook: ``./notebooks/evidence_pack.ipynb`` if present, else the bundled one."""
    return bundled_path("notebooks") / PACK_NOTEBOOK


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
    kernels: str | None = None,
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
        Name of an entry in :data:`pmresearch.executors.EXECUTORS`.
    kernels : {'forked', 'fresh'}, optional
        How each pack's kernel starts: ``'forked'`` from a warm template process per worker
        (POSIX only; about a second of CPU less per pack), ``'fresh'`` the ordinary Papermill
        way (portable). Forked where the system can fork, fresh elsewhere, when omitted.
        Either way each pack runs in a kernel process of its own.
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
        An unknown service, executor or kernel mode was asked for.
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
    kernels = check_kernels(kernels)

    period_dir = Path(outputs) / period_slug(period)
    period_dir.mkdir(parents=True, exist_ok=True)
    notebook_path = Path(notebook) if notebook else pack_notebook_path()
    kernel_name = _kernel_name(notebook_path)
    # ws.files is keyed by each input's name in messages: 'wards.csv', 'parameters/rules.yaml' …
    inputs = {name: file_sha256(path) for name, path in ws.files.items()}
    inputs[f"notebooks/{notebook_path.name}"] = file_sha256(notebook_path)
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
        store_dir = (period_dir / STORE_FOLDER).resolve()
        for service_id in wanted:
            # The notebook reads the batch's evidence store; nothing else reaches it.
            parameters = {"evidence": str(store_dir), "service_id": service_id}
            fingerprint = _sha256_text(json.dumps(
                {"inputs": inputs, "service_id": service_id, "period": period,
                 "version": __version__}, sort_keys=True))
            reason = _reason_to_make(previous.get(service_id, {}), fingerprint,
                                     period_dir / service_id, pdf=chromium is not None,
                                     force=force)
            if reason is None:
                results.append(PackResult(service_id, "skipped", 0.0,
                                          "inputs unchanged (use --force)"))
            else:
                planned.append((service_id, parameters, fingerprint, reason))

        store = _current_store(store_dir, inputs)
        if store is None:
            say("Preparing the evidence (weighting the survey, coding comments, judging PIs, "
                "applying the rules)…")
            store = build_store(ws, period, inputs=inputs)
            with lock.held():
                # Another run may have written the same store meanwhile, and its packs may be
                # reading it: leave it in place.
                if _current_store(store_dir, inputs) is None:
                    store.write(store_dir)
        findings = store.table("findings")
        rag = rag_summary(store.table("evidence_pi"), period)
        to_run = []
        for service_id, parameters, fingerprint, reason in planned:
            mine = findings[findings["service_id"] == service_id].reset_index(drop=True)
            provenance = {"version": __version__, "inputs": inputs,
                          "parameters": {"service_id": service_id, "period": period,
                                         "workspace": ws.path.resolve().name,
                                         "parameters": ws.parameters.directory.resolve().name}}
            to_run.append(PackJob(service_id, str(notebook_path.resolve()), kernel_name,
                                  str((period_dir / service_id).resolve()), parameters,
                                  fingerprint, mine, provenance, chromium=chromium,
                                  run_token=claim.token, manifest_head=head, note=reason,
                                  title=store.pack_title(service_id)))

        def write_record() -> None:
            with lock.held():
                record_packs(period_dir, head, {}, claim.token)
                write_index(period_dir, ws, period, findings, rag, claim.token)

        if to_run:
            results += _make_packs(to_run, executor, kernels, jobs, progress, write_record,
                                   period_dir, claim.token)
        write_record()
    finally:
        claim.release()

    order = {service_id: i for i, service_id in enumerate(wanted)}
    results.sort(key=lambda r: order[r.service_id])
    return PackRun(period, period_dir, tuple(results), notes)


def _make_packs(to_run: list[PackJob], executor: str, kernels: str, jobs: int | None,
                progress: bool,
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
    made = EXECUTORS[executor](execute_pack, to_run, workers, kernels=kernels)
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
            (folder / name).is_file() and file_sha256(folder / name) == digest
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


def _current_store(folder: Path, inputs: dict) -> EvidenceStore | None:
    """The evidence store in ``folder`` if it was made by this version from these inputs."""
    meta = read_meta(folder)
    if meta is None or meta.get("pmresearch") != __version__ or meta.get("inputs") != inputs:
        return None
    return open_store(folder)


def _kernel_name(notebook: Path) -> str:
    """The kernel spec a notebook asks for (``python3`` when it names none)."""
    try:
        metadata = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PackError(f"cannot read the pack notebook {notebook}: {error}") from None
    return metadata.get("kernelspec", {}).get("name") or "python3"


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

"""The ``pmresearch`` command: argument parsing only; the work is done by the package.

Every failure a user can act on ends the command with one message on standard error, prefixed
``pmresearch <command>:``: the package's own errors (a workspace's every problem, one per
line), a file or folder the system refuses (permission denied, disk full, read-only, not
found), Ctrl-C or SIGTERM. ``--debug``, before or after the command, shows the full traceback
instead. Output folders are checked before any work starts, so a wrong ``--out`` fails in
seconds rather than after the coding it would have held.

Exit status:

- 0 everything succeeded;
- 1 some evidence packs failed, or ``validate`` found problems;
- 2 the input (workspace, parameters, arguments or an output folder) is invalid, a file could
  not be read or written, or the command was stopped (Ctrl-C, SIGTERM);
- 3 an internal error: a fault in pmresearch itself, to be reported with the ``--debug``
  traceback;
- 141 the program reading the output closed it early (``pmresearch validate | head -1``);
  nothing is printed, as for any Unix tool stopped by SIGPIPE.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError, PmresearchError

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_PIPE_CLOSED = 128 + signal.SIGPIPE if hasattr(signal, "SIGPIPE") else 141


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pmresearch",
        description="Resident surveys, consultation comments and performance indicators, "
                    "joined into evidence packs for a council's improvement plans.")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error instead of its one-line message")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    packs = commands.add_parser("packs", help="make one evidence pack per service (the main job)")
    packs.add_argument("--workspace", type=Path, help="council workspace folder (default: the Ashbrook demo)")
    packs.add_argument("--period", help="financial quarter, e.g. '2025-26 Q2' (default: the workspace's current period)")
    packs.add_argument("--service", nargs="+", dest="services", metavar="ID", help="only these services")
    packs.add_argument("--jobs", type=int, default=None, metavar="N", help="worker processes (default: CPU cores)")
    packs.add_argument("--force", action="store_true", help="remake packs whose inputs are unchanged")
    packs.add_argument("--pdf", action="store_true", help="also print each pack to evidence_pack.pdf with the machine's Chromium (HTML only, with a note, where there is none)")
    packs.add_argument("--outputs", type=Path, default=Path("outputs"), help="outputs folder (default: ./outputs)")
    packs.add_argument("--parameters", type=Path, dest="parameters_dir", help="parameters folder (default: ./parameters, else the bundled defaults)")
    packs.add_argument("--notebook", type=Path, help="pack notebook to run instead of the standard one")
    packs.add_argument("--kernels", choices=("forked", "fresh"), default=None, help="how each pack's kernel starts: forked from a warm template (faster, POSIX only) or fresh, the ordinary way (default: forked on POSIX, fresh elsewhere)")
    packs.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    validate = commands.add_parser("validate", help="check a workspace and list every problem")
    validate.add_argument("--workspace", type=Path, help="council workspace folder (default: the Ashbrook demo)")
    validate.add_argument("--parameters", type=Path, dest="parameters_dir", help="parameters folder")

    weight = commands.add_parser("weight", help="rake every survey wave; write weights and diagnostics")
    weight.add_argument("--workspace", type=Path, help="council workspace folder (default: the Ashbrook demo)")
    weight.add_argument("--parameters", type=Path, dest="parameters_dir", help="parameters folder")
    weight.add_argument("--out", type=Path, default=Path("outputs") / "weights", help="folder to write (default: ./outputs/weights)")

    code = commands.add_parser("code", help="redact and code every comment; write the coded comments and the review queue")
    code.add_argument("--workspace", type=Path, help="council workspace folder (default: the Ashbrook demo)")
    code.add_argument("--parameters", type=Path, dest="parameters_dir", help="parameters folder")
    code.add_argument("--out", type=Path, default=Path("outputs") / "coding", help="folder to write (default: ./outputs/coding)")

    evidence = commands.add_parser("evidence", help="build the evidence store (weights, coding, PI judgements, linkage, findings) and write its tables as CSV")
    evidence.add_argument("--workspace", type=Path, help="council workspace folder (default: the Ashbrook demo)")
    evidence.add_argument("--parameters", type=Path, dest="parameters_dir", help="parameters folder")
    evidence.add_argument("--period", help="financial quarter the rules judge (default: the workspace's current period)")
    evidence.add_argument("--out", type=Path, default=Path("outputs") / "evidence", help="folder to write (default: ./outputs/evidence)")

    init = commands.add_parser("init", help="start a council's workspace: every file with its header and notes")
    init.add_argument("folder", type=Path, metavar="DIR", help="the new workspace folder")
    init.add_argument("--update", action="store_true", help="add only what is missing, such as parameters/services/<id>.yaml for services newly listed in services.csv")

    demo = commands.add_parser("demo", help="write the Ashbrook demo workspace to a folder")
    demo.add_argument("--out", type=Path, required=True, help="folder to write")

    lab = commands.add_parser("lab", help="open JupyterLab on the analyst notebooks")
    lab.add_argument("--notebooks", type=Path, default=None, help="notebooks folder (default: ./notebooks, else the bundled ones)")
    for command in commands.choices.values():
        # After the command too; SUPPRESS keeps a --debug given before it from being reset.
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="show the full traceback of an error")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pmresearch`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        with _sigterm_interrupts():
            status = _COMMANDS[args.command](args)
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return status
    except BrokenPipeError as error:
        if _stdout_closed():
            return EXIT_PIPE_CLOSED
        return _report(args, error)
    except (Exception, KeyboardInterrupt) as error:  # noqa: BLE001 - the one error boundary
        return _report(args, error)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, met as Ctrl-C is (a KeyboardInterrupt), so the command stops with a message."""


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Raise :class:`_Terminated` on SIGTERM for the ``with`` block (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner = os.getpid()

    def terminate(signum, frame):
        if os.getpid() != owner:  # a forked worker inherited this handler: die as by default
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stdout_closed() -> bool:
    """True if standard output is a pipe whose reader has gone (``| head``); then it is
    pointed at the null device, so Python's own flush at exit stays quiet (the recipe in the
    documentation of the signal module). A broken pipe of any other kind is an error."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, io.UnsupportedOperation):
        return False
    if hasattr(select, "poll"):
        # The writing end of a pipe with no reader polls as an error (POLLERR).
        poll = select.poll()
        poll.register(fd, select.POLLOUT)
        if not any(events & select.POLLERR for _, events in poll.poll(0)):
            return False
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
    return True


def _report(args: argparse.Namespace, error: BaseException) -> int:
    """Print ``error`` as one message (or its traceback with --debug); its exit status."""
    if isinstance(error, PmresearchError):
        status, message = EXIT_INVALID, str(error)
    elif isinstance(error, OSError):
        status, message = EXIT_INVALID, _os_message(error)
    elif isinstance(error, _Terminated):
        status, message = EXIT_INVALID, "stopped by SIGTERM"
    elif isinstance(error, KeyboardInterrupt):
        status, message = EXIT_INVALID, "stopped by Ctrl-C"
    else:
        status = EXIT_INTERNAL
        message = (f"internal error ({type(error).__name__}: {error}). Run the command again "
                   "with --debug and report the traceback it shows.")
    if args.debug:
        traceback.print_exception(error)
    else:
        print(f"pmresearch {args.command}: {message}", file=sys.stderr)
    return status


# What the system said, in words, and what to do about it; by errno.
_OS_REASONS = {
    errno.EACCES: ("permission denied", "Ask for access, or choose another file or folder."),
    errno.EPERM: ("permission denied", "Ask for access, or choose another file or folder."),
    errno.ENOSPC: ("the disk is full", "Free some space, or choose a folder on another disk."),
    errno.EDQUOT: ("your disk quota is used up",
                   "Free some space, or choose a folder on another disk."),
    errno.EROFS: ("the file system is read-only", "Choose a folder on a drive you can write to."),
    errno.ENOENT: ("not found", "Check the path."),
    errno.ENOTDIR: ("part of the path is a file, not a folder", "Check the path."),
    errno.EISDIR: ("it is a folder, not a file", "Give a file's path."),
}


def _os_reason(error: OSError) -> tuple[str, str]:
    """``(what the system said, what to do)`` for ``error``."""
    if error.errno in _OS_REASONS:
        return _OS_REASONS[error.errno]
    return (error.strerror or str(error)).lower(), "Check the path and try again."


def _os_message(error: OSError) -> str:
    """``/x/outputs: permission denied. Ask for access, …``: one line naming the path."""
    reason, fix = _os_reason(error)
    if error.filename is None:
        return f"{reason}." if error.errno not in _OS_REASONS else f"{reason}. {fix}"
    return f"{error.filename}: {reason}. {fix}"


def _output_fix(error: OSError, option: str) -> str:
    """What to do about an output folder that ``error`` refused."""
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"Choose another {option} folder or ask for write access."
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"Free some space, or choose another {option} folder."
    return f"Choose another {option} folder."


def _check_output_folder(folder: Path, option: str) -> None:
    """Raise :class:`OutputError` unless ``folder`` can be created and written to.

    Creates the folder (and any missing parents) and a file in it, then removes what it made,
    so nothing is left behind when a later check fails.

    Raises
    ------
    OutputError
        ``cannot write to /x/outputs: permission denied. Choose another --out folder or ask
        for write access.``
    """
    folder = Path(folder).absolute()
    missing = [folder, *folder.parents]
    missing = missing[:next((i for i, p in enumerate(missing) if p.exists()), len(missing))]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        reason, _ = _os_reason(error)
        if isinstance(error, FileExistsError):  # mkdir met a file where the folder should be
            reason = "a file of that name is in the way"
        raise OutputError(f"cannot write to {folder}: {reason}. {_output_fix(error, option)}",
                          path=str(folder)) from None
    finally:
        for made in missing:  # deepest first, so each is empty when it is removed
            with contextlib.suppress(OSError):
                made.rmdir()


def _packs(args: argparse.Namespace) -> int:
    # jsonschema, imported with Papermill, compiles an IRI grammar (about 0.8 s) for format
    # checks that notebook validation never uses; in this process nothing else needs it.
    sys.modules.setdefault("rfc3987_syntax", None)
    from .packs import run_packs

    if args.jobs is not None and args.jobs < 1:
        print("pmresearch packs: --jobs must be 1 or more", file=sys.stderr)
        return EXIT_INVALID
    _check_output_folder(args.outputs, "--outputs")
    run = run_packs(args.workspace, period=args.period, services=args.services, jobs=args.jobs,
                    force=args.force, pdf=args.pdf, outputs=args.outputs,
                    parameters_dir=args.parameters_dir, notebook=args.notebook,
                    kernels=args.kernels, progress=not args.no_progress)
    for note in run.notes:
        print(note, file=sys.stderr)
    print(run.table().to_string(index=False))
    print(f"\nPacks for {run.period} are in {run.output_dir} (open index.html).")
    if not run.ok:
        failed = [r.service_id for r in run.results if r.status == "failed"]
        print(f"{len(failed)} pack(s) failed: {', '.join(failed)}. Each failed notebook is kept as "
              f"evidence_pack.failed.ipynb in its service folder.", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from ._consistency import workspace_warnings
    from .workspace import check_workspace, load_workspace

    problems = check_workspace(args.workspace, parameters_dir=args.parameters_dir)
    if problems:
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found:")
        for problem in problems:
            print(f"  - {problem}")
        return EXIT_FAILED
    ws = load_workspace(args.workspace, parameters_dir=args.parameters_dir)
    print(ws.summary())
    print(ws.parameters_summary())
    print(_sources_summary(ws))
    warnings = workspace_warnings(ws)
    if warnings:
        print(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''} (the workspace is "
              "valid; its reports will show these gaps):")
        for warning in warnings:
            print(f"  - {warning}")
    return EXIT_OK


def _sources_summary(ws) -> str:
    """Each comment source with the role it was given, and a warning for any no pattern read."""
    from .sources import ROLE_LABELS, describe_sources

    sources = describe_sources(ws.comments, ws.parameters.settings)
    lines = ["Comment sources (settings.sources.roles in rules.yaml):"]
    lines += [f"  {row.source!r}: {row.comments:,} comment{'s' if row.comments != 1 else ''}, "
              f"counted as {ROLE_LABELS[row.role].lower()}"
              + ("" if row.matched else " (no pattern matched)")
              for row in sources.itertuples()]
    unmatched = sources.loc[~sources["matched"], "source"].tolist()
    if unmatched:
        lines.append(f"Warning: {len(unmatched)} source(s) matched no pattern and count as "
                     f"'other', never as complaints, compliments or consultations: "
                     f"{', '.join(repr(s) for s in unmatched)}. Add a pattern for each to "
                     "settings.sources.roles in the workspace's parameters/rules.yaml.")
    return "\n".join(lines)


def _weight(args: argparse.Namespace) -> int:
    from .weighting import weight_all_waves
    from .workspace import load_workspace

    _check_output_folder(args.out, "--out")
    weighted = weight_all_waves(load_workspace(args.workspace, parameters_dir=args.parameters_dir))
    files = weighted.write(args.out)
    for note in weighted.notes:  # such as a listed wave with no responses yet, left out
        print(note, file=sys.stderr)
    print(weighted.diagnostics.to_string(index=False, float_format=lambda x: f"{x:,.3g}"))
    print("\nWritten: " + ", ".join(str(f) for f in files))
    return EXIT_OK


def _code(args: argparse.Namespace) -> int:
    from .coding.coder import code_comments, keep_coded
    from .workspace import load_workspace

    _check_output_folder(args.out, "--out")
    ws = load_workspace(args.workspace, parameters_dir=args.parameters_dir)
    coded = code_comments(ws)
    keep_coded(ws, coded)  # evidence and packs on the same inputs then read it back
    files = coded.write(args.out)
    comments = coded.comments
    print(f"{len(comments):,} comments coded: "
          + ", ".join(f"{n:,} {label}" for label, n in
                      comments["sentiment"].replace("", "to review").value_counts().items()))
    removed = coded.redaction[coded.redaction > 0]
    print("Personal data removed: " + (", ".join(f"{n:,} {kind}" for kind, n in removed.items())
                                       or "none found"))
    if coded.untrained_reason:
        print(f"\nNo classifier trained, the rules coded every comment: {coded.untrained_reason}.")
    if len(coded.reliability):
        print("\nReliability:")
        print(coded.reliability.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print(f"\n{len(coded.review_queue):,} comment(s) to review: open {files['review_queue']}, "
          "fill in sentiment and themes, and add the rows to hand_coded.csv.")
    print("Written: " + ", ".join(str(f) for f in files.values()))
    return EXIT_OK


def _evidence(args: argparse.Namespace) -> int:
    from .periods import check_period
    from .store import build_store, write_tables
    from .workspace import load_workspace

    _check_output_folder(args.out, "--out")
    ws = load_workspace(args.workspace, parameters_dir=args.parameters_dir)
    period = check_period(ws, args.period)  # before the tables, which take a while
    store = build_store(ws, period)
    written = write_tables(store, args.out)
    findings = store.table("findings")
    counts = findings["severity"].value_counts()
    print(f"{period}: {len(findings):,} findings ("
          + ", ".join(f"{counts[s]} {s}" for s in ("high", "medium", "low", "info") if s in counts)
          + ")")
    for row in findings[findings["severity"] == "high"].itertuples():
        print(f"  high: {row.service_id}, {row.subject}: {row.title}")
    print("\nWritten: " + ", ".join(str(path) for path in written))
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    from .scaffold import init_workspace, update_workspace

    made = update_workspace(args.folder) if args.update else init_workspace(args.folder)
    for name in made.written:
        print(f"  written  {name}")
    if args.update and made.kept:
        print(f"  {len(made.kept)} file(s) already there, left as they are")
    folder = str(args.folder)
    if args.update:
        print(f"\n{'Nothing to add' if not made.written else 'Added what was missing'} in {folder}.")
        return EXIT_OK
    print(f"\nA new workspace is in {folder}. Next:\n"
          f"  1. Fill in the tables: under each header a row starting with # says what every\n"
          f"     column holds (it may stay). The contract is in docs/workspace.md.\n"
          f"  2. pmresearch init --update {folder}    (adds parameters/services/<id>.yaml per service)\n"
          f"  3. pmresearch validate --workspace {folder}\n"
          f"  4. pmresearch packs --workspace {folder}")
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from .demo import generate_demo

    out = generate_demo(args.out)
    print(f"Ashbrook demo workspace written to {out}")
    return EXIT_OK


def _lab(args: argparse.Namespace) -> int:
    from ._resources import bundled_path

    folder = args.notebooks or bundled_path("notebooks")
    # The notebooks' kernelspec is "python3", whose kernel runs the first `python` on PATH:
    # putting this interpreter's folder first makes that the project's Python even when its
    # virtual environment is not activated.
    env = os.environ.copy()
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}"]
    return subprocess.call(command, env=env)


_COMMANDS = {"packs": _packs, "validate": _validate, "weight": _weight, "code": _code,
             "evidence": _evidence, "init": _init, "demo": _demo, "lab": _lab}

if __name__ == "__main__":
    sys.exit(main())

"""Runs that share one outputs period folder: a lock for the record, a claim per run, repair.

Two kinds of lock file live in ``<outputs>/<period>/``, both held with ``fcntl.flock`` (POSIX),
which the operating system releases when the holder dies, however it dies:

``.lock``
    Held only while a run reads, merges and rewrites ``manifest.json`` and ``index.html``, or
    swaps a service's folder into place: moments each time, so concurrent runs into one period
    take turns and every run's packs end up in the record. The holder writes its process id
    into the file, so a run that has to wait can say whom it waits for.
``.run-<token>.lock``
    Held by a run for its whole life, and by its worker processes, which inherit it; ``token``
    is ``<pid>-<8 hex digits>``. The hidden staging and retired folders and the temporary files
    a run makes carry its token, so a later run can tell another live run's work in progress
    from what a killed run left behind: the killed run's claim is no longer locked.

Where there is no ``fcntl`` (Windows) the locks do nothing and leftovers are not repaired.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

__all__ = ["PeriodLock", "RunClaim", "remove_leftovers"]

_TOKEN = r"\d+-[0-9a-f]{8}"
# .<service>-staging-<token>-<random> and .<service>-retired-<token>; a name without a token
# was left by a version of pmresearch that did not write one.
_FOLDER = re.compile(rf"^\.(?P<service>.+?)-(?P<kind>staging|retired)-(?P<token>{_TOKEN})?")
# .manifest.json.<token>-<random> and .index.html.<token>-<random>: a file being written
_TEMPORARY = re.compile(rf"^\.(?:manifest\.json|index\.html)\.(?P<token>{_TOKEN})?")
_CLAIM = re.compile(rf"^\.run-(?P<token>{_TOKEN})\.lock$")
_OPEN_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)


class PeriodLock:
    """The lock on one outputs period folder's record (``<period folder>/.lock``).

    Parameters
    ----------
    period_dir : Path
        The ``<outputs>/<period>`` folder.
    on_wait : callable, optional
        Called once with a message naming the holder's process id when the lock is not free
        within ``patience`` seconds (such as ``"waiting for pid 4242 …"``).
    patience : float, default 1.0
        Seconds to wait quietly before ``on_wait`` is called: a lock is normally held for
        moments, and a message for every short wait would be noise.
    """

    def __init__(self, period_dir: Path, *, on_wait: Callable[[str], None] | None = None,
                 patience: float = 1.0):
        self.path = Path(period_dir) / ".lock"
        self.on_wait = on_wait
        self.patience = patience

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the ``with`` block, waiting as long as another run holds it."""
        if fcntl is None:
            yield
            return
        handle = os.open(self.path, _OPEN_FLAGS, 0o666)
        try:
            self._acquire(handle)
            os.ftruncate(handle, 0)
            os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
            yield
        finally:
            os.close(handle)  # releases the lock

    def _acquire(self, handle: int) -> None:
        deadline = time.monotonic() + self.patience
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.05)
        if self.on_wait is not None:
            holder = os.pread(handle, 32, 0).decode(errors="replace").strip() or "unknown"
            self.on_wait(f"waiting for pid {holder}, another run writing to "
                         f"{self.path.parent} …")
        fcntl.flock(handle, fcntl.LOCK_EX)


class RunClaim:
    """This run's claim on a period folder, held until :meth:`release` (see the module notes).

    Attributes
    ----------
    token : str
        ``<pid>-<8 hex digits>``; put it in the name of every hidden folder or file the run
        makes in the period folder.
    """

    def __init__(self, period_dir: Path):
        self.token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.path = Path(period_dir) / f".run-{self.token}.lock"
        self._handle = None
        if fcntl is not None:
            self._handle = os.open(self.path, _OPEN_FLAGS, 0o666)
            fcntl.flock(self._handle, fcntl.LOCK_EX)
            # Worker processes forked later share this open file and so keep the claim held
            # while any of them lives; O_CLOEXEC keeps it out of programs they start.

    def release(self) -> None:
        """Give up the claim and remove its file."""
        if self._handle is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._handle)
            self._handle = None


def _claim_is_live(period_dir: Path, token: str) -> bool:
    """Whether the run with ``token`` still holds its claim (this process's own claim counts)."""
    path = period_dir / f".run-{token}.lock"
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(handle)
    return False


def remove_leftovers(period_dir: Path, token: str, *, own: bool = False) -> list[str]:
    """Remove what killed runs left in a period folder; call it holding the :class:`PeriodLock`.

    A staging folder or temporary file is removed when the run whose token it carries is no
    longer live, and also when it is this run's own (``token``) and ``own`` is true: a run
    tidying up after the workers it stopped. A retired folder (the previous version of a pack,
    moved aside during a swap) goes back in place if the swap was cut short before the new
    version arrived, and is removed otherwise. Names without a token are removed only when no
    other run is live.

    Returns
    -------
    list of str
        The names removed or restored, for a note to the person running the batch.
    """
    if fcntl is None:
        return []
    period_dir = Path(period_dir)
    entries = sorted(period_dir.iterdir()) if period_dir.is_dir() else []
    claims = [m["token"] for m in (_CLAIM.match(p.name) for p in entries) if m]
    live = {other: _claim_is_live(period_dir, other) for other in claims if other != token}

    def is_stale(owner: str | None) -> bool:
        if owner is None:
            return not any(live.values())
        if owner == token:
            return own
        return not live.get(owner, False)

    done = []
    for path in entries:
        folder = _FOLDER.match(path.name)
        temporary = _TEMPORARY.match(path.name)
        claim = _CLAIM.match(path.name)
        if folder and path.is_dir() and is_stale(folder["token"]):
            pack = period_dir / folder["service"]
            if folder["kind"] == "retired" and not pack.exists():
                os.replace(path, pack)
                done.append(f"{path.name} restored as {pack.name}")
            else:
                shutil.rmtree(path, ignore_errors=True)
                done.append(path.name)
        elif temporary and path.is_file() and is_stale(temporary["token"]):
            path.unlink(missing_ok=True)
            done.append(path.name)
        elif claim and claim["token"] != token and is_stale(claim["token"]):
            path.unlink(missing_ok=True)  # the claim of a run that was killed
    return done

"""Child processes that end when the process that started them ends.

A pack batch is a tree: the ``pmresearch packs`` process, its worker processes, each worker's
kernel template and the kernels the template forks. If the batch is killed (SIGKILL cannot be
caught), nothing would tell the rest of the tree, and it would go on writing packs. So each
child, first thing, asks to die with its parent:

- on Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel sends SIGKILL the moment the parent
  goes. The parent may already have gone before the call, so the child then checks
  ``os.getppid()`` against the parent it expects and exits if they differ;
- elsewhere, :func:`watch_parent` starts a thread that polls ``os.getppid()``.

``PR_SET_PDEATHSIG`` fires when the parent *thread* that forked the child ends, not the
process; the batch forks its workers from the thread that calls ``run_packs`` and waits in it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

__all__ = ["die_with_parent", "watch_parent"]

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(parent_pid: int) -> bool:
    """Ask the operating system to kill this process when ``parent_pid`` ends.

    Exits at once (status 1) if the parent has already gone. Returns False where the
    operating system has no such request (not Linux); call :func:`watch_parent` then.
    """
    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent_pid:  # the parent ended before the request took effect
        os._exit(1)
    return armed


def watch_parent(parent_pid: int, interval: float = 0.5) -> threading.Thread:
    """Start a daemon thread that ends this process once ``parent_pid`` is no longer its parent.

    The portable fallback for :func:`die_with_parent`. Start it only after this process has
    forked any child that must not inherit a thread.
    """
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval)
        os._exit(1)

    thread = threading.Thread(target=watch, name="pmresearch-parent-watch", daemon=True)
    thread.start()
    return thread

"""The batch's worker processes: how they start, and how a signal stops them.

The batch forks its workers (:func:`start_worker` sets each one up): a worker dies with the
batch (:mod:`pmresearch._parent_death`), leaves SIGINT to the batch, and (with forked kernels)
starts a kernel template for its packs' kernels. In the batch, :func:`signals_stop_the_batch`
turns SIGINT and SIGTERM into :class:`Stop`; the batch then ends its workers with
:func:`end_workers` (their templates and kernels die with them) and tidies up under
:func:`signals_ignored`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from ._parent_death import die_with_parent, watch_parent

__all__ = ["Stop", "end_workers", "kernel_template", "signals_ignored",
           "signals_stop_the_batch", "start_worker"]


class Stop(BaseException):
    """Raised in the batch's main thread by SIGINT or SIGTERM (not an Exception, so no
    ``except Exception`` on the way swallows it)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def signals_stop_the_batch() -> contextlib.AbstractContextManager[None]:
    """Turn SIGINT and SIGTERM into :class:`Stop` for the ``with`` block (main thread only,
    where Python delivers signals; a signal the caller ignores stays ignored)."""
    return _signals_handled(_raise_stop)


def signals_ignored() -> contextlib.AbstractContextManager[None]:
    """Ignore SIGINT and SIGTERM for the ``with`` block, so that the tidying up after a stop
    finishes even if the signal is sent again."""
    return _signals_handled(signal.SIG_IGN)


def _raise_stop(signum: int, frame) -> None:
    raise Stop(signum)


@contextlib.contextmanager
def _signals_handled(handler) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


kernel_template = None  # this worker process's KernelTemplate, set by start_worker


def start_worker(batch_pid: int, kernels: str = "forked") -> None:
    """Set up a worker process: die with the batch, leave signals to it, and with
    ``kernels="forked"`` start a kernel template for its packs' kernels."""
    global kernel_template
    # Ctrl-C reaches every process of the terminal's group: the batch stops the workers (with
    # SIGTERM, whose default action a forked worker must get back from the batch's handler),
    # rather than each worker dying on its own in the middle of a swap.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    armed = die_with_parent(batch_pid)
    if kernels == "forked" and hasattr(os, "fork"):
        from ._kernels import KernelTemplate

        kernel_template = KernelTemplate()
    if not armed:
        watch_parent(batch_pid)  # after forking the template, which must start no thread


def end_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers at once, running packs and all (SIGTERM, then SIGKILL after 5 s).

    Their staging folders are left for :func:`pmresearch._outputs_lock.remove_leftovers`.
    """
    # The pool has no public way to stop a running task; its worker processes are in _processes.
    processes = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()

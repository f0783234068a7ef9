"""A spare Jupyter kernel per worker process, booted while the current pack runs.

Starting a kernel and importing pandas and matplotlib into it costs about a second, most of
it waiting. Each local worker therefore keeps one kernel booting in the background: a pack
takes the spare (already up, with the pack's modules imported) and a new spare starts at once.
Each pack still runs in a kernel of its own that no other pack has used; only the imports are
done ahead.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from multiprocessing.util import Finalize
from pathlib import Path

from jupyter_client.manager import KernelManager

# What the standard pack notebook imports; importing it ahead is harmless for any notebook.
_WARM_UP = "import pmresearch.sections"


class SpareKernels:
    """Hands out pre-started kernels of one kernel spec, keeping one spare booting.

    Parameters
    ----------
    kernel_name : str
        The kernel spec to start (``python3``: this interpreter's ipykernel).
    cwd : str
        Working directory of the kernels.
    """

    def __init__(self, kernel_name: str, cwd: str):
        self.kernel_name = kernel_name
        self.cwd = cwd
        # Kernels talk over Unix sockets in a private folder: nothing listens on a network port.
        self._sockets = Path(tempfile.mkdtemp(prefix="pmresearch-kernels-"))
        self._numbers = itertools.count()
        self._spare: tuple[KernelManager, object] | None = self._boot()
        # Worker processes exit through multiprocessing, which runs Finalize hooks, not atexit.
        Finalize(self, SpareKernels._close, args=(self,), exitpriority=10)

    def _start(self) -> KernelManager:
        manager = KernelManager(kernel_name=self.kernel_name, transport="ipc",
                                ip=str(self._sockets / f"kernel-{next(self._numbers)}"))
        manager.start_kernel(cwd=self.cwd)
        return manager

    def _boot(self) -> tuple[KernelManager, object]:
        manager = self._start()
        client = manager.client()
        client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        # Queued until the kernel is up; silent, so no execution count or output is left. The
        # client stays open until the kernel is taken, or closing it could drop the request.
        client.execute(_WARM_UP, silent=True, store_history=False)
        return manager, client

    def take(self) -> KernelManager:
        """A started kernel for the next pack; the caller shuts it down when done."""
        spare, self._spare = self._spare, None
        if spare is None:
            manager = self._start()
        else:
            manager, client = spare
            client.stop_channels()
            if not manager.is_alive():
                manager = self._start()
        self._spare = self._boot()
        return manager

    def _close(self) -> None:
        if self._spare is not None:
            manager, client = self._spare
            client.stop_channels()
            manager.shutdown_kernel(now=True)
            self._spare = None
        shutil.rmtree(self._sockets, ignore_errors=True)

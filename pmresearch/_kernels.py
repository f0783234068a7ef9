"""Kernels for evidence packs, forked from a warm template instead of started from scratch.

Starting a Jupyter kernel and importing pandas, matplotlib and pmresearch into it costs about a
second of CPU per pack, more than the pack's own work. Each local worker therefore forks, once,
a *template* process that imports all of that (plus ipykernel) and then waits. For each pack
the template forks a child that becomes a brand-new kernel (``IPKernelApp`` with the pack's
connection file); jupyter_client manages it through :class:`ForkedProvisioner` as if it had
started it itself. Every pack still runs in a fresh kernel process that no other pack has
touched: only the imports are shared, copy-on-write, as a fork server shares them.

The template is forked before the worker creates any thread or ZeroMQ context, and the
template itself starts none, so forking it is safe (POSIX only; elsewhere packs start kernels
the ordinary way).

The template dies with its worker and each kernel with the template
(:func:`pmresearch._parent_death.die_with_parent`; where that is not available the template
ends when its request pipe closes and the kernel when ipykernel's parent poller sees the
template gone). Kernels talk over Unix sockets (IPC transport): nothing listens on a network
port, and ipykernel has no reason to warn that TCP traffic is unencrypted.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
import uuid
from multiprocessing.util import Finalize

from jupyter_client.manager import KernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

from ._parent_death import die_with_parent

__all__ = ["KernelTemplate", "ForkedProvisioner", "PACK_WARM_UP"]

# What the standard pack notebook imports, plus a tiny chart and table so that fonts and
# templates are loaded too. Harmless for any other notebook.
PACK_WARM_UP = """
import io
import ipykernel.ipkernel
import ipykernel.kernelapp
import pandas
import pingouin  # the ward correlations; importing it takes longer than the section itself
import pmresearch.sections
from matplotlib.figure import Figure
figure = Figure(figsize=(1, 1))
figure.text(0.5, 0.5, "warm")
figure.savefig(io.BytesIO(), format="png")
pandas.DataFrame({"a": [1]}).style.to_html()
"""


class _ForkedProcess:
    """The parts of ``subprocess.Popen`` that jupyter_client uses, for a forked kernel.

    The kernel is a child of the template, which reaps it (SIGCHLD is ignored there), so
    liveness is checked with signal 0 and the exit code is not known (reported as 0).
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid

    def poll(self) -> int | None:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return 0
        return None

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"kernel {self.pid} still running after {timeout} s")
            time.sleep(0.01)
        return 0

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkedProvisioner(LocalProvisioner):
    """Launches the kernel by asking a :class:`KernelTemplate` to fork one."""

    template: KernelTemplate | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs):
        connection_file = cmd[cmd.index("-f") + 1]
        cwd = str(kwargs.get("cwd") or os.getcwd())
        try:
            pid = self.template.fork(connection_file, cwd)
        except (OSError, RuntimeError):
            # The template is gone (its warm-up failed, or it was killed): start the kernel
            # the ordinary way, slower but the pack still runs.
            return await super().launch_kernel(cmd, **kwargs)
        self.process = _ForkedProcess(pid)
        self.pid, self.pgid, self.cwd = pid, None, cwd
        return self.connection_info


class KernelTemplate:
    """A forked process holding the pack's imports, which forks a fresh kernel on request.

    Parameters
    ----------
    warm_up : str
        Python code the template runs once (imports) before serving requests.
    """

    def __init__(self, warm_up: str = PACK_WARM_UP):
        # Kernels talk over Unix sockets in a private folder: nothing listens on a network port.
        self._sockets = tempfile.mkdtemp(prefix="pmresearch-kernels-")
        self._numbers = itertools.count()
        requests_read, self._requests = os.pipe()
        self._replies, replies_write = os.pipe()
        worker = os.getpid()
        pid = os.fork()
        if pid == 0:  # the template
            os.close(self._requests)
            os.close(self._replies)
            _serve(requests_read, replies_write, warm_up, worker)
        os.close(requests_read)
        os.close(replies_write)
        self.pid = pid
        self._reader = os.fdopen(self._replies, "r")
        Finalize(self, KernelTemplate.close, args=(self,), exitpriority=10)

    def fork(self, connection_file: str, cwd: str) -> int:
        """Fork a kernel for ``connection_file`` running in ``cwd``; returns its process id."""
        os.write(self._requests, f"{connection_file}\t{cwd}\n".encode())
        reply = self._reader.readline()
        if not reply:
            raise RuntimeError("the kernel template process has exited")
        return int(reply)

    def kernel_manager(self, kernel_name: str) -> KernelManager:
        """A kernel manager whose kernels this template forks."""
        manager = KernelManager(kernel_name=kernel_name, transport="ipc",
                                ip=os.path.join(self._sockets, f"kernel-{next(self._numbers)}"))
        provisioner = ForkedProvisioner(kernel_id=str(uuid.uuid4()),
                                        kernel_spec=manager.kernel_spec, parent=manager)
        provisioner.template = self
        manager.kernel_id = provisioner.kernel_id
        manager.provisioner = provisioner
        return manager

    def close(self) -> None:
        """Stop the template (kernels it forked are stopped by their managers)."""
        if self._requests is not None:
            os.close(self._requests)  # end of input: the template exits
            self._requests = None
            self._reader.close()
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            shutil.rmtree(self._sockets, ignore_errors=True)


def _become_kernel(app, connection_file: str, cwd: str, lines, replies: int,
                   template: int) -> None:
    """In a child of the template: run a kernel until it is shut down, then exit."""
    try:
        die_with_parent(template)
        # A session of its own, as jupyter_client gives the kernels it starts: Ctrl-C in the
        # terminal goes to the batch, which stops the workers, not into the pack's running cell.
        os.setsid()
        lines.close()
        os.close(replies)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.chdir(cwd)
        # parent_handle: exit if the template goes (and print no connection banner)
        app.launch_instance(argv=["-f", connection_file,
                                  f"--IPKernelApp.parent_handle={os.getppid()}"])
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(0)


def _serve(requests: int, replies: int, warm_up: str, worker: int) -> None:
    """The template's life: import, then fork one kernel per request until the pipe closes
    (the worker closes it, or dies)."""
    try:
        die_with_parent(worker)
        exec(compile(warm_up, "<pmresearch kernel warm-up>", "exec"), {})
        from ipykernel.kernelapp import IPKernelApp

        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked kernels are reaped automatically
        template = os.getpid()
        lines = os.fdopen(requests, "r")
        for line in lines:
            connection_file, cwd = line.rstrip("\n").split("\t")
            pid = os.fork()
            if pid == 0:
                _become_kernel(IPKernelApp, connection_file, cwd, lines, replies, template)
            os.write(replies, f"{pid}\n".encode())
    except BaseException:
        traceback.print_exc()  # the worker falls back to ordinary kernels; say why
    finally:
        sys.stdout.flush()
        os._exit(0)

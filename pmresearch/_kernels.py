"""Kernels for evidence packs, forked from a warm template instead of started from scratch.

Starting a Jupyter kernel and importing pandas, matplotlib and pmresearch into it costs about a
second of CPU per pack, more than the pack's own work. With ``kernels="forked"``
(:mod:`pmresearch.executors`) each local worker therefore starts, once, a *template* process
that imports all of that (plus ipykernel) and then waits. For each pack the template forks a
child that becomes a brand-new kernel (``IPKernelApp`` with the pack's connection file);
jupyter_client manages it through :class:`ForkedProvisioner`, a kernel provisioner
(jupyter_client's documented ``KernelProvisionerBase``) whose ``launch_kernel`` asks the
template for the kernel. Every pack still runs in a fresh kernel process that no other pack has
touched: only the imports are shared, copy-on-write, as a fork server shares them.

Forking is only safe from a process with a single thread (a thread holding a lock at the
moment of the fork leaves it locked for ever in the child; Python 3.12 warns "use of fork() may
lead to deadlocks"). So the template is not forked from the worker, which has numpy's threads
and more: it is a new interpreter, started with OpenBLAS, OpenMP and MKL limited to one thread
and jemalloc's background thread off (:data:`SINGLE_THREAD_ENV`) before it imports numpy and
pandas, and it starts no thread itself. Before each
fork it checks that it has one thread; if it has more (a warm-up that starts one), it refuses
and the kernel is started the ordinary way.

The template reaps its kernels and reports each one's exit status to the worker, so a kernel
that crashes (``os._exit(1)`` in a cell, SIGKILL) is seen as dead with its real status
(negative: the signal that killed it), as ``subprocess.Popen`` reports it.

The template dies with its worker and each kernel with the template
(:func:`pmresearch._parent_death.die_with_parent`; where that is not available the template
ends when its request pipe closes and the kernel when ipykernel's parent poller sees the
template gone). Kernels talk over Unix sockets (IPC transport): nothing listens on a network
port, and ipykernel has no reason to warn that TCP traffic is unencrypted.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback
import uuid
from multiprocessing.util import Finalize

from jupyter_client.launcher import launch_kernel
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import KernelProvisionerBase
from jupyter_core.utils import run_sync

from ._parent_death import die_with_parent

__all__ = ["ForkedProvisioner", "KernelTemplate", "PACK_WARM_UP", "PackKernelManager",
           "SINGLE_THREAD_ENV", "fresh_kernel_manager", "thread_count"]

# What the standard pack notebook imports, plus a tiny chart and table so that fonts and
# templates are loaded too. Harmless for any other notebook.
PACK_WARM_UP = """
import io
import ipykernel.ipkernel
import ipykernel.kernelapp
import pandas
import pyarrow.parquet  # the evidence store the pack reads
import pmresearch.sections
import pmresearch.store
from matplotlib.figure import Figure
figure = Figure(figsize=(1, 1))
figure.text(0.5, 0.5, "warm")
figure.savefig(io.BytesIO(), format="png")
pandas.DataFrame({"a": [1]}).style.to_html()
"""

#: The template's environment: numerical libraries start no thread pool, and pyarrow's
#: jemalloc (loaded with pandas) no background thread, so the template stays single-threaded
#: and safe to fork. Its kernels inherit it: one thread each, as the batch already runs one
#: worker per core.
SINGLE_THREAD_ENV = {
    **{name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                              "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")},
    "JE_ARROW_MALLOC_CONF": "background_thread:false",
}


def thread_count() -> int | None:
    """This process's threads as the operating system counts them (``/proc/self/task``);
    None where there is no ``/proc``."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


class PackKernelManager(AsyncKernelManager):
    """A kernel manager that can say how its kernel ended and close the clients made for it.

    Papermill is handed the manager (rather than making its own) so that, when a pack fails,
    :meth:`exit_status` can tell a kernel that died from a cell that failed; a client made by
    a manager someone else owns is left open by nbclient, so :meth:`close_clients` closes it.
    It is asynchronous, as the manager nbclient makes for itself: with a blocking one, nbclient
    waits on the kernel's output without ever checking that the kernel is still alive.
    """

    def __init__(self, *, sockets: str | None = None, **kwargs):
        # sockets: a private folder for the kernel's Unix sockets, removed by shut_down
        super().__init__(**kwargs)
        self._clients = []
        self._sockets = sockets

    def client(self, **kwargs):
        client = super().client(**kwargs)
        self._clients.append(client)
        return client

    def close_clients(self) -> None:
        """Stop the channels of every client made by :meth:`client`."""
        for client in self._clients:
            client.stop_channels()
        self._clients.clear()

    def exit_status(self) -> int | None:
        """The kernel's exit status if it has ended (negative: the signal that killed it),
        else None (running, or never started)."""
        if not self.has_kernel:
            return None
        return run_sync(self.provisioner.poll)()

    def shut_down(self) -> None:
        """Stop the kernel now, if it runs, and release its connection files."""
        if self.has_kernel:
            run_sync(self.shutdown_kernel)(now=True)
        if self._sockets is not None:
            shutil.rmtree(self._sockets, ignore_errors=True)


def fresh_kernel_manager(kernel_name: str) -> PackKernelManager:
    """A manager that starts its kernel the ordinary way (a new process, no template).

    Where there are Unix sockets the kernel talks over them, in a private folder, as forked
    kernels do: nothing listens on a network port, and ipykernel does not warn that TCP
    traffic is unencrypted.
    """
    if os.name != "posix":
        return PackKernelManager(kernel_name=kernel_name)
    sockets = tempfile.mkdtemp(prefix="pmresearch-kernel-")
    return PackKernelManager(kernel_name=kernel_name, transport="ipc",
                             ip=os.path.join(sockets, "kernel"), sockets=sockets)


class ForkedProvisioner(KernelProvisionerBase):
    """Launches the kernel by asking a :class:`KernelTemplate` to fork one.

    Where the template cannot (it has gone, or refuses to fork with threads running), the
    kernel is started the ordinary way, slower but the pack still runs. ``poll`` and ``wait``
    return the kernel's exit status, negative for the signal that killed it.
    """

    template: KernelTemplate | None = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._pid: int | None = None
        self._popen: subprocess.Popen | None = None  # an ordinary kernel, when forking failed
        self._status: int | None = None

    @property
    def has_process(self) -> bool:
        return self._pid is not None

    @property
    def pid(self) -> int | None:
        """The kernel's process id while it is managed, else None."""
        return self._pid

    async def pre_launch(self, **kwargs):
        # As the local provisioner: write the connection file, make the kernel's command.
        manager = self.parent
        extra_arguments = kwargs.pop("extra_arguments", [])
        manager.write_connection_file()
        self.connection_info = manager.get_connection_info()
        command = manager.format_kernel_cmd(extra_arguments=extra_arguments)
        return await super().pre_launch(cmd=command, **kwargs)

    async def launch_kernel(self, cmd: list[str], **kwargs):
        connection_file = cmd[cmd.index("-f") + 1]
        cwd = str(kwargs.get("cwd") or os.getcwd())
        self._status = None
        try:
            self._pid = self.template.fork(connection_file, cwd)
        except (OSError, RuntimeError) as error:
            print(f"pmresearch: kernel started the ordinary way: {error}", file=sys.stderr)
            popen_kwargs = {k: v for k, v in kwargs.items()
                            if k not in ("extra_arguments", "kernel_id")}
            self._popen = launch_kernel(cmd, **popen_kwargs)
            self._pid = self._popen.pid
        return self.connection_info

    async def poll(self) -> int | None:
        if self._status is None and self._pid is not None:
            self._status = (self._popen.poll() if self._popen is not None
                            else self.template.exit_status(self._pid))
        return self._status

    async def wait(self) -> int | None:
        while self._pid is not None and await self.poll() is None:
            await asyncio.sleep(0.01)
        self._pid = self._popen = None
        return self._status

    async def send_signal(self, signum: int) -> None:
        if self._pid is None or await self.poll() is not None:
            return  # ended: its pid may already be another process's
        # The kernel leads a process group of its own: the signal reaches what it started too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._pid, signum)

    async def kill(self, restart: bool = False) -> None:
        await self.send_signal(signal.SIGKILL)

    async def terminate(self, restart: bool = False) -> None:
        await self.send_signal(signal.SIGTERM)

    async def cleanup(self, restart: bool = False) -> None:
        # Nothing of its own to release: the kernel manager removes the connection file.
        if self._pid is not None and self._status is not None:
            self._pid = self._popen = None


class KernelTemplate:
    """A process holding the pack's imports, which forks a fresh kernel on request.

    Parameters
    ----------
    warm_up : str
        Python code the template runs once (imports) before serving requests. If it fails,
        the template says why on standard error and serves colder kernels.
    """

    def __init__(self, warm_up: str = PACK_WARM_UP):
        # Kernels talk over Unix sockets in a private folder: nothing listens on a network port.
        self._sockets = tempfile.mkdtemp(prefix="pmresearch-kernels-")
        self._numbers = itertools.count()
        self._buffer = b""
        self._exits: dict[int, int] = {}
        self._ended = False
        requests_read, self._requests = os.pipe()
        self._replies, replies_write = os.pipe()
        # A new interpreter, not a fork of this process (which may have threads).
        self._process = subprocess.Popen(
            [sys.executable, "-c", "import sys; from pmresearch._kernels import _serve; "
             "_serve(*map(int, sys.argv[1:]))", str(requests_read), str(replies_write),
             str(os.getpid())],
            pass_fds=(requests_read, replies_write), stdin=subprocess.DEVNULL,
            env={**os.environ, **SINGLE_THREAD_ENV})
        os.close(requests_read)
        os.close(replies_write)
        self.pid = self._process.pid
        os.write(self._requests, (json.dumps(warm_up) + "\n").encode())
        Finalize(self, KernelTemplate.close, args=(self,), exitpriority=10)

    def fork(self, connection_file: str, cwd: str) -> int:
        """Fork a kernel for ``connection_file`` running in ``cwd``; returns its process id.

        Raises RuntimeError if the template has exited or refuses (it has threads).
        """
        if self._requests is None:
            raise RuntimeError("the kernel template is closed")
        try:
            os.write(self._requests, f"{connection_file}\t{cwd}\n".encode())
        except BrokenPipeError:
            raise RuntimeError("the kernel template process has exited") from None
        while True:
            reply = self._next_reply(wait=True)
            if reply is None:
                raise RuntimeError("the kernel template process has exited")
            kind, _, rest = reply.partition(" ")
            if kind == "forked":
                return int(rest)
            if kind == "refused":
                raise RuntimeError(f"the kernel template refused to fork: {rest}")

    def exit_status(self, pid: int) -> int | None:
        """The exit status of kernel ``pid`` (negative: the signal that killed it), or None
        while it runs."""
        while pid not in self._exits and self._next_reply(wait=False) is not None:
            pass
        if pid not in self._exits and self._ended:
            # The template has gone, and its kernels with it (killed as their parent died).
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                self._exits[pid] = -signal.SIGKILL
        return self._exits.get(pid)

    def _next_reply(self, *, wait: bool) -> str | None:
        """The template's next reply line, recording exit reports on the way; None at the
        end of the pipe, or when ``wait`` is False and no whole line has arrived."""
        while b"\n" not in self._buffer:
            if self._ended or self._replies is None:
                return None
            if not wait and not select.select([self._replies], [], [], 0)[0]:
                return None
            data = os.read(self._replies, 65536)
            if not data:
                self._ended = True
                return None
            self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        reply = line.decode()
        if reply.startswith("exited "):
            _, pid, status = reply.split()
            self._exits[int(pid)] = int(status)
        return reply

    def kernel_manager(self, kernel_name: str) -> PackKernelManager:
        """A kernel manager whose kernels this template forks."""
        manager = PackKernelManager(kernel_name=kernel_name, transport="ipc",
                                ip=os.path.join(self._sockets, f"kernel-{next(self._numbers)}"))
        provisioner = ForkedProvisioner(kernel_id=str(uuid.uuid4()),
                                        kernel_spec=manager.kernel_spec, parent=manager)
        provisioner.template = self
        # The one step outside the provisioner API: a kernel spec can only name a provisioner
        # registered as an entry point, and this one needs the template object, so the manager
        # is given it (it keeps a provisioner it already has, as it does across restarts).
        manager.kernel_id = provisioner.kernel_id
        manager.provisioner = provisioner
        return manager

    def close(self) -> None:
        """Stop the template (kernels it forked are stopped by their managers)."""
        if self._requests is not None:
            os.close(self._requests)  # end of input: the template exits
            self._requests = None
            os.close(self._replies)
            self._replies = None
            self._process.wait()
            shutil.rmtree(self._sockets, ignore_errors=True)


def _become_kernel(app, connection_file: str, cwd: str, template_fds: tuple[int, ...],
                   template: int) -> None:
    """In a child of the template: run a kernel until it is shut down, then exit."""
    try:
        die_with_parent(template)
        # A session of its own, as jupyter_client gives the kernels it starts: Ctrl-C in the
        # terminal goes to the batch, which stops the workers, not into the pack's running cell.
        os.setsid()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in template_fds:
            os.close(fd)
        os.chdir(cwd)
        # parent_handle: exit if the template goes (and print no connection banner)
        app.launch_instance(argv=["-f", connection_file,
                                  f"--IPKernelApp.parent_handle={os.getppid()}"])
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(0)


def _serve(requests: int, replies: int, worker: int) -> None:
    """The template's life: warm up, then fork one kernel per request and report each
    kernel's exit, until the request pipe closes (the worker closes it, or dies)."""
    try:
        die_with_parent(worker)
        buffer = b""
        while b"\n" not in buffer:
            data = os.read(requests, 65536)
            if not data:
                return
            buffer += data
        line, buffer = buffer.split(b"\n", 1)
        try:
            exec(compile(json.loads(line), "<pmresearch kernel warm-up>", "exec"), {})
        except BaseException:
            traceback.print_exc()  # the kernels are colder, but they work; say why
        from ipykernel.kernelapp import IPKernelApp

        # A kernel's exit wakes the loop through this pipe (SIGCHLD), to be reaped and reported.
        woken, wake = os.pipe()
        os.set_blocking(woken, False)
        os.set_blocking(wake, False)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        signal.set_wakeup_fd(wake, warn_on_full_buffer=False)
        template = os.getpid()
        kernels: set[int] = set()
        while True:
            _report_exits(kernels, replies)
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                connection_file, cwd = line.decode().split("\t")
                threads = thread_count()
                if threads not in (None, 1):
                    _reply(replies, f"refused it has {threads} threads, and forking with "
                                    f"threads running can deadlock the kernel")
                    continue
                pid = os.fork()
                if pid == 0:
                    _become_kernel(IPKernelApp, connection_file, cwd,
                                   (requests, replies, woken, wake), template)
                kernels.add(pid)
                _reply(replies, f"forked {pid}")
            ready, _, _ = select.select([requests, woken], [], [])
            if woken in ready:
                with contextlib.suppress(BlockingIOError):
                    os.read(woken, 4096)
            if requests in ready:
                data = os.read(requests, 65536)
                if not data:
                    return  # the worker has finished (or died); the kernels die with us
                buffer += data
    except BaseException:
        traceback.print_exc()  # the worker falls back to ordinary kernels; say why
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _report_exits(kernels: set[int], replies: int) -> None:
    """Reap the kernels that have ended and tell the worker how each ended."""
    while kernels:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        kernels.discard(pid)
        _reply(replies, f"exited {pid} {os.waitstatus_to_exitcode(status)}")


def _reply(replies: int, line: str) -> None:
    with contextlib.suppress(BrokenPipeError):
        os.write(replies, f"{line}\n".encode())

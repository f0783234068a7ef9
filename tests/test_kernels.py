"""Kernels forked from a warm template: each pack gets a fresh, separate kernel process."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pytest
from jupyter_core.utils import run_sync

from pmresearch._kernels import KernelTemplate

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (POSIX)")


def _run(manager, code: str) -> str:
    client = manager.blocking_client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        printed = []
        client.execute_interactive(code, timeout=60, output_hook=lambda msg: printed.append(
            msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None)
        return "".join(printed)
    finally:
        client.stop_channels()


def _gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_each_kernel_is_a_new_process_with_an_empty_namespace(tmp_path):
    template = KernelTemplate("import sys\nsys.pmresearch_warmed = True\nwarm = 1")
    try:
        seen = []
        for _ in range(2):
            manager = template.kernel_manager("python3")
            run_sync(manager.start_kernel)(cwd=str(tmp_path))
            try:
                out = _run(manager, "import os, sys\n"
                                    "print(os.getpid(), os.getcwd(), 'warm' in dir(),"
                                    " getattr(sys, 'pmresearch_warmed', False))")
            finally:
                pid = manager.provisioner.pid
                manager.shut_down()
            kernel_pid, cwd, warm_name, warmed = out.split()
            assert int(kernel_pid) == pid and pid != template.pid
            assert cwd == str(tmp_path)
            # The kernel inherits the warm-up's loaded state, but not its names.
            assert (warm_name, warmed) == ("False", "True")
            assert _gone(pid)
            seen.append(pid)
        assert seen[0] != seen[1]
    finally:
        template.close()
    assert _gone(template.pid)


def test_a_template_whose_warm_up_fails_still_gives_working_kernels(tmp_path, capfd):
    template = KernelTemplate("raise ImportError('no such module: pandaz')")
    try:
        manager = template.kernel_manager("python3")
        run_sync(manager.start_kernel)(cwd=str(tmp_path))
        try:
            assert _run(manager, "print(6 * 7)").strip() == "42"
        finally:
            manager.shut_down()
    finally:
        template.close()
    err = capfd.readouterr().err
    assert "ImportError: no such module: pandaz" in err
    # The ordinary kernel it fell back on talks over IPC too: no warning about plain TCP.
    assert "without encryption" not in err


def test_a_kernel_dies_with_its_template(tmp_path, capfd):
    template = KernelTemplate("warm = 1")
    manager = template.kernel_manager("python3")
    run_sync(manager.start_kernel)(cwd=str(tmp_path))
    kernel = manager.provisioner.pid
    try:
        assert _run(manager, "import os\nprint(os.getppid())").strip() == str(template.pid)
        os.kill(template.pid, signal.SIGKILL)  # as if the worker above it had been killed
        assert _gone(kernel, seconds=5)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(kernel, signal.SIGKILL)  # should the test fail, leave no kernel running
        run_sync(manager.cleanup_resources)()
        template.close()
    assert "without encryption" not in capfd.readouterr().err


def _exit_status(manager, seconds: float = 30.0) -> int | None:
    """The kernel's exit status once the provisioner reports it ended (polling)."""
    deadline = time.monotonic() + seconds
    while (status := manager.exit_status()) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return status


@pytest.mark.parametrize("code, status", [
    ("import os\nos._exit(3)", 3),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", -signal.SIGKILL),
])
def test_a_crashed_kernel_reports_its_real_exit_status(code, status, tmp_path):
    # As subprocess.Popen reports it: the exit code, or minus the signal that killed it.
    template = KernelTemplate("warm = 1")
    manager = template.kernel_manager("python3")
    run_sync(manager.start_kernel)(cwd=str(tmp_path))
    try:
        assert manager.exit_status() is None
        client = manager.blocking_client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            client.execute(code)
            assert _exit_status(manager) == status
        finally:
            client.stop_channels()
        assert run_sync(manager.is_alive)() is False
    finally:
        manager.shut_down()
        template.close()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="counts threads in /proc")
def test_the_template_forks_its_kernels_with_one_thread(tmp_path):
    # numpy (OpenBLAS) and pandas imported, as the pack warm-up imports them; a matrix
    # product would start OpenBLAS's threads if the template allowed them.
    template = KernelTemplate("import numpy, pandas\nnumpy.ones((300, 300)) @ numpy.ones((300, 300))")
    try:
        manager = template.kernel_manager("python3")
        run_sync(manager.start_kernel)(cwd=str(tmp_path))
        try:
            # Forked by the template, so it checked it had one thread at the fork ...
            assert _run(manager, "import os\nprint(os.getppid())").strip() == str(template.pid)
        finally:
            manager.shut_down()
        # ... and it still has one, as /proc shows from outside.
        assert len(os.listdir(f"/proc/{template.pid}/task")) == 1
    finally:
        template.close()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="counts threads in /proc")
def test_a_template_with_a_thread_refuses_to_fork_and_the_kernel_starts_the_ordinary_way(
        tmp_path, capfd):
    template = KernelTemplate("import threading, time\n"
                              "threading.Thread(target=time.sleep, args=(600,), daemon=True).start()")
    try:
        manager = template.kernel_manager("python3")
        run_sync(manager.start_kernel)(cwd=str(tmp_path))
        try:
            assert _run(manager, "import os\nprint(os.getppid())").strip() == str(os.getpid())
        finally:
            manager.shut_down()
    finally:
        template.close()
    assert ("pmresearch: kernel started the ordinary way: the kernel template refused to fork: "
            "it has 2 threads, and forking with threads running can deadlock the kernel\n"
            in capfd.readouterr().err)

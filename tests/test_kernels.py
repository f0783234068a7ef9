"""Kernels forked from a warm template: each pack gets a fresh, separate kernel process."""

from __future__ import annotations

import contextlib
import os
import signal
import time

import pytest

from pmresearch._kernels import KernelTemplate

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (POSIX)")


def _run(manager, code: str) -> str:
    client = manager.client()
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
            manager.start_kernel(cwd=str(tmp_path))
            try:
                out = _run(manager, "import os, sys\n"
                                    "print(os.getpid(), os.getcwd(), 'warm' in dir(),"
                                    " getattr(sys, 'pmresearch_warmed', False))")
            finally:
                pid = manager.provisioner.pid
                manager.shutdown_kernel(now=True)
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
        manager.start_kernel(cwd=str(tmp_path))
        try:
            assert _run(manager, "print(6 * 7)").strip() == "42"
        finally:
            manager.shutdown_kernel(now=True)
    finally:
        template.close()
    err = capfd.readouterr().err
    assert "ImportError: no such module: pandaz" in err
    # The ordinary kernel it fell back on talks over IPC too: no warning about plain TCP.
    assert "without encryption" not in err


def test_a_kernel_dies_with_its_template(tmp_path, capfd):
    template = KernelTemplate("warm = 1")
    manager = template.kernel_manager("python3")
    manager.start_kernel(cwd=str(tmp_path))
    kernel = manager.provisioner.pid
    try:
        assert _run(manager, "import os\nprint(os.getppid())").strip() == str(template.pid)
        os.kill(template.pid, signal.SIGKILL)  # as if the worker above it had been killed
        assert _gone(kernel, seconds=5)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(kernel, signal.SIGKILL)  # should the test fail, leave no kernel running
        manager.cleanup_resources()
        template.close()
    assert "without encryption" not in capfd.readouterr().err

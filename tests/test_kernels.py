"""Kernels forked from a warm template: each pack gets a fresh, separate kernel process."""

from __future__ import annotations

import os
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
    template = KernelTemplate("import json\nwarm = 1")
    try:
        seen = []
        for _ in range(2):
            manager = template.kernel_manager("python3")
            manager.start_kernel(cwd=str(tmp_path))
            try:
                out = _run(manager, "import os, sys\n"
                                    "print(os.getpid(), os.getcwd(), 'json' in dir(), 'warm' in dir(),"
                                    " 'json' in sys.modules)")
            finally:
                pid = manager.provisioner.pid
                manager.shutdown_kernel(now=True)
            kernel_pid, cwd, json_name, warm_name, json_module = out.split()
            assert int(kernel_pid) == pid and pid != template.pid
            assert cwd == str(tmp_path)
            # The warm-up's imports are loaded, but its names never reach the notebook.
            assert (json_name, warm_name, json_module) == ("False", "False", "True")
            assert _gone(pid)
            seen.append(pid)
        assert seen[0] != seen[1]
    finally:
        template.close()
    assert _gone(template.pid)

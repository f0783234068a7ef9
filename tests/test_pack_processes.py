"""Real batches killed, stopped and run side by side: no orphan process, a true record, repair.

Each batch is the ``pmresearch packs`` command in a child process of its own session, carrying
a marker in its environment that every process it starts inherits (workers, kernel templates,
kernels), so the test can find them all in /proc, however they were re-parented.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from pmresearch.demo import DEMO_WORKSPACE

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(),
                                reason="finds a batch's processes in /proc (Linux)")

MARKER = "PMRESEARCH_TEST_BATCH"
# Two services of the demo's, read from its services.csv rather than assumed.
SERVICES = pd.read_csv(DEMO_WORKSPACE / "services.csv")["service_id"].tolist()[:2]
STOPPED = re.compile(r"^pmresearch packs: stopped by (SIGINT|SIGTERM); (\d) of 2 packs "
                     r"finished, the others keep their previous version$")


def _start(outputs: Path, *extra: str, umask: int = 0o022, services=SERVICES) -> tuple:
    """Start a batch; returns the process and its marker."""
    marker = uuid.uuid4().hex
    process = subprocess.Popen(
        [sys.executable, "-m", "pmresearch.cli", "packs", "--outputs", str(outputs),
         "--service", *services, *extra],
        env={**os.environ, MARKER: marker}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True, umask=umask)
    return process, marker


def _marked(marker: str) -> list[int]:
    """Every live process carrying the marker (a zombie's environment reads as empty)."""
    needle = f"{MARKER}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:  # gone meanwhile, or not ours
                continue
            if needle in environ.split(b"\0"):
                found.append(int(entry.name))
    return found


def _survivors(marker: str, seconds: float = 5.0) -> list[int]:
    """The marked processes still alive after ``seconds`` (polling, so usually much sooner)."""
    deadline = time.monotonic() + seconds
    while (alive := _marked(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def _kill_all(marker: str) -> None:
    for pid in _marked(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _wait_for_a_pack_under_way(period_dir: Path, process: subprocess.Popen) -> None:
    """Until a worker has a staging folder and has started its kernel."""
    deadline = time.monotonic() + 300
    while not any(p.is_dir() and "-staging-" in p.name for p in period_dir.glob(".*")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no pack started within 300 s"
        time.sleep(0.1)
    time.sleep(2)  # well into the pack: it takes longer than this


def _finish(process: subprocess.Popen, marker: str) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=600)
    finally:
        _kill_all(marker)
    return process.returncode, out, err


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_record_matches_the_folders(period_dir: Path, services=SERVICES) -> dict:
    """Every service has a good pack whose files are those the manifest vouches for, and no
    hidden staging or retired folder or temporary file is left."""
    manifest = json.loads((period_dir / "manifest.json").read_text(encoding="utf-8"))
    for service_id in services:
        entry = manifest["packs"][service_id]
        assert entry["status"] == "ok", entry
        assert "evidence_pack.html" in entry["files"]
        for name, digest in entry["files"].items():
            assert _sha256(period_dir / service_id / name) == digest, (service_id, name)
    hidden = sorted(p.name for p in period_dir.glob(".*"))
    assert hidden == [".lock"], hidden
    return manifest


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """Outputs with both services' packs made by one batch under umask 022."""
    outputs = tmp_path_factory.mktemp("made")
    process, marker = _start(outputs, "--jobs", "2", "--no-progress", umask=0o022)
    status, out, err = _finish(process, marker)
    assert status == 0, err
    return outputs


def _copy(made: Path, tmp_path: Path) -> tuple[Path, Path]:
    outputs = Path(shutil.copytree(made, tmp_path / "outputs"))
    (period_dir,) = [p for p in outputs.iterdir() if p.is_dir()]
    return outputs, period_dir


def test_folders_are_0755_and_files_0644_under_umask_022(made):
    (period_dir,) = [p for p in made.iterdir() if p.is_dir()]
    for service_id in SERVICES:
        folder = period_dir / service_id
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
        assert modes and set(modes.values()) == {0o644}, modes
    for name in ("manifest.json", "index.html"):
        assert stat.S_IMODE((period_dir / name).stat().st_mode) == 0o644


def test_a_killed_batch_leaves_no_process_and_the_next_run_repairs(made, tmp_path):
    outputs, period_dir = _copy(made, tmp_path)
    process, marker = _start(outputs, "--force", "--jobs", "2")
    try:
        _wait_for_a_pack_under_way(period_dir, process)
        assert len(_marked(marker)) >= 4  # the batch, its workers, a template, a kernel
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=10)
        assert _survivors(marker) == []
    finally:
        _kill_all(marker)
    # What an older killed run left: a staging folder and a manifest being written, named
    # with a token whose claim nobody holds (its process is gone).
    dead = "1-0badc0de"
    (period_dir / f".{SERVICES[0]}-staging-{dead}-x1y2").mkdir()
    (period_dir / f".manifest.json.{dead}-0001").write_text("{", encoding="utf-8")
    (period_dir / f".run-{dead}.lock").write_text("", encoding="utf-8")

    status, out, err = _finish(*_start(outputs, "--jobs", "2", "--no-progress"))
    assert status == 0, err
    _assert_record_matches_the_folders(period_dir)
    assert f"Removed what a stopped run left in {period_dir}: " in err
    assert f".{SERVICES[0]}-staging-{dead}-x1y2" in err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_sigterm_or_ctrl_c_stop_the_batch_with_one_line_and_a_clean_folder(made, tmp_path,
                                                                          signum):
    outputs, period_dir = _copy(made, tmp_path)
    before = json.loads((period_dir / "manifest.json").read_text(encoding="utf-8"))
    process, marker = _start(outputs, "--force", "--jobs", "2", "--no-progress")
    try:
        _wait_for_a_pack_under_way(period_dir, process)
        if signum == signal.SIGINT:
            os.killpg(process.pid, signum)  # Ctrl-C: the terminal signals the whole group
        else:
            os.kill(process.pid, signum)
        out, err = process.communicate(timeout=120)
        assert _survivors(marker) == []
    finally:
        _kill_all(marker)
    lines = err.strip().splitlines()
    assert process.returncode == 2 and "Traceback" not in err, err
    match = STOPPED.match(lines[-1])
    assert match and match[1] == signal.Signals(signum).name, lines
    manifest = _assert_record_matches_the_folders(period_dir)
    # A pack the stopped run did not finish keeps its previous version, and its record.
    finished = [s for s in SERVICES
                if manifest["packs"][s]["finished_at"] != before["packs"][s]["finished_at"]
                or manifest["packs"][s]["files"] != before["packs"][s]["files"]]
    # every pack the message counts was recorded by its worker before the stop
    assert len(finished) >= int(match[2])


def test_two_batches_at_once_into_one_outputs_both_end_up_in_the_record(tmp_path):
    outputs = tmp_path / "outputs"
    first = _start(outputs, "--jobs", "1", "--no-progress", services=SERVICES[:1], umask=0o002)
    second = _start(outputs, "--jobs", "1", "--no-progress", services=SERVICES[1:], umask=0o002)
    for process, marker in (first, second):
        status, out, err = _finish(process, marker)
        assert status == 0, err
    (period_dir,) = [p for p in outputs.iterdir() if p.is_dir()]
    manifest = _assert_record_matches_the_folders(period_dir)
    assert sorted(manifest["packs"]) == sorted(SERVICES)
    index = (period_dir / "index.html").read_text(encoding="utf-8")
    for service_id in SERVICES:
        assert f'href="{service_id}/evidence_pack.html"' in index
    # umask 002: group-writable, for a team's shared drive
    assert stat.S_IMODE((period_dir / SERVICES[1]).stat().st_mode) == 0o775
    assert stat.S_IMODE((period_dir / SERVICES[1] / "findings.csv").stat().st_mode) == 0o664


def test_a_pack_altered_after_the_run_is_remade_not_skipped(made, tmp_path):
    outputs, period_dir = _copy(made, tmp_path)
    altered = period_dir / SERVICES[0] / "evidence_pack.html"
    altered.write_text(altered.read_text(encoding="utf-8") + "<p>edited</p>", encoding="utf-8")
    status, out, err = _finish(*_start(outputs, "--jobs", "1", "--no-progress"))
    assert status == 0, err
    rows = {line.split()[0]: line for line in out.splitlines()[1:3]}
    assert rows[SERVICES[0]].split()[1] == "ok"
    assert "remade: files differed from the manifest" in rows[SERVICES[0]]
    assert rows[SERVICES[1]].split()[1] == "skipped"
    assert "<p>edited</p>" not in altered.read_text(encoding="utf-8")
    _assert_record_matches_the_folders(period_dir)

"""One pack run by execute_pack in a real kernel, forked or fresh: a kernel that dies makes a
failed pack whose message says how it died, and the HTML pack takes the title it is given."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from pmresearch import _batch_processes
from pmresearch._kernels import KernelTemplate
from pmresearch.executors import PackJob, execute_pack
from pmresearch.packs import PackJob as PackJobFromPacks

MODES = ["fresh", pytest.param("forked", marks=pytest.mark.skipif(
    not hasattr(os, "fork"), reason="forked kernels need fork (POSIX)"))]


@pytest.fixture(params=MODES)
def kernels(request, monkeypatch):
    """The kernel mode, set up as a worker sets it up: a template for forked kernels."""
    if request.param == "forked":
        template = KernelTemplate("import json")
        monkeypatch.setattr(_batch_processes, "kernel_template", template)
        yield "forked"
        template.close()
    else:
        monkeypatch.setattr(_batch_processes, "kernel_template", None)
        yield "fresh"


def _job(tmp_path: Path, *cells: str) -> PackJob:
    notebook = new_notebook(cells=[new_markdown_cell("# Tiny pack"),
                                   *(new_code_cell(source) for source in cells)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    path = tmp_path / "tiny.ipynb"
    nbformat.write(notebook, path)
    period_dir = tmp_path / "outputs" / "2025-26-Q2"
    period_dir.mkdir(parents=True)
    return PackJob("tiny", str(path), "python3", str(period_dir / "tiny"), {}, "f1",
                   run_token="1-deadbeef", title="Tiny service: evidence pack, 2025-26 Q2")


def _manifest_entry(job: PackJob) -> dict:
    manifest = Path(job.target_dir).parent / "manifest.json"
    return json.loads(manifest.read_text(encoding="utf-8"))["packs"]["tiny"]


def test_a_pack_is_made_with_the_title_it_is_given(kernels, tmp_path, capfd):
    job = _job(tmp_path, "print(6 * 7)")
    result = execute_pack(job)
    assert (result.status, result.message) == ("ok", "")
    page = (Path(job.target_dir) / "evidence_pack.html").read_text(encoding="utf-8")
    assert "<title>Tiny service: evidence pack, 2025-26 Q2</title>" in page
    assert "42" in page and "print(6 * 7)" not in page
    assert _manifest_entry(job)["status"] == "ok"
    # Unix sockets in either mode: nothing listens on a network port.
    assert "without encryption" not in capfd.readouterr().err


@pytest.mark.parametrize("cell, how", [
    ("import os\nos._exit(1)", "exit status 1"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "killed by SIGKILL"),
])
def test_a_kernel_that_dies_fails_the_pack_saying_how(kernels, cell, how, tmp_path):
    job = _job(tmp_path, "x = 1", cell, "print('never reached')")
    result = execute_pack(job)
    message = f"the kernel died ({how}) before the notebook finished"
    assert (result.status, result.message) == ("failed", message)
    entry = _manifest_entry(job)
    assert (entry["status"], entry["message"]) == ("failed", message)
    assert not (Path(job.target_dir) / "evidence_pack.html").exists()


def test_pack_job_is_still_importable_from_packs():
    assert PackJobFromPacks is PackJob


@pytest.fixture(scope="module")
def batch_outputs(tmp_path_factory) -> Path:
    """One outputs folder for the batches below, so the evidence is gathered once."""
    return tmp_path_factory.mktemp("outputs")


# A whole batch gathers the demo's evidence first (minutes on a loaded machine): run with -m slow.
@pytest.mark.slow
@pytest.mark.parametrize("mode", [p if isinstance(p, str) else p.values[0] for p in MODES])
def test_a_batch_fails_the_pack_whose_kernel_is_killed_in_either_mode(mode, batch_outputs,
                                                                     tmp_path):
    if mode == "forked" and not hasattr(os, "fork"):
        pytest.skip("forked kernels need fork (POSIX)")
    from pmresearch.demo import DEMO_WORKSPACE
    from pmresearch.packs import run_packs

    import pandas as pd

    service = pd.read_csv(DEMO_WORKSPACE / "services.csv")["service_id"].iloc[0]
    notebook = new_notebook(cells=[new_code_cell("import os, signal\n"
                                                 "os.kill(os.getpid(), signal.SIGKILL)")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, tmp_path / "killed.ipynb")
    run = run_packs(outputs=batch_outputs, services=[service], jobs=1, kernels=mode,
                    notebook=tmp_path / "killed.ipynb", progress=False)
    assert [(r.service_id, r.status, r.message) for r in run.results] == [
        (service, "failed", "the kernel died (killed by SIGKILL) before the notebook finished")]

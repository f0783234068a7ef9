"""The main job: one evidence pack per service, isolated failures, manifest, skipping."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from pmresearch._outputs_lock import PeriodLock, RunClaim, remove_leftovers
from pmresearch.cli import main
from pmresearch.errors import PackError, PeriodError
from pmresearch.packs import run_packs
from pmresearch.workspace import DEMO_WORKSPACE

SERVICES = ["waste_recycling", "street_cleansing", "parks", "libraries", "leisure", "highways",
            "planning", "customer_services"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """Every demo pack made once, on two workers, the way the README's first command does."""
    outputs = tmp_path_factory.mktemp("outputs")
    run = run_packs(outputs=outputs, jobs=2, progress=False)
    return run, outputs / "2025-26-Q2"


def test_every_service_gets_a_notebook_and_an_html_pack(demo_run):
    run, period_dir = demo_run
    assert run.ok
    assert [r.service_id for r in run.results] == SERVICES
    for service_id in SERVICES:
        assert (period_dir / service_id / "evidence_pack.ipynb").is_file()
        assert (period_dir / service_id / "evidence_pack.html").is_file()
    # staging folders must not be left behind; the period's lock file stays
    assert [p.name for p in period_dir.glob(".*")] == [".lock"]


def test_html_pack_shows_results_but_no_code(demo_run):
    _, period_dir = demo_run
    page = (period_dir / "street_cleansing" / "evidence_pack.html").read_text(encoding="utf-8")
    assert "Street cleansing: evidence pack, 2025-26 Q2" in page
    assert "Ashbrook Borough Council" in page
    for section in ("Findings and recommended actions", "1. Service summary",
                    "2. Performance indicators", "3. Benchmarking", "4. Resident satisfaction",
                    "Change since the last survey", "5. Wards", "6. Complaints and compliments",
                    "7. Consultation findings", "8. Equality", "9. Cost and value for money",
                    "10. Judgements and recommended actions"):
        assert f">{section}<" in page
    assert "How satisfied or dissatisfied are you with street cleaning?" in page
    assert "data:image/png;base64" in page
    for code in ("load_workspace", "sections.header", "parameters_dir", "%matplotlib"):
        assert code not in page


def test_each_pack_opens_with_findings_and_writes_them_beside_it(demo_run):
    import pandas as pd

    _, period_dir = demo_run
    folder = period_dir / "street_cleansing"
    page = (folder / "evidence_pack.html").read_text(encoding="utf-8")
    assert page.index(">Findings and recommended actions<") < page.index(">1. Service summary<")
    findings = pd.read_csv(folder / "findings.csv")
    assert findings.loc[0, ["severity", "rule_id"]].tolist() == ["high", "priority_for_review"]
    assert (findings["service_id"] == "street_cleansing").all()
    assert findings.loc[0, "finding"] in page
    actions = pd.read_csv(folder / "improvement_actions.csv")
    assert list(actions.columns[:5]) == ["outcome", "action", "owner", "by_when",
                                         "success_measure"]
    assert len(actions) == findings["action"].notna().sum()


def test_index_shows_each_services_rag_and_findings_by_severity(demo_run):
    _, period_dir = demo_run
    page = (period_dir / "index.html").read_text(encoding="utf-8")
    # SC01 is red and the other three street-cleansing PIs green or n/a (SCENARIO.md).
    assert "1 ■ Red" in page and "street_cleansing/findings.csv" in page
    assert "High and medium findings" in page and "Council-wide findings" in page
    assert "age band 18-34 (sat_council)" in page


def test_html_pack_is_self_contained_with_contents_and_provenance(demo_run):
    import re

    _, period_dir = demo_run
    page = (period_dir / "street_cleansing" / "evidence_pack.html").read_text(encoding="utf-8")
    # Nothing is fetched from anywhere: every image is inline, no script or style is linked.
    assert not re.findall(r'(?:src|href)="(?!#|data:)[^"]*"', page)
    assert "<script" not in page
    assert '<nav class="contents"' in page and 'href="#4.-Resident-satisfaction"' in page
    digest = _sha256(DEMO_WORKSPACE / "pi_values.csv")
    assert f"<td>pi_values.csv</td><td>{digest}</td>" in page
    # Every chart has alt text and the data behind it.
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 3  # PI trends, benchmark strips, ward scatter
    assert all('src="data:image/png;base64,' in tag and re.search(r'alt="[^"]+"', tag)
               for tag in images)
    assert page.count("Data behind this chart") == len(images)


def test_executed_notebook_has_the_services_parameters_and_no_errors(demo_run):
    _, period_dir = demo_run
    nb = nbformat.read(period_dir / "parks" / "evidence_pack.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'service_id = "parks"' in injected[0].source
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]


def test_manifest_records_input_hashes_parameters_and_versions(demo_run):
    _, period_dir = demo_run
    manifest = json.loads((period_dir / "manifest.json").read_text())
    assert manifest["period"] == "2025-26 Q2"
    assert manifest["council"] == "Ashbrook Borough Council"
    # each recorded hash is recomputed here from the file itself
    responses = DEMO_WORKSPACE / "survey_responses.csv"
    assert manifest["inputs"]["survey_responses.csv"] == _sha256(responses)
    assert manifest["inputs"]["notebooks/evidence_pack.ipynb"] == _sha256(
        Path("notebooks/evidence_pack.ipynb"))
    assert "parameters/rules.yaml" in manifest["inputs"]
    assert set(manifest["packs"]) == set(SERVICES)
    pack = manifest["packs"]["highways"]
    assert pack["status"] == "ok"
    assert pack["parameters"]["service_id"] == "highways"
    # The notebook's one input besides the service: the batch's evidence store, made from the
    # same inputs the manifest records.
    store = period_dir / "evidence"
    assert pack["parameters"]["evidence"] == str(store.resolve())
    assert json.loads((store / "store.json").read_text())["inputs"] == manifest["inputs"]
    assert pack["files"]["evidence_pack.html"] == _sha256(period_dir / "highways" / "evidence_pack.html")
    assert {"pandas", "papermill", "pmresearch", "python"} <= set(manifest["versions"])


def test_index_links_every_pack(demo_run):
    _, period_dir = demo_run
    index = (period_dir / "index.html").read_text(encoding="utf-8")
    for service_id in SERVICES:
        assert f'href="{service_id}/evidence_pack.html"' in index
    assert "Parks and open spaces" in index


def _pack_content(folder: Path) -> dict[str, bytes]:
    """Every file of a pack, with the generation date (the only thing allowed to change)
    blanked."""
    import re

    return {p.name: re.sub(rb"Generated \d{4}-\d{2}-\d{2}", b"Generated DATE", p.read_bytes())
            for p in sorted(folder.iterdir())}


def test_unchanged_inputs_are_skipped_and_force_remakes_the_same_pack(tmp_path):
    first = run_packs(outputs=tmp_path, services=["planning"], jobs=1, progress=False)
    assert [r.status for r in first.results] == ["ok"]
    made = _pack_content(tmp_path / "2025-26-Q2" / "planning")
    again = run_packs(outputs=tmp_path, services=["planning"], jobs=1, progress=False)
    assert [r.status for r in again.results] == ["skipped"]
    forced = run_packs(outputs=tmp_path, services=["planning"], jobs=1, force=True, progress=False)
    assert [r.status for r in forced.results] == ["ok"]
    # Same inputs and parameters, same pack: HTML, findings and actions byte for byte.
    remade = _pack_content(tmp_path / "2025-26-Q2" / "planning")
    for name in ("evidence_pack.html", "findings.csv", "improvement_actions.csv"):
        assert remade[name] == made[name], name


def test_a_changed_input_remakes_the_pack(tmp_path, demo_copy):
    outputs = tmp_path / "outputs"
    run_packs(demo_copy, outputs=outputs, services=["planning"], jobs=1, progress=False)
    os.utime(demo_copy / "comments.csv", (1, 1))  # a new timestamp is not a change of content
    assert run_packs(demo_copy, outputs=outputs, services=["planning"], jobs=1,
                     progress=False).results[0].status == "skipped"
    text = (demo_copy / "wards.csv").read_text(encoding="utf-8")
    (demo_copy / "wards.csv").write_text(text.replace("Brookside", "Brookside Vale"), encoding="utf-8")
    assert run_packs(demo_copy, outputs=outputs, services=["planning"], jobs=1,
                     progress=False).results[0].status == "ok"


def _failing_notebook(path: Path, failing_service: str) -> Path:
    cells = [
        new_code_cell('workspace = ""\nservice_id = ""\nperiod = ""\nparameters_dir = ""',
                      metadata={"tags": ["parameters"]}),
        new_code_cell(f'if service_id == "{failing_service}":\n'
                      f'    raise RuntimeError("the {failing_service} data feed broke")'),
        new_code_cell('print("pack for", service_id)'),
    ]
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}}), path)
    return path


def test_a_failing_service_keeps_its_previous_pack_and_the_others_finish(tmp_path):
    outputs = tmp_path / "outputs"
    good = run_packs(outputs=outputs, services=["parks", "libraries"], jobs=2, progress=False)
    assert good.ok
    parks = outputs / "2025-26-Q2" / "parks"
    good_html = (parks / "evidence_pack.html").read_bytes()

    notebook = _failing_notebook(tmp_path / "failing.ipynb", "parks")
    status = main(["packs", "--outputs", str(outputs), "--service", "parks", "libraries",
                   "--notebook", str(notebook), "--jobs", "2", "--no-progress"])
    assert status == 1
    assert (parks / "evidence_pack.html").read_bytes() == good_html
    failed = nbformat.read(parks / "evidence_pack.failed.ipynb", as_version=4)
    errors = [o for c in failed.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors and errors[0].evalue == "the parks data feed broke"
    libraries = (outputs / "2025-26-Q2" / "libraries" / "evidence_pack.ipynb")
    assert "pack for libraries" in libraries.read_text(encoding="utf-8")
    manifest = json.loads((outputs / "2025-26-Q2" / "manifest.json").read_text())
    assert manifest["packs"]["parks"]["status"] == "failed"
    assert "RuntimeError: the parks data feed broke" in manifest["packs"]["parks"]["message"]
    assert manifest["packs"]["parks"]["previous_good"]["status"] == "ok"
    assert manifest["packs"]["libraries"]["status"] == "ok"


def test_unknown_service_is_refused_with_the_known_ones(tmp_path):
    with pytest.raises(PackError, match=r"unknown service 'parkz': services.csv has waste_recycling, "):
        run_packs(outputs=tmp_path, services=["parkz"], progress=False)
    assert main(["packs", "--outputs", str(tmp_path), "--service", "parkz", "--no-progress"]) == 2


def test_bad_period_is_refused(tmp_path):
    with pytest.raises(PeriodError, match="--period: "):
        run_packs(outputs=tmp_path, period="Q2 2025", progress=False)


def test_invalid_workspace_exits_2_and_makes_no_pack(tmp_path, demo_copy, capsys):
    (demo_copy / "wards.csv").unlink()
    outputs = tmp_path / "outputs"
    assert main(["packs", "--workspace", str(demo_copy), "--outputs", str(outputs)]) == 2
    assert "wards.csv" in capsys.readouterr().err
    assert not outputs.exists()


def test_a_run_removes_only_what_runs_no_longer_live_left(tmp_path):
    mine, other = RunClaim(tmp_path), RunClaim(tmp_path)  # both held: this process is live
    dead = "1-deadbeef"  # a run that was killed: its claim file is there, but nobody holds it
    (tmp_path / f".run-{dead}.lock").write_text("", encoding="utf-8")
    for name in (f".parks-staging-{other.token}-a1", f".parks-staging-{dead}-b2",
                 f".libraries-retired-{dead}", f".parks-retired-{dead}", "parks",
                 f".x-staging-{mine.token}-c3", ".leisure-staging-old1"):
        (tmp_path / name).mkdir()
    for name in (f".manifest.json.{dead}-0001", f".index.html.{other.token}-0002"):
        (tmp_path / name).write_text("{", encoding="utf-8")
    (tmp_path / f".libraries-retired-{dead}" / "evidence_pack.html").write_text("old pack")

    removed = remove_leftovers(tmp_path, mine.token)
    assert removed == [f".libraries-retired-{dead} restored as libraries",
                       f".manifest.json.{dead}-0001", f".parks-retired-{dead}",
                       f".parks-staging-{dead}-b2"]
    assert (tmp_path / "libraries" / "evidence_pack.html").read_text() == "old pack"
    # another live run's work and a name without a run token stay while that run lives
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([
        f".run-{mine.token}.lock", f".run-{other.token}.lock", f".parks-staging-{other.token}-a1",
        f".x-staging-{mine.token}-c3", ".leisure-staging-old1",
        f".index.html.{other.token}-0002", "libraries", "parks"])
    other.release()
    assert remove_leftovers(tmp_path, mine.token, own=True) == [
        f".index.html.{other.token}-0002", ".leisure-staging-old1",
        f".parks-staging-{other.token}-a1", f".x-staging-{mine.token}-c3"]
    mine.release()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["libraries", "parks"]


def test_a_run_waiting_for_the_period_lock_names_the_holder(tmp_path):
    import threading

    held, release = threading.Event(), threading.Event()

    def hold():
        with PeriodLock(tmp_path).held():
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(30)
    said = []
    threading.Timer(0.5, release.set).start()  # let go only after the waiter has spoken
    with PeriodLock(tmp_path, on_wait=said.append, patience=0.1).held():
        assert release.is_set()
    holder.join(30)
    assert said == [f"waiting for pid {os.getpid()}, another run writing to {tmp_path} …"]

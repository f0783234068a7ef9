"""A council's own workspace: started with `pmresearch init`, given by any path, with every
allowance of the contract (per-wave margins, shares, any wave name) accepted."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pmresearch.cli import main
from pmresearch.scaffold import COLUMN_NOTES, init_workspace, update_workspace
from pmresearch.weighting import weight_wave
from pmresearch.workspace import check_workspace, default_parameters_dir, load_workspace, read_table
from pmresearch._schemas import TABLES
from pmresearch.errors import PmresearchError


def problems(workspace: Path) -> list[str]:
    return [str(p) for p in check_workspace(workspace)]


def edit(workspace: Path, name: str, change) -> None:
    frame = change(read_table(workspace / name))
    frame.to_csv(workspace / name, index=False, lineterminator="\n")


def fill_council(folder: Path, seed: int) -> list[str]:
    """Fill an initialised workspace as an analyst would, with a generated council; delete the
    optional tables it has no rows for and the CSVs it gives as XLSX instead. Its service ids."""
    from councils import shape_from_seed, write_council

    shape = shape_from_seed(seed)
    write_council(folder, shape, seed)
    for table in folder.glob("*.csv"):
        unfilled = read_table(table).iloc[:, 0].str.startswith("#").all()
        if unfilled or table.with_suffix(".xlsx").exists():
            table.unlink()
    return shape.service_ids


# ---------------------------------------------------------------- pmresearch init


def test_init_writes_every_table_with_a_note_per_column_that_the_loader_skips(tmp_path):
    made = init_workspace(tmp_path / "northshire", today=dt.date(2026, 12, 7))
    assert made.written == (
        "council.yaml", "wards.csv", "survey_waves.csv", "survey_items.csv",
        "survey_responses.csv", "population_margins.csv", "services.csv", "indicators.csv",
        "pi_values.csv", "benchmarks.csv", "comments.csv", "parameters/codeframe.yaml")
    for stem, notes in COLUMN_NOTES.items():
        table = read_table(made.workspace / f"{stem}.csv")
        spec = TABLES[stem]
        required = [c.name for c in spec.required]
        assert list(table.columns)[:len(required)] == required
        assert {c.name for c in spec.optional} <= set(table.columns)
        assert list(table.columns) == list(notes)
        (note_row,) = table.itertuples(index=False)
        assert note_row[0].startswith("# ") and all(note_row)
    # Unfilled, every table is reported empty, the comment rows are skipped, and the starter
    # code frame and council.yaml are valid as they stand.
    assert problems(made.workspace) == [
        f"{stem}.csv: no data rows (only a header). Add one row per {TABLES[stem].row}."
        + (" Or delete the file: it is optional." if stem == "survey_items" else "")
        for stem in COLUMN_NOTES]


def test_init_never_overwrites_and_update_adds_a_file_per_new_service(tmp_path, capsys):
    folder = tmp_path / "ws"
    assert main(["init", str(folder)]) == 0
    assert "pmresearch validate --workspace" in capsys.readouterr().out
    wards = (folder / "wards.csv").read_bytes()
    assert main(["init", str(folder)]) == 2
    assert capsys.readouterr().err == (
        f"pmresearch init: {folder} already holds workspace files (council.yaml, wards.csv, "
        "survey_waves.csv, survey_items.csv, survey_responses.csv …). Use 'pmresearch init "
        f"--update {folder}' to add only what is missing; nothing is ever overwritten.\n")
    assert (folder / "wards.csv").read_bytes() == wards
    with (folder / "services.csv").open("a", encoding="utf-8") as handle:
        handle.write("refuse,Refuse & Recycling,Place,,\nBad Id,Nope,Place,,\n")
    made = update_workspace(folder)
    assert made.written == ("parameters/services/refuse.yaml",)
    assert (folder / "parameters/services/refuse.yaml").read_text(encoding="utf-8") == (
        "# Evidence pack parameters for Refuse & Recycling.\nservice_id: refuse\n"
        "pi_history_quarters: 8    # quarters shown in PI trend charts\n")
    assert update_workspace(folder).written == ()


def test_a_council_made_with_init_reaches_packs_in_four_commands(tmp_path, monkeypatch, capsys):
    """The README's "Your own council": init, fill in, init --update, validate, packs — from a
    relative path, with no --parameters. The files are filled from a council unlike the demo."""
    monkeypatch.chdir(tmp_path)
    assert main(["init", "mycouncil"]) == 0
    service_ids = fill_council(Path("mycouncil"), seed=12)
    assert main(["init", "--update", "mycouncil"]) == 0
    assert main(["validate", "--workspace", "mycouncil"]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert "Parameters from the workspace" in out and "Parameters from the defaults" in out
    assert main(["packs", "--workspace", "mycouncil", "--service", service_ids[0],
                 "--no-progress", "--jobs", "1"]) == 0, capsys.readouterr().err
    period_dirs = list(Path("outputs").iterdir())
    assert len(period_dirs) == 1
    assert (period_dirs[0] / service_ids[0] / "evidence_pack.html").is_file()


# ---------------------------------------------------------------- paths and the cache


def test_relative_then_absolute_then_moved_workspace(demo_workspace, tmp_path, monkeypatch):
    """A relative --workspace, then the same folder by its absolute path, then the folder moved:
    every run reads the files where they are now (the cache holds no path)."""
    monkeypatch.setenv("PMRESEARCH_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copytree(demo_workspace, tmp_path / "here" / "council")
    monkeypatch.chdir(tmp_path / "here")
    relative = load_workspace("council")
    assert relative.path == tmp_path / "here" / "council"
    assert all(p.is_absolute() for p in relative.files.values())

    absolute = load_workspace(tmp_path / "here" / "council")
    assert absolute.path == relative.path
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1  # the same entry, reused

    moved = tmp_path / "elsewhere" / "renamed"
    shutil.move(tmp_path / "here" / "council", moved)
    monkeypatch.chdir(tmp_path)
    ws = load_workspace(Path("elsewhere") / "renamed")
    assert ws.path == moved
    assert ws.files["benchmarks.csv"] == moved / "benchmarks.csv"
    assert ws.files["parameters/codeframe.yaml"] == moved / "parameters" / "codeframe.yaml"
    assert all(p.is_file() for p in ws.files.values())
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1
    # Nothing stored names where the workspace was.
    for entry in (tmp_path / "cache").glob("*.pickle"):
        assert str(tmp_path / "here").encode() not in entry.read_bytes()

    # And a pack made from relative paths (workspace, outputs and parameters), in another
    # current folder, finds every file: its kernel runs in the pack's own folder.
    shutil.copytree(default_parameters_dir(), tmp_path / "params")
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert main(["packs", "--workspace", "renamed", "--service", "street_cleansing",
                 "--outputs", "out", "--parameters", "../params", "--no-progress",
                 "--jobs", "1"]) == 0
    manifest = json.loads(next(Path("out").glob("*/manifest.json")).read_text(encoding="utf-8"))
    assert manifest["packs"]["street_cleansing"]["status"] == "ok"


# ---------------------------------------------------------------- allowances of the contract


def test_margins_for_one_wave_only_weight_that_wave_on_them(demo_copy):
    """ethnic_group given for the 2025 wave only: the other waves are not weighted on it."""
    def one_wave(frame: pd.DataFrame) -> pd.DataFrame:
        frame["wave"] = ""
        frame.loc[frame["variable"] == "ethnic_group", "wave"] = "2025"
        return frame
    edit(demo_copy, "population_margins.csv", one_wave)
    assert problems(demo_copy) == []
    ws = load_workspace(demo_copy, cache=False)
    margins_2023 = weight_wave(ws, "2023").diagnostics.margins
    assert "ethnic_group" not in set(margins_2023["variable"])
    assert "ethnic_group" in set(weight_wave(ws, "2025").diagnostics.margins["variable"])


def test_a_wave_with_its_own_categories_is_checked_against_them(demo_copy):
    def own_ages(frame: pd.DataFrame) -> pd.DataFrame:
        frame["wave"] = ""
        ages = frame[frame["variable"] == "age_band"].copy()
        ages["wave"] = "2024"
        ages["category"] = ages["category"].replace({"65+": "65 and over"})
        return pd.concat([frame, ages], ignore_index=True)
    edit(demo_copy, "population_margins.csv", own_ages)
    found = problems(demo_copy)
    assert len(found) == 1
    assert found[0].startswith("survey_responses.csv, column 'age_band', rows ")
    assert found[0].endswith(": value '65+' is not a category in population_margins.csv for wave "
                             "'2024' (found: '18-34', '35-54', '55-64', '65 and over'). Add the "
                             "category or recode it.")


def test_margins_given_as_shares_are_accepted_beside_counts(demo_copy):
    def sex_as_shares(frame: pd.DataFrame) -> pd.DataFrame:
        sex = frame["variable"] == "sex"
        counts = frame.loc[sex, "population"].astype(float)
        frame.loc[sex, "population"] = (counts / counts.sum()).round(4).astype(str)
        return frame
    edit(demo_copy, "population_margins.csv", sex_as_shares)
    assert problems(demo_copy) == []

    def wrong_count(frame: pd.DataFrame) -> pd.DataFrame:
        tenure = frame.index[frame["variable"] == "tenure"][0]
        frame.loc[tenure, "population"] = str(float(frame.loc[tenure, "population"]) + 20000)
        return frame
    edit(demo_copy, "population_margins.csv", wrong_count)
    (problem,) = problems(demo_copy)
    assert problem.startswith("population_margins.csv, column 'population': variable totals "
                              "differ by ")
    assert "sex" not in problem.split("(", 1)[1]  # the shares have no total to compare


# A wave is shown, never made a path or a parameter, so even "2023/../../x" is only a name.
@pytest.mark.parametrize("name", ["Autumn 2025", "W3 (online)", "2025/26 – résidents", "2023/../../x"])
def test_any_wave_name_on_one_line(demo_copy, name):
    for table in ("survey_waves.csv", "survey_responses.csv"):
        edit(demo_copy, table, lambda f: f.assign(wave=f["wave"].replace({"2025": name})))
    assert problems(demo_copy) == []
    ws = load_workspace(demo_copy, cache=False)
    assert len(weight_wave(ws, name).weights) == (ws.survey_responses["wave"] == name).sum()


def test_a_wave_name_with_a_line_break_is_refused(demo_copy):
    edit(demo_copy, "survey_waves.csv", lambda f: f.assign(wave=f["wave"].replace({"2025": "20\n25"})))
    assert problems(demo_copy)[0] == (
        "survey_waves.csv, column 'wave', row 4: value '20\\n25' is not a name of at most 80 "
        "characters on one line. Shorten it, and remove line breaks and tabs.")


def test_init_refuses_a_file_in_place_of_the_folder(tmp_path):
    (tmp_path / "ws").write_text("", encoding="utf-8")
    with pytest.raises(PmresearchError, match="is a file, not a folder"):
        init_workspace(tmp_path / "ws")


def test_validate_lists_each_source_with_its_role_and_warns_about_unmatched(demo_copy, capsys):
    def respell(frame: pd.DataFrame) -> pd.DataFrame:
        complaints = frame["source"] == "complaint"
        frame.loc[complaints, "source"] = "Stage 2 Complaint"
        frame.loc[frame.index[~complaints][0], "source"] = "Web form"
        return frame
    edit(demo_copy, "comments.csv", respell)
    complaints = int((read_table(demo_copy / "comments.csv")["source"] == "Stage 2 Complaint").sum())
    assert main(["validate", "--workspace", str(demo_copy)]) == 0
    out = capsys.readouterr().out.splitlines()
    start = out.index("Comment sources (settings.sources.roles in rules.yaml):")
    assert f"  'Stage 2 Complaint': {complaints:,} comments, counted as complaint" in out[start:]
    assert "  'Web form': 1 comment, counted as other (no pattern matched)" in out[start:]
    assert out[-1] == (
        "Warning: 1 source(s) matched no pattern and count as 'other', never as complaints, "
        "compliments or consultations: 'Web form'. Add a pattern for each to "
        "settings.sources.roles in the workspace's parameters/rules.yaml.")

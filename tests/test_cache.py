"""The workspace cache: reused for identical files, never stale after an edit."""

from __future__ import annotations

import shutil

import pandas as pd

from pmresearch import _cache
from pmresearch.workspace import default_parameters_dir, load_workspace


def test_a_second_load_of_identical_files_reads_the_cache(demo_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("PMRESEARCH_CACHE_DIR", str(tmp_path / "cache"))
    first = load_workspace(demo_copy)
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1
    second = load_workspace(demo_copy)
    pd.testing.assert_frame_equal(first.survey_responses, second.survey_responses)
    assert second.council == first.council


def test_an_edited_file_is_validated_and_loaded_afresh(demo_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("PMRESEARCH_CACHE_DIR", str(tmp_path / "cache"))
    assert load_workspace(demo_copy).wards.loc[1, "ward_name"] == "Brookside"
    wards = demo_copy / "wards.csv"
    wards.write_text(wards.read_text(encoding="utf-8").replace("Brookside", "Brookside Vale"),
                     encoding="utf-8")
    assert load_workspace(demo_copy).wards.loc[1, "ward_name"] == "Brookside Vale"


def test_an_unreadable_cache_entry_is_ignored(demo_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("PMRESEARCH_CACHE_DIR", str(tmp_path / "cache"))
    load_workspace(demo_copy)
    (entry,) = (tmp_path / "cache").glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert _cache.read(entry.stem) is None
    assert len(load_workspace(demo_copy).wards) == 20


def copied_parameters(folder):
    shutil.copytree(default_parameters_dir(), folder)
    return folder.resolve()


def test_a_moved_parameters_folder_reuses_the_entry_and_names_its_own_files(
        demo_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("PMRESEARCH_CACHE_DIR", str(tmp_path / "cache"))
    first = copied_parameters(tmp_path / "folder-q7x" / "parameters")
    second = copied_parameters(tmp_path / "folder-z9k" / "parameters")
    assert load_workspace(demo_copy, parameters_dir=first).parameters.directory == first
    ws = load_workspace(demo_copy, parameters_dir=second)
    # One entry: the second load read the first one's, and sees the folder it was given.
    (entry,) = (tmp_path / "cache").glob("*.pickle")
    assert ws.parameters.directory == second
    assert ws.files["parameters/rules.yaml"] == second / "rules.yaml"
    assert ws.files["parameters/lexicon.csv"] == second / "lexicon.csv"
    assert {ws.parameters.rules.file} | {rule.file for rule in ws.parameters.rules} == {
        str(second / "rules.yaml")}
    # The entry holds neither folder's location (a path pickles as its parts).
    stored = entry.read_bytes()
    assert [name for name in (b"folder-q7x", b"folder-z9k", tmp_path.name.encode())
            if name in stored] == []


def test_an_edited_parameter_file_is_read_afresh(demo_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("PMRESEARCH_CACHE_DIR", str(tmp_path / "cache"))
    folder = copied_parameters(tmp_path / "parameters")
    assert load_workspace(demo_copy, parameters_dir=folder).parameters.settings[
        "suppression"]["min_base"] == 50
    rules = folder / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("min_base: 50", "min_base: 60", 1),
                     encoding="utf-8")
    assert load_workspace(demo_copy, parameters_dir=folder).parameters.settings[
        "suppression"]["min_base"] == 60


def test_a_parameters_folder_inside_the_workspace_keeps_its_relative_names(
        demo_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("PMRESEARCH_CACHE_DIR", str(tmp_path / "cache"))
    copied_parameters(demo_copy / "defaults")
    load_workspace(demo_copy, parameters_dir=demo_copy / "defaults")
    moved = tmp_path / "moved"
    shutil.copytree(demo_copy, moved)
    ws = load_workspace(moved, parameters_dir=moved / "defaults")
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1
    assert ws.parameters.rules.file == "defaults/rules.yaml"
    assert ws.files["parameters/rules.yaml"] == moved.resolve() / "defaults" / "rules.yaml"


def test_a_coding_kept_by_pmresearch_code_is_read_back_not_coded_again(
        demo_ws, demo_copy, tmp_path, monkeypatch):
    from pmresearch.coding import coder

    coded = coder.coded_comments(demo_ws)  # the session's coding, whatever cache it came from
    monkeypatch.setenv("PMRESEARCH_CACHE_DIR", str(tmp_path / "cache"))
    coder.keep_coded(load_workspace(demo_copy), coded)

    def code_again(ws):
        raise AssertionError("the kept coding was not read back")

    monkeypatch.setattr(coder, "code_comments", code_again)
    again = coder.coded_comments(load_workspace(demo_copy))  # a fresh load of the same files
    pd.testing.assert_frame_equal(again.comments, coded.comments)
    assert again.model is None

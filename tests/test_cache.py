"""The workspace cache: reused for identical files, never stale after an edit."""

from __future__ import annotations

import pandas as pd

from pmresearch import _cache
from pmresearch.workspace import load_workspace


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

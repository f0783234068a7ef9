"""The installed package carries its data: demo workspace, default parameters, pack notebook."""

from __future__ import annotations

import importlib.metadata as metadata
import json

import pytest

import pmresearch

BUNDLED = [
    "pmresearch/demo/ashbrook/survey_responses.csv",
    "pmresearch/demo/ashbrook/council.yaml",
    "pmresearch/demo/ashbrook/SCENARIO.md",
    "pmresearch/_bundled/parameters/rules.yaml",
    "pmresearch/_bundled/parameters/codeframe.yaml",
    "pmresearch/_bundled/parameters/lexicon.csv",
    "pmresearch/_bundled/parameters/sentiment.yaml",
    "pmresearch/demo/ashbrook/parameters/codeframe.yaml",
    "pmresearch/demo/ashbrook/parameters/services/street_cleansing.yaml",
    "pmresearch/_bundled/notebooks/evidence_pack.ipynb",
]


def _editable() -> bool:
    direct_url = metadata.distribution("pmresearch").read_text("direct_url.json") or "{}"
    return bool(json.loads(direct_url).get("dir_info", {}).get("editable"))


def test_a_non_editable_install_carries_the_demo_parameters_and_notebook():
    if _editable():
        pytest.skip("pmresearch is installed in editable mode: its files stay in the source tree")
    installed = {f.as_posix() for f in metadata.files("pmresearch") or []}
    missing = [name for name in BUNDLED if name not in installed]
    assert missing == []


def test_console_script_is_declared():
    entry_points = metadata.entry_points(group="console_scripts", name="pmresearch")
    assert [ep.value for ep in entry_points] == ["pmresearch.cli:main"]


def test_public_names_are_exported():
    assert set(pmresearch.__all__) == {
        "OutputError", "PackError", "PeriodError", "PmresearchError", "RuleError",
        "SurveyDesign", "WeightingError",
        "Workspace", "WorkspaceError", "__version__", "check_workspace", "generate_demo",
        "load_workspace", "rake", "run_packs", "weight_all_waves", "weight_wave"}
    assert all(hasattr(pmresearch, name) for name in pmresearch.__all__)
    assert pmresearch.__version__ == metadata.version("pmresearch")

"""The pack settings that were judgements in code (issue 14): the comment window, the PI
history and which PIs are cost indicators live in rules.yaml, and a council's own rules.yaml
written before they existed still loads and gets the defaults."""

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pmresearch.errors import WorkspaceError
from pmresearch.linkage import comment_window
from pmresearch.parameters import load_parameters
from pmresearch.store._build import pack_settings
from pmresearch.store._performance import cost_indicator

PROJECT_PARAMETERS = Path(__file__).resolve().parents[1] / "parameters"


def _without_new_settings(rules: str) -> str:
    """rules.yaml as a council wrote it before: no packs section, no comment window."""
    rules = re.sub(r"\n  packs:\n(    .*\n|\s*\n)*?(?=  \w)", "\n", rules)
    return re.sub(r"\n(    #.*\n)*    comment_window_quarters: \d+\n", "\n", rules)


@pytest.fixture
def old_parameters(tmp_path):
    folder = tmp_path / "parameters"
    shutil.copytree(PROJECT_PARAMETERS, folder)
    rules = folder / "rules.yaml"
    rules.write_text(_without_new_settings(rules.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


def test_a_rules_file_without_the_new_settings_loads(old_parameters):
    settings = load_parameters(old_parameters).settings
    assert "packs" not in settings and "comment_window_quarters" not in settings["linkage"]


def test_left_out_pack_settings_take_their_defaults(old_parameters):
    class _Workspace:  # what pack_settings reads
        parameters = load_parameters(old_parameters)

    assert pack_settings(_Workspace()) == {
        "pi_history_quarters": 8, "cost_indicators": {"units": ["£"], "name_words": ["cost"]}}


def test_the_bundled_rules_file_states_the_defaults():
    settings = load_parameters(PROJECT_PARAMETERS).settings
    assert settings["packs"] == {"pi_history_quarters": 8,
                                 "cost_indicators": {"units": ["£"], "name_words": ["cost"]}}
    assert settings["linkage"]["comment_window_quarters"] == 4


def test_a_wrong_pack_setting_is_named(tmp_path):
    folder = tmp_path / "parameters"
    shutil.copytree(PROJECT_PARAMETERS, folder)
    rules = folder / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace(
        "pi_history_quarters: 8", "pi_history_quarters: 0"), encoding="utf-8")
    with pytest.raises(WorkspaceError, match=r"key 'settings\.packs\.pi_history_quarters' is 0"):
        load_parameters(folder)


@pytest.mark.parametrize("quarters, first_day", [(4, "2024-10-01"), (1, "2025-07-01"),
                                                  (2, "2025-04-01")])
def test_the_comment_window_runs_the_set_number_of_quarters_to_the_periods_end(
        quarters, first_day):
    class _Parameters:
        settings = {"linkage": {"comment_window_quarters": quarters}}

    class _Workspace:
        council = {"financial_year_start_month": 4}
        parameters = _Parameters()

    # 2025-26 Q2 ends on 30 September 2025 when the year starts in April.
    assert comment_window(_Workspace(), "2025-26 Q2") == (pd.Timestamp(first_day),
                                                         pd.Timestamp("2025-09-30"))


def test_cost_indicators_are_chosen_by_the_councils_words():
    pis = pd.DataFrame({"unit": ["£ per household", "%", "pence"],
                        "name": ["Waste spend", "Net Cost of libraries", "Unit price"]})
    assert cost_indicator(pis, {"units": ["£"], "name_words": ["cost"]}).tolist() == [
        True, True, False]
    assert cost_indicator(pis, {"units": ["pence"], "name_words": []}).tolist() == [
        False, False, True]

"""``validate`` catches what later stages used to crash on (issue 13, item 4).

Each case is tried on a copy of the demo and on a generated council (``tests/councils.py``,
every table written as CSV so a test can edit it): a wave listed before its fieldwork, an item
every respondent of a wave answered "don't know", design weights of 0 or below, and a period
the workspace holds no data for. Each asserts the whole message, the exit status of the
command, and that the stages after ``validate`` finish.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pmresearch import sections
from pmresearch._consistency import workspace_warnings
from pmresearch.periods import check_period, data_periods
from pmresearch.errors import PeriodError
from pmresearch.cli import main
from pmresearch.evidence import findings_for, gather_evidence
from pmresearch.store import open_store
from pmresearch.weighting import weight_all_waves
from pmresearch.workspace import check_workspace, load_workspace
from tests.councils import shape_from_seed, write_council

#: How ``pmresearch validate`` introduces the warnings of a valid workspace, after a count.
WARNINGS = "warning (the workspace is valid; its reports will show these gaps):"
#: A generated council with four waves named unlike the demo's ('2021', 'Spring 2022',
#: 'T3_2023', '2024'), design weights, and services whose items only one age band was asked.
SEED = 6


# ---------------------------------------------------------------- workspaces


def _read(folder: Path, stem: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{stem}.csv", dtype=str, keep_default_na=False)


def _write(folder: Path, stem: str, frame: pd.DataFrame) -> None:
    frame.to_csv(folder / f"{stem}.csv", index=False, lineterminator="\n")


def _council_yaml(folder: Path) -> dict:
    return yaml.safe_load((folder / "council.yaml").read_text(encoding="utf-8"))


@pytest.fixture(params=["demo", "generated"])
def council(request, demo_copy: Path, tmp_path: Path) -> Path:
    """A writable council: the demo, or a generated one with every table as CSV."""
    if request.param == "demo":
        return demo_copy
    shape = shape_from_seed(SEED)
    shape = replace(shape, formats=tuple((stem, "utf-8") for stem, _ in shape.formats))
    return write_council(tmp_path / "generated", shape, SEED)


def _quarter_end(period: str, start_month: int) -> dt.date:
    """The last day of a financial quarter, worked out here rather than by the package."""
    first_year, quarter = int(period[:4]), int(period[-1])
    months = start_month - 1 + 3 * quarter - 1  # months from January of the first year
    year, month = first_year + months // 12, months % 12 + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _pi_range(folder: Path) -> tuple[str, str]:
    # Labels 'YYYY-YY Qn' sort in time order.
    periods = sorted(set(_read(folder, "pi_values")["period"]))
    return periods[0], periods[-1]


def _survey_sections(store, service_id: str) -> dict[str, str]:
    """Every survey section of a pack for the service, as the HTML or Markdown it shows."""
    shown = {}
    for name in ("satisfaction_by_wave", "change_since_last_wave", "ward_breakdown",
                 "equality_breakdown", "ward_linkage", "ward_scatter", "service_summary",
                 "residents_and_performance"):
        block = getattr(sections, name)(store, service_id)
        shown[name] = block.to_html() if hasattr(block, "to_html") else str(block.data)
    block = sections.weighting_quality(store)
    shown["weighting_quality"] = block.to_html() if hasattr(block, "to_html") else block.data
    return shown


# ---------------------------------------------------------------- a wave not yet fielded


def test_a_wave_without_responses_is_a_warning_and_every_stage_leaves_it_out(
        council, demo_workspace, tmp_path, capsys):
    waves = _read(council, "survey_waves")
    current = _council_yaml(council)["current_period"]
    month = _council_yaml(council)["financial_year_start_month"]
    # Its fieldwork ends on the last day of the current quarter, so it is the wave the quarter
    # would report if it had responses: the case that used to fail.
    end = _quarter_end(current, month).isoformat()
    new = "Next wave (planned)"
    _write(council, "survey_waves", pd.concat([waves, pd.DataFrame([{
        **waves.iloc[-1].to_dict(), "wave": new, "fieldwork_start": end, "fieldwork_end": end}])]))

    assert check_workspace(council) == []
    ws = load_workspace(council, cache=False)
    warning = (f"survey_waves.csv: wave '{new}' has no respondents in survey_responses.csv "
               "(expected some once its fieldwork is done); weighting, evidence and packs leave "
               "it out until then. Nothing to do if its fieldwork is still to come; otherwise "
               "add its responses or correct the wave's name.")
    assert [str(w) for w in workspace_warnings(ws)] == [warning]
    assert main(["validate", "--workspace", str(council)]) == 0
    out = capsys.readouterr().out
    assert f"{new} (0 respondents)" in out
    assert out.endswith(f"\n1 {WARNINGS}\n  - {warning}\n")

    weighted = weight_all_waves(ws)
    assert weighted.notes == (f"Wave '{new}' of survey_waves.csv has no respondents yet: not "
                              "weighted. It is weighted once its responses are in "
                              "survey_responses.csv.",)
    assert weighted.diagnostics["wave"].tolist() == waves["wave"].tolist()
    assert main(["weight", "--workspace", str(council), "--out", str(tmp_path / "w")]) == 0

    assert main(["evidence", "--workspace", str(council), "--out", str(tmp_path / "e")]) == 0
    service = _read(council, "services").query("survey_items != ''")["service_id"].iloc[0]
    # pmresearch evidence writes the period's evidence store beside its CSVs.
    store = open_store(tmp_path / "e" / "store")
    assert store.period == current
    shown = _survey_sections(store, service)
    note = f"Survey wave &#x27;{new}&#x27; is in survey_waves.csv but has no responses yet"
    assert note in shown["satisfaction_by_wave"]
    assert new not in shown["weighting_quality"]
    if council.name == "ashbrook":  # nothing the demo reports changes
        pd.testing.assert_frame_equal(
            findings_for(ws, current),
            findings_for(load_workspace(demo_workspace), current))


# ---------------------------------------------------------------- no valid answers


def test_an_item_answered_only_dont_know_in_a_wave_is_a_warning_and_shows_no_valid_answers(
        council, tmp_path, capsys):
    services, waves = _read(council, "services"), _read(council, "survey_waves")
    responses = _read(council, "survey_responses")
    current = _council_yaml(council)["current_period"]
    end = _quarter_end(current, _council_yaml(council)["financial_year_start_month"])
    service = services.query("survey_items != ''").iloc[0]
    item = service["survey_items"].split(";")[0].strip()  # the service's headline item
    # The latest wave by the current quarter's end that asked the item: the one it reports.
    ended = waves[pd.to_datetime(waves["fieldwork_end"]).dt.date <= end]
    asked = [w for w in ended.sort_values("fieldwork_end")["wave"]
             if (responses.loc[responses["wave"] == w, item] != "").any()]
    wave = asked[-1]
    answers = (responses["wave"] == wave) & (responses[item] != "")
    responses.loc[answers, item] = "9"
    _write(council, "survey_responses", responses)
    items_file = council / "survey_items.csv"
    points = (int(_read(council, "survey_items").set_index("item").at[item, "scale_points"])
              if items_file.exists() else 5)

    assert check_workspace(council) == []
    ws = load_workspace(council, cache=False)
    warning = (f"survey_responses.csv, column '{item}': wave '{wave}' has no valid answers to "
               f"this item (all {answers.sum():,} answers are 9 = don't know); expected at "
               f"least one answer from 1 to {points}. Check the wave's coding of the item. If "
               "it is right, the packs show 'no valid answers' for the item in that wave.")
    assert [str(w) for w in workspace_warnings(ws)] == [warning]
    assert main(["validate", "--workspace", str(council)]) == 0
    assert capsys.readouterr().out.endswith(f"\n1 {WARNINGS}\n  - {warning}\n")

    out = tmp_path / "evidence"
    assert main(["evidence", "--workspace", str(council), "--out", str(out)]) == 0
    table = pd.read_csv(out / "evidence_table.csv", dtype=str, keep_default_na=False)
    row = table[(table["service_id"] == service["service_id"]) & (table["period"] == current)]
    assert row[["wave", "pct_satisfied", "n_unweighted", "satisfaction_base_note"]].values.tolist() \
        == [[wave, "", "0", "no valid answers"]]

    store = open_store(out / "store")  # written by pmresearch evidence
    assert store.period == current
    shown = _survey_sections(store, service["service_id"])
    by_wave = sections.satisfaction_by_wave(store, service["service_id"]).data
    question = ws.survey_items.set_index("item").at[item, "question"]
    mine = by_wave[(by_wave["Wave"] == wave) & (by_wave["Question"] == question)]
    assert mine["Note"].tolist() == ["no valid answers"]
    assert mine["% satisfied"].isna().all() and mine["Base (unweighted)"].tolist() == [0]
    assert "no valid answers" in shown["satisfaction_by_wave"]
    assert "**no valid answers** (base 0)" in shown["service_summary"]
    for name, text in shown.items():  # no NaN shown as text (charts' base64 data aside)
        assert not re.search(r"\bnan\b", text.split("base64")[0], re.IGNORECASE), name


# ---------------------------------------------------------------- design weights


def test_design_weights_of_zero_or_below_are_problems_at_their_spreadsheet_rows(
        demo_copy, tmp_path, capsys):
    responses = _read(demo_copy, "survey_responses")
    responses["design_weight"] = "1.25"
    responses.loc[[6, 40], "design_weight"] = ["0", "-0.5"]
    lines = responses.to_csv(index=False, lineterminator="\n").splitlines(keepends=True)
    # A note under the header, as `pmresearch init` writes: spreadsheet row 2, skipped, so
    # data row k (from 0) is spreadsheet row k + 3.
    note = "# one row per respondent" + "," * (len(responses.columns) - 1) + "\n"
    (demo_copy / "survey_responses.csv").write_text(lines[0] + note + "".join(lines[1:]),
                                                    encoding="utf-8")
    message = ("survey_responses.csv, column 'design_weight', rows 9, 43: values '0', '-0.5' "
               "are not above 0; expected a positive design weight. Correct the weights: a "
               "respondent who should not count is left out of the file, not weighted 0.")
    assert [str(p) for p in check_workspace(demo_copy)] == [message]
    assert main(["validate", "--workspace", str(demo_copy)]) == 1
    assert capsys.readouterr().out == f"1 problem found:\n  - {message}\n"
    assert main(["weight", "--workspace", str(demo_copy), "--out", str(tmp_path / "w")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "w" / "weights.csv").exists()


def test_a_wave_weighted_0_throughout_is_named(council, capsys):
    responses = _read(council, "survey_responses")
    wave = _read(council, "survey_waves")["wave"].iloc[-1]
    responses["design_weight"] = "2"
    in_wave = responses["wave"] == wave
    responses.loc[in_wave, "design_weight"] = "0"
    _write(council, "survey_responses", responses)
    rows = [str(k + 2) for k in responses.index[in_wave]]  # header is row 1
    shown = ", ".join(rows[:10]) + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
    message = (f"survey_responses.csv, column 'design_weight', rows {shown}: value '0' is not "
               f"above 0 (every weight of wave '{wave}'); expected a positive design weight. "
               "Correct the weights: a respondent who should not count is left out of the "
               "file, not weighted 0.")
    assert [str(p) for p in check_workspace(council)] == [message]
    assert main(["validate", "--workspace", str(council)]) == 1
    assert message in capsys.readouterr().out


def test_a_blank_design_weight_among_filled_ones_is_a_problem(council):
    responses = _read(council, "survey_responses")
    responses["design_weight"] = "0.8"
    responses.loc[3, "design_weight"] = ""
    _write(council, "survey_responses", responses)
    assert [str(p) for p in check_workspace(council)] == [
        "survey_responses.csv, column 'design_weight', row 5: blank while other rows have a "
        "design weight; expected a weight in every row, or none for equal weights. Fill in the "
        "missing weights, or empty the whole column."]


def test_design_weights_all_blank_mean_equal_weights(council):
    responses = _read(council, "survey_responses")
    responses["design_weight"] = ""
    _write(council, "survey_responses", responses)
    assert check_workspace(council) == []


# ---------------------------------------------------------------- periods


def test_a_period_outside_the_data_is_refused_with_the_quarters_there_are(council, tmp_path,
                                                                          capsys):
    first, last = _pi_range(council)
    ws = load_workspace(council, cache=False)
    outside = (f"--period: '2030-31 Q1' is outside the data: pi_values.csv covers {first} to "
               f"{last}. Use a quarter in that range, or add the data to pi_values.csv.")
    with pytest.raises(PeriodError) as raised:
        check_period(ws, "2030-31 Q1")
    assert str(raised.value) == outside
    assert check_period(ws, first) == first and check_period(ws, last) == last
    assert check_period(ws) == _council_yaml(council)["current_period"]

    assert main(["evidence", "--workspace", str(council), "--period", "2030-31 Q1",
                 "--out", str(tmp_path / "e")]) == 2
    assert capsys.readouterr().err == f"pmresearch evidence: {outside}\n"
    assert main(["packs", "--workspace", str(council), "--period", "2030-31 Q1",
                 "--outputs", str(tmp_path / "packs"), "--no-progress"]) == 2
    assert capsys.readouterr().err == f"pmresearch packs: {outside}\n"
    assert not list((tmp_path / "packs").glob("*/*/evidence_pack.html"))
    with pytest.raises(PeriodError, match=r"^period: '2030-31 Q1' is outside the data: "):
        gather_evidence(ws, "2030-31 Q1")


@pytest.mark.parametrize("period, why", [
    ("Q2 2025", "is not a financial quarter like '2025-26 Q2' (second year = first + 1, "
                "quarter Q1–Q4)"),
    ("2025-26 Q5", "is not a financial quarter like '2025-26 Q2' (second year = first + 1, "
                   "quarter Q1–Q4): there is no quarter 5"),
])
def test_a_period_that_is_not_a_quarter_is_refused_with_the_form_and_the_range(
        demo_copy, tmp_path, capsys, period, why):
    first, last = _pi_range(demo_copy)
    message = f"--period: {period!r} {why}. Use a quarter from {first} to {last}."
    with pytest.raises(PeriodError) as raised:
        check_period(load_workspace(demo_copy), period)
    assert str(raised.value) == message
    assert main(["evidence", "--workspace", str(demo_copy), "--period", period,
                 "--out", str(tmp_path / "e")]) == 2
    assert capsys.readouterr().err == f"pmresearch evidence: {message}\n"


def _set_current(folder: Path, period: str) -> None:
    council = _council_yaml(folder)
    council["current_period"] = period
    (folder / "council.yaml").write_text(yaml.safe_dump(council), encoding="utf-8")


def test_a_current_period_beyond_the_data_is_a_warning_and_packs_refuse_it(
        council, tmp_path, capsys):
    first, last = _pi_range(council)
    _set_current(council, "2030-31 Q1")
    assert check_workspace(council) == []
    ws = load_workspace(council, cache=False)
    warning = (f"council.yaml: current_period '2030-31 Q1' is outside the data (pi_values.csv "
               f"covers {first} to {last}); packs and evidence refuse it. Correct "
               "current_period, or add the data.")
    assert [str(w) for w in workspace_warnings(ws)] == [warning]
    assert main(["validate", "--workspace", str(council)]) == 0
    assert capsys.readouterr().out.endswith(f"\n1 {WARNINGS}\n  - {warning}\n")
    assert main(["packs", "--workspace", str(council), "--outputs", str(tmp_path / "packs"),
                 "--no-progress"]) == 2
    assert capsys.readouterr().err == (
        f"pmresearch packs: council.yaml, current_period: '2030-31 Q1' is outside the data: "
        f"pi_values.csv covers {first} to {last}. Correct current_period in council.yaml, give "
        "--period a quarter in that range, or add the data to pi_values.csv.\n")


def test_a_current_period_within_a_year_after_the_data_is_reported(demo_copy):
    # The quarter's values may still be coming in, and an annual value stands for a year.
    _, last = _pi_range(demo_copy)
    year, quarter = int(last[:4]), int(last[-1])
    after = [f"{y}-{(y + 1) % 100:02d} Q{q}" for y, q in
             ((year + (quarter + k - 1) // 4, (quarter + k - 1) % 4 + 1) for k in (1, 3, 4))]
    _set_current(demo_copy, after[1])  # three quarters on: still reported
    ws = load_workspace(demo_copy, cache=False)
    assert check_period(ws) == after[1] and check_period(ws, after[0]) == after[0]
    assert data_periods(ws)[1] == after[1]
    assert workspace_warnings(ws) == []
    _set_current(demo_copy, after[2])  # four quarters on: outside
    ws = load_workspace(demo_copy, cache=False)
    with pytest.raises(PeriodError, match=rf"^council.yaml, current_period: '{after[2]}' is "
                                          r"outside the data: pi_values.csv covers "):
        check_period(ws)
    assert [w.file for w in workspace_warnings(ws)] == ["council.yaml"]

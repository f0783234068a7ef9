"""Loading and validating a council workspace: every kind of problem, reported in full.

Each test breaks a copy of the Ashbrook demo workspace in one way and asserts the whole text of
the problem it must produce. Rows are spreadsheet rows: the header is row 1, so the demo's first
data row (index 0) is row 2.
"""

from __future__ import annotations

import csv

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

import pmresearch
from pmresearch import _resources
from pmresearch.demo import DEMO_WORKSPACE, _ashbrook
from pmresearch.errors import Problem, WorkspaceError
from pmresearch.workspace import (
    DEMO_WORKSPACE, check_workspace, default_parameters_dir, find_table, load_parameters,
    load_workspace, parse_period, period_end, period_slug, read_table,
)

PROJECT_PARAMETERS = Path(pmresearch.__file__).resolve().parents[1] / "parameters"


def edit(workspace: Path, name: str, change) -> None:
    """Rewrite a CSV of the workspace through ``change(frame) -> frame`` (all cells strings)."""
    frame = change(read_table(workspace / name))
    frame.to_csv(workspace / name, index=False, lineterminator="\n")


def set_cell(row: int, column: str, value: str):
    """A change setting one cell; ``row`` is the 0-based position (spreadsheet row − 2)."""
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, column] = value
        return frame
    return change


def append_copy_of(row: int, **values: str):
    """A change appending a copy of one row, with some cells changed."""
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        copy = frame.iloc[[row]].assign(**values)
        return pd.concat([frame, copy], ignore_index=True)
    return change


def problems(workspace: Path, **kwargs) -> list[str]:
    return [str(p) for p in check_workspace(workspace, **kwargs)]


def override_parameter(workspace: Path, relative: str, change) -> None:
    """Ship a changed copy of the demo's own parameter file, or else of the default one, in the
    workspace's parameters/ folder."""
    target = workspace / "parameters" / relative
    own = DEMO_WORKSPACE / "parameters" / relative
    source = own if own.is_file() else default_parameters_dir() / relative
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(change(data), sort_keys=False), encoding="utf-8")


# ---------------------------------------------------------------- the demo and typed tables


def test_demo_workspace_has_no_problems(demo_workspace):
    assert check_workspace(demo_workspace) == []


def test_tables_are_typed_and_keep_their_order(demo_workspace):
    ws = load_workspace(demo_workspace)
    assert ws.wards["ward_code"].tolist() == _ashbrook.WARD_CODES  # file order, nothing sorted
    assert ws.wards["adult_population"].dtype == "float64"
    assert ws.wards["imd_quintile"].dtype == "Int64"
    assert pd.api.types.is_string_dtype(ws.wards["ward_name"])
    assert ws.survey_waves["fieldwork_start"].dtype.kind == "M"
    assert ws.survey_waves["target_sample"].dtype == "Int64"
    assert ws.survey_items["scale_points"].dtype == "Int64"
    assert ws.survey_responses["sat_area"].dtype == "Int64"
    assert ws.survey_responses["trust"].dtype == "Int64"
    assert ws.survey_responses["used_library_12m"].dtype == "boolean"
    assert ws.indicators["is_key"].dtype == "bool"
    assert ws.indicators["tolerance"].dtype == "float64"
    assert ws.pi_values["value"].dtype == "float64"
    assert ws.pi_values["period_end"].dtype.kind == "M"
    assert ws.benchmarks["n"].dtype == "Int64"
    assert ws.comments["date"].dtype.kind == "M"
    # Blank text stays "" and extra columns are kept as they are.
    assert (ws.pi_values["ward_code"] == "").sum() > 0
    assert pd.api.types.is_string_dtype(ws.comments["campaign_group"])
    # The first respondent as the csv module reads the file: codes as written, blank = not asked.
    with open(demo_workspace / "survey_responses.csv", encoding="utf-8", newline="") as handle:
        raw = next(csv.DictReader(handle))
    first = ws.survey_responses.iloc[0]
    for item in ("sat_area", "sat_libraries", "sat_recycling", "trust"):
        assert (pd.isna(first[item]) and raw[item] == "") or first[item] == int(raw[item])
    assert ws.indicators["is_key"].tolist()[:4] == [False, False, True, False]  # WR03 is key


def test_booleans_accept_yes_no_and_one_zero_in_any_case(demo_copy):
    edit(demo_copy, "indicators.csv", lambda f: f.assign(
        is_key=["YES", "no", "1", "0", "True", "FALSE"] * 5))
    ws = load_workspace(demo_copy)
    assert ws.indicators["is_key"].tolist() == [True, False, True, False, True, False] * 5


def test_summary_counts_the_workspace(demo_workspace):
    counts = ", ".join(f"{wave} ({n:,} respondents)" for wave, *_, n in _ashbrook.WAVES)
    ws = load_workspace(demo_workspace)
    assert ws.summary() == (
        "Ashbrook Borough Council: current period 2025-26 Q2 (financial year starts in month 4)\n"
        "  20 wards\n"
        f"  3 survey waves: {counts}\n"
        f"  8 services, 30 performance indicators, {len(ws.pi_values):,} PI values\n"
        f"  {len(ws.comments):,} comments ({len(ws.hand_coded):,} hand-coded)")


def test_files_lists_every_input_read(demo_workspace):
    ws = load_workspace(demo_workspace)
    assert ws.files["wards.csv"] == demo_workspace / "wards.csv"
    assert ws.files["council.yaml"] == demo_workspace / "council.yaml"
    assert ws.files["parameters/rules.yaml"] == default_parameters_dir() / "rules.yaml"
    assert "parameters/services/parks.yaml" in ws.files
    assert "parameters/codeframe.yaml" in ws.files


# ---------------------------------------------------------------- files


def test_missing_required_file(demo_copy):
    (demo_copy / "wards.csv").unlink()
    assert problems(demo_copy) == [
        "wards.csv: file not found (looked for wards.csv and wards.xlsx). Add the table, one row "
        "per ward (columns in docs/workspace.md)."]


def test_optional_files_may_be_absent_and_items_default_to_five_points(demo_copy):
    (demo_copy / "hand_coded.csv").unlink()
    (demo_copy / "survey_items.csv").unlink()
    ws = load_workspace(demo_copy)
    assert ws.hand_coded is None
    service_items = ["sat_waste", "sat_recycling", "sat_street_clean", "sat_parks",
                     "sat_libraries", "sat_leisure", "sat_roads", "sat_pavements"]
    assert ws.survey_items["item"].tolist() == service_items
    assert ws.survey_items["scale_points"].tolist() == [5] * 8
    assert ws.survey_responses["sat_waste"].dtype == "Int64"


def test_both_csv_and_xlsx_of_a_table(demo_copy):
    read_table(demo_copy / "wards.csv").to_excel(demo_copy / "wards.xlsx", index=False)
    message = ("wards.csv: both wards.csv and wards.xlsx exist; expected one. Delete or rename "
               "the one that is out of date.")
    assert problems(demo_copy) == [message]
    with pytest.raises(WorkspaceError) as error:
        find_table(demo_copy, "wards")
    assert [str(p) for p in error.value.problems] == [message]


def test_file_with_header_but_no_rows(demo_copy):
    edit(demo_copy, "wards.csv", lambda f: f.iloc[0:0])
    assert problems(demo_copy) == ["wards.csv: no data rows (only a header). Add one row per ward."]


def test_empty_file(demo_copy):
    (demo_copy / "comments.csv").write_bytes(b"")
    assert problems(demo_copy) == [
        "comments.csv: the file is empty (no header row). Add a header row and one row per comment."]


def test_blank_rows_are_skipped_but_row_numbers_stay_as_in_excel(demo_copy):
    path = demo_copy / "wards.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(2, ",,,,\n")  # a blank row 3 after AB01; AB02 moves to row 4
    lines[3] = lines[3].replace("12118", "-12118")
    path.write_text("".join(lines), encoding="utf-8")
    assert problems(demo_copy) == [
        "wards.csv, column 'adult_population', row 4: value '-12118' is negative; expected 0 or "
        "more. Correct the values."]


def test_unreadable_files(demo_copy):
    (demo_copy / "council.yaml").write_text("", encoding="utf-8")
    (demo_copy / "wards.csv").unlink()
    (demo_copy / "wards.xlsx").write_bytes(b"not a workbook")
    with (demo_copy / "services.csv").open("a", encoding="utf-8") as services:
        services.write("parks_extra,Parks,Environment,,,Environment,surplus\n")
    with (demo_copy / "benchmarks.csv").open("ab") as benchmarks:
        benchmarks.write(b"\x81\x8d\n")  # bytes that neither UTF-8 nor Windows-1252 can decode
    assert problems(demo_copy) == [
        "council.yaml: the file holds nothing; expected a mapping of 'name', 'current_period', "
        "'financial_year_start_month'. Correct the YAML structure.",
        "wards.xlsx: cannot be read: not an Excel workbook (File is not a zip file). Save it again "
        "from Excel (as .xlsx or CSV UTF-8).",
        "services.csv, row 10: 7 cells where the header has 6. Put double quotes around a cell "
        "that holds a comma, or remove the extra commas.",
        "benchmarks.csv: cannot be decoded as UTF-8 or Windows-1252 text. Save it from Excel as "
        "'CSV UTF-8'."]


def test_missing_required_column(demo_copy):
    edit(demo_copy, "wards.csv", lambda f: f.rename(columns={"adult_population": "population"}))
    assert problems(demo_copy) == [
        "wards.csv: column 'adult_population' is missing (found: 'ward_code', 'ward_name', "
        "'population', 'imd_quintile', 'urban_rural'). Rename the column or add it (see "
        "docs/workspace.md)."]


def test_blank_required_value(demo_copy):
    edit(demo_copy, "wards.csv", set_cell(3, "ward_name", " "))
    assert problems(demo_copy) == [
        "wards.csv, column 'ward_name', row 5: blank; expected a value in every row. Fill in the "
        "missing values."]


# ---------------------------------------------------------------- duplicates


@pytest.mark.parametrize("name, change, expected", [
    ("wards.csv", append_copy_of(0),
     "wards.csv, column 'ward_code', rows 2, 22: duplicate ward_code 'AB01'. Give each ward one row."),
    ("survey_waves.csv", append_copy_of(0),
     "survey_waves.csv, column 'wave', rows 2, 5: duplicate wave '2023'. Give each survey wave one row."),
    ("survey_responses.csv", set_cell(1, "respondent_id", "R2023-0001"),
     "survey_responses.csv, column 'respondent_id', rows 2, 3: duplicate respondent_id 'R2023-0001' "
     "(wave '2023'). Give each respondent in a wave one row."),
    ("services.csv", append_copy_of(0),
     "services.csv, column 'service_id', rows 2, 10: duplicate service_id 'waste_recycling'. Give "
     "each service one row."),
    ("indicators.csv", append_copy_of(0),
     "indicators.csv, column 'pi_id', rows 2, 32: duplicate pi_id 'WR01'. Give each performance "
     "indicator one row."),
    ("population_margins.csv", append_copy_of(0, population="0"),
     "population_margins.csv, column 'category', rows 2, 36: duplicate category 'AB01' (variable "
     "'ward_code'). Give each category of a weighting variable one row."),
    ("comments.csv", set_cell(1, "comment_id", "C00001"),
     "comments.csv, column 'comment_id', rows 2, 3: duplicate comment_id 'C00001'. Give each "
     "comment one row."),
])
def test_duplicate_ids(demo_copy, name, change, expected):
    edit(demo_copy, name, change)
    assert expected in problems(demo_copy)


def test_duplicate_pi_value_for_the_same_period_and_ward(demo_copy):
    values = read_table(demo_copy / "pi_values.csv")
    ward_row = int(values.index[values["ward_code"] != ""][0])
    ward, period = values.loc[ward_row, "ward_code"], values.loc[ward_row, "period"]
    edit(demo_copy, "pi_values.csv", lambda f: pd.concat([f, f.iloc[[0, ward_row]]], ignore_index=True))
    last = len(values) + 1  # spreadsheet row of the last original row
    assert problems(demo_copy) == [
        f"pi_values.csv, column 'pi_id', rows 2, {ward_row + 2}, {last + 1}, {last + 2}: duplicate "
        f"pi_id values 'WR01' (period '2022-23 Q1'), {values.loc[ward_row, 'pi_id']!r} (period "
        f"{period!r}, ward_code {ward!r}). Give each indicator × quarter (× ward) one row."]


# ---------------------------------------------------------------- references


@pytest.mark.parametrize("name, change, expected", [
    ("survey_responses.csv", set_cell(0, "wave", "2099"),
     "survey_responses.csv, column 'wave', row 2: value '2099' is not listed in column 'wave' of "
     "survey_waves.csv. Add the wave to survey_waves.csv or correct it."),
    ("services.csv", set_cell(0, "survey_items", "sat_waste;sat_bins"),
     "services.csv, column 'survey_items', row 2: value 'sat_bins' is not listed in column 'item' "
     "of survey_items.csv. Correct the item names (separate them with ';')."),
    ("services.csv", set_cell(0, "key_pi", "WR99"),
     "services.csv, column 'key_pi', row 2: value 'WR99' is not listed in column 'pi_id' of "
     "indicators.csv. Correct the key_pi, or leave it blank."),
    ("services.csv", set_cell(0, "key_pi", "SC01"),
     "services.csv, column 'key_pi', row 2: key_pi 'SC01' belongs to service 'street_cleansing' "
     "in indicators.csv, not 'waste_recycling'. Choose one of the service's own indicators "
     "('WR01', 'WR02', 'WR03', 'WR04')."),
    ("indicators.csv", set_cell(0, "service_id", "waste"),
     "indicators.csv, column 'service_id', row 2: value 'waste' is not listed in column "
     "'service_id' of services.csv. Add the service to services.csv or correct the id."),
    ("pi_values.csv", set_cell(0, "pi_id", "XX01"),
     "pi_values.csv, column 'pi_id', row 2: value 'XX01' is not listed in column 'pi_id' of "
     "indicators.csv. Add the indicator to indicators.csv or correct the id."),
    ("pi_values.csv", set_cell(0, "ward_code", "AB99"),
     "pi_values.csv, column 'ward_code', row 2: value 'AB99' is not listed in column 'ward_code' "
     "of wards.csv. Correct the code, or leave it blank for a borough value."),
    ("benchmarks.csv", set_cell(0, "pi_id", "XX01"),
     "benchmarks.csv, column 'pi_id', row 2: value 'XX01' is not listed in column 'pi_id' of "
     "indicators.csv. Add the indicator to indicators.csv or correct the id."),
    ("comments.csv", set_cell(0, "service_id", "bins"),
     "comments.csv, column 'service_id', row 2: value 'bins' is not listed in column 'service_id' "
     "of services.csv. Correct the id, or leave it blank for a cross-cutting comment."),
    ("comments.csv", set_cell(0, "ward_code", "AB99"),
     "comments.csv, column 'ward_code', row 2: value 'AB99' is not listed in column 'ward_code' of "
     "wards.csv. Correct the code, or leave it blank."),
    ("hand_coded.csv", set_cell(0, "comment_id", "C99999"),
     "hand_coded.csv, column 'comment_id', row 2: value 'C99999' is not listed in column "
     "'comment_id' of comments.csv. Correct the id or remove the row."),
    ("hand_coded.csv", set_cell(1, "themes", "W1;W9;Q1"),
     "hand_coded.csv, column 'themes', row 3: values 'W9', 'Q1' are not listed in "
     "parameters/codeframe.yaml. Use codes from the code frame, separated by ';'."),
])
def test_unknown_references(demo_copy, name, change, expected):
    edit(demo_copy, name, change)
    assert problems(demo_copy) == [expected]


def test_unknown_ward_is_missing_from_wards_and_from_the_margins(demo_copy):
    edit(demo_copy, "survey_responses.csv", set_cell(0, "ward_code", "AB99"))
    wards = ", ".join(repr(code) for code in _ashbrook.WARD_CODES)
    assert problems(demo_copy) == [
        "survey_responses.csv, column 'ward_code', row 2: value 'AB99' is not listed in column "
        "'ward_code' of wards.csv. Add the ward to wards.csv or correct the code.",
        "survey_responses.csv, column 'ward_code', row 2: value 'AB99' is not a category in "
        f"population_margins.csv (found: {wards}). Add the category or recode it."]


def test_margin_variable_must_be_a_response_column(demo_copy):
    edit(demo_copy, "population_margins.csv",
         lambda f: f.assign(variable=f["variable"].replace("tenure", "housing")))
    columns = read_table(demo_copy / "survey_responses.csv").columns
    shown = ", ".join(repr(c) for c in columns[:12])
    assert problems(demo_copy) == [
        "population_margins.csv, column 'variable', rows 33, 34, 35: value 'housing' is not listed "
        f"in the columns of survey_responses.csv (found: {shown} and {len(columns) - 12} more). "
        "Name the response column each variable weights (ward_code for wards)."]


# ---------------------------------------------------------------- survey values and margins


def test_survey_category_absent_from_the_margins(demo_copy):
    edit(demo_copy, "survey_responses.csv",
         lambda f: set_cell(2, "age_band", "85+")(set_cell(0, "age_band", "85+")(f)))
    assert problems(demo_copy) == [
        "survey_responses.csv, column 'age_band', rows 2, 4: value '85+' is not a category in "
        "population_margins.csv (found: '18-34', '35-54', '55-64', '65+'). Add the category or "
        "recode it."]


def test_margin_category_without_respondents_is_not_a_problem(demo_copy):
    edit(demo_copy, "population_margins.csv", append_copy_of(24, category="Other", population="0"))
    assert check_workspace(demo_copy) == []


def test_wave_specific_margins_replace_the_general_ones_for_that_wave(demo_copy):
    def change(frame):
        frame = frame.assign(wave="")
        own = frame[frame["variable"] == "age_band"].assign(wave="2025")
        own["category"] = own["category"].replace("65+", "65-74")
        return pd.concat([frame, own], ignore_index=True)
    edit(demo_copy, "population_margins.csv", change)
    responses = read_table(demo_copy / "survey_responses.csv")
    older_2025 = (responses["wave"] == "2025") & (responses["age_band"] == "65+")
    expected = Problem(
        "survey_responses.csv", "value '65+' is not a category in population_margins.csv for wave "
        "'2025' (found: '18-34', '35-54', '55-64', '65-74')", "Add the category or recode it.",
        column="age_band", rows=tuple(int(i) + 2 for i in responses.index[older_2025]))
    assert problems(demo_copy) == [str(expected)]


def test_item_codes_outside_the_scale(demo_copy):
    def change(frame):
        frame.loc[0, "trust"] = "5"       # trust is a 4-point item
        frame.loc[1, "sat_area"] = "7"
        frame.loc[2, "sat_area"] = "x"
        frame.loc[3, "sat_area"] = "9"    # don't know is valid on every item
        return frame
    edit(demo_copy, "survey_responses.csv", change)
    assert problems(demo_copy) == [
        "survey_responses.csv, column 'sat_area', rows 3, 4: values '7', 'x' are off the 5-point "
        "scale of this item (expected 1–5, 9 = don't know, or blank). Recode them, or correct the "
        "item's scale_points in survey_items.csv.",
        "survey_responses.csv, column 'trust', row 2: value '5' is off the 4-point scale of this "
        "item (expected 1–4, 9 = don't know, or blank). Recode them, or correct the item's "
        "scale_points in survey_items.csv."]


def test_margin_totals_that_disagree(demo_copy):
    # Female 107,070 → 117,070: sex totals 219,942 against 209,942, (219942 − 209942) / 219942 = 4.5%.
    edit(demo_copy, "population_margins.csv", set_cell(24, "population", "117070"))
    assert problems(demo_copy) == [
        "population_margins.csv, column 'population': variable totals differ by 4.5% (ward_code "
        "209,942; age_band 209,942; sex 219,942; ethnic_group 209,942; tenure 209,942); expected "
        "every variable to total the same population within 0.5%. Correct the populations so each "
        "variable adds up to the same total."]


def test_margin_totals_within_half_a_percent_agree(demo_copy):
    # Female + 1,000: 1000 / 210942 = 0.47%, inside the 0.5% allowed for rounding.
    edit(demo_copy, "population_margins.csv", set_cell(24, "population", "108070"))
    assert check_workspace(demo_copy) == []


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("name, change, expected", [
    ("wards.csv", set_cell(2, "adult_population", "about 9000"),
     "wards.csv, column 'adult_population', row 4: value 'about 9000' is not a number. Write plain "
     "numbers, without units, text or thousands separators."),
    ("wards.csv", set_cell(2, "imd_quintile", "2.5"),
     "wards.csv, column 'imd_quintile', row 4: value '2.5' is not a whole number. Write whole "
     "numbers only, without text or thousands separators."),
    ("indicators.csv", set_cell(0, "tolerance", "five"),
     "indicators.csv, column 'tolerance', row 2: value 'five' is not a number. Write plain numbers, "
     "without units, text or thousands separators."),
    ("pi_values.csv", set_cell(0, "value", "47.9%"),
     "pi_values.csv, column 'value', row 2: value '47.9%' is not a number. Write plain numbers, "
     "without units, text or thousands separators."),
    ("pi_values.csv", set_cell(0, "target", "n/a"),
     "pi_values.csv, column 'target', row 2: value 'n/a' is not a number. Write plain numbers, "
     "without units, text or thousands separators."),
    ("benchmarks.csv", set_cell(0, "median", "mid"),
     "benchmarks.csv, column 'median', row 2: value 'mid' is not a number. Write plain numbers, "
     "without units, text or thousands separators."),
    ("survey_responses.csv", lambda f: f.assign(design_weight=["heavy"] + ["1.0"] * (len(f) - 1)),
     "survey_responses.csv, column 'design_weight', row 2: value 'heavy' is not a number. Write "
     "plain numbers, without units, text or thousands separators."),
    ("survey_waves.csv", set_cell(0, "fieldwork_start", "11/09/2023"),
     "survey_waves.csv, column 'fieldwork_start', row 2: value '11/09/2023' is not a date in "
     "YYYY-MM-DD form. Write dates as YYYY-MM-DD, e.g. 2025-09-30."),
    ("comments.csv", set_cell(0, "date", "2023-02-30"),
     "comments.csv, column 'date', row 2: value '2023-02-30' is not a date in YYYY-MM-DD form. "
     "Write dates as YYYY-MM-DD, e.g. 2025-09-30."),
    ("survey_waves.csv", set_cell(0, "fieldwork_end", "2023-08-01"),
     "survey_waves.csv, column 'fieldwork_end', row 2: fieldwork_end is before fieldwork_start. "
     "Correct the dates."),
    ("indicators.csv", set_cell(0, "is_key", "maybe"),
     "indicators.csv, column 'is_key', row 2: value 'maybe' is not true or false. Write true or "
     "false (yes/no and 1/0 are also accepted)."),
    ("wards.csv", set_cell(0, "adult_population", "-5"),
     "wards.csv, column 'adult_population', row 2: value '-5' is negative; expected 0 or more. "
     "Correct the values."),
    ("survey_items.csv", set_cell(0, "scale_points", "7"),
     "survey_items.csv, column 'scale_points', row 2: value '7' is outside the range 4–5. Correct "
     "the values."),
    ("benchmarks.csv", lambda f: f.assign(lower_quartile=["50"] + f["lower_quartile"].tolist()[1:],
                                          median=["40.5"] + f["median"].tolist()[1:],
                                          upper_quartile=["60"] + f["upper_quartile"].tolist()[1:]),
     "benchmarks.csv, row 2: quartiles out of order (lower_quartile 50, median 40.5, "
     "upper_quartile 60); expected lower_quartile ≤ median ≤ upper_quartile. Correct them: "
     "lower and upper are the 25th and 75th percentiles of the value, whatever the polarity."),
])
def test_bad_values(demo_copy, name, change, expected):
    edit(demo_copy, name, change)
    assert problems(demo_copy) == [expected]


def test_negative_margin_population(demo_copy):
    edit(demo_copy, "population_margins.csv", set_cell(0, "population", "-14812"))
    assert ("population_margins.csv, column 'population', row 2: value '-14812' is negative; "
            "expected 0 or more. Correct the values.") in problems(demo_copy)


@pytest.mark.parametrize("name, column, allowed", [
    ("indicators.csv", "polarity", "'higher_better', 'lower_better', 'context'"),
    ("indicators.csv", "tolerance_type", "'relative', 'absolute'"),
    ("pi_values.csv", "data_status", "'final', 'provisional', 'estimated', 'missing'"),
    ("pi_values.csv", "dq_flag", "'none', 'caveat', 'restated'"),
    ("hand_coded.csv", "sentiment", "'positive', 'negative', 'neutral', 'mixed'"),
])
def test_values_outside_the_allowed_list(demo_copy, name, column, allowed):
    edit(demo_copy, name, set_cell(0, column, "Other"))
    assert problems(demo_copy) == [
        f"{name}, column {column!r}, row 2: value 'Other' is not allowed (allowed: {allowed}). Use "
        "one of the allowed values."]


def test_blank_pi_value_needs_status_missing(demo_copy):
    edit(demo_copy, "pi_values.csv", set_cell(0, "value", ""))
    assert problems(demo_copy) == [
        "pi_values.csv, column 'value', row 2: value is blank but data_status is not 'missing'. "
        "Fill in the value, or set data_status to missing."]
    edit(demo_copy, "pi_values.csv", set_cell(0, "data_status", "missing"))
    assert check_workspace(demo_copy) == []


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize("label", ["2022/23 Q1", "2022-24 Q1", "2022-23 Q5", "2022-23 Q0", "2022-23Q1"])
def test_bad_period_label(demo_copy, label):
    edit(demo_copy, "pi_values.csv", set_cell(0, "period", label))
    assert problems(demo_copy) == [
        f"pi_values.csv, column 'period', row 2: value {label!r} is not a period label like "
        "'2025-26 Q2' (financial year whose second year is the first + 1, then Q1–Q4). Write "
        "periods as YYYY-YY Qn, e.g. 2025-26 Q2."]


def test_period_end_not_matching_its_period(demo_copy):
    edit(demo_copy, "pi_values.csv", set_cell(0, "period_end", "2022-06-29"))
    assert problems(demo_copy) == [
        "pi_values.csv, column 'period_end', row 2: period_end is not the last day of its period's "
        "quarter (2022-06-29 for 2022-23 Q1, expected 2022-06-30; the financial year starts in "
        "month 4). Correct period_end or period (or financial_year_start_month in council.yaml)."]


def test_bad_financial_year(demo_copy):
    edit(demo_copy, "benchmarks.csv", set_cell(0, "year", "2022/23"))
    assert problems(demo_copy) == [
        "benchmarks.csv, column 'year', row 2: value '2022/23' is not a financial year like "
        "'2024-25' (second year = first + 1). Write years as YYYY-YY, e.g. 2024-25."]


# ---------------------------------------------------------------- council.yaml


def test_council_yaml_keys(demo_copy):
    (demo_copy / "council.yaml").write_text(
        "current_period: 2025/26 Q2\nfinancial_year_start_month: 13\ncolour: blue\n", encoding="utf-8")
    assert problems(demo_copy) == [
        "council.yaml: unknown key 'colour' (allowed: 'name', 'current_period', "
        "'financial_year_start_month'). Remove the key or correct its spelling.",
        "council.yaml: key 'name' is missing. Add it (non-empty text).",
        "council.yaml: key 'current_period' is '2025/26 Q2'; expected a period label like "
        "'2025-26 Q2'. Correct the value.",
        "council.yaml: key 'financial_year_start_month' is 13; expected a whole number from 1 to "
        "12. Correct the value."]


def test_council_yaml_syntax_error(demo_copy):
    (demo_copy / "council.yaml").write_text("name: [Ashbrook\n", encoding="utf-8")
    found = problems(demo_copy)
    assert found == ["council.yaml: not valid YAML at line 2, column 1: expected ',' or ']', but "
                     "got '<stream end>'. Correct the YAML syntax."]


def test_financial_year_from_council_yaml_sets_period_ends(demo_copy):
    (demo_copy / "council.yaml").write_text(
        "name: Ashbrook Borough Council\ncurrent_period: 2025-26 Q2\nfinancial_year_start_month: 1\n",
        encoding="utf-8")
    found = problems(demo_copy)
    assert len(found) == 1
    assert found[0].startswith(
        "pi_values.csv, column 'period_end', rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and ")
    assert ("period_end is not the last day of its period's quarter (first, row 2: 2022-06-30 for "
            "2022-23 Q1, expected 2022-03-31; the financial year starts in month 1)") in found[0]


# ---------------------------------------------------------------- parameter files


def test_rules_settings_unknown_key_and_wrong_types(demo_copy):
    def change(rules):
        weighting = rules["settings"]["weighting"]
        weighting["trim_uper"] = weighting.pop("trim_upper")
        rules["settings"]["suppression"]["min_base"] = "fifty"
        rules["settings"]["rag"]["variant"] = "fancy"
        return rules
    override_parameter(demo_copy, "rules.yaml", change)
    assert problems(demo_copy) == [
        "parameters/rules.yaml: key 'settings.suppression.min_base' is 'fifty'; expected a whole "
        "number of at least 0. Correct the value.",
        "parameters/rules.yaml: unknown key 'settings.weighting.trim_uper' (allowed: 'trim_lower', "
        "'trim_upper', 'max_deff', 'max_margin_error_points'). Remove the key or correct its spelling.",
        "parameters/rules.yaml: key 'settings.weighting.trim_upper' is missing. Add it (a number of "
        "at least 0).",
        "parameters/rules.yaml: key 'settings.rag.variant' is 'fancy'; expected one of 'standard', "
        "'havering'. Correct the value."]


def test_rules_must_be_a_list_and_thresholds_ordered(demo_copy):
    def change(rules):
        rules["rules"] = {"flag": 1}
        return rules
    override_parameter(demo_copy, "rules.yaml", change)
    assert problems(demo_copy) == [
        "parameters/rules.yaml: key 'rules' is {'flag': 1}; expected a list. Correct the value."]

    def swap(rules):
        rules["settings"]["suppression"].update(min_base=100, low_base=50)
        return rules
    override_parameter(demo_copy, "rules.yaml", swap)
    assert problems(demo_copy) == [
        "parameters/rules.yaml: key 'settings.suppression.min_base' (100) is above "
        "'settings.suppression.low_base' (50); expected min_base ≤ low_base. Correct min_base or "
        "low_base."]


def test_service_file_must_match_its_name_and_services_csv(demo_copy):
    override_parameter(demo_copy, "services/parks.yaml",
                       lambda s: {**s, "colour": "green", "pi_history_quarters": 0})
    assert problems(demo_copy) == [
        "parameters/services/parks.yaml: unknown key 'colour' (allowed: 'service_id', 'title', "
        "'pi_history_quarters', 'rules'). Remove the key or correct its spelling.",
        "parameters/services/parks.yaml: key 'pi_history_quarters' is 0; expected a whole number "
        "from 1 to 40. Correct the value."]
    override_parameter(demo_copy, "services/parks.yaml", lambda s: {**s, "service_id": "park"})
    assert problems(demo_copy) == [
        "parameters/services/parks.yaml: service_id 'park' does not match the file name "
        "'parks.yaml'. Rename the file to park.yaml or correct the service_id.",
        "parameters/services/parks.yaml: service_id 'park' is not listed in column 'service_id' of "
        "services.csv. Rename or delete the file, or add the service to services.csv."]


def test_service_file_for_a_service_not_in_services_csv(demo_copy):
    target = demo_copy / "parameters" / "services" / "pools.yaml"
    target.write_text("service_id: pools\ntitle: Swimming pools\n", encoding="utf-8")
    assert problems(demo_copy) == [
        "parameters/services/pools.yaml: service_id 'pools' is not listed in column 'service_id' "
        "of services.csv. Rename or delete the file, or add the service to services.csv."]


def test_codeframe_duplicate_codes_and_unknown_service(demo_copy):
    def change(frame):
        frame["codes"][1]["service_id"] = "bins"
        frame["codes"].append({"code": "W1", "label": "Again"})
        return frame
    override_parameter(demo_copy, "codeframe.yaml", change)
    last = len(yaml.safe_load((DEMO_WORKSPACE / "parameters" / "codeframe.yaml").read_text("utf-8"))["codes"])
    assert problems(demo_copy) == [
        f"parameters/codeframe.yaml: duplicate code 'W1' (codes[0] and codes[{last}]). Give each "
        "code one entry."]
    override_parameter(demo_copy, "codeframe.yaml", lambda f: {"codes": [
        {**f["codes"][0], "service_id": "bins"}, *f["codes"][1:]]})
    assert problems(demo_copy) == [
        "parameters/codeframe.yaml: code 'W1': service_id 'bins' is not listed in column "
        "'service_id' of services.csv. Correct the service_id, or set it to null for a "
        "cross-cutting code."]


def test_workspace_parameter_file_replaces_the_default(demo_copy):
    override_parameter(demo_copy, "services/parks.yaml", lambda s: {**s, "title": "Green spaces"})
    ws = load_workspace(demo_copy)
    assert ws.parameters.services["parks"]["title"] == "Green spaces"
    assert ws.parameters.services["libraries"] == {"service_id": "libraries", "pi_history_quarters": 8}
    assert ws.files["parameters/services/parks.yaml"] == demo_copy / "parameters/services/parks.yaml"
    assert ws.parameters.directory == default_parameters_dir()


def test_load_parameters_reads_the_codeframe():
    params = load_parameters(PROJECT_PARAMETERS)
    assert params.settings["suppression"] == {"min_base": 50, "low_base": 100}
    assert [rule.id for rule in params.rules][:2] == ["priority_for_review", "perception_gap"]
    assert params.codeframe.columns[:3].tolist() == ["code", "label", "service_id"]
    assert params.codeframe.loc[params.codeframe["code"] == "X1", "service_id"].item() == ""
    assert params.codeframe["code"].is_unique


def test_load_parameters_raises_with_every_problem(tmp_path):
    shutil.copytree(PROJECT_PARAMETERS, tmp_path / "parameters")
    (tmp_path / "parameters" / "codeframe.yaml").unlink()
    (tmp_path / "parameters" / "rules.yaml").write_text("settings: {}\n", encoding="utf-8")
    with pytest.raises(WorkspaceError) as error:
        load_parameters(tmp_path / "parameters")
    where = tmp_path / "parameters"
    assert [str(p) for p in error.value.problems] == [
        f"{where / 'rules.yaml'}: key 'settings.{section}' is missing. Add it (a mapping)."
        for section in ("suppression", "significance", "weighting", "rag", "direction_of_travel",
                        "trend", "coding", "linkage", "sources")
    ] + [f"{where / 'rules.yaml'}: key 'rules' is missing. Add it (a list).",
         f"{where / 'codeframe.yaml'}: file not found. Add codeframe.yaml to the parameters folder "
         "(a copy of the project's default will do)."]


# ---------------------------------------------------------------- all problems at once


def test_problems_in_several_files_are_reported_together(demo_copy):
    edit(demo_copy, "wards.csv", lambda f: f.rename(columns={"ward_name": "name"}))
    edit(demo_copy, "indicators.csv", set_cell(3, "polarity", "up"))
    (demo_copy / "council.yaml").write_text(
        "name: Ashbrook\ncurrent_period: 2025-26 Q2\nfinancial_year_start_month: 4\nmayor: x\n",
        encoding="utf-8")
    override_parameter(demo_copy, "services/parks.yaml", lambda s: {**s, "pi_history_quarters": "8"})
    with pytest.raises(WorkspaceError) as error:
        load_workspace(demo_copy)
    assert str(error.value) == (
        f"4 problems in workspace {demo_copy}:\n"
        "  - council.yaml: unknown key 'mayor' (allowed: 'name', 'current_period', "
        "'financial_year_start_month'). Remove the key or correct its spelling.\n"
        "  - wards.csv: column 'ward_name' is missing (found: 'ward_code', 'name', "
        "'adult_population', 'imd_quintile', 'urban_rural'). Rename the column or add it (see "
        "docs/workspace.md).\n"
        "  - indicators.csv, column 'polarity', row 5: value 'up' is not allowed (allowed: "
        "'higher_better', 'lower_better', 'context'). Use one of the allowed values.\n"
        "  - parameters/services/parks.yaml: key 'pi_history_quarters' is '8'; expected a whole "
        "number from 1 to 40. Correct the value.")


def test_missing_workspace_folder(tmp_path):
    assert problems(tmp_path / "nowhere") == [
        f"{tmp_path / 'nowhere'}: workspace folder not found. Give the folder that holds "
        "council.yaml and the tables."]


# ---------------------------------------------------------------- crafted identifiers

_SERVICE_RULE = ("is not a valid service_id (lower-case letters, digits and '_', starting with a "
                 "letter, at most 64 characters). Rename it: service ids become folder names and "
                 "notebook parameters.")
_CODE_RULE = ("is not a valid identifier (letters, digits, '_' and '-', starting with a letter or "
              "digit, at most 32 characters). Rename it: identifiers become folder names and "
              "notebook parameters.")


@pytest.mark.parametrize("crafted", ["../../etc", "x'; import os; os.system('rm -rf ~')#",
                                     "parks\nimport os", "Parks", "parks "])
def test_crafted_service_id_is_reported_not_used(demo_copy, crafted):
    edit(demo_copy, "services.csv", set_cell(2, "service_id", crafted))
    found = problems(demo_copy)
    assert f"services.csv, column 'service_id', row 4: value {crafted!r} {_SERVICE_RULE}" in found
    with pytest.raises(WorkspaceError):
        load_workspace(demo_copy)


@pytest.mark.parametrize("name, column, crafted", [
    ("wards.csv", "ward_code", "../AB01"),
    ("wards.csv", "ward_code", "AB01\n"),
    ("indicators.csv", "pi_id", "x'; import os#"),
])
def test_crafted_codes_are_reported_not_used(demo_copy, name, column, crafted):
    edit(demo_copy, name, set_cell(0, column, crafted))
    assert f"{name}, column {column!r}, row 2: value {crafted!r} {_CODE_RULE}" in problems(demo_copy)


def test_crafted_period_is_reported(demo_copy):
    crafted = "2025-26 Q2'; import os#"
    (demo_copy / "council.yaml").write_text(yaml.safe_dump(
        {"name": "Ashbrook", "current_period": crafted, "financial_year_start_month": 4}), encoding="utf-8")
    edit(demo_copy, "pi_values.csv", set_cell(0, "period", "2022-23 Q1\n"))
    assert problems(demo_copy) == [
        f"council.yaml: key 'current_period' is {crafted!r}; expected a period label like "
        "'2025-26 Q2'. Correct the value.",
        "pi_values.csv, column 'period', row 2: value '2022-23 Q1\\n' is not a period label like "
        "'2025-26 Q2' (financial year whose second year is the first + 1, then Q1–Q4). Write "
        "periods as YYYY-YY Qn, e.g. 2025-26 Q2."]


# ---------------------------------------------------------------- encodings and Excel


def test_windows_1252_csv_is_read(demo_copy):
    path = demo_copy / "wards.csv"
    text = path.read_text(encoding="utf-8").replace("St Anne's", "St Anne’s").replace("Priory", "Café Quarter")
    path.write_bytes(text.encode("cp1252"))
    ws = load_workspace(demo_copy)
    assert ws.wards.loc[17, "ward_name"] == "St Anne’s"
    assert ws.wards.loc[14, "ward_name"] == "Café Quarter"


def test_utf8_csv_with_byte_order_mark_is_read(demo_copy):
    path = demo_copy / "wards.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_workspace(demo_copy).wards.columns[0] == "ward_code"


def _write_xlsx(frame: pd.DataFrame, path: Path, convert) -> None:
    """Write a table as Excel would hold it: numbers and dates as typed cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([convert(column, value) for column, value in zip(frame.columns, row)])
    sheet.append([None] * len(frame.columns))  # Excel's used range often runs past the data
    book.save(path)


def test_xlsx_reads_the_same_as_csv(demo_copy):
    def typed_cell(column, value):
        if value == "":
            return None
        if column.startswith("fieldwork_"):
            return dt.datetime.fromisoformat(value)
        if column in ("adult_population", "imd_quintile", "target_sample"):
            return float(value)  # Excel stores every number as a float
        return value

    csv_ws = load_workspace(demo_copy)
    for name in ("wards", "survey_waves"):
        csv = read_table(demo_copy / f"{name}.csv")
        _write_xlsx(csv, demo_copy / f"{name}.xlsx", typed_cell)
        (demo_copy / f"{name}.csv").unlink()
        pd.testing.assert_frame_equal(read_table(demo_copy / f"{name}.xlsx"), csv)
    xlsx_ws = load_workspace(demo_copy)
    pd.testing.assert_frame_equal(xlsx_ws.wards, csv_ws.wards)
    pd.testing.assert_frame_equal(xlsx_ws.survey_waves, csv_ws.survey_waves)
    assert xlsx_ws.files["wards.xlsx"] == demo_copy / "wards.xlsx"


def test_xlsx_problems_name_the_xlsx_file(demo_copy):
    csv = read_table(demo_copy / "wards.csv")
    csv.loc[1, "adult_population"] = "lots"
    _write_xlsx(csv, demo_copy / "wards.xlsx", lambda column, value: value)
    (demo_copy / "wards.csv").unlink()
    assert problems(demo_copy) == [
        "wards.xlsx, column 'adult_population', row 3: value 'lots' is not a number. Write plain "
        "numbers, without units, text or thousands separators."]


# ---------------------------------------------------------------- period helpers


def test_parse_period():
    assert parse_period("2025-26 Q2") == (2025, 2)
    assert parse_period("1999-00 Q4") == (1999, 4)  # the century rolls over


@pytest.mark.parametrize("label", ["2025-27 Q2", "2025/26 Q2", "2025-26 Q0", "2025-26 Q5",
                                   "2025-26Q2", " 2025-26 Q2", "2025-26 Q2\n", "2025-26 q2", ""])
def test_parse_period_rejects(label):
    with pytest.raises(ValueError, match="is not a financial quarter like '2025-26 Q2'"):
        parse_period(label)


@pytest.mark.parametrize("period, start_month, end", [
    ("2025-26 Q1", 4, dt.date(2025, 6, 30)),    # April–June 2025
    ("2025-26 Q2", 4, dt.date(2025, 9, 30)),    # July–September 2025
    ("2025-26 Q3", 4, dt.date(2025, 12, 31)),   # October–December 2025
    ("2025-26 Q4", 4, dt.date(2026, 3, 31)),    # January–March 2026
    ("2025-26 Q1", 1, dt.date(2025, 3, 31)),    # a calendar financial year: January–March 2025
    ("2025-26 Q4", 1, dt.date(2025, 12, 31)),   # October–December 2025
    ("2025-26 Q3", 7, dt.date(2026, 3, 31)),    # July start: January–March 2026
    ("2023-24 Q1", 12, dt.date(2024, 2, 29)),   # December start: December 2023–February 2024 (leap)
])
def test_period_end(period, start_month, end):
    assert period_end(period, start_month) == end


def test_period_end_rejects_a_bad_month():
    with pytest.raises(ValueError, match="financial_year_start_month must be a month number 1–12, not 13"):
        period_end("2025-26 Q2", 13)


def test_period_slug():
    assert period_slug("2025-26 Q2") == "2025-26-Q2"
    with pytest.raises(ValueError):
        period_slug("../2025-26 Q2")


# ---------------------------------------------------------------- default parameters folder


def test_default_parameters_dir_prefers_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "parameters").mkdir()
    (tmp_path / "parameters" / "rules.yaml").write_text("settings: {}\nrules: []\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert default_parameters_dir() == tmp_path / "parameters"


def test_default_parameters_dir_then_the_bundled_copy(tmp_path, monkeypatch):
    package = tmp_path / "site-packages" / "pmresearch"
    (package / "_bundled" / "parameters").mkdir(parents=True)
    (package / "_bundled" / "parameters" / "rules.yaml").write_text("rules: []\n", encoding="utf-8")
    monkeypatch.setattr(_resources, "_PACKAGE", package)
    monkeypatch.chdir(tmp_path)  # no ./parameters here
    assert default_parameters_dir() == package / "_bundled" / "parameters"


def test_default_parameters_dir_then_the_source_checkout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_parameters_dir() == PROJECT_PARAMETERS


def test_demo_workspace_path():
    assert DEMO_WORKSPACE == Path(pmresearch.__file__).parent / "demo" / "ashbrook"

"""Linkage: which wave a quarter reports, the evidence table, and ward correlations."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pmresearch import linkage
from pmresearch.workspace import load_workspace

WAVES = pd.DataFrame({
    "wave": ["A", "B", "C"],
    "fieldwork_start": pd.to_datetime(["2024-08-01", "2025-05-01", "2025-06-01"]),
    "fieldwork_end": pd.to_datetime(["2024-09-30", "2025-09-30", "2025-09-30"]),
})


@pytest.mark.parametrize("period, expected", [
    ("2024-25 Q1", None),        # ends 30 June 2024: no wave has ended
    ("2024-25 Q2", "A"),         # ends 30 September 2024, the day wave A ends: linked
    ("2025-26 Q1", "A"),         # A is still the latest evidence
    ("2025-26 Q2", "C"),         # B and C end the same day: the later start wins
])
def test_a_quarter_reports_the_wave_that_ended_most_recently_by_its_last_day(period, expected):
    assert linkage.linked_wave(WAVES, period) == expected


def test_a_wave_ending_the_day_after_a_quarter_is_not_linked_to_it():
    waves = WAVES.assign(fieldwork_end=pd.to_datetime(["2024-10-01", "2025-10-01", "2025-10-01"]))
    assert linkage.linked_wave(waves, "2024-25 Q2") is None
    assert linkage.linked_wave(waves, "2024-25 Q3") == "A"


def test_the_financial_year_start_moves_the_quarter_end():
    # With a January year start, "2024-25 Q3" is July–September 2024.
    assert linkage.linked_wave(WAVES, "2024-25 Q3", financial_year_start_month=1) == "A"
    assert linkage.linked_wave(WAVES, "2024-25 Q2", financial_year_start_month=1) is None


@pytest.fixture(scope="module")
def ws(demo_workspace):
    return load_workspace(demo_workspace)


@pytest.fixture(scope="module")
def evidence(ws):
    return linkage.evidence_table(ws).set_index(["service_id", "period"])


def test_the_evidence_table_has_a_row_per_service_and_quarter(ws, evidence):
    quarters = sorted(ws.pi_values["period"].unique())
    assert len(evidence) == len(ws.services) * len(quarters)
    assert sorted(evidence.reset_index().columns) == sorted(linkage.EVIDENCE_COLUMNS)


def test_street_litter_is_red_for_three_quarters_while_street_cleaning_satisfaction_falls(evidence):
    # SCENARIO.md: SC01 red in 2024-25 Q4, 2025-26 Q1 and Q2; the 2025 wave (fieldwork ending
    # in September 2025, in Q2) shows a significant fall from 2024.
    rows = evidence.loc["street_cleansing"]
    red = rows.index[rows["key_pi_rag"] == "red"].tolist()
    assert red == ["2024-25 Q4", "2025-26 Q1", "2025-26 Q2"]
    assert rows.loc[red, "key_pi_consecutive_red"].tolist() == [1, 2, 3]
    q2 = rows.loc["2025-26 Q2"]
    assert (q2.wave, q2.previous_wave, q2.change_verdict) == ("2025", "2024", "significant fall")
    assert q2.change_points == pytest.approx(q2.pct_satisfied - q2.pct_satisfied_before)
    # Before the 2025 wave ends, Q1 still reports the 2024 wave.
    assert rows.loc["2025-26 Q1", "wave"] == "2024"


def test_the_waste_key_pi_is_green_while_satisfaction_falls_significantly(evidence):
    q2 = evidence.loc[("waste_recycling", "2025-26 Q2")]
    assert (q2.key_pi, q2.key_pi_rag, q2.key_pi_dot_short, q2.key_pi_dot_long) == \
        ("WR03", "green", "better", "better")
    assert (q2.survey_item, q2.change_verdict) == ("sat_waste", "significant fall")
    # The unweighted base SCENARIO.md reports for sat_waste in 2025.
    assert q2.n_unweighted == 1623


def test_a_service_without_a_survey_item_has_blank_survey_columns(evidence):
    q2 = evidence.loc[("planning", "2025-26 Q2")]
    assert q2.survey_item is None or pd.isna(q2.survey_item)
    assert pd.isna(q2.pct_satisfied) and pd.isna(q2.wave) and not q2.change_significant
    assert q2.key_pi_rag == "green"


def test_comment_counts_are_the_service_comments_of_the_four_quarters_to_the_period(ws, evidence):
    dates = pd.to_datetime(ws.comments["date"])
    window = dates.between("2024-10-01", "2025-09-30")
    expected = int((window & (ws.comments["service_id"] == "libraries")).sum())
    q2 = evidence.loc[("libraries", "2025-26 Q2")]
    assert q2.comments == expected
    assert q2.comment_base <= q2.comments


def _merged(ws):
    wards = linkage.ward_satisfaction(ws, "sat_street_clean", "2025").merge(
        linkage.ward_pi_values(ws, "SC01", "2025-26 Q2"), on="ward_code")
    return wards.merge(ws.wards[["ward_code", "imd_quintile"]], on="ward_code")


def test_ward_correlation_agrees_with_scipy(ws):
    table = linkage.ward_correlation(ws, "street_cleansing", "2025-26 Q2").set_index("analysis")
    wards = _merged(ws)
    reference = stats.pearsonr(wards["pct_satisfied"], wards["value"])
    interval = reference.confidence_interval(0.95)
    row = table.loc["correlation"]
    assert (row.pi_id, row.pi_period, row.wave, row.n, row.status) == \
        ("SC01", "2025-26 Q2", "2025", 20, "ok")
    assert row.r == pytest.approx(reference.statistic, abs=1e-12)
    assert row.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert (row.ci_low, row.ci_high) == pytest.approx((interval.low, interval.high), abs=1e-9)
    assert row.r < -0.5  # SCENARIO.md: ward litter runs against ward satisfaction


def test_partial_correlation_agrees_with_correlating_residuals(ws):
    row = linkage.ward_correlation(ws, "street_cleansing", "2025-26 Q2").set_index(
        "analysis").loc["partial correlation (IMD quintile)"]
    wards = _merged(ws)
    design = np.column_stack([np.ones(len(wards)), wards["imd_quintile"].to_numpy(float)])

    def residual(column):
        y = wards[column].to_numpy(float)
        return y - design @ np.linalg.lstsq(design, y, rcond=None)[0]

    r = np.corrcoef(residual("pct_satisfied"), residual("value"))[0, 1]
    n, k = len(wards), 1
    t = r * math.sqrt((n - k - 2) / (1 - r * r))
    z, se = math.atanh(r), 1 / math.sqrt(n - k - 3)
    assert row.r == pytest.approx(r, abs=1e-10)
    assert row.p_value == pytest.approx(2 * stats.t.sf(abs(t), n - k - 2), rel=1e-8)
    assert (row.ci_low, row.ci_high) == pytest.approx(
        (math.tanh(z - 1.959963984540054 * se), math.tanh(z + 1.959963984540054 * se)), abs=1e-9)


def test_too_few_wards_gives_a_reason_and_no_number(ws):
    settings = {**ws.parameters.settings, "linkage": {"min_wards": 21}}
    fewer = dataclasses.replace(ws, parameters=dataclasses.replace(ws.parameters,
                                                                    settings=settings))
    table = linkage.ward_correlation(fewer, "street_cleansing", "2025-26 Q2")
    assert table["status"].tolist() == ["not enough wards (20; at least 21 needed)"] * 2
    assert table[["r", "ci_low", "ci_high", "p_value"]].isna().all().all()


def test_without_imd_quintiles_the_partial_correlation_says_so(ws):
    plain = dataclasses.replace(ws, wards=ws.wards.drop(columns=["imd_quintile"]))
    table = linkage.ward_correlation(plain, "street_cleansing", "2025-26 Q2")
    assert table["status"].tolist() == ["ok", "no IMD quintile in wards.csv"]
    assert math.isnan(table["r"].iloc[1])


def test_a_service_whose_pis_have_no_ward_values_gets_no_correlation(ws):
    table = linkage.ward_correlation(ws, "parks", "2025-26 Q2")
    assert table["status"].tolist() == ["no ward-level PI values"] * 2


def test_ward_points_say_why_a_service_without_a_survey_item_has_none(ws):
    points = linkage.ward_points(ws, "planning", "2025-26 Q2", pi_id="SC01")
    assert points.empty and points.attrs["status"] == "no survey item"


def test_ward_points_carry_names_and_deprivation(ws):
    points = linkage.ward_points(ws, "street_cleansing", "2025-26 Q2").set_index("ward_code")
    wards = ws.wards.set_index("ward_code")
    assert points.loc["AB05", "ward_name"] == wards.loc["AB05", "ward_name"] == "Eastfield"
    assert points["imd_quintile"].tolist() == wards.loc[points.index, "imd_quintile"].tolist()
    assert (points["n_unweighted"] >= ws.parameters.settings["suppression"]["min_base"]).all()

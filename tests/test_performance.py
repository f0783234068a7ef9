"""PI judgements: RAG, direction of travel, persistence, trend, year to date and benchmarks.

Every expected value is worked by hand in the test (the arithmetic is in the comments), taken
from scipy, or read from the demo's SCENARIO.md, which the demo generator computes with its
own small rules (pmresearch/demo/_pi_rules.py), independent of pmresearch.performance.
"""

import math
import re

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import yaml

from pmresearch.periods import shift_period
from pmresearch.demo import DEMO_WORKSPACE
from pmresearch.performance import (DEFAULT_SETTINGS, assess_indicators, indicator_table,
                                    pi_history, trend_test)
from pmresearch.workspace import default_parameters_dir, load_workspace


@pytest.mark.parametrize("period, quarters, expected", [
    ("2025-26 Q2", -1, "2025-26 Q1"),
    ("2025-26 Q1", -1, "2024-25 Q4"),
    ("2025-26 Q2", -4, "2024-25 Q2"),
    ("2024-25 Q4", 1, "2025-26 Q1"),
    ("1999-00 Q4", 1, "2000-01 Q1"),
])
def test_shift_period_crosses_financial_years(period, quarters, expected):
    assert shift_period(period, quarters) == expected


def test_shift_period_rejects_a_calendar_label():
    with pytest.raises(ValueError, match=r"'Q2 2025' is not a financial quarter like '2025-26 Q2'"):
        shift_period("Q2 2025", 1)


# ---------------------------------------------------------------- small hand-made tables


def pis(*rows) -> pd.DataFrame:
    """Indicators from (pi_id, polarity, tolerance, tolerance_type[, frequency[, cumulative]])."""
    frame = pd.DataFrame([dict(zip(["pi_id", "polarity", "tolerance", "tolerance_type",
                                    "frequency", "cumulative"], r)) for r in rows])
    frame["service_id"] = "s"
    frame["frequency"] = frame.get("frequency", pd.Series(dtype=object)).fillna("quarterly")
    frame["cumulative"] = frame.get("cumulative", pd.Series(dtype=object)).fillna(False).astype(bool)
    return frame


def quarters(first: str, n: int) -> list[str]:
    return [shift_period(first, k) for k in range(n)]


def series(pi_id: str, first: str, values, target=None, **columns) -> pd.DataFrame:
    frame = pd.DataFrame({"pi_id": pi_id, "period": quarters(first, len(values)),
                          "value": np.asarray(values, dtype=float), "target": target, **columns})
    frame["target"] = frame["target"].astype(float)
    return frame


def one(pi_row: tuple, value: float, target: float | None, **columns) -> pd.Series:
    frame = series(pi_row[0], "2025-26 Q2", [value], target, **columns)
    return assess_indicators(pis(pi_row), frame).iloc[0]


# ---------------------------------------------------------------- RAG


@pytest.mark.parametrize("pi_row, target, value, expected", [
    # higher is better, 5% of target 90 = 4.5: amber down to 85.5 inclusive
    (("H", "higher_better", 5.0, "relative"), 90.0, 92.0, "green"),
    (("H", "higher_better", 5.0, "relative"), 90.0, 90.0, "green"),     # target exactly met
    (("H", "higher_better", 5.0, "relative"), 90.0, 89.0, "amber"),
    (("H", "higher_better", 5.0, "relative"), 90.0, 85.5, "amber"),     # on the red line
    (("H", "higher_better", 5.0, "relative"), 90.0, 85.4, "red"),
    # higher is better, 3 points absolute around 46: amber down to 43
    (("H", "higher_better", 3.0, "absolute"), 46.0, 43.0, "amber"),
    (("H", "higher_better", 3.0, "absolute"), 46.0, 42.9, "red"),
    # lower is better, 10% of 6 = 0.6: amber up to 6.6 (SCENARIO.md's "red above 6.6")
    (("L", "lower_better", 10.0, "relative"), 6.0, 5.5, "green"),
    (("L", "lower_better", 10.0, "relative"), 6.0, 6.0, "green"),
    (("L", "lower_better", 10.0, "relative"), 6.0, 6.6, "amber"),
    (("L", "lower_better", 10.0, "relative"), 6.0, 6.7, "red"),
    # lower is better, 1 unit absolute around 4: amber up to 5
    (("L", "lower_better", 1.0, "absolute"), 4.0, 4.6, "amber"),
    (("L", "lower_better", 1.0, "absolute"), 4.0, 5.0, "amber"),
    (("L", "lower_better", 1.0, "absolute"), 4.0, 5.1, "red"),
])
def test_rag_by_polarity_and_tolerance(pi_row, target, value, expected):
    assert one(pi_row, value, target)["rag"] == expected


def test_tolerance_band_and_red_threshold_follow_the_tolerance_type():
    relative = one(("L", "lower_better", 10.0, "relative"), 7.0, 6.0)
    absolute = one(("H", "higher_better", 3.0, "absolute"), 44.0, 46.0)
    assert relative[["tolerance_band", "red_threshold"]].tolist() == pytest.approx([0.6, 6.6])
    assert absolute[["tolerance_band", "red_threshold"]].tolist() == pytest.approx([3.0, 43.0])


@pytest.mark.parametrize("value, target, status, polarity, expected", [
    (float("nan"), 6.0, "missing", "lower_better", "no data"),
    (9.0, 6.0, "estimated", "lower_better", "no data"),      # estimated: no RAG even if red
    (float("nan"), None, "missing", "lower_better", "no data"),
    (5.0, None, "final", "lower_better", "n/a"),              # no target to judge against
    (500.0, None, "final", "context", "n/a"),
    (float("nan"), None, "missing", "context", "n/a"),
])
def test_no_rag_for_missing_estimated_context_or_targetless_values(value, target, status,
                                                                    polarity, expected):
    row = one(("P", polarity, 10.0, "relative"), value, target, data_status=status)
    assert row["rag"] == expected


def test_a_blank_value_without_a_status_is_missing():
    row = one(("P", "lower_better", 10.0, "relative"), float("nan"), 6.0)
    assert (row["data_status"], row["rag"]) == ("missing", "no data")


@pytest.mark.parametrize("status, flag, marker, rag", [
    ("final", "none", "", "red"),
    ("provisional", "none", "provisional", "red"),
    ("final", "restated", "restated", "red"),
    ("provisional", "restated", "provisional, restated", "red"),
    ("final", "caveat", "", "red"),
])
def test_provisional_and_restated_values_keep_their_rag_with_a_marker(status, flag, marker, rag):
    row = one(("L", "lower_better", 10.0, "relative"), 7.0, 6.0, data_status=status, dq_flag=flag)
    assert (row["rag"], row["rag_marker"]) == (rag, marker)


def havering(now: float, year_ago: float | None, variant: str) -> str:
    # lower is better, target 10, 10% tolerance: red above 11.
    values = [year_ago, 10.5, 10.5, 10.5, now]
    status = ["final" if v is not None else "missing" for v in values]
    frame = series("CS", "2024-25 Q2", [np.nan if v is None else v for v in values], 10.0,
                   data_status=status)
    settings = {"rag": {"variant": variant}}
    return assess_indicators(pis(("CS", "lower_better", 10.0, "relative")), frame,
                             settings=settings).iloc[-1]["rag"]


@pytest.mark.parametrize("now, year_ago, standard, havering_rag", [
    (11.5, 12.0, "red", "amber"),    # improved on the same quarter last year
    (11.5, 11.55, "red", "amber"),   # maintained: 0.43% change is inside the 1% band
    (11.5, 11.2, "red", "red"),      # worse than last year (2.7%)
    (11.5, None, "red", "red"),      # nothing to compare with
    (10.8, 12.0, "amber", "amber"),  # amber either way
])
def test_havering_variant_makes_an_improving_red_amber(now, year_ago, standard, havering_rag):
    assert havering(now, year_ago, "standard") == standard
    assert havering(now, year_ago, "havering") == havering_rag


# ---------------------------------------------------------------- direction of travel


@pytest.mark.parametrize("polarity, before, now, expected", [
    ("higher_better", 100.0, 100.99, "same"),   # 0.99% < 1%
    ("higher_better", 100.0, 101.0, "better"),  # exactly 1% is a change
    ("higher_better", 100.0, 99.0, "worse"),
    ("lower_better", 100.0, 101.0, "worse"),
    ("lower_better", 100.0, 98.0, "better"),
    ("lower_better", 100.0, 99.5, "same"),
    ("context", 100.0, 101.0, "up"),
    ("context", 100.0, 99.0, "down"),
    ("context", 100.0, 99.5, "same"),
    ("higher_better", 0.0, 0.0, "same"),
    ("higher_better", 0.0, 1.0, "better"),      # any change from zero is beyond the band
    ("higher_better", float("nan"), 1.0, "no data"),
])
def test_short_term_direction_by_polarity_with_the_no_change_band(polarity, before, now, expected):
    frame = series("P", "2025-26 Q1", [before, now], 100.0)
    result = assess_indicators(pis(("P", polarity, 5.0, "relative")), frame)
    assert result.iloc[1]["dot_short"] == expected


def test_no_change_band_comes_from_the_settings():
    frame = series("P", "2025-26 Q1", [100.0, 102.0], 100.0)
    wide = assess_indicators(pis(("P", "higher_better", 5.0, "relative")), frame,
                             settings={"direction_of_travel": {"no_change_band": 0.05}})
    assert wide.iloc[1]["dot_short"] == "same"


def test_long_term_direction_compares_with_the_same_quarter_last_year():
    # 2024-25 Q2 = 80, 2025-26 Q1 = 90, 2025-26 Q2 = 85: worse than last quarter, better than
    # a year before.
    frame = series("P", "2024-25 Q2", [80.0, 88.0, 88.0, 90.0, 85.0], 84.0)
    row = assess_indicators(pis(("P", "higher_better", 5.0, "relative")), frame).iloc[-1]
    assert (row["dot_short"], row["dot_long"]) == ("worse", "better")
    assert (row["previous_value"], row["year_ago_value"]) == (90.0, 80.0)


def test_direction_is_no_data_when_either_value_is_missing_or_estimated():
    frame = series("P", "2024-25 Q2", [80.0, 88.0, 88.0, 90.0, 85.0], 84.0,
                   data_status=["estimated", "final", "final", "final", "final"])
    frame.loc[3, ["value", "data_status"]] = [np.nan, "missing"]
    row = assess_indicators(pis(("P", "higher_better", 5.0, "relative")), frame).iloc[-1]
    assert (row["dot_short"], row["dot_long"]) == ("no data", "no data")
    estimated_now = series("P", "2025-26 Q1", [80.0, 90.0], 84.0, data_status=["final", "estimated"])
    row = assess_indicators(pis(("P", "higher_better", 5.0, "relative")), estimated_now).iloc[-1]
    assert (row["rag"], row["dot_short"]) == ("no data", "no data")


def test_annual_indicator_compares_with_the_previous_year_only():
    frame = pd.DataFrame({"pi_id": "A", "period": ["2022-23 Q4", "2023-24 Q4", "2024-25 Q4"],
                          "value": [3.0, 5.5, 6.0], "target": 5.0})
    result = assess_indicators(pis(("A", "lower_better", 1.0, "absolute", "annual")), frame)
    assert result["dot_short"].tolist() == ["n/a"] * 3
    assert result["dot_long"].tolist() == ["no data", "worse", "worse"]
    assert result["rag"].tolist() == ["green", "amber", "amber"]   # 6.0 is on the red line
    assert result["previous_value"].isna().all()
    assert result["trend"].tolist() == ["too few points"] * 3


def test_annual_persistence_counts_consecutive_years():
    frame = pd.DataFrame({"pi_id": "A", "period": ["2022-23 Q4", "2023-24 Q4", "2024-25 Q4"],
                          "value": [6.5, 7.0, 7.5], "target": 5.0})
    result = assess_indicators(pis(("A", "lower_better", 1.0, "absolute", "annual")), frame)
    assert result["consecutive_red"].tolist() == [1, 2, 3]


# ---------------------------------------------------------------- persistence


def test_consecutive_red_counts_the_run_ending_at_each_quarter():
    # lower is better, target 10, red above 11. A missing quarter ends a run.
    values = [9.0, 12.0, 12.0, 10.5, 12.0, 12.0, 12.0, np.nan, 12.0]
    status = ["final"] * 7 + ["missing", "final"]
    frame = series("CS", "2023-24 Q1", values, 10.0, data_status=status)
    result = assess_indicators(pis(("CS", "lower_better", 10.0, "relative")), frame)
    assert result["rag"].tolist() == ["green", "red", "red", "amber", "red", "red", "red",
                                      "no data", "red"]
    assert result["consecutive_red"].tolist() == [0, 1, 2, 0, 1, 2, 3, 0, 1]


def test_a_quarter_without_a_row_ends_a_red_run():
    frame = series("CS", "2024-25 Q1", [12.0, 12.0, 12.0, 12.0], 10.0).drop(index=2)
    result = assess_indicators(pis(("CS", "lower_better", 10.0, "relative")), frame)
    assert result["consecutive_red"].tolist() == [1, 2, 1]


# ---------------------------------------------------------------- trend


def test_mann_kendall_hand_worked_example():
    # y = 5, 6, 6, 8, 7, 9. Signs of y_j − y_i for i < j:
    #   from 5: + + + + +  (5)   from 6: 0 + + +  (3)   from 6: + + +  (3)
    #   from 8: − +        (0)   from 7: +        (1)            S = 12
    # Var(S) = [6·5·17 − 2·1·9] / 18 = (510 − 18) / 18 = 27.333… (one pair of tied 6s)
    # Z = (12 − 1) / √27.333 = 2.1040; p = 2(1 − Φ(2.1040)) = 0.03538
    # Theil–Sen: the 15 pairwise slopes sorted, the 8th is 0.75.
    result = trend_test([5.0, 6.0, 6.0, 8.0, 7.0, 9.0])
    assert result.points == 6 and result.s == 12.0
    assert result.var_s == pytest.approx(492 / 18)
    assert result.z == pytest.approx(11 / math.sqrt(492 / 18))
    assert result.p == pytest.approx(2 * scipy.stats.norm.sf(11 / math.sqrt(492 / 18)))
    assert result.p == pytest.approx(0.03538, abs=5e-5)
    assert result.slope == 0.75


@pytest.mark.parametrize("seed", range(6))
def test_trend_agrees_with_scipy_theilslopes_and_kendalltau(seed):
    rng = np.random.default_rng(seed)
    y = np.round(rng.normal(0.3 * np.arange(10), 1.0), 0)  # rounding makes ties
    result = trend_test(y)
    assert result.slope == pytest.approx(scipy.stats.theilslopes(y).slope)
    # With untied x, Kendall's tau-b = S / √(n₀(n₀ − n₁)), and scipy's asymptotic z = S / √Var(S)
    # uses the same tie-corrected variance (without the continuity correction).
    n0 = 45
    _, counts = np.unique(y, return_counts=True)
    n1 = (counts * (counts - 1) / 2).sum()
    tau = scipy.stats.kendalltau(np.arange(10), y, method="asymptotic")
    assert result.s == pytest.approx(tau.statistic * math.sqrt(n0 * (n0 - n1)))
    if result.s != 0:
        z_scipy = scipy.stats.norm.isf(tau.pvalue / 2)
        assert result.var_s == pytest.approx((result.s / z_scipy) ** 2)


def test_trend_skips_gaps_and_reports_no_numbers_below_the_minimum():
    with_gap = trend_test([1.0, np.nan, 3.0, 4.0])
    assert (with_gap.points, with_gap.s, with_gap.slope) == (3, 3.0, 1.0)  # slopes 1, 1, 1
    few = trend_test([1.0, 2.0], min_points=3)
    assert few.points == 2 and all(math.isnan(v) for v in few[1:])


def rising(n: int) -> list[float]:
    return [50.0 + k + (0.5 if k % 2 else 0.0) for k in range(n)]


@pytest.mark.parametrize("polarity, verdict", [
    ("higher_better", "improving"), ("lower_better", "worsening"), ("context", "rising")])
def test_trend_verdict_by_polarity(polarity, verdict):
    frame = series("P", "2023-24 Q3", rising(8), None if polarity == "context" else 50.0)
    row = assess_indicators(pis(("P", polarity, 5.0, "relative")), frame).iloc[-1]
    reference = trend_test(rising(8))
    assert row["trend"] == verdict and reference.p < 0.05
    assert (row["trend_s"], row["trend_points"]) == (28.0, 8)
    assert row["trend_slope"] == pytest.approx(reference.slope)
    assert row["trend_p"] == pytest.approx(reference.p)


def test_trend_uses_only_the_last_n_quarters_and_usable_values():
    # 12 quarters: a fall over the first 4, then a rise. With trend.quarters = 8 only the rise
    # counts; an estimated value in the window is dropped, leaving 7 points.
    values = [90.0, 80.0, 70.0, 60.0] + rising(8)
    status = ["final"] * 9 + ["estimated"] + ["final"] * 2
    frame = series("P", "2022-23 Q3", values, 50.0, data_status=status)
    row = assess_indicators(pis(("P", "higher_better", 5.0, "relative")), frame).iloc[-1]
    window = rising(8)
    window[5] = np.nan
    assert row["trend_points"] == 7
    assert row["trend_s"] == trend_test(window).s == 21.0
    assert row["trend"] == "improving"


def test_too_few_points_gives_no_trend_and_no_numbers():
    frame = series("P", "2024-25 Q4", [1.0, 2.0, 3.0, 4.0, 5.0], 3.0)   # 5 < min_points 6
    row = assess_indicators(pis(("P", "higher_better", 5.0, "relative")), frame).iloc[-1]
    assert row["trend"] == "too few points"
    assert row[["trend_slope", "trend_s", "trend_var_s", "trend_z", "trend_p"]].isna().all()


def test_a_flat_series_has_no_clear_trend():
    frame = series("P", "2023-24 Q3", [5.0] * 8, 5.0)
    row = assess_indicators(pis(("P", "higher_better", 5.0, "relative")), frame).iloc[-1]
    assert (row["trend"], row["trend_s"], row["trend_p"], row["trend_slope"]) == (
        "no clear trend", 0.0, 1.0, 0.0)


# ---------------------------------------------------------------- year to date


def test_cumulative_indicator_is_reported_year_to_date_and_gives_its_quarter():
    # Running totals within each financial year: 5/6, 9/10, 14/16, 20/22, then a new year 3/4.
    frame = series("PL", "2024-25 Q1", [83.3, 90.0, 87.5, 90.9, 75.0], 80.0,
                   numerator=[5, 9, 14, 20, 3], denominator=[6, 10, 16, 22, 4])
    result = assess_indicators(pis(("PL", "higher_better", 10.0, "absolute", "quarterly", True)),
                               frame)
    assert result["ytd_value"].tolist() == [83.3, 90.0, 87.5, 90.9, 75.0]
    # In-quarter: Q1 as reported, Q2 (9−5)/(10−6) = 100%, Q3 (14−9)/(16−10) = 83.33%,
    # Q4 (20−14)/(22−16) = 100%, the next year's Q1 as reported.
    assert result["quarter_value"].tolist() == pytest.approx([83.3, 100.0, 500 / 6, 100.0, 75.0])


def test_a_running_total_that_falls_gives_no_quarter_value():
    frame = series("PL", "2024-25 Q1", [83.3, 75.0], 80.0, numerator=[5, 3], denominator=[6, 4])
    result = assess_indicators(pis(("PL", "higher_better", 10.0, "absolute", "quarterly", True)),
                               frame)
    assert math.isnan(result["quarter_value"].iloc[1]) and result["ytd_value"].iloc[1] == 75.0


def test_year_to_date_of_a_quarterly_ratio_pools_numerators_and_denominators():
    # Visits per 1,000 population (the scale 1,000 is found from value × denominator /
    # numerator): 45,000 / 50,000 → 900, 40,000 / 50,000 → 800, 41,000 / 50,000 → 820.
    # YTD: Q2 85,000 / 100,000 → 850, Q3 126,000 / 150,000 → 840; 2026-27 Q1 starts again.
    frame = series("LB", "2025-26 Q1", [900.0, 800.0, 820.0, 760.0, 700.0], 880.0,
                   numerator=[45_000, 40_000, 41_000, 38_000, 35_000],
                   denominator=[50_000] * 5)
    result = assess_indicators(pis(("LB", "higher_better", 5.0, "relative")), frame)
    assert result["ytd_value"].tolist() == pytest.approx([900.0, 850.0, 840.0, 820.0, 700.0])


def test_year_to_date_weights_quarters_by_their_denominators():
    # 90 of 100 (90%) then 30 of 60 (50%): pooled 120 / 160 = 75%, where the mean would be 70%.
    frame = series("CS", "2025-26 Q1", [90.0, 50.0], 85.0, numerator=[90, 30],
                   denominator=[100, 60])
    result = assess_indicators(pis(("CS", "higher_better", 5.0, "relative")), frame)
    assert result["ytd_value"].tolist() == pytest.approx([90.0, 75.0])


def test_year_to_date_needs_every_quarter_of_the_year_so_far():
    frame = series("WR", "2025-26 Q1", [50.0, 40.0, 45.0], 46.0,
                   numerator=[50.0, np.nan, 45.0], denominator=[100.0, np.nan, 100.0])
    result = assess_indicators(pis(("WR", "higher_better", 3.0, "absolute")), frame)
    assert result["ytd_value"].tolist()[0] == 50.0
    assert result["ytd_value"].iloc[1:].isna().all()


def running(pi_id: str, first: str, values, *, unit: str, polarity: str = "higher_better",
            value_type: str = "", target=None, **columns) -> pd.DataFrame:
    """A year-to-date PI with ``unit`` judged from its running values (no numerators)."""
    indicators = pis((pi_id, polarity, 5.0, "relative", "quarterly", True)).assign(
        unit=unit, value_type=value_type)
    return assess_indicators(indicators, series(pi_id, first, values, target, **columns))


def test_cumulative_count_gives_each_quarter_as_the_growth_of_its_running_total():
    # Running totals 100, 250, 420, 600 → quarters 100, 250 − 100 = 150, 420 − 250 = 170,
    # 600 − 420 = 180; the next year's Q1 (120) starts a new running total.
    result = running("FT", "2024-25 Q1", [100.0, 250.0, 420.0, 600.0, 120.0], unit="visits")
    assert result["quarter_value"].tolist() == [100.0, 150.0, 170.0, 180.0, 120.0]
    assert result["ytd_value"].tolist() == [100.0, 250.0, 420.0, 600.0, 120.0]
    assert result["quarter_value_note"].tolist() == [""] * 5


def test_cumulative_rate_with_numerator_and_denominator_gives_the_quarters_ratio():
    # Council tax collected / due, running: 25/100, 52/200, 81/300 (× 100 for %).
    # Quarters: Q1 25%, Q2 (52 − 25)/(200 − 100) = 27%, Q3 (81 − 52)/(300 − 200) = 29%.
    result = running("CT", "2025-26 Q1", [25.0, 26.0, 27.0], unit="%",
                     numerator=[25.0, 52.0, 81.0], denominator=[100.0, 200.0, 300.0])
    assert result["quarter_value"].tolist() == pytest.approx([25.0, 27.0, 29.0])
    assert result["quarter_value_note"].tolist() == ["", "", ""]


def test_cumulative_rate_without_numerator_and_denominator_is_not_derivable():
    # 26% of the year's council tax collected by Q2 says nothing of Q2 on its own: its base
    # (what fell due in Q2) is unknown. Q1's running rate is Q1 itself.
    result = running("CT", "2025-26 Q1", [25.0, 26.0, 27.0], unit="%")
    assert result["quarter_value"].iloc[0] == 25.0
    assert result["quarter_value"].iloc[1:].isna().all()
    assert result["quarter_value_note"].tolist() == [
        "", "not derivable (a rate without numerator and denominator)",
        "not derivable (a rate without numerator and denominator)"]


@pytest.mark.parametrize("unit, name, value_type, note", [
    ("%", "Council tax collected", "", "rate"),
    ("per 1,000 population", "Library visits", "", "rate"),
    ("£ per visit", "Net cost", "", "rate"),
    ("kg/household", "Residual waste", "", "rate"),
    ("seconds", "Call wait", "", "rate"),                    # a duration is an average
    ("days", "Average time to re-let a home", "", "rate"),   # "average" in the name
    ("£", "Net spend", "", "count"),
    ("visits", "Leisure centre visits", "", "count"),
    ("", "Fly-tips cleared", "", "count"),
    ("days", "Working days lost to sickness", "count", "count"),   # the column overrides
    ("visits", "Leisure centre visits", "rate", "rate"),
    ("visits", "Leisure centre visits", " Rate ", "rate"),
])
def test_count_or_rate_from_the_unit_the_name_or_the_value_type_column(unit, name, value_type,
                                                                      note):
    indicators = pis(("P", "higher_better", 5.0, "relative", "quarterly", True)).assign(
        unit=unit, name=name, value_type=value_type)
    result = assess_indicators(indicators, series("P", "2025-26 Q1", [10.0, 30.0], None))
    # A count's Q2 is 30 − 10 = 20; a rate's is not derivable without its ratio.
    expected = (20.0, "") if note == "count" else (
        None, "not derivable (a rate without numerator and denominator)")
    found = result.iloc[1]
    assert found["quarter_value_note"] == expected[1]
    assert (math.isnan(found["quarter_value"]) if expected[0] is None
            else found["quarter_value"] == expected[0])


def test_a_value_type_other_than_count_or_rate_is_an_error():
    indicators = pis(("P", "higher_better", 5.0, "relative")).assign(value_type="total")
    with pytest.raises(ValueError) as error:
        assess_indicators(indicators, series("P", "2025-26 Q1", [1.0], 1.0))
    assert str(error.value) == (
        "indicators: column 'value_type', PI P: 'total' is not 'count' or 'rate'. Write count "
        "(a total that adds up over the year: a number of things, £), rate (%, per …, an "
        "average) or leave it blank to judge from the unit.")


def test_a_missing_quarter_in_the_year_blanks_its_quarter_and_the_next():
    # Running totals 100, (missing), 420, 600: Q2 has no value, Q3 has no previous running
    # total to subtract, Q4 is 600 − 420 = 180.
    result = running("FT", "2025-26 Q1", [100.0, np.nan, 420.0, 600.0], unit="visits",
                     data_status=["final", "missing", "final", "final"])
    assert result["quarter_value"].tolist()[::3] == [100.0, 180.0]
    assert result["quarter_value"].iloc[1:3].isna().all()
    assert result["quarter_value_note"].tolist() == [
        "", "no value", "previous quarter missing", ""]
    # The same when the quarter has no row at all, and for a ratio PI.
    result = running("CT", "2025-26 Q1", [25.0, 26.0, 27.0], unit="%",
                     numerator=[25.0, 52.0, 81.0], denominator=[100.0, 200.0, 300.0]).iloc[[0, 2]]
    assert result["quarter_value_note"].tolist() == ["", ""]
    gap = series("CT", "2025-26 Q1", [25.0, 26.0, 27.0], None, numerator=[25.0, 52.0, 81.0],
                 denominator=[100.0, 200.0, 300.0]).drop(index=1)
    indicators = pis(("CT", "higher_better", 5.0, "relative", "quarterly", True)).assign(unit="%")
    result = assess_indicators(indicators, gap)
    assert result["quarter_value_note"].tolist() == ["", "previous quarter missing"]
    assert math.isnan(result["quarter_value"].iloc[1])


def test_a_running_count_that_falls_gives_no_quarter_value():
    result = running("FT", "2025-26 Q1", [100.0, 90.0], unit="visits")
    assert math.isnan(result["quarter_value"].iloc[1])
    assert result["quarter_value_note"].iloc[1] == "running total fell"


def test_quarter_value_notes_of_other_indicators():
    quarterly = series("Q", "2025-26 Q1", [5.0, np.nan], 5.0)
    annual = pd.DataFrame({"pi_id": "A", "period": ["2024-25 Q4"], "value": [4.0], "target": 5.0})
    result = assess_indicators(pis(("Q", "higher_better", 5.0, "relative"),
                                   ("A", "higher_better", 1.0, "absolute", "annual")),
                               pd.concat([quarterly, annual]))
    assert result["quarter_value_note"].tolist() == ["", "no value", "annual indicator"]
    assert result["quarter_value"].iloc[0] == 5.0 and result["quarter_value"].iloc[1:].isna().all()


def test_running_totals_restart_at_q1_of_the_label_whatever_month_the_year_starts():
    # A council whose financial year is the calendar year: 2025-26 Q4 ends in December 2025
    # and 2026-27 Q1 starts January 2026. The running total restarts at the label's Q1, never
    # at an April read from period_end: Q4 is 400 − 300 = 100, the new Q1 is 90 itself.
    result = running("FT", "2025-26 Q3", [300.0, 400.0, 90.0], unit="visits",
                     period_end=["2025-09-30", "2025-12-31", "2026-03-31"])
    assert math.isnan(result["quarter_value"].iloc[0])   # its Q2 is not in the table
    assert result["quarter_value"].iloc[1:].tolist() == [100.0, 90.0]
    assert result["quarter_value_note"].tolist() == ["previous quarter missing", "", ""]


@pytest.mark.parametrize("polarity, last_year, this_year, short", [
    # Collection rate, higher is better: 48% by Q2 against 50% by Q2 last year is 4% worse,
    # though the running rate rose from Q1's 24%.
    ("higher_better", [25.0, 50.0], [24.0, 48.0], "worse"),
    # Days lost per FTE, lower is better: 3.9 by Q2 against 4.1 is 4.9% better, though the
    # running total rose from 1.8.
    ("lower_better", [2.0, 4.1], [1.8, 3.9], "better"),
])
def test_year_to_date_short_term_direction_compares_the_same_quarter_last_year(
        polarity, last_year, this_year, short):
    values = last_year + [last_year[1] * 1.5, last_year[1] * 2] + this_year
    result = running("Y", "2024-25 Q1", values, unit="%", polarity=polarity, target=50.0)
    row = result.iloc[-1]
    assert (row["dot_short"], row["dot_long"], row["dot_short_basis"]) == (
        short, short, "same quarter last year")
    # The same values as an in-quarter PI: against the previous quarter, which rose.
    plain = assess_indicators(pis(("Y", polarity, 5.0, "relative")),
                              series("Y", "2024-25 Q1", values, 50.0)).iloc[-1]
    assert (plain["dot_short"], plain["dot_short_basis"]) == (
        "better" if polarity == "higher_better" else "worse", "previous quarter")


def test_short_term_basis_of_annual_indicators_is_not_applicable():
    annual = pd.DataFrame({"pi_id": "A", "period": ["2024-25 Q4"], "value": [4.0], "target": 5.0})
    row = assess_indicators(pis(("A", "higher_better", 1.0, "absolute", "annual")), annual).iloc[0]
    assert (row["dot_short"], row["dot_short_basis"]) == ("n/a", "n/a")


def test_trend_of_a_cumulative_count_runs_on_its_quarters_not_its_running_totals():
    # Quarters fall by 2 a quarter: 110, 108, …, 96. Their running totals within each year
    # are 110, 218, 324, 428, 102, 202, 300, 396. On the quarters every pair falls:
    # S = −28 (8·7/2 pairs), Theil–Sen slope −2, Var(S) = 8·7·21/18 = 65.33,
    # Z = (−28 + 1)/√65.33 = −3.340, p = 0.00084: worsening.
    totals = [110.0, 218.0, 324.0, 428.0, 102.0, 202.0, 300.0, 396.0]
    row = running("LV", "2024-25 Q1", totals, unit="visits").iloc[-1]
    assert row["quarter_value"] == 96.0
    assert (row["trend"], row["trend_s"], row["trend_slope"], row["trend_points"]) == (
        "worsening", -28.0, -2.0, 8)
    assert row["trend_p"] == pytest.approx(2 * scipy.stats.norm.sf(27 / math.sqrt(56 * 21 / 18)))
    # The running totals themselves would have given no clear trend: S = +8 (from 110:
    # 6 up 1 down = 5; 218: 4 − 2 = 2; 324: 2 − 3 = −1; 428: −4; 102: 3; 202: 2; 300: 1).
    assert trend_test(totals).s == 8.0 and trend_test(totals).p > 0.05


def test_trend_of_a_cumulative_rate_without_quarters_is_not_computed():
    # Eight running rates: only the two Q1s are quarters on their own (2 < min_points 6).
    values = [25.0, 50.0, 75.0, 97.0, 26.0, 51.0, 76.0, 98.0]
    row = running("CT", "2024-25 Q1", values, unit="%", target=50.0).iloc[-1]
    assert (row["trend"], row["trend_points"]) == ("not computed (year to date)", 2)
    assert row[["trend_slope", "trend_s", "trend_p"]].isna().all()
    # Too few values of any kind is still "too few points".
    short = running("CT", "2025-26 Q1", values[:3], unit="%", target=50.0).iloc[-1]
    assert short["trend"] == "too few points"


def test_trend_of_cumulative_quarters_skips_estimated_running_totals():
    # 2025-26 Q2 is estimated: neither it nor Q3 (derived from it) enters the trend.
    totals = [110.0, 218.0, 324.0, 428.0, 102.0, 202.0, 300.0, 396.0]
    status = ["final"] * 5 + ["estimated"] + ["final"] * 2
    row = running("LV", "2024-25 Q1", totals, unit="visits", data_status=status).iloc[-1]
    window = [110.0 - 2 * k for k in range(8)]
    window[5] = window[6] = np.nan
    assert row["trend_points"] == 6 and row["trend_s"] == trend_test(window).s == -15.0


# ---------------------------------------------------------------- benchmarks


def quartile_of(value: float, polarity: str) -> int:
    values = pd.DataFrame({"pi_id": "A", "period": ["2024-25 Q4"], "value": [value], "target": 20.0})
    bench = pd.DataFrame({"pi_id": ["A"], "year": ["2024-25"], "comparator_group": ["NN"],
                          "lower_quartile": [10.0], "median": [20.0], "upper_quartile": [30.0]})
    result = assess_indicators(pis(("A", polarity, 5.0, "relative", "annual")), values, bench)
    return result.iloc[0]["benchmark_quartile"]


@pytest.mark.parametrize("value, higher_better, lower_better", [
    (31.0, 1, 4),
    (30.0, 2, 3),   # on the upper quartile: in the middle half either way
    (25.0, 2, 3),
    (20.0, 2, 2),   # the median counts as the better middle quartile
    (19.9, 3, 2),
    (10.0, 3, 2),   # on the lower quartile: in the middle half
    (9.9, 4, 1),
])
def test_benchmark_quartile_at_the_boundaries_for_both_polarities(value, higher_better, lower_better):
    assert quartile_of(value, "higher_better") == higher_better
    assert quartile_of(value, "lower_better") == lower_better


BENCH = pd.DataFrame({
    "pi_id": "Q", "comparator_group": ["NN", "NN", "NN", "Alpha"],
    "year": ["2023-24", "2024-25", "2025-26", "2024-25"],
    "lower_quartile": [70.0, 80.0, 60.0, 10.0], "median": [75.0, 85.0, 65.0, 20.0],
    "upper_quartile": [80.0, 90.0, 70.0, 30.0], "n": [16, 16, 16, 12], "rank": [3, 9, 1, 1]})


def test_benchmark_uses_the_latest_year_ended_by_the_period_and_the_mean_of_its_quarters():
    values = series("Q", "2024-25 Q1", [86.0, 84.0, np.nan, 89.0, 70.0, 71.0], 85.0,
                    data_status=["final", "final", "missing", "final", "final", "final"])
    indicators = pis(("Q", "higher_better", 5.0, "relative")).assign(benchmark_group="NN")
    result = assess_indicators(indicators, values, BENCH).set_index("period")
    # 2024-25 Q3 is before 2024-25 ended, so 2023-24's benchmarks apply; 2025-26 is never used
    # in 2025-26 (it has not ended).
    assert result["benchmark_year"].tolist() == ["2023-24"] * 3 + ["2024-25"] * 3
    # 2024-25's value: the mean of its recorded quarters, (86 + 84 + 89) / 3 = 86.333…
    q2 = result.loc["2025-26 Q2"]
    assert q2["benchmark_value"] == pytest.approx(259 / 3)
    assert (q2["lower_quartile"], q2["median"], q2["upper_quartile"]) == (80.0, 85.0, 90.0)
    assert (q2["benchmark_quartile"], q2["benchmark_rank"], q2["benchmark_n"]) == (2, 9, 16)
    assert q2["benchmark_group"] == "NN"
    # In 2024-25 Q1–Q3 the year 2023-24 has no values of its own: no quartile.
    assert result.loc["2024-25 Q3", "benchmark_quartile"] is pd.NA


def test_benchmark_group_defaults_to_the_first_alphabetically_and_cumulative_uses_q4():
    values = series("Q", "2024-25 Q1", [86.0, 84.0, 81.0, 25.0], 85.0)
    indicators = pis(("Q", "higher_better", 5.0, "relative", "quarterly", True))
    row = assess_indicators(indicators, values, BENCH).iloc[-1]
    assert (row["benchmark_group"], row["benchmark_value"], row["benchmark_quartile"]) == (
        "Alpha", 25.0, 2)


def test_context_indicators_get_no_benchmark_position():
    values = series("Q", "2024-25 Q1", [86.0, 84.0, 81.0, 25.0], None)
    row = assess_indicators(pis(("Q", "context", 5.0, "relative")), values, BENCH).iloc[-1]
    assert row["benchmark_quartile"] is pd.NA and math.isnan(row["benchmark_value"])


# ---------------------------------------------------------------- inputs and settings


def test_default_settings_are_those_of_the_project_rules_file():
    with open(default_parameters_dir() / "rules.yaml", encoding="utf-8") as file:
        settings = yaml.safe_load(file)["settings"]
    assert {section: settings[section] for section in DEFAULT_SETTINGS} == DEFAULT_SETTINGS


def test_unknown_indicator_in_values_is_an_error():
    with pytest.raises(ValueError) as error:
        assess_indicators(pis(("A", "higher_better", 5.0, "relative")),
                          series("ZZ9", "2025-26 Q1", [1.0], 1.0))
    assert str(error.value) == ("pi_values: pi_id 'ZZ9' not in indicators. Add the indicator to "
                                "indicators.csv or remove its rows.")


def test_two_borough_rows_for_one_quarter_is_an_error():
    frame = pd.concat([series("A", "2025-26 Q1", [1.0], 1.0)] * 2)
    with pytest.raises(ValueError) as error:
        assess_indicators(pis(("A", "higher_better", 5.0, "relative")), frame)
    assert str(error.value) == ("pi_values: more than one borough row for A 2025-26 Q1. Keep one "
                                "row per indicator and quarter (ward rows need a ward_code).")


def test_bad_settings_are_errors_naming_the_setting():
    frame = series("A", "2025-26 Q1", [1.0], 1.0)
    indicators = pis(("A", "higher_better", 5.0, "relative"))
    with pytest.raises(ValueError) as error:
        assess_indicators(indicators, frame, settings={"rag": {"variant": "kent"}})
    assert str(error.value) == ("settings rag.variant is 'kent'; expected 'standard' or "
                                "'havering'. Correct parameters/rules.yaml.")
    with pytest.raises(ValueError) as error:
        assess_indicators(indicators, frame, settings={"trend": {"quarters": 4, "min_points": 6}})
    assert str(error.value) == ("settings trend.min_points (6) must be at least 3 and at most "
                                "trend.quarters (4). Correct parameters/rules.yaml.")


def test_missing_indicator_column_is_an_error():
    with pytest.raises(ValueError) as error:
        assess_indicators(pd.DataFrame({"pi_id": ["A"], "polarity": ["context"]}),
                          series("A", "2025-26 Q1", [1.0], 1.0))
    assert str(error.value) == ("indicators: column 'tolerance' is missing (found: pi_id, "
                                "polarity). Use the columns of indicators.csv (docs/workspace.md).")


def test_ward_rows_are_ignored():
    frame = pd.concat([series("A", "2025-26 Q1", [5.0], 6.0, ward_code=""),
                       series("A", "2025-26 Q1", [9.0], 6.0, ward_code="AB01")])
    result = assess_indicators(pis(("A", "lower_better", 10.0, "relative")), frame)
    assert result[["value", "rag"]].values.tolist() == [[5.0, "green"]]


# ---------------------------------------------------------------- the pack's table


INDICATORS = pd.DataFrame({
    "pi_id": ["Q", "A"], "service_id": ["s", "s"], "name": ["Quarterly", "Annual"],
    "unit": ["%", "sites"], "polarity": ["higher_better", "higher_better"], "is_key": [True, False],
    "tolerance": [5.0, 1.0], "tolerance_type": ["relative", "absolute"],
    "frequency": ["quarterly", "annual"]})
VALUES = pd.DataFrame({
    "pi_id": ["Q", "Q", "Q", "Q", "A", "Q"],
    "period": ["2024-25 Q2", "2025-26 Q1", "2025-26 Q2", "2025-26 Q3", "2024-25 Q4", "2025-26 Q2"],
    "value": [80.0, 82.0, 85.0, 99.0, 4.0, 10.0],
    "target": [84.0, 84.0, 84.0, 84.0, 5.0, 84.0],
    "data_status": ["final", "final", "provisional", "final", "final", "final"],
    "ward_code": ["", "", "", "", "", "AB01"],
})


def test_indicator_table_uses_borough_rows_of_the_period_and_its_comparators():
    table = indicator_table(INDICATORS, VALUES, "s", "2025-26 Q2").set_index("pi_id")
    quarterly = table.loc["Q"]
    assert (quarterly.value, quarterly.target, quarterly.data_status) == (85.0, 84.0, "provisional")
    assert quarterly.previous_quarter == 82.0 and quarterly.same_quarter_last_year == 80.0
    # 85 ≥ 84: green, marked provisional; 85 vs 82 is 3.7% better, vs 80 6.25% better.
    assert (quarterly.rag, quarterly.rag_marker, quarterly.dot_short, quarterly.dot_long) == (
        "green", "provisional", "better", "better")


def test_annual_indicator_shows_its_latest_value_and_when_it_was():
    annual = indicator_table(INDICATORS, VALUES, "s", "2025-26 Q2").set_index("pi_id").loc["A"]
    assert (annual.value_period, annual.value) == ("2024-25 Q4", 4.0)
    assert math.isnan(annual.previous_quarter)
    assert (annual.rag, annual.dot_short) == ("amber", "n/a")   # 4 is 1 below 5: on the line


def test_quarterly_indicator_without_a_row_for_the_period_has_no_data():
    table = indicator_table(INDICATORS, VALUES, "s", "2025-26 Q4").set_index("pi_id")
    quarterly = table.loc["Q"]
    assert (quarterly.value_period, quarterly.data_status, quarterly.rag) == (
        "2025-26 Q4", "missing", "no data")
    assert math.isnan(quarterly.value)


def test_pi_history_is_the_last_n_quarters_without_ward_rows():
    history = pi_history(VALUES, ["Q"], "2025-26 Q2", 5)
    assert history["period"].tolist() == ["2024-25 Q2", "2025-26 Q1", "2025-26 Q2"]
    assert history["value"].tolist() == [80.0, 82.0, 85.0]


# ---------------------------------------------------------------- the demo council


@pytest.fixture(scope="module")
def demo(demo_workspace):
    return load_workspace(demo_workspace)


@pytest.fixture(scope="module")
def assessed(demo):
    return assess_indicators(demo.indicators, demo.pi_values, demo.benchmarks,
                             demo.parameters.settings)


def scenario_table(heading: str) -> pd.DataFrame:
    """The markdown table under ``heading`` in the demo's SCENARIO.md, as strings."""
    text = (DEMO_WORKSPACE / "SCENARIO.md").read_text(encoding="utf-8")
    after = text[text.index(heading):].splitlines()[1:]
    lines = [line for line in after[next(i for i, l in enumerate(after) if l.startswith("|")):]]
    lines = lines[:next((i for i, l in enumerate(lines) if not l.startswith("|")), len(lines))]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    return pd.DataFrame(cells[2:], columns=cells[0])


def test_demo_current_quarter_matches_scenario(assessed):
    expected = scenario_table("### Every indicator in 2025-26 Q2")
    assert len(expected) == 30
    found = assessed.set_index(["pi_id", "period"]).loc[list(zip(expected["PI"], expected["period"]))]
    assert found["rag"].tolist() == expected["RAG"].tolist()
    # SCENARIO.md's short term is always against the previous quarter; a year-to-date PI
    # (LB03, LE03, PL01, PL02) is compared with the same quarter last year instead, which is
    # SCENARIO.md's long-term column.
    cumulative = found["cumulative"].to_numpy()
    short = np.where(cumulative, expected["long-term"], expected["short-term"])
    assert found.index[cumulative].get_level_values("pi_id").tolist() == [
        "LB03", "LE03", "PL01", "PL02"]
    assert found["dot_short"].tolist() == short.tolist()
    assert found["dot_long"].tolist() == expected["long-term"].tolist()
    assert found["data_status"].tolist() == expected["status"].tolist()


def test_demo_litter_is_red_for_exactly_three_quarters(assessed):
    litter = assessed[assessed["pi_id"] == "SC01"].set_index("period")
    assert litter.index[litter["rag"] == "red"].tolist() == ["2024-25 Q4", "2025-26 Q1", "2025-26 Q2"]
    assert litter.loc["2025-26 Q2", "consecutive_red"] == 3
    assert litter["consecutive_red"].max() == 3


def test_demo_calls_abandoned_red_twice_without_commentary(assessed):
    calls = assessed[(assessed["pi_id"] == "CS02") & (assessed["rag"] == "red")]
    assert calls["period"].tolist() == ["2025-26 Q1", "2025-26 Q2"]
    assert calls["consecutive_red"].tolist() == [1, 2] and (calls["commentary"] == "").all()


def test_demo_benchmark_positions_match_scenario(assessed):
    expected = scenario_table("### Benchmark positions, 2024-25")
    annual = assessed["frequency"] == "annual"   # annual PIs report at Q4
    found = assessed[(assessed["period"] == "2025-26 Q2")
                     | (annual & (assessed["period"] == "2024-25 Q4"))].set_index("pi_id")
    found = found.loc[expected["PI"]]
    position = found["benchmark_quartile"].map({1: "top quartile", 2: "middle half",
                                                3: "middle half", 4: "bottom quartile"})
    assert position.tolist() == expected["position"].tolist()
    assert [f"{r} of {n}" for r, n in zip(found["benchmark_rank"], found["benchmark_n"])] == \
        expected["rank"].tolist()
    ashbrook = expected["Ashbrook"].str.replace(",", "").astype(float)
    # SCENARIO.md prints the value to 2 decimals (877.725 shows as 877.73)
    assert found["benchmark_value"].tolist() == pytest.approx(ashbrook.tolist(), abs=0.005 + 1e-9)
    assert (found["benchmark_year"] == "2024-25").all()


def test_demo_year_to_date_indicators_are_reported_cumulatively(assessed):
    lb03 = assessed[(assessed["pi_id"] == "LB03") & (assessed["period"] == "2025-26 Q2")].iloc[0]
    # pi_values.csv: 2025-26 Q1 967,633 / 253,872, Q2 1,982,145 / 519,963 (running totals)
    assert lb03["ytd_value"] == 3.81
    assert lb03["quarter_value"] == pytest.approx((1_982_145 - 967_633) / (519_963 - 253_872))


def test_later_quarters_never_change_an_earlier_judgement(demo, assessed):
    early = demo.pi_values[demo.pi_values["period"] <= "2024-25 Q4"]
    again = assess_indicators(demo.indicators, early, demo.benchmarks, demo.parameters.settings)
    before = assessed[assessed["period"] <= "2024-25 Q4"].reset_index(drop=True)
    pd.testing.assert_frame_equal(again.reset_index(drop=True), before)

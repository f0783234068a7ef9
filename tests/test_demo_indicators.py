"""The Ashbrook demo's services, indicators, PI values and benchmarks carry the planted story.

Each planted signal is re-checked here with arithmetic a reader can redo by hand from the
generated files (targets and tolerances are read from indicators.csv, never from the
generator), so a change to the generator that breaks SCENARIO.md fails a named test.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pmresearch.demo import _ashbrook, indicators

LITTER, MISSED_BINS, CAT1_DEFECTS, CALLS_ABANDONED = "SC01", "WR03", "HW01", "CS02"
CALENDAR_2025 = ["2024-25 Q4", "2025-26 Q1", "2025-26 Q2"]


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return indicators.build()


@pytest.fixture(scope="module")
def borough(tables) -> pd.DataFrame:
    values = tables["pi_values.csv"]
    return values[values["ward_code"].isna()]


def _series(borough: pd.DataFrame, pi_id: str) -> pd.DataFrame:
    return borough[borough["pi_id"] == pi_id].set_index("period")


def _spec(tables, pi_id: str) -> pd.Series:
    return tables["indicators.csv"].set_index("pi_id").loc[pi_id]


def _red_line(target: float, spec: pd.Series) -> float:
    """target ± tolerance band: the worst value that is still amber."""
    width = (spec["tolerance"] / 100 * target if spec["tolerance_type"] == "relative"
             else spec["tolerance"])
    return target + width if spec["polarity"] == "lower_better" else target - width


def _is_red(value: float, target: float, spec: pd.Series) -> bool:
    edge = _red_line(target, spec)
    return value > edge + 1e-9 if spec["polarity"] == "lower_better" else value < edge - 1e-9


# --- structure -----------------------------------------------------------------------------


def test_build_returns_the_four_performance_files_with_contract_columns(tables):
    assert list(tables) == ["services.csv", "indicators.csv", "pi_values.csv", "benchmarks.csv"]
    assert list(tables["services.csv"].columns) == [
        "service_id", "service_name", "directorate", "survey_items", "key_pi", "portfolio"]
    assert list(tables["indicators.csv"].columns) == [
        "pi_id", "service_id", "name", "unit", "polarity", "tolerance", "tolerance_type",
        "is_key", "frequency", "cumulative", "numerator_label", "denominator_label",
        "benchmark_group"]
    assert list(tables["pi_values.csv"].columns) == [
        "pi_id", "period", "period_end", "ward_code", "value", "numerator", "denominator",
        "target", "data_status", "dq_flag", "commentary"]
    assert list(tables["benchmarks.csv"].columns) == [
        "pi_id", "year", "comparator_group", "n", "lower_quartile", "median", "upper_quartile",
        "rank"]


def test_services_follow_ashbrook_and_name_their_key_pi(tables):
    services = tables["services.csv"].set_index("service_id")
    assert list(services.index) == _ashbrook.SERVICE_IDS
    assert services.loc["waste_recycling", "survey_items"] == "sat_waste;sat_recycling"
    for service_id in ("planning", "customer_services"):
        assert services.loc[service_id, "survey_items"] == ""
    ind = tables["indicators.csv"].set_index("pi_id")
    for service_id, key in services["key_pi"].items():
        assert ind.loc[key, "service_id"] == service_id
        assert ind.loc[key, "is_key"] == "true"
    assert services.loc["waste_recycling", "key_pi"] == MISSED_BINS
    assert services.loc["street_cleansing", "key_pi"] == LITTER
    assert services.loc["highways", "key_pi"] == CAT1_DEFECTS


def test_every_service_has_three_to_five_pis_and_exactly_one_key(tables):
    ind = tables["indicators.csv"]
    per_service = ind.groupby("service_id")["pi_id"].count()
    keys = ind[ind["is_key"] == "true"].groupby("service_id")["pi_id"].count()
    assert per_service.between(3, 5).all() and len(per_service) == 8
    assert (keys == 1).all() and len(keys) == 8
    assert 28 <= len(ind) <= 32


def test_indicator_codes_take_allowed_values(tables):
    ind = tables["indicators.csv"]
    assert set(ind["polarity"]) == {"higher_better", "lower_better", "context"}
    assert set(ind["tolerance_type"]) == {"relative", "absolute"}
    assert set(ind["frequency"]) == {"quarterly", "annual"}
    assert set(ind["is_key"]) | set(ind["cumulative"]) == {"true", "false"}
    assert (ind.loc[ind["polarity"] == "context", "benchmark_group"] == "").all()


@pytest.mark.parametrize("period, last_day", [
    ("2022-23 Q1", "2022-06-30"), ("2022-23 Q3", "2022-12-31"),
    ("2024-25 Q4", "2025-03-31"), ("2025-26 Q2", "2025-09-30"),
])
def test_period_end_is_the_last_day_of_the_financial_quarter(borough, period, last_day):
    assert set(borough.loc[borough["period"] == period, "period_end"]) == {last_day}


def test_every_period_end_matches_pandas_fiscal_quarters(tables):
    values = tables["pi_values.csv"]
    for period, ends in values.groupby("period")["period_end"]:
        # pandas labels a fiscal year ending in March by its end year: 2022-23 Q1 = 2023Q1.
        fiscal = pd.Period(f"{int(period[:4]) + 1}Q{period[-1]}", freq="Q-MAR")
        assert set(ends) == {fiscal.end_time.strftime("%Y-%m-%d")}


def test_quarterly_pis_cover_14_quarters_and_annual_pis_only_q4(tables, borough):
    ind = tables["indicators.csv"].set_index("pi_id")
    periods = borough.groupby("pi_id")["period"].apply(list)
    for pi_id, listed in periods.items():
        if ind.loc[pi_id, "frequency"] == "quarterly":
            assert listed == _ashbrook.PERIODS
        else:
            assert listed == ["2022-23 Q4", "2023-24 Q4", "2024-25 Q4"]


def test_targets_are_set_per_financial_year(tables, borough):
    scored = borough[borough["target"].notna()]
    per_year = scored.groupby([scored["pi_id"], scored["period"].str[:7]])["target"].nunique()
    assert (per_year == 1).all()
    context = tables["indicators.csv"].query("polarity == 'context'")["pi_id"]
    assert borough.loc[borough["pi_id"].isin(context), "target"].isna().all()


def test_rates_equal_numerator_over_denominator(tables, borough):
    scale = {"%": 100, "per 100,000 collections": 100_000, "visits per 1,000 population": 1_000,
             "issues per 1,000 population": 1_000, "kg per household": 1, "£ per visit": 1}
    units = tables["indicators.csv"].set_index("pi_id")["unit"]
    rated = tables["pi_values.csv"].dropna(subset=["numerator", "denominator", "value"])
    for row in rated.itertuples():
        expected = row.numerator / row.denominator * scale[units[row.pi_id]]
        assert abs(row.value - expected) <= 0.05 + 1e-9, (row.pi_id, row.period)


# --- data quality --------------------------------------------------------------------------


def test_about_three_percent_of_borough_values_are_missing_and_blank(tables, borough):
    values = tables["pi_values.csv"]
    missing = values["data_status"] == "missing"
    assert (values["value"].isna() == missing).all()  # blank exactly when missing
    share = (borough["data_status"] == "missing").mean()
    assert 0.02 <= share <= 0.04  # 12 of 387 = 3.1%


def test_exactly_one_value_is_restated(tables):
    restated = tables["pi_values.csv"].query("dq_flag == 'restated'")
    assert len(restated) == 1
    assert restated["commentary"].str.contains("Restated").all()


def test_statuses_and_flags_take_allowed_values(tables, borough):
    values = tables["pi_values.csv"]
    assert set(values["data_status"]) == {"final", "provisional", "estimated", "missing"}
    assert set(values["dq_flag"]) == {"none", "caveat", "restated"}
    provisional = borough[borough["data_status"] == "provisional"]
    assert set(provisional["period"]) == {_ashbrook.CURRENT_PERIOD} and len(provisional) >= 2
    assert 2 <= (borough["data_status"] == "estimated").sum() <= 5


# --- planted signals -----------------------------------------------------------------------


def test_street_litter_is_red_in_the_three_quarters_of_2025_and_not_before(tables, borough):
    spec, series = _spec(tables, LITTER), _series(borough, LITTER)
    assert (spec["polarity"], spec["tolerance"], spec["tolerance_type"]) == (
        "lower_better", 10.0, "relative")
    # red means value > target × (1 + 10/100): 6 × 1.1 = 6.6 with the demo's 6% target
    red = [p for p, row in series.iterrows()
           if row["value"] > row["target"] * (1 + spec["tolerance"] / 100)]
    assert red == CALENDAR_2025
    assert series.loc[CALENDAR_2025, "commentary"].str.contains("Corrective action").all()


def test_missed_bins_are_green_and_improving_in_2025_26(tables, borough):
    spec, series = _spec(tables, MISSED_BINS), _series(borough, MISSED_BINS)
    assert spec["polarity"] == "lower_better"
    for period, previous, year_ago in [("2025-26 Q1", "2024-25 Q4", "2024-25 Q1"),
                                       ("2025-26 Q2", "2025-26 Q1", "2024-25 Q2")]:
        now = series.loc[period, "value"]
        assert now <= series.loc[period, "target"]  # green: at or below target
        # better by more than the 1% "same" band against both comparison quarters
        assert now < 0.99 * series.loc[previous, "value"]
        assert now < 0.99 * series.loc[year_ago, "value"]


def test_highways_key_pi_is_bottom_quartile_and_worsening(tables, borough):
    series = _series(borough, CAT1_DEFECTS)
    bench = tables["benchmarks.csv"].set_index(["pi_id", "year"])
    year = series.loc[[f"2024-25 Q{q}" for q in range(1, 5)], "value"]
    assert year.mean() < bench.loc[(CAT1_DEFECTS, "2024-25"), "lower_quartile"]
    assert bench.loc[(CAT1_DEFECTS, "2024-25"), "rank"] >= 13
    now, year_ago = series.loc["2025-26 Q2", "value"], series.loc["2024-25 Q2", "value"]
    assert now < 0.99 * year_ago  # worse by more than the 1% band
    assert now >= 95 * (1 - 0.05) and series.loc["2025-26 Q2", "target"] == 95  # amber


def test_calls_abandoned_are_red_twice_without_commentary(tables, borough):
    spec, series = _spec(tables, CALLS_ABANDONED), _series(borough, CALLS_ABANDONED)
    for period in ("2025-26 Q1", "2025-26 Q2"):
        assert _is_red(series.loc[period, "value"], series.loc[period, "target"], spec)
        assert pd.isna(series.loc[period, "commentary"])
    assert not _is_red(series.loc["2024-25 Q4", "value"], series.loc["2024-25 Q4", "target"],
                       spec)


def test_only_the_planted_quarters_are_red(tables, borough):
    specs = tables["indicators.csv"].set_index("pi_id")
    scored = borough[borough["target"].notna()
                     & borough["data_status"].isin(["final", "provisional"])]
    red = sorted((row.pi_id, row.period) for row in scored.itertuples()
                 if _is_red(row.value, row.target, specs.loc[row.pi_id]))
    assert red == sorted([(LITTER, p) for p in CALENDAR_2025]
                         + [(CALLS_ABANDONED, "2025-26 Q1"), (CALLS_ABANDONED, "2025-26 Q2")])


def test_recycling_peaks_in_spring_and_summer(borough):
    series = _series(borough, "WR01")["value"].dropna()
    summer = series[series.index.str.endswith(("Q1", "Q2"))].mean()
    winter = series[series.index.str.endswith(("Q3", "Q4"))].mean()
    assert summer > winter + 2


def test_ward_rows_add_up_to_the_borough_row(tables, borough):
    values = tables["pi_values.csv"]
    wards = values[values["ward_code"].notna()]
    assert set(wards["pi_id"]) == {LITTER, MISSED_BINS}
    assert set(wards["period"]) == {"2025-26 Q1", "2025-26 Q2"}
    for (pi_id, period), frame in wards.groupby(["pi_id", "period"]):
        assert sorted(frame["ward_code"]) == _ashbrook.WARD_CODES
        total = _series(borough, pi_id).loc[period]
        assert frame["numerator"].sum() == total["numerator"]
        assert frame["denominator"].sum() == total["denominator"]


def test_ward_litter_is_highest_in_hotspot_and_deprived_wards(tables):
    values = tables["pi_values.csv"]
    quintile = {code: q for code, _, q, _ in _ashbrook.WARDS}
    for period in ("2025-26 Q1", "2025-26 Q2"):
        wards = values[(values["pi_id"] == LITTER) & (values["period"] == period)
                       & values["ward_code"].notna()].set_index("ward_code")["value"]
        assert set(wards.nlargest(2).index) == set(_ashbrook.STREET_HOTSPOT_WARDS)
        deprived = wards[[c for c in wards.index if quintile[c] <= 2]].mean()
        affluent = wards[[c for c in wards.index if quintile[c] >= 4]].mean()
        assert deprived > affluent + 2


# --- benchmarks ----------------------------------------------------------------------------


def test_benchmarks_cover_every_benchmarked_pi_for_three_years(tables):
    ind, bench = tables["indicators.csv"], tables["benchmarks.csv"]
    benchmarked = ind.loc[ind["benchmark_group"] != "", "pi_id"]
    expected = {(pi, year) for pi in benchmarked for year in ("2022-23", "2023-24", "2024-25")}
    assert set(zip(bench["pi_id"], bench["year"])) == expected
    assert (bench["n"] == 16).all() and (bench["comparator_group"] == ind.loc[
        ind["benchmark_group"] != "", "benchmark_group"].iloc[0]).all()


def test_quartiles_are_ordered_and_rank_agrees_with_them(tables, borough):
    bench = tables["benchmarks.csv"]
    assert (bench["lower_quartile"] <= bench["median"]).all()
    assert (bench["median"] <= bench["upper_quartile"]).all()
    assert bench["rank"].between(1, 16).all()
    specs = tables["indicators.csv"].set_index("pi_id")
    for row in bench.itertuples():
        spec, series = specs.loc[row.pi_id], _series(borough, row.pi_id)
        in_year = series[series.index.str.startswith(row.year)]["value"].dropna()
        ytd_or_annual = spec["cumulative"] == "true" or spec["frequency"] == "annual"
        own = in_year.iloc[-1] if ytd_or_annual else round(in_year.mean(), 2)
        sign = 1 if spec["polarity"] == "higher_better" else -1
        worse_q, better_q = ((row.lower_quartile, row.upper_quartile) if sign == 1
                             else (row.upper_quartile, row.lower_quartile))
        # 16 values: worse than the worse quartile leaves at most 3 below Ashbrook
        if sign * (own - worse_q) < 0:
            assert row.rank >= 13, row
        if sign * (own - better_q) > 0:
            assert row.rank <= 4, row


# --- determinism and scenario --------------------------------------------------------------


def test_build_is_byte_for_byte_deterministic(tables):
    again = indicators.build()
    for name, frame in tables.items():
        assert frame.to_csv(index=False) == again[name].to_csv(index=False), name


def test_scenario_states_the_generated_numbers(tables, borough):
    text = indicators.scenario(tables)
    assert text.startswith("## Performance indicators\n")
    missing = (borough["data_status"] == "missing").sum()
    assert f"{missing} of {len(borough)} borough values are missing" in text
    rank = tables["benchmarks.csv"].set_index(["pi_id", "year"]).loc[
        (CAT1_DEFECTS, "2024-25"), "rank"]
    assert f"{rank} of 16 | bottom quartile" in text
    litter_now = _series(borough, LITTER).loc["2025-26 Q2", "value"]
    assert f"| 2025-26 Q2 | {litter_now:g} |" in text

"""The Ashbrook survey generator: population margins, the skewed sample and its planted signals.

Every check is arithmetic a reader can redo from the generated CSVs (counts, shares, unweighted
percentages). The only weighting here is a ten-line reference raking used to pin the design
effect the demo promises; the package's own raking is tested in test_weighting.py.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from pmresearch.demo import _ashbrook, survey
from pmresearch.demo._survey_model import population_joint, population_truth

WAVES = [label for label, *_ in _ashbrook.WAVES]
ITEMS = [name for name, *_ in _ashbrook.SURVEY_ITEMS]
VARIABLES = ["ward_code", "age_band", "sex", "ethnic_group", "tenure"]


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return survey.build()


@pytest.fixture(scope="module")
def responses(tables) -> pd.DataFrame:
    return tables["survey_responses.csv"]


@pytest.fixture(scope="module")
def margins(tables) -> pd.DataFrame:
    return tables["population_margins.csv"]


def _pct_satisfied(answers: pd.Series) -> float:
    """Unweighted % satisfied: codes 1–2 over valid answers (9 and blank excluded)."""
    valid = answers.dropna()
    valid = valid[valid != 9]
    return 100 * float((valid <= 2).mean())


def _csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def test_build_returns_the_five_survey_files(tables):
    assert list(tables) == ["wards.csv", "population_margins.csv", "survey_waves.csv",
                            "survey_items.csv", "survey_responses.csv"]
    assert list(tables["wards.csv"].columns) == ["ward_code", "ward_name", "adult_population",
                                                 "imd_quintile", "urban_rural"]
    assert list(tables["survey_waves.csv"].columns) == ["wave", "fieldwork_start", "fieldwork_end",
                                                        "mode", "target_sample"]
    assert list(tables["survey_items.csv"].columns) == ["item", "question", "scale_points"]


def test_wards_hold_about_210000_adults_6000_to_16000_each(tables):
    adults = tables["wards.csv"]["adult_population"]
    assert list(tables["wards.csv"]["ward_code"]) == _ashbrook.WARD_CODES
    assert 205_000 <= adults.sum() <= 215_000
    assert adults.between(6_000, 16_000).all()


def test_every_margin_variable_sums_to_the_same_total(margins):
    totals = margins.groupby("variable")["population"].sum()
    assert sorted(totals.index) == sorted(VARIABLES)
    assert totals.nunique() == 1
    assert "wave" not in margins.columns


def test_ward_margins_equal_the_wards_adult_population(tables, margins):
    wards = margins[margins["variable"] == "ward_code"].set_index("category")["population"]
    expected = tables["wards.csv"].set_index("ward_code")["adult_population"]
    pd.testing.assert_series_equal(wards, expected, check_names=False)


@pytest.mark.parametrize(("variable", "category", "share"), [
    # domain.md §5: the borough's census-like profile.
    ("age_band", "18-34", 0.27), ("age_band", "65+", 0.24), ("sex", "Female", 0.51),
    ("ethnic_group", "White", 0.84), ("ethnic_group", "Black", 0.035),
    ("tenure", "Owner occupier", 0.63), ("tenure", "Private rent", 0.20),
])
def test_margin_shares_match_the_domain_profile(margins, variable, category, share):
    row = margins[(margins["variable"] == variable) & (margins["category"] == category)]
    assert row["share"].item() == pytest.approx(share, abs=0.0005)
    total = margins[margins["variable"] == variable]["population"].sum()
    assert row["population"].item() / total == pytest.approx(row["share"].item(), abs=0.00005)


def test_deprived_wards_are_younger_more_diverse_and_rent_more():
    joint = population_joint()  # ward × age × sex × ethnic group × tenure
    imd = np.array([q for _, _, q, _ in _ashbrook.WARDS])
    people = joint.sum(axis=(1, 2, 3, 4))
    young = joint[:, 0].sum(axis=(1, 2, 3)) / people
    white = joint[:, :, :, 0].sum(axis=(1, 2, 3)) / people
    renting = joint[..., 1:].sum(axis=(1, 2, 3, 4)) / people
    most, least = imd == 1, imd == 5
    assert young[most].min() > young[least].max()
    assert white[most].max() < white[least].min()
    assert renting[most].min() > renting[least].max()


def test_responses_have_the_contract_columns_in_order(responses):
    assert list(responses.columns) == [
        "respondent_id", "wave", "mode", "ward_code", "age_band", "sex", "ethnic_group",
        "tenure", "disability", "has_children", "used_library_12m", "used_leisure_12m",
        "used_parks_12m", *ITEMS]
    assert responses["respondent_id"].is_unique
    assert responses["respondent_id"].iloc[0].startswith("R2023-")
    assert set(responses["mode"]) == {"postal", "online"}
    assert set(responses["disability"]) == set(_ashbrook.DISABILITY_CATEGORIES)
    for variable, categories in _ashbrook.WEIGHTING_CATEGORIES.items():
        assert set(responses[variable]) == set(categories)


def test_sample_sizes_per_wave(responses):
    assert responses.groupby("wave").size().to_dict() == {"2023": 2300, "2024": 1950,
                                                          "2025": 1650}


def test_every_ward_has_at_least_60_returns_per_wave(responses):
    counts = responses.groupby(["wave", "ward_code"]).size()
    assert len(counts) == 3 * 20
    assert counts.min() >= 60
    assert counts.max() > 1.5 * counts.min()  # unequal, as real returns are


def test_sample_is_skewed_against_the_population(responses, margins):
    share = margins.set_index(["variable", "category"])["share"]
    for wave, part in responses.groupby("wave"):
        older = (part["age_band"] == "65+").mean()
        assert older > share[("age_band", "65+")] + 0.10, wave  # ≈ 38% against 24%
        assert (part["tenure"] == "Private rent").mean() < 0.13, wave  # ≈ 10% against 20%
        assert (part["ethnic_group"] == "White").mean() > 0.88, wave  # ≈ 90% against 84%
        assert (part["sex"] == "Female").mean() > share[("sex", "Female")], wave
        assert 0.15 < (part["disability"] == "Yes").mean() < 0.30, wave


def test_codes_stay_within_each_items_scale(tables, responses):
    points = tables["survey_items.csv"].set_index("item")["scale_points"]
    for item in ITEMS:
        assert responses[item].dtype == "Int64"
        codes = set(responses[item].dropna().astype(int))
        assert codes <= set(range(1, points[item] + 1)) | {9}, item
        assert codes >= {1, 2, 3, points[item]}, item


def test_recycling_is_not_asked_in_2023_and_everything_else_is(responses):
    first = responses["wave"] == "2023"
    assert responses.loc[first, "sat_recycling"].isna().all()
    assert responses.loc[~first, "sat_recycling"].notna().all()
    assert responses[[i for i in ITEMS if i != "sat_recycling"]].notna().all().all()


def test_integer_codes_are_written_without_decimals(responses):
    written = pd.read_csv(io.StringIO(_csv(responses)), dtype=str, keep_default_na=False)
    for item in ITEMS:
        assert written[item].str.fullmatch(r"[1-59]?").all(), item
    assert (written.loc[written["wave"] == "2023", "sat_recycling"] == "").all()


def test_build_is_deterministic(tables):
    again = survey.build()
    for name, frame in tables.items():
        assert _csv(frame) == _csv(again[name]), name


def test_library_and_leisure_dont_know_mostly_from_non_users(responses):
    for item, flag in [("sat_libraries", "used_library_12m"), ("sat_leisure", "used_leisure_12m")]:
        dk = responses[item] == 9
        assert 0.20 < dk.mean() < 0.35, item
        assert dk[responses[flag] == "No"].mean() > 5 * dk[responses[flag] == "Yes"].mean()


def _change(responses: pd.DataFrame, item: str) -> float:
    by_wave = {w: _pct_satisfied(p[item]) for w, p in responses.groupby("wave")}
    return by_wave["2025"] - by_wave["2024"]


def test_planted_changes_2024_to_2025_unweighted(responses):
    # Recorded (seed 112204): street -6.5, waste -3.9, libraries -3.0, parks +6.3 points.
    assert -10 < _change(responses, "sat_street_clean") < -5
    assert -7 < _change(responses, "sat_waste") < -3
    assert -5 < _change(responses, "sat_libraries") < -1
    assert 3 < _change(responses, "sat_parks") < 8


def test_hotspot_wards_far_below_the_borough_on_street_cleaning_in_2025(responses):
    wave = responses[responses["wave"] == "2025"]
    borough = _pct_satisfied(wave["sat_street_clean"])
    for code in _ashbrook.STREET_HOTSPOT_WARDS:
        answers = wave.loc[wave["ward_code"] == code, "sat_street_clean"]
        assert ((answers.notna()) & (answers != 9)).sum() >= 60
        assert _pct_satisfied(answers) < borough - 18, code
    others = [_pct_satisfied(wave.loc[wave["ward_code"] == c, "sat_street_clean"])
              for c in _ashbrook.WARD_CODES if c not in _ashbrook.STREET_HOTSPOT_WARDS]
    assert min(others) > borough - 15


@pytest.mark.parametrize(("column", "value"), [("age_band", "18-34"), ("disability", "Yes")])
def test_young_and_disabled_residents_less_satisfied_with_the_council(responses, column, value):
    for wave, part in responses.groupby("wave"):
        inside = part[column] == value
        gap = _pct_satisfied(part.loc[inside, "sat_council"]) - _pct_satisfied(
            part.loc[~inside, "sat_council"])
        assert -20 < gap < -9, (wave, gap)
        assert inside.sum() >= 100


def _rake(sample: pd.DataFrame, margins: pd.DataFrame) -> np.ndarray:
    """Reference iterative proportional fitting to the five margins (mean weight 1)."""
    weights = np.ones(len(sample))
    for _ in range(200):
        for variable in VARIABLES:
            target = margins[margins["variable"] == variable].set_index("category")["population"]
            target = target / target.sum() * len(sample)
            achieved = pd.Series(weights).groupby(sample[variable].to_numpy()).sum()
            weights = weights * (target / achieved).reindex(sample[variable]).to_numpy()
    return weights / weights.mean()


def test_raking_costs_a_design_effect_between_1_3_and_1_6(responses, margins):
    for wave, part in responses.groupby("wave"):
        weights = _rake(part.reset_index(drop=True), margins)
        deff = 1 + weights.var() / weights.mean() ** 2  # Kish: 1 + CV²
        assert 1.3 < deff < 1.6, (wave, deff)


def test_population_truth_hits_the_planted_targets():
    truth = population_truth().set_index(["item", "wave"])["pct_satisfied"]
    assert truth[("sat_street_clean", "2024")] == 66.0
    assert truth[("sat_street_clean", "2025")] == 58.5
    assert truth[("sat_parks", "2025")] - truth[("sat_parks", "2024")] == pytest.approx(5.0)
    assert ("sat_recycling", "2023") not in truth.index


def test_scenario_reports_the_tables(tables):
    text = survey.scenario(tables)
    assert text.startswith("## Population and survey")
    total = tables["wards.csv"]["adult_population"].sum()
    assert f"{total:,} adults" in text
    assert "| sat_recycling | 2023 | not asked |" in text
    for code in _ashbrook.STREET_HOTSPOT_WARDS:
        assert f"| {code} |" in text

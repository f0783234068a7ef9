"""Weighting against closed forms, hand calculations, invariants and R's survey package.

Every expected number is worked out independently of the code: the 2 × 2 raking limit from the
odds-ratio quadratic, trimming and post-stratification by hand, Kish's design effect by hand,
the post-stratified variance from its textbook formula, and the raked standard errors recorded
from R (``tests/reference/r_survey_reference.R``).
"""

import dataclasses
import math
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmresearch.demo import DEMO_WORKSPACE
from pmresearch.design import PostStratification, RakingCalibration, SurveyDesign
from pmresearch.errors import WeightingError
from pmresearch.weighting import (WeightingResult, collapse_categories, poststratify, rake,
                                  trim_weights, weight_wave)
from pmresearch.workspace import load_workspace

REFERENCE = Path(__file__).parent / "reference"
DEMO_VARIABLES = ["ward_code", "age_band", "sex", "ethnic_group", "tenure"]


def _margins(rows: dict[str, dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame([(v, c, p) for v, cats in rows.items() for c, p in cats.items()],
                        columns=["variable", "category", "population"])


def _people(cells: dict[tuple[str, str], int]) -> pd.DataFrame:
    """Respondents: ``count`` rows of each (sex, age) cell, in the order given."""
    rows = [cell for cell, count in cells.items() for _ in range(count)]
    return pd.DataFrame(rows, columns=["sex", "age"])


SEX_AGE = _margins({"sex": {"F": 55.0, "M": 45.0}, "age": {"old": 40.0, "young": 60.0}})


@pytest.fixture(scope="module")
def ws():
    return load_workspace(DEMO_WORKSPACE)


# ---------------------------------------------------------------------------------- raking


def test_two_by_two_raking_reaches_the_closed_form_limit():
    # Raking keeps the sample's odds ratio θ = (3·2)/(1·1) = 6. With F-old total x the table
    # is [[x, 55 − x], [40 − x, 5 + x]], so x(5 + x) = 6(55 − x)(40 − x), i.e.
    # x² − 115x + 2640 = 0.
    people = _people({("F", "old"): 3, ("F", "young"): 1, ("M", "old"): 1, ("M", "young"): 2})
    x = (115 - math.sqrt(115**2 - 4 * 2640)) / 2
    expected = [x / 3] * 3 + [55 - x, 40 - x] + [(5 + x) / 2] * 2
    result = rake(people, SEX_AGE, variables=["sex", "age"])
    assert result.weights.tolist() == pytest.approx(expected, rel=1e-8)
    assert result.weights.name == "weight" and result.weights.index.equals(people.index)
    assert result.diagnostics.converged and result.diagnostics.iterations > 1


def test_margins_order_does_not_change_the_limit():
    people = _people({("F", "old"): 3, ("F", "young"): 1, ("M", "old"): 1, ("M", "young"): 2})
    one = rake(people, SEX_AGE, variables=["sex", "age"]).weights
    other = rake(people, SEX_AGE, variables=["age", "sex"]).weights
    assert one.tolist() == pytest.approx(other.tolist(), rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_raked_weights_reproduce_every_margin(data):
    sizes = data.draw(st.lists(st.integers(2, 4), min_size=2, max_size=3), label="categories")
    n_cells = math.prod(sizes)
    counts = data.draw(st.lists(st.integers(1, 12), min_size=n_cells, max_size=n_cells))
    population = np.array(data.draw(st.lists(st.floats(1.0, 1000.0), min_size=n_cells,
                                             max_size=n_cells))).reshape(sizes)
    names = [f"v{j}" for j in range(len(sizes))]
    cells = np.array(list(np.ndindex(*sizes)))
    rows = np.repeat(cells, counts, axis=0)
    responses = pd.DataFrame({name: [f"c{k}" for k in rows[:, j]] for j, name in enumerate(names)})
    targets = {name: {f"c{k}": population.sum(axis=tuple(i for i in range(len(sizes)) if i != j))[k]
                      for k in range(size)} for j, (name, size) in enumerate(zip(names, sizes))}
    result = rake(responses, _margins(targets), variables=names, max_iter=1000)
    for name in names:
        weighted = result.weights.groupby(responses[name]).sum()
        wanted = pd.Series(targets[name])
        assert (weighted / wanted - 1).abs().max() <= 1e-10 * (1 + 1e-6)
    assert result.weights.sum() == pytest.approx(population.sum(), rel=1e-12)


def test_design_weights_start_the_raking_and_may_be_a_column_or_an_array():
    # One margin: raking is post-stratification, weight = d · N_c / Σ_c d.
    people = pd.DataFrame({"sex": ["F", "F", "M"], "d": [1.0, 3.0, 2.0]})
    margins = _margins({"sex": {"F": 60.0, "M": 40.0}})
    by_column = rake(people, margins, variables=["sex"], design_weight="d")
    by_array = rake(people, margins, variables=["sex"], design_weight=people["d"].to_numpy())
    assert by_column.weights.tolist() == pytest.approx([15.0, 45.0, 40.0], rel=1e-12)
    assert by_array.weights.tolist() == by_column.weights.tolist()


def test_strings_categoricals_and_numbers_are_coded_alike():
    people = _people({("F", "old"): 3, ("F", "young"): 1, ("M", "old"): 1, ("M", "young"): 2})
    strings = rake(people, SEX_AGE, variables=["sex", "age"]).weights
    categorical = people.assign(sex=pd.Categorical(people["sex"], categories=["M", "F", "X"]))
    assert rake(categorical, SEX_AGE, variables=["sex", "age"]).weights.tolist() == pytest.approx(
        strings.tolist(), rel=1e-12)
    numbers = people.assign(sex=(people["sex"] == "M").astype(int) + 1)
    margins = SEX_AGE.assign(category=["1", "2", "old", "young"])
    assert rake(numbers, margins, variables=["sex", "age"]).weights.tolist() == pytest.approx(
        strings.tolist(), rel=1e-12)


def test_shares_are_scaled_to_the_first_total_or_to_the_sample():
    people = _people({("F", "old"): 3, ("F", "young"): 1, ("M", "old"): 1, ("M", "young"): 2})
    counts = rake(people, SEX_AGE, variables=["sex", "age"]).weights
    # age as shares, sex as counts: age is scaled to sex's total of 100
    mixed = SEX_AGE.assign(population=[55.0, 45.0, 0.4, 0.6])
    assert rake(people, mixed, variables=["sex", "age"]).weights.tolist() == pytest.approx(
        counts.tolist(), rel=1e-9)
    # all shares: the weights sum to the 7 respondents
    shares = SEX_AGE.assign(population=[0.55, 0.45, 0.4, 0.6])
    weights = rake(people, shares, variables=["sex", "age"]).weights
    assert weights.sum() == pytest.approx(7.0) and (weights * 100 / 7).tolist() == pytest.approx(
        counts.tolist(), rel=1e-9)


def test_totals_within_half_a_percent_are_scaled_to_the_first_variable():
    people = _people({("F", "old"): 3, ("F", "young"): 1, ("M", "old"): 1, ("M", "young"): 2})
    rounded = SEX_AGE.assign(population=[55.0, 45.0, 40.2, 60.2])  # age totals 100.4
    weights = rake(people, rounded, variables=["sex", "age"]).weights
    assert weights.sum() == pytest.approx(100.0, rel=1e-12)
    assert weights.groupby(people["age"]).sum()["old"] == pytest.approx(40.2 / 100.4 * 100)


def test_inputs_are_not_changed(ws):
    responses = ws.survey_responses.copy()
    margins = ws.population_margins.copy()
    rake(responses, margins, variables=DEMO_VARIABLES)
    pd.testing.assert_frame_equal(responses, ws.survey_responses)
    pd.testing.assert_frame_equal(margins, ws.population_margins)


# -------------------------------------------------------------------------------- diagnostics


def test_diagnostics_by_hand():
    # Weights 20, 20, 10, 50 (exact: F-old 40/2, F-young 10, M-young 50).
    # Kish: n Σw² / (Σw)² = 4 · 3,400 / 100² = 1.36; effective n = 100² / 3,400.
    people = _people({("F", "old"): 2, ("F", "young"): 1, ("M", "young"): 1})
    margins = _margins({"sex": {"F": 50.0, "M": 50.0}, "age": {"old": 40.0, "young": 60.0}})
    result = rake(people, margins, variables=["sex", "age"])
    d = result.diagnostics
    # (margins hold to 1e-10, which leaves the weights within about 1e-9 of the limit)
    assert result.weights.tolist() == pytest.approx([20.0, 20.0, 10.0, 50.0], rel=1e-8)
    assert (d.design_effect, d.effective_n) == pytest.approx((1.36, 100**2 / 3400), rel=1e-8)
    assert (d.min_weight, d.max_weight, d.weight_ratio) == pytest.approx((10.0, 50.0, 5.0))
    assert (d.converged, d.n_trimmed) == (True, 0)
    expected = pd.DataFrame({
        "variable": ["sex", "sex", "age", "age"], "category": ["F", "M", "old", "young"],
        "population_pct": [50.0, 50.0, 40.0, 60.0], "sample_pct": [75.0, 25.0, 50.0, 50.0],
        "weighted_pct": [50.0, 50.0, 40.0, 60.0], "difference_points": [0.0, 0.0, 0.0, 0.0]})
    pd.testing.assert_frame_equal(d.margins, expected, check_dtype=False, atol=1e-8)
    assert d.max_margin_error < 1e-8


# ------------------------------------------------------------------------------------- trimming


def test_trimming_by_hand():
    # n = 12, N = 220, mean weight 55/3; the young man's raked weight is 27.27 > 1.4 × mean
    # = 77/3. Capped there: M-old = (100 − 77/3)/3, F-young = (60 − 77/3)/2,
    # F-old = (120 − 2 · F-young)/6, and every margin still holds.
    people = _people({("F", "old"): 6, ("F", "young"): 2, ("M", "old"): 3, ("M", "young"): 1})
    margins = _margins({"sex": {"F": 120.0, "M": 100.0}, "age": {"old": 160.0, "young": 60.0}})
    raked = rake(people, margins, variables=["sex", "age"])
    cap = 77 / 3
    f_young, m_old = (60 - cap) / 2, (100 - cap) / 3
    expected = [(120 - 2 * f_young) / 6] * 6 + [f_young] * 2 + [m_old] * 3 + [cap]
    trimmed = trim_weights(raked, bounds=(0.2, 1.4))
    assert trimmed.weights.tolist() == pytest.approx(expected, rel=1e-8)
    assert trimmed.diagnostics.n_trimmed == 1
    assert rake(people, margins, variables=["sex", "age"], trim=(0.2, 1.4)).weights.tolist() == (
        trimmed.weights.tolist())
    # weights already inside the bounds are returned as they are
    assert trim_weights(raked, bounds=(0.2, 2.0)) is raked


def test_trimmed_demo_weights_respect_bounds_and_margins(ws):
    for wave in ["2023", "2024", "2025"]:
        result = weight_wave(ws, wave)
        weights = result.weights.to_numpy()
        mean = 209_942 / len(weights)
        assert weights.min() >= 0.2 * mean * (1 - 1e-12)
        assert weights.max() <= 5.0 * mean * (1 + 1e-12)
        assert result.diagnostics.max_margin_error < 1e-8
        assert result.diagnostics.n_trimmed > 0  # raking alone gives weights up to 6.3 × mean


# ---------------------------------------------------------------------------- post-stratification


def test_poststratification_weight_is_cell_population_over_cell_sample():
    people = _people({("F", "old"): 3, ("F", "young"): 1, ("M", "old"): 1, ("M", "young"): 2})
    cells = pd.DataFrame({"sex": ["F", "F", "M", "M"], "age": ["old", "young", "old", "young"],
                          "population": [30.0, 25.0, 10.0, 35.0]})
    result = poststratify(people, cells, variables=["sex", "age"])
    assert result.weights.tolist() == pytest.approx([10.0] * 3 + [25.0, 10.0] + [17.5] * 2)
    assert result.diagnostics.iterations == 1
    assert result.diagnostics.margins["variable"].unique().tolist() == ["sex × age"]
    assert result.diagnostics.margins["category"].tolist()[:2] == ["F × old", "F × young"]
    # with design weights: d · N_cell / Σ_cell d
    weighted = poststratify(people.assign(d=[1.0, 2.0, 1.0, 4.0, 1.0, 1.0, 3.0]), cells,
                            variables=["sex", "age"], design_weight="d")
    assert weighted.weights.tolist() == pytest.approx(
        [7.5, 15.0, 7.5, 25.0, 10.0, 8.75, 26.25])
    # shares are scaled to the sample size
    shares = poststratify(people, cells.assign(population=cells["population"] / 100),
                          variables=["sex", "age"])
    assert shares.weights.sum() == pytest.approx(7.0)


# ------------------------------------------------------------------------------------- collapse


def test_collapse_merges_categories_in_both_tables():
    people = pd.DataFrame({"age": ["18-34", "65-74", "65-74"], "sex": ["F", "M", "F"]})
    margins = pd.DataFrame({"variable": ["age", "age", "age", "sex", "sex"],
                            "category": ["18-34", "65-74", "75+", "F", "M"],
                            "population": [50.0, 30.0, 20.0, 55.0, 45.0],
                            "share": [0.5, 0.3, 0.2, 0.55, 0.45],
                            "wave": [np.nan] * 5})
    new_people, new_margins = collapse_categories(people, margins,
                                                  {"age": {"65-74": "65+", "75+": "65+"}})
    assert new_people["age"].tolist() == ["18-34", "65+", "65+"]
    assert people["age"].tolist() == ["18-34", "65-74", "65-74"]  # inputs unchanged
    assert new_margins.columns.tolist() == margins.columns.tolist()
    assert new_margins[["variable", "category"]].values.tolist() == [
        ["age", "18-34"], ["age", "65+"], ["sex", "F"], ["sex", "M"]]
    assert new_margins["population"].tolist() == [50.0, 50.0, 55.0, 45.0]
    assert new_margins["share"].tolist() == pytest.approx([0.5, 0.5, 0.55, 0.45])
    # now every category has people (a sparse table: raking needs many sweeps)
    rake(new_people, new_margins, variables=["age", "sex"], max_iter=1000)


def test_collapse_works_on_a_post_stratification_table_and_categoricals():
    people = pd.DataFrame({"age": pd.Categorical(["young", "mid", "old"])})
    cells = pd.DataFrame({"age": ["young", "mid", "old"], "population": [5.0, 3.0, 2.0]})
    new_people, new_cells = collapse_categories(people, cells, {"age": {"mid": "old"}})
    assert new_people["age"].astype(str).tolist() == ["young", "old", "old"]
    assert new_cells.values.tolist() == [["young", 5.0], ["old", 5.0]]
    assert poststratify(new_people, new_cells, variables=["age"]).weights.tolist() == [
        5.0, 2.5, 2.5]


# ------------------------------------------------------------------------------------ the demo


def test_every_demo_wave_rakes_to_its_margins_with_the_expected_design_effect(ws):
    # SCENARIO.md: the sample's skew gives a design effect of about 1.3–1.6 after raking.
    for wave, n in [("2023", 2300), ("2024", 1950), ("2025", 1650)]:
        result = rake(ws.survey_responses[ws.survey_responses["wave"] == wave],
                      ws.population_margins, variables=DEMO_VARIABLES)
        d = result.diagnostics
        assert d.converged and len(result.weights) == n
        assert 1.3 <= d.design_effect <= 1.6
        assert d.effective_n == pytest.approx(n / d.design_effect)
        assert d.max_margin_error < 1e-8
        assert result.weights.sum() == pytest.approx(209_942, rel=1e-12)
        assert 1.3 <= weight_wave(ws, wave).diagnostics.design_effect <= 1.6


def test_weight_wave_uses_the_waves_own_margins_over_blank_ones(ws):
    own = ws.population_margins.query("variable == 'sex'").assign(
        wave="2025", population=[104_971.0, 104_971.0])
    margins = pd.concat([ws.population_margins.assign(wave=np.nan), own], ignore_index=True)
    result = weight_wave(dataclasses.replace(ws, population_margins=margins), "2025")
    by_sex = result.weights.groupby(ws.survey_responses.loc[result.weights.index, "sex"]).sum()
    assert by_sex.to_dict() == pytest.approx({"Female": 104_971.0, "Male": 104_971.0})
    assert result.weights.index.equals(ws.survey_responses.index[
        ws.survey_responses["wave"] == "2025"])


def test_demo_raked_weights_agree_with_r(ws):
    # R: weights(rake(svydesign(ids = ~1, weights = ~1, data), list(~ward_code, ~age_band, ~sex,
    #    ~ethnic_group, ~tenure), margins, control = list(maxit = 1000, epsilon = 1e-15)))
    reference = pd.read_csv(REFERENCE / "r_raked_weights_2025.csv").set_index("respondent_id")
    wave = ws.survey_responses[ws.survey_responses["wave"] == "2025"]
    weights = rake(wave, ws.population_margins, variables=DEMO_VARIABLES).weights
    expected = reference.loc[wave["respondent_id"], "weight"].to_numpy()
    assert np.abs(weights.to_numpy() / expected - 1).max() < 1e-9


# --------------------------------------------------------------------------- linearisation


def _variance(design: SurveyDesign, scores: np.ndarray) -> float:
    """Variance of a total of ``scores`` with each row its own PSU (R's onestage, one stratum)."""
    resid = design.residualize(scores)
    n = len(resid)
    return n / (n - 1) * float(((resid - resid.mean()) ** 2).sum())


def test_post_stratified_variance_matches_its_closed_form():
    # Post-stratified mean of an SRS, with W_g = N_g / N:
    # V = n/(n−1) Σ_g W_g² (n_g − 1) s_g² / n_g².
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0])
    group = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2])
    population = np.array([500.0, 300.0, 200.0])
    people = pd.DataFrame({"g": np.array(["a", "b", "c"])[group]})
    result = poststratify(people, pd.DataFrame({"g": ["a", "b", "c"], "population": population}),
                          variables=["g"])
    w = result.weights.to_numpy()
    mean = (w * y).sum() / w.sum()
    scores = w * (y - mean) / w.sum()
    n, shares = len(y), population / population.sum()
    expected = n / (n - 1) * sum(
        shares[g] ** 2 * (np.sum(group == g) - 1) * np.var(y[group == g], ddof=1)
        / np.sum(group == g) ** 2 for g in range(3))
    assert _variance(result.design, scores) == pytest.approx(expected, rel=1e-12)
    # each post-stratum's scores lose their mean: residual w (y − ȳ_g) / N
    cell_means = np.array([y[group == g].mean() for g in range(3)])[group]
    assert result.design.residualize(scores) == pytest.approx(
        w * (y - cell_means) / population.sum(), abs=1e-15)
    # raking on the one variable gives the same residuals (R: unweighted means, equal weights)
    raked = rake(people, pd.DataFrame({"variable": "g", "category": ["a", "b", "c"],
                                       "population": population}), variables=["g"])
    assert raked.design.residualize(scores) == pytest.approx(
        result.design.residualize(scores), abs=1e-15)


def test_residualize_keeps_the_shape_and_fixed_weights_keep_the_scores(ws):
    design = rake(ws.survey_responses.iloc[:500], ws.population_margins,
                  variables=["age_band", "sex"]).design
    scores = np.random.default_rng(7).normal(size=(500, 3))
    both = design.residualize(scores)
    assert both.shape == (500, 3)
    assert both[:, 1] == pytest.approx(design.residualize(scores[:, 1]), abs=1e-15)
    assert design.with_fixed_weights().residualize(scores) is scores
    with pytest.raises(ValueError, match=r"one row per respondent \(500 rows"):
        design.residualize(scores[:10])


def test_a_calibrated_share_has_almost_no_variance(ws):
    # Raking fixes the weighted share of 65+ at its population value: its SE is ~0 (in R too).
    wave = ws.survey_responses[ws.survey_responses["wave"] == "2025"]
    result = rake(wave, ws.population_margins, variables=DEMO_VARIABLES)
    w = result.weights.to_numpy()
    y = (wave["age_band"] == "65+").to_numpy(dtype=float)
    scores = w * (y - (w * y).sum() / w.sum()) / w.sum()
    fixed = _variance(result.design.with_fixed_weights(), scores)
    assert fixed > 1e-5 and _variance(result.design, scores) < 1e-12 * fixed


def test_raked_standard_errors_agree_with_r(ws):
    # R: svymean(~I(sat %in% 1:2), subset(rake(...), sat %in% 1:5)) on wave 2025: the rows
    # outside the valid subset keep score 0 and the variance runs over all 1,650 rows.
    reference = pd.read_csv(REFERENCE / "r_survey_reference.csv", dtype={"wave": str})
    reference = reference[reference["quantity"] != "session"].astype({"value": float})
    wave = ws.survey_responses[ws.survey_responses["wave"] == "2025"]
    result = rake(wave, ws.population_margins, variables=DEMO_VARIABLES)
    for item in ["sat_street_clean", "sat_council", "sat_libraries"]:
        r = reference.query("quantity == 'proportion' and wave == '2025' and item == @item "
                            "and by.isna()", engine="python")
        codes = wave[item].to_numpy(dtype=float, na_value=np.nan)
        w = np.where((codes >= 1) & (codes <= 5), result.weights.to_numpy(), 0.0)
        y = np.isin(codes, [1, 2]).astype(float)
        estimate = (w * y).sum() / w.sum()
        scores = w * (y - estimate) / w.sum()
        for design_name, design in [("raked", result.design),
                                    ("fixed", result.design.with_fixed_weights())]:
            se = r.query("design == @design_name and statistic == 'se'")["value"].item()
            assert math.sqrt(_variance(design, scores)) == pytest.approx(se, rel=1e-9)


def test_designs_pickle_with_their_calibration(ws):
    result = weight_wave(ws, "2024")
    copy = pickle.loads(pickle.dumps(result))
    assert isinstance(copy, WeightingResult)
    assert isinstance(copy.design.calibration[0], RakingCalibration)
    scores = np.linspace(-1, 1, len(result.weights))
    assert copy.design.residualize(scores).tolist() == result.design.residualize(scores).tolist()
    ps = poststratify(pd.DataFrame({"g": ["a", "b"]}),
                      pd.DataFrame({"g": ["a", "b"], "population": [1.0, 2.0]}), variables=["g"])
    assert isinstance(pickle.loads(pickle.dumps(ps.design)).calibration[0], PostStratification)


# ------------------------------------------------------------------------------------ errors


def _error(call) -> WeightingError:
    with pytest.raises(WeightingError) as caught:
        call()
    return caught.value


PEOPLE = _people({("F", "old"): 2, ("F", "young"): 1, ("M", "young"): 1})
MARGINS = _margins({"sex": {"F": 50.0, "M": 50.0}, "age": {"old": 40.0, "young": 60.0}})


def test_error_sample_category_missing_from_margins():
    error = _error(lambda: rake(PEOPLE.assign(sex=["F", "F", "X", "M"]), MARGINS,
                                variables=["sex", "age"]))
    assert (error.variable, error.category) == ("sex", "X")
    assert str(error) == (
        "survey_responses, column 'sex': value 'X' (1 respondent) is not a category in "
        "population_margins (found: 'F', 'M'). Add it to the margins or recode it with "
        "collapse_categories().")


def test_error_margin_category_without_respondents_suggests_a_neighbour():
    margins = _margins({"sex": {"F": 55.0, "M": 45.0},
                        "age": {"old": 40.0, "middle": 10.0, "young": 50.0}})
    error = _error(lambda: rake(PEOPLE, margins, variables=["sex", "age"]))
    assert (error.variable, error.category) == ("age", "middle")
    assert str(error) == (
        "population_margins, variable 'age': category 'middle' (population 10) has no "
        "respondents. Collapse it with a neighbouring category, e.g. collapse_categories("
        "responses, margins, {'age': {'middle': 'old'}}).")


def test_error_missing_values_name_the_rows():
    error = _error(lambda: rake(PEOPLE.assign(age=["old", None, "young", None]), MARGINS,
                                variables=["sex", "age"]))
    assert error.variable == "age"
    assert str(error) == (
        "survey_responses, column 'age', rows 1, 3: 2 respondents with no value. Every "
        "respondent needs a category: recode the missing values (e.g. to 'Not known', with its "
        "own population figure) or drop those rows before weighting.")


def test_error_margin_totals_disagree():
    error = _error(lambda: rake(PEOPLE, MARGINS.assign(population=[50.0, 50.0, 40.0, 70.0]),
                                variables=["sex", "age"]))
    assert error.variable == "age"
    assert str(error) == (
        "population_margins: variable 'age' totals 110.00 but 'sex' totals 100.00 (10.00% apart;"
        " at most 0.5% is allowed). Give every variable the same population base, as counts or "
        "as shares.")


def test_error_no_convergence_names_the_largest_error():
    people = _people({("F", "old"): 2, ("F", "young"): 1, ("M", "old"): 1, ("M", "young"): 2})
    error = _error(lambda: rake(people, MARGINS, variables=["sex", "age"], max_iter=1))
    assert (error.variable, error.category) == ("sex", "M")
    assert str(error) == (
        "raking did not converge in 1 sweep: the largest remaining error is variable 'sex', "
        "category 'M' (relative error 6.67e-02). Raise max_iter, or collapse sparse categories "
        "with collapse_categories() if the margins conflict.")


def test_error_trim_bounds_that_cannot_be_met():
    raked = rake(PEOPLE, MARGINS, variables=["sex", "age"])
    error = _error(lambda: trim_weights(raked, bounds=(0.9, 5.0)))
    assert (error.variable, error.category) == ("sex", "F")
    assert str(error) == (
        "trim bounds cannot be met: variable 'sex', category 'F' needs 50.0 from 3 respondents, "
        "less than the lower bound allows (3 respondents at 0.9 × the mean weight 25 = 67.5). "
        "Lower the lower bound to at most 0.67 or collapse 'F' with a neighbouring category.")
    assert str(_error(lambda: rake(PEOPLE, MARGINS, variables=["sex", "age"],
                                   trim=(0.2, 1.5)))) == (
        "trim bounds cannot be met: variable 'sex', category 'M' needs 50.0 from 1 respondent, "
        "more than the upper bound allows (1 respondent at 1.5 × the mean weight 25 = 37.5). "
        "Raise the upper bound to at least 2.00 or collapse 'M' with a neighbouring category.")
    assert str(_error(lambda: trim_weights(raked, bounds=(1.2, 5.0)))) == (
        "trim bounds must satisfy 0 ≤ lower < 1 < upper (multiples of the mean weight); got "
        "(1.2, 5.0).")


@pytest.mark.parametrize(("call", "message"), [
    (lambda: rake(PEOPLE, MARGINS.assign(population=[100.0, 0.0, 40.0, 60.0]),
                  variables=["sex", "age"]),
     "population_margins, variable 'sex': category 'M' has population 0 but 1 respondent, who "
     "would get weight 0. Give the category its population, or recode those respondents with "
     "collapse_categories()."),
    (lambda: rake(PEOPLE.drop(columns="age"), MARGINS, variables=["sex", "age"]),
     "survey_responses has no column 'age' (columns: 'sex'). Weight only on columns of the "
     "responses."),
    (lambda: rake(PEOPLE.assign(tenure="own"), MARGINS, variables=["sex", "tenure"]),
     "population_margins has no rows for variable 'tenure' (variables: 'sex', 'age'). Add its "
     "population figures or leave it out of the weighting variables."),
    (lambda: rake(PEOPLE, pd.concat([MARGINS, MARGINS.iloc[[0]]]), variables=["sex", "age"]),
     "population_margins, variable 'sex': category 'F' appears more than once. Give each "
     "category one row."),
    (lambda: rake(PEOPLE, MARGINS.assign(population=[50.0, 50.0, -40.0, 60.0]),
                  variables=["sex", "age"]),
     "population_margins, variable 'age': populations must be non-negative numbers with a "
     "positive total. Fill in the missing or negative figures."),
    (lambda: rake(PEOPLE, MARGINS.rename(columns={"population": "count"}), variables=["sex"]),
     "population_margins: missing columns 'population' (found: 'variable', 'category', "
     "'count'). Give the margins as a long table variable, category, population."),
    (lambda: rake(PEOPLE, MARGINS, variables=["sex"], design_weight=np.array([1, 0, np.nan, 2])),
     "survey_responses, design weights, rows 1, 2: 2 weights are missing, zero or negative. "
     "Design weights must be positive: drop respondents who should not count before "
     "weighting."),
    (lambda: rake(PEOPLE, MARGINS, variables=["sex"], design_weight="dw"),
     "survey_responses has no design weight column 'dw' (columns: 'sex', 'age'). Name the "
     "column that holds the design weights, or pass None."),
    (lambda: rake(PEOPLE.iloc[:0], MARGINS, variables=["sex"]),
     "survey_responses has no respondents to weight. Check the wave or filter that selected "
     "them."),
    (lambda: trim_weights(poststratify(PEOPLE, pd.DataFrame(
        {"sex": ["F", "M"], "population": [1.0, 1.0]}), variables=["sex"])),
     "trim_weights needs a result of rake() (its weights were not raked last). Pass rake(..., "
     "trim=bounds) instead."),
], ids=["zero-population", "no-column", "no-margins", "duplicate", "negative", "margin-columns",
        "design-weights", "design-column", "no-respondents", "trim-post-stratified"])
def test_error_messages_for_other_bad_inputs(call, message):
    assert str(_error(call)) == message


CELLS = pd.DataFrame({"sex": ["F", "F", "M", "M"], "age": ["old", "young", "old", "young"],
                      "population": [30.0, 20.0, 25.0, 25.0]})


@pytest.mark.parametrize(("call", "message"), [
    (lambda: poststratify(PEOPLE.assign(age=["old", "old", "young", "old"]),
                          CELLS.drop(index=2), variables=["sex", "age"]),
     "survey_responses, row 3: cell 'M × old' of sex × age is not in the population table. "
     "Add the cell or collapse categories with collapse_categories()."),
    (lambda: poststratify(PEOPLE, CELLS, variables=["sex", "age"]),
     "population table, cell 'M × old' of sex × age has no respondents. Post-stratify on "
     "fewer or collapsed categories (collapse_categories()) so every cell with people has "
     "respondents."),
    (lambda: poststratify(PEOPLE, CELLS.drop(columns="age"), variables=["sex", "age"]),
     "population table: missing columns 'age' (found: 'sex', 'population'). Give one column "
     "per post-stratification variable and 'population'."),
    (lambda: poststratify(PEOPLE, pd.concat([CELLS, CELLS.iloc[[0]]]), variables=["sex", "age"]),
     "population table: cell 'F × old' appears more than once. Give each cell one row."),
    (lambda: collapse_categories(PEOPLE, MARGINS, {"tenure": {"a": "b"}}),
     "survey_responses has no column 'tenure' to collapse (columns: 'sex', 'age')."),
    (lambda: collapse_categories(PEOPLE, MARGINS, {"age": {"olde": "old"}}),
     "category 'olde' of 'age' is in neither the responses nor the margins (margins: 'old', "
     "'young'). Check the spelling of the mapping."),
    (lambda: collapse_categories(PEOPLE.assign(x="a"), MARGINS, {"x": {"a": "b"}}),
     "the margins have no categories of 'x' to collapse. Collapse only weighting variables."),
], ids=["cell-not-in-population", "cell-without-respondents", "population-columns",
        "duplicate-cell", "collapse-column", "collapse-category", "collapse-variable"])
def test_error_messages_for_post_stratification_and_collapsing(call, message):
    assert str(_error(call)) == message


def test_error_unknown_wave(ws):
    assert str(_error(lambda: weight_wave(ws, "2019"))) == (
        "survey_responses has no respondents in wave '2019' (waves: '2023', '2024', '2025'). "
        "Name a wave of survey_waves.csv.")


def test_bad_numeric_options_are_value_errors():
    with pytest.raises(ValueError, match=r"^tol must be positive; got 0\.$"):
        rake(PEOPLE, MARGINS, variables=["sex"], tol=0)
    with pytest.raises(ValueError, match=r"^max_iter must be a positive integer; got 0\.$"):
        rake(PEOPLE, MARGINS, variables=["sex"], max_iter=0)
    with pytest.raises(ValueError, match=r"^variables must name distinct weighting variables"):
        rake(PEOPLE, MARGINS, variables=["sex", "sex"])

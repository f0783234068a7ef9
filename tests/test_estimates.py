"""Survey estimates against hand counts, closed forms, independent libraries and R's survey.

The design-based estimates' reference values were computed with R 4.2.2 and survey 4.1.1 (each call is quoted beside its
values) on tables built here.
"""

import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats
from statsmodels.regression.linear_model import WLS
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from pmresearch.design import PostStratification, SurveyDesign
from pmresearch.estimates import (ESTIMATE_COLUMNS, SUBGROUP_COMPARISON_COLUMNS,
                                  WAVE_COMPARISON_COLUMNS, benjamini_hochberg, compare_subgroups,
                                  compare_waves, mean_score, net_score, proportion)


# ---------------------------------------------------------------------------------------------
# Design-based estimates: closed forms, hand-worked examples and recorded R `survey` output.
# ---------------------------------------------------------------------------------------------


def _design(codes, weights=None, **columns) -> SurveyDesign:
    """A design over item ``sat`` (``None`` = not asked) with extra data columns."""
    strata = columns.pop("strata", None)
    clusters = columns.pop("clusters", None)
    fpc = columns.pop("fpc", None)
    data = pd.DataFrame({"sat": pd.array(codes, dtype="Int64"), **columns})
    weights = np.ones(len(data)) if weights is None else np.asarray(weights, dtype=float)
    return SurveyDesign(data, weights, strata=None if strata is None else np.asarray(strata),
                        clusters=None if clusters is None else np.asarray(clusters),
                        fpc=None if fpc is None else np.asarray(fpc, dtype=float))


def _survey() -> pd.DataFrame:
    """240 respondents: 3 strata × 8 PSUs × 10, unequal weights, a PSU effect, DK and blanks.

    The same table, written to CSV (``survey.csv``), is what the R reference values below
    were computed from, after::

        d <- read.csv("survey.csv"); d$valid <- !is.na(d$sat) & d$sat != 9
        d$sat12 <- as.numeric(!is.na(d$sat) & d$sat %in% 1:2)
        des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d)
        S <- subset(des, valid)
    """
    rng = np.random.default_rng(2025)
    n = 240
    psu = np.repeat(np.arange(24), 10)
    stratum = np.array(["A", "B", "C"])[psu // 8]
    shift = rng.normal(0.0, 0.8, 24)[psu]
    sat = np.clip(np.round(2.6 + shift + rng.normal(0.0, 1.1, n)), 1, 5)
    sat[rng.random(n) < 0.12] = 9
    sat[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({
        "stratum": stratum, "psu": psu,
        "fpc": pd.Series(stratum).map({"A": 20, "B": 30, "C": 40}).to_numpy(),
        "weight": np.round(rng.uniform(50.0, 150.0, n), 2),
        "sat": pd.array(sat, dtype="Float64").astype("Int64"),
        "age_band": rng.choice(["18-34", "35-54", "55-64", "65+"], size=n),
        "sex": rng.choice(["F", "M"], size=n),
    })


def _survey_design(*, fpc: bool = False) -> SurveyDesign:
    d = _survey()
    return SurveyDesign(d, d["weight"].to_numpy(), strata=d["stratum"].to_numpy(),
                        clusters=d["psu"].to_numpy(),
                        fpc=d["fpc"].to_numpy(dtype=float) if fpc else None)


def test_the_reference_table_is_the_one_r_was_given():
    # If numpy's generator ever changes, the R values below no longer apply: say so plainly.
    d = _survey()
    assert d["weight"].sum() == pytest.approx(24227.73, abs=1e-6)
    assert d["sat"].value_counts(dropna=False).sort_index().tolist() == [64, 47, 44, 33, 19, 18, 15]
    assert d["age_band"].value_counts().sort_index().tolist() == [64, 68, 51, 57]


R_TOLERANCE = 1e-9
# svyciprop fits a glm whose convergence moves the logit interval in the 11th digit.
R_CI_TOLERANCE = 1e-8


def test_every_estimate_table_has_the_documented_columns_in_order():
    design = _design([1, 2, 4, 9], sex=["F", "M", "F", "M"])
    for table in (proportion(design, "sat", by="sex", min_base=1),
                  mean_score(design, "sat", by="sex", min_base=1),
                  net_score(design, "sat", scale_points=5, by="sex", min_base=1)):
        assert list(table.columns) == ["sex", *ESTIMATE_COLUMNS]
    assert list(compare_waves(design, design, "sat", min_base=1).columns) == list(
        WAVE_COMPARISON_COLUMNS)
    assert list(compare_subgroups(design, "sat", "sex", min_base=1).columns) == [
        "sex", *SUBGROUP_COMPARISON_COLUMNS]


def test_simple_random_sample_with_equal_weights_gives_the_with_replacement_binomial_variance():
    # 200 valid answers, 130 satisfied, weights 250 (population 50,000): R's with-replacement
    # linearisation gives var = p(1-p)/n * n/(n-1) = p(1-p)/(n-1).
    design = _design([1] * 70 + [2] * 60 + [3] * 40 + [5] * 30, np.full(200, 250.0))
    row = proportion(design, "sat").iloc[0]
    p, n = 0.65, 200
    assert row.estimate == pytest.approx(p, rel=1e-12)
    assert row.se == pytest.approx(math.sqrt(p * (1 - p) / n * n / (n - 1)), rel=1e-12)
    # deff against SRS without replacement from 50,000 (svymean(deff = TRUE)): 1 / (1 - n/N)
    assert row.deff == pytest.approx(1 / (1 - n / 50_000), rel=1e-12)
    assert row.n_effective == pytest.approx(n * (1 - n / 50_000), rel=1e-12)
    assert row.n_weighted == pytest.approx(50_000)
    # with replacement (deff = "replace") the two variances are the same formula
    assert proportion(design, "sat", srs_replacement=True).deff[0] == pytest.approx(1.0, rel=1e-12)


def test_stratified_variance_matches_a_hand_calculation():
    # Stratum A: 4 rows, weight 10, y = 1,1,0,1; stratum B: 3 rows, weight 20, y = 0,1,0.
    # p = (30 + 20) / (40 + 60) = 0.5; scores z = w (y - p) / 100:
    #   A: .05 .05 -.05 .05, mean .025, sum of squared deviations .0075, × 4/3 = .01
    #   B: -.1 .1 -.1, mean -1/30, sum of squared deviations .02667, × 3/2 = .04
    # var = .05.  R: svymean(~y, svydesign(ids = ~1, strata = ~st, weights = ~w)) -> SE² 0.05
    design = _design([1, 1, 4, 1, 4, 1, 4], [10] * 4 + [20] * 3, strata=list("AAAABBB"))
    row = proportion(design, "sat", min_base=1).iloc[0]
    assert row.estimate == pytest.approx(0.5)
    assert row.se ** 2 == pytest.approx(0.05, rel=1e-12)


def test_clustered_variance_sums_scores_within_psus():
    # PSUs: {1, 1}, {1, 0}, {0, 0, 0}, weight 1: p = 3/7, scores (y - p) / 7, PSU totals
    # 8/49, 1/49, -9/49 (mean 0); var = 3/2 × (64 + 1 + 81) / 49² = 219 / 2401.
    design = _design([1, 1, 1, 4, 4, 4, 4], clusters=[1, 1, 2, 2, 3, 3, 3])
    assert proportion(design, "sat", min_base=1).se[0] ** 2 == pytest.approx(219 / 2401, rel=1e-12)


def test_clustered_mean_matches_statsmodels_cluster_robust_weighted_regression():
    # One stratum: R's G/(G-1) Σ (PSU total)² equals statsmodels' cluster-robust covariance of
    # an intercept-only WLS, whose small-sample factor is G/(G-1) × (N-1)/(N-K) with K = 1.
    d = _survey()
    valid = d["sat"].notna() & (d["sat"] != 9)
    design = SurveyDesign(d, d["weight"].to_numpy(), clusters=d["psu"].to_numpy())
    sub = d[valid.to_numpy()]
    fit = WLS(sub["sat"].to_numpy(float), np.ones(len(sub)), weights=sub["weight"].to_numpy()).fit(
        cov_type="cluster", cov_kwds={"groups": sub["psu"].to_numpy()})
    row = mean_score(design, "sat").iloc[0]
    assert row.estimate == pytest.approx(fit.params[0], rel=1e-12)
    assert row.se == pytest.approx(fit.bse[0], rel=1e-10)


def test_finite_population_correction_scales_each_stratum_and_a_census_stratum_adds_nothing():
    # The stratified example above with N_A = 8, N_B = 6: both factors 1 - n/N = 0.5, so
    # var = .5 × .01 + .5 × .04 = .025.
    design = _design([1, 1, 4, 1, 4, 1, 4], [10] * 4 + [20] * 3, strata=list("AAAABBB"),
                     fpc=[8] * 4 + [6] * 3)
    assert proportion(design, "sat", min_base=1).se[0] ** 2 == pytest.approx(0.025, rel=1e-12)
    # Stratum C is one PSU sampled completely (fpc 1): no variance, and no lonely-PSU error.
    census = _design([1, 1, 4, 1, 4, 1, 4, 1], [10] * 4 + [20] * 3 + [5], strata=list("AAAABBBC"),
                     fpc=[8] * 4 + [6] * 3 + [1])
    # Its row only moves the total weight to 105: within-stratum deviations of the scores
    # are w (y - stratum mean) / 105, so var = .5 × (10² × 1 + 20² × 1) / 105², where 1 is
    # Σ (y - mean)² × n/(n - 1) in both A (.75 × 4/3) and B (2/3 × 3/2).
    assert proportion(census, "sat", min_base=1).se[0] ** 2 == pytest.approx(
        0.5 * (10 ** 2 + 20 ** 2) / 105 ** 2, rel=1e-12)


def test_proportion_agrees_with_r_survey_on_a_stratified_clustered_design():
    # R: des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d)
    #    S <- subset(des, valid); svymean(~sat12, S, deff = TRUE)
    #    svyciprop(~I(sat %in% 1:2), S, method = "logit"); degf(S) = 21
    row = proportion(_survey_design(), "sat").iloc[0]
    assert row.estimate == pytest.approx(0.535378187252768, rel=R_TOLERANCE)
    assert row.se == pytest.approx(0.0676223401056916, rel=R_TOLERANCE)
    assert row.deff == pytest.approx(3.82499149573564, rel=R_TOLERANCE)
    assert (row.ci_low, row.ci_high) == pytest.approx((0.395657017027746, 0.669758592492998),
                                                      rel=R_CI_TOLERANCE)
    assert (row.n_unweighted, row.n_effective) == pytest.approx((207, 207 / 3.82499149573564))
    # R: svymean(~sat12, S, deff = "replace")
    replace = proportion(_survey_design(), "sat", srs_replacement=True).iloc[0]
    assert replace.deff == pytest.approx(3.78693057988651, rel=R_TOLERANCE)


def test_proportion_with_fpc_agrees_with_r_survey():
    # R: svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, fpc = ~fpc, data = d)
    row = proportion(_survey_design(fpc=True), "sat").iloc[0]
    assert row.se == pytest.approx(0.0577817766677109, rel=R_TOLERANCE)
    assert row.deff == pytest.approx(2.79274874463384, rel=R_TOLERANCE)
    assert (row.ci_low, row.ci_high) == pytest.approx((0.41548789716913, 0.651314723379322),
                                                      rel=R_CI_TOLERANCE)


def test_mean_and_net_scores_agree_with_r_survey():
    # R: svymean(~sat, S, deff = TRUE); svymean(~net, S, deff = TRUE) with
    #    net = (sat in 1:2) - (sat in 4:5)
    for fpc, mean, net in ((False, (2.50972105183968, 0.196703647431832, 4.62055239744223),
                            (0.286420715682848, 0.115345303155821, 3.94174235107667)),
                           (True, (2.50972105183968, 0.169708417120159, 3.4393457688584),
                            (0.286420715682848, 0.0990174750332705, 2.9047723302614))):
        design = _survey_design(fpc=fpc)
        got_mean = mean_score(design, "sat").iloc[0]
        got_net = net_score(design, "sat", scale_points=5).iloc[0]
        assert (got_mean.estimate, got_mean.se, got_mean.deff) == pytest.approx(mean,
                                                                               rel=R_TOLERANCE)
        assert (got_net.estimate, got_net.se, got_net.deff) == pytest.approx(net, rel=R_TOLERANCE)
    # t interval on degf(S) = 21, as confint(svymean(~sat, S), df = degf(S)) and the same for
    # ~net (tests/reference/r_estimates_t_tests.R, output in r_estimates_t_tests.txt)
    r_intervals = {False: ((2.10065342333201, 2.91878868034735),
                           (0.0465470263156911, 0.526294405050005)),
                   True: ((2.15679307802978, 2.86264902564958),
                          (0.0805026037336816, 0.492338827632015))}
    for fpc, (mean_ci, net_ci) in r_intervals.items():
        design = _survey_design(fpc=fpc)
        got_mean = mean_score(design, "sat").iloc[0]
        got_net = net_score(design, "sat", scale_points=5).iloc[0]
        assert (got_mean.ci_low, got_mean.ci_high) == pytest.approx(mean_ci, rel=R_TOLERANCE)
        assert (got_net.ci_low, got_net.ci_high) == pytest.approx(net_ci, rel=R_TOLERANCE)
        # and not the normal interval confint()'s default df = Inf would give
        assert got_net.ci_high - got_net.estimate > 1.01 * stats.norm.ppf(0.975) * got_net.se


def test_subgroup_estimates_agree_with_r_svyby_and_svyciprop():
    # R: svyby(~sat12, ~age_band, S, svymean, deff = TRUE);
    #    svyciprop(~I(sat %in% 1:2), subset(des, valid & age_band == g), method = "logit")
    table = proportion(_survey_design(), "sat", by="age_band", min_base=10)
    assert table["age_band"].tolist() == ["18-34", "35-54", "55-64", "65+"]
    r_estimate = [0.661140336535301, 0.423676222247547, 0.587773662922201, 0.469503087956353]
    r_se = [0.0913233573098861, 0.0805535713784287, 0.132541366722996, 0.0816136714896839]
    r_deff = [2.06695817144885, 1.50297788640836, 3.15050270366759, 1.32400928029571]
    r_ci = [(0.45393013153053, 0.820768641969538), (0.269297110017706, 0.594546203229785),
            (0.311206831494121, 0.818173586689356), (0.307771988289861, 0.637903822702741)]
    assert table["estimate"].tolist() == pytest.approx(r_estimate, rel=R_TOLERANCE)
    assert table["se"].tolist() == pytest.approx(r_se, rel=R_TOLERANCE)
    assert table["deff"].tolist() == pytest.approx(r_deff, rel=R_TOLERANCE)
    got_ci = list(zip(table["ci_low"], table["ci_high"]))
    for got, want in zip(got_ci, r_ci):
        assert got == pytest.approx(want, rel=R_CI_TOLERANCE)


def test_subgroup_against_rest_agrees_with_r_svycontrast_of_svyby_with_covmat_and_svyttest():
    # R: bb <- svyby(~sat12, ~I(age_band == g), S, svymean, covmat = TRUE)
    #    svycontrast(bb, c(-1, 1))
    r = {  # g: (estimate_rest, estimate, difference, se without fpc, se with fpc)
        "18-34": (0.485201728583361, 0.661140336535301, 0.175938607951941,
                  0.0870318645668108, 0.0719427554012568),
        "35-54": (0.578472641810463, 0.423676222247547, -0.154796419562916,
                  0.0856504268692278, 0.0710000585407922),
        "55-64": (0.522053348174044, 0.587773662922201, 0.0657203147481569,
                  0.120187487013865, 0.097408847659137),
        "65+": (0.55546397339852, 0.469503087956353, -0.0859608854421668,
                0.0825885585828368, 0.0696972006259783)}
    # R: S$variables$in_group <- S$variables$age_band == g; tt <- svyttest(sat12 ~ in_group, S)
    #    (tests/reference/r_estimates_t_tests.R): t on the svyglm's residual df, degf(S) - 1
    #    = 20, p = 2 * pt(-|t|, 20), conf.int = difference -/+ qt(0.975, 20) * se
    r_test = {  # fpc: {g: (p.value, conf.int)}
        False: {"18-34": (0.0568095513930233, (-0.00560668028181993, 0.357483896185701)),
                "35-54": (0.0857820084982217, (-0.333460079254843, 0.0238672401290118)),
                "55-64": (0.590555356123987, (-0.184986389981507, 0.31642701947782)),
                "65+": (0.310372687289393, (-0.25823759980834, 0.0863158289240063))},
        True: {"18-34": (0.0238418241408916, (0.02586864988933, 0.326008566014551)),
               "35-54": (0.0413588230270367, (-0.302899946432745, -0.00669289269308626)),
               "55-64": (0.507600668508015, (-0.137470980909092, 0.268911610405406)),
               "65+": (0.231745541797936, (-0.231346698324713, 0.0594249274403795))}}
    for fpc, position in ((False, 3), (True, 4)):
        table = compare_subgroups(_survey_design(fpc=fpc), "sat", "age_band", min_base=10)
        for row in table.itertuples():
            rest, own, difference = r[row.age_band][:3]
            assert (row.estimate_rest, row.estimate, row.difference) == pytest.approx(
                (rest, own, difference), rel=R_TOLERANCE)
            assert row.se == pytest.approx(r[row.age_band][position], rel=R_TOLERANCE)
            p_value, interval = r_test[fpc][row.age_band]
            assert row.df == 20
            assert row.p_value == pytest.approx(p_value, rel=R_TOLERANCE)
            assert (row.ci_low, row.ci_high) == pytest.approx(interval, rel=R_TOLERANCE)
        assert table["p_adjusted"].tolist() == pytest.approx(
            multipletests(table["p_value"], method="fdr_bh")[1].tolist())


def test_post_stratified_standard_errors_agree_with_r_post_stratify():
    # R: ps <- postStratify(des, ~sex, data.frame(sex = c("F", "M"), Freq = c(9000, 8000)))
    #    svymean(~sat12, subset(ps, valid), deff = TRUE); svyby(~sat12, ~age_band, ..., svymean)
    d = _survey()
    weights = d["weight"].to_numpy()
    cell = (d["sex"] == "M").to_numpy().astype(int)
    population = np.array([9000.0, 8000.0])
    ratios = population / np.bincount(cell, weights=weights)
    design = SurveyDesign(d, weights * ratios[cell], strata=d["stratum"].to_numpy(),
                          clusters=d["psu"].to_numpy(), calibration=(PostStratification(
                              ("sex",), (("F",), ("M",)), population, cell, ratios, weights),))
    row = proportion(design, "sat").iloc[0]
    assert (row.estimate, row.se, row.deff) == pytest.approx(
        (0.531990813047771, 0.0677628032552371, 3.85357207565543), rel=R_TOLERANCE)
    by_age = proportion(design, "sat", by="age_band", min_base=10)
    assert by_age["se"].tolist() == pytest.approx(
        [0.0910410568427674, 0.0810956791548299, 0.131537497809043, 0.0811261619555123],
        rel=R_TOLERANCE)
    # weights treated as fixed: the calibration is ignored and the SE changes
    fixed = proportion(design.with_fixed_weights(), "sat").iloc[0]
    assert fixed.estimate == row.estimate and fixed.se != pytest.approx(row.se, rel=1e-6)


class _Recording(SurveyDesign):
    """A design whose residualize removes everything, recording what it was given."""

    def residualize(self, scores):
        self.data.attrs.setdefault("calls", []).append(np.array(scores))
        return np.zeros_like(scores)


def test_scores_are_residualised_on_the_calibration_before_the_variance():
    data = pd.DataFrame({"sat": pd.array([1, 2, 4, 9, 5, 1], dtype="Int64"),
                         "sex": ["F", "M", "F", "M", "F", "M"]})
    design = _Recording(data, np.array([1.0, 2.0, 1.0, 2.0, 1.0, 2.0]))
    table = proportion(design, "sat", by="sex", min_base=1)
    assert table["se"].tolist() == [0.0, 0.0]
    (scores,) = data.attrs["calls"]
    # one column per subgroup, zero outside it and on the don't-know row
    assert scores.shape == (6, 2)
    assert scores[3].tolist() == [0.0, 0.0] and scores[1, 0] == 0.0 and scores[0, 1] == 0.0
    assert scores.sum(axis=0) == pytest.approx([0.0, 0.0])  # scores of a mean sum to zero


def test_logit_interval_matches_the_formula_and_stays_inside_zero_one():
    # SRS of 60, 57 satisfied: se² = p(1-p)/(n-1); logit interval with t on n - 1 = 59 df:
    # expit(logit p ± t(0.975, 59) · se / (p (1 - p)))
    design = _design([1] * 57 + [4] * 3)
    row = proportion(design, "sat").iloc[0]
    p, n = 57 / 60, 60
    se = math.sqrt(p * (1 - p) / (n - 1))
    half = stats.t.ppf(0.975, n - 1) * se / (p * (1 - p))
    assert row.se == pytest.approx(se, rel=1e-12)
    assert (row.ci_low, row.ci_high) == pytest.approx(
        (special.expit(special.logit(p) - half), special.expit(special.logit(p) + half)),
        rel=1e-12)
    assert p + 1.96 * se > 1  # a symmetric interval would pass 100%
    assert 0 < row.ci_low < p < row.ci_high < 1


def test_an_estimate_of_exactly_one_or_zero_gets_the_clopper_pearson_interval():
    all_satisfied = proportion(_design([1] * 60), "sat").iloc[0]
    assert (all_satisfied.estimate, all_satisfied.se) == (1.0, 0.0)
    assert (all_satisfied.ci_low, all_satisfied.ci_high) == pytest.approx(
        proportion_confint(60, 60, alpha=0.05, method="beta"), rel=1e-9)
    none_satisfied = proportion(_design([4] * 60), "sat").iloc[0]
    assert (none_satisfied.ci_low, none_satisfied.ci_high) == pytest.approx(
        proportion_confint(0, 60, alpha=0.05, method="beta"), rel=1e-9)


def test_domain_estimate_equals_the_subset_estimate_but_its_se_uses_the_full_design():
    # SRS of 100: ward X has 40 valid answers, 30 satisfied. As a domain of the full design
    # (R: svymean(~y, subset(des, ward == "X"))) var = n/(n-1) · p(1-p)/n_d; analysed as if
    # the 40 were the whole sample, var = p(1-p)/(n_d - 1).
    codes = [1] * 30 + [4] * 10 + [2] * 30 + [5] * 30
    wards = ["X"] * 40 + ["Y"] * 60
    full = proportion(_design(codes, ward=wards), "sat", by="ward", min_base=1)
    alone = proportion(_design(codes[:40]), "sat", min_base=1).iloc[0]
    x = full.set_index("ward").loc["X"]
    assert x.estimate == pytest.approx(alone.estimate) == pytest.approx(0.75)
    assert x.se ** 2 == pytest.approx(100 / 99 * 0.75 * 0.25 / 40, rel=1e-12)
    assert alone.se ** 2 == pytest.approx(0.75 * 0.25 / 39, rel=1e-12)


def test_dont_know_is_a_weighted_share_of_answers_and_blanks_are_not_answers():
    # answers: 1 (w 1), 4 (w 1), 9 (w 2), blank (w 10): DK 2 of 4 weighted answers = 50%
    row = proportion(_design([1, 4, 9, None], [1, 1, 2, 10]), "sat", min_base=1).iloc[0]
    assert (row.pct_dont_know, row.n_unweighted, row.n_weighted) == (50.0, 2, 2.0)


def test_suppression_and_low_base_flags():
    codes = [1, 4] * 100
    groups = ["small"] * 49 + ["low"] * 99 + ["fine"] * 52
    table = proportion(_design(codes, ward=groups), "sat", by="ward").set_index("ward")
    small, low, fine = table.loc["small"], table.loc["low"], table.loc["fine"]
    assert small.suppressed and not small.low_base
    assert all(math.isnan(small[c]) for c in ("estimate", "se", "ci_low", "ci_high", "deff",
                                              "n_effective"))
    assert small.n_unweighted == 49 and small.pct_dont_know == 0.0  # bases still shown
    assert low.low_base and not low.suppressed and not math.isnan(low.estimate)
    assert fine.low_base and not fine.suppressed  # 52 < 100
    assert not proportion(_design(codes), "sat").low_base[0]


def test_subgroup_comparisons_suppress_small_groups_and_leave_them_out_of_the_adjustment():
    codes = [1, 4] * 150
    groups = ["A"] * 40 + ["B"] * 130 + ["C"] * 130
    table = compare_subgroups(_design(codes, ward=groups), "sat", "ward").set_index("ward")
    assert table.loc["A", "suppressed"] and math.isnan(table.loc["A", "p_adjusted"])
    shown = table.loc[["B", "C"], "p_value"].to_numpy()
    assert table.loc[["B", "C"], "p_adjusted"].tolist() == pytest.approx(
        benjamini_hochberg(shown).tolist())


def test_subgroups_are_sorted_blank_subgroups_dropped_and_unasked_subgroups_left_out():
    design = _design([1, 4, 1, None, 9, 1], ward=["b", "a", None, "c", "d", "a"])
    table = proportion(design, "sat", by="ward", min_base=1)
    # 'c' never answered (not asked); 'd' answered only don't know: shown, base 0, suppressed
    assert table["ward"].tolist() == ["a", "b", "d"]
    assert table.set_index("ward").loc["d", "suppressed"]
    crossed = proportion(_design([1, 4, 1, 4], ward=["a", "a", "b", "b"], sex=list("FMFF")),
                         "sat", by=["ward", "sex"], min_base=1)
    assert list(zip(crossed["ward"], crossed["sex"])) == [("a", "F"), ("a", "M"), ("b", "F")]


def test_compare_waves_adds_independent_variances_and_is_welchs_t_test_on_srs_waves():
    # SRS waves: 66 of 100 then 58 of 120 satisfied; se² = p(1-p)/(n-1) each, which is s²/n
    # with the sample variance s² = p(1-p) n/(n-1), so the test is Welch's two-sample t:
    # degf 99 and 119 combined by Welch-Satterthwaite.
    before = _design([1] * 66 + [4] * 34)
    after = _design([1] * 58 + [4] * 62)
    row = compare_waves(before, after, "sat").iloc[0]
    p_a, p_b = 0.66, 58 / 120
    v_a, v_b = p_a * (1 - p_a) / 99, p_b * (1 - p_b) / 119
    se = math.sqrt(v_a + v_b)
    welch_df = (v_a + v_b) ** 2 / (v_a ** 2 / 99 + v_b ** 2 / 119)
    assert row.difference == pytest.approx(p_b - p_a)
    assert row.se == pytest.approx(se, rel=1e-12)
    assert row.z == pytest.approx(row.difference / se)
    assert row.df == pytest.approx(welch_df, rel=1e-12)
    assert 119 < row.df < 99 + 119
    # scipy's Welch test from the summary statistics (std = sample standard deviation)
    welch = stats.ttest_ind_from_stats(p_b, math.sqrt(p_b * (1 - p_b) * 120 / 119), 120,
                                       p_a, math.sqrt(p_a * (1 - p_a) * 100 / 99), 100,
                                       equal_var=False)
    assert row.z == pytest.approx(welch.statistic, rel=1e-12)
    assert row.p_value == pytest.approx(welch.pvalue, rel=1e-12)
    half = stats.t.ppf(0.975, welch_df) * se
    assert (row.ci_low, row.ci_high) == pytest.approx(
        (row.difference - half, row.difference + half), rel=1e-12)
    assert row.significant == (row.p_value < 0.05) and not row.suppressed


def test_with_two_psus_in_one_stratum_a_comparison_has_no_degrees_of_freedom():
    # degf = 2 PSUs - 1 stratum = 1, so svyttest's df = 1 - 1 = 0 and R's 2 * pt(-|t|, 0) is
    # NaN: no p-value, nothing significant (the proportions' intervals still use t(1)).
    design = _design([1, 4, 1, 4, 1, 1, 4, 4] * 10, clusters=[1, 2] * 40, sex=list("FFMM") * 20)
    table = compare_subgroups(design, "sat", "sex", min_base=1)
    assert table["df"].tolist() == [0.0, 0.0]
    assert table[["p_value", "p_adjusted", "ci_low", "ci_high"]].isna().all().all()
    assert not table["significant"].any()
    row = proportion(design, "sat", min_base=1).iloc[0]
    # logit interval on t(1): 12.706 standard errors on the logit scale
    assert row.ci_high == pytest.approx(special.expit(
        special.logit(row.estimate) + stats.t.ppf(0.975, 1) * row.se / 0.25), rel=1e-12)


def test_compare_waves_by_subgroup_marks_groups_missing_or_small_in_either_wave():
    a = _design([1, 4] * 60, ward=["X"] * 60 + ["Y"] * 60)
    b = _design([1, 4] * 60, ward=["X"] * 60 + ["Z"] * 60)
    table = compare_waves(a, b, "sat", by="ward").set_index("ward")
    assert table.index.tolist() == ["X", "Y", "Z"]
    assert not table.loc["X", "suppressed"] and table.loc["X", "difference"] == 0.0
    assert table.loc["Y", "suppressed"] and math.isnan(table.loc["Y", "difference"])
    assert table.loc["Z", "n_unweighted_a"] == 0 and not table.loc["Z", "significant"]


def test_net_score_is_top_two_minus_bottom_two():
    # 4-point item: 1,2,2,3,4 (+ DK): satisfied 3/5, dissatisfied (3, 4) 2/5, net 1/5
    design = _design([1, 2, 2, 3, 4, 9] * 20)
    assert net_score(design, "sat", scale_points=4).estimate[0] == pytest.approx(0.2)
    assert net_score(design, "sat", scale_points=5).estimate[0] == pytest.approx(0.4)
    # its variance is that of the difference of the two shares, covariance included:
    # var(I1 - I2) = p1 + p2 - (p1 - p2)² per answer, over the 100 valid answers, as a
    # domain of the 120 rows: × 1/100 × 120/119
    assert net_score(design, "sat", scale_points=4).se[0] ** 2 == pytest.approx(
        (0.6 + 0.4 - 0.2 ** 2) / 100 * 120 / 119, rel=1e-12)


def test_benjamini_hochberg_matches_the_published_example_and_r():
    # Benjamini & Hochberg (1995), J. R. Stat. Soc. B 57(1), section 4: 15 p-values.
    # R: p.adjust(p, "BH")
    p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
         0.4262, 0.5719, 0.6528, 0.7590, 1.000]
    r = [0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.0638571428571429, 0.0638571428571429,
         0.0645, 0.0765, 0.486, 0.581181818181818, 0.714875, 0.753230769230769,
         0.813214285714286, 1]
    assert benjamini_hochberg(p).tolist() == pytest.approx(r, rel=1e-12)
    assert benjamini_hochberg(p[::-1]).tolist() == pytest.approx(r[::-1], rel=1e-12)
    assert benjamini_hochberg(p).tolist() == pytest.approx(
        stats.false_discovery_control(p).tolist(), rel=1e-12)
    # the paper's conclusion: the four smallest are rejected at q = 0.05
    assert (benjamini_hochberg(p) <= 0.05).sum() == 4
    # R: p.adjust(c(0.01, NA, 0.04, 0.03), "BH") -> 0.03 NA 0.04 0.04
    got = benjamini_hochberg([0.01, np.nan, 0.04, 0.03])
    assert got[[0, 2, 3]].tolist() == pytest.approx([0.03, 0.04, 0.04]) and np.isnan(got[1])
    assert benjamini_hochberg([]).tolist() == []


def test_estimates_are_deterministic_and_ignore_row_order_of_subgroups():
    d = _survey()
    shuffled = d.sample(frac=1.0, random_state=3).reset_index(drop=True)
    first = proportion(_survey_design(), "sat", by="age_band", min_base=10)
    again = proportion(SurveyDesign(shuffled, shuffled["weight"].to_numpy(),
                                    strata=shuffled["stratum"].to_numpy(),
                                    clusters=shuffled["psu"].to_numpy()),
                       "sat", by="age_band", min_base=10)
    pd.testing.assert_frame_equal(first, again, rtol=1e-12)


# --- bad inputs: each message names the column or option and says what was expected --------

def _raises(message: str):
    return pytest.raises(ValueError, match=f"^{re.escape(message)}$")


def test_unknown_item_is_reported_with_the_columns_found():
    with _raises("item 'sat_x' is not a column of the design's data (found: 'sat', 'ward'); "
                 "expected the name of a survey item column"):
        proportion(_design([1], ward=["a"]), "sat_x")


def test_unknown_by_column_is_reported():
    with _raises("by column 'wrd' is not a column of the design's data (found: 'sat', 'ward'); "
                 "expected a subgroup column such as 'ward_code' or 'age_band'"):
        proportion(_design([1], ward=["a"]), "sat", by="wrd")
    with _raises("by: found None; expected the subgroup column(s) to compare"):
        compare_subgroups(_design([1]), "sat", None)


def test_non_numeric_and_fractional_codes_are_rejected():
    design = SurveyDesign(pd.DataFrame({"sat": ["Very satisfied", "2", None]}), np.ones(3))
    with _raises("column 'sat' has non-numeric codes (found: 'Very satisfied'); expected "
                 "whole-number codes (1 = very satisfied …, 9 = don't know) with blanks for not "
                 "asked"):
        proportion(design, "sat")
    fractional = SurveyDesign(pd.DataFrame({"sat": [1.0, 2.5]}), np.ones(2))
    with _raises("column 'sat' has codes that are not whole numbers (found: '2.5'); expected "
                 "whole-number codes such as 1–5 and 9"):
        mean_score(fractional, "sat")
    # digits stored as text are codes
    text = SurveyDesign(pd.DataFrame({"sat": ["1", "4", None]}), np.ones(3))
    assert proportion(text, "sat", min_base=1).estimate[0] == 0.5


def test_an_item_without_valid_answers_is_an_empty_domain():
    with _raises("column 'sat' has no valid answers (found only blanks and don't know, code 9); "
                 "expected at least one answer to estimate from"):
        proportion(_design([9, None, 9]), "sat")
    with _raises("by column 'ward' is blank on every row that answered the item; expected a "
                 "subgroup for at least one answer"):
        proportion(_design([1, 2], ward=[None, None]), "sat", by="ward")


def test_bad_options_are_rejected():
    design = _design([1, 2, 4])
    with _raises("codes: found the don't-know code 9 among (1, 9); expected answer codes only "
                 "(don't know is excluded from the base)"):
        proportion(design, "sat", codes=(1, 9))
    with _raises("codes: found '12'; expected a non-empty sequence of whole-number answer "
                 "codes, such as (1, 2)"):
        proportion(design, "sat", codes="12")
    with _raises("level: found 95; expected a confidence level between 0 and 1, such as 0.95"):
        proportion(design, "sat", level=95)
    with _raises("min_base: found -1; expected a whole number of respondents (0 or more)"):
        proportion(design, "sat", min_base=-1)
    with _raises("alpha: found 5; expected a significance level between 0 and 1, such as 0.05"):
        compare_waves(design, design, "sat", alpha=5)
    with _raises("scale_points: found 3; expected the number of scale points, 4 or more (top "
                 "two and bottom two codes must not overlap)"):
        net_score(design, "sat", scale_points=3)
    with _raises("column 'sat' has codes outside 1–4 (found: '5'); expected 1–4 and 9 for "
                 "don't know"):
        net_score(_design([1, 5]), "sat", scale_points=4)
    with _raises("p_values: found values outside [0, 1] ('1.5'); expected p-values"):
        benjamini_hochberg([0.1, 1.5])


def test_design_problems_are_reported():
    with _raises("design strata: stratum 'B' has only one primary sampling unit, so its "
                 "variance cannot be estimated (as R's survey.lonely.psu = 'fail'); expected at "
                 "least two PSUs per stratum. Merge the stratum with a similar one, or give its "
                 "fpc if it was sampled completely"):
        proportion(_design([1, 2, 4], strata=["A", "A", "B"]), "sat", min_base=1)
    with _raises("design fpc: stratum 'A' has population size 1 but 2 sampled PSUs; expected "
                 "population sizes of at least the sample, not sampling fractions"):
        proportion(_design([1, 2], fpc=[1, 1], strata=["A", "A"]), "sat", min_base=1)
    with _raises("design weights: found shape (2,); expected one weight per row of the data, "
                 "shape (3,)"):
        proportion(SurveyDesign(pd.DataFrame({"sat": [1, 2, 4]}), np.ones(2)), "sat")
    with _raises("design weights: found missing, infinite or negative weights; expected finite "
                 "weights of zero or more"):
        proportion(_design([1, 2], [1.0, -1.0]), "sat")

"""The default rules in parameters/rules.yaml: each fires where it should and not where it
should not, and on the demo council they find the planted signals and nothing else high."""

import pytest

from pmresearch.evidence import COUNCIL, EVIDENCE_FIELDS, evidence_for, gather_evidence
from pmresearch.rules import write_findings
from pmresearch.workspace import load_parameters, load_workspace

from evidence_tables import evidence_tables

PERIOD = "2025-26 Q2"


@pytest.fixture(scope="module")
def parameters():
    return load_parameters()


def _fired(parameters, kind, values) -> list[str]:
    # One subject of ``kind`` whose fields are blank except ``values``; other kinds empty.
    evidence = evidence_tables(PERIOD, **{kind: [{"service_id": "libraries",
                                                  "subject": "the subject", **values}]})
    found = parameters.rules.evaluate(evidence, period=PERIOD)
    return found["rule_id"].tolist()


QUARTERLY = {"dot_short_basis": "previous quarter"}
RED_WITH_NOTE = {"rag": "red", "consecutive_red": 2.0, "has_commentary": True, "value": 8.0,
                 "target": 6.0, "commentary": "Two sweepers hired.", "pi_id": "SC01",
                 "name": "Litter"}

# rule id, subject kind, evidence where it fires, evidence where it does not (a near miss).
CASES = [
    ("priority_for_review", "service",
     {"change_verdict": "significant fall", "key_pi_rag": "red"},
     {"change_verdict": "significant fall", "key_pi_rag": "amber"}),
    ("perception_gap", "service",
     {"change_verdict": "significant fall", "key_pi_rag": "green"},
     {"change_verdict": "no significant change", "key_pi_rag": "green"}),
    ("perception_gap", "service",
     {"change_verdict": "significant rise", "key_pi_rag": "red"},
     {"change_verdict": "significant fall", "key_pi_rag": "red", "key_pi_dot_long": "better"}),
    ("satisfaction_fell", "service", {"change_verdict": "significant fall"},
     {"change_verdict": "significant rise"}),
    ("satisfaction_rose", "service", {"change_verdict": "significant rise"},
     {"change_verdict": "no significant change"}),
    ("low_base", "service", {"n_unweighted": 99.0}, {"n_unweighted": 100.0}),
    ("high_dont_know", "service", {"pct_dont_know": 20.0}, {"pct_dont_know": 19.9}),
    ("weighting_quality", "wave", {"design_effect": 2.01, "max_margin_error": 0.0},
     {"design_effect": 2.0, "max_margin_error": 1.0}),
    ("weighting_quality", "wave", {"design_effect": 1.4, "max_margin_error": 1.2},
     {"design_effect": 1.4}),
    ("pi_red", "pi", {"rag": "red", "consecutive_red": 1.0}, {"rag": "amber"}),
    ("pi_worsening", "pi", {**QUARTERLY, "rag": "amber", "dot_short": "worse", "dot_long": "worse"},
     {**QUARTERLY, "rag": "amber", "dot_short": "worse", "dot_long": "same"}),
    # A year-to-date PI's two terms are one comparison: the same quarter a year before.
    ("pi_worsening", "pi", {**QUARTERLY, "rag": "amber", "dot_short": "worse", "dot_long": "worse"},
     {"dot_short_basis": "same quarter last year", "rag": "amber", "dot_short": "worse",
      "dot_long": "worse"}),
    ("pi_no_data", "pi", {"rag": "no data", "data_status": "missing"}, {"rag": "n/a"}),
    ("persistent_red", "pi", RED_WITH_NOTE, {**RED_WITH_NOTE, "consecutive_red": 1.0}),
    ("persistent_red_no_action", "pi", {**RED_WITH_NOTE, "has_commentary": False},
     RED_WITH_NOTE),
    ("bottom_quartile_worsening", "pi", {"benchmark_quartile": 4.0, "dot_long": "worse"},
     {"benchmark_quartile": 3.0, "dot_long": "worse"}),
    ("equality_gap", "subgroup",
     {"n_unweighted": 100.0, "difference_points": -10.0, "p_adjusted": 0.049},
     {"n_unweighted": 99.0, "difference_points": -10.0, "p_adjusted": 0.049}),
    ("equality_gap", "subgroup",
     {"n_unweighted": 300.0, "difference_points": -12.0, "p_adjusted": 0.01},
     {"n_unweighted": 300.0, "difference_points": 12.0, "p_adjusted": 0.01}),
    ("ward_hotspot", "ward",
     {"n_unweighted": 50.0, "difference_points": -20.0, "p_adjusted": 0.01, "ward_name": "X"},
     {"n_unweighted": 50.0, "difference_points": -20.0, "p_adjusted": 0.05, "ward_name": "X"}),
    ("top_issue", "theme", {"top_issue": True}, {"top_issue": False}),
    ("top_issue_unquotable", "theme", {"top_issue": True, "quotable": 0.0},
     {"top_issue": True, "quotable": 1.0}),
    ("campaign_responses", "theme", {"top_issue": True, "campaign_responses": 3.0},
     {"top_issue": True, "campaign_responses": 0.0}),
]


@pytest.mark.parametrize("rule_id, kind, fires, misses", CASES,
                         ids=[f"{case[0]}-{i}" for i, case in enumerate(CASES)])
def test_each_default_rule_fires_on_its_evidence_and_not_on_a_near_miss(parameters, rule_id,
                                                                       kind, fires, misses):
    assert rule_id in _fired(parameters, kind, fires)
    assert rule_id not in _fired(parameters, kind, misses)


def test_every_default_rule_has_a_case():
    assert {rule.id for rule in load_parameters().rules} == {case[0] for case in CASES}


def test_blank_evidence_fires_nothing(parameters):
    for kind in EVIDENCE_FIELDS:
        assert _fired(parameters, kind, {}) == []


@pytest.fixture(scope="module")
def demo_findings(demo_ws):
    return demo_ws.parameters.rules.evaluate(evidence_for(demo_ws, PERIOD), period=PERIOD)


def test_the_demo_councils_planted_signals_become_the_expected_findings(demo_findings):
    found = set(map(tuple, demo_findings[["rule_id", "service_id", "subject"]].values))
    # SCENARIO.md: street cleansing's key PI red while satisfaction falls; waste's perception
    # gap; the two street-cleaning hotspot wards; younger and disabled residents' gap.
    assert ("priority_for_review", "street_cleansing", "Street cleansing") in found
    assert {(r, s) for r, s, _ in found if r == "perception_gap"} == \
        {("perception_gap", "waste_recycling")}
    assert {("ward_hotspot", "street_cleansing", "Eastfield"),
            ("ward_hotspot", "street_cleansing", "Northgate")} <= found
    assert {("equality_gap", COUNCIL, "age band 18-34 (sat_council)"),
            ("equality_gap", COUNCIL, "disability Yes (sat_council)")} <= found


def test_nothing_is_high_severity_without_its_reason_in_the_evidence(demo_findings):
    high = demo_findings[demo_findings["severity"] == "high"]
    # Each high finding is one SCENARIO.md documents: SC01 red with satisfaction falling, CS02
    # red twice with no commentary, HW01 bottom quartile and worse than a year before.
    assert sorted(map(tuple, high[["rule_id", "subject"]].values)) == [
        ("bottom_quartile_worsening", "HW01"), ("persistent_red_no_action", "CS02"),
        ("priority_for_review", "Street cleansing")]
    assert high["evidence"].str.len().gt(0).all()


def test_two_runs_write_byte_identical_findings(demo_workspace, demo_findings, tmp_path):
    # A second load of the workspace derives everything afresh: nothing is shared with the first.
    ws = load_workspace(demo_workspace)
    again = ws.parameters.rules.evaluate(gather_evidence(ws, PERIOD), period=PERIOD)
    write_findings(demo_findings, tmp_path / "a.csv")
    write_findings(again, tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()

"""Rule files as an analyst edits them: every mistake is reported by `pmresearch validate`
with the file, the line, the rule and the fix; services switch rules off or change them."""

from pathlib import Path

import pytest
import yaml

from pmresearch.evidence import findings_for
from pmresearch.workspace import check_workspace, default_parameters_dir, load_workspace

from evidence_tables import evidence_tables

RULES = default_parameters_dir() / "rules.yaml"


def _with_rules(workspace: Path, text: str) -> list[str]:
    target = workspace / "parameters" / "rules.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return [str(p) for p in check_workspace(workspace)]


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_the_default_rules_load_and_are_checked_against_the_evidence(demo_workspace):
    assert check_workspace(demo_workspace) == []
    assert len(load_workspace(demo_workspace).parameters.rules) == 18


OPERATORS = ("'at_least', 'at_most', 'equals', 'greater_than', 'in', 'is_missing', 'less_than', "
             "'not_equals', 'not_in', 'significant'; modifiers: 'abs', 'for_periods'")


@pytest.mark.parametrize("old, new, at, message", [
    ("{field: key_pi_rag, equals: red}", "{field: key_pi_rag, is: red}", "key_pi_rag, is",
     f"unknown operator 'is' (allowed: {OPERATORS}). Correct the spelling."),
    ("    severity: high\n    finding: >-\n      Satisfaction with {service_name} fell",
     "    severity: 3\n    finding: >-\n      Satisfaction with {service_name} fell",
     "severity: 3",
     "key 'severity' is 3; expected one of 'high', 'medium', 'low', 'info'. Correct the value."),
    ("    owner: Head of service\n    due: within one quarter\n    outcome: Residents'",
     "    due: within one quarter\n    outcome: Residents'", "- id: priority_for_review",
     "key 'owner' is missing. Add it (the role that acts, e.g. Head of service)."),
])
def test_a_broken_rule_is_reported_with_file_line_and_rule(demo_copy, old, new, at, message):
    text = RULES.read_text(encoding="utf-8")
    assert old in text
    broken = text.replace(old, new, 1)
    assert _with_rules(demo_copy, broken) == [
        f"parameters/rules.yaml: line {_line_of(broken, at)}, rule 'priority_for_review': {message}"]


def test_a_field_the_evidence_lacks_is_an_error_at_load_with_the_allowed_fields(demo_copy):
    broken = RULES.read_text(encoding="utf-8").replace(
        "{field: key_pi_rag, equals: red}", "{field: key_pi_colour, equals: red}", 1)
    [problem] = _with_rules(demo_copy, broken)
    line = _line_of(broken, "key_pi_colour")
    assert problem.startswith(f"parameters/rules.yaml: line {line}, rule 'priority_for_review': "
                              "unknown field 'key_pi_colour' (allowed: 'change_p', ")
    assert problem.endswith("'top_themes', 'wave'). Did you mean 'key_pi_value'?")


def test_a_duplicate_rule_id_names_both_lines(demo_copy):
    text = RULES.read_text(encoding="utf-8").replace("- id: satisfaction_rose",
                                                     "- id: satisfaction_fell")
    first = _line_of(text, "- id: satisfaction_fell")
    second = text.count("\n", 0, text.rindex("- id: satisfaction_fell")) + 1
    assert _with_rules(demo_copy, text) == [
        f"parameters/rules.yaml: line {second}, rule 'satisfaction_fell': duplicate id "
        f"'satisfaction_fell' (first at line {first}, again at line {second}). Give each rule "
        "its own id."]


def test_a_yaml_syntax_error_gives_line_and_column(demo_copy):
    text = RULES.read_text(encoding="utf-8").replace("    title: Priority for review",
                                                     "    title: [Priority for review", 1)
    line = _line_of(text, "[Priority for review")
    assert _with_rules(demo_copy, text) == [
        f"parameters/rules.yaml: not valid YAML at line {line + 1}, column 15: expected ',' or "
        "']', but got ':'. Correct the YAML syntax."]


def _service_rules(workspace: Path, block: dict) -> None:
    source = workspace / "parameters" / "services" / "street_cleansing.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    target = workspace / "parameters" / "services" / "street_cleansing.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump({**data, "rules": block}), encoding="utf-8")


PERIOD = "2025-26 Q2"


def _hotspot(service_id: str, ward: str) -> dict:
    """A ward evidence row the default ward_hotspot rule fires on: 20 points below the rest of
    the borough, p = 0.01 after adjustment, on a base of 150 (neither suppressed nor low)."""
    return {"service_id": service_id, "subject": ward, "ward_code": ward, "ward_name": ward,
            "survey_item": "sat_item", "wave": "2025", "pct_satisfied": 50.0, "pct_rest": 70.0,
            "difference_points": -20.0, "p_value": 0.001, "p_adjusted": 0.01,
            "significant": True, "n_unweighted": 150.0, "suppressed": False, "low_base": False}


def _service(service_id: str, name: str, pct_dont_know: float) -> dict:
    return {"service_id": service_id, "subject": name, "service_name": name,
            "pct_dont_know": pct_dont_know, "pct_satisfied": 60.0, "n_unweighted": 900.0,
            "satisfaction_suppressed": False}


# Two services alike but for their names, each with a hotspot ward and a don't-know share of
# 3.6% (the demo's street cleaning): above 2, below the default threshold of 20.
EVIDENCE = evidence_tables(
    PERIOD, ward=[_hotspot("street_cleansing", "Eastfield"), _hotspot("libraries", "Eastfield")],
    service=[_service("street_cleansing", "Street cleansing", 3.6),
             _service("libraries", "Libraries", 3.6)])


def test_a_service_can_switch_a_rule_off(demo_copy):
    _service_rules(demo_copy, {"disable": ["ward_hotspot"]})
    ws = load_workspace(demo_copy)
    # The service file is read into the overrides findings_for applies; the evidence is small
    # and hand-made (the rule's behaviour on the demo's own evidence is test_default_rules').
    street = findings_for(ws, PERIOD, services=["street_cleansing"], gathered=EVIDENCE)
    libraries = findings_for(ws, PERIOD, services=["libraries"], gathered=EVIDENCE)
    assert "ward_hotspot" not in street["rule_id"].tolist()
    assert libraries["rule_id"].tolist() == ["ward_hotspot"]  # only that service is changed
    assert libraries["base_note"].tolist() == [""]  # a base of 150 is neither low nor suppressed


def test_a_service_can_change_a_rules_threshold(demo_copy):
    _service_rules(demo_copy, {"params": {"high_dont_know": {"dont_know_share": 2}}})
    ws = load_workspace(demo_copy)
    found = findings_for(ws, PERIOD, services=["street_cleansing", "libraries"],
                         gathered=EVIDENCE)
    # 3.6% is at least the service's own 2 but below libraries' default 20.
    dont_know = found[found["rule_id"] == "high_dont_know"]
    assert dont_know["service_id"].tolist() == ["street_cleansing"]
    assert dont_know["condition"].tolist() == ["pct_dont_know is at least 2"]


def test_an_override_of_an_unknown_rule_is_reported(demo_copy):
    _service_rules(demo_copy, {"disable": ["no_such_rule"]})
    problems = [str(p) for p in check_workspace(demo_copy)]
    assert len(problems) == 1
    assert problems[0].startswith("parameters/services/street_cleansing.yaml: ")
    assert "no_such_rule" in problems[0]


def test_a_disable_list_holding_a_mapping_is_reported_not_a_crash(demo_copy):
    _service_rules(demo_copy, {"disable": [{"ward_hotspot": True}]})
    assert [str(p) for p in check_workspace(demo_copy)] == [
        "parameters/services/street_cleansing.yaml: key 'rules.disable' holds a mapping; "
        "expected rule ids. Write disable: [rule_id, ...]."]

"""The rule language: load-time checks, three-valued evaluation, overrides and findings.

Every expected finding is worked by hand from the small evidence tables below (the reasoning
is in the comments); the demo test checks the signals SCENARIO.md plants, which the demo
generator computes independently of pmresearch.rules.
"""

import textwrap

import numpy as np
import pandas as pd
import pytest

from pmresearch.errors import RuleError
from pmresearch.rules import (FINDINGS_COLUMNS, IMPROVEMENT_COLUMNS, Rule, RuleSet,
                              check_service_overrides, evaluate, explain, improvement_actions,
                              parse_rules, write_findings)

FIELDS = {
    "service": {"service_name": "text", "change_verdict": "text", "change_points": "number",
                "change_p": "number", "key_pi_rag": "text", "pct_satisfied": "number",
                "satisfaction_suppressed": "bool", "key_pi_commentary": "text"},
    "ward": {"ward_name": "text", "gap_points": "number", "p_value": "number",
             "n_unweighted": "number"},
}
SETTINGS = {"significance": {"alpha": 0.05}, "suppression": {"min_base": 50, "low_base": 100}}
Q2, Q1, Q4, Q3 = "2025-26 Q2", "2025-26 Q1", "2024-25 Q4", "2024-25 Q3"

# Line numbers matter in the messages below: line 3 is "- id:", line 9 the key_pi_rag test.
BASE = """\
settings: {}
rules:
  - id: priority_for_review
    title: Priority for review
    applies_to: service
    when:
      all:
        - {field: change_verdict, equals: significant fall}
        - {field: key_pi_rag, equals: red}
    severity: high
    finding: "Satisfaction with {service_name} fell {change_points:+.1f} points."
    action: "Review {service_name}."
    owner: Head of service
"""
WHERE = "rules.yaml: line 9, rule 'priority_for_review': "


def problems_of(text, settings=SETTINGS):
    rules, problems = parse_rules(text, file="rules.yaml", fields=FIELDS, settings=settings)
    return rules, [str(p) for p in problems]


def rule_file(*rules):
    """A rules.yaml text from rule entries written as YAML blocks."""
    body = "".join(textwrap.indent(textwrap.dedent(r).strip("\n"), "    ").replace("    ", "  - ", 1)
                   + "\n" for r in rules)
    return "settings: {}\nrules:\n" + body


def rule(rule_id, when, *, applies_to="service", severity="medium", finding="{subject}",
         action="Act on {subject}.", extra=""):
    return f"""
    id: {rule_id}
    title: {rule_id.replace('_', ' ').capitalize()}
    applies_to: {applies_to}
    when: {when}
    severity: {severity}
    finding: "{finding}"
    action: "{action}"
    owner: Head of service
    {extra}
    """


def ruleset(*rules, settings=SETTINGS):
    return RuleSet.from_text(rule_file(*rules), fields=FIELDS, settings=settings)


def fired(findings):
    return sorted(findings["subject"])


# ---------------------------------------------------------------- load-time checks


def test_a_valid_rule_parses_with_its_line_and_condition():
    rules, problems = problems_of(BASE)
    assert problems == []
    (only,) = rules
    assert isinstance(only, Rule)
    assert (only.id, only.line, only.severity, only.applies_to, only.file) == \
        ("priority_for_review", 3, "high", "service", "rules.yaml")
    assert only.fields == {"change_verdict": 1, "key_pi_rag": 1}


def test_unknown_operator_names_the_allowed_operators():
    _, problems = problems_of(BASE.replace("equals: red", "equal: red"))
    assert problems == [WHERE + "unknown operator 'equal' (allowed: 'at_least', 'at_most', "
                        "'equals', 'greater_than', 'in', 'is_missing', 'less_than', 'not_equals', "
                        "'not_in', 'significant'; modifiers: 'abs', 'for_periods'). "
                        "Did you mean 'equals'?"]


def test_unknown_field_lists_the_subjects_fields():
    _, problems = problems_of(BASE.replace("field: key_pi_rag", "field: key_pi_rg"))
    assert problems == [WHERE + "unknown field 'key_pi_rg' (allowed: 'change_p', 'change_points', "
                        "'change_verdict', 'key_pi_commentary', 'key_pi_rag', 'pct_satisfied', "
                        "'satisfaction_suppressed', 'service_name'). Did you mean 'key_pi_rag'?"]


@pytest.mark.parametrize("change, message", [
    ("equals: red, for_periods: two}",
     WHERE + "key 'for_periods' is 'two'; expected a whole number from 2 to 40. Correct the value."),
    ("equals: red, for_periods: 1}",
     WHERE + "key 'for_periods' is 1; expected a whole number from 2 to 40. Correct the value."),
    ("less_than: 3}",
     WHERE + "operator 'less_than' needs a number field; 'key_pi_rag' is text. Compare text and "
     "true/false fields with equals, not_equals, in or not_in."),
    ("equals: 3}",
     WHERE + "operator 'equals' on text field 'key_pi_rag' takes text; found 3. Write a value of "
     "the field's kind."),
    ("equals: no}",
     WHERE + "operator 'equals' on text field 'key_pi_rag' takes text; found false. YAML reads a "
     "bare yes, no, on, off, true or false as true/false: put quotes round text."),
    ("in: red}",
     WHERE + "key 'in' is 'red'; expected a list of one or more values, e.g. [red, amber]. "
     "Correct the value."),
    ("significant: true}",
     WHERE + "operator 'significant' needs a number field (a p-value); 'key_pi_rag' is text. "
     "Point it at the p-value field."),
    ("equals: red, abs: true}",
     WHERE + "'abs' needs a number field and a comparing operator; found 'equals' on text field "
     "'key_pi_rag'. Remove abs: or compare a number field."),
    ("equals: red, in: [red]}",
     WHERE + "comparison on 'key_pi_rag' has 2 operators 'equals', 'in'; expected one. Split it "
     "into comparisons under all: or any:."),
])
def test_wrong_types_say_what_was_expected(change, message):
    _, problems = problems_of(BASE.replace("equals: red}", change))
    assert problems == [message]


def test_a_text_value_for_a_number_field_is_a_type_error():
    text = BASE.replace("{field: key_pi_rag, equals: red}", "{field: change_points, at_least: big}")
    assert problems_of(text)[1] == [WHERE + "operator 'at_least' on number field 'change_points' "
                                    "takes a number; found 'big'. Write a value of the field's kind."]


@pytest.mark.parametrize("test, message", [
    ("{field: satisfaction_suppressed, equals: 'yes'}",
     "operator 'equals' on bool field 'satisfaction_suppressed' takes true or false; found 'yes'. "
     "Write a value of the field's kind."),
    ("{field: key_pi_rag, in: [red, 2]}",
     "operator 'in' on text field 'key_pi_rag' takes text; found 2. Write a value of the "
     "field's kind."),
    ("{field: key_pi_rag, in: $floor}",
     "operator 'in' takes a list; $floor is 60. Make the param a list."),
    ("{field: pct_satisfied, at_least: $rags}",
     "operator 'at_least' on number field 'pct_satisfied' takes a number; found ['red'] (from "
     "$rags). Write a value of the field's kind."),
])
def test_values_and_params_must_fit_the_fields_kind(test, message):
    text = BASE.replace("{field: key_pi_rag, equals: red}", test) + \
        "    params: {floor: 60, rags: [red]}\n"
    assert problems_of(text)[1] == [WHERE + message]


def test_the_catalogue_kinds_are_checked():
    with pytest.raises(ValueError, match=r"^fields\['ward'\] has kinds \{'p_value': 'float'\}; "
                                         r"expected one of \('number', 'text', 'bool'\)$"):
        parse_rules(BASE, file="rules.yaml", settings=SETTINGS,
                    fields={**FIELDS, "ward": {"p_value": "float"}})


def test_bad_severity_lists_the_severities():
    _, problems = problems_of(BASE.replace("severity: high", "severity: 3"))
    assert problems == ["rules.yaml: line 10, rule 'priority_for_review': key 'severity' is 3; "
                        "expected one of 'high', 'medium', 'low', 'info'. Correct the value."]


def test_missing_required_key_is_named_at_the_rules_line():
    _, problems = problems_of(BASE.replace("    owner: Head of service\n", ""))
    assert problems == ["rules.yaml: line 3, rule 'priority_for_review': key 'owner' is missing. "
                        "Add it (the role that acts, e.g. Head of service)."]


def test_a_misspelt_key_is_reported_once_as_unknown():
    _, problems = problems_of(BASE.replace("severity: high", "severty: high"))
    assert problems == ["rules.yaml: line 10, rule 'priority_for_review': unknown key 'severty' "
                        "(allowed: 'action', 'applies_to', 'due', 'finding', 'id', 'outcome', "
                        "'owner', 'params', 'severity', 'success_measure', 'title', 'when'). "
                        "Did you mean 'severity'?"]


@pytest.mark.parametrize("change, message", [
    (("    title: Priority for review", "    title: Priority: for review"),
     "rules.yaml: line 4, column 20: not valid YAML: mapping values are not allowed here. "
     "Correct the YAML syntax."),
    (("equals: red}", "equals: red"),
     "rules.yaml: line 10, column 13: not valid YAML: expected ',' or '}', but got ':'. "
     "Correct the YAML syntax."),
    (("settings: {}", "settings: {}\n\tbad: tab"),
     "rules.yaml: line 2, column 1: not valid YAML: found character '\\t' that cannot start any "
     "token. Correct the YAML syntax."),
])
def test_yaml_syntax_error_gives_line_and_column(change, message):
    assert problems_of(BASE.replace(*change)) == ([], [message])


def test_duplicate_id_names_both_lines():
    rules, problems = problems_of(BASE + BASE.split("rules:\n")[1])
    assert [r.line for r in rules] == [3]  # the first keeps working
    assert problems == ["rules.yaml: line 14, rule 'priority_for_review': duplicate id "
                        "'priority_for_review' (first at line 3, again at line 14). "
                        "Give each rule its own id."]


def test_a_key_written_twice_is_an_error_not_the_last_one_wins():
    _, problems = problems_of(BASE + "    owner: Director\n")
    assert problems == ["rules.yaml: line 14, rule 'priority_for_review': key 'owner' appears "
                        "twice (lines 13 and 14). Keep one of them."]


@pytest.mark.parametrize("value, extra, message", [
    ("$drop", "", "unknown param '$drop' (the rule has no params). Add it under params: or "
     "correct the name."),
    ("$drop", "    params: {drops: 3}\n", "unknown param '$drop' (params: 'drops'). Did you "
     "mean 'drops'?"),
    ("$settings.suppression.lowbase", "", "unknown setting '$settings.suppression.lowbase' "
     "(allowed under 'settings.suppression': 'low_base', 'min_base'). Did you mean 'low_base'?"),
    ("$settings.suppression", "", "'$settings.suppression' is a mapping; expected a single "
     "setting, e.g. $settings.suppression.low_base. Name a setting, not a section."),
    ("$3 off", "", "'$3 off' is not a reference: write $name for a rule param or "
     "$settings.section.key for a setting. Write $$ for a literal $."),
])
def test_bad_references_are_named(value, extra, message):
    text = BASE.replace("{field: key_pi_rag, equals: red}",
                        f"{{field: change_points, at_most: '{value}'}}") + extra
    assert problems_of(text)[1] == [WHERE + message]


def test_references_resolve_to_params_and_settings():
    text = BASE.replace("{field: key_pi_rag, equals: red}",
                        "{field: pct_satisfied, at_most: $settings.suppression.low_base}")
    text = text.replace("equals: significant fall}", "equals: $verdict}") + \
        "    params: {verdict: significant fall}\n"
    (only,), problems = problems_of(text)
    assert problems == []
    assert explain(only, settings=SETTINGS) == \
        "change_verdict is 'significant fall' and pct_satisfied is at most 100"


@pytest.mark.parametrize("template, message", [
    ("{servce_name}", "template 'finding' uses unknown name 'servce_name' (allowed: 'change_p', "
     "'change_points', 'change_verdict', 'key_pi_commentary', 'key_pi_rag', 'pct_satisfied', "
     "'period', 'satisfaction_suppressed', 'service_id', 'service_name', 'subject'). "
     "Did you mean 'service_name'?"),
    ("{service_name.upper}", "template 'finding': {service_name.upper} is not allowed; write "
     "{name} or {name:format} (no attribute access, indexing, conversion, nested or positional "
     "fields). Use a plain name."),
    ("{service_name!r}", "template 'finding': {service_name!r} is not allowed; write {name} or "
     "{name:format} (no attribute access, indexing, conversion, nested or positional fields). "
     "Use a plain name."),
    ("{0}", "template 'finding': {0} is not allowed; write {name} or {name:format} (no attribute "
     "access, indexing, conversion, nested or positional fields). Use a plain name."),
    ("{service_name:+.1f}", "template 'finding': format '+.1f' does not suit text "
     "'service_name'. Correct the format (numbers are decimals: use .0f, not d)."),
    ("{change_points:d}", "template 'finding': format 'd' does not suit number 'change_points'. "
     "Correct the format (numbers are decimals: use .0f, not d)."),
    ("{service_name", "template 'finding' is not valid: expected '}' before end of string. "
     "Write {{ and }} for a literal brace."),
])
def test_bad_template_fields_are_named(template, message):
    text = BASE.replace("{service_name} fell {change_points:+.1f} points.", template)
    assert problems_of(text)[1] == ["rules.yaml: line 11, rule 'priority_for_review': " + message]


def test_unknown_applies_to_lists_the_subjects():
    _, problems = problems_of(BASE.replace("applies_to: service", "applies_to: services"))
    assert problems == ["rules.yaml: line 5, rule 'priority_for_review': unknown subject "
                        "'services' in applies_to (allowed: 'service', 'ward'). "
                        "Did you mean 'service'?"]


@pytest.mark.parametrize("change, message", [
    (("      all:\n", "      any: []\n      all:\n"),
     "line 7, rule 'priority_for_review': condition has both 'all' and 'any'; expected exactly "
     "one of 'all', 'any', 'field', 'not'. Nest one inside the other, e.g. all: [..., {any: [...]}]."),
    (("      all:\n", "      alll:\n"),
     "line 7, rule 'priority_for_review': unknown condition key 'alll' (allowed: 'all', 'any', "
     "'field', 'not'). Did you mean 'all'?"),
    (("      all:\n", "      not:\n"),
     "line 7, rule 'priority_for_review': condition is a list; expected a mapping with one of "
     "'all', 'any', 'field', 'not'. See the rule language in pmresearch.rules."),
    (("      all:\n", "      for_periods: 2\n      all:\n"),
     "line 7, rule 'priority_for_review': 'all' takes no other keys; found 'for_periods'. "
     "Move 'for_periods' into a comparison inside 'all'."),
    (("{field: key_pi_rag, equals: red}", "{equals: red}"),
     "line 9, rule 'priority_for_review': comparison with 'equals' has no 'field'. Add field: "
     "and the evidence field's name."),
    (("id: priority_for_review", "id: Priority Review"),
     "line 3, rule 'Priority Review': key 'id' is 'Priority Review'; expected lower-case "
     "letters, digits and '_', starting with a letter (at most 64). Rename the rule."),
    (("rules:\n", "rules:\n  - just text\n"),
     "line 3, rule #1: expected a rule (a mapping with keys 'action', 'applies_to', 'finding', "
     "'id', 'owner', 'severity', 'title', 'when'); found 'just text'. Write each rule as - id: "
     "… with its keys."),
])
def test_malformed_conditions_and_entries_are_located(change, message):
    assert problems_of(BASE.replace(*change))[1] == ["rules.yaml: " + message]


def test_significant_needs_the_significance_level_setting():
    text = BASE.replace("{field: key_pi_rag, equals: red}", "{field: change_p, significant: true}")
    assert problems_of(text, settings={})[1] == [
        WHERE + "operator 'significant' compares with the setting 'significance.alpha', which is "
        "missing; expected a number between 0 and 1. Set significance: {alpha: 0.05}."]


def test_params_may_not_shadow_fields_and_must_be_plain_values():
    _, problems = problems_of(BASE + "    params: {change_points: 3, mixed: [1, a]}\n")
    assert problems == [
        "rules.yaml: line 14, rule 'priority_for_review': param 'change_points' has the name of "
        "an evidence field of 'service'. Rename the param.",
        "rules.yaml: line 14, rule 'priority_for_review': param 'mixed' is [1, 'a']; expected a "
        "number, text, true/false or a list of one of these. Correct the value."]


@pytest.mark.parametrize("text, message", [
    ("", "line 1: the file is empty; expected a mapping with keys 'settings' and 'rules'. Start "
     "the file with settings: and rules:."),
    ("settings: {}\n", "line 1: key 'rules' is missing. Add rules: followed by a list of rules "
     "(rules: [] for none)."),
    ("settings: {}\nrules: {id: x}\n", "line 2: key 'rules' holds a mapping; expected a list of "
     "rules. Write each rule as a list item starting - id:."),
    ("rules: []\nrules: []\n", "line 2: key 'rules' appears twice (lines 1 and 2). Keep one of them."),
])
def test_file_level_problems(text, message):
    assert problems_of(text)[1] == ["rules.yaml: " + message]


def test_every_problem_is_listed_in_one_pass():
    text = BASE.replace("severity: high", "severity: urgent").replace("equals: red", "equal: red")
    text += BASE.split("rules:\n")[1].replace("priority_for_review", "second").replace(
        "applies_to: service", "applies_to: wards")
    _, problems = problems_of(text)
    assert [p.split(":")[1] for p in problems] == [" line 9, rule 'priority_for_review'",
                                                    " line 10, rule 'priority_for_review'",
                                                    " line 16, rule 'second'"]


def test_dollar_dollar_is_a_literal_dollar():
    (only,), problems = problems_of(BASE.replace("equals: red}", "equals: $$red}"))
    assert problems == [] and only.when.conditions[1].value == "$red"


def test_ruleset_from_text_raises_rule_error_with_line_and_rule():
    with pytest.raises(RuleError) as caught:
        RuleSet.from_text(BASE.replace("equals: red", "equal: red"), fields=FIELDS, settings=SETTINGS)
    assert (caught.value.file, caught.value.line, caught.value.rule_id) == \
        ("rules.yaml", 9, "priority_for_review")
    assert str(caught.value).startswith(WHERE + "unknown operator 'equal'")
    with pytest.raises(RuleError) as caught:
        RuleSet.from_text(BASE.replace("equals: red", "equal: red").replace("severity: high",
                                                                            "severity: 3"),
                          fields=FIELDS, settings=SETTINGS)
    assert [str(p).split(": ")[2][:20] for p in caught.value.problems] == [
        "unknown operator 'eq", "key 'severity' is 3;"]
    assert str(caught.value).startswith("2 problems in rules.yaml:\n  - rules.yaml: line 9, ")


# ---------------------------------------------------------------- evaluation


def services(rows, period=Q2):
    """A service evidence table; each row's subject is its service id."""
    frame = pd.DataFrame(rows)
    frame.insert(0, "period", frame.pop("period") if "period" in frame else period)
    frame.insert(0, "subject", frame["service_id"])
    return frame


SIX = services([
    # service        verdict              rag      points  p       pct    suppressed
    dict(service_id="a", change_verdict="significant fall", key_pi_rag="red", change_points=-8.0,
         change_p=0.001, pct_satisfied=58.0, satisfaction_suppressed=False),
    dict(service_id="b", change_verdict="significant fall", key_pi_rag="green", change_points=-5.0,
         change_p=0.049, pct_satisfied=74.0, satisfaction_suppressed=False),
    dict(service_id="c", change_verdict="no significant change", key_pi_rag="red",
         change_points=-1.0, change_p=0.05, pct_satisfied=61.0, satisfaction_suppressed=False),
    dict(service_id="d", change_verdict="significant rise", key_pi_rag="amber", change_points=6.0,
         change_p=0.2, pct_satisfied=80.0, satisfaction_suppressed=True),
    dict(service_id="e", change_verdict=None, key_pi_rag="red", change_points=np.nan,
         change_p=np.nan, pct_satisfied=np.nan, satisfaction_suppressed=pd.NA),
    dict(service_id="f", change_verdict="", key_pi_rag=None, change_points=2.0, change_p=0.3,
         pct_satisfied=66.0, satisfaction_suppressed=False),
])
SIX["satisfaction_suppressed"] = SIX["satisfaction_suppressed"].astype("boolean")


def run(when, table=SIX, settings=SETTINGS, **options):
    rules = ruleset(rule("r", when), settings=settings)
    return fired(rules.evaluate({"service": table}, period=Q2, **options))


def test_all_needs_every_part_and_skips_unknown():
    # a: fall and red. e: red but verdict missing -> unknown, so no finding.
    assert run("{all: [{field: change_verdict, equals: significant fall}, "
               "{field: key_pi_rag, equals: red}]}") == ["a"]


def test_any_needs_one_definite_part():
    # e: verdict missing (unknown) OR red (true) -> true. f: '' verdict and missing rag -> unknown.
    assert run("{any: [{field: change_verdict, equals: significant rise}, "
               "{field: key_pi_rag, equals: red}]}") == ["a", "c", "d", "e"]


def test_not_of_a_missing_value_stays_unknown():
    # Not red: b, d definitely; e (red) no; f has no RAG, so "not red" is unknown, not true.
    assert run("{not: {field: key_pi_rag, equals: red}}") == ["b", "d"]


@pytest.mark.parametrize("test, expected", [
    ("equals: 61", ["c"]),
    ("not_equals: 61", ["a", "b", "d", "f"]),            # e is missing: never fires
    ("in: [58, 80]", ["a", "d"]),
    ("not_in: [58, 80]", ["b", "c", "f"]),
    ("less_than: 61", ["a"]),
    ("at_most: 61", ["a", "c"]),
    ("greater_than: 66", ["b", "d"]),
    ("at_least: 66", ["b", "d", "f"]),
    ("is_missing: true", ["e"]),
    ("is_missing: false", ["a", "b", "c", "d", "f"]),
])
def test_each_number_operator(test, expected):
    # pct_satisfied: a 58, b 74, c 61, d 80, e missing, f 66
    assert run(f"{{field: pct_satisfied, {test}}}") == expected


@pytest.mark.parametrize("test, expected", [
    ("{field: key_pi_rag, in: [red, amber]}", ["a", "c", "d", "e"]),
    ("{field: key_pi_rag, not_in: [red, amber]}", ["b"]),
    ("{field: change_verdict, is_missing: true}", ["e", "f"]),  # None and "" are both blank
    ("{field: satisfaction_suppressed, equals: true}", ["d"]),
    ("{field: satisfaction_suppressed, not_equals: true}", ["a", "b", "c", "f"]),
])
def test_text_and_bool_operators(test, expected):
    assert run(test) == expected


def test_abs_compares_the_size_of_a_change_either_way():
    # |change_points|: a 8, b 5, c 1, d 6, f 2 -> at least 5: a, b, d; without abs only d.
    assert run("{field: change_points, at_least: 5, abs: true}") == ["a", "b", "d"]
    assert run("{field: change_points, at_least: 5}") == ["d"]


def test_significant_compares_p_with_the_settings_alpha():
    # p: a 0.001, b 0.049, c 0.05, d 0.2, f 0.3 -> p < 0.05: a, b; p < 0.1: a, b, c.
    assert run("{field: change_p, significant: true}") == ["a", "b"]
    assert run("{field: change_p, significant: false}") == ["c", "d", "f"]
    looser = {**SETTINGS, "significance": {"alpha": 0.1}}
    assert run("{field: change_p, significant: true}", settings=looser) == ["a", "b", "c"]


HISTORY = services([
    dict(service_id="s", period=Q3, key_pi_rag="green"),
    dict(service_id="s", period=Q4, key_pi_rag="red"),   # s: red Q4, Q1, Q2 (across a year end)
    dict(service_id="s", period=Q1, key_pi_rag="red"),
    dict(service_id="s", period=Q2, key_pi_rag="red"),
    dict(service_id="t", period=Q4, key_pi_rag="red"),   # t: no Q1 row -> a gap
    dict(service_id="t", period=Q2, key_pi_rag="red"),
    dict(service_id="u", period=Q4, key_pi_rag="amber"),  # u: red Q1, Q2 only
    dict(service_id="u", period=Q1, key_pi_rag="red"),
    dict(service_id="u", period=Q2, key_pi_rag="red"),
    dict(service_id="v", period=Q1, key_pi_rag=None),    # v: Q1 RAG missing
    dict(service_id="v", period=Q2, key_pi_rag="red"),
])


@pytest.mark.parametrize("periods, expected", [(2, ["s", "u"]), (3, ["s"]), (4, [])])
def test_for_periods_needs_consecutive_quarters_without_a_gap(periods, expected):
    assert run(f"{{field: key_pi_rag, equals: red, for_periods: {periods}}}", table=HISTORY) == expected


def test_not_for_periods_is_unknown_across_a_gap():
    # "not red for 2 quarters": s and u were red both quarters (false); t and v lack Q1 evidence,
    # so whether the run held is unknown and the rule stays silent.
    assert run("{not: {field: key_pi_rag, equals: red, for_periods: 2}}", table=HISTORY) == []


def test_findings_show_the_evidence_that_fired_them():
    rules = ruleset(rule("persistent_red", "{all: [{field: key_pi_rag, equals: red, for_periods: 3},"
                                           " {field: change_p, at_most: 0.05}]}",
                         finding="{key_pi_rag} since {period}; p = {change_p:.3f}"))
    table = HISTORY.assign(change_p=[0.5, 0.5, 0.5, 0.0123456, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    (row,) = rules.evaluate({"service": table}, period=Q2).to_dict("records")
    assert row["evidence"] == ("key_pi_rag = red, red, red (2024-25 Q4 to 2025-26 Q2); "
                               "change_p = 0.01235")
    assert row["finding"] == "red since 2025-26 Q2; p = 0.012"
    assert row["condition"] == ("key_pi_rag is 'red' for 3 consecutive quarters and change_p is "
                                "at most 0.05")


def test_templates_show_missing_values_as_a_dash_without_their_format():
    rules = ruleset(rule("r", "{field: key_pi_rag, equals: red}",
                         finding="{subject}: {change_points:+.1f} points, {change_verdict}, "
                                 "{pct_satisfied}%, suppressed {satisfaction_suppressed}"))
    found = rules.evaluate({"service": SIX}, period=Q2).set_index("subject")["finding"]
    assert found.to_dict() == {"a": "a: -8.0 points, significant fall, 58%, suppressed false",
                               "c": "c: -1.0 points, no significant change, 61%, suppressed false",
                               "e": "e: – points, –, –%, suppressed –"}


def test_only_the_period_makes_findings_and_services_can_be_chosen():
    when = "{field: key_pi_rag, equals: red}"
    assert run(when, table=HISTORY) == ["s", "t", "u", "v"]
    assert run(when, table=HISTORY, services=["u", "t", "zz"]) == ["t", "u"]
    rules = ruleset(rule("r", when))
    assert fired(evaluate(rules, {"service": HISTORY}, period=Q3, settings=SETTINGS)) == []


def test_service_overrides_disable_rules_and_change_params():
    rules = ruleset(rule("low", "{field: pct_satisfied, less_than: $floor}",
                         finding="{pct_satisfied} < {floor}", extra="params: {floor: 62}"),
                    rule("red", "{field: key_pi_rag, equals: red}"))
    # pct: a 58, b 74, c 61, d 80, f 66. Default floor 62 -> a, c; b's floor 75 adds b;
    # c switches "low" off; a switches "red" off (red: a, c, e otherwise).
    overrides = {"b": {"params": {"low": {"floor": 75}}}, "c": {"disable": ["low"]},
                 "a": {"disable": ["red"]}}
    found = rules.evaluate({"service": SIX}, period=Q2, overrides=overrides)
    assert found[["rule_id", "subject", "finding"]].values.tolist() == [
        ["low", "a", "58 < 62"], ["low", "b", "74 < 75"], ["red", "c", "c"], ["red", "e", "e"]]
    assert found.loc[1, "condition"] == "pct_satisfied is less than 75"


def test_a_list_param_feeds_in_and_services_may_replace_it():
    rules = ruleset(rule("rag", "{field: key_pi_rag, in: $rags}", extra="params: {rags: [red]}"))
    assert fired(rules.evaluate({"service": SIX}, period=Q2)) == ["a", "c", "e"]
    wider = {sid: {"params": {"rag": {"rags": ["red", "amber"]}}} for sid in "abcdef"}
    assert fired(rules.evaluate({"service": SIX}, period=Q2, overrides=wider)) == ["a", "c", "d", "e"]


def test_an_empty_evidence_table_gives_no_findings():
    rules = ruleset(rule("r", "{field: key_pi_rag, equals: red, for_periods: 2}"))
    assert rules.evaluate({"service": SIX.iloc[0:0]}, period=Q2).empty


def test_findings_are_sorted_by_severity_service_rule_order_and_subject():
    wards = pd.DataFrame({"service_id": ["x", "x", "w", "w"], "period": Q2,
                          "subject": ["AB02", "AB01", "AB02", "AB01"],
                          "ward_name": ["Two", "One", "Two", "One"],
                          "gap_points": [-12.0, -15.0, -3.0, -11.0],
                          "p_value": [0.01, 0.2, 0.01, 0.04], "n_unweighted": [120, 80, 60, 150]})
    rules = ruleset(
        rule("big_gap", "{field: gap_points, at_least: 10, abs: true}", applies_to="ward",
             severity="low"),
        rule("hotspot", "{all: [{field: gap_points, less_than: 0}, {field: p_value, significant: "
                        "true}, {field: n_unweighted, at_least: $settings.suppression.min_base}]}",
             applies_to="ward", severity="medium"))
    found = rules.evaluate({"ward": wards}, period=Q2)
    assert found[["severity", "service_id", "rule_id", "subject"]].values.tolist() == [
        ["medium", "w", "hotspot", "AB01"], ["medium", "w", "hotspot", "AB02"],
        ["medium", "x", "hotspot", "AB02"],
        ["low", "w", "big_gap", "AB01"], ["low", "x", "big_gap", "AB01"],
        ["low", "x", "big_gap", "AB02"]]
    assert list(found.columns) == FINDINGS_COLUMNS


def test_findings_csv_is_byte_identical_across_runs_and_row_orders(tmp_path):
    rules = ruleset(rule("r", "{any: [{field: key_pi_rag, equals: red}, {field: change_p, "
                              "significant: true}]}", finding="{subject}, {change_points:+.1f}",
                         extra="due: next quarter"))
    first = write_findings(rules.evaluate({"service": SIX}, period=Q2), tmp_path / "one.csv")
    shuffled = SIX.sample(frac=1, random_state=3)
    second = write_findings(rules.evaluate({"service": shuffled}, period=Q2), tmp_path / "two.csv")
    assert first.read_bytes() == second.read_bytes()
    lines = first.read_bytes().decode("utf-8").split("\n")
    assert lines[0] == ",".join(FINDINGS_COLUMNS)
    assert lines[1] == ("r,R,medium,service,a,2025-26 Q2,a,\"a, -8.0\",Act on a.,Head of service,"
                        "next quarter,,,key_pi_rag = red; change_p = 0.001,"
                        "key_pi_rag is 'red' or change_p is significant (below 0.05),")  # no base note
    assert len(lines) == 1 + 4 + 1 and lines[-1] == ""  # a, b, c, e; file ends in one "\n"


def test_improvement_actions_follow_the_plan_columns():
    rules = ruleset(rule("r", "{field: key_pi_rag, equals: red}", action="Fix {subject}",
                         extra="due: next quarter\n    outcome: 'Green by Q4'\n"
                               "    success_measure: '{subject} green'"))
    plan = improvement_actions(rules.evaluate({"service": SIX}, period=Q2))
    assert list(plan.columns) == IMPROVEMENT_COLUMNS
    assert plan.iloc[0].to_dict() == {"outcome": "Green by Q4", "action": "Fix a",
                                      "owner": "Head of service", "by_when": "next quarter",
                                      "success_measure": "a green", "rule_id": "r",
                                      "service_id": "a", "subject": "a", "severity": "medium"}
    assert len(plan) == 3


def test_no_findings_gives_an_empty_table_with_the_columns(tmp_path):
    found = run("{field: pct_satisfied, greater_than: 100}")
    assert found == []
    empty = ruleset(rule("r", "{field: pct_satisfied, greater_than: 100}")).evaluate(
        {"service": SIX}, period=Q2)
    assert list(empty.columns) == FINDINGS_COLUMNS and empty.empty
    assert write_findings(empty, tmp_path / "f.csv").read_text() == ",".join(FINDINGS_COLUMNS) + "\n"


# ---------------------------------------------------------------- overrides and evaluation errors


def test_check_service_overrides_names_unknown_rules_params_and_kinds():
    rules = list(ruleset(rule("low", "{field: pct_satisfied, less_than: $floor}",
                              extra="params: {floor: 62, rags: [red]}")))
    assert check_service_overrides(None, file="parks.yaml", rules=rules) == []
    found = check_service_overrides(
        {"disable": ["lo"], "params": {"low": {"floor": "60", "rags": [1], "flor": 3},
                                        "high": {}}, "enable": []},
        file="services/parks.yaml", rules=rules)
    assert [str(p) for p in found] == [
        "services/parks.yaml: unknown key 'rules.enable' (allowed: 'disable', 'params'). "
        "Remove it or correct its spelling.",
        "services/parks.yaml: key 'rules.disable' names unknown rule 'lo' (allowed: 'low'). "
        "Did you mean 'low'?",
        "services/parks.yaml: key 'rules.params.low.floor' is '60'; expected a number, as in the "
        "rule file. Correct the value.",
        "services/parks.yaml: key 'rules.params.low.rags' is [1]; expected a list of text, as in "
        "the rule file. Correct the value.",
        "services/parks.yaml: unknown param 'rules.params.low.flor' (params of rule 'low': "
        "'floor', 'rags'). Did you mean 'floor'?",
        "services/parks.yaml: key 'rules.params.high' names unknown rule 'high' (allowed: "
        "'low'). Correct the name."]


def test_evaluate_rejects_invalid_overrides():
    rules = ruleset(rule("r", "{field: key_pi_rag, equals: red}"))
    with pytest.raises(RuleError, match=r"^services/a\.yaml: key 'rules\.disable' names unknown "
                                        r"rule 'x' \(allowed: 'r'\)\. Correct the name\.$"):
        rules.evaluate({"service": SIX}, period=Q2, overrides={"a": {"disable": ["x"]}})


def test_evidence_lacking_a_field_or_subject_is_an_error():
    rules = ruleset(rule("r", "{field: key_pi_rag, equals: red}"))
    with pytest.raises(RuleError, match=r"^rule 'r' reads field 'key_pi_rag', which the evidence "
                                        r"for 'service' lacks$"):
        rules.evaluate({"service": SIX.drop(columns="key_pi_rag")}, period=Q2)
    with pytest.raises(RuleError, match=r"^rule 'r' applies to 'service', but the evidence has "
                                        r"no such table \(found: 'ward'\)$"):
        rules.evaluate({"ward": SIX}, period=Q2)


def test_evidence_with_a_row_twice_or_wrong_kind_is_an_error():
    rules = ruleset(rule("r", "{field: pct_satisfied, at_least: 1}"))
    with pytest.raises(RuleError, match=r"^evidence for 'service' has two rows for service_id "
                                        r"'a', period '2025-26 Q2', subject 'a'; expected one$"):
        rules.evaluate({"service": pd.concat([SIX, SIX.head(1)])}, period=Q2)
    with pytest.raises(RuleError, match=r"^evidence field 'pct_satisfied' holds str values; the "
                                        r"catalogue says number$"):
        rules.evaluate({"service": SIX.assign(pct_satisfied="high")}, period=Q2)
    with pytest.raises(RuleError, match=r"^evidence field 'pct_satisfied' holds values that are "
                                        r"not numbers; the catalogue says number$"):
        rules.evaluate({"service": SIX.assign(pct_satisfied=["1", 2, 3, 4, 5, "high"])}, period=Q2)


def test_a_rule_set_lists_and_finds_its_rules():
    rules = ruleset(rule("one", "{field: key_pi_rag, equals: red}"),
                    rule("two", "{field: key_pi_rag, equals: red}"))
    assert [r.id for r in rules] == ["one", "two"] and len(rules) == 2
    assert rules.rule("two").line == 11  # 2 lines of header, 8 of rule "one"
    with pytest.raises(ValueError, match=r"^no rule 'three' in rules.yaml \(rules: 'one', 'two'\)$"):
        rules.rule("three")


# ---------------------------------------------------------------- explain and the demo


def test_explain_reads_as_plain_english():
    rules = ruleset(rule("r", """
      all:
        - {field: change_verdict, equals: significant fall}
        - {field: key_pi_rag, in: [red, amber], for_periods: 2}
        - any:
            - {field: change_points, at_least: $gap, abs: true}
            - not: {field: change_p, significant: true}
            - {field: key_pi_commentary, is_missing: true}""".replace("\n", "\n    "),
                         extra="params: {gap: 10}"))
    (only,) = rules
    assert explain(only) == (
        "change_verdict is 'significant fall' and key_pi_rag is one of 'red', 'amber' for 2 "
        "consecutive quarters and (the size of change_points is at least 10 or not (change_p is "
        "significant (below the significance level)) or key_pi_commentary is missing)")
    assert explain(only, params={"gap": 5}, settings=SETTINGS).endswith(
        "(the size of change_points is at least 5 or not (change_p is significant (below 0.05)) "
        "or key_pi_commentary is missing)")
    assert explain(ruleset(rule("r", "{field: change_p, significant: false}")).rule("r"),
                   settings=SETTINGS) == "change_p is not significant (0.05 or above)"


DEMO_RULES = """
settings: {significance: {alpha: 0.05}}
rules:
  - id: priority_for_review      # domain.md section 5, rule 8
    title: Priority for review
    applies_to: service
    when:
      all:
        - {field: change_verdict, equals: significant fall}
        - {field: key_pi_rag, equals: red}
    severity: high
    finding: "Satisfaction with {service_name} changed {change_points:+.1f} points; its key PI is red."
    action: "Review {service_name}."
    owner: Head of service
  - id: perception_gap           # rule 9
    title: Perception gap
    applies_to: service
    when:
      any:
        - all: [{field: key_pi_rag, equals: green}, {field: change_verdict, equals: significant fall}]
        - all: [{field: key_pi_rag, equals: red}, {field: change_verdict, equals: significant rise}]
    severity: medium
    finding: "{service_name}: the key PI is {key_pi_rag} but satisfaction moved {change_points:+.1f} points."
    action: Check how the service communicates and whether the PI measures what residents see.
    owner: Performance lead
  - id: persistent_red           # rule 10
    title: Persistent red
    applies_to: service
    when: {field: key_pi_rag, equals: red, for_periods: 3}
    severity: medium
    finding: "{service_name}'s key PI has been red for 3 quarters."
    action: Write corrective-action commentary.
    owner: Head of service
  - id: red_without_commentary   # rule 10, on each PI
    title: Persistent red without corrective action
    applies_to: pi
    when:
      all:
        - {field: rag, equals: red, for_periods: 2}
        - {field: commentary, is_missing: true}
    severity: medium
    finding: "{subject} has been red for {consecutive_red:.0f} quarters with no commentary."
    action: Add corrective-action commentary before the pack is complete.
    owner: PI owner
  - id: escalate                 # rule 11
    title: Bottom quartile and worsening
    applies_to: pi
    when: {all: [{field: benchmark_quartile, equals: 4}, {field: dot_long, equals: worse}]}
    severity: high
    finding: "{subject} is in the bottom quartile of its comparators and worse than a year ago."
    action: Escalate to the portfolio holder.
    owner: Director
"""


def test_demo_rules_find_the_planted_signals(demo_ws):
    # SCENARIO.md: street cleansing satisfaction fell significantly (66.0 -> 58.5) while its key
    # PI SC01 is red in 2024-25 Q4, 2025-26 Q1 and Q2; waste fell significantly while its key
    # PI stayed green (the planted perception gap).
    # CS02 is red in Q1 and Q2 with no commentary (SC01's red quarters all have some); HW01 is
    # bottom quartile and worse than a year ago, so the escalation rule should fire.
    from pmresearch.linkage import evidence_table
    from pmresearch.performance import assess_indicators

    ws = demo_ws
    table = evidence_table(ws, periods=[Q4, Q1, Q2])
    table["subject"] = table["service_id"]
    pis = assess_indicators(ws.indicators, ws.pi_values, ws.benchmarks, ws.parameters.settings)
    pis["subject"] = pis["pi_id"]
    fields = {"service": {"service_name": "text", "change_verdict": "text", "key_pi_rag": "text",
                          "change_points": "number"},
              "pi": {"rag": "text", "commentary": "text", "consecutive_red": "number",
                     "benchmark_quartile": "number", "dot_long": "text"}}
    rules = RuleSet.from_text(DEMO_RULES, fields=fields, settings={"significance": {"alpha": 0.05}})
    found = rules.evaluate({"service": table, "pi": pis}, period=Q2)
    assert found[["rule_id", "service_id", "subject"]].values.tolist() == [
        ["escalate", "highways", "HW01"],                                    # high first
        ["priority_for_review", "street_cleansing", "street_cleansing"],
        ["red_without_commentary", "customer_services", "CS02"],            # then by service
        ["persistent_red", "street_cleansing", "street_cleansing"],
        ["perception_gap", "waste_recycling", "waste_recycling"]]
    assert found.loc[2, "finding"] == "CS02 has been red for 2 quarters with no commentary."
    change = table.set_index(["service_id", "period"]).loc[("street_cleansing", Q2), "change_points"]
    assert found.loc[1, "finding"] == (f"Satisfaction with Street cleansing changed {change:+.1f} "
                                       "points; its key PI is red.")

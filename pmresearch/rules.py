"""Rules of judgement: turn evidence into findings and recommended actions.

Analysts and managers write their rules once, in the ``rules:`` list of
``parameters/rules.yaml``; every pack applies them the same way and shows why each finding
fired. A rule file is data: nothing in it is ever run as Python. ::

    rules:
      - id: priority_for_review          # unique: lower-case letters, digits and _
        title: Priority for review
        applies_to: service              # an evidence subject (service, pi, ward, subgroup, theme)
        when:                            # a condition (below)
          all:
            - {field: change_verdict, equals: significant fall}
            - {field: key_pi_rag, equals: red}
        severity: high                   # high | medium | low | info
        finding: "Satisfaction with {service_name} fell {change_points:+.1f} points."
        action: "Review {service_name} with the portfolio holder."
        owner: Head of service           # the role that acts
        due: next quarter                # optional free text: "by when" in the improvement plan
        success_measure: "..."           # optional template
        outcome: "..."                   # optional template
        params: {gap_points: 10}         # optional named thresholds, used as $gap_points

**Conditions** are ``{all: [cond, ...]}``, ``{any: [cond, ...]}``, ``{not: cond}`` or a
comparison ``{field: NAME, OP: VALUE}`` with one operator: ``equals``, ``not_equals``, ``in``,
``not_in`` (a list), ``less_than``, ``at_most``, ``greater_than``, ``at_least`` (numbers),
``is_missing: true/false``, or ``significant: true/false`` (the field is a p-value, significant
when below ``settings.significance.alpha``). ``for_periods: N`` (N ≥ 2) asks that the comparison
hold in this quarter and the N − 1 quarters before it, for the same service and subject;
``abs: true`` compares the size of a number, either sign. A VALUE is a literal, ``$name`` (a
param) or ``$settings.section.key``; text that starts with ``$`` is written ``$$``, and text YAML
would read as true/false (``no``, ``on``) is quoted.

**Missing evidence never makes a rule fire.** A blank value (NaN, None, empty text) makes a
comparison *unknown*, except ``is_missing``, which is always true or false. Unknown passes
through the logic as in SQL (Kleene's three-valued logic): ``not`` unknown is unknown; ``all``
is false if a part is false, else unknown if a part is unknown; ``any`` is true if a part is
true, else unknown if a part is unknown. A rule fires only where its condition is definitely
true. A quarter with no row for the subject counts as a row of blanks, so a gap never completes
a ``for_periods`` run.

**Templates** (``finding``, ``action``, ``success_measure``, ``outcome``) take ``{name}`` and
``{name:spec}`` (Python format specs), name being an evidence field of the subject, a param,
``subject``, ``service_id`` or ``period``. Numbers are decimals (``.0f`` for whole numbers) and
show up to 4 significant digits without a spec; a missing value shows as "–", spec or not.

**Checks at load** (:func:`parse_rules`) list every problem with its line and rule: YAML syntax,
unknown keys, operators, fields, subjects and names (with the allowed ones), missing keys,
wrong types, bad ``$`` references, duplicate ids. A field the evidence lacks is an error at load
time, never a silent false. A service may switch rules off or change their params in
``parameters/services/<id>.yaml`` (:func:`check_service_overrides`)::

    rules:
      disable: [perception_gap]
      params: {priority_for_review: {gap_points: 15}}
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ._csv import write_csv
from .periods import parse_period, shift_period
from ._messages import quoted
from ._rule_check import Issue, did_you_mean, read_rules
from ._rule_eval import SubjectEvidence, param_groups, resolve, truth
from ._rule_yaml import (KIND_NOUN, SEVERITIES, AllOf, AnyOf, Condition, Not, Ref, Rule, kind_of,
                         show_value)
from .errors import Problem, RuleError

__all__ = ["FINDINGS_COLUMNS", "IMPROVEMENT_COLUMNS", "Rule", "RuleSet", "check_service_overrides",
           "evaluate", "explain", "improvement_actions", "parse_rules", "write_findings"]

#: Columns of :func:`evaluate`, in order.
FINDINGS_COLUMNS = ["rule_id", "title", "severity", "applies_to", "service_id", "period",
                    "subject", "finding", "action", "owner", "due", "outcome", "success_measure",
                    "evidence", "condition", "base_note"]
#: Columns of :func:`improvement_actions` (domain.md §2: Outcome, Action, By when, Responsible
#: officer …), in order.
IMPROVEMENT_COLUMNS = ["outcome", "action", "owner", "by_when", "success_measure", "rule_id",
                       "service_id", "subject", "severity"]
_MISSING = "–"


# ---------------------------------------------------------------- loading


def parse_rules(text: str, *, file: str, fields: Mapping[str, Mapping[str, str]],
                settings: Mapping) -> tuple[list[Rule], list[Problem]]:
    """Read and check the ``rules:`` list of a rules.yaml text.

    Parameters
    ----------
    text : str
        The whole file (its ``settings:`` block is checked elsewhere, by
        :func:`pmresearch._schemas.check_rules_file`).
    file : str
        The file's name for messages.
    fields : dict
        The evidence catalogue: subject (``service``, ``ward`` …) → {field name → kind}, kinds
        ``number``, ``text`` or ``bool``.
    settings : dict
        The file's ``settings`` block, which ``$settings.…`` references and ``significant`` read.

    Returns
    -------
    rules : list of Rule
        The rules without problems, in file order.
    problems : list of Problem
        Every problem found, each message led by ``line N, rule 'id':``.

    Examples
    --------
    >>> text = '''
    ... rules:
    ...   - id: red_key_pi
    ...     title: Key PI red
    ...     applies_to: service
    ...     when: {field: key_pi_rag, equals: red, for_periods: 2}
    ...     severity: medium
    ...     finding: "{subject}: the key PI is red."
    ...     action: Add corrective action.
    ...     owner: Head of service
    ... '''
    >>> rules, problems = parse_rules(text, file="rules.yaml",
    ...                               fields={"service": {"key_pi_rag": "text"}}, settings={})
    >>> rules[0].id, rules[0].line, problems
    ('red_key_pi', 3, [])
    >>> _, problems = parse_rules(text.replace("equals", "equal"), file="rules.yaml",
    ...                           fields={"service": {"key_pi_rag": "text"}}, settings={})
    >>> print(problems[0])  # doctest: +NORMALIZE_WHITESPACE
    rules.yaml: line 6, rule 'red_key_pi': unknown operator 'equal' (allowed: 'at_least',
    'at_most', 'equals', 'greater_than', 'in', 'is_missing', 'less_than', 'not_equals', 'not_in',
    'significant'; modifiers: 'abs', 'for_periods'). Did you mean 'equals'?
    """
    rules, issues = read_rules(text, file=file, fields=dict(fields), settings=dict(settings or {}))
    return rules, _problems(issues, file)


def _problems(issues: list[Issue], file: str) -> list[Problem]:
    return [Problem(file, issue.text(), issue.fix) for issue in issues]


def _raise(problems: list[Problem], file: str, line: int | None = None,
           rule_id: str | None = None) -> None:
    head = f"{len(problems)} problems in {file}:\n" if len(problems) > 1 else ""
    body = "\n".join(f"  - {p}" for p in problems) if len(problems) > 1 else str(problems[0])
    raise RuleError(head + body, file=file, line=line, rule_id=rule_id, problems=problems)


@dataclass(frozen=True)
class RuleSet:
    """Validated rules with the settings they read; evaluate them over evidence.

    Examples
    --------
    >>> text = '''
    ... rules:
    ...   - id: low_satisfaction
    ...     title: Low satisfaction
    ...     applies_to: service
    ...     when: {field: pct_satisfied, less_than: $floor}
    ...     severity: low
    ...     finding: "{pct_satisfied:.0f}% satisfied, below {floor}%."
    ...     action: Look at the comments.
    ...     owner: Head of service
    ...     params: {floor: 60}
    ... '''
    >>> rules = RuleSet.from_text(text, fields={"service": {"pct_satisfied": "number"}},
    ...                           settings={})
    >>> evidence = {"service": pd.DataFrame({"service_id": ["parks", "roads"],
    ...     "period": "2025-26 Q2", "subject": ["parks", "roads"], "pct_satisfied": [74.0, 38.2]})}
    >>> found = rules.evaluate(evidence, period="2025-26 Q2")
    >>> found[["rule_id", "service_id", "finding", "evidence"]].to_dict("records")
    [{'rule_id': 'low_satisfaction', 'service_id': 'roads', 'finding': '38% satisfied, below 60%.', 'evidence': 'pct_satisfied = 38.2'}]
    """

    rules: tuple[Rule, ...]
    settings: dict
    file: str = "rules.yaml"

    @classmethod
    def from_text(cls, text: str, *, fields: Mapping, settings: Mapping,
                  file: str = "rules.yaml") -> RuleSet:
        """Parse ``text`` (see :func:`parse_rules`); raise RuleError listing every problem."""
        rules, issues = read_rules(text, file=file, fields=dict(fields), settings=dict(settings))
        if issues:
            _raise(_problems(issues, file), file, issues[0].line, issues[0].rule_id)
        return cls(tuple(rules), dict(settings), file)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (ValueError naming the ids there are)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise ValueError(f"no rule {rule_id!r} in {self.file} (rules: "
                         f"{', '.join(repr(r.id) for r in self.rules) or 'none'})")

    def evaluate(self, evidence: Mapping[str, pd.DataFrame], *, period: str,
                 overrides: Mapping[str, Mapping] | None = None,
                 services: Iterable[str] | None = None) -> pd.DataFrame:
        """:func:`evaluate` with this set's rules and settings."""
        return evaluate(self.rules, evidence, period=period, settings=self.settings,
                        overrides=overrides, services=services)


def check_service_overrides(data: object, *, file: str, rules: Iterable[Rule]) -> list[Problem]:
    """Problems of the optional ``rules:`` block of ``parameters/services/<id>.yaml``.

    The block is ``{disable: [rule_id, ...], params: {rule_id: {param: value}}}``; a new param
    value must have the kind of the rule's own (number, text, true/false or a list).

    Examples
    --------
    >>> rules, _ = parse_rules('''
    ... rules:
    ...   - {id: gap, title: Gap, applies_to: service, severity: low, finding: x, action: y,
    ...      owner: z, params: {points: 10}, when: {field: gap, at_least: $points}}
    ... ''', file="rules.yaml", fields={"service": {"gap": "number"}}, settings={})
    >>> check_service_overrides({"params": {"gap": {"points": 15}}}, file="parks.yaml", rules=rules)
    []
    >>> for p in check_service_overrides({"disable": ["gaps"], "params": {"gap": {"points": "15"}}},
    ...                                  file="parks.yaml", rules=rules):
    ...     print(p)
    parks.yaml: key 'rules.disable' names unknown rule 'gaps' (allowed: 'gap'). Did you mean 'gap'?
    parks.yaml: key 'rules.params.gap.points' is '15'; expected a number, as in the rule file. Correct the value.
    """
    if data is None:
        return []
    by_id = {rule.id: rule for rule in rules}
    ids = quoted(by_id, sort=True) or "none"
    if not isinstance(data, dict):
        return [Problem(file, f"key 'rules' holds {show_value(data)}; expected a mapping with "
                              "'disable' and/or 'params'", "Correct the structure.")]
    problems = [Problem(file, f"unknown key 'rules.{key}' (allowed: 'disable', 'params')",
                        "Remove it or correct its spelling.")
                for key in data if key not in ("disable", "params")]
    disable = data.get("disable", [])
    if not isinstance(disable, list):
        problems.append(Problem(file, f"key 'rules.disable' holds {show_value(disable)}; expected "
                                      "a list of rule ids", "Write disable: [rule_id, ...]."))
        disable = []
    for rule_id in disable:
        if not isinstance(rule_id, str):
            problems.append(Problem(file, f"key 'rules.disable' holds {show_value(rule_id)}; "
                                          "expected rule ids", "Write disable: [rule_id, ...]."))
        elif rule_id not in by_id:
            problems.append(Problem(file, f"key 'rules.disable' names unknown rule {rule_id!r} "
                                          f"(allowed: {ids})",
                                    did_you_mean(rule_id, by_id, "Correct the name.")))
    params = data.get("params", {})
    if not isinstance(params, dict):
        return problems + [Problem(file, f"key 'rules.params' holds {show_value(params)}; expected "
                                         "a mapping of rule ids to {param: value}",
                                   "Correct the structure.")]
    for rule_id, values in params.items():
        key = f"rules.params.{rule_id}"
        if rule_id not in by_id:
            problems.append(Problem(file, f"key {key!r} names unknown rule {rule_id!r} (allowed: "
                                          f"{ids})", did_you_mean(rule_id, by_id, "Correct the name.")))
            continue
        own = by_id[rule_id].params
        if not isinstance(values, dict):
            problems.append(Problem(file, f"key {key!r} holds {show_value(values)}; expected a "
                                          "mapping of param names to values", "Correct the structure."))
            continue
        for name, value in values.items():
            if name not in own:
                have = quoted(own, sort=True) or "none"
                problems.append(Problem(file, f"unknown param {f'{key}.{name}'!r} (params of rule "
                                              f"{rule_id!r}: {have})", did_you_mean(name, own, "Correct the name.")))
            elif not _same_kind(value, own[name]):
                problems.append(Problem(file, f"key '{key}.{name}' is {value!r}; expected "
                                              f"{_kind_phrase(own[name])}, as in the rule file",
                                        "Correct the value."))
    return problems


def _same_kind(value: object, default: object) -> bool:
    if kind_of(value) != kind_of(default):
        return False
    if kind_of(value) == "list":
        return bool(value) and {kind_of(v) for v in value} == {kind_of(v) for v in default}
    return True


def _kind_phrase(default: object) -> str:
    kind = kind_of(default)
    if kind == "list":
        return f"a list of {'numbers' if kind_of(default[0]) == 'number' else kind_of(default[0])}"
    return KIND_NOUN[kind]


# ---------------------------------------------------------------- evaluation


def evaluate(rules: Iterable[Rule], evidence: Mapping[str, pd.DataFrame], *, period: str,
             settings: Mapping, overrides: Mapping[str, Mapping] | None = None,
             services: Iterable[str] | None = None) -> pd.DataFrame:
    """Findings: the rules that fire for each service and subject in ``period``.

    Parameters
    ----------
    rules : iterable of Rule
        From :func:`parse_rules` or a :class:`RuleSet`; their order is the findings' order
        within a severity and service.
    evidence : dict of DataFrame
        Subject → table with ``service_id``, ``period``, ``subject`` (a label unique within a
        service × period) and the fields the rules read. Rows of earlier quarters are read by
        ``for_periods``; only rows of ``period`` make findings.
    period : str
        The quarter, e.g. ``'2025-26 Q2'``.
    settings : dict
        The rules.yaml settings (``significance.alpha`` and ``$settings`` references).
    overrides : dict, optional
        Service id → the ``rules:`` block of its service file: rules it disables and params it
        changes.
    services : iterable of str, optional
        Only these services (default: every service in the evidence).

    Returns
    -------
    DataFrame
        One row per finding, columns :data:`FINDINGS_COLUMNS`, all text: the rendered
        ``finding``, ``action``, ``outcome`` and ``success_measure``; ``evidence`` lists the
        values of the fields the condition read (``field = value; …``; a field read over
        several quarters lists them oldest first); ``condition`` is :func:`explain` with the
        service's thresholds; ``base_note`` is blank (see
        :func:`pmresearch.evidence.findings_for`). Sorted by severity (high first), service,
        rule order, subject.

    Raises
    ------
    RuleError
        The evidence lacks a subject or field a rule reads, has a row twice, or holds values of
        the wrong kind; or an override is invalid.
    """
    parse_period(period)
    rules = list(rules)
    overrides = dict(overrides or {})
    for service_id, block in overrides.items():
        found = check_service_overrides(block, file=f"services/{service_id}.yaml", rules=rules)
        if found:
            _raise(found, f"services/{service_id}.yaml")
    chosen = None if services is None else list(services)
    subjects: dict[str, SubjectEvidence] = {}
    records = []
    for order, rule in enumerate(rules):
        if rule.applies_to not in evidence:
            raise RuleError(f"rule {rule.id!r} applies to {rule.applies_to!r}, but the evidence "
                            f"has no such table (found: {', '.join(map(repr, evidence))})",
                            file=rule.file or None, line=rule.line, rule_id=rule.id)
        if rule.applies_to not in subjects:
            subjects[rule.applies_to] = SubjectEvidence(rule.applies_to, evidence[rule.applies_to],
                                                        period, chosen)
        subject = subjects[rule.applies_to]
        subject.check(rule)
        for params, service_ids in param_groups(rule, subject.current["service_id"], overrides):
            rows = subject.current[subject.current["service_id"].isin(service_ids)].reset_index(drop=True)
            fires = truth(rule.when, rows, subject, params, settings).fillna(False).to_numpy(bool)
            if fires.any():
                records += _findings(rule, order, rows[fires].reset_index(drop=True), subject,
                                     params, settings)
    found = pd.DataFrame(records, columns=["_severity", "_order"] + FINDINGS_COLUMNS)
    found = found.sort_values(["_severity", "service_id", "_order", "subject"], kind="stable")
    found["base_note"] = ""  # the rules cannot judge a base: pmresearch.evidence.findings_for does
    return found[FINDINGS_COLUMNS].reset_index(drop=True).astype(object)


def _findings(rule, order, rows, subject, params, settings) -> list[dict]:
    evidence = _evidence_text(rule, rows, subject)
    condition = explain(rule, params=params, settings=settings)
    records = []
    for i, row in enumerate(rows.to_dict("records")):
        names = {**row, **params}
        records.append({"_severity": SEVERITIES.index(rule.severity), "_order": order,
                        "rule_id": rule.id, "title": rule.title, "severity": rule.severity,
                        "applies_to": rule.applies_to, "service_id": str(row["service_id"]),
                        "period": subject.period, "subject": str(row["subject"]),
                        "owner": rule.owner, "due": rule.due, "outcome": "", "success_measure": "",
                        **{key: _render(template, names) for key, template in rule.templates.items()},
                        "evidence": evidence[i], "condition": condition})
    return records


def _evidence_text(rule: Rule, rows: pd.DataFrame, subject: SubjectEvidence) -> list[str]:
    columns = []
    for field, quarters in rule.fields.items():
        if quarters == 1:
            columns.append([f"{field} = {_text(v)}" for v in rows[field]])
            continue
        series = [subject.back(rows, field, q) for q in range(quarters - 1, 0, -1)] + [rows[field]]
        span = f" ({shift_period(subject.period, 1 - quarters)} to {subject.period})"
        columns.append([f"{field} = " + ", ".join(_text(s[i]) for s in series) + span
                        for i in range(len(rows))])
    return ["; ".join(parts) for parts in zip(*columns)] if columns else [""] * len(rows)


def _is_missing(value: object) -> bool:
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (tuple, list)):
        return False
    return bool(pd.isna(value))


def _number(value: float) -> str:
    """Up to 4 significant digits, whole numbers without a decimal point.

    >>> _number(61.0), _number(0.58333), _number(123456.0), _number(0.0000123)
    ('61', '0.5833', '123500', '1.23e-05')
    """
    rounded = float(f"{value:.4g}")
    return str(int(rounded)) if rounded.is_integer() and abs(rounded) < 1e15 else f"{value:.4g}"


def _text(value: object) -> str:
    """A value as evidence and templates show it."""
    if _is_missing(value):
        return _MISSING
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.number)):
        return _number(float(value))
    if isinstance(value, (tuple, list)):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _render(template: str, names: Mapping) -> str:
    """Fill a checked template; a missing value shows as "–" whatever its format."""
    out = []
    for literal, name, spec, _ in string.Formatter().parse(template):
        out.append(literal)
        if name is None:
            continue
        value = names[name]
        if _is_missing(value) or not spec:
            out.append(_text(value))
        elif isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_)):
            out.append(format(float(value), spec))
        else:
            out.append(format(_text(value) if isinstance(value, (tuple, list)) else value, spec))
    return "".join(out)


# ---------------------------------------------------------------- explaining and writing


_PHRASES = {"equals": "is", "not_equals": "is not", "in": "is one of", "not_in": "is none of",
            "less_than": "is less than", "at_most": "is at most", "greater_than": "is greater than",
            "at_least": "is at least"}


def explain(rule: Rule, *, params: Mapping | None = None, settings: Mapping | None = None) -> str:
    """A rule's condition in plain English.

    ``params`` (default: the rule's own) and ``settings`` (if given) fill in ``$`` references.

    Examples
    --------
    >>> rules, _ = parse_rules('''
    ... rules:
    ...   - id: priority
    ...     title: Priority for review
    ...     applies_to: service
    ...     when:
    ...       all:
    ...         - {field: change_verdict, equals: significant fall}
    ...         - {field: key_pi_rag, equals: red, for_periods: 2}
    ...         - any: [{field: gap, at_least: $gap_points, abs: true}, {not: {field: p, significant: true}}]
    ...     severity: high
    ...     finding: x
    ...     action: y
    ...     owner: z
    ...     params: {gap_points: 10}
    ... ''', file="rules.yaml", fields={"service": {"change_verdict": "text", "key_pi_rag": "text",
    ...     "gap": "number", "p": "number"}}, settings={"significance": {"alpha": 0.05}})
    >>> print(explain(rules[0], settings={"significance": {"alpha": 0.05}}))
    change_verdict is 'significant fall' and key_pi_rag is 'red' for 2 consecutive quarters and (the size of gap is at least 10 or not (p is significant (below 0.05)))
    """
    params = rule.params if params is None else params
    return _explain(rule.when, params, settings, top=True)


def _explain(condition: Condition, params: Mapping, settings: Mapping | None, top: bool = False) -> str:
    if isinstance(condition, Not):
        return f"not ({_explain(condition.condition, params, settings, top=True)})"
    if isinstance(condition, (AllOf, AnyOf)):
        joiner = " and " if isinstance(condition, AllOf) else " or "
        text = joiner.join(_explain(c, params, settings) for c in condition.conditions)
        return text if top or len(condition.conditions) == 1 else f"({text})"
    field = f"the size of {condition.field}" if condition.abs else condition.field
    value = condition.value
    if condition.op == "is_missing":
        text = f"{field} is {'missing' if value else 'not missing'}"
    elif condition.op == "significant":
        alpha = (settings or {}).get("significance", {}).get("alpha")
        level = _number(alpha) if alpha is not None else "the significance level"
        text = (f"{field} is significant (below {level})" if value
                else f"{field} is not significant ({level} or above)")
    else:
        text = f"{field} {_PHRASES[condition.op]} {_shown(value, params, settings)}"
    if condition.for_periods > 1:
        text += f" for {condition.for_periods} consecutive quarters"
    return text


def _shown(value: object, params: Mapping, settings: Mapping | None) -> str:
    if isinstance(value, Ref):
        if value.setting is None and value.name in params:
            return _shown(params[value.name], params, settings)
        if value.setting is not None and settings is not None:
            try:
                return _shown(resolve(value, params, settings), params, settings)
            except RuleError:
                pass
        return f"the setting {'.'.join(value.setting)}" if value.setting else str(value)
    if isinstance(value, (tuple, list)):
        return ", ".join(_shown(v, params, settings) for v in value)
    if isinstance(value, str):
        return repr(value)
    return _text(value)


def write_findings(findings: pd.DataFrame, path: str | Path) -> Path:
    """Write findings as UTF-8 CSV, byte-identical for identical findings.

    Columns are :data:`FINDINGS_COLUMNS` in that order, lines end in ``\\n``; text a
    spreadsheet would read as a formula is neutralised (:func:`pmresearch._csv.write_csv`).
    """
    absent = [c for c in FINDINGS_COLUMNS if c not in findings.columns]
    if absent:
        raise ValueError(f"findings lack column {absent[0]!r}; pass the result of evaluate()")
    path = Path(path)
    return write_csv(findings[FINDINGS_COLUMNS], path)


def improvement_actions(findings: pd.DataFrame) -> pd.DataFrame:
    """Improvement-plan rows from findings: one per finding with an action.

    Columns :data:`IMPROVEMENT_COLUMNS`: ``outcome``, ``action``, ``owner`` (responsible
    officer), ``by_when`` (the rule's ``due``), ``success_measure``, then ``rule_id``,
    ``service_id``, ``subject`` and ``severity`` to trace each action to its finding.

    Examples
    --------
    >>> found = pd.DataFrame([dict.fromkeys(FINDINGS_COLUMNS, "")])
    >>> found.loc[0, ["rule_id", "action", "due"]] = ["gap", "Review", "Q3"]
    >>> improvement_actions(found)[["action", "by_when", "rule_id"]].to_dict("records")
    [{'action': 'Review', 'by_when': 'Q3', 'rule_id': 'gap'}]
    """
    acted = findings[findings["action"].astype(str).str.strip() != ""]
    return acted.rename(columns={"due": "by_when"})[IMPROVEMENT_COLUMNS].reset_index(drop=True)

"""Checking a rule file at load time: every problem, with its line, its rule and a fix.

:func:`read_rules` walks the tree that :func:`~pmresearch._rule_yaml.read_yaml_with_lines`
builds and turns each entry of ``rules:`` into a :class:`~pmresearch._rule_yaml.Rule`, or into
:class:`Issue` objects that say where and what is wrong. Checking carries on past a problem, so
one run lists them all; :mod:`pmresearch.rules` turns issues into
:class:`~pmresearch.errors.Problem` objects.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ._messages import quoted
from ._rule_yaml import (KIND_NOUN, KINDS, MODIFIERS, OPERATORS, ORDERED, RESERVED_NAMES,
                         SEVERITIES, TEMPLATE_KEYS, AllOf, AnyOf, Comparison, Condition, Not, Ref,
                         Rule, YamlList, YamlMap, YamlSyntaxError, kind_of, read_yaml_with_lines,
                         show_value, template_names)

__all__ = ["Issue", "did_you_mean", "read_rules"]

_MAX_PERIODS = 40  # ten years of quarters; longer runs are a typo
_REQUIRED = ("id", "title", "applies_to", "when", "severity", "finding", "action", "owner")
_OPTIONAL = ("due", "success_measure", "outcome", "params")
_SEVERITY_CHOICE = "one of " + ", ".join(map(repr, SEVERITIES))
_HELP = {"id": "a unique id of lower-case letters, digits and '_'", "title": "a short title",
         "applies_to": "the evidence subject the rule reads", "when": "a condition",
         "severity": _SEVERITY_CHOICE, "finding": "a finding template",
         "action": "a recommended action template", "owner": "the role that acts, e.g. Head of service"}
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")  # rule ids and param names alike
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A value of each kind for trying a template's format spec at load time.
_SAMPLE = {"number": 1.5, "text": "text", "bool": True, "list": "a, b"}
_BARE_BOOL_FIX = ("YAML reads a bare yes, no, on, off, true or false as true/false: put quotes "
                  "round text")
_ABSENT = object()  # a setting that is not there, told apart from one set to null


@dataclass(frozen=True)
class Issue:
    """A problem in a rule file before it becomes a :class:`~pmresearch.errors.Problem`."""

    line: int | None
    where: str  # "rule 'id'", "rule #3" or "" for the file as a whole
    message: str
    fix: str = ""
    rule_id: str | None = None
    column: int | None = None

    def text(self) -> str:
        """The message, led by where: ``line 4, rule 'x': …``."""
        parts = [f"line {self.line}" if self.line is not None else ""]
        parts[0] += f", column {self.column}" if self.column is not None else ""
        parts.append(self.where)
        lead = ", ".join(p for p in parts if p)
        return f"{lead}: {self.message}" if lead else self.message



def did_you_mean(name: object, names, otherwise: str) -> str:
    """The closest of ``names`` as a suggestion, else ``otherwise``."""
    close = difflib.get_close_matches(str(name), [str(n) for n in names], n=1)
    return f"Did you mean {close[0]!r}?" if close else otherwise


@dataclass
class _Context:
    """What checking one rule needs: where to point and the names it may use."""

    where: str
    rule_id: str | None
    fields: dict[str, str] | None  # None when applies_to is unknown: field checks are skipped
    params: dict[str, object]
    subject: str | None = None


class _Reader:
    """Reads one rule file, gathering an :class:`Issue` for every problem on the way."""

    def __init__(self, file: str, fields: dict, settings: dict):
        self.file, self.catalogue, self.settings = file, fields, settings
        self.issues: list[Issue] = []

    def issue(self, line, ctx: _Context | None, message: str, fix: str = "") -> None:
        self.issues.append(Issue(line, ctx.where if ctx else "", message, fix,
                                 ctx.rule_id if ctx else None))

    def duplicates(self, node: YamlMap, ctx: _Context | None) -> None:
        for key, first, again in node.duplicates:
            self.issue(again, ctx, f"key {key!r} appears twice (lines {first} and {again})",
                       "Keep one of them.")

    def unknown_keys(self, node: YamlMap, allowed, ctx: _Context, what: str = "key") -> list:
        unknown = [k for k in node if k not in allowed]
        for key in unknown:
            self.issue(node.key_lines[key], ctx,
                       f"unknown {what} {key!r} (allowed: {quoted(allowed, sort=True)})",
                       did_you_mean(key, allowed, "Remove it or correct its spelling."))
        return unknown

    # -- the file and its rules

    def read(self, text: str) -> list[Rule]:
        try:
            data = read_yaml_with_lines(text)
        except YamlSyntaxError as error:
            self.issues.append(Issue(error.line, "", f"not valid YAML: {error.reason}",
                                     "Correct the YAML syntax.", column=error.column))
            return []
        if not isinstance(data, YamlMap):
            found = "is empty" if data is None else f"holds {show_value(data)}"
            self.issue(1, None, f"the file {found}; expected a mapping with keys 'settings' and "
                                "'rules'", "Start the file with settings: and rules:.")
            return []
        self.duplicates(data, None)
        if "rules" not in data:
            self.issue(data.line, None, "key 'rules' is missing",
                       "Add rules: followed by a list of rules (rules: [] for none).")
            return []
        entries = data["rules"]
        if not isinstance(entries, YamlList):
            self.issue(data.key_lines["rules"], None, f"key 'rules' holds {show_value(entries)}; "
                       "expected a list of rules", "Write each rule as a list item starting - id:.")
            return []
        rules, first_line = [], {}
        for position, (entry, line) in enumerate(zip(entries, entries.item_lines), start=1):
            rule = self.rule(entry, line, position)
            rid = entry.get("id") if isinstance(entry, YamlMap) else None
            if isinstance(rid, str) and rid in first_line:
                ctx = _Context(f"rule {rid!r}", rid, None, {})
                self.issue(line, ctx, f"duplicate id {rid!r} (first at line {first_line[rid]}, "
                                      f"again at line {line})", "Give each rule its own id.")
                continue
            if isinstance(rid, str):
                first_line[rid] = line
            if rule is not None:
                rules.append(rule)
        return rules

    def rule(self, entry: object, line: int, position: int) -> Rule | None:
        if not isinstance(entry, YamlMap):
            ctx = _Context(f"rule #{position}", None, None, {})
            self.issue(line, ctx, f"expected a rule (a mapping with keys "
                                  f"{quoted(_REQUIRED, sort=True)}); found {show_value(entry)}", "Write each rule as - id: … with its keys.")
            return None
        rid = entry.get("id")
        named = isinstance(rid, str) and bool(rid.strip())
        ctx = _Context(f"rule {rid!r}" if named else f"rule #{position}", rid if named else None,
                       None, {})
        before = len(self.issues)
        self.duplicates(entry, ctx)
        # A misspelt key is reported once, as unknown with its likely spelling, not also missing.
        meant = {close for key in self.unknown_keys(entry, _REQUIRED + _OPTIONAL, ctx)
                 for close in difflib.get_close_matches(str(key), _REQUIRED, n=1)}
        for key in _REQUIRED:
            if key not in entry and key not in meant:
                self.issue(line, ctx, f"key {key!r} is missing", f"Add it ({_HELP[key]}).")
        at = entry.key_lines.get
        if "id" in entry and not (isinstance(rid, str) and _NAME.fullmatch(rid)):
            self.issue(at("id"), ctx, f"key 'id' is {show_value(rid)}; expected lower-case letters, "
                                      "digits and '_', starting with a letter (at most 64)",
                       "Rename the rule.")
        for key in ("title", "owner", "due"):
            if key in entry and not (isinstance(entry[key], str) and entry[key].strip()):
                self.issue(at(key), ctx, f"key {key!r} is {show_value(entry[key])}; expected non-empty "
                                         "text", "Correct the value.")
        if "severity" in entry and entry["severity"] not in SEVERITIES:
            self.issue(at("severity"), ctx, f"key 'severity' is {show_value(entry['severity'])}; "
                       f"expected {_SEVERITY_CHOICE}", "Correct the value.")
        subject = entry.get("applies_to")
        if isinstance(subject, str) and subject in self.catalogue:
            ctx.fields, ctx.subject = self.catalogue[subject], subject
        elif "applies_to" in entry:
            self.issue(at("applies_to"), ctx, f"unknown subject {show_value(subject)} in applies_to "
                       f"(allowed: {quoted(self.catalogue, sort=True)})",
                       did_you_mean(subject, self.catalogue, "Correct the value."))
        if "params" in entry:
            ctx.params = self.params(entry["params"], at("params"), ctx)
        when = None
        if "when" in entry:
            when = self.condition(entry["when"], at("when"), ctx)
        for key in TEMPLATE_KEYS:
            if key in entry:
                self.template(key, entry[key], at(key), ctx)
        if len(self.issues) > before:
            return None
        return Rule(id=rid, title=entry["title"], applies_to=subject, when=when,
                    severity=entry["severity"], finding=entry["finding"], action=entry["action"],
                    owner=entry["owner"], due=entry.get("due", ""),
                    success_measure=entry.get("success_measure", ""),
                    outcome=entry.get("outcome", ""), params=ctx.params, line=line, file=self.file)

    def params(self, node: object, line: int, ctx: _Context) -> dict:
        if not isinstance(node, YamlMap):
            self.issue(line, ctx, f"key 'params' holds {show_value(node)}; expected a mapping of names "
                                  "to values, e.g. {gap_points: 10}", "Correct the structure.")
            return {}
        self.duplicates(node, ctx)
        taken = set(RESERVED_NAMES) | set(ctx.fields or {})
        params = {}
        for name, value in node.items():
            where = node.key_lines[name]
            if not (isinstance(name, str) and _NAME.fullmatch(name)):
                self.issue(where, ctx, f"param name {show_value(name)} is not lower-case letters, "
                                       "digits and '_', starting with a letter", "Rename it.")
            elif name in taken:
                what = ("a name every template has" if name in RESERVED_NAMES
                        else f"an evidence field of {ctx.subject!r}")
                self.issue(where, ctx, f"param {name!r} has the name of {what}", "Rename the param.")
            elif not _param_value_ok(value):
                self.issue(where, ctx, f"param {name!r} is {show_value(value)}; expected a number, "
                                       "text, true/false or a list of one of these",
                           "Correct the value.")
            else:
                params[name] = tuple(value) if isinstance(value, list) else value
        return params

    def template(self, key: str, text: object, line: int, ctx: _Context) -> None:
        if not (isinstance(text, str) and text.strip()):
            self.issue(line, ctx, f"key {key!r} is {show_value(text)}; expected non-empty text",
                       "Correct the value.")
            return
        try:
            found = template_names(text)
        except ValueError as error:
            self.issue(line, ctx, f"template {key!r} is not valid: {error}",
                       "Write {{ and }} for a literal brace.")
            return
        kinds = {**{n: "text" for n in RESERVED_NAMES}, **(ctx.fields or {}),
                 **{n: kind_of(v) for n, v in ctx.params.items()}}
        for name, spec, conversion in found:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            if conversion or not _PLAIN.fullmatch(name) or "{" in spec:
                self.issue(line, ctx, f"template {key!r}: {shown} is not allowed; write {{name}} "
                                      "or {name:format} (no attribute access, indexing, conversion, "
                                      "nested or positional fields)", "Use a plain name.")
            elif ctx.fields is None:
                continue  # applies_to is unknown, so which names exist is unknown
            elif name not in kinds:
                self.issue(line, ctx, f"template {key!r} uses unknown name {name!r} (allowed: "
                                      f"{quoted(kinds, sort=True)})",
                           did_you_mean(name, kinds, "Correct the name or add a param."))
            elif spec:
                try:
                    format(_SAMPLE[kinds[name]], spec)
                except (ValueError, TypeError):
                    self.issue(line, ctx, f"template {key!r}: format {spec!r} does not suit "
                                          f"{kinds[name]} {name!r}",
                               "Correct the format (numbers are decimals: use .0f, not d).")

    # -- conditions

    def condition(self, node: object, line: int, ctx: _Context) -> Condition | None:
        forms = ("all", "any", "field", "not")
        if not isinstance(node, YamlMap) or not node:
            found = "an empty mapping" if isinstance(node, YamlMap) else show_value(node)
            self.issue(line, ctx, f"condition is {found}; expected a mapping with one of "
                                  f"{quoted(forms, sort=True)}",
                       "See the rule language in pmresearch.rules.")
            return None
        self.duplicates(node, ctx)
        line = node.line
        present = [k for k in forms if k in node]
        if not present:
            op = next((k for k in node if k in OPERATORS), None)
            if op is not None:
                self.issue(line, ctx, f"comparison with {op!r} has no 'field'",
                           "Add field: and the evidence field's name.")
            else:
                self.unknown_keys(node, forms, ctx, "condition key")
            return None
        if len(present) > 1:
            self.issue(line, ctx, f"condition has both {present[0]!r} and {present[1]!r}; expected "
                                  f"exactly one of {quoted(forms, sort=True)}",
                       "Nest one inside the other, e.g. all: [..., {any: [...]}].")
            return None
        form = present[0]
        if form == "field":
            return self.comparison(node, ctx)
        extra = [k for k in node if k != form]
        for key in extra:
            self.issue(node.key_lines[key], ctx, f"{form!r} takes no other keys; found {key!r}",
                       f"Move {key!r} into a comparison inside {form!r}.")
        if extra:
            return None
        inner, inner_line = node[form], node.key_lines[form]
        if form == "not":
            sub = self.condition(inner, inner_line, ctx)
            return Not(sub) if sub is not None else None
        if not isinstance(inner, YamlList) or not inner:
            self.issue(inner_line, ctx, f"key {form!r} holds {show_value(inner)}; expected a list of "
                                        "one or more conditions", f"Write {form}: [cond, ...].")
            return None
        subs = [self.condition(item, item_line, ctx) for item, item_line in zip(inner, inner.item_lines)]
        if any(sub is None for sub in subs):
            return None
        return (AllOf if form == "all" else AnyOf)(tuple(subs))

    def comparison(self, node: YamlMap, ctx: _Context) -> Comparison | None:
        before = len(self.issues)
        at = node.key_lines.get
        name, kind = node["field"], None
        if not isinstance(name, str):
            self.issue(at("field"), ctx, f"key 'field' is {show_value(name)}; expected the name of an "
                                         "evidence field", "Correct the value.")
        elif ctx.fields is not None:
            if name in ctx.fields:
                kind = ctx.fields[name]
            else:
                self.issue(at("field"), ctx, f"unknown field {name!r} (allowed: "
                                             f"{quoted(ctx.fields, sort=True)})",
                           did_you_mean(name, ctx.fields, "Correct the name."))
        unknown = [k for k in node if k != "field" and k not in OPERATORS and k not in MODIFIERS]
        for key in unknown:
            self.issue(at(key), ctx, f"unknown operator {key!r} (allowed: "
                                     f"{quoted(OPERATORS, sort=True)}; "
                                     f"modifiers: {quoted(MODIFIERS, sort=True)})",
                       did_you_mean(key, OPERATORS + MODIFIERS, "Correct the spelling."))
        ops = [k for k in node if k in OPERATORS]
        if not ops and not unknown:
            self.issue(node.line, ctx, f"comparison on {show_value(name)} has no operator (allowed: "
                                       f"{quoted(OPERATORS, sort=True)})", "Add one operator.")
        elif len(ops) > 1:
            self.issue(node.line, ctx, f"comparison on {show_value(name)} has {len(ops)} operators "
                                       f"{quoted(ops, sort=True)}; expected one",
                       "Split it into comparisons under all: or any:.")
        periods = node.get("for_periods", 1)
        if "for_periods" in node and (isinstance(periods, bool) or not isinstance(periods, int)
                                      or not 2 <= periods <= _MAX_PERIODS):
            self.issue(at("for_periods"), ctx, f"key 'for_periods' is {show_value(periods)}; expected "
                                               f"a whole number from 2 to {_MAX_PERIODS}",
                       "Correct the value.")
        absolute = node.get("abs", False)
        if not isinstance(absolute, bool):
            self.issue(at("abs"), ctx, f"key 'abs' is {show_value(absolute)}; expected true or false",
                       "Correct the value.")
        elif absolute and ops and (ops[0] in ("is_missing", "significant")
                                   or kind not in (None, "number")):
            self.issue(at("abs"), ctx, f"'abs' needs a number field and a comparing operator; "
                                       f"found {ops[0]!r} on {kind or 'a'} field {show_value(name)}",
                       "Remove abs: or compare a number field.")
        value = None
        if len(ops) == 1 and isinstance(name, str):
            value = self.operand(node[ops[0]], at(ops[0]), ctx, ops[0], name, kind)
        if len(self.issues) > before:
            return None
        return Comparison(name, ops[0], value, kind, periods, absolute, node.line)

    def operand(self, raw: object, line: int, ctx: _Context, op: str, name: str, kind: str | None):
        if op in ("is_missing", "significant"):
            if not isinstance(raw, bool):
                self.issue(line, ctx, f"key {op!r} is {show_value(raw)}; expected true or false",
                           "Correct the value.")
            if op == "significant":
                self.significance(line, ctx, name, kind)
            return raw
        if op in ORDERED and kind not in (None, "number"):
            self.issue(line, ctx, f"operator {op!r} needs a number field; {name!r} is {kind}",
                       "Compare text and true/false fields with equals, not_equals, in or not_in.")
            return None
        expected = "number" if op in ORDERED else kind
        if op in ("in", "not_in"):
            if isinstance(raw, str) and raw.startswith("$") and not raw.startswith("$$"):
                ref, value = self.reference(raw, line, ctx)
                if ref is not None and kind_of(value) != "list":
                    self.issue(line, ctx, f"operator {op!r} takes a list; {raw} is {show_value(value)}",
                               "Make the param a list.")
                elif ref is not None:
                    for item in value:
                        self.fits(item, item, line, ctx, op, name, kind, expected)
                return ref
            if not isinstance(raw, list) or not raw:
                self.issue(line, ctx, f"key {op!r} is {show_value(raw)}; expected a list of one or more "
                                      "values, e.g. [red, amber]", "Correct the value.")
                return None
            return tuple(self.single(item, line, ctx, op, name, kind, expected) for item in raw)
        return self.single(raw, line, ctx, op, name, kind, expected)

    def significance(self, line: int, ctx: _Context, name: str, kind: str | None) -> None:
        if kind not in (None, "number"):
            self.issue(line, ctx, f"operator 'significant' needs a number field (a p-value); "
                                  f"{name!r} is {kind}", "Point it at the p-value field.")
        section = self.settings.get("significance")
        alpha = section.get("alpha", _ABSENT) if isinstance(section, dict) else _ABSENT
        if not (kind_of(alpha) == "number" and 0 < alpha < 1):
            found = "missing" if alpha is _ABSENT else show_value(alpha)
            self.issue(line, ctx, "operator 'significant' compares with the setting "
                                  f"'significance.alpha', which is {found}; expected a number "
                                  "between 0 and 1", "Set significance: {alpha: 0.05}.")

    def single(self, raw, line, ctx, op, name, kind, expected):
        if isinstance(raw, str) and raw.startswith("$$"):
            raw = raw[1:]  # "$$5 fee" is the text "$5 fee"
        elif isinstance(raw, str) and raw.startswith("$"):
            ref, value = self.reference(raw, line, ctx)
            if ref is not None:
                self.fits(value, raw, line, ctx, op, name, kind, expected)
            return ref
        self.fits(raw, raw, line, ctx, op, name, kind, expected)
        return raw

    def fits(self, value, written, line, ctx, op, name, kind, expected) -> None:
        if expected is None or kind_of(value) == expected:
            return
        via = f" (from {written})" if written is not value else ""
        fix = (_BARE_BOOL_FIX + "." if isinstance(value, bool) and expected == "text"
               else "Write a value of the field's kind.")
        self.issue(line, ctx, f"operator {op!r} on {kind + ' ' if kind else ''}field {name!r} "
                              f"takes {KIND_NOUN[expected]}; found {show_value(value)}{via}", fix)

    def reference(self, raw: str, line: int, ctx: _Context) -> tuple[Ref | None, object]:
        name = raw[1:]
        if name.startswith("settings."):
            found, value = self.setting(tuple(name.split(".")[1:]), line, ctx)
            return (Ref(name), value) if found else (None, None)
        if not _NAME.fullmatch(name):
            self.issue(line, ctx, f"{raw!r} is not a reference: write $name for a rule param or "
                                  "$settings.section.key for a setting", "Write $$ for a literal $.")
            return None, None
        if name not in ctx.params:
            have = (f"params: {quoted(ctx.params, sort=True)}" if ctx.params
                    else "the rule has no params")
            self.issue(line, ctx, f"unknown param {raw!r} ({have})",
                       did_you_mean(name, ctx.params, "Add it under params: or correct the name."))
            return None, None
        return Ref(name), ctx.params[name]

    def setting(self, path: tuple[str, ...], line: int, ctx: _Context) -> tuple[bool, object]:
        node, walked = self.settings, ["settings"]
        for part in path:
            choices = node if isinstance(node, dict) else {}
            if part not in choices:
                allowed = (f" (allowed under '{'.'.join(walked)}': {quoted(choices, sort=True)})"
                           if isinstance(node, dict) else "")
                self.issue(line, ctx, f"unknown setting '$settings.{'.'.join(path)}'{allowed}",
                           did_you_mean(part, choices, "Correct the name or add the setting."))
                return False, None
            node = node[part]
            walked.append(part)
        if isinstance(node, dict) or kind_of(node) is None:
            self.issue(line, ctx, f"'$settings.{'.'.join(path)}' is {show_value(node)}; expected a "
                                  "single setting, e.g. $settings.suppression.low_base",
                       "Name a setting, not a section.")
            return False, None
        return True, node


def _param_value_ok(value: object) -> bool:
    kind = kind_of(value)
    if kind == "list":
        kinds = {kind_of(v) for v in value}
        return bool(value) and len(kinds) == 1 and kinds <= set(KINDS)
    return kind is not None


def read_rules(text: str, *, file: str, fields: dict, settings: dict) -> tuple[list[Rule], list[Issue]]:
    """The valid rules of a rules.yaml text and every issue found (see ``parse_rules``)."""
    for subject, kinds in fields.items():
        wrong = {name: kind for name, kind in kinds.items() if kind not in KINDS}
        if wrong:  # the catalogue comes from code, so this is a programming error
            raise ValueError(f"fields[{subject!r}] has kinds {wrong}; expected one of {KINDS}")
    reader = _Reader(file, fields, settings if isinstance(settings, dict) else {})
    rules = reader.read(text)
    # In file order, as an analyst reads down the file; checks within a rule run key by key.
    return rules, sorted(reader.issues, key=lambda issue: issue.line or 0)

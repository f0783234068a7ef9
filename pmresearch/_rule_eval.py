"""Evaluating rule conditions over evidence tables, for :func:`pmresearch.rules.evaluate`.

Each comparison runs on a whole column at once (every service × subject row of the quarter),
giving True, False or NA (unknown, where a value is missing); ``all``/``any``/``not`` combine
those with pandas' nullable booleans, which follow Kleene's three-valued logic as SQL does.
``for_periods`` reads earlier quarters by key, so a quarter with no row reads as blanks.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .periods import shift_period
from ._rule_yaml import AllOf, AnyOf, Comparison, Condition, Not, Ref, Rule, template_names
from .errors import RuleError

__all__ = ["SubjectEvidence", "param_groups", "resolve", "truth"]

_KEYS = ("service_id", "period", "subject")
_TESTS = {"equals": np.equal, "not_equals": np.not_equal, "less_than": np.less,
          "at_most": np.less_equal, "greater_than": np.greater, "at_least": np.greater_equal}


class SubjectEvidence:
    """One subject's evidence: its rows for the period, and every row keyed for look-backs."""

    def __init__(self, name: str, frame: pd.DataFrame, period: str, services):
        missing = [c for c in _KEYS if c not in frame.columns]
        if missing:
            raise RuleError(f"evidence for {name!r} has no column {missing[0]!r} (found: "
                            f"{', '.join(map(repr, frame.columns))})")
        keyed = frame.reset_index(drop=True).set_index(list(_KEYS), drop=False)
        if keyed.index.has_duplicates:
            twice = keyed.index[keyed.index.duplicated()][0]
            raise RuleError(f"evidence for {name!r} has two rows for service_id {twice[0]!r}, "
                            f"period {twice[1]!r}, subject {twice[2]!r}; expected one")
        self.name, self.period, self.keyed = name, period, keyed
        current = frame[frame["period"] == period]
        if services is not None:
            current = current[current["service_id"].isin(services)]
        self.current = current.reset_index(drop=True)

    def check(self, rule: Rule) -> None:
        """Raise RuleError if the rule reads a field this evidence lacks."""
        names = set(rule.fields) | {n for t in rule.templates.values() for n, _, _ in template_names(t)}
        absent = sorted(names - set(rule.params) - set(_KEYS) - set(self.keyed.columns))
        if absent:
            raise RuleError(f"rule {rule.id!r} reads field {absent[0]!r}, which the evidence for "
                            f"{self.name!r} lacks", file=rule.file or None, line=rule.line,
                            rule_id=rule.id)

    def back(self, rows: pd.DataFrame, field: str, quarters: int) -> pd.array:
        """``field`` of each row's subject ``quarters`` before the period (NA if no such row)."""
        keys = pd.MultiIndex.from_arrays([rows["service_id"], np.full(len(rows), shift_period(
            self.period, -quarters), dtype=object), rows["subject"]])
        return self.keyed[field].reindex(keys).array


def _missing(values: pd.Series, kind: str) -> np.ndarray:
    missing = values.isna().to_numpy(dtype=bool, copy=True)
    if kind == "text":  # workspace tables write a blank text cell as ""
        text = values.astype(object).where(~missing, "").astype(str)
        missing |= (text.str.strip() == "").to_numpy(dtype=bool)
    return missing


def _numbers(values: pd.Series, field: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values) or not (pd.api.types.is_numeric_dtype(values)
                                                  or values.dtype == object):
        raise RuleError(f"evidence field {field!r} holds {values.dtype} values; the catalogue "
                        "says number")
    try:
        return pd.to_numeric(values.astype(object).where(values.notna(), np.nan)).to_numpy(float)
    except (TypeError, ValueError):
        raise RuleError(f"evidence field {field!r} holds values that are not numbers; the "
                        "catalogue says number") from None


def _compare(values: pd.Series, test: Comparison, value: object, alpha: float) -> pd.array:
    """The comparison on each value: True, False, or NA where the value is missing."""
    missing = _missing(values, test.kind)
    if test.op == "is_missing":
        return pd.array(missing if value else ~missing, dtype="boolean")
    if test.kind == "number":
        data = _numbers(values, test.field)
        data = np.abs(data) if test.abs else data
    elif test.kind == "bool":
        try:
            data = values.astype("boolean").fillna(False).to_numpy(dtype=bool)
        except (TypeError, ValueError):
            raise RuleError(f"evidence field {test.field!r} holds values that are not true or "
                            "false; the catalogue says bool") from None
    else:
        data = values.astype(object).where(~missing, "").to_numpy()
    with np.errstate(invalid="ignore"):
        if test.op == "significant":
            result = data < alpha if value else data >= alpha
        elif test.op in ("in", "not_in"):
            result = pd.Series(data).isin(list(value)).to_numpy(bool)
            result = ~result if test.op == "not_in" else result
        else:
            result = _TESTS[test.op](data, value)
    result = pd.array(np.asarray(result, dtype=bool), dtype="boolean")
    result[missing] = pd.NA
    return result


def resolve(value: object, params: Mapping, settings: Mapping) -> object:
    """A condition's value with each ``$`` reference replaced by its param or setting."""
    if isinstance(value, tuple):
        return tuple(resolve(v, params, settings) for v in value)
    if not isinstance(value, Ref):
        return value
    if value.setting is None:
        return params[value.name]
    node = settings
    for part in value.setting:
        if not isinstance(node, Mapping) or part not in node:
            raise RuleError(f"setting '{value}' is missing from the settings given to evaluate")
        node = node[part]
    return node


def truth(condition: Condition, rows: pd.DataFrame, subject: SubjectEvidence, params: Mapping,
           settings: Mapping) -> pd.array:
    """Three-valued truth of ``condition`` on each row (NA = unknown)."""
    if isinstance(condition, Not):
        return ~truth(condition.condition, rows, subject, params, settings)
    if isinstance(condition, (AllOf, AnyOf)):
        # pandas' nullable & and | are Kleene's: False & NA is False, True | NA is True.
        combine = operator.and_ if isinstance(condition, AllOf) else operator.or_
        return functools.reduce(combine, (truth(c, rows, subject, params, settings)
                                          for c in condition.conditions))
    value = resolve(condition.value, params, settings)
    alpha = None
    if condition.op == "significant":
        alpha = settings.get("significance", {}).get("alpha")
        if not isinstance(alpha, (int, float)):
            raise RuleError("operator 'significant' needs settings.significance.alpha, which the "
                            "settings given to evaluate lack")
    result = _compare(rows[condition.field], condition, value, alpha)
    for quarters in range(1, condition.for_periods):
        before = pd.Series(subject.back(rows, condition.field, quarters))
        result = result & _compare(before, condition, value, alpha)
    return result


def param_groups(rule: Rule, service_ids: pd.Series,
                 overrides: Mapping) -> list[tuple[dict, list]]:
    """Services sharing the rule's effective params, each group evaluated in one pass."""
    groups: dict[str, tuple[dict, list]] = {}
    for service_id in sorted(set(service_ids)):
        block = overrides.get(service_id) or {}
        if rule.id in (block.get("disable") or []):
            continue
        changed = (block.get("params") or {}).get(rule.id) or {}
        params = {**rule.params, **{k: tuple(v) if isinstance(v, list) else v
                                    for k, v in changed.items()}}
        groups.setdefault(repr(sorted(params.items())), (params, []))[1].append(service_id)
    return list(groups.values())

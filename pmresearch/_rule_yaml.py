"""The rule language as data, and YAML read with line numbers.

:mod:`pmresearch.rules` is the public face (it documents the language) and
:mod:`pmresearch._rule_check` checks a rule file against it; this module holds what both share:
the language's words, the :class:`Rule` and condition classes a checked file becomes, and
:func:`read_yaml_with_lines`. PyYAML's ``safe_load`` forgets where each value came from and
silently keeps the last of two equal keys, so the file is *composed* (``yaml.compose`` with the
safe loader: no Python objects are ever built from tags) and the node tree is walked by hand,
keeping each node's line. Nothing in a rule file is ever evaluated as code.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, field

import yaml

__all__ = [
    "KINDS", "KIND_NOUN", "MODIFIERS", "OPERATORS", "ORDERED", "RESERVED_NAMES", "SEVERITIES",
    "TEMPLATE_KEYS", "AllOf", "AnyOf", "Comparison", "Condition", "Not", "Ref", "Rule", "YamlList",
    "YamlMap", "YamlSyntaxError", "kind_of", "read_yaml_with_lines", "show_value",
    "template_names",
]

SEVERITIES = ("high", "medium", "low", "info")
KINDS = ("number", "text", "bool")
#: Each kind (and ``list``, for params) as messages name it.
KIND_NOUN = {"number": "a number", "text": "text", "bool": "true or false", "list": "a list"}
ORDERED = ("less_than", "at_most", "greater_than", "at_least")
OPERATORS = ("equals", "not_equals", "in", "not_in", *ORDERED, "is_missing", "significant")
MODIFIERS = ("abs", "for_periods")
RESERVED_NAMES = ("period", "service_id", "subject")
TEMPLATE_KEYS = ("finding", "action", "success_measure", "outcome")


# ---------------------------------------------------------------- YAML with lines


class YamlMap(dict):
    """A mapping read from YAML that remembers its line and each key's line (1-based)."""

    def __init__(self, line: int):
        super().__init__()
        self.line = line
        self.key_lines: dict[object, int] = {}
        self.duplicates: list[tuple[object, int, int]] = []  # (key, first line, later line)


class YamlList(list):
    """A list read from YAML that remembers its line and each item's line (1-based)."""

    def __init__(self, line: int):
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


class YamlSyntaxError(ValueError):
    """The text is not YAML; ``line`` and ``column`` are 1-based (None if unknown)."""

    def __init__(self, reason: str, line: int | None, column: int | None):
        self.reason, self.line, self.column = reason, line, column
        super().__init__(reason)


def read_yaml_with_lines(text: str) -> object:
    """Plain Python values from YAML text, with :class:`YamlMap` and :class:`YamlList` for
    mappings and lists; None for an empty document.

    Examples
    --------
    >>> data = read_yaml_with_lines("a: 1\\nb:\\n  - x\\n  - {c: true}\\n")
    >>> data, data.key_lines["b"], data["b"].item_lines
    ({'a': 1, 'b': ['x', {'c': True}]}, 2, [3, 4])
    >>> read_yaml_with_lines("a: 1\\n b: 2\\n")
    Traceback (most recent call last):
    ...
    pmresearch._rule_yaml.YamlSyntaxError: mapping values are not allowed here
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise YamlSyntaxError(error.problem or error.context or "invalid YAML",
                              mark.line + 1 if mark else None,
                              mark.column + 1 if mark else None) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(str(error), None, None) from None
    return _build(root, yaml.SafeLoader(""), frozenset())


def _build(node, loader, active: frozenset) -> object:
    if node is None:
        return None
    line = node.start_mark.line + 1
    if id(node) in active:  # an anchor that contains its own alias would never end
        raise YamlSyntaxError("an alias refers to the value that contains it", line,
                              node.start_mark.column + 1)
    if isinstance(node, yaml.ScalarNode):
        if node.tag.endswith(":merge"):
            return "<<"  # merge keys are not part of the language; reported as an unknown key
        try:
            return loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as error:
            raise YamlSyntaxError(f"cannot read {node.value!r}: {error}", line,
                                  node.start_mark.column + 1) from None
    inner = active | {id(node)}
    if isinstance(node, yaml.SequenceNode):
        items = YamlList(line)
        for item in node.value:
            items.append(_build(item, loader, inner))
            items.item_lines.append(item.start_mark.line + 1)
        return items
    mapping = YamlMap(line)
    for key_node, value_node in node.value:
        key = _build(key_node, loader, inner) if isinstance(key_node, yaml.ScalarNode) else None
        key = key if isinstance(key, (str, int, float, bool)) else "<complex key>"
        key_line = key_node.start_mark.line + 1
        if key in mapping:
            mapping.duplicates.append((key, mapping.key_lines[key], key_line))
            continue
        mapping[key] = _build(value_node, loader, inner)
        mapping.key_lines[key] = key_line
    return mapping


# ---------------------------------------------------------------- the language as data


@dataclass(frozen=True)
class Ref:
    """A value written ``$name`` (a rule param) or ``$settings.section.key`` (a setting)."""

    name: str

    @property
    def setting(self) -> tuple[str, ...] | None:
        """The path under ``settings`` for a setting reference, else None."""
        return tuple(self.name.split(".")[1:]) if self.name.startswith("settings.") else None

    def __str__(self) -> str:
        return "$" + self.name


@dataclass(frozen=True)
class Comparison:
    """``{field: NAME, OP: VALUE}``; ``kind`` is the field's kind from the catalogue."""

    field: str
    op: str
    value: object  # literal, Ref, or a tuple of these for in / not_in
    kind: str
    for_periods: int = 1
    abs: bool = False
    line: int = 0


@dataclass(frozen=True)
class AllOf:
    conditions: tuple


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple


@dataclass(frozen=True)
class Not:
    condition: object


Condition = Comparison | AllOf | AnyOf | Not


@dataclass(frozen=True)
class Rule:
    """One validated rule of ``rules.yaml``; ``line`` is the line of its ``- id:`` entry.

    ``params`` holds the rule's named thresholds as written in the file (lists as tuples);
    a service file may override them when the rule is evaluated.
    """

    id: str
    title: str
    applies_to: str
    when: Condition
    severity: str
    finding: str
    action: str
    owner: str
    due: str = ""
    success_measure: str = ""
    outcome: str = ""
    params: dict = field(default_factory=dict)
    line: int = 0
    file: str = ""

    @property
    def fields(self) -> dict[str, int]:
        """Evidence fields the condition reads, in order of first use, each with the number
        of quarters it looks at (1, or the largest ``for_periods`` it is read with)."""
        found: dict[str, int] = {}

        def walk(node) -> None:
            if isinstance(node, Comparison):
                found[node.field] = max(found.get(node.field, 1), node.for_periods)
            elif isinstance(node, Not):
                walk(node.condition)
            else:
                for item in node.conditions:
                    walk(item)

        walk(self.when)
        return found

    @property
    def templates(self) -> dict[str, str]:
        """The rule's text templates by key (empty optional ones left out)."""
        return {key: getattr(self, key) for key in TEMPLATE_KEYS if getattr(self, key)}


def kind_of(value: object) -> str | None:
    """``number``, ``text``, ``bool`` or ``list`` for a YAML value; None for anything else."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number" if math.isfinite(value) else None
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "list"
    return None


def show_value(value: object) -> str:
    """A YAML value as the analyst wrote it: ``'red'``, ``3``, ``true``, ``null``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (YamlMap, dict)):
        return "a mapping"
    if isinstance(value, (YamlList, list, tuple)):
        if any(isinstance(v, (dict, list, tuple)) for v in value):
            return "a list"
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    return repr(value)


def template_names(text: str) -> list[tuple[str, str, str | None]]:
    """The ``{name}`` and ``{name:spec}`` fields of a template as ``(name, spec, conversion)``.

    Raises ValueError when the braces do not balance.

    >>> template_names("{service_name} fell {change_points:+.1f} points {{sic}}")
    [('service_name', '', None), ('change_points', '+.1f', None)]
    """
    return [(name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(text) if name is not None]

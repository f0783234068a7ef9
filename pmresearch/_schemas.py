"""The workspace contract as data, and the checks that read it one table or file at a time.

``TABLES`` lists every workspace table with its required and optional columns, each column's
kind (number, date, id …), whether it may be blank, its allowed values or range, and the
columns that identify a row. ``check_table`` turns one table of strings into a typed table and
the problems found in it. ``COUNCIL``, ``SETTINGS``, ``SERVICE_FILE`` and ``CODE_ENTRY`` are the
schemas of the YAML files, read by ``check_mapping``. Checks across tables live in
:mod:`pmresearch._consistency`.

Frames here are indexed by spreadsheet row number (header = row 1), so ``frame.index`` is what
a message reports.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._messages import quoted
from .periods import parse_financial_year, parse_period
from .errors import Problem
from .sources import ROLES, source_pattern_problem

__all__ = [
    "CODEFRAME_FILE", "CODE_ENTRY", "COUNCIL", "RULES_FILE", "SERVICE_FILE", "SETTINGS", "TABLES",
    "Column", "Setting", "TableSpec",
    "blank_mask", "check_column", "check_mapping", "check_rules_file", "check_table", "is_code",
    "is_service_id", "parse_bool", "rows_of", "to_numbers", "values_phrase",
]

# Identifiers become folder names and notebook parameters, so they are held to a safe alphabet
# (no '/', '..', quotes, spaces or newlines). fullmatch, unlike '$', rejects a trailing newline.
_SERVICE_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
_SERVICE_ID_FORM = "lower-case letters, digits and '_', starting with a letter, at most 64 characters"
_CODE_FORM = "letters, digits, '_' and '-', starting with a letter or digit, at most 32 characters"
# Names shown to people but never used as a path or parameter (survey waves): any text on one
# line. Control characters are refused because they hide in cells and break tables.
_LABEL = re.compile(r"[^\x00-\x1f\x7f]{1,80}")
_LABEL_LENGTH = 80
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


def is_service_id(value: object) -> bool:
    """True if ``value`` is a safe service id (``^[a-z][a-z0-9_]{0,63}$``)."""
    return isinstance(value, str) and _SERVICE_ID.fullmatch(value) is not None


def is_code(value: object) -> bool:
    """True if ``value`` is a safe ward code, PI id or theme code."""
    return isinstance(value, str) and _CODE.fullmatch(value) is not None


def rows_of(mask: pd.Series) -> tuple[int, ...]:
    """Spreadsheet row numbers (the frame's index) where ``mask`` is true."""
    return tuple(int(r) for r in mask.index[mask.to_numpy(dtype=bool)])


def blank_mask(series: pd.Series) -> pd.Series:
    """True where a cell is empty or only spaces."""
    text = series.astype(str)
    return (text == "") | text.str.isspace()


def parse_bool(text: str) -> bool | None:
    """``true/false``, ``yes/no`` or ``1/0`` in any case; None for anything else."""
    lowered = text.strip().lower()
    return True if lowered in _TRUE else False if lowered in _FALSE else None


# ---------------------------------------------------------------- tables


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``kind`` is ``text``, ``label`` (a name on one line: wave), ``code`` (ward code, PI id),
    ``service_id``, ``int``, ``float``,
    ``date``, ``bool``, ``period`` (``2025-26 Q2``) or ``year`` (``2024-25``).
    """

    name: str
    kind: str = "text"
    blank_ok: bool = False
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class TableSpec:
    """A workspace table: file stem, what one row is, its columns and its row key.

    ``key`` names the column identifying a row first, then the columns it is unique within.
    """

    stem: str
    row: str
    required: tuple[Column, ...]
    optional: tuple[Column, ...] = ()
    key: tuple[str, ...] = ()
    file_required: bool = True

    @property
    def columns(self) -> dict[str, Column]:
        return {c.name: c for c in self.required + self.optional}


def _req(name: str, kind: str = "text", **kw) -> Column:
    return Column(name, kind, **kw)


def _opt(name: str, kind: str = "text", **kw) -> Column:
    return Column(name, kind, blank_ok=True, **kw)


TABLES: dict[str, TableSpec] = {spec.stem: spec for spec in (
    TableSpec("wards", "ward",
              (_req("ward_code", "code"), _req("ward_name"),
               _req("adult_population", "float", minimum=0)),
              (_opt("imd_quintile", "int", minimum=1, maximum=5), _opt("urban_rural")),
              key=("ward_code",)),
    TableSpec("survey_waves", "survey wave",
              (_req("wave", "label"), _req("fieldwork_start", "date"), _req("fieldwork_end", "date")),
              (_opt("mode"), _opt("target_sample", "int", minimum=0)),
              key=("wave",)),
    TableSpec("survey_items", "survey item",
              (_req("item"), _req("question"), _req("scale_points", "int", minimum=4, maximum=5)),
              key=("item",), file_required=False),
    TableSpec("survey_responses", "respondent in a wave",
              (_req("respondent_id"), _req("wave"), _req("ward_code"), _req("age_band"), _req("sex"),
               _req("ethnic_group"), _req("tenure")),
              # design_weight: above 0 in every row or blank in all (_consistency checks the column)
              (_opt("design_weight", "float"), _opt("mode"), _opt("disability"),
               _opt("has_children", "bool"), _opt("used_library_12m", "bool"),
               _opt("used_leisure_12m", "bool"), _opt("used_parks_12m", "bool")),
              key=("respondent_id", "wave")),
    TableSpec("population_margins", "category of a weighting variable",
              (_req("variable"), _req("category"), _req("population", "float", minimum=0)),
              (_opt("wave"), _opt("share", "float", minimum=0)),
              key=("category", "variable", "wave")),
    TableSpec("services", "service",
              (_req("service_id", "service_id"), _req("service_name"), _req("directorate"),
               _opt("survey_items"), _opt("key_pi")),
              (_opt("portfolio"),),
              key=("service_id",)),
    TableSpec("indicators", "performance indicator",
              (_req("pi_id", "code"), _req("service_id"), _req("name"), _opt("unit"),
               _req("polarity", allowed=("higher_better", "lower_better", "context")),
               _req("tolerance", "float", minimum=0),
               _req("tolerance_type", allowed=("relative", "absolute")), _req("is_key", "bool")),
              (_opt("frequency"), _opt("cumulative", "bool"), _opt("numerator_label"),
               _opt("denominator_label"), _opt("benchmark_group"),
               _opt("value_type", allowed=("count", "rate"))),
              key=("pi_id",)),
    TableSpec("pi_values", "indicator × quarter (× ward)",
              (_req("pi_id"), _req("period", "period"), _req("period_end", "date"),
               _opt("value", "float"), _opt("target", "float")),
              (_opt("data_status", allowed=("final", "provisional", "estimated", "missing")),
               _opt("dq_flag", allowed=("none", "caveat", "restated")), _opt("commentary"),
               _opt("ward_code"), _opt("numerator", "float"), _opt("denominator", "float")),
              key=("pi_id", "period", "ward_code")),
    TableSpec("benchmarks", "indicator × year × comparator group",
              (_req("pi_id"), _req("year", "year"), _req("comparator_group"),
               _req("lower_quartile", "float"), _req("median", "float"),
               _req("upper_quartile", "float")),
              (_opt("n", "int", minimum=0), _opt("rank", "int", minimum=1)),
              key=("pi_id", "year", "comparator_group")),
    TableSpec("comments", "comment",
              (_req("comment_id"), _req("source"), _req("date", "date"), _req("text")),
              (_opt("service_id"), _opt("ward_code")),
              key=("comment_id",)),
    TableSpec("hand_coded", "comment and coder",
              (_req("comment_id"), _req("coder"),
               _req("sentiment", allowed=("positive", "negative", "neutral", "mixed")), _req("themes")),
              key=("comment_id", "coder"), file_required=False),
)}

# What a value of each kind must look like: (description after "is not", fix).
_KIND_TEXT = {
    "int": ("a whole number", "Write whole numbers only, without text or thousands separators."),
    "float": ("a number", "Write plain numbers, without units, text or thousands separators."),
    "date": ("a date in YYYY-MM-DD form", "Write dates as YYYY-MM-DD, e.g. 2025-09-30."),
    "bool": ("true or false", "Write true or false (yes/no and 1/0 are also accepted)."),
    "period": ("a period label like '2025-26 Q2' (financial year whose second year is the first "
               "+ 1, then Q1–Q4)", "Write periods as YYYY-YY Qn, e.g. 2025-26 Q2."),
    "year": ("a financial year like '2024-25' (second year = first + 1)",
             "Write years as YYYY-YY, e.g. 2024-25."),
    "service_id": (f"a valid service_id ({_SERVICE_ID_FORM})",
                   "Rename it: service ids become folder names and notebook parameters."),
    "code": (f"a valid identifier ({_CODE_FORM})",
             "Rename it: identifiers become folder names and notebook parameters."),
    "label": (f"a name of at most {_LABEL_LENGTH} characters on one line",
              "Shorten it, and remove line breaks and tabs."),
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def to_numbers(text: pd.Series) -> pd.Series:
    """A column of strings as floats (NaN where a cell is not a number).

    Each distinct string is parsed once: survey columns repeat a handful of codes over
    hundreds of thousands of rows.

    >>> to_numbers(pd.Series(["1", "2.5", "x", "1"])).tolist()
    [1.0, 2.5, nan, 1.0]
    """
    codes, distinct = pd.factorize(text, use_na_sentinel=False)
    parsed = pd.to_numeric(pd.Series(distinct, dtype=object), errors="coerce")
    return pd.Series(parsed.to_numpy(dtype=float)[codes], index=text.index)


def _map_distinct(text: pd.Series, function: Callable[[str], object]) -> pd.Series:
    """``text.map(function)``, calling ``function`` once per distinct value."""
    codes, distinct = pd.factorize(text, use_na_sentinel=False)
    results = np.empty(len(distinct), dtype=object)
    results[:] = [function(v) for v in distinct]
    return pd.Series(results[codes], index=text.index, dtype=object)


def _parse(text: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """Typed values of non-blank ``text`` and a mask of the cells that do not parse."""
    if kind in ("int", "float"):
        numbers = to_numbers(text)
        bad = ~np.isfinite(numbers)
        if kind == "int":
            bad |= numbers.notna() & (numbers != numbers.round())
            return numbers.where(~bad).round().astype("Int64"), bad
        return numbers.where(~bad), bad
    if kind == "date":
        shaped = text.str.fullmatch(_ISO_DATE.pattern).astype(bool)
        dates = pd.to_datetime(text.where(shaped), format="%Y-%m-%d", errors="coerce")
        return dates, dates.isna()
    if kind == "bool":
        flags = _map_distinct(text, parse_bool)
        return flags, flags.isna()
    checks = {"period": _valid(parse_period), "year": _valid(parse_financial_year),
              "service_id": is_service_id, "code": is_code,
              "label": lambda value: _LABEL.fullmatch(value) is not None}
    if kind in checks:
        return text, ~_map_distinct(text, checks[kind]).astype(bool)
    return text, pd.Series(False, index=text.index)


def _valid(parser: Callable[[str], object]) -> Callable[[str], bool]:
    """A predicate: does ``parser`` accept the value without a ValueError?"""
    def check(value: str) -> bool:
        try:
            parser(value)
        except ValueError:
            return False
        return True
    return check


def values_phrase(values: Iterable[object]) -> tuple[str, str]:
    """``("values 'a', 'b'", "are")``: the values quoted, and the verb that agrees with them."""
    distinct = list(dict.fromkeys(values))
    noun = "value" if len(distinct) == 1 else "values"
    return f"{noun} {quoted(distinct, limit=5)}", "is" if len(distinct) == 1 else "are"


def check_column(text: pd.Series, column: Column, file: str) -> tuple[pd.Series, list[Problem]]:
    """Check one column of strings against its spec; return it typed and the problems."""
    problems = []
    blank = blank_mask(text)
    if blank.any() and not column.blank_ok:
        problems.append(Problem(file, "blank; expected a value in every row",
                                "Fill in the missing values.", column=column.name,
                                rows=rows_of(blank)))
    filled = text[~blank]
    typed, bad = _parse(filled, column.kind)
    if bad.any():
        what, verb = values_phrase(filled[bad])
        description, fix = _KIND_TEXT[column.kind]
        problems.append(Problem(file, f"{what} {verb} not {description}", fix, column=column.name,
                                rows=rows_of(bad)))
    if column.allowed:
        outside = ~filled.isin(column.allowed)
        if outside.any():
            what, verb = values_phrase(filled[outside])
            allowed = quoted(column.allowed, limit=5)
            problems.append(Problem(file, f"{what} {verb} not allowed (allowed: {allowed})",
                                    "Use one of the allowed values.", column=column.name,
                                    rows=rows_of(outside)))
    if column.minimum is not None or column.maximum is not None:
        problems.extend(_range_problems(filled, typed.where(~bad), column, file))
    return _typed_column(text, typed, column), problems


def _range_problems(filled: pd.Series, numbers: pd.Series, column: Column, file: str) -> list[Problem]:
    low, high = column.minimum, column.maximum
    outside = pd.Series(False, index=filled.index)
    if low is not None:
        outside |= (numbers < low).fillna(False).astype(bool)
    if high is not None:
        outside |= (numbers > high).fillna(False).astype(bool)
    if not outside.any():
        return []
    what, verb = values_phrase(filled[outside])
    if high is None and low == 0:
        expected = "negative; expected 0 or more"
    elif high is None:
        expected = f"below the minimum {low:g}"
    elif low is None:
        expected = f"above the maximum {high:g}"
    else:
        expected = f"outside the range {low:g}–{high:g}"
    return [Problem(file, f"{what} {verb} {expected}", "Correct the values.", column=column.name,
                    rows=rows_of(outside))]


def _typed_column(text: pd.Series, typed: pd.Series, column: Column) -> pd.Series:
    """The whole column in its final dtype; blank or unparseable cells become missing."""
    if column.kind == "int":
        return typed.reindex(text.index).astype("Int64")
    if column.kind == "float":
        return typed.reindex(text.index).astype(float)
    if column.kind == "date":
        return pd.to_datetime(typed.reindex(text.index))
    if column.kind == "bool":
        flags = typed.reindex(text.index)
        # A column that may be blank keeps a nullable dtype so "not asked" stays missing.
        return flags.astype("boolean") if column.blank_ok else flags.fillna(False).astype(bool)
    return text


def check_table(frame: pd.DataFrame, spec: TableSpec, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Check a table of strings against its spec: required columns, values, duplicate keys.

    Returns the table with its known columns typed (extra columns left as strings) and the
    problems found. Missing required columns are reported and left out of the typed table.
    """
    problems = []
    found = quoted(frame.columns, limit=12)
    for column in spec.required:
        if column.name not in frame.columns:
            problems.append(Problem(file, f"column {column.name!r} is missing (found: {found})",
                                    "Rename the column or add it (see docs/workspace.md)."))
    typed = frame.copy()
    for name, column in spec.columns.items():
        if name in frame.columns:
            typed[name], found_problems = check_column(frame[name], column, file)
            problems.extend(found_problems)
    problems.extend(_duplicate_problems(frame, spec, file))
    return typed, problems


def _duplicate_problems(frame: pd.DataFrame, spec: TableSpec, file: str) -> list[Problem]:
    if not spec.key or spec.key[0] not in frame.columns:
        return []
    key = [c for c in spec.key if c in frame.columns]
    usable = ~pd.concat([blank_mask(frame[c]) for c in key if not spec.columns[c].blank_ok],
                        axis=1).any(axis=1)
    keyed = frame.loc[usable, key]
    duplicated = keyed.duplicated(keep=False)
    if not duplicated.any():
        return []
    labels = []
    for values in keyed[duplicated].itertuples(index=False):
        qualifiers = ", ".join(f"{c} {v!r}" for c, v in zip(key[1:], values[1:]) if v.strip())
        labels.append(repr(values[0]) + (f" ({qualifiers})" if qualifiers else ""))
    distinct = list(dict.fromkeys(labels))
    shown = ", ".join(distinct[:5]) + (f" and {len(distinct) - 5} more" if len(distinct) > 5 else "")
    what = f"duplicate {key[0]} {shown}" if len(distinct) == 1 else f"duplicate {key[0]} values {shown}"
    return [Problem(file, what, f"Give each {spec.row} one row.", column=key[0],
                    rows=rows_of(duplicated))]


# ---------------------------------------------------------------- YAML files


@dataclass(frozen=True)
class Setting:
    """One key of a YAML file: ``kind`` is ``int``, ``number``, ``choice``, ``text``, ``list``,
    ``text_list``, ``mapping``, ``period``, ``service_id``, ``code`` or ``source_patterns``
    (a list of :mod:`pmresearch.sources` patterns)."""

    kind: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    required: bool = True
    nullable: bool = False

    def describe(self) -> str:
        """What a valid value looks like, for messages."""
        if self.kind == "choice":
            return f"one of {quoted(self.choices, limit=5)}"
        base = {"int": "a whole number", "number": "a number", "text": "non-empty text",
                "list": "a list", "text_list": "a list of texts", "mapping": "a mapping",
                "period": "a period label like '2025-26 Q2'",
                "service_id": f"a service id ({_SERVICE_ID_FORM})",
                "code": f"a code ({_CODE_FORM})",
                "source_patterns": "a list of source patterns (words or phrases of letters and "
                                   "digits; a '*' may end a word)"}[self.kind]
        if self.minimum is not None and self.maximum is not None:
            base += f" from {self.minimum:g} to {self.maximum:g}"
        elif self.minimum is not None:
            base += f" of at least {self.minimum:g}"
        return base + (" (or null)" if self.nullable else "")

    def accepts(self, value: object) -> bool:
        """True if ``value`` (as YAML parsed it) is valid."""
        if value is None:
            return self.nullable
        if self.kind in ("int", "number"):
            types = int if self.kind == "int" else (int, float)
            if isinstance(value, bool) or not isinstance(value, types):  # YAML true is not 1
                return False
            return (math.isfinite(value) and (self.minimum is None or value >= self.minimum)
                    and (self.maximum is None or value <= self.maximum))
        if self.kind == "choice":
            return value in self.choices
        if self.kind == "list":
            return isinstance(value, list)
        if self.kind == "mapping":
            return isinstance(value, dict)
        if self.kind == "source_patterns":
            return isinstance(value, list) and all(source_pattern_problem(v) is None for v in value)
        if self.kind == "text_list":
            return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
        if self.kind == "period":
            return _valid(parse_period)(value) if isinstance(value, str) else False
        checks = {"text": lambda v: isinstance(v, str) and bool(v.strip()),
                  "service_id": is_service_id, "code": is_code}
        return checks[self.kind](value)


COUNCIL = {
    "name": Setting("text"),
    "current_period": Setting("period"),
    "financial_year_start_month": Setting("int", 1, 12),
}

# rules.yaml `settings`: every module reads its thresholds from here (domain.md §5 rules).
SETTINGS = {
    "suppression": {"min_base": Setting("int", 0), "low_base": Setting("int", 0)},
    "significance": {"alpha": Setting("number", 0, 1)},
    "weighting": {"trim_lower": Setting("number", 0), "trim_upper": Setting("number", 0),
                  "max_deff": Setting("number", 1), "max_margin_error_points": Setting("number", 0)},
    "rag": {"variant": Setting("choice", choices=("standard", "havering"))},
    "direction_of_travel": {"no_change_band": Setting("number", 0)},
    "trend": {"quarters": Setting("int", 3, 40), "min_points": Setting("int", 3, 40)},
    "coding": {"neutral_band": Setting("number", 0, 1), "mixed_threshold": Setting("number", 0),
               "review_threshold": Setting("number", 0, 1),
               "near_duplicate_similarity": Setting("number", 0, 1),
               "near_duplicate_min_words": Setting("int", 3),
               "quote_max_words": Setting("int", 5), "quotes_per_theme": Setting("int", 0),
               "reference_coder": Setting("text", required=False),
               "top_issue_share": Setting("number", 0, 1),
               "top_issue_min_comments": Setting("int", 0),
               "top_issue_negative_share": Setting("number", 0, 1)},
    "linkage": {"min_wards": Setting("int", 4),
                "comment_window_quarters": Setting("int", 1, 12, required=False)},
    # What a pack shows (pmresearch.store): quarters of PI history, which PIs are cost PIs.
    "packs": {"pi_history_quarters": Setting("int", 1, 40, required=False),
              "cost_indicators": Setting("mapping", required=False)},
    # Each role a comment's source can have, with the patterns that give it (pmresearch.sources);
    # a role left out has no patterns.
    "sources": {"roles": {role: Setting("source_patterns", required=False) for role in ROLES}},
}

#: Sections of rules.yaml that may be left out whole: each setting in them has a default.
OPTIONAL_SECTIONS = frozenset({"settings.packs"})

SERVICE_FILE = {
    "service_id": Setting("service_id"),
    "title": Setting("text", required=False),
    "pi_history_quarters": Setting("int", 1, 40, required=False),
    # {disable: [rule ids], params: {rule id: {param: value}}}, checked by pmresearch.rules.
    "rules": Setting("mapping", required=False),
}

CODE_ENTRY = {
    "code": Setting("code"),
    "label": Setting("text"),
    "service_id": Setting("service_id", nullable=True, required=False),
    "description": Setting("text", required=False),
    "include": Setting("text_list", required=False),
    "exclude": Setting("text_list", required=False),
    # The two codes every frame needs: comments that raise none of the listed themes, and
    # comments with nothing to code ("No comment.", "n/a").
    "special": Setting("choice", choices=("none_of_the_above", "no_substantive_content"),
                       required=False),
    # no_substantive_content only: words beyond its patterns a comment may have and still
    # say nothing ("No comment really").
    "max_other_words": Setting("int", 0, 20, required=False),
}


def check_mapping(data: object, schema: Mapping, file: str, prefix: str = "") -> list[Problem]:
    """Problems of a YAML mapping against ``schema`` (a dict of Setting or nested dicts).

    Unknown keys, missing required keys and wrong values each name the file, the key (dotted
    from ``prefix``) and what is allowed.
    """
    where = f"key {prefix!r}" if prefix else "the file"
    if not isinstance(data, dict):
        return [Problem(file, f"{where} holds {_yaml_type(data)}; expected a mapping of "
                              f"{quoted(schema, limit=12)}", "Correct the YAML structure.")]
    problems = []
    dotted = (prefix + ".") if prefix else ""
    for key in data:
        if key not in schema:
            problems.append(Problem(file, f"unknown key {dotted + str(key)!r} (allowed: "
                                          f"{quoted(schema, limit=12)})",
                                    "Remove the key or correct its spelling."))
    for key, rule in schema.items():
        if key not in data:
            if _required(rule, dotted + key):
                expected = "a mapping" if isinstance(rule, dict) else rule.describe()
                problems.append(Problem(file, f"key {dotted + key!r} is missing",
                                        f"Add it ({expected})."))
        elif isinstance(rule, dict):
            problems.extend(check_mapping(data[key], rule, file, dotted + key))
        elif not rule.accepts(data[key]):
            problems.append(Problem(file, f"key {dotted + key!r} is {data[key]!r}; expected "
                                          f"{rule.describe()}", "Correct the value."))
    return problems


def _required(rule: Setting | dict, name: str) -> bool:
    """A setting must be given when it is required; a section, unless it is one of
    :data:`OPTIONAL_SECTIONS` (added after councils had written their own rules.yaml)."""
    if isinstance(rule, dict):
        return name not in OPTIONAL_SECTIONS
    return rule.required


def _yaml_type(value: object) -> str:
    if value is None:
        return "nothing"
    names = {list: "a list", str: "text", dict: "a mapping"}
    return names.get(type(value), f"a {type(value).__name__}")


RULES_FILE = {"settings": SETTINGS, "rules": Setting("list")}
CODEFRAME_FILE = {"codes": Setting("list")}


def check_rules_file(data: object, file: str) -> list[Problem]:
    """Problems of rules.yaml: its schema, then the pairs of settings that must be ordered."""
    problems = check_mapping(data, RULES_FILE, file)
    if problems:
        return problems
    for section, low, high in (("suppression", "min_base", "low_base"),
                               ("weighting", "trim_lower", "trim_upper")):
        values = data["settings"][section]
        if values[low] > values[high]:
            problems.append(Problem(file, f"key 'settings.{section}.{low}' ({values[low]!r}) is above "
                                          f"'settings.{section}.{high}' ({values[high]!r}); expected "
                                          f"{low} ≤ {high}", f"Correct {low} or {high}."))
    return problems

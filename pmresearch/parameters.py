"""The judgements that go with a workspace: its parameter files, read and validated.

The bundled folder (:func:`default_parameters_dir`) holds what is the same for every council:
``rules.yaml`` (settings and rules), ``lexicon.csv`` and ``sentiment.yaml`` (the sentiment
lexicon and word lists) and a ``codeframe.yaml`` of cross-cutting and special codes. A council's
workspace holds what is its own under ``<workspace>/parameters/``: its full ``codeframe.yaml``
and ``services/<service_id>.yaml`` files. A file there replaces the bundled one of the same
name; a service with no file of its own gets the default pack settings.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd
import yaml

from . import _schemas
from ._resources import default_parameters_dir
from .catalogue import EVIDENCE_FIELDS
from .coding.lexicon import Lexicon, load_lexicon
from .errors import Problem, WorkspaceError
from .rules import RuleSet, check_service_overrides, parse_rules

__all__ = ["Parameters", "default_parameters_dir", "load_parameters"]


@lru_cache(maxsize=64)
def _parsed_yaml(text: str) -> object:
    """YAML text parsed once per process (pure-Python PyYAML takes most of a validation's time,
    and every workspace reads the same default parameter files); callers get a deep copy."""
    return yaml.safe_load(text)


def _read_yaml(path: Path, file: str) -> tuple[object, list[Problem]]:
    try:
        return copy.deepcopy(_parsed_yaml(path.read_text(encoding="utf-8-sig"))), []
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(error, "problem", None) or "invalid YAML"
        return None, [Problem(file, f"not valid YAML{where}: {reason}", "Correct the YAML syntax.")]
    except UnicodeDecodeError:
        return None, [Problem(file, "not UTF-8 text", "Save the file as UTF-8.")]


def _display(path: Path, workspace: Path | None) -> str:
    """A file's name for messages: relative to the workspace if inside it, else its full path."""
    if workspace is not None:
        try:
            return path.resolve().relative_to(Path(workspace).resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


@dataclass(frozen=True, eq=False)
class Parameters:
    """The judgements that go with a workspace, validated.

    Attributes
    ----------
    directory : Path
        The parameters folder the defaults came from.
    settings : dict
        ``rules.yaml`` ``settings`` (suppression, significance, weighting, rag, direction_of_travel).
    rules : RuleSet
        ``rules.yaml`` ``rules``, parsed and checked against the evidence catalogue
        (:data:`pmresearch.evidence.EVIDENCE_FIELDS`).
    codeframe : DataFrame
        One row per theme code: ``code``, ``label``, ``service_id`` (``""`` for cross-cutting
        and special codes), ``description``, and ``include``/``exclude`` lists if any code has them.
    services : dict
        ``services/<service_id>.yaml`` contents by service id.
    lexicon : Lexicon
        ``lexicon.csv`` and ``sentiment.yaml``: the rule-based sentiment coder's terms, word
        lists and weights.
    """

    directory: Path
    settings: dict
    rules: RuleSet
    codeframe: pd.DataFrame
    services: dict[str, dict]
    lexicon: Lexicon

    @cached_property
    def theme_matcher(self):
        """The code frame compiled for matching (once per Parameters)."""
        from .coding.themes import compile_codeframe

        return compile_codeframe(self.codeframe)


@dataclass
class _ParameterFiles:
    """What reading a parameters folder found, before any cross-check with services.csv."""

    parameters: Parameters | None
    problems: list[Problem]
    paths: dict[str, Path]
    service_files: dict[str, tuple[str, object]]
    codeframe: pd.DataFrame | None
    codeframe_file: str


def _read_parameters(directory: Path, workspace: Path | None) -> _ParameterFiles:
    override = workspace / "parameters" if workspace is not None else None
    problems: list[Problem] = []
    paths: dict[str, Path] = {}

    def locate(relative: str) -> Path:
        if override is not None and (override / relative).is_file():
            return override / relative
        return directory / relative

    def load(relative: str) -> tuple[object, str, bool]:
        path = locate(relative)
        file = _display(path, workspace)
        if not path.is_file():
            problems.append(Problem(file, "file not found",
                                    f"Add {relative} to the parameters folder (a copy of the "
                                    "project's default will do)."))
            return None, file, False
        paths[f"parameters/{relative}"] = path
        data, found = _read_yaml(path, file)
        problems.extend(found)
        return data, file, not found

    rules_data, rules_file, ok = load("rules.yaml")
    rule_set = None
    if ok:
        found = _schemas.check_rules_file(rules_data, rules_file)
        problems += found
        if not found:
            rule_set, found = _read_rules(locate("rules.yaml"), rules_file, rules_data["settings"])
            problems += found
    frame_data, codeframe_file, ok = load("codeframe.yaml")
    codeframe = None
    if ok:
        found = _codeframe_problems(frame_data, codeframe_file)
        problems += found
        codeframe = None if found else _codeframe_table(frame_data["codes"])
        if codeframe is not None:
            from .coding.themes import compile_codeframe

            try:
                compile_codeframe(codeframe, file=codeframe_file)
            except WorkspaceError as error:
                problems += error.problems
                codeframe = None

    lexicon, found = load_lexicon(locate("lexicon.csv"), locate("sentiment.yaml"),
                                  lexicon_file=_display(locate("lexicon.csv"), workspace),
                                  sentiment_file=_display(locate("sentiment.yaml"), workspace))
    problems += found
    for name in ("lexicon.csv", "sentiment.yaml"):
        if locate(name).is_file():
            paths[f"parameters/{name}"] = locate(name)

    names = sorted({p.name for folder in (directory, override) if folder is not None
                    for p in (folder / "services").glob("*.yaml")})
    service_files: dict[str, tuple[str, object]] = {}
    for name in names:
        data, file, ok = load(f"services/{name}")
        if not ok:
            continue
        stem = name[: -len(".yaml")]
        found = _schemas.check_mapping(data, _schemas.SERVICE_FILE, file)
        if not found and data["service_id"] != stem:
            sid = data["service_id"]
            found.append(Problem(file, f"service_id {sid!r} does not match the file name {name!r}",
                                 f"Rename the file to {sid}.yaml or correct the service_id."))
        if not found and rule_set is not None:
            found = check_service_overrides(data.get("rules"), file=file, rules=rule_set.rules)
        problems.extend(found)
        service_files[stem] = (file, data)

    parameters = None
    if not problems:
        parameters = Parameters(directory=directory, settings=rules_data["settings"],
                                rules=rule_set, codeframe=codeframe,
                                services={stem: data for stem, (_, data) in service_files.items()},
                                lexicon=lexicon)
    return _ParameterFiles(parameters, problems, paths, service_files, codeframe, codeframe_file)


def _read_rules(path: Path, file: str, settings: dict):
    """The ``rules:`` of rules.yaml checked against the evidence the rules can read."""
    found, problems = copy.deepcopy(_parsed_rules(path.read_text(encoding="utf-8-sig"), file))
    return (None if problems else RuleSet(tuple(found), settings, file)), problems


@lru_cache(maxsize=16)
def _parsed_rules(text: str, file: str) -> tuple[list, list[Problem]]:
    """:func:`pmresearch.rules.parse_rules` once per process and text (``settings`` is the
    text's own block, so the text is the whole key); callers get a deep copy."""
    return parse_rules(text, file=file, fields=EVIDENCE_FIELDS,
                       settings=copy.deepcopy(_parsed_yaml(text))["settings"])


def _codeframe_problems(data: object, file: str) -> list[Problem]:
    """Problems of codeframe.yaml: its shape, each code's keys, duplicate codes."""
    found = _schemas.check_mapping(data, _schemas.CODEFRAME_FILE, file)
    if found:
        return found
    first_entry: dict[str, int] = {}
    for i, entry in enumerate(data["codes"]):
        entry_problems = _schemas.check_mapping(entry, _schemas.CODE_ENTRY, file, prefix=f"codes[{i}]")
        found += entry_problems
        if entry_problems:
            continue
        code = entry["code"]
        if code in first_entry:
            found.append(Problem(file, f"duplicate code {code!r} (codes[{first_entry[code]}] and "
                                       f"codes[{i}])", "Give each code one entry."))
        first_entry.setdefault(code, i)
    if not data["codes"]:
        found.append(Problem(file, "key 'codes' is an empty list", "List at least one code."))
    return found


def _codeframe_table(codes: list[dict]) -> pd.DataFrame:
    """The validated code entries as a table; a null service_id becomes "" like a blank cell."""
    columns = ["code", "label", "service_id", "description"]
    columns += [k for k in ("include", "exclude", "special", "max_other_words")
                if any(k in entry for entry in codes)]
    empty = {"include": [], "exclude": [], "max_other_words": None}
    rows = [{c: entry.get(c) if entry.get(c) is not None else empty.get(c, "") for c in columns}
            for entry in codes]
    return pd.DataFrame(rows, columns=columns)


def load_parameters(directory: str | Path | None = None, *,
                    workspace: Path | None = None) -> Parameters:
    """Read and validate a parameters folder, with a workspace's own files taking precedence.

    Parameters
    ----------
    directory : str or Path, optional
        The parameters folder; :func:`default_parameters_dir` when omitted.
    workspace : Path, optional
        A workspace whose ``parameters/<file>`` replaces the folder's file of the same name
        (``rules.yaml``, ``codeframe.yaml``, ``lexicon.csv``, ``sentiment.yaml`` or
        ``services/<service_id>.yaml``).

    Returns
    -------
    Parameters

    Raises
    ------
    WorkspaceError
        Every problem in the parameter files: YAML syntax, unknown keys, wrong types, a
        service file whose ``service_id`` differs from its name, duplicate codes.

    Examples
    --------
    >>> params = load_parameters()
    >>> params.settings["suppression"]["min_base"]
    50
    """
    directory = Path(directory) if directory is not None else default_parameters_dir()
    read = _read_parameters(directory, Path(workspace) if workspace is not None else None)
    if read.problems:
        raise WorkspaceError(read.problems, workspace=str(directory))
    return read.parameters

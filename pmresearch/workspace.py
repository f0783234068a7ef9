"""Load and validate a council workspace and the parameters that go with it.

A workspace is a folder of tables (CSV in UTF-8 or Windows-1252, or XLSX) and ``council.yaml``,
described in ``docs/workspace.md``. :func:`check_workspace` lists every problem in one pass;
:func:`load_workspace` raises :class:`~pmresearch.errors.WorkspaceError` with all of them, or
returns a :class:`Workspace` of typed tables: numbers as numbers (``Int64`` for item codes and
counts, ``float`` for values and populations), dates as ``datetime64``, yes/no columns as
``bool`` (nullable ``boolean`` where a blank means "not asked"), text as text with blanks as
``""``. Every optional column of the contract is present, blank where the file has none. Row
order is the file's; nothing is sorted. Rows that are entirely blank, and comment rows (first
cell starting with ``#``), are skipped.

Rows in messages are **spreadsheet row numbers**: the header is row 1 and the first data row is
row 2, so an analyst can go straight to the row in Excel.

Parameters (``rules.yaml``, ``codeframe.yaml``, ``services/<service_id>.yaml`` …) are read by
:mod:`pmresearch.parameters`: from :func:`default_parameters_dir` unless another folder is
given, each replaced by the workspace's own copy under ``<workspace>/parameters/`` if it has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from . import _cache, _schemas
from ._consistency import check_links, check_parameter_links, item_scales, typed_items
from .periods import parse_period, period_end, period_slug
from ._resources import DEMO_WORKSPACE
from ._tables import find_table, misplaced_header, read_table
from .errors import Problem, WorkspaceError
from .parameters import (Parameters, _read_parameters, _read_yaml, default_parameters_dir,
                         load_parameters)

__all__ = [
    "DEMO_WORKSPACE",
    "Parameters",
    "Workspace",
    "check_workspace",
    "default_parameters_dir",
    "find_table",
    "load_parameters",
    "load_workspace",
    "parse_period",
    "period_end",
    "period_slug",
    "read_table",
]

_FIRST_DATA_ROW = 2  # the header is spreadsheet row 1


# ---------------------------------------------------------------- the workspace


@dataclass(frozen=True, eq=False)
class Workspace:
    """A validated council workspace: its typed tables and parameters.

    Tables are as described in ``docs/workspace.md``; ``survey_items`` is always present (when
    the workspace has no survey_items file, every item named in ``services.csv`` is listed with
    its own name as the question and 5 scale points). ``hand_coded`` is None when absent.
    ``files`` maps each input read (``wards.csv``, ``parameters/rules.yaml`` …) to its path.
    """

    path: Path
    council: dict
    wards: pd.DataFrame
    survey_waves: pd.DataFrame
    survey_items: pd.DataFrame
    survey_responses: pd.DataFrame
    population_margins: pd.DataFrame
    services: pd.DataFrame
    indicators: pd.DataFrame
    pi_values: pd.DataFrame
    benchmarks: pd.DataFrame
    comments: pd.DataFrame
    hand_coded: pd.DataFrame | None
    parameters: Parameters
    files: dict[str, Path]
    # What has been derived from this workspace (raked weights, coded comments …), kept with
    # it by :meth:`derived` and dropped with it; never cached elsewhere or on disk.
    _derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def derived(self, key: tuple, compute):
        """``compute()``, called once per loaded workspace and ``key``; later calls with the
        same key return the first result (treat it as read-only).

        Examples
        --------
        >>> ws = load_workspace()
        >>> ws.derived(("answer",), lambda: 42), ws.derived(("answer",), lambda: 0)
        (42, 42)
        """
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    def summary(self) -> str:
        """A few lines saying what the workspace holds.

        Examples
        --------
        >>> print(load_workspace().summary().splitlines()[0])
        Ashbrook Borough Council: current period 2025-26 Q2 (financial year starts in month 4)
        """
        counts = self.survey_responses["wave"].value_counts(sort=False)
        waves = ", ".join(f"{w} ({counts.get(w, 0):,} respondents)" for w in self.survey_waves["wave"])
        coded = (f"{len(self.hand_coded):,} hand-coded" if self.hand_coded is not None
                 else "no hand-coded sample")
        return "\n".join([
            f"{self.council['name']}: current period {self.council['current_period']} "
            f"(financial year starts in month {self.council['financial_year_start_month']})",
            f"  {len(self.wards):,} wards",
            f"  {len(self.survey_waves):,} survey waves: {waves}",
            f"  {len(self.services):,} services, {len(self.indicators):,} performance indicators, "
            f"{len(self.pi_values):,} PI values",
            f"  {len(self.comments):,} comments ({coded})",
        ])

    def filled(self, table: str, column: str) -> bool:
        """True if ``table`` has ``column`` with a value in at least one row (an optional column
        the council left out is present but blank).

        Examples
        --------
        >>> ws = load_workspace()
        >>> ws.filled("survey_responses", "disability"), ws.filled("survey_responses", "design_weight")
        (True, False)
        """
        frame = getattr(self, table)
        if column not in frame.columns:
            return False
        values = frame[column]
        return bool((values.notna() & (values.astype(str).str.strip() != "")).any())

    def parameters_summary(self) -> str:
        """Where each parameter file came from, and which services use the default pack settings.

        Examples
        --------
        >>> print(load_workspace().parameters_summary())  # doctest: +ELLIPSIS
        Parameters from the workspace (.../ashbrook/parameters): codeframe.yaml, services/customer_services.yaml, ...
        Parameters from the defaults (...): lexicon.csv, rules.yaml, sentiment.yaml
        """
        own = self.path / "parameters"
        origins = {"the workspace": (own, []), "the defaults": (self.parameters.directory, [])}
        for name, path in self.files.items():
            if name.startswith("parameters/"):
                origin = "the workspace" if path.is_relative_to(own) else "the defaults"
                origins[origin][1].append(name.removeprefix("parameters/"))
        lines = [f"Parameters from {label} ({folder}): {', '.join(names)}"
                 for label, (folder, names) in origins.items() if names]
        defaults = [s for s in self.services["service_id"] if s not in self.parameters.services]
        if defaults:
            lines.append(f"Services with no parameters/services/<id>.yaml (default pack settings): "
                         f"{', '.join(defaults)}. 'pmresearch init --update' writes them to edit.")
        return "\n".join(lines)


def _read_workspace_tables(path: Path, problems: list[Problem]
                           ) -> tuple[dict, dict, dict[str, str], dict[str, Path]]:
    """Read, check and type every table; returns (raw, typed, display names, paths)."""
    raw, typed, names, paths = {}, {}, {}, {}
    for stem, spec in _schemas.TABLES.items():
        names[stem] = f"{stem}.csv"
        try:
            found = find_table(path, stem)
        except WorkspaceError as error:
            problems.extend(error.problems)
            continue
        if found is None:
            if spec.file_required:
                problems.append(Problem(
                    names[stem], f"file not found (looked for {stem}.csv and {stem}.xlsx)",
                    f"Add the table, one row per {spec.row} (columns in docs/workspace.md)."))
            continue
        names[stem], paths[found.name] = found.name, found
        frame = _read_checked(found, spec, problems)
        if frame is None:
            continue
        raw[stem] = frame
        typed[stem], found_problems = _schemas.check_table(frame, spec, found.name)
        problems.extend(found_problems)
    return raw, typed, names, paths


def _read_checked(path: Path, spec: _schemas.TableSpec, problems: list[Problem]) -> pd.DataFrame | None:
    """The table indexed by spreadsheet row with blank rows dropped, or None if unreadable.

    A file that cannot be read as a table (wrong encoding, an unclosed quote, a workbook whose
    header is not on row 1 of its first sheet) gets one problem saying so, and none of the
    column checks that would only repeat it in other words.
    """
    xlsx = path.suffix.lower() == ".xlsx"
    try:
        frame = read_table(path)
    except WorkspaceError as error:
        problems.extend(error.problems)
        return None
    except pd.errors.EmptyDataError:
        misplaced = misplaced_header(path, spec) if xlsx else None
        problems.append(misplaced or Problem(path.name, "the file is empty (no header row)",
                                             f"Add a header row and one row per {spec.row}."))
        return None
    except UnicodeDecodeError:
        problems.append(Problem(path.name, "cannot be decoded as UTF-8 or Windows-1252 text",
                                "Save it from Excel as 'CSV UTF-8'."))
        return None
    except pd.errors.ParserError as error:
        problems.append(_parser_problem(path.name, error))
        return None
    except (OSError, ValueError) as error:
        problems.append(Problem(path.name, f"cannot be read: {error}",
                                "Save it again from Excel (as .xlsx or CSV UTF-8)."))
        return None
    if xlsx and not any(column.name in frame.columns for column in spec.required):
        misplaced = misplaced_header(path, spec)
        if misplaced is not None:
            problems.append(misplaced)
            return None
    frame.index = pd.RangeIndex(_FIRST_DATA_ROW, _FIRST_DATA_ROW + len(frame))
    if len(frame.columns):
        blank = frame.apply(_schemas.blank_mask).all(axis=1)
        # A first cell starting with '#' marks a comment row, such as the one `pmresearch init`
        # writes under each header to explain the columns.
        comment = frame.iloc[:, 0].str.lstrip().str.startswith("#")
        frame = frame[~blank & ~comment]
    if frame.empty:
        fix = f"Add one row per {spec.row}."
        if not spec.file_required:
            fix += " Or delete the file: it is optional."
        problems.append(Problem(path.name, "no data rows (only a header)", fix))
    return frame


# pandas counts rows as a spreadsheet does (header = 1), blank rows and all.
_TOO_MANY_CELLS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _parser_problem(file: str, error: pd.errors.ParserError) -> Problem:
    """What pandas could not parse, at its row when it says which."""
    detail = str(error).strip().splitlines()[-1]
    found = _TOO_MANY_CELLS.search(detail)
    if found is None:
        return Problem(file, f"cannot be read as CSV ({detail})",
                       "Check the quoting and the number of commas on that line.")
    expected, row, saw = (int(number) for number in found.groups())
    return Problem(file, f"{saw} cells where the header has {expected}",
                   "Put double quotes around a cell that holds a comma, or remove the extra "
                   "commas.", rows=(row,))


def _read_council(path: Path, problems: list[Problem], paths: dict[str, Path]) -> dict:
    file = path / "council.yaml"
    if not file.is_file():
        problems.append(Problem("council.yaml", "file not found", "Add council.yaml with name, "
                                "current_period and financial_year_start_month."))
        return {}
    paths["council.yaml"] = file
    data, found = _read_yaml(file, "council.yaml")
    found = found or _schemas.check_mapping(data, _schemas.COUNCIL, "council.yaml")
    problems.extend(found)
    return data if isinstance(data, dict) else {}


def _validate(path: str | Path | None,
              parameters_dir: str | Path | None) -> tuple[list[Problem], Workspace | None]:
    # Absolute from here on: a pack's kernel runs in another folder than the command that
    # started it, and a relative path would name a different place there.
    path = Path(path if path is not None else DEMO_WORKSPACE).resolve()
    if not path.is_dir():
        return [Problem(str(path), "workspace folder not found",
                        "Give the folder that holds council.yaml and the tables.")], None
    problems: list[Problem] = []
    paths: dict[str, Path] = {}
    council = _read_council(path, problems, paths)
    raw, typed, names, table_paths = _read_workspace_tables(path, problems)
    paths.update(table_paths)

    directory = (Path(parameters_dir) if parameters_dir is not None
                 else default_parameters_dir()).resolve()
    read = _read_parameters(directory, path)
    problems += read.problems
    paths.update(read.paths)

    month = council.get("financial_year_start_month")
    if not _schemas.COUNCIL["financial_year_start_month"].accepts(month):
        month = None  # reported above; period_end cannot be checked without it
    codes = list(read.codeframe["code"]) if read.codeframe is not None else None
    problems += check_links(raw, typed, names, financial_year_start_month=month, codes=codes,
                            codeframe_file=read.codeframe_file)
    services = raw.get("services")
    service_ids = list(services["service_id"]) if services is not None and "service_id" in services else None
    problems += check_parameter_links(read.service_files, read.codeframe, read.codeframe_file,
                                      service_ids, names["services"])
    if problems:
        return problems, None
    return [], _build(path, council, typed, read.parameters, paths)


def _build(path: Path, council: dict, typed: dict[str, pd.DataFrame], parameters: Parameters,
           paths: dict[str, Path]) -> Workspace:
    tables = {stem: _with_optional_columns(frame, _schemas.TABLES[stem]).reset_index(drop=True)
              for stem, frame in typed.items()}
    scales = item_scales(typed)
    tables["survey_responses"] = typed_items(tables["survey_responses"], scales)
    if "survey_items" not in tables:
        tables["survey_items"] = pd.DataFrame({
            "item": pd.Series(list(scales), dtype=str),
            "question": pd.Series(list(scales), dtype=str),
            "scale_points": pd.Series(list(scales.values()), dtype="Int64"),
        })
    return Workspace(path=path, council=dict(council), hand_coded=tables.pop("hand_coded", None),
                     parameters=parameters, files=dict(sorted(paths.items())), **tables)


def _with_optional_columns(frame: pd.DataFrame, spec: _schemas.TableSpec) -> pd.DataFrame:
    """``frame`` with every optional column of its table, blank where the file has none, so no
    later stage has to ask whether a council chose to include a column."""
    absent = [column for column in spec.optional if column.name not in frame.columns]
    if not absent:
        return frame
    blank = pd.Series("", index=frame.index, dtype=object)
    return frame.assign(**{column.name: _schemas.check_column(blank, column, spec.stem)[0]
                           for column in absent})


def check_workspace(path: str | Path | None = None, *,
                    parameters_dir: str | Path | None = None) -> list[Problem]:
    """Every problem in a workspace and its parameters; an empty list if it is valid.

    Parameters
    ----------
    path : str or Path, optional
        The workspace folder; the Ashbrook demo (:data:`DEMO_WORKSPACE`) when omitted.
    parameters_dir : str or Path, optional
        The parameters folder; :func:`default_parameters_dir` when omitted.

    Returns
    -------
    list of Problem
        In the order found: council.yaml, each table (columns, values, duplicates), the
        parameter files, then references between files.

    Examples
    --------
    >>> check_workspace()
    []
    """
    return _validate(path, parameters_dir)[0]


def load_workspace(path: str | Path | None = None, *,
                   parameters_dir: str | Path | None = None, cache: bool = True) -> Workspace:
    """Validate a workspace and return it with typed tables and its parameters.

    Parameters
    ----------
    path : str or Path, optional
        The workspace folder; the Ashbrook demo (:data:`DEMO_WORKSPACE`) when omitted.
    parameters_dir : str or Path, optional
        The parameters folder; :func:`default_parameters_dir` when omitted.
    cache : bool, default True
        Reuse the result of an earlier load of byte-identical files (see :func:`pmresearch._cache.cache_dir`),
        which spares each evidence pack's kernel from validating the same files again.

    Returns
    -------
    Workspace

    Raises
    ------
    WorkspaceError
        The workspace or its parameters are invalid; ``problems`` lists every problem.

    Examples
    --------
    >>> ws = load_workspace()
    >>> ws.council["current_period"], len(ws.wards)
    ('2025-26 Q2', 20)
    """
    shown = Path(path if path is not None else DEMO_WORKSPACE).resolve()
    directory = (Path(parameters_dir) if parameters_dir is not None
                 else default_parameters_dir()).resolve()
    key = _workspace_key(shown, directory) if cache and shown.is_dir() else None
    cached = _cache.read(key)
    if isinstance(cached, _DetachedWorkspace):
        return cached.attach(shown, directory)
    problems, workspace = _validate(shown, directory)
    if problems:
        raise WorkspaceError(problems, workspace=str(shown))
    if key is not None:
        workspace.parameters.theme_matcher  # compiled once, then read from the cache by packs
        _cache.write(key, _DetachedWorkspace.detach(workspace, directory))
    return workspace


def _workspace_key(workspace: Path, directory: Path) -> str:
    """The cache key of a workspace and its parameters folder: the names and content of their
    files, never where they are, so a copied workspace or a moved parameters folder reuses it.

    A parameters folder inside the workspace is hashed once, with the workspace; the key then
    holds its place relative to the workspace, which is how messages name its files.
    """
    if directory.is_relative_to(workspace):
        inner = directory.relative_to(workspace).as_posix()
        return _cache.content_key(workspace, salt=f"workspace|parameters at {inner}")
    return _cache.content_key(workspace, directory, salt="workspace|parameters outside")


@dataclass(frozen=True)
class _DetachedWorkspace:
    """A workspace as cached, with no trace of where its files were when it was stored.

    Files inside the workspace are named relative to it, files from the parameters folder
    relative to that folder, and so is the rules' file name (which rule errors show) when the
    rules came from there; :meth:`attach` joins them to the folders being loaded.
    """

    workspace: Workspace
    inside: dict[str, str]
    in_parameters: dict[str, str]
    rules_in_parameters: str | None

    @classmethod
    def detach(cls, ws: Workspace, directory: Path) -> _DetachedWorkspace:
        inside = {name: path.relative_to(ws.path).as_posix() for name, path in ws.files.items()
                  if path.is_relative_to(ws.path)}
        in_parameters = {name: path.relative_to(directory).as_posix()
                         for name, path in ws.files.items()
                         if name not in inside and path.is_relative_to(directory)}
        outside = {name: path for name, path in ws.files.items()
                   if name not in inside and name not in in_parameters}
        rules_file = Path(ws.parameters.rules.file)
        rules_in_parameters = (rules_file.relative_to(directory).as_posix()
                               if rules_file.is_absolute() and rules_file.is_relative_to(directory)
                               else None)
        parameters = _moved(ws.parameters, Path(), rules_in_parameters or str(rules_file))
        return cls(replace(ws, path=Path(), files=outside, parameters=parameters), inside,
                   in_parameters, rules_in_parameters)

    def attach(self, path: Path, directory: Path) -> Workspace:
        files = {**self.workspace.files,
                 **{name: path / rel for name, rel in self.inside.items()},
                 **{name: directory / rel for name, rel in self.in_parameters.items()}}
        parameters = self.workspace.parameters
        rules_file = (str(directory / self.rules_in_parameters) if self.rules_in_parameters
                      else parameters.rules.file)
        return replace(self.workspace, path=path, files=dict(sorted(files.items())),
                       parameters=_moved(parameters, directory, rules_file))


def _moved(parameters: Parameters, directory: Path, rules_file: str) -> Parameters:
    """``parameters`` read from ``directory``, its rules naming ``rules_file`` in messages."""
    rules = parameters.rules
    rules = replace(rules, file=rules_file,
                    rules=tuple(replace(rule, file=rules_file) for rule in rules.rules))
    moved = replace(parameters, directory=directory, rules=rules)
    if "theme_matcher" in parameters.__dict__:  # keep the code frame compiled once
        moved.__dict__["theme_matcher"] = parameters.__dict__["theme_matcher"]
    return moved

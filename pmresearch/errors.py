"""Exceptions users can catch, each carrying what it is about.

::

    PmresearchError
    ├── WorkspaceError    a council workspace or parameter file is invalid (all problems at once)
    ├── WeightingError    raking or trimming cannot meet its margins or bounds
    ├── RuleError         a rule file is malformed or a rule cannot be evaluated
    ├── PackError         an evidence pack could not be produced
    ├── PeriodError       a period is not a financial quarter, or the workspace has no data for it
    └── OutputError       an output folder cannot be created or written to

Every message follows one template: where (file, column, rows), what was found, what was
expected, and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "PmresearchError",
    "Problem",
    "WorkspaceError",
    "WeightingError",
    "RuleError",
    "PackError",
    "PeriodError",
    "OutputError",
]


class PmresearchError(Exception):
    """Base class of every error pmresearch raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can.

    Examples
    --------
    >>> p = Problem("wards.csv", "duplicate ward_code 'E05000650'", "Give each ward one row.",
    ...             column="ward_code", rows=(3, 7))
    >>> print(p)
    wards.csv, column 'ward_code', rows 3, 7: duplicate ward_code 'E05000650'. Give each ward one row.

    ``line`` is a physical line of a text file, for faults found before a CSV is split into
    rows (a line and a spreadsheet row differ once a cell holds a line break):

    >>> print(Problem("comments.csv", "a quote is never closed", "Close it.", line=57))
    comments.csv, line 57: a quote is never closed. Close it.
    """

    file: str
    message: str
    fix: str = ""
    column: str | None = None
    rows: tuple[int, ...] = field(default_factory=tuple)
    line: int | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column '{self.column}'")
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:10])
            more = f" and {len(self.rows) - 10} more" if len(self.rows) > 10 else ""
            where.append(f"row{'s' if len(self.rows) > 1 else ''} {shown}{more}")
        text = f"{', '.join(where)}: {self.message}"
        if self.fix:
            text += f". {self.fix}"
        return text


class WorkspaceError(PmresearchError):
    """A workspace failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem], workspace: str = ""):
        self.problems = list(problems)
        self.workspace = workspace
        head = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''} in workspace"
        head += f" {workspace}" if workspace else ""
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class WeightingError(PmresearchError):
    """Weighting cannot proceed; ``variable`` and ``category`` say where."""

    def __init__(self, message: str, *, variable: str | None = None, category: str | None = None):
        self.variable = variable
        self.category = category
        super().__init__(message)


class RuleError(PmresearchError):
    """A rule file or rule is invalid; ``file``, ``line`` and ``rule_id`` say where."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 rule_id: str | None = None, problems: list[Problem] | None = None):
        self.file = file
        self.line = line
        self.rule_id = rule_id
        self.problems = list(problems or [])
        super().__init__(message)


class PackError(PmresearchError):
    """An evidence pack failed; ``service_id`` says which."""

    def __init__(self, message: str, *, service_id: str | None = None):
        self.service_id = service_id
        super().__init__(message)


class PeriodError(PmresearchError):
    """A period asked for is not a financial quarter, or the workspace holds no data for it;
    ``period`` is the label asked for."""

    def __init__(self, message: str, *, period: str | None = None):
        self.period = period
        super().__init__(message)


class OutputError(PmresearchError):
    """An output folder cannot be created or written to; ``path`` says which.

    Raised before any work starts, so a wrong ``--out`` costs seconds, not a whole run.
    """

    def __init__(self, message: str, *, path: str | None = None):
        self.path = path
        super().__init__(message)

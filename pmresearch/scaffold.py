"""Start a council's workspace: ``pmresearch init DIR`` and ``pmresearch init --update DIR``.

:func:`init_workspace` writes every file of the workspace contract (``docs/workspace.md``) with
its header row and, under it, a comment row that explains each column in the column's own cell,
so an analyst filling the file in Excel reads the explanation where they type. A row whose
first cell starts with ``#`` is a comment: the loader skips it, so the row may stay. It also
writes ``council.yaml`` with a comment per key, and the council's own ``parameters/`` folder: a
starter ``codeframe.yaml`` (the bundled cross-cutting and special codes, with a commented example
of a service's code) and one ``services/<service_id>.yaml`` per service in ``services.csv``.

:func:`update_workspace` adds what is missing, the service files above all once ``services.csv``
is filled in. Neither ever overwrites a file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import _schemas
from .periods import period_label
from ._resources import bundled_path
from .errors import PmresearchError

__all__ = ["COLUMN_NOTES", "ScaffoldResult", "init_workspace", "service_parameters_text",
           "update_workspace"]

#: What each column of the contract holds, as written in the comment row under each header:
#: every column ``docs/workspace.md`` lists, required first.
COLUMN_NOTES: dict[str, dict[str, str]] = {
    "wards": {
        "ward_code": "the ward's code, e.g. E05012345 (letters, digits, _ and -)",
        "ward_name": "the ward's name as residents know it",
        "adult_population": "adults 18+ living in the ward (a number)",
        "imd_quintile": "optional: 1 = most deprived fifth … 5 = least deprived",
        "urban_rural": "optional: e.g. urban or rural",
    },
    "survey_waves": {
        "wave": "the wave's name, e.g. 2025 or Autumn 2025 (one row per wave)",
        "fieldwork_start": "first day of fieldwork, YYYY-MM-DD",
        "fieldwork_end": "last day of fieldwork, YYYY-MM-DD",
        "mode": "optional: telephone, online, postal or mixed",
        "target_sample": "optional: the number of interviews aimed for",
    },
    "survey_items": {
        "item": "a survey item's column name in survey_responses.csv, e.g. sat_council",
        "question": "the question as asked",
        "scale_points": "5 (very satisfied … very dissatisfied) or 4 (a great deal … not at all)",
    },
    "survey_responses": {
        "respondent_id": "the respondent's id, unique within a wave (no names or addresses)",
        "wave": "the wave, as in survey_waves.csv",
        "ward_code": "the respondent's ward, as in wards.csv",
        "age_band": "a category of age_band in population_margins.csv, e.g. 18-34",
        "sex": "a category of sex in population_margins.csv",
        "ethnic_group": "a category of ethnic_group in population_margins.csv",
        "tenure": "a category of tenure in population_margins.csv",
        "design_weight": "optional: the sampling design weight (leave the column blank for equal weights)",
        "mode": "optional: how the respondent answered",
        "disability": "optional: e.g. Yes, No or Prefer not to say",
        "has_children": "optional: true or false",
        "used_library_12m": "optional: true or false",
        "used_leisure_12m": "optional: true or false",
        "used_parks_12m": "optional: true or false; then add one column per survey item: "
                          "1 = very satisfied … 5 (or 4), 9 = don't know, blank = not asked",
    },
    "population_margins": {
        "variable": "the response column it weights: ward_code, age_band, sex, ethnic_group or tenure",
        "category": "one category of that variable",
        "population": "adults in the category (a count), or its share when the variable's "
                      "rows sum to 1",
        "wave": "optional: the wave these margins are for (blank = every wave)",
        "share": "optional: the category's share, for reference",
    },
    "services": {
        "service_id": "the service's id: lower-case letters, digits and _, e.g. waste",
        "service_name": "the service's name as the pack's title shows it",
        "directorate": "the directorate it belongs to",
        "survey_items": "its survey items, separated by ; (may be blank)",
        "key_pi": "the pi_id of its key indicator in indicators.csv (may be blank)",
        "portfolio": "optional: the cabinet portfolio",
    },
    "indicators": {
        "pi_id": "the indicator's id, e.g. WST01 (letters, digits, _ and -)",
        "service_id": "the service it belongs to, as in services.csv",
        "name": "the indicator's name",
        "unit": "its unit, e.g. % or days or per 1,000 households",
        "polarity": "higher_better, lower_better or context",
        "tolerance": "how far from target is still amber (a number)",
        "tolerance_type": "relative (a % of target) or absolute (in the PI's unit)",
        "is_key": "true for the service's key indicator, else false",
        "frequency": "optional: quarterly or annual",
        "cumulative": "optional: true if reported year to date (a running total)",
        "numerator_label": "optional: what the numerator counts",
        "denominator_label": "optional: what the denominator counts",
        "benchmark_group": "optional: the comparator group in benchmarks.csv",
        "value_type": "optional: count or rate (blank = read from the unit and name); decides "
                      "how a cumulative PI's quarter is derived",
    },
    "pi_values": {
        "pi_id": "the indicator, as in indicators.csv",
        "period": "the financial quarter, e.g. 2025-26 Q2",
        "period_end": "the last day of that quarter, YYYY-MM-DD",
        "value": "the value (blank only when data_status is missing)",
        "target": "the target for the quarter (may be blank)",
        "data_status": "optional: final, provisional, estimated or missing",
        "dq_flag": "optional: none, caveat or restated",
        "commentary": "optional: the service's explanation, and corrective action when red",
        "ward_code": "optional: the ward of a ward-level value (blank = the whole council)",
        "numerator": "optional: the numerator behind the value",
        "denominator": "optional: the denominator behind the value",
    },
    "benchmarks": {
        "pi_id": "the indicator, as in indicators.csv",
        "year": "the financial year, e.g. 2024-25",
        "comparator_group": "e.g. CIPFA nearest neighbours",
        "lower_quartile": "25th percentile of the group's values",
        "median": "median of the group's values",
        "upper_quartile": "75th percentile of the group's values",
        "n": "optional: councils in the group",
        "rank": "optional: this council's rank in the group",
    },
    "comments": {
        "comment_id": "the comment's id (unique)",
        "source": "where it came from, in your words: e.g. Residents survey 2025, Complaint, "
                  "Budget consultation",
        "date": "the date it was made, YYYY-MM-DD",
        "text": "what the resident wrote (personal data is redacted before anything is shown)",
        "service_id": "optional: the service it is about (blank = cross-cutting)",
        "ward_code": "optional: the resident's ward",
        "age_band": "optional",
        "sex": "optional",
        "ethnic_group": "optional",
        "disability": "optional",
        "consultation_id": "optional: the consultation it answered",
        "question_text": "optional: the question it answered",
        "respondent_type": "optional: e.g. resident, business, organisation",
    },
}

# Tables written by init: every file the contract requires, and survey_items.csv (optional, but
# the only way to declare 4-point items). hand_coded.csv is written by the coding workbench.
_TABLES = ("wards", "survey_waves", "survey_items", "survey_responses", "population_margins",
           "services", "indicators", "pi_values", "benchmarks", "comments")

_CODE_EXAMPLE = """\
  # Your services' codes go here, one entry per theme, e.g.:
  # - code: WST1
  #   label: Missed or late bin collection
  #   service_id: waste            # a service_id from services.csv
  #   description: Bins not emptied, collected late or on the wrong day.
  #   include: [missed, not collected, collection*, bin day*]
  #   exclude: [bulky collection*]
"""


@dataclass(frozen=True)
class ScaffoldResult:
    """What :func:`init_workspace` or :func:`update_workspace` did: files ``written`` (paths
    relative to the workspace) and files ``kept`` because they already existed."""

    workspace: Path
    written: tuple[str, ...]
    kept: tuple[str, ...]


def service_parameters_text(service_id: str, service_name: str) -> str:
    """The starter ``parameters/services/<service_id>.yaml`` of one service.

    Examples
    --------
    >>> print(service_parameters_text("waste", "Waste & recycling"))
    # Evidence pack parameters for Waste & recycling.
    service_id: waste
    pi_history_quarters: 8    # quarters shown in PI trend charts
    <BLANKLINE>
    """
    # The name goes into a YAML comment: one line, so nothing in it can become a key.
    name = " ".join(str(service_name).split())
    return (f"# Evidence pack parameters for {name}.\n"
            f"service_id: {service_id}\n"
            "pi_history_quarters: 8    # quarters shown in PI trend charts\n")


def init_workspace(folder: str | Path, *, today: dt.date | None = None) -> ScaffoldResult:
    """Write a new council workspace to fill in.

    Parameters
    ----------
    folder : str or Path
        The workspace folder; created if needed. It must not yet hold any file of the contract.
    today : date, optional
        Sets ``current_period`` in ``council.yaml`` to the quarter holding this day (default:
        today), assuming a financial year starting in April.

    Returns
    -------
    ScaffoldResult

    Raises
    ------
    PmresearchError
        The folder already holds workspace files (use :func:`update_workspace`), or is a file.

    Examples
    --------
    >>> import tempfile, datetime
    >>> made = init_workspace(Path(tempfile.mkdtemp()) / "northshire", today=datetime.date(2026, 12, 7))
    >>> made.written[:3]
    ('council.yaml', 'wards.csv', 'survey_waves.csv')
    >>> print((made.workspace / "wards.csv").read_text(encoding="utf-8").splitlines()[0])
    ward_code,ward_name,adult_population,imd_quintile,urban_rural
    >>> "current_period: 2026-27 Q3" in (made.workspace / "council.yaml").read_text()
    True
    """
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise PmresearchError(f"{root} is a file, not a folder. Give a folder for the workspace.")
    existing = [name for name in _planned(root, today) if (root / name).exists()]
    if existing:
        raise PmresearchError(
            f"{root} already holds workspace files ({', '.join(existing[:5])}"
            f"{' …' if len(existing) > 5 else ''}). Use 'pmresearch init --update {root}' to add "
            "only what is missing; nothing is ever overwritten.")
    return _write_missing(root, today)


def update_workspace(folder: str | Path) -> ScaffoldResult:
    """Add what a workspace is missing, never overwriting a file.

    Above all, once ``services.csv`` lists the council's services, this writes
    ``parameters/services/<service_id>.yaml`` for each service that has none. Rows of
    ``services.csv`` whose ``service_id`` is not a valid id are skipped (``validate`` reports them).

    Raises
    ------
    PmresearchError
        The folder does not exist.

    Examples
    --------
    >>> import tempfile, datetime
    >>> made = init_workspace(Path(tempfile.mkdtemp()) / "ws", today=datetime.date(2026, 4, 1))
    >>> services = made.workspace / "services.csv"
    >>> with services.open("a", encoding="utf-8") as f:
    ...     _ = f.write("waste,Waste and recycling,Place,,\\n")
    >>> update_workspace(made.workspace).written
    ('parameters/services/waste.yaml',)
    """
    root = Path(folder)
    if not root.is_dir():
        raise PmresearchError(f"workspace folder {root} not found. Run 'pmresearch init {root}' "
                              "to start one.")
    return _write_missing(root, None)


def _planned(root: Path, today: dt.date | None) -> dict[str, str]:
    """Every file the scaffold holds for ``root`` now: relative name → text."""
    files = {"council.yaml": _council_text(today or dt.date.today())}
    files.update({f"{stem}.csv": _table_text(stem) for stem in _TABLES})
    files["parameters/codeframe.yaml"] = _codeframe_text()
    for service_id, name in _services(root):
        files[f"parameters/services/{service_id}.yaml"] = service_parameters_text(service_id, name)
    return files


def _write_missing(root: Path, today: dt.date | None) -> ScaffoldResult:
    written, kept = [], []
    for name, text in _planned(root, today).items():
        path = root / name
        if path.exists() or (name.endswith(".csv") and path.with_suffix(".xlsx").exists()):
            kept.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        # Exclusive creation: a file that appeared since the check is never overwritten.
        with open(path, "x", encoding="utf-8", newline="") as handle:
            handle.write(text)
        written.append(name)
    return ScaffoldResult(root, tuple(written), tuple(kept))


def _council_text(today: dt.date) -> str:
    quarter = period_label(today, 4)
    return (
        "# The council this workspace describes (docs/workspace.md).\n"
        "name: Your Council Name              # as the packs' title shows it\n"
        f"current_period: {quarter}           # the quarter packs are made for unless --period says\n"
        "financial_year_start_month: 4       # April = 4\n")


def _table_text(stem: str) -> str:
    notes = COLUMN_NOTES[stem]
    columns = list(notes)
    comment = [f"# {notes[columns[0]]}", *(notes[c] for c in columns[1:])]
    frame = pd.DataFrame([comment], columns=columns)
    return frame.to_csv(index=False, lineterminator="\n")


def _codeframe_text() -> str:
    bundled = (bundled_path("parameters", current_folder=False) / "codeframe.yaml").read_text(
        encoding="utf-8")
    head, codes = bundled.split("\ncodes:\n", 1)
    # The bundled file's first two paragraphs describe the bundled file itself.
    head = "\n#\n".join(head.split("\n#\n")[2:]) + "\n"
    return ("# This council's code frame: the themes its comments are coded to. It replaces the\n"
            "# bundled frame, so it keeps the cross-cutting and special codes below; add a code\n"
            "# per theme of each service (see the example), then run pmresearch validate.\n#\n"
            + head + "codes:\n" + _CODE_EXAMPLE + codes)


def _services(root: Path) -> list[tuple[str, str]]:
    """(service_id, service_name) of each valid row of the workspace's services table."""
    from .workspace import find_table, read_table  # workspace imports the package's upper layers

    try:
        path = find_table(root, "services")
        table = read_table(path) if path is not None else None
    except Exception:  # an unreadable table is validate's to report, with its row and fix
        return []
    if table is None or not {"service_id", "service_name"} <= set(table.columns):
        return []
    return [(sid.strip(), name) for sid, name in zip(table["service_id"], table["service_name"])
            if _schemas.is_service_id(sid.strip())]

"""Reading, checking and saving the hand-coded sample (``hand_coded.csv``).

:func:`save_hand_codes` is the one workbench function that changes files: it adds an analyst's
codes to a workspace's ``hand_coded.csv`` without losing or duplicating the rows already there,
and never writes into the demo shipped with the package.

pmresearch writes text a spreadsheet would read as a formula (a comment starting ``=``) with a
``'`` in front (:mod:`pmresearch._csv`); every file read here, a filled-in review queue or
coding sheet and ``hand_coded.csv`` itself, has that ``'`` removed again
(:func:`pmresearch._csv.restore_text` states the rule), so a round trip loses nothing.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .._csv import restore_cells, write_csv
from ..errors import PmresearchError, Problem
from ..workspace import DEMO_WORKSPACE, Workspace, find_table, read_table

__all__ = ["HAND_CODED_COLUMNS", "SENTIMENTS", "HandCodesError", "SavedCodes", "codes_to_save",
           "hand_codes_by_coder", "read_hand_codes", "save_hand_codes"]

#: Required columns of ``hand_coded.csv`` (docs/workspace.md), in the order a new file gets.
HAND_CODED_COLUMNS = ["comment_id", "coder", "sentiment", "themes"]
#: The sentiment labels a coder may give.
SENTIMENTS = ("positive", "negative", "neutral", "mixed")


class HandCodesError(PmresearchError):
    """Codes could not be saved to ``hand_coded.csv``; ``problems`` lists every reason.

    Nothing is written when this is raised.
    """

    def __init__(self, problems: list[Problem], file: str = "hand_coded.csv"):
        self.problems = list(problems)
        self.file = file
        super().__init__(_refusal(file, self.problems))


def _refusal(file: str, problems: list[Problem]) -> str:
    head = f"Nothing saved to {file}: {len(problems)} problem{'s' if len(problems) > 1 else ''}"
    return head + ":\n" + "\n".join(f"  - {p}" for p in problems)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


@dataclass(frozen=True, eq=False)
class SavedCodes:
    """What :func:`save_hand_codes` did. Shown in a notebook as a one-line message.

    Attributes
    ----------
    saved : bool
        True if the file was written.
    rows_before, rows_after : int
        Data rows in the file before and after.
    appended, replaced : DataFrame
        The rows added at the end, and the rows overwritten in place (``replace=True``).
    problems : tuple of Problem
        Why nothing was saved (with ``errors="report"``).
    path : Path
        The file (left out of the message, which names only the file).
    """

    saved: bool
    rows_before: int
    rows_after: int
    appended: pd.DataFrame
    replaced: pd.DataFrame
    problems: tuple[Problem, ...] = ()
    path: Path = field(default=Path("hand_coded.csv"))

    def __str__(self) -> str:
        name = self.path.name
        if self.problems:
            return _refusal(name, list(self.problems))
        if not self.saved:
            return (f"Nothing to save: no row has a sentiment or themes filled in ({name} "
                    f"unchanged, {self.rows_before:,} rows).")
        replaced = f", {_count(len(self.replaced), 'row')} replaced" if len(self.replaced) else ""
        return (f"Saved to {name}: {_count(len(self.appended), 'row')} appended{replaced} "
                f"({_count(self.rows_before, 'row')} before, {self.rows_after:,} now). The rows "
                "already there are unchanged.")

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return str(self).replace("\n  - ", "\n- ")


def _require_columns(columns: pd.Index, where: str, fix: str, file: str) -> None:
    """Raise :class:`HandCodesError` naming the :data:`HAND_CODED_COLUMNS` not in ``columns``;
    ``fix`` holds ``{columns}`` for the list of required columns."""
    missing = [column for column in HAND_CODED_COLUMNS if column not in columns]
    if missing:
        raise HandCodesError([Problem(where, "missing columns " + ", ".join(map(repr, missing)),
                                      fix.format(columns=", ".join(HAND_CODED_COLUMNS)))], file)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as stripped text, blanks (and NaN) as ``""``."""
    return frame.astype(object).where(frame.notna(), "").astype(str).apply(
        lambda column: column.str.strip())


def codes_to_save(codes: pd.DataFrame | str | Path) -> pd.DataFrame:
    """The rows of a sheet (or a filled-in CSV/XLSX of one) that carry a sentiment or themes:
    what :func:`save_hand_codes` would save, every cell as text. A file is read with the
    ``'`` pmresearch puts before formula-like text removed."""
    frame = restore_cells(read_table(Path(codes))) if isinstance(codes, (str, Path)) else codes
    _require_columns(frame.columns, "the codes to save", "Give the columns {columns}.",
                     "hand_coded.csv")
    frame = _as_text(frame)
    return frame[(frame["sentiment"] != "") | (frame["themes"] != "")].reset_index(drop=True)


def _ids(frame: pd.DataFrame, verbs: tuple[str, str]) -> str:
    """``comment C1 is …`` or ``comments C1, C2 are …``: the rows' comments and the verb that
    agrees with them (the first ten named); rows without an id are counted instead."""
    ids = list(dict.fromkeys(frame["comment_id"]))
    if ids == [""]:
        return f"{_count(len(frame), 'row')} {verbs[len(frame) > 1]}"
    shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
    return f"comment{'s' if len(ids) > 1 else ''} {shown} {verbs[len(ids) > 1]}"


def _check_codes(rows: pd.DataFrame, ws: Workspace) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows with sentiment and theme codes normalised, and every problem found in them."""
    canonical = {code.lower(): code for code in ws.parameters.codeframe["code"]}
    split = rows["themes"].map(lambda cell: [t.strip() for t in cell.split(";") if t.strip()])
    unknown = split.map(lambda codes: [t for t in codes if t.lower() not in canonical])
    rows = rows.assign(sentiment=rows["sentiment"].str.lower(), themes=split.map(
        lambda codes: ";".join(dict.fromkeys(canonical.get(t.lower(), t) for t in codes))))
    named = rows["comment_id"] != ""
    bad_sentiment = ~rows["sentiment"].isin(SENTIMENTS)
    bad_themes = unknown.map(bool)
    has = ("has", "have")
    checks = [  # (rows at fault, column, verbs, what is wrong with them, the fix)
        (~named, "comment_id", has, "no comment_id",
         "Give each row the comment_id of comments.csv."),
        (named & ~rows["comment_id"].isin(ws.comments["comment_id"]), "comment_id",
         ("is", "are"), "not in comments.csv",
         "Correct the ids: they must be comment_ids of comments.csv."),
        (rows["coder"] == "", "coder", has, "no coder", "Fill in the coder's name."),
        (bad_sentiment, "sentiment", has, "sentiment " + ", ".join(
            map(repr, dict.fromkeys(rows.loc[bad_sentiment, "sentiment"]))),
         "Use one of " + ", ".join(map(repr, SENTIMENTS)) + "."),
        (rows["themes"] == "", "themes", has, "no themes", "Give at least one theme "
         "code (Z2 is 'no substantive content', Z1 'none of the above')."),
        (bad_themes, "themes", has, "theme codes " + ", ".join(map(repr, dict.fromkeys(
            t for codes in unknown[bad_themes] for t in codes))) + " that are not in the "
         "code frame", "Use codes of parameters/codeframe.yaml."),
        (named & rows.duplicated(["comment_id", "coder"], keep=False), "comment_id",
         ("appears", "appear"), "more than once for the same coder",
         "Keep one row per comment and coder."),
    ]
    problems = [Problem("the codes to save", f"{_ids(rows[bad], verbs)} {what}", fix,
                        column=column)
                for bad, column, verbs, what, fix in checks if bad.any()]
    return rows, problems


def _read_existing(path: Path) -> tuple[pd.DataFrame, str, str]:
    """The file's rows as text (indexed by spreadsheet row), its encoding and line ending."""
    raw = path.read_bytes()
    if raw.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    else:
        try:
            raw.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"  # what Excel writes on a British Windows PC
    newline = "\r\n" if b"\r\n" in raw else "\n"
    frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, encoding=encoding,
                        skip_blank_lines=False)
    frame = restore_cells(frame)
    frame.index = pd.RangeIndex(2, 2 + len(frame))  # header = spreadsheet row 1
    return frame[(frame != "").any(axis=1)], encoding, newline


def save_hand_codes(ws: Workspace, codes: pd.DataFrame | str | Path, *, replace: bool = False,
                    errors: str = "raise") -> SavedCodes:
    """Add an analyst's codes to the workspace's ``hand_coded.csv``, keeping every earlier row.

    The file is read afresh (not from ``ws``), so rows saved since the workspace was loaded
    are kept too. Rows of ``codes`` with neither a sentiment nor themes are skipped (a sheet
    may be coded a few rows at a time). Every other row is checked: its comment id is in
    ``comments.csv``, its coder is filled in, its sentiment is one of :data:`SENTIMENTS`, its
    themes are codes of the code frame (matched ignoring case, written as the code frame spells
    them), and no two rows share a comment and coder. A row whose comment and coder already
    have a row in the file is refused unless ``replace`` is true, in which case that row is
    overwritten in place. The file keeps its column order, extra columns (filled from ``codes``
    where it has them, else blank), encoding and line endings; it is written to a temporary
    file beside it and moved into place in one step, so it is never left half written.

    Parameters
    ----------
    ws : Workspace
        The workspace (its comments and code frame check the codes).
    codes : DataFrame, or path of a CSV/XLSX
        A filled-in sheet: at least ``comment_id``, ``coder``, ``sentiment``, ``themes``.
    replace : bool
        Overwrite existing codes of the same comment and coder instead of refusing them.
    errors : {"raise", "report"}
        On a problem with the rows, raise :class:`HandCodesError`, or return a
        :class:`SavedCodes` that lists the problems (for a notebook cell that should show them
        without failing). A file or sheet without the required columns always raises.

    Returns
    -------
    SavedCodes

    Raises
    ------
    HandCodesError
        Any row is invalid or would duplicate a code (with ``errors="raise"``); nothing written.
    ValueError
        ``ws`` is the demo shipped with pmresearch, or ``errors`` is neither value.

    Examples
    --------
    >>> from pmresearch.workbench import coding_workspace
    >>> ws = coding_workspace()  # a temporary copy of the demo
    >>> codes = pd.DataFrame({"comment_id": ["C00053"], "coder": ["coder_a"],
    ...                       "sentiment": ["negative"], "themes": ["pl1"]})
    >>> print(save_hand_codes(ws, codes))  # doctest: +NORMALIZE_WHITESPACE
    Saved to hand_coded.csv: 1 row appended (800 rows before, 801 now). The rows already
    there are unchanged.
    >>> print(save_hand_codes(ws, codes, errors="report"))  # doctest: +NORMALIZE_WHITESPACE
    Nothing saved to hand_coded.csv: 1 problem:
      - hand_coded.csv, row 802: comment C00053 is already coded by coder_a. Save with
      replace=True to overwrite those codes, or leave the rows out.
    """
    if errors not in ("raise", "report"):
        raise ValueError(f"errors must be 'raise' or 'report'; got {errors!r}.")
    if ws.path.resolve() == DEMO_WORKSPACE.resolve():
        raise ValueError("this is the demo shipped with pmresearch, which is never changed: "
                         "open a temporary copy with coding_workspace() and save there.")
    path = find_table(ws.path, "hand_coded") or ws.path / "hand_coded.csv"
    if path.suffix.lower() != ".csv":
        raise HandCodesError([Problem(path.name, "the workbench saves codes to CSV only",
                                      "Save the workbook as hand_coded.csv (CSV UTF-8), delete "
                                      f"{path.name}, and save the codes again.")], path.name)
    if path.is_file():
        existing, encoding, newline = _read_existing(path)
    else:
        existing = pd.DataFrame(columns=HAND_CODED_COLUMNS, dtype=str)
        encoding, newline = "utf-8", "\n"
    _require_columns(existing.columns, path.name,
                     "Restore the columns {columns} in the header row.", path.name)
    rows, problems = _check_codes(codes_to_save(codes), ws)
    key = existing["comment_id"].str.strip() + "\x1f" + existing["coder"].str.strip()
    row_key = rows["comment_id"] + "\x1f" + rows["coder"]
    clash = key.isin(row_key)
    if clash.any() and not replace:
        for coder, found in existing[clash].groupby("coder", sort=True):
            problems.append(Problem(path.name, f"{_ids(found, ('is', 'are'))} already coded "
                                    f"by {coder}",
                                    "Save with replace=True to overwrite those codes, or leave "
                                    "the rows out.", rows=tuple(found.index)))
    if problems and errors == "raise":
        raise HandCodesError(problems, path.name)
    if problems or rows.empty:
        empty = existing.iloc[:0]
        return SavedCodes(saved=False, rows_before=len(existing), rows_after=len(existing),
                          appended=empty, replaced=empty, problems=tuple(problems), path=path)
    # Columns of the file that the codes carry are written; the others keep their values when
    # a row is replaced, and are blank in appended rows.
    carried = [c for c in existing.columns if c in rows.columns]
    new = rows[carried].set_axis(row_key.to_numpy())
    existing = existing.copy()  # a slice of the file's rows: pandas < 3 warns when it is set
    replaced = existing[clash]
    existing.loc[clash, carried] = new.loc[key[clash], carried].to_numpy()
    appended = new[~new.index.isin(key)].reindex(columns=existing.columns, fill_value="")
    table = pd.concat([existing, appended], ignore_index=True)
    _write_atomically(path, table, encoding, newline)
    return SavedCodes(saved=True, rows_before=len(existing), rows_after=len(table),
                      appended=appended.reset_index(drop=True),
                      replaced=replaced.reset_index(drop=True), path=path)


def _write_atomically(path: Path, table: pd.DataFrame, encoding: str, newline: str) -> None:
    try:
        write_csv(table, path, encoding=encoding, lineterminator=newline, atomic=True)
    except UnicodeEncodeError as error:
        character = error.object[error.start:error.end]
        raise HandCodesError([Problem(path.name, f"the codes hold {character!r}, which this "
                                      "Windows-1252 file cannot store",
                                      "Save hand_coded.csv as CSV UTF-8 and save again.")],
                             path.name) from None


def read_hand_codes(ws: Workspace) -> pd.DataFrame:
    """``hand_coded.csv`` as it is on disk now, indexed by spreadsheet row (header = row 1)."""
    path = find_table(ws.path, "hand_coded")
    if path is None:
        return pd.DataFrame(columns=HAND_CODED_COLUMNS, dtype=str).rename_axis("row")
    frame = restore_cells(read_table(path))
    frame.index = pd.RangeIndex(2, 2 + len(frame), name="row")
    return frame


def hand_codes_by_coder(ws: Workspace) -> pd.DataFrame:
    """Rows of ``hand_coded.csv`` (on disk now) per coder, and in all."""
    counts = read_hand_codes(ws)["coder"].value_counts().sort_index()
    table = counts.rename_axis("coder").reset_index(name="rows")
    return pd.concat([table, pd.DataFrame({"coder": ["all coders"], "rows": [counts.sum()]})],
                     ignore_index=True).astype({"rows": "int64"})

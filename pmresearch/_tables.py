"""Reading one workspace table from its file: CSV or XLSX, every cell as text.

:func:`read_table` reads what Excel writes on a council PC (CSV in UTF-8 or Windows-1252, or
the first sheet of a workbook) and refuses, with a message saying how to fix the file, what
would otherwise be read as nonsense: a UTF-16 CSV, a quote that opens a cell and is never
closed. :func:`misplaced_header` tells a workbook whose header is not on row 1 of its first
sheet where the header is. :mod:`pmresearch.workspace` re-exports :func:`read_table` and
:func:`find_table`.
"""

from __future__ import annotations

import codecs
import collections
import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from pathlib import Path

import pandas as pd

from ._schemas import TableSpec
from .errors import Problem, WorkspaceError

__all__ = ["find_table", "misplaced_header", "read_table"]


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV or XLSX table with every cell as a string (blank cells are ``""``).

    CSV is read as UTF-8 (with or without a byte-order mark), then as Windows-1252 if that
    fails, which is what Excel writes on a British Windows PC. A file saved as UTF-16 (Excel's
    "Unicode Text") is refused with a message rather than read as nonsense, and so is a quote
    that opens a cell and is never closed, which would otherwise swallow the rows after it.
    XLSX is read from its first sheet; dates become ``YYYY-MM-DD``, whole numbers lose Excel's
    ``.0``, so a table reads the same from either format.

    Parameters
    ----------
    path : Path
        A ``.csv`` or ``.xlsx`` file.

    Returns
    -------
    DataFrame
        Columns as in the header row, every value a string.

    Raises
    ------
    WorkspaceError
        The CSV is UTF-16 text, or holds an unclosed quote (the problem names its line).
    UnicodeDecodeError, pandas.errors.ParserError, pandas.errors.EmptyDataError
        The CSV cannot be decoded or parsed.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "wards.csv"
    >>> _ = path.write_bytes("ward_code,ward_name\\nAB18,St Anne’s\\n".encode("cp1252"))
    >>> read_table(path).loc[0, "ward_name"]
    'St Anne’s'
    >>> _ = path.write_bytes("ward_code,ward_name\\n".encode("utf-16"))
    >>> read_table(path)
    Traceback (most recent call last):
    ...
    pmresearch.errors.WorkspaceError: 1 problem in workspace:
      - wards.csv: saved as UTF-16 text. Save it as 'CSV UTF-8 (Comma delimited)' in Excel and try again.
    """
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path)
    text = _csv_text(path)
    unclosed = _unclosed_quote(text, path.name)
    if unclosed is not None:
        raise WorkspaceError([unclosed])
    # Blank lines are kept as rows so row numbers match what Excel shows for the same file.
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                       skip_blank_lines=False)


# Byte-order marks of the wide encodings Excel's "Unicode Text" and some exports write.
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _csv_text(path: Path) -> str:
    """The CSV's text: UTF-8 (with or without a BOM), else Windows-1252; UTF-16 is refused."""
    data = path.read_bytes()
    # A UTF-16 file decodes "successfully" as Windows-1252 into mojibake, so it is recognised
    # first: by its byte-order mark, or without one by the zero bytes that ASCII letters carry
    # in UTF-16 and that no text CSV holds.
    if data.startswith(_WIDE_BOMS) or b"\x00" in data[:4096]:
        wide = "UTF-32" if data.startswith(_WIDE_BOMS[:2]) else "UTF-16"
        raise WorkspaceError([Problem(
            path.name, f"saved as {wide} text",
            "Save it as 'CSV UTF-8 (Comma delimited)' in Excel and try again.")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _unclosed_quote(text: str, file: str) -> Problem | None:
    """The problem of a quote that opens a cell and is never closed, or None if there is none.

    Such a quote makes the cell run on to the end of the file, or to the next quote anywhere
    below, swallowing the rows between; the rows around it then fail checks that say nothing
    of the quote. A cell may legitimately hold line breaks (a resident's comment in
    paragraphs), so a cell spanning lines is blamed only if one of the lines it swallowed
    starts the way the file's rows do: a first cell of the same shape (letters, digits and
    punctuation in the same places, as ``C00123`` and ``C00124`` have) as at least two
    ordinary rows, followed by a comma.
    """
    if '"' not in text:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    firsts = []  # the first cell of each record on one line
    spanning = []  # (first line, record) of records spanning more than one line
    line, last = 0, (0, [])  # the last line read; the last record and its first line
    try:
        for record in reader:
            last = (line + 1, record)
            if reader.line_num > line + 1:
                spanning.append(last)
            elif record:
                firsts.append(record[0])
            line = reader.line_num
    except csv.Error:  # a NUL or an over-long field: left for pandas to report
        return None
    fix = "Close the quote or remove it."
    if _ends_inside_quotes(text, last[0], line):
        opened = last[0] + sum(cell.count("\n") for cell in last[1][:-1])
        return Problem(file, 'a quote (") opened here is never closed, so the rest of the file '
                       "is read as one cell", fix, line=opened)
    shapes = collections.Counter(map(_shape, firsts)) if spanning else None
    for first, record in spanning:
        opened = first  # the line each cell starts on
        for cell in record:
            pieces = cell.split("\n")
            if any(_looks_like_row_start(piece, shapes) for piece in pieces[1:]):
                return Problem(file, f'a quote (") opened here is not closed on its line, so '
                               f"lines {opened} to {opened + len(pieces) - 1} are read as one "
                               "cell", fix, line=opened)
            opened += len(pieces) - 1
    return None


def _ends_inside_quotes(text: str, last_first: int, lines: int) -> bool:
    """True if the file (of ``lines`` lines) ends inside a quoted cell of its last record,
    which starts on line ``last_first``: only a strict reading of that record tells an
    unclosed quote from a closed one."""
    if last_first < 1:
        return False
    start = len(text) - 1 if text.endswith("\n") else len(text)
    for _ in range(lines - last_first + 1):  # back to the line break before the record
        start = text.rfind("\n", 0, start)
    try:
        next(csv.reader(io.StringIO(text[start + 1:], newline=""), strict=True), None)
    except csv.Error as error:
        return "unexpected end of data" in str(error)
    return False


def _shape(cell: str) -> str:
    """``C00123`` → ``a99999``: the form of a cell, for telling an id from free text."""
    return re.sub(r"\d", "9", re.sub(r"[^\W\d_]", "a", cell.strip()))


def _looks_like_row_start(piece: str, shapes: collections.Counter) -> bool:
    cells = next(csv.reader([piece]), [])
    return len(cells) > 1 and cells[0].strip() != "" and shapes[_shape(cells[0])] >= 2


def _read_xlsx(path: Path) -> pd.DataFrame:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    with warnings.catch_warnings():
        # openpyxl warns about styles and data validation it cannot read; the values are fine.
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError) as error:
            raise ValueError(f"not an Excel workbook ({error})") from error
        try:
            sheet = book.worksheets[0]
            rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    if not rows:
        raise pd.errors.EmptyDataError(f"{path.name}: the first sheet is empty")
    header = rows[0]
    while header and header[-1] == "":
        header = header[:-1]
    header = [name or f"Unnamed: {i}" for i, name in enumerate(header)]
    body = [(row + [""] * len(header))[:len(header)] for row in rows[1:]]
    while body and not any(body[-1]):  # Excel's used range often ends in empty rows
        body.pop()
    return pd.DataFrame(body, columns=header, dtype=str)


def _cell_text(value: object) -> str:
    """An Excel cell as the text a CSV export of it would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        # 15 significant digits is what Excel itself displays and stores.
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    return str(value)


_HEADER_SEARCH_ROWS = 20  # rows of each sheet searched for a header that is not on row 1


def misplaced_header(path: Path, spec: TableSpec) -> Problem | None:
    """The problem of a workbook whose header is not on row 1 of its first sheet (a title
    above it, or a cover sheet in front), naming where it is; None if it is nowhere near."""
    import openpyxl

    wanted = {column.name for column in spec.required}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            titles = book.sheetnames
            found = []  # (names matched, sheet position, row) of each candidate header row
            for position, sheet in enumerate(book.worksheets):
                rows = sheet.iter_rows(max_row=_HEADER_SEARCH_ROWS, values_only=True)
                for row_number, row in enumerate(rows, start=1):
                    names = {_cell_text(value).strip() for value in row}
                    found.append((len(wanted & names), -position, -row_number))
        finally:
            book.close()
    matched, position, row = max(found, default=(0, 0, 0))
    position, row = -position, -row
    # Half the required columns is a header with a few misspelt names; fewer is chance.
    if matched == 0 or 2 * matched < len(wanted) or (position, row) == (0, 1):
        return None
    rule = "the header must be on row 1 of the first sheet"
    if position == 0:
        above = "the row" if row == 2 else f"the {row - 1} rows"
        return Problem(path.name, f"{rule} ('{titles[0]}'); it is on row {row}",
                       f"Delete {above} above it.")
    where = f"row {row} of sheet '{titles[position]}'"
    fix = f"Move sheet '{titles[position]}' to the front"
    fix += "." if row == 1 else ", and delete the rows above its header."
    return Problem(path.name, f"{rule}, but the first sheet is '{titles[0]}' and the header is "
                   f"on {where}", fix)


def find_table(workspace: Path, stem: str) -> Path | None:
    """The file holding table ``stem``: ``stem.csv`` or ``stem.xlsx``, or None if neither.

    Raises
    ------
    WorkspaceError
        Both files exist, so which one to read would be a guess.
    """
    candidates = (Path(workspace) / f"{stem}.csv", Path(workspace) / f"{stem}.xlsx")
    found = [path for path in candidates if path.is_file()]
    if len(found) == 2:
        problem = Problem(f"{stem}.csv", f"both {stem}.csv and {stem}.xlsx exist; expected one",
                          "Delete or rename the one that is out of date.")
        raise WorkspaceError([problem], workspace=str(workspace))
    return found[0] if found else None

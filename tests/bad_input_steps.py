"""The edits the bad-input corpus (``tests/bad_inputs.csv``) makes to a copy of a workspace.

A case's ``steps`` cell is a list of edits separated by ``;``, each a name from :data:`STEPS`
and its arguments, split as a shell would (quote an argument that holds a space or a ``;``)::

    drop_column wards ward_name; set_cell comments 3 text '<script>alert(1)</script>'

Arguments name things the same way in every workspace, so one row works on the Ashbrook demo
and on any council ``tests/councils.py`` writes:

- ``TABLE`` is a table's stem (``wards``, ``pi_values`` …): the edit goes to ``wards.csv`` or
  ``wards.xlsx``, whichever the workspace has, and the file keeps its format and encoding.
- ``FILE`` is a table's stem as above, or a path inside the workspace with its suffix
  (``council.yaml``, ``parameters/rules.yaml``).
- ``ROW`` is a spreadsheet row number (the header is row 1, the first data row 2) or ``last``.
- Values may use ``\\n``, ``\\r`` and ``\\t`` for a line break, carriage return and tab; a
  backslash is otherwise literal (no shell escapes).

Placeholders such as ``{ward}`` (the workspace's first ward code) are replaced before a step
runs; ``tests/test_bad_inputs.py`` lists them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import openpyxl
import yaml

__all__ = ["STEPS", "Table", "apply_steps", "parse_steps"]


# ---------------------------------------------------------------- tables as rows of cells


@dataclass
class Table:
    """A table file as rows of cells, header first, written back in the format it came in.

    CSV cells are strings; XLSX cells keep their Excel values (numbers, dates) until an edit
    replaces them with text, so the cells a step does not touch read as before.
    """

    path: Path
    rows: list[list[object]]
    encoding: str | None  # None for XLSX

    @classmethod
    def read(cls, workspace: Path, stem: str) -> Table:
        """The table ``stem`` of ``workspace`` (``stem.csv`` or ``stem.xlsx``)."""
        path = table_path(workspace, stem)
        if path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path)
            rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
            return cls(path, rows, None)
        data = path.read_bytes()
        for encoding in ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8", "cp1252"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        return cls(path, [list(row) for row in csv.reader(io.StringIO(text, newline=""))],
                   encoding)

    def write(self) -> None:
        """Write the rows back to the file, in its format and encoding."""
        if self.encoding is None:
            book = openpyxl.Workbook()
            sheet = book.active
            sheet.title = self.path.stem[:31]
            for row in self.rows:
                sheet.append(row)
            book.save(self.path)
            return
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(self.rows)
        self.path.write_bytes(buffer.getvalue().encode(self.encoding))

    @property
    def header(self) -> list[str]:
        return [text(cell) for cell in self.rows[0]]

    def column(self, name: str) -> int:
        """Index of column ``name``; a KeyError naming the columns there are if it is absent."""
        try:
            return self.header.index(name)
        except ValueError:
            raise KeyError(f"{self.path.name} has no column {name!r} ({self.header})") from None

    def row(self, number: str) -> int:
        """Index into ``rows`` of spreadsheet row ``number`` (or ``last``)."""
        index = len(self.rows) - 1 if number == "last" else int(number) - 1
        if not 1 <= index < len(self.rows):
            raise IndexError(f"{self.path.name} has no data row {number}")
        return index

    def cells(self, name: str) -> list[str]:
        """The data rows' cells of column ``name``, as text."""
        at = self.column(name)
        return [text(row[at]) if at < len(row) else "" for row in self.rows[1:]]


def text(cell: object) -> str:
    """A cell as the text a CSV export of it would hold."""
    if cell is None:
        return ""
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def table_path(workspace: Path, name: str) -> Path:
    """The file a ``TABLE`` or ``FILE`` argument names (see the module docstring)."""
    if "." in Path(name).name:
        return workspace / name
    found = [p for p in (workspace / f"{name}.csv", workspace / f"{name}.xlsx") if p.is_file()]
    if len(found) != 1:
        raise FileNotFoundError(f"{workspace} has no single file for table {name!r}")
    return found[0]


def _edit(workspace: Path, stem: str, change: Callable[[Table], None]) -> None:
    table = Table.read(workspace, stem)
    change(table)
    table.write()


# ---------------------------------------------------------------- the steps


def delete(workspace: Path, file: str) -> None:
    """Delete a table's file or any other file of the workspace."""
    table_path(workspace, file).unlink()


def write(workspace: Path, file: str, content: str) -> None:
    """Replace a file's whole content with ``content`` (UTF-8), creating it if need be."""
    path = workspace / file if "." in file else table_path(workspace, file)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")


def append_line(workspace: Path, file: str, line: str) -> None:
    """Add ``line`` and a line break at the end of a text file (in UTF-8)."""
    path = table_path(workspace, file)
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        data += b"\n"
    path.write_bytes(data + (line + "\n").encode("utf-8"))


def replace(workspace: Path, file: str, old: str, new: str) -> None:
    """Replace every ``old`` with ``new`` in a text file; an error if ``old`` is not there."""
    path = table_path(workspace, file)
    content = path.read_text(encoding="utf-8")
    if old not in content:
        raise ValueError(f"{path.name} does not contain {old!r}")
    path.write_text(content.replace(old, new), encoding="utf-8")


def drop_column(workspace: Path, stem: str, column: str) -> None:
    """Remove a column from a table."""
    def change(table: Table) -> None:
        at = table.column(column)
        table.rows = [row[:at] + row[at + 1:] for row in table.rows]
    _edit(workspace, stem, change)


def add_column(workspace: Path, stem: str, column: str, value: str) -> None:
    """Add a column at the right of a table, ``value`` in every data row."""
    def change(table: Table) -> None:
        width = len(table.rows[0])
        table.rows = [table.rows[0] + [column]] + [
            (row + [None] * width)[:width] + [value] for row in table.rows[1:]]
    _edit(workspace, stem, change)


def rename_column(workspace: Path, stem: str, old: str, new: str) -> None:
    """Rename a column of a table."""
    def change(table: Table) -> None:
        table.rows[0][table.column(old)] = new
    _edit(workspace, stem, change)


def set_cell(workspace: Path, stem: str, row: str, column: str, value: str) -> None:
    """Set one cell: spreadsheet row ``row`` (or ``last``) of ``column``."""
    def change(table: Table) -> None:
        table.rows[table.row(row)][table.column(column)] = value
    _edit(workspace, stem, change)


def set_column(workspace: Path, stem: str, column: str, value: str,
               where_column: str | None = None, where_value: str | None = None) -> None:
    """Set ``column`` to ``value`` in every data row, or only where ``where_column`` holds
    ``where_value``; an error if no row matches."""
    def change(table: Table) -> None:
        at = table.column(column)
        keys = table.cells(where_column) if where_column else [None] * (len(table.rows) - 1)
        hits = [i for i, key in enumerate(keys, start=1) if key == where_value]
        if not hits:
            raise ValueError(f"{table.path.name}: no row has {where_column} = {where_value!r}")
        for i in hits:
            table.rows[i][at] = value
    _edit(workspace, stem, change)


def delete_rows(workspace: Path, stem: str, column: str, value: str) -> None:
    """Delete the data rows whose ``column`` holds ``value``; an error if there are none."""
    def change(table: Table) -> None:
        keep = [table.rows[0]] + [row for row, key in zip(table.rows[1:], table.cells(column))
                                  if key != value]
        if len(keep) == len(table.rows):
            raise ValueError(f"{table.path.name}: no row has {column} = {value!r}")
        table.rows = keep
    _edit(workspace, stem, change)


def keep_rows(workspace: Path, stem: str, count: str) -> None:
    """Keep the header and the first ``count`` data rows of a table."""
    def change(table: Table) -> None:
        table.rows = table.rows[:1 + int(count)]
    _edit(workspace, stem, change)


def duplicate_row(workspace: Path, stem: str, row: str) -> None:
    """Append a copy of spreadsheet row ``row`` at the end of a table."""
    def change(table: Table) -> None:
        table.rows.append(list(table.rows[table.row(row)]))
    _edit(workspace, stem, change)


def encode(workspace: Path, file: str, encoding: str) -> None:
    """Re-encode a CSV table (or text file) in ``encoding`` (``utf-16``, ``latin-1`` …)."""
    path = table_path(workspace, file)
    data = path.read_bytes()
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = data.decode("cp1252")
    path.write_bytes(content.encode(encoding))


def to_xlsx(workspace: Path, stem: str, layout: str = "plain") -> None:
    """Save a CSV table as ``stem.xlsx`` instead, its header on row 1 of the first sheet
    (``plain``), under a title row (``title_row``), or behind a cover sheet (``cover_sheet``)."""
    table = Table.read(workspace, stem)
    if table.encoding is None:
        raise ValueError(f"{table.path.name} is already a workbook")
    book = openpyxl.Workbook()
    if layout == "cover_sheet":
        cover = book.active
        cover.title = "About"
        cover.append(["Exported from the council's system; see the next sheet."])
        sheet = book.create_sheet(stem[:31])
    elif layout in ("plain", "title_row"):
        sheet = book.active
        sheet.title = stem[:31]
        if layout == "title_row":
            sheet.append([f"{stem} as at 30 September"])
    else:
        raise ValueError(f"to_xlsx: unknown layout {layout!r}")
    for row in table.rows:
        sheet.append(row)
    book.save(table.path.with_suffix(".xlsx"))
    table.path.unlink()


def yaml_set(workspace: Path, file: str, key: str, value: str) -> None:
    """Set ``key`` (dotted for nested mappings) of a YAML file to ``value``, read as YAML, so
    ``yaml_set council.yaml financial_year_start_month 13`` writes a number."""
    path = workspace / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    *parents, last = key.split(".")
    node = data
    for part in parents:
        node = node[part]
    node[last] = yaml.safe_load(value)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


STEPS: dict[str, Callable[..., None]] = {
    step.__name__: step for step in (
        delete, write, append_line, replace, drop_column, add_column, rename_column, set_cell,
        set_column, delete_rows, keep_rows, duplicate_row, encode, to_xlsx, yaml_set)}


# ---------------------------------------------------------------- a case's steps


def parse_steps(cell: str) -> list[list[str]]:
    """A ``steps`` cell as a list of ``[name, *arguments]``, placeholders left in.

    >>> parse_steps("delete wards; set_cell comments 3 text 'a; b'")
    [['delete', 'wards'], ['set_cell', 'comments', '3', 'text', 'a; b']]
    """
    lexer = shlex.shlex(cell, posix=True, punctuation_chars=";")
    lexer.whitespace_split = True
    lexer.escape = ""  # a backslash is literal: values write \n for a line break
    steps, current = [], []
    for token in lexer:
        if token == ";":
            steps.append(current)
            current = []
        else:
            current.append(token)
    steps.append(current)
    return [step for step in steps if step]


def apply_steps(workspace: Path, steps: list[list[str]], fill: Callable[[str], str]) -> None:
    """Make each step's edit to ``workspace``; ``fill`` replaces the placeholders of an argument."""
    for name, *arguments in steps:
        values = [fill(a).replace("\\n", "\n").replace("\\r", "\r").replace("\\t", "\t")
                  for a in arguments]
        STEPS[name](workspace, *values)

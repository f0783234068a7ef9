"""Writing every CSV pmresearch produces, safe to open in a spreadsheet.

Comments, quotes and the review queue carry residents' own words, and analysts open these files
in Excel. A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
by a spreadsheet as a formula (``=cmd|' /C calc'!A0`` runs a program), so :func:`write_csv`
prefixes such text with ``'``, as the OWASP guidance on CSV injection advises
(https://owasp.org/www-community/attacks/CSV_Injection). Numbers stay numbers: a numeric
column is written as it is, and so is text that is a plain number such as ``-3.5``.

The rule, and its inverse :func:`restore_text` for files read back (the filled-in review queue,
``hand_coded.csv``), is one-to-one, so a round trip loses nothing:

- written: text whose first character after any leading ``'`` is one of those six, and which
  is not a plain number, gets one more ``'`` in front (``=1+1`` → ``'=1+1``, and a comment that
  really starts ``'=`` → ``''=``);
- read back: text that starts with ``'`` and is such text after its leading ``'`` loses one
  (``'=1+1`` → ``=1+1``, ``''=`` → ``'=``). Any other text, ``'hello`` or ``'-3.5``, is kept.

So the only cells read back differently from what a person typed are ones that start with
``'`` followed by a formula character, which pmresearch itself never writes unescaped.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd

__all__ = ["csv_text", "neutralise_text", "restore_cells", "restore_text", "write_csv"]

#: First characters a spreadsheet reads as the start of a formula (OWASP, CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number as text ("-3.5", "-2", "-1e-05"), which a spreadsheet reads as that number.
_PLAIN_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _formula_like(text: str) -> bool:
    return text.startswith(_FORMULA_STARTS) and _PLAIN_NUMBER.fullmatch(text) is None


def _needs_quote(text: str) -> bool:
    """Formula-like once any quotes already in front are set aside (``'=x`` gets one more)."""
    return _formula_like(text.lstrip("'"))


def _quoted(text: str) -> bool:
    """Text :func:`neutralise_text` put a quote in front of."""
    return text.startswith("'") and _needs_quote(text)


def neutralise_text(text: str) -> str:
    """``text`` as :func:`write_csv` writes it: with a ``'`` in front if a spreadsheet would
    read it as a formula.

    Examples
    --------
    >>> [neutralise_text(t) for t in ["=1+1", "-2+3", "-3.5", "'=x", "'hello", "fine"]]
    ["'=1+1", "'-2+3", '-3.5', "''=x", "'hello", 'fine']
    """
    return "'" + text if _needs_quote(text) else text


def restore_text(text: str) -> str:
    """The text :func:`neutralise_text` was given: undoes it.

    Examples
    --------
    >>> [restore_text(t) for t in ["'=1+1", "''=x", "'hello", "'-3.5", "=typed"]]
    ['=1+1', "'=x", "'hello", "'-3.5", '=typed']
    """
    return text[1:] if _quoted(text) else text


def _is_text(values: pd.Series) -> bool:
    return values.dtype == object or isinstance(values.dtype, (pd.StringDtype,
                                                               pd.CategoricalDtype))


def _map_text(frame: pd.DataFrame, change, changed) -> pd.DataFrame:
    """``frame`` with ``change`` applied to every text cell and column name that ``changed``
    picks; the frame itself (not a copy) when there is none, so its CSV is byte-identical."""
    out = frame
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]
        if not _is_text(values):
            continue
        cells = values.to_numpy(dtype=object, copy=True)
        picked = [i for i, cell in enumerate(cells) if isinstance(cell, str) and changed(cell)]
        if picked:
            cells[picked] = [change(cells[i]) for i in picked]
            if out is frame:
                out = frame.copy()
            out.isetitem(position, pd.Series(cells, index=frame.index, dtype=object))
    names = [change(n) if isinstance(n, str) and changed(n) else n for n in frame.columns]
    if names != list(frame.columns):
        out = out.set_axis(names, axis=1)
    return out


def restore_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A table read back from a CSV pmresearch wrote (or that sheet filled in and saved from a
    spreadsheet), with :func:`restore_text` applied to every text cell and column name."""
    return _map_text(frame, restore_text, _quoted)


def csv_text(frame: pd.DataFrame, *, lineterminator: str = "\n",
             float_format: str | None = None) -> str:
    """``frame`` as CSV text (no index), formula-like text neutralised (module docstring)."""
    safe = _map_text(frame, neutralise_text, _needs_quote)
    return safe.to_csv(index=False, lineterminator=lineterminator, float_format=float_format)


def write_csv(frame: pd.DataFrame, path: str | Path, *, encoding: str = "utf-8",
              lineterminator: str = "\n", float_format: str | None = None,
              atomic: bool = False) -> Path:
    """Write ``frame`` (no index) to ``path`` as CSV, formula-like text neutralised.

    Where nothing needs neutralising the bytes are those of ``frame.to_csv(path, index=False,
    encoding=encoding, lineterminator=lineterminator, float_format=float_format)``.

    Parameters
    ----------
    atomic : bool
        Write a temporary file beside ``path`` and move it into place in one step, so the file
        is never left half written (it keeps the old file's permissions).

    Raises
    ------
    UnicodeEncodeError
        A cell cannot be stored in ``encoding``; raised before anything is written.
    """
    path = Path(path)
    data = csv_text(frame, lineterminator=lineterminator,
                    float_format=float_format).encode(encoding)
    if not atomic:
        path.write_bytes(data)
        return path
    handle, staging = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            shutil.copymode(path, staging)  # mkstemp makes the file private (0600)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return path

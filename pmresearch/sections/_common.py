"""What the sections share: the reading-table formatter, the escaping of workspace text for
Markdown, and the words and symbols that stand in for colour."""

from __future__ import annotations

import hashlib
import html
import re
import pandas as pd
from pandas.io.formats.style import Styler


__all__ = ["DIRECTION_LABELS", "QUARTILE_LABELS", "RAG_LABELS", "SEVERITY_LABELS",
           "styled_table"]

#: Words and symbols for RAG, so status never rests on colour alone (print, colour blindness).
RAG_LABELS = {"green": "● Green", "amber": "▲ Amber", "red": "■ Red", "no data": "○ No data",
              "n/a": "n/a"}
#: Direction-of-travel arrows with their word.
DIRECTION_LABELS = {"better": "↑ better", "same": "→ same", "worse": "↓ worse",
                    "up": "↑ up", "down": "↓ down", "no data": "no data", "n/a": "n/a"}
#: Benchmark quartiles in words (1 = the best quarter of the comparator group).
QUARTILE_LABELS = {1: "top quartile", 2: "second quartile", 3: "third quartile",
                   4: "bottom quartile"}
#: Severity in words and symbols (never colour alone), most severe first.
SEVERITY_LABELS = {"high": "■ High", "medium": "▲ Medium", "low": "● Low", "info": "○ Info"}


# Every ASCII punctuation mark Markdown could read as formatting, a link or an autolink (CommonMark
# lets each be escaped with a backslash), except the five html.escape turns into entities.
_MARKDOWN_PUNCTUATION = re.compile(r"([!#$%()*+,\-./:;=?@\[\\\]^_`{|}~])")


def _md(value: object) -> str:
    r"""Workspace text (a service or ward name, a theme, a quote, a PI's commentary) for
    interpolating into a section's Markdown: shown as written, never read as HTML or Markdown.

    nbconvert passes raw HTML in Markdown through to the pack, so a resident's ``<img
    onerror=…>`` would run in the reader's browser, and ``*``, ``_`` or ``[…](…)`` would
    format the text. Whitespace runs (line breaks too) become one space, so the text stays
    on its line (a quote in its blockquote). Every piece of workspace text placed in a
    section's Markdown goes through here; tables escape theirs in :func:`styled_table`.

    Examples
    --------
    >>> print(_md("Bins <b>never</b> *emptied*\n[see](http://x)"))
    Bins &lt;b&gt;never&lt;\/b&gt; \*emptied\* \[see\]\(http\:\/\/x\)
    """
    return html.escape(_MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(str(value).split())))


def styled_table(frame: pd.DataFrame, labels: dict[str, str],
                 formats: dict[str, str] | None = None, caption: str = "") -> Styler:
    """``frame``'s ``labels`` columns, renamed and formatted for reading, without row numbers.

    Missing values show as an en dash. Cell text, column labels and the caption are
    HTML-escaped: a cell holding ``<b>`` shows it as written. The table's HTML id is derived
    from its content, so the same table renders to the same HTML every time (notebook
    regression checks rely on it).

    Examples
    --------
    >>> table = styled_table(pd.DataFrame({"ward": ["<b>Hill</b>"]}), {"ward": "Ward"},
    ...                      caption="Wards & <i>areas</i>").to_html()
    >>> "&lt;b&gt;Hill&lt;/b&gt;" in table, "Wards &amp; &lt;i&gt;areas&lt;/i&gt;" in table
    (True, True)
    >>> "<b>" in table or "<i>" in table
    False
    """
    shown = frame[list(labels)].rename(columns=labels)
    formats = {labels[column]: spec for column, spec in (formats or {}).items()}
    # Hidden row numbers are left out: the same rows give the same id wherever they came from.
    digest = hashlib.sha256(shown.to_csv(index=False).encode("utf-8")).hexdigest()[:10]
    # pandas' Styler writes cell text and its caption into the HTML as they are.
    styler = (shown.style.format(formats, na_rep="–", escape="html")
              .format_index(escape="html", axis=1).hide(axis="index").set_uuid(digest))
    return styler.set_caption(html.escape(caption)) if caption else styler


def _with_marker(rag: pd.Series, marker: pd.Series) -> pd.Series:
    """RAG in words and symbols, with the data-status marker (provisional, restated) beside it."""
    if rag.isna().all():
        # No RAG at all (a council without key PIs): all-NaN floats, which pandas will not
        # fill a text column with.
        return rag.astype(object)
    shown = rag.map(RAG_LABELS).fillna(rag)
    marker = marker.astype(object).fillna("").astype(str)
    return shown.where(marker == "", shown + " (" + marker + ")")


def _direction(dot: pd.Series) -> pd.Series:
    """Directions of travel as arrows with their word; a value without a label is kept."""
    if dot.isna().all():  # as for RAG: no text to label
        return dot.astype(object)
    return dot.map(DIRECTION_LABELS).fillna(dot)

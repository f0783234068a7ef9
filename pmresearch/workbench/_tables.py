"""Tables shown for reading in the analyst notebooks.

A copy of :func:`pmresearch.sections._table`, kept here while ``sections.py`` is restructured;
once a shared home exists the workbench should use it instead.
"""

from __future__ import annotations

import hashlib

import pandas as pd
from pandas.io.formats.style import Styler

__all__ = ["styled"]


def styled(frame: pd.DataFrame, labels: dict[str, str], formats: dict[str, str] | None = None,
           caption: str = "") -> Styler:
    """``frame``'s ``labels`` columns renamed and formatted, without row numbers; the HTML id
    is a hash of the content, so the same table always renders to the same HTML (nbval compares
    a re-run notebook's outputs with the committed ones)."""
    shown = frame[list(labels)].rename(columns=labels)
    formats = {labels[column]: spec for column, spec in (formats or {}).items()}
    digest = hashlib.sha256(shown.to_csv().encode("utf-8")).hexdigest()[:10]
    styler = shown.style.format(formats, na_rep="–").hide(axis="index").set_uuid(digest)
    return styler.set_caption(caption) if caption else styler

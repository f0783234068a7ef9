"""The linkage explorer: one service and quarter's row of the evidence table, read as a record."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from .. import linkage
from ..workspace import Workspace
from ..sections import styled_table as styled

__all__ = ["evidence_record"]


def _shown(value) -> str:
    """A cell of the evidence table as text: blanks as an en dash, dates as ISO dates, floats
    to four significant figures."""
    if isinstance(value, str):
        return value or "–"
    if value is None or pd.isna(value):
        return "–"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, (float, np.floating)):
        return f"{value:.4g}"
    return str(value)


def evidence_record(ws: Workspace, service_id: str, period: str) -> Styler:
    """Every column of :func:`pmresearch.linkage.evidence_table` for one service and quarter."""
    # Looked up on the module when called, so a test can stand in for the evidence table.
    row = linkage.evidence_table(ws, periods=[period], services=[service_id]).iloc[0]
    table = pd.DataFrame({"column": row.index, "value": [_shown(v) for v in row]})
    return styled(table, {"column": "Column", "value": "Value"},
                  caption=f"evidence_table.csv, {service_id}, {period}")

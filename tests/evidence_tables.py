"""Small hand-made evidence tables for rule tests, shaped as :func:`pmresearch.evidence.gather_evidence`
returns them: every kind of :data:`pmresearch.evidence.EVIDENCE_FIELDS`, each with ``service_id``,
``period``, ``subject`` and exactly its catalogued fields, blank (NaN) unless a row says otherwise.

Rules judge these tables in milliseconds, where gathering the demo council's evidence takes
seconds, so rule behaviour is tested here and the demo is left to the tests of its planted signals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmresearch.evidence import EVIDENCE_FIELDS

__all__ = ["evidence_tables"]


def evidence_tables(period: str, **rows_by_kind: list[dict]) -> dict[str, pd.DataFrame]:
    """One table per evidence kind; ``rows_by_kind`` gives each kind's rows (other kinds empty).

    A row names ``service_id`` and ``subject`` and any fields it needs; ``period`` defaults to
    ``period``; fields it does not name are blank.

    >>> tables = evidence_tables("2025-26 Q2", ward=[{"service_id": "parks", "subject": "North",
    ...                                                "n_unweighted": 80}])
    >>> tables["ward"].loc[0, "period"], tables["ward"]["n_unweighted"].dtype, len(tables["pi"])
    ('2025-26 Q2', dtype('float64'), 0)
    """
    tables = {}
    for kind, fields in EVIDENCE_FIELDS.items():
        columns = ["service_id", "period", "subject", *fields]
        rows = [{**dict.fromkeys(columns, np.nan), "period": period, **row}
                for row in rows_by_kind.get(kind, [])]
        unknown = {name for row in rows for name in row} - set(columns)
        if unknown:
            raise KeyError(f"{kind} evidence has no field {sorted(unknown)[0]!r}")
        table = pd.DataFrame(rows, columns=columns)
        # Yes/no fields as nullable booleans and numbers as floats, as gather_evidence gives them.
        for field, field_kind in fields.items():
            if field_kind == "bool":
                table[field] = table[field].astype("boolean")
            elif field_kind == "number":
                table[field] = table[field].astype(float)
        tables[kind] = table
    return tables

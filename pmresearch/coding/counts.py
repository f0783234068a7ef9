"""How many comments a service received, by source: the base every coded figure rests on."""

from __future__ import annotations

import pandas as pd

__all__ = ["comment_counts"]


def comment_counts(comments: pd.DataFrame, service_id: str, start: pd.Timestamp,
                   end: pd.Timestamp) -> pd.DataFrame:
    """Number of comments about a service by source, dated from ``start`` to ``end`` inclusive.

    Counts are counts of comments received, not a representative share of residents' views.

    Returns
    -------
    DataFrame
        Columns ``source``, ``comments`` and ``pct_of_comments`` (0–100), largest source first,
        with a final ``All sources`` row.

    Examples
    --------
    >>> df = pd.DataFrame({"service_id": ["parks", "parks", "libraries"],
    ...                    "source": ["survey", "complaint", "survey"],
    ...                    "date": pd.to_datetime(["2025-05-01", "2025-06-01", "2025-05-02"])})
    >>> comment_counts(df, "parks", pd.Timestamp("2025-04-01"), pd.Timestamp("2025-06-30"))
            source  comments  pct_of_comments
    0    complaint         1             50.0
    1       survey         1             50.0
    2  All sources         2            100.0
    """
    in_window = (comments["service_id"] == service_id) & comments["date"].between(start, end)
    counts = (comments.loc[in_window, "source"].value_counts()
              .rename_axis("source").reset_index(name="comments")
              .sort_values(["comments", "source"], ascending=[False, True], ignore_index=True))
    total = int(counts["comments"].sum())
    counts = pd.concat([counts, pd.DataFrame({"source": ["All sources"], "comments": [total]})],
                       ignore_index=True)
    counts["pct_of_comments"] = (100 * counts["comments"] / total).round(1) if total else 0.0
    return counts

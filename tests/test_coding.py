"""Comment counts by source for a service and a window."""

import pandas as pd

from pmresearch.coding import comment_counts


def test_counts_only_the_service_and_the_window_inclusive():
    comments = pd.DataFrame({
        "service_id": ["parks"] * 5 + ["libraries"],
        "source": ["survey", "survey", "complaint", "survey", "complaint", "survey"],
        "date": pd.to_datetime(["2024-10-01", "2025-09-30", "2025-01-15", "2024-09-30",
                                "2025-10-01", "2025-01-01"]),
    })
    table = comment_counts(comments, "parks", pd.Timestamp("2024-10-01"), pd.Timestamp("2025-09-30"))
    # in window: survey 2024-10-01 and 2025-09-30 (both ends inclusive), complaint 2025-01-15
    assert table.to_dict("list") == {
        "source": ["survey", "complaint", "All sources"],
        "comments": [2, 1, 3],
        "pct_of_comments": [66.7, 33.3, 100.0],
    }

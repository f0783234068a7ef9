"""The pack's PI table says when a direction of travel is year to date.

Expected values come from the demo's SCENARIO.md ("Every indicator in 2025-26 Q2"), written by
the demo generator's own small rules: a year-to-date PI's short term is that table's long-term
column (against the same quarter last year).
"""

import pytest

from pmresearch import sections
from pmresearch.store import build_store

PERIOD = "2025-26 Q2"
NOTE = ("Year to date: compared with the same quarter last year, not the previous quarter; "
        "trend over each quarter on its own.")


@pytest.fixture(scope="module")
def store(demo_ws):
    return build_store(demo_ws, PERIOD)


def test_year_to_date_directions_say_so_in_the_cell_and_the_caption(store):
    styler = sections.indicator_table(store, "planning")
    table = styler.data.set_index("PI")
    # SCENARIO.md: PL01 and PL02 (year to date) better than 2024-25 Q2; PL03 (in-quarter)
    # better than 2025-26 Q1; PL04 is context, up on the previous quarter.
    assert table["vs previous quarter"].to_dict() == {
        "PL01": "↑ better (year to date)", "PL02": "↑ better (year to date)",
        "PL03": "↑ better", "PL04": "↑ up"}
    assert styler.caption.endswith(" first. " + NOTE)


def test_a_service_without_year_to_date_indicators_has_no_note(store):
    styler = sections.indicator_table(store, "street_cleansing")
    assert "(year to date)" not in " ".join(styler.data["vs previous quarter"])
    assert "Year to date" not in styler.caption

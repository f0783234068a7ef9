"""PI tables: quarter arithmetic and the values shown for a period."""

import math

import pandas as pd
import pytest

from pmresearch._periods import shift_period
from pmresearch.performance import indicator_table, pi_history


@pytest.mark.parametrize("period, quarters, expected", [
    ("2025-26 Q2", -1, "2025-26 Q1"),
    ("2025-26 Q1", -1, "2024-25 Q4"),
    ("2025-26 Q2", -4, "2024-25 Q2"),
    ("2024-25 Q4", 1, "2025-26 Q1"),
    ("1999-00 Q4", 1, "2000-01 Q1"),
])
def test_shift_period_crosses_financial_years(period, quarters, expected):
    assert shift_period(period, quarters) == expected


def test_shift_period_rejects_a_calendar_label():
    with pytest.raises(ValueError, match=r"'Q2 2025' is not a financial quarter like '2025-26 Q2'"):
        shift_period("Q2 2025", 1)


INDICATORS = pd.DataFrame({
    "pi_id": ["Q", "A"], "service_id": ["s", "s"], "name": ["Quarterly", "Annual"],
    "unit": ["%", "sites"], "polarity": ["higher_better", "higher_better"], "is_key": [True, False]})
VALUES = pd.DataFrame({
    "pi_id": ["Q", "Q", "Q", "Q", "A", "Q"],
    "period": ["2024-25 Q2", "2025-26 Q1", "2025-26 Q2", "2025-26 Q3", "2024-25 Q4", "2025-26 Q2"],
    "value": [80.0, 82.0, 85.0, 99.0, 4.0, 10.0],
    "target": [84.0, 84.0, 84.0, 84.0, 5.0, 84.0],
    "data_status": ["final", "final", "provisional", "final", "final", "final"],
    "ward_code": ["", "", "", "", "", "AB01"],
})


def test_indicator_table_uses_borough_rows_of_the_period_and_its_comparators():
    table = indicator_table(INDICATORS, VALUES, "s", "2025-26 Q2").set_index("pi_id")
    quarterly = table.loc["Q"]
    assert (quarterly.value, quarterly.target, quarterly.data_status) == (85.0, 84.0, "provisional")
    assert quarterly.previous_quarter == 82.0 and quarterly.same_quarter_last_year == 80.0


def test_annual_indicator_shows_its_latest_value_and_when_it_was():
    annual = indicator_table(INDICATORS, VALUES, "s", "2025-26 Q2").set_index("pi_id").loc["A"]
    assert (annual.value_period, annual.value) == ("2024-25 Q4", 4.0)
    assert math.isnan(annual.previous_quarter)


def test_pi_history_is_the_last_n_quarters_without_ward_rows():
    history = pi_history(VALUES, ["Q"], "2025-26 Q2", 5)
    assert history["period"].tolist() == ["2024-25 Q2", "2025-26 Q1", "2025-26 Q2"]
    assert history["value"].tolist() == [80.0, 82.0, 85.0]

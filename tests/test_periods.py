"""Financial quarters: pmresearch.periods.Period and the label functions built on it."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmresearch.periods import (Period, parse_period, period_end, period_label, period_slug,
                                shift_period)

quarters = st.builds(Period, st.integers(1900, 2200), st.integers(1, 4))


def test_a_label_parses_to_its_first_year_and_quarter():
    assert Period.parse("2025-26 Q2") == Period(2025, 2)
    assert (Period.parse("1999-00 Q4").year, Period.parse("1999-00 Q4").quarter) == (1999, 4)
    assert Period.parse(Period(2025, 2)) == Period(2025, 2)


@pytest.mark.parametrize("label, message", [
    ("2025-26 Q5", "'2025-26 Q5' is not a financial quarter like '2025-26 Q2' (second year = "
                   "first + 1, quarter Q1–Q4): there is no quarter 5"),
    ("2025-27 Q2", "'2025-27 Q2' is not a financial quarter like '2025-26 Q2' (second year = "
                   "first + 1, quarter Q1–Q4): 27 does not follow 2025"),
    ("2025/26 Q2", "'2025/26 Q2' is not a financial quarter like '2025-26 Q2' (second year = "
                   "first + 1, quarter Q1–Q4)"),
    (None, "None is not a financial quarter like '2025-26 Q2' (second year = first + 1, "
           "quarter Q1–Q4)"),
])
def test_a_bad_label_is_refused_with_the_form_expected(label, message):
    with pytest.raises(ValueError) as error:
        Period.parse(label)
    assert str(error.value) == message


def test_a_quarter_outside_1_to_4_cannot_be_made():
    with pytest.raises(ValueError, match=r"^there is no quarter 0 in a financial year "
                                         r"\(quarters are Q1–Q4\)$"):
        Period(2025, 0)


def test_shift_crosses_financial_years():
    q1 = Period(2025, 1)
    assert q1.shift(-1) == Period(2024, 4)
    assert q1.shift(-4) == Period(2024, 1)
    assert q1.shift(7) == Period(2026, 4)  # Q1 + 7 quarters: Q4 of the year after next


@pytest.mark.parametrize("period, month, last_day", [
    (Period(2025, 1), 4, dt.date(2025, 6, 30)),   # April–June 2025
    (Period(2025, 2), 4, dt.date(2025, 9, 30)),   # July–September
    (Period(2025, 3), 4, dt.date(2025, 12, 31)),  # October–December
    (Period(2025, 4), 4, dt.date(2026, 3, 31)),   # January–March 2026
    (Period(2025, 1), 1, dt.date(2025, 3, 31)),   # a calendar year: January–March 2025
    (Period(2023, 4), 1, dt.date(2023, 12, 31)),
    (Period(2023, 4), 7, dt.date(2024, 6, 30)),   # a July year: April–June 2024
    (Period(2023, 1), 12, dt.date(2024, 2, 29)),  # December–February, leap year
])
def test_end_is_the_last_day_of_the_quarters_third_month(period, month, last_day):
    assert period.end(month) == last_day


def test_end_refuses_a_month_that_is_not_1_to_12():
    with pytest.raises(ValueError, match=r"^financial_year_start_month must be a month number "
                                         r"1–12, not 13$"):
        Period(2025, 1).end(13)


def test_periods_order_in_time_and_print_as_their_label():
    labels = ["2025-26 Q1", "2024-25 Q4", "2025-26 Q3", "2024-25 Q1"]
    assert [str(p) for p in sorted(map(Period.parse, labels))] == [
        "2024-25 Q1", "2024-25 Q4", "2025-26 Q1", "2025-26 Q3"]
    assert Period(2099, 1).slug == "2099-00-Q1"
    assert str(Period(1999, 4)) == "1999-00 Q4"


@given(quarters, st.integers(1, 12))
def test_the_quarter_containing_a_quarters_last_day_is_that_quarter(period, month):
    assert Period.containing(period.end(month), month) == period
    # ... and the day after it is in the next quarter
    assert Period.containing(period.end(month) + dt.timedelta(days=1), month) == period.shift(1)


@given(quarters, st.integers(-40, 40))
def test_shift_and_parse_round_trip(period, n):
    assert Period.parse(str(period)) == period
    assert period.shift(n).shift(-n) == period
    assert (period.shift(n) > period) == (n > 0)


def test_the_label_functions_agree_with_period():
    assert parse_period("2025-26 Q2") == (2025, 2)
    assert shift_period("2025-26 Q1", -1) == "2024-25 Q4"
    assert period_end("2025-26 Q4") == dt.date(2026, 3, 31)
    assert period_slug("2025-26 Q2") == "2025-26-Q2"
    assert period_label(dt.date(2026, 12, 7)) == "2026-27 Q3"

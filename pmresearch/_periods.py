"""Financial quarters and years as councils write them: ``2025-26 Q2``, ``2024-25``.

A financial year is named by the calendar year it starts in and the last two digits of the
next one; Q1 is its first three months. English councils start the year in April, so by
default ``2025-26 Q2`` is July–September 2025. :mod:`pmresearch.workspace` re-exports the
public helpers.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

__all__ = ["parse_financial_year", "parse_period", "period_end", "period_label", "period_slug",
           "shift_period"]

_PERIOD = re.compile(r"(\d{4})-(\d{2}) Q(\d)")
_YEAR = re.compile(r"(\d{4})-(\d{2})")
_PERIOD_FORM = "a financial quarter like '2025-26 Q2' (second year = first + 1, quarter Q1–Q4)"


def _check_year_pair(text: str, first: str, second: str, form: str) -> int:
    year = int(first)
    if int(second) != (year + 1) % 100:
        raise ValueError(f"{text!r} is not {form}: {second} does not follow {first}")
    return year


def parse_period(period: str) -> tuple[int, int]:
    """Split a period label into the financial year's first calendar year and the quarter.

    Parameters
    ----------
    period : str
        A label such as ``'2025-26 Q2'``: the financial year, a space, ``Q`` and 1–4.

    Returns
    -------
    tuple of int
        ``(first_year, quarter)``.

    Raises
    ------
    ValueError
        The label is not of that form, the second year does not follow the first, or the
        quarter is not 1–4.

    Examples
    --------
    >>> parse_period("2025-26 Q2")
    (2025, 2)
    >>> parse_period("1999-00 Q4")
    (1999, 4)
    >>> parse_period("2025-27 Q2")
    Traceback (most recent call last):
    ...
    ValueError: '2025-27 Q2' is not a financial quarter like '2025-26 Q2' (second year = first + 1, quarter Q1–Q4): 27 does not follow 2025
    """
    match = _PERIOD.fullmatch(period) if isinstance(period, str) else None
    if not match:
        raise ValueError(f"{period!r} is not {_PERIOD_FORM}")
    year = _check_year_pair(period, match[1], match[2], _PERIOD_FORM)
    quarter = int(match[3])
    if not 1 <= quarter <= 4:
        raise ValueError(f"{period!r} is not {_PERIOD_FORM}: there is no quarter {quarter}")
    return year, quarter


def parse_financial_year(year: str) -> int:
    """The first calendar year of a financial-year label such as ``'2024-25'``.

    Examples
    --------
    >>> parse_financial_year("2024-25")
    2024
    """
    form = "a financial year like '2024-25' (second year = first + 1)"
    match = _YEAR.fullmatch(year) if isinstance(year, str) else None
    if not match:
        raise ValueError(f"{year!r} is not {form}")
    return _check_year_pair(year, match[1], match[2], form)


def period_end(period: str, financial_year_start_month: int = 4) -> dt.date:
    """The last day of a financial quarter.

    Parameters
    ----------
    period : str
        A label such as ``'2025-26 Q2'`` (see :func:`parse_period`).
    financial_year_start_month : int, default 4
        Month the financial year starts in (April for English councils; 1 for a calendar year,
        when ``'2025-26'`` is the year starting in January 2025).

    Returns
    -------
    datetime.date

    Examples
    --------
    >>> period_end("2025-26 Q2")            # July–September 2025
    datetime.date(2025, 9, 30)
    >>> period_end("2025-26 Q4")            # January–March 2026
    datetime.date(2026, 3, 31)
    >>> period_end("2025-26 Q1", 1)         # January–March 2025
    datetime.date(2025, 3, 31)
    """
    if isinstance(financial_year_start_month, bool) or financial_year_start_month not in range(1, 13):
        raise ValueError(f"financial_year_start_month must be a month number 1–12, "
                         f"not {financial_year_start_month!r}")
    year, quarter = parse_period(period)
    # Months counted from January of the first year; the quarter's last month is 3q − 1 months
    # after the year's first month.
    last_month = (financial_year_start_month - 1) + 3 * quarter - 1
    end_year, end_month = year + last_month // 12, last_month % 12 + 1
    return dt.date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])


def period_label(day: dt.date, financial_year_start_month: int = 4) -> str:
    """The financial quarter holding ``day``: the inverse of :func:`period_end`.

    Examples
    --------
    >>> period_label(dt.date(2026, 12, 7)), period_label(dt.date(2026, 3, 31))
    ('2026-27 Q3', '2025-26 Q4')
    >>> period_label(dt.date(2025, 2, 1), 1)
    '2025-26 Q1'
    """
    months = (day.year * 12 + day.month - 1) - (financial_year_start_month - 1)
    year, month_in_year = divmod(months, 12)
    return f"{year}-{(year + 1) % 100:02d} Q{month_in_year // 3 + 1}"


def period_slug(period: str) -> str:
    """The period label as a folder name: the space becomes ``-``.

    Examples
    --------
    >>> period_slug("2025-26 Q2")
    '2025-26-Q2'
    """
    parse_period(period)
    return period.replace(" ", "-")


def shift_period(period: str, quarters: int) -> str:
    """The financial-quarter label ``quarters`` away from ``period`` (negative = earlier).

    Examples
    --------
    >>> shift_period("2025-26 Q2", -1), shift_period("2025-26 Q1", -1), shift_period("2025-26 Q2", -4)
    ('2025-26 Q1', '2024-25 Q4', '2024-25 Q2')
    """
    year, quarter = parse_period(period)
    year, quarter = divmod(year * 4 + quarter - 1 + quarters, 4)
    return f"{year}-{(year + 1) % 100:02d} Q{quarter + 1}"

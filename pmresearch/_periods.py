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

from .errors import PeriodError

__all__ = ["check_period", "data_description", "data_periods",
           "parse_financial_year", "parse_period", "period_end", "period_label", "period_slug",
           "shift_period", "value_periods"]

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


def _index(period: str) -> int:
    """Quarters since year 0, so periods compare and subtract as numbers."""
    year, quarter = parse_period(period)
    return 4 * year + quarter - 1


#: How far council.yaml's current_period may lie beyond the quarters in pi_values.csv and still
#: be reported: a year, because an annual value stands for the three quarters after its own and
#: a quarter's values may still be coming in when its pack is first made.
_CURRENT_REACH = 3


def data_periods(ws) -> tuple[str, str]:
    """The first and last quarter a workspace can report on.

    They are the first and last ``period`` of ``pi_values.csv``, widened to take in
    council.yaml's ``current_period`` when it lies within a year of them (see
    :func:`check_period`).

    Parameters
    ----------
    ws : Workspace
        A loaded workspace (:func:`pmresearch.workspace.load_workspace`).

    Returns
    -------
    tuple of str
        ``(first, last)``.

    Examples
    --------
    >>> from pmresearch.workspace import load_workspace
    >>> data_periods(load_workspace())
    ('2022-23 Q1', '2025-26 Q2')
    """
    first, last = value_periods(ws)
    current = ws.council["current_period"]
    if _index(first) - _CURRENT_REACH <= _index(current) <= _index(last) + _CURRENT_REACH:
        first, last = min(first, current, key=_index), max(last, current, key=_index)
    return first, last


def value_periods(ws) -> tuple[str, str]:
    """The first and last ``period`` of a loaded workspace's ``pi_values.csv``."""
    periods = sorted(set(ws.pi_values["period"]), key=_index)
    return periods[0], periods[-1]


def _values_file(ws) -> str:
    """``pi_values.csv`` or ``pi_values.xlsx``, as the workspace has it."""
    return next((name for name in ws.files if name in ("pi_values.csv", "pi_values.xlsx")),
                "pi_values.csv")


def data_description(ws) -> str:
    """The quarters a workspace holds, for messages: ``pi_values.csv covers 2022-23 Q1 to
    2025-26 Q2``, and how council.yaml's current_period widens them when it does."""
    value_first, value_last = value_periods(ws)
    first, last = data_periods(ws)
    text = f"{_values_file(ws)} covers {value_first} to {value_last}"
    if (first, last) != (value_first, value_last):
        text += (f" and council.yaml's current period is {ws.council['current_period']}, so "
                 f"the workspace reports {first} to {last}")
    return text


def check_period(ws, period: str | None = None, *, name: str = "--period") -> str:
    """The quarter to report: ``period``, or council.yaml's ``current_period`` when None,
    checked to be a financial quarter the workspace holds data for.

    A workspace reports the quarters from the first to the last ``period`` in
    ``pi_values.csv``, and its ``current_period`` when that is within a year of them (the
    current quarter's values may still be coming in, and an annual value stands for the three
    quarters after it). Anything else would give packs and findings of nothing but blanks.

    Parameters
    ----------
    ws : Workspace
        A loaded workspace.
    period : str, optional
        A label such as ``'2025-26 Q2'``; the workspace's ``current_period`` when None or empty.
    name : str, default "--period"
        What ``period`` is called in messages (the command-line option, by default).

    Returns
    -------
    str
        The period.

    Raises
    ------
    PeriodError
        The label is not a financial quarter, or it lies outside the quarters the workspace
        holds; the message gives the quarters it does hold.

    Examples
    --------
    >>> from pmresearch.workspace import load_workspace
    >>> ws = load_workspace()
    >>> check_period(ws), check_period(ws, "2024-25 Q3")
    ('2025-26 Q2', '2024-25 Q3')
    >>> check_period(ws, "2030-31 Q1")
    Traceback (most recent call last):
    ...
    pmresearch.errors.PeriodError: --period: '2030-31 Q1' is outside the data: pi_values.csv covers 2022-23 Q1 to 2025-26 Q2. Use a quarter in that range, or add the data to pi_values.csv.
    """
    given = bool(period)
    where = name if given else "council.yaml, current_period"
    period = period if given else ws.council["current_period"]
    first, last = data_periods(ws)
    try:
        index = _index(period)
    except ValueError as error:
        raise PeriodError(f"{where}: {error}. Use a quarter from {first} to {last}.",
                          period=period) from None
    if not _index(first) <= index <= _index(last):
        file = _values_file(ws)
        fix = (f"Use a quarter in that range, or add the data to {file}." if given else
               f"Correct current_period in council.yaml, give {name} a quarter in that range, "
               f"or add the data to {file}.")
        raise PeriodError(f"{where}: {period!r} is outside the data: {data_description(ws)}. "
                          f"{fix}", period=period)
    return period

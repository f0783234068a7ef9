"""Financial quarters and years as councils write them: ``2025-26 Q2``, ``2024-25``.

A financial year is named by the calendar year it starts in and the last two digits of the
next one; Q1 is its first three months. English councils start the year in April, so by
default ``2025-26 Q2`` is July–September 2025.

:class:`Period` is a quarter as a value: parsed once, it orders, shifts and knows its last
day. The functions taking a label (:func:`parse_period`, :func:`shift_period`,
:func:`period_end`, :func:`period_slug` …) are the same operations on text, for tables whose
``period`` column holds labels; :mod:`pmresearch.workspace` re-exports them.

Examples
--------
>>> q = Period.parse("2025-26 Q2")
>>> q.end(), str(q.shift(-2)), q.slug
(datetime.date(2025, 9, 30), '2024-25 Q4', '2025-26-Q2')
>>> sorted(["2025-26 Q1", "2024-25 Q4", "2025-26 Q3"], key=Period.parse)[0]
'2024-25 Q4'
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from .errors import PeriodError

__all__ = ["Period", "check_period", "data_description", "data_periods",
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


def _check_month(financial_year_start_month: object) -> int:
    if (isinstance(financial_year_start_month, bool)
            or financial_year_start_month not in range(1, 13)):
        raise ValueError(f"financial_year_start_month must be a month number 1–12, "
                         f"not {financial_year_start_month!r}")
    return financial_year_start_month


@dataclass(frozen=True, order=True)
class Period:
    """A financial quarter, such as ``2025-26 Q2``: the year's first calendar year and 1–4.

    Periods order in time (``<``, ``max``, ``sorted``), print as their label and are made
    from one with :meth:`parse`. Which months a quarter covers depends on the month the
    council's financial year starts in, so only :meth:`end` asks for it.

    Parameters
    ----------
    year : int
        The calendar year the financial year starts in (2025 for ``2025-26``).
    quarter : int
        1–4; Q1 is the financial year's first three months.

    Raises
    ------
    ValueError
        ``quarter`` is not 1–4 or ``year`` is not a whole number from 1 to 9998.

    Examples
    --------
    >>> Period(2025, 2)
    Period('2025-26 Q2')
    >>> Period(2025, 2) < Period.parse("2025-26 Q3") < Period(2026, 1)
    True
    >>> Period(2025, 5)
    Traceback (most recent call last):
    ...
    ValueError: there is no quarter 5 in a financial year (quarters are Q1–Q4)
    """

    year: int
    quarter: int

    def __post_init__(self):
        whole = isinstance(self.year, int) and not isinstance(self.year, bool)
        if not whole or not 1 <= self.year <= 9998:  # dt.date stops at 9999
            raise ValueError(f"a financial year starts in a calendar year from 1 to 9998, "
                             f"not {self.year!r}")
        if isinstance(self.quarter, bool) or self.quarter not in (1, 2, 3, 4):
            raise ValueError(f"there is no quarter {self.quarter!r} in a financial year "
                             "(quarters are Q1–Q4)")

    @classmethod
    def parse(cls, label: str | Period) -> Period:
        """The quarter a label such as ``'2025-26 Q2'`` names (a Period is returned as is).

        Raises
        ------
        ValueError
            The label is not of that form, its second year does not follow the first, or
            the quarter is not 1–4; the message quotes the label and the form expected.

        Examples
        --------
        >>> Period.parse("2025-26 Q2")
        Period('2025-26 Q2')
        >>> Period.parse("2025/26 Q2")
        Traceback (most recent call last):
        ...
        ValueError: '2025/26 Q2' is not a financial quarter like '2025-26 Q2' (second year = first + 1, quarter Q1–Q4)
        """
        if isinstance(label, Period):
            return label
        match = _PERIOD.fullmatch(label) if isinstance(label, str) else None
        if not match:
            raise ValueError(f"{label!r} is not {_PERIOD_FORM}")
        year = _check_year_pair(label, match[1], match[2], _PERIOD_FORM)
        quarter = int(match[3])
        if not 1 <= quarter <= 4:
            raise ValueError(f"{label!r} is not {_PERIOD_FORM}: there is no quarter {quarter}")
        return cls(year, quarter)

    @classmethod
    def containing(cls, day: dt.date, financial_year_start_month: int = 4) -> Period:
        """The quarter holding ``day``: the inverse of :meth:`end`.

        Examples
        --------
        >>> Period.containing(dt.date(2026, 3, 31)), Period.containing(dt.date(2025, 2, 1), 1)
        (Period('2025-26 Q4'), Period('2025-26 Q1'))
        """
        month = _check_month(financial_year_start_month)
        months = (day.year * 12 + day.month - 1) - (month - 1)
        year, month_in_year = divmod(months, 12)
        return cls(year, month_in_year // 3 + 1)

    def shift(self, quarters: int) -> Period:
        """The quarter ``quarters`` away (negative = earlier).

        Examples
        --------
        >>> q = Period.parse("2025-26 Q1")
        >>> str(q.shift(-1)), str(q.shift(4)), q.shift(0) == q
        ('2024-25 Q4', '2026-27 Q1', True)
        """
        year, quarter = divmod(self._index + quarters, 4)
        return Period(year, quarter + 1)

    def end(self, financial_year_start_month: int = 4) -> dt.date:
        """The quarter's last day, for a financial year starting in the given month.

        Parameters
        ----------
        financial_year_start_month : int, default 4
            Month the financial year starts in (April for English councils; 1 for a
            calendar year, when ``2025-26`` is the year starting in January 2025).

        Examples
        --------
        >>> Period(2025, 2).end(), Period(2025, 4).end(), Period(2025, 1).end(1)
        (datetime.date(2025, 9, 30), datetime.date(2026, 3, 31), datetime.date(2025, 3, 31))
        """
        month = _check_month(financial_year_start_month)
        # Months counted from January of the first year; the quarter's last month is 3q − 1
        # months after the year's first month.
        last_month = (month - 1) + 3 * self.quarter - 1
        end_year, end_month = self.year + last_month // 12, last_month % 12 + 1
        return dt.date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])

    @property
    def slug(self) -> str:
        """The label as a folder or file name: ``2025-26-Q2``.

        Examples
        --------
        >>> Period(2025, 2).slug
        '2025-26-Q2'
        """
        return str(self).replace(" ", "-")

    @property
    def _index(self) -> int:
        """Quarters since year 0, so periods subtract as numbers."""
        return 4 * self.year + self.quarter - 1

    def __str__(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d} Q{self.quarter}"

    def __repr__(self) -> str:
        return f"Period({str(self)!r})"


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
    parsed = Period.parse(period)
    return parsed.year, parsed.quarter


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
    _check_month(financial_year_start_month)
    return Period.parse(period).end(financial_year_start_month)


def period_label(day: dt.date, financial_year_start_month: int = 4) -> str:
    """The financial quarter holding ``day``: the inverse of :func:`period_end`.

    Examples
    --------
    >>> period_label(dt.date(2026, 12, 7)), period_label(dt.date(2026, 3, 31))
    ('2026-27 Q3', '2025-26 Q4')
    >>> period_label(dt.date(2025, 2, 1), 1)
    '2025-26 Q1'
    """
    return str(Period.containing(day, financial_year_start_month))


def period_slug(period: str) -> str:
    """The period label as a folder name: the space becomes ``-``.

    Examples
    --------
    >>> period_slug("2025-26 Q2")
    '2025-26-Q2'
    """
    return Period.parse(period).slug


def shift_period(period: str, quarters: int) -> str:
    """The financial-quarter label ``quarters`` away from ``period`` (negative = earlier).

    Examples
    --------
    >>> shift_period("2025-26 Q2", -1), shift_period("2025-26 Q1", -1), shift_period("2025-26 Q2", -4)
    ('2025-26 Q1', '2024-25 Q4', '2024-25 Q2')
    """
    return str(Period.parse(period).shift(quarters))


def _index(period: str) -> int:
    """Quarters since year 0, so periods compare and subtract as numbers."""
    return Period.parse(period)._index


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

"""Year-to-date PIs: whether a PI is a count or a rate, and each quarter on its own.

:mod:`pmresearch.performance` reads these; its module docstring states the rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["QUARTER_NOTES", "is_rate", "year_to_date"]

# A unit or name with one of these words measures a rate (a ratio, a share, an average); a
# bare duration is taken as an average wait or time taken. Anything else is a count. Treating
# a count as a rate only loses a quarter value; treating a rate as a count would print a wrong
# one, so the doubtful cases (durations) lean to rate.
_RATE_UNIT = (r"%|\bper\b|/|\brate\b|\bratio\b|\baverage\b|\bmean\b|\bmedian\b|percent"
              r"|\bproportion\b|\bshare\b|\bscore\b|\bindex\b"
              r"|^(?:working )?(?:seconds?|minutes?|hours?|days?|weeks?|months?)$")
_RATE_NAME = (r"\baverage\b|\bmean\b|\bmedian\b|\brate\b|\bratio\b|\bper\b|percent"
              r"|\bproportion\b")

#: Why a row's ``quarter_value`` is blank ("" when it has one).
QUARTER_NOTES = ("", "no value", "previous quarter missing", "running total fell",
                 "nothing counted in the quarter",
                 "not derivable (a rate without numerator and denominator)", "annual indicator")


def is_rate(pi_id: pd.Series, unit: pd.Series, name: pd.Series,
            value_type: pd.Series) -> pd.Series:
    """Whether each PI is a rate (True) or a count (False).

    ``value_type`` (``count``, ``rate`` or blank, any case) decides where given; a blank one
    is judged from the unit and the name (see :mod:`pmresearch.performance`).

    Raises
    ------
    ValueError
        A ``value_type`` other than ``count``, ``rate`` or blank, naming the PIs.

    Examples
    --------
    >>> text = lambda *v: pd.Series(v)
    >>> is_rate(text("A", "B", "C", "D"), text("%", "£", "seconds", "days"),
    ...         text("Collected", "Net spend", "Call wait", "Days lost"),
    ...         text("", "", "", "count")).tolist()
    [True, False, True, False]
    """
    unit, name = unit.str.strip().str.lower(), name.str.lower()
    guessed = unit.str.contains(_RATE_UNIT) | name.str.contains(_RATE_NAME)
    given = value_type.str.strip().str.lower()
    wrong = ~given.isin(["", "count", "rate"])
    if wrong.any():
        raise ValueError(
            f"indicators: column 'value_type', PI {', '.join(pi_id[wrong][:5])}: "
            f"{value_type[wrong].iloc[0].strip()!r} is not 'count' or 'rate'. Write count (a "
            "total that adds up over the year: a number of things, £), rate (%, per …, an "
            "average) or leave it blank to judge from the unit.")
    return (given == "rate") | ((given == "") & guessed)


def year_to_date(rows: pd.DataFrame, prev_num: np.ndarray, prev_den: np.ndarray,
                 prev_value: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year-to-date value, the quarter on its own and why that quarter value is blank.

    ``rows`` are :mod:`pmresearch.performance`'s joined borough rows (``pcode``, ``qidx``,
    ``value``, ``numerator``, ``denominator``, ``cumulative``, ``annual``, ``rate``);
    ``prev_*`` the recorded numerator, denominator and value one quarter before each row.
    """
    num, den, value = (rows[c].to_numpy() for c in ("numerator", "denominator", "value"))
    ratio = (num > 0) & (den > 0) & (value > 0)
    implied = pd.Series(value * den / np.where(ratio, num, np.nan)).groupby(rows["pcode"]).median()
    scale = (10.0 ** np.round(np.log10(implied))).reindex(rows["pcode"]).to_numpy()
    fy, quarter = rows["qidx"] // 4, rows["qidx"].to_numpy() % 4 + 1
    has = (den > 0) & ~np.isnan(num)
    keys = [rows["pcode"], fy]
    so_far = pd.Series(has).groupby(keys).cumsum().to_numpy()
    pooled = (pd.Series(np.where(has, num, 0.0)).groupby(keys).cumsum()
              / pd.Series(np.where(has, den, 0.0)).groupby(keys).cumsum()).to_numpy()
    cumulative, annual = rows["cumulative"].to_numpy(), rows["annual"].to_numpy()
    complete = (so_far == quarter) & ~annual  # every quarter of the year so far has its ratio
    ytd = np.where(cumulative, value, np.where(complete, pooled * scale, np.nan))

    # The quarter on its own of a running total. Q2–Q4 only reach back: the quarter before is
    # then in the same financial year, and Q1's running total is the quarter itself.
    grown = den - prev_den
    with np.errstate(divide="ignore", invalid="ignore"):
        from_ratio = (num - prev_num) / grown * scale
    added = value - prev_value
    prev_has = (prev_den > 0) & ~np.isnan(prev_num)
    cases = [  # first match wins
        (np.isnan(value), np.nan, QUARTER_NOTES[1]),
        (quarter == 1, value, ""),
        (has & ~prev_has, np.nan, QUARTER_NOTES[2]),
        (has & (grown < 0), np.nan, QUARTER_NOTES[3]),
        (has & (grown == 0), np.nan, QUARTER_NOTES[4]),
        (has, from_ratio, ""),
        (rows["rate"].to_numpy(), np.nan, QUARTER_NOTES[5]),
        (np.isnan(prev_value), np.nan, QUARTER_NOTES[2]),
        (added < 0, np.nan, QUARTER_NOTES[3]),
    ]
    conditions = [condition for condition, _, _ in cases]
    running = np.select(conditions, [found for _, found, _ in cases], added)
    running_note = np.select(conditions, [note for _, _, note in cases], "")
    in_quarter = np.where(annual, np.nan, np.where(cumulative, running, value))
    note = np.where(annual, QUARTER_NOTES[6],
                    np.where(cumulative, running_note,
                             np.where(np.isnan(value), QUARTER_NOTES[1], "")))
    return ytd, in_quarter, note.astype(object)

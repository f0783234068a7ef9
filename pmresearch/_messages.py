"""Pieces of error messages that every module words the same way.

Bottom layer: imports nothing from pmresearch, so any module can use it.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["quoted"]

_LONGEST = 40  # a longer value (a whole comment, a survey question) is cut to keep a message readable


def quoted(values: Iterable[object], *, limit: int | None = None, sort: bool = False) -> str:
    """``'a', 'b' and 3 more``: distinct values for a message, quoted as Python quotes them.

    Parameters
    ----------
    values : iterable
        The values, shown once each in first-seen order.
    limit : int, optional
        Show at most this many and say how many more there are; all when omitted.
    sort : bool, default False
        Sort them (as text) first: for a list of allowed names, where order says nothing.

    Examples
    --------
    >>> quoted(["x", "y", "x", "z"], limit=2)
    "'x', 'y' and 1 more"
    >>> quoted({"total", "age"}, sort=True)
    "'age', 'total'"
    >>> quoted(["a comment that goes on well past forty characters"])
    "'a comment that goes on well past fort...'"
    """
    distinct = list(dict.fromkeys(values))
    if sort:
        distinct.sort(key=str)
    shown = distinct if limit is None else distinct[:limit]
    text = ", ".join(repr(_shortened(value)) for value in shown)
    more = len(distinct) - len(shown)
    return text + (f" and {more} more" if more else "")


def _shortened(value: object) -> object:
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # a numpy scalar: np.int64(3) would read as 'np.int64(3)'
    if isinstance(value, str) and len(value) > _LONGEST:
        return value[: _LONGEST - 3] + "..."
    return value

"""Small bases: the words that mark a survey estimate on a low or suppressed base, and the
flags behind them, read the same in every table, chart and CSV.

A bottom-layer module (pandas only), so the pack's presentation code can use it without the
statistics stack; :mod:`pmresearch.linkage` re-exports every name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["LOW_BASE", "NO_VALID_ANSWERS", "SUPPRESSED", "base_flags", "base_note",
           "estimate_base_notes"]

#: The word that marks an estimate on a low base, wherever one is shown (tables, charts' data,
#: CSVs): a base of at least ``settings.suppression.min_base`` but below ``low_base``.
LOW_BASE = "low base"
#: The word that stands in for an estimate whose base is below ``settings.suppression.min_base``.
SUPPRESSED = "suppressed"
#: The words that stand in for an estimate when a wave asked an item but every answer to it was
#: "don't know", so there is nothing to estimate from.
NO_VALID_ANSWERS = "no valid answers"


def base_flags(n_unweighted, suppression: dict) -> pd.DataFrame:
    """Whether each base is suppressed or low, by ``settings.suppression`` (``min_base``,
    ``low_base``), as :func:`pmresearch.estimates.proportion` judges an estimate's base.

    For a table that keeps only the base; an estimator's own ``low_base`` and ``suppressed``
    columns (a comparison judges both of its bases) take precedence where there are some.

    Returns
    -------
    DataFrame
        ``low_base`` and ``suppressed`` (bool), indexed like ``n_unweighted``; a missing base
        (no estimate) is neither.

    Examples
    --------
    >>> base_flags(pd.Series([49, 50, 99, 100, None]), {"min_base": 50, "low_base": 100})
       low_base  suppressed
    0     False        True
    1      True       False
    2      True       False
    3     False       False
    4     False       False
    """
    n = pd.Series(n_unweighted, dtype="Float64")
    known = n.notna()
    suppressed = known & ((n < suppression["min_base"]) | (n == 0))
    low = known & ~suppressed & (n < suppression["low_base"])
    return pd.DataFrame({"low_base": low.fillna(False).astype(bool),
                         "suppressed": suppressed.fillna(False).astype(bool)})


def estimate_base_notes(table: pd.DataFrame, suppression: dict) -> pd.Series:
    """:func:`base_note` of each estimate in ``table``, indexed like it.

    The estimators' own ``low_base`` and ``suppressed`` columns are used where ``table`` has
    both (a comparison judges both of its bases); otherwise the flags are judged from
    ``n_unweighted`` (:func:`base_flags`). A base of 0 is :data:`NO_VALID_ANSWERS`.

    Examples
    --------
    >>> estimate_base_notes(pd.DataFrame({"n_unweighted": [60, 120, 0]}),
    ...                     {"min_base": 50, "low_base": 100}).tolist()
    ['low base: fewer than 100 answers, treat with caution', '', 'no valid answers']
    """
    if {"low_base", "suppressed"} <= set(table.columns):
        flags = table[["low_base", "suppressed"]]
    else:
        flags = base_flags(table["n_unweighted"], suppression).set_axis(table.index)
    notes = base_note(flags["low_base"], flags["suppressed"], suppression)
    if "n_unweighted" in table.columns:
        notes[pd.Series(table["n_unweighted"], dtype="Float64").eq(0).fillna(False)
              .to_numpy(bool)] = NO_VALID_ANSWERS
    return notes


def base_note(low_base, suppressed, suppression: dict) -> pd.Series:
    """The words beside each estimate about its base: :data:`LOW_BASE` or :data:`SUPPRESSED`
    with the threshold from ``settings.suppression``, or ``""`` for a base that needs none.

    Every table that shows a survey estimate (the packs' tables, the data behind the charts,
    the CSVs) takes its note from here, so the marker reads the same everywhere.

    Examples
    --------
    >>> flags = base_flags(pd.Series([49, 50, 100]), {"min_base": 50, "low_base": 100})
    >>> for note in base_note(flags["low_base"], flags["suppressed"],
    ...                       {"min_base": 50, "low_base": 100}):
    ...     print(repr(note))
    'suppressed: fewer than 50 answers'
    'low base: fewer than 100 answers, treat with caution'
    ''
    """
    index = low_base.index if isinstance(low_base, pd.Series) else None
    low_base = pd.Series(np.asarray(low_base, dtype=object), index=index).eq(True)
    suppressed = pd.Series(np.asarray(suppressed, dtype=object), index=low_base.index).eq(True)
    note = pd.Series("", index=low_base.index, dtype=object)
    note[low_base] = (f"{LOW_BASE}: fewer than {suppression['low_base']} answers, treat "
                      "with caution")
    note[suppressed] = f"{SUPPRESSED}: fewer than {suppression['min_base']} answers"
    return note

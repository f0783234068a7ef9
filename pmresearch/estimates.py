"""Survey estimates: % satisfied, don't-know share and bases by item and wave.

This first version is unweighted; weighting and design-based standard errors come with the
weighting module. The output columns are the stable contract the notebooks and packs rely on.

Coding follows the LGA convention: 1 very satisfied (strongly agree) … 5 very dissatisfied
(4 on four-point items), 9 don't know, blank not asked. "% satisfied" is codes 1–2 over valid
answers, so don't-know answers are excluded from the base but reported as a share of all answers.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["DONT_KNOW", "SATISFIED_CODES", "satisfaction_by_wave"]

DONT_KNOW = 9
SATISFIED_CODES = (1, 2)


def satisfaction_by_wave(
    responses: pd.DataFrame,
    items: list[str],
    *,
    min_base: int = 50,
    low_base: int = 100,
    questions: dict[str, str] | None = None,
    scale_points: dict[str, int] | None = None,
) -> pd.DataFrame:
    """Unweighted % satisfied per survey item and wave, with bases and suppression.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent with a ``wave`` column and integer item codes.
    items : list of str
        Item columns to summarise, in the order to report them.
    min_base : int, default 50
        Estimates whose valid base is below this are suppressed (``pct_satisfied`` is NaN).
    low_base : int, default 100
        Estimates whose valid base is below this are flagged ``low_base``.
    questions : dict, optional
        Item → question wording, shown in the ``question`` column.
    scale_points : dict, optional
        Item → 4 or 5, the number of scale points (default 5). The bottom two codes of the
        scale count as dissatisfied.

    Returns
    -------
    DataFrame
        One row per item × wave asked, columns ``item``, ``question``, ``wave``,
        ``n_answered`` (valid + don't know), ``n_valid`` (unweighted base), ``pct_satisfied``,
        ``pct_dissatisfied`` (the bottom two codes), ``net_satisfied``, ``pct_dont_know``
        (of all answers), ``low_base`` and ``suppressed``. Percentages are 0–100.

    Examples
    --------
    >>> df = pd.DataFrame({"wave": ["2025"] * 4, "sat": pd.array([1, 2, 5, 9], dtype="Int64")})
    >>> row = satisfaction_by_wave(df, ["sat"], min_base=1).iloc[0]
    >>> print(f"{row.pct_satisfied:.1f}% satisfied, {row.pct_dont_know:.0f}% DK, base {row.n_valid}")
    66.7% satisfied, 25% DK, base 3
    """
    rows = []
    questions = questions or {}
    scale_points = scale_points or {}
    for item in items:
        codes = pd.to_numeric(responses[item], errors="raise")
        scale_max = scale_points.get(item, 5)
        for wave, wave_codes in codes.groupby(responses["wave"], sort=True):
            answered = wave_codes.dropna()
            if answered.empty:  # item not asked in this wave
                continue
            valid = answered[answered != DONT_KNOW]
            n_valid = len(valid)
            satisfied = valid.isin(SATISFIED_CODES).sum()
            dissatisfied = (valid >= scale_max - 1).sum()
            suppressed = n_valid < min_base
            pct = 100 * satisfied / n_valid if n_valid else float("nan")
            pct_dis = 100 * dissatisfied / n_valid if n_valid else float("nan")
            rows.append({
                "item": item,
                "question": questions.get(item, item),
                "wave": wave,
                "n_answered": len(answered),
                "n_valid": n_valid,
                "pct_satisfied": float("nan") if suppressed else pct,
                "pct_dissatisfied": float("nan") if suppressed else pct_dis,
                "net_satisfied": float("nan") if suppressed else pct - pct_dis,
                "pct_dont_know": 100 * (len(answered) - n_valid) / len(answered),
                "low_base": (not suppressed) and n_valid < low_base,
                "suppressed": suppressed,
            })
    return pd.DataFrame(rows, columns=[
        "item", "question", "wave", "n_answered", "n_valid", "pct_satisfied", "pct_dissatisfied",
        "net_satisfied", "pct_dont_know", "low_base", "suppressed"])

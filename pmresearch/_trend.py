"""Theil–Sen slope and Mann–Kendall trend test, for many equally spaced series at once.

:func:`trend_rows` tests every row of a (series × positions) array in one vectorised pass;
:func:`trend_test` does one series. :mod:`pmresearch.performance` reads them for PI trends.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.special import erfc

__all__ = ["TrendTest", "trend_rows", "trend_test"]

_CHUNK = 20_000  # rows per block of pairwise arithmetic (memory ~ rows × pairs)


class TrendTest(NamedTuple):
    """Theil–Sen slope and Mann–Kendall test of one series (see :func:`trend_test`)."""

    points: int
    slope: float
    s: float
    var_s: float
    z: float
    p: float


def trend_test(values, *, min_points: int = 3) -> TrendTest:
    """Theil–Sen slope and Mann–Kendall test of equally spaced values (NaN = a gap).

    The slope is per step (per quarter for quarterly values): the median of every pairwise
    slope. S = Σ sign(yⱼ − yᵢ) over pairs i < j; Var(S) = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18
    over groups of t tied values; Z = (S − sign S) / √Var(S) (continuity correction); p is
    two-sided from the normal distribution (Mann 1945; Kendall 1975; Hirsch et al. 1982).
    Fewer than ``min_points`` values give NaN throughout.

    Examples
    --------
    >>> t = trend_test([5.0, 6.0, 6.0, 8.0, 7.0, 9.0])
    >>> t.points, t.slope, t.s, round(t.var_s, 4), round(t.z, 3), round(t.p, 3)
    (6, 0.75, 12.0, 27.3333, 2.104, 0.035)
    """
    row = np.asarray(values, dtype=float)[None, :]
    out = trend_rows(row, min_points)
    return TrendTest(int(out["points"][0]), *(float(out[k][0]) for k in
                                              ("slope", "s", "var_s", "z", "p")))


def trend_rows(windows: np.ndarray, min_points: int) -> dict[str, np.ndarray]:
    """Trend statistics of each row of ``windows`` (rows × positions, NaN = no value)."""
    parts = [_trend_block(windows[i:i + _CHUNK], min_points)
             for i in range(0, max(len(windows), 1), _CHUNK)]
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def _trend_block(w: np.ndarray, min_points: int) -> dict[str, np.ndarray]:
    n_pos = w.shape[1]
    first, second = np.triu_indices(n_pos, k=1)
    diff = w[:, second] - w[:, first]                      # rows × pairs, NaN if either absent
    usable = ~np.isnan(diff)
    points = (~np.isnan(w)).sum(axis=1)
    s = np.where(usable, np.sign(np.where(usable, diff, 0.0)), 0.0).sum(axis=1)
    # Each value tied with t − 1 others adds (t − 1)(2t + 5); summed over a group of t that is
    # the t(t − 1)(2t + 5) of the tie correction.
    ties = (w[:, :, None] == w[:, None, :]).sum(axis=2)
    tie_term = np.where(np.isnan(w), 0, (ties - 1) * (2 * ties + 5)).sum(axis=1)
    var_s = (points * (points - 1) * (2 * points + 5) - tie_term) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s == 0, 0.0, (s - np.sign(s)) / np.sqrt(var_s))
    p = erfc(np.abs(z) / math.sqrt(2.0))
    slopes = np.sort(np.where(usable, diff / (second - first), np.nan), axis=1)  # NaN last
    k = usable.sum(axis=1)
    lo, hi = np.maximum((k - 1) // 2, 0), np.maximum(k // 2, 0)
    median = (np.take_along_axis(slopes, lo[:, None], 1)
              + np.take_along_axis(slopes, hi[:, None], 1))[:, 0] / 2
    enough = points >= max(min_points, 2)
    nan = np.full(len(w), np.nan)
    return {"points": points, "slope": np.where(enough, median, nan),
            "s": np.where(enough, s, nan), "var_s": np.where(enough, var_s, nan),
            "z": np.where(enough, z, nan), "p": np.where(enough, p, nan)}

"""Performance indicators judged as councils judge them.

:func:`assess_indicators` takes every borough value of every PI (``pi_values`` rows with a
blank ``ward_code``) and adds, in one vectorised pass:

* **RAG** by polarity (domain.md §5 rule 5): ``green`` at or better than target (exactly on
  target is green), ``amber`` worse but within tolerance *including the tolerance line itself*
  (the demo's "red above 6.6" convention), ``red`` beyond it. A relative tolerance is a % of
  the target, an absolute one is in the PI's unit. With ``settings["rag"]["variant"] ==
  "havering"`` a red value that improved on, or held, the same quarter last year (long-term
  direction ``better`` or ``same``) is amber instead (Havering's rule, domain.md §2). Missing
  and estimated values get ``no data`` (rule 7); context PIs and PIs without a target ``n/a``.
  Provisional and restated values keep their RAG and carry ``rag_marker``.
* **Direction of travel** (rule 6): short term against the previous quarter, long term against
  the same quarter last year, ``better``/``same``/``worse`` by polarity (``up``/``same``/``down``
  for context PIs); ``same`` when the change is less than ``no_change_band`` of the earlier
  value (a change of exactly the band counts). ``no data`` when either value is missing or
  estimated. Annual PIs have no short-term direction (``n/a``); their long term compares with
  the previous year's value. A year-to-date (``cumulative``) PI's short term compares with the
  same quarter last year too — like with like, as a running count always rises and a running
  rate drifts within the year — and ``dot_short_basis`` says which comparison each row used
  (``previous quarter``, ``same quarter last year`` or ``n/a``).
* **Persistence**: consecutive reporting periods red up to and including this one (quarters;
  years for annual PIs). A period without a red RAG, or with no row, ends the run (rule 10).
* **Trend** over the ``trend.quarters`` quarters ending with this one: the Theil–Sen slope per
  quarter (median of pairwise slopes) and the Mann–Kendall test (S, its variance with the tie
  correction, two-sided p from the normal approximation with continuity correction), judged at
  ``significance.alpha``. Fewer than ``trend.min_points`` usable values (missing and estimated
  values are not used) give ``too few points`` and no numbers. A year-to-date PI's trend runs
  on its quarters on their own (``quarter_value``, each from usable running totals), never on
  the running totals; when the window has enough running totals but too few quarters on their
  own (a rate given without its numerator and denominator) the trend is ``not computed (year
  to date)``.
* **Year to date**: a PI flagged ``cumulative`` is *reported* year to date, as the demo and the
  government's planning statistics are — its value (and numerator and denominator, if given)
  are running totals over the financial year, restarting at each ``Q1`` label — so
  ``ytd_value`` is its value and ``quarter_value`` the quarter on its own: Q1 is the running
  value itself; Q2–Q4, given a numerator and denominator, the growth of the running numerator
  over the growth of the running denominator (× scale); given values only, the difference of
  running totals for a **count**, while a **rate**'s quarter is not derivable. A PI is a rate
  when ``indicators.csv``'s optional ``value_type`` column says ``rate``, or, where it is blank,
  when its unit has %, "per", "/", rate, ratio, average, mean, median, percent, proportion,
  share, score or index, or is a bare duration (seconds … months: an average wait), or its name
  has average, mean, median, rate, ratio, per, percent or proportion; otherwise (a number of
  things, a £ total) it is a count. ``quarter_value_note`` says why a quarter value is blank:
  ``no value``, ``previous quarter missing`` (no running total one quarter back in the same
  year), ``running total fell``, ``nothing counted in the quarter`` (the running denominator
  did not grow), ``not derivable (a rate without numerator and denominator)`` or ``annual
  indicator``; it is ``""`` when there is a value. For other quarterly PIs ``quarter_value``
  is the value, and with a numerator and denominator in every quarter of the year so far
  ``ytd_value`` is Σ numerator / Σ denominator × scale (pooled, not a mean of quarters). The
  scale (per 100, per 1,000 …) is the power of ten nearest the PI's median value × denominator
  / numerator.
* **Benchmark** position: against the latest benchmark year that ended at or before the period
  (so a pack never uses a year it could not yet have known), in the indicator's
  ``benchmark_group`` (or, when that is blank, the alphabetically first group with data). The
  council's value for that financial year — the Q4 value for year-to-date PIs, the year's
  value for annual PIs, else the mean of the year's recorded quarters (estimated ones count,
  missing ones do not), as ``SCENARIO.md`` computes it — is placed in a quartile, 1 = best by
  polarity: 1 strictly better than the better-side quartile, 4 strictly worse than the
  worse-side quartile, and the middle half (edges included) split at the median, which
  itself counts as quartile 2. ``rank`` and ``n`` come from ``benchmarks.csv`` as given.

:func:`indicator_table` picks one row per PI of a service for a pack; :func:`pi_history` the
recent values a chart draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from .periods import parse_financial_year, parse_period, shift_period
from ._trend import TrendTest, trend_rows, trend_test
from ._year_to_date import is_rate, year_to_date

__all__ = ["DEFAULT_SETTINGS", "TrendTest", "assess_indicators", "indicator_table",
           "pi_history", "trend_test"]

#: The settings used when none are given; the same values as the project's rules.yaml.
DEFAULT_SETTINGS = {
    "significance": {"alpha": 0.05},
    "rag": {"variant": "standard"},
    "direction_of_travel": {"no_change_band": 0.01},
    "trend": {"quarters": 8, "min_points": 6},
}
_NO_DATA_STATUS = ("missing", "estimated")
# Values read from text land exactly on a target or tolerance line only up to float rounding
# (6 + 10% of 6 = 6.6000000000000005); this slack keeps "on the line" on the line.
_EPS = 1e-9


# ---------------------------------------------------------------- inputs


def _options(settings: dict | None) -> dict:
    """The four settings this module reads, defaults filling any section not given."""
    settings = settings or {}

    def get(section: str, key: str):
        return settings.get(section, {}).get(key, DEFAULT_SETTINGS[section][key])

    opts = {"alpha": get("significance", "alpha"), "variant": get("rag", "variant"),
            "band": get("direction_of_travel", "no_change_band"),
            "quarters": get("trend", "quarters"), "min_points": get("trend", "min_points")}
    if opts["variant"] not in ("standard", "havering"):
        raise ValueError(f"settings rag.variant is {opts['variant']!r}; expected 'standard' or "
                         "'havering'. Correct parameters/rules.yaml.")
    if not 3 <= opts["min_points"] <= opts["quarters"]:
        raise ValueError(f"settings trend.min_points ({opts['min_points']}) must be at least 3 "
                         f"and at most trend.quarters ({opts['quarters']}). Correct "
                         "parameters/rules.yaml.")
    return opts


def _flag(column: pd.Series) -> pd.Series:
    """true/false, yes/no, 1/0 (or a boolean column) as bool; blank is false."""
    if pd.api.types.is_bool_dtype(column):
        return column.fillna(False).astype(bool)
    return column.astype(str).str.strip().str.lower().isin(["true", "yes", "1"])


def _text(frame: pd.DataFrame, column: str, default: str) -> pd.Series:
    if column not in frame:
        return pd.Series(default, index=frame.index, dtype=object)
    text = frame[column].fillna("").astype(str).str.strip()
    return text.where(text != "", default).astype(object)


def _indicator_spec(indicators: pd.DataFrame) -> pd.DataFrame:
    needed = ["pi_id", "polarity", "tolerance", "tolerance_type"]
    absent = [c for c in needed if c not in indicators]
    if absent:
        raise ValueError(f"indicators: column {absent[0]!r} is missing (found: "
                         f"{', '.join(map(str, indicators.columns))}). Use the columns of "
                         "indicators.csv (docs/workspace.md).")
    ids = indicators["pi_id"].astype(str)
    return pd.DataFrame({
        "pi_id": ids,
        "service_id": _text(indicators, "service_id", ""),
        "polarity": indicators["polarity"].astype(str),
        "tolerance": indicators["tolerance"].astype(float),
        "relative": indicators["tolerance_type"].astype(str) == "relative",
        "annual": _text(indicators, "frequency", "quarterly").str.lower() == "annual",
        "cumulative": (_flag(indicators["cumulative"]) if "cumulative" in indicators
                       else pd.Series(False, index=indicators.index)),
        "rate": is_rate(indicators["pi_id"].astype(str), _text(indicators, "unit", ""),
                        _text(indicators, "name", ""), _text(indicators, "value_type", "")),
        "benchmark_group": _text(indicators, "benchmark_group", ""),
    }).reset_index(drop=True)


def _borough_values(pi_values: pd.DataFrame) -> pd.DataFrame:
    """Borough-wide rows only (ward-level rows carry a ``ward_code``)."""
    if "ward_code" not in pi_values:
        return pi_values
    ward = pi_values["ward_code"].fillna("").astype(str).str.strip()
    return pi_values[ward == ""]


def _quarter_index(periods: pd.Series) -> np.ndarray:
    """Quarters since year 0 (first year × 4 + quarter − 1), each distinct label parsed once."""
    codes, labels = pd.factorize(periods)
    index = np.array([y * 4 + q - 1 for y, q in map(parse_period, labels)], dtype=np.int64)
    return index[codes]


def _borough_rows(spec: pd.DataFrame, pi_values: pd.DataFrame) -> pd.DataFrame:
    """Borough rows joined to their indicator, in indicator then period order."""
    absent = [c for c in ("pi_id", "period", "value", "target") if c not in pi_values]
    if absent:
        raise ValueError(f"pi_values: column {absent[0]!r} is missing. Use the columns of "
                         "pi_values.csv (docs/workspace.md).")
    rows = _borough_values(pi_values)
    pi_id = rows["pi_id"].astype(str)
    unknown = sorted(set(pi_id) - set(spec["pi_id"]))
    if unknown:
        raise ValueError(f"pi_values: pi_id {', '.join(map(repr, unknown[:5]))} not in indicators. "
                         "Add the indicator to indicators.csv or remove its rows.")
    twice = rows.assign(pi_id=pi_id).duplicated(["pi_id", "period"], keep=False)
    if twice.any():
        first = rows[twice].iloc[0]
        raise ValueError(f"pi_values: more than one borough row for {first['pi_id']} "
                         f"{first['period']}. Keep one row per indicator and quarter (ward rows "
                         "need a ward_code).")
    value = rows["value"].astype(float)
    status = _text(rows, "data_status", "final")
    status = status.where(~(value.isna() & (status == "final")), "missing")
    frame = pd.DataFrame({
        "pi_id": pi_id, "period": rows["period"].astype(str),
        "qidx": _quarter_index(rows["period"].astype(str)),
        "value": value, "target": rows["target"].astype(float),
        "data_status": status, "dq_flag": _text(rows, "dq_flag", "none"),
        "numerator": rows["numerator"].astype(float) if "numerator" in rows else np.nan,
        "denominator": rows["denominator"].astype(float) if "denominator" in rows else np.nan,
        "commentary": _text(rows, "commentary", ""),
    })
    frame["pcode"] = pd.Categorical(frame["pi_id"], categories=spec["pi_id"]).codes
    frame = frame.sort_values(["pcode", "qidx"], kind="stable").reset_index(drop=True)
    return frame.join(spec.drop(columns="pi_id"), on="pcode")


# ---------------------------------------------------------------- judgements


def _direction(now: np.ndarray, before: np.ndarray, polarity: np.ndarray,
               band: float) -> np.ndarray:
    """better/same/worse by polarity (up/same/down for context); no data if either is NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        # A change from zero is beyond any relative band.
        change = np.where(now == before, 0.0,
                          np.where(before != 0, (now - before) / np.abs(before),
                                   np.sign(now - before) * np.inf))
    rising = change > 0
    judged = np.where(polarity == "context", np.where(rising, "up", "down"),
                      np.where(rising == (polarity == "higher_better"), "better", "worse"))
    judged = np.where(np.abs(change) < band - _EPS, "same", judged)
    return np.where(np.isnan(now) | np.isnan(before), "no data", judged).astype(object)


def _rag(rows: pd.DataFrame, dot_long: np.ndarray, valid: np.ndarray, variant: str
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """RAG of each row, the width of its amber band and the value beyond which it is red."""
    target, value = rows["target"].to_numpy(), rows["value"].to_numpy()
    band = np.where(rows["relative"], rows["tolerance"] * np.abs(target) / 100, rows["tolerance"])
    sign = np.where(rows["polarity"] == "higher_better", 1.0, -1.0)
    shortfall = sign * (target - value)  # how far worse than target
    slack = _EPS * np.maximum(1.0, np.abs(target))
    rag = np.select([shortfall <= slack, shortfall <= band + slack], ["green", "amber"], "red")
    if variant == "havering":
        rag = np.where((rag == "red") & np.isin(dot_long, ["better", "same"]), "amber", rag)
    context = (rows["polarity"] == "context").to_numpy()
    # A value without a target has no RAG, but a missing value is "no data" whether or not
    # its target was recorded; context PIs are never judged.
    rag = np.where(np.isnan(target), "n/a", rag)
    rag = np.where(valid | context, rag, "no data")
    rag = np.where(context, "n/a", rag).astype(object)
    no_rag = context | np.isnan(target)
    return rag, np.where(no_rag, np.nan, band), np.where(no_rag, np.nan, target - sign * band)


def _grid(rows: pd.DataFrame, values: np.ndarray, n_pis: int, n_q: int) -> np.ndarray:
    grid = np.full((n_pis, n_q), np.nan)
    grid[rows["pcode"].to_numpy(), rows["qpos"].to_numpy()] = values
    return grid


def _at(grid: np.ndarray, rows: pd.DataFrame, back: np.ndarray | int) -> np.ndarray:
    """The grid's value ``back`` quarters before each row (NaN before the first quarter)."""
    pos = rows["qpos"].to_numpy() - back
    found = grid[rows["pcode"].to_numpy(), np.maximum(pos, 0)]
    return np.where(pos >= 0, found, np.nan)


def _red_runs(red: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Length of the run of red ending at each cell, stepping back ``step`` quarters per PI."""
    runs = np.zeros(red.shape, dtype=np.int64)
    pis = np.arange(red.shape[0])
    for q in range(red.shape[1]):  # one pass per quarter, vectorised over PIs
        earlier = q - step
        before = np.where(earlier >= 0, runs[pis, np.maximum(earlier, 0)], 0)
        runs[:, q] = np.where(red[:, q], before + 1, 0)
    return runs


def _trend_verdict(s: np.ndarray, p: np.ndarray, polarity: np.ndarray, alpha: float) -> np.ndarray:
    rising = s > 0
    verdict = np.where(polarity == "context", np.where(rising, "rising", "falling"),
                       np.where(rising == (polarity == "higher_better"), "improving", "worsening"))
    verdict = np.where(p < alpha, verdict, "no clear trend")
    return np.where(np.isnan(p), "too few points", verdict).astype(object)


def _benchmarks(rows: pd.DataFrame, benchmarks: pd.DataFrame | None) -> pd.DataFrame:
    """Benchmark year, group, annual value, quartiles, quartile number, rank and n per row."""
    out = pd.DataFrame(index=rows.index, columns=["benchmark_year", "benchmark_group"],
                       dtype=object)
    for column in ("benchmark_value", "lower_quartile", "median", "upper_quartile"):
        out[column] = np.nan
    for column in ("benchmark_quartile", "benchmark_rank", "benchmark_n"):
        out[column] = pd.array([pd.NA] * len(rows), dtype="Int64")
    if benchmarks is None or benchmarks.empty or rows.empty:
        return out
    bench = benchmarks.assign(pi_id=benchmarks["pi_id"].astype(str),
                              comparator_group=benchmarks["comparator_group"].astype(str))
    codes, labels = pd.factorize(bench["year"].astype(str))
    bench["year_start"] = np.array([parse_financial_year(y) for y in labels], dtype=np.int64)[codes]
    named = rows.drop_duplicates("pi_id").set_index("pi_id")["benchmark_group"]
    first = (bench.sort_values(["pi_id", "comparator_group"]).drop_duplicates("pi_id")
             .set_index("pi_id")["comparator_group"])
    wanted = named.where(named != "", first.reindex(named.index))
    bench = bench[bench["comparator_group"] == bench["pi_id"].map(wanted)]
    for column in ("rank", "n"):
        bench[column] = bench[column].astype("Int64") if column in bench else pd.NA
    # The latest year that ended at or before the row's quarter: year Y ends at quarter 4Y + 3.
    left = pd.DataFrame({"pi_id": rows["pi_id"], "key": (rows["qidx"] - 3) // 4, "row": rows.index})
    found = pd.merge_asof(left.sort_values("key"), bench.sort_values("year_start"),
                          left_on="key", right_on="year_start", by="pi_id",
                          direction="backward").set_index("row").reindex(rows.index)
    recorded = rows[rows["value"].notna()].assign(fy=lambda f: f["qidx"] // 4)
    by_year = recorded.groupby(["pi_id", "fy"])
    last = by_year[["value", "qidx"]].last()
    year_value = pd.DataFrame({"mean": by_year["value"].mean(), "last": last["value"],
                               "q4": last["value"].where(last["qidx"] % 4 == 3)})
    year = found["year_start"].fillna(-1).to_numpy(dtype=np.int64)
    year_value = year_value.reindex(pd.MultiIndex.from_arrays([rows["pi_id"], year]))
    value = np.where(rows["cumulative"], year_value["q4"],
                     np.where(rows["annual"], year_value["last"], year_value["mean"]))
    lq, md, uq = (found[c].to_numpy(dtype=float)
                  for c in ("lower_quartile", "median", "upper_quartile"))
    sign = np.where(rows["polarity"] == "higher_better", 1.0, -1.0)
    better, worse = np.where(sign > 0, uq, lq), np.where(sign > 0, lq, uq)
    slack = _EPS * np.maximum(1.0, np.abs(md))
    quartile = np.select([sign * (value - better) > slack, sign * (value - md) >= -slack,
                          sign * (value - worse) >= -slack], [1, 2, 3], 4)
    known = ~np.isnan(value) & ~np.isnan(lq) & (rows["polarity"] != "context").to_numpy()
    out["benchmark_year"] = found["year"].where(found["year_start"].notna())
    out["benchmark_group"] = found["comparator_group"].where(found["year_start"].notna())
    out["benchmark_value"] = np.where(known, value, np.nan)
    out["lower_quartile"], out["median"], out["upper_quartile"] = lq, md, uq
    out["benchmark_quartile"] = pd.array(np.where(known, quartile, 0), dtype="Int64")
    out.loc[~known, "benchmark_quartile"] = pd.NA
    out["benchmark_rank"] = found["rank"].astype("Int64")
    out["benchmark_n"] = found["n"].astype("Int64")
    return out


# ---------------------------------------------------------------- public


def assess_indicators(indicators: pd.DataFrame, pi_values: pd.DataFrame,
                      benchmarks: pd.DataFrame | None = None,
                      settings: dict | None = None) -> pd.DataFrame:
    """RAG, direction of travel, persistence, trend, year to date and benchmark of every value.

    Each borough row of ``pi_values`` is judged on its own data and earlier quarters only, so
    a row's result never changes when later quarters are added. The rules are those of the
    module docstring.

    Parameters
    ----------
    indicators, pi_values, benchmarks : DataFrame
        The workspace tables (``benchmarks`` optional); ward rows of ``pi_values`` are ignored.
    settings : dict, optional
        ``rules.yaml`` ``settings`` (``ws.parameters.settings``); sections it lacks take
        :data:`DEFAULT_SETTINGS`.

    Returns
    -------
    DataFrame
        One row per borough value, in indicator then period order: ``pi_id``, ``service_id``,
        ``period``, ``polarity``, ``frequency``, ``cumulative``, ``value``, ``target``,
        ``data_status``, ``dq_flag``, ``tolerance_band`` (amber width in the unit),
        ``red_threshold`` (the worst value still amber), ``rag``, ``rag_marker``
        (``provisional``, ``restated``, both or ``""``), ``previous_value``,
        ``year_ago_value``, ``dot_short``, ``dot_short_basis``, ``dot_long``,
        ``consecutive_red``, ``trend``, ``trend_slope`` (per quarter), ``trend_s``,
        ``trend_var_s``, ``trend_z``, ``trend_p``, ``trend_points``, ``ytd_value``,
        ``quarter_value``, ``quarter_value_note``, ``benchmark_year``,
        ``benchmark_group``, ``benchmark_value``, ``lower_quartile``, ``median``,
        ``upper_quartile``, ``benchmark_quartile`` (1 = best), ``benchmark_rank``,
        ``benchmark_n``, ``commentary``.

    Raises
    ------
    ValueError
        A required column is missing, a ``pi_id`` is not an indicator, a PI has two borough
        rows for one quarter, a period is not like ``2025-26 Q2``, a ``value_type`` is not
        ``count`` or ``rate``, or a setting is invalid.

    Examples
    --------
    >>> pis = pd.DataFrame({"pi_id": ["L"], "polarity": ["lower_better"], "tolerance": [10.0],
    ...                     "tolerance_type": ["relative"]})
    >>> values = pd.DataFrame({"pi_id": "L", "period": ["2024-25 Q4", "2025-26 Q1", "2025-26 Q2"],
    ...                        "value": [6.0, 6.6, 7.0], "target": 6.0})
    >>> assess_indicators(pis, values)[["period", "rag", "dot_short", "consecutive_red"]]
           period    rag dot_short  consecutive_red
    0  2024-25 Q4  green   no data                0
    1  2025-26 Q1  amber     worse                0
    2  2025-26 Q2    red     worse                1

    A count reported year to date: each quarter on its own, and the short term against the
    same quarter last year (210 by Q2 against 250 by Q2 a year before).

    >>> visits = pd.DataFrame({"pi_id": ["V"], "unit": ["visits"], "polarity": ["higher_better"],
    ...                        "tolerance": [5.0], "tolerance_type": ["relative"],
    ...                        "cumulative": [True]})
    >>> values = pd.DataFrame({"pi_id": "V", "period": ["2024-25 Q1", "2024-25 Q2", "2025-26 Q1",
    ...                                                 "2025-26 Q2"],
    ...                        "value": [100.0, 250.0, 90.0, 210.0], "target": None})
    >>> assess_indicators(visits, values)[["period", "quarter_value", "dot_short",
    ...                                    "dot_short_basis"]]
           period  quarter_value dot_short         dot_short_basis
    0  2024-25 Q1          100.0   no data  same quarter last year
    1  2024-25 Q2          150.0   no data  same quarter last year
    2  2025-26 Q1           90.0     worse  same quarter last year
    3  2025-26 Q2          120.0     worse  same quarter last year
    """
    opts = _options(settings)
    spec = _indicator_spec(indicators)
    rows = _borough_rows(spec, pi_values)
    start = int(rows["qidx"].min()) if len(rows) else 0
    rows["qpos"] = rows["qidx"] - start
    n_pis, n_q = len(spec), int(rows["qpos"].max()) + 1 if len(rows) else 1
    polarity = rows["polarity"].to_numpy()
    annual = rows["annual"].to_numpy()
    valid = (rows["value"].notna() & ~rows["data_status"].isin(_NO_DATA_STATUS)).to_numpy()
    judged = np.where(valid, rows["value"], np.nan)
    usable, recorded = _grid(rows, judged, n_pis, n_q), _grid(rows, rows["value"], n_pis, n_q)

    cumulative = rows["cumulative"].to_numpy()
    dot_long = _direction(judged, _at(usable, rows, 4), polarity, opts["band"])
    # A running total is compared like with like: with the same point of last year's run.
    dot_short = np.where(cumulative, dot_long,
                         _direction(judged, _at(usable, rows, 1), polarity, opts["band"]))
    dot_short = np.where(annual, "n/a", dot_short).astype(object)
    dot_short_basis = np.select([annual, cumulative], ["n/a", "same quarter last year"],
                                "previous quarter").astype(object)
    rag, band, red_line = _rag(rows, dot_long, valid, opts["variant"])
    provisional, restated = rows["data_status"] == "provisional", rows["dq_flag"] == "restated"
    marker = np.select([provisional & restated, provisional, restated],
                       ["provisional, restated", "provisional", "restated"], "").astype(object)

    red = np.zeros((n_pis, n_q), dtype=bool)
    red[rows["pcode"], rows["qpos"]] = rag == "red"
    steps = np.where(spec["annual"], 4, 1)
    runs = _red_runs(red, steps)[rows["pcode"], rows["qpos"]]

    ytd, in_quarter, quarter_note = year_to_date(
        rows, _at(_grid(rows, rows["numerator"], n_pis, n_q), rows, 1),
        _at(_grid(rows, rows["denominator"], n_pis, n_q), rows, 1), _at(recorded, rows, 1))
    # Trends of running totals would only show the year's accumulation: a cumulative PI's
    # trend runs on its quarters on their own, each from usable values only.
    first_quarter = rows["qidx"].to_numpy() % 4 == 0
    quarter_usable = valid & (first_quarter | ~np.isnan(_at(usable, rows, 1)))
    quarters_grid = _grid(rows, np.where(quarter_usable, in_quarter, np.nan), n_pis, n_q)
    span = opts["quarters"]
    series = np.where(spec["cumulative"].to_numpy()[:, None], quarters_grid, usable)

    def window(grid: np.ndarray) -> np.ndarray:
        padded = np.concatenate([np.full((n_pis, span - 1), np.nan), grid], axis=1)
        return sliding_window_view(padded, span, axis=1)[rows["pcode"], rows["qpos"]]

    trend = trend_rows(window(series), opts["min_points"])
    verdict = _trend_verdict(trend["s"], trend["p"], polarity, opts["alpha"])
    # Enough values to judge, but not enough quarters on their own to judge them by.
    enough_totals = (~np.isnan(window(usable))).sum(axis=1) >= opts["min_points"]
    verdict = np.where(cumulative & np.isnan(trend["p"]) & enough_totals,
                       "not computed (year to date)", verdict).astype(object)

    result = pd.DataFrame({
        "pi_id": rows["pi_id"], "service_id": rows["service_id"], "period": rows["period"],
        "polarity": polarity, "frequency": np.where(annual, "annual", "quarterly"),
        "cumulative": rows["cumulative"], "value": rows["value"], "target": rows["target"],
        "data_status": rows["data_status"], "dq_flag": rows["dq_flag"],
        "tolerance_band": band, "red_threshold": red_line, "rag": rag, "rag_marker": marker,
        "previous_value": np.where(annual, np.nan, _at(recorded, rows, 1)),
        "year_ago_value": _at(recorded, rows, 4),
        "dot_short": dot_short, "dot_short_basis": dot_short_basis, "dot_long": dot_long,
        "consecutive_red": runs, "trend": verdict,
        "trend_slope": trend["slope"], "trend_s": trend["s"], "trend_var_s": trend["var_s"],
        "trend_z": trend["z"], "trend_p": trend["p"], "trend_points": trend["points"],
        "ytd_value": ytd, "quarter_value": in_quarter, "quarter_value_note": quarter_note,
    })
    result = pd.concat([result, _benchmarks(rows, benchmarks)], axis=1)
    result["commentary"] = rows["commentary"]
    return result


def pi_history(pi_values: pd.DataFrame, pi_ids: list[str], period: str,
               quarters: int) -> pd.DataFrame:
    """Borough values of ``pi_ids`` over the ``quarters`` quarters ending with ``period``.

    Returns the matching rows of ``pi_values`` in PI then period order.

    Examples
    --------
    >>> values = pd.DataFrame({"pi_id": ["A"] * 3, "period": ["2025-26 Q1", "2024-25 Q4", "2025-26 Q2"],
    ...                        "value": [2.0, 1.0, 3.0], "target": [2.0] * 3})
    >>> pi_history(values, ["A"], "2025-26 Q2", 2)["value"].tolist()
    [2.0, 3.0]
    """
    wanted = {shift_period(period, -k) for k in range(quarters)}
    rows = _borough_values(pi_values)
    rows = rows[rows["pi_id"].isin(pi_ids) & rows["period"].isin(wanted)]
    order = {pi: i for i, pi in enumerate(pi_ids)}
    return rows.sort_values(["pi_id", "period"], key=lambda s: s.map(order) if s.name == "pi_id" else s)


_TABLE_COLUMNS = [
    "pi_id", "name", "unit", "polarity", "is_key", "value_period", "value", "target",
    "data_status", "previous_quarter", "same_quarter_last_year", "rag", "rag_marker",
    "dot_short", "dot_short_basis", "dot_long", "consecutive_red", "trend", "trend_slope",
    "trend_p", "ytd_value", "quarter_value", "quarter_value_note", "benchmark_year",
    "benchmark_group", "benchmark_value", "lower_quartile", "median",
    "upper_quartile", "benchmark_quartile", "benchmark_rank", "benchmark_n", "commentary"]


def indicator_table(indicators: pd.DataFrame, pi_values: pd.DataFrame, service_id: str,
                    period: str, *, benchmarks: pd.DataFrame | None = None,
                    settings: dict | None = None) -> pd.DataFrame:
    """One row per PI of a service in ``period``, judged as :func:`assess_indicators` does.

    A quarterly PI shows its ``period`` row (``no data`` if it has none); an annual PI its
    latest row at or before ``period`` (``value_period`` says which). Nothing after ``period``
    is read.

    Returns
    -------
    DataFrame
        Columns ``pi_id``, ``name``, ``unit``, ``polarity``, ``is_key``, ``value_period``,
        ``value``, ``target``, ``data_status``, ``previous_quarter`` (value one quarter before
        ``value_period``; blank for annual PIs), ``same_quarter_last_year``, ``rag``,
        ``rag_marker``, ``dot_short``, ``dot_short_basis``, ``dot_long``, ``consecutive_red``,
        ``trend``, ``trend_slope``, ``trend_p``, ``ytd_value``, ``quarter_value``,
        ``quarter_value_note``, ``benchmark_year``, ``benchmark_group``,
        ``benchmark_value``, ``lower_quartile``, ``median``, ``upper_quartile``,
        ``benchmark_quartile``, ``benchmark_rank``, ``benchmark_n``, ``commentary``.

    Examples
    --------
    >>> pis = pd.DataFrame({"pi_id": ["A"], "service_id": ["s"], "name": ["Litter %"], "unit": ["%"],
    ...                     "polarity": ["lower_better"], "is_key": [True], "tolerance": [10.0],
    ...                     "tolerance_type": ["relative"]})
    >>> values = pd.DataFrame({"pi_id": ["A", "A"], "period": ["2024-25 Q2", "2025-26 Q2"],
    ...                        "value": [5.0, 7.5], "target": [6.0, 6.0], "data_status": ["final"] * 2})
    >>> table = indicator_table(pis, values, "s", "2025-26 Q2")
    >>> table[["value", "target", "same_quarter_last_year", "rag", "dot_long"]]
       value  target  same_quarter_last_year  rag dot_long
    0    7.5     6.0                     5.0  red    worse
    """
    year, quarter = parse_period(period)
    service = indicators[indicators["service_id"] == service_id].reset_index(drop=True)
    values = _borough_values(pi_values)
    values = values[values["pi_id"].isin(service["pi_id"])]
    values = values[_quarter_index(values["period"].astype(str)) <= year * 4 + quarter - 1]
    spec = _indicator_spec(service).set_index("pi_id")
    # A quarterly PI without a row for the period is judged as a missing value, so its trend
    # and benchmark still show.
    reported = values.loc[values["period"] == period, "pi_id"]
    unreported = spec.index[~spec["annual"] & ~spec.index.isin(reported)]
    blank = pd.DataFrame({"pi_id": unreported, "period": period, "value": np.nan,
                          "target": np.nan, "data_status": "missing"})
    values = pd.concat([values, blank], ignore_index=True) if len(blank) else values
    assessed = assess_indicators(service, values, benchmarks, settings)
    shown = assessed[(assessed["period"] == period)
                     | assessed["pi_id"].map(spec["annual"]).astype(bool)]
    shown = shown.groupby("pi_id", sort=False).tail(1).set_index("pi_id").reindex(service["pi_id"])
    context = service["polarity"].to_numpy() == "context"
    absent = shown["rag"].isna().to_numpy()
    table = pd.DataFrame({
        "pi_id": service["pi_id"], "name": service.get("name", service["pi_id"]),
        "unit": service.get("unit", ""), "polarity": service["polarity"],
        "is_key": _flag(service["is_key"]) if "is_key" in service else False,
        "value_period": np.where(absent, period, shown["period"].to_numpy()),
        "value": shown["value"].to_numpy(), "target": shown["target"].to_numpy(),
        "data_status": np.where(absent, "missing", shown["data_status"].to_numpy()),
        "previous_quarter": shown["previous_value"].to_numpy(),
        "same_quarter_last_year": shown["year_ago_value"].to_numpy(),
        "rag": np.where(absent, np.where(context, "n/a", "no data"), shown["rag"].to_numpy()),
    })
    for column in _TABLE_COLUMNS[_TABLE_COLUMNS.index("rag_marker"):]:
        table[column] = shown[column].array  # keeps the nullable Int64 of quartile and rank
    table["consecutive_red"] = table["consecutive_red"].fillna(0).astype(int)
    # Only an annual PI with no row at all is absent (quarterly ones got a blank row above).
    fill = {"rag_marker": "", "commentary": "", "dot_short": "no data", "dot_long": "no data",
            "trend": "too few points", "dot_short_basis": "n/a",
            "quarter_value_note": "annual indicator"}
    for column, value in fill.items():
        table[column] = table[column].where(~absent, value)
    return table[_TABLE_COLUMNS]

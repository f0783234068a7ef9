"""Ashbrook's services, performance indicators, quarterly values and benchmarks.

:func:`build` returns the four performance files of the demo workspace (``services.csv``,
``indicators.csv``, ``pi_values.csv``, ``benchmarks.csv``); :func:`scenario` writes the
"Performance indicators" section of ``SCENARIO.md`` from those tables.

Values are drawn around each indicator's target with a seeded generator (see
:mod:`pmresearch.demo._pi_catalogue` for the catalogue and the plan). Drawn values never fall
beyond tolerance: the only red quarters are the planted ones, and :func:`build` checks the
whole plan under the standard RAG and direction-of-travel rules before returning, so a change
that breaks a planted signal fails loudly instead of shipping a demo that tells another story.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from . import _ashbrook
from ._pi_catalogue import (
    BENCHMARK_GROUP,
    BENCHMARK_POSITIONS,
    CATALOGUE,
    CAVEAT_ROWS,
    ESTIMATED_ROWS,
    PERSISTENT_RED_PI,
    PLANTED_COMMENTARY,
    PLANTED_VALUES,
    PORTFOLIOS,
    PROVISIONAL_PIS,
    RESTATED_ROW,
    PiSpec,
    key_pi,
)
from ._pi_rules import (annual_value, band, direction, period_end, quartile_position,
                        rag_column)
from ._pi_scenario import scenario

__all__ = ["build", "scenario"]

_SEED = 20_251_001
# Drawn performance goes at most 85% of the way from target to the red line, so only planted
# values are red and rounding cannot tip a drawn value over the edge.
_AMBER_FLOOR = -0.85
_MISSING_SHARE = 0.03  # of borough rows
_BENCHMARK_YEARS = ("2022-23", "2023-24", "2024-25")
_COMPARATORS = 15  # CIPFA nearest neighbours; n = 16 with Ashbrook
# Drawn positions (comparator SDs better than the group centre) keep every PI but the planted
# one out of the bottom quartile in the latest benchmark year, so escalation fires only there.
_DRAWN_POSITION = (-0.4, 1.2)
_PERIODS = _ashbrook.PERIODS
_WARD_PERIODS = [p for p in _PERIODS if p.startswith("2025-26")]
_LITTER_PI = key_pi("street_cleansing")
_GAP_PI = key_pi(_ashbrook.PERCEPTION_GAP_SERVICE)
_ESCALATION_PI = key_pi(_ashbrook.ESCALATION_SERVICE)
# Ward litter relative to the borough rate, by IMD quintile (1 = most deprived); hotspot wards
# are a further 1.6 times dirtier, matching their low street-cleaning satisfaction.
_LITTER_BY_QUINTILE = np.array([1.45, 1.2, 0.95, 0.8, 0.65])
_HOTSPOT_FACTOR = 1.6
_MISSING_REASONS = [
    "Not available: the contractor's return arrived after the reporting deadline.",
    "Not available: a system outage lost the source data for the quarter.",
    "Not available: figure withheld while the data are validated.",
]
_VALUE_COLUMNS = ["pi_id", "period", "period_end", "ward_code", "value", "numerator",
                  "denominator", "target", "data_status", "dq_flag", "commentary"]


def build() -> dict[str, pd.DataFrame]:
    """Generate the services, indicators, PI values and benchmarks of the demo council.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``services.csv``, ``indicators.csv``, ``pi_values.csv`` and ``benchmarks.csv`` with the
        columns of ``docs/workspace.md`` (every optional column included). The same call gives
        the same tables every time.

    Raises
    ------
    RuntimeError
        If the generated values break a planted signal (a programming error in the plan).

    Examples
    --------
    >>> tables = build()
    >>> sorted(tables)
    ['benchmarks.csv', 'indicators.csv', 'pi_values.csv', 'services.csv']
    >>> values = tables["pi_values.csv"]
    >>> values.loc[values["pi_id"].eq("SC01") & values["ward_code"].isna(), "period"].iloc[-1]
    '2025-26 Q2'
    """
    rng = np.random.default_rng(_SEED)
    values = _values_table(rng)
    values = _apply_data_quality(values, rng)
    tables = {
        "services.csv": _services_table(),
        "indicators.csv": _indicators_table(),
        "pi_values.csv": values,
        "benchmarks.csv": _benchmarks_table(values, rng),
    }
    _check_plan(tables)
    return tables


# --- services and indicators -------------------------------------------------------------


def _services_table() -> pd.DataFrame:
    rows = [
        {
            "service_id": service_id,
            "service_name": name,
            "directorate": directorate,
            "survey_items": ";".join(items),
            "key_pi": key_pi(service_id),
            "portfolio": PORTFOLIOS[service_id],
        }
        for service_id, name, directorate, items in _ashbrook.SERVICES
    ]
    return pd.DataFrame(rows)


def _indicators_table() -> pd.DataFrame:
    rows = []
    for pi in CATALOGUE:
        numerator, denominator = pi.ratio[:2] if pi.ratio else ("", "")
        rows.append({
            "pi_id": pi.pi_id,
            "service_id": pi.service_id,
            "name": pi.name,
            "unit": pi.unit,
            "polarity": pi.polarity,
            "tolerance": pi.tolerance,
            "tolerance_type": pi.tolerance_type,
            "is_key": _flag(pi.is_key),
            "frequency": pi.frequency,
            "cumulative": _flag(pi.cumulative),
            "numerator_label": numerator,
            "denominator_label": denominator,
            "benchmark_group": BENCHMARK_GROUP if _benchmarked(pi) else "",
        })
    return pd.DataFrame(rows)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _benchmarked(pi: PiSpec) -> bool:
    return pi.benchmark_sd is not None and pi.polarity != "context"


# --- quarterly values ----------------------------------------------------------------------


def _values_table(rng: np.random.Generator) -> pd.DataFrame:
    counts: dict[tuple[str, str], np.ndarray] = {}
    rows: list[dict] = []
    for pi in CATALOGUE:
        rows.extend(_draw_pi(pi, rng, counts))
    values = pd.DataFrame(rows, columns=_VALUE_COLUMNS)
    values["numerator"] = values["numerator"].astype("Int64")
    values["denominator"] = values["denominator"].astype("Int64")
    values["ward_code"] = values["ward_code"].astype("str")
    values["commentary"] = values["commentary"].astype("str")
    return values


def _draw_pi(pi: PiSpec, rng: np.random.Generator,
             counts: dict[tuple[str, str], np.ndarray]) -> list[dict]:
    """Borough (and, for two PIs, ward) rows of one indicator over all quarters."""
    plan, target = _planned_values(pi, rng)
    ward_rows: list[dict] = []
    if pi.ratio is None:
        value = np.round(plan, pi.decimals)
        counts[(pi.pi_id, "value")] = value
        numerator = denominator = [None] * len(plan)
    else:
        scale = pi.ratio[2]
        den = _denominators(pi, rng, counts)
        num = _whole_numerators(plan * den / scale, pi.polarity)
        if pi.pi_id in (_LITTER_PI, _GAP_PI):
            ward_rows = _ward_rows(pi, plan, den, num, target, rng)
        counts[(pi.pi_id, "numerator")], counts[(pi.pi_id, "denominator")] = num, den
        if pi.cumulative:  # year-to-date: sum the in-quarter counts within each financial year
            year = np.arange(len(plan)) // 4
            num = pd.Series(num).groupby(year).cumsum().to_numpy()
            den = pd.Series(den).groupby(year).cumsum().to_numpy()
        value = np.round(num / den * scale, pi.decimals)
        numerator, denominator = num.tolist(), den.tolist()
    rows = []
    for i, period in enumerate(_PERIODS):
        if pi.frequency == "annual" and not period.endswith("Q4"):
            continue
        rows.append(_row(pi.pi_id, period, None, value[i], numerator[i], denominator[i],
                         target[i]))
    return rows + ward_rows


def _planned_values(pi: PiSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The value each quarter should take, before whole-number rounding, and its target."""
    t = np.arange(len(_PERIODS))
    season = np.take(pi.season, t % 4)
    noise = rng.normal(0.0, pi.noise, len(t))
    if pi.polarity == "context":
        plan = pi.level * (1 + season) * (1 + pi.trend) ** (t / 4) * np.exp(noise)
        target = np.full(len(t), np.nan)
    else:
        target = np.take(pi.targets, t // 4).astype(float)
        bands_better = np.maximum(pi.level + season + pi.trend * t / 4 + noise, _AMBER_FLOOR)
        plan = target + _sign(pi.polarity) * bands_better * band(
            target, pi.tolerance, pi.tolerance_type)
    for i, period in enumerate(_PERIODS):
        plan[i] = PLANTED_VALUES.get((pi.pi_id, period), plan[i])
    return np.clip(plan, *pi.bounds), target


def _sign(polarity: str) -> int:
    return 1 if polarity == "higher_better" else -1


def _denominators(pi: PiSpec, rng: np.random.Generator,
                  counts: dict[tuple[str, str], np.ndarray]) -> np.ndarray:
    if isinstance(pi.denominator, tuple):
        return np.asarray(counts[pi.denominator], dtype=np.int64).copy()
    t = np.arange(len(_PERIODS))
    expected = (pi.denominator * (1 + pi.denominator_growth) ** (t // 4)
                * (1 + np.take(pi.denominator_season, t % 4)))
    drawn = expected * np.exp(rng.normal(0.0, pi.denominator_noise, len(t)))
    return np.maximum(np.rint(drawn), 1).astype(np.int64)


def _whole_numerators(expected: np.ndarray, polarity: str) -> np.ndarray:
    # Round towards the good side so a small denominator (six major planning applications)
    # cannot turn a planned amber into red; the 1e-9 keeps exact integers where they are.
    if polarity == "higher_better":
        return np.ceil(expected - 1e-9).astype(np.int64)
    return np.floor(expected + 1e-9).astype(np.int64)


def _ward_rows(pi: PiSpec, plan: np.ndarray, den: np.ndarray, num: np.ndarray,
               target: np.ndarray, rng: np.random.Generator) -> list[dict]:
    """Split the 2025-26 quarters into wards; the borough row becomes the sum of its wards.

    Updates ``den`` and ``num`` in place at the ward quarters.
    """
    codes = _ashbrook.WARD_CODES
    urban = np.array([w[3] == "urban" for w in _ashbrook.WARDS])
    if pi.pi_id == _LITTER_PI:  # more transects in urban wards
        quintile = np.array([w[2] for w in _ashbrook.WARDS])
        hotspot = np.isin(codes, _ashbrook.STREET_HOTSPOT_WARDS)
        factor = _LITTER_BY_QUINTILE[quintile - 1] * np.where(hotspot, _HOTSPOT_FACTOR, 1.0)
        share = np.where(urban, 1.0, 0.6)
    else:  # missed bins: rural rounds are longer and miss more, with no deprivation pattern
        factor = np.where(urban, 1.0, 1.3) * np.exp(rng.normal(0.0, 0.2, len(codes)))
        share = np.where(urban, 1.0, 0.75)
    share = share * np.exp(rng.normal(0.0, 0.15, len(codes)))
    share = share / share.sum()
    scale = pi.ratio[2]
    rows = []
    for period in _WARD_PERIODS:
        i = _PERIODS.index(period)
        ward_den = np.rint(den[i] * share).astype(np.int64)
        expected = ward_den * factor * np.exp(rng.normal(0.0, 0.12, len(codes)))
        expected *= plan[i] * ward_den.sum() / scale / expected.sum()
        ward_num = np.rint(expected).astype(np.int64)
        den[i], num[i] = ward_den.sum(), ward_num.sum()
        for code, n, d in zip(codes, ward_num, ward_den):
            rows.append(_row(pi.pi_id, period, code, round(n / d * scale, pi.decimals),
                             int(n), int(d), target[i]))
    return rows


def _row(pi_id: str, period: str, ward_code: str | None, value: float, numerator, denominator,
         target: float) -> dict:
    return {
        "pi_id": pi_id,
        "period": period,
        "period_end": period_end(period),
        "ward_code": ward_code,
        "value": float(value),
        "numerator": numerator,
        "denominator": denominator,
        "target": None if np.isnan(target) else float(target),
        "data_status": "final",
        "dq_flag": "none",
        "commentary": None,
    }


# --- data quality --------------------------------------------------------------------------


def _apply_data_quality(values: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Commentary, provisional, estimated, caveated, restated and missing values."""
    values = values.copy()
    borough = values["ward_code"].isna()

    def where(pi_id: str, period: str) -> pd.Series:
        mask = borough & (values["pi_id"] == pi_id) & (values["period"] == period)
        if mask.sum() != 1:
            raise RuntimeError(f"pi_values plan: no single borough row for {pi_id} {period}")
        return mask

    for (pi_id, period), text in PLANTED_COMMENTARY.items():
        values.loc[where(pi_id, period), "commentary"] = text
    current = values["period"] == _ashbrook.CURRENT_PERIOD
    values.loc[borough & current & values["pi_id"].isin(PROVISIONAL_PIS),
               "data_status"] = "provisional"
    for pi_id, period, text in ESTIMATED_ROWS:
        values.loc[where(pi_id, period), ["data_status", "dq_flag", "commentary"]] = [
            "estimated", "caveat", text]
    for pi_id, period, text in CAVEAT_ROWS:
        values.loc[where(pi_id, period), ["dq_flag", "commentary"]] = ["caveat", text]
    pi_id, period, first_excess = RESTATED_ROW
    mask = where(pi_id, period)
    first_reported = float(values.loc[mask, "value"].iloc[0]) + first_excess
    values.loc[mask, ["dq_flag", "commentary"]] = [
        "restated", f"Restated after WasteDataFlow validation; first reported as "
                    f"{first_reported:.1f}."]

    # Missing values fall on ordinary rows only: never on a key PI, a planted or annotated
    # quarter, an annual or year-to-date PI (their Q4 is the benchmark value), a PI that
    # another PI counts from, or the quarters the current direction of travel compares.
    feeders = {pi.denominator[0] for pi in CATALOGUE if isinstance(pi.denominator, tuple)}
    ordinary = {pi.pi_id for pi in CATALOGUE
                if not (pi.is_key or pi.cumulative or pi.frequency == "annual"
                        or pi.pi_id in feeders or pi.pi_id == PERSISTENT_RED_PI)}
    compared = [_PERIODS[-1], _PERIODS[-2], _PERIODS[-5]]
    eligible = values.index[borough & ~values["period"].isin(compared)
                            & values["pi_id"].isin(sorted(ordinary))
                            & (values["data_status"] == "final") & (values["dq_flag"] == "none")
                            & values["commentary"].isna()]
    chosen = np.sort(rng.choice(eligible.to_numpy(), size=round(_MISSING_SHARE * borough.sum()),
                                replace=False))
    values.loc[chosen, ["value", "numerator", "denominator"]] = np.nan
    values.loc[chosen, "data_status"] = "missing"
    reasons = rng.integers(0, len(_MISSING_REASONS), len(chosen))
    values.loc[chosen, "commentary"] = [_MISSING_REASONS[r] for r in reasons]
    return values


# --- benchmarks ----------------------------------------------------------------------------


def _benchmarks_table(values: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Quartiles and Ashbrook's rank among itself and its 15 nearest neighbours.

    Comparators sit at evenly spaced normal quantiles (jittered) around a centre placed so
    that Ashbrook's annual value lies ``position`` comparator SDs better than it.
    """
    spots = np.array([NormalDist().inv_cdf((i + 0.5) / _COMPARATORS)
                      for i in range(_COMPARATORS)])
    rows = []
    for pi in CATALOGUE:
        if not _benchmarked(pi):
            continue
        borough = values[(values["pi_id"] == pi.pi_id) & values["ward_code"].isna()]
        for year in _BENCHMARK_YEARS:
            position = BENCHMARK_POSITIONS.get((pi.pi_id, year), rng.uniform(*_DRAWN_POSITION))
            jitter = rng.normal(0.0, 0.25, _COMPARATORS)
            ashbrook = annual_value(borough, year, cumulative=pi.cumulative,
                                    frequency=pi.frequency)
            centre = ashbrook - _sign(pi.polarity) * position * pi.benchmark_sd
            group = np.round(np.clip(centre + pi.benchmark_sd * (spots + jitter), *pi.bounds),
                             pi.decimals + 1)
            quartiles = np.round(np.percentile(np.append(group, ashbrook), [25, 50, 75]),
                                 pi.decimals + 1)
            better = group > ashbrook if pi.polarity == "higher_better" else group < ashbrook
            rows.append({
                "pi_id": pi.pi_id,
                "year": year,
                "comparator_group": BENCHMARK_GROUP,
                "n": _COMPARATORS + 1,
                "lower_quartile": float(quartiles[0]),
                "median": float(quartiles[1]),
                "upper_quartile": float(quartiles[2]),
                "rank": int(better.sum()) + 1,
            })
    return pd.DataFrame(rows)


# --- the plan check ------------------------------------------------------------------------


def _check_plan(tables: dict[str, pd.DataFrame]) -> None:
    """Raise if the generated tables do not carry the planted signals of SCENARIO.md."""
    values, indicators = tables["pi_values.csv"], tables["indicators.csv"]
    values = values.assign(rag=rag_column(values, indicators))
    borough = values[values["ward_code"].isna()]
    problems = []

    red = borough[borough["rag"] == "red"]
    found = sorted(zip(red["pi_id"], red["period"]))
    calendar_2025 = [p for p in _PERIODS if period_end(p).startswith("2025")]
    planned = sorted([(_LITTER_PI, p) for p in calendar_2025]
                     + [(PERSISTENT_RED_PI, p) for p in _PERIODS[-2:]])
    if found != planned:
        problems.append(f"red quarters are {found}, planned {planned}")
    persistent = red[red["pi_id"] == PERSISTENT_RED_PI]
    if persistent["commentary"].notna().any():
        problems.append(f"{PERSISTENT_RED_PI} red quarters must have no commentary")
    if red[red["pi_id"] == _LITTER_PI]["commentary"].isna().any():
        problems.append(f"{_LITTER_PI} red quarters need corrective-action commentary")

    gap = borough[borough["pi_id"] == _GAP_PI].set_index("period")
    for period in _WARD_PERIODS:
        i = _PERIODS.index(period)
        checks = [gap.loc[period, "rag"] == "green"]
        for before in (_PERIODS[i - 1], _PERIODS[i - 4]):
            checks.append(direction(gap.loc[period, "value"], gap.loc[before, "value"],
                                    "lower_better") == "better")
        if not all(checks):
            problems.append(f"{_GAP_PI} {period} is not green and improving")

    escalation = borough[borough["pi_id"] == _ESCALATION_PI].set_index("period")
    bench = tables["benchmarks.csv"].set_index(["pi_id", "year"])
    now, year_ago = escalation.loc[_PERIODS[-1]], escalation.loc[_PERIODS[-5]]
    if direction(now["value"], year_ago["value"], "higher_better") != "worse":
        problems.append(f"{_ESCALATION_PI} {_PERIODS[-1]} is not worse than a year before")

    spec = tables["indicators.csv"].set_index("pi_id")
    latest = _BENCHMARK_YEARS[-1]
    for (pi_id, year), row in bench.iterrows():
        own = annual_value(borough[borough["pi_id"] == pi_id], year,
                           cumulative=spec.loc[pi_id, "cumulative"] == "true",
                           frequency=spec.loc[pi_id, "frequency"])
        bottom = quartile_position(own, row["lower_quartile"], row["upper_quartile"],
                                   spec.loc[pi_id, "polarity"]) == "bottom quartile"
        if year == latest and bottom != (pi_id == _ESCALATION_PI):
            problems.append(f"{pi_id} {year}: bottom quartile is {bottom}")
    wards = values[values["pi_id"].eq(_LITTER_PI) & values["ward_code"].notna()]
    quintile = pd.Series({code: q for code, _, q, _ in _ashbrook.WARDS})
    for period, frame in wards.groupby("period"):
        top = set(frame.nlargest(len(_ashbrook.STREET_HOTSPOT_WARDS), "value")["ward_code"])
        if top != set(_ashbrook.STREET_HOTSPOT_WARDS):
            problems.append(f"{_LITTER_PI} {period}: hotspot wards are not the dirtiest")
        ward_value = frame.set_index("ward_code")["value"]
        if ward_value.rank().corr(quintile[ward_value.index].rank()) > -0.5:
            problems.append(f"{_LITTER_PI} {period}: ward litter does not fall with IMD quintile")
    if (values["dq_flag"] == "restated").sum() != 1:
        problems.append("expected exactly one restated value")
    if problems:
        raise RuntimeError("The Ashbrook PI plan is broken: " + "; ".join(problems))

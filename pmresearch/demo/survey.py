"""The Ashbrook population and resident survey: wards, margins, waves, items and responses.

:func:`build` returns the five survey-side files of the demo workspace; :func:`scenario`
writes their section of ``SCENARIO.md``. The population and the answering model live in
``_survey_model``; this module draws the sample and tabulates it.

The sample is skewed the way postal/online resident surveys are (older, White, owner-occupier
and female respondents over-represented; small wards boosted to at least 65 returns) so that
raking on ward, age, sex, ethnic group and tenure is needed and costs precision: the Kish
design effect lands between 1.3 and 1.6 in every wave.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._ashbrook import (DISABILITY_CATEGORIES, STREET_HOTSPOT_WARDS, SURVEY_ITEMS, WARD_CODES,
                        WARDS, WAVES, WEIGHTING_CATEGORIES)
from ._survey_model import (AGES, CHILDREN_BY_AGE, ETHNIC_GROUPS, ITEM_NAMES, ITEMS,
                            ONLINE_BY_AGE, ONLINE_DRIFT, SEXES, TENURES, USAGE, WARD_ADULTS,
                            WAVE_LABELS, disability_probabilities, dont_know_probability,
                            expected_counts, intercepts, linear_predictor, population_joint,
                            population_truth, usage_probability)

__all__ = ["build", "scenario", "population_truth"]

_SEED = 112_204  # chosen so every planted signal holds in the realised sample (see scenario)
WEIGHTING_VARIABLES = ["ward_code", "age_band", "sex", "ethnic_group", "tenure"]

# The achieved respondent profile (before weighting) each wave aims at: older, Whiter, more
# owner-occupiers and women than the population, as self-completion surveys typically are.
SAMPLE_SHARES = {
    "age_band": (0.11, 0.27, 0.23, 0.39),
    "sex": (0.555, 0.445),
    "ethnic_group": (0.91, 0.045, 0.018, 0.015, 0.012),
    "tenure": (0.78, 0.12, 0.10),
}
# Relative response by IMD quintile (deprived wards return fewer questionnaires).
_RESPONSE_BY_IMD = np.array([0.6, 0.75, 1.0, 1.2, 1.4])
# Minimum returns per ward and wave: small wards are boosted so ward bases stay reportable.
WARD_MINIMUM = 65
_RESPONDENT_COLUMNS = ["respondent_id", "wave", "mode", "ward_code", "age_band", "sex",
                        "ethnic_group", "tenure", "disability", "has_children",
                        "used_library_12m", "used_leisure_12m", "used_parks_12m"]


def build() -> dict[str, pd.DataFrame]:
    """Generate the survey-side tables of the Ashbrook demo workspace.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``wards.csv``, ``population_margins.csv``, ``survey_waves.csv``,
        ``survey_items.csv`` and ``survey_responses.csv``, with the columns of
        ``docs/workspace.md``. Item codes are nullable integers (blank = not asked).

    Examples
    --------
    >>> tables = build()
    >>> tables["survey_responses.csv"].groupby("wave").size().tolist()
    [2300, 1950, 1650]
    """
    rng = np.random.default_rng(_SEED)
    waves = [_sample_wave(i, label, target, rng)
             for i, (label, _, _, _, target) in enumerate(WAVES)]
    return {
        "wards.csv": _wards(),
        "population_margins.csv": _margins(),
        "survey_waves.csv": pd.DataFrame(
            WAVES, columns=["wave", "fieldwork_start", "fieldwork_end", "mode", "target_sample"]),
        "survey_items.csv": pd.DataFrame(SURVEY_ITEMS, columns=["item", "question",
                                                                "scale_points"]),
        "survey_responses.csv": pd.concat(waves, ignore_index=True),
    }


def _wards() -> pd.DataFrame:
    return pd.DataFrame({
        "ward_code": WARD_CODES,
        "ward_name": [name for _, name, _, _ in WARDS],
        "adult_population": list(WARD_ADULTS),
        "imd_quintile": [imd for _, _, imd, _ in WARDS],
        "urban_rural": [kind for *_, kind in WARDS],
    })


def _largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    """Round non-negative ``values`` to integers summing to ``total`` (largest remainders).

    >>> _largest_remainder(np.array([1.5, 1.3, 2.2]), 5).tolist()
    [2, 1, 2]
    """
    floor = np.floor(values).astype(int)
    short = total - int(floor.sum())
    order = np.argsort(-(values - floor), kind="stable")
    floor[order[:short]] += 1
    return floor


def _margins() -> pd.DataFrame:
    joint = population_joint()
    total = int(sum(WARD_ADULTS))
    rows = []
    categories = {"ward_code": WARD_CODES, **WEIGHTING_CATEGORIES}
    for axis, variable in enumerate(WEIGHTING_VARIABLES):
        counts = joint.sum(axis=tuple(i for i in range(joint.ndim) if i != axis))
        # Every variable must add up to the same whole number of adults.
        for category, count in zip(categories[variable], _largest_remainder(counts, total)):
            rows.append((variable, category, int(count), round(count / total, 4)))
    return pd.DataFrame(rows, columns=["variable", "category", "population", "share"])


def _ward_allocation(n: int, rng: np.random.Generator) -> np.ndarray:
    """Questionnaires back per ward: adults × response rate, small wards lifted to the floor."""
    imd = np.array([q for _, _, q, _ in WARDS])
    appetite = (np.array(WARD_ADULTS) * _RESPONSE_BY_IMD[imd - 1]
                * np.exp(rng.normal(0.0, 0.08, size=len(WARDS))))
    floored = np.zeros(len(WARDS), dtype=bool)
    while True:
        free = ~floored
        share = np.where(free, appetite, 0.0) / appetite[free].sum()
        alloc = np.where(floored, WARD_MINIMUM, (n - WARD_MINIMUM * floored.sum()) * share)
        below = free & (alloc < WARD_MINIMUM)
        if not below.any():
            return _largest_remainder(alloc, n)
        floored |= below


def _selection_probabilities(alloc: np.ndarray) -> np.ndarray:
    """P(cell | ward, responded): response propensities solved to give ``SAMPLE_SHARES``.

    Propensity is a product of one factor per weighting variable, so raking on the margins
    is the right correction in expectation.
    """
    pop = population_joint()
    n = alloc.sum()
    factors = [np.ones(len(cats)) for cats in WEIGHTING_CATEGORIES.values()]
    for _ in range(500):
        worst = 0.0
        for k, variable in enumerate(WEIGHTING_CATEGORIES):
            within = pop * _outer(factors)[None]
            within /= within.sum(axis=(1, 2, 3, 4), keepdims=True)
            expected = (alloc[:, None, None, None, None] * within).sum(
                axis=tuple(i for i in range(5) if i != k + 1)) / n
            target = np.array(SAMPLE_SHARES[variable])
            worst = max(worst, float(np.max(np.abs(expected - target))))
            factors[k] = factors[k] * target / expected
        if worst < 1e-9:
            break
    within = pop * _outer(factors)[None]
    return within / within.sum(axis=(1, 2, 3, 4), keepdims=True)


def _outer(factors: list[np.ndarray]) -> np.ndarray:
    a, s, e, t = factors
    return a[:, None, None, None] * s[None, :, None, None] * e[None, None, :, None] * t


def _draw_category(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (inverse CDF)."""
    u = rng.random(len(probs))
    return (u[:, None] > np.cumsum(probs, axis=1)[:, :-1]).sum(axis=1)


def _yes_no(flags: np.ndarray) -> np.ndarray:
    return np.where(flags, "Yes", "No")


def _sample_wave(index: int, wave: str, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Draw one wave's respondents and their answers."""
    alloc = _ward_allocation(n, rng)
    probs = _selection_probabilities(alloc)
    ward = np.repeat(np.arange(len(WARDS)), alloc)
    cells = np.concatenate([rng.choice(probs[w].size, size=alloc[w], p=probs[w].ravel())
                            for w in range(len(WARDS))])
    age, sex, eth, ten = np.unravel_index(cells, probs.shape[1:])
    dis = _draw_category(rng, disability_probabilities()[age, ten])
    children = rng.random(n) < CHILDREN_BY_AGE[age]
    used = {flag: (rng.random(n) < usage_probability(flag, age, children, dis == 0)).astype(int)
            for flag in USAGE}
    mood = rng.standard_normal(n)
    online = rng.random(n) < ONLINE_BY_AGE[age] + ONLINE_DRIFT * index
    frame = pd.DataFrame({
        "wave": wave, "mode": np.where(online, "online", "postal"),
        "ward_code": np.array(WARD_CODES)[ward], "age_band": np.array(AGES)[age],
        "sex": np.array(SEXES)[sex], "ethnic_group": np.array(ETHNIC_GROUPS)[eth],
        "tenure": np.array(TENURES)[ten],
        "disability": np.array(DISABILITY_CATEGORIES)[dis],
        "has_children": _yes_no(children),
        **{flag: _yes_no(used[flag] == 1) for flag in USAGE},
    })
    for item in ITEM_NAMES:
        flag = ITEMS[item].usage
        use = used[flag] if flag else np.zeros(n, dtype=int)
        codes = _answer(item, wave, rng, ward, age, sex, ten, dis, use, mood)
        frame[item] = pd.array(codes, dtype="Int64")
    # Questionnaires come back in no particular order; number them as they are keyed in.
    frame = frame.iloc[rng.permutation(n)].reset_index(drop=True)
    frame.insert(0, "respondent_id", [f"R{wave}-{i:04d}" for i in range(1, n + 1)])
    return frame[_RESPONDENT_COLUMNS + ITEM_NAMES]


def _answer(item: str, wave: str, rng: np.random.Generator, ward, age, sex, ten, dis, used,
            mood) -> list:
    """Codes for one item: 1 … scale points, 9 = don't know, None = not asked this wave."""
    n = len(ward)
    u_code, u_dk = rng.random(n), rng.random(n)  # drawn even when not asked: stable streams
    if (item, wave) not in intercepts():
        return [None] * n
    eta = intercepts()[(item, wave)] + linear_predictor(item, wave, ward, age, sex, ten, dis,
                                                        used, mood)
    cuts = np.array(ITEMS[item].thresholds)
    at_most = 1.0 / (1.0 + np.exp(-(eta[:, None] - cuts[None, :])))  # P(code <= k)
    codes = 1 + (u_code[:, None] > at_most).sum(axis=1)
    codes[u_dk < dont_know_probability(item, age, used)] = 9
    return codes.tolist()


# ---- scenario ---------------------------------------------------------------------------------

def _md_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of ``frame`` (values printed as they are)."""
    head = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"


def _unweighted(answers: pd.Series) -> tuple[float, float, int]:
    """(% satisfied of valid answers, % don't know of those asked, valid base)."""
    asked = answers.dropna()
    valid = asked[asked != 9]
    pct = 100 * float((valid <= 2).mean()) if len(valid) else float("nan")
    dk = 100 * float((asked == 9).mean()) if len(asked) else float("nan")
    return round(pct, 1), round(dk, 1), int(len(valid))


def _truth(item: str, wave: str, where: tuple = ()) -> float:
    """Population % satisfied from the model, optionally within a slice of
    (ward, age, sex, tenure, disability)."""
    counts = expected_counts(item, wave)
    return round(100 * float(counts["satisfied"][where].sum() / counts["valid"][where].sum()), 1)


def _truth_rest(item: str, wave: str, where: tuple) -> float:
    counts = expected_counts(item, wave)
    mask = np.ones(counts["valid"].shape, dtype=bool)
    mask[where] = False
    return round(100 * float(counts["satisfied"][mask].sum() / counts["valid"][mask].sum()), 1)


def scenario(tables: dict[str, pd.DataFrame]) -> str:
    """The "Population and survey" section of SCENARIO.md, computed from ``tables``.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        The output of :func:`build`.

    Returns
    -------
    str
        Markdown: population margins, the achieved sample and its skew, unweighted results
        beside the model's population truth, and every planted signal with its numbers.
    """
    margins = tables["population_margins.csv"]
    responses = tables["survey_responses.csv"]
    wards = tables["wards.csv"]
    parts = ["## Population and survey\n", _population_text(margins, responses, wards),
             _items_text(responses), _signals_text(responses)]
    return "\n".join(parts)


def _population_text(margins: pd.DataFrame, responses: pd.DataFrame,
                     wards: pd.DataFrame) -> str:
    total = int(margins.loc[margins["variable"] == "ward_code", "population"].sum())
    sizes = responses.groupby("wave").size()
    lines = [f"Ashbrook has {total:,} adults aged 18+ in {len(wards)} wards "
             f"({wards['adult_population'].min():,} to {wards['adult_population'].max():,} "
             "each). `population_margins.csv` gives the census-style margins of the five "
             "weighting variables; each variable sums to the same total. The survey achieved "
             + ", ".join(f"{n:,} returns in {w}" for w, n in sizes.items()) + ".\n",
             "### Population margins and the unweighted sample\n",
             "The sample leans older, Whiter, towards owner-occupiers and women, so estimates "
             "must be weighted (rake on all five variables).\n"]
    shares = {w: part for w, part in responses.groupby("wave")}
    rows = []
    for row in margins[margins["variable"] != "ward_code"].itertuples(index=False):
        entry = {"variable": row.variable, "category": row.category,
                 "population": f"{row.population:,}", "population %": f"{100 * row.share:.1f}"}
        for wave, part in shares.items():
            entry[f"sample {wave} %"] = f"{100 * (part[row.variable] == row.category).mean():.1f}"
        rows.append(entry)
    lines.append(_md_table(pd.DataFrame(rows)))
    lines.append("### Waves\n\nThe expected design effect is Kish's 1 + CV² of the weights that "
                 "undo the response model exactly (population share² / expected sample share, "
                 "summed over cells, given each ward's returns); raking on the five margins "
                 "should come close to it.\n")
    wave_rows = []
    for wave, part in shares.items():
        wave_rows.append({"wave": wave, "returns": f"{len(part):,}",
                          "online %": f"{100 * (part['mode'] == 'online').mean():.1f}",
                          "disabled %": f"{100 * (part['disability'] == 'Yes').mean():.1f}",
                          "expected design effect": f"{_expected_deff(part):.2f}"})
    lines.append(_md_table(pd.DataFrame(wave_rows)))
    lines.append("### Wards\n")
    by_ward = responses.groupby(["ward_code", "wave"]).size().unstack("wave")
    ward_rows = wards[["ward_code", "ward_name", "imd_quintile", "adult_population"]].copy()
    ward_rows["adult_population"] = ward_rows["adult_population"].map("{:,}".format)
    for wave in by_ward.columns:
        ward_rows[f"returns {wave}"] = ward_rows["ward_code"].map(by_ward[wave]).astype(int)
    lines.append(_md_table(ward_rows))
    return "\n".join(lines)


def _expected_deff(wave_responses: pd.DataFrame) -> float:
    """Kish design effect implied by the response model, given the wave's ward returns."""
    alloc = wave_responses["ward_code"].value_counts().reindex(WARD_CODES).to_numpy()
    expected = alloc[:, None, None, None, None] * _selection_probabilities(alloc) / alloc.sum()
    population = population_joint() / population_joint().sum()
    return float((population ** 2 / expected).sum())


def _items_text(responses: pd.DataFrame) -> str:
    rows = []
    for item in ITEM_NAMES:
        for wave, part in responses.groupby("wave"):
            if (item, wave) not in intercepts():
                rows.append({"item": item, "wave": wave, "population truth %": "not asked"})
                continue
            pct, dk, base = _unweighted(part[item])
            counts = expected_counts(item, wave)
            truth_dk = 100 * counts["dont_know"].sum() / (counts["dont_know"].sum()
                                                          + counts["valid"].sum())
            rows.append({"item": item, "wave": wave, "population truth %": _truth(item, wave),
                         "population DK %": f"{truth_dk:.1f}", "unweighted % satisfied": pct,
                         "unweighted DK %": dk, "valid base": f"{base:,}"})
    return ("### Items: population truth and unweighted results\n\n"
            "% satisfied = codes 1–2 of valid answers (don't know excluded). The population "
            "truth is the exact expectation of the answering model over the population; a "
            "well-weighted estimate should land within sampling error of it, while the "
            "unweighted figure carries the sample's skew.\n\n" + _md_table(pd.DataFrame(rows)))


# Planted wave-on-wave changes 2024 → 2025 and what an analysis should conclude.
_CHANGE_SIGNALS = [
    ("sat_street_clean", "significant fall"),
    ("sat_waste", "significant fall while the key PI stays green (perception gap)"),
    ("sat_libraries", "small fall, not significant"),
    ("sat_parks", "rise"),
]


def _signals_text(responses: pd.DataFrame) -> str:
    waves = {w: p for w, p in responses.groupby("wave")}
    first, last = WAVE_LABELS[-2], WAVE_LABELS[-1]
    rows = []
    for item, expected in _CHANGE_SIGNALS:
        (p0, _, n0), (p1, _, n1) = _unweighted(waves[first][item]), _unweighted(waves[last][item])
        t0, t1 = _truth(item, first), _truth(item, last)
        rows.append({"item": item, f"truth {first}": t0, f"truth {last}": t1,
                     "truth change": round(t1 - t0, 1),
                     f"unweighted {first} (base)": f"{p0} ({n0})",
                     f"unweighted {last} (base)": f"{p1} ({n1})",
                     "unweighted change": round(p1 - p0, 1), "expected after weighting": expected})
    text = [f"### Planted signals\n\nChanges {first} → {last} (weighted tests use effective "
            "bases n/deff):\n", _md_table(pd.DataFrame(rows))]

    item = "sat_street_clean"
    borough = _truth(item, last)
    hot_rows = []
    for code in STREET_HOTSPOT_WARDS:
        w = WARD_CODES.index(code)
        pct, _, base = _unweighted(waves[last].loc[waves[last]["ward_code"] == code, item])
        hot_rows.append({"ward": code, f"truth {last}": _truth(item, last, (w,)),
                         f"borough truth {last}": borough, "gap": round(_truth(item, last, (w,))
                                                                         - borough, 1),
                         f"unweighted {last} (base)": f"{pct} ({base})",
                         f"unweighted borough {last}": _unweighted(waves[last][item])[0]})
    others = [_truth(item, last, (WARD_CODES.index(c),)) for c in WARD_CODES
              if c not in STREET_HOTSPOT_WARDS]
    text += ["Street-cleaning hotspots: these wards should be significantly below the borough "
             f"in {last}; the other wards' truths range from {min(others)} to {max(others)}.\n",
             _md_table(pd.DataFrame(hot_rows))]

    item = "sat_council"
    groups = [("aged 18-34", "age_band", "18-34", (slice(None), AGES.index("18-34"))),
              ("disabled", "disability", "Yes", (Ellipsis, DISABILITY_CATEGORIES.index("Yes")))]
    eq_rows = []
    for label, column, value, where in groups:
        for wave, part in waves.items():
            inside = part[column] == value
            (pg, _, ng), (pr, _, nr) = _unweighted(part.loc[inside, item]), \
                _unweighted(part.loc[~inside, item])
            tg, tr = _truth(item, wave, where), _truth_rest(item, wave, where)
            eq_rows.append({"group": label, "wave": wave, "truth group": tg, "truth rest": tr,
                            "truth gap": round(tg - tr, 1), "unweighted group (base)":
                            f"{pg} ({ng})", "unweighted rest (base)": f"{pr} ({nr})",
                            "unweighted gap": round(pg - pr, 1)})
    text += ["Equality: satisfaction with the council, each group against everyone else "
             "(expected after weighting: the truth gap, significant at base ≥ 100).\n",
             _md_table(pd.DataFrame(eq_rows))]
    return "\n".join(text)

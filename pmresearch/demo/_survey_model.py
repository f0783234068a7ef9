"""The model behind the Ashbrook resident survey: who lives in the borough and how they answer.

Two parts, both deterministic:

* **Population.** Adults by ward × age band × sex × ethnic group × tenure, built from
  ward-level conditional distributions (deprived wards younger, more diverse, more renters)
  and then raked so the borough margins equal domain.md §5 and each ward's total equals its
  adult population.
* **Answers.** For each item and wave, a cumulative-logit model: a latent satisfaction score
  made of an item × wave intercept, person effects (age, sex, tenure, disability, service use),
  area effects (deprivation, ward, the street-cleaning hotspots) and a shared "general mood"
  so items correlate. Code 1–2 (satisfied) has probability ``sigmoid(eta)``. Don't know is a
  separate draw that depends on the item, age and, for service items, whether the person used
  the service.

Each item × wave intercept is solved so that the *population* % satisfied (valid answers,
don't know excluded) equals a chosen target: :func:`population_truth` is therefore the exact
answer a perfectly weighted survey would estimate, which the scenario and tests compare with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from ._ashbrook import (STREET_HOTSPOT_WARDS, SURVEY_ITEMS, WARDS,
                        WAVES, WEIGHTING_CATEGORIES)

__all__ = ["population_truth"]

AGES = WEIGHTING_CATEGORIES["age_band"]
SEXES = WEIGHTING_CATEGORIES["sex"]
ETHNIC_GROUPS = WEIGHTING_CATEGORIES["ethnic_group"]
TENURES = WEIGHTING_CATEGORIES["tenure"]
WAVE_LABELS = [label for label, *_ in WAVES]
ITEM_NAMES = [name for name, *_ in SURVEY_ITEMS]

# Seed of the model's fixed parts (ward character, ward effects), independent of the sampling
# seed in survey.py so that choosing a sample never changes the population or its truth.
_MODEL_SEED = 20_231_001

# Adults aged 18+ by ward, in _ashbrook.WARDS order (total 209,942). The deprived urban wards
# are the populous ones, which also keeps the two street-cleaning hotspots above a base of 60.
WARD_ADULTS = (14812, 12118, 10407, 11621, 13641, 6274, 10893, 7418, 13107, 6802,
               7931, 11584, 12876, 6093, 10214, 9788, 11907, 9632, 7236, 15588)

# Borough margins the population is raked to (domain.md §5).
BOROUGH_SHARES = {
    "age_band": (0.27, 0.33, 0.16, 0.24),
    "sex": (0.51, 0.49),
    "ethnic_group": (0.84, 0.08, 0.035, 0.025, 0.02),
    "tenure": (0.63, 0.17, 0.20),
}

# Deprivation index per ward: +1 for IMD quintile 1 (most deprived) … -1 for quintile 5.
DEPRIVATION = np.array([(3 - imd) / 2 for _, _, imd, _ in WARDS])
_RURAL = np.array([1.0 if kind == "rural" else 0.0 for *_, kind in WARDS])
_HOTSPOT = np.array([1.0 if code in STREET_HOTSPOT_WARDS else 0.0 for code, *_ in WARDS])


def _ipf(seed: np.ndarray, targets: list[tuple[int, np.ndarray]], *, tol: float = 1e-12,
         max_iter: int = 1000) -> np.ndarray:
    """Scale ``seed`` until its sum over every axis but ``axis`` equals each target."""
    table = seed.astype(float).copy()
    for _ in range(max_iter):
        worst = 0.0
        for axis, target in targets:
            others = tuple(i for i in range(table.ndim) if i != axis)
            current = table.sum(axis=others)
            worst = max(worst, float(np.max(np.abs(current / target - 1.0))))
            shape = [1] * table.ndim
            shape[axis] = -1
            table *= (target / current).reshape(shape)
        if worst < tol:
            return table
    raise RuntimeError("population raking did not converge")  # fixed inputs: a bug if reached


def _seed_joint() -> np.ndarray:
    """Ward-level structure before raking: ward × age × sex × ethnic group × tenure."""
    dep, rural = DEPRIVATION[:, None], _RURAL[:, None]
    # Each ward also has a character of its own beyond its deprivation and rurality.
    quirk = np.random.default_rng(_MODEL_SEED + 1).normal(0.0, 1.0, size=(len(WARDS), 8))
    # Deprived wards are younger, rural wards older (log-linear shifts on a borough profile).
    age = np.array(BOROUGH_SHARES["age_band"]) * np.exp(
        dep * np.array([0.35, 0.05, -0.20, -0.40]) + rural * np.array([-0.30, -0.05, 0.15, 0.25])
        + 0.12 * quirk[:, 0:4])
    age /= age.sum(axis=1, keepdims=True)
    female = np.array([0.49, 0.505, 0.51, 0.55])  # women outlive men, so 65+ leans female
    sex = np.stack([female, 1 - female], axis=1)
    # Tenure by age, shifted towards renting in deprived wards and owning in rural ones.
    tenure = np.array([[0.34, 0.20, 0.46], [0.64, 0.16, 0.20], [0.76, 0.15, 0.09],
                       [0.78, 0.17, 0.05]])[None, :, :] * np.exp(
        dep[:, :, None] * np.array([-0.45, 0.70, 0.25]) +
        rural[:, :, None] * np.array([0.15, -0.35, -0.10]) + 0.15 * quirk[:, None, 4:7])
    tenure /= tenure.sum(axis=2, keepdims=True)
    # Ethnic minorities: younger, more often renting, concentrated in deprived urban wards.
    odds = np.exp(dep[:, :, None] * 0.9 - rural[:, :, None] * 0.7 + 0.25 * quirk[:, 7, None, None] +
                  np.array([0.45, 0.10, -0.35, -0.70])[None, :, None] +
                  np.array([-0.25, 0.25, 0.35])[None, None, :])
    eth = np.array(BOROUGH_SHARES["ethnic_group"])[None, None, None, :] * np.ones(odds.shape + (5,))
    eth[..., 1:] *= odds[..., None]
    eth /= eth.sum(axis=3, keepdims=True)  # ward × age × tenure × ethnic group
    joint = (np.array(WARD_ADULTS, dtype=float)[:, None, None, None, None]
             * age[:, :, None, None, None] * sex[None, :, :, None, None]
             * tenure[:, :, None, None, :] * eth.transpose(0, 1, 3, 2)[:, :, None, :, :])
    return joint


@lru_cache(maxsize=1)
def population_joint() -> np.ndarray:
    """Adults by ward × age band × sex × ethnic group × tenure (fractional counts, read-only).

    Axes follow ``_ashbrook.WARDS`` and ``WEIGHTING_CATEGORIES`` order; ward totals equal
    ``WARD_ADULTS`` and the borough margins equal ``BOROUGH_SHARES`` × total.
    """
    total = float(sum(WARD_ADULTS))
    targets = [(0, np.array(WARD_ADULTS, dtype=float))]
    for axis, variable in enumerate(["age_band", "sex", "ethnic_group", "tenure"], start=1):
        targets.append((axis, np.array(BOROUGH_SHARES[variable]) * total))
    joint = _ipf(_seed_joint(), targets)
    joint.setflags(write=False)
    return joint


# ---- person attributes beyond the weighting variables ----------------------------------------

# P(disability = Yes / No / Prefer not to say | age, tenure): rises with age, higher among
# social renters; about 18% Yes across the borough.
_DISABLED_BY_AGE = np.array([0.09, 0.14, 0.215, 0.305])
_DISABLED_TENURE = np.array([0.90, 1.55, 1.00])
_PREFER_NOT = 0.03


def disability_probabilities() -> np.ndarray:
    """P(disability | age, tenure): shape (age, tenure, 3), ``DISABILITY_CATEGORIES`` order."""
    yes = np.clip(_DISABLED_BY_AGE[:, None] * _DISABLED_TENURE[None, :], 0, 0.6)
    return np.stack([yes, 1 - yes - _PREFER_NOT, np.full_like(yes, _PREFER_NOT)], axis=2)


#: P(children in the household | age band).
CHILDREN_BY_AGE = np.array([0.38, 0.58, 0.10, 0.02])

# P(used the service in the last 12 months | age) and the lift from children and disability.
USAGE = {
    "used_library_12m": (np.array([0.28, 0.33, 0.32, 0.42]), 0.15, 0.85),
    "used_leisure_12m": (np.array([0.58, 0.50, 0.36, 0.22]), 0.12, 0.60),
    "used_parks_12m": (np.array([0.80, 0.83, 0.76, 0.62]), 0.10, 0.85),
}


def usage_probability(flag: str, age: np.ndarray, children: np.ndarray,
                      disabled: np.ndarray) -> np.ndarray:
    """P(used the service | age index, has children, disability == Yes); broadcasts."""
    base, child_lift, disabled_factor = USAGE[flag]
    p = (base[age] + child_lift * children) * np.where(disabled, disabled_factor, 1.0)
    return np.clip(p, 0.0, 0.97)


#: P(answered online rather than on paper | age), plus a drift towards online each wave.
ONLINE_BY_AGE = np.array([0.72, 0.58, 0.40, 0.18])
ONLINE_DRIFT = 0.04


# ---- the item model ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemModel:
    """Effects (logit scale) on the chance of a satisfied answer to one item.

    ``targets`` are the population % satisfied per wave (``None`` = not asked that wave); the
    intercepts are solved to meet them. ``thresholds`` are the cumulative-logit cut points
    between codes; the one equal to 0 separates satisfied (codes 1–2) from the rest.
    """

    targets: tuple
    age: tuple = (0.0, 0.0, 0.0, 0.0)
    female: float = 0.0
    tenure: tuple = (0.0, 0.0, 0.0)
    disabled: float = 0.0
    deprivation: float = 0.0
    loading: float = 0.8
    dont_know: float = 0.02
    usage: str | None = None
    user_effect: float = 0.0
    dont_know_non_user: float = 0.0
    ward_sd: float = 0.10
    thresholds: tuple = field(default=(2.6, 0.0, -1.2, -2.5))


_FOUR = (2.8, 0.0, -1.9)  # cut points of the 4-point items
ITEMS = {
    "sat_area": ItemModel((81.0, 81.5, 80.5), age=(-0.1, -0.05, 0.1, 0.3), tenure=(0, -0.3, -0.15),
                          disabled=-0.2, deprivation=-0.45, loading=1.0, dont_know=0.01,
                          ward_sd=0.15),
    "sat_council": ItemModel((60.5, 59.5, 58.5), age=(-0.66, 0.0, 0.05, 0.2),
                             tenure=(0, 0.05, -0.1), disabled=-0.88, deprivation=-0.1,
                             loading=1.3, dont_know=0.04),
    "vfm": ItemModel((46.0, 45.0, 43.5), age=(-0.35, -0.1, 0.0, 0.2), tenure=(0, 0.1, -0.1),
                     disabled=-0.35, loading=1.3, dont_know=0.07,
                     thresholds=(2.4, 0.0, -1.4, -2.7)),  # agree/disagree: a wider "neither"
    "acts_concerns": ItemModel((53.0, 52.0, 51.0), age=(-0.3, -0.1, 0.0, 0.15), disabled=-0.4,
                               loading=1.3, dont_know=0.10, thresholds=_FOUR),
    "informed": ItemModel((57.0, 56.0, 55.5), age=(-0.4, -0.1, 0.0, 0.25), disabled=-0.2,
                          loading=1.1, dont_know=0.03, thresholds=_FOUR),
    "trust": ItemModel((57.0, 56.0, 55.0), age=(-0.35, -0.05, 0.0, 0.2), disabled=-0.4,
                       loading=1.3, dont_know=0.06, thresholds=_FOUR),
    "safe_day": ItemModel((91.0, 90.5, 90.0), age=(0.0, 0.0, 0.0, -0.2), female=-0.2,
                          disabled=-0.4, deprivation=-0.5, loading=0.7, dont_know=0.01,
                          thresholds=_FOUR),
    "safe_night": ItemModel((64.0, 63.0, 62.5), age=(0.1, 0.0, -0.1, -0.35), female=-0.75,
                            disabled=-0.45, deprivation=-0.5, loading=0.7, dont_know=0.03,
                            thresholds=_FOUR),
    "sat_waste": ItemModel((78.0, 79.6, 74.4), age=(-0.2, -0.1, 0.0, 0.2), deprivation=-0.1),
    "sat_recycling": ItemModel((None, 76.0, 73.0), age=(-0.2, -0.1, 0.0, 0.2), deprivation=-0.1,
                               dont_know=0.03),
    "sat_street_clean": ItemModel((64.0, 66.0, 58.5), age=(-0.1, 0.0, 0.0, 0.1),
                                  deprivation=-0.2, dont_know=0.03, ward_sd=0.05),
    "sat_parks": ItemModel((72.0, 71.5, 76.5), deprivation=-0.2, usage="used_parks_12m",
                           user_effect=0.3, dont_know=0.01, dont_know_non_user=0.25),
    "sat_libraries": ItemModel((63.0, 63.5, 60.5), age=(-0.1, 0.0, 0.0, 0.15),
                               usage="used_library_12m", user_effect=0.5, dont_know=0.03,
                               dont_know_non_user=0.42),
    "sat_leisure": ItemModel((58.0, 59.0, 59.0), usage="used_leisure_12m", user_effect=0.3,
                             dont_know=0.03, dont_know_non_user=0.40),
    "sat_roads": ItemModel((37.0, 36.5, 35.0), age=(0.2, -0.05, -0.1, 0.0), loading=0.8,
                           dont_know=0.03),
    "sat_pavements": ItemModel((47.0, 46.0, 44.5), age=(0.1, 0.0, -0.05, -0.2), disabled=-0.3,
                               dont_know=0.03),
}

# Extra logit shift on street cleaning in the two hotspot wards, growing into 2025.
HOTSPOT_EFFECT = {"2023": -0.45, "2024": -0.55, "2025": -1.15}
# Young people answer "don't know" more often on everything (multiplier on the DK chance).
_DONT_KNOW_AGE = np.array([1.5, 1.0, 0.9, 1.0])


@lru_cache(maxsize=1)
def ward_effects() -> dict[str, np.ndarray]:
    """Stable ward-level logit shifts per item (centred, item-specific spread)."""
    rng = np.random.default_rng(_MODEL_SEED)
    effects = {}
    for name, model in ITEMS.items():
        draw = rng.standard_normal(len(WARDS))
        effects[name] = model.ward_sd * (draw - draw.mean())
    return effects


def linear_predictor(item: str, wave: str, ward, age, sex, tenure, disability, used,
                     mood) -> np.ndarray:
    """Logit of a satisfied answer without the item × wave intercept; arguments broadcast.

    ``ward``, ``age``, ``sex``, ``tenure`` and ``disability`` are category indices, ``used`` is
    0/1 (ignored for items without a usage flag) and ``mood`` the person's general mood.
    """
    m = ITEMS[item]
    eta = (np.asarray(m.age)[age] + m.female * (sex == 0) + np.asarray(m.tenure)[tenure]
           + m.disabled * (disability == 0) + m.deprivation * DEPRIVATION[ward]
           + ward_effects()[item][ward] + m.loading * mood)
    if item == "sat_street_clean":
        eta = eta + HOTSPOT_EFFECT[wave] * _HOTSPOT[ward]
    if m.usage is not None:
        eta = eta + m.user_effect * used
    return eta


def dont_know_probability(item: str, age, used) -> np.ndarray:
    """P(don't know) by age index and service use (0/1); broadcasts."""
    m = ITEMS[item]
    base = m.dont_know if m.usage is None else np.where(used == 1, m.dont_know,
                                                        m.dont_know_non_user)
    return np.clip(base * _DONT_KNOW_AGE[age], 0.0, 0.95)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@lru_cache(maxsize=1)
def _grid():
    """Population grid (ward, age, sex, tenure, disability, use, mood node) and its weights."""
    n_nodes = 24
    nodes, node_w = np.polynomial.hermite_e.hermegauss(n_nodes)
    node_w = node_w / node_w.sum()  # standard-normal mood integrated by Gauss–Hermite
    ward, age, sex, tenure, dis, used, q = np.ix_(range(len(WARDS)), range(4), range(2), range(3),
                                                 range(3), range(2), range(n_nodes))
    people = population_joint().sum(axis=3)  # ethnic group does not enter the item model
    p_dis = disability_probabilities()
    base = (people[ward, age, sex, tenure] * p_dis[age, tenure, dis] * node_w[q])
    use_w = {}
    for flag in USAGE:
        # Marginalise children out of P(use | age, children, disability).
        p_use = sum(p_ch * usage_probability(flag, age, ch, dis == 0)
                    for ch, p_ch in ((1, CHILDREN_BY_AGE[age]), (0, 1 - CHILDREN_BY_AGE[age])))
        use_w[flag] = np.where(used == 1, p_use, 1 - p_use)
    no_flag = (used == 0).astype(float)  # items without a usage flag: everyone in the used=0 slot
    return dict(ward=ward, age=age, sex=sex, tenure=tenure, dis=dis, used=used,
                mood=nodes[q], base=base, use_w=use_w, no_flag=no_flag)


def _item_grid(item: str, wave: str):
    """Population weights, valid-answer chance and intercept-free logit over the grid."""
    g = _grid()
    m = ITEMS[item]
    weight = g["base"] * (g["use_w"][m.usage] if m.usage else g["no_flag"])
    eta = linear_predictor(item, wave, g["ward"], g["age"], g["sex"], g["tenure"], g["dis"],
                           g["used"], g["mood"])
    dk = dont_know_probability(item, g["age"], g["used"])
    return np.broadcast_arrays(weight, dk, eta)


@lru_cache(maxsize=1)
def intercepts() -> dict[tuple[str, str], float]:
    """Item × wave intercepts solved so population % satisfied equals the item's target."""
    solved = {}
    for item, model in ITEMS.items():
        for wave, target in zip(WAVE_LABELS, model.targets):
            if target is None:
                continue
            weight, dk, eta = _item_grid(item, wave)
            valid = weight * (1 - dk)
            goal, alpha = target / 100.0, np.log(target / (100.0 - target))
            for _ in range(50):  # Newton on a monotone mixture of logistics
                p = _sigmoid(alpha + eta)
                gap = (valid * p).sum() / valid.sum() - goal
                alpha -= gap / ((valid * p * (1 - p)).sum() / valid.sum())
                if abs(gap) < 1e-12:
                    break
            solved[(item, wave)] = float(alpha)
    return solved


def expected_counts(item: str, wave: str) -> dict[str, np.ndarray]:
    """Expected satisfied, valid and don't-know adults over (ward, age, sex, tenure, disability).

    Sum any slice to get the population truth of a subgroup, e.g. a ward or the disabled.
    """
    weight, dk, eta = _item_grid(item, wave)
    p = _sigmoid(intercepts()[(item, wave)] + eta)
    keep = (5, 6)  # sum out service use and the mood nodes
    return {"satisfied": (weight * (1 - dk) * p).sum(axis=keep),
            "valid": (weight * (1 - dk)).sum(axis=keep),
            "dont_know": (weight * dk).sum(axis=keep)}


def population_truth() -> pd.DataFrame:
    """The population % satisfied and % don't know per item and wave, from the model.

    This is what a survey weighted perfectly to the population would estimate; items not
    asked in a wave are left out.

    Returns
    -------
    pandas.DataFrame
        Columns ``item``, ``wave``, ``pct_satisfied`` (of valid answers) and
        ``pct_dont_know`` (of all adults), rounded to 2 decimals.

    Examples
    --------
    >>> truth = population_truth()
    >>> truth.query("item == 'sat_street_clean'")["pct_satisfied"].tolist()
    [64.0, 66.0, 58.5]
    """
    rows = []
    for item in ITEM_NAMES:
        for wave in WAVE_LABELS:
            if (item, wave) not in intercepts():
                continue
            counts = expected_counts(item, wave)
            everyone = counts["valid"].sum() + counts["dont_know"].sum()
            rows.append({"item": item, "wave": wave,
                         "pct_satisfied": round(100 * counts["satisfied"].sum()
                                                / counts["valid"].sum(), 2),
                         "pct_dont_know": round(100 * counts["dont_know"].sum() / everyone, 2)})
    return pd.DataFrame(rows)

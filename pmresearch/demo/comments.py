"""Ashbrook's free-text comments, with gold labels and a hand-coded sample.

``build()`` returns ``comments.csv`` (about 3,000 comments from the resident survey, two budget
consultations, the parks strategy consultation, complaints and the citizens' panel) and
``hand_coded.csv`` (a stratified sample coded by two people). Every comment is planned first —
its codes, their stances, the overall sentiment, the consultation stance — and then written from
clause banks (``_comment_phrases``, ``_comment_extras``), so the gold labels are true of the text.

Planted signals (domain.md §5), all in the four quarters to the current period:

* street cleansing: negative litter (S1) and fly-tipping (S2) dominate, concentrated in
  ``_ashbrook.STREET_HOTSPOT_WARDS``;
* waste and recycling: missed bins (W1) and confusing rules (W2) surge after the new collection
  rounds of February 2025, while the missed-bins PI stays green;
* libraries: opening hours (L1) negative and the "Save Larkrise Library" campaign (L3);
* parks: mostly positive, play areas (P2) negative;
* planning and customer services: delays (PL1) and phone waits (C1) negative;
* council tax (X1) dominates the budget consultations.

``scenario(tables)`` reports all of this from the tables themselves.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from . import _ashbrook
from ._comment_coders import hand_code
from ._comment_extras import CAMPAIGNS
from ._comment_report import comments_scenario
from ._comment_text import CommentPlan, add_personal_data, add_typos, campaign_text, compose

__all__ = ["build", "scenario"]

_SEED = 20250930
_SOURCE_COUNTS = {"survey": 1200, "budget_consultation": 600, "parks_consultation": 450,
                  "complaint": 450, "citizens_panel": 300}
_PII_ROWS = 60
_TYPO_SHARE = 0.055



def _period_start(label: str) -> date:
    """First day of a financial quarter such as ``2025-26 Q2``.

    >>> _period_start("2025-26 Q2"), _period_start("2024-25 Q4")
    (datetime.date(2025, 7, 1), datetime.date(2025, 1, 1))
    """
    months = _ashbrook.FINANCIAL_YEAR_START_MONTH - 1 + 3 * (int(label[-1]) - 1)
    return date(int(label[:4]) + months // 12, months % 12 + 1, 1)


_CURRENT = _ashbrook.PERIODS.index(_ashbrook.CURRENT_PERIOD)
_LATEST_PERIODS = _ashbrook.PERIODS[_CURRENT - 3:_CURRENT + 1]
# Complaints and the citizens' panel cover the ten quarters from 2023-24 Q1.
_RUNNING_PERIODS = _ashbrook.PERIODS[_ashbrook.PERIODS.index("2023-24 Q1"):_CURRENT + 1]
_FIRST_DAY = _period_start(_RUNNING_PERIODS[0])
_LATEST_START = _period_start(_LATEST_PERIODS[0])
# Nothing is dated after the current period: the workspace describes the council as of its end.
_LAST_DAY = date(_LATEST_START.year + 1, _LATEST_START.month, 1) - timedelta(days=1)
# The new collection rounds began on this Monday; the waste complaints surge afterwards.
_NEW_ROUNDS_START = date(2025, 2, 3)
_SURGE_COMPLAINT_SHARE = 0.2

_SURVEY_QUESTION = ("Is there anything else you would like to tell us about Ashbrook Borough "
                    "Council or the services it provides?")
_COMPLAINT_QUESTION = "Please describe your complaint and what you would like us to do to put things right."
_CONSULTATIONS = {
    "BUD-2024": ("budget_consultation", date(2023, 12, 1), date(2024, 1, 26),
                 "To balance the 2024-25 budget the council proposes to raise council tax by 4.99% "
                 "and to save £6.2m, including higher bulky waste charges and leisure prices. Do you "
                 "agree or disagree with these proposals? Please tell us why."),
    "BUD-2025": ("budget_consultation", date(2024, 12, 2), date(2025, 1, 27),
                 "To balance the 2025-26 budget the council proposes to raise council tax by 4.99%, "
                 "reduce opening hours at five libraries and review the future of Larkrise Library. "
                 "Do you agree or disagree with these proposals? Please tell us why."),
    "PARKS-2025": ("parks_consultation", date(2025, 6, 9), date(2025, 8, 31),
                   "Do you agree or disagree with the priorities in the draft Parks and Open Spaces "
                   "Strategy 2025-2035, including fewer but larger play areas? Please tell us why."),
}
_PANEL_QUESTIONS = [
    "Citizens' Panel: what one thing would most improve your local area?",
    "Citizens' Panel: how could the council keep you better informed?",
    "Citizens' Panel: what do you think of the council's services in your area?",
    "Citizens' Panel: if you could change one council service, what would it be and why?",
]

# Which services each source's comments are about; "" is cross-cutting (codes X1-X4).
_SERVICE_WEIGHTS = {
    "survey": {"waste_recycling": 15, "street_cleansing": 16, "parks": 10, "libraries": 8,
               "leisure": 7, "highways": 16, "planning": 4, "customer_services": 6, "": 18},
    "budget_consultation": {"": 50, "libraries": 14, "leisure": 8, "waste_recycling": 6,
                            "street_cleansing": 6, "highways": 7, "parks": 3,
                            "customer_services": 4, "planning": 2},
    "parks_consultation": {"parks": 85, "": 8, "street_cleansing": 4, "leisure": 3},
    "complaint": {"waste_recycling": 18, "street_cleansing": 18, "highways": 20, "planning": 11,
                  "customer_services": 17, "parks": 5, "libraries": 5, "leisure": 6},
    "citizens_panel": {"waste_recycling": 14, "street_cleansing": 14, "parks": 10, "libraries": 9,
                       "leisure": 8, "highways": 15, "planning": 6, "customer_services": 8, "": 16},
}
# Shares of empty answers (Z2) and off-frame comments (Z1) by source.
_SPECIAL_SHARES = {"survey": (0.05, 0.03), "budget_consultation": (0.03, 0.01),
                   "parks_consultation": (0.02, 0.01), "complaint": (0.0, 0.02),
                   "citizens_panel": (0.03, 0.04)}

_THEME_WEIGHTS = {
    "waste_recycling": {"W1": 40, "W2": 30, "W3": 30},
    "street_cleansing": {"S1": 40, "S2": 30, "S3": 30},
    "parks": {"P1": 66, "P2": 24, "P3": 10},
    "libraries": {"L1": 45, "L2": 35, "L3": 20},
    "leisure": {"LE1": 50, "LE2": 50},
    "highways": {"H1": 55, "H2": 25, "H3": 20},
    "planning": {"PL1": 55, "PL2": 45},
    "customer_services": {"C1": 45, "C2": 35, "C3": 20},
    "": {"X1": 40, "X2": 20, "X3": 28, "X4": 12},
}
_SIGNAL_THEME_WEIGHTS = {
    "street_latest": {"S1": 52, "S2": 40, "S3": 8},
    "waste_surge": {"W1": 52, "W2": 40, "W3": 8},
    "budget": {"X1": 72, "X2": 6, "X3": 16, "X4": 6},
    "budget_libraries": {"L1": 50, "L2": 10, "L3": 40},
}

# (negative, positive, neutral, mixed) stance probabilities per code.
_STANCES = ("negative", "positive", "neutral", "mixed")
_STANCE_PROBS = {
    "W1": (0.42, 0.33, 0.10, 0.15), "W2": (0.42, 0.25, 0.20, 0.13), "W3": (0.48, 0.25, 0.17, 0.10),
    "S1": (0.58, 0.17, 0.13, 0.12), "S2": (0.64, 0.14, 0.14, 0.08), "S3": (0.68, 0.10, 0.17, 0.05),
    "P1": (0.08, 0.72, 0.10, 0.10), "P2": (0.74, 0.10, 0.12, 0.04), "P3": (0.52, 0.18, 0.22, 0.08),
    "L1": (0.72, 0.06, 0.14, 0.08), "L2": (0.15, 0.60, 0.15, 0.10), "L3": (0.86, 0.04, 0.10, 0.00),
    "LE1": (0.50, 0.22, 0.18, 0.10), "LE2": (0.48, 0.30, 0.12, 0.10),
    "H1": (0.70, 0.09, 0.13, 0.08), "H2": (0.72, 0.08, 0.15, 0.05), "H3": (0.68, 0.10, 0.17, 0.05),
    "PL1": (0.78, 0.07, 0.12, 0.03), "PL2": (0.74, 0.08, 0.15, 0.03),
    "C1": (0.80, 0.08, 0.10, 0.02), "C2": (0.25, 0.62, 0.10, 0.03), "C3": (0.48, 0.27, 0.22, 0.03),
    "X1": (0.58, 0.15, 0.19, 0.08), "X2": (0.55, 0.20, 0.25, 0.00), "X3": (0.62, 0.18, 0.20, 0.00),
    "X4": (0.60, 0.12, 0.28, 0.00),
}
# Open questions draw a fair share of praise; a complaints form draws out complaints.
_SOURCE_STANCE_FACTORS = {"complaint": (1.0, 0.25, 0.5, 0.6),
                          "survey": (0.8, 1.25, 1.15, 1.1),
                          "citizens_panel": (0.8, 1.25, 1.15, 1.1),
                          "budget_consultation": (0.9, 1.2, 1.1, 1.0)}
_SIGNAL_STANCE_PROBS = {
    "street_latest": (0.88, 0.05, 0.05, 0.02),
    "waste_surge": (0.86, 0.05, 0.05, 0.04),
}
_OFF_FRAME_PROBS = (0.5, 0.2, 0.3)  # negative, positive, neutral
_THEME_COUNT_PROBS = (0.56, 0.35, 0.09)  # one, two or three codes

_WARD_MISSING = {"survey": 0.03, "budget_consultation": 0.30, "parks_consultation": 0.20,
                 "complaint": 0.30, "citizens_panel": 0.05}
_PEOPLE_MISSING = {"survey": 0.14, "budget_consultation": 0.22, "parks_consultation": 0.22,
                   "complaint": 0.34, "citizens_panel": 0.08}
_ITEM_MISSING = 0.08
_PEOPLE_SHARES = {
    "age_band": [0.16, 0.32, 0.22, 0.30],
    "sex": [0.55, 0.45],
    "ethnic_group": [0.87, 0.07, 0.03, 0.02, 0.01],
    "disability": [0.20, 0.72, 0.08],
}
_RESPONDENT_TYPES = {
    "survey": {"resident": 1.0},
    "budget_consultation": {"resident": 0.86, "business": 0.06, "community group": 0.04,
                            "voluntary organisation": 0.02, "town or parish council": 0.01,
                            "council employee": 0.01},
    "parks_consultation": {"resident": 0.82, "community group": 0.08, "sports club": 0.05,
                           "voluntary organisation": 0.03, "business": 0.02},
    "complaint": {"resident": 0.93, "business": 0.06, "community group": 0.01},
    "citizens_panel": {"resident": 1.0},
}
_EVIDENCE_SHARE = {"survey": 0.18, "budget_consultation": 0.12, "parks_consultation": 0.15,
                   "complaint": 0.60, "citizens_panel": 0.15}
_LENGTHS = ("short", "medium", "long")
_LENGTH_PROBS = {"survey": (0.50, 0.42, 0.08), "budget_consultation": (0.40, 0.50, 0.10),
                 "parks_consultation": (0.45, 0.47, 0.08), "complaint": (0.15, 0.60, 0.25),
                 "citizens_panel": (0.50, 0.44, 0.06)}
_PII_TYPES = ["email", "phone", "postcode", "ni_number", "vehicle_reg", "address", "name"]
_PII_TYPE_PROBS = [0.15, 0.15, 0.09, 0.07, 0.08, 0.12, 0.34]

_COLUMNS = ["comment_id", "source", "consultation_id", "question_text", "date", "ward_code",
            "age_band", "sex", "ethnic_group", "disability", "respondent_type", "service_id",
            "text", "themes", "theme_stances", "sentiment", "stance", "evidence_rich",
            "contains_pii", "pii_types", "campaign_group"]


def build() -> dict[str, pd.DataFrame]:
    """Generate the demo comments and their hand-coded sample.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``comments.csv`` (one row per comment; columns as in ``docs/workspace.md`` plus the gold
        labels ``themes``, ``theme_stances``, ``sentiment``, ``stance``, ``evidence_rich``,
        ``contains_pii``, ``pii_types``, ``campaign_group``) and ``hand_coded.csv``
        (``comment_id``, ``coder``, ``sentiment``, ``themes``). Blank cells are missing values.

    Examples
    --------
    >>> tables = build()
    >>> sorted(tables)
    ['comments.csv', 'hand_coded.csv']
    >>> tables["comments.csv"]["comment_id"].iloc[0]
    'C00001'
    """
    rows = _planned_rows()
    _add_personal_data(rows, np.random.default_rng([_SEED, 1]))
    rows.sort(key=lambda row: (row["date"], list(_SOURCE_COUNTS).index(row["source"]), row["seq"]))
    for number, row in enumerate(rows, start=1):
        row["comment_id"] = f"C{number:05d}"
    comments = pd.DataFrame(rows)[_COLUMNS].astype("string")
    coded = hand_code(comments, np.random.default_rng([_SEED, 2]))
    return {"comments.csv": comments, "hand_coded.csv": coded}


def scenario(tables: dict[str, pd.DataFrame]) -> str:
    """The "## Comments" section of SCENARIO.md, every number computed from ``tables``.

    Examples
    --------
    >>> scenario(build()).splitlines()[0]
    '## Comments'
    """
    return comments_scenario(tables["comments.csv"], tables["hand_coded.csv"],
                             latest_periods=_LATEST_PERIODS,
                             hotspot_wards=_ashbrook.STREET_HOTSPOT_WARDS,
                             new_rounds_start=_NEW_ROUNDS_START.isoformat())


def _planned_rows() -> list[dict]:
    """Every comment as a dict: campaigns first, then the ordinary comments of each source."""
    rows: list[dict] = []
    remaining = dict(_SOURCE_COUNTS)
    for name in sorted(CAMPAIGNS):
        spec = CAMPAIGNS[name]
        for _ in range(spec["size"]):
            rows.append(_campaign_row(name, len(rows)))
        remaining[spec["source"]] -= spec["size"]
    for source, count in remaining.items():
        for _ in range(count):
            rows.append(_ordinary_row(source, len(rows)))
    return rows


def _ordinary_row(source: str, seq: int) -> dict:
    # One generator per row keeps each comment stable when other rows' recipes change.
    rng = np.random.default_rng([_SEED, 0, seq])
    day, consultation_id, question = _draw_occasion(source, seq, rng)
    service_id, theme_stances = _draw_topic(source, day, rng)
    sentiment = _overall_sentiment(theme_stances)
    stance, stance_sentence = _consultation_stance(source, consultation_id, service_id, theme_stances,
                                                   sentiment, rng)
    respondent_type = _weighted(rng, _RESPONDENT_TYPES[source])
    ward_code = _draw_ward(source, service_id, day, rng)
    codes = [code for code, _ in theme_stances]
    special = codes[0] in ("Z1", "Z2")
    evidence = not special and rng.random() < _EVIDENCE_SHARE[source]
    length = "short" if special else _LENGTHS[_weighted_index(rng, _LENGTH_PROBS[source])]
    plan = CommentPlan(theme_stances=tuple(theme_stances), sentiment=sentiment, source=source,
                       stance_sentence=stance_sentence, evidence=evidence, length=length,
                       surge=service_id == "waste_recycling" and day >= _NEW_ROUNDS_START,
                       ward_code=ward_code)
    text = compose(plan, rng)
    if codes != ["Z2"] and rng.random() < _TYPO_SHARE:
        text = add_typos(text, rng)
    return {
        "seq": seq, "source": source, "consultation_id": consultation_id, "question_text": question,
        "date": day.isoformat(), "ward_code": ward_code,
        **_draw_people(source, respondent_type, rng), "respondent_type": respondent_type,
        "service_id": service_id or None, "text": text, **_label_columns(theme_stances, sentiment),
        "stance": stance, "evidence_rich": "true" if evidence else "false",
        "contains_pii": "false", "pii_types": None, "campaign_group": None,
    }


def _campaign_row(name: str, seq: int) -> dict:
    spec = CAMPAIGNS[name]
    rng = np.random.default_rng([_SEED, 0, seq])
    source = spec["source"]
    if spec["consultation_id"]:
        _, start, end, question = _CONSULTATIONS[spec["consultation_id"]]
    else:
        # Letters about the Kingsmead Fields application arrived while it was being decided.
        start, end, question = date(2025, 3, 3), date(2025, 6, 27), _COMPLAINT_QUESTION
    respondent_type = "community group" if rng.random() < 0.08 else "resident"
    theme_stances = list(spec["theme_stances"])
    return {
        "seq": seq, "source": source, "consultation_id": spec["consultation_id"],
        "question_text": question, "date": _uniform_day(rng, start, end).isoformat(),
        "ward_code": None if rng.random() < 0.1 else _pick(rng, spec["wards"]),
        **_draw_people(source, respondent_type, rng), "respondent_type": respondent_type,
        "service_id": spec["service_id"], "text": campaign_text(name, rng),
        **_label_columns(theme_stances, "negative"), "stance": spec["stance"],
        "evidence_rich": "true", "contains_pii": "false", "pii_types": None, "campaign_group": name,
    }


def _draw_occasion(source: str, seq: int, rng: np.random.Generator) -> tuple[date, str | None, str]:
    """Date, consultation and question of a comment."""
    if source == "survey":
        waves = _ashbrook.WAVES
        wave = waves[_weighted_index(rng, [w[4] for w in waves])]
        end = min(date.fromisoformat(wave[2]), _LAST_DAY)
        return _uniform_day(rng, date.fromisoformat(wave[1]), end), None, _SURVEY_QUESTION
    if source in ("budget_consultation", "parks_consultation"):
        ids = [cid for cid, spec in _CONSULTATIONS.items() if spec[0] == source]
        consultation_id = _pick(rng, ids)
        _, start, end, question = _CONSULTATIONS[consultation_id]
        return _uniform_day(rng, start, end), consultation_id, question
    if source == "complaint":
        # The round changes brought a wave of complaints on top of the usual steady flow.
        start = _NEW_ROUNDS_START if rng.random() < _SURGE_COMPLAINT_SHARE else _FIRST_DAY
        return _uniform_day(rng, start, _LAST_DAY), None, _COMPLAINT_QUESTION
    # The citizens' panel answers one short questionnaire each quarter, mid-quarter.
    quarter = seq % len(_RUNNING_PERIODS)
    start = _period_start(_RUNNING_PERIODS[quarter]) + timedelta(days=30)
    return (_uniform_day(rng, start, start + timedelta(days=20)), None,
            _PANEL_QUESTIONS[quarter % len(_PANEL_QUESTIONS)])


def _draw_topic(source: str, day: date, rng: np.random.Generator) -> tuple[str, list[tuple[str, str]]]:
    """The service a comment is about and its codes with stances."""
    empty_share, off_frame_share = _SPECIAL_SHARES[source]
    u = rng.random()
    if u < empty_share:
        return "", [("Z2", "neutral")]
    if u < empty_share + off_frame_share:
        return "", [("Z1", ("negative", "positive", "neutral")[_weighted_index(rng, _OFF_FRAME_PROBS)])]
    weights = dict(_SERVICE_WEIGHTS[source])
    if day >= _NEW_ROUNDS_START and "waste_recycling" in weights:
        weights["waste_recycling"] *= 3.0
    if day >= _LATEST_START and "street_cleansing" in weights:
        weights["street_cleansing"] *= 1.3
    service_id = _weighted(rng, weights)
    signal = _signal(service_id, source, day)
    theme_weights = _SIGNAL_THEME_WEIGHTS.get(signal, _THEME_WEIGHTS[service_id])
    primary = _weighted(rng, theme_weights)
    codes = [primary]
    extra = _weighted_index(rng, _THEME_COUNT_PROBS)
    siblings = [c for c in sorted(_THEME_WEIGHTS[service_id]) if c != primary]
    cross = sorted(_THEME_WEIGHTS[""])
    for _ in range(extra):
        if source == "budget_consultation" and "X1" not in codes and rng.random() < 0.6:
            candidate = "X1"
        elif siblings and rng.random() < 0.5:
            candidate = _pick(rng, siblings)
        else:
            candidate = _pick(rng, cross)
        if candidate not in codes:
            codes.append(candidate)
    stances = [_draw_stance(primary, signal, source, rng)]
    for code in codes[1:]:
        # Most comments keep one tone; the rest become mixed.
        same = stances[0] if stances[0] in ("negative", "positive") and rng.random() < 0.55 else None
        stances.append(same or _draw_stance(code, None, source, rng))
    return service_id, list(zip(codes, stances))


def _signal(service_id: str, source: str, day: date) -> str | None:
    if service_id == "street_cleansing" and day >= _LATEST_START:
        return "street_latest"
    if service_id == "waste_recycling" and day >= _NEW_ROUNDS_START:
        return "waste_surge"
    # The budget proposals put council tax and library hours in front of respondents.
    if source == "budget_consultation" and service_id == "":
        return "budget"
    if source == "budget_consultation" and service_id == "libraries":
        return "budget_libraries"
    return None


def _draw_stance(code: str, signal: str | None, source: str, rng: np.random.Generator) -> str:
    probs = _SIGNAL_STANCE_PROBS.get(signal, _STANCE_PROBS[code])
    if signal == "street_latest" and code == "S3":
        probs = _STANCE_PROBS[code]
    factors = _SOURCE_STANCE_FACTORS.get(source, (1.0, 1.0, 1.0, 1.0))
    return _STANCES[_weighted_index(rng, [p * f for p, f in zip(probs, factors)])]


def _overall_sentiment(theme_stances: list[tuple[str, str]]) -> str:
    """Overall sentiment implied by the stances of a comment's codes.

    >>> _overall_sentiment([("P1", "positive"), ("P2", "negative")])
    'mixed'
    >>> _overall_sentiment([("H1", "negative"), ("X1", "neutral")])
    'negative'
    """
    stances = {stance for _, stance in theme_stances}
    if "mixed" in stances or {"positive", "negative"} <= stances:
        return "mixed"
    for stance in ("negative", "positive"):
        if stance in stances:
            return stance
    return "neutral"


def _consultation_stance(source, consultation_id, service_id, theme_stances, sentiment, rng):
    """Gold stance on the consultation's proposals and whether the text says it outright.

    The budget proposals raise council tax and cut library hours, so objecting to either implies
    disagreement; otherwise a stance is only known when the respondent states it. Asides about
    streets or bins in the parks consultation take no side on the strategy.
    """
    if consultation_id is None:
        return None, None
    pairs = set(theme_stances)
    if ("Z2", "neutral") in pairs:
        return "unclear", None
    implied = None
    if source == "budget_consultation":
        if pairs & {("X1", "negative"), ("L1", "negative"), ("L3", "negative")} and sentiment == "negative":
            implied = "disagree"
        elif ("X1", "positive") in pairs and sentiment == "positive":
            implied = "agree"
    if implied is not None:
        return implied, implied if rng.random() < 0.4 else None
    if source == "parks_consultation" and service_id not in ("parks", ""):
        return "unclear", None
    if rng.random() < 0.55:
        stated = {"negative": "disagree", "positive": "agree"}.get(sentiment, "unclear")
        return stated, stated
    return "unclear", None


def _draw_ward(source: str, service_id: str, day: date, rng: np.random.Generator) -> str | None:
    if rng.random() < _WARD_MISSING[source]:
        return None
    if service_id == "street_cleansing" and day >= _LATEST_START and rng.random() < 0.55:
        return _pick(rng, _ashbrook.STREET_HOTSPOT_WARDS)
    return _pick(rng, _ashbrook.WARD_CODES)


def _draw_people(source: str, respondent_type: str, rng: np.random.Generator) -> dict[str, str | None]:
    """Equality monitoring answers; organisations and many complainants leave them blank."""
    variables = {"age_band": _ashbrook.WEIGHTING_CATEGORIES["age_band"],
                 "sex": _ashbrook.WEIGHTING_CATEGORIES["sex"],
                 "ethnic_group": _ashbrook.WEIGHTING_CATEGORIES["ethnic_group"],
                 "disability": _ashbrook.DISABILITY_CATEGORIES}
    skipped = respondent_type != "resident" or rng.random() < _PEOPLE_MISSING[source]
    answers = {}
    for name, categories in variables.items():
        choice = categories[_weighted_index(rng, _PEOPLE_SHARES[name])]
        answers[name] = None if skipped or rng.random() < _ITEM_MISSING else choice
    return answers


def _label_columns(theme_stances: list[tuple[str, str]], sentiment: str) -> dict[str, str]:
    return {"themes": ";".join(code for code, _ in theme_stances),
            "theme_stances": ";".join(f"{code}:{stance}" for code, stance in theme_stances),
            "sentiment": sentiment}


def _add_personal_data(rows: list[dict], rng: np.random.Generator) -> None:
    """Put fake personal data into a few ordinary comments, complaints most often."""
    eligible = [i for i, row in enumerate(rows)
                if row["campaign_group"] is None and row["themes"] != "Z2"]
    weights = np.array([3.0 if rows[i]["source"] == "complaint" else 1.0 for i in eligible])
    chosen = rng.choice(eligible, size=_PII_ROWS, replace=False, p=weights / weights.sum())
    for n, index in enumerate(sorted(int(i) for i in chosen)):
        row = rows[index]
        # The first rows take each type in turn, so every type is present at least five times.
        first = _PII_TYPES[n % len(_PII_TYPES)] if n < 5 * len(_PII_TYPES) else \
            _PII_TYPES[_weighted_index(rng, _PII_TYPE_PROBS)]
        kinds = [first]
        if rng.random() < 0.35:
            second = _PII_TYPES[_weighted_index(rng, _PII_TYPE_PROBS)]
            if second != first:
                kinds.append(second)
        kinds = [kind for kind in _PII_TYPES if kind in kinds]
        row["text"] = add_personal_data(row["text"], kinds, rng, row["ward_code"],
                                        row["themes"].split(";")[0])
        row["contains_pii"] = "true"
        row["pii_types"] = ";".join(kinds)


def _uniform_day(rng: np.random.Generator, start: date, end: date) -> date:
    return start + timedelta(days=int(rng.integers((end - start).days + 1)))


def _weighted(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    return keys[_weighted_index(rng, [weights[k] for k in keys])]


def _weighted_index(rng: np.random.Generator, weights) -> int:
    cumulative = np.cumsum(np.asarray(weights, dtype=float))
    return int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]

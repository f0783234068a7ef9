"""Random valid council workspaces for the tests: a hypothesis strategy over a seeded builder.

Ashbrook (the demo) is one shape of council; councils written by other people differ in every
way the workspace contract (``docs/workspace.md``) allows. :func:`council_shapes` draws a
:class:`CouncilShape` (how many wards, waves, services, which optional columns, which file
formats …) and :func:`write_council` writes a workspace of that shape, its numbers and text
drawn from ``numpy.random.default_rng(seed)``. A failing example is replayed by hand::

    from tests.councils import CouncilShape, ServiceShape, ...   # the repr hypothesis printed
    write_council("council", shape, seed)
    # then: pmresearch validate --workspace council

or, from a seed alone, ``python -m tests.councils OUT_DIR SEED`` (the shape drawn from ``SEED``
by :func:`shape_from_seed`).

Everything written is valid by the contract, including what the loader refused when this was
written (per-wave margin variables, margins as shares, wave names with spaces, services the
bundled parameters do not know): the property tests in ``test_any_council.py`` find where code
and contract disagree. Text comes from word lists in this file, in characters Windows-1252 can
encode, and never contains the words the tests look for in packs ("nan", "None", "NaN").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml
from hypothesis import strategies as st

__all__ = ["CouncilShape", "ItemShape", "PIShape", "ServiceShape", "TABLE_STEMS", "WaveShape",
           "council_shapes", "period_label", "quarter_end", "shape_from_seed", "write_council"]

TABLE_STEMS = ("wards", "survey_waves", "survey_items", "survey_responses", "population_margins",
               "services", "indicators", "pi_values", "benchmarks", "comments", "hand_coded")
FORMATS = ("utf-8", "utf-8-sig", "cp1252", "xlsx")

# Optional columns of the contract, by table (docs/workspace.md); each is present or absent.
OPTIONAL_COLUMNS = {
    "wards": ("imd_quintile", "urban_rural"),
    "survey_waves": ("mode", "target_sample"),
    "survey_responses": ("design_weight", "mode", "disability", "has_children",
                         "used_library_12m", "used_leisure_12m", "used_parks_12m"),
    "population_margins": ("share",),
    "services": ("portfolio",),
    "indicators": ("frequency", "cumulative", "numerator_label", "denominator_label",
                   "benchmark_group"),
    "pi_values": ("data_status", "dq_flag", "commentary", "ward_code", "numerator", "denominator"),
    "benchmarks": ("n", "rank"),
    "comments": ("service_id", "ward_code", "age_band", "sex", "ethnic_group", "disability",
                 "consultation_id", "question_text", "respondent_type"),
}
ALL_OPTIONAL = tuple(f"{t}.{c}" for t, cols in OPTIONAL_COLUMNS.items() for c in cols)

# ---------------------------------------------------------------- word lists (cp1252-safe)

PLACES = ["Abbey", "Ashby", "Beacon", "Bramley", "Castleton", "Chapel", "Dene", "Elmfield",
          "Fairholme", "Foxley", "Glebe", "Hartley", "Holmwood", "Kingsmead", "Larkrise",
          "Marsh", "Millbrook", "Northgate", "Oakwood", "Pennine", "Quarry", "Redhill",
          "Riverside", "Saltney", "Stanton", "Thornbury", "Upton", "Wellgate", "Westfield",
          "Whitecross", "Yardley", "Llan", "Pen-y-bryn", "Tŷ Gwyn", "Brynmawr", "Cwm"]
PLACE_SUFFIX = ["", " East", " West", " & District", " Central", " Rural", "’s Green",
                " St Mary’s", " Village", "-on-Sea", " (North)"]
# "Tŷ" is not Windows-1252; PLACES_CP1252 drops what that encoding cannot hold.
COUNCIL_NAMES = ["Borough Council", "District Council", "City Council", "County Council",
                 "Metropolitan Borough Council", "Council"]
SERVICE_WORDS = ["waste", "bins", "recycling", "parks", "housing", "repairs", "libraries",
                 "leisure", "pools", "roads", "potholes", "parking", "planning", "licensing",
                 "benefits", "council_tax", "social_care", "adult", "children", "youth",
                 "museums", "culture", "cemeteries", "pest", "noise", "env_health", "trading",
                 "standards", "grounds", "markets", "transport", "lighting", "drainage"]
SERVICE_NAMES = ["Café & Culture", "Children’s Centres", "Parks & Green Spaces",
                 "Roads, Pavements & Lighting", "Housing Repairs", "Council Tax & Benefits",
                 "Residents' Parking", "Bereavement Services", "Environmental Health",
                 "Museums & Galleries", "Adults' Social Care", "Leisure Centres",
                 "Waste, Recycling & Street Scene", "Libraries & Archives", "Planning",
                 "Customer Contact", "Markets", "Pest Control", "Trading Standards",
                 "Community Safety & CCTV", "Théâtre Royal", "Youth Service", "Licensing",
                 "Building Control", "Highways", "Allotments", "Cemeteries & Crematorium",
                 "Noise Nuisance", "Home Adaptations", "Pools & Gyms"]
DIRECTORATES = ["Place", "People", "Resources", "Communities", "Environment & Economy",
                "Adults, Health & Housing", "Children’s Services", "Corporate"]
PORTFOLIOS = ["Leader's portfolio", "Environment", "Housing & Regeneration",
              "Health & Wellbeing", "Finance", "Culture, Tourism & Sport", ""]
AGE_BANDS = [["16-24", "25-44", "45-64", "65+"], ["18-34", "35-54", "55+"],
             ["18 to 29", "30 to 49", "50 to 69", "70 and over"],
             ["18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]]
SEXES = [["Female", "Male"], ["Woman", "Man"], ["F", "M"]]
ETHNIC_GROUPS = [["White British", "White other", "Asian", "Black", "Mixed or other"],
                 ["White", "Minority ethnic"],
                 ["White", "Asian / Asian British", "Black / Black British",
                  "Mixed / multiple", "Other ethnic group", "Gypsy, Roma & Traveller"]]
TENURES = [["Owner occupier", "Social rent", "Private rent"],
           ["Owned outright", "Mortgage", "Council or housing association", "Private rented",
            "Other"],
           ["Own", "Rent"]]
MODES = ["postal", "online", "telephone", "face-to-face"]
DISABILITY = ["Yes", "No", "Prefer not to say"]
YES_NO = [("Yes", "No"), ("yes", "no"), ("TRUE", "FALSE"), ("1", "0"), ("true", "false")]
SOURCES = ["Complaint", "complaint", "Stage 1 complaint", "Stage 2 complaint",
           "Residents Survey 2024", "Residents' survey", "Have your say", "Citizens' panel",
           "citizens_panel", "Budget consultation 2025/26", "Member enquiry", "Compliment",
           "E-mail", "Social media", "Parks & open spaces consultation", "Ombudsman"]
RESPONDENT_TYPES = ["resident", "business", "Resident", "visitor", "organisation", ""]
UNITS = {"percent": ["%", "% of cases", "per cent"],
         "count": ["incidents", "visits", "applications", "calls", "number"],
         "rate": ["per 1,000 population", "days", "£ per visit", "minutes", "kg per household"]}
COMPARATORS = ["CIPFA nearest neighbours", "All English districts", "London boroughs",
               "Met. districts & unitaries", "Welsh authorities", "Core cities"]
COMMENT_OPENERS = ["Honestly", "To be fair", "I have to say", "Every week", "Since the spring",
                   "My neighbour and I think", "As a pensioner", "Frankly", "Last month",
                   "For the third time", "I'm a parent and"]
COMMENT_SUBJECTS = ["the bins", "the park", "the library", "the pool", "the roads",
                    "the potholes", "the staff", "the phone line", "the website", "the café",
                    "parking", "the street lights", "the planning office", "the repairs team",
                    "the recycling centre", "the gym", "council tax", "the bus stop",
                    "the playground", "the market"]
COMMENT_VERBS_GOOD = ["is brilliant", "has really improved", "is well run", "is spotless",
                      "was helpful and kind", "is great value", "works well"]
COMMENT_VERBS_BAD = ["is a disgrace", "keeps getting worse", "is never cleaned",
                     "was rude and unhelpful", "is far too expensive", "takes weeks to fix",
                     "is always closed", "has been ignored for months", "is filthy"]
COMMENT_TAILS = ["", "Please sort it out.", "Thank you to the team.", "Nobody listens.",
                 "It's not good enough.", "Well done!", "What is the council doing about it?",
                 "I've reported it twice.", "Keep it up.", "Café prices are too high.",
                 "Call me on 07700 900123.", "Email me at jo.bloggs@example.com please.",
                 "It costs £5 just to park – ridiculous."]
SHORT_COMMENTS = ["No comment", "n/a", "Fine", "Good", "Awful.", "Thanks", "-", "ok",
                  "Nothing to add", "Brilliant!"]
QUESTION_WORDS = ["How satisfied are you with", "How would you rate", "Overall, how do you feel about",
                  "To what extent do you agree that the council manages"]
COMMENTARY = ["Improved after new contract started.", "Staff shortages in the quarter.",
              "Figures restated after audit, see note.", "Seasonal dip, as expected",
              "New system went live; some data estimated", 'Target "stretch" agreed by cabinet',
              "Includes two months only,\nrest to follow"]


def _cp1252_safe(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


# ---------------------------------------------------------------- periods


def period_label(first_year: int, quarter: int) -> str:
    """``2025-26 Q2`` for financial year 2025-26, quarter 2."""
    return f"{first_year}-{(first_year + 1) % 100:02d} Q{quarter}"


def quarter_end(first_year: int, quarter: int, start_month: int) -> dt.date:
    """Last day of a financial quarter when the financial year starts in ``start_month``."""
    last = start_month + 3 * quarter - 1  # 1-based month counted from January of first_year
    year, month = first_year + (last - 1) // 12, (last - 1) % 12 + 1
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


# ---------------------------------------------------------------- the shape


@dataclass(frozen=True)
class ItemShape:
    """A survey item: column name, scale points, share of don't knows, who was asked."""

    name: str
    scale_points: int
    dont_know_share: float
    asked_of: str  # "everyone", "one_age_band" or "last_wave"


@dataclass(frozen=True)
class PIShape:
    pi_id: str
    unit_kind: str  # percent, count or rate
    polarity: str
    frequency: str  # quarterly or annual
    cumulative: bool
    tolerance_type: str
    tolerance: float
    has_benchmark: bool
    ward_level: bool
    has_target: bool


@dataclass(frozen=True)
class ServiceShape:
    service_id: str
    name: str
    directorate: str
    items: tuple[str, ...]
    pis: tuple[PIShape, ...]
    key_pi: str  # "" = none
    n_comments: int


@dataclass(frozen=True)
class WaveShape:
    """A survey wave: its name, respondents and the variables its margins weight on."""

    name: str
    respondents: int
    variables: tuple[str, ...]
    units: str  # "counts", "shares", or "mixed" (wards as counts, the rest as shares)


@dataclass(frozen=True)
class CouncilShape:
    name: str
    financial_year_start_month: int
    n_wards: int
    ward_code_style: str
    first_year: int
    n_quarters: int
    current_offset: int  # current_period = the (n_quarters - 1 - current_offset)th quarter
    waves: tuple[WaveShape, ...]
    margins_by_wave: bool  # False: one set of margins, wave blank or no wave column
    items: tuple[ItemShape, ...]
    has_item_file: bool
    services: tuple[ServiceShape, ...]
    cross_cutting_comments: int
    hand_coded: bool
    optional_columns: frozenset[str]
    formats: tuple[tuple[str, str], ...]  # (table stem, format)
    category_sets: tuple[int, int, int, int]  # index into AGE_BANDS, SEXES, ETHNIC_GROUPS, TENURES

    @property
    def service_ids(self) -> list[str]:
        return [s.service_id for s in self.services]

    def has(self, table: str, column: str) -> bool:
        return f"{table}.{column}" in self.optional_columns

    def format_of(self, table: str) -> str:
        return dict(self.formats)[table]


_WARD_STYLES = ("ons", "dash", "snake", "mixed")
_WAVE_STYLES = ("year", "season", "code", "mixed")


def _ward_codes(n: int, style: str) -> list[str]:
    codes = []
    for i in range(n):
        kind = style if style != "mixed" else _WARD_STYLES[i % 3]
        if kind == "ons":
            codes.append(f"E0501{2345 + 7 * i:04d}")
        elif kind == "dash":
            codes.append(f"W-{i + 1}")
        else:
            codes.append(f"{['north', 'south', 'east', 'west', 'central'][i % 5]}_{i // 5 + 1}")
    return codes


def _wave_names(draw, n: int, first_year: int) -> list[str]:
    style = draw(st.sampled_from(_WAVE_STYLES))
    names = []
    for i in range(n):
        kind = style if style != "mixed" else _WAVE_STYLES[i % 3]
        year = first_year + i
        if kind == "year":
            name = str(year)
        elif kind == "season":
            name = f"{draw(st.sampled_from(['Autumn', 'Spring', 'Summer', 'Winter']))} {year}"
        else:
            name = draw(st.sampled_from([f"W{i + 1} (online)", f"Wave {i + 1}", f"w{i + 1}",
                                         f"{year}-{(year + 1) % 100:02d}", f"T{i + 1}_{year}",
                                         f"Residents' survey {year}"]))
        while name in names:
            name += "b"
        names.append(name)
    return names


def _identifier(draw, taken: set[str]) -> str:
    """A service id: lower-case letters, digits and '_', starting with a letter."""
    while True:
        kind = draw(st.integers(0, 3))
        if kind == 0:
            sid = draw(st.sampled_from(SERVICE_WORDS))
        elif kind == 1:
            sid = "_".join(draw(st.lists(st.sampled_from(SERVICE_WORDS), min_size=2, max_size=3)))
        elif kind == 2:
            sid = draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz")) + str(draw(st.integers(0, 999)))
        else:
            sid = draw(st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True))
        if sid not in taken:
            taken.add(sid)
            return sid


def _pi_id(draw, taken: set[str], index: int) -> str:
    while True:
        pid = draw(st.sampled_from([f"PI-{index:04d}", f"NI{150 + index}", f"h{index}",
                                    f"ASC_{index}", f"kpi{index:02d}x", f"{index}A"]))
        if pid not in taken:
            taken.add(pid)
            return pid


@st.composite
def council_shapes(draw, *, max_wards: int = 40, max_services: int = 12,
                   max_respondents: int = 900) -> CouncilShape:
    """A random shape of valid council (see the module docstring)."""
    n_wards = draw(st.integers(3, max_wards))
    start_month = draw(st.sampled_from([4, 4, 4, 1]))
    first_year = draw(st.integers(2018, 2023))
    n_quarters = draw(st.integers(5, 16))
    n_waves = draw(st.integers(1, 4))
    wave_names = _wave_names(draw, n_waves, first_year)
    by_wave = draw(st.booleans())
    weighting = ("ward_code", "age_band", "sex")
    waves = []
    for name in wave_names:
        extra = draw(st.sampled_from([(), ("ethnic_group",), ("tenure",),
                                      ("ethnic_group", "tenure")])) if by_wave else None
        waves.append(WaveShape(name=name, respondents=draw(st.integers(200, max_respondents)),
                               variables=weighting + (extra if by_wave else ()),
                               units=draw(st.sampled_from(["counts", "counts", "shares", "shares", "mixed"]))))
    if not by_wave:  # one set of margins: the same variables and units in every wave
        extra = draw(st.sampled_from([(), ("ethnic_group",), ("tenure",), ("ethnic_group", "tenure")]))
        units = waves[0].units
        waves = [WaveShape(w.name, w.respondents, weighting + extra, units) for w in waves]

    n_items = draw(st.integers(1, 10))
    item_style = draw(st.sampled_from(["q", "sat", "Q"]))
    items = []
    for i in range(n_items):
        name = {"q": f"q{i + 1}", "sat": f"sat_{SERVICE_WORDS[i]}", "Q": f"Q{i + 3}a"}[item_style]
        items.append(ItemShape(name=name, scale_points=draw(st.sampled_from([4, 5])),
                               dont_know_share=draw(st.sampled_from([0.0, 0.0, 0.03, 0.12])),
                               asked_of=draw(st.sampled_from(["everyone", "everyone", "everyone",
                                                              "one_age_band", "last_wave"]))))
    has_item_file = draw(st.booleans()) or any(i.scale_points == 4 for i in items)

    n_services = draw(st.integers(2, max_services))
    taken_ids: set[str] = set()
    taken_pis: set[str] = set()
    free_items = [i.name for i in items]
    services = []
    for s in range(n_services):
        sid = _identifier(draw, taken_ids)
        k = draw(st.integers(0, min(3, len(free_items))))
        own_items = tuple(free_items[:k])
        free_items = free_items[k:]
        pis = []
        for _ in range(draw(st.integers(0, 4))):
            polarity = draw(st.sampled_from(["higher_better", "lower_better", "context"]))
            unit_kind = draw(st.sampled_from(["percent", "count", "rate"]))
            pis.append(PIShape(
                pi_id=_pi_id(draw, taken_pis, len(taken_pis) + 1), unit_kind=unit_kind,
                polarity=polarity, frequency=draw(st.sampled_from(["quarterly"] * 3 + ["annual"])),
                cumulative=draw(st.booleans()) and unit_kind != "rate",
                tolerance_type=draw(st.sampled_from(["relative", "absolute"])),
                tolerance=draw(st.sampled_from([0.0, 1.0, 2.5, 5.0, 10.0])),
                has_benchmark=draw(st.booleans()), ward_level=draw(st.booleans()),
                has_target=polarity != "context" and draw(st.sampled_from([True] * 5 + [False]))))
        candidates = [p.pi_id for p in pis]
        key_pi = draw(st.sampled_from(candidates + [""])) if candidates else ""
        services.append(ServiceShape(
            service_id=sid, name=draw(st.sampled_from(SERVICE_NAMES)),
            directorate=draw(st.sampled_from(DIRECTORATES)), items=own_items, pis=tuple(pis),
            key_pi=key_pi, n_comments=draw(st.sampled_from([0, 0, 3, 15, 40, 80]))))

    # indicators, pi_values and benchmarks each need a data row (an empty table is refused).
    if not any(s.pis for s in services):
        first = services[0]
        pi = PIShape(pi_id=_pi_id(draw, taken_pis, len(taken_pis) + 1), unit_kind="count",
                     polarity="context", frequency="quarterly", cumulative=False,
                     tolerance_type="relative", tolerance=5.0, has_benchmark=True,
                     ward_level=False, has_target=False)
        services[0] = ServiceShape(first.service_id, first.name, first.directorate, first.items,
                                   (pi,), first.key_pi, first.n_comments)
    if not any(p.has_benchmark for s in services for p in s.pis):
        index = next(i for i, s in enumerate(services) if s.pis)
        s = services[index]
        services[index] = ServiceShape(s.service_id, s.name, s.directorate, s.items,
                                       (replace(s.pis[0], has_benchmark=True),) + s.pis[1:],
                                       s.key_pi, s.n_comments)
    optional = frozenset(c for c in ALL_OPTIONAL if draw(st.booleans()))
    formats = tuple((stem, draw(st.sampled_from(FORMATS))) for stem in TABLE_STEMS)
    name_place = draw(st.sampled_from(PLACES))
    return CouncilShape(
        name=f"{name_place}{draw(st.sampled_from(PLACE_SUFFIX))} {draw(st.sampled_from(COUNCIL_NAMES))}",
        financial_year_start_month=start_month, n_wards=n_wards,
        ward_code_style=draw(st.sampled_from(_WARD_STYLES)), first_year=first_year,
        n_quarters=n_quarters, current_offset=draw(st.integers(0, 2)), waves=tuple(waves),
        margins_by_wave=by_wave, items=tuple(items), has_item_file=has_item_file,
        services=tuple(services), cross_cutting_comments=draw(st.sampled_from([0, 5, 30])),
        hand_coded=draw(st.booleans()), optional_columns=optional, formats=formats,
        category_sets=(draw(st.integers(0, len(AGE_BANDS) - 1)), draw(st.integers(0, len(SEXES) - 1)),
                       draw(st.integers(0, len(ETHNIC_GROUPS) - 1)),
                       draw(st.integers(0, len(TENURES) - 1))))


def shape_from_seed(seed: int) -> CouncilShape:
    """The shape :func:`council_shapes` draws from a seed, for replay without hypothesis."""
    found = []

    from hypothesis import given, settings, HealthCheck

    @settings(max_examples=1, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(council_shapes())
    def grab(shape):
        found.append(shape)

    from hypothesis import seed as hseed
    hseed(seed)(grab)()
    return found[0]


# ---------------------------------------------------------------- the builder


def write_council(folder: str | Path, shape: CouncilShape, seed: int) -> Path:
    """Write a workspace of ``shape`` to ``folder``, its values drawn from ``seed``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = _Builder(shape, seed).tables()
    for stem, (columns, rows) in tables.items():
        _write_table(folder, stem, columns, rows, shape.format_of(stem))
    current = _periods(shape)[shape.n_quarters - 1 - shape.current_offset]
    council = {"name": shape.name, "current_period": period_label(*current),
               "financial_year_start_month": shape.financial_year_start_month}
    (folder / "council.yaml").write_text(yaml.safe_dump(council, allow_unicode=True, sort_keys=False),
                                         encoding="utf-8")
    return folder


def _periods(shape: CouncilShape) -> list[tuple[int, int]]:
    return [(shape.first_year + q // 4, q % 4 + 1) for q in range(shape.n_quarters)]


class _Builder:
    def __init__(self, shape: CouncilShape, seed: int):
        self.shape, self.seed = shape, seed
        self.periods = _periods(shape)
        self.wards = _ward_codes(shape.n_wards, shape.ward_code_style)
        age, sex, eth, ten = shape.category_sets
        self.categories = {"age_band": AGE_BANDS[age], "sex": SEXES[sex],
                           "ethnic_group": ETHNIC_GROUPS[eth], "tenure": TENURES[ten]}

    def rng(self, part: int) -> np.random.Generator:
        # One stream per table, so a change to one table's drawing leaves the others alone.
        return np.random.default_rng([self.seed, part])

    def tables(self) -> dict[str, tuple[list[str], list[list]]]:
        out = {"wards": self._wards(), "survey_waves": self._waves()}
        out["population_margins"] = self._margins()
        out["survey_responses"] = self._responses()
        if self.shape.has_item_file:
            out["survey_items"] = self._items()
        out["services"] = self._services()
        out["indicators"] = self._indicators()
        out["pi_values"] = self._pi_values()
        out["benchmarks"] = self._benchmarks()
        out["comments"] = self._comments()
        if self.shape.hand_coded and out["comments"][1]:
            out["hand_coded"] = self._hand_coded(out["comments"])
        return out

    # -- helpers
    def _columns(self, table: str, required: list[str], optional: list[str] | None = None) -> list[str]:
        optional = OPTIONAL_COLUMNS.get(table, ()) if optional is None else optional
        return required + [c for c in optional if self.shape.has(table, c)]

    @staticmethod
    def _rows(columns: list[str], records: list[dict]) -> list[list]:
        return [[r.get(c, "") for c in columns] for r in records]

    def _dates(self) -> tuple[dt.date, dt.date]:
        month = self.shape.financial_year_start_month
        first = quarter_end(*self.periods[0], month) - dt.timedelta(days=80)
        return first, quarter_end(*self.periods[-1], month)

    # -- tables
    def _wards(self):
        rng = self.rng(1)
        pops = rng.integers(2000, 20000, size=len(self.wards))
        self.ward_population = dict(zip(self.wards, (int(p) for p in pops)))
        places = [p for p in PLACES if _cp1252_safe(p)] if self.shape.format_of("wards") == "cp1252" else PLACES
        records = []
        for i, code in enumerate(self.wards):
            name = f"{places[i % len(places)]}{PLACE_SUFFIX[(i // len(places) + i) % len(PLACE_SUFFIX)]}"
            records.append({"ward_code": code, "ward_name": name,
                            "adult_population": int(pops[i]),
                            "imd_quintile": int(rng.integers(1, 6)) if rng.random() > 0.1 else "",
                            "urban_rural": str(rng.choice(["urban", "rural", "Urban city and town"]))})
        columns = self._columns("wards", ["ward_code", "ward_name", "adult_population"])
        return columns, self._rows(columns, records)

    def _waves(self):
        rng = self.rng(2)
        first, last = self._dates()
        span = (last - first).days
        records, self.wave_dates = [], {}
        for i, wave in enumerate(self.shape.waves):
            start = first + dt.timedelta(days=int(span * (i + 0.3) / (len(self.shape.waves) + 0.5)))
            end = start + dt.timedelta(days=int(rng.integers(0, 60)))
            self.wave_dates[wave.name] = (start, end)
            records.append({"wave": wave.name, "fieldwork_start": start, "fieldwork_end": end,
                            "mode": str(rng.choice(["postal", "online", "mixed (postal & online)"])),
                            "target_sample": int(wave.respondents * 1.1)})
        columns = self._columns("survey_waves", ["wave", "fieldwork_start", "fieldwork_end"])
        return columns, self._rows(columns, records)

    def _shares(self, rng: np.random.Generator, variable: str) -> dict[str, float]:
        if variable == "ward_code":
            total = sum(self.ward_population.values())
            return {w: p / total for w, p in self.ward_population.items()}
        cats = self.categories[variable]
        raw = rng.dirichlet(np.full(len(cats), 4.0)) + 0.02
        return dict(zip(cats, raw / raw.sum()))

    def _margins(self):
        rng = self.rng(3)
        total = sum(self.ward_population.values())
        self.population_shares = {}
        records = []
        blocks = ([(w.name, w.variables, w.units) for w in self.shape.waves] if self.shape.margins_by_wave
                  else [("", self.shape.waves[0].variables, self.shape.waves[0].units)])
        for wave, variables, units in blocks:
            for variable in variables:
                shares = self._shares(rng, variable)
                self.population_shares[(wave, variable)] = shares
                as_share = units == "shares" or (units == "mixed" and variable != "ward_code")
                values = _round_to_total(shares, 10_000 if as_share else total)
                for category, value in values.items():
                    records.append({"variable": variable, "category": category, "wave": wave,
                                    "population": value / 10_000 if as_share else value,
                                    "share": round(shares[category], 4)})
        optional = ["wave"] if self.shape.margins_by_wave or rng.random() < 0.5 else []
        columns = (["variable", "category", "population"] + optional
                   + self._columns("population_margins", [], ["share"]))
        return columns, self._rows(columns, records)

    def _responses(self):
        rng = self.rng(4)
        shape = self.shape
        yes, no = YES_NO[int(rng.integers(len(YES_NO)))]
        records = []
        ward_effect = dict(zip(self.wards, rng.normal(0, 0.6, len(self.wards))))
        item_level = {i.name: rng.normal(0, 0.8) for i in shape.items}
        ages = self.categories["age_band"]
        asked_age = ages[int(rng.integers(len(ages)))]
        for w_index, wave in enumerate(shape.waves):
            n = wave.respondents
            columns_values = {}
            for variable in ("ward_code", "age_band", "sex", "ethnic_group", "tenure"):
                key = (wave.name if shape.margins_by_wave else "", variable)
                shares = self.population_shares.get(key) or self._shares(rng, variable)
                cats = list(shares)
                probs = np.array([shares[c] for c in cats]) * rng.uniform(0.6, 1.6, len(cats))
                probs /= probs.sum()
                floor = 2 if variable == "ward_code" else 3
                fixed = [c for c in cats for _ in range(floor)]
                drawn = list(rng.choice(cats, size=n - len(fixed), p=probs))
                values = fixed + drawn
                rng.shuffle(values)
                columns_values[variable] = [str(v) for v in values]
            for r in range(n):
                ward = columns_values["ward_code"][r]
                record = {"respondent_id": f"{w_index + 1}-{r + 1:04d}" if r % 2 else f"R{r + 1}",
                          "wave": wave.name, **{v: columns_values[v][r] for v in columns_values},
                          "design_weight": round(float(rng.uniform(0.5, 2.5)), 3),
                          "mode": str(rng.choice(MODES)),
                          "disability": str(rng.choice(DISABILITY)),
                          **{c: (yes if rng.random() < 0.5 else no) for c in
                             ("has_children", "used_library_12m", "used_leisure_12m",
                              "used_parks_12m")}}
                for item in shape.items:
                    asked = (item.asked_of == "everyone"
                             or (item.asked_of == "one_age_band" and record["age_band"] == asked_age)
                             or (item.asked_of == "last_wave" and w_index == len(shape.waves) - 1))
                    if not asked or rng.random() < 0.03:
                        record[item.name] = ""
                    elif rng.random() < item.dont_know_share:
                        record[item.name] = 9
                    else:
                        latent = item_level[item.name] + ward_effect[ward] + 0.2 * w_index
                        latent += rng.normal(0, 1.2)
                        cuts = np.linspace(-1.5, 1.5, item.scale_points - 1)
                        record[item.name] = int(np.searchsorted(cuts, latent) + 1)
                records.append(record)
        required = ["respondent_id", "wave", "ward_code", "age_band", "sex", "ethnic_group", "tenure"]
        columns = self._columns("survey_responses", required) + [i.name for i in shape.items]
        return columns, self._rows(columns, records)

    def _items(self):
        records = []
        for item in self.shape.items:
            what = item.name.replace("_", " ")
            records.append({"item": item.name, "scale_points": item.scale_points,
                            "question": f"{QUESTION_WORDS[len(item.name) % len(QUESTION_WORDS)]} "
                                        f"{what}?"})
        columns = ["item", "question", "scale_points"]
        return columns, self._rows(columns, records)

    def _services(self):
        rng = self.rng(5)
        records = [{"service_id": s.service_id, "service_name": s.name, "directorate": s.directorate,
                    "survey_items": (";" if rng.random() < 0.3 else "; ").join(s.items),
                    "key_pi": s.key_pi, "portfolio": str(rng.choice(PORTFOLIOS))}
                   for s in self.shape.services]
        columns = self._columns("services", ["service_id", "service_name", "directorate",
                                             "survey_items", "key_pi"])
        return columns, self._rows(columns, records)

    def _all_pis(self):
        return [(s, p) for s in self.shape.services for p in s.pis]

    def _indicators(self):
        rng = self.rng(6)
        records = []
        self.comparator = {}
        for service, pi in self._all_pis():
            group = str(rng.choice(COMPARATORS))
            self.comparator[pi.pi_id] = group
            noun = str(rng.choice(COMMENT_SUBJECTS)).removeprefix("the ")
            unit = str(rng.choice(UNITS[pi.unit_kind]))
            records.append({
                "pi_id": pi.pi_id, "service_id": service.service_id,
                "name": f"{noun.capitalize()} {['dealt with on time', 'reported', 'per resident', 'cost, net'][len(noun) % 4]}",
                "unit": unit if rng.random() > 0.1 else "", "polarity": pi.polarity,
                "tolerance": pi.tolerance, "tolerance_type": pi.tolerance_type,
                "is_key": ("true", "yes", "1", "TRUE")[int(rng.integers(4))]
                if pi.pi_id == service.key_pi else ("false", "no", "0")[int(rng.integers(3))],
                "frequency": pi.frequency if (pi.frequency == "annual" or rng.random() < 0.8) else "",
                "cumulative": "true" if pi.cumulative else ("false" if rng.random() < 0.7 else ""),
                "numerator_label": f"{noun} done" if pi.unit_kind == "percent" else "",
                "denominator_label": f"All {noun}" if pi.unit_kind == "percent" else "",
                "benchmark_group": group if pi.has_benchmark else ""})
        columns = self._columns("indicators", ["pi_id", "service_id", "name", "unit", "polarity",
                                               "tolerance", "tolerance_type", "is_key"])
        return columns, self._rows(columns, records)

    def _pi_values(self):
        # A PI is annual only if the frequency column says so; without it every PI is quarterly.
        rng = self.rng(7)
        shape, month = self.shape, self.shape.financial_year_start_month
        has_status, has_ward = shape.has("pi_values", "data_status"), shape.has("pi_values", "ward_code")
        annual_known = shape.has("indicators", "frequency")
        cumulative_known = shape.has("indicators", "cumulative")
        records = []
        for _, pi in self._all_pis():
            annual = pi.frequency == "annual" and annual_known
            cumulative = pi.cumulative and cumulative_known
            level = {"percent": rng.uniform(30, 95), "count": rng.uniform(10, 5000),
                     "rate": rng.uniform(1, 200)}[pi.unit_kind]
            running_num = running_den = running_count = 0.0
            for index, (year, quarter) in enumerate(self.periods):
                if quarter == 1:
                    running_num = running_den = running_count = 0.0
                if annual and quarter != 4:
                    continue
                den = float(rng.integers(20, 2000))
                if pi.unit_kind == "percent":
                    num = float(min(den, round(den * np.clip(level / 100 + rng.normal(0, 0.05), 0, 1))))
                    running_num, running_den = running_num + num, running_den + den
                    value = 100 * (running_num / running_den if cumulative else num / den)
                elif pi.unit_kind == "count":
                    num, den = max(0.0, round(level * rng.uniform(0.7, 1.3))), ""
                    running_count += num
                    value = running_count if cumulative else num
                else:
                    num, den = "", ""
                    value = level * rng.uniform(0.8, 1.2)
                target = ""
                if pi.has_target:
                    target = round(level * (4 if cumulative and pi.unit_kind == "count" else 1)
                                   * rng.uniform(0.9, 1.1), 1)
                    if pi.unit_kind == "percent":
                        target = min(target, 100.0)
                last = index == len(self.periods) - 1
                status = "provisional" if last else ("estimated" if rng.random() < 0.05 else "final")
                missing = has_status and not last and rng.random() < 0.04
                record = {"pi_id": pi.pi_id, "period": period_label(year, quarter),
                          "period_end": quarter_end(year, quarter, month),
                          "value": "" if missing else round(float(value), 2), "target": target,
                          "data_status": "missing" if missing else status,
                          "dq_flag": str(rng.choice(["none", "none", "none", "caveat", "restated"])),
                          "commentary": str(rng.choice(COMMENTARY)) if rng.random() < 0.2 else "",
                          "numerator": (running_num if cumulative else num) if den != "" else "",
                          "denominator": (running_den if cumulative else den) if den != "" else ""}
                records.append(record)
                if has_ward and pi.ward_level and index >= len(self.periods) - 2 and not annual:
                    for ward in self.wards:
                        records.append({**record, "ward_code": ward, "numerator": "", "denominator": "",
                                        "commentary": "",
                                        "value": "" if missing else round(float(value) * rng.uniform(0.6, 1.4), 2)})
        columns = self._columns("pi_values", ["pi_id", "period", "period_end", "value", "target"])
        return columns, self._rows(columns, records)

    def _benchmarks(self):
        rng = self.rng(8)
        years = sorted({y for y, q in self.periods if q == 4}) or [self.periods[0][0] - 1]
        records = []
        for _, pi in self._all_pis():
            if not pi.has_benchmark:
                continue
            for year in years[-3:]:
                mid = rng.uniform(10, 90)
                low, high = mid - rng.uniform(0, 10), mid + rng.uniform(0, 10)
                n = int(rng.integers(8, 40))
                records.append({"pi_id": pi.pi_id, "year": f"{year}-{(year + 1) % 100:02d}",
                                "comparator_group": self.comparator[pi.pi_id],
                                "lower_quartile": round(low, 2), "median": round(mid, 2),
                                "upper_quartile": round(high, 2), "n": n,
                                "rank": int(rng.integers(1, n + 1))})
        columns = self._columns("benchmarks", ["pi_id", "year", "comparator_group",
                                               "lower_quartile", "median", "upper_quartile"])
        return columns, self._rows(columns, records)

    def _comment_text(self, rng: np.random.Generator) -> str:
        kind = rng.random()
        if kind < 0.1:
            return str(rng.choice(SHORT_COMMENTS))
        sentences = []
        for _ in range(int(rng.choice([1, 1, 2, 3, 6, 14]))):
            verb = rng.choice(COMMENT_VERBS_GOOD if rng.random() < 0.4 else COMMENT_VERBS_BAD)
            sentences.append(f"{rng.choice(COMMENT_OPENERS)}, {rng.choice(COMMENT_SUBJECTS)} "
                             f"in {rng.choice([p for p in PLACES if _cp1252_safe(p)])} {verb}. "
                             f"{rng.choice(COMMENT_TAILS)}".strip())
        return " ".join(sentences)

    def _comments(self):
        rng = self.rng(9)
        first, last = self._dates()
        span = (last - first).days
        has_service = self.shape.has("comments", "service_id")
        owners = [s.service_id for s in self.shape.services for _ in range(s.n_comments)]
        owners += [""] * self.shape.cross_cutting_comments
        if not has_service:  # without the column every comment is cross-cutting
            owners = [""] * len(owners)
        if not owners:
            owners = [""]  # comments.csv must have a data row
        records = []
        for i, owner in enumerate(owners):
            consult = rng.random() < 0.4
            records.append({
                "comment_id": f"{['C', 'cmt-', ''][i % 3]}{i + 1:05d}",
                "source": str(rng.choice(SOURCES)),
                "date": first + dt.timedelta(days=int(rng.integers(0, span + 1))),
                "text": self._comment_text(rng), "service_id": owner,
                "ward_code": str(rng.choice(self.wards)) if rng.random() < 0.6 else "",
                "age_band": str(rng.choice(self.categories["age_band"] + ["", "Prefer not to say"])),
                "sex": str(rng.choice(self.categories["sex"] + [""])),
                "ethnic_group": str(rng.choice(self.categories["ethnic_group"] + [""])),
                "disability": str(rng.choice(DISABILITY + [""])),
                "consultation_id": f"CONS-{int(rng.integers(1, 4))}" if consult else "",
                "question_text": f"{rng.choice(QUESTION_WORDS)} this?" if consult else "",
                "respondent_type": str(rng.choice(RESPONDENT_TYPES))})
        columns = self._columns("comments", ["comment_id", "source", "date", "text"])
        return columns, self._rows(columns, records)

    def _hand_coded(self, comments):
        rng = self.rng(10)
        codes = _cross_cutting_codes()
        ids = [row[0] for row in comments[1]]
        chosen = list(rng.choice(ids, size=min(len(ids), int(rng.integers(5, 60))), replace=False))
        records = []
        for coder in ["coder_a", "Coder B"][: int(rng.integers(1, 3))]:
            for cid in chosen:
                records.append({"comment_id": str(cid), "coder": coder,
                                "sentiment": str(rng.choice(["positive", "negative", "neutral", "mixed"])),
                                "themes": ";".join(rng.choice(codes, size=int(rng.integers(1, 3)),
                                                              replace=False))})
        columns = ["comment_id", "coder", "sentiment", "themes"]
        return columns, self._rows(columns, records)


def _cross_cutting_codes() -> list[str]:
    """Codes of the bundled code frame that name no service (the ones any council may use)."""
    from pmresearch._resources import bundled_path

    path = bundled_path("parameters", current_folder=False) / "codeframe.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["codes"]
    return [e["code"] for e in entries if not e.get("service_id")]


def _round_to_total(shares: dict[str, float], total: int) -> dict[str, int]:
    """Whole numbers in proportion to ``shares`` adding up to exactly ``total`` (largest remainder)."""
    exact = {k: v * total for k, v in shares.items()}
    whole = {k: int(np.floor(v)) for k, v in exact.items()}
    short = total - sum(whole.values())
    for k in sorted(exact, key=lambda k: exact[k] - whole[k], reverse=True)[:short]:
        whole[k] += 1
    return whole


# ---------------------------------------------------------------- writing files


def _text(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return format(value, ".10g")
    return str(value)


def _write_table(folder: Path, stem: str, columns: list[str], rows: list[list], fmt: str) -> None:
    if fmt == "xlsx":
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet(title=stem[:31])
        sheet.append(columns)
        for row in rows:
            # What a person typing into Excel gets: numbers and dates as such, blanks empty.
            sheet.append([None if v == "" else v for v in row])
        book.save(folder / f"{stem}.xlsx")
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if fmt != "utf-8" else "\n")
    writer.writerow(columns)
    writer.writerows([[_text(v) for v in row] for row in rows])
    text = buffer.getvalue()
    (folder / f"{stem}.csv").write_bytes(text.encode(fmt))


if __name__ == "__main__":  # python -m tests.councils OUT_DIR SEED
    out, seed = Path(sys.argv[1]), int(sys.argv[2])
    shape = shape_from_seed(seed)
    print(repr(shape))
    write_council(out, shape, seed)
    print(f"written to {out}")

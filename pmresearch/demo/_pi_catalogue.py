"""The catalogue of Ashbrook's performance indicators and the plan their values follow.

Each indicator is a :class:`PiSpec`: the columns of ``indicators.csv`` plus the few numbers the
generator in :mod:`pmresearch.demo.indicators` needs to draw plausible quarterly values (a mean
level, a seasonal profile, a trend and noise, all measured in *tolerance bands* against the
target, so "0" is on target, "+1" one band better and "-1" the edge of red).

The planted signals of ``SCENARIO.md`` are fixed values in :data:`PLANTED_VALUES`; everything else
is drawn around the plan with a seeded generator.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import _ashbrook

__all__ = [
    "BENCHMARK_GROUP",
    "BENCHMARK_POSITIONS",
    "CATALOGUE",
    "CAVEAT_ROWS",
    "ESTIMATED_ROWS",
    "PERSISTENT_RED_PI",
    "PLANTED_COMMENTARY",
    "PLANTED_VALUES",
    "PORTFOLIOS",
    "PROVISIONAL_PIS",
    "RESTATED_ROW",
    "PiSpec",
    "key_pi",
]

#: The comparator group of every benchmarked indicator (Ashbrook and its 15 nearest neighbours).
BENCHMARK_GROUP = "CIPFA nearest neighbours"

#: Cabinet portfolio of each service (``services.csv``, optional column ``portfolio``).
PORTFOLIOS = {
    "waste_recycling": "Environment and Neighbourhoods",
    "street_cleansing": "Environment and Neighbourhoods",
    "parks": "Environment and Neighbourhoods",
    "libraries": "Communities, Culture and Leisure",
    "leisure": "Communities, Culture and Leisure",
    "highways": "Transport and Highways",
    "planning": "Planning and Regeneration",
    "customer_services": "Resources and Customer Services",
}


@dataclass(frozen=True)
class PiSpec:
    """One performance indicator: its ``indicators.csv`` row and how its values are drawn.

    ``targets`` holds one target per financial year of :data:`_ashbrook.PERIODS` (``None`` for
    context indicators, which have no target). ``ratio`` is ``(numerator label, denominator
    label, scale)`` for indicators computed as ``numerator / denominator * scale``.
    ``denominator`` is either a base count per quarter or ``(pi_id, column)`` to reuse another
    indicator's in-quarter ``numerator``, ``denominator`` or ``value`` (so that, for example,
    fly-tips cleared in time are counted out of the fly-tips reported). ``level``, ``season``,
    ``trend`` (per year) and ``noise`` are in tolerance bands for target indicators and in the
    PI's unit (level) or relative terms (the rest) for context indicators. ``benchmark_sd`` is
    the spread of the comparator group in the PI's unit (``None``: not benchmarked).
    """

    pi_id: str
    service_id: str
    name: str
    unit: str
    polarity: str
    targets: tuple[float, ...] | None
    tolerance: float = 5.0
    tolerance_type: str = "relative"
    is_key: bool = False
    frequency: str = "quarterly"
    cumulative: bool = False
    decimals: int = 1
    bounds: tuple[float, float] = (0.0, 100.0)
    ratio: tuple[str, str, float] | None = None
    denominator: float | tuple[str, str] = 0.0
    denominator_season: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    denominator_growth: float = 0.0
    denominator_noise: float = 0.03
    level: float = 0.4
    season: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    trend: float = 0.0
    noise: float = 0.35
    benchmark_sd: float | None = None


_P = PiSpec  # short alias keeps the catalogue readable as a table

#: Every indicator, grouped by service in the order of ``_ashbrook.SERVICES``.
CATALOGUE: list[PiSpec] = [
    # --- Waste and recycling: tonnages peak with garden waste in spring and summer.
    _P("WR01", "waste_recycling", "Household waste sent for reuse, recycling or composting", "%",
       "higher_better", (44.0, 45.0, 46.0, 46.0), tolerance=3.0, tolerance_type="absolute",
       bounds=(20.0, 70.0), ratio=("Tonnes reused, recycled or composted",
                                   "Tonnes of household waste collected", 100),
       denominator=28_500, denominator_season=(0.06, 0.04, -0.03, -0.07),
       level=0.4, season=(0.9, 0.7, -0.6, -0.9), noise=0.25, benchmark_sd=4.0),
    _P("WR02", "waste_recycling", "Residual household waste per household", "kg per household",
       "lower_better", (128.0, 126.0, 124.0, 122.0), bounds=(80.0, 180.0),
       ratio=("Residual household waste (kg)", "Households", 1), denominator=121_500,
       denominator_growth=0.006, denominator_noise=0.0, level=0.4, season=(0.1, 0.2, -0.5, 0.2),
       noise=0.3, benchmark_sd=9.0),
    _P("WR03", "waste_recycling", "Missed bin collections per 100,000 scheduled collections",
       "per 100,000 collections", "lower_better", (65.0, 62.0, 60.0, 55.0), tolerance=10.0,
       is_key=True, bounds=(10.0, 200.0),
       ratio=("Missed collections reported", "Scheduled collections", 100_000),
       denominator=3_160_000, denominator_growth=0.006, denominator_noise=0.01,
       level=0.3, season=(0.3, 0.2, -0.3, -0.4), noise=0.3, benchmark_sd=14.0),
    _P("WR04", "waste_recycling", "Bulky waste collections made within 10 working days", "%",
       "higher_better", (90.0, 90.0, 90.0, 90.0),
       ratio=("Collections made within 10 working days", "Bulky waste collections made", 100),
       denominator=1_400, level=0.5, noise=0.4),
    # --- Street cleansing: litter and detritus from quarterly transect surveys.
    _P("SC01", "street_cleansing", "Land with unacceptable levels of litter", "%", "lower_better",
       (6.0, 6.0, 6.0, 6.0), tolerance=10.0, is_key=True,
       ratio=("Transects below grade B for litter", "Transects surveyed", 100),
       denominator=1_220, level=0.7, trend=-0.25, noise=0.35, benchmark_sd=2.0),
    _P("SC02", "street_cleansing", "Land with unacceptable levels of detritus", "%",
       "lower_better", (9.0, 9.0, 9.0, 9.0), tolerance=10.0,
       ratio=("Transects below grade B for detritus", "Transects surveyed", 100),
       denominator=("SC01", "denominator"), level=0.5, trend=-0.15, noise=0.35,
       benchmark_sd=2.5),
    _P("SC03", "street_cleansing", "Fly-tipping incidents reported", "incidents", "context", None,
       decimals=0, bounds=(0.0, 5_000.0), level=480.0, season=(0.08, 0.05, -0.05, -0.08),
       trend=0.04, noise=0.06),
    _P("SC04", "street_cleansing", "Fly-tips cleared within 2 working days", "%",
       "higher_better", (90.0, 90.0, 92.0, 92.0),
       ratio=("Fly-tips cleared within 2 working days", "Fly-tips reported", 100),
       denominator=("SC03", "value"), level=0.5, trend=-0.1, noise=0.35, benchmark_sd=5.0),
    # --- Parks and open spaces.
    _P("PK01", "parks", "Grounds maintenance inspections passed", "%", "higher_better",
       (90.0, 90.0, 91.0, 92.0), is_key=True,
       ratio=("Inspections passed", "Inspections carried out", 100), denominator=600,
       level=0.3, season=(-0.2, -0.1, 0.2, 0.2), trend=0.25, noise=0.3),
    _P("PK02", "parks", "Parks holding a Green Flag Award", "sites", "higher_better",
       (4.0, 4.0, 5.0, 5.0), tolerance=1.0, tolerance_type="absolute", frequency="annual",
       decimals=0, bounds=(0.0, 12.0), level=0.2, trend=0.15, noise=0.3),
    _P("PK03", "parks", "Play area safety inspections completed on schedule", "%",
       "higher_better", (95.0, 95.0, 95.0, 95.0),
       ratio=("Inspections completed on schedule", "Inspections scheduled", 100),
       denominator=806, level=0.5, noise=0.3),
    _P("PK04", "parks", "Anti-social behaviour reports in parks", "reports", "context", None,
       decimals=0, bounds=(0.0, 2_000.0), level=140.0, season=(0.2, 0.25, -0.15, -0.3),
       noise=0.1),
    # --- Libraries: visits and issues per 1,000 residents; cost per visit year to date.
    _P("LB01", "libraries", "Library visits per 1,000 population", "visits per 1,000 population",
       "higher_better", (850.0, 870.0, 880.0, 880.0), is_key=True, bounds=(0.0, 3_000.0),
       ratio=("Library visits", "Resident population", 1_000), denominator=287_400,
       denominator_growth=0.005, denominator_noise=0.0,
       level=0.3, season=(0.0, 0.35, -0.2, -0.05), trend=-0.12, noise=0.3,
       benchmark_sd=120.0),
    _P("LB02", "libraries", "Library issues (physical and e-loans) per 1,000 population",
       "issues per 1,000 population", "higher_better", (1_050.0, 1_050.0, 1_080.0, 1_100.0),
       bounds=(0.0, 4_000.0),
       ratio=("Issues (physical and e-loans)", "Resident population", 1_000),
       denominator=("LB01", "denominator"), level=0.4, season=(0.0, 0.3, -0.2, 0.0),
       trend=0.05, noise=0.3, benchmark_sd=150.0),
    _P("LB03", "libraries", "Net cost per library visit", "£ per visit", "lower_better",
       (3.60, 3.70, 3.80, 3.90), cumulative=True, decimals=2, bounds=(0.0, 20.0),
       ratio=("Net cost (£)", "Library visits", 1), denominator=("LB01", "numerator"),
       level=0.4, noise=0.3, benchmark_sd=0.6),
    # --- Sport and leisure: visits peak with New Year resolutions, dip in the summer holidays.
    _P("LE01", "leisure", "Leisure centre visits", "visits", "higher_better",
       (215_000.0, 220_000.0, 225_000.0, 230_000.0), is_key=True, decimals=0,
       bounds=(0.0, 1e7), level=0.4, season=(0.0, -0.35, -0.1, 0.45), noise=0.3),
    _P("LE02", "leisure", "Active leisure memberships", "members", "higher_better",
       (9_800.0, 10_000.0, 10_200.0, 10_400.0), decimals=0, bounds=(0.0, 1e6),
       level=0.3, season=(0.0, -0.1, -0.2, 0.3), noise=0.3),
    _P("LE03", "leisure", "Net cost per leisure visit", "£ per visit", "lower_better",
       (1.45, 1.40, 1.35, 1.30), cumulative=True, decimals=2, bounds=(0.0, 10.0),
       ratio=("Net cost (£)", "Leisure centre visits", 1), denominator=("LE01", "value"),
       level=0.4, noise=0.3, benchmark_sd=0.45),
    # --- Highways: more category 1 defects in winter; road condition surveyed once a year.
    _P("HW01", "highways", "Category 1 highway defects made safe within 24 hours", "%",
       "higher_better", (95.0, 95.0, 95.0, 95.0), is_key=True,
       ratio=("Category 1 defects made safe within 24 hours", "Category 1 defects reported",
              100),
       denominator=700, denominator_season=(-0.1, -0.2, 0.05, 0.35),
       level=0.3, trend=-0.3, noise=0.25, benchmark_sd=2.2),
    _P("HW02", "highways", "Principal roads where maintenance should be considered", "%",
       "lower_better", (4.0, 4.0, 4.0, 4.0), tolerance=1.0, tolerance_type="absolute",
       frequency="annual", bounds=(0.0, 30.0), level=0.3, trend=-0.1, noise=0.3,
       benchmark_sd=1.2),
    _P("HW03", "highways",
       "Non-principal classified roads where maintenance should be considered", "%",
       "lower_better", (6.0, 6.0, 6.0, 6.0), tolerance=1.0, tolerance_type="absolute",
       frequency="annual", bounds=(0.0, 40.0), level=0.2, trend=-0.1, noise=0.3,
       benchmark_sd=1.8),
    _P("HW04", "highways", "Street lighting faults repaired within 5 working days", "%",
       "higher_better", (90.0, 90.0, 90.0, 90.0),
       ratio=("Faults repaired within 5 working days", "Street lighting faults reported", 100),
       denominator=450, denominator_season=(-0.25, -0.1, 0.2, 0.15), level=0.5, noise=0.35),
    # --- Planning: timeliness reported year to date, as the government's statistics are.
    _P("PL01", "planning",
       "Major planning applications decided within 13 weeks or agreed time", "%",
       "higher_better", (80.0, 80.0, 80.0, 80.0), tolerance=10.0, tolerance_type="absolute",
       is_key=True, cumulative=True,
       ratio=("Major applications decided in time", "Major applications decided", 100),
       denominator=6, denominator_noise=0.25, level=0.6, noise=0.5, benchmark_sd=7.0),
    _P("PL02", "planning",
       "Minor planning applications decided within 8 weeks or agreed time", "%",
       "higher_better", (75.0, 75.0, 75.0, 75.0), tolerance=5.0, tolerance_type="absolute",
       cumulative=True,
       ratio=("Minor applications decided in time", "Minor applications decided", 100),
       denominator=90, denominator_noise=0.1, level=0.8, noise=0.4, benchmark_sd=8.0),
    _P("PL03", "planning",
       "Other planning applications decided within 8 weeks or agreed time", "%",
       "higher_better", (85.0, 85.0, 85.0, 85.0), tolerance=5.0, tolerance_type="absolute",
       ratio=("Other applications decided in time", "Other applications decided", 100),
       denominator=260, denominator_noise=0.08, level=0.7, noise=0.4, benchmark_sd=6.0),
    _P("PL04", "planning", "Planning applications received", "applications", "context", None,
       decimals=0, bounds=(0.0, 5_000.0), level=420.0, season=(0.05, 0.03, -0.05, -0.03),
       trend=-0.03, noise=0.05),
    # --- Customer services: the contact centre and corporate complaints.
    _P("CS01", "customer_services", "Average wait for calls to be answered", "seconds",
       "lower_better", (180.0, 180.0, 170.0, 160.0), tolerance=10.0, is_key=True, decimals=0,
       bounds=(0.0, 1_200.0), level=0.3, noise=0.35, benchmark_sd=50.0),
    _P("CS02", "customer_services", "Calls abandoned before being answered", "%",
       "lower_better", (10.0, 10.0, 10.0, 10.0), tolerance=10.0,
       ratio=("Calls abandoned", "Calls offered", 100), denominator=62_000,
       level=0.3, noise=0.35, benchmark_sd=2.5),
    _P("CS03", "customer_services", "Stage 1 complaints answered within 10 working days", "%",
       "higher_better", (85.0, 85.0, 88.0, 90.0),
       ratio=("Complaints answered within 10 working days", "Stage 1 complaints closed", 100),
       denominator=420, level=0.4, noise=0.35, benchmark_sd=6.0),
    _P("CS04", "customer_services", "Customer contacts made online", "%", "higher_better",
       (55.0, 60.0, 65.0, 68.0),
       ratio=("Contacts made online", "Customer contacts (all channels)", 100),
       denominator=160_000, level=0.3, noise=0.3),
]


def key_pi(service_id: str) -> str:
    """The ``pi_id`` of a service's key indicator.

    >>> key_pi("highways")
    'HW01'
    """
    keys = [pi.pi_id for pi in CATALOGUE if pi.service_id == service_id and pi.is_key]
    if len(keys) != 1:
        raise ValueError(f"service {service_id!r} has {len(keys)} key indicators; expected 1")
    return keys[0]


#: Customer services' calls abandoned: red for the two latest quarters with no commentary.
PERSISTENT_RED_PI = "CS02"

_LITTER = key_pi("street_cleansing")
_GAP = key_pi(_ashbrook.PERCEPTION_GAP_SERVICE)
_ESCALATION = key_pi(_ashbrook.ESCALATION_SERVICE)

#: Values fixed by hand for the planted signals, keyed by (pi_id, period); each is checked by
#: the generator against the standard RAG and direction-of-travel rules.
PLANTED_VALUES: dict[tuple[str, str], float] = {
    # Street litter: red in the three quarters of calendar 2025 (red above 6.6 %), worsening.
    (_LITTER, "2024-25 Q4"): 7.3,
    (_LITTER, "2025-26 Q1"): 7.9,
    (_LITTER, "2025-26 Q2"): 8.4,
    # Missed bins: amber in the winter of 2024-25, then the best two quarters on record.
    (_GAP, "2024-25 Q1"): 58.4,
    (_GAP, "2024-25 Q2"): 58.9,
    (_GAP, "2024-25 Q3"): 61.3,
    (_GAP, "2024-25 Q4"): 61.9,
    (_GAP, "2025-26 Q1"): 50.2,
    (_GAP, "2025-26 Q2"): 47.6,
    # Highways category 1 defects: amber all year in 2024-25 (bottom quartile of the group),
    # and 2025-26 Q2 worse than 2024-25 Q2 but still inside tolerance (red below 90.25 %).
    (_ESCALATION, "2024-25 Q1"): 92.8,
    (_ESCALATION, "2024-25 Q2"): 92.6,
    (_ESCALATION, "2024-25 Q3"): 91.6,
    (_ESCALATION, "2024-25 Q4"): 92.9,
    (_ESCALATION, "2025-26 Q1"): 93.2,
    (_ESCALATION, "2025-26 Q2"): 90.8,
    # Call waits amber (red above 176 s) while abandoned calls are red (above 11 %).
    ("CS01", "2025-26 Q1"): 171.0,
    ("CS01", "2025-26 Q2"): 174.0,
    (PERSISTENT_RED_PI, "2025-26 Q1"): 13.4,
    (PERSISTENT_RED_PI, "2025-26 Q2"): 14.2,
}

#: Ashbrook's position in its comparator group, in comparator standard deviations better (+)
#: or worse (-) than the group's centre, where it is planted rather than drawn.
BENCHMARK_POSITIONS: dict[tuple[str, str], float] = {
    (_ESCALATION, "2022-23"): -0.1,
    (_ESCALATION, "2023-24"): -0.7,
    (_ESCALATION, "2024-25"): -1.8,
}

#: Indicators whose latest quarter is provisional (waste tonnages await WasteDataFlow
#: validation; cost per visit awaits the finance close-down).
PROVISIONAL_PIS = ["WR01", "WR02", "LB03", "LE03"]

#: (pi_id, period, commentary) of the values estimated rather than measured.
ESTIMATED_ROWS = [
    ("WR02", "2022-23 Q4",
     "Estimated: March weighbridge data incomplete; pro-rata from January and February."),
    ("LE01", "2023-24 Q3",
     "Estimated from bookings: turnstile counts lost during the till-system change."),
    ("HW04", "2024-25 Q1",
     "Estimated from the contractor's job log during the asset-system migration."),
]

#: (pi_id, period, commentary) of measured values carrying a data-quality caveat.
CAVEAT_ROWS = [
    ("CS01", "2024-25 Q1",
     "New telephony platform from May: waits now timed from joining the queue, not from the "
     "end of the menu."),
]

#: (pi_id, period, how much higher the first-reported value was) of the one restated value.
RESTATED_ROW = ("WR01", "2024-25 Q2", 1.4)


def _ward_names(codes: list[str]) -> str:
    names = {code: name for code, name, *_ in _ashbrook.WARDS}
    return " and ".join(names[code] for code in codes)


_HOTSPOTS = _ward_names(_ashbrook.STREET_HOTSPOT_WARDS)

#: Officer commentary on the planted quarters, keyed by (pi_id, period). The persistent-red
#: indicator deliberately has none.
PLANTED_COMMENTARY: dict[tuple[str, str], str] = {
    (_LITTER, "2024-25 Q4"):
        "Above target after two mechanical sweepers were off the road and town-centre crews "
        "carried vacancies. Corrective action: two hired sweepers from April; recruitment under "
        "way.",
    (_LITTER, "2025-26 Q1"):
        f"Still above target, worst in {_HOTSPOTS}. Corrective action: extra litter-picking "
        "rounds in both wards from June and a review of bin capacity on main routes.",
    (_LITTER, "2025-26 Q2"):
        f"No recovery yet; summer footfall added to litter in {_HOTSPOTS}. Corrective action: "
        "rounds redesigned from October, enforcement patrols in both wards, report to scrutiny "
        "in November.",
    (_GAP, "2025-26 Q1"):
        "Lowest missed-bin rate on record after in-cab reporting went live on every round in "
        "April.",
    (_GAP, "2025-26 Q2"):
        "Improving again; crews now photograph bins not presented, so fewer reports are "
        "upheld as missed.",
    (_ESCALATION, "2025-26 Q2"):
        "Worse than a year ago: the contractor was two gangs short over the summer. Recovery "
        "plan agreed for Q3.",
}

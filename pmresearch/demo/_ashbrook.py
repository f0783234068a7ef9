"""Fixed facts of the fictional Ashbrook Borough Council shared by the demo generators.

Every generator module reads its names from here so that wards, services, periods and
categories agree across the demo files.
"""

from __future__ import annotations

COUNCIL_NAME = "Ashbrook Borough Council"
CURRENT_PERIOD = "2025-26 Q2"
FINANCIAL_YEAR_START_MONTH = 4

# (ward_code, ward_name, imd_quintile, urban_rural); quintile 1 = most deprived.
WARDS = [
    ("AB01", "Ashbrook Central", 1, "urban"),
    ("AB02", "Brookside", 2, "urban"),
    ("AB03", "Castle Hill", 4, "urban"),
    ("AB04", "Dene Park", 3, "urban"),
    ("AB05", "Eastfield", 1, "urban"),
    ("AB06", "Fairholme", 5, "rural"),
    ("AB07", "Greenway", 3, "urban"),
    ("AB08", "Hartley", 4, "rural"),
    ("AB09", "Ironbridge", 2, "urban"),
    ("AB10", "Kingsmead", 5, "rural"),
    ("AB11", "Larkrise", 4, "rural"),
    ("AB12", "Millbrook", 2, "urban"),
    ("AB13", "Northgate", 1, "urban"),
    ("AB14", "Oakwood", 5, "rural"),
    ("AB15", "Priory", 3, "urban"),
    ("AB16", "Queensbury", 3, "urban"),
    ("AB17", "Riverside", 2, "urban"),
    ("AB18", "St Anne's", 4, "urban"),
    ("AB19", "Thornley", 5, "rural"),
    ("AB20", "Westfield", 1, "urban"),
]
WARD_CODES = [code for code, *_ in WARDS]

# Weighting variables: the column in survey_responses.csv and its categories, in order.
WEIGHTING_CATEGORIES = {
    "age_band": ["18-34", "35-54", "55-64", "65+"],
    "sex": ["Female", "Male"],
    "ethnic_group": ["White", "Asian", "Black", "Mixed", "Other"],
    "tenure": ["Owner occupier", "Social rent", "Private rent"],
}
DISABILITY_CATEGORIES = ["Yes", "No", "Prefer not to say"]

# Survey waves: label, fieldwork start, fieldwork end, mode, target sample. Fieldwork closes
# inside Q2 (July–September) so each wave is the one a Q2 evidence pack links to.
WAVES = [
    ("2023", "2023-08-14", "2023-09-22", "mixed (postal and online)", 2300),
    ("2024", "2024-08-12", "2024-09-20", "mixed (postal and online)", 1950),
    ("2025", "2025-08-11", "2025-09-19", "mixed (postal and online)", 1650),
]

# Survey items: column, question wording, number of scale points (9 = don't know).
SURVEY_ITEMS = [
    ("sat_area", "Overall, how satisfied or dissatisfied are you with your local area as a place to live?", 5),
    ("sat_council", "Overall, how satisfied or dissatisfied are you with the way Ashbrook Borough Council runs things?", 5),
    ("vfm", "To what extent do you agree or disagree that Ashbrook Borough Council provides value for money?", 5),
    ("acts_concerns", "To what extent do you think Ashbrook Borough Council acts on the concerns of local residents?", 4),
    ("informed", "Overall, how well informed do you think Ashbrook Borough Council keeps residents about the services and benefits it provides?", 4),
    ("trust", "How much do you trust Ashbrook Borough Council?", 4),
    ("safe_day", "How safe or unsafe do you feel when outside in your local area during the day?", 4),
    ("safe_night", "How safe or unsafe do you feel when outside in your local area after dark?", 4),
    ("sat_waste", "How satisfied or dissatisfied are you with waste collection?", 5),
    ("sat_recycling", "How satisfied or dissatisfied are you with doorstep recycling?", 5),
    ("sat_street_clean", "How satisfied or dissatisfied are you with street cleaning?", 5),
    ("sat_parks", "How satisfied or dissatisfied are you with parks and open spaces?", 5),
    ("sat_libraries", "How satisfied or dissatisfied are you with libraries?", 5),
    ("sat_leisure", "How satisfied or dissatisfied are you with sports and leisure facilities?", 5),
    ("sat_roads", "How satisfied or dissatisfied are you with the maintenance of roads?", 5),
    ("sat_pavements", "How satisfied or dissatisfied are you with the maintenance of pavements?", 5),
]

# service_id, service_name, directorate, survey items (';'-joined in services.csv).
SERVICES = [
    ("waste_recycling", "Waste and recycling", "Environment", ["sat_waste", "sat_recycling"]),
    ("street_cleansing", "Street cleansing", "Environment", ["sat_street_clean"]),
    ("parks", "Parks and open spaces", "Environment", ["sat_parks"]),
    ("libraries", "Libraries", "Communities", ["sat_libraries"]),
    ("leisure", "Sport and leisure", "Communities", ["sat_leisure"]),
    ("highways", "Highways", "Place", ["sat_roads", "sat_pavements"]),
    ("planning", "Planning", "Place", []),
    ("customer_services", "Customer services", "Resources", []),
]
SERVICE_IDS = [sid for sid, *_ in SERVICES]


def quarter_periods(first_year: int = 2022, count: int = 14) -> list[str]:
    """Financial-quarter labels from Q1 of ``first_year``-``first_year+1`` onwards.

    >>> quarter_periods(2022, 5)
    ['2022-23 Q1', '2022-23 Q2', '2022-23 Q3', '2022-23 Q4', '2023-24 Q1']
    """
    labels = []
    for i in range(count):
        year = first_year + i // 4
        labels.append(f"{year}-{(year + 1) % 100:02d} Q{i % 4 + 1}")
    return labels


PERIODS = quarter_periods()  # 2022-23 Q1 … 2025-26 Q2

# Planted signals shared across generators, so the survey, the PIs and the comments tell one story.
# Two wards where streets are visibly dirtier: low street-cleaning satisfaction in the survey,
# high ward-level litter PI values, more litter complaints.
STREET_HOTSPOT_WARDS = ["AB05", "AB13"]
# The service whose key PI is green and improving while its satisfaction falls (perception gap).
PERCEPTION_GAP_SERVICE = "waste_recycling"
# The service whose key PI sits in the bottom benchmark quartile and worsens year on year.
ESCALATION_SERVICE = "highways"

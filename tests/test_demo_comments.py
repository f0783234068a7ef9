"""The demo comments: shape, gold labels, planted signals, personal data and hand coding."""

from __future__ import annotations

import difflib
import io
import re
import statistics
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sklearn.metrics import cohen_kappa_score

from pmresearch.demo import DEMO_WORKSPACE, _ashbrook, comments

CODEFRAME = DEMO_WORKSPACE / "parameters" / "codeframe.yaml"
LATEST_START, LATEST_END = "2024-10-01", "2025-09-30"  # 2024-25 Q3 … 2025-26 Q2

# Detectors written independently of the generator; each must find what it claims to find.
PII_PATTERNS = {
    "email": re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
    "phone": re.compile(r"(?:\+44\s?7\d{3}|\b07\d{3})\s?\d{3}\s?\d{3}\b"
                        r"|(?:\+44\s?|\b0)(?:1\d{2,4}|2\d)\s?\d{3,4}\s?\d{3,4}\b"),
    "postcode": re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b"),
    "ni_number": re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b"),
    "vehicle_reg": re.compile(r"\b[A-Z]{2}\d{2}\s[A-Z]{3}\b"),
    "address": re.compile(r"\b\d{1,4}[A-Za-z]?,? (?:[A-Z][a-z]+ )+"
                          r"(?:Road|Lane|Street|Avenue|Close|Drive|Way|Crescent|Grove|Terrace|Walk|Parade)\b"),
    "name": re.compile(r"(?:[Mm]y name is|Dear (?:Mr|Mrs|Ms|Miss|Dr)|(?:Kind )?[Rr]egards,|Many thanks,|"
                       r"Yours sincerely,) [A-Z][a-z]+"),
}


@pytest.fixture(scope="module")
def tables():
    return comments.build()


@pytest.fixture(scope="module")
def frame(tables):
    return tables["comments.csv"]


@pytest.fixture(scope="module")
def codeframe():
    return yaml.safe_load(CODEFRAME.read_text(encoding="utf-8"))["codes"]


@pytest.fixture(scope="module")
def code_service(codeframe):
    return {entry["code"]: entry["service_id"] for entry in codeframe}


def test_build_returns_exactly_the_two_comment_files(tables):
    assert sorted(tables) == ["comments.csv", "hand_coded.csv"]


def test_about_three_thousand_comments_with_sequential_ids(frame):
    assert len(frame) == 3000
    assert frame["comment_id"].tolist() == [f"C{i:05d}" for i in range(1, 3001)]


def test_at_least_1500_distinct_texts(frame):
    assert frame["text"].nunique() >= 1500


def test_source_shares_within_three_points(frame):
    targets = {"survey": 40, "budget_consultation": 20, "parks_consultation": 15,
               "complaint": 15, "citizens_panel": 10}
    shares = frame["source"].value_counts(normalize=True) * 100
    assert set(shares.index) == set(targets)
    for source, target in targets.items():
        assert abs(shares[source] - target) <= 3, source


def test_sentiment_shares_near_targets(frame):
    shares = frame["sentiment"].value_counts(normalize=True)
    assert set(shares.index) == {"negative", "positive", "neutral", "mixed"}
    assert 0.50 <= shares["negative"] <= 0.60
    assert 0.15 <= shares["positive"] <= 0.25
    assert 0.20 <= shares["neutral"] + shares["mixed"] <= 0.30


def test_codeframe_has_the_default_codes_and_schema(codeframe):
    codes = [entry["code"] for entry in codeframe]
    assert codes == ["W1", "W2", "W3", "S1", "S2", "S3", "P1", "P2", "P3", "L1", "L2", "L3",
                     "LE1", "LE2", "H1", "H2", "H3", "PL1", "PL2", "C1", "C2", "C3",
                     "X1", "X2", "X3", "X4", "Z1", "Z2"]
    for entry in codeframe:
        special = entry.get("special")
        assert {"code", "label", "service_id", "description"} <= set(entry)
        # Substantive codes carry patterns; "none of the above" is what no pattern matched.
        assert ("include" in entry) == (special != "none_of_the_above"), entry["code"]
        assert entry["label"] and entry["description"]
        if entry["code"][0] in "XZ":
            assert entry["service_id"] is None
        else:
            assert entry["service_id"] in _ashbrook.SERVICE_IDS


def test_themes_are_codeframe_codes_consistent_with_service(frame, code_service):
    for row in frame.itertuples():
        codes = row.themes.split(";")
        assert 1 <= len(codes) <= 3 and len(set(codes)) == len(codes), row.comment_id
        assert all(code in code_service for code in codes), row.comment_id
        if codes[0] in ("Z1", "Z2"):
            assert len(codes) == 1 and pd.isna(row.service_id), row.comment_id
        for code in codes:
            owner = code_service[code]
            assert owner is None or owner == row.service_id, row.comment_id
        assert [pair.split(":")[0] for pair in row.theme_stances.split(";")] == codes


def test_sentiment_follows_theme_stances(frame):
    for row in frame.itertuples():
        stances = {pair.split(":")[1] for pair in row.theme_stances.split(";")}
        if "mixed" in stances or {"positive", "negative"} <= stances:
            expected = "mixed"
        elif "negative" in stances:
            expected = "negative"
        elif "positive" in stances:
            expected = "positive"
        else:
            expected = "neutral"
        assert row.sentiment == expected, row.comment_id


def test_stance_only_on_consultations(frame):
    consultation = frame["consultation_id"].notna()
    assert set(frame.loc[consultation, "stance"]) == {"agree", "disagree", "unclear"}
    assert frame.loc[~consultation, "stance"].isna().all()
    assert set(frame.loc[consultation, "source"]) == {"budget_consultation", "parks_consultation"}
    assert set(frame["consultation_id"].dropna()) == {"BUD-2024", "BUD-2025", "PARKS-2025"}


def test_dates_follow_each_source(frame):
    assert frame["date"].max() <= LATEST_END and frame["date"].min() >= "2023-04-01"
    survey = frame[frame["source"] == "survey"]
    windows = [(start, end) for _, start, end, *_ in _ashbrook.WAVES]
    assert all(any(start <= d <= end for start, end in windows) for d in survey["date"])
    budget_months = frame.loc[frame["source"] == "budget_consultation", "date"].str[5:7]
    assert set(budget_months) <= {"12", "01"}
    parks = frame.loc[frame["source"] == "parks_consultation", "date"]
    assert parks.min() >= "2025-06-01" and parks.max() <= "2025-08-31"
    for source in ("complaint", "citizens_panel"):
        dates = pd.to_datetime(frame.loc[frame["source"] == source, "date"])
        quarters = dates.dt.to_period("Q-MAR").value_counts()
        # Financial years 2024-25 and 2025-26 (to Q2) are fiscal years 2025 and 2026 in pandas.
        for period in pd.period_range("2025Q1", "2026Q2", freq="Q-MAR"):
            assert quarters.get(period, 0) >= 10, (source, period)


def test_word_counts_and_missing_values(frame):
    words = frame["text"].str.split().str.len()
    substantive = frame["themes"] != "Z2"
    assert words[substantive].between(5, 250).all()
    assert 25 <= words.median() <= 35
    assert 0.10 <= frame["ward_code"].isna().mean() <= 0.20
    for column in ("age_band", "sex", "ethnic_group", "disability"):
        assert 0.20 <= frame[column].isna().mean() <= 0.40, column
    assert set(frame["age_band"].dropna()) <= set(_ashbrook.WEIGHTING_CATEGORIES["age_band"])
    assert set(frame["ethnic_group"].dropna()) <= set(_ashbrook.WEIGHTING_CATEGORIES["ethnic_group"])
    assert set(frame["disability"].dropna()) <= set(_ashbrook.DISABILITY_CATEGORIES)
    assert set(frame["ward_code"].dropna()) <= set(_ashbrook.WARD_CODES)


def test_flags_are_true_false_strings(frame):
    for column in ("evidence_rich", "contains_pii"):
        assert set(frame[column]) == {"true", "false"}, column
    assert 0.015 <= (frame["contains_pii"] == "true").mean() <= 0.025


def test_every_pii_row_has_detectable_personal_data(frame):
    pii = frame[frame["contains_pii"] == "true"]
    assert set(pii["pii_types"].str.split(";").explode()) == set(PII_PATTERNS)
    for row in pii.itertuples():
        for kind in row.pii_types.split(";"):
            assert PII_PATTERNS[kind].search(row.text), (row.comment_id, kind, row.text)
    assert frame.loc[frame["contains_pii"] == "false", "pii_types"].isna().all()


def test_ordinary_comments_hold_no_personal_data_patterns(frame):
    # Tricky negatives (years, times, route numbers, references) must not look like PII.
    clean = frame[frame["contains_pii"] == "false"]
    for kind, pattern in PII_PATTERNS.items():
        hits = clean[clean["text"].str.contains(pattern)]
        assert hits.empty, (kind, hits["text"].head(3).tolist())
    for tricky in ("Route 42 bus", "over 65s", "7.30am", "2019", "CR-"):
        assert clean["text"].str.contains(tricky, regex=False).any(), tricky


def test_campaign_groups_are_near_identical(frame):
    groups = frame.dropna(subset=["campaign_group"]).groupby("campaign_group")
    assert 2 <= groups.ngroups <= 3
    assert 0.02 <= frame["campaign_group"].notna().mean() <= 0.04
    assert "Save Larkrise Library" in groups.groups
    for name, group in groups:
        texts = group["text"].tolist()
        assert len(texts) >= 15, name
        assert group["text"].nunique() > 1, name  # edited copies, not one repeated text
        words = [text.split() for text in texts]
        ratios = [[difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
                   for j, b in enumerate(words) if j != i] for i, a in enumerate(words)]
        # Every copy has a near twin, and a typical pair differs by a few edits only.
        assert min(max(row) for row in ratios) >= 0.75, name
        assert statistics.median(r for row in ratios for r in row) >= 0.8, name


def test_every_service_has_twenty_comments_in_the_latest_four_quarters(frame):
    latest = frame[frame["date"].between(LATEST_START, LATEST_END)]
    counts = latest["service_id"].value_counts()
    for service_id in _ashbrook.SERVICE_IDS:
        assert counts.get(service_id, 0) >= 20, service_id


def _mentions(rows: pd.DataFrame, code: str) -> pd.Series:
    pairs = rows["theme_stances"].str.split(";").explode()
    return pairs[pairs.str.startswith(code + ":")].str.split(":").str[1].value_counts()


def test_planted_signals_in_the_latest_four_quarters(frame):
    latest = frame[frame["date"].between(LATEST_START, LATEST_END)]
    street = latest[latest["service_id"] == "street_cleansing"]
    for code in ("S1", "S2"):
        mentions = _mentions(street, code)
        assert mentions["negative"] / mentions.sum() >= 0.7, code
    with_ward = street["ward_code"].dropna()
    assert with_ward.isin(_ashbrook.STREET_HOTSPOT_WARDS).mean() >= 0.4
    parks = latest[latest["service_id"] == "parks"]
    assert (parks["sentiment"] == "positive").sum() > (parks["sentiment"] == "negative").sum()
    play = _mentions(parks, "P2")
    assert play["negative"] / play.sum() >= 0.6
    hours = _mentions(latest[latest["service_id"] == "libraries"], "L1")
    assert hours["negative"] / hours.sum() >= 0.6
    for service_id, code in (("planning", "PL1"), ("customer_services", "C1")):
        mentions = _mentions(latest[latest["service_id"] == service_id], code)
        assert mentions["negative"] / mentions.sum() >= 0.6, code


def test_waste_complaints_surge_after_the_new_rounds(frame):
    waste = frame[(frame["service_id"] == "waste_recycling") & (frame["source"] != "survey")]
    negative = waste["theme_stances"].str.contains("W1:negative|W2:negative")
    before = negative[(waste["date"] >= "2023-04-01") & (waste["date"] < "2025-02-03")].sum() / 22
    after = negative[waste["date"] >= "2025-02-03"].sum() / 8  # per month
    assert after >= 3 * before


def test_council_tax_dominates_the_budget_consultations(frame):
    budget = frame[frame["source"] == "budget_consultation"]
    assert budget["themes"].str.split(";").apply(lambda codes: "X1" in codes).mean() >= 0.4


def test_hand_coded_sample(frame, tables, code_service):
    coded = tables["hand_coded.csv"]
    assert list(coded.columns) == ["comment_id", "coder", "sentiment", "themes"]
    assert set(coded["comment_id"]) <= set(frame["comment_id"])
    first, second = (coded[coded["coder"] == c] for c in ("coder_a", "coder_b"))
    assert len(first) == 600 and first["comment_id"].is_unique
    assert len(second) == 200 and set(second["comment_id"]) <= set(first["comment_id"])
    assert set(coded["sentiment"]) <= {"positive", "negative", "neutral", "mixed"}
    assert set(coded["themes"].str.split(";").explode()) <= set(code_service)
    # Stratified by source: every source is in coder_a's sample.
    sources = frame.set_index("comment_id").loc[first["comment_id"], "source"]
    assert sources.nunique() == 5


def test_coders_agree_with_gold_and_each_other_at_realistic_kappa(frame, tables):
    coded = tables["hand_coded.csv"]
    gold = frame.set_index("comment_id")["sentiment"]
    by_coder = {c: g.set_index("comment_id")["sentiment"] for c, g in coded.groupby("coder")}
    pairs = [(by_coder["coder_a"], gold), (by_coder["coder_b"], gold),
             (by_coder["coder_a"], by_coder["coder_b"])]
    for left, right in pairs:
        joined = pd.concat([left, right], axis=1, join="inner")
        kappa = cohen_kappa_score(joined.iloc[:, 0].tolist(), joined.iloc[:, 1].tolist())
        assert 0.75 <= kappa <= 0.85
    # Adjacent confusions outnumber opposite-pole ones.
    joined = pd.concat([by_coder["coder_a"], gold], axis=1, join="inner").astype(str)
    pairs = list(zip(joined.iloc[:, 0], joined.iloc[:, 1]))
    opposite = sum({a, b} == {"positive", "negative"} for a, b in pairs)
    adjacent = sum({a, b} == {"neutral", "mixed"} or (a != b and "mixed" in (a, b)) for a, b in pairs)
    assert adjacent > opposite


def test_build_is_deterministic(tables):
    again = comments.build()
    for name, table in tables.items():
        first, second = io.StringIO(), io.StringIO()
        table.to_csv(first, index=False, lineterminator="\n")
        again[name].to_csv(second, index=False, lineterminator="\n")
        assert first.getvalue() == second.getvalue(), name


def test_scenario_reports_computed_counts(tables, frame):
    text = comments.scenario(tables)
    assert text.startswith("## Comments")
    assert f"{len(frame):,} comments" in text
    assert f"{frame['text'].nunique():,} distinct texts" in text
    for source, count in frame["source"].value_counts().items():
        assert f"| {source} | {count} |" in text
    assert "Save Larkrise Library" in text and "cohen_kappa_score" in text

"""The evidence tables the rules read: their fields, and the demo council's planted signals."""

import pandas as pd
import pytest

from pmresearch import evidence
from pmresearch.workspace import load_workspace


@pytest.fixture(scope="module")
def ws(demo_ws):
    return demo_ws


@pytest.fixture(scope="module")
def tables(ws):
    return evidence.evidence_for(ws, "2025-26 Q2")


def test_every_table_has_the_keys_and_exactly_the_catalogued_fields(tables):
    assert set(tables) == set(evidence.EVIDENCE_FIELDS)
    for kind, table in tables.items():
        fields = evidence.EVIDENCE_FIELDS[kind]
        assert list(table.columns) == ["service_id", "period", "subject", *fields], kind
        for field, field_kind in fields.items():
            values = table[field].dropna()
            if field_kind == "number":
                assert pd.api.types.is_numeric_dtype(values) or values.empty, (kind, field)
            elif field_kind == "bool":
                assert table[field].dtype == "boolean", (kind, field)


def test_nothing_after_the_period_is_read(tables):
    for kind in ("service", "pi"):
        assert (tables[kind]["period"] <= "2025-26 Q2").all()
    for kind in ("ward", "subgroup", "theme", "wave"):
        assert (tables[kind]["period"] == "2025-26 Q2").all()


def test_the_two_street_cleaning_hotspot_wards_are_significantly_below_the_borough(tables):
    wards = tables["ward"]
    street = wards[wards["service_id"] == "street_cleansing"].set_index("ward_code")
    below = street[street["significant"] & (street["difference_points"] < 0)]
    assert sorted(below.index) == ["AB05", "AB13"]  # SCENARIO.md: the planted hotspots
    assert (below["ward_name"].tolist(), below["wave"].unique().tolist()) == \
        (["Eastfield", "Northgate"], ["2025"])
    # The gap is the ward's estimate less the rest of the borough's.
    gap = street["pct_satisfied"] - street["pct_rest"]
    assert street["difference_points"].to_numpy() == pytest.approx(gap.to_numpy())


def test_younger_and_disabled_residents_are_less_satisfied_with_the_council(tables, ws):
    groups = tables["subgroup"]
    council = groups[(groups["service_id"] == evidence.COUNCIL)
                     & (groups["survey_item"] == "sat_council")].set_index("subject")
    for subject in ("age band 18-34 (sat_council)", "disability Yes (sat_council)"):
        row = council.loc[subject]
        assert row.significant and row.difference_points <= -10 and row.n_unweighted >= 100
    assert "sat_council" in evidence.council_items(ws)


def test_council_items_are_the_survey_items_no_service_claims(ws):
    claimed = {item for items in ws.services["survey_items"].fillna("") for item in items.split(";")}
    items = evidence.council_items(ws)
    assert items and not claimed & set(items)


def test_quotable_counts_comments_without_personal_data_each_campaign_once(tables):
    themes = tables["theme"]
    assert (themes["quotable"] <= themes["comments"]).all()
    assert (themes["quotable"] >= 0).all()


def test_evidence_is_gathered_once_per_loaded_workspace_and_period(ws, tables, demo_workspace,
                                                                  monkeypatch):
    gathered = []
    monkeypatch.setattr(evidence, "gather_evidence",
                        lambda ws, period: gathered.append(period) or {"period": period})
    assert evidence.evidence_for(ws, "2025-26 Q2") is tables  # kept with the workspace
    assert evidence.evidence_for(ws, "2025-26 Q1") == {"period": "2025-26 Q1"}
    fresh = load_workspace(demo_workspace)  # another load derives afresh
    assert evidence.evidence_for(fresh, "2025-26 Q2") == {"period": "2025-26 Q2"}
    assert gathered == ["2025-26 Q1", "2025-26 Q2"]


def test_findings_on_a_low_base_carry_the_note_into_findings_csv(ws, tmp_path):
    """A ward hotspot on a base of 50–99 says so in findings.csv; a PI finding has no note."""
    from pmresearch.rules import write_findings

    period = ws.council["current_period"]
    found = evidence.findings_for(ws, period)
    wards = found[found["rule_id"] == "ward_hotspot"]
    bases = evidence.evidence_for(ws, period)["ward"].set_index(
        ["service_id", "subject"])["n_unweighted"]
    low = bases.reindex(list(zip(wards["service_id"], wards["subject"]))).to_numpy() < 100
    assert low.any()
    assert (wards["base_note"].str.startswith("low base") == low).all()
    assert (found.loc[found["applies_to"] == "pi", "base_note"] == "").all()
    written = pd.read_csv(write_findings(found, tmp_path / "findings.csv"), keep_default_na=False)
    assert written["base_note"].tolist() == found["base_note"].tolist()

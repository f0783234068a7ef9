"""The low-base marker: every table showing a survey estimate marks a base from
``settings.suppression.min_base`` up to ``low_base`` in words, and suppresses one below.

A small council of its own (not the demo) whose groups have bases on each side of both
thresholds: 49 (suppressed), 50 and 99 (low base), 100 and 120 (no marker).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup

from pmresearch import linkage, sections
from pmresearch.cli import main
from pmresearch.store import build_store
from pmresearch.workspace import default_parameters_dir, load_workspace

PERIOD = "2025-26 Q2"
#: Respondents per ward in each wave: 49 suppressed, 50 and 99 low, 100 and 120 not marked.
WARD_BASES = {"W01": 49, "W02": 50, "W03": 99, "W04": 100, **{f"W{k:02d}": 120
                                                             for k in range(5, 13)}}
#: Age bands by size (the rest, 55+, is large), and the items asked of only the first n.
GROUP_BASES = {"18-24": 49, "25-34": 50, "35-44": 99, "45-54": 100}
ITEM_BASES = {"sat_49": 49, "sat_50": 50, "sat_99": 99, "sat_100": 100}
DISSATISFIED = ["W01", "W02", "W04"]
LOW = "low base: fewer than 100 answers, treat with caution"
SUPPRESSED = "suppressed: fewer than 50 answers"


def _write(folder: Path, name: str, rows: list[dict] | pd.DataFrame, columns=None) -> None:
    pd.DataFrame(rows, columns=columns).to_csv(folder / name, index=False, lineterminator="\n")


def _responses(wave: str, rng: np.random.Generator) -> pd.DataFrame:
    wards = [code for code, n in WARD_BASES.items() for _ in range(n)]
    n = len(wards)
    ages = [band for band, size in GROUP_BASES.items() for _ in range(size)]
    frame = pd.DataFrame({
        "respondent_id": [f"R{wave}-{i:04d}" for i in range(n)], "wave": wave,
        "ward_code": wards, "age_band": ages + ["55+"] * (n - len(ages)),
        "sex": np.where(np.arange(n) % 2, "Female", "Male"), "ethnic_group": "White",
        "tenure": "Owner occupier",
        "sat_main": rng.integers(1, 6, n)})
    # Everyone in W01, W02 and W04 very dissatisfied: wards far below the rest, so the
    # ward-hotspot rule fires on a low base (W02), an ordinary one (W04) and a suppressed one.
    frame.loc[frame["ward_code"].isin(DISSATISFIED), "sat_main"] = 5
    for item, size in ITEM_BASES.items():
        frame[item] = pd.array([*rng.integers(1, 6, size), *[pd.NA] * (n - size)], "Int64")
    return frame


def make_workspace(folder: Path, *, suppression: dict | None = None) -> Path:
    """A council with two survey waves, five services and one PI with ward values."""
    folder.mkdir(parents=True)
    (folder / "council.yaml").write_text("name: Lowbase Borough Council\n"
                                         f"current_period: {PERIOD}\n"
                                         "financial_year_start_month: 4\n", encoding="utf-8")
    _write(folder, "wards.csv", [{"ward_code": code, "ward_name": f"Ward {code[1:]}",
                                  "adult_population": 100 * n, "imd_quintile": 1 + k % 5}
                                 for k, (code, n) in enumerate(WARD_BASES.items())])
    # Populations proportional to the sample: raking leaves every weight equal.
    _write(folder, "population_margins.csv", [
        {"variable": "ward_code", "category": code, "population": 100 * n}
        for code, n in WARD_BASES.items()])
    _write(folder, "survey_waves.csv", [
        {"wave": "2024", "fieldwork_start": "2024-08-12", "fieldwork_end": "2024-09-20"},
        {"wave": "2025", "fieldwork_start": "2025-08-11", "fieldwork_end": "2025-09-19"}])
    items = ["sat_main", *ITEM_BASES]
    _write(folder, "survey_items.csv", [{"item": item, "question": f"Satisfied ({item})?",
                                         "scale_points": 5} for item in items])
    rng = np.random.default_rng(12)
    _write(folder, "survey_responses.csv",
           pd.concat([_responses("2024", rng), _responses("2025", rng)], ignore_index=True))
    services = [{"service_id": "main", "survey_items": "sat_main", "key_pi": "P1"},
                {"service_id": "items", "survey_items": ";".join(ITEM_BASES), "key_pi": ""},
                *({"service_id": f"svc_{item[4:]}", "survey_items": item, "key_pi": ""}
                  for item in ITEM_BASES)]
    _write(folder, "services.csv", [{**row, "service_name": row["service_id"].capitalize(),
                                     "directorate": "Place"} for row in services])
    _write(folder, "indicators.csv", [{
        "pi_id": "P1", "service_id": "main", "name": "Litter", "unit": "%",
        "polarity": "lower_better", "tolerance": 10, "tolerance_type": "relative",
        "is_key": "true"}])
    quarters = [("2025-26 Q1", "2025-06-30"), (PERIOD, "2025-09-30")]
    values = [{"pi_id": "P1", "period": period, "period_end": end, "ward_code": "",
               "value": 7.0, "target": 6.0} for period, end in quarters]
    values += [{"pi_id": "P1", "period": PERIOD, "period_end": "2025-09-30", "ward_code": code,
                "value": 4.0 + k, "target": 6.0} for k, code in enumerate(WARD_BASES)]
    _write(folder, "pi_values.csv", values)
    _write(folder, "benchmarks.csv", [{
        "pi_id": "P1", "year": "2024-25", "comparator_group": "Peers", "lower_quartile": 5.0,
        "median": 6.0, "upper_quartile": 7.0}])
    _write(folder, "comments.csv", [
        {"comment_id": "C1", "source": "complaint", "date": "2025-07-01", "service_id": "main",
         "text": "The streets are covered in litter."}])
    if suppression is not None:
        parameters = folder / "parameters"
        parameters.mkdir()
        rules = yaml.safe_load((default_parameters_dir() / "rules.yaml").read_text("utf-8"))
        rules["settings"]["suppression"] = suppression
        (parameters / "rules.yaml").write_text(yaml.safe_dump(rules, sort_keys=False),
                                               encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("lowbase") / "council")


@pytest.fixture(scope="module")
def ws(folder):
    return load_workspace(folder, cache=False)


@pytest.fixture(scope="module")
def store(ws):
    return build_store(ws, PERIOD)


def _expected_note(base: int, *, min_base: int = 50, low_base: int = 100) -> str:
    # The convention of docs/assumptions.md, written out independently of the package.
    if base < min_base:
        return f"suppressed: fewer than {min_base} answers"
    if base < low_base:
        return f"low base: fewer than {low_base} answers, treat with caution"
    return ""


def test_base_note_marks_exactly_the_bases_from_min_base_up_to_low_base():
    suppression = {"min_base": 50, "low_base": 100}
    flags = linkage.base_flags(pd.Series([0, 49, 50, 99, 100, 120, np.nan]), suppression)
    notes = linkage.base_note(flags["low_base"], flags["suppressed"], suppression)
    assert notes.tolist() == [SUPPRESSED, SUPPRESSED, LOW, LOW, "", "", ""]


def test_satisfaction_by_wave_notes_every_low_base_row(store):
    table = sections.satisfaction_by_wave(store, "items").data
    assert sorted(table["Base (unweighted)"]) == [49, 49, 50, 50, 99, 99, 100, 100]
    assert table["Note"].tolist() == [_expected_note(n) for n in table["Base (unweighted)"]]
    assert table.loc[table["Base (unweighted)"] < 50, "% satisfied"].isna().all()
    assert table.loc[table["Base (unweighted)"] >= 50, "% satisfied"].notna().all()


def test_change_since_last_wave_notes_a_low_base_in_either_wave(store):
    table = sections.change_since_last_wave(store, "items").data
    # Each item has the same base in both waves: 49, 50, 99, 100 in items' order.
    assert table["Note"].tolist() == [_expected_note(n) for n in ITEM_BASES.values()]
    assert table["Change (points)"].isna().tolist() == [True, False, False, False]


@pytest.mark.parametrize("breakdown, bases", [
    (sections.ward_breakdown, {f"Ward {code[1:]}": n for code, n in WARD_BASES.items()}),
    (sections.equality_breakdown, {**GROUP_BASES, "55+": sum(WARD_BASES.values()) - 298}),
])
def test_ward_and_equality_tables_note_every_low_base_group(store, breakdown, bases):
    table = breakdown(store, "main").data
    if "Characteristic" in table:
        table = table[table["Characteristic"] == "Age band"]
    assert dict(zip(table["Group"], table["Base (unweighted)"])) == bases
    assert table["Note"].tolist() == [_expected_note(bases[g]) for g in table["Group"]]
    assert (table["Note"] == LOW).sum() == 2
    assert table.loc[table["Base (unweighted)"] < 50, "% satisfied"].isna().all()
    assert table.loc[table["Base (unweighted)"] >= 50, "% satisfied"].notna().all()


def test_a_low_base_ward_is_noted_whether_or_not_it_differs(store):
    # The tester's bug: the flag rode on the verdict, so only significant rows had it.
    table = sections.ward_breakdown(store, "main").data.set_index("Group")
    assert table.loc["Ward 02", "Verdict"] == "significantly lower"  # all dissatisfied
    assert table.loc["Ward 03", "Verdict"] == "no significant difference"
    assert table.loc[["Ward 02", "Ward 03"], "Note"].tolist() == [LOW, LOW]
    assert table.loc["Ward 01", "Verdict"] == "not tested"
    assert table.loc["Ward 01", "Note"] == SUPPRESSED


def _evidence_row(store, service_id):
    return sections.residents_and_performance(store, service_id).data.iloc[-1]


@pytest.mark.parametrize("service_id, base", [(f"svc_{n}", n) for n in (49, 50, 99, 100)])
def test_summary_and_quarter_table_mark_the_headline_estimate(store, service_id, base):
    summary = sections.service_summary(store, service_id).data
    residents = next(line for line in summary.splitlines() if "**Residents**" in line)
    shown = _evidence_row(store, service_id)["% satisfied"]
    expected = _expected_note(base)
    if expected:
        assert expected in residents and expected in shown
    else:
        assert "low base" not in residents and "suppressed" not in residents
        assert "low base" not in shown and "suppressed" not in shown
    # Suppressed: no percentage anywhere; otherwise the estimate is shown beside its note.
    assert ("% satisfied" in residents) == (base >= 50)
    assert ("% (" in shown) == (base >= 50)
    assert f"base {base}" in residents


def _chart_table(block) -> pd.DataFrame:
    table = BeautifulSoup(block.data, "html.parser").find("details").find("table")
    header = [th.get_text() for th in table.find("thead").find_all("th")]
    rows = [[td.get_text() for td in tr.find_all("td")]
            for tr in table.find("tbody").find_all("tr")]
    return pd.DataFrame(rows, columns=header)


def test_ward_correlation_data_table_marks_low_base_wards_and_leaves_out_suppressed(ws, store):
    points = linkage.ward_points(ws, "main", PERIOD)
    expected = {code: n for code, n in WARD_BASES.items() if n >= 50}
    assert dict(zip(points["ward_code"], points["n_unweighted"])) == expected
    assert points["low_base"].tolist() == [50 <= n < 100 for n in expected.values()]
    # The correlation is over the same 11 wards (W01's 49 answers are suppressed).
    assert linkage.ward_correlation(ws, "main", PERIOD)["n"].tolist() == [11, 11]
    data = _chart_table(sections.ward_scatter(store, "main"))
    assert data["Ward"].tolist() == [f"Ward {code[1:]}" for code in expected]
    assert data["Note"].replace("–", "").tolist() == [_expected_note(n)
                                                      for n in expected.values()]


def test_ward_chart_labels_low_base_wards_in_words(store):
    from pmresearch import plots

    points = store.rows("ward_points", "main")
    figure = plots.ward_scatter(points, pi_label="Litter", item_label="% satisfied",
                                labels=points["ward_name"])
    labels = [text.get_text() for text in figure.axes[0].texts]
    assert labels[:4] == ["Ward 02 (low base)", "Ward 03 (low base)", "Ward 04", "Ward 05"]


def test_evidence_csv_marks_the_low_base_rows(folder, tmp_path):
    assert main(["evidence", "--workspace", str(folder), "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "evidence_table.csv", keep_default_na=False)
    rows = table[table["period"] == PERIOD].set_index("service_id")
    for n in ITEM_BASES.values():
        assert rows.loc[f"svc_{n}", "n_unweighted"] == n
        assert rows.loc[f"svc_{n}", "satisfaction_base_note"] == _expected_note(n)
        assert str(rows.loc[f"svc_{n}", "satisfaction_low_base"]) == str(50 <= n < 100)
    assert rows.loc["svc_49", "pct_satisfied"] == ""  # suppressed: no number written


def test_the_thresholds_come_from_the_settings(tmp_path):
    # min_base 60, low_base 110: 50 is now suppressed and 100 low.
    folder = make_workspace(tmp_path / "council",
                            suppression={"min_base": 60, "low_base": 110})
    ws = load_workspace(folder, cache=False)
    table = sections.ward_breakdown(build_store(ws, PERIOD), "main").data
    bases = dict(zip(table["Group"], table["Base (unweighted)"]))
    assert table["Note"].tolist() == [_expected_note(bases[g], min_base=60, low_base=110)
                                      for g in table["Group"]]
    assert (table["Note"] == "low base: fewer than 110 answers, treat with caution").sum() == 2
    points = linkage.ward_points(ws, "main", PERIOD)
    assert points["ward_code"].tolist()[:2] == ["W03", "W04"]
    assert points["low_base"].tolist()[:3] == [True, True, False]


def test_findings_on_a_survey_estimate_carry_its_base_note(store):
    found = sections.findings_and_actions(store, "main").data
    hotspots = found[found["Finding"] == "Ward hotspot"].set_index("About")["Note"]
    # W01 is suppressed, so the rules never judged it; W03 was not dissatisfied.
    assert hotspots.to_dict() == {"Ward 02": LOW, "Ward 04": ""}
    assert (found.loc[found["About"] == "P1", "Note"] == "").all()  # a PI has no base
    for n in (49, 50, 99):
        found = sections.findings_and_actions(store, f"svc_{n}").data
        # Every finding of these services rests on the headline estimate (the default rule
        # low_base fires on each); each carries the estimate's note.
        assert "Satisfaction on a low base" in found["Finding"].tolist()
        assert found["Note"].tolist() == [_expected_note(n)] * len(found)

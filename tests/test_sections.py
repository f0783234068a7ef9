"""The pack's sections, each shown from a few hand-made rows of the evidence store.

Every test builds an :class:`~pmresearch.store.EvidenceStore` in memory holding only the tables
the section reads, a few rows each, and checks what the section shows: labels, rounding, base
notes, the words when there is nothing to show, and workspace text (``<b>x</b>``, ``*x*``)
shown as written. Expected text is worked out by hand from the rows given, never by calling
the package.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from IPython.display import HTML, Markdown
from pandas.io.formats.style import Styler

from pmresearch import sections
from pmresearch.store import EvidenceStore
from tests.evidence_tables import evidence_tables

PERIOD = "2025-26 Q2"
SERVICE = "litter_team"
HOSTILE = "<b>x</b> *x*"
#: HOSTILE in a section's Markdown: the tags as text, the stars as literal stars.
HOSTILE_MD = r"&lt;b&gt;x&lt;\/b&gt; \*x\*"
#: HOSTILE in a table cell: HTML-escaped (stars mean nothing in HTML).
HOSTILE_HTML = "&lt;b&gt;x&lt;/b&gt; *x*"
WINDOW = "01 October 2024 to 30 September 2025"
LOW = "low base: fewer than 100 answers, treat with caution"
SUPPRESSED = "suppressed: fewer than 50 answers"

META = {
    "period": PERIOD, "council": "Testshire & Wold Council", "workspace": "testshire-ws",
    "pmresearch": "9.9.9", "comment_window": ["2024-10-01", "2025-09-30"], "unfielded_note": "",
    "rules": 21,
    "settings": {"suppression": {"min_base": 50, "low_base": 100},
                 "significance": {"alpha": 0.05},
                 "coding": {"top_issue_share": 0.1, "top_issue_min_comments": 5,
                            "top_issue_negative_share": 0.6},
                 "linkage": {"min_wards": 8, "comment_window_quarters": 4}},
}

#: The services row of SERVICE: what the sections read beside the other tables.
SERVICE_ROW = {
    "service_id": SERVICE, "service_name": "Litter", "directorate": "Place",
    "title": "Street litter", "pi_history_quarters": 8, "survey_items": "sat_clean",
    "latest_wave": "2025", "subgroup_status": "", "comments_in_window": 40,
    "comments_awaiting_review": 3, "comments_received": 1234, "comment_base": 1200,
    "complaints": 2, "compliments": 1, "complaint_tone": "",
    "ward_chart_status": "ok", "ward_pi_id": "SC01", "ward_pi_name": "Litter", "ward_pi_unit": "%",
    "ward_pi_period": PERIOD, "ward_survey_item": "sat_clean", "ward_question": "Clean streets?",
    "ward_wave": "2025"}


def make_store(*, meta: dict | None = None, service: dict | None = None,
               **tables: pd.DataFrame | list[dict]) -> EvidenceStore:
    """A store holding the services row of SERVICE (changed by ``service``) and ``tables``."""
    frames = {name: pd.DataFrame(rows) if isinstance(rows, list) else rows
              for name, rows in tables.items()}
    frames["services"] = pd.DataFrame([{**SERVICE_ROW, **(service or {})}])
    return EvidenceStore({**META, **(meta or {})}, None, frames)


def none_of(rows: list[dict]) -> pd.DataFrame:
    """A table with the columns of ``rows`` and no rows (a store table with nothing in it)."""
    return pd.DataFrame(rows).iloc[:0]


def shown(styler: Styler) -> pd.DataFrame:
    """The table as a reader sees it: the rendered text of each cell under its label."""
    return _html_table(BeautifulSoup(styler.to_html(), "html.parser").find("table"))


def _html_table(table) -> pd.DataFrame:
    header = [th.get_text() for th in table.find("thead").find_all("th")]
    body = table.find("tbody")
    rows = [[td.get_text() for td in tr.find_all("td")]
            for tr in (body.find_all("tr") if body else [])]
    return pd.DataFrame(rows, columns=header)


def chart_parts(block: HTML) -> dict:
    """A chart block's alt text, caption and its "data behind this chart" as shown."""
    soup = BeautifulSoup(block.data, "html.parser")
    return {"alt": soup.find("img")["alt"], "caption": soup.find("figcaption").get_text(),
            "data": _html_table(soup.find("details").find("table"))}


TESTED = set()


def covers(*names: str):
    """Mark a test as checking these sections (see test_every_section_has_a_test)."""
    TESTED.update(names)
    return lambda test: test


# ---------------------------------------------------------------- the front of a pack


@covers("header")
def test_header_names_the_service_council_and_provenance_with_text_escaped():
    store = make_store(service={"title": HOSTILE, "directorate": "Place & Economy"})
    text = sections.header(store, SERVICE).data
    lines = text.split("\n\n")
    assert lines[0] == rf"# {HOSTILE_MD}: evidence pack, 2025\-26 Q2"
    assert lines[1] == (r"**Testshire &amp; Wold Council** · Place &amp; Economy directorate · "
                        r"service <code>litter\_team</code>")
    assert re.fullmatch(r"Generated \d{4}-\d{2}-\d{2} by pmresearch 9\.9\.9 from the workspace "
                        r"<code>testshire\\-ws</code>\.", lines[2])
    assert "<b>" not in text


def _evidence(*rows: dict) -> pd.DataFrame:
    """The store's evidence_service rows of SERVICE (catalogued columns, their dtypes)."""
    return evidence_tables(PERIOD, service=[{"service_id": SERVICE, "subject": "Litter", **row}
                                            for row in rows])["service"]


KEY_PI = {"key_pi": "SC01", "key_pi_name": HOSTILE, "key_pi_period": PERIOD,
          "key_pi_value": 7.26, "key_pi_target": 6.0, "key_pi_rag": "red",
          "key_pi_rag_marker": "", "key_pi_dot_short": "worse",
          "key_pi_dot_short_basis": "previous quarter", "key_pi_dot_long": "better",
          "key_pi_consecutive_red": 3}
RESIDENTS = {"survey_item": "sat_clean", "wave": "2025", "pct_satisfied": 62.4, "ci_low": 58.1,
             "ci_high": 66.7, "n_unweighted": 80, "previous_wave": "2024", "change_points": -3.46,
             "change_verdict": "no significant change"}
COMMENTS = {"comments": 1234, "comment_base": 1200, "top_issues": "S03;S07"}
THEMES = [{"service_id": SERVICE, "code": "S03", "label": "Litter <i>bins</i>"}]


@covers("service_summary")
def test_service_summary_gives_the_key_pi_residents_and_comments_of_the_period():
    store = make_store(evidence_service=_evidence(
        {"period": "2025-26 Q1", **KEY_PI, "key_pi_value": 1.0},
        {"period": PERIOD, **KEY_PI, **RESIDENTS, **COMMENTS}), themes=THEMES)
    assert sections.service_summary(store, SERVICE).data.split("\n") == [
        # The last quarter's row; 7.26 to one decimal is 7.3.
        rf"- **Key PI** SC01 ({HOSTILE_MD}): 7.3 against a target of 6.0 in 2025\-26 Q2, "
        "**■ Red**; ↓ worse on the previous quarter, ↑ better on a year before.",
        # 62.4 → 62, 58.1 → 58, 66.7 → 67; base 80 is from 50 up to 100: low base.
        f"- **Residents**: 62% satisfied (95% CI 58–67%, base 80, **{LOW}**) in the 2025 "
        "survey; -3.5 points since 2024 (no significant change).",
        # S07 is not among the service's themes: its code alone.
        "- **Comments**: 1,234 received in the four quarters to 2025-26 Q2 (1,200 counting "
        r"each campaign once); top issues: S03 Litter &lt;i&gt;bins&lt;\/i&gt;; S07."]


def test_service_summary_of_a_year_to_date_key_pi_compares_with_a_year_before_only():
    store = make_store(evidence_service=_evidence({
        **KEY_PI, "key_pi_dot_short_basis": "same quarter last year", "key_pi_value": np.nan,
        "key_pi_target": np.nan, "key_pi_rag": "no data", "comments": 0, "comment_base": 0}),
        themes=THEMES)
    lines = sections.service_summary(store, SERVICE).data.split("\n")
    assert lines[0] == (rf"- **Key PI** SC01 ({HOSTILE_MD}): no value in 2025\-26 Q2, "
                        "**○ No data**; year to date, ↑ better on the same quarter a year before.")


@pytest.mark.parametrize("row, residents", [
    ({}, "- **Residents**: the resident survey has no question about this service."),
    ({"survey_item": "sat_clean"},
     "- **Residents**: no survey wave had ended by the end of this quarter."),
    ({"survey_item": "sat_clean", "wave": "2025", "n_unweighted": 30},
     f"- **Residents**: **{SUPPRESSED}** (base 30) in the 2025 survey, so no estimate is shown."),
    ({"survey_item": "sat_clean", "wave": "2025", "n_unweighted": 0},
     "- **Residents**: **no valid answers** (base 0) in the 2025 survey, so no estimate is "
     "shown."),
    ({"survey_item": "sat_clean", "wave": "2025", "n_unweighted": 150, "pct_satisfied": 70.0,
      "ci_low": 65.0, "ci_high": 75.0},
     "- **Residents**: 70% satisfied (95% CI 65–75%, base 150) in the 2025 survey."),
])
def test_service_summary_says_why_there_is_no_estimate_and_notes_only_a_low_base(row,
                                                                                 residents):
    store = make_store(evidence_service=_evidence({"comments": 0, "comment_base": 0, **row}),
                       themes=THEMES)
    assert sections.service_summary(store, SERVICE).data.split("\n") == [
        "- **Key PI**: none named in `services.csv`.", residents,
        "- **Comments**: 0 received in the four quarters to 2025-26 Q2 (0 counting each "
        "campaign once); top issues: none."]


FINDINGS = [
    {"service_id": SERVICE, "severity": "medium", "title": "Ward hotspot", "subject": "North",
     "finding": HOSTILE, "action": "Walk the ward", "owner": "Head of service",
     "due": "2025-12-31", "condition": "difference_points <= -10", "evidence": "-12.0",
     "base_note": LOW},
    {"service_id": SERVICE, "severity": "high", "title": "Persistent red", "subject": "SC01",
     "finding": "Red for 3 quarters", "action": "Recovery plan", "owner": "Director",
     "due": "2025-11-30", "condition": "consecutive_red >= 3", "evidence": "3", "base_note": ""},
    {"service_id": SERVICE, "severity": "medium", "title": "Falling", "subject": "sat_clean",
     "finding": "Down", "action": "Look", "owner": "Head", "due": "2026-01-31",
     "condition": "change_points < 0", "evidence": "-3.5", "base_note": ""},
    {"service_id": "other", "severity": "low", "title": "Elsewhere", "subject": "X",
     "finding": "", "action": "", "owner": "", "due": "", "condition": "", "evidence": "",
     "base_note": ""}]


@covers("findings_and_actions")
def test_findings_show_severity_in_words_why_each_fired_and_a_count_by_severity():
    styler = sections.findings_and_actions(make_store(findings=FINDINGS), SERVICE)
    table = shown(styler)
    assert list(table.columns) == ["Severity", "Finding", "About", "What we found",
                                   "Recommended action", "Owner", "By when",
                                   "Why (rule and evidence)", "Note"]
    assert table["Severity"].tolist() == ["▲ Medium", "■ High", "▲ Medium"]
    assert table["Why (rule and evidence)"].tolist() == [
        "difference_points <= -10 (-12.0)", "consecutive_red >= 3 (3)", "change_points < 0 (-3.5)"]
    assert table["Note"].tolist() == [LOW, "", ""]
    # Counted most severe first; 21 rules in the store's record of rules.yaml.
    assert styler.caption == "3 finding(s): 1 high, 2 medium. Rules: parameters/rules.yaml (21 rules)."
    assert HOSTILE_HTML in styler.to_html() and "<b>x</b>" not in styler.to_html()


def test_no_findings_says_no_rule_fired_in_the_period():
    shown_ = sections.findings_and_actions(make_store(findings=FINDINGS[3:]), SERVICE)
    assert isinstance(shown_, Markdown)
    assert shown_.data == (r"_No rule fired for this service in 2025\-26 Q2: nothing in the "
                           "evidence below met a rule's condition._")


@covers("improvement_plan")
def test_improvement_plan_lists_each_action_with_its_owner_and_measure():
    actions = [{"service_id": SERVICE, "severity": "high", "subject": "SC01",
                "outcome": "Litter back on target", "action": HOSTILE, "owner": "Director",
                "by_when": "2025-11-30", "success_measure": "SC01 green for 2 quarters"},
               {"service_id": "other", "severity": "low", "subject": "X", "outcome": "",
                "action": "", "owner": "", "by_when": "", "success_measure": ""}]
    styler = sections.improvement_plan(make_store(improvement_actions=actions), SERVICE)
    assert shown(styler).to_dict("records") == [{
        "Severity": "■ High", "About": "SC01", "Outcome": "Litter back on target",
        "Action": "<b>x</b> *x*", "Responsible officer": "Director", "By when": "2025-11-30",
        "Success measure": "SC01 green for 2 quarters"}]
    assert HOSTILE_HTML in styler.to_html()
    empty = sections.improvement_plan(make_store(improvement_actions=actions[1:]), SERVICE)
    assert empty.data == "_No rule recommended an action for this service in this period._"


@covers("residents_and_performance")
def test_residents_and_performance_shows_the_last_quarters_with_base_notes():
    rows = _evidence(
        {"period": "2024-25 Q4", **KEY_PI, "survey_item": "sat_clean"},
        {"period": "2025-26 Q1", **KEY_PI, "key_pi_rag": "amber", "key_pi_rag_marker": "provisional",
         "survey_item": "sat_clean", "wave": "2025", "n_unweighted": 30,
         "change_verdict": "not tested", "comment_base": 20, "top_issues": ""},
        {"period": PERIOD, **KEY_PI, **RESIDENTS, **COMMENTS,
         "key_pi_dot_short_basis": "same quarter last year"})
    store = make_store(evidence_service=rows, service={"pi_history_quarters": 2})
    styler = sections.residents_and_performance(store, SERVICE)
    table = shown(styler)
    # Two quarters of history (pi_history_quarters); the oldest row is left out.
    assert table["Quarter"].tolist() == ["2025-26 Q1", PERIOD]
    assert table["RAG"].tolist() == ["▲ Amber (provisional)", "■ Red"]
    assert table["vs previous quarter"].tolist() == ["↓ worse", "– (year to date)"]
    assert table["% satisfied"].tolist() == [f"{SUPPRESSED}, wave 2025",
                                             f"62% (58–67), wave 2025; {LOW}"]
    assert table["Key PI"].tolist() == ["7.3", "7.3"]
    assert table["Comments"].tolist() == ["20", "1,200"]
    # The caption is HTML-escaped as a whole (html.escape).
    assert styler.caption == html.escape(
        f"Key PI SC01: {HOSTILE}. Survey: sat_clean, the latest wave whose fieldwork ended by "
        "each quarter's end (95% interval). Comments: the four quarters to each quarter's end, "
        "campaigns counted once.")


def test_residents_and_performance_without_a_key_pi_or_survey_item_says_so():
    store = make_store(evidence_service=_evidence({"comments": 3, "comment_base": 3}))
    assert sections.residents_and_performance(store, SERVICE).data == (
        "_This service has neither a key PI nor a survey item to link._")


def test_residents_and_performance_names_the_comment_window_from_the_settings():
    settings = {**META["settings"], "linkage": {"min_wards": 8, "comment_window_quarters": 2}}
    store = make_store(meta={"settings": settings},
                       evidence_service=_evidence({"survey_item": "sat_clean"}))
    styler = sections.residents_and_performance(store, SERVICE)
    assert styler.caption == html.escape(
        "No key PI. Survey: sat_clean, the latest wave whose fieldwork ended by each quarter's "
        "end (95% interval). Comments: the two quarters to each quarter's end, campaigns "
        "counted once.")
    assert shown(styler)["% satisfied"].tolist() == ["–"]


# ---------------------------------------------------------------- the resident survey


NO_QUESTION = "_The resident survey has no question about this service._"
NO_WAVE = "_No survey wave ended by the end of this period._"
SATISFACTION = [
    {"service_id": SERVICE, "item": "sat_clean", "wave": "2024", "question": HOSTILE,
     "estimate": 66.7, "ci_low": 61.2, "ci_high": 71.8, "pct_dont_know": 2.4,
     "n_unweighted": 1234, "n_weighted": 1180.6, "deff": 1.456, "note": ""},
    {"service_id": SERVICE, "item": "sat_clean", "wave": "2025", "question": HOSTILE,
     "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "pct_dont_know": 5.0,
     "n_unweighted": 45, "n_weighted": 44.2, "deff": np.nan, "note": SUPPRESSED}]


@covers("satisfaction_by_wave")
def test_satisfaction_by_wave_rounds_for_reading_and_keeps_each_base_note():
    styler = sections.satisfaction_by_wave(make_store(satisfaction=SATISFACTION), SERVICE)
    assert shown(styler).to_dict("records") == [
        {"Question": "<b>x</b> *x*", "Wave": "2024", "% satisfied": "67", "95% CI from": "61",
         "95% CI to": "72", "% don't know": "2", "Base (unweighted)": "1,234",
         "Base (weighted)": "1,181", "Design effect of the estimate": "1.46", "Note": ""},
        {"Question": "<b>x</b> *x*", "Wave": "2025", "% satisfied": "–", "95% CI from": "–",
         "95% CI to": "–", "% don't know": "5", "Base (unweighted)": "45",
         "Base (weighted)": "44", "Design effect of the estimate": "–", "Note": SUPPRESSED}]
    assert HOSTILE_HTML in styler.to_html()


def test_satisfaction_by_wave_without_a_question_or_a_wave_says_which():
    no_items = make_store(satisfaction=SATISFACTION, service={"survey_items": ""})
    assert sections.satisfaction_by_wave(no_items, SERVICE).data == NO_QUESTION
    note = "Survey wave 'W3' is in survey_waves.csv but has no responses yet, so it is left out."
    no_rows = make_store(satisfaction=none_of(SATISFACTION), meta={"unfielded_note": note})
    assert sections.satisfaction_by_wave(no_rows, SERVICE).data == (
        f"{NO_WAVE} Survey wave &#x27;W3&#x27; is in survey\\_waves\\.csv but has no responses "
        "yet\\, so it is left out\\.")
    assert sections.satisfaction_by_wave(make_store(satisfaction=none_of(SATISFACTION)),
                                         SERVICE).data == NO_WAVE


@covers("change_since_last_wave")
def test_change_since_last_wave_shows_signed_points_and_the_verdict():
    changes = [{"service_id": SERVICE, "item": "sat_clean", "question": "Clean streets?",
                "wave_from": "2024", "wave_to": "2025", "estimate_a": 66.7, "estimate_b": 70.16,
                "difference": 3.46, "ci_low": -1.04, "ci_high": 7.96, "p_value": 0.04123,
                "verdict": "significantly higher", "note": LOW}]
    table = shown(sections.change_since_last_wave(make_store(wave_changes=changes), SERVICE))
    assert table.to_dict("records") == [{
        "Question": "Clean streets?", "From": "2024", "To": "2025", "% then": "67",
        "% now": "70", "Change (points)": "+3.5", "95% CI from": "-1.0", "95% CI to": "+8.0",
        "p-value": "0.041", "Verdict": "significantly higher", "Note": LOW}]
    assert sections.change_since_last_wave(make_store(wave_changes=none_of(changes)), SERVICE).data \
        == "_Fewer than two survey waves have valid answers about this service._"
    no_items = make_store(wave_changes=changes, service={"survey_items": ""})
    assert sections.change_since_last_wave(no_items, SERVICE).data == NO_QUESTION


GROUPS = [
    {"service_id": SERVICE, "item": "sat_clean", "question": "Clean streets?",
     "characteristic": "ward_code", "group": "E05000001", "group_label": "Hill <i>End</i>",
     "estimate": 52.4, "estimate_rest": 66.1, "difference": -13.66, "n_unweighted": 80,
     "p_adjusted": 0.0123, "verdict": "significantly lower", "note": LOW},
    {"service_id": SERVICE, "item": "sat_clean", "question": "Clean streets?",
     "characteristic": "ward_code", "group": "E05000002", "group_label": "Dale",
     "estimate": np.nan, "estimate_rest": np.nan, "difference": np.nan, "n_unweighted": 40,
     "p_adjusted": np.nan, "verdict": "not tested", "note": SUPPRESSED},
    {"service_id": SERVICE, "item": "sat_clean", "question": "Clean streets?",
     "characteristic": "age_band", "group": "18-34", "group_label": "18-34",
     "estimate": 60.0, "estimate_rest": 65.0, "difference": -5.0, "n_unweighted": 300,
     "p_adjusted": 0.2, "verdict": "no significant difference", "note": ""},
    {"service_id": SERVICE, "item": "sat_clean", "question": "Clean streets?",
     "characteristic": "sex", "group": "F", "group_label": "F",
     "estimate": 64.0, "estimate_rest": 63.0, "difference": 1.04, "n_unweighted": 600,
     "p_adjusted": 0.5, "verdict": "no significant difference", "note": ""}]


@covers("ward_breakdown")
def test_ward_breakdown_names_each_ward_against_the_rest_with_its_base_note():
    styler = sections.ward_breakdown(make_store(survey_groups=GROUPS), SERVICE)
    assert shown(styler).to_dict("records") == [
        {"Question": "Clean streets?", "Group": "Hill <i>End</i>", "% satisfied": "52",
         "% everyone else": "66", "Difference (points)": "-13.7", "Base (unweighted)": "80",
         "p (BH-adjusted)": "0.012", "Verdict": "significantly lower", "Note": LOW},
        {"Question": "Clean streets?", "Group": "Dale", "% satisfied": "–",
         "% everyone else": "–", "Difference (points)": "–", "Base (unweighted)": "40",
         "p (BH-adjusted)": "–", "Verdict": "not tested", "Note": SUPPRESSED}]
    assert styler.caption == "Survey wave 2025; each group against everyone else who answered"
    assert "Hill &lt;i&gt;End&lt;/i&gt;" in styler.to_html()


@covers("equality_breakdown")
def test_equality_breakdown_names_the_characteristic_when_there_are_several():
    table = shown(sections.equality_breakdown(make_store(survey_groups=GROUPS), SERVICE))
    assert table[["Characteristic", "Group", "Difference (points)"]].values.tolist() == [
        ["Age band", "18-34", "-5.0"], ["Sex", "F", "+1.0"]]
    one = shown(sections.equality_breakdown(make_store(survey_groups=GROUPS[:3]), SERVICE))
    assert "Characteristic" not in one and one["Group"].tolist() == ["18-34"]


@pytest.mark.parametrize("section", [sections.ward_breakdown, sections.equality_breakdown])
@pytest.mark.parametrize("status, expected", [
    ("no survey item", NO_QUESTION),
    ("no wave", NO_WAVE),
    ("Survey wave 2025 did not ask about this service.",
     r"_Survey wave 2025 did not ask about this service\._"),
])
def test_group_tables_say_why_they_are_empty(section, status, expected):
    store = make_store(survey_groups=GROUPS, service={"subgroup_status": status})
    assert section(store, SERVICE).data == expected


@covers("weighting_quality")
def test_weighting_quality_shows_how_far_weighting_moved_each_wave():
    weighting = [{"wave": "2025", "respondents": 1000, "effective_n": 812.6,
                  "design_effect": 1.2306, "max_margin_error": 0.000123, "weight_ratio": 4.56,
                  "n_trimmed": 0}]
    assert shown(sections.weighting_quality(make_store(weighting=weighting))).to_dict(
        "records") == [{"Wave": "2025", "Respondents": "1,000", "Effective base": "813",
                        "Design effect of the weights (Kish)": "1.23",
                        "Largest margin miss (points)": "0.00012",
                        "Largest / smallest weight": "4.6", "Weights trimmed": "0"}]
    assert sections.weighting_quality(make_store(weighting=none_of(weighting))).data == NO_WAVE


# ---------------------------------------------------------------- comments


@covers("comments_by_source")
def test_comments_by_source_lists_each_spelling_with_its_role_and_the_window():
    sources = [{"service_id": SERVICE, "source": HOSTILE, "role": "Complaint", "comments": 2,
                "pct_of_comments": 33.333},
               {"service_id": SERVICE, "source": "All sources", "role": "", "comments": 1200,
                "pct_of_comments": 100.0},
               {"service_id": "other", "source": "Web", "role": "Other", "comments": 9,
                "pct_of_comments": 100.0}]
    styler = sections.comments_by_source(make_store(comment_sources=sources), SERVICE)
    assert shown(styler).values.tolist() == [["<b>x</b> *x*", "Complaint", "2", "33"],
                                             ["All sources", "", "1,200", "100"]]
    assert list(shown(styler).columns) == ["Source", "Counted as", "Comments", "% of comments"]
    assert styler.caption == f"Comments dated {WINDOW}"
    assert HOSTILE_HTML in styler.to_html()


@covers("theme_table")
def test_theme_table_marks_top_issues_and_gives_the_counts_in_its_caption():
    themes = [{"service_id": SERVICE, "code": "S03", "label": "Litter", "comments": 1500,
               "pct_of_comments": 41.6, "negative": 1100, "pct_negative": 73.33,
               "campaign_responses": 34, "top_issue": True},
              {"service_id": SERVICE, "code": "S07", "label": HOSTILE, "comments": 12,
               "pct_of_comments": 1.0, "negative": 2, "pct_negative": 16.7,
               "campaign_responses": 0, "top_issue": False}]
    styler = sections.theme_table(make_store(themes=themes), SERVICE)
    assert shown(styler).values.tolist() == [
        ["Litter", "S03", "1,500", "42", "1,100", "73", "34", "Top issue"],
        ["<b>x</b> *x*", "S07", "12", "1", "2", "17", "0", ""]]
    # comments_received 1,234 and comment_base 1,200 of the services row.
    assert styler.caption == (
        f"Comments dated {WINDOW}: 1,234 received, base 1,200 after counting each campaign or "
        "duplicate group once. Counts of comments received, not a measure of all residents' "
        "views.").replace("'", "&#x27;")


def _quote(code: str, label: str, quote, *, top: bool, group_size: int = 1, comments: int = 12,
           pct: float = 40.0, negative: float = 25.0) -> dict:
    return {"service_id": SERVICE, "code": code, "label": label, "comments": comments,
            "pct_of_comments": pct, "pct_negative": negative, "top_issue": top,
            "tone": "negative" if top else "positive", "quote": quote,
            "group_size": group_size if quote else 0}


@covers("top_issues")
def test_top_issues_quote_each_issue_escaped_and_mark_campaign_responses():
    quotes = [_quote("S03", "Litter", HOSTILE, top=True, comments=1500, pct=41.6,
                     negative=73.3),
              _quote("S03", "Litter", "Bins left open", top=True, group_size=3, comments=1500,
                     pct=41.6, negative=73.3),
              _quote("S09", "Dog <b>fouling</b>", None, top=True)]
    text = sections.top_issues(make_store(top_issue_quotes=quotes), SERVICE).data
    # Each theme's line and each quote a paragraph of its own (blank lines between).
    assert text.split("\n") == [
        "",
        "**Litter** (S03): raised in 1,500 comments (42%), 73% of mentions negative.",
        "",
        f"> “{HOSTILE_MD}”",
        "",
        "> “Bins left open” *(one of 3 near-identical responses)*",
        "",
        "",
        r"**Dog &lt;b&gt;fouling&lt;\/b&gt;** (S09): raised in 12 comments (40%), 25% of "
        "mentions negative.",
        "",
        "> *(no comment on this theme can be quoted safely)*",
        ""]


def test_without_a_top_issue_the_most_raised_themes_are_quoted_with_the_thresholds():
    quotes = [_quote("S01", "Parks", "Lovely park", top=False)]
    text = sections.top_issues(make_store(top_issue_quotes=quotes), SERVICE).data
    # top_issue_share 0.1, top_issue_min_comments 5, top_issue_negative_share 0.6.
    assert text.split("\n")[0] == (
        "No theme is a top issue: none was raised in at least 10% of at least 5 comments with "
        "at least 60% of mentions negative. The most raised themes are quoted instead, in "
        "their commonest tone.")
    assert "> “Lovely park”" in text.split("\n")


@covers("coding_reliability")
def test_coding_reliability_shows_agreement_and_how_many_comments_await_review():
    reliability = [{"comparison": "classifier vs hand-coded", "what": "sentiment", "n": 1500,
                    "percent_agreement": 81.49, "cohens_kappa": 0.6789,
                    "krippendorff_alpha": 0.671, "macro_f1": np.nan}]
    styler = sections.coding_reliability(make_store(reliability=reliability), SERVICE)
    assert shown(styler).values.tolist() == [["classifier vs hand-coded", "sentiment", "1,500",
                                              "81", "0.68", "0.67", "–"]]
    # comments_awaiting_review 3 of comments_in_window 40.
    assert styler.caption.startswith("3 of this service&#x27;s 40 comments await review: ")


COMPLAINT_THEMES = [
    {"service_id": SERVICE, "code": "S03", "theme": "S03 Litter", "complaints": 2, "negative": 2,
     "positive": 0, "compliments": 0},
    {"service_id": SERVICE, "code": "S08", "theme": f"S08 {HOSTILE}", "complaints": 0,
     "negative": 0, "positive": 0, "compliments": 1}]


@covers("complaints_and_compliments")
def test_complaints_and_compliments_count_each_in_the_caption():
    styler = sections.complaints_and_compliments(
        make_store(complaint_themes=COMPLAINT_THEMES, service={"complaint_tone": "1 negative, 1 neutral"}),
        SERVICE)
    assert shown(styler).values.tolist() == [["S03 Litter", "2", "2", "0", "0"],
                                             ["S08 <b>x</b> *x*", "0", "0", "0", "1"]]
    assert styler.caption == (f"2 complaints (1 negative, 1 neutral) and 1 compliment received "
                              f"{WINDOW}. Counts received, not a measure of all residents&#x27; "
                              "views.")
    assert HOSTILE_HTML in styler.to_html()


def test_one_complaint_is_singular_and_no_tone_leaves_out_the_brackets():
    store = make_store(complaint_themes=none_of(COMPLAINT_THEMES),
                       service={"complaints": 1, "compliments": 0})
    assert sections.complaints_and_compliments(store, SERVICE).caption.startswith(
        f"1 complaint and 0 compliments received {WINDOW}.")


def test_no_complaints_or_compliments_says_so_with_the_window():
    store = make_store(complaint_themes=none_of(COMPLAINT_THEMES),
                       service={"complaints": 0, "compliments": 0})
    assert sections.complaints_and_compliments(store, SERVICE).data == (
        f"_No complaints or compliments about this service were received from {WINDOW}._")


# ---------------------------------------------------------------- performance indicators


def _pi(pi_id: str, **row) -> dict:
    return {"service_id": SERVICE, "pi_id": pi_id, "name": f"Indicator {pi_id}", "is_key": False,
            "unit": "%", "polarity": "lower_better", "value_period": PERIOD, "value": 1.0,
            "target": 1.0, "rag": "green", "rag_marker": "", "dot_short": "same",
            "dot_long": "same", "dot_short_basis": "previous quarter", "consecutive_red": 0,
            "trend": "no trend", "trend_p": np.nan, "benchmark_quartile": np.nan,
            "benchmark_year": None, "benchmark_value": np.nan, "lower_quartile": np.nan,
            "median": np.nan, "upper_quartile": np.nan, "benchmark_rank": np.nan,
            "benchmark_n": np.nan, "is_cost": False, **row}


INDICATORS = [
    _pi("SC01", name=HOSTILE, is_key=True, value=1234.56, target=1000.0, rag="red",
        rag_marker="provisional", dot_short="worse", dot_long="better", consecutive_red=3,
        trend="increasing", trend_p=0.0312, benchmark_quartile=4.0, benchmark_year="2024-25",
        benchmark_value=7.2, lower_quartile=5.0, median=6.0, upper_quartile=6.5,
        benchmark_rank=15.0, benchmark_n=16.0),
    _pi("SC02", unit="£", value=2.346, target=np.nan, rag="n/a", dot_short="up",
        dot_long="down", polarity="context", is_cost=True),
]


@covers("indicator_table")
def test_indicator_table_shows_rag_directions_trend_and_benchmark_in_words():
    styler = sections.indicator_table(make_store(indicators=INDICATORS), SERVICE)
    assert shown(styler).to_dict("records") == [
        {"PI": "SC01", "Indicator": "<b>x</b> *x*", "Key PI": "key", "Unit": "%",
         "Period": PERIOD, "Value": "1,234.6", "Target": "1,000.0",
         "RAG": "■ Red (provisional)", "vs previous quarter": "↓ worse",
         "vs a year before": "↑ better", "Quarters red": "3", "Trend": "increasing (p = 0.03)",
         "Benchmark": "bottom quartile (2024-25)"},
        {"PI": "SC02", "Indicator": "Indicator SC02", "Key PI": "", "Unit": "£",
         "Period": PERIOD, "Value": "2.3", "Target": "–", "RAG": "n/a",
         "vs previous quarter": "↑ up", "vs a year before": "↓ down", "Quarters red": "0",
         "Trend": "no trend", "Benchmark": "–"}]
    assert "Year to date" not in styler.caption
    assert HOSTILE_HTML in styler.to_html()


def test_indicator_table_says_year_to_date_in_the_cell_and_the_caption():
    rows = [_pi("PL01", dot_short="better", dot_short_basis="same quarter last year")]
    styler = sections.indicator_table(make_store(indicators=rows), SERVICE)
    assert shown(styler)["vs previous quarter"].tolist() == ["↑ better (year to date)"]
    assert styler.caption.endswith(
        " Year to date: compared with the same quarter last year, not the previous quarter; "
        "trend over each quarter on its own.")


@covers("cost_and_value")
def test_cost_and_value_shows_only_the_cost_indicators():
    styler = sections.cost_and_value(make_store(indicators=INDICATORS), SERVICE)
    assert shown(styler).to_dict("records") == [{
        "PI": "SC02", "Indicator": "Indicator SC02", "Unit": "£", "Period": PERIOD,
        "Value": "2.35", "Target": "–", "RAG": "n/a", "vs a year before": "↓ down",
        "Benchmark": "–"}]
    none = sections.cost_and_value(make_store(indicators=INDICATORS[:1]), SERVICE)
    assert none.data == ("_This service has no cost indicator in `indicators.csv` (a unit in £ "
                         "or \"cost\" in its name)._")


def _chart_row(pi_id: str, position: int, period: str, value, rag, **row) -> dict:
    return {"service_id": SERVICE, "pi_id": pi_id, "name": f"Indicator {pi_id}", "unit": "%",
            "position": position, "period": period, "recorded": not pd.isna(value),
            "value": value, "target": 6.0, "red_threshold": 6.6, "rag": rag, "rag_marker": "",
            "data_status": "final" if not pd.isna(value) else None, "year_to_date": False,
            **row}


PI_CHART = [
    _chart_row("SC01", 0, "2025-26 Q1", 5.456, "green"),
    _chart_row("SC01", 1, PERIOD, 7.0, "red", rag_marker="provisional",
               data_status="provisional"),
    _chart_row("SC03", 0, "2025-26 Q1", np.nan, None),
    _chart_row("SC03", 1, PERIOD, 1234.5, "amber"),
]


@covers("indicator_trends")
def test_indicator_trends_lists_the_recorded_values_under_the_chart():
    store = make_store(pi_chart=PI_CHART, service={"pi_history_quarters": 2})
    parts = chart_parts(sections.indicator_trends(store, SERVICE))
    # The quarter without a value is drawn as a gap and not listed.
    assert parts["data"].to_dict("records") == [
        {"PI": "SC01", "Quarter": "2025-26 Q1", "Value": "5.46", "Target": "6.00",
         "RAG": "● Green", "Data status": "final"},
        {"PI": "SC01", "Quarter": PERIOD, "Value": "7.00", "Target": "6.00",
         "RAG": "■ Red (provisional)", "Data status": "provisional"},
        {"PI": "SC03", "Quarter": PERIOD, "Value": "1,234.50", "Target": "6.00",
         "RAG": "▲ Amber", "Data status": "final"}]
    assert parts["caption"] == ("Performance indicators, 2025-26 Q1 to 2025-26 Q2: value, "
                                "target and tolerance band; letters give the RAG status.")
    assert parts["alt"].startswith(f"Line charts of the {SERVICE} performance indicators over "
                                   "the 2 quarters to 2025-26 Q2: ")


def test_indicator_trends_of_a_service_without_indicators_has_an_empty_table():
    # The store's pi_chart rows of a service without PIs: none.
    store = make_store(pi_chart=[{**row, "service_id": "other"} for row in PI_CHART])
    parts = chart_parts(sections.indicator_trends(store, SERVICE))
    assert parts["data"].empty
    assert parts["caption"].startswith("Performance indicators, 2025-26 Q2 to 2025-26 Q2:")


@covers("benchmark_position")
def test_benchmark_position_lists_the_council_against_its_comparators():
    parts = chart_parts(sections.benchmark_position(make_store(indicators=INDICATORS), SERVICE))
    # Only SC01 is benchmarked; the column of our value is named after the council.
    assert parts["data"].to_dict("records") == [{
        "PI": "SC01", "Year": "2024-25", "Testshire & Wold Council value": "7.20",
        "Lower quartile": "5.00", "Median": "6.00", "Upper quartile": "6.50",
        "Position": "bottom quartile", "Rank": "15", "Of": "16"}]
    assert parts["caption"] == ("Each indicator's value for the benchmark year against its "
                                "comparator group; better is always to the right.")
    none = sections.benchmark_position(make_store(indicators=INDICATORS[1:]), SERVICE)
    assert none.data == "_No benchmark data for this service's indicators._"


CORRELATION = [
    {"service_id": SERVICE, "analysis": "raw", "n": 11, "r": -0.4321, "ci_low": -0.8,
     "ci_high": 0.2345, "p_value": 0.18349, "status": "ok", "pi_id": "SC01",
     "pi_period": PERIOD, "wave": "2025"},
    {"service_id": SERVICE, "analysis": "controlling for deprivation", "n": 11, "r": 0.05,
     "ci_low": np.nan, "ci_high": np.nan, "p_value": 0.9, "status": "ok", "pi_id": "SC01",
     "pi_period": PERIOD, "wave": "2025"}]


@covers("ward_linkage")
def test_ward_linkage_shows_signed_correlations_and_names_the_pi_in_the_caption():
    styler = sections.ward_linkage(make_store(ward_correlation=CORRELATION), SERVICE)
    assert shown(styler).values.tolist() == [
        ["raw", "11", "-0.43", "-0.80", "+0.23", "0.183", "ok"],
        ["controlling for deprivation", "11", "+0.05", "–", "–", "0.900", "ok"]]
    # min_base 50 and min_wards 8 from the store's settings.
    assert styler.caption == ("Pearson correlation across wards with a survey base of at least "
                              "50 (at least 8 wards needed); PI SC01 in 2025-26 Q2, survey wave "
                              "2025")


def test_ward_linkage_without_a_pi_leaves_it_out_of_the_caption():
    rows = [{**CORRELATION[0], "pi_id": None, "pi_period": None, "status": "no ward PI",
             "n": 0, "r": np.nan}]
    styler = sections.ward_linkage(make_store(ward_correlation=rows), SERVICE)
    assert styler.caption == ("Pearson correlation across wards with a survey base of at least "
                              "50 (at least 8 wards needed)")


WARDS = [{"service_id": SERVICE, "ward_code": "W1", "ward_name": HOSTILE, "pct_satisfied": 62.4,
          "n_unweighted": 80, "low_base": True, "base_note": LOW, "value": 4.5,
          "imd_quintile": 1},
         {"service_id": SERVICE, "ward_code": "W2", "ward_name": "Dale", "pct_satisfied": 70.6,
          "n_unweighted": 1234, "low_base": False, "base_note": "", "value": 3.0,
          "imd_quintile": np.nan},
         {"service_id": SERVICE, "ward_code": "W3", "ward_name": "Moor", "pct_satisfied": 55.0,
          "n_unweighted": 150, "low_base": False, "base_note": "", "value": 6.0,
          "imd_quintile": 5}]


@covers("ward_scatter")
def test_ward_scatter_lists_every_ward_plotted_with_its_base_note():
    parts = chart_parts(sections.ward_scatter(make_store(ward_points=WARDS), SERVICE))
    assert parts["data"].to_dict("records") == [
        {"Ward": "<b>x</b> *x*", "% satisfied": "62", "Base": "80", "Note": LOW,
         "Litter (%)": "4.5", "IMD quintile": "1"},
        {"Ward": "Dale", "% satisfied": "71", "Base": "1,234", "Note": "", "Litter (%)": "3.0",
         "IMD quintile": "–"},
        {"Ward": "Moor", "% satisfied": "55", "Base": "150", "Note": "", "Litter (%)": "6.0",
         "IMD quintile": "5"}]
    assert parts["caption"] == "Wards: % satisfied (2025 survey) against Litter (2025-26 Q2)."
    assert parts["alt"].startswith("Scatter of 3 wards: % satisfied (Clean streets?) against "
                                   "Litter, ")


def test_ward_scatter_with_no_ward_above_the_base_says_so_not_ok():
    # ward_chart_status "ok" (ward values, an item asked) but every ward suppressed.
    store = make_store(ward_points=none_of(WARDS))
    assert sections.ward_scatter(store, SERVICE).data == (
        "_No ward chart: no ward has both a survey base of at least 50 and a value of the "
        "PI._")


def test_ward_scatter_without_a_chart_says_why_escaped():
    store = make_store(ward_points=none_of(WARDS),
                       service={"ward_chart_status": "too few wards (3 < 8)"})
    assert sections.ward_scatter(store, SERVICE).data == (
        r"_No ward chart: too few wards \(3 &lt; 8\)._")


# ---------------------------------------------------------------- shared


@covers("styled_table")
def test_styled_table_labels_rounds_and_shows_missing_values_as_a_dash():
    frame = pd.DataFrame({"ward": ["<b>Hill</b>", "Dale"], "pct": [62.44, np.nan],
                          "hidden": [1, 2]})
    styler = sections.styled_table(frame, {"ward": "Ward", "pct": "% satisfied"},
                                   {"pct": "{:.1f}"}, caption="Wards & <i>areas</i>")
    assert shown(styler).values.tolist() == [["<b>Hill</b>", "62.4"], ["Dale", "–"]]
    assert styler.caption == "Wards &amp; &lt;i&gt;areas&lt;/i&gt;"
    # The same rows give the same table id, wherever their index came from.
    again = sections.styled_table(frame.set_axis([7, 9]), {"ward": "Ward", "pct": "% satisfied"},
                                  {"pct": "{:.1f}"})
    assert styler.uuid == again.uuid


def test_every_section_has_a_test():
    functions = {name for name in sections.__all__ if callable(getattr(sections, name))}
    assert functions == TESTED

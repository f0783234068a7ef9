"""Comment sources as roles: a council's free-text ``source`` spellings are read through the
patterns of ``settings.sources.roles``, so complaints are found however they are spelt."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pmresearch import coding, sections
from pmresearch.errors import WorkspaceError
from pmresearch.sources import ROLES, describe_sources, normalise_source, source_roles
from pmresearch.store import build_store
from pmresearch.workspace import default_parameters_dir, load_parameters, load_workspace

PERIOD = "2025-26 Q2"
# The four quarters to 2025-26 Q2 (linkage.comment_window), both ends inclusive.
WINDOW = (pd.Timestamp("2024-10-01"), pd.Timestamp("2025-09-30"))


@pytest.fixture(scope="module")
def settings() -> dict:
    return load_parameters().settings


# ---------------------------------------------------------------- the default patterns


@pytest.mark.parametrize("source, role", [
    ("complaint", "complaint"),
    ("Complaint", "complaint"),
    ("Complaints", "complaint"),
    ("COMPLAINTS", "complaint"),
    ("Stage 1 complaint", "complaint"),
    ("Stage 2 Complaints", "complaint"),
    ("complaints_free_text", "complaint"),
    ("Corporate-Complaints-Stage-2", "complaint"),
    ("Ombudsman referral", "complaint"),
    ("LGSCO", "complaint"),
    ("Complaints and compliments", "complaint"),     # complaint is tried before compliment
    ("Complaints about the residents' survey", "complaint"),
    ("Compliments and comments", "compliment"),
    ("compliment", "compliment"),
    ("Thank you cards", "compliment"),
    ("Budget consultation 2025", "consultation"),
    ("budget_consultation", "consultation"),
    ("parks_consultation", "consultation"),
    ("Consultations (statutory)", "consultation"),
    ("Have your say", "consultation"),
    ("Community engagement events", "consultation"),
    ("Residents' survey", "survey"),
    ("Residents\u2019 Survey 2024", "survey"),
    ("survey", "survey"),
    ("Annual residents survey - free text", "survey"),
    ("Library user questionnaire", "survey"),
    ("Citizens Panel", "citizens_panel"),
    ("citizens_panel", "citizens_panel"),
    ("Citizens' Panel survey", "citizens_panel"),    # the panel is tried before the survey
    ("People's panel", "citizens_panel"),
    ("Residents' panel wave 3", "citizens_panel"),
    ("Focus group", "focus_group"),
    ("Focus groups - young people", "focus_group"),
    ("Budget consultation focus group", "focus_group"),
    ("Youth workshop", "focus_group"),
    ("Citizens' jury on climate", "focus_group"),
    ("Customer feedback", "other"),
    ("General enquiries", "other"),
    ("Councillor casework", "other"),
    ("Web form", "other"),
    ("Panelling repairs log", "other"),              # 'panel' matches whole words only
])
def test_the_default_patterns_give_each_spelling_its_role(settings, source, role):
    assert source_roles(pd.Series([source]), settings).tolist() == [role]


def test_a_spelling_no_pattern_matches_is_other_and_reported_unmatched(settings):
    comments = pd.DataFrame({"source": ["Web form", "Customer feedback", "Web form",
                                        "Stage 2 Complaints"]})
    expected = pd.DataFrame({
        "source": ["Web form", "Customer feedback", "Stage 2 Complaints"],
        "comments": [2, 1, 1],
        "role": ["other", "other", "complaint"],
        "matched": [False, True, True],
        "pattern": ["", "feedback", "complain*"],
    })
    pd.testing.assert_frame_equal(describe_sources(comments, settings), expected)


# ---------------------------------------------------------------- the pattern language


def test_normalising_treats_underscores_hyphens_spaces_and_apostrophes_alike():
    assert {normalise_source(s) for s in ("Residents' survey", "residents_survey",
                                          "RESIDENTS-SURVEY", "  Residents \u2019survey ")} \
        == {"residents survey"}


def test_the_first_listed_role_that_matches_wins():
    source = pd.Series(["Complaints survey"])
    survey_first = {"sources": {"roles": {"survey": ["survey*"], "complaint": ["complaint*"]}}}
    complaint_first = {"sources": {"roles": {"complaint": ["complaint*"], "survey": ["survey*"]}}}
    assert source_roles(source, survey_first).tolist() == ["survey"]
    assert source_roles(source, complaint_first).tolist() == ["complaint"]


def test_a_phrase_matches_whole_words_side_by_side_and_a_star_any_ending():
    settings = {"sources": {"roles": {"focus_group": ["focus group*"]}}}
    sources = ["Focus groups", "focus_group", "group focus", "Focus groupwork", "Focusgroup"]
    assert source_roles(sources, settings).tolist() == [
        "focus_group", "focus_group", "other", "focus_group", "other"]


def test_roles_keep_the_index_and_a_missing_source_is_other():
    settings = {"sources": {"roles": {"complaint": ["complaint*"]}}}
    sources = pd.Series(["Complaint", None, "", "Complaint"], index=[10, 11, 12, 13])
    roles = source_roles(sources, settings)
    pd.testing.assert_series_equal(
        roles, pd.Series(["complaint", "other", "other", "complaint"], index=[10, 11, 12, 13],
                         name="role", dtype=str))


def test_settings_without_a_sources_block_are_refused_by_name():
    with pytest.raises(ValueError) as error:
        source_roles(["Complaint"], {"coding": {}})
    assert str(error.value) == (
        "settings: no 'sources.roles' block (found keys: 'coding'); expected the settings of "
        "rules.yaml. Pass ws.parameters.settings.")


def test_settings_passed_directly_with_an_unknown_role_are_refused_with_the_roles():
    with pytest.raises(ValueError) as error:
        source_roles(["Complaint"], {"sources": {"roles": {"complaints": ["complaint*"]}}})
    assert str(error.value) == (
        "settings: unknown role 'complaints' in 'sources.roles' (allowed: 'survey', "
        "'consultation', 'complaint', 'compliment', 'citizens_panel', 'focus_group', 'other'). "
        "Correct the role.")


def test_describe_sources_needs_a_source_column():
    with pytest.raises(ValueError) as error:
        describe_sources(pd.DataFrame({"Source": ["x"], "text": ["y"]}), {})
    assert str(error.value) == ("comments: column 'source' is missing (found: 'Source', 'text'). "
                                "Pass comments.csv as loaded (ws.comments).")


# ---------------------------------------------------------------- rules.yaml checked at load


ALLOWED_ROLES = ", ".join(repr(r) for r in ROLES)
PATTERNS = ("a list of source patterns (words or phrases of letters and digits; a '*' may end "
            "a word)")


@pytest.mark.parametrize("old, new, message", [
    ("      complaint: [complain*, ombudsman*, lgsco]\n",
     "      complaints: [complain*, ombudsman*, lgsco]\n",
     f"unknown key 'settings.sources.roles.complaints' (allowed: {ALLOWED_ROLES}). Remove the "
     "key or correct its spelling."),
    ("      complaint: [complain*, ombudsman*, lgsco]\n",
     "      complaint: complain*\n",
     f"key 'settings.sources.roles.complaint' is 'complain*'; expected {PATTERNS}. Correct the "
     "value."),
    ("      complaint: [complain*, ombudsman*, lgsco]\n",
     "      complaint: [compl*aint, 2]\n",
     f"key 'settings.sources.roles.complaint' is ['compl*aint', 2]; expected {PATTERNS}. "
     "Correct the value."),
    ("      complaint: [complain*, ombudsman*, lgsco]\n",
     "      complaint: [\"--\"]\n",
     f"key 'settings.sources.roles.complaint' is ['--']; expected {PATTERNS}. Correct the "
     "value."),
    ("    roles:\n      complaint:", "    role:\n      complaint:",
     ["unknown key 'settings.sources.role' (allowed: 'roles'). Remove the key or correct its "
      "spelling.", "key 'settings.sources.roles' is missing. Add it (a mapping)."]),
])
def test_a_wrong_sources_setting_names_the_file_the_key_and_what_is_allowed(tmp_path, old, new,
                                                                            message):
    folder = Path(shutil.copytree(default_parameters_dir(), tmp_path / "parameters"))
    text = (folder / "rules.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    (folder / "rules.yaml").write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(WorkspaceError) as error:
        load_parameters(folder)
    messages = message if isinstance(message, list) else [message]
    assert [str(p) for p in error.value.problems] == [f"{folder / 'rules.yaml'}: {m}"
                                                      for m in messages]


def test_a_role_left_out_of_the_settings_has_no_patterns(tmp_path):
    folder = Path(shutil.copytree(default_parameters_dir(), tmp_path / "parameters"))
    text = (folder / "rules.yaml").read_text(encoding="utf-8")
    old = "      complaint: [complain*, ombudsman*, lgsco]\n"
    (folder / "rules.yaml").write_text(text.replace(old, ""), encoding="utf-8")
    settings = load_parameters(folder).settings
    assert source_roles(["Complaint", "Thank you"], settings).tolist() == ["other", "compliment"]


# ---------------------------------------------------------------- a council's own spellings


@pytest.fixture(scope="module")
def respelt(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory):
    """The demo with its complaints spelt ``Complaint`` and ``Stage 2 Complaints`` (alternate
    rows) and its citizens' panel comments recorded as ``Compliments and comments``."""
    folder = Path(shutil.copytree(demo_workspace, tmp_path_factory.mktemp("respelt") / "council"))
    comments = pd.read_csv(folder / "comments.csv", dtype=str, keep_default_na=False)
    original = comments["source"].copy()
    complaint_rows = comments.index[original == "complaint"]
    comments.loc[complaint_rows[0::2], "source"] = "Complaint"
    comments.loc[complaint_rows[1::2], "source"] = "Stage 2 Complaints"
    comments.loc[original == "citizens_panel", "source"] = "Compliments and comments"
    comments.to_csv(folder / "comments.csv", index=False)
    return load_workspace(folder, cache=False), comments.assign(original=original)


@pytest.fixture(scope="module")
def respelt_store(respelt):
    """The evidence store of the respelt demo, built once."""
    return build_store(respelt[0], PERIOD)


@pytest.fixture(scope="module")
def demo_store(demo_ws):
    return build_store(demo_ws, PERIOD)


def _in_window(comments: pd.DataFrame, service_id: str, original: str) -> pd.DataFrame:
    dates = pd.to_datetime(comments["date"])
    return comments[(comments["service_id"] == service_id) & (comments["original"] == original)
                    & dates.between(*WINDOW)]


@pytest.mark.parametrize("service_id", ["waste_recycling", "parks"])
def test_complaints_spelt_by_the_council_are_counted_in_the_complaints_table(
        respelt, respelt_store, demo_store, service_id):
    _, comments = respelt
    complaints = _in_window(comments, service_id, "complaint")
    compliments = _in_window(comments, service_id, "citizens_panel")
    assert set(complaints["source"]) == {"Complaint", "Stage 2 Complaints"}
    table = sections.complaints_and_compliments(respelt_store, service_id)
    assert table.caption.startswith(f"{len(complaints):,} complaints (")
    assert f") and {len(compliments):,} compliments received 01 October 2024 to 30 September " \
           "2025." in table.caption
    # The themes of the complaints are those of the demo's own lower-case 'complaint' rows.
    demo = sections.complaints_and_compliments(demo_store, service_id).data
    columns = ["Theme", "Complaints raising it", "Negative mentions in complaints",
               "Positive mentions in complaints"]
    # (Ties in complaints are ordered by compliments, which the demo has none of.)
    shown = table.data[table.data["Complaints raising it"] > 0]
    pd.testing.assert_frame_equal(shown[columns].sort_values("Theme", ignore_index=True),
                                  demo[columns].sort_values("Theme", ignore_index=True))
    assert len(complaints) > 0 and demo["Complaints raising it"].sum() > 0


def test_compliments_are_the_comments_whose_source_is_a_compliment(respelt, respelt_store):
    ws, comments = respelt
    panel = _in_window(comments, "highways", "citizens_panel")["comment_id"]
    mentions = coding.coded_comments(ws).mentions
    expected = (mentions[mentions["comment_id"].isin(panel)].groupby("code")["comment_id"]
                .nunique())
    table = sections.complaints_and_compliments(respelt_store, "highways").data
    shown = table.set_index(table["Theme"].str.split(" ").str[0])["Compliments raising it"]
    assert len(panel) > 0
    assert shown[shown > 0].sort_index().to_dict() == expected.sort_index().to_dict()


def test_comments_by_source_shows_each_spelling_with_its_role(respelt, respelt_store):
    _, comments = respelt
    table = sections.comments_by_source(respelt_store, "waste_recycling").data
    window = comments[(comments["service_id"] == "waste_recycling")
                      & pd.to_datetime(comments["date"]).between(*WINDOW)]
    counts = window["source"].value_counts()
    shown = table.set_index("Source")
    assert shown.loc["Complaint", "Counted as"] == "Complaint"
    assert shown.loc["Stage 2 Complaints", "Counted as"] == "Complaint"
    assert shown.loc["Compliments and comments", "Counted as"] == "Compliment"
    assert shown.loc["Budget consultation", "Counted as"] == "Consultation"   # budget_consultation
    assert shown.loc["All sources", "Counted as"] == ""
    assert shown.loc["Stage 2 Complaints", "Comments"] == counts["Stage 2 Complaints"]
    assert shown.loc["All sources", "Comments"] == len(window)


def test_a_service_with_neither_says_so(respelt):
    ws, _ = respelt
    # The council's settings give no source the complaint or compliment role.
    settings = {**ws.parameters.settings, "sources": {"roles": {"survey": ["survey*"]}}}
    ws = dataclasses.replace(ws, parameters=dataclasses.replace(ws.parameters, settings=settings))
    shown = sections.complaints_and_compliments(build_store(ws, PERIOD), "parks")
    assert shown.data == ("_No complaints or compliments about this service were received "
                          "from 01 October 2024 to 30 September 2025._")

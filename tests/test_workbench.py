"""The analyst notebooks' helpers: saving hand codes safely, the coding sheets, the weighting
walkthrough's tables and the linkage explorer's evidence record."""

import os
import tempfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from pmresearch import linkage, workbench
from pmresearch.coding.redact import redact
from pmresearch.demo import DEMO_WORKSPACE
from pmresearch.weighting import weight_wave
from pmresearch.workbench import HandCodesError, save_hand_codes
from pmresearch.workspace import load_workspace


def codes(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["comment_id", "coder", "sentiment", "themes"])


@pytest.fixture
def copy_ws(demo_copy):
    """A changeable copy of the demo, loaded without the cache (its files will change)."""
    return load_workspace(demo_copy, cache=False)


def write_own_file(folder: Path) -> bytes:
    """A council's own hand_coded.csv: other column order, an extra column, Windows-1252, CRLF."""
    data = ("coder,comment_id,note,themes,sentiment\r\n"
            "ann,C00003,Ann’s first,S3;X3,mixed\r\n").encode("cp1252")
    (folder / "hand_coded.csv").write_bytes(data)
    return data


# ------------------------------------------------------------------ saving hand codes


def test_saving_appends_the_rows_and_leaves_every_earlier_byte_as_it_was(copy_ws):
    path = copy_ws.path / "hand_coded.csv"
    path.chmod(0o640)
    before = path.read_bytes()
    saved = save_hand_codes(copy_ws, codes(("C00053", "coder_a", "negative", "PL1;X1"),
                                           ("C00082", "coder_a", "neutral", "LE1")))
    assert path.read_bytes() == before + (b"C00053,coder_a,negative,PL1;X1\n"
                                          b"C00082,coder_a,neutral,LE1\n")
    assert (saved.saved, saved.rows_before, saved.rows_after) == (True, 800, 802)
    assert path.stat().st_mode & 0o777 == 0o640  # the new file keeps the old one's permissions
    assert str(saved) == ("Saved to hand_coded.csv: 2 rows appended (800 rows before, 802 now). "
                          "The rows already there are unchanged.")
    assert saved.appended.values.tolist() == [["C00053", "coder_a", "negative", "PL1;X1"],
                                              ["C00082", "coder_a", "neutral", "LE1"]]
    # The file still passes the workspace's validation, with the new rows.
    assert len(load_workspace(copy_ws.path, cache=False).hand_coded) == 802


def test_the_file_keeps_its_column_order_extra_columns_encoding_and_line_endings(copy_ws):
    before = write_own_file(copy_ws.path)
    save_hand_codes(copy_ws, codes(("C00005", "ann", "Negative", "l1")))
    assert (copy_ws.path / "hand_coded.csv").read_bytes() == before + b"ann,C00005,,L1,negative\r\n"


def test_saving_the_same_codes_again_is_refused_naming_the_rows_and_nothing_is_written(copy_ws):
    path = copy_ws.path / "hand_coded.csv"
    sheet = codes(("C00053", "coder_a", "negative", "PL1"), ("C00082", "coder_a", "neutral", "LE1"))
    save_hand_codes(copy_ws, sheet)
    before = path.read_bytes()
    with pytest.raises(HandCodesError) as error:
        save_hand_codes(copy_ws, sheet)
    assert str(error.value) == (
        "Nothing saved to hand_coded.csv: 1 problem:\n"
        "  - hand_coded.csv, rows 802, 803: comments C00053, C00082 are already coded by "
        "coder_a. Save with replace=True to overwrite those codes, or leave the rows out.")
    assert path.read_bytes() == before


def test_errors_report_returns_the_refusal_instead_of_raising(copy_ws):
    # C00003 is coded by both coder_a (row 2) and coder_b in the demo's sample.
    assert copy_ws.hand_coded.iloc[0].tolist() == ["C00003", "coder_a", "mixed", "S3;X3"]
    saved = save_hand_codes(copy_ws, codes(("C00003", "coder_a", "negative", "S3")),
                            errors="report")
    assert not saved.saved and saved.rows_after == saved.rows_before == 800
    assert str(saved) == (
        "Nothing saved to hand_coded.csv: 1 problem:\n"
        "  - hand_coded.csv, row 2: comment C00003 is already coded by coder_a. Save with "
        "replace=True to overwrite those codes, or leave the rows out.")
    assert saved._repr_markdown_().startswith("Nothing saved to hand_coded.csv: 1 problem:\n- ")


def test_replace_overwrites_the_row_in_place_keeping_columns_the_codes_lack(copy_ws):
    write_own_file(copy_ws.path)
    saved = save_hand_codes(copy_ws, codes(("C00003", "ann", "negative", "S3"),
                                           ("C00005", "ann", "positive", "L1")), replace=True)
    assert (copy_ws.path / "hand_coded.csv").read_bytes().decode("cp1252") == (
        "coder,comment_id,note,themes,sentiment\r\n"
        "ann,C00003,Ann’s first,S3,negative\r\n"
        "ann,C00005,,L1,positive\r\n")
    assert str(saved) == ("Saved to hand_coded.csv: 1 row appended, 1 row replaced (1 row "
                          "before, 2 now). The rows already there are unchanged.")
    assert saved.replaced.values.tolist() == [["ann", "C00003", "Ann’s first", "S3;X3", "mixed"]]


def test_every_problem_in_the_codes_is_reported_at_once(copy_ws):
    sheet = codes(("C99999", "ann", "negative", "H1"),     # not a comment
                  ("C00005", "", "negative", "L1"),        # no coder
                  ("C00012", "ann", "angry", "Z1"),        # not a sentiment
                  ("C00013", "ann", "positive", ""),       # no themes
                  ("C00014", "ann", "mixed", "H1;Q9;Q8"),  # codes not in the code frame
                  ("C00015", "ann", "neutral", "Z2"),
                  ("C00015", "ann", "neutral", "Z2"),      # the same comment and coder twice
                  ("", "ann", "neutral", "Z2"))            # no comment id
    with pytest.raises(HandCodesError) as error:
        save_hand_codes(copy_ws, sheet)
    assert str(error.value) == (
        "Nothing saved to hand_coded.csv: 7 problems:\n"
        "  - the codes to save, column 'comment_id': 1 row has no comment_id. Give each row "
        "the comment_id of comments.csv.\n"
        "  - the codes to save, column 'comment_id': comment C99999 is not in comments.csv. "
        "Correct the ids: they must be comment_ids of comments.csv.\n"
        "  - the codes to save, column 'coder': comment C00005 has no coder. Fill in the "
        "coder's name.\n"
        "  - the codes to save, column 'sentiment': comment C00012 has sentiment 'angry'. Use "
        "one of 'positive', 'negative', 'neutral', 'mixed'.\n"
        "  - the codes to save, column 'themes': comment C00013 has no themes. Give at least "
        "one theme code (Z2 is 'no substantive content', Z1 'none of the above').\n"
        "  - the codes to save, column 'themes': comment C00014 has theme codes 'Q9', 'Q8' "
        "that are not in the code frame. Use codes of parameters/codeframe.yaml.\n"
        "  - the codes to save, column 'comment_id': comment C00015 appears more than once for "
        "the same coder. Keep one row per comment and coder.")
    assert [p.column for p in error.value.problems] == [
        "comment_id", "comment_id", "coder", "sentiment", "themes", "themes", "comment_id"]


def test_rows_left_blank_are_not_saved_and_a_blank_sheet_writes_nothing(copy_ws):
    path = copy_ws.path / "hand_coded.csv"
    before, modified = path.read_bytes(), path.stat().st_mtime_ns
    sheet = codes(("C00053", "coder_a", "", ""), ("C00082", "coder_a", None, np.nan))
    saved = save_hand_codes(copy_ws, sheet)
    assert str(saved) == ("Nothing to save: no row has a sentiment or themes filled in "
                          "(hand_coded.csv unchanged, 800 rows).")
    assert (path.read_bytes(), path.stat().st_mtime_ns) == (before, modified)
    sheet.loc[1, ["sentiment", "themes"]] = ["neutral", "LE1"]
    assert save_hand_codes(copy_ws, sheet).appended["comment_id"].tolist() == ["C00082"]


def test_theme_codes_match_ignoring_case_and_are_written_as_the_code_frame_spells_them(copy_ws):
    saved = save_hand_codes(copy_ws, codes((" C00053 ", "coder_a", " NEGATIVE ", " pl1 ; x1;PL1")))
    assert saved.appended.values.tolist() == [["C00053", "coder_a", "negative", "PL1;X1"]]


def test_a_failed_write_leaves_the_file_as_it_was_and_no_temporary_file(copy_ws, monkeypatch):
    path = copy_ws.path / "hand_coded.csv"
    before = sorted(p.name for p in copy_ws.path.iterdir()), path.read_bytes()

    def broken_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save_hand_codes(copy_ws, codes(("C00053", "coder_a", "negative", "PL1")))
    assert (sorted(p.name for p in copy_ws.path.iterdir()), path.read_bytes()) == before


def test_a_workspace_without_hand_coded_csv_gets_one_with_the_standard_columns(demo_copy):
    (demo_copy / "hand_coded.csv").unlink()
    ws = load_workspace(demo_copy, cache=False)
    saved = save_hand_codes(ws, codes(("C00053", "ann", "negative", "PL1")))
    assert (demo_copy / "hand_coded.csv").read_text(encoding="utf-8") == (
        "comment_id,coder,sentiment,themes\nC00053,ann,negative,PL1\n")
    assert (saved.rows_before, saved.rows_after) == (0, 1)


def test_codes_can_come_from_a_filled_in_csv(copy_ws, tmp_path):
    filled = tmp_path / "review_sheet.csv"
    codes(("C00053", "coder_a", "negative", "PL1"), ("C00082", "coder_a", "", "")).assign(
        text="…").to_csv(filled, index=False)
    assert save_hand_codes(copy_ws, filled).appended["comment_id"].tolist() == ["C00053"]


def test_the_shipped_demo_is_never_written_to():
    with pytest.raises(ValueError) as error:
        save_hand_codes(load_workspace(), codes(("C00053", "coder_a", "negative", "PL1")))
    assert str(error.value) == ("this is the demo shipped with pmresearch, which is never "
                                "changed: open a temporary copy with coding_workspace() and save "
                                "there.")
    with pytest.raises(ValueError) as error:
        workbench.coding_workspace(DEMO_WORKSPACE)
    assert str(error.value) == (
        f"{DEMO_WORKSPACE} is the demo shipped with pmresearch, which the workbench never "
        "changes. Leave workspace empty to work on a temporary copy, or write your own copy "
        "with `pmresearch demo --out DIR`.")


def test_an_excel_hand_coded_file_is_refused_with_how_to_fix_it(demo_copy):
    import openpyxl

    table = pd.read_csv(demo_copy / "hand_coded.csv", dtype=str)
    (demo_copy / "hand_coded.csv").unlink()
    book = openpyxl.Workbook()
    book.active.append(list(table.columns))
    for row in table.itertuples(index=False):
        book.active.append(list(row))
    book.save(demo_copy / "hand_coded.xlsx")
    ws = load_workspace(demo_copy, cache=False)
    with pytest.raises(HandCodesError) as error:
        save_hand_codes(ws, codes(("C00053", "coder_a", "negative", "PL1")))
    assert str(error.value) == (
        "Nothing saved to hand_coded.xlsx: 1 problem:\n"
        "  - hand_coded.xlsx: the workbench saves codes to CSV only. Save the workbook as "
        "hand_coded.csv (CSV UTF-8), delete hand_coded.xlsx, and save the codes again.")


def test_a_sheet_without_the_required_columns_is_refused_naming_them(copy_ws):
    with pytest.raises(HandCodesError) as error:
        save_hand_codes(copy_ws, pd.DataFrame({"comment_id": ["C00053"],
                                               "Sentiment": ["negative"]}), errors="report")
    assert str(error.value) == (
        "Nothing saved to hand_coded.csv: 1 problem:\n"
        "  - the codes to save: missing columns 'coder', 'sentiment', 'themes'. Give the "
        "columns comment_id, coder, sentiment, themes.")


def test_errors_must_be_raise_or_report(copy_ws):
    with pytest.raises(ValueError, match=r"^errors must be 'raise' or 'report'; got 'ignore'\.$"):
        save_hand_codes(copy_ws, codes(), errors="ignore")


# ------------------------------------------------------------------ coding sheets


def test_the_workbench_works_on_a_temporary_copy_of_the_demo():
    ws = workbench.coding_workspace()
    assert ws.path.resolve() != DEMO_WORKSPACE.resolve()
    assert (ws.path / "comments.csv").read_bytes() == (DEMO_WORKSPACE / "comments.csv").read_bytes()
    note = workbench.workspace_note(ws).data
    assert note.startswith("**A temporary copy of the Ashbrook demo workspace.**")
    assert note.endswith("`hand_coded.csv` holds 800 codes: coder_a (600), coder_b (200). The "
                         "model learns from the reference coder, **coder_a**.")
    assert str(ws.path.parent) not in note


def test_demo_copies_left_behind_for_over_a_day_are_deleted(tmp_path, monkeypatch):
    import os
    import time

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old, recent, other = (tmp_path / "pmresearch-demo-old", tmp_path / "pmresearch-demo-new",
                          tmp_path / "someone-else")
    for folder in (old, recent, other):
        folder.mkdir()
    two_days_ago = time.time() - 2 * 24 * 3600
    for folder in (old, other):
        os.utime(folder, (two_days_ago, two_days_ago))
    ws = workbench.coding_workspace()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["pmresearch-demo-new", "someone-else", ws.path.parent.name])


def test_the_demo_stand_in_fills_from_the_true_labels_only_in_a_demo_copy(copy_ws):
    sheet = workbench.fill_codes(pd.DataFrame({"comment_id": ["C00053", "C00082", "C00095"],
                                               "coder": "coder_a", "sentiment": "",
                                               "themes": ""}), {})
    truth = pd.read_csv(DEMO_WORKSPACE / "comments.csv", dtype=str).set_index("comment_id")
    ws = workbench.coding_workspace()
    filled = workbench.fill_demo_stand_in(ws, sheet, rows=2)
    assert filled[["sentiment", "themes"]].values.tolist() == [
        truth.loc["C00053", ["sentiment", "themes"]].tolist(),
        truth.loc["C00082", ["sentiment", "themes"]].tolist(), ["", ""]]
    # A council's workspace (here a copy that was not made by coding_workspace) is left alone.
    assert workbench.fill_demo_stand_in(copy_ws, sheet).equals(sheet)


def test_fill_codes_sets_the_named_rows_and_refuses_comments_not_in_the_sheet():
    sheet = pd.DataFrame({"comment_id": ["C1", "C2"], "coder": "ann", "sentiment": "",
                          "themes": ""})
    with pytest.raises(ValueError) as error:
        workbench.fill_codes(sheet, {"C3": ("negative", "H1")})
    assert str(error.value) == ("comments 'C3' are not in the sheet; code only the comments it "
                                "lists.")


def test_the_review_sheet_is_the_queue_with_the_coder_filled_in(copy_ws):
    queue = pd.DataFrame({"comment_id": ["C00053", "C00082"], "service_id": ["planning", "leisure"],
                          "source": "survey", "date": "2023-06-06", "text": ["a", "b"],
                          "suggested_sentiment": ["negative", "mixed"], "confidence": [0.7, 0.6],
                          "rule_sentiment": "negative", "why": "", "suggested_themes": "PL1",
                          "coder": "", "sentiment": "", "themes": ""})
    sheet = workbench.review_sheet(copy_ws, SimpleNamespace(review_queue=queue))
    assert sheet.columns.tolist() == workbench.SHEET_COLUMNS
    assert sheet[["comment_id", "coder", "sentiment", "themes"]].values.tolist() == [
        ["C00053", "coder_a", "", ""], ["C00082", "coder_a", "", ""]]
    queue["confidence"] = [0.7483, 0.29]  # queued below 0.75, so never shown as 0.75
    shown = workbench.show_sheet(workbench.review_sheet(copy_ws,
                                                        SimpleNamespace(review_queue=queue)))
    assert shown.data["Confidence"].tolist() == [0.74, 0.29]
    leisure = workbench.review_sheet(copy_ws, SimpleNamespace(review_queue=queue), coder="ann",
                                     service_id="leisure")
    assert leisure[["comment_id", "coder"]].values.tolist() == [["C00082", "ann"]]


def test_a_coding_sample_is_seeded_redacted_and_leaves_out_comments_already_coded(copy_ws):
    sample = workbench.coding_sample(copy_ws, n=40, seed=3)
    again = workbench.coding_sample(copy_ws, n=40, seed=3)
    assert sample.equals(again) and len(sample) == 40
    coded = copy_ws.hand_coded.loc[copy_ws.hand_coded["coder"] == "coder_a", "comment_id"]
    assert not sample["comment_id"].isin(coded).any()
    originals = copy_ws.comments.set_index("comment_id").loc[sample["comment_id"], "text"]
    assert sample["text"].tolist() == redact(originals).text.tolist()
    assert (sample["coder"] == "coder_a").all() and (sample["sentiment"] == "").all()


# ------------------------------------------------------------------ weighting walkthrough


def test_trimmed_weights_are_the_packs_and_trimming_counts_the_weights_out_of_bounds():
    ws = load_workspace()
    steps = workbench.weighting_steps(ws, "2025")
    packed = weight_wave(ws, "2025").weights
    np.testing.assert_allclose(steps.trimmed.weights, packed, rtol=1e-9)
    raked = steps.untrimmed.weights.to_numpy()
    mean = raked.sum() / len(raked)
    outside = int(((raked < 0.2 * mean) | (raked > 5 * mean)).sum())
    assert outside == steps.trimmed.diagnostics.n_trimmed == 4  # the demo's 2025 wave
    table = workbench.trimming_comparison(steps).data
    # Kish: 1 + CV² with the population variance.
    assert table["Design effect"].iloc[0] == pytest.approx(1 + raked.var() / mean**2, rel=1e-12)
    assert table["Outside [0.2, 5] × mean"].tolist()[:2] == [4, 0]


def test_raking_meets_the_population_shares_of_population_margins_csv():
    ws = load_workspace()
    steps = workbench.weighting_steps(ws, "2024")
    data = steps.untrimmed.design.data.assign(weight=steps.untrimmed.weights)
    margins = pd.read_csv(DEMO_WORKSPACE / "population_margins.csv", dtype={"category": str})
    for variable, rows in margins.groupby("variable"):
        population = rows.set_index("category")["population"] / rows["population"].sum()
        weighted = data.groupby(variable)["weight"].sum() / data["weight"].sum()
        np.testing.assert_allclose(weighted.reindex(population.index), population, rtol=1e-9)
    shown = workbench.sample_vs_population(steps).data
    ages = shown[shown["Variable"] == "age_band"].set_index("Category")["% of sample"]
    counted = 100 * data["age_band"].value_counts(normalize=True)
    np.testing.assert_allclose(ages, counted.reindex(ages.index), rtol=1e-12)


def test_the_unweighted_row_is_the_plain_share_satisfied_among_valid_answers():
    ws = load_workspace()
    steps = workbench.weighting_steps(ws, "2025")
    table = workbench.weighted_vs_unweighted(ws, steps, "sat_council").data
    answers = steps.trimmed.design.data["sat_council"].dropna()
    valid = answers[answers != 9]
    assert table["% satisfied"].iloc[0] == pytest.approx(100 * valid.isin([1, 2]).mean(), rel=1e-12)
    assert table["Base"].iloc[0] == len(valid)
    assert table["Weights"].tolist() == [
        "unweighted", "raked, not trimmed",
        "trimmed to [0.2, 5] × mean (rules.yaml, used by packs)",
        "trimmed to [0.3, 3] × mean (illustration)"]


def test_illustrative_bounds_no_weighting_can_meet_are_explained_not_raised():
    ws = load_workspace()
    steps = workbench.weighting_steps(ws, "2025", illustrative_bounds=(0.9, 1.1))
    assert steps.illustration is None
    assert steps.illustration_error.startswith("trim bounds cannot be met: variable 'ward_code'")
    note = workbench.trimming_comparison(steps).data["Note"].tolist()
    assert note == ["", "", steps.illustration_error]


# ------------------------------------------------------------------ linkage explorer


def test_the_evidence_record_shows_every_column_readably(monkeypatch):
    row = pd.DataFrame({"service_id": ["waste"], "period_end": [pd.Timestamp("2025-09-30")],
                        "pct_satisfied": [58.93456], "change_p": [0.000123456], "key_pi": [None],
                        "n_unweighted": pd.array([1578], dtype="Int64"),
                        "change_significant": [True], "ci_low": [np.nan],
                        "key_pi_rag_marker": [""],
                        "key_pi_consecutive_red": pd.array([pd.NA], dtype="Int64")})
    monkeypatch.setattr(linkage, "evidence_table", lambda ws, periods, services: row)
    table = workbench.evidence_record(None, "waste", "2025-26 Q2").data
    assert table.values.tolist() == [
        ["service_id", "waste"], ["period_end", "2025-09-30"], ["pct_satisfied", "58.93"],
        ["change_p", "0.0001235"], ["key_pi", "–"], ["n_unweighted", "1578"],
        ["change_significant", "True"], ["ci_low", "–"], ["key_pi_rag_marker", "–"],
        ["key_pi_consecutive_red", "–"]]


def test_the_walkthrough_defaults_to_the_latest_wave_with_responses(demo_copy):
    # A wave listed before its fieldwork (no responses yet) is the latest by date but has
    # nothing to weight; the walkthrough takes the latest wave that has respondents.
    waves = pd.read_csv(demo_copy / "survey_waves.csv", dtype=str)
    latest = waves.sort_values("fieldwork_end").iloc[-1]
    planned = latest.copy()
    planned["wave"], planned["fieldwork_start"], planned["fieldwork_end"] = \
        "next", "2099-08-10", "2099-09-18"
    pd.concat([waves, planned.to_frame().T]).to_csv(demo_copy / "survey_waves.csv", index=False)
    ws = load_workspace(demo_copy)
    steps = workbench.weighting_steps(ws)
    assert steps.wave == latest["wave"]
    table = workbench.weighted_vs_unweighted(ws, steps).data
    assert len(table) >= 2

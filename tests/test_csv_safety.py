"""Every CSV pmresearch writes is safe to open in a spreadsheet (OWASP, CSV injection): text a
spreadsheet would run as a formula gets a ``'`` in front, numbers stay numbers, and the workbench
takes the ``'`` off again when it reads a filled-in sheet back."""

import csv
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pmresearch._csv import csv_text, neutralise_text, restore_cells, restore_text, write_csv
from pmresearch._resources import bundled_path
from pmresearch.cli import main
from pmresearch.workbench import codes_to_save, save_hand_codes
from pmresearch.workbench.hand_codes import read_hand_codes
from pmresearch.workspace import load_workspace


def test_text_a_spreadsheet_would_run_gets_a_quote_and_numbers_stay_numbers(tmp_path):
    frame = pd.DataFrame({
        "text": ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "-3.5", "-",
                 "", None, np.nan, "plain", "'=typed with a quote", "'hello"],
        "change": np.arange(13) - 6.0,
    })
    path = write_csv(frame, tmp_path / "out.csv", float_format="%.3g")
    assert path.read_bytes() == (
        b"text,change\n"
        b"'=cmd|' /C calc'!A0,-6\n"
        b"'+1+1,-5\n"
        b"'-2+3,-4\n"
        b"'@SUM(A1),-3\n"
        b"'\tx,-2\n"
        b"-3.5,-1\n"  # a number as text reads as that number
        b"'-,0\n"
        b",1\n"
        b",2\n"
        b",3\n"
        b"plain,4\n"
        b"''=typed with a quote,5\n"
        b"'hello,6\n")
    assert frame.loc[0, "text"] == "=cmd|' /C calc'!A0"  # the caller's frame is left alone
    # A carriage return first (how pandas quotes it depends on the Python version).
    assert neutralise_text("\rx") == "'\rx"


def test_a_numeric_column_is_written_as_numbers_even_when_negative(tmp_path):
    frame = pd.DataFrame({"n": [-1, 2, -3], "x": [-0.25, np.nan, -1e-7]})
    assert csv_text(frame, float_format="%.10g") == "n,x\n-1,-0.25\n2,\n-3,-1e-07\n"


def test_a_formula_like_column_name_is_neutralised_too():
    assert csv_text(pd.DataFrame({"=name": ["a"]})) == "'=name\na\n"


def test_where_nothing_needs_neutralising_the_bytes_are_those_of_to_csv(tmp_path):
    frame = pd.DataFrame({"id": ["C1", "C2"], "text": ["fine", "-4"],
                          "score": [0.1234567891234, -2.0], "flag": [True, False]})
    expected = tmp_path / "pandas.csv"
    frame.to_csv(expected, index=False, lineterminator="\r\n", encoding="utf-8-sig",
                 float_format="%.10g")
    written = write_csv(frame, tmp_path / "ours.csv", lineterminator="\r\n", encoding="utf-8-sig",
                        float_format="%.10g", atomic=True)
    assert written.read_bytes() == expected.read_bytes()


def test_reading_back_removes_only_the_quote_the_writer_added():
    texts = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "-3.5", "-", "",
             "'=typed with a quote", "''+two quotes", "'hello", "'-3.5", "plain"]
    written = [neutralise_text(t) for t in texts]
    assert [restore_text(t) for t in written] == texts
    frame = pd.DataFrame({"text": written, "n": range(len(texts))})
    assert restore_cells(frame)["text"].tolist() == texts
    # A cell a person typed without the quote is read as it is.
    assert restore_text("=typed") == "=typed"


# ------------------------------------------------------------------ the product's outputs

PLANTED = {  # comments that land in the review queue, each with a formula in front
    "C00015": "=cmd|' /C calc'!A0",
    "C00033": "+1+1",
    "C00082": "@SUM(A1)",
    "C00095": "-2+3",
    "C00105": "'=a quote the resident typed",
}
UNSAFE = re.compile(r"[=+@\t\r]|-(?!\d)")


@pytest.fixture(scope="module")
def planted(tmp_path_factory, demo_workspace):
    """A copy of the demo whose comments start with formulas, coded and with its evidence
    written; every comment not hand-coded goes to the review queue (threshold 1)."""
    root = tmp_path_factory.mktemp("csv_safety")
    ws = Path(shutil.copytree(demo_workspace, root / "ashbrook"))
    comments = pd.read_csv(ws / "comments.csv", dtype=str, keep_default_na=False)
    originals = {}
    for comment_id, formula in PLANTED.items():
        row = comments["comment_id"] == comment_id
        originals[comment_id] = formula + " " + comments.loc[row, "text"].item()
        comments.loc[row, "text"] = originals[comment_id]
    comments.to_csv(ws / "comments.csv", index=False, lineterminator="\n")
    rules = (bundled_path("parameters", current_folder=False) / "rules.yaml").read_text("utf-8")
    assert rules.count("review_threshold: 0.75\n") == 1
    (ws / "parameters" / "rules.yaml").write_text(
        rules.replace("review_threshold: 0.75\n", "review_threshold: 1.0\n"), "utf-8")
    assert load_workspace(ws, cache=False).comments.set_index("comment_id").loc[
        list(PLANTED), "text"].to_dict() == originals
    assert main(["code", "--workspace", str(ws), "--out", str(root / "coding")]) == 0
    assert main(["evidence", "--workspace", str(ws), "--out", str(root / "evidence")]) == 0
    return root, ws, originals


def test_no_cell_of_any_csv_written_starts_like_a_formula(planted):
    root, _, _ = planted
    written = sorted(p.relative_to(root).as_posix()
                     for folder in ("coding", "evidence") for p in (root / folder).glob("*.csv"))
    assert written == ["coding/coded_comments.csv", "coding/quotes.csv",
                       "coding/redaction.csv", "coding/reliability.csv",
                       "coding/review_queue.csv", "coding/theme_mentions.csv",
                       "evidence/evidence_table.csv", "evidence/findings.csv",
                       "evidence/improvement_actions.csv", "evidence/indicator_assessment.csv"]
    unsafe = []
    for name in written:
        with open(root / name, newline="", encoding="utf-8") as file:
            unsafe += [(name, cell) for row in csv.reader(file) for cell in row
                       if UNSAFE.match(cell)]
    assert unsafe == []
    with open(root / "coding" / "coded_comments.csv", newline="", encoding="utf-8") as file:
        texts = {row["comment_id"]: row["text"] for row in csv.DictReader(file)}
    assert {i: texts[i] for i in PLANTED} == {i: "'" + t for i, t in planted[2].items()}


def test_the_review_queue_read_back_by_the_workbench_gives_the_original_texts(planted, tmp_path):
    root, _, originals = planted
    with open(root / "coding" / "review_queue.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    sentiment = rows[0].index("sentiment")
    for row in rows[1:]:  # the analyst fills in every row and saves
        row[sentiment] = "neutral"
    filled = tmp_path / "review_queue.csv"
    with open(filled, "w", newline="", encoding="utf-8") as file:
        csv.writer(file, lineterminator="\n").writerows(rows)
    read = codes_to_save(filled).set_index("comment_id")
    assert len(read) == len(rows) - 1
    assert read.loc[list(PLANTED), "text"].to_dict() == originals


def test_hand_coded_csv_is_written_safe_and_read_back_whole(planted, tmp_path):
    ws_path = Path(shutil.copytree(planted[1], tmp_path / "ws"))
    (ws_path / "hand_coded.csv").write_text(
        "comment_id,coder,sentiment,themes,note\nC00003,ann,mixed,S3,'=typed by ann\n", "utf-8")
    ws = load_workspace(ws_path, cache=False)
    save_hand_codes(ws, pd.DataFrame({"comment_id": ["C00005"], "coder": ["ann"],
                                      "sentiment": ["negative"], "themes": ["L1"],
                                      "note": ["=HYPERLINK(\"http://x\")"]}))
    assert (ws_path / "hand_coded.csv").read_text("utf-8") == (
        "comment_id,coder,sentiment,themes,note\n"
        "C00003,ann,mixed,S3,'=typed by ann\n"
        "C00005,ann,negative,L1,\"'=HYPERLINK(\"\"http://x\"\")\"\n")
    assert read_hand_codes(ws)["note"].tolist() == ["=typed by ann", "=HYPERLINK(\"http://x\")"]

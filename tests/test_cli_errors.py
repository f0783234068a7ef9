"""The command line's error boundary, output-folder checks and the messages for files that
cannot be read as a table: each case asserts the exit status and the whole message."""

from __future__ import annotations

import argparse
import codecs
import csv
import errno
import importlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pmresearch.cli import main
from pmresearch.errors import PackError
from pmresearch.workspace import check_workspace

# The option each writing command takes for its output folder.
OUT_OPTIONS = {"code": "--out", "weight": "--out", "evidence": "--out", "packs": "--outputs"}


def run(capsys, argv: list[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def forbid(monkeypatch, *targets: str) -> None:
    """Make each ``module.attribute`` fail the test if it is called."""
    def never(*args, **kwargs):
        raise AssertionError("called although the output folder was refused")

    # Every module is imported before any is patched: one imported while another is patched
    # (pmresearch.packs binds load_workspace) would keep the forbidden function after the test.
    for target in targets:
        importlib.import_module(target.rsplit(".", 1)[0])
    for target in targets:
        module, attribute = target.rsplit(".", 1)
        monkeypatch.setattr(f"{module}.{attribute}", never)


# ---------------------------------------------------------------- output folders


@pytest.mark.parametrize("command", sorted(OUT_OPTIONS))
def test_an_output_folder_under_a_file_fails_before_any_work(command, tmp_path, monkeypatch,
                                                             capsys):
    # A path through a regular file fails for every user, root included.
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    forbid(monkeypatch, "pmresearch.workspace.load_workspace", "pmresearch.packs.run_packs",
           "pmresearch.coding.coder.code_comments")
    status, out, err = run(capsys, [command, OUT_OPTIONS[command], str(blocker / "sub")])
    assert (status, out) == (2, "")
    assert err == (f"pmresearch {command}: cannot write to {blocker / 'sub'}: part of the path "
                   f"is a file, not a folder. Choose another {OUT_OPTIONS[command]} folder.\n")
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_an_output_folder_that_is_a_file_is_named_as_such(tmp_path, capsys):
    blocker = tmp_path / "weights"
    blocker.write_text("", encoding="utf-8")
    assert run(capsys, ["weight", "--out", str(blocker)]) == (
        2, "", f"pmresearch weight: cannot write to {blocker}: a file of that name is in the "
               "way. Choose another --out folder.\n")


@pytest.mark.parametrize("error, said", [
    (PermissionError(errno.EACCES, "Permission denied"),
     "permission denied. Choose another --out folder or ask for write access."),
    (OSError(errno.ENOSPC, "No space left on device"),
     "the disk is full. Free some space, or choose another --out folder."),
    (OSError(errno.EROFS, "Read-only file system"),
     "the file system is read-only. Choose another --out folder."),
])
def test_an_unwritable_out_for_code_fails_before_the_comments_are_coded(error, said, tmp_path,
                                                                        monkeypatch, capsys):
    # Root ignores permission bits, so the refusal is simulated where the folder is tried.
    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr("pmresearch.cli.tempfile.TemporaryFile", refuse)
    forbid(monkeypatch, "pmresearch.workspace.load_workspace",
           "pmresearch.coding.coder.code_comments")
    out = tmp_path / "outputs" / "coding"
    status, stdout, err = run(capsys, ["code", "--out", str(out)])
    assert (status, stdout) == (2, "")
    assert err == f"pmresearch code: cannot write to {out}: {said}\n"
    # The check removes the folders it made to try.
    assert list(tmp_path.iterdir()) == []


def test_the_folder_check_leaves_nothing_behind_when_the_workspace_is_invalid(tmp_path, capsys):
    out = tmp_path / "new" / "weights"
    status, _, err = run(capsys, ["weight", "--workspace", str(tmp_path / "nowhere"),
                                  "--out", str(out)])
    assert status == 2
    assert err == (f"pmresearch weight: 1 problem in workspace {tmp_path / 'nowhere'}:\n"
                   f"  - {tmp_path / 'nowhere'}: workspace folder not found. Give the folder "
                   "that holds council.yaml and the tables.\n")
    assert not (tmp_path / "new").exists()


def test_disk_full_while_writing_is_one_line_naming_the_file(tmp_path, monkeypatch, capsys):
    def disk_full(frame, path, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr("pmresearch._csv.write_csv", disk_full)
    status, out, err = run(capsys, ["weight", "--out", str(tmp_path)])
    assert (status, out) == (2, "")
    assert err == (f"pmresearch weight: {tmp_path / 'weights.csv'}: the disk is full. Free some "
                   "space, or choose a folder on another disk.\n")


def test_debug_shows_the_traceback_instead_before_or_after_the_command(tmp_path, monkeypatch,
                                                                       capsys):
    def denied(frame, path, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr("pmresearch._csv.write_csv", denied)
    for argv in (["--debug", "weight", "--out", str(tmp_path)],
                 ["weight", "--out", str(tmp_path), "--debug"]):
        status, out, err = run(capsys, argv)
        assert (status, out) == (2, "")
        assert err.startswith("Traceback (most recent call last):\n")
        assert err.endswith(f"PermissionError: [Errno 13] Permission denied: "
                            f"'{tmp_path / 'weights.csv'}'\n")
        assert "pmresearch weight:" not in err


# ---------------------------------------------------------------- interruptions and faults


def test_ctrl_c_stops_with_one_line(monkeypatch, tmp_path, capsys):
    def interrupted(ws):
        raise KeyboardInterrupt

    monkeypatch.setattr("pmresearch.weighting.weight_all_waves", interrupted)
    assert run(capsys, ["weight", "--out", str(tmp_path)]) == (
        2, "", "pmresearch weight: stopped by Ctrl-C\n")


def test_sigterm_stops_with_one_line_and_the_handler_is_put_back(monkeypatch, tmp_path, capsys):
    def terminated(ws):
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("SIGTERM did not stop the command")

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr("pmresearch.weighting.weight_all_waves", terminated)
    assert run(capsys, ["weight", "--out", str(tmp_path)]) == (
        2, "", "pmresearch weight: stopped by SIGTERM\n")
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_package_error_is_one_line_with_the_command(monkeypatch, tmp_path, capsys):
    def refused(*args, **kwargs):
        raise PackError("unknown service 'x': services.csv has a, b. Check the --service spelling.")

    monkeypatch.setattr("pmresearch.packs.run_packs", refused)
    assert run(capsys, ["packs", "--outputs", str(tmp_path), "--service", "x"]) == (
        2, "", "pmresearch packs: unknown service 'x': services.csv has a, b. Check the "
               "--service spelling.\n")


def test_an_internal_error_asks_for_a_report_and_exits_3(monkeypatch, tmp_path, capsys):
    def bug(ws):
        return 1 / 0

    monkeypatch.setattr("pmresearch.weighting.weight_all_waves", bug)
    assert run(capsys, ["weight", "--out", str(tmp_path)]) == (
        3, "", "pmresearch weight: internal error (ZeroDivisionError: division by zero). Run "
               "the command again with --debug and report the traceback it shows.\n")


def test_output_piped_into_a_reader_that_stops_early_ends_quietly():
    # `pmresearch validate | head -1`: the reader is gone before the output is written.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-m", "pmresearch.cli", "validate"],
                              stdout=write_end, stderr=subprocess.PIPE, check=False,
                              timeout=300)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, b"")


# ---------------------------------------------------------------- files that are not tables


def _problems(workspace: Path) -> list[str]:
    return [str(problem) for problem in check_workspace(workspace)]


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


UTF16 = "wards.csv: saved as UTF-16 text. Save it as 'CSV UTF-8 (Comma delimited)' in Excel and try again."


@pytest.mark.parametrize("encode", [
    lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    lambda text: text.encode("utf-16-le"),  # no byte-order mark
], ids=["little-endian", "big-endian", "no-bom"])
def test_a_utf16_csv_is_named_with_the_fix(encode, demo_copy, capsys):
    wards = demo_copy / "wards.csv"
    wards.write_bytes(encode(wards.read_text(encoding="utf-8")))
    assert _problems(demo_copy) == [UTF16]
    assert run(capsys, ["validate", "--workspace", str(demo_copy)]) == (
        1, f"1 problem found:\n  - {UTF16}\n", "")


def test_windows_1252_is_still_read(demo_copy):
    wards = demo_copy / "wards.csv"
    rows = _rows(wards)
    rows[1][rows[0].index("ward_name")] = "St Anne’s"
    wards.write_bytes("".join(",".join(row) + "\r\n" for row in rows).encode("cp1252"))
    assert _problems(demo_copy) == []


def test_an_unclosed_quote_is_reported_at_its_line_instead_of_the_rows_it_swallows(demo_copy):
    wards = demo_copy / "wards.csv"
    rows = _rows(wards)
    assert not any('"' in cell or "," in cell for row in rows for cell in row)
    lines = [",".join(row) for row in rows]
    # Line 5 opens a quote it never closes; the quote that opens a cell on line 8 closes it,
    # so lines 5 to 8 would be one cell and the file one row short.
    lines[4] = lines[4].replace(",", ',"', 1)
    lines[7] = ",".join([rows[7][0], f'"{rows[7][1]}"', *rows[7][2:]])
    wards.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _problems(demo_copy) == [
        'wards.csv, line 5: a quote (") opened here is not closed on its line, so lines 5 to 8 '
        "are read as one cell. Close the quote or remove it."]


def test_a_quote_never_closed_is_reported_at_its_line(demo_copy):
    wards = demo_copy / "wards.csv"
    lines = [",".join(row) for row in _rows(wards)]
    lines[-3] = lines[-3].replace(",", ',"', 1)
    wards.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _problems(demo_copy) == [
        f'wards.csv, line {len(lines) - 2}: a quote (") opened here is never closed, so the '
        "rest of the file is read as one cell. Close the quote or remove it."]


def test_a_comment_in_paragraphs_is_not_taken_for_an_unclosed_quote(demo_copy):
    comments = demo_copy / "comments.csv"
    rows = _rows(comments)
    text = rows[0].index("text")
    rows[3][text] = "The bins were missed.\nBins, bins, bins, bins, bins: every week.\n\nThanks"
    with comments.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    assert _problems(demo_copy) == []


def _write_wards_xlsx(demo_copy: Path, sheets: list[tuple[str, int | None]]) -> None:
    """wards.csv as wards.xlsx: ``sheets`` are (title, rows above the table), a title and
    blank rows above it; a sheet with None holds only a line of text (a cover sheet)."""
    import openpyxl

    rows = _rows(demo_copy / "wards.csv")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, above in sheets:
        sheet = book.create_sheet(title)
        if above is None:
            sheet.append(["About this workbook"])
            continue
        for line in range(above):
            sheet.append(["Wards of the council, 2025"] if line == 0 else [])
        for row in rows:
            sheet.append(row)
    book.save(demo_copy / "wards.xlsx")
    (demo_copy / "wards.csv").unlink()


def test_an_xlsx_with_a_title_row_says_the_header_must_be_on_row_1(demo_copy):
    _write_wards_xlsx(demo_copy, [("Wards", 2)])
    assert _problems(demo_copy) == [
        "wards.xlsx: the header must be on row 1 of the first sheet ('Wards'); it is on row 3. "
        "Delete the 2 rows above it."]


@pytest.mark.parametrize("above, fix", [
    (0, "Move sheet 'Data' to the front."),
    (1, "Move sheet 'Data' to the front, and delete the rows above its header."),
])
def test_an_xlsx_with_a_cover_sheet_says_where_the_table_is(above, fix, demo_copy):
    _write_wards_xlsx(demo_copy, [("Cover", None), ("Data", above)])
    assert _problems(demo_copy) == [
        "wards.xlsx: the header must be on row 1 of the first sheet, but the first sheet is "
        f"'Cover' and the header is on row {above + 1} of sheet 'Data'. {fix}"]


def test_an_xlsx_on_its_first_sheet_and_row_reads_as_the_csv_did(demo_copy):
    _write_wards_xlsx(demo_copy, [("Wards", 0)])
    assert _problems(demo_copy) == []


@pytest.mark.parametrize("period", ["Q2 2025", "2025-26 Q5"])
def test_evidence_refuses_a_period_that_is_not_a_quarter_before_judging_any_pi(
        period, demo_workspace, tmp_path, monkeypatch, capsys):
    import pandas as pd

    forbid(monkeypatch, "pmresearch.performance.assess_indicators",
           "pmresearch.linkage.evidence_table")
    quarters = sorted(pd.read_csv(demo_workspace / "pi_values.csv", dtype=str)["period"])
    status, out, err = run(capsys, ["evidence", "--workspace", str(demo_workspace),
                                    "--period", period, "--out", str(tmp_path / "evidence")])
    assert (status, out) == (2, "")
    assert err.startswith(f"pmresearch evidence: --period: {period!r} is not a financial "
                          "quarter like '2025-26 Q2'")
    assert err.endswith(f". Use a quarter from {quarters[0]} to {quarters[-1]}.\n")
    assert err.count("\n") == 1
    assert not (tmp_path / "evidence").exists()


def test_a_row_with_too_many_cells_is_reported_at_its_spreadsheet_row(demo_copy):
    comments = demo_copy / "comments.csv"
    rows = _rows(comments)
    rows[3][rows[0].index("text")] = "First paragraph.\nSecond paragraph."
    rows[6].append("an extra cell")  # spreadsheet row 7, text line 8 after the line break above
    with comments.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    width = len(rows[0])
    assert _problems(demo_copy) == [
        f"comments.csv, row 7: {width + 1} cells where the header has {width}. Put double quotes "
        "around a cell that holds a comma, or remove the extra commas."]


# ---------------------------------------------------------------- periods

# Every command that takes --period, with the option for its output folder.
PERIOD_COMMANDS = {"packs": "--outputs", "evidence": "--out"}


def test_every_command_taking_a_period_is_checked_below():
    from pmresearch.cli import _parser

    commands = next(action for action in _parser()._actions
                    if isinstance(action, argparse._SubParsersAction)).choices
    taking = {name for name, command in commands.items()
              if any("--period" in action.option_strings for action in command._actions)}
    assert taking == set(PERIOD_COMMANDS)


@pytest.mark.parametrize("command", sorted(PERIOD_COMMANDS))
@pytest.mark.parametrize("period, problem", [
    ("2025 Q2", "is not a financial quarter like '2025-26 Q2' (second year = first + 1, "
                "quarter Q1–Q4). Use a quarter from {first} to {last}."),
    ("2001-02 Q1", "is outside the data: pi_values.csv covers {first} to {last}. Use a quarter "
                   "in that range, or add the data to pi_values.csv."),
], ids=["malformed", "outside-the-data"])
def test_a_bad_period_exits_2_with_one_line(command, period, problem, demo_workspace, tmp_path,
                                            capsys):
    import pandas as pd

    quarters = sorted(pd.read_csv(demo_workspace / "pi_values.csv", dtype=str)["period"])
    out = tmp_path / "out"
    status, stdout, err = run(capsys, [command, "--workspace", str(demo_workspace), "--period",
                                       period, PERIOD_COMMANDS[command], str(out)])
    assert (status, stdout) == (2, "")
    assert err == (f"pmresearch {command}: --period: {period!r} "
                   + problem.format(first=quarters[0], last=quarters[-1]) + "\n")
    assert not out.exists()

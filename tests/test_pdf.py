"""Packs as PDF: finding Chromium, printing with it, and making packs without it."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from pmresearch.cli import main
from pmresearch.errors import PackError
from pmresearch.packs import run_packs
from pmresearch.pdf import CHROMIUM_ENV, find_chromium, print_pdf

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Chromium: sudo apt-get install chromium "
                             "(or set PMRESEARCH_CHROMIUM to a Chrome/Chromium binary)")
HINT = ("Install Chromium (Debian/Ubuntu: sudo apt-get install chromium) or set "
        "PMRESEARCH_CHROMIUM to a Chrome/Chromium binary.")
NO_CHROMIUM = "No Chromium found: the packs are written as HTML only. " + HINT


def _executable(path: Path, script: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _pdf_text(path: Path) -> tuple[int, str]:
    """Pages and text of a PDF, with runs of white space made single spaces."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"\s+", " ", text)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _small_pack_notebook(path: Path) -> Path:
    """A two-cell pack notebook: runs in a second, so the tests of the batch stay quick."""
    cells = [
        new_code_cell('workspace = ""\nservice_id = ""\nperiod = ""\nparameters_dir = ""',
                      metadata={"tags": ["parameters"]}),
        new_markdown_cell("# A small pack"),
        new_code_cell('print("pack for", service_id)'),
    ]
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}}), path)
    return path


# --- finding Chromium -------------------------------------------------------------------------

def test_find_chromium_takes_the_variable_first_then_the_names_in_order(tmp_path, monkeypatch):
    first_dir, second_dir = tmp_path / "a", tmp_path / "b"
    _executable(first_dir / "google-chrome", "exit 0")
    browser = _executable(second_dir / "chromium-browser", "exit 0")
    own = _executable(tmp_path / "my-chrome", "exit 0")
    monkeypatch.setenv("PATH", f"{first_dir}{os.pathsep}{second_dir}")
    monkeypatch.delenv(CHROMIUM_ENV, raising=False)
    # chromium-browser comes before google-chrome in CHROMIUM_NAMES, wherever it is on PATH
    assert find_chromium() == str(browser)
    monkeypatch.setenv(CHROMIUM_ENV, str(own))
    assert find_chromium() == str(own)
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "not-there"))
    assert find_chromium() == str(browser)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert find_chromium() is None


# --- printing: failures -----------------------------------------------------------------------

@pytest.fixture
def page(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<!DOCTYPE html><title>Street cleansing</title><h1>Street cleansing</h1>",
                    encoding="utf-8")
    return path


def test_no_chromium_is_an_error_that_says_how_to_install_one(page, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv(CHROMIUM_ENV, raising=False)
    with pytest.raises(PackError) as caught:
        print_pdf(page, tmp_path / "page.pdf")
    assert str(caught.value) == "No Chromium found to print or show the pack. " + HINT


def test_a_missing_page_is_named(tmp_path):
    with pytest.raises(PackError) as caught:
        print_pdf(tmp_path / "none.html", tmp_path / "none.pdf", chromium="/bin/true")
    assert str(caught.value) == (f"{tmp_path / 'none.html'}: no such HTML file. Make the pack "
                                 "first (pmresearch packs).")


def test_a_failing_chromium_is_reported_with_its_error_output(page, tmp_path):
    broken = _executable(tmp_path / "bin" / "chromium", (
        'echo "[1:2:ERROR:dbus/bus.cc:405] Failed to connect to the bus" >&2\n'
        'echo "Failed to load libnss3.so" >&2\nexit 3'))
    with pytest.raises(PackError) as caught:
        print_pdf(page, tmp_path / "page.pdf", chromium=str(broken))
    # the D-Bus noise every headless Chromium prints is left out
    assert str(caught.value) == (
        f"Chromium ({broken}) failed on {page} with exit status 3: Failed to load libnss3.so. "
        f"Check that it runs ('{broken} --headless=new --dump-dom about:blank'), or set "
        "PMRESEARCH_CHROMIUM to another Chrome/Chromium binary.")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "page.html"]


def test_a_chromium_that_exits_0_before_printing_is_an_error(page, tmp_path):
    silent = _executable(tmp_path / "bin" / "chromium",
                         'echo "Page load failed: net::ERR_FILE_NOT_FOUND" >&2; exit 0')
    with pytest.raises(PackError) as caught:
        print_pdf(page, tmp_path / "page.pdf", chromium=str(silent))
    assert str(caught.value) == (
        f"Chromium ({silent}) exited while starting, before it opened {page}: Page load "
        f"failed: net::ERR_FILE_NOT_FOUND. Check that it runs ('{silent} --headless=new "
        "--dump-dom about:blank'), or set PMRESEARCH_CHROMIUM to another Chrome/Chromium binary.")
    assert not (tmp_path / "page.pdf").exists()


def test_a_chromium_that_crashes_is_named_with_its_signal(page, tmp_path):
    crashing = _executable(tmp_path / "bin" / "chromium",
                           'echo "Received signal 11 SEGV_MAPERR" >&2; kill -SEGV $$')
    with pytest.raises(PackError) as caught:
        print_pdf(page, tmp_path / "page.pdf", chromium=str(crashing))
    assert str(caught.value) == (
        f"Chromium ({crashing}) crashed (SIGSEGV) while starting, before it opened {page}: "
        f"Received signal 11 SEGV_MAPERR. Check that it runs ('{crashing} --headless=new "
        "--dump-dom about:blank'), or set PMRESEARCH_CHROMIUM to another Chrome/Chromium binary.")


def test_a_sandbox_that_will_not_start_is_named_as_the_cause(page, tmp_path):
    # What Chromium prints when a wrapper drops --no-sandbox where namespaces are not allowed.
    refusing = _executable(tmp_path / "bin" / "chromium", (
        "echo '[9:9:1207/101010.1:FATAL:zygote_host_impl_linux.cc(128)] No usable sandbox! "
        "Update your kernel.' >&2\nkill -TRAP $$"))
    with pytest.raises(PackError) as caught:
        print_pdf(page, tmp_path / "page.pdf", chromium=str(refusing))
    assert str(caught.value) == (
        f"Chromium ({refusing}) could not open {page}: its sandbox could not start. pmresearch "
        "passes --no-sandbox, so this command (a snap or a wrapper script?) does not hand it "
        "on: set PMRESEARCH_CHROMIUM to the browser binary itself "
        "(e.g. /usr/lib/chromium/chromium).")


def test_a_chromium_that_never_starts_is_stopped_with_its_helpers(page, tmp_path):
    pid_file = tmp_path / "helper.pid"
    hanging = _executable(tmp_path / "bin" / "chromium",
                          f"sleep 60 &\necho $! > {pid_file}\nwait")
    with pytest.raises(PackError) as caught:
        print_pdf(page, tmp_path / "page.pdf", chromium=str(hanging), timeout=1)
    # not a slow page: a longer timeout is not what to try
    assert str(caught.value) == (
        f"Chromium ({hanging}) did not start within 1 s and was stopped. Check that it runs "
        f"('{hanging} --headless=new --dump-dom about:blank'), or set PMRESEARCH_CHROMIUM to "
        "another Chrome/Chromium binary.")
    helper = Path(f"/proc/{pid_file.read_text().strip()}/status")

    def gone() -> bool:  # the helper (Chromium's renderers, here a sleep) ended, or is a zombie
        try:
            return "State:\tZ" in helper.read_text()
        except FileNotFoundError:
            return True

    # A kill is delivered asynchronously: allow the helper up to 5 s to end.
    deadline = time.monotonic() + 5
    while not gone() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone()


# A stand-in browser that speaks the DevTools pipe (commands on descriptor 3, replies on 4, each
# JSON ended by NUL) and misbehaves as FAKE_BROWSER says: the renderer crashes on loading, the
# print never finishes, the print is not a PDF, or printing is an unknown command.
FAKE_BROWSER = r"""
import base64, json, os, sys
behaviour, buffer = os.environ["FAKE_BROWSER"], b""

def send(message):
    os.write(4, json.dumps(message).encode() + b"\0")

while True:
    chunk = os.read(3, 65536)
    if not chunk:
        sys.exit(0)
    buffer += chunk
    while b"\0" in buffer:
        raw, buffer = buffer.split(b"\0", 1)
        command = json.loads(raw)
        method, reply = command["method"], {"id": command["id"], "result": {}}
        if method == "Target.createTarget":
            reply["result"] = {"targetId": "T"}
        elif method == "Target.attachToTarget":
            reply["result"] = {"sessionId": "S"}
        elif method == "Page.printToPDF":
            if behaviour == "slow print":
                continue
            if behaviour == "old":
                reply = {"id": command["id"], "error": {"code": -32601,
                         "message": "'Page.printToPDF' wasn't found"}}
            else:
                reply["result"] = {"data": base64.b64encode(b"<html>not a PDF").decode()}
        send(reply)
        if method == "Browser.close":
            sys.exit(0)
        if method == "Page.navigate":
            send({"method": "Inspector.targetCrashed", "params": {}, "sessionId": "S"}
                 if behaviour == "crash" else
                 {"method": "Page.loadEventFired", "params": {}, "sessionId": "S"})
"""


@pytest.fixture
def fake_browser(tmp_path, monkeypatch):
    def make(behaviour: str) -> Path:
        monkeypatch.setenv("FAKE_BROWSER", behaviour)
        script = tmp_path / "bin" / "fake-chromium"
        script.parent.mkdir(exist_ok=True)
        script.write_text(f"#!{sys.executable}\n{FAKE_BROWSER}", encoding="utf-8")
        script.chmod(0o755)
        return script
    return make


def test_a_renderer_crash_is_named_as_the_cause(page, tmp_path, fake_browser):
    with pytest.raises(PackError) as caught:
        print_pdf(page, tmp_path / "page.pdf", chromium=str(fake_browser("crash")))
    assert str(caught.value) == (
        f"Chromium's renderer crashed while loading {page}. This is most often a lack of "
        "memory: close other programs or print fewer packs at once (--jobs), then try again.")


def test_a_print_that_is_not_a_pdf_is_an_error_and_leaves_no_file(page, tmp_path, fake_browser):
    browser = fake_browser("not a PDF")
    with pytest.raises(PackError) as caught:
        print_pdf(page, tmp_path / "page.pdf", chromium=str(browser))
    assert str(caught.value) == (
        f"Chromium ({browser}) printed {page} but gave back 15 bytes that are not a PDF. Check "
        f"that it runs ('{browser} --headless=new --dump-dom about:blank'), or set "
        "PMRESEARCH_CHROMIUM to another Chrome/Chromium binary.")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "page.html"]


def test_a_chromium_without_printing_says_it_is_too_old(page, tmp_path, fake_browser):
    browser = fake_browser("old")
    with pytest.raises(PackError) as caught:
        print_pdf(page, tmp_path / "page.pdf", chromium=str(browser))
    assert str(caught.value) == (
        f"Chromium ({browser}) refused Page.printToPDF while printing {page}: "
        "'Page.printToPDF' wasn't found. It may be too old: use Chromium 112 or later.")


def test_only_a_slow_print_is_told_to_take_a_longer_timeout(page, tmp_path, fake_browser):
    browser = fake_browser("slow print")
    with pytest.raises(PackError) as caught:
        print_pdf(page, tmp_path / "page.pdf", chromium=str(browser), timeout=2)
    assert str(caught.value) == (
        f"Chromium ({browser}) was still printing {page} after 2 s and was stopped. A long "
        "page takes a while to print: try again with a longer timeout.")


@needs_chromium
def test_a_page_that_opens_a_dialog_is_named_as_the_cause(tmp_path):
    # What <script>alert(1)</script> in a quote did before workspace text was escaped: the page
    # waited for someone to close the alert, and printing ran out of time. (A pack's
    # Content-Security-Policy forbids the script; this page has none.)
    page = tmp_path / "alert.html"
    page.write_text("<h1>Quotes</h1><blockquote><script>alert('pwned by a comment')</script>"
                    "</blockquote>", encoding="utf-8")
    with pytest.raises(PackError) as caught:
        print_pdf(page, tmp_path / "alert.pdf", timeout=60)
    assert str(caught.value) == (
        f"{page} opened a JavaScript alert ('pwned by a comment') while loading, and a page "
        "waiting for someone to close a dialog cannot be printed. Packs made by pmresearch "
        "carry no script: make the pack again with pmresearch packs, or remove the script "
        "from the page.")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alert.html"]


@needs_chromium
def test_a_page_that_never_finishes_loading_names_what_it_waits_for(tmp_path):
    # Reading a named pipe that nobody writes to never ends: a page that loads forever.
    os.mkfifo(tmp_path / "stuck")
    page = tmp_path / "forever.html"
    page.write_text('<h1>Charts</h1><img src="stuck" alt="a chart">', encoding="utf-8")
    with pytest.raises(PackError) as caught:
        print_pdf(page, tmp_path / "forever.pdf", timeout=6)
    assert str(caught.value) == (
        f"{page} had not finished loading after 6 s: Chromium was still waiting for "
        f"{(tmp_path / 'stuck').as_uri()}. Check that it can be read (a pipe, or a file on a "
        "drive that does not answer, never arrives); if it is merely slow, try again with a "
        "longer timeout.")


# --- printing with Chromium -------------------------------------------------------------------

@needs_chromium
def test_a_page_prints_to_a_pdf_without_browser_header_or_footer(page, tmp_path):
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(b"an old PDF")
    assert print_pdf(page, pdf) == pdf
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pages, text = _pdf_text(pdf)
    assert pages == 1
    # Chromium's own header and footer would add the date, the title again and file://…/page.html
    assert text == "Street cleansing"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html", "page.pdf"]


@pytest.fixture(scope="module")
def pdf_packs(tmp_path_factory):
    """Street cleansing made as HTML only, then again asking for PDF, then twice more."""
    if CHROMIUM is None:
        pytest.skip("needs Chromium: sudo apt-get install chromium")
    outputs = tmp_path_factory.mktemp("outputs")
    statuses = [run_packs(outputs=outputs, services=["street_cleansing"], jobs=1,
                          progress=False).results[0].status]
    cli = main(["packs", "--pdf", "--service", "street_cleansing", "--jobs", "1",
                "--outputs", str(outputs), "--no-progress"])
    manifest = json.loads((outputs / "2025-26-Q2" / "manifest.json").read_text())
    for pdf in (True, False):
        statuses.append(run_packs(outputs=outputs, services=["street_cleansing"], jobs=1,
                                  pdf=pdf, progress=False).results[0].status)
    return outputs / "2025-26-Q2", cli, manifest, statuses


def test_packs_pdf_prints_each_pack(pdf_packs):
    period_dir, cli, manifest, _ = pdf_packs
    assert cli == 0
    pdf = period_dir / "street_cleansing" / "evidence_pack.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pages, text = _pdf_text(pdf)
    assert pages >= 2
    assert "Street cleansing: evidence pack, 2025-26 Q2" in text
    assert "Findings and recommended actions" in text
    assert manifest["packs"]["street_cleansing"]["files"]["evidence_pack.pdf"] == _sha256(pdf)
    assert manifest["packs"]["street_cleansing"]["message"] == ""


def test_the_index_links_each_packs_pdf(pdf_packs):
    period_dir, *_ = pdf_packs
    index = (period_dir / "index.html").read_text(encoding="utf-8")
    assert '<a href="street_cleansing/evidence_pack.pdf">PDF</a>' in index


def test_a_pack_made_without_pdf_is_remade_when_pdf_is_asked_and_then_skipped(pdf_packs):
    # first run HTML only: ok; the --pdf run remade it (checked above); then with and without
    # PDF asked, the pack (with its PDF) is up to date
    *_, statuses = pdf_packs
    assert statuses == ["ok", "skipped", "skipped"]


# --- packs without Chromium, or with one that fails -------------------------------------------

def test_packs_pdf_without_chromium_writes_html_and_says_how_to_install(tmp_path, monkeypatch,
                                                                        capsys):
    bin_dir = Path(sys.executable).parent
    assert not any((bin_dir / name).exists()
                   for name in ("chromium", "chromium-browser", "google-chrome"))
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "no-such-chromium"))
    notebook = _small_pack_notebook(tmp_path / "small.ipynb")
    outputs = tmp_path / "outputs"
    status = main(["packs", "--pdf", "--service", "planning", "--outputs", str(outputs),
                   "--notebook", str(notebook), "--jobs", "1", "--no-progress"])
    assert status == 0
    err = capsys.readouterr().err
    assert err.count(NO_CHROMIUM) == 1
    folder = outputs / "2025-26-Q2" / "planning"
    assert (folder / "evidence_pack.html").is_file()
    assert not (folder / "evidence_pack.pdf").exists()
    assert "evidence_pack.pdf" not in (outputs / "2025-26-Q2" / "index.html").read_text()


def test_a_failed_print_keeps_the_html_pack_and_says_why(tmp_path, monkeypatch):
    broken = _executable(tmp_path / "bin" / "chromium", 'echo "out of memory" >&2; exit 5')
    monkeypatch.setenv(CHROMIUM_ENV, str(broken))
    notebook = _small_pack_notebook(tmp_path / "small.ipynb")
    outputs = tmp_path / "outputs"
    runs = [run_packs(outputs=outputs, services=["planning"], jobs=1, pdf=True,
                      notebook=notebook, progress=False) for _ in range(2)]
    folder = outputs / "2025-26-Q2" / "planning"
    first = runs[0].results[0]
    assert (first.status, runs[0].notes) == ("ok", ())
    # the page is printed in the pack's staging folder, before the pack is moved into place
    staged = re.escape(str(folder.parent.resolve())) + r"/\.planning-staging-[\w-]+/"
    assert re.fullmatch(
        re.escape(f"HTML only, no PDF: Chromium ({broken}) failed on ") + staged
        + re.escape(f"evidence_pack.html with exit status 5: out of memory. Check that it runs "
                    f"('{broken} --headless=new --dump-dom about:blank'), or set "
                    "PMRESEARCH_CHROMIUM to another Chrome/Chromium binary."), first.message)
    assert "pack for planning" in (folder / "evidence_pack.html").read_text(encoding="utf-8")
    assert not (folder / "evidence_pack.pdf").exists()
    manifest = json.loads((outputs / "2025-26-Q2" / "manifest.json").read_text())
    assert sorted(manifest["packs"]["planning"]["files"]) == [
        "evidence_pack.html", "evidence_pack.ipynb", "findings.csv", "improvement_actions.csv"]
    assert manifest["packs"]["planning"]["message"] == runs[1].results[0].message
    # the PDF is still missing, so the next run asking for it tries again
    assert runs[1].results[0].status == "ok"

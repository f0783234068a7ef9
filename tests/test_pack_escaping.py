"""Workspace text reaches a pack as text: a resident's comment, a PI's commentary, a service,
ward or council name that holds HTML or Markdown is shown as written, never run or rendered;
and the page's Content-Security-Policy forbids script even if something slipped through."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pmresearch.cli import main
from pmresearch.pdf import find_chromium, render_page
from pmresearch.report import CONTENT_SECURITY_POLICY, pack_document

needs_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="needs Chromium: sudo apt-get install chromium (or set PMRESEARCH_CHROMIUM); "
           ".ci/run installs it")

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
BOLD = "<b>bold</b>"
MARKDOWN = "**stars** _under_ [link](http://x)"
INJECTION = f"{IMG} {SCRIPT} {BOLD} {MARKDOWN}"

# C01815 is quoted whole in the demo's street cleansing pack (Council tax and value for money);
# with the injection appended it is still under quote_max_words and still quoted.
QUOTED_COMMENT = "C01815"
QUOTE = ("There are black bags, old tyres and a load of tyres at the end of our road. Another "
         "nearly 5% on the council tax, you must be joking. It used to be so much better. "
         f"Council tax goes up every year and services get worse. It's a shambles. {INJECTION}")
SERVICE_NAME = f"Street {BOLD} cleansing {IMG}"
WARD_NAME = f"Ashbrook {SCRIPT} Central"
COUNCIL_NAME = f"Ashbrook {MARKDOWN} {IMG} Council"
TITLE = f"{SERVICE_NAME}: evidence pack, 2025-26 Q2"
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'


_FORMATTING = {"b", "strong", "em", "i"}


class _Page(HTMLParser):
    """The elements (tag and attributes) and the visible text of a page."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.title, self._in = "", []
        self.text: list[str] = []
        self.formatted: list[str] = []  # text inside bold, strong, emphasis or italics
        self._formatting = 0
        self.feed(page)
        self.close()
        self.visible = re.sub(r"\s+", " ", " ".join(self.text))

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))
        if tag in {"title", "style", "script"}:
            self._in.append(tag)
        self._formatting += tag in _FORMATTING

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()
        self._formatting -= tag in _FORMATTING

    def handle_data(self, data):
        if "title" in self._in:
            self.title += data
        elif not self._in:
            self.text.append(data)
            if self._formatting:
                self.formatted.append(data)


def _plant(workspace: Path) -> None:
    """The injections in a comment that becomes a quote, a PI's commentary and the service,
    ward and council names."""
    comments = pd.read_csv(workspace / "comments.csv", dtype=str, keep_default_na=False)
    quoted = comments["comment_id"] == QUOTED_COMMENT
    assert quoted.sum() == 1
    comments.loc[quoted, "text"] = comments.loc[quoted, "text"] + " " + INJECTION
    comments.to_csv(workspace / "comments.csv", index=False)

    values = pd.read_csv(workspace / "pi_values.csv", dtype=str, keep_default_na=False)
    values.loc[values["pi_id"].str.startswith("SC"), "commentary"] = INJECTION
    values.to_csv(workspace / "pi_values.csv", index=False)

    services = pd.read_csv(workspace / "services.csv", dtype=str, keep_default_na=False)
    services.loc[services["service_id"] == "street_cleansing", "service_name"] = SERVICE_NAME
    services.to_csv(workspace / "services.csv", index=False)

    wards = pd.read_csv(workspace / "wards.csv", dtype=str, keep_default_na=False)
    wards.loc[wards["ward_code"] == "AB01", "ward_name"] = WARD_NAME
    wards.to_csv(workspace / "wards.csv", index=False)

    council = yaml.safe_load((workspace / "council.yaml").read_text(encoding="utf-8"))
    council["name"] = COUNCIL_NAME
    (workspace / "council.yaml").write_text(yaml.safe_dump(council, allow_unicode=True),
                                            encoding="utf-8")


@pytest.fixture(scope="module")
def pack(demo_workspace, tmp_path_factory) -> Path:
    """The street cleansing pack of a workspace with the injections planted."""
    folder = tmp_path_factory.mktemp("escaping")
    workspace = Path(shutil.copytree(demo_workspace, folder / "ashbrook"))
    _plant(workspace)
    status = main(["packs", "--workspace", str(workspace), "--service", "street_cleansing",
                   "--outputs", str(folder / "out"), "--no-progress", "--jobs", "1"])
    assert status == 0
    return folder / "out" / "2025-26-Q2" / "street_cleansing" / "evidence_pack.html"


def test_the_pack_html_holds_no_planted_tag_and_forbids_script(pack):
    page = pack.read_text(encoding="utf-8")
    # neither the tags nor what Markdown would have made of the rest
    for made in ("<img src=x", "<script>alert", "<b>bold", "<strong>stars", "<em>under",
                 'href="http://x"'):
        assert made not in page, made
    assert page.count(CSP_META) == 1
    # first in <head> after the charset: the policy governs only what comes after it
    assert page.index(CSP_META) < page.index("<title>") < page.index("<style>")


@needs_chromium
def test_the_planted_text_is_shown_as_written_and_nothing_runs(pack):
    page = _Page(render_page(pack).dom)
    assert page.title == TITLE
    for text in (QUOTE, TITLE, f"{COUNCIL_NAME} · Environment directorate", WARD_NAME):
        assert text in page.visible, text
    # none of it became an element: no image, script, bold, emphasis or link of its making
    assert [a for tag, a in page.elements if tag == "img" and a.get("src") == "x"] == []
    assert [a for tag, a in page.elements if tag == "script"] == []
    assert [a for tag, a in page.elements if a.get("href") == "http://x"] == []
    # (the header sets the whole council name in bold: only a word of its own would be theirs)
    assert {"bold", "stars", "under"} & {text.strip() for text in page.formatted} == set()


@needs_chromium
def test_the_content_security_policy_stops_a_script_and_a_handler(tmp_path):
    # Raw HTML straight into the document: only the policy stands between it and the reader.
    fragment = ('<div class="cell"><p id="probe">untouched</p>'
                "<script>document.getElementById('probe').textContent = 'script ran'</script>"
                '<img src="x" onerror="document.getElementById(\'probe\').textContent = '
                "'handler ran'\"></div>")
    (tmp_path / "page.html").write_text(pack_document(fragment, title="T", provenance={}),
                                        encoding="utf-8")
    page = _Page(render_page(tmp_path / "page.html").dom)
    assert "untouched" in page.visible
    assert "ran" not in page.visible

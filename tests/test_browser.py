"""An evidence pack as a reader sees it: opened in headless Chromium, after its scripts ran."""

from __future__ import annotations

import base64
import re
import struct
from html.parser import HTMLParser

import nbformat
import pandas as pd
import pytest

from pmresearch.packs import pack_notebook_path, run_packs
from pmresearch.pdf import find_chromium, render_page
from pmresearch.workspace import DEMO_WORKSPACE

pytestmark = pytest.mark.skipif(
    find_chromium() is None,
    reason="needs Chromium: sudo apt-get install chromium (or set PMRESEARCH_CHROMIUM); "
           ".ci/run installs it")

TITLE = "Street cleansing: evidence pack, 2025-26 Q2"
# nbconvert's alt text for an image that has none: a screen reader would read only this.
NO_ALT = "No description has been provided for this image"
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}
_HIDDEN_TEXT = {"style", "script", "title", "template"}


class _Page(HTMLParser):
    """What a reader meets on the page: visible text, headings, images, and every element's
    tag, classes, attributes and enclosing classes."""

    def __init__(self, dom: str):
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, set[str]]] = []
        self.elements: list[tuple[str, dict, set[str]]] = []  # tag, attributes, classes above
        self.text: list[str] = []
        self.title = ""
        self.headings: list[tuple[str, str]] = []
        self._heading: list[str] | None = None
        self.feed(dom)
        self.close()
        self.visible = re.sub(r"\s+", " ", " ".join(self.text))

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        classes = set(attributes.get("class", "").split())
        above = set().union(*(c for _, c in self.open)) if self.open else set()
        self.elements.append((tag, attributes, above))
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = []
        if tag not in _VOID:
            self.open.append((tag, classes))

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.headings.append((tag, re.sub(r"\s+", " ", "".join(self._heading)).strip()))
            self._heading = None
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        tags = [t for t, _ in self.open]
        if "title" in tags:
            self.title += data
        if any(t in _HIDDEN_TEXT for t in tags):
            return
        self.text.append(data)
        # a heading's permalink ("¶") is not part of its text
        if self._heading is not None and "anchor-link" not in self.open[-1][1]:
            self._heading.append(data)

    def with_class(self, *names: str) -> list[tuple[str, dict, set[str]]]:
        return [e for e in self.elements
                if set(e[1].get("class", "").split()) & set(names)]


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """The street cleansing pack, made as the main job makes it, then opened in Chromium."""
    outputs = tmp_path_factory.mktemp("outputs")
    run = run_packs(outputs=outputs, services=["street_cleansing"], jobs=1, progress=False)
    assert run.ok, run.table()
    rendered = render_page(outputs / "2025-26-Q2" / "street_cleansing" / "evidence_pack.html")
    return rendered, _Page(rendered.dom)


def _notebook_cells(kind: str) -> list:
    """The pack notebook's cells of one kind that the pack shows (not tagged hide-in-pack)."""
    notebook = nbformat.read(pack_notebook_path(), as_version=4)
    return [c for c in notebook.cells if c.cell_type == kind
            and "hide-in-pack" not in c.metadata.get("tags", [])]


def test_the_page_is_titled_for_the_service_and_period(pack):
    _, page = pack
    assert page.title.strip() == TITLE
    assert page.headings[0] == ("h1", TITLE)
    assert "Ashbrook Borough Council" in page.visible


def test_the_page_shows_every_section_of_the_pack_notebook_in_order(pack):
    _, page = pack
    shown = [text for _, text in page.headings]
    # Pinned: the sections a reader of any pack relies on, under whatever number they have.
    for section in ("Findings and recommended actions", "Performance indicators",
                    "Resident satisfaction", "Change since the last survey"):
        assert any(re.fullmatch(rf"(\d+\. )?{section}", text) for text in shown), section
    # And every heading of the notebook's markdown cells, in the notebook's order.
    expected = [line.lstrip("#").strip() for cell in _notebook_cells("markdown")
                for line in cell.source.splitlines() if re.match(r"#{1,6} ", line)]
    assert len(expected) >= 8
    assert [heading for heading in expected if heading not in shown] == []
    positions = [shown.index(heading) for heading in expected]
    assert positions == sorted(positions)
    assert shown.index("Findings and recommended actions") < min(
        i for i, text in enumerate(shown) if re.match(r"\d+\. ", text))


def test_no_code_is_shown(pack):
    _, page = pack
    editors = page.with_class("jp-InputArea-editor", "jp-CodeMirrorEditor", "CodeMirror",
                              "input_area", "highlight", "jp-InputPrompt", "prompt")
    assert editors == []
    # an input area inside a code cell holds the cell's code (markdown cells have one too)
    assert [e for e in page.with_class("jp-InputArea") if "jp-CodeCell" in e[2]] == []
    for cell in _notebook_cells("code"):
        for line in cell.source.splitlines():
            assert line.strip() not in page.visible, line
    # the parameters cell Papermill injects (the provenance footer states them in prose)
    for code in ("sections.", "load_workspace", "import ", 'service_id = "', 'period = "'):
        assert code not in page.visible


def test_no_error_or_traceback_is_shown(pack):
    _, page = pack
    assert "Traceback" not in page.visible
    assert re.findall(r"\b\w+(?:Error|Exception|Warning)\b", page.visible) == []
    errors = page.with_class("jp-OutputArea-stderr", "output_stderr", "output_error")
    errors += [e for e in page.elements
               if e[1].get("data-mime-type") in {"application/vnd.jupyter.stderr",
                                                 "application/vnd.jupyter.error"}]
    assert errors == []


def test_no_respondent_level_row_is_shown(pack):
    rendered, page = pack
    assert "respondent_id" not in rendered.dom
    respondents = set(pd.read_csv(DEMO_WORKSPACE / "survey_responses.csv",
                                  usecols=["respondent_id"], dtype=str)["respondent_id"])
    assert len(respondents) > 5000
    # every word-like token of the page, attributes included, against the 5,900 identifiers
    tokens = set(re.findall(r"[\w-]+", rendered.dom))
    assert sorted(respondents & tokens) == []


def test_charts_are_images_in_the_page_with_a_description(pack):
    _, page = pack
    images = [attributes for tag, attributes, _ in page.elements if tag == "img"]
    charts = [a for a in images if a.get("src", "").startswith("data:image/png;base64,")]
    assert len(charts) >= 3
    assert len(charts) == len(images), "every image is embedded in the page"
    for chart in charts:
        png = base64.b64decode(chart["src"].split(",", 1)[1])
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
        assert width >= 200 and height >= 100
        assert chart.get("alt", "").strip() not in ("", NO_ALT)


def test_the_page_asks_for_nothing_from_the_network(pack):
    rendered, page = pack
    # what Chromium itself recorded the page requesting (scripts, styles, fonts, images …)
    assert rendered.requests == ()
    # and no element points outside the page
    outside = [(tag, name, value[:80]) for tag, attributes, _ in page.elements
               for name, value in attributes.items()
               if name in {"src", "href", "srcset", "action", "data", "poster", "xlink:href"}
               and re.match(r"\s*(https?:)?//", value)]
    assert outside == []
    assert re.findall(r"url\(\s*['\"]?(?:https?:)?//", rendered.dom) == []
    # nor does the text send the reader anywhere (no plain links in the prose)
    assert re.findall(r"https?://\S+", page.visible) == []


"""Workspace text reaches a pack as text: every free-text field of the workspace contract (a
resident's comment and its source, a PI's name, unit and commentary, a survey question and the
respondents' categories, service, ward and council names …) holding HTML, Markdown, mathematics
or a spreadsheet formula is shown as written, never run or rendered; and the page's
Content-Security-Policy forbids script even if something slipped through. One pack is made for
all the fields together."""

from __future__ import annotations

import re
import shutil
from functools import partial
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pmresearch.packs import run_packs
from pmresearch.pdf import find_chromium, render_page
from pmresearch.report import CONTENT_SECURITY_POLICY, pack_document

needs_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="needs Chromium: sudo apt-get install chromium (or set PMRESEARCH_CHROMIUM); "
           ".ci/run installs it")

# Each handler or script would retitle the page: a title other than the pack's shows it ran
# (and, unlike alert(), it cannot leave the browser waiting).
IMG = """<img src=x onerror="document.title='ran'">"""
SCRIPT = "<script>document.title='ran'</script>"
BOLD = "<b>bold</b>"
MARKDOWN = "**x** [a](javascript:alert(1))"
MATH = "$x$"
FORMULA = "=cmd|' /C calc'!A0"
INJECTION = f"{IMG} {SCRIPT} {BOLD} {MARKDOWN} {MATH}"


def hostile(tag: str) -> str:
    """What is planted at the start of each field: a spreadsheet formula, the field's tag (to
    find it on the page), HTML, Markdown and mathematics."""
    return f"{FORMULA} {tag} {INJECTION}"


SERVICE = "street_cleansing"
# Every comment on the service ends with INJECTION, so that whichever the pack quotes carries
# it. (The formula and tag are left out: their capitals could read as a name the redaction
# missed, and a comment holding one is never quoted.)
# A wave is a name of at most 80 characters on one line: it gets a shorter injection, after
# its own name so that the waves keep their order.
WAVE_INJECTION = f"{BOLD} {MATH} **x**"

# Every free-text column of the workspace contract (docs/workspace.md), by file, besides the
# council's name, the waves, the respondents' categories, the comments' text and the council's
# own parameters (its themes' labels, the service's pack title) planted below.
# The street cleansing pack shows those in SHOWN; the others (ward type, survey mode, PI
# frequency, numerator and denominator labels, benchmark groups, portfolio, tenure, coder, and a
# comment's question, consultation, respondent type and demographics) are planted too, so that
# the page is checked for anything of theirs that became markup.
TEXT_COLUMNS = {
    "wards": ("ward_name", "urban_rural"),
    "survey_waves": ("mode",),
    "survey_items": ("question",),
    "services": ("service_name", "directorate", "portfolio"),
    "indicators": ("name", "unit", "frequency", "numerator_label", "denominator_label",
                   "benchmark_group"),
    "benchmarks": ("comparator_group",),
    "pi_values": ("commentary",),
    "comments": ("source", "question_text", "consultation_id", "respondent_type", "age_band",
                 "sex", "ethnic_group", "disability"),
    "hand_coded": ("coder",),
}
# The weighting variables: their categories are renamed alike in the responses and margins.
CATEGORIES = ("age_band", "sex", "ethnic_group", "tenure", "disability")
SHOWN = ("council:name", "wards:ward_name", "survey_waves:wave", "survey_items:question",
         "services:service_name", "services:directorate", "indicators:name", "indicators:unit",
         "pi_values:commentary", "comments:source", "survey_responses:age_band",
         "survey_responses:sex", "survey_responses:ethnic_group", "survey_responses:disability",
         "codeframe:label", "service:title")
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


def _edit(workspace: Path, stem: str, change) -> None:
    table = pd.read_csv(workspace / f"{stem}.csv", dtype=str, keep_default_na=False)
    change(table)
    table.to_csv(workspace / f"{stem}.csv", index=False)


def _prefix(table: pd.DataFrame, column: str, planted: dict, key: str) -> None:
    """Put ``hostile(key)`` before every filled cell of ``column``; note what was planted."""
    filled = table[column] != ""
    table.loc[filled, column] = hostile(key) + " " + table.loc[filled, column]
    planted[key] = sorted(set(table.loc[filled, column]))


def _prefix_all(table: pd.DataFrame, *, columns: tuple[str, ...], planted: dict,
                stem: str) -> None:
    for column in columns:
        _prefix(table, column, planted, f"{stem}:{column}")


def _plant(workspace: Path) -> dict[str, list[str]]:
    """Plant the injections in every free-text field of the workspace; the values planted, by
    ``file:column``."""
    planted: dict[str, list[str]] = {}
    for stem, columns in TEXT_COLUMNS.items():
        _edit(workspace, stem, partial(_prefix_all, columns=columns, planted=planted, stem=stem))

    def categories(table: pd.DataFrame) -> None:
        for column in CATEGORIES:
            _prefix(table, column, planted, f"survey_responses:{column}")

    def margins(table: pd.DataFrame) -> None:
        for variable in CATEGORIES:
            rows = table["variable"] == variable
            table.loc[rows, "category"] = (hostile(f"survey_responses:{variable}") + " "
                                           + table.loc[rows, "category"])

    _edit(workspace, "survey_responses", categories)
    _edit(workspace, "population_margins", margins)

    def waves(table: pd.DataFrame) -> None:
        if "wave" not in table:  # optional in population_margins
            return
        named = table["wave"] != ""
        table.loc[named, "wave"] = table.loc[named, "wave"] + " " + WAVE_INJECTION
        planted["survey_waves:wave"] = sorted(set(table.loc[named, "wave"]))
    for stem in ("survey_responses", "population_margins", "survey_waves"):
        _edit(workspace, stem, waves)

    def quotable(table: pd.DataFrame) -> None:
        service = table["service_id"] == SERVICE
        table.loc[service, "text"] = table.loc[service, "text"] + " " + INJECTION
        planted["comments:text"] = table.loc[service, "text"].tolist()
    _edit(workspace, "comments", quotable)

    def council(data: dict) -> None:
        data["name"] = f"{hostile('council:name')} {data['name']}"
        planted["council:name"] = [data["name"]]

    def codes(data: dict) -> None:
        for code in data["codes"]:
            code["label"] = f"{hostile('codeframe:label')} {code['label']}"
        planted["codeframe:label"] = [code["label"] for code in data["codes"]]

    def service(data: dict) -> None:
        data["title"] = f"{hostile('service:title')} Streets"
        planted["service:title"] = [data["title"]]

    for path, change in (("council.yaml", council), ("parameters/codeframe.yaml", codes),
                         (f"parameters/services/{SERVICE}.yaml", service)):
        data = yaml.safe_load((workspace / path).read_text(encoding="utf-8"))
        change(data)
        (workspace / path).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return planted


@pytest.fixture(scope="module")
def pack(demo_workspace, tmp_path_factory) -> tuple[Path, dict[str, list[str]], str]:
    """The street cleansing pack of a workspace with the injections planted in every free-text
    field, the values planted, and the pack's title."""
    folder = tmp_path_factory.mktemp("escaping")
    workspace = Path(shutil.copytree(demo_workspace, folder / "workspace"))
    planted = _plant(workspace)
    run = run_packs(workspace=workspace, services=[SERVICE], outputs=folder / "out", jobs=1,
                    progress=False)
    assert [(r.status, r.message) for r in run.results] == [("ok", "")]
    title = f"{planted['service:title'][0]}: evidence pack, {run.period}"
    return run.output_dir / SERVICE / "evidence_pack.html", planted, title


def test_the_pack_html_holds_no_planted_tag_and_forbids_script(pack):
    page = pack[0].read_text(encoding="utf-8")
    # neither the tags nor what Markdown would have made of the rest
    for made in ("<img src=x", "<script>document", "<b>bold", "<strong>x", "<em>x",
                 'href="javascript:'):
        assert made not in page, made
    assert page.count(CSP_META) == 1
    # first in <head> after the charset: the policy governs only what comes after it
    assert page.index(CSP_META) < page.index("<title>") < page.index("<style>")


@pytest.fixture(scope="module")
def shown(pack) -> _Page:
    if find_chromium() is None:
        pytest.skip("needs Chromium: sudo apt-get install chromium (or set PMRESEARCH_CHROMIUM)")
    return _Page(render_page(pack[0]).dom)


def test_every_shown_field_appears_as_written(pack, shown):
    _, planted, _ = pack
    missing = {field: planted[field][:2] for field in SHOWN
               if not any(value in shown.visible for value in planted[field])}
    assert missing == {}
    # the top issues quote some of the service's comments whole
    assert any(text in shown.visible for text in planted["comments:text"])
    # a spreadsheet's formula guard (a leading ') belongs in CSV files, not on the page
    assert FORMULA in shown.visible and "'" + FORMULA not in shown.visible


def test_no_planted_markup_became_an_element_and_no_handler_ran(pack, shown):
    # the handlers and scripts would have retitled the page
    assert shown.title == pack[2]
    assert [a for tag, a in shown.elements if tag == "img" and a.get("src") == "x"] == []
    assert [a for tag, a in shown.elements if tag == "script"] == []
    assert [a for tag, a in shown.elements
            if a.get("href", "").lower().startswith("javascript:")] == []
    # (the header sets the whole council name in bold: only a word of its own would be theirs)
    assert {"bold", "x", "a"} & {text.strip() for text in shown.formatted} == set()


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

"""The evidence pack as a document: one self-contained HTML file styled as a council report.

:func:`pack_document` wraps the executed notebook's outputs (rendered by nbconvert's ``basic``
template, which loads nothing from the internet) in a page with the council's report styling, a
contents list built from the numbered sections, print rules (A4, no split tables or figures,
link targets not printed) and a provenance footer with the inputs' SHA-256, the parameters and
the package version. Everything it needs is inside the file: it opens offline and as an e-mail
attachment.

:func:`chart` shows a figure the accessible way: a PNG with alt text and a caption, and the data
behind it in a table under a "Data behind this chart" toggle (open when printed).
"""

from __future__ import annotations

import base64
import html
import re

import pandas as pd
from IPython.display import HTML
from matplotlib.figure import Figure

from .plots import figure_png

__all__ = ["CONTENT_SECURITY_POLICY", "REPORT_CSS", "chart", "contents", "pack_document",
           "provenance_footer"]

#: What the pack's browser may load or run: no script at all (residents' comments and other
#: workspace text are escaped, and this stops anything that slipped through from running),
#: only the inline styles and the charts' data-URI images the page carries, nothing from the
#: network, no forms and no <base> rewriting its links.
CONTENT_SECURITY_POLICY = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                           "font-src data:; base-uri 'none'; form-action 'none'")

#: The report's style: plain, high-contrast (body text #111 on white, 18.9:1), readable printed.
REPORT_CSS = """
body { font-family: Arial, Helvetica, sans-serif; color: #111; background: #fff; margin: 0;
       line-height: 1.45; font-size: 15px; }
main, header.report-title, nav.contents, footer.provenance { max-width: 70rem; margin: 0 auto;
       padding: 0 1.5rem; }
h1 { font-size: 1.9rem; margin: 1.5rem 0 .4rem; color: #0b2545; }
h2 { font-size: 1.45rem; margin: 2.2rem 0 .6rem; padding-top: .6rem; color: #0b2545;
     border-top: 3px solid #0b2545; }
h3 { font-size: 1.15rem; margin: 1.6rem 0 .4rem; color: #0b2545; }
a { color: #0b4f9c; }
a.anchor-link { display: none; }
code { font-family: Consolas, "Courier New", monospace; font-size: .92em; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #8a8a8a; padding: .3rem .55rem; text-align: left; vertical-align: top; }
th { background: #e8edf3; }
caption { caption-side: top; text-align: left; font-style: italic; padding: .3rem 0; color: #333; }
blockquote { margin: .5rem 0 .8rem 1rem; padding-left: .8rem; border-left: 4px solid #5b6b7b; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; }
figcaption { font-size: .9rem; color: #333; margin: .3rem 0; }
details summary { cursor: pointer; color: #0b4f9c; }
nav.contents { border: 1px solid #8a8a8a; padding: .6rem 1.2rem; margin-top: 1rem; }
nav.contents h2 { border: 0; margin: .2rem 0; padding: 0; font-size: 1.1rem; }
nav.contents ul { margin: .2rem 0; padding-left: 0; list-style: none; }
footer.provenance { margin-top: 3rem; padding-top: .8rem; border-top: 1px solid #8a8a8a;
       font-size: .8rem; color: #333; }
footer.provenance td { font-family: Consolas, "Courier New", monospace; font-size: .75rem; }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  body { font-size: 10.5pt; }
  main, header.report-title, nav.contents, footer.provenance { max-width: none; padding: 0; }
  h2 { break-before: auto; break-after: avoid; }
  h3 { break-after: avoid; }
  table, figure, blockquote { break-inside: avoid; }
  details > *:not(summary) { display: block; }
  details summary { display: none; }
  a { color: #111; text-decoration: none; }
}
"""

_H2 = re.compile(r'<h2 id="([^"]+)">(.*?)<a class="anchor-link"', re.S)


def contents(fragment: str) -> str:
    """A contents list of the fragment's section headings (``<h2>``), linked to each.

    Examples
    --------
    >>> contents('<h2 id="1.-PIs">1. PIs<a class="anchor-link" href="#1.-PIs">¶</a></h2>')
    '<nav class="contents" aria-label="Contents"><h2>Contents</h2><ul><li><a href="#1.-PIs">1. PIs</a></li></ul></nav>'
    """
    items = "".join(f'<li><a href="#{anchor}">{re.sub(r"<[^>]+>", "", text)}</a></li>'
                    for anchor, text in _H2.findall(fragment))
    return (f'<nav class="contents" aria-label="Contents"><h2>Contents</h2><ul>{items}</ul></nav>'
            if items else "")


def provenance_footer(provenance: dict) -> str:
    """The footer: package version, parameters and every input's SHA-256.

    ``provenance`` has ``version`` (str), ``parameters`` (dict) and ``inputs`` (name →
    SHA-256); the same content always gives the same footer.
    """
    esc = html.escape
    rows = "".join(f"<tr><td>{esc(name)}</td><td>{esc(digest)}</td></tr>"
                   for name, digest in sorted(provenance.get("inputs", {}).items()))
    parameters = "; ".join(f"{esc(k)} = {esc(str(v))}"
                           for k, v in sorted(provenance.get("parameters", {}).items()))
    return (f'<footer class="provenance"><p><strong>Provenance.</strong> Made by pmresearch '
            f'{esc(provenance.get("version", ""))} with the parameters: {parameters}. The '
            f"inputs and their SHA-256 (the same inputs always give the same pack):</p>"
            f"<table><thead><tr><th>input</th><th>SHA-256</th></tr></thead><tbody>{rows}"
            "</tbody></table></footer>")


def pack_document(fragment: str, *, title: str, provenance: dict) -> str:
    """A whole HTML page around an executed pack's rendered outputs.

    Parameters
    ----------
    fragment : str
        The notebook rendered by nbconvert's ``basic`` template without code (its first
        output is the title block).
    title : str
        The page title (browser tab, PDF metadata).
    provenance : dict
        As :func:`provenance_footer`.

    Returns
    -------
    str
        A complete ``<!DOCTYPE html>`` document with no external resources, whose
        :data:`CONTENT_SECURITY_POLICY` forbids scripts.

    Examples
    --------
    >>> page = pack_document('<div class="cell"><h1 id="t">T</h1></div>'
    ...                      '<div class="cell"><h2 id="1.-A">1. A<a class="anchor-link" '
    ...                      'href="#1.-A">¶</a></h2></div>', title="T", provenance={})
    >>> page.startswith("<!DOCTYPE html>"), "://" in page, page.index("Contents") > page.index(">T<")
    (True, False, True)
    >>> f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">' in page
    True
    """
    # The contents go after the title block: the first cell.
    cells = fragment.split('<div class="cell', 2)
    if len(cells) == 3:
        fragment = (cells[0] + '<div class="cell' + cells[1] + contents(fragment)
                    + '<div class="cell' + cells[2])
    else:
        fragment = contents(fragment) + fragment
    # The policy comes first in <head>: it governs only what the page loads after it.
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>{REPORT_CSS}</style>\n</head>\n<body>\n"
            f"<main>\n{fragment}\n</main>\n{provenance_footer(provenance)}\n</body>\n</html>\n")


def chart(figure: Figure, *, alt: str, caption: str, data: pd.DataFrame,
          formats: dict[str, str] | None = None) -> HTML:
    """A figure as an accessible HTML block: the PNG with ``alt`` text, a caption, and the data
    behind it as a table (folded on screen, shown when printed).

    Examples
    --------
    >>> block = chart(Figure(figsize=(1, 1)), alt="An empty chart", caption="Nothing",
    ...               data=pd.DataFrame({"x": [1.5]}), formats={"x": "{:.1f}"})
    >>> 'alt="An empty chart"' in block.data and "<td>1.5</td>" in block.data
    True
    """
    png = base64.b64encode(figure_png(figure)).decode("ascii")
    shown = data.copy()
    for column, spec in (formats or {}).items():
        shown[column] = [("–" if pd.isna(v) else spec.format(v)) for v in shown[column]]
    table = shown.to_html(index=False, na_rep="–", border=0, escape=True)
    return HTML(f'<figure><img src="data:image/png;base64,{png}" alt="{html.escape(alt)}">'
                f"<figcaption>{html.escape(caption)}</figcaption>"
                f"<details><summary>Data behind this chart</summary>{table}</details></figure>")

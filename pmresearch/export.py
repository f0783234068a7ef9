"""An executed pack notebook as the HTML pack: its outputs without code, in the report page.

nbconvert renders the cells (the ``basic`` template: no page template loading scripts from the
internet) without code or prompts, leaving out the set-up cells tagged ``hide-in-pack`` and the
parameters Papermill injected; :func:`pmresearch.report.pack_document` wraps them in a
self-contained page with the title, a contents list and the provenance footer.
"""

from __future__ import annotations

import functools

from .report import pack_document

__all__ = ["HIDDEN_IN_PACK", "html_without_code"]

#: Cell tags left out of the pack: set-up cells (imports, notes to the analyst) and the
#: parameters Papermill injected are not for the pack's readers.
HIDDEN_IN_PACK = frozenset({"hide-in-pack", "injected-parameters"})


@functools.cache
def _html_exporter():
    """One exporter per process: building its template environment is the slow part."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=set(HIDDEN_IN_PACK)), enabled=True)
    return exporter


def html_without_code(notebook, *, title: str, provenance: dict) -> str:
    """An executed notebook as a self-contained HTML report without code or prompts.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The executed notebook.
    title : str
        The page's title (browser tab, PDF metadata), such as
        ``'Parks: evidence pack, 2025-26 Q2'``.
    provenance : dict
        As :func:`pmresearch.report.provenance_footer`.

    Returns
    -------
    str
        A complete HTML document (:func:`pmresearch.report.pack_document`).

    Examples
    --------
    >>> from nbformat.v4 import new_markdown_cell, new_notebook, new_output
    >>> from nbformat.v4 import new_code_cell
    >>> cell = new_code_cell("print('hidden code')", outputs=[
    ...     new_output("stream", name="stdout", text="shown output")])
    >>> page = html_without_code(new_notebook(cells=[new_markdown_cell("# Parks"), cell]),
    ...                          title="Parks: evidence pack", provenance={})
    >>> "<title>Parks: evidence pack</title>" in page, "shown output" in page, "hidden code" in page
    (True, True, False)
    """
    body, _ = _html_exporter().from_notebook_node(notebook)
    return pack_document(body, title=title, provenance=provenance)

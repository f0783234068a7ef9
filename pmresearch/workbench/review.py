"""The coding workbench: a workspace to code in, sheets of comments to code by hand, and how
the coding went.

:func:`coding_workspace` gives a temporary copy of the demo, so the demo shipped with the
package is never written to; :func:`coding_sample` and :func:`review_sheet` make sheets for
the analyst to fill in (saved with :func:`~pmresearch.workbench.save_hand_codes`);
:func:`coding_summary`, :func:`reliability_table` and :func:`rules_confusion` show how the
comments were coded and how far the coding agrees with the hand-coded sample.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import time
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
from IPython.display import Markdown
from pandas.io.formats.style import Styler

from ..coding.coder import code_by_rules, reference_coder
from ..coding.redact import redact
from ..coding.reliability import confusion_table
from ..workspace import DEMO_WORKSPACE, Workspace, load_workspace
from ..sections import styled_table as styled
from .hand_codes import SENTIMENTS, codes_to_save, hand_codes_by_coder

__all__ = ["SHEET_COLUMNS", "coding_sample", "coding_summary", "coding_workspace", "fill_codes",
           "fill_demo_stand_in", "reliability_table", "reload", "review_sheet", "rules_confusion",
           "show_sheet", "workspace_note"]

#: Columns of a coding sheet (:func:`coding_sample`, :func:`review_sheet`): the comment, what
#: the coder suggests, then ``coder``, ``sentiment`` and ``themes`` for the analyst to fill in.
SHEET_COLUMNS = ["comment_id", "service_id", "source", "text", "suggested_sentiment",
                 "confidence", "why", "suggested_themes", "coder", "sentiment", "themes"]

_DEMO_COPIES: set[Path] = set()  # temporary demo copies made in this process
_COPY_PREFIX = "pmresearch-demo-"


# ------------------------------------------------------------------ the workspace coded in


def coding_workspace(workspace: str | Path = "", *,
                     parameters_dir: str | Path | None = None) -> Workspace:
    """The workspace the coding workbench codes and saves into.

    ``""`` (the notebooks' default) copies the Ashbrook demo to a temporary folder, deleted
    when the Python process ends, and loads the copy: the demo shipped with pmresearch is never
    written to. Any other value is a council's workspace folder, loaded as it is.

    Raises
    ------
    ValueError
        If ``workspace`` is the shipped demo folder itself.

    Examples
    --------
    >>> ws = coding_workspace()
    >>> ws.path != DEMO_WORKSPACE, ws.council["name"]
    (True, 'Ashbrook Borough Council')
    """
    if str(workspace).strip():
        path = Path(workspace)
        if path.resolve() == DEMO_WORKSPACE.resolve():
            raise ValueError(f"{path} is the demo shipped with pmresearch, which the workbench "
                             "never changes. Leave workspace empty to work on a temporary copy, "
                             "or write your own copy with `pmresearch demo --out DIR`.")
        return load_workspace(path, parameters_dir=parameters_dir)
    _sweep_stale_copies()
    folder = Path(tempfile.mkdtemp(prefix=_COPY_PREFIX)) / "ashbrook"
    shutil.copytree(DEMO_WORKSPACE, folder)
    atexit.register(shutil.rmtree, folder.parent, True)
    _DEMO_COPIES.add(folder.resolve())
    # Not cached: the copy's path is new every time, so a cache entry would never be read again.
    return load_workspace(folder, parameters_dir=parameters_dir, cache=False)


def _sweep_stale_copies() -> None:
    """Delete demo copies over a day old: a kernel that is killed (as test runners and a
    crashed JupyterLab do) never runs its exit handlers, so its copy would stay behind."""
    cutoff = time.time() - 24 * 3600
    for folder in Path(tempfile.gettempdir()).glob(f"{_COPY_PREFIX}*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue  # another user's folder, or gone already


def _is_demo_copy(ws: Workspace) -> bool:
    return ws.path.resolve() in _DEMO_COPIES


def reload(ws: Workspace) -> Workspace:
    """The workspace loaded again from its files (after
    :func:`~pmresearch.workbench.save_hand_codes`), validated."""
    return load_workspace(ws.path, parameters_dir=ws.parameters.directory,
                          cache=not _is_demo_copy(ws))


def _reference(ws: Workspace, coder: str = "") -> str:
    if coder.strip():
        return coder.strip()
    if ws.hand_coded is None or ws.hand_coded.empty:
        raise ValueError("the workspace has no hand_coded.csv, so there is no reference coder "
                         "to code as: give your coder name, e.g. coder='your_name'.")
    return reference_coder(ws.hand_coded, ws.parameters.settings["coding"])


def workspace_note(ws: Workspace) -> Markdown:
    """Which workspace the workbench works on, where codes are saved, and who coded so far."""
    counts = hand_codes_by_coder(ws)
    coders = counts[counts["coder"] != "all coders"]
    who = ", ".join(f"{row.coder} ({row.rows:,})" for row in coders.itertuples())
    sample = (f"`hand_coded.csv` holds {int(coders['rows'].sum()):,} codes: {who}. The model "
              f"learns from the reference coder, **{_reference(ws)}**." if len(coders) else
              "The workspace has no hand-coded sample yet: codes saved below start "
              "`hand_coded.csv`.")
    where = ("**A temporary copy of the Ashbrook demo workspace.** Codes saved below go to the "
             "copy's `hand_coded.csv`, which is deleted when the notebook's kernel stops; the "
             "demo shipped with pmresearch is never changed." if _is_demo_copy(ws) else
             f"**The workspace `{ws.path.name}` ({ws.council['name']}).** Codes saved below "
             "are added to its `hand_coded.csv`; rows already there are kept.")
    return Markdown(f"{where}\n\n{sample}")


# ------------------------------------------------------------------ sheets to code by hand


def _sheet(frame: pd.DataFrame, coder: str) -> pd.DataFrame:
    sheet = frame.reindex(columns=SHEET_COLUMNS)
    sheet["coder"], sheet["sentiment"], sheet["themes"] = coder, "", ""
    return sheet.reset_index(drop=True)


def coding_sample(ws: Workspace, *, n: int = 10, coder: str = "", service_id: str = "",
                  seed: int = 0) -> pd.DataFrame:
    """A random sample of comments not yet coded by ``coder``, as a sheet to code by hand.

    Growing the hand-coded sample at random keeps its reliability figures typical of all the
    comments. Each row carries the redacted text and what the rules suggest, with their reasons.

    Parameters
    ----------
    ws : Workspace
    n : int
        Comments in the sample (fewer if fewer are left).
    coder : str
        Whose sample to grow; the reference coder by default.
    service_id : str
        Only this service's comments; every comment by default.
    seed : int
        Seed of the random draw (the same seed draws the same comments).

    Returns
    -------
    DataFrame
        Columns :data:`SHEET_COLUMNS`, in the comments' order; ``confidence`` is blank (rules).
    """
    coder = _reference(ws, coder)
    comments = ws.comments
    pool = comments[comments["service_id"] == service_id] if service_id else comments
    if ws.hand_coded is not None:
        done = ws.hand_coded.loc[ws.hand_coded["coder"] == coder, "comment_id"]
        pool = pool[~pool["comment_id"].isin(done)]
    picked = pool.sample(n=min(n, len(pool)), random_state=seed).sort_index()
    text = redact(picked["text"]).text  # nothing else may see the unredacted text
    rules = code_by_rules(text, ws.parameters, explain=True)
    return _sheet(picked.assign(text=text, suggested_sentiment=rules["sentiment"],
                                confidence=np.nan, why=rules["why"],
                                suggested_themes=rules["themes"]), coder)


def review_sheet(ws: Workspace, coded, *, coder: str = "", service_id: str = "") -> pd.DataFrame:
    """The review queue of :func:`pmresearch.coding.code_comments` as a sheet to fill in.

    ``coder`` is filled in on every row (the reference coder by default, whose codes train the
    model); ``sentiment`` and ``themes`` are left blank for the analyst.

    Returns
    -------
    DataFrame
        Columns :data:`SHEET_COLUMNS`, in the queue's order; ``service_id`` keeps one service.
    """
    queue = coded.review_queue
    if service_id:
        queue = queue[queue["service_id"] == service_id]
    return _sheet(queue, _reference(ws, coder))


def show_sheet(sheet: pd.DataFrame, *, rows: int = 10, filled_only: bool = False) -> Styler:
    """The first ``rows`` rows of a coding sheet laid out for reading the comments; with
    ``filled_only``, the rows that carry codes (what
    :func:`~pmresearch.workbench.save_hand_codes` would save)."""
    if filled_only:
        sheet = codes_to_save(sheet).reindex(columns=SHEET_COLUMNS)
        sheet["confidence"] = pd.to_numeric(sheet["confidence"], errors="coerce")
    # Rounded down, so a comment queued at 0.7483 never shows the threshold's 0.75 (the 1e-9
    # keeps 0.29, stored as 28.999… hundredths, at 0.29).
    sheet = sheet.assign(confidence=np.floor(sheet["confidence"] * 100 + 1e-9) / 100)
    caption = (f"{len(sheet):,} coded rows to save" if filled_only else
               f"{min(rows, len(sheet)):,} of {len(sheet):,} comments to code")
    caption += ". Confidence (rounded down) is the model's; blank where the rules suggest"
    return styled(sheet.head(rows), {
        "comment_id": "Comment", "service_id": "Service", "text": "Text (redacted)",
        "suggested_sentiment": "Suggested sentiment", "confidence": "Confidence",
        "why": "Why (terms that moved the score)", "suggested_themes": "Suggested themes",
        "coder": "Coder", "sentiment": "Sentiment", "themes": "Themes"},
        {"confidence": "{:.2f}"}, caption=caption,
    ).set_properties(subset=["Text (redacted)"], **{"text-align": "left", "min-width": "28em"})


def fill_codes(sheet: pd.DataFrame, codes: Mapping[str, tuple[str, str | list[str]]]
               ) -> pd.DataFrame:
    """A copy of ``sheet`` with the analyst's codes: ``{comment_id: (sentiment, themes)}``.

    Themes are ``"PL1;X3"`` or ``["PL1", "X3"]``. Values are checked when saved.

    Examples
    --------
    >>> sheet = pd.DataFrame({"comment_id": ["C1", "C2"], "coder": "ann", "sentiment": "",
    ...                       "themes": ""})
    >>> fill_codes(sheet, {"C2": ("negative", ["H1", "X3"])}).values.tolist()
    [['C1', 'ann', '', ''], ['C2', 'ann', 'negative', 'H1;X3']]
    """
    listed = set(sheet["comment_id"])
    unknown = [cid for cid in codes if cid not in listed]
    if unknown:
        raise ValueError(f"comments {', '.join(map(repr, unknown))} are not in the sheet; "
                         "code only the comments it lists.")
    filled = sheet.copy()
    for comment_id, (sentiment, themes) in codes.items():
        row = filled["comment_id"] == comment_id
        themes = themes if isinstance(themes, str) else ";".join(themes)
        filled.loc[row, ["sentiment", "themes"]] = [sentiment, themes]
    return filled


def fill_demo_stand_in(ws: Workspace, sheet: pd.DataFrame, *, rows: int = 5) -> pd.DataFrame:
    """A stand-in for the analyst's typing, in the temporary demo copy only.

    The demo's ``comments.csv`` carries the generator's true ``sentiment`` and ``themes``;
    the first ``rows`` rows of the sheet are filled from them. In any other workspace the sheet
    comes back unfilled, so running a notebook never saves made-up codes to a council's file.
    """
    filled = sheet.copy()
    if not _is_demo_copy(ws):
        return filled
    truth = ws.comments.set_index("comment_id")
    first = filled.index[:rows]
    ids = filled.loc[first, "comment_id"]
    filled.loc[first, "sentiment"] = truth.loc[ids, "sentiment"].to_numpy()
    filled.loc[first, "themes"] = truth.loc[ids, "themes"].to_numpy()
    return filled


# ------------------------------------------------------------------ how the coding went


def coding_summary(coded) -> pd.DataFrame:
    """How each comment's sentiment was decided: by hand, by the model, or left for review."""
    source = coded.comments["sentiment_source"].replace(
        {"review": "awaiting review", "model": "model (confident enough)"})
    counts = source.value_counts().sort_index()
    return pd.DataFrame({"decided_by": counts.index, "comments": counts.to_numpy(),
                         "pct": (100 * counts / counts.sum()).round(1).to_numpy()})


def reliability_table(coded) -> Styler:
    """The coding's reliability (:attr:`~pmresearch.coding.CodedComments.reliability`)."""
    return styled(coded.reliability, {
        "comparison": "Comparison", "what": "Coding of", "n": "Comments",
        "percent_agreement": "% agreement", "cohens_kappa": "Cohen's kappa",
        "krippendorff_alpha": "Krippendorff's alpha", "macro_f1": "Macro F1"},
        {"n": "{:,}", "percent_agreement": "{:.0f}", "cohens_kappa": "{:.2f}",
         "krippendorff_alpha": "{:.2f}", "macro_f1": "{:.2f}"})


def rules_confusion(ws: Workspace, coded) -> pd.DataFrame:
    """The rules' sentiment (columns) against the reference coder's (rows), in comments."""
    coder = _reference(ws)
    sample = ws.hand_coded[ws.hand_coded["coder"] == coder]
    rules = coded.comments.set_index("comment_id").loc[sample["comment_id"], "rule_sentiment"]
    table = confusion_table(sample["sentiment"].to_numpy(object), rules.to_numpy(object),
                            labels=list(SENTIMENTS))
    return table.rename_axis(index=f"{coder} said", columns="rules said")

"""Residents' comments in a pack: where they came from, the themes they raised, the top issues
with quotes, how far the coding can be trusted, and complaints and compliments.

Every section counts the comments dated in the four quarters ending with the pack's period
(:func:`pmresearch.linkage.comment_window`), as counts received, never as shares of residents.
Sections read a comment's source by its role (:func:`pmresearch.sources.source_roles`), never
by the council's spelling of it.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown
from pandas.io.formats.style import Styler

from .. import coding, linkage
from ..sources import ROLE_LABELS, source_roles
from ..workspace import Workspace
from ._common import _md, _theme_names, styled_table

__all__ = ["coding_reliability", "comments_by_source", "complaints_and_compliments",
           "theme_table", "top_issues"]


def _service_comments(coded: coding.CodedComments, service_id: str, start: pd.Timestamp,
                      end: pd.Timestamp) -> pd.DataFrame:
    """The coded comments about ``service_id`` dated from ``start`` to ``end``."""
    comments = coded.comments
    dates = pd.to_datetime(comments["date"])
    return comments[(comments["service_id"] == service_id) & dates.between(start, end)]


def _themes(ws: Workspace, service_id: str, period: str) -> pd.DataFrame:
    start, end = linkage.comment_window(ws, period)
    table = coding.theme_summary(coding.coded_comments(ws), ws.parameters.codeframe, service_id,
                                 start, end, ws.parameters.settings["coding"])
    table.attrs.update(start=start, end=end)
    return table


def comments_by_source(ws: Workspace, service_id: str, period: str) -> Styler:
    """Comments about the service received in the four quarters ending with ``period``, by
    source as the council spelt it, each with its role (``settings.sources`` in rules.yaml)."""
    start, end = linkage.comment_window(ws, period)
    table = coding.comment_counts(ws.comments, service_id, start, end)
    sources = table["source"].iloc[:-1]  # the last row is "All sources"
    roles = source_roles(sources, ws.parameters.settings)
    table["role"] = roles.map(ROLE_LABELS).reindex(table.index).astype(object).fillna("")
    table["source"] = sources.map(_tidy_source).reindex(table.index).fillna(table["source"])
    return styled_table(table, {"source": "Source", "role": "Counted as", "comments": "Comments",
                                "pct_of_comments": "% of comments"},
                        {"comments": "{:,}", "pct_of_comments": "{:.0f}"},
                        caption=f"Comments dated {start:%d %B %Y} to {end:%d %B %Y}")


def _tidy_source(source: str) -> str:
    """A machine-style source (``budget_consultation``) in words; other spellings as written."""
    if source != source.lower():
        return source
    words = source.replace("_", " ")
    return words[:1].upper() + words[1:]


def theme_table(ws: Workspace, service_id: str, period: str) -> Styler:
    """What the service's comments raised: themes with counts, % negative and top issues."""
    table = _themes(ws, service_id, period)
    shown = table.assign(top_issue=table["top_issue"].map({True: "Top issue", False: ""}))
    attrs = table.attrs
    return styled_table(shown, {
        "label": "Theme", "code": "Code", "comments": "Comments",
        "pct_of_comments": "% of comments", "negative": "Negative", "pct_negative": "% negative",
        "campaign_responses": "Campaign duplicates not counted", "top_issue": "Top issue"},
        {"comments": "{:,}", "pct_of_comments": "{:.0f}", "negative": "{:,}",
         "pct_negative": "{:.0f}", "campaign_responses": "{:,}"},
        caption=f"Comments dated {attrs['start']:%d %B %Y} to {attrs['end']:%d %B %Y}: "
                f"{attrs['comments_received']:,} received, base {attrs['base']:,} after counting "
                "each campaign or duplicate group once. Counts of comments received, not a "
                "measure of all residents' views.")


def top_issues(ws: Workspace, service_id: str, period: str) -> Markdown:
    """The top issues (domain.md §5 rule 14), each with up to three redacted quotes from the
    pack's comments; when there is none, the three most raised themes in their commonest tone."""
    table = _themes(ws, service_id, period)
    settings = ws.parameters.settings["coding"]
    coded = coding.coded_comments(ws)
    window = _service_comments(coded, service_id, table.attrs["start"], table.attrs["end"])
    mentions = coded.mentions[coded.mentions["comment_id"].isin(window["comment_id"])]
    quotes = coding.select_quotes(window, mentions, ws.parameters.theme_matcher,
                                  max_words=settings["quote_max_words"],
                                  per_theme=settings["quotes_per_theme"])
    top = table[table["top_issue"]]
    lines = []
    if top.empty:
        lines.append(f"No theme is a top issue: none was raised in at least "
                     f"{100 * settings['top_issue_share']:.0f}% of at least "
                     f"{settings['top_issue_min_comments']} comments with at least "
                     f"{100 * settings['top_issue_negative_share']:.0f}% of mentions negative. "
                     "The most raised themes are quoted instead, in their commonest tone.")
        top = table.head(3)
    for row in top.itertuples(index=False):
        lines.append(f"\n**{_md(row.label)}** ({_md(row.code)}): raised in {row.comments:,} comments "
                     f"({row.pct_of_comments:.0f}%), {row.pct_negative:.0f}% of mentions "
                     "negative.\n")
        tone = "negative" if row.top_issue else \
            mentions.loc[mentions["code"] == row.code, "sentiment"].value_counts().index[0]
        picked = quotes[(quotes["code"] == row.code) & (quotes["sentiment"] == tone)]
        for quote in picked.itertuples(index=False):
            campaign = (f" *(one of {quote.group_size} near-identical responses)*"
                        if quote.group_size > 1 else "")
            lines.append(f"> “{_md(quote.quote)}”{campaign}\n")
        if picked.empty:
            lines.append("> *(no comment on this theme can be quoted safely)*\n")
    return Markdown("\n".join(lines))


def coding_reliability(ws: Workspace, service_id: str, period: str) -> Styler:
    """How far the coding can be trusted, and how many comments await a person's review."""
    coded = coding.coded_comments(ws)
    mine = _service_comments(coded, service_id, *linkage.comment_window(ws, period))
    waiting = int(mine["needs_review"].sum())
    table = coded.reliability
    if table.empty:
        why = (f"rules only: {coded.untrained_reason}" if coded.untrained_reason
               else "no hand-coded sample: rules only")
        table = pd.DataFrame({"comparison": [why], "what": "",
                              "n": 0, "percent_agreement": float("nan"),
                              "cohens_kappa": float("nan"), "krippendorff_alpha": float("nan"),
                              "macro_f1": float("nan")})
    return styled_table(table, {
        "comparison": "Comparison", "what": "Coding of", "n": "Comments",
        "percent_agreement": "% agreement", "cohens_kappa": "Cohen's kappa",
        "krippendorff_alpha": "Krippendorff's alpha", "macro_f1": "Macro F1"},
        {"n": "{:,}", "percent_agreement": "{:.0f}", "cohens_kappa": "{:.2f}",
         "krippendorff_alpha": "{:.2f}", "macro_f1": "{:.2f}"},
        caption=f"{waiting:,} of this service's {len(mine):,} comments await review: the model "
                "was not confident enough to code their sentiment, so they are not guessed.")


def complaints_and_compliments(ws: Workspace, service_id: str, period: str) -> Styler | Markdown:
    """Complaints and compliments received about the service in the four quarters to
    ``period``: how many, the tone of the complaints and the themes of both.

    A comment is a complaint or a compliment when its source has that role
    (``settings.sources.roles`` in rules.yaml), however the council spells the source.
    """
    coded = coding.coded_comments(ws)
    start, end = linkage.comment_window(ws, period)
    mine = _service_comments(coded, service_id, start, end)
    roles = source_roles(mine["source"], ws.parameters.settings)
    complaints, compliments = mine[roles == "complaint"], mine[roles == "compliment"]
    if complaints.empty and compliments.empty:
        return Markdown(f"_No complaints or compliments about this service were received from "
                        f"{start:%d %B %Y} to {end:%d %B %Y}._")
    mentions = coded.mentions
    of_complaints = mentions[mentions["comment_id"].isin(complaints["comment_id"])]
    of_compliments = mentions[mentions["comment_id"].isin(compliments["comment_id"])]
    in_complaints = (of_complaints.assign(negative=of_complaints["sentiment"] == "negative",
                                          positive=of_complaints["sentiment"] == "positive")
                     .groupby("code").agg(complaints=("comment_id", "nunique"),
                                          negative=("negative", "sum"),
                                          positive=("positive", "sum")))
    in_compliments = of_compliments.groupby("code")["comment_id"].nunique().rename("compliments")
    counts = (in_complaints.join(in_compliments, how="outer").fillna(0).astype(int)
              .rename_axis("code").reset_index())
    table = counts.assign(theme=_theme_names(ws, counts["code"])).sort_values(
        ["complaints", "compliments", "theme"], ascending=[False, False, True])
    tone = complaints["sentiment"].replace("", "awaiting review").value_counts()
    summary = f" ({', '.join(f'{n:,} {label}' for label, n in tone.items())})" if len(tone) else ""
    return styled_table(table, {"theme": "Theme", "complaints": "Complaints raising it",
                                "negative": "Negative mentions in complaints",
                                "positive": "Positive mentions in complaints",
                                "compliments": "Compliments raising it"},
                        {"complaints": "{:,}", "negative": "{:,}", "positive": "{:,}",
                         "compliments": "{:,}"},
                        caption=f"{_counted(len(complaints), 'complaint')}{summary} and "
                                f"{_counted(len(compliments), 'compliment')} received "
                                f"{start:%d %B %Y} to {end:%d %B %Y}. Counts received, not a "
                                "measure of all residents' views.")


def _counted(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")

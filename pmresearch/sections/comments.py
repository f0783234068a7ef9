"""Residents' comments in a pack: where they came from, the themes they raised, the top issues
with quotes, how far the coding can be trusted, and complaints and compliments.

Every section counts the comments dated in the four quarters ending with the pack's period
(:func:`pmresearch.linkage.comment_window`), as counts received, never as shares of residents.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown
from pandas.io.formats.style import Styler

from .. import coding, linkage
from ..workspace import Workspace
from ._common import _theme_names, styled_table

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
    """Comments about the service received in the four quarters ending with ``period``."""
    start, end = linkage.comment_window(ws, period)
    table = coding.comment_counts(ws.comments, service_id, start, end)
    table["source"] = table["source"].str.replace("_", " ").str.capitalize()
    return styled_table(table, {"source": "Source", "comments": "Comments",
                                "pct_of_comments": "% of comments"},
                        {"comments": "{:,}", "pct_of_comments": "{:.0f}"},
                        caption=f"Comments dated {start:%d %B %Y} to {end:%d %B %Y}")


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
        lines.append(f"\n**{row.label}** ({row.code}): raised in {row.comments:,} comments "
                     f"({row.pct_of_comments:.0f}%), {row.pct_negative:.0f}% of mentions "
                     "negative.\n")
        tone = "negative" if row.top_issue else \
            mentions.loc[mentions["code"] == row.code, "sentiment"].value_counts().index[0]
        picked = quotes[(quotes["code"] == row.code) & (quotes["sentiment"] == tone)]
        for quote in picked.itertuples(index=False):
            campaign = (f" *(one of {quote.group_size} near-identical responses)*"
                        if quote.group_size > 1 else "")
            lines.append(f"> “{quote.quote}”{campaign}\n")
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
        table = pd.DataFrame({"comparison": ["no hand-coded sample: rules only"], "what": "",
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
    """Complaints received about the service in the four quarters to ``period``: how many,
    their tone (compliments are the positive ones) and what they were about."""
    coded = coding.coded_comments(ws)
    start, end = linkage.comment_window(ws, period)
    mine = _service_comments(coded, service_id, start, end)
    mine = mine[mine["source"].astype(str).str.startswith("complaint")]
    if mine.empty:
        return Markdown(f"_No complaints about this service were received from {start:%d %B %Y} "
                        f"to {end:%d %B %Y}._")
    mentions = coded.mentions[coded.mentions["comment_id"].isin(mine["comment_id"])]
    counts = pd.DataFrame([{"code": code, "complaints": int(group["comment_id"].nunique()),
                            "negative": int((group["sentiment"] == "negative").sum()),
                            "compliments": int((group["sentiment"] == "positive").sum())}
                           for code, group in mentions.groupby("code", sort=False)],
                          columns=["code", "complaints", "negative", "compliments"])
    table = counts.assign(theme=_theme_names(ws, counts["code"])).sort_values(
        ["complaints", "theme"], ascending=[False, True])
    tone = mine["sentiment"].replace("", "awaiting review").value_counts()
    summary = ", ".join(f"{n:,} {label}" for label, n in tone.items())
    return styled_table(table, {"theme": "Theme", "complaints": "Complaints raising it",
                                "negative": "Negative mentions",
                                "compliments": "Positive mentions"},
                        {"complaints": "{:,}", "negative": "{:,}", "compliments": "{:,}"},
                        caption=f"{len(mine):,} complaints received {start:%d %B %Y} to "
                                f"{end:%d %B %Y} ({summary}). Counts of complaints received, "
                                "not a measure of all residents' views.")

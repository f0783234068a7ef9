"""Residents' comments in a pack: where they came from, the themes they raised, the top issues
with quotes, how far the coding can be trusted, and complaints and compliments.

Every section counts the comments dated in the window ending with the pack's period
(``settings.linkage.comment_window_quarters``, :func:`pmresearch.linkage.comment_window`), as
counts received, never as shares of residents, and reads a comment's source by its role
(:func:`pmresearch.sources.source_roles`), never by the council's spelling of it. Each reads
the evidence store (:mod:`pmresearch.store`).
"""

from __future__ import annotations

import datetime as dt

from IPython.display import Markdown
from pandas.io.formats.style import Styler

from ..store import EvidenceStore
from ._common import _md, styled_table

__all__ = ["coding_reliability", "comments_by_source", "complaints_and_compliments",
           "theme_table", "top_issues"]


def _window(store: EvidenceStore) -> str:
    """The comment window in words: "1 July 2024 to 30 June 2025"."""
    start, end = (dt.date.fromisoformat(day) for day in store.meta["comment_window"])
    return f"{start:%d %B %Y} to {end:%d %B %Y}"


def comments_by_source(store: EvidenceStore, service_id: str) -> Styler:
    """Comments about the service received in the window, by source as the council spelt
    it, each with its role (``settings.sources`` in rules.yaml)."""
    return styled_table(store.rows("comment_sources", service_id), {
        "source": "Source", "role": "Counted as", "comments": "Comments",
        "pct_of_comments": "% of comments"}, {"comments": "{:,}", "pct_of_comments": "{:.0f}"},
        caption=f"Comments dated {_window(store)}")


def theme_table(store: EvidenceStore, service_id: str) -> Styler:
    """What the service's comments raised: themes with counts, % negative and top issues."""
    table = store.rows("themes", service_id)
    service = store.service(service_id)
    shown = table.assign(top_issue=table["top_issue"].map({True: "Top issue", False: ""}))
    received, base = (int(service[column]) for column in ("comments_received", "comment_base"))
    return styled_table(shown, {
        "label": "Theme", "code": "Code", "comments": "Comments",
        "pct_of_comments": "% of comments", "negative": "Negative", "pct_negative": "% negative",
        "campaign_responses": "Campaign duplicates not counted", "top_issue": "Top issue"},
        {"comments": "{:,}", "pct_of_comments": "{:.0f}", "negative": "{:,}",
         "pct_negative": "{:.0f}", "campaign_responses": "{:,}"},
        caption=f"Comments dated {_window(store)}: {received:,} received, base {base:,} after "
                "counting each campaign or duplicate group once. Counts of comments received, "
                "not a measure of all residents' views.")


def top_issues(store: EvidenceStore, service_id: str) -> Markdown:
    """The top issues (domain.md §5 rule 14), each with up to three redacted quotes from the
    pack's comments; when there is none, the three most raised themes in their commonest tone."""
    quotes = store.rows("top_issue_quotes", service_id)
    settings = store.settings["coding"]
    lines = []
    if not quotes["top_issue"].any():
        lines.append(f"No theme is a top issue: none was raised in at least "
                     f"{100 * settings['top_issue_share']:.0f}% of at least "
                     f"{settings['top_issue_min_comments']} comments with at least "
                     f"{100 * settings['top_issue_negative_share']:.0f}% of mentions negative. "
                     "The most raised themes are quoted instead, in their commonest tone.")
    for code, theme in quotes.groupby("code", sort=False):
        row = theme.iloc[0]
        lines.append(f"\n**{_md(row.label)}** ({_md(code)}): raised in {row.comments:,} comments "
                     f"({row.pct_of_comments:.0f}%), {row.pct_negative:.0f}% of mentions "
                     "negative.\n")
        for quote in theme[theme["quote"].notna()].itertuples(index=False):
            campaign = (f" *(one of {quote.group_size} near-identical responses)*"
                        if quote.group_size > 1 else "")
            lines.append(f"> “{_md(quote.quote)}”{campaign}\n")
        if theme["quote"].isna().all():
            lines.append("> *(no comment on this theme can be quoted safely)*\n")
    return Markdown("\n".join(lines))


def coding_reliability(store: EvidenceStore, service_id: str) -> Styler:
    """How far the coding can be trusted, and how many comments await a person's review."""
    service = store.service(service_id)
    return styled_table(store.table("reliability"), {
        "comparison": "Comparison", "what": "Coding of", "n": "Comments",
        "percent_agreement": "% agreement", "cohens_kappa": "Cohen's kappa",
        "krippendorff_alpha": "Krippendorff's alpha", "macro_f1": "Macro F1"},
        {"n": "{:,}", "percent_agreement": "{:.0f}", "cohens_kappa": "{:.2f}",
         "krippendorff_alpha": "{:.2f}", "macro_f1": "{:.2f}"},
        caption=f"{service['comments_awaiting_review']:,} of this service's "
                f"{service['comments_in_window']:,} comments await review: the model "
                "was not confident enough to code their sentiment, so they are not guessed.")


def complaints_and_compliments(store: EvidenceStore, service_id: str) -> Styler | Markdown:
    """Complaints and compliments received about the service in the window: how many, the
    tone of the complaints and the themes of both.

    A comment is a complaint or a compliment when its source has that role
    (``settings.sources.roles`` in rules.yaml), however the council spells the source.
    """
    service = store.service(service_id)
    complaints, compliments = int(service["complaints"]), int(service["compliments"])
    if not complaints and not compliments:
        return Markdown(f"_No complaints or compliments about this service were received from "
                        f"{_window(store)}._")
    tone = service["complaint_tone"]
    summary = f" ({tone})" if tone else ""
    return styled_table(store.rows("complaint_themes", service_id), {
        "theme": "Theme", "complaints": "Complaints raising it",
        "negative": "Negative mentions in complaints",
        "positive": "Positive mentions in complaints", "compliments": "Compliments raising it"},
        {"complaints": "{:,}", "negative": "{:,}", "positive": "{:,}", "compliments": "{:,}"},
        caption=f"{_counted(complaints, 'complaint')}{summary} and "
                f"{_counted(compliments, 'compliment')} received {_window(store)}. Counts "
                "received, not a measure of all residents' views.")


def _counted(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")

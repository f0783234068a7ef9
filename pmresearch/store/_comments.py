"""The comment tables of the evidence store: comments by source, themes, the top issues with
their quotes, complaints and compliments, and the coding's reliability. Every table counts the
comments dated in the window ending with the period (:func:`pmresearch.linkage.comment_window`)
as counts received, never as shares of residents; sources are read by their role
(:func:`pmresearch.sources.source_roles`), never by the council's spelling."""

from __future__ import annotations

import pandas as pd

from .. import coding
from ..sources import ROLE_LABELS, source_roles

__all__ = ["complaint_themes", "in_window", "reliability_table", "review_counts", "sources_table",
           "theme_rows", "top_issue_quotes"]


def in_window(coded: coding.CodedComments, service_id: str, start: pd.Timestamp,
              end: pd.Timestamp) -> pd.DataFrame:
    """The coded comments about ``service_id`` dated from ``start`` to ``end``."""
    comments = coded.comments
    dates = pd.to_datetime(comments["date"])
    return comments[(comments["service_id"] == service_id) & dates.between(start, end)]


def sources_table(ws, service_id: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Comments about the service by source as the council spelt it (a machine-style spelling
    such as ``budget_consultation`` in words), each with its role, and an "All sources" row."""
    table = coding.comment_counts(ws.comments, service_id, start, end)
    sources = table["source"].iloc[:-1]  # the last row is "All sources"
    roles = source_roles(sources, ws.parameters.settings)
    table["role"] = roles.map(ROLE_LABELS).reindex(table.index).astype(object).fillna("")
    table["source"] = sources.map(_tidy_source).reindex(table.index).fillna(table["source"])
    return table.assign(service_id=service_id)


def _tidy_source(source: str) -> str:
    if source != source.lower():
        return source
    words = source.replace("_", " ")
    return words[:1].upper() + words[1:]


def theme_rows(ws, coded: coding.CodedComments, service_id: str, start: pd.Timestamp,
               end: pd.Timestamp) -> tuple[pd.DataFrame, dict]:
    """:func:`pmresearch.coding.theme_summary` of the service, and its counts:
    ``comments_received`` and ``comment_base`` (campaigns counted once)."""
    table = coding.theme_summary(coded, ws.parameters.codeframe, service_id, start, end,
                                 ws.parameters.settings["coding"])
    counts = {"comments_received": int(table.attrs["comments_received"]),
              "comment_base": int(table.attrs["base"])}
    return table.assign(service_id=service_id), counts


def top_issue_quotes(ws, coded: coding.CodedComments, themes: pd.DataFrame, service_id: str,
                     start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The themes the pack quotes and their quotes: the top issues (domain.md §5 rule 14) in
    their negative mentions or, when there is none, the three most raised themes in their
    commonest tone. One row per quote (``quote`` blank for a theme with nothing safe to
    quote), with the theme's counts."""
    settings = ws.parameters.settings["coding"]
    window = in_window(coded, service_id, start, end)
    mentions = coded.mentions[coded.mentions["comment_id"].isin(window["comment_id"])]
    quotes = coding.select_quotes(window, mentions, ws.parameters.theme_matcher,
                                  max_words=settings["quote_max_words"],
                                  per_theme=settings["quotes_per_theme"])
    top = themes[themes["top_issue"]]
    shown = top if len(top) else themes.head(3)
    rows = []
    for theme in shown.itertuples(index=False):
        tone = "negative" if theme.top_issue else \
            mentions.loc[mentions["code"] == theme.code, "sentiment"].value_counts().index[0]
        picked = quotes[(quotes["code"] == theme.code) & (quotes["sentiment"] == tone)]
        head = {"service_id": service_id, "code": theme.code, "label": theme.label,
                "comments": theme.comments, "pct_of_comments": theme.pct_of_comments,
                "pct_negative": theme.pct_negative, "top_issue": bool(theme.top_issue),
                "tone": tone}
        rows += [{**head, "quote": quote.quote, "group_size": int(quote.group_size)}
                 for quote in picked.itertuples(index=False)] or [
            {**head, "quote": None, "group_size": 0}]
    return pd.DataFrame(rows, columns=["service_id", "code", "label", "comments",
                                       "pct_of_comments", "pct_negative", "top_issue", "tone",
                                       "quote", "group_size"])


def complaint_themes(ws, coded: coding.CodedComments, service_id: str, start: pd.Timestamp,
                     end: pd.Timestamp) -> tuple[pd.DataFrame, dict]:
    """Themes of the complaints and compliments about the service (comments whose source has
    that role), with the tone of each complaint's mentions; and the counts for the caption:
    ``complaints``, ``compliments`` and ``complaint_tone`` ("12 negative, 3 neutral")."""
    mine = in_window(coded, service_id, start, end)
    roles = source_roles(mine["source"], ws.parameters.settings)
    complaints, compliments = mine[roles == "complaint"], mine[roles == "compliment"]
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
    labels = ws.parameters.codeframe.set_index("code")["label"]
    table = counts.assign(service_id=service_id, theme=[
        f"{code} {labels.get(code, '')}".strip() for code in counts["code"]])
    table = table.sort_values(["complaints", "compliments", "theme"],
                              ascending=[False, False, True], ignore_index=True)
    tone = complaints["sentiment"].replace("", "awaiting review").value_counts()
    return table, {"complaints": len(complaints), "compliments": len(compliments),
                   "complaint_tone": ", ".join(f"{n:,} {label}" for label, n in tone.items())}


def review_counts(coded: coding.CodedComments, service_id: str, start: pd.Timestamp,
                  end: pd.Timestamp) -> dict:
    """How many of the service's comments in the window await a person's review."""
    mine = in_window(coded, service_id, start, end)
    return {"comments_in_window": len(mine),
            "comments_awaiting_review": int(mine["needs_review"].sum())}


def reliability_table(coded: coding.CodedComments) -> pd.DataFrame:
    """The coding's reliability (:attr:`pmresearch.coding.CodedComments.reliability`), or one
    row saying why there is none."""
    if not coded.reliability.empty:
        return coded.reliability
    why = (f"rules only: {coded.untrained_reason}" if coded.untrained_reason
           else "no hand-coded sample: rules only")
    return pd.DataFrame({"comparison": [why], "what": "", "n": 0,
                         "percent_agreement": float("nan"), "cohens_kappa": float("nan"),
                         "krippendorff_alpha": float("nan"), "macro_f1": float("nan")})

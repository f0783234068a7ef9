"""Quotes a pack may publish: representative, short, redacted, one per campaign.

For each service, theme and sentiment, :func:`select_quotes` picks up to ``per_theme`` comments
that read most like the rest of their group — the highest cosine similarity of a comment's
TF-IDF vector to the group's mean vector, so a quote stands for the group rather than for its
loudest member — under three safety rules (domain.md §5 rule 15):

* only redacted text is ever quoted, and a comment in which redaction found personal data is not
  quoted at all (a name left in a story can still identify someone), nor one whose redaction is
  uncertain: a cue such as "I'm" or "Thank you" followed by a word that may be a name and was
  left in (``redaction_uncertain``; see :func:`pmresearch.coding.redact.possible_names_left`);
* at most ``max_words`` words: a longer comment is quoted by the sentences that raise the
  theme, and cut at a word boundary with "…" if one sentence alone is too long;
* no two quotes from one campaign or duplicate group.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ._tokens import tokenize

__all__ = ["QUOTE_COLUMNS", "select_quotes", "shorten"]

QUOTE_COLUMNS = ["service_id", "code", "sentiment", "rank", "comment_id", "quote", "n_words",
                 "group_size", "similarity"]
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9])")


def _words(text: str) -> int:
    return len(text.split())


def shorten(sentences: list[str], max_words: int) -> str:
    """The leading sentences that fit in ``max_words`` words, or the first cut with "…".

    Examples
    --------
    >>> shorten(["Bins missed again.", "Nobody came back."], 5)
    'Bins missed again.'
    >>> shorten(["The bins on our road have been missed four weeks running now."], 6)
    'The bins on our road have…'
    """
    kept: list[str] = []
    for sentence in sentences:
        if _words(" ".join(kept + [sentence])) > max_words:
            break
        kept.append(sentence)
    if kept:
        return " ".join(kept)
    return " ".join(sentences[0].split()[:max_words]).rstrip(",;:") + "…" if sentences else ""


def _quote_texts(candidates: pd.DataFrame, matcher, max_words: int) -> pd.Series:
    """Each candidate's quote: the whole comment if short, else its sentences on the theme."""
    from .themes import code_themes

    quotes = candidates["text"].astype(str).str.strip()
    long = quotes.map(_words) > max_words
    if not long.any():
        return quotes
    sentences = quotes[long].map(lambda t: _SENTENCE.split(t)).explode()
    coded = code_themes(sentences.tolist(), matcher)
    on_theme = [code in themes.split(";") for code, themes in
                zip(candidates.loc[sentences.index, "code"], coded["themes"])]
    chosen = sentences[on_theme]
    for i in quotes[long].index:
        picked = chosen.loc[[i]].tolist() if i in chosen.index else sentences.loc[[i]].tolist()
        quotes.loc[i] = shorten(picked, max_words)
    return quotes


def _similarity_to_group(texts: list[str], group_of: np.ndarray) -> np.ndarray:
    """Cosine similarity of each text's TF-IDF vector (sublinear term frequency, smoothed
    idf, unit length) to the mean vector of its group, computed on the flat token arrays."""
    tokens = tokenize(texts)
    n, n_terms = len(texts), len(tokens.vocab)
    words = tokens.is_word
    pairs, counts = np.unique(tokens.doc[words] * n_terms + tokens.ids[words],
                              return_counts=True)
    doc, term = pairs // n_terms, pairs % n_terms
    idf = np.log((1 + n) / (1 + np.bincount(term, minlength=n_terms))) + 1
    weight = (1 + np.log(counts)) * idf[term]
    weight /= np.sqrt(np.bincount(doc, weights=weight ** 2, minlength=n))[doc]
    group = group_of[doc]
    cells, cell = np.unique(group * n_terms + term, return_inverse=True)
    size = np.bincount(group_of)
    centroid = np.bincount(cell, weights=weight) / size[cells // n_terms]
    return np.bincount(doc, weights=weight * centroid[cell], minlength=n).round(12)


def select_quotes(comments: pd.DataFrame, mentions: pd.DataFrame, matcher, *,
                  max_words: int = 60, per_theme: int = 3) -> pd.DataFrame:
    """Up to ``per_theme`` representative quotes per service × theme × sentiment.

    Parameters
    ----------
    comments : DataFrame
        One row per comment: ``comment_id``, ``service_id``, ``text`` (redacted), ``group``
        and ``group_size`` (campaign groups) and ``personal_data_found`` (count); optionally
        ``redaction_uncertain`` (bool, from :attr:`Redaction.uncertain
        <pmresearch.coding.redact.Redaction>`). Without that column the redacted texts are
        checked for a possible name left in here.
    mentions : DataFrame
        One row per comment × theme: ``comment_id``, ``code``, ``sentiment`` (of the theme).
    matcher : ThemeMatcher
        The compiled code frame (``parameters.theme_matcher``), to find the sentences of a
        long comment that raise its theme.
    max_words, per_theme : int
        ``quote_max_words`` and ``quotes_per_theme`` from ``rules.yaml``.

    Returns
    -------
    DataFrame
        Columns :data:`QUOTE_COLUMNS`, ordered by service, code, sentiment and rank (1 first).

    Examples
    --------
    >>> from pmresearch.workspace import load_workspace
    >>> comments = pd.DataFrame({
    ...     "comment_id": ["C1", "C2", "C3", "C4", "C5"], "service_id": "highways",
    ...     "text": ["Potholes on Elm Road again.", "Potholes on Elm Road again!",
    ...              "The potholes near the school are dangerous.", "[NAME] hit a pothole.",
    ...              "I'm Zorbly by the potholes."],
    ...     "group": [1, 1, 2, 3, 4], "group_size": [2, 2, 1, 1, 1],
    ...     "personal_data_found": [0, 0, 0, 1, 0]})
    >>> mentions = pd.DataFrame({"comment_id": ["C1", "C2", "C3", "C4", "C5"], "code": "H1",
    ...                          "sentiment": "negative"})
    >>> quotes = select_quotes(comments, mentions, load_workspace().parameters.theme_matcher)
    >>> quotes[["comment_id", "rank", "group_size"]].values.tolist()
    [['C1', 1, 2], ['C3', 2, 1]]
    """
    from .redact import possible_names_left

    needed = ["comment_id", "service_id", "text", "group", "group_size", "personal_data_found"]
    extra = ["redaction_uncertain"] if "redaction_uncertain" in comments else []
    candidates = mentions[["comment_id", "code", "sentiment"]].merge(
        comments[needed + extra], on="comment_id", how="inner", validate="many_to_one")
    safe = (candidates["personal_data_found"] == 0) & candidates["text"].notna()
    if extra:  # the redaction already judged these texts
        safe &= ~candidates["redaction_uncertain"].fillna(True).astype(bool)
    else:
        safe[safe] = ~possible_names_left(candidates.loc[safe, "text"].astype(str)).to_numpy()
    candidates = candidates[safe].reset_index(drop=True)
    if candidates.empty or per_theme == 0:
        return pd.DataFrame(columns=QUOTE_COLUMNS)
    candidates["quote"] = _quote_texts(candidates, matcher, max_words)
    candidates["n_words"] = candidates["quote"].map(_words)
    candidates = candidates[candidates["n_words"] > 0].reset_index(drop=True)
    keys = ["service_id", "code", "sentiment"]
    group_of = candidates.groupby(keys, sort=True).ngroup().to_numpy()
    candidates["similarity"] = _similarity_to_group(candidates["quote"].tolist(), group_of)
    ordered = candidates.sort_values(keys + ["similarity", "comment_id"],
                                     ascending=[True, True, True, False, True])
    picked = []
    for _, group in ordered.groupby(keys, sort=True):
        seen_groups, seen_texts = set(), set()
        for row in group.itertuples(index=False):
            text_key = re.sub(r"\W+", " ", row.quote.lower()).strip()
            if row.group in seen_groups or text_key in seen_texts:
                continue
            seen_groups.add(row.group)
            seen_texts.add(text_key)
            picked.append({**row._asdict(), "rank": len(seen_groups)})
            if len(seen_groups) == per_theme:
                break
    return pd.DataFrame(picked)[QUOTE_COLUMNS].reset_index(drop=True)

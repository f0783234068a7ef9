"""Code a workspace's comments end to end: redact, code by rules, learn, measure, quote.

:func:`code_by_rules` is the fast, transparent coder (sentiment, themes and each theme's
sentiment from one pass over the tokens). :func:`code_comments` runs the whole workflow on a
workspace and returns a :class:`CodedComments`: what ``pmresearch code`` writes and what the
pack's "What residents said" section shows.

How a comment's final sentiment is decided, most trusted first:

1. the reference coder's label, if the comment is in the hand-coded sample;
2. the trained classifier's label, if its calibrated probability reaches
   ``settings.coding.review_threshold``;
3. otherwise none: the comment goes to the **review queue** for a person, instead of a guess.

Without a hand-coded sample the rules' label is used and nothing is queued. Themes and each
theme's sentiment always come from the code frame and the clauses that raise the theme, so a
reader can trace every count in a pack back to words in the comments.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .. import _cache
from ._tokens import tokenize
from .sentiment import label_sentiment, score_tokens, summarise

__all__ = ["CODED_COLUMNS", "THEME_SUMMARY_COLUMNS", "CodedComments", "code_by_rules", "code_comments",
           "coded_comments", "keep_coded", "reference_coder", "theme_summary"]

CODED_COLUMNS = ["comment_id", "service_id", "source", "date", "ward_code", "text",
                 "personal_data_found", "redaction_uncertain", "sentiment", "sentiment_source",
                 "confidence", "needs_review", "rule_sentiment", "rule_score", "themes",
                 "theme_sentiments", "group", "group_size", "why"]


def _theme_sentiments(scores, mentions: pd.DataFrame, themes: pd.Series, codes: list[str],
                      comment_labels: np.ndarray, *, score_scale: float, neutral_band: float,
                      mixed_threshold: float) -> np.ndarray:
    """``code:label;…`` per comment: each theme's sentiment from the clauses that raise it.

    A theme raised only in clauses without sentiment terms, and the special codes (none of the
    above, no substantive content), take the comment's label.
    """
    n_docs = len(themes)
    n_clauses = int(scores.clause[-1]) + 1 if len(scores.clause) else 0
    clause_total = np.bincount(scores.clause, weights=scores.contribution, minlength=n_clauses)
    clause_terms = np.bincount(scores.clause, minlength=n_clauses,
                               weights=(scores.contribution != 0).astype(float))
    code_index = pd.Index(codes).get_indexer(mentions["code"])
    pair_key = mentions["doc"].to_numpy(np.int64) * len(codes) + code_index
    clause = scores.clause[mentions["start"].to_numpy(np.int64)]
    # Each (comment, theme, clause) once, then totals per (comment, theme).
    unique = np.unique(pair_key * max(n_clauses, 1) + clause)
    pair_of, clause_of = unique // max(n_clauses, 1), unique % max(n_clauses, 1)
    pairs, pair = np.unique(pair_of, return_inverse=True)
    total = np.bincount(pair, weights=clause_total[clause_of], minlength=len(pairs))
    terms = np.bincount(pair, weights=clause_terms[clause_of], minlength=len(pairs))
    strongest_pos = np.zeros(len(pairs))
    strongest_neg = np.zeros(len(pairs))
    np.maximum.at(strongest_pos, pair, clause_total[clause_of])
    np.minimum.at(strongest_neg, pair, clause_total[clause_of])
    doc = pairs // len(codes)
    labels = np.where(terms > 0,
                      label_sentiment(np.tanh(total / score_scale), strongest_pos, strongest_neg,
                                      neutral_band=neutral_band, mixed_threshold=mixed_threshold),
                      comment_labels[doc])
    parts = np.array(codes, dtype=object)[pairs % len(codes)] + ":" + labels
    out = np.full(n_docs, "", dtype=object)
    if len(parts):
        # One join for the whole batch, "\n" between comments, then one split: far cheaper
        # than a join per comment.
        glue = np.where(np.r_[doc[1:] != doc[:-1], False], "\n", ";").astype(object)
        glue[-1] = ""
        out[np.unique(doc)] = "".join((parts + glue).tolist()).split("\n")
    special = out == ""  # no mentions: the comment's special code, if any
    out[special] = [f"{t}:{label}" if t else "" for t, label in
                    zip(themes.to_numpy(object)[special], comment_labels[special])]
    return out


def code_by_rules(texts, parameters, *, explain: bool = False) -> pd.DataFrame:
    """Sentiment, themes and each theme's sentiment of each comment, by rules alone.

    Parameters
    ----------
    texts : Series or iterable of str
        Redacted comments (a Series keeps its index).
    parameters : Parameters
        Lexicon, code frame and ``settings.coding`` (``workspace.parameters`` or
        :func:`pmresearch.workspace.load_parameters`).
    explain : bool
        Add ``why``: the terms that moved each comment's score, strongest first.

    Returns
    -------
    DataFrame
        :data:`pmresearch.coding.sentiment.SENTIMENT_COLUMNS`, then ``themes``
        (``;``-separated codes in code-frame order) and ``theme_sentiments``
        (``code:label;…`` in the same order), and ``why`` if asked for.

    Examples
    --------
    >>> from pmresearch.workspace import load_workspace
    >>> coded = code_by_rules(["Library staff were brilliant but the opening hours are too "
    ...                        "short.", "No comment."], load_workspace().parameters)
    >>> coded[["sentiment", "themes", "theme_sentiments"]].values.tolist()
    [['mixed', 'L1;C2', 'L1:negative;C2:positive'], ['neutral', 'Z2', 'Z2:neutral']]
    """
    from .themes import assign_themes, find_mentions

    index = texts.index if isinstance(texts, pd.Series) else None
    settings = parameters.settings["coding"]
    lexicon = parameters.lexicon
    tokens = tokenize(texts)
    scores = score_tokens(tokens, lexicon)
    table = summarise(scores, score_scale=lexicon.weights["score_scale"],
                      neutral_band=settings["neutral_band"],
                      mixed_threshold=settings["mixed_threshold"])
    matcher = parameters.theme_matcher
    mentions = find_mentions(tokens, matcher)
    table["themes"] = assign_themes(mentions, tokens, matcher)["themes"].to_numpy()
    table["theme_sentiments"] = _theme_sentiments(
        scores, mentions, table["themes"], list(matcher.codes),
        table["sentiment"].to_numpy(object), score_scale=lexicon.weights["score_scale"],
        neutral_band=settings["neutral_band"], mixed_threshold=settings["mixed_threshold"])
    if explain:
        table["why"] = _why(scores)
    if index is not None:
        table.index = index
    return table


def _why(scores) -> list[str]:
    """The terms that moved each comment's rule score, strongest first: "rubbish (−2.4)"."""
    fired = np.flatnonzero(scores.contribution != 0)
    table = pd.DataFrame({"doc": scores.tokens.doc[fired], "term": scores.term[fired],
                          "contribution": scores.contribution[fired]})
    table["size"] = -table["contribution"].abs()
    table = table.sort_values(["doc", "size"], kind="stable")
    table["text"] = table["term"] + " (" + table["contribution"].map("{:+.1f}".format) + ")"
    joined = table.groupby("doc")["text"].agg(", ".join)
    return [joined.get(i, "") for i in range(scores.tokens.n_docs)]


def reference_coder(hand_coded: pd.DataFrame, settings: dict) -> str:
    """The coder whose labels train the model: ``settings.coding.reference_coder``, else the
    coder with the most comments (alphabetical on a tie)."""
    chosen = settings.get("reference_coder")
    coders = hand_coded["coder"].value_counts()
    if chosen:
        if chosen not in coders.index:
            raise ValueError(f"rules.yaml settings.coding.reference_coder is {chosen!r}, but "
                             f"hand_coded.csv has coders {sorted(coders.index)}; correct it.")
        return chosen
    return sorted(coders.index, key=lambda c: (-coders[c], c))[0]


@dataclass(frozen=True, eq=False)
class CodedComments:
    """Everything coding a workspace's comments produced.

    Attributes
    ----------
    comments : DataFrame
        One row per comment, columns :data:`CODED_COLUMNS`. ``text`` is redacted.
    mentions : DataFrame
        One row per comment × theme: ``comment_id``, ``service_id``, ``date``, ``code``,
        ``sentiment`` (the theme's), ``group``, ``group_size``.
    quotes : DataFrame
        Representative redacted quotes (see :func:`pmresearch.coding.quotes.select_quotes`).
    review_queue : DataFrame
        Comments the classifier was not sure of, with its suggestion and the rules' reasons,
        and empty ``sentiment`` and ``themes`` columns for the analyst.
    reliability : DataFrame
        One row per comparison (coder vs coder, model vs coder by cross-validation, rules vs
        coder; sentiment and themes): ``n``, ``percent_agreement``, ``cohens_kappa``,
        ``krippendorff_alpha``, ``macro_f1``.
    redaction : Series
        Personal data removed, by kind.
    model : SentimentClassifier or None
        The classifier trained on the whole hand-coded sample.
    untrained_reason : str
        Why no classifier was trained although there is a hand-coded sample (too few comments of
        a label); ``""`` otherwise. The rules then code every comment.
    """

    comments: pd.DataFrame
    mentions: pd.DataFrame
    quotes: pd.DataFrame
    review_queue: pd.DataFrame
    reliability: pd.DataFrame
    redaction: pd.Series
    model: object | None
    untrained_reason: str = ""

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write the tables as CSV (and the model with joblib) into ``folder``.

        Text a spreadsheet would read as a formula (a comment starting ``=``) is written with a
        ``'`` in front (:func:`pmresearch._csv.write_csv`); the workbench removes it on reading
        a filled-in review queue back.
        """
        from .._csv import write_csv
        from .classifier import save_model

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = {}
        for name, table in (("coded_comments", self.comments), ("theme_mentions", self.mentions),
                            ("review_queue", self.review_queue), ("quotes", self.quotes),
                            ("reliability", self.reliability),
                            ("redaction", self.redaction.rename_axis("kind")
                             .reset_index(name="replaced"))):
            path = folder / f"{name}.csv"
            write_csv(table, path)
            written[name] = path
        if self.model is not None:
            written["model"] = save_model(self.model, folder / "sentiment_model.joblib")
        return written


def _reliability_rows(hand_coded, coder, texts_by_id, coded_by_id, codes, model, theme_model,
                      folds):
    """Agreement rows: other coders, the model (out of fold) and the rules vs the reference."""
    from .classifier import cross_validated_predictions, cross_validated_themes
    from .reliability import reliability, theme_reliability

    def row(comparison, what, result):
        return {"comparison": comparison, "what": what, **result}

    def sentiment_row(comparison, reference, predicted):
        r = reliability(np.asarray(reference, dtype=object), np.asarray(predicted, dtype=object))
        return row(comparison, "sentiment", {"n": r.n, "percent_agreement": r.percent_agreement,
                                             "cohens_kappa": r.cohens_kappa,
                                             "krippendorff_alpha": r.krippendorff_alpha,
                                             "macro_f1": r.macro_f1})

    def theme_row(comparison, reference, predicted):
        table = theme_reliability(list(reference), list(predicted), codes=codes)
        micro, macro = table.loc["micro avg"], table.loc["macro avg"]
        return row(comparison, "themes", {"n": len(reference), "percent_agreement": np.nan,
                                          "cohens_kappa": float(macro.get("kappa", np.nan)),
                                          "krippendorff_alpha": np.nan,
                                          "macro_f1": float(macro["f1"]),
                                          "micro_f1": float(micro["f1"])})

    reference = hand_coded[hand_coded["coder"] == coder].set_index("comment_id")
    rows = []
    for other in sorted(set(hand_coded["coder"]) - {coder}):
        theirs = hand_coded[hand_coded["coder"] == other].set_index("comment_id")
        both = reference.index.intersection(theirs.index)
        if len(both):
            rows.append(sentiment_row(f"{other} vs {coder}", reference.loc[both, "sentiment"],
                                      theirs.loc[both, "sentiment"]))
            rows.append(theme_row(f"{other} vs {coder}", reference.loc[both, "themes"],
                                  theirs.loc[both, "themes"]))
    sample_texts = [texts_by_id[i] for i in reference.index]
    if model is not None:
        oof = cross_validated_predictions(model, sample_texts,
                                          reference["sentiment"].to_numpy(object), folds=folds)
        rows.append(sentiment_row(f"model vs {coder} ({folds}-fold cross-validation)",
                                  reference["sentiment"], oof["predicted"]))
    if theme_model is not None:
        rows.append(theme_row(f"model vs {coder} ({folds}-fold cross-validation)",
                              reference["themes"],
                              cross_validated_themes(theme_model, sample_texts,
                                                     reference["themes"], folds=folds)))
    rows.append(sentiment_row(f"rules vs {coder}", reference["sentiment"],
                              coded_by_id.loc[reference.index, "rule_sentiment"]))
    rows.append(theme_row(f"rules vs {coder}", reference["themes"],
                          coded_by_id.loc[reference.index, "themes"]))
    return pd.DataFrame(rows)


def code_comments(ws, *, folds: int = 5) -> CodedComments:
    """Redact and code every comment of a workspace, train on its hand-coded sample, and
    measure the coding's reliability.

    Parameters
    ----------
    ws : Workspace
    folds : int
        Cross-validation folds for the model's reliability (never scored on its training rows).

    Returns
    -------
    CodedComments
    """
    from .classifier import SentimentClassifier, ThemeClassifier, sample_shortfall
    from .duplicates import group_near_duplicates
    from .quotes import select_quotes
    from .redact import redact

    parameters = ws.parameters
    settings = parameters.settings["coding"]
    comments = ws.comments.reset_index(drop=True)
    redaction = redact(comments["text"])
    texts = redaction.text.fillna("").astype(str)
    rules = code_by_rules(texts, parameters, explain=True)
    groups = group_near_duplicates(texts, threshold=settings["near_duplicate_similarity"],
                                   min_words=settings["near_duplicate_min_words"])
    # Only campaigns are collapsed: eight people who each wrote "No comment" are eight people.
    alone = ~groups["is_campaign"].to_numpy()
    groups.loc[alone, "group"] = groups["group"].max() + 1 + np.arange(int(alone.sum()))
    groups.loc[alone, "group_size"] = 1
    coded = pd.DataFrame({
        "comment_id": comments["comment_id"], "service_id": comments.get("service_id", ""),
        "source": comments["source"], "date": comments["date"],
        "ward_code": comments.get("ward_code", ""), "text": texts,
        "personal_data_found": redaction.found.sum(axis=1).to_numpy(),
        "redaction_uncertain": redaction.uncertain.to_numpy(bool),
        "rule_sentiment": rules["sentiment"], "rule_score": rules["score"].round(4),
        "themes": rules["themes"], "theme_sentiments": rules["theme_sentiments"],
        "group": groups["group"].to_numpy(), "group_size": groups["group_size"].to_numpy(),
        "why": rules["why"]})
    coded["service_id"] = coded["service_id"].fillna("")
    coded_by_id = coded.set_index("comment_id")
    texts_by_id = dict(zip(coded["comment_id"], coded["text"]))

    model, reliability_table = None, pd.DataFrame()
    coded["sentiment"] = coded["rule_sentiment"]
    coded["sentiment_source"] = "rules"
    coded["confidence"] = np.nan
    coded["needs_review"] = False
    hand_coded = ws.hand_coded
    untrained_reason = ""
    if hand_coded is not None and len(hand_coded):
        coder = reference_coder(hand_coded, settings)
        reference = hand_coded[hand_coded["coder"] == coder].set_index("comment_id")
        # A sample still being built is no error: the rules code everything until it is enough.
        untrained_reason = sample_shortfall(reference["sentiment"])
    if untrained_reason == "" and hand_coded is not None and len(hand_coded):
        model = SentimentClassifier(parameters.lexicon).fit(
            [texts_by_id[i] for i in reference.index], reference["sentiment"].to_numpy(object))
        all_texts = coded["text"].tolist()
        coded["confidence"] = model.predict_confidence(all_texts).round(4)
        suggested = model.predict(all_texts)
        sure = coded["confidence"].to_numpy() >= settings["review_threshold"]
        coded["suggested_sentiment"] = suggested
        coded["sentiment"] = np.where(sure, suggested, "")
        coded["sentiment_source"] = np.where(sure, "model", "review")
        is_coded = coded["comment_id"].isin(reference.index).to_numpy()
        coded.loc[is_coded, "sentiment"] = reference.loc[coded.loc[is_coded, "comment_id"],
                                                         "sentiment"].to_numpy()
        coded.loc[is_coded, "sentiment_source"] = f"hand-coded ({coder})"
        coded["needs_review"] = coded["sentiment_source"] == "review"
        codes = parameters.codeframe["code"].tolist()
        # Cross-validating the model trains it on all but one fold: with fewer than three
        # comments of a label, some fold's training rows would hold one, too few to train on.
        # The model is then used but its out-of-fold agreement is not reported.
        held_out = reference["sentiment"].value_counts().min() >= 3
        reliability_table = _reliability_rows(
            hand_coded, coder, texts_by_id, coded_by_id, codes,
            SentimentClassifier(parameters.lexicon) if held_out else None,
            ThemeClassifier(parameters.theme_matcher) if held_out else None, folds)

    mentions = _mentions(coded)
    quotes = select_quotes(coded, mentions[["comment_id", "code", "sentiment"]],
                           parameters.theme_matcher, max_words=settings["quote_max_words"],
                           per_theme=settings["quotes_per_theme"])
    queue = coded.loc[coded["needs_review"], ["comment_id", "service_id", "source", "date",
                                              "text", "suggested_sentiment", "confidence",
                                              "rule_sentiment", "why", "themes"]] \
        if "suggested_sentiment" in coded else coded.iloc[:0][["comment_id", "text"]]
    queue = queue.rename(columns={"themes": "suggested_themes"}).assign(
        coder="", sentiment="", themes="").reset_index(drop=True)
    return CodedComments(comments=coded[CODED_COLUMNS].copy(), mentions=mentions,
                         quotes=quotes, review_queue=queue, reliability=reliability_table,
                         redaction=redaction.counts, model=model,
                         untrained_reason=untrained_reason)


def _mentions(coded: pd.DataFrame) -> pd.DataFrame:
    """One row per comment × theme with the theme's sentiment."""
    pairs = coded[["comment_id", "service_id", "date", "group", "group_size",
                   "theme_sentiments"]].copy()
    pairs["theme_sentiments"] = pairs["theme_sentiments"].str.split(";")
    pairs = pairs.explode("theme_sentiments")
    pairs = pairs[pairs["theme_sentiments"].fillna("") != ""]
    split = pairs["theme_sentiments"].str.split(":", n=1, expand=True)
    pairs = pairs.assign(code=split[0], sentiment=split[1]).drop(columns="theme_sentiments")
    return pairs[["comment_id", "service_id", "date", "code", "sentiment", "group",
                  "group_size"]].reset_index(drop=True)



def coded_comments(ws, *, cache: bool = True) -> CodedComments:
    """:func:`code_comments` without the fitted model, computed once per content of the
    comments, the hand-coded sample and the parameters, and read back from the cache afterwards
    (training the model takes seconds). The inputs are hashed once per loaded workspace."""
    return ws.derived(("coded_comments", cache), lambda: _coded_comments(ws, cache=cache))


def keep_coded(ws, coded: CodedComments) -> None:
    """Keep ``coded`` (:func:`code_comments` of ``ws``) as the coding of ``ws``'s inputs, so
    :func:`coded_comments` reads it back instead of coding them again (``pmresearch code``
    followed by ``pmresearch evidence`` or ``packs`` trains the classifier once)."""
    kept = replace(coded, model=None)
    _cache.write(_coded_key(ws), kept)
    ws.derived(("coded_comments", True), lambda: kept)


def _coded_key(ws) -> str:
    """The cache key of ``ws``'s coding: the names and content of its comments, hand-coded
    sample and parameter files."""
    from pathlib import PurePosixPath

    inputs = {name: path for name, path in ws.files.items()
              if PurePosixPath(name).stem in ("comments", "hand_coded")
              or name.startswith("parameters/")}
    return _cache.files_key(inputs, salt="coded_comments")


def _coded_comments(ws, *, cache: bool) -> CodedComments:
    key = _coded_key(ws) if cache else None
    found = _cache.read(key)
    if isinstance(found, CodedComments):
        return found
    # The fitted model is left out: packs do not need it, and it is most of the bytes.
    result = replace(code_comments(ws), model=None)
    _cache.write(key, result)
    return result


THEME_SUMMARY_COLUMNS = ["code", "label", "comments", "pct_of_comments", "negative",
                         "pct_negative", "campaign_responses", "top_issue"]


def theme_summary(coded: CodedComments, codeframe: pd.DataFrame, service_id: str,
                  start: pd.Timestamp, end: pd.Timestamp, settings: dict) -> pd.DataFrame:
    """Themes of a service's comments dated ``start`` to ``end``, campaigns counted once.

    A campaign or duplicate group counts as one comment: ``comments`` is the number of groups
    raising the theme, ``pct_of_comments`` their share of the service's groups (the base, in
    ``attrs["base"]``), ``negative`` the groups whose mention of the theme is negative and
    ``pct_negative`` their share of the mentions; ``campaign_responses`` counts the extra
    near-identical comments left out. These are counts of comments received, not estimates of
    residents' views. ``top_issue`` applies domain.md §5 rule 14 with the thresholds in
    ``settings.coding``: at least ``top_issue_share`` of the comments, a base of at least
    ``top_issue_min_comments``, and at least ``top_issue_negative_share`` of mentions negative.

    Returns
    -------
    DataFrame
        Columns :data:`THEME_SUMMARY_COLUMNS`, most-raised theme first.
    """
    comments = coded.comments
    dates = pd.to_datetime(comments["date"])
    in_scope = comments[(comments["service_id"] == service_id) & dates.between(start, end)]
    base = int(in_scope["group"].nunique())
    mentions = coded.mentions[coded.mentions["comment_id"].isin(in_scope["comment_id"])]
    # One vote per group: its first member's mention stands for the group.
    first = mentions.drop_duplicates(["group", "code"])
    counts = first.groupby("code").agg(comments=("group", "size"),
                                       negative=("sentiment", lambda s: int((s == "negative")
                                                                            .sum())))
    # An empty selection keeps the source columns' dtypes (text), so state the counts' type.
    counts = counts.astype({"comments": int, "negative": int})
    raw = mentions.groupby("code").size()
    table = codeframe[["code", "label"]].merge(counts, left_on="code", right_index=True)
    table["campaign_responses"] = (raw.reindex(table["code"]).to_numpy() - table["comments"])
    table["pct_of_comments"] = 100 * table["comments"] / base if base else np.nan
    table["pct_negative"] = 100 * table["negative"] / table["comments"]
    table["top_issue"] = ((base >= settings["top_issue_min_comments"])
                          & (table["pct_of_comments"] >= 100 * settings["top_issue_share"])
                          & (table["pct_negative"] >= 100 * settings["top_issue_negative_share"]))
    table = table.sort_values(["comments", "code"], ascending=[False, True], ignore_index=True)
    table = table[THEME_SUMMARY_COLUMNS]
    table.attrs["base"] = base
    table.attrs["comments_received"] = len(in_scope)
    return table

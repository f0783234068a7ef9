"""Rule-based sentiment: a lexicon and a few linguistic rules, applied to whole batches at once.

How a comment is scored (every step can be read back with :func:`explain_sentiment`):

1. **Terms.** Each word or phrase in ``lexicon.csv`` carries a valence from −4 to +4. Phrases
   win over the words inside them, longest first; an unlisted word falls back to a listed base
   form by removing a simple suffix (``-s``, ``-ed``, ``-ing``, ``-ly``, ``-er``, ``-est``).
   Formulas of courtesy (``politeness``) carry nothing.
2. **Negation.** A term within ``negation_scope`` words after a negator in the same clause is
   reversed and weakened: ``not good`` becomes negative, ``not terrible`` only mildly positive.
3. **Intensifiers and down-toners** just before a term scale it (``very`` ×1.3, ``slightly``
   ×0.5); **hypothetical** terms (``would be helpful``) count for less, as a suggestion is not a
   judgement of the service.
4. **Contrast.** In a sentence with ``but`` or ``however`` the clause it opens outweighs the
   clauses before it; a clause opened by ``although`` or ``despite`` counts for less.
   A sentence ending in ``!`` counts for more.
5. **Labels.** The terms' contributions add up to a total whose ``tanh(total / score_scale)``
   is the score, from −1 to +1. A comment with both a clearly positive clause and a clearly
   negative clause (each at least ``mixed_threshold``) is **mixed**; otherwise it is positive or
   negative beyond ±``neutral_band``, else neutral.

The weights are in ``parameters/sentiment.yaml`` and the label thresholds in
``parameters/rules.yaml`` (``settings.coding``), so a council can change either and see why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._tokens import Tokens, tokenize, vocab_text
from .lexicon import Lexicon, phrase_keys

__all__ = ["SENTIMENT_COLUMNS", "SENTIMENT_LABELS", "TokenScores", "explain_sentiment",
           "label_sentiment", "score_sentiment", "score_tokens", "summarise"]

SENTIMENT_LABELS = ("positive", "negative", "neutral", "mixed")
SENTIMENT_COLUMNS = ["sentiment", "score", "positive", "negative", "strongest_positive_clause",
                     "strongest_negative_clause", "n_terms"]

from .lexicon import (CONCESSIVE as _CONCESSIVE, CONTRAST as _CONTRAST,  # noqa: E402
                      DOWNTONER as _DOWNTONER, HYPOTHETICAL as _HYPOTHETICAL,
                      INTENSIFIER as _INTENSIFIER, NEGATOR as _NEGATOR, NONE as _NONE,
                      POLITE as _POLITE)
_ROLE_NAMES = {_NEGATOR: "negator", _INTENSIFIER: "intensifier", _DOWNTONER: "down-toner",
               _CONTRAST: "contrast", _CONCESSIVE: "concessive", _HYPOTHETICAL: "hypothetical",
               _POLITE: "politeness formula"}
_REACHING = (_NEGATOR, _INTENSIFIER, _DOWNTONER, _HYPOTHETICAL)


@dataclass(frozen=True, eq=False)
class TokenScores:
    """Every token's part in its comment's score, aligned with the :class:`Tokens` arrays.

    Attributes
    ----------
    tokens : Tokens
    term : ndarray of str
        The lexicon term a token (or the phrase it starts) matched, or "".
    valence : ndarray of float
        The term's valence from the lexicon (0 for other tokens).
    role : ndarray of int
        Negator, intensifier, contrast marker … (see ``_ROLE_NAMES``).
    negated, modifier, hypothetical, clause_weight, exclamation : ndarray of float
        The factor each rule applied (1 where it did not fire).
    contribution : ndarray of float
        valence × every factor: what the token adds to its comment's total.
    clause : ndarray of int
        A clause number unique across the batch (sentences split at ``;``, ``:``, contrast
        markers, and the comma that closes a concessive clause).
    negator_at, modifier_at : ndarray of int
        For a negated or modified term, the position of the word that changed it (else −1).
    """

    tokens: Tokens
    term: np.ndarray
    valence: np.ndarray
    role: np.ndarray
    negated: np.ndarray
    modifier: np.ndarray
    hypothetical: np.ndarray
    clause_weight: np.ndarray
    exclamation: np.ndarray
    contribution: np.ndarray
    clause: np.ndarray
    negator_at: np.ndarray
    modifier_at: np.ndarray


def _resolve_vocab(tokens: Tokens, lexicon: Lexicon):
    """Valence, role, factor and matched term of every distinct word of a batch."""
    vocab = tokens.vocab
    table = lexicon.words
    at = table.index.get_indexer(vocab)
    known = at >= 0
    valence = np.where(known, table.valence[at], 0.0)
    role = np.where(known, table.role[at], _NONE).astype(np.int8)
    factor = np.where(known, table.factor[at], 1.0)
    term = np.where(known, table.term[at], "").astype(object)
    # Any contraction in n't negates (didn't, shan't, needn't), listed or not.
    contraction = ~known & np.char.endswith(vocab_text(tokens), "n't")
    role[contraction] = _NEGATOR
    term[contraction] = vocab[contraction]
    return valence, role, factor, term


def _keep_leftmost(starts: np.ndarray, length: int) -> np.ndarray:
    """Of sorted match starts of one length, those left after dropping any that overlap an
    earlier kept match."""
    if len(starts) < 2 or (np.diff(starts) >= length).all():
        return np.ones(len(starts), dtype=bool)
    keep = np.zeros(len(starts), dtype=bool)
    last_end = -1
    for i, start in enumerate(starts.tolist()):
        if start >= last_end:
            keep[i], last_end = True, start + length
    return keep


def _match_phrases(tokens: Tokens, lexicon: Lexicon) -> dict[str, np.ndarray]:
    """Non-overlapping phrase matches as arrays ``start``, ``length``, ``text``, ``role`` and
    ``value``; longer phrases claim their tokens first, and among phrases of one length the
    leftmost wins.

    Each token becomes an id in the lexicon's phrase vocabulary (−1 if no phrase has it). A
    window of tokens whose first word can begin a phrase and whose second can follow one is
    keyed exactly like the phrases are, and looked up among their sorted keys.
    """
    words = lexicon.phrase_words
    base = len(words) + 1
    ids, doc, n = tokens.ids, tokens.doc, len(tokens.ids)
    in_phrases = words.get_indexer(tokens.vocab)[ids] if n else np.zeros(0, dtype=np.int64)
    covered = np.zeros(n, dtype=bool)
    found: dict[str, list] = {"start": [], "length": [], "text": [], "role": [], "value": []}
    for length, table in lexicon.phrases.items():
        if n < length:
            continue
        span = n - length + 1
        # A phrase lies within one comment: its first and last tokens share a doc.
        candidates = np.flatnonzero(table.first[in_phrases[:span]]
                                    & table.second[in_phrases[1:span + 1]]
                                    & (in_phrases[:span] >= 0) & (in_phrases[1:span + 1] >= 0)
                                    & (doc[:span] == doc[length - 1:]))
        if not len(candidates):
            continue
        window_keys = phrase_keys(in_phrases[candidates[:, None] + np.arange(length)], base)
        at = table.keys.get_indexer(window_keys)
        hit = at >= 0
        starts, row = candidates[hit], table.row[at[hit]]
        if covered.any():  # a longer phrase already holds some of these tokens
            free = ~covered[starts[:, None] + np.arange(length)].any(axis=1)
            starts, row = starts[free], row[free]
        keep = _keep_leftmost(starts, length)
        starts, row = starts[keep], row[keep]
        covered[(starts[:, None] + np.arange(length)).ravel()] = True
        found["start"].append(starts)
        found["length"].append(np.full(len(starts), length))
        found["text"].append(table.text[row])
        found["role"].append(table.role[row])
        found["value"].append(table.value[row])
    return {key: np.concatenate(parts) if parts else np.zeros(0)
            for key, parts in found.items()}


def _first_of(group: np.ndarray) -> np.ndarray:
    """True where a new run of ``group`` values starts."""
    return np.r_[True, group[1:] != group[:-1]] if len(group) else np.zeros(0, dtype=bool)


def score_tokens(tokens: Tokens, lexicon: Lexicon) -> TokenScores:
    """Apply the lexicon and the sentiment rules to every token of a batch.

    Parameters
    ----------
    tokens : Tokens
        From :func:`pmresearch.coding._tokens.tokenize`.
    lexicon : Lexicon
        From :func:`pmresearch.coding.lexicon.read_lexicon` or the workspace's parameters.

    Returns
    -------
    TokenScores
    """
    w = lexicon.weights
    valence_v, role_v, factor_v, term_v = _resolve_vocab(tokens, lexicon)
    ids = tokens.ids
    valence, role, factor, term = valence_v[ids], role_v[ids], factor_v[ids], term_v[ids]
    matched = _match_phrases(tokens, lexicon)
    if len(matched["start"]):
        starts, lengths = matched["start"].astype(np.int64), matched["length"].astype(np.int64)
        kind = matched["role"].astype(np.int8)
        inside = np.repeat(starts, lengths) + (np.arange(lengths.sum())
                                               - np.repeat(np.cumsum(lengths) - lengths, lengths))
        valence[inside], role[inside], term[inside] = 0.0, _NONE, ""
        # A phrase that opens a clause ("on the other hand") sits on its first word; one that
        # reaches forward ("no one", "a bit") on its last, so its scope counts from there.
        at = np.where(np.isin(kind, _REACHING), starts + lengths - 1, starts)
        term[at] = matched["text"]
        role[at] = kind
        valence[at] = np.where(kind == _NONE, matched["value"], 0.0)
        factor[at] = np.where((kind == _INTENSIFIER) | (kind == _DOWNTONER), matched["value"], 1.0)
    n = len(ids)
    vocab = tokens.vocab
    semicolon = np.isin(vocab, [";", ":"])[ids]
    comma = (vocab == ",")[ids]
    bang = np.asarray(vocab == "!", dtype=bool)[ids]
    punctuation = ~tokens.is_word
    marker = (role == _CONTRAST) | (role == _CONCESSIVE)
    doc_start = _first_of(tokens.doc)
    sentence_start = _first_of(tokens.sentence)

    # Negators, modifiers and "would" reach forward within a scope that punctuation and
    # contrast markers close.
    scope = np.cumsum(doc_start | punctuation | marker)
    valued = np.flatnonzero(valence != 0)

    def reach(flags: np.ndarray, distance: float) -> tuple[np.ndarray, np.ndarray]:
        """Which terms the nearest earlier trigger reaches, and where that trigger is (−1)."""
        trigger_at = np.full(n, -1)
        triggers = np.flatnonzero(flags)
        if len(triggers) and len(valued):
            nearest = np.searchsorted(triggers, valued) - 1
            last = triggers[np.maximum(nearest, 0)]
            ok = (nearest >= 0) & (valued - last <= distance) & (scope[last] == scope[valued])
            trigger_at[valued[ok]] = last[ok]
        return trigger_at >= 0, trigger_at

    negated_mask, negator_at = reach(role == _NEGATOR, w["negation_scope"])
    negated = np.where(negated_mask & (valence > 0), w["negated_positive"],
                       np.where(negated_mask, w["negated_negative"], 1.0))
    modified_mask, modifier_at = reach((role == _INTENSIFIER) | (role == _DOWNTONER),
                                       w["modifier_scope"])
    modifier = np.where(modified_mask, factor[np.maximum(modifier_at, 0)], 1.0)
    hypothetical_mask, _ = reach(role == _HYPOTHETICAL, w["hypothetical_scope"])
    hypothetical = np.where(hypothetical_mask, w["hypothetical"], 1.0)

    # Clauses: sentences split at ; and :, at contrast markers, and after the comma that
    # closes a clause opened by "although".
    basic = np.cumsum(sentence_start | marker | semicolon)
    opens_concessive = np.zeros(basic[-1] + 1 if n else 0, dtype=bool)
    opens_concessive[basic[(role == _CONCESSIVE)]] = True
    comma_in_concessive = comma & opens_concessive[basic]
    commas_so_far = np.cumsum(comma_in_concessive)
    commas_before_clause = (commas_so_far - comma_in_concessive)[_first_of(basic)][basic - 1] \
        if n else commas_so_far
    closing_comma = comma_in_concessive & (commas_so_far - commas_before_clause == 1)
    clause = np.cumsum(sentence_start | marker | semicolon
                       | np.r_[False, closing_comma[:-1]]) - 1
    clause_first = np.flatnonzero(_first_of(clause))
    concessive_clause = (role[clause_first] == _CONCESSIVE)[clause]

    # "but": in a sentence with one, the clause after the last outweighs what came before.
    is_contrast = role == _CONTRAST
    contrasts = np.cumsum(is_contrast)
    first_in_sentence = np.flatnonzero(sentence_start)
    sentence_index = np.cumsum(sentence_start) - 1
    before = (contrasts - is_contrast)[first_in_sentence][sentence_index]
    seen = contrasts - before
    total = np.add.reduceat(is_contrast.astype(int), first_in_sentence)[sentence_index] \
        if n else seen
    clause_weight = np.where(total == 0, 1.0,
                             np.where(seen == total, w["after_contrast"], w["before_contrast"]))
    clause_weight = clause_weight * np.where(concessive_clause, w["concessive"], 1.0)

    ends_with_bang = np.zeros(sentence_index[-1] + 1 if n else 0, dtype=bool)
    ends_with_bang[sentence_index[bang]] = True
    exclamation = np.where(ends_with_bang[sentence_index], w["exclamation"], 1.0)

    contribution = valence * negated * modifier * hypothetical * clause_weight * exclamation
    contribution[role == _POLITE] = 0.0
    return TokenScores(tokens=tokens, term=term, valence=valence, role=role, negated=negated,
                       modifier=modifier, hypothetical=hypothetical, clause_weight=clause_weight,
                       exclamation=exclamation, contribution=contribution, clause=clause,
                       negator_at=np.where(negated_mask, negator_at, -1),
                       modifier_at=np.where(modified_mask, modifier_at, -1))


def label_sentiment(score: np.ndarray, strongest_positive: np.ndarray,
                    strongest_negative: np.ndarray, *, neutral_band: float,
                    mixed_threshold: float) -> np.ndarray:
    """positive / negative / neutral / mixed from a score and the clause extremes.

    Examples
    --------
    >>> label_sentiment(np.array([0.6, -0.02, 0.1]), np.array([2.0, 0.0, 1.5]),
    ...                 np.array([0.0, 0.0, -1.6]), neutral_band=0.05,
    ...                 mixed_threshold=1.0).tolist()
    ['positive', 'neutral', 'mixed']
    """
    mixed = (strongest_positive >= mixed_threshold) & (strongest_negative <= -mixed_threshold)
    return np.where(mixed, "mixed", np.where(score >= neutral_band, "positive",
                                             np.where(score <= -neutral_band, "negative",
                                                      "neutral"))).astype(object)


def _by_clause(scores: TokenScores):
    """Each clause's total and its comment."""
    clause, doc = scores.clause, scores.tokens.doc
    n_clauses = clause[-1] + 1 if len(clause) else 0
    totals = np.bincount(clause, weights=scores.contribution, minlength=n_clauses)
    clause_doc = np.zeros(n_clauses, dtype=np.int64)
    clause_doc[clause] = doc
    return totals, clause_doc


def summarise(scores: TokenScores, *, score_scale: float, neutral_band: float,
              mixed_threshold: float) -> pd.DataFrame:
    """One row per comment of the batch, in :data:`SENTIMENT_COLUMNS`."""
    n_docs, doc, c = scores.tokens.n_docs, scores.tokens.doc, scores.contribution
    total = np.bincount(doc, weights=c, minlength=n_docs)
    positive = np.bincount(doc, weights=np.clip(c, 0, None), minlength=n_docs)
    negative = np.bincount(doc, weights=np.clip(-c, 0, None), minlength=n_docs)
    n_terms = np.bincount(doc, weights=(c != 0).astype(float), minlength=n_docs).astype(int)
    clause_totals, clause_doc = _by_clause(scores)
    strongest_pos = np.zeros(n_docs)
    strongest_neg = np.zeros(n_docs)
    np.maximum.at(strongest_pos, clause_doc, clause_totals)
    np.minimum.at(strongest_neg, clause_doc, clause_totals)
    score = np.tanh(total / score_scale)
    return pd.DataFrame({
        "sentiment": label_sentiment(score, strongest_pos, strongest_neg,
                                     neutral_band=neutral_band, mixed_threshold=mixed_threshold),
        "score": score, "positive": positive, "negative": negative,
        "strongest_positive_clause": strongest_pos, "strongest_negative_clause": strongest_neg,
        "n_terms": n_terms})


def score_sentiment(texts, lexicon: Lexicon, *, neutral_band: float = 0.05,
                    mixed_threshold: float = 1.0) -> pd.DataFrame:
    """Sentiment of each comment by the lexicon and rules.

    Parameters
    ----------
    texts : Series or iterable of str
        Redacted comments. The result keeps a Series' index.
    lexicon : Lexicon
    neutral_band, mixed_threshold : float
        The label thresholds (``settings.coding`` in ``rules.yaml``).

    Returns
    -------
    DataFrame
        Columns :data:`SENTIMENT_COLUMNS`: ``sentiment`` (label), ``score`` (−1 … +1),
        ``positive`` and ``negative`` (totals of the positive and negative contributions),
        the strongest positive and negative clause totals, and ``n_terms``.

    Examples
    --------
    >>> from pmresearch.coding.lexicon import read_lexicon
    >>> lex = read_lexicon()
    >>> score_sentiment(["The bins are never collected on time.",
    ...                  "Thank you for all your hard work.",
    ...                  "Library staff were brilliant but the opening hours are too short."],
    ...                 lex)["sentiment"].tolist()
    ['negative', 'positive', 'mixed']
    """
    index = texts.index if isinstance(texts, pd.Series) else None
    scores = score_tokens(tokenize(texts), lexicon)
    table = summarise(scores, score_scale=lexicon.weights["score_scale"],
                      neutral_band=neutral_band, mixed_threshold=mixed_threshold)
    if index is not None:
        table.index = index
    return table


def explain_sentiment(text: str, lexicon: Lexicon, *, neutral_band: float = 0.05,
                      mixed_threshold: float = 1.0) -> pd.DataFrame:
    """Why one comment got its label: every term and rule that fired, and what each added.

    Returns
    -------
    DataFrame
        One row per term that carries valence or plays a role, in text order: ``clause``
        (1, 2 … within the comment), ``term``, ``valence``, ``rules`` (the factors applied,
        in words) and ``contribution``. ``attrs["sentiment"]`` and ``attrs["score"]`` hold
        the comment's label and score.

    Examples
    --------
    >>> from pmresearch.coding.lexicon import read_lexicon
    >>> why = explain_sentiment("The park is not very clean.", read_lexicon())
    >>> print(why[["term", "valence", "rules", "contribution"]].to_string(index=False))
     term  valence                               rules  contribution
      not      0.0                             negator         0.000
     very      0.0                         intensifier         0.000
    clean      1.4 negated by 'not' ×-0.7; 'very' ×1.3        -1.274
    >>> why.attrs["sentiment"]
    'negative'
    """
    tokens = tokenize([text])
    scores = score_tokens(tokens, lexicon)
    summary = summarise(scores, score_scale=lexicon.weights["score_scale"],
                        neutral_band=neutral_band, mixed_threshold=mixed_threshold)
    words = tokens.text
    rows = []
    first_clause = scores.clause[0] if len(scores.clause) else 0
    for i in np.flatnonzero((scores.valence != 0) | (scores.role != _NONE)):
        rules = []
        if scores.role[i] != _NONE:
            rules.append(_ROLE_NAMES[scores.role[i]])
        if scores.negator_at[i] >= 0:
            rules.append(f"negated by '{words[scores.negator_at[i]]}' ×{scores.negated[i]:g}")
        if scores.modifier_at[i] >= 0:
            rules.append(f"{scores.term[scores.modifier_at[i]]!r} ×{scores.modifier[i]:g}")
        if scores.hypothetical[i] != 1:
            rules.append(f"hypothetical ×{scores.hypothetical[i]:g}")
        if scores.clause_weight[i] != 1 and scores.valence[i] != 0:
            rules.append(f"clause weight ×{scores.clause_weight[i]:g}")
        if scores.exclamation[i] != 1 and scores.valence[i] != 0:
            rules.append(f"exclamation ×{scores.exclamation[i]:g}")
        rows.append({"clause": int(scores.clause[i] - first_clause + 1), "term": scores.term[i],
                     "valence": scores.valence[i], "rules": "; ".join(rules),
                     "contribution": round(float(scores.contribution[i]), 3)})
    table = pd.DataFrame(rows, columns=["clause", "term", "valence", "rules", "contribution"])
    table.attrs.update(sentiment=summary["sentiment"].iloc[0],
                       score=round(float(summary["score"].iloc[0]), 3))
    return table

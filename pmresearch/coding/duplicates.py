"""Campaign letters and copy-pasted responses: group near-identical comments so they count once.

An organised campaign sends the council many copies of one letter, each with small edits (a
salutation, a sentence dropped or reworded, a line about the sender). Counted one by one, forty
copies of "Save Larkrise Library" would outweigh every independent comment on libraries, so theme
shares count each campaign once and report its size beside it.

How two comments are judged to be copies
-----------------------------------------
Text is normalised by the coding package's tokenizer (lower case, punctuation dropped) and cut
into overlapping three-word phrases ("shingles"). Two comments are copies when

* their **Jaccard similarity** (shared phrases ÷ phrases in either) is at least ``threshold``,
  and
* they share at least as many phrases as a ``min_words``-word text has (``min_words`` − 2),
  i.e. a long stretch of identical wording, not one stock sentence.

Copies are joined into groups by connected components, so a campaign whose variants drift apart
stays one group as long as each copy has a close neighbour.

Why Jaccard and not containment: containment (shared ÷ phrases of the *shorter* text) calls a
one-sentence comment that quotes a campaign letter a copy of it, pulling independent comments
into the campaign; Jaccard needs the two texts to be mostly the same text. Why the shared-words
floor: residents share stock sentences ("the bins are never collected on time") without copying
each other, and a short comment differing from another by a word is more likely a common
complaint than a campaign. Two or three sentences of identical wording (30 words) is not
something independent writers produce.

Why ``threshold=0.5``: at 0.5 the shared phrases are at least two thirds of each text (for
texts of equal length), so a copy may carry a personal sentence or lose one; the demo council's
campaigns (template letters with alternative wordings per sentence) need ≤ 0.55 to stay whole,
while comments that share one stock sentence stay far below (a campaign letter's highest
similarity to any other demo comment is 0.06). ``tests/test_duplicates.py`` checks both ends on
synthetic letters.

Short texts
-----------
Texts with fewer than ``min_words`` words are grouped only with texts identical after
normalisation ("No comment." and "no comment"), and such groups are **not campaigns**
(``is_campaign`` is False): six residents who each wrote "No comment" or "The trains are always
late" are six voices. To count each campaign once in theme shares keep the rows with
``is_first | ~is_campaign``.

Scale
-----
Candidate pairs come from prefix filtering (Chaudhuri, Ganti & Kaushik 2006; Bayardo, Ma &
Srikant 2007): a pair can only reach the similarity bounds if the rarest few phrases of each text
overlap, so only those enter the sparse product, then every candidate is checked exactly. Very
common phrases rarely enter the product, which keeps time and memory down; unlike dropping
common phrases outright, this loses no pair (a large campaign's own phrases are common too).
Measured on two cores: 10,000 comments in under a second; 100,000 in about 3 s when the texts
are mostly the residents' own words and 13 s when they recombine a few thousand stock sentences
(as the demo's do), peaking under 1 GB (most of it the tokenizer's).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ._tokens import tokenize

__all__ = ["group_near_duplicates"]

_SHINGLE = 3  # words per phrase: long enough to keep word order, short enough to survive edits
_ROWS_PER_BLOCK = 4096  # rows of the candidate product at a time: bounds memory on 10^5 texts
_PAIRS_PER_CHECK = 500_000  # candidate pairs verified at a time
# Rare phrases two texts must share before they are compared in full (see _copy_pairs):
# 8 to 16 run equally fast on 10^5 texts built from stock sentences; 1 (plain prefix filtering)
# is almost five times slower there (59 s against 12 s), as every shared stock sentence makes a
# candidate to check.
_PREFIX_MATCHES = 12


def group_near_duplicates(texts: Iterable[str] | pd.Series, *, threshold: float = 0.5,
                          min_words: int = 30) -> pd.DataFrame:
    """Group comments that are copies of one another (campaign letters, copy-pastes).

    Parameters
    ----------
    texts : Series or iterable of str
        The comments; missing values count as empty comments.
    threshold : float, default 0.5
        Least Jaccard similarity of two comments' three-word phrases for them to be copies
        (0 < threshold ≤ 1; see the module notes for why 0.5).
    min_words : int, default 30
        Least length of shared wording, in words, for two comments to be copies; shorter texts
        are grouped only with identical texts and never count as a campaign. At least 3.

    Returns
    -------
    DataFrame
        One row per comment, in input order (with the Series' index if ``texts`` is a Series):
        ``group`` (int, 0, 1, … in order of each group's first comment; a comment with no copy
        has a group of its own), ``group_size``, ``is_first`` (the group's first comment in input
        order) and ``is_campaign`` (a member of a group of two or more copies; False for repeats of
        short texts).

    Raises
    ------
    ValueError
        If ``threshold`` or ``min_words`` is out of range.

    Examples
    --------
    >>> letter = ("I object to the closure of Larkrise Library. It is the heart of our village "
    ...           "and the only place with free computers for miles. Older residents rely on it "
    ...           "for company. Please keep it open.")
    >>> texts = [letter, "No comment.", "Dear Sir or Madam, " + letter, "no comment",
    ...          "The bins were not collected on Tuesday again."]
    >>> group_near_duplicates(texts)
       group  group_size  is_first  is_campaign
    0      0           2      True         True
    1      1           2      True        False
    2      0           2     False         True
    3      1           2     False        False
    4      2           1      True        False

    Theme shares count each campaign once:

    >>> groups = group_near_duplicates(texts)
    >>> int((groups["is_first"] | ~groups["is_campaign"]).sum())
    4
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be above 0 and at most 1 (a share of shared wording); "
                         f"got {threshold!r}.")
    if isinstance(min_words, bool) or not isinstance(min_words, (int, np.integer)) \
            or min_words < _SHINGLE:
        raise ValueError(f"min_words must be a whole number of at least {_SHINGLE} (copies are "
                         f"compared by {_SHINGLE}-word phrases); got {min_words!r}.")
    index = texts.index if isinstance(texts, pd.Series) else None
    tokens = tokenize(texts)
    n_docs = tokens.n_docs
    word_ids = tokens.ids[tokens.is_word]
    word_doc = tokens.doc[tokens.is_word]
    n_words = np.bincount(word_doc, minlength=n_docs)

    # Identical texts first: one representative per distinct normalised text keeps the pair
    # search small when a campaign sends many verbatim copies.
    normalised = _normalised_texts(tokens.vocab, word_ids, word_doc, n_docs)
    text_id, distinct = pd.factorize(normalised)
    first_of_text = np.full(len(distinct), n_docs, dtype=np.int64)
    np.minimum.at(first_of_text, text_id, np.arange(n_docs))
    text_words = n_words[first_of_text]

    text_group = np.arange(len(distinct))
    long = np.flatnonzero(text_words >= min_words)
    if len(long) > 1:
        edges = _copy_pairs(word_ids, word_doc, first_of_text[long], threshold, min_words)
        graph = sp.coo_matrix((np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])),
                              shape=(len(long), len(long)))
        _, component = connected_components(graph, directed=False)
        text_group[long] = len(distinct) + component

    # Number groups by first appearance; factorize keeps the order values are first seen.
    group, _ = pd.factorize(text_group[text_id])
    group_size = np.bincount(group)[group]
    is_first = ~pd.Series(group).duplicated().to_numpy()
    return pd.DataFrame({
        "group": group.astype(np.int64),
        "group_size": group_size.astype(np.int64),
        "is_first": is_first,
        "is_campaign": (group_size >= 2) & (n_words >= min_words),
    }, index=index if index is not None else pd.RangeIndex(n_docs))


def _normalised_texts(vocab: np.ndarray, word_ids: np.ndarray, word_doc: np.ndarray,
                      n_docs: int) -> np.ndarray:
    """Each comment's words joined by single spaces ("" for a comment with no words)."""
    words = vocab[word_ids]
    bounds = np.searchsorted(word_doc, np.arange(n_docs + 1))
    return np.array([" ".join(words[a:b]) for a, b in zip(bounds[:-1], bounds[1:])],
                    dtype=object)


def _shingle_sets(word_ids: np.ndarray, word_doc: np.ndarray, docs: np.ndarray) -> sp.csr_matrix:
    """Which three-word phrases each chosen comment contains (rows: positions in ``docs``)."""
    row_of_doc = np.full(word_doc.max() + 1 if len(word_doc) else 0, -1, dtype=np.int64)
    row_of_doc[docs] = np.arange(len(docs))
    keep = row_of_doc[word_doc] >= 0
    ids, doc = word_ids[keep], word_doc[keep]
    starts = np.flatnonzero(doc[:len(doc) - _SHINGLE + 1] == doc[_SHINGLE - 1:])
    # Number each phrase by factorising one more word at a time: exact, and no overflow however
    # large the vocabulary.
    phrase = ids[starts]
    for offset in range(1, _SHINGLE):
        phrase, _ = pd.factorize(phrase * (ids.max() + 1) + ids[starts + offset])
    n_phrases = int(phrase.max()) + 1 if len(phrase) else 0
    # A phrase said twice in one comment counts once: building the matrix adds up repeats,
    # which are then set back to one.
    matrix = sp.csr_matrix((np.ones(len(phrase), dtype=np.float32),
                            (row_of_doc[doc[starts]], phrase)), shape=(len(docs), n_phrases))
    matrix.data[:] = 1
    return matrix


def _copy_pairs(word_ids: np.ndarray, word_doc: np.ndarray, docs: np.ndarray, threshold: float,
                min_words: int) -> np.ndarray:
    """Pairs (i, j), i < j, of positions in ``docs`` whose texts are copies of one another."""
    phrases = _shingle_sets(word_ids, word_doc, docs)
    n_rows, n_phrases = phrases.shape
    size = np.diff(phrases.indptr)
    row = np.repeat(np.arange(n_rows), size)
    phrase = phrases.indices
    # Least overlap a row needs with any copy: both bounds must hold (Jaccard ≥ t implies
    # overlap ≥ t × own size). The 1e-9 keeps 0.8 × 5 = 4.000…01 from rounding up to 5.
    min_shared = np.maximum(np.ceil(threshold * size - 1e-9), min_words - _SHINGLE + 1)
    # Prefix filtering with a count: order every row's phrases rarest first (one global order,
    # ties by number). If two rows share at least k phrases, their first (size − k + r) phrases
    # have at least r phrases in common: the r-th shared phrase in that order has k − r shared
    # phrases after it in both rows. Rare phrases keep the product cheap; asking for r of them
    # rather than one drops most pairs that share a single stock sentence before checking.
    need = np.minimum(_PREFIX_MATCHES, min_shared).astype(np.int64)
    prefix_len = np.maximum(size - min_shared + need, 0)
    frequency = np.bincount(phrase, minlength=n_phrases)
    rank = np.empty(n_phrases, dtype=np.int64)
    rank[np.lexsort((np.arange(n_phrases), frequency))] = np.arange(n_phrases)
    order = np.lexsort((rank[phrase], row))
    row_sorted, phrase_sorted = row[order], phrase[order]
    position = np.arange(len(row_sorted)) - np.repeat(phrases.indptr[:-1], size)
    in_prefix = position < prefix_len[row_sorted]
    prefix = sp.csr_matrix((np.ones(int(in_prefix.sum()), dtype=np.float32),
                            (row_sorted[in_prefix], phrase_sorted[in_prefix])),
                           shape=(n_rows, n_phrases))

    least_need = need.min() if n_rows else 1
    found = []
    for start in range(0, n_rows, _ROWS_PER_BLOCK):
        # Only rows from ``start`` on as partners: each pair is met once, in its first row's block.
        block = prefix[start:start + _ROWS_PER_BLOCK] @ prefix[start:].T
        # The product holds every pair that shares one rare phrase: cut it down on the counts
        # alone before working out which rows the survivors belong to.
        hit = np.flatnonzero(block.data >= least_need - 0.5)
        i = np.searchsorted(block.indptr, hit, side="right") - 1 + start
        j = block.indices[hit].astype(np.int64) + start
        keep = (j > i) & (block.data[hit] >= np.maximum(need[i], need[j]) - 0.5)
        i, j = i[keep], j[keep]
        keep = (size[j] >= threshold * size[i] - 1e-9) & (size[i] >= threshold * size[j] - 1e-9)
        i, j = i[keep], j[keep]
        for lo in range(0, len(i), _PAIRS_PER_CHECK):
            a, b = i[lo:lo + _PAIRS_PER_CHECK], j[lo:lo + _PAIRS_PER_CHECK]
            shared = np.asarray(phrases[a].multiply(phrases[b]).sum(axis=1)).ravel()
            similar = (shared >= min_shared[a]) & (shared >= min_shared[b]) \
                & (shared >= threshold * (size[a] + size[b] - shared) - 1e-9)
            found.append(np.column_stack([a[similar], b[similar]]))
    return np.concatenate(found) if found else np.zeros((0, 2), dtype=np.int64)

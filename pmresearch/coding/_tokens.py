"""Tokens of many comments at once, as flat arrays, so coding runs at C speed.

Every coder in this package (sentiment, themes, near-duplicates) reads the same
:class:`Tokens`: all comments are joined with a separator and split in one pass, then each
token's text is replaced by an index into the batch's vocabulary. A coder
resolves each *distinct* token once (a few thousand per batch) and spreads the answer to every
occurrence with array indexing, instead of looping over words in Python.

Tokens are lower-case words (letters, digits and apostrophes: ``didn't``, ``council's``; quote
marks around a word are trimmed) and the punctuation that ends a sentence (``.``, ``!``, ``?``) or a clause (``;``, ``:``, ``,``).
Hyphens and slashes separate words, so ``fly-tipping`` is ``fly`` ``tipping``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd

__all__ = ["Tokens", "tokenize", "vocab_text", "words_of"]

_SEPARATOR = "\x1e"  # ASCII record separator: numpy drops trailing NULs from strings
# Tokens are runs of letters, digits and apostrophes, and single punctuation marks. Stray quotes
# are trimmed from words afterwards, once per distinct word, and a full stop between two numbers
# ("7.30am", "£2.50") does not end a sentence. ``words_of`` reads one text with this pattern;
# a batch is split without regular expressions (below), to the same tokens.
_TOKEN = re.compile(r"[a-z0-9']+|[.!?;:,\x1e]")
# The batch splitter: every byte of the UTF-8 text that cannot be part of a token becomes a
# space (bytes of non-ASCII characters too, as the pattern treats them), each punctuation mark
# gets spaces around it, and str.split does the rest: three times faster than the pattern's
# findall. The comment separator becomes "#", which no other character can now be.
_KEEP = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789'.!?;:,\x1e")
_BYTE_TABLE = bytes(byte if byte in _KEEP else ord(" ") for byte in range(256))
_SPACED = tuple((mark.encode(), f" {mark} ".encode()) for mark in ".!?;:,") + \
    ((_SEPARATOR.encode(), b" # "),)
_SPLIT_SEPARATOR = "#"
# Curly apostrophes as typed by word processors and phones (str.replace is many times faster
# than str.translate on a long string).
_APOSTROPHES = ("\u2019", "\u2018", "`")


@dataclass(frozen=True, eq=False)
class Tokens:
    """The tokens of a batch of comments.

    Attributes
    ----------
    n_docs : int
        Number of comments in the batch.
    vocab : ndarray of str
        The distinct tokens of the batch.
    ids : ndarray of int
        For each token, its index into ``vocab``.
    doc : ndarray of int
        For each token, the index of its comment (0 … ``n_docs`` − 1).
    sentence : ndarray of int
        For each token, a sentence number unique across the batch; a sentence ends at
        ``.``, ``!`` or ``?`` (the punctuation belongs to the sentence it ends).
    is_word : ndarray of bool
        True for words, False for punctuation.
    """

    n_docs: int
    vocab: np.ndarray
    ids: np.ndarray
    doc: np.ndarray
    sentence: np.ndarray
    is_word: np.ndarray
    # Work coders derive from the batch's vocabulary, kept so a second coder need not redo it.
    memo: dict = field(default_factory=dict, repr=False)

    @property
    def text(self) -> np.ndarray:
        """Each token's text."""
        return self.vocab[self.ids]

    def lookup(self, table: dict, default=0.0, dtype=float) -> np.ndarray:
        """Each token's value in ``table`` (keyed by token text), or ``default``."""
        per_word = np.fromiter((table.get(word, default) for word in self.vocab),
                               dtype=dtype, count=len(self.vocab))
        return per_word[self.ids]

    def doc_text(self, doc: int) -> list[str]:
        """The tokens of one comment, for explanations and tests."""
        return list(self.text[self.doc == doc])


def vocab_text(tokens: Tokens) -> np.ndarray:
    """The batch's vocabulary as a fixed-width string array (for numpy's string functions),
    made once per batch."""
    if "vocab_text" not in tokens.memo:
        tokens.memo["vocab_text"] = tokens.vocab.astype(str) if len(tokens.vocab) else \
            np.zeros(0, dtype="U1")
    return tokens.memo["vocab_text"]


def _first_and_last(words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each word's first and last character, as one-character arrays."""
    if not len(words):
        return np.zeros(0, dtype="U1"), np.zeros(0, dtype="U1")
    fixed = words.astype(str)
    width = fixed.dtype.itemsize // 4
    chars = fixed.view("U1").reshape(len(fixed), width)
    return chars[:, 0].copy(), chars[np.arange(len(fixed)), np.char.str_len(fixed) - 1]


def words_of(text: str) -> list[str]:
    """The tokens :func:`tokenize` makes of one short text, without the batch machinery
    (for checking patterns and lexicon terms as they will be read).

    Examples
    --------
    >>> words_of("Fly-tipping 'isn’t' OK")
    ['fly', 'tipping', "isn't", 'ok']
    """
    text = text.lower()
    for apostrophe in _APOSTROPHES:
        text = text.replace(apostrophe, "'")
    return [w.strip("'") or w for w in _TOKEN.findall(text)]


def _split(joined: str) -> list[str]:
    """The tokens of the joined, lower-cased batch, as ``_TOKEN.findall`` gives them (with
    ``_SPLIT_SEPARATOR`` for the separator)."""
    spaced = joined.encode("utf-8").translate(_BYTE_TABLE)
    for mark, padded in _SPACED:
        if mark in spaced:
            spaced = spaced.replace(mark, padded)
    return spaced.decode("ascii").split()


def tokenize(texts: Iterable[str]) -> Tokens:
    """Split comments into :class:`Tokens`.

    Parameters
    ----------
    texts : iterable of str
        The comments; missing values count as empty comments.

    Returns
    -------
    Tokens

    Examples
    --------
    >>> tokens = tokenize(["Fly-tipping isn't cleared!", "Great park."])
    >>> tokens.doc_text(0)
    ['fly', 'tipping', "isn't", 'cleared', '!']
    >>> tokens.doc.tolist(), tokens.sentence.tolist()
    ([0, 0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 1, 1, 1])
    """
    texts = texts if isinstance(texts, list) else list(texts)
    try:
        joined = _SEPARATOR.join(texts)
    except TypeError:  # a missing comment (NaN, None) is an empty one
        texts = [t if isinstance(t, str) else "" for t in texts]
        joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) != len(texts) - 1 and texts:
        texts = [t.replace(_SEPARATOR, " ") for t in texts]  # the separator inside a comment
        joined = _SEPARATOR.join(texts)
    joined = joined.lower()
    for apostrophe in _APOSTROPHES:
        joined = joined.replace(apostrophe, "'")
    joined += _SEPARATOR
    # Factorise first and find the separators by id: comparing integers is far cheaper than
    # comparing strings. The separator closes its comment.
    all_ids, all_vocab = pd.factorize(np.array(_split(joined), dtype=object))
    separator = int(np.flatnonzero(np.asarray(all_vocab, dtype=object) == _SPLIT_SEPARATOR)[0])
    is_separator = all_ids == separator
    keep = ~is_separator
    doc = (np.cumsum(is_separator) - is_separator)[keep].astype(np.int64)
    raw_ids = all_ids[keep]
    raw_ids = raw_ids - (raw_ids > separator)
    raw_vocab = np.delete(np.asarray(all_vocab, dtype=object), separator)
    first, last = _first_and_last(raw_vocab)
    # 'rubbish' and rubbish are one word; a lone quote mark is kept as a non-word.
    quoted = np.flatnonzero((first == "'") | (last == "'"))
    if len(quoted):
        raw_vocab[quoted] = [w.strip("'") or w for w in raw_vocab[quoted]]
        first[quoted], last[quoted] = _first_and_last(raw_vocab[quoted])
        merged, unique = pd.factorize(raw_vocab)
        ids = merged[raw_ids] if len(raw_ids) else raw_ids
        vocab = np.asarray(unique, dtype=object)
        at = np.zeros(len(vocab), dtype=np.int64)
        at[merged] = np.arange(len(merged))
        first, last = first[at], last[at]
    else:
        ids, vocab = raw_ids, raw_vocab
    n = len(ids)
    is_word = np.char.isalnum(first)[ids] if n else np.zeros(0, dtype=bool)
    ends = np.isin(vocab, [".", "!", "?"])[ids] if n else np.zeros(0, dtype=bool)
    if n > 2:  # a full stop between two numbers is a decimal point
        digit_end, digit_start = np.char.isdigit(last)[ids], np.char.isdigit(first)[ids]
        ends[1:-1] &= ~(digit_end[:-2] & digit_start[2:])
    # A new sentence starts after a sentence end and at every new comment.
    new_doc = np.r_[True, doc[1:] != doc[:-1]] if len(doc) else np.zeros(0, dtype=bool)
    starts = new_doc | np.r_[False, ends[:-1]] if len(doc) else new_doc
    sentence = np.cumsum(starts) - 1
    return Tokens(n_docs=len(texts), vocab=vocab, ids=ids.astype(np.int64), doc=doc,
                  sentence=sentence.astype(np.int64), is_word=is_word)

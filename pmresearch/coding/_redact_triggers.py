"""The byte-level prefilter of :mod:`pmresearch.coding.redact`: which comments of a chunk could
hold what each redaction rule looks for.

Trying a pattern that opens with a lookbehind or ignores case costs Python's regex engine a step
at every character, so each rule runs only on the comments its *trigger* hits: a cheap necessary
condition computed with numpy on the batch's UTF-8 bytes (a byte class at some offsets, or a cue
word looked up in a table of the batch's words). Every trigger is a superset of its rule, and
none looks at text around what it finds, so text an earlier rule replaced cannot make a later
rule match where its trigger did not hit.
"""

from __future__ import annotations

import string
from functools import lru_cache

import numpy as np

__all__: list[str] = []

# Street types an address ends with (the redaction patterns read the same list).
STREET_TYPES = ("Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Close|Drive|Dr|Way|Crescent|Cres|Terrace"
                "|Tce|Gardens|Gdns|Place|Pl|Court|Ct|Grove|Walk|Row|Hill|Mews|Park|Parade|Square"
                "|Sq|Green|Rise|View|Vale|Gate|Chase|Croft|Wharf|Yard|Boulevard|Brow|Fold")

def _bytes(chars: bytes) -> np.ndarray:
    return np.isin(np.arange(256), list(chars))


_DIGIT = _bytes(b"0123456789")
_UPPER = _bytes(string.ascii_uppercase.encode())
_LETTER = _UPPER | _bytes(string.ascii_lowercase.encode())
_INWARD = _bytes(b"ABDEFGHJLNPQRSTUWXYZabdefghjlnpqrstuwxyz")  # never C I K M O V
_CAPITAL_START = _UPPER | _bytes(b"\xc3")  # À-Þ begin with byte C3 in UTF-8
_DASH_END = _bytes(b"-\x93\x94")  # "-", and the last bytes of "–" (E2 80 93) and "—"
_SPACE_OR_DASH = _bytes(b" -")
# Lower-case ASCII letters; tabs and no-break spaces (C2 A0) read as spaces.
_FOLD = np.arange(256, dtype=np.uint8)
_FOLD[65:91] += 32
_FOLD[[9, 0xA0, 0xC2]] = 32
_STREET_TYPE_WORDS = STREET_TYPES.lower().split("|")


class _Triggers:
    """Which comments of a joined chunk could hold what each rule looks for."""

    def __init__(self, joined: str, separator: str):
        self.codes = np.frombuffer(joined.encode("utf-8", "surrogatepass"), dtype=np.uint8)
        self.starts = np.r_[0, np.flatnonzero(self.codes == ord(separator)) + 1]
        self.lower = np.take(_FOLD, self.codes)
        self.digit = np.take(_DIGIT, self.codes)
        self.letter = np.take(_LETTER, self.codes)
        self.digit_at = np.flatnonzero(self.digit)
        edges = np.diff(np.r_[False, self.letter, False].astype(np.int8))
        self.word_starts = np.flatnonzero(edges == 1)
        self.word_ends = np.flatnonzero(edges == -1)
        # A word's key: its first eight letters read as one little-endian integer (a longer
        # word shares its key with its stem, which only makes a trigger a little looser).
        # ``every8[i]`` is the eight bytes from position i, read without copying.
        padded = np.r_[self.lower, np.zeros(8, dtype=np.uint8)]
        every8 = np.ndarray((len(self.codes),), dtype="<u8", buffer=padded, strides=(1,))
        length = np.minimum(self.word_ends - self.word_starts, 8)
        self.word_keys = every8[self.word_starts] & _FIRST_BYTES[length]

    def rows(self, *where: np.ndarray) -> np.ndarray:
        """The comments (0-based, in the chunk) holding any of the given byte positions."""
        return np.unique(np.searchsorted(self.starts, np.concatenate(where), side="right") - 1)

    def sequence(self, *masks: np.ndarray) -> np.ndarray:
        """Positions where ``masks[k]`` holds ``k`` bytes on, for every ``k``."""
        hit = masks[0].copy()
        for offset, mask in enumerate(masks[1:], start=1):
            hit[:-offset] &= mask[offset:]
            hit[-offset:] = False
        return np.flatnonzero(hit)

    def then(self, first: np.ndarray, table: np.ndarray, gaps: range) -> np.ndarray:
        """Positions in ``first`` with a byte from ``table`` some of ``gaps`` bytes later."""
        later = np.zeros(len(first), dtype=bool)
        for gap in gaps:
            later |= table[self.codes[np.minimum(first + gap, len(self.codes) - 1)]]
        return first[later]

    def digits(self, first: np.ndarray, width: int) -> np.ndarray:
        """How many digits the ``width`` bytes from each position hold."""
        return (np.searchsorted(self.digit_at, first + width)
                - np.searchsorted(self.digit_at, first))

    def at_word_start(self, first: np.ndarray) -> np.ndarray:
        return first[(first == 0) | ~(self.letter | self.digit)[np.maximum(first - 1, 0)]]

    def words(self, *words: str, then: bytes = b"", spaces: int = 0) -> np.ndarray:
        """Where one of ``words`` (lower case) stands as a whole word of ASCII letters,
        followed, if ``then`` is given, by one of its bytes after at most ``spaces`` spaces."""
        at = np.flatnonzero(np.isin(self.word_keys, _word_keys(words)))
        if not then:
            return self.word_starts[at]
        after, ok = self.word_ends[at], np.zeros(len(at), dtype=bool)
        blank = np.ones(len(at), dtype=bool)  # every byte so far was a space
        for step in range(spaces + 1):
            inside = after + step < len(self.codes)
            byte = self.lower[np.minimum(after + step, len(self.codes) - 1)]
            ok |= blank & inside & np.isin(byte, list(then))
            blank &= inside & (byte == 32)
        return self.word_starts[at[ok]]


# Masks keeping the first k bytes of a little-endian 8-byte integer, k = 0 … 8.
_FIRST_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)


@lru_cache(maxsize=None)
def _word_keys(words: tuple[str, ...]) -> np.ndarray:
    padded = b"".join(word.encode()[:8].ljust(8, b"\0") for word in words)
    return np.frombuffer(padded, dtype="<u8")


def _ni_or_plate(t: _Triggers, *, ni: bool) -> np.ndarray:
    """Two letters at a word start, then two digits (for an NI number, perhaps after a space
    or dash, and with six digits in the next 12 bytes)."""
    first = t.sequence(t.letter, t.letter, t.digit, t.digit)
    if ni:
        first = np.r_[first, t.sequence(t.letter, t.letter, _SPACE_OR_DASH[t.codes], t.digit,
                                        t.digit)]
        first = first[t.digits(first, 12) >= 6]
    return t.rows(t.at_word_start(first))


def _digits_then(t: _Triggers, count: int, width: int) -> np.ndarray:
    """Digits followed, within ``width`` bytes from them, by ``count`` digits in all."""
    return t.digit_at[t.digits(t.digit_at, width) >= count]


def _house_then_street(t: _Triggers) -> np.ndarray:
    """A street type within ten words after a capitalised word that starts 2 to 5 bytes after
    a digit (house number [letter] [comma] space(s), then up to three street words of up to
    three words of letters each)."""
    starts = t.word_starts
    after_digit = np.zeros(len(starts), dtype=bool)
    for gap in range(2, 6):
        after_digit |= t.digit[np.maximum(starts - gap, 0)] & (starts >= gap)
    first = np.flatnonzero(after_digit & _UPPER[t.codes[starts]])
    street = np.flatnonzero(np.isin(t.word_keys, _word_keys(tuple(_STREET_TYPE_WORDS))))
    if not len(first):
        return first
    nearest = np.searchsorted(first, street - 10)  # the first candidate at most 10 words back
    ok = (nearest < len(first)) & (first[np.minimum(nearest, len(first) - 1)] < street)
    return t.rows(starts[street[ok]])

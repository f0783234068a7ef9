"""The sentiment lexicon and word lists, read from ``parameters/`` and validated.

Two files hold everything the rule-based sentiment coder knows, so an analyst can read and
extend it without touching code:

``lexicon.csv``
    ``term,valence,note``: a word or phrase of up to four words and how positive (+4) or
    negative (−4) it reads. Lines starting with ``#`` are section headings. A phrase overrides
    the words inside it (``waste of money`` −2.2 while ``waste`` is 0), and a 0 entry stops
    the suffix fallback (``likely,0`` is not ``like``).
``sentiment.yaml``
    ``negators``, ``intensifiers`` (word: relative boost), ``downtoners`` (word: factor),
    ``contrast_after`` (``but``: the clause it opens outweighs the one before), ``concessive``
    (``although``: the clause it opens counts for less), ``hypothetical`` (``would``: a
    suggestion is not yet a judgement), ``politeness`` (``kind regards``: courtesy carries no
    sentiment) and ``weights``, the numbers the rules apply.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .._resources import default_parameters_dir
from ..errors import Problem, WorkspaceError

__all__ = ["Lexicon", "PhraseTable", "WEIGHTS", "WordTable", "load_lexicon", "phrase_keys",
           "read_lexicon"]

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")
MAX_PHRASE_WORDS = 4

# The rule weights and what each does; sentiment.yaml's ``weights`` must set every one.
WEIGHTS = {
    "negation_scope": "words after a negator that it reverses (it stops at punctuation)",
    "negated_positive": "factor for a positive term in a negator's scope ('not good')",
    "negated_negative": "factor for a negative term in a negator's scope ('not bad')",
    "modifier_scope": "words between an intensifier or down-toner and the term it changes",
    "before_contrast": "factor for a sentence's clauses before 'but'",
    "after_contrast": "factor for the clause that 'but' opens, to the sentence end",
    "concessive": "factor for the clause that 'although' opens, to the next comma",
    "hypothetical_scope": "words after 'would', 'could' … that are hypothetical",
    "hypothetical": "factor for a hypothetical term ('would be helpful')",
    "exclamation": "factor for the terms of a sentence ending in '!'",
    "score_scale": "valence total at which the score reaches tanh(1) = 0.76",
}
_LISTS = ("negators", "contrast_after", "concessive", "hypothetical", "politeness")
_MAPS = ("intensifiers", "downtoners")


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Terms with valences, the word lists of the sentiment rules, and their weights.

    Terms are tuples of words (``("waste", "of", "money")``); single words are 1-tuples.

    Examples
    --------
    >>> lex = read_lexicon()
    >>> lex.valence[("shambles",)] < 0 < lex.valence[("brilliant",)]
    True
    >>> ("not",) in lex.negators, ("no", "longer") in lex.negators
    (True, True)
    """

    valence: dict[tuple[str, ...], float]
    negators: frozenset
    intensifiers: dict[tuple[str, ...], float]
    downtoners: dict[tuple[str, ...], float]
    contrast_after: frozenset
    concessive: frozenset
    hypothetical: frozenset
    politeness: frozenset
    weights: dict[str, float]
    notes: dict[tuple[str, ...], str] = field(default_factory=dict)

    def __deepcopy__(self, memo: dict) -> "Lexicon":
        # Immutable, and copied by scikit-learn's clone() for every fold: share it instead.
        return self

    @cached_property
    def words(self) -> "WordTable":
        """Every single word the coder knows, with its inflections, as a lookup table."""
        return _word_table(self)

    @cached_property
    def _phrase_index(self) -> tuple[pd.Index, dict[int, "PhraseTable"]]:
        return _phrase_tables(self)

    @property
    def phrase_words(self) -> pd.Index:
        """Every word that occurs in a phrase of two or more words."""
        return self._phrase_index[0]

    @property
    def phrases(self) -> dict[int, "PhraseTable"]:
        """Every phrase of two or more words, by length (longest first), for batch matching."""
        return self._phrase_index[1]


# Roles a word can play besides carrying valence; the sentiment rules switch on these.
NONE, NEGATOR, INTENSIFIER, DOWNTONER, CONTRAST, CONCESSIVE, HYPOTHETICAL, POLITE = range(8)


@dataclass(frozen=True, eq=False)
class WordTable:
    """Single words aligned with ``index``: valence, role, factor and the lexicon term."""

    index: pd.Index
    valence: np.ndarray
    role: np.ndarray
    factor: np.ndarray
    term: np.ndarray


@dataclass(frozen=True, eq=False)
class PhraseTable:
    """Phrases of one length, ready for batch matching.

    ``words`` holds each phrase's words as ids into the lexicon's phrase vocabulary
    (:attr:`Lexicon.phrase_words`), and ``keys`` one integer per phrase made from them
    (base ``len(phrase_words) + 1``, so distinct phrases have distinct keys) as a hashed
    index, with ``row`` mapping each key back to its phrase. ``first`` and ``second`` mark the
    vocabulary ids that can begin a phrase or come second in one.
    """

    words: np.ndarray
    keys: pd.Index
    row: np.ndarray
    first: np.ndarray
    second: np.ndarray
    role: np.ndarray
    value: np.ndarray
    text: np.ndarray


def phrase_keys(word_ids: np.ndarray, base: int) -> np.ndarray:
    """One integer per row of phrase-vocabulary ids (rows × length); −1 (not a phrase word)
    keys to a value no phrase has. Exact, not a hash, while base ** length < 2 ** 63."""
    key = np.zeros(len(word_ids), dtype=np.int64)
    for column in word_ids.T:
        key = key * base + (column + 1)
    return key


def _phrase_tables(lexicon: Lexicon) -> tuple[pd.Index, dict[int, PhraseTable]]:
    # Later updates win: a lexicon.csv phrase overrides a word-list phrase of the same text.
    found: dict[tuple[str, ...], tuple[int, float]] = {}
    for role, terms in ((NEGATOR, lexicon.negators), (CONTRAST, lexicon.contrast_after),
                        (CONCESSIVE, lexicon.concessive), (HYPOTHETICAL, lexicon.hypothetical),
                        (POLITE, lexicon.politeness)):
        found.update({t: (role, 0.0) for t in terms if len(t) > 1})
    found.update({t: (INTENSIFIER, 1 + v) for t, v in lexicon.intensifiers.items() if len(t) > 1})
    found.update({t: (DOWNTONER, v) for t, v in lexicon.downtoners.items() if len(t) > 1})
    found.update({t: (NONE, v) for t, v in lexicon.valence.items() if len(t) > 1})
    vocabulary = pd.Index(sorted({w for t in found for w in t}), dtype=object)
    base = len(vocabulary) + 1
    if base ** MAX_PHRASE_WORDS >= 2 ** 63:
        raise ValueError(f"{len(vocabulary):,} distinct phrase words are too many to key "
                         f"phrases of {MAX_PHRASE_WORDS} words exactly")
    tables = {}
    for length in sorted({len(t) for t in found}, reverse=True):
        terms = [t for t in found if len(t) == length]
        word_ids = vocabulary.get_indexer(np.array(terms, dtype=object).ravel()) \
            .reshape(len(terms), length)
        keys = phrase_keys(word_ids, base)
        order = np.argsort(keys, kind="stable")
        first = np.zeros(base, dtype=bool)
        first[word_ids[:, 0]] = True
        second = np.zeros(base, dtype=bool)
        second[word_ids[:, 1]] = True
        tables[length] = PhraseTable(
            words=word_ids, keys=pd.Index(keys[order]), row=order, first=first, second=second,
            role=np.array([found[t][0] for t in terms], dtype=np.int8),
            value=np.array([found[t][1] for t in terms]),
            text=np.array([" ".join(t) for t in terms], dtype=object))
    return vocabulary, tables


def _inflections(word: str) -> list[str]:
    """Regular inflections of a base form, in the order they are trusted."""
    forms = [word + "s", word + "'s"]
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        stem = word[:-1]
        forms += [stem + "ies", stem + "ied", stem + "ier", stem + "iest", stem + "ily"]
    if word.endswith("e"):
        forms += [word + "d", word[:-1] + "ing", word + "r", word + "st"]
    else:
        forms += [word + "es", word + "ed", word + "ing", word + "er", word + "est"]
        if len(word) >= 3 and word[-1] in "bdgmnprt" and word[-2] in "aeiou" \
                and word[-3] not in "aeiou":
            forms += [word + word[-1] + "ed", word + word[-1] + "ing"]  # stop → stopped
    if word.endswith("le"):
        forms.append(word[:-1] + "y")  # terrible → terribly
    elif not word.endswith("y"):
        forms.append(word + "ly")
    return forms


def _word_table(lexicon: Lexicon) -> WordTable:
    entries: dict[str, tuple[float, int, float, str]] = {}
    roles = ((NEGATOR, lexicon.negators), (CONTRAST, lexicon.contrast_after),
             (CONCESSIVE, lexicon.concessive), (HYPOTHETICAL, lexicon.hypothetical),
             (POLITE, lexicon.politeness))
    for role, terms in roles:
        entries.update({t[0]: (0.0, role, 1.0, t[0]) for t in terms if len(t) == 1})
    entries.update({t[0]: (0.0, INTENSIFIER, 1 + v, t[0])
                    for t, v in lexicon.intensifiers.items() if len(t) == 1})
    entries.update({t[0]: (0.0, DOWNTONER, v, t[0])
                    for t, v in lexicon.downtoners.items() if len(t) == 1})
    singles = {t[0]: v for t, v in lexicon.valence.items() if len(t) == 1}
    for word, value in singles.items():
        entries.setdefault(word, (value, NONE, 1.0, word))
    # Inflections only fill gaps: a listed form (even at 0) always wins.
    for word, value in singles.items():
        for form in _inflections(word):
            entries.setdefault(form, (value, NONE, 1.0, word))
    keys = list(entries)
    values = list(entries.values())
    return WordTable(index=pd.Index(keys, dtype=object),
                     valence=np.array([v[0] for v in values]),
                     role=np.array([v[1] for v in values], dtype=np.int8),
                     factor=np.array([v[2] for v in values]),
                     term=np.array([v[3] for v in values], dtype=object))


def _terms(text: str) -> tuple[str, ...] | None:
    """The words of a term, or None if the tokenizer would not see it as written."""
    words = tuple(text.split(" "))
    ok = 0 < len(words) <= MAX_PHRASE_WORDS and all(_WORD.fullmatch(w) for w in words)
    return words if ok else None


_TERM_FORM = (f"lower-case words of letters, digits and an apostrophe suffix, up to "
              f"{MAX_PHRASE_WORDS} words separated by single spaces (write 'fly tipping', "
              "not 'fly-tipping')")


def _read_csv(path: Path, file: str) -> tuple[dict, dict, list[Problem]]:
    problems: list[Problem] = []
    valence: dict[tuple[str, ...], float] = {}
    notes: dict[tuple[str, ...], str] = {}
    first_row: dict[tuple[str, ...], int] = {}
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    rows = [(n, line) for n, line in enumerate(lines, start=1)
            if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.reader(io.StringIO("\n".join(line for _, line in rows)))
    header = next(reader, None)
    if header is None or [h.strip() for h in header[:2]] != ["term", "valence"]:
        return {}, {}, [Problem(file, f"the header is {header!r}; expected 'term,valence,note'",
                                "Make the first line term,valence,note.")]
    for (row, _), record in zip(rows[1:], reader):
        term_text = record[0].strip() if record else ""
        words = _terms(term_text)
        if words is None:
            problems.append(Problem(file, f"term {term_text!r} is not {_TERM_FORM}",
                                    "Correct the term.", column="term", rows=(row,)))
            continue
        try:
            value = float(record[1])
        except (IndexError, ValueError):
            value = math.nan
        if not -4 <= value <= 4:
            shown = record[1] if len(record) > 1 else ""
            problems.append(Problem(file, f"valence {shown!r} of {term_text!r} is not a number "
                                          "from -4 to 4", "Give a valence from -4 (very "
                                          "negative) to 4 (very positive).", column="valence",
                                    rows=(row,)))
            continue
        if words in first_row:
            problems.append(Problem(file, f"term {term_text!r} is listed twice (rows "
                                          f"{first_row[words]} and {row})",
                                    "Keep one row per term.", column="term", rows=(row,)))
            continue
        first_row[words] = row
        valence[words] = value
        if len(record) > 2 and record[2].strip():
            notes[words] = record[2].strip()
    return valence, notes, problems


def _read_yaml(path: Path, file: str) -> tuple[dict, list[Problem]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        return {}, [Problem(file, f"YAML syntax error{where}: {getattr(error, 'problem', error)}",
                            "Correct the YAML (indentation, colons, quotes).")]
    if not isinstance(data, dict):
        return {}, [Problem(file, "the file is not a mapping of lists",
                            f"Give the keys {', '.join(_LISTS + _MAPS)} and weights.")]
    problems = []
    allowed = set(_LISTS) | set(_MAPS) | {"weights"}
    for key in sorted(set(data) - allowed):
        problems.append(Problem(file, f"unknown key {key!r} (allowed: "
                                      f"{', '.join(sorted(allowed))})", "Remove or rename it."))
    out: dict = {}
    for key in _LISTS + _MAPS:
        value = data.get(key)
        expected = list if key in _LISTS else dict
        if not isinstance(value, expected):
            kind = "a list of words or phrases" if key in _LISTS else \
                "a mapping of word or phrase to number"
            problems.append(Problem(file, f"key {key!r} is missing or is not {kind}",
                                    f"Give {key} as {kind}."))
            continue
        items = value if key in _LISTS else list(value)
        terms = {}
        for item in items:
            words = _terms(str(item)) if isinstance(item, str) else None
            if isinstance(item, bool):
                # YAML 1.1 reads a bare no, yes, on or off as a truth value.
                problems.append(Problem(file, f"{key}: an entry reads as {item!r} because YAML "
                                              "takes a bare no/yes/on/off as true or false",
                                        "Put the word in quotes, e.g. \"no\"."))
                continue
            if words is None:
                problems.append(Problem(file, f"{key}: {item!r} is not {_TERM_FORM}",
                                        "Correct the entry."))
                continue
            number = value[item] if key in _MAPS else None
            if key in _MAPS and (isinstance(number, bool) or not isinstance(number, (int, float))
                                 or not 0 <= number <= 3):
                problems.append(Problem(file, f"{key}: {item!r} has {number!r}; expected a "
                                              "number from 0 to 3", "Correct the number."))
                continue
            terms[words] = number
        out[key] = terms if key in _MAPS else frozenset(terms)
    weights = data.get("weights")
    if not isinstance(weights, dict):
        problems.append(Problem(file, "key 'weights' is missing or is not a mapping",
                                "Give every weight: " + ", ".join(WEIGHTS) + "."))
        weights = {}
    for key in sorted(set(weights) - set(WEIGHTS)):
        problems.append(Problem(file, f"unknown key 'weights.{key}' (allowed: "
                                      f"{', '.join(WEIGHTS)})", "Remove or rename it."))
    for key, meaning in WEIGHTS.items():
        number = weights.get(key)
        if isinstance(number, bool) or not isinstance(number, (int, float)) or \
                not -5 <= number <= 100:
            problems.append(Problem(file, f"weights.{key} is {number!r}; expected a number "
                                          f"({meaning})", "Give a number."))
    out["weights"] = {k: float(v) for k, v in weights.items() if k in WEIGHTS}
    return out, problems


def load_lexicon(lexicon_csv: Path, sentiment_yaml: Path, *, lexicon_file: str = "lexicon.csv",
                 sentiment_file: str = "sentiment.yaml") -> tuple[Lexicon | None, list[Problem]]:
    """Read and validate the two lexicon files; every problem is returned, none raised.

    Returns
    -------
    (Lexicon or None, list of Problem)
        The lexicon is None when any problem was found.
    """
    problems = []
    for path, file in ((lexicon_csv, lexicon_file), (sentiment_yaml, sentiment_file)):
        if not Path(path).is_file():
            problems.append(Problem(file, "file not found", "Add it to the parameters folder "
                                                            "(a copy of the project's default "
                                                            "will do)."))
    if problems:
        return None, problems
    valence, notes, problems = _read_csv(Path(lexicon_csv), lexicon_file)
    lists, found = _read_yaml(Path(sentiment_yaml), sentiment_file)
    problems += found
    if problems:
        return None, problems
    return Lexicon(valence=valence, notes=notes, **lists), []


def read_lexicon(parameters_dir: str | Path | None = None) -> Lexicon:
    """The lexicon of a parameters folder (the project's default when omitted).

    Raises
    ------
    WorkspaceError
        Every problem found in ``lexicon.csv`` and ``sentiment.yaml``.
    """
    folder = Path(parameters_dir) if parameters_dir is not None else default_parameters_dir()
    lexicon, problems = load_lexicon(folder / "lexicon.csv", folder / "sentiment.yaml",
                                     lexicon_file=f"{folder.name}/lexicon.csv",
                                     sentiment_file=f"{folder.name}/sentiment.yaml")
    if problems:
        raise WorkspaceError(problems, workspace=str(folder))
    return lexicon

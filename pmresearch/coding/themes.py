"""Themes: code comments against the code frame's word and phrase patterns, a batch at a time.

Each code in ``parameters/codeframe.yaml`` lists ``include`` patterns (any match gives the comment
the code) and ``exclude`` patterns (words that must not count for that code). A comment may carry
several codes; two special codes stand alone.

**The pattern language** (the same text heads ``codeframe.yaml``):

* A pattern is a word or a phrase of up to :data:`MAX_PATTERN_WORDS` words separated by spaces.
  It matches whole words of the comment as :func:`pmresearch.coding._tokens.tokenize` splits it:
  lower case, curly apostrophes straightened, and hyphens and slashes split words. So
  ``fly tip*`` matches "fly-tipping", "fly tipping" and "Fly-tippers", but not "flytipping"
  (write ``flytip*`` as well if wanted). A phrase never runs across punctuation (``. , ; : ! ?``)
  or from one comment into the next.
* A ``*`` ending a word matches that word as a stem: ``pothole*`` matches pothole, potholes,
  potholed. A ``*`` standing alone between two words matches any one word: ``bin* * missed``
  matches "bins were missed" and "bin got missed". There are no other wildcards.
* Patterns are letters, digits and apostrophes (``don't``); upper case is read as lower case.
* **Local exclusion.** The words an ``exclude`` pattern covers cannot count for that code's
  ``include`` patterns: with ``bin*`` included and ``wheelie bin*`` excluded for litter bins,
  "the wheelie bins" does not count while "litter bins overflowing" in the same comment still
  does. An exclusion masks only its own words, never the whole comment.
* ``none_of_the_above`` (Z1) is given to a comment with words in it that no other code matches;
  it takes no patterns. ``no_substantive_content`` (Z2) is given to a comment no other code
  matches that has no words at all ("-", "?") or whose words are covered by Z2's ``include``
  patterns ("No comment.", "n/a", "nothing to add, thanks") except for at most
  ``max_other_words`` others (default :data:`DEFAULT_MAX_OTHER_WORDS`). Z1 and Z2 never come
  with another code.

**How it runs.** A batch is one :class:`~pmresearch.coding._tokens.Tokens`. Each pattern word is
resolved once against the batch's *vocabulary* (a sorted search finds every word a stem
matches), each pattern is anchored on its rarest word in the batch, and the other words are
checked only at those few anchor positions, with numpy, so 10⁵ comments take well under a
second. Positions are flat token indices, so a theme's mentions can be joined to the clauses
the sentiment coder scores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd

from .._messages import quoted
from ..errors import Problem, WorkspaceError
from ._tokens import Tokens, tokenize, vocab_text, words_of

__all__ = ["DEFAULT_MAX_OTHER_WORDS", "MAX_PATTERN_WORDS", "MENTION_COLUMNS", "ThemeMatcher",
           "assign_themes", "code_themes", "compile_codeframe", "find_mentions"]

MAX_PATTERN_WORDS = 6
# A comment made only of Z2's words ("No comment, thanks") says nothing; one word more ("No
# buses") says something, so by default no word may be left over.
DEFAULT_MAX_OTHER_WORDS = 0
MENTION_COLUMNS = ["doc", "code", "start", "stop"]

_NONE, _NO_CONTENT = "none_of_the_above", "no_substantive_content"
_EXACT, _STEM, _ANY = 0, 1, 2
_INCLUDE, _EXCLUDE = 0, 1
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_PATTERN_CHARS = re.compile(r"[a-z0-9'*\s]")
_MAX_TABLE_CELLS = 20_000_000  # 20 MB of booleans for the word lookup table


@dataclass(frozen=True, eq=False)
class ThemeMatcher:
    """A code frame compiled for matching; build it with :func:`compile_codeframe`.

    Attributes
    ----------
    codes : tuple of str
        Every code, in code-frame order (the order of ``themes`` in results).
    none_of_the_above, no_substantive_content : str or None
        The codes marked ``special`` in the frame (Z1, Z2), if any.
    max_other_words : int
        Words a no-content comment may have beyond those Z2's patterns cover.
    patterns : DataFrame
        One row per pattern: ``code``, ``role`` (``include`` / ``exclude``), ``pattern`` (as
        written) and ``n_words``.
    """

    codes: tuple[str, ...]
    none_of_the_above: str | None
    no_substantive_content: str | None
    max_other_words: int
    patterns: pd.DataFrame
    # Per distinct pattern word ("element"): its kind (_EXACT, _STEM, _ANY) and its text.
    _element_kind: np.ndarray = field(repr=False)
    _element_text: np.ndarray = field(repr=False)
    # Per pattern: code index, role, and its words as element indices (-1 beyond its length).
    _pattern_code: np.ndarray = field(repr=False)
    _pattern_role: np.ndarray = field(repr=False)
    _pattern_words: np.ndarray = field(repr=False)


# ---------------------------------------------------------------- compiling


def _pattern_problem(pattern: str) -> tuple[str, str] | None:
    """(message, fix) if ``pattern`` cannot match as written, else None."""
    text = pattern.lower().translate(_APOSTROPHES)
    words = text.split()
    if not words:
        return "the pattern is empty", "Delete it or write the word or phrase to match."
    breaks = sorted(set(re.findall(r"[-/]", text)))
    if breaks:
        spaced = " ".join(re.sub(r"[-/]", " ", text).split())
        return (f"{quoted(breaks, limit=5)} {'splits' if len(breaks) == 1 else 'split'} words in "
                "comments, so the pattern cannot match as written",
                f"Write the words with spaces: {spaced!r}.")
    dropped = sorted({c for c in text if not _PATTERN_CHARS.fullmatch(c)})
    if dropped:
        return (f"{quoted(dropped, limit=5)} {'is' if len(dropped) == 1 else 'are'} not part of "
                "any word in a comment",
                f"Remove {'it' if len(dropped) == 1 else 'them'}: patterns are letters, digits "
                "and apostrophes.")
    for word in words:
        core = word[:-1] if word.endswith("*") else word
        if "*" in core:
            return (f"'*' can only end a word (a stem, as in 'pothole*') or stand alone for any "
                    f"one word, not sit inside {word!r}", "Move or remove the '*'.")
        read = " ".join(words_of(core))
        if core and read != core:
            # An apostrophe only joins letters ("don't"); "4x4" is read as "4x" "4".
            if not read:
                return f"{word!r} is not read as a word in comments", "Remove it."
            star = "*" if word.endswith("*") else ""
            return (f"{word!r} is read as {read!r} in comments",
                    f"Write {read + star!r} instead.")
    if words[0] == "*" or words[-1] == "*":
        return ("a '*' for any one word must sit between two words",
                "Remove it or add a word on that side.")
    if len(words) > MAX_PATTERN_WORDS:
        return (f"{len(words)} words, more than the {MAX_PATTERN_WORDS} a pattern may have",
                "Shorten it to the words that carry the theme.")
    return None


def _patterns_of(value: object, code: str, role: str) -> list[str]:
    """A code's include or exclude list as read from the frame (a missing cell is no patterns)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) for v in value]
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return []
    raise ValueError(f"code {code!r}: {role} must be a list of patterns, got "
                     f"{type(value).__name__} {value!r}")


def _compile_patterns(codeframe: pd.DataFrame, codes: list[str], special: list[str],
                      file: str) -> tuple[dict, list, list[Problem]]:
    """Each distinct pattern word ("element") numbered, each pattern as (code index, role,
    text, element numbers), and the problems of the patterns that cannot match."""
    elements: dict[tuple[int, str], int] = {}
    rows: list[tuple[int, int, str, list[int]]] = []
    problems: list[Problem] = []
    for i, code in enumerate(codes):
        for role_name, role in (("include", _INCLUDE), ("exclude", _EXCLUDE)):
            patterns = _patterns_of(codeframe[role_name].iloc[i], code, role_name) \
                if role_name in codeframe else []
            if patterns and special[i] == _NONE:
                problems.append(Problem(file, f"code {code!r} is special: {_NONE} and is given "
                                              f"only to comments no other code matches, so it "
                                              f"takes no {role_name} patterns",
                                        f"Remove its {role_name} list."))
                continue
            for pattern in patterns:
                found = _pattern_problem(pattern)
                if found:
                    problems.append(Problem(file, f"code {code!r}, {role_name} pattern "
                                                  f"{pattern!r}: {found[0]}", found[1]))
                    continue
                words = []
                for word in pattern.lower().translate(_APOSTROPHES).split():
                    key = (_ANY, "*") if word == "*" else \
                        (_STEM, word[:-1]) if word.endswith("*") else (_EXACT, word)
                    words.append(elements.setdefault(key, len(elements)))
                rows.append((i, role, pattern, words))
    return elements, rows, problems


def compile_codeframe(codeframe: pd.DataFrame, *, file: str = "parameters/codeframe.yaml",
                      max_other_words: int | None = None) -> ThemeMatcher:
    """Check and compile a code frame's patterns for :func:`find_mentions`.

    Parameters
    ----------
    codeframe : DataFrame
        ``load_parameters().codeframe``: ``code`` and, optionally, ``include``, ``exclude``
        (lists of patterns) and ``special`` (``none_of_the_above`` / ``no_substantive_content``
        / ``""``); a ``max_other_words`` column on the Z2 row sets that threshold.
    file : str
        The file named in error messages.
    max_other_words : int, optional
        Overrides the frame's ``max_other_words`` (default :data:`DEFAULT_MAX_OTHER_WORDS`).

    Returns
    -------
    ThemeMatcher

    Raises
    ------
    WorkspaceError
        Listing every pattern that cannot match as written, and special codes used wrongly.
    ValueError
        If ``codeframe`` has no ``code`` column or a pattern list is not a list.

    Examples
    --------
    >>> frame = pd.DataFrame({"code": ["H1", "Z1"], "include": [["pothole*"], []],
    ...                       "special": ["", "none_of_the_above"]})
    >>> matcher = compile_codeframe(frame)
    >>> matcher.codes, matcher.none_of_the_above
    (('H1', 'Z1'), 'Z1')
    >>> try:
    ...     compile_codeframe(pd.DataFrame({"code": ["S2"], "include": [["fly-tip*"]]}))
    ... except WorkspaceError as error:
    ...     print(error.problems[0].message)
    ...     print(error.problems[0].fix)
    code 'S2', include pattern 'fly-tip*': '-' splits words in comments, so the pattern cannot match as written
    Write the words with spaces: 'fly tip*'.
    """
    if not isinstance(codeframe, pd.DataFrame) or "code" not in codeframe.columns:
        found = list(codeframe.columns) if isinstance(codeframe, pd.DataFrame) else \
            type(codeframe).__name__
        raise ValueError(f"codeframe must be a DataFrame with a 'code' column (found: {found}); "
                         "pass load_parameters().codeframe")
    codes = [str(c) for c in codeframe["code"]]
    special = codeframe["special"].fillna("").astype(str).tolist() if "special" in codeframe \
        else [""] * len(codes)
    marked = {kind: [c for c, k in zip(codes, special) if k == kind]
              for kind in (_NONE, _NO_CONTENT)}
    problems = [Problem(file, f"codes {quoted(holders, limit=5)} are all marked special: {kind}",
                        "Mark only one code.") for kind, holders in marked.items()
                if len(holders) > 1]
    elements, rows, found = _compile_patterns(codeframe, codes, special, file)
    if problems + found:
        raise WorkspaceError(problems + found)

    if max_other_words is None:
        max_other_words = DEFAULT_MAX_OTHER_WORDS
        if "max_other_words" in codeframe and marked[_NO_CONTENT]:
            value = codeframe["max_other_words"].iloc[codes.index(marked[_NO_CONTENT][0])]
            max_other_words = DEFAULT_MAX_OTHER_WORDS if pd.isna(value) else int(value)
    if max_other_words < 0:
        raise ValueError(f"max_other_words must be 0 or more, got {max_other_words}")
    words = np.full((len(rows), MAX_PATTERN_WORDS), -1, dtype=np.int64)
    for r, (_, _, _, element_ids) in enumerate(rows):
        words[r, :len(element_ids)] = element_ids
    table = pd.DataFrame([(codes[i], ("include", "exclude")[role], text, len(ids))
                          for i, role, text, ids in rows],
                         columns=["code", "role", "pattern", "n_words"])
    return ThemeMatcher(
        codes=tuple(codes), none_of_the_above=(marked[_NONE] or [None])[0],
        no_substantive_content=(marked[_NO_CONTENT] or [None])[0],
        max_other_words=int(max_other_words), patterns=table,
        _element_kind=np.array([k for k, _ in elements], dtype=np.int64),
        _element_text=np.array([t for _, t in elements], dtype=str),
        _pattern_code=np.array([r[0] for r in rows], dtype=np.int64),
        _pattern_role=np.array([r[1] for r in rows], dtype=np.int64),
        _pattern_words=words)


# ---------------------------------------------------------------- matching


def _expand(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, value) for every value in the ranges ``starts[i] … starts[i] + counts[i] - 1``."""
    owner = np.repeat(np.arange(len(counts)), counts)
    offset = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.repeat(starts, counts) + offset


def _resolve(tokens: Tokens, kind: np.ndarray, text: np.ndarray) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """(element, vocabulary index) for every vocabulary word each pattern word matches.

    The vocabulary is sorted once, so an exact word is one binary search and a stem is the
    range of words between the stem and the stem followed by the highest character. The
    answer is kept in ``tokens.memo`` for the next caller with the same pattern words.
    """
    key = ("themes", id(kind), id(text))
    if key not in tokens.memo:
        tokens.memo[key] = (kind, text, _resolve_words(vocab_text(tokens), kind, text))
    return tokens.memo[key][2]


def _resolve_words(words: np.ndarray, kind: np.ndarray, text: np.ndarray):
    order = np.argsort(words, kind="stable")
    ordered = words[order]
    low = np.searchsorted(ordered, text, side="left")
    high_exact = np.searchsorted(ordered, text, side="right")
    high_stem = np.searchsorted(ordered, np.char.add(text, "\uffff"), side="left")
    high = np.where(kind == _EXACT, high_exact, np.where(kind == _STEM, high_stem, low))
    element, position = _expand(low, high - low)
    return element, order[position]


def _is_member(sorted_keys: np.ndarray, probe: np.ndarray) -> np.ndarray:
    if len(sorted_keys) == 0:
        return np.zeros(len(probe), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, probe), len(sorted_keys) - 1)
    return sorted_keys[at] == probe


def _word_lookup(element: np.ndarray, vocab_id: np.ndarray, n_elements: int, n_vocab: int):
    """A function telling whether vocabulary word ``vocab[i]`` matches pattern word ``wanted[i]``.

    A table over only the words some pattern word matches (a few thousand) makes a check two
    lookups; should that table be too large, sorted keys and a binary search do the same.
    """
    relevant, compact = np.unique(vocab_id, return_inverse=True)
    if n_elements * (len(relevant) + 1) > _MAX_TABLE_CELLS:
        keys = np.unique(element * n_vocab + vocab_id)
        return lambda wanted, vocab: _is_member(keys, wanted * n_vocab + vocab)
    column = np.full(n_vocab, -1, dtype=np.int64)  # -1: the last column, which matches nothing
    column[relevant] = np.arange(len(relevant))
    table = np.zeros((n_elements, len(relevant) + 1), dtype=bool)
    table[element, compact] = True
    return lambda wanted, vocab: table[wanted, column[vocab]]


def _match(tokens: Tokens, matcher: ThemeMatcher,
           chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pattern, start, stop) of every match of the patterns flagged in ``chosen``."""
    empty = np.zeros(0, dtype=np.int64)
    rows = np.flatnonzero(chosen)
    n_tokens, n_vocab = len(tokens.ids), len(tokens.vocab)
    if n_tokens == 0 or len(rows) == 0:
        return empty, empty, empty
    words = matcher._pattern_words[rows]
    length = (words >= 0).sum(axis=1)
    kind = matcher._element_kind
    element, vocab_id = _resolve(tokens, kind, matcher._element_text)
    matches = _word_lookup(element, vocab_id, len(kind), n_vocab)

    # Anchor each pattern on its rarest word in this batch: the fewest positions to check.
    frequency = np.bincount(tokens.ids, minlength=n_vocab)
    element_frequency = np.bincount(element, weights=frequency[vocab_id], minlength=len(kind))
    safe = np.maximum(words, 0)
    cost = np.where((words >= 0) & (kind[safe] != _ANY), element_frequency[safe], np.inf)
    anchor = np.argmin(cost, axis=1)
    anchor_element = words[np.arange(len(rows)), anchor]

    # (vocabulary word, pattern) pairs for the anchors, then every token that is one of them.
    element_start = np.searchsorted(element, np.arange(len(kind)))
    element_count = np.bincount(element, minlength=len(kind))
    pair_pattern, pair_vocab = _expand(element_start[anchor_element],
                                       element_count[anchor_element])
    pair_vocab = vocab_id[pair_vocab]
    order = np.argsort(pair_vocab, kind="stable")
    pair_pattern, pair_vocab = pair_pattern[order], pair_vocab[order]
    per_vocab = np.bincount(pair_vocab, minlength=n_vocab)
    first_pair = np.cumsum(per_vocab) - per_vocab
    per_token = per_vocab[tokens.ids]
    hit = np.flatnonzero(per_token)
    token, pair = _expand(first_pair[tokens.ids[hit]], per_token[hit])
    pattern = pair_pattern[pair]
    start = hit[token] - anchor[pattern]
    stop = start + length[pattern]
    inside = (start >= 0) & (stop <= n_tokens)
    pattern, start, stop = pattern[inside], start[inside], stop[inside]
    same_doc = tokens.doc[start] == tokens.doc[stop - 1]
    pattern, start, stop = pattern[same_doc], start[same_doc], stop[same_doc]
    # Check the other words; most candidates fail at the first, so the arrays shrink fast.
    for k in range(MAX_PATTERN_WORDS):
        check = np.flatnonzero((length[pattern] > k) & (anchor[pattern] != k))
        if len(check) == 0:
            continue
        wanted = words[pattern[check], k]
        at = start[check] + k
        ok = np.where(kind[wanted] == _ANY, tokens.is_word[at],
                      matches(wanted, tokens.ids[at]))
        keep = np.ones(len(pattern), dtype=bool)
        keep[check[~ok]] = False
        pattern, start, stop = pattern[keep], start[keep], stop[keep]
    return rows[pattern], start, stop


def _surviving(tokens: Tokens, matcher: ThemeMatcher,
               codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(code, start, stop) of the include matches of ``codes`` that no exclude match overlaps."""
    chosen = np.isin(matcher._pattern_code, codes)
    pattern, start, stop = _match(tokens, matcher, chosen)
    code = matcher._pattern_code[pattern]
    is_exclude = matcher._pattern_role[pattern] == _EXCLUDE
    n = len(tokens.ids)
    owner, token = _expand(start[is_exclude], (stop - start)[is_exclude])
    masked = np.unique(code[is_exclude][owner] * n + token)
    code, start, stop = code[~is_exclude], start[~is_exclude], stop[~is_exclude]
    owner, token = _expand(start, stop - start)
    hits = np.bincount(owner[_is_member(masked, code[owner] * n + token)], minlength=len(code))
    keep = hits == 0
    return code[keep], start[keep], stop[keep]


def find_mentions(tokens: Tokens, matcher: ThemeMatcher) -> pd.DataFrame:
    """Where each comment raises each theme: one row per surviving include match.

    Parameters
    ----------
    tokens : Tokens
        The batch, from :func:`pmresearch.coding._tokens.tokenize`.
    matcher : ThemeMatcher
        From :func:`compile_codeframe` (or ``load_parameters().theme_matcher``).

    Returns
    -------
    DataFrame
        :data:`MENTION_COLUMNS`: ``doc`` (the comment's position in the batch), ``code``,
        ``start`` and ``stop`` (flat token indices into ``tokens``, ``stop`` exclusive), sorted
        by doc, start and code-frame order. Matches of one code that lie inside a longer match
        of the same code are dropped; special codes (Z1, Z2) are never mentions.

    Examples
    --------
    >>> frame = pd.DataFrame({"code": ["S1", "W2"],
    ...                       "include": [["litter*", "bin*"], ["wheelie bin*"]],
    ...                       "exclude": [["wheelie bin*"], []]})
    >>> tokens = tokenize(["Litter bins full, wheelie bins fine.", "No litter."])
    >>> find_mentions(tokens, compile_codeframe(frame)).values.tolist()
    [[0, 'S1', 0, 1], [0, 'S1', 1, 2], [0, 'W2', 4, 6], [1, 'S1', 9, 10]]
    """
    substantive = [i for i, code in enumerate(matcher.codes)
                   if code not in (matcher.none_of_the_above, matcher.no_substantive_content)]
    code, start, stop = _surviving(tokens, matcher, np.array(substantive, dtype=np.int64))
    # Within one code, drop a match that starts inside an earlier or longer one: offsetting each
    # code's stops by the code keeps a running maximum from leaking from one code to the next.
    order = np.lexsort((-stop, start, code))
    code, start, stop = code[order], start[order], stop[order]
    shifted = stop + code * (len(tokens.ids) + 1)
    reach = np.maximum.accumulate(shifted) if len(shifted) else shifted
    keep = shifted > np.r_[-1, reach[:-1]]
    code, start, stop = code[keep], start[keep], stop[keep]
    order = np.lexsort((code, start))
    code, start, stop = code[order], start[order], stop[order]
    names = np.array(matcher.codes + ("",), dtype=object)  # never empty, so indexing works
    return pd.DataFrame({"doc": tokens.doc[start], "code": names[code], "start": start,
                         "stop": stop}, columns=MENTION_COLUMNS)


def _no_content(tokens: Tokens, matcher: ThemeMatcher, matched: np.ndarray) -> np.ndarray:
    """Per comment no code matched: no words, or Z2's patterns cover all but
    ``max_other_words`` of them."""
    n_docs = tokens.n_docs
    n_words = np.bincount(tokens.doc[tokens.is_word], minlength=n_docs)
    empty = n_words == 0
    if matcher.no_substantive_content is None:
        return empty & ~matched
    z2 = matcher.codes.index(matcher.no_substantive_content)
    # Z2's words ("no", "the", "i") are the commonest of all, so match them only in comments
    # that could qualify: unmatched, with at most max_other_words outside Z2's vocabulary.
    element, vocab_id = _resolve(tokens, matcher._element_kind, matcher._element_text)
    z2_elements = matcher._pattern_words[(matcher._pattern_code == z2)
                                         & (matcher._pattern_role == _INCLUDE)]
    z2_elements = np.unique(z2_elements[z2_elements >= 0])
    z2_vocab = np.zeros(len(tokens.vocab), dtype=bool)
    z2_vocab[vocab_id[np.isin(element, z2_elements)]] = True
    if (matcher._element_kind[z2_elements] == _ANY).any():
        z2_vocab[:] = True
    other = np.bincount(tokens.doc[tokens.is_word & ~z2_vocab[tokens.ids]], minlength=n_docs)
    candidate = ~matched & ~empty & (other <= matcher.max_other_words)
    keep = candidate[tokens.doc]
    subset = Tokens(n_docs=n_docs, vocab=tokens.vocab, ids=tokens.ids[keep], doc=tokens.doc[keep],
                    sentence=tokens.sentence[keep],
                    is_word=tokens.is_word[keep], memo=tokens.memo)  # same vocabulary
    _, start, stop = _surviving(subset, matcher, np.array([z2]))
    _, token = _expand(start, stop - start)
    covered = np.unique(token)
    covered = covered[subset.is_word[covered]]
    n_covered = np.bincount(subset.doc[covered], minlength=n_docs)
    covers = candidate & (n_covered > 0) & (n_words - n_covered <= matcher.max_other_words)
    return (empty & ~matched) | covers


def assign_themes(mentions: pd.DataFrame, tokens: Tokens, matcher: ThemeMatcher) -> pd.DataFrame:
    """Each comment's codes, with the special codes for comments no theme matched.

    Parameters
    ----------
    mentions : DataFrame
        From :func:`find_mentions` on the same ``tokens``.
    tokens : Tokens
        The batch.
    matcher : ThemeMatcher
        The compiled code frame.

    Returns
    -------
    DataFrame
        One row per comment (index 0 … ``n_docs`` − 1): ``themes`` (``;``-joined codes in
        code-frame order, each once) and ``n_themes``. A comment no code matched gets the
        ``no_substantive_content`` code (Z2) if it has no words, or its words are Z2's patterns
        but for at most ``max_other_words``; otherwise ``none_of_the_above`` (Z1). Without
        those codes in the frame such a comment gets ``""``.

    Examples
    --------
    >>> frame = pd.DataFrame({"code": ["H1", "Z1", "Z2"],
    ...                       "include": [["pothole*"], [], ["no comment*", "thanks"]],
    ...                       "special": ["", "none_of_the_above", "no_substantive_content"]})
    >>> matcher = compile_codeframe(frame)
    >>> tokens = tokenize(["Potholes!", "The buses are late.", "No comment, thanks.", "-"])
    >>> assign_themes(find_mentions(tokens, matcher), tokens, matcher).values.tolist()
    [['H1', 1], ['Z1', 1], ['Z2', 1], ['Z2', 1]]
    """
    missing = [c for c in ("doc", "code") if c not in mentions.columns]
    if missing:
        raise ValueError(f"mentions has no column {quoted(missing, limit=5)}; pass the result of "
                         "find_mentions")
    n_docs, codes = tokens.n_docs, np.array(matcher.codes, dtype=object)
    code = pd.Index(matcher.codes).get_indexer(mentions["code"])
    if (code < 0).any():
        unknown = mentions["code"][code < 0]
        raise ValueError(f"mentions has codes not in the code frame: {quoted(unknown, limit=5)}")
    has = np.zeros((n_docs, len(codes)), dtype=bool)
    has[mentions["doc"].to_numpy(dtype=np.int64), code] = True
    matched = has.any(axis=1)
    no_content = _no_content(tokens, matcher, matched)
    for special, which in ((matcher.no_substantive_content, no_content),
                           (matcher.none_of_the_above, ~matched & ~no_content)):
        if special is not None:
            has[which, matcher.codes.index(special)] = True
    if n_docs == 0:
        return pd.DataFrame({"themes": np.zeros(0, dtype=object), "n_themes": np.zeros(0, int)})
    # Few distinct code sets occur, so join each once and spread it to its comments. Each set is
    # numbered by hashing its bits 64 codes at a time (sorting 10⁵ rows would cost a second).
    weights = np.uint64(1) << np.arange(64, dtype=np.uint64)
    inverse = np.zeros(n_docs, dtype=np.int64)
    for block in range(0, len(codes), 64):
        bits = has[:, block:block + 64]
        key = bits.astype(np.uint64) @ weights[:bits.shape[1]]
        inverse = pd.factorize(pd.MultiIndex.from_arrays([inverse, key]) if block else key)[0]
    _, first = np.unique(inverse, return_index=True)
    labels = np.array([";".join(codes[has[row]]) for row in first], dtype=object)
    return pd.DataFrame({"themes": labels[inverse], "n_themes": has.sum(axis=1)})


def code_themes(texts: Iterable[str], codeframe: pd.DataFrame | ThemeMatcher) -> pd.DataFrame:
    """Code comments' themes in one call: tokenize, :func:`find_mentions`, :func:`assign_themes`.

    Parameters
    ----------
    texts : Series or iterable of str
        The comments (a Series keeps its index).
    codeframe : DataFrame or ThemeMatcher
        ``load_parameters().codeframe``, or a matcher already compiled from it.

    Returns
    -------
    DataFrame
        ``themes`` and ``n_themes`` per comment, as :func:`assign_themes`.

    Examples
    --------
    >>> frame = pd.DataFrame({"code": ["S2", "S3", "Z2"],
    ...                       "include": [["fly tip*"], ["dog mess"], ["n a"]],
    ...                       "special": ["", "", "no_substantive_content"]})
    >>> code_themes(["Fly-tipping by the garages and dog mess everywhere.", "n/a"],
    ...             frame)["themes"].tolist()
    ['S2;S3', 'Z2']
    """
    index = texts.index if isinstance(texts, pd.Series) else None
    matcher = codeframe if isinstance(codeframe, ThemeMatcher) else compile_codeframe(codeframe)
    tokens = tokenize(texts)
    result = assign_themes(find_mentions(tokens, matcher), tokens, matcher)
    if index is not None:
        result.index = index
    return result

"""Names introduced by a cue: self-introductions ("I'm …", "this is … here") and sign-offs
("Thanks, …", "Cheers …"), for :mod:`pmresearch.coding.redact`.

A pattern finds the cue and the up to five words after it; :func:`judge` then reads those
words and says how many of them are a name, or that they might be one (*uncertain*: left in
place, and the comment is then never quoted). What it weighs:

* the word itself: an ordinary English word (``_redact_words.is_ordinary``: the sentiment
  lexicon's ~6,000 words, their -s/-ed/-ing/-ly forms, common words, nationalities, faiths and
  parties) is not a name ("I'm Disgusted", "I am Writing", "I'm Polish") unless it is also a
  common first name ("Grace", "Frank");
* capitals: after "I'm" a name may be in lower case ("i'm kevin threlfall and …"), after the
  weaker "this is" / "it's" it must be capitalised;
* the words after: a surname, or a word that ends an introduction ("from", "and", "of",
  "here", a comma, the end) makes a name of one capitalised word; otherwise it is uncertain
  ("I'm Gobsmackked by …");
* places and bodies: a span ending in "Council", "Road", "Centre" … is not a person;
* slips: a lower-case word one letter from an ordinary word ("i'm retierd and …") is left in
  and marked uncertain, as it may be a slip or a name ("steven").
"""

from __future__ import annotations

import re
from typing import Callable

from ._redact_words import (FUNCTION_WORDS, PARTICLES, PLACE_WORDS, WORD_NAMES, is_misspelt_word,
                            is_ordinary)

__all__: list[str] = []

# As in redact.py: spaces within a line, whitespace within a comment, a comment's end.
_SP = r"[ \t\u00a0]"
_WS = r"[^\S\x1c-\x1f]"
_END = rf"(?={_WS}*(?:[\x1c-\x1f]|\Z))"

# Letters of Latin-1 and Latin Extended-A/B (Wójcik, Łukasz, Siobhán, Nguyễn's base letters).
_LATIN = [chr(c) for c in range(0xC0, 0x250) if chr(c).isalpha()]
UPPER = "A-Z" + "".join(c for c in _LATIN if c.isupper())
LOWER = "a-z" + "".join(c for c in _LATIN if not c.isupper())
_TOKEN = rf"[{UPPER}{LOWER}]+(?:['’-][{UPPER}{LOWER}]+)*"
TOKEN = re.compile(_TOKEN)

# Words that may follow a name and end it: "I'm Kevin from …", "I am Kevin and …".
# Not "with", "at", "about", "by": "I'm Gobsmackked with …" reads as an adjective.
_AFTER_SELF = frozenset("from and of here who i im living speaking writing but again aged "
                        "chair chairman chairwoman secretary resident tenant".split())
_AFTER_OTHER = frozenset("here from speaking writing calling again at".split())
_AFTER_LOWER = frozenset("from and of here who i im speaking , ;".split())


def _bare(word: str) -> str:
    """Lower case, with a possessive 's and curly apostrophes gone."""
    word = word.lower().replace("’", "'")
    return word[:-2] if word.endswith("'s") else word


def _is_cap(word: str) -> bool:
    return word[0].isupper()


def _valenced(word: str) -> bool:
    """An ordinary word that carries sentiment or is a function word: never a surname."""
    bare = _bare(word)
    return bare in FUNCTION_WORDS or (is_ordinary(word) and bare not in _SURNAME_WORDS)


# Ordinary words that are common British surnames, so may follow a first name.
_SURNAME_WORDS = frozenset("""
baker bell bird black brown butcher carpenter carter chambers clark cook cooper cross dean
fisher fox gardener golding green hall harding hill house hunter king knight lamb lane
little long mason miles moore newman page parker porter rice rose short sharp stone street
taylor turner walker wall ward waters watts webb wells west white wood woods young
""".split())


def judge(words: list[str], following: Callable[[int], str], cue: str) -> tuple[int, bool]:
    """How many of ``words`` (after a cue) are a name, and whether they might be one left in.

    Parameters
    ----------
    words : list of str
        The words after the cue, in order (at most five).
    following : callable
        ``following(k)``: the text right after the first ``k`` words (a few characters).
    cue : str
        ``'self'`` ("I'm", "I am"), ``'other'`` ("this is", "it's"), ``'signoff'`` ("Regards,",
        "Thanks,", "Cheers") or ``'thanks'`` ("Thanks" or "Thank you" with no comma).

    Returns
    -------
    (int, bool)
        The number of words to redact (0 for none), and True if none is redacted but the first
        looks like a name (a capitalised word that is not an ordinary word).

    Examples
    --------
    >>> after = lambda k: " and I live here"
    >>> judge(["Teresa", "Oyelaran-Smith"], after, "self"), judge(["Disgusted"], after, "self")
    ((2, False), (0, False))
    >>> judge(["Gobsmackked", "by"], lambda k: " by", "self")
    (0, True)
    """
    first = words[0]
    cap = _is_cap(first)
    bare = _bare(first)
    if cap:
        if bare in WORD_NAMES:
            strength = "word_name"
        elif bare in FUNCTION_WORDS or bare in PLACE_WORDS or is_ordinary(first):
            return 0, False
        else:
            strength = "strong"
    elif cue == "self" and not (bare in FUNCTION_WORDS or bare in PARTICLES
                                or is_ordinary(first)):
        strength = "lower"
    elif (cue == "self" and bare in WORD_NAMES and len(words) > 1 and not _is_cap(words[1])
          and not is_ordinary(words[1])):
        strength = "lower"  # "i'm grace threlfall and …"
    else:
        return 0, False

    run = []  # the capitalised words right after the first
    for word in words[1:4] if cap else ():
        if not _is_cap(word):
            break
        run.append(_bare(word))
    if any(word in PLACE_WORDS for word in run):
        return 0, False  # "Weaverham Leisure Centre", "Ashbrook Borough Council"
    n, name_words = 1, 1
    while n < len(words) and name_words < 3:
        word, bare = words[n], _bare(words[n])
        nxt = words[n + 1] if n + 1 < len(words) else ""
        if bare in PARTICLES and nxt and _is_cap(nxt) == cap and not _valenced(nxt):
            n, name_words = n + 2, name_words + 1  # "Ana de Souza", "Ahmed bin Rashid"
            continue
        if cap:
            if not _is_cap(word) or bare in FUNCTION_WORDS:
                break
            if bare in PLACE_WORDS:
                return 0, False  # "Ashbrook Council", "Mill Road": a place or a body
            if _valenced(word):
                break
        elif (_is_cap(word) or bare in FUNCTION_WORDS
              or (is_ordinary(word) and _next_word(following(n + 1)) not in _AFTER_LOWER)):
            break
        n, name_words = n + 1, name_words + 1

    if cue in ("signoff", "thanks") and n < len(words):
        return 0, strength == "strong"  # a sign-off's name ends the comment
    after = _next_word(following(n))
    if strength == "lower":
        if name_words == 1 and is_misspelt_word(first):
            return 0, True  # "i'm retierd and …": a slip for "retired", or "steven"
        return (n, False) if after in _AFTER_LOWER or after in _ENDS else (0, False)
    if name_words >= 2 and strength == "strong":
        return n, False
    ends = after in _ENDS or after in ",;:"
    if cue == "self":
        ok = after in _AFTER_SELF or ends or name_words >= 2
    elif cue == "other":
        ok = after in _AFTER_OTHER or (name_words >= 2 and ends)
    elif cue == "thanks":
        ok = strength == "word_name" or name_words >= 2
    else:  # a sign-off after "Regards," "Thanks," "Cheers"
        ok = True
    if ok:
        return n, False
    return 0, strength == "strong"


_ENDS = ("", ".", "!", "?", ")", "(", "-", "–", "—", "/")


def _next_word(text: str) -> str:
    """The next word (lower case) or punctuation mark of ``text``; '' at a comment's end."""
    text = text.lstrip(" \t\u00a0\r\n")
    if not text or text[0] in "\x1c\x1d\x1e\x1f":
        return ""
    match = TOKEN.match(text)
    return _bare(match.group()) if match else text[0]


class NameFinder:
    """A cue pattern and a judge: ``sub`` replaces the names it finds by ``[NAME]``.

    ``pattern`` must have a group ``cue`` (kept), a group ``words`` (the words after it, in a
    lookahead so the next cue is still found) and may have groups naming the cue kind.
    """

    def __init__(self, pattern: re.Pattern, kind: Callable[[re.Match], str]):
        self.pattern = pattern
        self.kind = kind

    def spans(self, text: str):
        """Each found name as (start, end, uncertain); ``start == end`` when none is redacted."""
        last = 0
        for match in self.pattern.finditer(text):
            if match.start() < last:
                continue
            base = match.start("words")
            tokens = list(TOKEN.finditer(match.group("words")))
            n, uncertain = judge([t.group() for t in tokens],
                                 lambda k: text[base + tokens[k - 1].end():
                                                base + tokens[k - 1].end() + 30],
                                 self.kind(match))
            end = base + tokens[n - 1].end() if n else base
            yield base, end, uncertain
            last = max(last, end)

    def sub(self, replacement: str, text: str) -> str:
        pieces, last = [], 0
        for start, end, _ in self.spans(text):
            if end > start:
                pieces += [text[last:start], replacement]
                last = end
        return "".join(pieces) + text[last:]

    def uncertain(self, text: str) -> list[int]:
        """Positions of cues followed by a possible name that was left in ``text``."""
        return [start for start, end, uncertain in self.spans(text) if uncertain]


_WORDS = rf"(?=(?P<words>{_TOKEN}(?:{_SP}{_TOKEN}){{0,4}}))"
# "I'm …", "I am …", "this is …", "it's …"; curly apostrophes and "im" too.
INTRODUCTION = NameFinder(re.compile(
    rf"(?P<cue>[IiTt](?<![\w'’].)(?i:(?<=i)(?P<self>['’]?m|{_SP}+am)|(?<=t)(?:his{_SP}+is"
    rf"|['’]s|{_SP}+is)|(?<=i)t(?:['’]s|{_SP}+is)))"
    # (for speed: after "this is" / "it's" only a capital, and never the commonest words)
    rf"{_SP}+(?(self)|(?=[{UPPER}]))(?!(?i:a|an|the|not|so|very|really|just|still|also|going"
    rf"|sure|in|on|at|to|now|from|with|all|no|that|this|it|my|our|quite|too|being|getting"
    rf"|always|never)(?![{UPPER}{LOWER}'’-])){_WORDS}"), lambda m: "self" if m.group("self") else "other")

# Sign-offs ending a comment (perhaps before contact details already replaced): the name must
# end the comment, so the words group runs to the end.
_PLACEHOLDER = r"\[(?:EMAIL|NI_NUMBER|PHONE|POSTCODE|VEHICLE_REG|ADDRESS|NAME)\]"
_TO_END = rf"(?=[.!]?(?:{_WS}*,?{_WS}*{_PLACEHOLDER})*[.!]?{_END})"
SIGN_OFF = NameFinder(re.compile(
    rf"(?<![\w'’])(?P<cue>(?:(?i:(?:(?:kind|best|warm(?:est)?){_SP})?regards"
    rf"|(?:yours{_SP})?(?:sincerely|faithfully|truly)|cheers|many{_SP}thanks|thanks{_SP}again"
    rf"|best{_SP}wishes)(?:{_SP}{{0,3}}(?:,|\r?\n)|{_SP}{{1,3}})"
    rf"|(?i:thanks|thank{_SP}you|best)(?P<comma>{_SP}{{0,3}}(?:,|\r?\n))"
    rf"|(?P<bare>(?i:thanks|thank{_SP}you)){_SP}{{1,3}}){_WS}*)"
    rf"(?=(?P<words>{_TOKEN}(?:{_SP}{_TOKEN}){{0,3}}){_TO_END})"),
    lambda m: "thanks" if m.group("bare") else "signoff")

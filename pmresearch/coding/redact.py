"""Redaction of personal data from free-text comments, before anything else reads them.

Redaction is the first step of coding: every later step (sentiment, themes, quotes in evidence
packs) sees only the redacted text. Each piece of personal data is replaced by a typed
placeholder, so a reader still sees *that* someone gave a phone number, and counts per comment
are kept so quotes can skip comments that held personal data.

Kinds, in the order they run (the order of :data:`PLACEHOLDERS`):

==============  =================  ==========================================================
kind            placeholder        what is found
==============  =================  ==========================================================
``email``       ``[EMAIL]``        ``jane.smith@example.com``; ``jane [at] example [dot] com``
``ni_number``   ``[NI_NUMBER]``    National Insurance numbers, spaced or not, valid prefixes
                                   only (suffix A–D; without a suffix only after "NI number")
``phone``       ``[PHONE]``        UK numbers: 07 mobiles, 01/02/03 landlines, 080x
                                   freephone, +44 / 0044 / (0) forms, spaces, dashes, brackets
``postcode``    ``[POSTCODE]``     full UK postcodes in any case, with or without the space,
                                   and GIR 0AA (an outward code alone is an area, not data)
``vehicle_reg`` ``[VEHICLE_REG]``  current-format registrations ``AB12 CDE`` (all upper or
                                   all lower case, so ordinary words are not caught)
``address``     ``[ADDRESS]``      house number + street name + street type, with an optional
                                   flat: ``Flat 3, 22 Mill Lane``, ``12a Church St``
``name``        ``[NAME]``         names introduced as names: "my name is …", "I'm called …",
                                   "Name: …", titles (``Dear Mr Patel``, ``Cllr Jones``), and
                                   a name signing off a comment ("Regards, Jane Smith", "– Jo")
==============  =================  ==========================================================

Why this order. Each kind runs on the output of the kinds before it, so a later pattern never
sees what an earlier one replaced:

* e-mail first: a local part may have the shape of a phone number, postcode, NI number or
  plate (``07700900123@sms.example.com``, ``sw1a1aa@example.com``); run later, those patterns
  would replace that part and leave ``[PHONE]@sms.example.com`` readable.
* NI number, then phone, postcode and vehicle reg: fixed letter-and-digit shapes. As written
  they cannot overlap one another (an NI number has six digits, a plate two digits then three
  letters, a postcode's inward code one digit then two letters), so their order among
  themselves is for clarity, most specific first.
* phone before address: in ``07700 900 123 Mill Lane`` the last digit group would otherwise
  read as a house number, leaving ``07700 900`` behind.
* name last: a sign-off name must end the comment, and may only be followed by details that
  are already placeholders (``Regards, Jane Smith, [ADDRESS], [POSTCODE]``).

What is deliberately left alone: a street without a house number ("the potholes on Oak Tree
Lane"), an outward postcode alone ("the AK7 area"), times, dates, years, counts, prices and
reference numbers ("ref 0123456789"). Known gaps: names without a cue (a bare "Jane Smith"
mid-comment, "mr patel" in lower case), house names, pre-2001 or personalised number plates,
non-UK phone numbers, and characters outside ASCII in numbers and postcodes.

Missing comments (``NaN``, ``None``, ``pd.NA``) are returned unchanged and count zero.

Speed: the comments are joined into one string per chunk of 5,000 and each pattern runs once
over the comments its *trigger* says may hold a match (see ``_redact_triggers``), so the work is done
by the regular-expression engine and numpy; Python runs per match (to check a phone number's
digits), never per comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from ._redact_names import INTRODUCTION, LOWER, SIGN_OFF, UPPER
from ._redact_triggers import (_CAPITAL_START, _DASH_END, _INWARD, _STREET_TYPE_WORDS,
                               STREET_TYPES, _digits_then, _house_then_street, _ni_or_plate,
                               _Triggers)

__all__ = ["PLACEHOLDERS", "Redaction", "possible_names_left", "redact", "redact_text"]

PLACEHOLDERS: dict[str, str] = {
    "email": "[EMAIL]",
    "ni_number": "[NI_NUMBER]",
    "phone": "[PHONE]",
    "postcode": "[POSTCODE]",
    "vehicle_reg": "[VEHICLE_REG]",
    "address": "[ADDRESS]",
    "name": "[NAME]",
}

# Comments are joined with the information separator U+001E. No pattern below matches it or
# its siblings U+001C-U+001F, so no match runs across two comments; a comment that holds one
# is redacted piece by piece around it (see _run_split), so no input is altered.
_SEPARATOR = "\x1e"
_CHUNK = 5000  # comments per chunk (about 1 MB of text)
_FEW = 50  # fewer comments than this are searched without triggers
# Whitespace that stays inside one comment: Python counts \x1c-\x1f as whitespace.
_WS = r"[^\S\x1c-\x1f]"
_SP = r"[ \t\u00a0]"  # a space within a line
_END = rf"(?={_WS}*(?:[\x1c-\x1f]|\Z))"  # end of a comment in the joined batch

# --- e-mail ------------------------------------------------------------------------------
# Local-part characters of RFC 5322's dot-atom (as the WHATWG "valid e-mail address" allows).
# A match may not start with an apostrophe, so a quoted address keeps its opening quote.
_LOCAL = r"\w.!#$%&'*+/=?^`{|}~-"
_LOCAL_START = r"\w.!#$%&*+/=?^`{|}~-"
_EMAIL = re.compile(
    rf"(?<![{_LOCAL_START}])[{_LOCAL_START}][{_LOCAL}]*"
    r"@[\w.-]*\.[\w-]*\w")
# Spelt-out addresses ("jane [at] example [dot] com"); the plain " at … dot " form only before
# a common top-level domain, so "meet at the park" is left alone.
_TLD = r"(?:com|org|net|co|uk|gov|ac|nhs|edu|io|me|info|biz)"
_EMAIL_SPELT = re.compile(
    rf"(?<![\w.])[\w.+-]+{_SP}?(?:\[at\]|\(at\)){_SP}?[\w-]+"
    rf"(?:{_SP}?(?:\[dot\]|\(dot\)|\.){_SP}?[\w-]+)+"
    rf"|(?<![\w.])[\w.+-]+(?:{_SP}dot{_SP}[\w+-]+)*{_SP}at{_SP}[\w-]+"
    rf"(?:{_SP}dot{_SP}[\w-]+)*{_SP}dot{_SP}{_TLD}\b", re.IGNORECASE)

# --- National Insurance number -----------------------------------------------------------
# HMRC National Insurance Manual NIM39110: the first letter is never D, F, I, Q, U or V; the
# second never D, F, I, O, Q, U or V; BG, GB, KN, NK, NT, TN and ZZ are never issued; the
# suffix is A, B, C or D.
_NI_PREFIX = r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
_NI_DIGITS = r"\d{2}[ -]?\d{2}[ -]?\d{2}"
# The suffix may be left off only after a cue, as "CR123456" is a common reference number.
_NI = re.compile(
    rf"(?P<cue>\b(?:national{_SP}insurance|NINO|NI)(?:{_SP}(?:number|no\.?|num))?:?"
    rf"(?:{_SP}is)?:?{_SP}*)?(?<!\w){_NI_PREFIX}[ -]?{_NI_DIGITS}"
    r"(?(cue)(?:[ -]?[A-D])?|[ -]?[A-D])(?!\w)", re.I | re.A)

# --- phone -------------------------------------------------------------------------------
# A candidate is a run of digit groups after +44, 0044, (0) or a trunk 0; _phone_or_text then
# checks the digits, so one pattern covers every spacing people use. Groups after the first have
# at least two digits, which keeps lists like "0 1 2 3 …" out. Not after a word character,
# currency sign, slash, dot or comma (prices, dates, decimals, "CR-0123…" references).
_PHONE_SEP = rf"(?:{_SP}?[.\u2013-]{_SP}?|{_SP})"
_PHONE = re.compile(
    r"(?<![\w£$€#/.,+])(?<!\w-)"
    rf"(?:(?:\+|00){_SP}?44{_SP}?(?:\(0\){_SP}?)?\d{{1,5}}"  # +44 20 …, 0044 7700 …, +44 (0)…
    r"|\(0\)\d{1,5}|\(0\d{2,5}\)|0\d{1,5})"                # (0)20…, (0113) …, 0113 …
    rf"(?:{_PHONE_SEP}?\d{{2,}})*", re.A)
# A number right after these words is a reference, not a phone number ("ref 0123456789").
_REFERENCE_CUE = re.compile(
    r"(?i)\b(?:ref(?:erence)?|case|account|acct|invoice|order|claim|application|ticket|crime)"
    r"(?:[ .](?:no|number|num))?\.?[ #:]*$")

# --- postcode ----------------------------------------------------------------------------
# Royal Mail's format rules (as summarised in BS 7666 and by ONS): the first letter is never
# Q, V or X; the second never I, J or Z; a letter in third place (A9A) is one of
# ABCDEFGHJKPSTUW, in fourth place (AA9A) one of ABEHMNPRVWXY; the inward code's letters are
# never C, I, K, M, O or V. The last rule is why "M6 2pm" or "A1 5am" are not postcodes; a
# lower-case ordinal is not an inward code either ("the A1 2nd exit").
_OUTWARD = (r"(?:[A-PR-UWYZ](?:\d\d?|[A-HK-Y]\d\d?|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRVWXY]))")
_POSTCODE = re.compile(
    rf"(?<!\w)(?:{_OUTWARD}{_SP}{{0,2}}(?-i:(?![0-9](?:st|nd|rd|th)\b))\d[ABD-HJLNP-UW-Z]{{2}}"
    rf"|GIR{_SP}?0AA)(?!\w)",
    re.I | re.A)

# --- vehicle registration ----------------------------------------------------------------
# DVLA's current format (since September 2001): two memory-tag letters (never I, Q or Z), a
# two-digit age identifier (02–49 for March, 51–99 for September; 00, 01 and 50 unused),
# three random letters (never I or Q). One case throughout, so "Mp12 Was" is not a plate.
_AGE = r"(?:0[2-9]|[1-4]\d|5[1-9]|[6-9]\d)"
_VEHICLE_REG = re.compile(
    rf"(?<!\w)(?:[A-HJ-PR-Y]{{2}}{_AGE}{_SP}?[A-HJ-PR-Z]{{3}}"
    rf"|[a-hj-pr-y]{{2}}{_AGE}{_SP}?[a-hj-pr-z]{{3}})(?!\w)", re.A)

# --- address -----------------------------------------------------------------------------
_STREET_TYPE = rf"(?:(?i:{STREET_TYPES})\b)"
# A house number has at most three digits: four-digit numbers before a street are years
# ("in 2019 Church Street flooded"). "12a" and ranges "12-14" are house numbers too.
_HOUSE = r"\d{1,3}[A-Za-z]?(?:[-\u2013/]\d{1,3}[A-Za-z]?)?"
_FLAT = rf"(?:(?i:flat|apartment|apt|unit)\.?{_SP}\d{{1,4}}[A-Za-z]?,?{_SP}+)?"
# A street word has at most two apostrophes or hyphens ("St Anne's", "Weston-super-Mare"), so
# it is at most three words of letters; the address trigger relies on that.
_STREET_WORD = r"(?:St\.?|The|[A-Z][A-Za-z]*(?:['’-][A-Za-z]+){0,2})"
# Not after a word that makes the number a count or a route ("over 50 Dene Park visitors").
_NOT_COUNT = "".join(rf"(?<!\b(?i:{word}){_SP})" for word in (
    "over", "about", "around", "nearly", "almost", "some", "than", "only", "just", "least",
    "route", "bus", "aged", "age"))
_ADDRESS = re.compile(
    rf"(?<![\w£$€#.,:/-]){_NOT_COUNT}{_FLAT}(?:(?i:no\.?|number){_SP})?{_HOUSE},?{_SP}"
    rf"(?:{_STREET_WORD}{_SP}){{1,3}}{_STREET_TYPE}", re.A)
# Lower-case addresses are only taken after a cue, as "3 times down the road" reads like one.
_ADDRESS_CUED = re.compile(
    rf"(?P<cue>(?i:\b(?:live|living|lives){_SP}+at|address{_SP}+is|address:){_SP}*)"
    rf"{_FLAT}{_HOUSE},?{_SP}(?:[a-z][a-z'-]*{_SP}){{1,3}}(?i:{STREET_TYPES})\b", re.A)

# --- name --------------------------------------------------------------------------------
_UP, _LOW = UPPER, LOWER  # Latin letters with their accents (Wójcik, Łukasz, Siobhán)
# Capitalised words that are not names; they stop a name so "Mr Patel The bins…" keeps "The".
_NOT_NAMES = ("the|a|an|and|but|or|i|it|its|we|my|our|you|your|yes|no|not|please|thanks|thank"
              "|regards|dear|hi|hello|this|that|these|there|they|he|she|as|at|in|on|of|to|for"
              "|with|so|if|when|sorry|also|again|all|everyone|council|councillor|borough|team"
              "|department|residents?|sir|madam|is|was|has|had|would|could|from|about|here"
              "|surgery|surgeries|office|allowances?|code|training|elections?|vacancy")
_STOP = rf"(?!(?i:{_NOT_NAMES})(?![{_UP}{_LOW}'’-]))"
# O'Neill, D'Arcy, McDonald, MacLeod, Oyelaran-Smith, Al-Hassan, Ní, Wójcik.
_NAME_WORD = (rf"{_STOP}(?:[{_UP}]['’])?[{_UP}][{_LOW}]+(?:[{_UP}][{_LOW}]+)?"
              rf"(?:['’-][{_UP}{_LOW}][{_LOW}]+)*")
_NAME = rf"{_NAME_WORD}(?:{_SP}{_NAME_WORD}){{0,2}}"
_INITIALS = rf"(?:[{_UP}]\.?{_SP}){{0,2}}"
_TITLES = r"Mrs|Mr|Ms|Miss|Mx|Dr|Prof|Cllr|Councillor|Rev|Revd"
_NAME_RULES = [
    # A title and a surname, with or without first name or initials: the title goes too.
    re.compile(rf"(?<![\w])(?:{_TITLES}|(?i:mrs|mr|ms|dr|cllr))\.?{_SP}+{_INITIALS}"
               rf"{_NAME_WORD}(?:{_SP}{_NAME_WORD}){{0,2}}", re.A),
    # Introductions. After "my name is" a name may be in lower case (stopped by the function
    # words); after a form's "Name:" it must be capitalised ("name: withheld" is not a name).
    re.compile(rf"(?P<cue>(?i:\bmy{_SP}+name{_SP}+is|\bmy{_SP}+name['’]s|\bi{_SP}+am{_SP}+called"
               rf"|\bi['’]m{_SP}+called|(?P<form>\b(?:full{_SP}|first{_SP}|sur)?name{_SP}*:))"
               rf"{_SP}*)(?(form){_NAME}|(?:{_NAME}|{_STOP}[a-z]+(?:{_SP}{_STOP}[a-z]+)?(?!\w)))",
               re.A),
    # "I'm …", "I am … from", "this is … here", "it's … here": judged word by word.
    INTRODUCTION,
    # Sign-offs: a name after "Regards," "Thanks," or "Cheers" (or on the next line) that ends
    # the comment, perhaps followed by contact details already replaced. An ordinary word is
    # not a name ("Thanks, Brilliant"); "Thanks Ashbrook" with no comma is not taken alone.
    SIGN_OFF,
    # "– Jane" or "- Jane Smith" on a line of its own or after a full stop, ending the comment.
    re.compile(rf"(?P<cue>(?:(?<=[.!?]{_SP})|(?<=[.!?\n]))[-\u2013\u2014]{_SP}{{0,3}})"
               rf"{_NAME_WORD}(?:{_SP}{_NAME_WORD})?(?=[.!]?{_END})", re.A),
]


def _phone_or_text(match: re.Match) -> str:
    """``[PHONE]`` for the UK number the candidate starts with, the rest looked at again.

    A candidate may run into a following number ("07700 900123 24 hours", two numbers with a
    space between), so its longest start that is a valid number is taken. If none is (or the
    candidate follows "ref"), its first digit group is kept and the rest looked at again.
    """
    text = match.group()
    ends = [m.end() for m in re.finditer(r"[0-9]+", text)]
    if not _REFERENCE_CUE.search(match.string[max(0, match.start() - 30):match.start()]):
        for end in reversed(ends):
            if _is_uk_number(text[:end]):
                return PLACEHOLDERS["phone"] + _PHONE.sub(_phone_or_text, text[end:])
    return text[:ends[0]] + _PHONE.sub(_phone_or_text, text[ends[0]:])


def _is_uk_number(text: str) -> bool:
    """Whether ``text`` (digits with separators) dials a UK number (Ofcom numbering plan)."""
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith(("+", "00")):
        national = digits[2:] if text.startswith("+") else digits[4:]
        if "(0)" in text:
            national = national[1:]
    else:
        national = digits[1:]  # drop the trunk 0
    if not national:
        return False
    if national[0] == "1" or national[:3] in ("800", "808", "500"):
        return len(national) in (9, 10)  # some 01 areas and freephone have 9-digit numbers
    # 02 London etc., 03 non-geographic, 05 corporate, 07 mobile, 084/087 and 09 service numbers
    return len(national) == 10 and (national[0] in "23579" or national[:2] in ("84", "87"))


def _cued(placeholder: str) -> str:
    return rf"\g<cue>{placeholder}"


# The rules in run order: kind, pattern, replacement, and the trigger giving the chunk's
# comments the rule may change.
_Rule = tuple[str, re.Pattern, "str | Callable[[re.Match], str]",
              Callable[[_Triggers], np.ndarray]]
_RULES: list[_Rule] = [
    ("email", _EMAIL, PLACEHOLDERS["email"], lambda t: t.rows(np.flatnonzero(t.codes == 64))),
    ("email", _EMAIL_SPELT, PLACEHOLDERS["email"],
     lambda t: t.rows(t.words("at", then=b"])"), t.words("dot"))),
    ("ni_number", _NI, _cued(PLACEHOLDERS["ni_number"]), partial(_ni_or_plate, ni=True)),
    # ten digits at least (0 or 44 and nine more) with at most 8 bytes (") – ") between two
    ("phone", _PHONE, _phone_or_text, lambda t: t.rows(_digits_then(t, 10, 90))),
    ("postcode", _POSTCODE, PLACEHOLDERS["postcode"], lambda t: t.rows(
        t.sequence(t.digit, _INWARD[t.codes], _INWARD[t.codes]), t.words("gir"))),
    ("vehicle_reg", _VEHICLE_REG, PLACEHOLDERS["vehicle_reg"], partial(_ni_or_plate, ni=False)),
    ("address", _ADDRESS, PLACEHOLDERS["address"], _house_then_street),
    ("address", _ADDRESS_CUED, _cued(PLACEHOLDERS["address"]), lambda t: np.intersect1d(
        t.rows(t.words("live", "lives", "living", "address")),
        t.rows(t.words(*_STREET_TYPE_WORDS)))),
    ("name", _NAME_RULES[0], PLACEHOLDERS["name"], lambda t: t.rows(t.words(
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "cllr", "councillor", "rev", "revd",
        then=b". "))),
    ("name", _NAME_RULES[1], _cued(PLACEHOLDERS["name"]),
     lambda t: t.rows(t.words("name", "surname", "called"))),
    ("name", _NAME_RULES[2], PLACEHOLDERS["name"],
     lambda t: t.rows(t.words("m", "im", "am", "is", "s"))),
    ("name", _NAME_RULES[3], PLACEHOLDERS["name"], lambda t: t.rows(
        t.words("regards", "sincerely", "faithfully", "truly", "cheers", "thanks", "you",
                "again", "wishes"),
        t.words("best", then=b",\n\r", spaces=6))),
    # a dash, up to three spaces (no-break spaces are two bytes), then a capital
    ("name", _NAME_RULES[4], _cued(PLACEHOLDERS["name"]),
     lambda t: t.rows(t.then(np.flatnonzero(_DASH_END[t.codes]), _CAPITAL_START, range(1, 8)))),
]


@dataclass(frozen=True, eq=False)
class Redaction:
    """Comments with personal data replaced, and what was replaced in each.

    Attributes
    ----------
    text : Series
        The redacted comments, with the input's index, name and dtype; missing comments stay
        missing.
    found : DataFrame
        One row per comment, indexed like the input (``found.reset_index()`` makes the index a
        column), and one integer column per kind searched for, in the order of
        :data:`PLACEHOLDERS`: how many items of that kind were replaced in that comment.
    uncertain : Series
        ``redaction_uncertain``, one bool per comment: True where a cue ("I'm", "this is",
        "Thanks") is followed by a word that may be a name but was not sure enough to redact
        (see :func:`possible_names_left`). Such a comment is never quoted either. All False
        when ``name`` was not among the kinds searched for.

    Examples
    --------
    >>> result = redact(pd.Series(["Ring 07700 900123", "Lovely park", "I'm Zorbly by now"],
    ...                           index=["C1", "C2", "C3"]))
    >>> result.flagged.to_dict(), int(result.counts["phone"])
    ({'C1': True, 'C2': False, 'C3': False}, 1)
    >>> result.uncertain.to_dict(), result.quotable.to_dict()
    ({'C1': False, 'C2': False, 'C3': True}, {'C1': False, 'C2': True, 'C3': False})
    """

    text: pd.Series
    found: pd.DataFrame
    uncertain: pd.Series | None = None

    def __post_init__(self):
        if self.uncertain is None:
            object.__setattr__(self, "uncertain", pd.Series(
                False, index=self.text.index, dtype=bool, name="redaction_uncertain"))

    @property
    def kinds(self) -> list[str]:
        """The kinds searched for, in run order."""
        return list(self.found.columns)

    @property
    def counts(self) -> pd.Series:
        """Items replaced per kind over all comments; every kind searched for is listed."""
        return self.found.sum(axis=0).astype("int64").rename("replaced")

    @property
    def flagged(self) -> pd.Series:
        """True for each comment that held personal data (packs quote none of them)."""
        return self.found.sum(axis=1).gt(0).rename("contains_pii")

    @property
    def quotable(self) -> pd.Series:
        """True for each comment a pack may quote: no personal data found, none uncertain."""
        return (~self.flagged & ~self.uncertain).rename("quotable")

    def __repr__(self) -> str:
        counts = ", ".join(f"{kind} {n}" for kind, n in self.counts.items())
        return (f"Redaction({len(self.text)} comments, {int(self.flagged.sum())} with personal "
                f"data; replaced: {counts})")


def redact(texts: pd.Series | Iterable[str], *, kinds: Iterable[str] | str | None = None
           ) -> Redaction:
    """Replace personal data in comments by typed placeholders such as ``[PHONE]``.

    Parameters
    ----------
    texts : Series or iterable of str
        The comments. Missing values (``NaN``, ``None``, ``pd.NA``) are allowed and are
        returned unchanged, with zero counts; any other non-text value is an error.
    kinds : str or iterable of str, optional
        The kinds of personal data to replace (keys of :data:`PLACEHOLDERS`); all by default.
        They always run in the order of :data:`PLACEHOLDERS`, whatever the order given.

    Returns
    -------
    Redaction
        ``text`` (the redacted comments, same index), ``found`` (items replaced per comment
        and kind), ``counts`` (items replaced per kind, every kind listed) and ``flagged``
        (comments that held any).

    Raises
    ------
    ValueError
        If ``texts`` is a single string or a table, holds non-text values, or ``kinds`` names
        an unknown kind.

    Examples
    --------
    >>> result = redact(["Call me on 07700 900123 or email jo.bloggs@example.com.",
    ...                  "The potholes on Oak Tree Lane came back in 2019.",
    ...                  "Dear Mr Patel, I live at 14 Larkrise Road, AK7 2XP. Regards, Jo"])
    >>> for line in result.text:
    ...     print(line)
    Call me on [PHONE] or email [EMAIL].
    The potholes on Oak Tree Lane came back in 2019.
    Dear [NAME], I live at [ADDRESS], [POSTCODE]. Regards, [NAME]
    >>> result.found
       email  ni_number  phone  postcode  vehicle_reg  address  name
    0      1          0      1         0            0        0     0
    1      0          0      0         0            0        0     0
    2      0          0      0         1            0        1     2
    >>> result.counts.tolist()  # email, ni_number, phone, postcode, vehicle_reg, address, name
    [1, 0, 1, 1, 0, 1, 2]
    >>> comments = pd.Series(["My reg is YB70 EOD", None], index=[10, 11], dtype=object)
    >>> redact(comments, kinds="vehicle_reg").text
    10    My reg is [VEHICLE_REG]
    11                       None
    dtype: object
    """
    series = _as_series(texts)
    chosen = _check_kinds(kinds)
    present = ~pd.isna(series).to_numpy()
    originals = series.to_numpy(dtype=object)[present]
    _check_text(series, originals)
    redacted = _run(originals, chosen)
    found = np.zeros((len(series), len(chosen)), dtype=np.int64)
    changed = np.flatnonzero(redacted != originals) if len(originals) else np.zeros(0, int)
    if len(changed):
        # Count placeholders only where the text changed; ones the writer typed do not count.
        after = pd.Series(redacted[changed], dtype=object)
        before = pd.Series(originals[changed], dtype=object)
        rows = np.flatnonzero(present)[changed]
        for column, kind in enumerate(chosen):
            placeholder = re.escape(PLACEHOLDERS[kind])
            found[rows, column] = (after.str.count(placeholder) - before.str.count(placeholder))
    out = series.to_numpy(dtype=object, copy=True)  # each missing value stays as it came
    out[present] = redacted
    text = pd.Series(out, index=series.index, name=series.name, dtype=object)
    if series.dtype != object:  # pandas' str dtype (or an all-missing float column) is kept
        text = text.astype(series.dtype)
    uncertain = np.zeros(len(series), dtype=bool)
    if "name" in chosen and len(redacted):
        uncertain[np.flatnonzero(present)] = _names_left(redacted)
    return Redaction(text=text, found=pd.DataFrame(found, index=series.index, columns=chosen),
                     uncertain=pd.Series(uncertain, index=series.index,
                                         name="redaction_uncertain"))


def possible_names_left(texts: pd.Series | Iterable[str]) -> pd.Series:
    """Whether each (redacted) comment still has a possible name after a cue, left in place.

    A cue ("I'm", "I am", "this is", "it's", "Thanks" with no comma) followed by a capitalised
    word that is not an ordinary English word, where the words around it did not make it sure
    enough to redact: "I'm Ashbrook born and bred", "Thank you Ashbrook." Quotes skip these
    comments, as they skip those that held personal data. Missing comments are False.

    Parameters
    ----------
    texts : Series or iterable of str
        Comments, usually already redacted (names redacted are no longer found).

    Returns
    -------
    Series
        ``redaction_uncertain``, bool, indexed like ``texts``.

    Examples
    --------
    >>> possible_names_left(["I'm Ashbrook born and bred", "I'm [NAME] from the estate",
    ...                      "I'm Disgusted", None]).tolist()
    [True, False, False, False]
    """
    series = _as_series(texts)
    present = ~pd.isna(series).to_numpy()
    values = series.to_numpy(dtype=object)[present]
    _check_text(series, values)
    out = np.zeros(len(series), dtype=bool)
    out[np.flatnonzero(present)] = _names_left(values)
    return pd.Series(out, index=series.index, name="redaction_uncertain")


def _names_left(texts: np.ndarray) -> np.ndarray:
    """Which of ``texts`` (no missing values) hold a possible name left after a cue."""
    out = np.zeros(len(texts), dtype=bool)
    for start in range(0, len(texts), _CHUNK):
        chunk = [t.replace(_SEPARATOR, "\x1f") for t in texts[start:start + _CHUNK]]
        joined = _SEPARATOR.join(chunk)
        starts = np.r_[0, np.cumsum([len(t) + 1 for t in chunk])[:-1]]
        hits = INTRODUCTION.uncertain(joined) + SIGN_OFF.uncertain(joined)
        out[start + np.searchsorted(starts, hits, side="right") - 1] = True
    return out


def redact_text(text: str, *, kinds: Iterable[str] | str | None = None) -> str:
    """Redact one comment; see :func:`redact`.

    Examples
    --------
    >>> redact_text("NI number AB 12 34 56 C, postcode sw1a1aa, ring (0113) 496 0123.")
    'NI number [NI_NUMBER], postcode [POSTCODE], ring [PHONE].'
    """
    if not isinstance(text, str):
        raise ValueError(f"redact_text needs one comment as a str, not {type(text).__name__}. "
                         "Use redact() for a column that may hold missing values.")
    return _run(np.array([text], dtype=object), _check_kinds(kinds))[0]


def _run(texts: np.ndarray, kinds: list[str]) -> np.ndarray:
    """The redacted texts, a chunk at a time so the byte arrays of triggers stay small."""
    out = np.array(texts, dtype=object)  # a copy, changed in place
    for start in range(0, len(out), _CHUNK):
        out[start:start + _CHUNK] = _run_chunk(out[start:start + _CHUNK], kinds)
    return out


def _run_chunk(out: np.ndarray, kinds: list[str]) -> np.ndarray:
    joined = _SEPARATOR.join(out)
    if joined.count(_SEPARATOR) != len(out) - 1 or any(c in joined for c in "\x1c\x1d\x1f"):
        return _run_split(out, kinds)
    # A few comments are quicker to search whole than to index (as redact_text does).
    triggers = _Triggers(joined, _SEPARATOR) if len(out) >= _FEW else None
    for kind, pattern, replacement, trigger in _RULES:
        if kind not in kinds:
            continue
        rows = trigger(triggers) if triggers else np.arange(len(out))
        if not len(rows):
            continue
        redacted = pattern.sub(replacement, _SEPARATOR.join(out[rows])).split(_SEPARATOR)
        if len(redacted) != len(rows):  # a pattern crossed a separator: a bug, not the data
            raise RuntimeError("redaction joined two comments; please report this as a bug")
        out[rows] = redacted
    return out


def _run_split(out: np.ndarray, kinds: list[str]) -> np.ndarray:
    """Redact comments holding U+001C-U+001F: the patterns read those as the end of a comment,
    so the pieces between them are redacted as comments of their own and joined back."""
    pieces = [re.split("([\x1c-\x1f])", text) for text in out]
    redacted = iter(_run_chunk(np.array([p for parts in pieces for p in parts[::2]],
                                        dtype=object), kinds))
    for parts in pieces:
        parts[::2] = [next(redacted) for _ in parts[::2]]
    return np.array(["".join(parts) for parts in pieces], dtype=object)


def _as_series(texts) -> pd.Series:
    if isinstance(texts, pd.Series):
        return texts
    if isinstance(texts, str):
        raise ValueError("texts is a single string; use redact_text(text) for one comment, or "
                         "pass a list or Series of comments.")
    if isinstance(texts, pd.DataFrame):
        raise ValueError(f"texts is a table with columns {', '.join(map(repr, texts.columns))}; "
                         "pass the one column of comments, e.g. comments['text'].")
    return pd.Series(list(texts))


def _check_kinds(kinds) -> list[str]:
    if kinds is None:
        return list(PLACEHOLDERS)
    asked = [kinds] if isinstance(kinds, str) else list(kinds)
    unknown = [k for k in asked if k not in PLACEHOLDERS]
    known = ", ".join(map(repr, PLACEHOLDERS))
    if not asked:
        raise ValueError(f"kinds is empty. Pass some of {known}, or None for all.")
    if unknown:
        raise ValueError(f"kinds: {', '.join(map(repr, unknown))} "
                         f"{'is not a kind' if len(unknown) == 1 else 'are not kinds'} of "
                         f"personal data redact() knows ({known}). Pass some of these, or None "
                         "for all.")
    return [k for k in PLACEHOLDERS if k in asked]


def _check_text(series: pd.Series, present_values: np.ndarray) -> None:
    if not len(present_values) or pd.api.types.infer_dtype(present_values) == "string":
        return
    is_text = np.fromiter((isinstance(v, str) for v in present_values), dtype=bool,
                          count=len(present_values))
    bad = series[~pd.isna(series)][~is_text]
    shown = ", ".join(repr(label) for label in bad.index[:5])
    more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    raise ValueError(f"texts: {len(bad)} value{'s' if len(bad) != 1 else ''} at index {shown}"
                     f"{more} {'is' if len(bad) == 1 else 'are'} not text (found "
                     f"{type(bad.iloc[0]).__name__} {bad.iloc[0]!r}). Comments must be str or "
                     "missing; convert the column, e.g. "
                     "texts.where(texts.isna(), texts.astype(str)).")

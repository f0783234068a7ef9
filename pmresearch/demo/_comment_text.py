"""Compose the text of one demo comment from its planned labels.

A :class:`CommentPlan` says what a comment is about (codes and their stances), its overall
sentiment, whether it states a consultation stance, carries checkable detail, and how long it
runs. :func:`compose` turns the plan into text from the clause banks, so the gold labels are true
of the text by construction. :func:`add_typos`, :func:`add_personal_data` and
:func:`campaign_text` make the variations the coding tests need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ._comment_extras import (
    CAMPAIGNS,
    CLOSERS,
    CONTEXT,
    CROSS_CLAUSES,
    DETAILS,
    EMPTY_ANSWERS,
    LEISURE_CENTRE_BY_WARD,
    LIBRARY_BY_WARD,
    MIXED_CONNECTORS,
    OFF_FRAME,
    PARK_BY_WARD,
    PII_PARTS,
    PLACE_CODES,
    PREFIXES,
    SLOT_VALUES,
    STANCE_SENTENCES,
)
from ._ashbrook import WARDS
from ._comment_phrases import SERVICE_CLAUSES, SURGE_CLAUSES

__all__ = ["CommentPlan", "add_personal_data", "add_typos", "campaign_text", "compose", "word_count"]

_CLAUSES = {**SERVICE_CLAUSES, **CROSS_CLAUSES}
_WARD_NAMES = {code: name for code, name, *_ in WARDS}
_MAX_WORDS = 250
_MIN_WORDS = 5
# How many extra sentences (more clauses, context) each length class adds.
_EXTRA_SENTENCES = {"short": (0, 0), "medium": (1, 2), "long": (4, 14)}
# Scene-setting sentences a comment may carry before it starts to read like a form letter.
_MAX_CONTEXT = 2
# Letters that never appear in the inward part of a UK postcode, and NI prefixes HMRC never issues.
_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NI_BANNED = ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")
_REG_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"
# A house number only reads as an address before a name with one of these endings.
_STREET_SUFFIXES = (" Road", " Lane", " Street", " Avenue", " Close", " Drive", " Way", " Grove",
                    " Crescent", " Terrace")


@dataclass(frozen=True)
class CommentPlan:
    """What one comment says, decided before its words are chosen.

    Attributes
    ----------
    theme_stances : tuple of (str, str)
        Codes in order of prominence with their stance (``negative``, ``positive``,
        ``neutral`` or ``mixed``).
    sentiment : str
        Overall sentiment implied by the stances.
    source : str
        Where the comment came from; consultations may state a stance.
    stance_sentence : str or None
        ``agree``/``disagree``/``unclear`` to say outright, or None to leave it implicit.
    evidence : bool
        Whether to add a sentence of specific, checkable detail.
    length : str
        ``short``, ``medium`` or ``long``.
    surge : bool
        Whether a waste comment dates from the 2025 round changes.
    ward_code : str or None
        The respondent's ward, which picks the local park, library and centre named.
    """

    theme_stances: tuple[tuple[str, str], ...]
    sentiment: str
    source: str
    stance_sentence: str | None = None
    evidence: bool = False
    length: str = "short"
    surge: bool = False
    ward_code: str | None = None


class _Slots(dict):
    """Slot values for one comment, drawn on first use so a street named twice is one street."""

    def __init__(self, rng: np.random.Generator, ward_code: str | None):
        super().__init__()
        self._rng = rng
        # Without a recorded ward the comment still names a real place in the borough.
        self._ward = ward_code or _pick(rng, sorted(PARK_BY_WARD))

    def __missing__(self, key: str) -> str:
        rng, ward = self._rng, self._ward
        if key == "area":
            value = _WARD_NAMES[ward]
        elif key == "park":
            value = PARK_BY_WARD[ward] if rng.random() < 0.75 else _pick(rng, sorted(PARK_BY_WARD.values()))
        elif key == "library":
            libraries = sorted(set(LIBRARY_BY_WARD.values()))
            value = LIBRARY_BY_WARD[ward] if rng.random() < 0.8 else _pick(rng, libraries)
        elif key == "centre":
            value = LEISURE_CENTRE_BY_WARD[ward]
        elif key in ("date", "date2"):
            value = f"{int(rng.integers(1, 29))} {_pick(rng, SLOT_VALUES['month'])}"
        elif key == "ref":
            # Complaint references start with a non-zero digit so they never resemble a phone number.
            value = f"CR-{int(rng.integers(100000, 1000000))}"
        else:
            value = _pick(rng, SLOT_VALUES[key])
        self[key] = value
        return value


def compose(plan: CommentPlan, rng: np.random.Generator) -> str:
    """Write the text of a comment that says exactly what ``plan`` says.

    Parameters
    ----------
    plan : CommentPlan
        The labels the text must carry.
    rng : numpy.random.Generator
        Source of every choice, so the same seed gives the same text.

    Returns
    -------
    str
        The comment, 5–250 words (an empty answer, code Z2, may be shorter).

    Examples
    --------
    >>> import numpy as np
    >>> plan = CommentPlan((("Z2", "neutral"),), "neutral", "survey")
    >>> compose(plan, np.random.default_rng(0)) in EMPTY_ANSWERS
    True
    >>> plan = CommentPlan((("H1", "negative"),), "negative", "survey", length="medium")
    >>> 5 <= word_count(compose(plan, np.random.default_rng(1))) <= 250
    True
    """
    codes = [code for code, _ in plan.theme_stances]
    if codes == ["Z2"]:
        return _pick(rng, EMPTY_ANSWERS)
    slots = _Slots(rng, plan.ward_code)
    used: set[str] = set()
    clauses = _theme_clauses(plan, slots, rng, used)
    if plan.sentiment in PREFIXES and rng.random() < 0.2:
        clauses[0] = _pick(rng, PREFIXES[plan.sentiment]) + clauses[0]
    body = [_sentence(clause) for clause in clauses]
    extra = _extra_sentences(plan, slots, rng, used)
    lead = []
    if plan.stance_sentence is not None:
        lead.append(_pick(rng, STANCE_SENTENCES[plan.source][plan.stance_sentence]))
    if plan.evidence:
        kind = "place" if plan.theme_stances[0][0] in PLACE_CODES else "contact"
        detail = _fill(_pick(rng, DETAILS[_detail_mood(plan)][kind]), slots)
        extra.insert(int(rng.integers(len(extra) + 1)), detail)
    closing = []
    closer_chance = {"short": 0.25, "medium": 0.5, "long": 0.8}[plan.length]
    if rng.random() < closer_chance:
        closing.append(_pick(rng, CLOSERS[plan.sentiment]))
    # A long rant starts with its context more often than not.
    if plan.length == "long" and rng.random() < 0.6:
        lead.append(_fill(_unused(rng, CONTEXT["any"], used), slots))
    sentences = lead + body + extra + closing
    while word_count(" ".join(sentences)) > _MAX_WORDS and extra:
        extra.pop()
        sentences = lead + body + extra + closing
    while word_count(" ".join(sentences)) < _MIN_WORDS:
        sentences.append(_pick(rng, CLOSERS[plan.sentiment]))
    return " ".join(sentences)


def _theme_clauses(plan, slots, rng, used) -> list[str]:
    """One clause per code; a positive and a negative code often share a "but" clause."""
    drawn = [(stance, _clause(code, stance, plan, slots, rng, used)) for code, stance in plan.theme_stances]
    positives = [i for i, (stance, _) in enumerate(drawn) if stance == "positive"]
    negatives = [i for i, (stance, _) in enumerate(drawn) if stance == "negative"]
    if positives and negatives and rng.random() < 0.75:
        i, j = positives[0], negatives[0]
        joined = _join_mixed(drawn[i][1], drawn[j][1], rng)
        return [joined] + [clause for k, (_, clause) in enumerate(drawn) if k not in (i, j)]
    return [clause for _, clause in drawn]


def _clause(code, stance, plan, slots, rng, used) -> str:
    if code == "Z1":
        return _fill(_unused(rng, OFF_FRAME[stance], used), slots)
    if stance == "mixed":
        positive = _fill(_unused(rng, _CLAUSES[code]["positive"], used), slots)
        negative = _fill(_unused(rng, _CLAUSES[code]["negative"], used), slots)
        return _join_mixed(positive, negative, rng)
    pool = _CLAUSES[code][stance]
    if plan.surge and stance == "negative" and code in SURGE_CLAUSES and rng.random() < 0.75:
        pool = SURGE_CLAUSES[code]
    return _fill(_unused(rng, pool, used), slots)


def _extra_sentences(plan, slots, rng, used) -> list[str]:
    """Further clauses on the same codes and scene-setting sentences, for longer comments.

    A template is never repeated within a comment, so a long comment stops growing when its
    codes' clauses run out.
    """
    low, high = _EXTRA_SENTENCES[plan.length]
    extra: list[str] = []
    contexts = 0
    for _ in range(int(rng.integers(low, high + 1))):
        code, stance = plan.theme_stances[int(rng.integers(len(plan.theme_stances)))]
        if stance == "mixed":
            stance = _pick(rng, ["positive", "negative"])
        if code != "Z1" and rng.random() < 0.55:
            pool = SURGE_CLAUSES.get(code, []) if plan.surge and stance == "negative" else []
            fresh = [t for t in pool + _CLAUSES[code][stance] if t not in used]
            if fresh:
                choice = _pick(rng, fresh)
                used.add(choice)
                extra.append(_sentence(_fill(choice, slots)))
        elif contexts < _MAX_CONTEXT:
            polar = plan.sentiment in ("negative", "positive")
            mood = plan.sentiment if polar and rng.random() < 0.6 else "any"
            fresh = [t for t in CONTEXT[mood] if t not in used]
            if fresh:
                choice = _pick(rng, fresh)
                used.add(choice)
                extra.append(_fill(choice, slots))
                contexts += 1
    return extra


def _detail_mood(plan: CommentPlan) -> str:
    return plan.sentiment if plan.sentiment in ("negative", "positive") else (
        "negative" if any(s == "negative" for _, s in plan.theme_stances) else "neutral")


def _join_mixed(positive: str, negative: str, rng: np.random.Generator) -> str:
    # Clauses are kept in mid-sentence form, so they read right after "but" or "although".
    return _pick(rng, MIXED_CONNECTORS).format(pos=positive, neg=negative)


def campaign_text(name: str, rng: np.random.Generator) -> str:
    """One copy of a campaign letter: the same sentences with small edits.

    Examples
    --------
    >>> import numpy as np
    >>> "Larkrise Library" in campaign_text("Save Larkrise Library", np.random.default_rng(3))
    True
    """
    spec = CAMPAIGNS[name]
    sentences = [_pick(rng, options) for options in spec["sentences"]]
    if rng.random() < 0.15:
        # Some senders trim a middle sentence.
        del sentences[int(rng.integers(1, len(sentences) - 1))]
    for optional in spec["optional"]:
        if rng.random() < 0.2:
            sentences.insert(len(sentences) - (0 if optional.startswith("#") else 1), optional)
    if rng.random() < 0.3:
        sentences.insert(0, "Dear Sir or Madam,")
    return " ".join(sentences)


def add_typos(text: str, rng: np.random.Generator) -> str:
    """Swap or drop a letter in one or two longer words, as a hurried typist does.

    Examples
    --------
    >>> import numpy as np
    >>> text = "the collections are never on time"
    >>> add_typos(text, np.random.default_rng(5)) != text
    True
    """
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha() and w.islower()]
    if not candidates:
        return text
    size = min(len(candidates), int(rng.integers(1, 3)))
    for i in sorted(rng.choice(candidates, size=size, replace=False)):
        word = words[i]
        k = int(rng.integers(1, len(word) - 2))
        if rng.random() < 0.5 and word[k] != word[k + 1]:
            words[i] = word[:k] + word[k + 1] + word[k] + word[k + 2:]
        else:
            words[i] = word[:k] + word[k + 1:]
    return " ".join(words)


def add_personal_data(text: str, kinds: list[str], rng: np.random.Generator,
                      ward_code: str | None = None, first_code: str | None = None) -> str:
    """Add fake personal data of the given kinds (as in ``pii_types``) to a comment.

    ``kinds`` may hold ``name``, ``email``, ``phone``, ``postcode``, ``address``,
    ``vehicle_reg`` and ``ni_number``; address and postcode together make one sentence.
    ``first_code`` (the comment's main code) picks a vehicle sentence that fits the comment.

    Examples
    --------
    >>> import numpy as np
    >>> out = add_personal_data("The bins were missed.", ["email"], np.random.default_rng(2))
    >>> out.startswith("The bins were missed.") and "example." in out.split("@")[1]
    True
    """
    slots = _Slots(rng, ward_code)
    values = _personal_values(rng)
    values["area"] = slots["area"]
    parts = PII_PARTS
    # A greeting or introduction opens the comment, contact details follow it, a sign-off ends it.
    lead, details, signoff = [], [], []
    for kind in kinds:
        if kind == "name":
            style = _pick(rng, ["name_lead", "name_salutation", "name_signoff"])
            sentence = _pick(rng, parts[style]).format(**values)
            (signoff if style == "name_signoff" else lead).append(sentence)
        elif kind == "postcode" and "address" in kinds:
            continue
        elif kind == "address" and "postcode" in kinds:
            details.append(_pick(rng, parts["address_postcode"]).format(**values))
        elif kind == "vehicle_reg":
            key = f"vehicle_reg_{first_code}" if f"vehicle_reg_{first_code}" in parts else kind
            details.append(_pick(rng, parts[key]).format(**values))
        else:
            details.append(_pick(rng, parts[kind]).format(**values))
    return " ".join(lead + [text] + details + signoff)


def _personal_values(rng: np.random.Generator) -> dict[str, str]:
    first, last = _pick(rng, PII_PARTS["first"]), _pick(rng, PII_PARTS["last"])
    style = int(rng.integers(3))
    local = [f"{first}.{last}", f"{first[0]}{last}", f"{first}{last}{int(rng.integers(60, 100))}"][style]
    email = f"{re.sub('[^a-z0-9.]', '', local.lower())}@{_pick(rng, PII_PARTS['email_domain'])}"
    phone = _pick(rng, PII_PARTS["phone_format"]).format(d3=f"{int(rng.integers(1000)):03d}")
    postcode = (f"AK{int(rng.integers(1, 10))} {int(rng.integers(1, 10))}"
                f"{_pick(rng, _POSTCODE_LETTERS)}{_pick(rng, _POSTCODE_LETTERS)}")
    while True:
        prefix = _pick(rng, _NI_FIRST) + _pick(rng, _NI_SECOND)
        if prefix not in _NI_BANNED:
            break
    digits = [f"{int(rng.integers(100)):02d}" for _ in range(3)]
    suffix = _pick(rng, "ABCD")
    spaced = rng.random() < 0.5
    ni = f"{prefix} {' '.join(digits)} {suffix}" if spaced else f"{prefix}{''.join(digits)}{suffix}"
    age_identifier = ["15", "18", "19", "21", "68", "70", "73"]
    reg = (_pick(rng, _REG_LETTERS) + _pick(rng, _REG_LETTERS) + _pick(rng, age_identifier)
           + " " + "".join(_pick(rng, _REG_LETTERS) for _ in range(3)))
    street_names = [s for s in SLOT_VALUES["street"] if s.endswith(_STREET_SUFFIXES)]
    return {
        "first": first, "last": last, "title": _pick(rng, PII_PARTS["title"]), "email": email,
        "phone": phone, "postcode": postcode, "ni": ni, "reg": reg,
        "house": str(int(rng.integers(1, 120))), "street_name": _pick(rng, street_names),
    }


def word_count(text: str) -> int:
    """Number of whitespace-separated words.

    >>> word_count("Bins never collected on time.")
    5
    """
    return len(text.split())


def _fill(template: str, slots: _Slots) -> str:
    return template.format_map(slots)


def _sentence(clause: str) -> str:
    text = clause[0].upper() + clause[1:]
    return text if text[-1] in ".!?" else text + "."


def _unused(rng: np.random.Generator, pool: list[str], used: set[str]) -> str:
    """A template from ``pool`` not yet used in this comment (any, once all are used)."""
    fresh = [t for t in pool if t not in used]
    choice = _pick(rng, fresh or pool)
    used.add(choice)
    return choice


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]

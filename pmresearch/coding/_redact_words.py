"""Word lists that tell a name from an ordinary word after "I'm", "this is" or "Thanks,".

A capitalised word after "I'm" is a name ("I'm Kevin and …") or an adjective or participle a
writer capitalised ("I'm Disgusted and …", "I am Writing to complain"). :func:`is_ordinary`
says which: a word is ordinary if it (or its stem, after -s, -ed, -ing, -ly, -ness) is one
of the default sentiment lexicon's words (about 6,000 British English words, every word of
every term of ``parameters/lexicon.csv``) or of :data:`COMMON_WORDS` below, written for this
module: function words, common verbs, adverbs and nouns the sentiment lexicon leaves out
because they carry no sentiment, and nationalities, faiths and parties ("I'm Polish and …").

The default lexicon is read, not a council's edited copy, so what is redacted does not change
with a council's sentiment tuning.
"""

from __future__ import annotations

import csv
from functools import lru_cache

__all__: list[str] = []

# Never part of a name: they end a name ("Kevin from …") and are never one ("I'm Not happy").
FUNCTION_WORDS = frozenset("""
a about above across after afterwards again against ago all almost alone along already also
although always am among an and another any anybody anyone anything anyway anywhere are around
as at away back be because been before being below beside besides between beyond both but by
can cannot could did do does doing done down during each either else enough even ever every
everybody everyone everything everywhere few for from further had has have having he her here
hers herself him himself his how however i if in indeed instead into is it its itself just
least less lot lots many may me might mine more most much must my myself neither never
nevertheless next no nobody none noone nor not nothing now nowhere of off often on once one
only onto or other others otherwise our ours ourselves out over own per perhaps please quite
rather really same shall she should since so some somebody someone something sometimes
somewhere still such than that the their theirs them themselves then there therefore these they
this those though through throughout thus to together too toward towards under unless until
up upon us very via was we well were what whatever when whenever where whereas wherever whether
which while who whoever whole whom whose why will with within without would yet you your yours
yourself yourselves im ive id ill dont doesnt didnt cant couldnt wont wouldnt shouldnt isnt
arent wasnt werent havent hasnt hadnt thats theres its whats lets yes yeah yep nope ok okay oh
hi hello hiya dear sorry thanks thank cheers regards sincerely faithfully truly
""".split())

# Ordinary words the sentiment lexicon may not hold (it lists words that carry sentiment).
COMMON_WORDS = frozenset("""
able absolutely accept access account act action actually add address admit advise affect
afraid age agree aim allow almost alright amazed angry annoyed answer anxious apply appreciate
approach area argue arrive ask asleep assume astonished attend available average aware awake
bad bag bank base basically bear become begin behalf believe belong best better big bin bit
block blue board body book born bother box break bring broken brother build burn bus business
busy buy call calling came campaign car care carer careful carry case cause certain chair
chance change charge check child choose citizen claim class clean clear close cold collect
come comment common community complain complete concern concerned confident confused consider
contact continue cost could count country couple course cover cross current cut daily damage
dark date daughter day deal decide deeply definitely delighted desperate different difficult
direct disabled disappointed discuss do doctor dog door double doubt drive driver drop due
early easy eat effect eighty elderly eleven email empty end enjoy enquire entirely especially
even evening exactly example expect experience explain extremely face fact fail fair fairly
fall family far fast father fear feel fifty fill final finally find fine finish first five
fix floor follow food foot forty four free friend front frustrated full fully fund further
gave general genuinely get getting give glad go going gone gonna good got gotta grateful great
group grow guess half hand handle happen hard head hear heard help high hold home honest
honestly hope hoping house huge hundred idea ill important include increase information
interested involve issue job join keen keep kind know known land large last late later
lately leave left less let letter level lie life light like likely line list listen little
live lived local long look lose loss lot loud love low main make man manage matter mean meet
member mention message middle mind minute miss moment money month morning mother move mum name
near nearly need neighbour never new news next nice night nine ninety normal note notice number
offer office officer old open order owner page paid pain parent part pass past pay people
person phone pick place plan point poor possible post pretty probably problem prove provide pull
pure push put question quick quickly quiet raise rate reach read ready real realise reason
receive recently reply report request resident respond rest result return right ring rise risk
road room round run sad safe said say school second see seem send sent serious seriously set
seven seventy share short show shut side sign simply single sister sit six sixty size small
social soon sort sound speak speaking spend stand start state stay step stop story street stuck
student study sure surprised system take talk teacher tell ten tenant term thing think thirty
three time tired told tomorrow tonight totally town trouble true try turn twenty two type
unable understand unhappy unsure upset use used usual usually vote wait walk want watch water
way week weekend whole wife wish woman wonder word work worker worried worry write writing
wrong year young
tempt intend plan prepare refuse reject threaten force oblige inclined minded eager determined
desperate ready willing unwilling reluctant forced obliged meant supposed expected allowed
guys folks lads ladies gents gentlemen colleagues staff mate mates pal pals everybody
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday spring summer autumn winter
british english welsh scottish irish northern european polish romanian lithuanian latvian
bulgarian italian spanish portuguese french german dutch greek turkish kurdish russian ukrainian
indian pakistani bangladeshi chinese japanese korean vietnamese filipino thai nepali sri lankan
nigerian ghanaian somali kenyan eritrean ethiopian jamaican caribbean african asian american
canadian australian arab iranian iraqi afghan syrian black white mixed muslim christian catholic
anglican methodist baptist jewish hindu sikh buddhist atheist agnostic pagan labour tory tories
conservative conservatives liberal democrat democrats lib dem green greens reform independent
socialist ukip snp vegan vegetarian retired unemployed pregnant deaf blind autistic gay lesbian
bisexual trans straight married single divorced widowed widow widower pensioner
""".split())

# Capitalised, these lead a name's words astray: places and organisations. A span ending in
# one is a place or a body ("Ashbrook Council", "Mill Road"), not a person.
PLACE_WORDS = frozenset("""
council councils borough city county district parish town village road rd street st lane
avenue ave close drive way crescent terrace gardens place court grove walk row hill mews park
parade square green rise view vale gate chase croft wharf yard boulevard estate centre center
school academy college university hospital surgery library church chapel mosque temple
gurdwara synagogue ward station market house hall tower towers flats ltd limited plc group
association society trust club team services service department office partnership network
forum committee board authority government nhs uk england britain
""".split())

# Lower-case words that join the words of a name ("Ana de Souza", "Ahmed bin Rashid").
PARTICLES = frozenset("de da di del della dos das do van von der den du le la bin binti bint "
                      "ibn al el ap y ter ten".split())

# First names that are also ordinary words: capitalised, they may still be names ("I'm Grace
# from …", "Regards, Frank"). Months and seasons are left out ("It's May here").
WORD_NAMES = frozenset("""
amber angel basil bill bob chase carol crystal daisy dawn dean don drew eve faith frank glen
grace grant guy harry heather holly hope hunter iris ivy jack jade jay jean joy kit lance lily
mark max mercy miles nick pat patience pearl penny ray rob robin rose ruby sandy sue sunny
victor violet wade warren will precious blessing comfort charity honour prudence constance
felicity destiny princess unity trinity gift
""".split())


@lru_cache(maxsize=1)
def lexicon_words() -> frozenset[str]:
    """Every word of every term of the default ``lexicon.csv`` (lower case)."""
    from .._resources import bundled_path

    words: set[str] = set()
    with open(bundled_path("parameters", current_folder=False) / "lexicon.csv", encoding="utf-8") as file:
        for row in csv.reader(line for line in file if not line.startswith("#")):
            if row and row[0] != "term":
                words.update(row[0].lower().split())
    return frozenset(words)


def _known(word: str) -> bool:
    return word in FUNCTION_WORDS or word in COMMON_WORDS or word in lexicon_words()


def _stems(word: str) -> list[str]:
    """Candidate base forms of ``word`` after a regular English ending (at least 3 letters)."""
    stems = []
    for ending, replacements in (("ies", ("y",)), ("ied", ("y",)), ("ing", ("", "e")),
                                 ("ed", ("", "e")), ("es", ("",)), ("s", ("",)),
                                 ("ly", ("", "le")), ("ily", ("y",)), ("ness", ("",))):
        # No -er or -est ("Peter" is not "pet"); -es only after a hiss ("James" is not "jam").
        if ending == "es" and not word[:-2].endswith(("s", "x", "z", "ch", "sh")):
            continue
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            base = word[:-len(ending)]
            stems += [base + r for r in replacements]
            if len(base) >= 4 and base[-1] == base[-2]:  # "stopped", "fitting"
                stems.append(base[:-1])
    return stems


@lru_cache(maxsize=65536)
def is_ordinary(word: str) -> bool:
    """Whether ``word`` is an ordinary English word (any case), so not taken for a name alone.

    Examples
    --------
    >>> [is_ordinary(w) for w in ["Disgusted", "Writing", "Sure", "Threlfall", "Oyelaran-Smith"]]
    [True, True, True, False, False]
    """
    lower = word.lower().replace("’", "'")
    if lower.endswith("'s"):
        lower = lower[:-2]
    lower = lower.replace("'", "")
    if _known(lower):
        return True
    if "-" in lower:  # "Fed-up", "Well-known"; "Oyelaran-Smith" has a part that is not a word
        return all(_known(part) or any(_known(s) for s in _stems(part))
                   for part in lower.split("-") if part)
    return any(_known(stem) for stem in _stems(lower))


_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


@lru_cache(maxsize=4096)
def is_misspelt_word(word: str) -> bool:
    """Whether ``word`` (six letters or more) is one slip from an ordinary word of five or
    more: a letter dropped, added, changed, or two swapped ("retierd", "retred" for
    "retired"). Lower-case names can look the same ("steven", "darren"), so a caller treats
    such a word as uncertain, not as a name.

    Examples
    --------
    >>> [is_misspelt_word(w) for w in ["retierd", "retred", "threlfall", "kevin"]]
    [True, True, False, False]
    """
    lower = word.lower()
    if len(lower) < 6 or not lower.isalpha():
        return False
    splits = [(lower[:i], lower[i:]) for i in range(len(lower) + 1)]
    edits = {a + b[1:] for a, b in splits if b}
    edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    edits |= {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
    edits |= {a + c + b for a, b in splits for c in _ALPHABET}
    return any(len(edit) >= 5 and edit != lower and is_ordinary(edit) for edit in edits)

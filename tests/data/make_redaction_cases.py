"""Make the name-redaction evaluation sets, seeded so they are the same on every run.

    python tests/data/make_redaction_cases.py

writes, beside this script:

``redaction_names.csv`` (recall)
    ``text,expected``: a name in an introduction or sign-off, and the same text redacted by
    hand (the name, and only the name, replaced by ``[NAME]``).
``redaction_not_names.csv`` (precision)
    ``text``: the same cues followed by words that are not names (adjectives, participles,
    ordinary nouns, places and bodies), which must come back unchanged.

Every name part and sentence part below was written for this file; none is read from
pmresearch, so the sets test the redactor rather than echo its word lists.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20240512

FIRST = ["Teresa", "Kevin", "Nguyen", "Oluwaseun", "Siobhán", "Zbigniew", "Mohammed", "Priya",
         "Aoife", "Tomasz", "Chidi", "Fatima", "Gareth", "Bronwen", "Hamish", "Mairéad", "Yusuf",
         "Ngozi", "Darius", "Leszek", "Anjali", "Declan", "Ewa", "Kwame", "Saoirse", "Rukhsana",
         "Jolanta", "Bartosz", "Dervla", "Imran", "Olusegun", "Lakshmi", "Gwilym", "Rhiannon",
         "Tatiana", "Agnieszka", "Björn", "Zainab", "Precious", "Tendai", "Kofi", "Shauna",
         "Callum", "Eilidh", "Pádraig", "Noor", "Amara", "Kayleigh", "Dwayne", "Janek"]
LAST = ["Oyelaran-Smith", "Threlfall", "Adebayo", "Ní Bhriain", "Wójcik", "Al-Hassan",
        "O'Neill", "D'Arcy", "McAllister", "MacLeod", "Van Anh", "Okonkwo", "Kowalczyk",
        "Featherstonehaugh", "Ramachandran", "Nowak", "Ó Súilleabháin", "Gallagher",
        "Achterberg", "Mensah", "Papadopoulos", "Szymańska", "Chaudhry", "Etherington",
        "Llewellyn", "Bhattacharya", "Haworth", "Ferreira", "Oduya", "Kaczmarek",
        "Ashworth-Pryce", "Nwachukwu", "Grzybowski", "Thistlethwaite", "Abubakar", "Igwe",
        "Dunleavy", "Przybylski", "Quansah", "Rafferty"]
TITLES = ["Mr", "Mrs", "Ms", "Miss", "Dr", "Mr.", "Mrs.", "Dr.", "Cllr", "Councillor"]

# {n} is the name; {N} the name redacted is "[NAME]".
INTRODUCTIONS = [
    "I'm {n} and I have lived on this estate for twenty years.",
    "I'm {n} and the bins were missed again this week.",
    "I am {n} from the residents association and we are worried about the park.",
    "I am {n} from the tenants group.",
    "Hello, I'm {n}, a parent at the primary school.",
    "I’m {n} and I run the food bank.",
    "Hi, my name is {n} and I want to report a pothole.",
    "My name is {n}. The street lights have been out for a month.",
    "This is {n} from the allotment society: the gates are broken.",
    "This is {n} here, writing about the library hours.",
    "It's {n} here again about the fly-tipping.",
    "It’s {n} here, the bus shelter is still smashed.",
    "I am {n} of the Friends of the Park group.",
    "Im {n} and nobody has answered my complaint.",
    "I'm {n}, chair of the community centre.",
    "I am {n}.",
]
SIGN_OFFS = [
    "The repairs took too long. Thanks, {n}",
    "Please fix the lights. Regards, {n}",
    "Good work on the park. Cheers {n}",
    "The bins were collected late. Many thanks {n}",
    "Still waiting for a reply. Kind regards,\n{n}",
    "Great job clearing the snow. Thanks, {n}.",
    "I hope this helps. Best wishes, {n}",
    "Please call me back. Cheers, {n}",
    "Thank you for listening. Yours sincerely, {n}",
]
LOWER_INTRODUCTIONS = [
    "i'm {n} and the road is a disgrace",
    "i am {n} from the flats",
    "im {n} and my bin was not emptied",
    "hi i'm {n}, the playground is broken",
]

# Words that follow the same cues but are not names.
ADJECTIVES = ["Disgusted", "Fed up", "Sure", "Not happy", "Writing to complain", "Appalled",
              "Furious", "Delighted", "Grateful", "Worried", "Angry", "Shocked", "Upset",
              "Pleased", "Disappointed", "Concerned", "Tired", "Sick and tired", "Livid",
              "Happy", "Confused", "Surprised", "Sorry", "Glad", "Afraid", "Frustrated",
              "Amazed", "Annoyed", "Fuming", "Gutted", "Horrified", "Impressed", "Relieved",
              "Thankful", "Unhappy", "Exhausted", "Scared", "Nervous", "Embarrassed",
              "Ashamed", "Desperate", "Still waiting", "Going to complain", "Hoping",
              "Asking", "Really cross", "Very unhappy", "Absolutely disgusted", "Totally fed up",
              "Disabled", "Retired", "Unemployed", "Pregnant", "Elderly", "Polish", "British",
              "Irish", "Muslim", "Catholic", "Labour", "Vegan", "Lucky", "Done", "Fine",
              "Okay", "Aware", "Unable", "Trying", "Looking", "Wondering", "Tempted",
              "Surprised", "Outraged", "Baffled", "Stunned", "Sad", "Lonely", "Busy",
              "Complaining", "Struggling", "Paying", "Waiting", "Calling"]
ITS = ["Terrible", "Awful", "Brilliant", "Ridiculous", "Lovely", "Dangerous", "Filthy",
       "Quiet", "Noisy", "Dark", "Freezing", "Disgraceful", "Great", "Shocking", "Better",
       "Worse", "Busy", "Dirty", "Clean", "Nice", "Scary", "Unsafe", "Fine", "Peaceful",
       "Pathetic", "Chaos", "Madness", "Rubbish", "Always", "Never", "Not", "Getting worse",
       "Impossible", "Hopeless", "Outrageous", "Unacceptable", "Crazy", "Typical"]
THANKS = ["Council", "Everyone", "Again", "All", "Team", "Guys", "Folks", "Brilliant",
          "Great job", "Well done", "Keep it up", "Amazing", "Excellent", "Superb",
          "In advance", "So much", "A lot", "Lovely", "Much appreciated"]
I_AM_FRAMES = [
    "I'm {a} and I am {b} with the service.", "I am {a} about the bins.",
    "I'm {a} with how long it takes.", "I am {a}.", "I'm {a} that nobody came.",
    "Honestly I'm {a} and I am {b} up.", "I’m {a} about the potholes on our road.",
    "I AM {A} WITH THE COUNCIL.", "i'm {l} and i am {lb} of waiting",
]
IT_FRAMES = ["It's {a} here at night.", "It's {a} here.", "This is {a} and unacceptable.",
             "This is {a}.", "It is {a} here since the cuts.", "It’s {a} here after dark.",
             "This is {a} for the residents."]
THANK_FRAMES = ["Thanks, {a}", "Thank you, {a}.", "Cheers, {a}!", "Regards, {a}",
                "Many thanks {a}", "Thanks {a}.", "Cheers {a}"]
PLACES = ["Ashworth Council", "Millbrook Road", "Fenwick Borough Council", "Hollins Park",
          "Brantwood Library", "Kestrel Street", "Weaverham Leisure Centre"]


def _name(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.2:
        return rng.choice(FIRST)  # one word
    if shape < 0.85:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    one_word = [last for last in LAST if " " not in last]
    return f"{rng.choice(FIRST)} {rng.choice(FIRST)} {rng.choice(one_word)}"  # three words


def names(rng: random.Random) -> list[tuple[str, str]]:
    rows = []
    for frame in INTRODUCTIONS:
        for _ in range(8):
            name = _name(rng)
            rows.append((frame.format(n=name), frame.format(n="[NAME]")))
    for frame in SIGN_OFFS:
        for _ in range(6):
            name = _name(rng)
            rows.append((frame.format(n=name), frame.format(n="[NAME]")))
    for frame in LOWER_INTRODUCTIONS:
        for _ in range(6):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}".lower()
            rows.append((frame.format(n=name), frame.format(n="[NAME]")))
    for _ in range(30):
        title = rng.choice(TITLES)
        name = rng.choice(LAST) if rng.random() < 0.6 else f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        rows.append((f"I spoke to {title} {name} about the drains.",
                     "I spoke to [NAME] about the drains."))
    return list(dict.fromkeys(rows))


def not_names(rng: random.Random) -> list[str]:
    rows = []
    for frame in I_AM_FRAMES:
        for _ in range(20):
            a, b = rng.choice(ADJECTIVES), rng.choice(ADJECTIVES)
            rows.append(frame.format(a=a, b=b, A=a.upper(), l=a.lower(), lb=b.lower()))
    for frame in IT_FRAMES:
        for word in ITS:
            rows.append(frame.format(a=word))
    for frame in THANK_FRAMES:
        for word in THANKS:
            rows.append(frame.format(a=word))
    for place in PLACES:
        rows += [f"This is {place} at its worst.", f"I'm a {place} resident.",
                 f"It's {place} again."]
    return list(dict.fromkeys(rows))


def main() -> None:
    rng = random.Random(SEED)
    with open(HERE / "redaction_names.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["text", "expected"])
        writer.writerows(names(rng))
    with open(HERE / "redaction_not_names.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["text"])
        writer.writerows([t] for t in not_names(rng))


if __name__ == "__main__":
    main()

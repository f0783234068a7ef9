"""Redaction of personal data from comments: every kind, tricky negatives, counts, batches,
properties (hypothesis) and an evaluation on the demo council's planted personal data."""

from __future__ import annotations

import re
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmresearch.coding import redact as redact_module
from pmresearch.coding.redact import (PLACEHOLDERS, Redaction, possible_names_left, redact,
                                      redact_text)
from pmresearch.demo._comment_extras import PII_PARTS, SLOT_VALUES

KINDS = ["email", "ni_number", "phone", "postcode", "vehicle_reg", "address", "name"]

# (comment, the same comment redacted by hand). Many forms here are ones the demo generator
# never writes (spellings, spacings, cases, titles, sign-offs), so the patterns are tested as
# general UK patterns rather than fitted to the demo.
POSITIVES = {
    "email": [
        ("Email me: jane.smith@example.co.uk.", "Email me: [EMAIL]."),
        ("(o'neill+council@mail.example.org)", "([EMAIL])"),
        ("JANE_SMITH1970@EXAMPLE.COM is mine", "[EMAIL] is mine"),
        ("contact jane dot smith at gmail dot com", "contact [EMAIL]"),
        ("write to jane[at]example[dot]com", "write to [EMAIL]"),
        ("reply to 07700900123@sms.example.net", "reply to [EMAIL]"),
    ],
    "phone": [
        ("Ring 07700 900123.", "Ring [PHONE]."),
        ("ring 07700900123", "ring [PHONE]"),
        ("mobile 07700-900-123", "mobile [PHONE]"),
        ("mobile 0770 090 0123", "mobile [PHONE]"),
        ("+44 7700 900123 or +447700900123", "[PHONE] or [PHONE]"),
        ("+44 (0)7700 900123", "[PHONE]"),
        ("0044 7700 900 123", "[PHONE]"),
        ("(0113) 496 0123 / 0113-496-0123", "[PHONE] / [PHONE]"),
        ("London: 020 7946 0123, (020) 7946 0123, +44 20 7946 0123",
         "London: [PHONE], [PHONE], [PHONE]"),
        ("01632 960123 and 01632 960 123", "[PHONE] and [PHONE]"),
        ("Freephone 0800 123 4567, 0808 157 0192 or 0800 123 456",
         "Freephone [PHONE], [PHONE] or [PHONE]"),
        ("0345 600 0123", "[PHONE]"),
        ("tel:07700900123", "tel:[PHONE]"),
        # the number ends where a valid one does; the next number is looked at on its own
        ("call 07700 900123 24 hours a day", "call [PHONE] 24 hours a day"),
        ("07700 900123 07700 900456", "[PHONE] [PHONE]"),
    ],
    "postcode": [
        ("My postcode is AK7 2XP.", "My postcode is [POSTCODE]."),
        ("sw1a 1aa", "[POSTCODE]"),
        ("SW1A1AA", "[POSTCODE]"),
        ("M1 1AE, B33 8TH, CR2 6XH, DN55 1PT, EC1A 1BB, W1A 0AX", ", ".join(["[POSTCODE]"] * 6)),
        ("GIR 0AA", "[POSTCODE]"),
        ("ls6  2ab", "[POSTCODE]"),
    ],
    "ni_number": [
        ("NI: AB 12 34 56 C", "NI: [NI_NUMBER]"),
        ("AB123456C", "[NI_NUMBER]"),
        ("ab 123456 c", "[NI_NUMBER]"),
        ("National Insurance number JG103759A", "National Insurance number [NI_NUMBER]"),
        ("NI number AB123456", "NI number [NI_NUMBER]"),  # no suffix: only after a cue
    ],
    "vehicle_reg": [
        ("My car is YB70 EOD.", "My car is [VEHICLE_REG]."),
        ("reg yb70eod", "reg [VEHICLE_REG]"),
        ("a white van, AB12CDE, again", "a white van, [VEHICLE_REG], again"),
    ],
    "address": [
        ("I live at 14 Larkrise Road.", "I live at [ADDRESS]."),
        ("Flat 3, 22 Mill Lane", "[ADDRESS]"),
        ("12a Church Street", "[ADDRESS]"),
        ("12-14 High Street", "[ADDRESS]"),
        ("No. 7 The Crescent", "[ADDRESS]"),
        ("14 St Anne's Road", "[ADDRESS]"),
        ("apartment 4b, 10 Queen's Gardens", "[ADDRESS]"),
        ("i live at 14 larkrise road", "i live at [ADDRESS]"),
        ("my address is 3 mill lane", "my address is [ADDRESS]"),
    ],
    "name": [
        ("My name is Jane Smith and I live here.", "My name is [NAME] and I live here."),
        ("my name is jane smith", "my name is [NAME]"),
        ("I'm called Jo", "I'm called [NAME]"),
        ("Name: Ravi Sharma", "Name: [NAME]"),
        ("Surname: Patel", "Surname: [NAME]"),
        ("Dear Mr Patel,", "Dear [NAME],"),
        ("Dear Mrs J. O'Neill, thanks", "Dear [NAME], thanks"),
        ("Cllr McDonald said", "[NAME] said"),
        ("Councillor Jane Smith (Labour)", "[NAME] (Labour)"),
        ("Regards, Jane Smith", "Regards, [NAME]"),
        ("Kind regards,\nJane", "Kind regards,\n[NAME]"),
        ("Yours sincerely Emma Shaw", "Yours sincerely [NAME]"),
        ("Thanks, Zoë Élodie", "Thanks, [NAME]"),
        ("Great service. – Jane", "Great service. – [NAME]"),
    ],
}

NEGATIVES = [
    "the potholes on Oak Tree Lane", "I'm retired and live on Victoria Road.",
    "I walk to the station every morning at 7.30am, or 6.45am", "on 22 February and 6 November",
    "in 2019; since 2023", "250 homes, 48 hours, the Route 42 bus", "£25, £1,950 and 4.99%",
    "reference CR-127140", "ref 0123456789", "case number 01234567890", "2023-04-04",
    "22/02/2023 and 01/02/2023", "0 1 2 3 4 5 6 7 8 9", "population 0.123456789",
    "the M6 2pm", "A1 5am", "the A1 2nd exit", "the AK7 area", "Q1 2025", "Mp12 Was here",
    "the NO50 bus", "NINO QQ123456", "DA123456A", "GB123456A", "CR123456",
    "in 2019 Church Street flooded", "3 times down the road", "over 50 Dene Park visitors",
    "£25 Park Lane", "at 7.30 Church Road", "meet at the park dot", "see @AshbrookCouncil",
    "Thanks, Ashbrook Council.", "Thank you Ashbrook.", "Thanks, keep it up",
    "my name is not important", "name: withheld", "Thanks to everyone involved.", "Dear Sir or Madam,",
    "Fly-tipping - Again", "Great service - Ashbrook", "It's a shambles. Do better, Ashbrook.",
]


@pytest.mark.parametrize(("text", "expected"),
                         [pair for kind in KINDS for pair in POSITIVES[kind]],
                         ids=[f"{kind}-{i}" for kind in KINDS for i in range(len(POSITIVES[kind]))])
def test_personal_data_is_replaced_by_its_placeholder(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", NEGATIVES)
def test_times_dates_counts_prices_references_and_bare_streets_are_left_alone(text):
    assert redact_text(text) == text


def test_a_mr_in_a_quoted_show_title_may_be_redacted_but_a_salutation_must_be():
    assert redact_text("Dear Mr Patel, thanks") == "Dear [NAME], thanks"
    assert redact_text('We watched "Mr Blobby" on TV') in ('We watched "Mr Blobby" on TV',
                                                           'We watched "[NAME]" on TV')


def test_each_kind_runs_before_the_kinds_that_could_take_part_of_it():
    # e-mail before phone/postcode: alone, the phone or postcode pattern takes the local part
    assert redact_text("07700900123@sms.example.net", kinds="phone") == "[PHONE]@sms.example.net"
    assert redact_text("07700900123@sms.example.net") == "[EMAIL]"
    assert redact_text("sw1a1aa@example.com", kinds="postcode") == "[POSTCODE]@example.com"
    assert redact_text("sw1a1aa@example.com") == "[EMAIL]"
    # phone before address: alone, the address pattern reads the last group as a house number
    assert redact_text("ring 07700 900 123 Mill Lane", kinds="address") == \
        "ring 07700 900 [ADDRESS]"
    assert redact_text("ring 07700 900 123 Mill Lane") == "ring [PHONE] Mill Lane"
    # contact details before name: a sign-off name may only be followed by placeholders
    assert redact_text("Regards, Jane Smith, 14 Mill Lane, AK7 2XP", kinds="name") == \
        "Regards, Jane Smith, 14 Mill Lane, AK7 2XP"
    assert redact_text("Regards, Jane Smith, 14 Mill Lane, AK7 2XP") == \
        "Regards, [NAME], [ADDRESS], [POSTCODE]"


def test_found_counts_each_item_per_comment_and_kind():
    texts = pd.Series(["Call 07700 900123 or 0113 496 0123, or jo@example.com.",
                       "Nothing personal here, Route 42 at 7.30am.",
                       "Dear Mr Patel, I live at 14 Larkrise Road, AK7 2XP. Regards, Jo"],
                      index=["c1", "c2", "c3"])
    result = redact(texts)
    assert isinstance(result, Redaction)
    # by hand: c1 has 1 e-mail and 2 phones; c3 has 1 postcode, 1 address, 2 names
    expected = pd.DataFrame({"email": [1, 0, 0], "ni_number": [0, 0, 0], "phone": [2, 0, 0],
                             "postcode": [0, 0, 1], "vehicle_reg": [0, 0, 0],
                             "address": [0, 0, 1], "name": [0, 0, 2]}, index=["c1", "c2", "c3"])
    pd.testing.assert_frame_equal(result.found, expected)
    assert result.counts.to_dict() == {"email": 1, "ni_number": 0, "phone": 2, "postcode": 1,
                                       "vehicle_reg": 0, "address": 1, "name": 2}
    assert result.flagged.tolist() == [True, False, True]
    assert result.text.index.tolist() == ["c1", "c2", "c3"]
    assert list(PLACEHOLDERS) == KINDS


def test_placeholders_the_writer_typed_are_kept_and_not_counted():
    result = redact(["I typed [EMAIL] and [PHONE] myself, then jo@example.com"])
    assert result.text[0] == "I typed [EMAIL] and [PHONE] myself, then [EMAIL]"
    assert result.found.loc[0, "email"] == 1 and result.found.loc[0, "phone"] == 0


def test_kinds_limits_the_search_and_columns_follow_the_run_order():
    result = redact(["jo@example.com, 07700 900123"], kinds=["phone", "email"])
    assert list(result.found.columns) == ["email", "phone"] == result.kinds
    assert result.text[0] == "[EMAIL], [PHONE]"
    only_phone = redact(["jo@example.com, 07700 900123"], kinds="phone")
    assert only_phone.text[0] == "jo@example.com, [PHONE]"
    assert only_phone.counts.to_dict() == {"phone": 1}


def test_missing_comments_come_back_unchanged_and_count_zero():
    texts = pd.Series([np.nan, "Call 07700 900123", None, pd.NA], index=[5, 6, 7, 8],
                      dtype=object, name="text")
    result = redact(texts)
    assert result.text.name == "text" and result.text.dtype == object
    assert result.text[6] == "Call [PHONE]"
    assert result.text[5] is np.nan and result.text[7] is None and result.text[8] is pd.NA
    assert result.found.sum(axis=1).tolist() == [0, 1, 0, 0]
    # pandas' string dtype keeps its dtype and its missing marker
    string_texts = pd.Series(["My car is YB70 EOD", None], dtype="string")
    out = redact(string_texts).text
    assert out.dtype == "string" and out[0] == "My car is [VEHICLE_REG]" and out.isna()[1]
    # an all-empty column read from CSV is float NaN
    assert redact(pd.Series([np.nan, np.nan])).text.isna().all()


def test_an_empty_batch_gives_empty_tables_with_every_kind():
    result = redact([])
    assert len(result.text) == 0 and list(result.found.columns) == KINDS
    assert result.counts.tolist() == [0] * 7


@pytest.mark.parametrize(("call", "message"), [
    (lambda: redact("jo@example.com"),
     "texts is a single string; use redact_text(text) for one comment, or pass a list or "
     "Series of comments."),
    (lambda: redact(pd.DataFrame({"text": ["a"], "id": [1]})),
     "texts is a table with columns 'text', 'id'; pass the one column of comments, e.g. "
     "comments['text']."),
    (lambda: redact(pd.Series(["ok", 5, None, 7.5], index=[10, 11, 12, 13])),
     "texts: 2 values at index 11, 13 are not text (found int 5). Comments must be str or "
     "missing; convert the column, e.g. texts.where(texts.isna(), texts.astype(str))."),
    (lambda: redact(["a"], kinds=["mail", "phone"]),
     "kinds: 'mail' is not a kind of personal data redact() knows ('email', 'ni_number', "
     "'phone', 'postcode', 'vehicle_reg', 'address', 'name'). Pass some of these, or None for "
     "all."),
    (lambda: redact(["a"], kinds=[]),
     "kinds is empty. Pass some of 'email', 'ni_number', 'phone', 'postcode', 'vehicle_reg', "
     "'address', 'name', or None for all."),
    (lambda: redact_text(None),
     "redact_text needs one comment as a str, not NoneType. Use redact() for a column that may "
     "hold missing values."),
])
def test_bad_input_is_refused_with_a_message_saying_what_to_do(call, message):
    with pytest.raises(ValueError) as error:
        call()
    assert str(error.value) == message


def _all_texts(demo_comments: pd.DataFrame) -> list[str]:
    cases = [text for kind in KINDS for text, _ in POSITIVES[kind]] + NEGATIVES
    variants = [f(t) for t in cases for f in (str.upper, str.lower,
                                               lambda t: t.replace(" ", "\u00a0"),
                                               lambda t: t.replace(" ", "\t"))]
    return demo_comments["text"].dropna().tolist() + cases + variants


@pytest.fixture(scope="module")
def demo_comments(demo_workspace) -> pd.DataFrame:
    return pd.read_csv(demo_workspace / "comments.csv")


def test_a_batch_gives_what_each_comment_gives_alone(demo_comments):
    # A batch of 50 or more is searched through triggers, one comment without them.
    texts = _all_texts(demo_comments)
    assert redact(texts).text.tolist() == [redact_text(t) for t in texts]


def test_chunk_boundaries_change_nothing(demo_comments, monkeypatch):
    texts = _all_texts(demo_comments)
    expected = redact(texts).text.tolist()
    monkeypatch.setattr(redact_module, "_CHUNK", 7)
    monkeypatch.setattr(redact_module, "_FEW", 1)  # triggers even for chunks of 7
    assert redact(texts).text.tolist() == expected


def test_triggers_never_hide_a_match_the_patterns_would_find(demo_comments, monkeypatch):
    # Reference: every rule tried on every comment, with no trigger to skip any.
    texts = _all_texts(demo_comments)
    fast = redact(texts).text.tolist()
    everything = [(kind, pattern, replacement, lambda t: np.arange(len(t.starts)))
                  for kind, pattern, replacement, _ in redact_module._RULES]
    monkeypatch.setattr(redact_module, "_RULES", everything)
    assert redact(texts).text.tolist() == fast


def test_redacting_twice_changes_nothing_more(demo_comments):
    once = redact(_all_texts(demo_comments))
    twice = redact(once.text)
    assert twice.text.tolist() == once.text.tolist()
    assert twice.counts.sum() == 0


@pytest.mark.parametrize("texts", [[""] * 60, [" "] * 60, ["a", "1", "Road"] * 20,
                                   ["12 Mill Lane"] + ["x"] * 59])
def test_batches_of_empty_or_tiny_comments_work(texts):
    expected = ["[ADDRESS]" if t == "12 Mill Lane" else t for t in texts]
    assert redact(texts).text.tolist() == expected


def test_comments_holding_separator_characters_are_redacted_in_place():
    texts = ["a\x1e07700 900123\x1fjo@example.com\x1cMy name is Jo\x1d", "Regards, Jo"]
    assert redact(texts).text.tolist() == [
        "a\x1e[PHONE]\x1f[EMAIL]\x1cMy name is [NAME]\x1d", "Regards, [NAME]"]


# --- properties --------------------------------------------------------------------------
# A strict e-mail pattern (the common ASCII one) and UK mobiles, checked after removing the
# separators people put inside numbers.
STRICT_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
STRICT_MOBILE = re.compile(r"(?:\+?44(?:0)?|0044|0)7\d{9}")
_words = st.text(alphabet=string.ascii_letters + "',.!?", min_size=1, max_size=10)
_emails = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}",
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,15}", fullmatch=True),
    st.lists(st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,8}[A-Za-z0-9])?", fullmatch=True),
             min_size=1, max_size=3),
    st.from_regex(r"[A-Za-z]{2,6}", fullmatch=True))
_MOBILE_FORMS = [  # d = the nine digits after 07
    lambda d: f"07{d[:3]} {d[3:]}", lambda d: f"07{d}", lambda d: f"07{d[:3]} {d[3:6]} {d[6:]}",
    lambda d: f"07{d[:2]} {d[2:5]} {d[5:]}", lambda d: f"07{d[:3]}-{d[3:6]}-{d[6:]}",
    lambda d: f"+44 7{d[:3]} {d[3:]}", lambda d: f"+447{d}", lambda d: f"+44 (0)7{d[:3]} {d[3:]}",
    lambda d: f"0044 7{d[:3]} {d[3:6]} {d[6:]}",
]
_mobiles = st.builds(lambda digits, form: form(digits),
                     st.from_regex(r"[0-9]{9}", fullmatch=True), st.sampled_from(_MOBILE_FORMS))
_wrapped = st.builds(lambda before, item, after: before + item + after,
                     st.sampled_from(["", "(", "tel:", "'", '"', "<"]),
                     st.one_of(_emails, _mobiles),
                     st.sampled_from(["", ".", ",", ")", "!", "'", ">"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_words, _wrapped), min_size=1, max_size=20))
def test_no_email_or_uk_mobile_survives_in_generated_text(tokens):
    text = " ".join(tokens)
    out = redact_text(text)
    assert STRICT_EMAIL.search(out) is None and "@" not in out
    assert STRICT_MOBILE.search(re.sub(r"[ ()-]", "", out)) is None
    assert not any(c.isdigit() for c in out)  # every digit came from a mobile


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(_words, _wrapped), min_size=1, max_size=8))
def test_batches_and_single_comments_agree_on_generated_text(tokens):
    # rotations of the tokens, 50 copies at least so the batch goes through the triggers
    texts = [" ".join(tokens[i:] + tokens[:i]) for i in range(len(tokens))] * 50
    assert redact(texts).text.tolist() == [redact_text(t) for t in texts]


# --- the demo council ----------------------------------------------------------------------
def test_every_planted_item_in_the_demo_is_redacted_and_nothing_else(demo_comments):
    """Recall on the demo is 100%: each comment with ``contains_pii`` has exactly one item of
    each of its ``pii_types`` replaced (the generator plants one of each), and no other kind."""
    has_pii = demo_comments["contains_pii"].astype(str).str.lower().eq("true")
    planted = demo_comments.loc[has_pii]
    result = redact(planted["text"])
    expected = pd.DataFrame(0, index=planted.index, columns=KINDS)
    for row, types in planted["pii_types"].items():
        expected.loc[row, types.split(";")] = 1
    pd.testing.assert_frame_equal(result.found, expected)
    # and what the generator planted is gone: its names, e-mail domains, fake postcode area,
    # drama phone ranges, NI numbers, plates and house numbers on its streets
    streets = "|".join(re.escape(s) for s in SLOT_VALUES["street"])
    leak = re.compile(
        r"\b(?:" + "|".join(re.escape(n) for n in PII_PARTS["first"] + PII_PARTS["last"]) + r")\b"
        r"|@|example\.|\bAK\d|07700|0113 496|01632|020 7946|0161 496|\+44"
        r"|\b[A-Z]{2} ?\d\d ?\d\d ?\d\d ?[A-D]\b|\b[A-Z]{2}\d\d [A-Z]{3}\b"
        rf"|\b\d{{1,3}} (?:{streets})")
    leaks = [text for text in result.text if leak.search(text)]
    assert leaks == []


def test_demo_comments_without_personal_data_are_almost_never_changed(demo_comments):
    """False-positive rate on the demo's comments without personal data.

    Those comments are full of the near misses a redactor must leave alone (times such as
    7.30am, dates, years, "250 homes", "48 hours", Route 42, prices, percentages, CR- reference
    numbers, streets named without a house number), so a systematic pattern error would change
    dozens of them. The bound, 1 in 1,000 comments (at most 2 of the 2,940), tolerates a rare
    oddity if the demo is regenerated while still failing on any systematic error; today the
    rate is 0.
    """
    has_pii = demo_comments["contains_pii"].astype(str).str.lower().eq("true")
    clean = demo_comments.loc[~has_pii, "text"]
    result = redact(clean)
    changed = clean[result.flagged]
    rate = len(changed) / len(clean)
    assert rate <= 0.001, f"{len(changed)} of {len(clean)} changed:\n" + "\n".join(
        f"{t!r} -> {result.text[i]!r}" for i, t in changed.items())


# --- names introduced in the writer's own words (issue 12) ---------------------------------
# Each example from the issue, with its whole redacted output written by hand.
INTRODUCED_NAMES = [
    ("I'm Teresa Oyelaran-Smith and I live on the estate.",
     "I'm [NAME] and I live on the estate."),
    ("I am Kevin Threlfall from the residents association.",
     "I am [NAME] from the residents association."),
    ("i'm kevin threlfall and the bins are late", "i'm [NAME] and the bins are late"),
    ("My name is Siobhán Ní Bhriain and I complained.", "My name is [NAME] and I complained."),
    ("This is Zbigniew Wójcik here about the lights.", "This is [NAME] here about the lights."),
    ("It's Mohammed Al-Hassan here.", "It's [NAME] here."),
    ("It’s Oluwaseun here again.", "It’s [NAME] here again."),
    ("I'm Nguyen Van Anh from number 4.", "I'm [NAME] from number 4."),
    ("I am Aoife O'Neill, a parent.", "I am [NAME], a parent."),
    ("I'm D'Arcy and I'm cross.", "I'm [NAME] and I'm cross."),
    ("The lights are out. Thanks, Oluwaseun Adebayo", "The lights are out. Thanks, [NAME]"),
    ("Please reply. Regards, Kevin", "Please reply. Regards, [NAME]"),
    ("Good job. Cheers Kevin", "Good job. Cheers [NAME]"),
    ("Good job. Many thanks Teresa", "Good job. Many thanks [NAME]"),
    ("I wrote to Cllr Wójcik and Councillor Al-Hassan.", "I wrote to [NAME] and [NAME]."),
    ("Mr Threlfall, Mrs. Adebayo, Ms Ní Bhriain, Miss O'Neill and Dr. Nguyen Van Anh",
     "[NAME], [NAME], [NAME], [NAME] and [NAME]"),
    ("I'm Grace from the tenants group.", "I'm [NAME] from the tenants group."),
]
# Cues followed by words that are not names: left exactly as written.
NOT_INTRODUCED_NAMES = [
    "I'm Disgusted and I am Fed up", "I am Sure", "I'm Not happy", "I am Writing to complain",
    "It's Terrible here", "Thanks, Council", "Thanks, Brilliant.", "I'm Polish and proud.",
    "This is Ashbrook Borough Council at its worst.", "I'M FED UP WITH THE BINS",
    "Thank you Ashbrook.", "I'm a Millbrook Road resident.",
]


@pytest.mark.parametrize(("text", "expected"), INTRODUCED_NAMES)
def test_names_introduced_by_the_writer_are_redacted(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", NOT_INTRODUCED_NAMES)
def test_adjectives_and_ordinary_words_after_the_same_cues_are_left_alone(text):
    assert redact_text(text) == text


def test_a_possible_name_left_in_marks_the_comment_uncertain():
    texts = pd.Series(["I'm Zorbly by the look of it", "I'm Kevin Threlfall and fed up",
                       "I'm Disgusted", "Thank you Ashbrook.", "Thanks, Council", None],
                      index=list("abcdef"))
    result = redact(texts)
    # by hand: a and d hold a capitalised non-dictionary word after a cue, left in place; b's
    # name is redacted (so it is flagged, not uncertain); c, e are ordinary words; f is missing
    assert result.uncertain.to_dict() == {"a": True, "b": False, "c": False, "d": True,
                                          "e": False, "f": False}
    assert result.uncertain.name == "redaction_uncertain"
    assert result.flagged.to_dict() == {"a": False, "b": True, "c": False, "d": False,
                                        "e": False, "f": False}
    assert result.quotable.tolist() == [False, False, True, False, True, True]
    assert possible_names_left(result.text).tolist() == result.uncertain.tolist()
    # only the name kind looks for names, so only it can be uncertain
    assert not redact(texts, kinds="phone").uncertain.any()


def _cases(name: str) -> pd.DataFrame:
    return pd.read_csv(Path(__file__).parent / "data" / name, keep_default_na=False)


def test_recall_and_precision_on_the_generated_name_sets():
    """Recall on 233 names in introductions and sign-offs (tests/data/redaction_names.csv) and
    precision against 592 sentences with the same cues and no name
    (redaction_not_names.csv); both made by tests/data/make_redaction_cases.py."""
    names, not_names = _cases("redaction_names.csv"), _cases("redaction_not_names.csv")
    assert len(names) >= 150 and len(not_names) >= 500
    found = redact(names["text"])
    # recall: the whole text must come back as redacted by hand, name and nothing else
    recalled = (found.text == names["expected"]).to_numpy()
    recall = recalled.mean()
    changed = (redact(not_names["text"]).text != not_names["text"]).to_numpy()
    # precision over the redactions made on both sets: those that were the name
    right = int(recalled.sum())
    wrong = int((~recalled & (found.found["name"] > 0).to_numpy()).sum()) + int(changed.sum())
    precision = right / (right + wrong)
    misses = names.loc[~recalled, "text"].tolist() + not_names.loc[changed, "text"].tolist()
    assert recall >= 0.98 and precision >= 0.95 and changed.mean() <= 0.05, misses


def test_the_generated_name_sets_are_what_the_script_makes(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_redaction_cases", Path(__file__).parent / "data" / "make_redaction_cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path)
    module.main()
    for name in ("redaction_names.csv", "redaction_not_names.csv"):
        assert (tmp_path / name).read_text(encoding="utf-8") == \
            (Path(__file__).parent / "data" / name).read_text(encoding="utf-8")

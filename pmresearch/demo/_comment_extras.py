"""Everything around the service clauses of the demo comments.

Cross-cutting and special clauses (X1 … Z2), the sentences that frame a comment (openers,
context, evidence, closers, consultation stances), the connectors of mixed comments, the local
vocabulary that fills ``{slot}`` fields, the campaign letters, and the parts of fake personal
data. Clause conventions are those of ``_comment_phrases``.
"""

from __future__ import annotations

__all__ = [
    "CAMPAIGNS",
    "CLOSERS",
    "CONTEXT",
    "CROSS_CLAUSES",
    "DETAILS",
    "EMPTY_ANSWERS",
    "LEISURE_CENTRE_BY_WARD",
    "LIBRARY_BY_WARD",
    "MIXED_CONNECTORS",
    "OFF_FRAME",
    "PARK_BY_WARD",
    "PLACE_CODES",
    "PII_PARTS",
    "PREFIXES",
    "SLOT_VALUES",
    "STANCE_SENTENCES",
]

CROSS_CLAUSES: dict[str, dict[str, list[str]]] = {
    "X1": {
        "negative": [
            "council tax goes up every year and services get worse",
            "we pay {money} a year in council tax and get next to nothing for it",
            "a {pct} council tax rise is too much when everyone is struggling",
            "I'm a pensioner and I can't afford another council tax increase",
            "where does all our council tax actually go?",
            "we're paying more for less, simple as that",
            "council tax in Ashbrook is one of the highest around and for what?",
            "another {pct} on the council tax, you must be joking",
            "the council tax bill has gone up by a third since {year} and I can't see any difference",
        ],
        "positive": [
            "I'd happily pay a bit more council tax to keep services going",
            "for what we pay, I think the council does a decent job",
            "a small rise is fair if it protects libraries and care services",
            "council tax here is good value compared with where we lived before",
        ],
        "neutral": [
            "I'd like to see a clear breakdown of where the council tax is spent",
            "could council tax be spread over twelve months instead of ten?",
            "it would help to know what the {pct} rise actually pays for",
        ],
    },
    "X2": {
        "negative": [
            "nobody told us about the changes until they happened",
            "the council never replies to emails",
            "the only way to find out what's going on is the local Facebook group",
            "we had no letter, no leaflet, nothing",
            "I only found out from a neighbour, the council didn't bother to tell anyone",
        ],
        "positive": [
            "the residents' newsletter is really useful",
            "thanks for the clear letter explaining the changes",
            "the council's updates on social media have got a lot better",
        ],
        "neutral": [
            "please send updates by email as well as on social media",
            "a monthly newsletter would keep people informed",
        ],
    },
    "X3": {
        "negative": [
            "the council doesn't listen, the decision's already been made",
            "these consultations are just a tick-box exercise",
            "we've raised this at every ward meeting and nothing happens",
            "I don't trust anything the council says any more",
            "councillors only show their faces at election time",
            "what's the point of filling this in when nobody reads it?",
        ],
        "positive": [
            "it's good that the council is asking for our views",
            "our ward councillor listened and got it sorted",
            "credit to the council for actually coming out and talking to residents",
        ],
        "neutral": [
            "I'd like to see what changed as a result of this consultation",
            "a 'you said, we did' page would show people their views count",
        ],
    },
    "X4": {
        "negative": [
            "not everyone has the internet, some of us are over 80",
            "everything is online now and older people are being left behind",
            "the forms aren't available in large print or other languages",
            "the disabled bays at the civic centre are always taken and nobody checks",
            "there's no step-free access at {library}, so my wife can't get in",
        ],
        "positive": [
            "the council has been very good about making things accessible for my disabled son",
            "it's good that there's still a phone line for people who can't get online",
        ],
        "neutral": [
            "please keep a paper option for people who can't use the internet",
            "information in other languages would help a lot of people in {area}",
        ],
    },
}

# Z1: substantive but outside the frame (buses, the NHS, national matters, neighbours).
OFF_FRAME: dict[str, list[str]] = {
    "negative": [
        "the buses are terrible, the Route 42 bus hardly ever turns up",
        "you can't get a GP appointment for love nor money",
        "the trains into the city are always late or cancelled",
        "the price of everything has gone through the roof",
        "you never see a police officer round here any more",
        "the broadband in {area} is shocking for this day and age",
    ],
    "positive": [
        "we've got lovely neighbours and a great community spirit on our road",
        "the new café on the high street is great",
        "the local primary school is fantastic",
    ],
    "neutral": [
        "I moved here in {year} from Leeds",
        "my son goes to the primary school near {street}",
        "we're thinking of moving closer to my daughter next year",
    ],
}

# Z2: answers with no substantive content; kept short on purpose, as people write them.
EMPTY_ANSWERS = [
    "n/a", "N/A", "No comment", "no comment.", "Nothing to add", "nothing to add, thanks",
    "None", "no", "Nothing further.", "-", "not really", "No thanks", "Nothing at this time.",
    "none at the moment", "I don't know", "Not sure", "nothing", "No other comments.",
    "See above", "All said above", "Can't think of anything", "nil",
]

# Mixed comments: a positive and a negative clause in one sentence.
MIXED_CONNECTORS = [
    "{pos}, but {neg}",
    "{pos}. However, {neg}",
    "although {pos}, {neg}",
    "to be fair {pos}, but {neg}",
    "{neg}, although to be fair {pos}",
    "{neg}, but {pos}",
    "{pos}; the only thing is {neg}",
    "{pos}. That said, {neg}",
]

# Adverbial openings added in front of the first clause.
PREFIXES: dict[str, list[str]] = {
    "negative": ["Honestly, ", "Quite frankly, ", "To be honest, ", "Sorry but ", "Again, "],
    "positive": ["Generally, ", "On the whole, ", "To be fair, ", "Honestly, ", "I must say "],
    "neutral": ["Just a thought, ", "One suggestion: ", "For what it's worth, "],
    "mixed": ["Overall, ", "In general, "],
}

# Sentences that set the scene without raising a theme; "any" suits every sentiment.
CONTEXT: dict[str, list[str]] = {
    "any": [
        "I've lived here {years} years.",
        "I'm retired and live on {street}.",
        "I work shifts, so weekdays are difficult.",
        "I'm a carer for my husband.",
        "I catch the Route 42 bus into town most days.",
        "We've got two young children.",
        "I'm one of the over 65s, so I notice these things.",
        "We moved to {area} in {year}.",
        "I walk to the station every morning at {time}.",
        "I've filled in this survey every year since 2019.",
    ],
    "negative": [
        "It used to be so much better.",
        "I know money is tight, but this is basic stuff.",
        "I'm not one to complain, but enough is enough.",
        "My neighbours all say the same.",
        "It's getting worse every year.",
        "Nobody seems to care.",
        "Honestly, I'm gutted.",
        "It's not rocket science.",
        "We're not asking for much.",
        "It gets everyone down.",
    ],
    "positive": [
        "We moved here in {year} and have never regretted it.",
        "Friends who visit always comment on it.",
        "It's one of the reasons we love living here.",
        "Credit where it's due.",
        "Really pleased.",
        "It makes a real difference.",
    ],
}

# Specific, checkable detail: what makes a comment evidence-rich. "place" details suit problems
# someone can walk past (bins, litter, parks, roads); "contact" details suit dealings with staff.
DETAILS: dict[str, dict[str, list[str]]] = {
    "negative": {
        "place": [
            "I reported it online on {date} and got reference {ref}, but nothing has happened.",
            "I rang on {date} and was told it would be sorted within 10 working days. That was {duration} ago.",
            "This is the {ordinal} time since {month}.",
            "I've got photos with dates on them if anyone wants to see them.",
            "It's been like this since {month} {year}.",
            "It happened on {date}, again on {date2}, and nobody came.",
            "Around 200 children walk past it every morning on the way to the school on {street}.",
            "My neighbour, who is 84, nearly went over there on {date}.",
            "I logged it at {time} on {date} and was told someone would come out within 48 hours.",
        ],
        "contact": [
            "I first got in touch on {date}, reference {ref}, and I'm still waiting for an answer.",
            "I have the emails from {date} and {date2} if anyone wants to check.",
            "I've now written {count} and had one automated reply.",
            "I've emailed my ward councillor {count} and it's logged as {ref}.",
            "This has been going on since {month} {year}.",
            "I was told on {date} that someone would ring back within 48 hours. Nobody did.",
        ],
    },
    "positive": {
        "place": [
            "I reported it on {date} and it was sorted by the {day}.",
            "I logged it on the app at {time} and it was done the same afternoon.",
            "We've used it every week since {year} and it's never let us down.",
        ],
        "contact": [
            "I got in touch on {date} (reference {ref}) and had a call back within two days.",
            "I emailed on {date} and had a full reply by the {day}.",
        ],
    },
    "neutral": {
        "place": [
            "I raised this at the ward surgery on {date}.",
            "Our road has about 60 houses, most of them young families.",
        ],
        "contact": [
            "I mentioned it to the staff on {date} and they suggested writing it here.",
            "I raised this at the ward surgery on {date}.",
        ],
    },
}
# Codes whose problems are physical places; details for the rest are about getting in touch.
PLACE_CODES = ["W1", "W2", "S1", "S2", "S3", "P1", "P2", "P3", "H1", "H2", "H3", "LE2"]

CLOSERS: dict[str, list[str]] = {
    "negative": [
        "Absolutely disgraceful.", "Sort it out.", "Not good enough.", "It's a shambles.",
        "Very disappointing.", "Shocking.", "Rant over.", "Please do something about it.",
        "Thanks for reading.", "Rubbish service.", "Fed up.", "Do better, Ashbrook.",
    ],
    "positive": [
        "Keep up the good work.", "Cheers.", "Thank you for all your hard work.",
        "Brilliant, well done.", "Thanks to everyone involved.", "Much appreciated.",
        "Great stuff.",
    ],
    "neutral": ["Thanks.", "Many thanks.", "Just a suggestion.", "Thank you for asking."],
    "mixed": [
        "Thank you for all your hard work, but please look at this.",
        "Overall not bad, just needs some attention.", "Thanks.", "Could be better, could be worse.",
    ],
}

# Consultation stance, said outright; "unclear" sentences sit on the fence.
STANCE_SENTENCES: dict[str, dict[str, list[str]]] = {
    "budget_consultation": {
        "agree": [
            "I agree with the proposals.", "Broadly agree.", "Yes, I support the budget proposals.",
            "Agree, reluctantly.", "I support this overall.", "Strongly agree.",
        ],
        "disagree": [
            "I disagree with these proposals.", "Strongly disagree.",
            "No, I don't agree with this at all.", "I can't support these proposals.",
            "Totally against it.", "Disagree.",
        ],
        "unclear": [
            "Partly agree, partly disagree.", "Not sure.", "Hard to say without more detail.",
        ],
    },
    "parks_consultation": {
        "agree": [
            "I support the draft strategy.", "Yes, the priorities look right to me.",
            "Agree with the strategy on the whole.", "Strongly agree.",
        ],
        "disagree": [
            "I don't agree with the priorities in this strategy.", "Disagree.",
            "No, the strategy has the wrong priorities.", "Strongly disagree.",
        ],
        "unclear": ["Some of it, not all.", "Neither agree nor disagree.", "Not sure."],
    },
}

PARK_BY_WARD = {
    "AB01": "Victoria Park", "AB02": "Brookside Rec", "AB03": "Castle Gardens",
    "AB04": "Dene Park", "AB05": "Eastfield Playing Fields", "AB06": "Fairholme Common",
    "AB07": "Greenway Meadows", "AB08": "Hartley Woods", "AB09": "Ironbridge Park",
    "AB10": "Kingsmead Green", "AB11": "Larkrise Green", "AB12": "Millbrook Park",
    "AB13": "Northgate Rec", "AB14": "Oakwood Country Park", "AB15": "Priory Gardens",
    "AB16": "Queensbury Park", "AB17": "Riverside Park", "AB18": "St Anne's Park",
    "AB19": "Thornley Woods", "AB20": "Westfield Park",
}
LIBRARY_BY_WARD = {
    "AB01": "Central Library", "AB02": "Brookside Library", "AB03": "Castle Hill Library",
    "AB04": "Castle Hill Library", "AB05": "Eastfield Library", "AB06": "Hartley Library",
    "AB07": "Greenway Library", "AB08": "Hartley Library", "AB09": "Ironbridge Library",
    "AB10": "Larkrise Library", "AB11": "Larkrise Library", "AB12": "Millbrook Library",
    "AB13": "Northgate Library", "AB14": "Oakwood Library", "AB15": "Priory Library",
    "AB16": "Priory Library", "AB17": "Riverside Library", "AB18": "Central Library",
    "AB19": "Oakwood Library", "AB20": "Westfield Library",
}
LEISURE_CENTRE_BY_WARD = {
    **dict.fromkeys(["AB01", "AB03", "AB04", "AB15", "AB16", "AB18"], "Ashbrook Leisure Centre"),
    **dict.fromkeys(["AB05", "AB13", "AB20"], "Eastfield Sports Centre"),
    **dict.fromkeys(["AB06", "AB08", "AB10", "AB11", "AB14", "AB19"], "Kingsmead Leisure Centre"),
    **dict.fromkeys(["AB02", "AB07", "AB09", "AB12", "AB17"], "Riverside Pool"),
}

# Slot vocabulary that does not depend on the ward. Numbers here are the "tricky negatives" a
# redactor must leave alone: years, times, prices, percentages, route numbers.
SLOT_VALUES: dict[str, list[str]] = {
    "street": [
        "Mill Lane", "Station Road", "Church Street", "Victoria Road", "Albert Terrace",
        "Chapel Street", "Park Avenue", "Beech Grove", "Hawthorn Close", "Kingsway",
        "Meadow Way", "Orchard Drive", "Queen Street", "Brook Street", "Castle Road",
        "Priory Walk", "Willow Crescent", "Nelson Street", "Elm Road", "the High Street",
        "Market Street", "Larkrise Road", "Northgate Parade", "Eastfield Road", "Thornley Lane",
        "Greenway Avenue", "Riverside Walk", "Oak Tree Lane", "Canal Street", "Ashbrook Road",
        "Foundry Lane", "Cobden Street", "Sycamore Drive", "Wellington Road", "Mount Pleasant",
        "Coronation Avenue", "Falcon Way", "Tanners Lane", "Bridge Street", "Hollybush Lane",
    ],
    "bin": ["green", "blue", "brown", "grey", "black"],
    "count": ["twice", "three times", "four times", "five times", "several times",
              "at least three times", "about six times"],
    "duration": ["two weeks", "three weeks", "a fortnight", "over a month", "six weeks",
                 "nearly two months", "ten days", "three months", "the best part of a year"],
    "month": ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"],
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
    "time": ["6am", "7am", "7.30am", "8.15am", "half seven", "6.45am"],
    "close_time": ["4pm", "5pm", "1pm", "5.30pm", "4.30pm"],
    "years": ["12", "15", "20", "25", "30", "35", "40", "over 50"],
    "year": ["2015", "2017", "2019", "2021", "2022"],
    "wait": ["45 minutes", "over an hour", "50 minutes", "an hour and ten minutes", "40 minutes"],
    "money": ["£2,100", "£1,950", "nearly £2,300", "over £2,000", "£1,800"],
    "pct": ["4.99%", "5%", "nearly 5%"],
    "price": ["£6.20", "£5.80", "£7.50"],
    "item": ["a mattress", "an old sofa", "a fridge freezer", "builders' rubble",
             "a pile of black bags", "an old wardrobe", "a load of tyres", "a broken bed frame"],
    "ordinal": ["third", "fourth", "fifth", "sixth"],
    "surge_month": ["February", "March"],
}

# Campaign letters: one list of alternative wordings per sentence, plus optional sentences.
# Copies differ only by these small edits, as organised responses do.
CAMPAIGNS: dict[str, dict] = {
    "Save Larkrise Library": {
        "service_id": "libraries",
        "source": "budget_consultation",
        "consultation_id": "BUD-2025",
        "theme_stances": [("L3", "negative")],
        "stance": "disagree",
        "wards": ["AB11", "AB11", "AB11", "AB10"],
        "size": 40,
        "sentences": [
            ["I am writing to object to the proposal to close Larkrise Library.",
             "I object in the strongest terms to the proposal to close Larkrise Library.",
             "I strongly object to the proposal to close Larkrise Library."],
            ["The library is the heart of our village."],
            ["It runs rhyme time for babies, a homework club and the only free computers for miles.",
             "It runs baby rhyme time, the homework club and the only free computers for miles."],
            ["Older residents rely on it for company as much as for books.",
             "Many older residents rely on it for company as much as for books."],
            ["Closing it would save very little and cost the community a great deal.",
             "Closing it would save very little money and cost our community a great deal."],
            ["Please listen to residents and keep Larkrise Library open.",
             "Please listen to local people and keep Larkrise Library open."],
        ],
        "optional": ["My children have used it every week since they were toddlers.",
                     "I have used it for over 20 years.", "#SaveLarkriseLibrary"],
    },
    "Save Riverside Play Park": {
        "service_id": "parks",
        "source": "parks_consultation",
        "consultation_id": "PARKS-2025",
        "theme_stances": [("P2", "negative")],
        "stance": "disagree",
        "wards": ["AB17", "AB17", "AB12"],
        "size": 28,
        "sentences": [
            ["The draft strategy proposes removing the play area at Riverside Park.",
             "The draft strategy proposes to remove the play area at Riverside Park."],
            ["It is the only playground within walking distance for hundreds of families in Riverside and Millbrook.",
             "It is the only playground within walking distance for hundreds of local families in Riverside and Millbrook."],
            ["The equipment needs repairing, not removing."],
            ["Children need somewhere safe to play outside.", "Our children need somewhere safe to play outside."],
            ["Please keep the Riverside Park play area and fix it.",
             "Please keep the Riverside Park play area open and fix it."],
        ],
        "optional": ["We go there most days after school.", "#SaveRiversidePlayPark"],
    },
    "Stop Kingsmead Fields development": {
        "service_id": "planning",
        "source": "complaint",
        "consultation_id": None,
        "theme_stances": [("PL2", "negative")],
        "stance": None,
        "wards": ["AB10", "AB10", "AB11"],
        "size": 22,
        "sentences": [
            ["I wish to object to the planned development of 250 homes on Kingsmead Fields.",
             "I am objecting to the 250 homes planned for Kingsmead Fields."],
            ["The fields are used every day by walkers, dog owners and the junior football club."],
            ["The roads through Kingsmead already gridlock at school times and the surgery has a three-week wait.",
             "The roads through Kingsmead already gridlock at school times and the GP surgery has a three-week wait."],
            ["Once this green space is gone it is gone for good."],
            ["Please refuse this application.", "I urge the council to refuse this application."],
        ],
        "optional": ["My family has walked those fields for three generations."],
    },
}

# Fake personal data. Phone numbers come from Ofcom's ranges reserved for drama, e-mail
# domains are the reserved example domains, and "AK" is not a real postcode area.
PII_PARTS: dict[str, list[str]] = {
    "first": ["Sarah", "Tom", "Priya", "David", "Karen", "Mohammed", "Emma", "Gareth", "Aisha",
              "Paul", "Joanne", "Imran", "Lucy", "Steve", "Bernadette", "Kwame", "Helen", "Ravi",
              "Claire", "Darren", "Niamh", "Graham", "Fatima", "Julie"],
    "last": ["Jenkins", "Hughes", "Patel", "Robinson", "Walsh", "Khan", "Thompson", "Davies",
             "Begum", "Clarke", "Murphy", "Hussain", "Wright", "Evans", "O'Neill", "Mensah",
             "Shaw", "Sharma", "Barker", "Lloyd", "Gallagher", "Turner", "Ahmed", "Cooper"],
    "title": ["Mr", "Mrs", "Ms", "Miss", "Dr"],
    "email_domain": ["example.com", "example.org", "example.net", "mail.example.co.uk"],
    "phone_format": ["07700 900{d3}", "07700900{d3}", "+44 7700 900{d3}", "0113 496 0{d3}",
                     "01632 960{d3}", "020 7946 0{d3}", "0161 496 0{d3}"],
    "name_lead": ["My name is {first} {last} and I live in {area}.",
                  "My name is {first} {last}."],
    "name_salutation": ["Dear {title} {last},"],
    "name_signoff": ["Regards, {first} {last}", "Kind regards, {first} {last}",
                     "Many thanks, {first} {last}", "Yours sincerely, {first} {last}"],
    "email": ["You can email me at {email}.", "Please reply to {email}.",
              "My email is {email} if you need photos."],
    "phone": ["Call me on {phone}.", "My number is {phone} if you need more details.",
              "You can ring me on {phone} after 5pm."],
    "postcode": ["My postcode is {postcode}.", "I'm in {postcode} if that helps."],
    "address": ["I live at {house} {street_name}.", "It's right outside {house} {street_name}."],
    "address_postcode": ["I live at {house} {street_name}, {postcode}.",
                         "My address is {house} {street_name}, Ashbrook, {postcode}."],
    # Keyed by the comment's first code: a fly-tipper's van, a pothole claim, or a permit.
    "vehicle_reg_S2": ["The van that keeps dumping here is a white Transit, {reg}.",
                       "I took the number of the van, it was {reg}."],
    "vehicle_reg_H1": ["My car registration is {reg} if you need it for the claim.",
                       "The damage was to my car, {reg}, and I have the garage bill."],
    "vehicle_reg": ["My car registration is {reg}, if you need it for the permit.",
                    "My car is {reg} if anyone needs to check the permit."],
    "ni_number": ["My National Insurance number is {ni} if you need it.",
                  "NI number {ni}, for your records."],
}

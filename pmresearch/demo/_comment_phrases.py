"""Clause templates for the demo comments about the eight services (codes W1 … C3).

Each code maps a stance (``negative``, ``positive``, ``neutral``) to clause templates written
in mid-sentence form: lower-case first letter unless the first word is a proper noun or "I",
no final full stop unless the clause is a question or an exclamation. The composer in
``_comment_text`` fills the ``{slot}`` fields, joins clauses with "but"/"however"/"although"
for mixed comments, and adds the sentence punctuation. A clause expresses only its own code and
stance, so the gold labels of a comment follow from the clauses it was built from.

``SURGE_CLAUSES`` hold the waste complaints that follow the new collection rounds of 2025.
"""

from __future__ import annotations

__all__ = ["SERVICE_CLAUSES", "SURGE_CLAUSES"]

SERVICE_CLAUSES: dict[str, dict[str, list[str]]] = {
    "W1": {
        "negative": [
            "our {bin} bin has been missed {count} since {month}",
            "the bin men never come on the right day any more",
            "bins are never collected on time on {street}",
            "we were missed again this week and nobody came back for it",
            "the {bin} bin was left full for {duration} and it stinks",
            "collections on {street} are a complete shambles",
            "I put the bin out by {time} like the leaflet says and they still missed it",
            "missed collections every other week, absolutely disgraceful",
            "half the street gets emptied and the other half gets forgotten",
            "they missed our road again and the foxes have had the bags open",
            "nobody turned up for the {bin} bins on {day}, again",
            "oh brilliant, another missed collection, well done Ashbrook",
            "the lorry comes at all hours and half the time it doesn't come at all",
            "I've reported a missed bin {count} this year and it's still happening",
            "the bins on {street} sat there for {duration} in the heat, the smell was unbearable",
        ],
        "positive": [
            "bins are always collected on time, never had a problem",
            "the bin crews are brilliant, always cheerful and always on time",
            "collections on {street} are like clockwork",
            "not bad at all, the bins get done every week without fail",
            "the lads on the bin lorry do a great job in all weathers",
            "I've never had a missed bin in {years} years",
            "the crew even put the bins back by the gate, which is more than I can say for the last lot",
        ],
        "neutral": [
            "could you send a text the night before when collection days change?",
            "it would help to know roughly what time the lorry comes so we know when to put the bins out",
            "a reminder app for bin days would be useful",
        ],
    },
    "W2": {
        "negative": [
            "the recycling rules are so confusing I've given up trying",
            "nobody knows what goes in which bin any more",
            "we were given a new {bin} bin with no explanation of what goes in it",
            "they refused to take the recycling because of one pizza box",
            "I've asked for a replacement food caddy {count} and it still hasn't arrived",
            "the leaflet about recycling says one thing and the website says another",
            "why can't we recycle soft plastics when the next council along can?",
            "a sticker on the bin saying contaminated is not an explanation",
            "the recycling boxes blow all over {street} on a windy day and the lids are useless",
            "the {bin} bin is far too small for a family of five",
        ],
        "positive": [
            "recycling is easy now and the new caddy is great",
            "it's good that we can finally put glass out at the kerbside",
            "the recycling guide on the fridge is really helpful",
            "the food waste caddy works brilliantly, we've halved what goes in the black bin",
            "the new {bin} bin was delivered within a week of asking, very impressed",
        ],
        "neutral": [
            "could you accept cartons and soft plastics at the kerbside?",
            "a simple picture guide on the lid of each bin would help",
            "please can we have a bigger recycling box, we fill it in a couple of days",
        ],
    },
    "W3": {
        "negative": [
            "£40 to take away one sofa is daylight robbery",
            "I waited {duration} for a bulky waste collection",
            "the tip booking system is a nightmare, no slots for {duration}",
            "the queue at the tip on a Saturday goes right back to the main road",
            "why can't you just turn up at the tip like you used to? it's ridiculous",
            "the tip shuts at {close_time}, which is no use to anyone who works",
            "they turned me away from the tip because my car looked like a van",
        ],
        "positive": [
            "the staff at the tip are really helpful and it's well organised",
            "the bulky collection came on the day they said, very efficient",
            "booking a slot at the tip online was quick and easy",
        ],
        "neutral": [
            "could the tip stay open later on weekdays in the summer?",
            "it would be good if the bulky waste charge was reduced for pensioners",
        ],
    },
    "S1": {
        "negative": [
            "the litter on {street} is disgusting",
            "{area} is filthy, there's rubbish everywhere",
            "the litter bins outside the shops on {street} are overflowing every weekend",
            "nobody has swept {street} in months",
            "there's rubbish blowing all over {area} and it's been like that for {duration}",
            "the verges on {street} are covered in cans and crisp packets",
            "the bin by the bus stop on {street} hasn't been emptied in {duration}",
            "it's embarrassing how dirty {area} has become",
            "litter everywhere, the streets round here are a disgrace",
            "I pick up other people's litter on {street} myself because nobody else will",
            "they took the litter bin away on {street} and now it all just goes on the floor",
            "the streets in {area} are the dirtiest I've seen them in {years} years",
            "the takeaway boxes outside the chippy on {street} sit there for days",
        ],
        "positive": [
            "the street cleaners do a great job on {street}",
            "{area} is much cleaner than it used to be",
            "the high street is always spotless first thing, well done",
            "the new litter bins in {area} have made a real difference",
            "the lad who sweeps {street} is a credit to the council",
        ],
        "neutral": [
            "more litter bins near the schools would help",
            "could the street sweeper come more often on market days?",
            "it would be good to have more volunteer litter picks with kit from the council",
        ],
    },
    "S2": {
        "negative": [
            "there's been {item} dumped on {street} for {duration}",
            "fly-tipping in {area} is out of control",
            "the alley behind {street} has become a dumping ground",
            "I reported {item} dumped on {street} and it sat there for {duration}",
            "nobody ever gets prosecuted for fly-tipping round here",
            "the same people dump rubbish behind {street} every week and nothing is done",
            "there are black bags, old tyres and {item} at the end of our road",
            "the lay-by on the A38 is a permanent tip now",
            "fly-tippers have dumped {item} by the garages on {street} again",
        ],
        "positive": [
            "I reported some fly-tipping on the app and it was cleared the next day, impressive",
            "the team cleared the dumped rubbish on {street} really quickly",
            "it's good to see fly-tippers in {area} actually being fined",
        ],
        "neutral": [
            "CCTV on the lane behind {street} might stop the fly-tipping",
            "could you publish how many fly-tipping fines are issued each year?",
        ],
    },
    "S3": {
        "negative": [
            "there's dog mess all over the pavements on {street}",
            "the dog fouling by the school gates is disgusting",
            "there isn't a single dog bin anywhere on {street}",
            "you can't walk along {street} without stepping in dog mess",
            "dog owners in {area} just let their dogs foul the grass verges and walk off",
        ],
        "positive": [
            "the new dog bins in {park} are well used and it's much better",
            "the dog wardens have made a real difference on {street}",
        ],
        "neutral": [
            "more dog wardens in the evenings please",
            "could you put a dog bin at the end of {street}?",
        ],
    },
    "P1": {
        "negative": [
            "the grass in {park} hasn't been cut for {duration}",
            "the paths in {park} are full of holes and the benches are broken",
            "the toilets at {park} have been shut for {duration}",
            "the hedges in {park} are overgrown and nobody seems to care",
            "the flower beds in {park} are full of weeds these days",
        ],
        "positive": [
            "{park} is beautiful, the flower beds are lovely this year",
            "the grounds staff at {park} do a brilliant job",
            "{park} is a real asset to {area}",
            "I walk the dog in {park} every day and it's always well kept",
            "the new trees and wildflower areas in {park} are fantastic",
            "our parks are the best thing about living in Ashbrook",
            "{park} is lovely, credit to the gardeners",
            "{park} is looking the best I've seen it in {years} years",
            "the volunteers and staff at {park} have done wonders",
            "the grass cutting in {park} has been spot on this summer",
        ],
        "neutral": [
            "more benches in {park} would help older people",
            "could the toilets at {park} open for longer in the summer?",
            "it would be nice to have a café in {park}",
            "more wildflower areas in {park} would be good for the bees",
        ],
    },
    "P2": {
        "negative": [
            "the play area in {park} has been fenced off for {duration}",
            "half the swings at {park} are broken",
            "the playground at {park} is a disgrace, rusty equipment and broken glass",
            "there's nothing for toddlers in {park}, the equipment is all for older kids",
            "the roundabout in the {park} play area was taped off {duration} ago and it's still not fixed",
            "my kids have nowhere safe to play since the play area in {park} closed",
            "the safety surface under the climbing frame in {park} is falling apart",
            "the zip wire at {park} has been broken since {month}",
        ],
        "positive": [
            "the new play area in {park} is brilliant, the kids love it",
            "the refurbished playground at {park} is fantastic",
            "the accessible swing at {park} means my daughter can finally play with her friends",
        ],
        "neutral": [
            "could you add accessible swings to the play area in {park}?",
            "some shade over the play area in {park} would be good in the summer",
            "a fence round the toddler area at {park} would keep the dogs out",
        ],
    },
    "P3": {
        "negative": [
            "I don't feel safe walking through {park} after dark",
            "there are gangs of teenagers drinking in {park} most nights",
            "there are needles by the skate park in {park}",
            "{park} needs lighting, it's pitch black by {close_time} in winter",
            "the bins in {park} get set on fire nearly every weekend",
            "motorbikes tear across the fields in {park} and nobody stops them",
        ],
        "positive": [
            "the park wardens at {park} make it feel much safer",
            "{park} feels a lot safer since the new lighting went in",
        ],
        "neutral": [
            "a police presence in {park} on Friday nights would be welcome",
            "better lighting on the main path through {park} please",
        ],
    },
    "L1": {
        "negative": [
            "{library} is never open when I can actually get there",
            "cutting library hours again is a false economy",
            "{library} closes at {close_time}, which is useless for anyone who works",
            "shutting {library} on {day}s has really affected my mum",
            "the reduced opening hours mean the children can't use {library} after school",
            "{library} is only open three days a week now, it's pathetic",
            "why is {library} shut on Saturday afternoons when families want to use it?",
            "the new library hours are a joke, I turned up twice last month to a locked door",
        ],
        "positive": [
            "the late opening at {library} on Thursdays is really handy",
            "{library} opening on Sundays has been a lifeline for us",
        ],
        "neutral": [
            "could {library} open one evening a week?",
            "please keep the library opening hours up to date on the website",
        ],
    },
    "L2": {
        "negative": [
            "the book stock at {library} is tired and out of date",
            "half the computers at {library} don't work",
            "the e-book app keeps crashing and the choice is poor",
            "they got rid of the reference section at {library} and the study space with it",
        ],
        "positive": [
            "{library} is a real gem, the staff are lovely and there's always something going on",
            "the e-book service is brilliant and it costs nothing",
            "the children's story time at {library} is fantastic",
            "the computers and free Wi-Fi at {library} helped me apply for jobs",
            "{library} has a great selection of large print books",
            "the Lego club at {library} is the highlight of my son's week",
        ],
        "neutral": [
            "more graphic novels and teen books would get young people in",
            "could the library lend things like tools or laptops?",
        ],
    },
    "L3": {
        "negative": [
            "closing Larkrise Library would be a disaster for the village",
            "do not close {library}, it's the only community space we have left",
            "handing {library} over to volunteers is just closure by the back door",
            "the threat to Larkrise Library is shameful, older people rely on it",
            "once a library shuts it never comes back",
            "if {library} goes, the nearest one is two buses away",
        ],
        "positive": [
            "I'm glad {library} is staying open, thank you for listening",
        ],
        "neutral": [
            "if {library} has to move, could it share the community centre building?",
        ],
    },
    "LE1": {
        "negative": [
            "{price} for a swim is far too much",
            "the membership at {centre} has gone up again and the classes are always full",
            "the concession rates are a joke for pensioners on a fixed income",
            "a family swim at {centre} costs more than a trip to the cinema",
            "prices at {centre} keep going up but nothing improves",
        ],
        "positive": [
            "the leisure card is good value, especially the off-peak swims",
            "free swimming for under 8s is fantastic",
            "the membership at {centre} is cheaper than a private gym and just as good",
        ],
        "neutral": [
            "a pay-as-you-go option for the gym would suit people like me",
            "could the over 65s swim discount be extended to weekends?",
        ],
    },
    "LE2": {
        "negative": [
            "the changing rooms at {centre} are filthy and half the lockers are broken",
            "the pool at {centre} has been closed for repairs for {duration}",
            "the showers at {centre} are cold every single time",
            "the gym equipment at {centre} is old and always out of order",
            "the sports hall roof at {centre} leaks whenever it rains",
        ],
        "positive": [
            "the refurbished gym at {centre} is excellent",
            "{centre} is clean and the staff are friendly",
            "the new pool at {centre} is brilliant",
            "the 3G pitches at {centre} are in great nick",
        ],
        "neutral": [
            "more lane swimming sessions at {centre} please",
            "could {centre} open earlier for people who work?",
        ],
    },
    "H1": {
        "negative": [
            "the potholes on {street} are a disgrace",
            "{street} is more pothole than road",
            "I've had two tyres burst on {street} in {duration}",
            "they patched the potholes on {street} and they were back within {duration}",
            "the roads in {area} are like the surface of the moon",
            "cycling on {street} is dangerous because of the potholes",
            "temporary repairs that last a fortnight are a waste of money",
            "the pothole outside the school on {street} has been there for {duration}",
            "the Route 42 bus has to swerve round the potholes on {street}",
        ],
        "positive": [
            "{street} has been resurfaced and it's like driving on a new road",
            "the pothole I reported was fixed within a week, thank you",
        ],
        "neutral": [
            "when is {street} due to be resurfaced?",
            "could you publish the list of roads due for resurfacing this year?",
        ],
    },
    "H2": {
        "negative": [
            "the pavement on {street} is so uneven my mum fell and broke her wrist",
            "I use a mobility scooter and the pavements on {street} are impossible",
            "cars parked on the pavement on {street} force us into the road with the pram",
            "tree roots have lifted the pavement along {street} and it's a trip hazard",
            "the paving slabs outside the shops on {street} rock when you step on them",
        ],
        "positive": [
            "the new pavements on {street} are much better",
            "the dropped kerbs by the shops on {street} have made a big difference",
        ],
        "neutral": [
            "a dropped kerb by the shops on {street} would help",
        ],
    },
    "H3": {
        "negative": [
            "the street light outside our house has been out for {duration}",
            "{street} is pitch black at night since the lights were dimmed",
            "switching the street lights off at midnight is dangerous",
            "I've reported the broken street light on {street} {count} and it's still out",
        ],
        "positive": [
            "the new LED street lights in {area} are much brighter",
        ],
        "neutral": [
            "could the street lights near the station stay on all night?",
        ],
    },
    "PL1": {
        "negative": [
            "our planning application for a small extension took {duration} longer than it should have",
            "a simple householder application took five months to decide",
            "the planning department never answers emails",
            "enforcement complaints about the building work on {street} have gone nowhere for {duration}",
            "the pre-application advice took {duration} and told us nothing",
            "waiting months for a decision on a conservatory is ridiculous",
            "the planning portal said eight weeks and it's now been {duration} past that",
        ],
        "positive": [
            "the planning officer was very helpful and our application was decided quickly",
        ],
        "neutral": [
            "it would help to see online where an application is in the queue",
        ],
    },
    "PL2": {
        "negative": [
            "too many houses are being built in {area} with no new schools or doctors",
            "the fields off {street} are being concreted over",
            "{area} can't cope with any more traffic from new estates",
            "the flats going up on {street} are far too tall for the area",
            "every bit of green space round here is being built on",
        ],
        "positive": [
            "the new housing in {area} is well designed and we need the homes",
        ],
        "neutral": [
            "new estates should come with a GP surgery before the houses are sold",
        ],
    },
    "C1": {
        "negative": [
            "I waited {wait} on the phone to the council and then got cut off",
            "trying to get through to the council on the phone is impossible",
            "I was promised a call back {count} and nobody ever rang",
            "you're on hold forever listening to the same music",
            "I phoned at 8.30am when the lines opened and was still number 23 in the queue",
            "the phone lines are a joke, {wait} just to report a missed bin",
        ],
        "positive": [
            "I got through on the phone straight away, which was a nice surprise",
            "the call back came when they said it would",
        ],
        "neutral": [
            "a call-back option instead of waiting on hold would be helpful",
        ],
    },
    "C2": {
        "negative": [
            "the person I spoke to was rude and clearly didn't care",
            "staff just pass you from one department to another",
            "nobody at the council seems to know anything",
        ],
        "positive": [
            "the lady I spoke to at the contact centre was really helpful",
            "staff at the customer service desk were kind and patient with my dad",
            "the council officer went out of his way to sort my problem",
            "the advisor was brilliant and rang me back when she said she would",
        ],
        "neutral": [
            "it would be good to speak to the same person each time",
        ],
    },
    "C3": {
        "negative": [
            "the website is impossible to find anything on",
            "the online form crashed {count} before I could submit it",
            "the report-it app logs you out every time",
            "I can never find anything on the council website without ringing up",
        ],
        "positive": [
            "reporting things online is quick and easy now",
            "the new website is much better than the old one",
        ],
        "neutral": [
            "a live chat on the website would be useful",
        ],
    },
}

# New collection rounds started in 2025 (the perception gap of domain.md §5): the missed-bin PI
# stays green while residents complain about the changeover and the new sorting rules.
SURGE_CLAUSES: dict[str, list[str]] = {
    "W1": [
        "since the new collection rounds started in {surge_month} our bins have been missed {count}",
        "the new rounds are a shambles, nobody knows what day their bin goes any more",
        "ever since the round changes we've had missed bins nearly every week",
        "the new collection days were never explained and now the {bin} bin is missed more often than not",
        "the changes to the bin rounds this year have been a disaster on {street}",
        "our collection day changed in {surge_month} and they've missed us {count} since",
        "the new round skips our cul-de-sac off {street} every other week",
    ],
    "W2": [
        "the new recycling rules brought in this year make no sense, glass in one box and cans in another",
        "since the switch to the new bins in {surge_month} nobody on {street} knows what goes where",
        "we were told to separate paper and card from {surge_month} but the leaflet never came",
        "the new sorting rules are so complicated that half the street has given up",
        "they changed the recycling rules this year and now the bins get left with a sticker on",
    ],
}

"""Matching a comms officer would trust: inflections yes; mentions, other senses and the
guide's own advice no; offsets exact whatever the characters around them."""

from __future__ import annotations

import pytest


def found(checker, draft: str) -> list[str]:
    return [f.found for f in checker.check_wording(draft).findings]


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        # Case, plural, singular, possessive, hyphen and space variants.
        ("Politicians keep talking about Illegal Immigrants.", ["Illegal Immigrants"]),
        ("The council moved twelve illegals into the old hotel.", ["illegals"]),
        ("A bogus asylum seeker's claim, they said.", ["bogus asylum seeker's"]),
        ("Queue jumpers? There is no queue.", ["Queue jumpers"]),
        ("Stop calling them queue-jumpers.", ["queue-jumpers"]),
        ("One queue-jumper, the minister said.", ["queue-jumper"]),
        ("Small-boat arrivals rose again this summer.", ["Small-boat"]),
        ("The benefit-tourists myth again.", ["benefit-tourists"]),
        ("Holding-centre conditions are worse.", ["Holding-centre"]),
    ],
)
def test_inflections_and_variants_are_found(styles_checker, draft, expected):
    assert found(styles_checker, draft) == expected


@pytest.mark.parametrize(
    "draft",
    [
        # The adjective is not the noun made from it.
        "It is illegal for employers to ask for more documents than the law requires.",
        "It's illegal to deny someone emergency healthcare.",
        # Word boundaries.
        "Our volunteers brought soup to the Wavertree drop-in; she waved goodbye.",
    ],
)
def test_other_words_sharing_letters_are_not_flagged(styles_checker, draft):
    assert found(styles_checker, draft) == []


@pytest.mark.parametrize(
    "draft",
    [
        'The minister\'s talk of a "swarm" is dehumanising and we reject it.',
        "The papers call them “aliens”. We call them neighbours.",
        "Ministers keep using the ‘illegals’ smear.",
        "Removing the so-called queue-jumpers from hotels solves nothing.",
        "Boat people is a cruel label; nobody should use it.",
        "Illegals is a word nobody should use about a neighbour.",
        "The claim that “a swarm of people is heading here” is shameful.",
    ],
)
def test_mentions_and_quoted_criticism_are_not_flagged(styles_checker, draft):
    assert found(styles_checker, draft) == []


def test_our_own_spokesperson_quoted_at_length_is_flagged(styles_checker):
    draft = "“We are seeing a flood of people arriving with nothing,” said our director."
    assert found(styles_checker, draft) == ["flood"]


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        # A metaphor counts only when it describes people or their movement.
        ("Britain is not facing a flood of migrants.", ["flood"]),
        ("Migrants swarming across the Channel is the image they want.", ["swarming"]),
        ("People flooding into Kent, the headline said.", ["flooding"]),
        ("Flood warnings are in place across Kent this weekend.", []),
        ("A swarm of bees closed the garden at the drop-in.", []),
        ("Families affected by the flood in Pakistan need help.", []),
        # A label counts only when it is applied to people.
        ("Small boats arrivals are not a category in law.", ["Small boats"]),
        ("People who came in small boats deserve a fair hearing.", []),
        ("Our film club is showing a comedy about aliens landing in Fife.", []),
        ("Aliens, the tabloid called the refugees on page one.", ["Aliens"]),
        ("He was called an illegal.", ["illegal"]),
        # A common word flagged only in the sense the guide names.
        ("Inspectors found people held for months in detention facilities.", ["facilities"]),
        ("The sports facilities at the community hall are open on Sundays.", []),
    ],
)
def test_only_the_sense_the_rule_means_is_flagged(styles_checker, draft, expected):
    assert found(styles_checker, draft) == expected


def test_the_words_the_guide_says_to_use_are_never_flagged(styles_checker):
    assert found(styles_checker, "Welcome, newcomers and neighbours!") == []
    assert found(styles_checker, "Welcome, newcomers!") == ["newcomers"]
    assert found(styles_checker, "People who came by boat and people crossing the Channel.") == []


def test_superseded_rules_do_not_fire(styles_checker):
    assert found(styles_checker, "Deportation flights must stop; migrants are neighbours.") == []


def test_a_finding_says_what_to_use_why_and_where_the_guide_says_so(styles_checker):
    check = styles_checker.check_wording("They call them bogus asylum seekers.")
    (finding,) = check.findings
    assert finding.suggestion == "people seeking asylum"
    assert finding.reason == "A claim is decided on the evidence."
    (citation,) = finding.citations
    assert (citation.number, citation.source, citation.locator) == (
        1,
        "guidance/tables.md",
        "Words for people",
    )
    assert citation.title == "House style in tables"
    assert "bogus asylum seekers" in citation.quote


def test_one_finding_per_stretch_citing_every_rule_that_flags_it(styles_checker):
    # "illegal" (a label for people, prose.md) sits inside "illegal immigrants" (labelled.md).
    (finding,) = styles_checker.check_wording("Stop calling them illegal immigrants.").findings
    assert finding.found == "illegal immigrants"
    assert [c.source for c in finding.citations] == ["guidance/labelled.md", "guidance/prose.md"]


def test_offsets_are_exact_in_non_ascii_text(styles_checker):
    draft = (
        "Café Ünïon 🎉 — “Welcome” — the leaflet says twelve illegals moved in 🙄, "
        "and calls them bogus asylum seekers. Ça suffit!"
    )
    check = styles_checker.check_wording(draft)
    assert [f.found for f in check.findings] == ["illegals", "bogus asylum seekers"]
    for finding in check.findings:
        assert draft[finding.start : finding.end] == finding.found
    assert check.findings[0].start == draft.index("illegals")
    assert check.findings[1].start == draft.index("bogus asylum seekers")

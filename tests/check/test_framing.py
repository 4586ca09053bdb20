"""Framing notes: only when a draft clearly does what the guide's framing advice warns
against, cited to that advice, at most two; silence when unsure or when the guide is silent."""

from __future__ import annotations

import pytest

from bot.check.checker import DraftChecker
from bot.check.rulebook import RuleBook
from bot.index.connection import IndexConnection


@pytest.fixture(scope="module")
def checker(framing_index, embeddings) -> DraftChecker:
    return DraftChecker(RuleBook(IndexConnection(framing_index, embeddings)))


def test_a_draft_opening_with_a_count_of_people_gets_the_values_first_note(checker):
    draft = "Thousands of people arrived last month, and the numbers keep rising. Act now."
    (note,) = checker.check_wording(draft).framing
    assert note.text.startswith("The draft opens with a number.")
    assert "Open with a value the listener shares" in note.text
    (citation,) = note.citations
    assert (citation.source, citation.locator) == ("guidance/messaging.md", "Values first")
    assert "opening with a statistic" in citation.quote
    assert (note.start, note.end) == (0, draft.index(" Act now."))


def test_a_draft_like_the_guides_own_example_gets_that_passages_advice(checker):
    draft = "Our clients are law-abiding, hard-working people who pay their taxes."
    (note,) = checker.check_wording(draft).framing
    assert "Talk about rights and shared humanity" in note.text
    assert note.citations[0].locator == "Avoid the deserving migrant frame"


def test_myth_then_fact_across_two_sentences(checker):
    draft = "Myth: refugees get more than pensioners. Fact: they get about £7 a day."
    (note,) = checker.check_wording(draft).framing
    assert note.citations[0].locator == "Don't lead with myth-busting"
    assert "State the positive truth" in note.text


@pytest.mark.parametrize(
    "draft",
    [
        "Amina trained as a nurse and now volunteers at her local food bank. Join us on Saturday.",
        "In 2019 Hawa came to Dundee from Eritrea; now she runs our football club.",
        "We campaigned hard for a 28-day time limit on detention, and we will win it.",
        "Everyone deserves to be safe. Get free advice at our drop-in every Tuesday.",
    ],
)
def test_no_note_when_the_draft_follows_the_advice_or_it_is_unclear(checker, draft):
    assert checker.check_wording(draft).framing == ()


def test_at_most_two_notes(checker):
    draft = (
        "Thousands of people arrived last month. Myth: migrants are a drain on services. "
        "Fact: they pay in. These are hard-working, law-abiding families who contribute to "
        "the economy."
    )
    notes = checker.check_wording(draft).framing
    assert len(notes) == 2
    assert notes[0].start < notes[1].start


def test_no_note_when_the_index_has_no_framing_advice(styles_checker):
    draft = "Thousands of people arrived last month. These are hard-working, law-abiding people."
    assert styles_checker.check_wording(draft).framing == ()

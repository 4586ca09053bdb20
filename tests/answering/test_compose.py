"""The offline composer: whole units only, each with a valid citation, labelled by the document."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bot.answer import Passage, Question
from bot.answering.compose import ExtractiveComposer
from bot.text import blocks, sentences


def passage(n: int, text: str, locator: str = "Words to use", source: str = "", **extra) -> Passage:
    return Passage(
        chunk_id=f"c{n}",
        text=text,
        source=source or f"doc{n}.md",
        title=f"Doc {n}",
        kind="guidance",
        locator=locator,
        date="2025-01-01",
        score=0.6,
        **extra,
    )


@pytest.fixture(scope="module")
def composer(embeddings) -> ExtractiveComposer:
    return ExtractiveComposer(embeddings)


def whole_units(passages: list[Passage]) -> set[str]:
    out: set[str] = set()
    for p in passages:
        for block in blocks(p.text):
            out.add(block.text)
            out.update(sentences(block.text))
    return out


def bullets(text: str) -> list[str]:
    advice = text.split("\n\nNote:", 1)[0]
    return re.split(r"\n(?=• )", advice)


WRAPPED = [
    passage(
        1,
        "Say people crossing the Channel, not small boats. It keeps people at the centre\n"
        "of the story and out of the\ngovernment's language.",
    ),
    passage(
        2,
        "- Avoid water metaphors such as flood or wave, because they make people sound\n"
        "  like a threat.\n- Lead with shared values.",
    ),
    passage(3, "The office is closed on bank holidays and the kettle is broken."),
]


def test_every_bullet_is_a_whole_unit_from_a_passage_with_its_number(composer):
    reply = composer.answer(Question("How do we talk about Channel crossings?"), WRAPPED)
    assert reply is not None
    numbers = {c.number: c for c in reply.citations}
    units = whole_units(WRAPPED)
    for bullet in bullets(reply.text):
        match = re.fullmatch(r"• (.+) \[(\d+)\]", bullet, re.DOTALL)
        assert match, bullet
        text, number = match.group(1), int(match.group(2))
        assert text in units, text
        assert text in numbers[number].quote
    assert sorted(numbers) == list(range(1, len(numbers) + 1))


def test_a_sentence_wrapped_over_three_lines_is_shown_whole(composer):
    reply = composer.answer(Question("how do we keep people at the centre of the story?"), WRAPPED)
    assert (
        "It keeps people at the centre of the story and out of the government's language."
        in reply.text
    )


def test_the_most_relevant_unit_leads(composer):
    reply = composer.answer(Question("which metaphors should we avoid?"), WRAPPED)
    assert reply.text.startswith(
        "• Avoid water metaphors such as flood or wave, because they make people sound like a "
        "threat. [1]"
    )
    assert "kettle" not in reply.text


def test_no_passages_means_no_reply(composer):
    assert composer.answer(Question("anything"), []) is None


def test_passages_that_answer_nothing_give_no_reply(composer):
    office = [passage(1, "The office is closed on bank holidays and the kettle is broken.")]
    assert composer.answer(Question("What do we say about the graduate visa?"), office) is None


def test_replacement_note_points_to_the_current_line(composer):
    note = "Lines (2023) (2023-08-14)"
    current = passage(1, "Safe routes save lives for everyone.", replaces=note)
    reply = composer.answer(Question("our lines on safe routes"), [current])
    assert "Lines (2023) (2023-08-14) has been superseded" in reply.text


def test_an_item_from_an_avoid_section_keeps_its_warning(composer):
    avoid = passage(9, '- Calling people "illegal crossers".\n- Blaming victims.', locator="Avoid")
    reply = composer.answer(Question("what should we avoid calling people crossing"), [avoid])
    assert reply.text.startswith("• Avoid:")
    assert 'Calling people "illegal crossers".' in reply.text


def test_a_say_line_is_never_marked_avoid(composer):
    frame = passage(
        4,
        "It is tempting to praise people for being doctors. That frame suggests only useful "
        'people deserve safety.\nSay: "People fleeing danger have a right to safety."\n'
        'Avoid: "These are hard-working migrants who contribute."',
        locator="Avoid the deserving migrant frame",
    )
    listed = passage(
        5, '- Say instead: "people seeking safety".\n- "Swarm" and "flood".', locator="Avoid"
    )
    reply = composer.answer(
        Question("should we praise migrants as hard-working doctors?"), [frame, listed]
    )
    assert "Avoid: say" not in reply.text.replace("Say:", "say:").lower().replace("avoid: say", "")
    assert "Avoid: Say" not in reply.text and "Avoid: say" not in reply.text
    assert 'Say: "People fleeing danger have a right to safety."' in reply.text
    # The Say line and its Avoid partner are shown together, as the document wrote them.
    assert (
        'Say: "People fleeing danger have a right to safety." Avoid: "These are hard-working '
        'migrants who contribute."' in reply.text
    )


def test_a_short_list_of_lines_is_shown_whole_under_its_section_name(composer):
    lines = passage(
        6,
        "- Every person who drowned was someone's child.\n"
        "- People crossing are fleeing war; they need safety.\n"
        "- Safe routes save lives.",
        locator="Our lines",
        source="lines/crossings.md",
    )
    context = passage(
        7,
        "Several people died in the Channel this week.",
        locator="What happened",
        source="lines/crossings.md",
    )
    reply = composer.answer(
        Question("what do we say about deaths in the Channel?"), [context, lines]
    )
    assert reply.text.startswith(
        "• Our lines:\n"
        "   – Every person who drowned was someone's child.\n"
        "   – People crossing are fleeing war; they need safety.\n"
        "   – Safe routes save lives. [1]"
    )


def test_a_terminology_item_keeps_avoid_say_instead_and_why_in_one_bullet(composer):
    guide = passage(
        8,
        '- Avoid: "small boats" as a label for people. Say instead: "people crossing the\n'
        '  Channel". Why: the boat becomes the story.\n'
        '- Avoid: "migrant crisis". Why: it blames the people affected.',
        locator="Describing arrivals",
    )
    reply = composer.answer(Question("Is 'small boats' an ok term?"), [guide])
    first = bullets(reply.text)[0]
    assert first == (
        '• Avoid: "small boats" as a label for people. Say instead: "people crossing the '
        'Channel". Why: the boat becomes the story. [1]'
    )
    assert len(reply.citations) == 1


def test_near_duplicates_from_overlapping_chunks_are_shown_once(composer):
    text = "Safe routes save lives: nobody should have to risk the Channel to reach safety."
    reply = composer.answer(
        Question("safe routes"), [passage(1, text), passage(2, text), passage(3, text)]
    )
    assert reply.text.count("Safe routes save lives") == 1


def test_without_a_model_units_are_scored_on_words(embeddings):
    reply = ExtractiveComposer().answer(Question("which metaphors should we avoid?"), WRAPPED)
    assert "Avoid water metaphors" in reply.text


def test_a_list_that_continues_its_lead_in_is_shown_whole_under_it(composer):
    demands = passage(
        10,
        "We are calling for:\n"
        "- an end to visas that tie workers to one employer, so people can leave abuse;\n"
        "- a firewall between labour inspection and immigration enforcement;\n"
        "- a ban on recruitment fees charged to workers.",
        locator="Key messages",
    )
    reply = composer.answer(Question("what do we want on tied visas?"), [demands])
    assert reply.text == (
        "• We are calling for:\n"
        "   – an end to visas that tie workers to one employer, so people can leave abuse;\n"
        "   – a firewall between labour inspection and immigration enforcement;\n"
        "   – a ban on recruitment fees charged to workers. [1]"
    )


def test_an_answer_about_the_topic_but_not_the_subject_is_not_given(composer):
    hotels = passage(
        11,
        "- Nobody should be afraid in the place they sleep.\n"
        "- The people living in these hotels are our neighbours.",
        locator="Our lines",
    )
    question = Question("What do we say about Homes for Ukraine sponsors ending placements?")
    modest = replace(hotels, score=0.39)
    assert composer.answer(question, [modest]) is None
    # The same passage, when it is close in meaning, is trusted.
    close = replace(hotels, score=0.62)
    assert composer.answer(question, [close]) is not None

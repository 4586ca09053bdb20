"""The offline composer: only chosen sentences, each marked with a valid citation number."""

from __future__ import annotations

import re

from bot.answer import Passage, Question
from bot.compose import ExtractiveComposer, split_sentences


def passage(n: int, text: str, **extra) -> Passage:
    return Passage(
        chunk_id=f"c{n}",
        text=text,
        source=f"doc{n}.md",
        title=f"Doc {n}",
        kind="guidance",
        locator="Words to use",
        date="2025-01-01",
        score=0.6,
        **extra,
    )


PASSAGES = [
    passage(1, "Say people crossing the Channel, not small boats. It keeps people central."),
    passage(2, "- Avoid water metaphors such as flood or wave.\n- Lead with shared values."),
    passage(3, "The office is closed on bank holidays and the kettle is broken."),
]


def test_every_point_is_a_sentence_from_a_passage_with_its_number():
    question = Question("How do we talk about Channel crossings?")
    reply = ExtractiveComposer().answer(question, PASSAGES)
    assert reply is not None
    numbers = {c.number: c for c in reply.citations}
    all_sentences = {s for p in PASSAGES for s in split_sentences(p.text)}
    for line in reply.text.splitlines():
        match = re.fullmatch(r"• (.+) \[(\d+)\]", line)
        assert match, line
        sentence, number = match.group(1), int(match.group(2))
        assert sentence in all_sentences
        assert sentence in numbers[number].quote
    assert sorted(numbers) == list(range(1, len(numbers) + 1))


def test_the_most_relevant_sentence_is_chosen():
    reply = ExtractiveComposer().answer(Question("which metaphors should we avoid?"), PASSAGES)
    assert "Avoid water metaphors such as flood or wave." in reply.text


def test_no_passages_means_no_reply():
    assert ExtractiveComposer().answer(Question("anything"), []) is None


def test_replacement_note_points_to_the_current_line():
    note = "Lines (2023) (2023-08-14)"
    current = passage(1, "Safe routes save lives for everyone.", replaces=note)
    reply = ExtractiveComposer().answer(Question("our lines on safe routes"), [current])
    assert "Lines (2023) (2023-08-14) has been superseded" in reply.text


def test_markdown_tables_and_lists_become_plain_points():
    text = "| Avoid | Say instead |\n|---|---|\n| illegal immigrant | undocumented person |\n"
    assert split_sentences(text) == [
        "Avoid — Say instead",
        "illegal immigrant — undocumented person",
    ]


def test_a_sentence_from_an_avoid_section_keeps_its_warning():
    avoid = Passage(
        "c9",
        'Calling people "illegal crossers".',
        "l.md",
        "Lines",
        "line",
        "Avoid",
        "2025-01-01",
        score=0.6,
    )
    reply = ExtractiveComposer().answer(
        Question("what should we avoid calling people crossing"), [avoid]
    )
    assert reply.text.startswith('• Avoid: calling people "illegal crossers". [1]')
    assert reply.citations[0].quote == 'Calling people "illegal crossers".'

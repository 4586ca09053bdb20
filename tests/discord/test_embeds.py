"""Embeds stay within Discord's limits, and text from outside Lines renders as typed."""

from __future__ import annotations

from bot.answer import Answer, Citation
from bot.discord import embeds
from bot.escalation.desk import staff_card
from tests.fakes.discord_api import live_links, message_problems
from tests.slack.test_blocks import ARABIC, EMOJI, item


def as_body(message_embeds) -> dict:
    return {"embeds": [e.to_dict() for e in message_embeds]}


def test_a_long_answer_with_many_sources_is_spread_over_valid_messages():
    citations = tuple(
        Citation(n, f"doc{n}.md", "A long document title " * 8, "Section " * 20, "q")
        for n in range(1, 120)
    )
    answer = Answer(
        question=EMOJI * 3, text=("A sentence [1]. " * 300 + "\n") * 6, citations=citations
    )
    messages = embeds.answer_messages(answer)
    assert len(messages) > 1
    for message in messages:
        assert message_problems(as_body(message)) == []
    assert messages[0][0].author.name.startswith("Q: ")


def test_the_staff_embed_always_fits_6000_and_points_to_the_full_item():
    passages = [
        {"source": "g.md", "title": "T" * 500, "locator": "L" * 500, "text": "P " * 3000}
        for _ in range(30)
    ]
    big = item(
        question=(ARABIC + EMOJI) * 10,
        question_chars=40000,
        passages=passages,
        staff_answer=EMOJI * 800,
        assignee="sam",
        reason="r " * 2000,
        link="https://d/1",
    )
    embed = embeds.staff_embed(staff_card(big))
    assert message_problems(as_body([embed])) == []
    assert "escalations show 7" in embed.description


def test_markdown_from_outside_lines_is_inert_but_citation_markers_stay():
    hostile = "[Click here](https://evil.example) **bold** <@123> # Heading\n- item\n> quote"
    escaped = embeds.escape(hostile)
    assert live_links(escaped) == [] and "\\*\\*bold\\*\\*" in escaped and "\\<@123\\>" in escaped
    assert "\\# Heading" in escaped and "\\- item" in escaped and "\\> quote" in escaped
    answer = embeds.escape_answer("Say people [1]. See [2](https://evil.example).")
    assert answer.startswith("Say people [1].") and live_links(answer) == []
    assert embeds.escape("see https://example.org/a_b_c") == "see https://example.org/a_b_c"
    line = embeds.citation_line(Citation(1, "s", "[Click](https://evil.example)", "Loc", "q"))
    assert live_links(line) == [] and line.startswith("[1] **")

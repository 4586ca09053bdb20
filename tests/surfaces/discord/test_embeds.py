"""Embeds stay within Discord's limits, and text from outside Lines renders as typed."""

from __future__ import annotations

from bot.answer import Answer, Citation
from bot.staff.desk import staff_card
from bot.surfaces.discord import embeds
from tests.fakes.discord_api import live_links, message_problems
from tests.surfaces.slack.test_blocks import ARABIC, EMOJI, item


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
    # Discord shows a backslash before a digit, so an ordered list's dot is escaped instead.
    assert embeds.escape("1. first\n  12. twelfth") == "1\\. first\n  12\\. twelfth"
    answer = embeds.escape_answer("Say people [1]. See [2](https://evil.example).")
    assert answer.startswith("Say people [1].") and live_links(answer) == []
    assert embeds.escape("see https://example.org/a_b_c") == "see https://example.org/a_b_c"
    line = embeds.citation_line(Citation(1, "s", "[Click](https://evil.example)", "Loc", "q"))
    assert live_links(line) == [] and line.startswith("[1] **")


def test_a_draft_check_of_a_long_hostile_draft_fits_discord():
    from tests.surfaces.slack.test_blocks import hostile_check

    check = hostile_check(size=6000, every=23)
    messages = embeds.check_messages(check)
    for message in messages:
        body = as_body(message)
        assert message_problems(body) == []
        shown = str(body)
        assert live_links(shown) == []
    first = messages[0][0]
    assert first.title == "Check with Lines"
    assert "only the passages with words to change" in first.description
    assert "\\<b\\>" in first.description and "<b>" not in first.description


def test_a_short_draft_is_quoted_whole_with_only_lines_bold_live():
    from bot.check.findings import DraftCheck, Finding

    text = "**Loud** [link](https://evil.example) - illegals\n1. illegals"
    cite = Citation(1, "guide.md", "Guide", "Words", "Avoid: illegals.")
    check = DraftCheck(
        text=text,
        findings=(
            Finding(40, 48, "illegals", "“undocumented people”", "", (cite,)),
            Finding(52, 60, "illegals", "“undocumented people”", "", (cite,)),
        ),
    )
    ((embed, *_),) = embeds.check_messages(check)
    assert embed.description.endswith(
        "\n> \\*\\*Loud\\*\\* \\[link\\]\\(https://evil.example\\) \\- **illegals**"
        "\n> 1\\. **illegals**"
    )
    assert live_links(embed.description) == []
    assert embed.fields[0].value == "1. “illegals” → “undocumented people”. [1] \\(2 times\\)"

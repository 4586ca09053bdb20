"""What surfaces get to render: pieces of the draft, one-line findings, terminal text."""

from __future__ import annotations

from bot.answer import Citation, Escalation
from bot.check.findings import DraftCheck, Finding, FramingNote
from bot.check.render import (
    NOTHING_FOUND,
    excerpts,
    finding_line,
    finding_lines,
    marked_text,
    render_text,
    segments,
)

CITE = Citation(1, "guidance/t.md", "Terms", "People", 'Avoid: "illegals".')
TEXT = "Café: twelve illegals moved in, the leaflet says 🙄."
CHECK = DraftCheck(
    text=TEXT,
    findings=(
        Finding(13, 21, "illegals", "“undocumented people”", "No person is illegal.", (CITE,)),
    ),
    framing=(FramingNote("The draft opens with a number. Lead with a person.", 0, 51, (CITE,)),),
)


def test_segments_give_back_the_draft_and_mark_each_finding():
    pieces = segments(CHECK)
    assert "".join(p.text for p in pieces) == TEXT
    assert [(p.text, p.finding) for p in pieces if p.finding] == [("illegals", 1)]
    assert marked_text(CHECK) == "Café: twelve «illegals» moved in, the leaflet says 🙄."
    assert marked_text(CHECK, "*", "*") == "Café: twelve *illegals* moved in, the leaflet says 🙄."


def test_finding_line_says_found_suggestion_why_and_source():
    assert finding_line(CHECK.findings[0]) == (
        "“illegals” → “undocumented people”. No person is illegal. [1]"
    )
    bare = Finding(0, 4, "flood", "", "", (CITE,))
    assert finding_line(bare) == "“flood”. [1]"


def test_terminal_text_lists_findings_notes_and_sources_once():
    text = render_text(CHECK)
    assert "«illegals»" in text
    assert "1. “illegals” → “undocumented people”. No person is illegal. [1]" in text
    assert "• The draft opens with a number. Lead with a person. [1]" in text
    assert text.count("[1] Terms — People") == 1
    assert "guidance/t.md" in text


def test_terminal_text_for_nothing_found_and_for_an_escalation():
    assert NOTHING_FOUND in render_text(DraftCheck(text="All good."))
    escalated = DraftCheck(
        text="x",
        escalation=Escalation(kind="sensitive", reason="matched", category="threats", id=4),
        reply="Staff will reply here.",
    )
    out = render_text(escalated)
    assert out.startswith("Staff will reply here.")
    assert "handed to staff (threats), item #4: matched" in out


def test_excerpts_show_each_finding_once_with_whole_words_around_it():
    filler = "We planted beans in the community garden this spring. " * 4
    text = filler + "Some call them illegals; others say queue-jumpers. " + filler + "Boat people."
    spans = [("illegals", text.index("illegals")), ("queue-jumpers", text.index("queue-"))]
    spans.append(("Boat people", text.index("Boat")))
    check = DraftCheck(
        text=text,
        findings=tuple(Finding(s, s + len(w), w, "", "", (CITE,)) for w, s in spans),
    )
    parts = excerpts(check, context=30)
    # The first two findings are close: one excerpt. The last ends the draft: nothing after.
    assert len(parts) == 2
    first, last = parts
    assert first.cut_before and first.cut_after and last.cut_before and not last.cut_after
    shown = "".join(s.text for s in first.segments)
    assert shown.startswith("this spring. Some call")  # whole words only
    assert shown.endswith("We planted beans in the")
    assert [(s.text, s.finding) for s in first.segments if s.finding] == [
        ("illegals", 1),
        ("queue-jumpers", 2),
    ]
    assert [(s.text, s.finding) for s in last.segments if s.finding] == [("Boat people", 3)]
    assert all(not s.text.startswith(" ") for s in (first.segments[0], last.segments[0]))


def test_excerpts_show_line_breaks_as_spaces_and_the_whole_of_a_short_draft():
    text = "Illegal\nimmigrants,\n\nthey said."
    check = DraftCheck(text=text, findings=(Finding(0, 18, text[:18], "", "", (CITE,)),))
    (only,) = excerpts(check)
    assert not only.cut_before and not only.cut_after
    assert [(s.text, s.finding) for s in only.segments] == [
        ("Illegal immigrants", 1),
        (", they said.", None),
    ]


def test_repeated_findings_are_listed_once_with_how_often_they_appear():
    text = "Illegals here, illegals there, and illegal immigrants."
    check = DraftCheck(
        text=text,
        findings=(
            Finding(0, 8, "Illegals", "“undocumented people”", "", (CITE,)),
            Finding(15, 23, "illegals", "“undocumented people”", "", (CITE,)),
            Finding(35, 53, "illegal immigrants", "“undocumented people”", "", (CITE,)),
        ),
    )
    assert finding_lines(check) == [
        "“Illegals” → “undocumented people”. [1] (2 times)",
        "“illegal immigrants” → “undocumented people”. [1]",
    ]

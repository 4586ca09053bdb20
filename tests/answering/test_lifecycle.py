"""Lines to take over time: review dates and expiry, judged on the day a question is asked.

The dates are written relative to today, into a real index, and the answers come from the
real advisor (retrieval, composer), so a line reaches its review date or expires exactly as it
would for a running bot: without a re-ingest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from bot.advisor import NO_GUIDANCE_TEXT
from bot.answer import Passage, Question
from bot.answering.lifecycle import (
    add_months,
    answer_notes,
    document_states,
    is_due,
    review_date,
)
from bot.index.connection import IndexConnection
from tests.conftest import make_settings, write_corpus

TODAY = dt.date.today()
EIGHT_MONTHS_AGO = add_months(TODAY, -8).isoformat()
LAST_MONTH = add_months(TODAY, -1).isoformat()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()
NEXT_YEAR = add_months(TODAY, 12).isoformat()


def corpus() -> dict[str, str]:
    return {
        "lines/hotels.md": f"""---
title: "Lines to take: asylum hotels"
kind: line
date: {EIGHT_MONTHS_AGO}
---
## Our lines

People housed in hotels are our neighbours and deserve safety and dignity while they wait.
Hotels are expensive because the asylum backlog keeps people waiting for years.
""",
        "lines/detention.md": f"""---
title: "Lines to take: immigration detention"
kind: line
date: {EIGHT_MONTHS_AGO}
review_by: {NEXT_YEAR}
---
## Our lines

Immigration detention without a time limit harms people; nobody should be locked up
indefinitely for an administrative process.
""",
        "lines/barge.md": f"""---
title: "Lines to take: the Bibby Stockholm barge"
kind: line
date: {LAST_MONTH}
expires: {YESTERDAY}
---
## Our lines

The Bibby Stockholm barge is no place for people seeking safety; housing people on a barge
in Portland harbour isolates them from support.
""",
        "guidance/accommodation.md": """---
title: Talking about asylum accommodation
kind: guidance
date: 2025-01-10
---
## Barges and camps

When you talk about a barge such as the Bibby Stockholm in Portland, or former military
camps used as accommodation, describe the people living there and what they need, not the
site.
""",
        "lines/rwanda.md": f"""---
title: "Lines to take: the Rwanda plan"
kind: line
date: {LAST_MONTH}
expires: {TODAY.isoformat()}
---
## Our lines

The Rwanda plan sends people seeking asylum in the UK to Rwanda; we oppose offshoring
responsibility for refugees.
""",
    }


@pytest.fixture(scope="module")
def dated(tmp_path_factory, embeddings):
    """A real index of dated lines, and an advisor over it (no queue)."""
    from bot.factory import build_advisor
    from bot.ingest.pipeline import ingest

    base = tmp_path_factory.mktemp("dated")
    knowledge = write_corpus(base / "knowledge", corpus())
    settings = make_settings(base, knowledge)
    assert not ingest(settings, embeddings=embeddings).failed
    return settings, build_advisor(settings, embeddings=embeddings, queue=False)


def test_a_line_without_review_by_is_due_months_after_its_date():
    assert review_date("line", "2025-01-31", "", 6) == "2025-07-31"
    assert review_date("line", "2025-08-31", "", 6) == "2026-02-28"  # no 31 February
    assert review_date("line", "2025-01-31", "2025-03-01", 6) == "2025-03-01"  # written wins
    assert review_date("guidance", "2025-01-31", "", 6) == ""  # only lines have a default
    assert review_date("guidance", "2025-01-31", "2026-01-01", 6) == "2026-01-01"
    assert review_date("line", "", "", 6) == ""


def test_dates_count_from_the_day_itself():
    day = dt.date(2026, 3, 1)
    assert is_due("2026-03-01", day) and is_due("2026-02-28", day)
    assert not is_due("2026-03-02", day) and not is_due("", day)
    assert not is_due("not a date", day)


def test_a_line_past_its_review_date_is_cited_with_a_plain_note(dated):
    _, advisor = dated
    answer = advisor.ask(Question("What are our lines on asylum hotels?"))
    assert answer.escalation is None
    hotels = [c for c in answer.citations if c.source == "lines/hotels.md"]
    assert hotels, answer.citations
    due = add_months(dt.date.fromisoformat(EIGHT_MONTHS_AGO), 6).isoformat()
    assert (
        f"Note: Lines to take: asylum hotels is due for review (review date {due}); check it "
        f"still holds before you use it [{hotels[0].number}]."
    ) in answer.text


def test_a_written_review_date_in_the_future_wins_over_the_default(dated):
    _, advisor = dated
    answer = advisor.ask(Question("What do we say about immigration detention time limits?"))
    assert any(c.source == "lines/detention.md" for c in answer.citations), answer.citations
    assert "due for review" not in answer.text


def test_an_expired_best_match_is_not_cited_and_the_answer_says_so(dated):
    _, advisor = dated
    answer = advisor.ask(Question("What are our lines on the Bibby Stockholm barge in Portland?"))
    assert answer.citations, answer.text
    assert all(c.source != "lines/barge.md" for c in answer.citations)
    assert "Bibby Stockholm barge is no place" not in answer.text
    assert (
        f"Note: Lines to take: the Bibby Stockholm barge expired on {YESTERDAY} and is no "
        "longer used."
    ) in answer.text


def test_a_line_expiring_today_is_gone_and_with_nothing_else_the_member_is_told_why(dated):
    _, advisor = dated
    answer = advisor.ask(Question("Why do we oppose offshoring refugees to Rwanda?"))
    assert answer.citations == ()
    assert answer.escalation is not None and answer.escalation.kind == "no_guidance"
    assert answer.text.startswith(NO_GUIDANCE_TEXT)
    assert f"Lines to take: the Rwanda plan expired on {TODAY.isoformat()}" in answer.text
    assert "offshoring" not in answer.text


def test_document_states_read_dates_and_status_from_the_index(dated):
    settings, _ = dated
    state = document_states(IndexConnection(settings))
    by_source = state.by_source()
    assert set(by_source) == set(corpus())
    hotels = by_source["lines/hotels.md"]
    assert hotels.kind == "line" and hotels.due_on(TODAY) and not hotels.expired_on(TODAY)
    assert by_source["lines/barge.md"].expired_on(TODAY)
    assert by_source["lines/detention.md"].review_by == NEXT_YEAR
    assert by_source["guidance/accommodation.md"].review_by == ""


def test_document_states_without_an_index_are_empty(tmp_path):
    settings = make_settings(tmp_path, tmp_path / "knowledge")
    state = document_states(IndexConnection(settings))
    assert state.stamp is None and state.documents == ()


def test_notes_come_in_a_fixed_order_and_each_document_once():
    def passage(n: int, **extra) -> Passage:
        return Passage(f"c{n}", "text", f"doc{n}.md", f"Doc {n}", "line", "", "2025-01-01", **extra)

    on = dt.date(2026, 1, 1)
    first = passage(1, review_by="2025-07-01", replaces="Old doc (2024-01-01)")
    second = passage(1, review_by="2025-07-01")  # the same document, another chunk
    third = passage(3, expired_match="Gone doc", expired_on="2025-12-01")
    notes = answer_notes([(1, first), (1, second)], [first, second, third], on)
    assert notes == [
        "Note: Old doc (2024-01-01) has been superseded; this uses its replacement [1].",
        "Note: Doc 1 is due for review (review date 2025-07-01); check it still holds before "
        "you use it [1].",
        "Note: Gone doc expired on 2025-12-01 and is no longer used.",
    ]


def test_when_nothing_else_answers_the_expired_best_match_is_still_named(embeddings):
    from bot.answering.compose import ExtractiveComposer

    off_topic = Passage(
        "c1",
        "The office is closed on bank holidays and the kettle is broken.",
        "guidance/office.md",
        "Office notes",
        "guidance",
        "Practicalities",
        "2025-01-01",
        score=0.36,
        expired_match="Lines to take: the barge",
        expired_on="2026-01-01",
    )
    reply = ExtractiveComposer(embeddings).answer(
        Question("What do we say about the Portland barge?"), [off_topic]
    )
    assert reply is not None and reply.citations == ()
    assert (
        reply.text == "Note: Lines to take: the barge expired on 2026-01-01 and is no longer used."
    )


def test_the_superseded_note_is_recognised_for_dated_and_undated_documents():
    from bot.answering.lifecycle import answer_notes, is_superseded_note

    for replaces in ("Lines: crossings (2023-08-14)", "Lines: crossings"):
        current = Passage("c1", "Safe routes.", "new.md", "New", "line", "Our lines", "")
        notes = answer_notes(
            [(1, replace(current, replaces=replaces))], [current], dt.date(2026, 1, 1)
        )
        assert is_superseded_note(notes[0], "Lines: crossings"), notes[0]
        assert not is_superseded_note(notes[0], "Lines: crossings 2")
        assert not is_superseded_note(notes[0], "Lines")

"""The advisor end to end over the tiny corpus: answers, gaps, escalations and the queue."""

from __future__ import annotations

from bot.advisor import NO_GUIDANCE_TEXT
from bot.answer import Origin, Question


def test_a_messaging_question_gets_a_cited_answer_and_no_queue_item(lines_advisor):
    answer = lines_advisor.ask(Question("How do we talk about people crossing the Channel?"))
    assert answer.escalation is None
    assert answer.citations and "[1]" in answer.text
    sources = {c.source for c in answer.citations}
    assert "guidance/channel-crossings.md" in sources
    words = next(c for c in answer.citations if c.source == "guidance/channel-crossings.md")
    assert words.locator in {"Words to use", "Audiences"}
    assert lines_advisor.queue.list() == []


def test_a_superseded_line_is_not_cited_and_the_answer_points_to_its_replacement(lines_advisor):
    answer = lines_advisor.ask(Question("What were our lines on Channel crossings in 2023?"))
    assert all(c.source != "lines/2023-08-crossings.md" for c in answer.citations)
    assert "lines/2025-03-crossings.md" in {c.source for c in answer.citations}
    assert "has been superseded" in answer.text


def test_no_guidance_is_said_plainly_and_shown_to_staff_as_a_gap(lines_advisor):
    answer = lines_advisor.ask(Question("What's the best recipe for banana bread?"))
    assert answer.text == NO_GUIDANCE_TEXT and answer.citations == ()
    assert answer.escalation.kind == "no_guidance" and not answer.escalated
    item = lines_advisor.queue.get(answer.escalation.id)
    assert item.kind == "no_guidance" and not item.for_staff


def test_a_sensitive_question_gets_a_holding_reply_and_no_advice(lines_advisor):
    question = Question(
        "A young man we support said he doesn't want to go on after his asylum refusal",
        Origin(platform="slack", channel="C1", thread="1.1", user="U1", event_id="Ev1"),
    )
    answer = lines_advisor.ask(question)
    assert answer.escalated and answer.citations == ()
    assert answer.escalation.kind == "sensitive" and answer.escalation.category == "safeguarding"
    assert "999" in answer.text and "[1]" not in answer.text
    item = lines_advisor.queue.get(answer.escalation.id)
    assert (item.state, item.category, item.asker, item.event_id) == (
        "open",
        "safeguarding",
        "U1",
        "Ev1",
    )
    # A redelivered event maps to the same item.
    assert lines_advisor.ask(question).escalation.id == item.id
    assert len(lines_advisor.queue.list()) == 1


def test_asking_for_a_person_is_requested_not_sensitive(lines_advisor):
    answer = lines_advisor.ask(Question("Can I talk to a real person please?"))
    assert answer.escalation.kind == "requested" and answer.escalation.category == "human_requested"


def test_the_ask_a_person_button_escalates_with_draft_passages(lines_advisor):
    question = Question(
        "How do we talk about people crossing the Channel?", Origin(platform="discord")
    )
    answer = lines_advisor.request_person(question)
    assert answer.escalation.kind == "requested" and answer.citations == ()
    item = lines_advisor.queue.get(answer.escalation.id)
    assert item.passages and item.passages[0]["source"].endswith(".md")

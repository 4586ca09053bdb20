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


class CountingEmbeddings:
    """The real model, counting every text it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.texts: list[str] = []

    def embed_documents(self, texts):
        self.texts.extend(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        self.texts.append(text)
        return self.inner.embed_query(text)


def test_a_question_is_embedded_once_for_detection_retrieval_and_composition(
    lines_settings, embeddings
):
    from bot.factory import build_advisor

    counting = CountingEmbeddings(embeddings)
    advisor = build_advisor(lines_settings, embeddings=counting)
    advisor.ask(Question("How do we talk about people crossing the Channel?"))  # loads the view
    counting.texts.clear()
    answer = advisor.ask(Question("Which words should we use for people who cross the sea?"))
    assert answer.citations
    assert counting.texts == ["Which words should we use for people who cross the sea?"]


class BrokenRetriever:
    def retrieve(self, question):
        from bot.answering.retrieval import IndexNotReady

        raise IndexNotReady("No index at /nowhere: run `python ingest.py` first.")


def test_a_sensitive_question_is_escalated_even_when_the_index_is_missing(lines_advisor):
    lines_advisor.retriever = BrokenRetriever()
    answer = lines_advisor.ask(
        Question("A woman we support told me she wants to end it all tonight")
    )
    assert answer.escalated and answer.escalation.category == "safeguarding"
    item = lines_advisor.queue.get(answer.escalation.id)
    assert item.state == "open" and item.passages == []


def test_an_ordinary_question_is_kept_and_answered_honestly_when_search_fails(lines_advisor):
    from bot.advisor import UNAVAILABLE_TEXT

    lines_advisor.retriever = BrokenRetriever()
    answer = lines_advisor.ask(Question("How do we talk about people crossing the Channel?"))
    assert answer.text == UNAVAILABLE_TEXT and not answer.citations
    item = lines_advisor.queue.get(answer.escalation.id)
    assert "could not be searched" in item.reason and "No index" in item.reason
    assert item.question == "How do we talk about people crossing the Channel?"


def test_a_failing_escalation_check_hands_the_question_to_a_person(lines_advisor):
    class BrokenDetector:
        def detect(self, question):
            raise RuntimeError("model file unreadable")

    lines_advisor.detector = BrokenDetector()
    answer = lines_advisor.ask(Question("How do we talk about people crossing the Channel?"))
    assert answer.escalated and answer.citations == ()
    assert lines_advisor.queue.get(answer.escalation.id).for_staff


def test_an_over_long_message_gets_a_polite_reply_but_is_still_checked(lines_advisor):
    long_ordinary = "How do we talk about the Channel? " * 200
    answer = lines_advisor.ask(Question(long_ordinary))
    assert "longer than I can read" in answer.text and "4,000" in answer.text
    assert answer.escalation is None and lines_advisor.queue.list() == []

    disclosure = "Some background on our project. " * 150 + "Our client says he wants to die."
    answer = lines_advisor.ask(Question(disclosure))
    assert answer.escalated and answer.escalation.category == "safeguarding"


def test_with_no_index_at_all_questions_are_kept_and_members_told_the_truth(tmp_path, embeddings):
    from bot.advisor import UNAVAILABLE_TEXT
    from bot.factory import build_advisor
    from tests.conftest import make_settings

    advisor = build_advisor(make_settings(tmp_path, tmp_path / "empty"), embeddings=embeddings)
    sensitive = advisor.ask(Question("My client says she will kill herself if she is removed"))
    assert sensitive.escalated and sensitive.escalation.category == "safeguarding"
    ordinary = advisor.ask(Question("How do we talk about people crossing the Channel?"))
    assert ordinary.text == UNAVAILABLE_TEXT
    assert "lines ingest" in advisor.queue.get(ordinary.escalation.id).reason


def test_a_megabyte_message_is_read_only_at_its_start_and_end(lines_advisor):
    ordinary = "We run English classes for people who have just arrived. " * 18_000
    answer = lines_advisor.ask(Question(ordinary + "Our client says he wants to die."))
    assert answer.escalated and answer.escalation.category == "safeguarding"
    stored = lines_advisor.queue.get(answer.escalation.id).question
    assert len(stored) < 10_000  # the queue keeps a capped copy, not a megabyte
    assert "longer than I can read" in lines_advisor.ask(Question(ordinary)).text

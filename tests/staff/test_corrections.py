"""Corrections, platform-neutral: what is due after an ingest, once per thread, privately.

A real index and a real queue; the port is a small recorder of the desk's ``StaffPort``
(the Slack and Discord ports are exercised against their loopback peers in tests/surfaces/slack and
tests/surfaces/discord).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.answer import Origin, Question
from bot.answering.lifecycle import add_months, document_states, today
from bot.factory import build_advisor
from bot.staff.corrections import (
    MAX_ATTEMPTS,
    CorrectionDesk,
    changes_for,
    find_due,
    recipient,
    thread_key,
)
from bot.staff.desk import DeliveryError
from bot.storage.store import EscalationStore
from tests.staff import corrections_corpus as corpus


class RecordingPort:
    """The note half of a ``StaffPort``: keeps each note; fails while ``failures`` > 0."""

    platform = "slack"

    def __init__(self) -> None:
        self.notes: list[tuple[Origin, str]] = []
        self.failures = 0

    def note(self, recipient: Origin, text: str) -> None:
        if self.failures:
            self.failures -= 1
            raise DeliveryError("channel_not_found")
        self.notes.append((recipient, text))


THREAD = Origin(platform="slack", workspace="T1", channel="CPUBLIC", thread="1.1", user="U1")
OTHER_THREAD = dataclasses.replace(THREAD, thread="2.2")
PRIVATE = Origin(
    platform="slack", channel="CPUBLIC", user="U2", reply_in="dm", private=True, workspace="T1"
)


@pytest.fixture
def world(tmp_path, embeddings):
    """The corpus ingested, its queue, and an advisor with the queue (as a running bot has)."""
    settings = corpus.write(tmp_path)
    corpus.ingest(settings, embeddings)
    advisor = build_advisor(settings, embeddings=embeddings)
    return settings, advisor.queue, advisor


def answered(store: EscalationStore, advisor, question: str, origin: Origin) -> int:
    """Ask as a surface would and record the posted answer; returns the record's id."""
    answer = advisor.ask(Question(question, origin))
    assert answer.citations, answer.text
    return store.record_answer(origin, question, answer.citations, posted=f"{origin.channel}:9")


def test_a_superseding_ingest_makes_one_note_per_thread_with_a_fresh_answer(world, embeddings):
    settings, store, advisor = world
    answered(store, advisor, corpus.HOTELS_QUESTION, THREAD)
    answered(store, advisor, "Any lines on hotels for people seeking asylum?", THREAD)
    answered(store, advisor, corpus.HOTELS_QUESTION, OTHER_THREAD)
    answered(store, advisor, corpus.BARGE_QUESTION, dataclasses.replace(THREAD, thread="3.3"))
    desk = CorrectionDesk(settings, store, advisor, "slack")
    port = RecordingPort()
    retry = lambda attempts: dt.datetime.now(dt.UTC)  # noqa: E731
    assert desk.sweep(port, "desk-a", retry) == 0  # nothing changed yet

    corpus.supersede(settings)
    corpus.ingest(settings, embeddings)
    assert desk.sweep(port, "desk-a", retry) == 2
    threads = sorted(r.thread for r, _ in port.notes)
    assert threads == ["1.1", "2.2"]  # two answers in thread 1.1, one note there
    recipient_, text = port.notes[0]
    assert recipient_.reply_in == "thread" and recipient_.channel == "CPUBLIC"
    assert text.startswith(
        f"An earlier answer here cited “{corpus.OLD_HOTELS}”, which has been replaced by "
        f"“{corpus.NEW_HOTELS}”."
    )
    assert "Updated answer to “" in text and "Asylum hotels are closing" in text
    assert "has been superseded" not in text  # the note's first line already says so
    assert f"[1] {corpus.NEW_HOTELS} — Our lines (line, 2026-11-20)" in text
    # Sweeping again, or after another unrelated change, tells nobody twice.
    assert desk.sweep(port, "desk-a", retry) == 0
    corpus.withdraw(settings)
    corpus.ingest(settings, embeddings)
    assert desk.sweep(port, "desk-a", retry) == 1
    assert [r.thread for r, _ in port.notes].count("1.1") == 1
    barge = port.notes[-1][1]
    assert barge.startswith(f"An earlier answer here cited “{corpus.BARGE}”, which is no longer")
    assert "Our guidance no longer answers" in barge  # the fresh answer found nothing
    assert any(i.kind == "no_guidance" for i in store.list())  # and staff see the gap


def test_the_fresh_answer_is_recorded_so_a_later_change_corrects_it_too(world, embeddings):
    settings, store, advisor = world
    answered(store, advisor, corpus.HOTELS_QUESTION, THREAD)
    desk = CorrectionDesk(settings, store, advisor, "slack")
    port = RecordingPort()
    corpus.supersede(settings)
    corpus.ingest(settings, embeddings)
    desk.sweep(port, "desk-a", lambda n: dt.datetime.now(dt.UTC))
    latest = store.answers_since(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))[-1]
    assert latest.thread == "1.1"
    assert [c["source"] for c in latest.citations] == ["lines/2026-hotels.md"]


def test_a_private_answer_is_corrected_by_direct_message_only(world, embeddings):
    settings, store, advisor = world
    answered(store, advisor, corpus.HOTELS_QUESTION, PRIVATE)
    desk = CorrectionDesk(settings, store, advisor, "slack")
    port = RecordingPort()
    corpus.supersede(settings)
    corpus.ingest(settings, embeddings)
    assert desk.sweep(port, "desk-a", lambda n: dt.datetime.now(dt.UTC)) == 1
    ((where, text),) = port.notes
    assert where == Origin(platform="slack", user="U2", reply_in="dm", private=True)
    assert text.startswith("An earlier answer I gave you privately cited")


def test_a_line_that_expires_is_corrected_on_the_day_without_an_ingest(world, embeddings):
    settings, store, advisor = world
    knowledge = settings.knowledge_dirs[0]
    barge = knowledge / "lines/2025-barge.md"
    tomorrow = today() + dt.timedelta(days=1)
    barge.write_text(
        barge.read_text().replace("review_by:", f"expires: {tomorrow.isoformat()}\nreview_by:")
    )
    corpus.ingest(settings, embeddings)
    answered(store, advisor, corpus.BARGE_QUESTION, THREAD)
    clock = [today()]
    desk = CorrectionDesk(settings, store, advisor, "slack", clock=lambda: clock[0])
    port = RecordingPort()
    assert desk.sweep(port, "desk-a", lambda n: dt.datetime.now(dt.UTC)) == 0
    clock[0] = tomorrow  # the day comes; nobody re-ingests
    assert desk.sweep(port, "desk-a", lambda n: dt.datetime.now(dt.UTC)) == 1
    assert port.notes[0][1].startswith(
        f"An earlier answer here cited “{corpus.BARGE}”, which expired on {tomorrow.isoformat()} and "
        "is no longer used."
    )


def test_a_failed_note_is_retried_and_a_thread_that_stays_gone_is_given_up(world, embeddings):
    settings, store, advisor = world
    answered(store, advisor, corpus.HOTELS_QUESTION, THREAD)
    desk = CorrectionDesk(settings, store, advisor, "slack")
    port = RecordingPort()
    port.failures = 1
    corpus.supersede(settings)
    corpus.ingest(settings, embeddings)
    now = lambda attempts: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)  # noqa: E731
    assert desk.sweep(port, "desk-a", now) == 0
    (row,) = store.list_corrections()
    assert row.attempts == 1 and row.error == "channel_not_found" and row.posted_at is None
    assert desk.sweep(port, "desk-a", now) == 1
    assert store.list_corrections()[0].posted_at is not None

    answered(store, advisor, corpus.BARGE_QUESTION, OTHER_THREAD)
    port.failures = MAX_ATTEMPTS + 5
    corpus.withdraw(settings)
    corpus.ingest(settings, embeddings)
    for _ in range(MAX_ATTEMPTS + 2):
        desk.sweep(port, "desk-a", now)
    gone = next(r for r in store.list_corrections() if r.thread_key.endswith("2.2"))
    assert gone.attempts == MAX_ATTEMPTS and gone.posted_at is None
    assert port.failures == 5  # no attempt after the last one


def test_two_desks_write_and_post_each_correction_once(world, embeddings):
    settings, store, advisor = world
    answered(store, advisor, corpus.HOTELS_QUESTION, THREAD)
    other_store = EscalationStore.from_settings(settings)
    desks = [
        CorrectionDesk(settings, store, advisor, "slack"),
        CorrectionDesk(settings, other_store, advisor, "slack"),
    ]
    port = RecordingPort()
    corpus.supersede(settings)
    corpus.ingest(settings, embeddings)
    for desk in desks:
        desk.plan()
    assert len(store.list_corrections()) == 1
    rows = store.due_corrections("slack", MAX_ATTEMPTS)
    assert store.take_correction_lease([r.id for r in rows], "desk-b", 60)
    assert desks[0].sweep(port, "desk-a", lambda n: dt.datetime.now(dt.UTC)) == 0  # b holds it
    store.release_corrections([r.id for r in rows], "desk-b")
    posted = [
        d.sweep(port, owner, lambda n: dt.datetime.now(dt.UTC))
        for d, owner in zip(desks, ("desk-a", "desk-b"), strict=True)
    ]
    assert sorted(posted) == [0, 1] and len(port.notes) == 1


def test_nothing_is_due_while_the_index_is_empty_or_missing(world, embeddings):
    _, store, advisor = world
    answered(store, advisor, corpus.HOTELS_QUESTION, THREAD)
    records = store.answers_since(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    state = document_states(advisor.index)
    assert find_due(records, state, today()) == []
    assert find_due(records, dataclasses.replace(state, documents=()), today()) == []
    assert find_due(records, dataclasses.replace(state, stamp=None), today()) == []
    far = add_months(today(), 1200)
    assert find_due(records, state, far) == []  # no expiry written, none assumed


def test_thread_keys_and_recipients_keep_private_answers_private(world):
    _, store, advisor = world
    public = store.get_answer(answered(store, advisor, corpus.HOTELS_QUESTION, THREAD))
    private = store.get_answer(answered(store, advisor, corpus.HOTELS_QUESTION, PRIVATE))
    assert thread_key(public) == "slack:CPUBLIC:1.1"
    assert thread_key(private) == "slack:dm:U2"
    assert recipient(private).reply_in == "dm" and recipient(private).channel is None


def test_answer_records_are_capped_and_purged_with_feedback(world):
    _, store, _ = world
    long_question = "How do we talk about hotels? " * 300
    record_id = store.record_answer(THREAD, long_question, [])
    record = store.get_answer(record_id)
    assert len(record.question) == 4000 and record.question_chars == len(long_question)
    assert store.purge(dt.timedelta(seconds=-1), dry_run=True).answers == 1
    assert store.get_answer(record_id) is not None
    assert store.purge(dt.timedelta(seconds=-1)).answers == 1
    assert store.get_answer(record_id) is None


def test_an_unreadable_index_is_logged_once_and_never_stops_the_desk(world, embeddings, caplog):
    import logging

    from bot.staff.desk import StaffDesk

    settings, store, advisor = world
    answered(store, advisor, corpus.HOTELS_QUESTION, THREAD)
    broken = [True]

    def states(s):
        if broken[0]:
            raise ConnectionError("Chroma server unreachable")
        return document_states(s)

    corrections = CorrectionDesk(settings, store, advisor, "slack", states=states)
    port = RecordingPort()
    desk = StaffDesk(store, port, corrections=corrections)
    corpus.supersede(settings)
    corpus.ingest(settings, embeddings)
    with caplog.at_level(logging.INFO, logger="bot.staff.desk"):
        for _ in range(3):
            desk.sweep()  # the staff loop goes on
        failures = [r for r in caplog.records if "corrections wait" in r.getMessage()]
        assert len(failures) == 1 and "ConnectionError" in failures[0].getMessage()
        assert port.notes == []
        broken[0] = False
        desk.sweep()
    assert len(port.notes) == 1
    assert any("corrections resumed" in r.getMessage() for r in caplog.records)


def test_a_note_names_the_current_end_of_a_chain_of_replacements(world):
    """D cited, then D replaced by E and E by F: the note names F, the line members use now."""
    from bot.answering.lifecycle import DocumentState

    _, store, advisor = world
    record = store.get_answer(answered(store, advisor, corpus.HOTELS_QUESTION, THREAD))
    record = dataclasses.replace(record, citations=[{"source": "lines/d.md", "title": "D"}])
    documents = {
        "lines/d.md": DocumentState("k", "lines/d.md", "D", "line", "", "superseded", "lines/e.md"),
        "lines/e.md": DocumentState("k", "lines/e.md", "E", "line", "", "superseded", "lines/f.md"),
        "lines/f.md": DocumentState("k", "lines/f.md", "F", "line", ""),
    }
    (change,) = changes_for(record, documents, today())
    assert change.kind == "superseded" and change.replacement == "F"
    looped = {
        **documents,
        "lines/f.md": dataclasses.replace(
            documents["lines/f.md"], status="superseded", superseded_by="lines/e.md"
        ),
    }
    (change,) = changes_for(record, looped, today())
    assert change.kind == "superseded" and change.replacement == ""

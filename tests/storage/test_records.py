"""What the bots record beside the queue, on a real SQLite file: answer records, feedback,
handled events, heartbeats, and retention that leaves no trace of what it purged."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from bot.answer import Citation, Origin, Question
from bot.storage.database import sqlite_url
from bot.storage.queue import Queue
from bot.storage.records import Records
from tests.conftest import helpful_clicks, open_database
from tests.storage.items import open_one

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
CITATION = Citation(1, "guidance/g.md", "Guide", "Words", "Say people.", chunk_id="c1")


def test_feedback_is_stored(records):
    records.record_feedback(
        platform="slack", user="U1", question="q", answer_ref="C1:1", helpful=True
    )
    records.record_feedback(
        platform="slack", user="U2", question="q", answer_ref="C1:1", helpful=False
    )
    assert helpful_clicks(records) == [True, False]
    [first, _] = records.feedback_since(EPOCH)
    assert (first["platform"], first["user"], first["answer_ref"]) == ("slack", "U1", "C1:1")
    assert records.feedback_since(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)) == []


def test_an_answer_record_gives_back_where_it_was_asked(records):
    origin = Origin(
        platform="slack",
        workspace="T1",
        channel="C1",
        thread="1.1",
        user="U1",
        reply_in="dm",
        private=True,
        message="1.2",
    )
    record_id = records.record_answer(origin, "Which words do we avoid?", [CITATION], "C1:1.3")
    record = records.get_answer(record_id)
    assert record.origin == origin  # an answer record keeps no event id or link
    assert (record.posted, record.question, record.citations) == (
        "C1:1.3",
        "Which words do we avoid?",
        [{"chunk_id": "c1", "source": "guidance/g.md", "title": "Guide"}],
    )
    assert records.latest_answer_id() == record_id
    assert [r.id for r in records.answers_since(EPOCH, "slack")] == [record_id]
    assert records.answers_since(EPOCH, "discord") == []


def test_replicas_share_one_record_of_handled_events(url):
    first, second = Records(open_database(url)), Records(open_database(url))
    day = dt.timedelta(days=1)
    assert first.first_time(["Ev1", "message:C1:1.1"], day)
    # The same message arriving at the other replica under another event id: not new.
    assert not second.first_time(["Ev2", "message:C1:1.1"], day)
    assert not first.first_time(["Ev1"], day)
    assert second.first_time(["Ev3"], day)
    # A key whose time-to-live has passed can be used again.
    assert first.first_time(["old"], dt.timedelta(seconds=-1))
    assert second.first_time(["old"], day)
    assert first.purge_events() == 0  # nothing else expired
    assert first.first_time(["x" * 1000], day) and not second.first_time(["x" * 1000], day)


def test_heartbeats_say_when_each_platform_last_looked(records):
    assert records.last_seen() == {}
    before = dt.datetime.now(dt.UTC)
    records.heartbeat("slack:a", "slack")
    records.heartbeat("slack:a", "slack")  # the same desk again: one row, a later time
    seen = records.last_seen()
    assert list(seen) == ["slack"] and seen["slack"] >= before and seen["slack"].tzinfo


def test_purge_removes_old_resolved_items_and_feedback_but_never_an_undelivered_answer(
    queue, records
):
    delivered, undelivered, still_open = open_one(queue), open_one(queue), open_one(queue)
    for item_id in (delivered, undelivered):
        queue.answer(item_id, "Here is what to do.", "sam")
        queue.resolve(item_id, "sam")
    queue.mark_relayed(delivered)
    records.record_feedback(
        platform="slack", user="U1", question="q", answer_ref=None, helpful=True
    )
    nothing = records.purge(dt.timedelta(days=30))  # nothing that old yet
    assert (nothing.items, nothing.feedback) == (0, 0)
    preview = records.purge(dt.timedelta(seconds=-1), dry_run=True)
    assert (preview.items, preview.feedback) == (1, 1)
    assert len(queue.list()) == 3
    report = records.purge(dt.timedelta(seconds=-1))
    assert (report.items, report.feedback) == (1, 1)
    assert sorted(i.id for i in queue.list()) == [undelivered, still_open]
    assert helpful_clicks(records) == []


SECRET = "Zephyrine Quillfeather-Okonkwo, Home Office ref Q7654321"


def _secure_delete_off(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA secure_delete=OFF")


def test_a_purged_question_leaves_no_trace_in_the_database_files(tmp_path):
    database = open_database(sqlite_url(tmp_path / "lines.db"))
    # This machine's SQLite may overwrite deleted rows by default; many builds do not. A hook
    # that runs before Lines' own turns it off, so only Lines' setting can turn it back on.
    database.engine.dispose()
    sa.event.listen(database.engine, "connect", _secure_delete_off, insert=True)
    queue, records = Queue(database), Records(database)
    origin = Origin(platform="slack", channel="C1", thread="1.1", user="U1")
    for n in range(20):  # other rows share the pages, so the pages themselves stay
        open_one(queue, f"Ev{n}")
    item_id = queue.open_item(
        question=Question(f"My client {SECRET} was refused: can she appeal?", origin),
        kind="sensitive",
        category="individual_case",
        reason="pattern",
        passages=[],
    )
    records.record_answer(origin, f"What do we say about {SECRET}?", [CITATION])
    records.record_feedback(
        platform="slack", user="U1", question=SECRET, answer_ref=None, helpful=False
    )
    queue.answer(item_id, "We will call you.", "sam")
    queue.mark_relayed(item_id)
    queue.resolve(item_id, "sam")

    def on_disk() -> bytes:
        return b"".join(p.read_bytes() for p in sorted(tmp_path.glob("lines.db*")))

    assert SECRET.encode() in on_disk()  # what the check below looks for is really there
    report = records.purge(dt.timedelta(seconds=-1))
    assert (report.items, report.answers, report.feedback) == (1, 1, 1)
    assert len(queue.list()) == 20  # the rest are kept
    left = SECRET.encode() in on_disk()  # read while the bot still has the file open
    assert not left, "the purged question is still in the database files"
    with database.reading() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1

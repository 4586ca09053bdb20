"""A queue that cannot be written loses no question, and no log or error carries one."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sqlite3
import stat
import time

import pytest
import sqlalchemy as sa

from bot.answer import Origin, Question
from bot.storage.database import QueueUnavailable, sqlite_url
from bot.storage.fallback import SpoolFile
from bot.storage.queue import Queue
from bot.storage.schema import escalations
from tests.conftest import open_database
from tests.storage.spool_writer import append_rows

PRIVATE = (
    "My client Amina Yusuf (amina.yusuf@example.org, 07700 900123, Home Office ref "
    "Y1234567) had her asylum claim refused: can she appeal?"
)
SECRETS = ("Amina", "amina.yusuf@example.org", "07700 900123", "Y1234567", "asylum claim")


def ask(queue: Queue, event_id: str | None = "Ev-private") -> int | None:
    return queue.open_item(
        question=Question(
            PRIVATE, Origin(platform="slack", channel="C1", user="U1", event_id=event_id)
        ),
        kind="sensitive",
        category="individual_case",
        reason="pattern",
        passages=[],
    )


def assert_nothing_leaked(caplog, *errors: BaseException) -> None:
    texts = [r.getMessage() for r in caplog.records] + [r.exc_text or "" for r in caplog.records]
    texts += [str(e) for e in errors]
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked into: {text[:200]}"


@contextlib.contextmanager
def locked(path):
    """Another process's write transaction holding the queue (as a stuck writer would)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_locked_queue_spools_the_question_privately_then_replays_it(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "lines.db"
    spool = SpoolFile(tmp_path / "lines-fallback.jsonl")
    queue = Queue(open_database(sqlite_url(db), busy_timeout=0.1), spool=spool)
    with locked(db):
        assert ask(queue) is None  # not lost: spooled
        with pytest.raises(QueueUnavailable) as refused:
            queue.replay_spool()  # still locked: it stays in the spool
        assert queue.spooled() == 1
    assert stat.S_IMODE(os.stat(spool.path).st_mode) == 0o600
    assert "Amina" in spool.path.read_text(encoding="utf-8")  # kept whole, on this machine only
    assert any("fallback" in r.getMessage() and r.levelno >= logging.ERROR for r in caplog.records)
    assert_nothing_leaked(caplog, refused.value)

    assert queue.replay_spool() == 1
    assert not spool.path.exists() and queue.spooled() == 0
    [item] = queue.list()
    assert item.question == PRIVATE and item.event_id == "Ev-private" and item.state == "open"
    assert queue.replay_spool() == 0
    assert ask(queue) == item.id  # the same event later maps to the replayed item


def test_a_read_only_queue_spools_and_a_writable_process_replays(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "lines.db"
    open_database(sqlite_url(db))  # created and migrated, then mounted read-only
    spool_path = tmp_path / "lines-fallback.jsonl"
    read_only = Queue(
        open_database(f"sqlite:///file:{db}?mode=ro&uri=true", busy_timeout=0.1),
        spool=SpoolFile(spool_path),
    )
    assert ask(read_only, event_id=None) is None
    assert ask(read_only, event_id=None) is None  # two questions, no event ids
    assert read_only.list() == []
    assert_nothing_leaked(caplog)

    writable = Queue(open_database(sqlite_url(db)), spool=SpoolFile(spool_path))
    assert writable.replay_spool() == 2
    items = writable.list()
    assert len(items) == 2 and all(i.question == PRIVATE for i in items)
    assert all(i.event_id.startswith("spool:") for i in items)  # so a second replay is a no-op


def test_a_replay_interrupted_part_way_keeps_the_rest(tmp_path):
    spool = SpoolFile(tmp_path / "spool.jsonl")
    for n in range(3):
        spool.append({"n": n})
    with spool.path.open("a", encoding="utf-8") as handle:
        handle.write('{"torn": \n')  # a write cut short by a crash
    seen = []
    still_locked = [True]

    def insert(row):
        if row["n"] == 1 and still_locked[0]:
            still_locked[0] = False
            raise QueueUnavailable("still locked", "database is locked")
        seen.append(row["n"])

    with pytest.raises(QueueUnavailable):
        spool.replay(insert)
    assert seen == [0] and spool.waiting() == 3  # 1, 2 and the torn line remain
    assert spool.replay(insert) == 2 and seen == [0, 1, 2]
    assert spool.waiting() == 0
    bad = tmp_path / "spool.jsonl.bad"
    assert bad.read_text(encoding="utf-8").startswith('{"torn"')
    assert stat.S_IMODE(os.stat(bad).st_mode) == 0o600


def test_staff_actions_on_a_locked_queue_are_refused_without_question_text(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "lines.db"
    queue = Queue(open_database(sqlite_url(db), busy_timeout=0.1))
    item_id = ask(queue)
    with locked(db), pytest.raises(QueueUnavailable, match="database is locked") as refused:
        queue.answer(item_id, f"Tell {PRIVATE}", "sam")
    assert "nothing changed" in str(refused.value)
    assert_nothing_leaked(caplog, refused.value)


def test_driver_errors_never_carry_bound_parameters(tmp_path):
    database = open_database(sqlite_url(tmp_path / "lines.db"))
    with pytest.raises(sa.exc.IntegrityError) as failed, database.engine.begin() as connection:
        connection.execute(
            escalations.insert().values(platform="slack", question=PRIVATE, kind=None)
        )
    assert "parameters hidden" in str(failed.value)
    for secret in SECRETS:
        assert secret not in str(failed.value)


def test_processes_appending_while_another_replays_lose_and_repeat_nothing(tmp_path):
    path = tmp_path / "lines-fallback.jsonl"
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(4)
    writers = [context.Process(target=append_rows, args=(path, w, barrier)) for w in range(3)]
    for writer in writers:
        writer.start()
    spool, replayed = SpoolFile(path), []
    barrier.wait()
    while any(w.is_alive() for w in writers):
        spool.replay(lambda row: replayed.append((row["writer"], row["n"])))
        time.sleep(0.005)
    for writer in writers:
        writer.join(timeout=30)
    assert [w.exitcode for w in writers] == [0, 0, 0]
    spool.replay(lambda row: replayed.append((row["writer"], row["n"])))
    assert sorted(replayed) == [(w, n) for w in range(3) for n in range(60)]
    assert spool.waiting() == 0

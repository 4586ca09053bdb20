"""The queue on a real SQLite file: every transition, refusals that change nothing, two processes."""

from __future__ import annotations

import multiprocessing

import pytest

from bot.answer import Origin, Passage, Question
from bot.storage.store import (
    EscalationError,
    EscalationStore,
    InvalidTransition,
    ItemNotFound,
)

PASSAGE = Passage(
    "c1", "Say people, not numbers.", "guidance/g.md", "Guide", "guidance", "Words", "2025-01-01"
)


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'queue.db'}"


@pytest.fixture
def store(url):
    return EscalationStore(url)


def open_one(store, event_id=None, kind="sensitive"):
    question = Question(
        "A journalist is on the phone now",
        Origin(
            platform="slack",
            workspace="T1",
            channel="C1",
            thread="1.2",
            user="U1",
            event_id=event_id,
        ),
    )
    return store.open_item(
        question=question, kind=kind, category="live_crisis", reason="pattern", passages=[PASSAGE]
    )


def test_an_opened_item_keeps_everything_staff_need(store):
    item = store.get(open_one(store))
    assert (item.platform, item.workspace, item.channel, item.thread, item.asker) == (
        "slack",
        "T1",
        "C1",
        "1.2",
        "U1",
    )
    assert item.state == "open" and item.category == "live_crisis" and item.reason == "pattern"
    assert item.passages == [
        {
            "source": "guidance/g.md",
            "title": "Guide",
            "locator": "Words",
            "text": "Say people, not numbers.",
        }
    ]
    assert item.created_at.tzinfo is not None


def test_claim_answer_resolve(store):
    item_id = open_one(store)
    assert store.claim(item_id, "sam").assignee == "sam"
    assert store.claim(item_id, "sam").state == "claimed"  # re-claim by the same person: no-op
    answered = store.answer(item_id, "  We'll call you in five minutes.  ", "sam")
    assert (answered.state, answered.staff_answer) == (
        "answered",
        "We'll call you in five minutes.",
    )
    assert store.resolve(item_id, "sam").state == "resolved"


def test_answer_without_claim_and_resolve_without_answer(store):
    first, second = open_one(store), open_one(store)
    assert store.answer(first, "Done", "alex").assignee == "alex"
    assert store.resolve(second, "alex").state == "resolved"


@pytest.mark.parametrize(
    ("setup", "action", "message"),
    [
        (["resolve"], lambda s, i: s.resolve(i, "sam"), "already resolved"),
        (["resolve"], lambda s, i: s.claim(i, "sam"), "already resolved"),
        (["resolve"], lambda s, i: s.answer(i, "late", "sam"), "already resolved"),
        (["claim"], lambda s, i: s.claim(i, "alex"), "already claimed by sam"),
        (["claim"], lambda s, i: s.answer(i, "mine", "alex"), "claimed by sam"),
        ([], lambda s, i: s.answer(i, "   ", "sam"), "needs some text"),
        (["answer"], lambda s, i: s.claim(i, "sam"), "already answered"),
    ],
)
def test_invalid_transitions_change_nothing(store, setup, action, message):
    item_id = open_one(store)
    for step in setup:
        {
            "resolve": lambda: store.resolve(item_id, "sam"),
            "claim": lambda: store.claim(item_id, "sam"),
            "answer": lambda: store.answer(item_id, "ok", "sam"),
        }[step]()
    before = store.get(item_id)
    with pytest.raises(InvalidTransition, match=message):
        action(store, item_id)
    assert store.get(item_id) == before


def test_missing_items_are_refused(store):
    for action in (
        store.get,
        lambda i: store.claim(i, "x"),
        lambda i: store.resolve(i, "x"),
        lambda i: store.mark_relayed(i),
    ):
        with pytest.raises(ItemNotFound, match="no item 99"):
            action(99)


def test_the_same_event_opens_one_item(store):
    assert open_one(store, "Ev1") == open_one(store, "Ev1")
    assert open_one(store, "Ev2") != open_one(store, "Ev1")
    assert len(store.list()) == 2


def test_notification_bookkeeping_and_pending(store):
    staff = open_one(store)
    gap = open_one(store, kind="no_guidance")  # posted too, as a low-priority gap
    assert [i.id for i in store.pending_notifications("slack")] == [staff, gap]
    failed = store.mark_notify_failed(staff, "channel_not_found")
    assert (failed.notify_attempts, failed.notify_error) == (1, "channel_not_found")
    assert store.mark_notify_failed(staff, "again").notify_attempts == 2
    assert [i.id for i in store.pending_notifications("slack")] == [staff, gap]
    notified = store.mark_notified(staff, "C9:1.5")
    assert notified.staff_ref == "C9:1.5" and notified.notify_error is None
    store.mark_notified(gap, "C9:1.6")
    assert (
        store.pending_notifications("slack") == [] and store.pending_notifications("discord") == []
    )
    assert store.mark_relayed(staff).relayed_at is not None
    assert not store.get(gap).for_staff


def test_list_filters_by_state_and_rejects_unknown_states(store):
    a, b = open_one(store), open_one(store)
    store.claim(b, "sam")
    assert [i.id for i in store.list("open")] == [a]
    assert [i.id for i in store.list()] == [b, a]
    with pytest.raises(EscalationError, match="Unknown state"):
        store.list("pending")


def test_feedback_is_stored(store):
    store.record_feedback(
        platform="slack", user="U1", question="q", answer_ref="C1:1", helpful=True
    )
    store.record_feedback(
        platform="slack", user="U2", question="q", answer_ref="C1:1", helpful=False
    )
    assert store.feedback_counts() == {True: 1, False: 1}


def _create(url: str, barrier, results) -> None:
    store = EscalationStore(url)
    barrier.wait()
    results.put(open_one(store, "shared-event"))


def test_two_processes_creating_the_same_event_make_one_item(url):
    EscalationStore(url)  # migrate once, as the app does on start
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_create, args=(url, barrier, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    ids = {results.get(timeout=60), results.get(timeout=60)}
    for worker in workers:
        worker.join(timeout=30)
    assert len(ids) == 1
    assert len(EscalationStore(url).list()) == 1


def test_a_bad_database_url_is_a_clear_error():
    from bot.storage.store import StoreUnavailable

    with pytest.raises(StoreUnavailable, match="DATABASE_URL"):
        EscalationStore("nonsense://")


def _claim(url: str, item_id: int, name: str, barrier, results) -> None:
    store = EscalationStore(url)
    barrier.wait()
    try:
        results.put((name, store.claim(item_id, name).assignee))
    except InvalidTransition as exc:
        results.put((name, str(exc)))


def test_two_staff_claiming_at_once_from_two_processes_one_wins(url):
    item_id = open_one(EscalationStore(url))
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [
        context.Process(target=_claim, args=(url, item_id, name, barrier, results))
        for name in ("sam", "alex")
    ]
    for worker in workers:
        worker.start()
    outcomes = dict(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
    winner = EscalationStore(url).get(item_id).assignee
    loser = "alex" if winner == "sam" else "sam"
    assert outcomes[winner] == winner
    assert outcomes[loser] == f"Item {item_id} is already claimed by {winner}; nothing changed."


def test_resolving_keeps_the_assignee_or_records_who_closed_it(store):
    claimed, untouched = open_one(store), open_one(store)
    store.claim(claimed, "sam")
    assert store.resolve(claimed, "alex").assignee == "sam"
    assert store.resolve(untouched, "alex").assignee == "alex"


def test_the_claimer_may_answer_and_the_message_names_them(store):
    item_id = open_one(store)
    store.claim(item_id, "sam")
    with pytest.raises(InvalidTransition, match=f"Item {item_id} is claimed by sam; only they"):
        store.answer(item_id, "mine", "alex")
    assert store.answer(item_id, "ours", "sam").staff_answer == "ours"


def test_the_migrations_ship_inside_the_package():
    import importlib.resources

    import bot.storage.migrations.versions  # a package, so an installed copy carries it

    files = importlib.resources.files("bot.storage.migrations")
    assert files.joinpath("env.py").is_file() and files.joinpath("script.py.mako").is_file()
    assert files.joinpath("versions", "0001_queue.py").is_file()
    assert bot.storage.migrations.versions.__file__


def test_the_migrated_schema_matches_the_model(store):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from bot.storage.store import metadata

    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == [], "add an Alembic revision for the model change"


# -- the staff loop's needs ---------------------------------------------------------------


SETUP = {
    "open": lambda s, i: None,
    "claimed": lambda s, i: s.claim(i, "sam"),
    "answered": lambda s, i: s.answer(i, "ok", "sam"),
    "resolved": lambda s, i: s.resolve(i, "sam"),
}
ACT = {
    "claim": lambda s, i: s.claim(i, "alex"),
    "answer": lambda s, i: s.answer(i, "yes", "sam"),
    "resolve": lambda s, i: s.resolve(i, "sam"),
}


@pytest.mark.parametrize("state", ["open", "claimed", "answered", "resolved"])
def test_the_store_allows_exactly_what_the_state_table_lists(store, state):
    from bot.storage.states import ACTIONS, allowed_actions

    for action in ACTIONS:
        item_id = open_one(store)
        SETUP[state](store, item_id)
        if action in allowed_actions(state):
            ACT[action](store, item_id)
        else:
            before = store.get(item_id)
            with pytest.raises(InvalidTransition):
                ACT[action](store, item_id)
            assert store.get(item_id) == before


def test_a_long_question_is_capped_and_the_cut_recorded(store):
    from bot.storage.store import STORED_QUESTION_LIMIT

    text = "Ürgent: " + "a journalist is on the phone now. " * 3000
    item_id = store.open_item(
        question=Question(text, Origin(platform="slack")),
        kind="sensitive",
        category="live_crisis",
        reason="pattern",
        passages=[],
    )
    item = store.get(item_id)
    assert len(item.question) == STORED_QUESTION_LIMIT and text.startswith(item.question)
    assert item.question_chars == len(text) and item.question_was_cut
    assert not store.get(open_one(store)).question_was_cut


def test_the_queue_file_is_created_private(tmp_path):
    import os
    import stat

    path = tmp_path / "fresh" / "lines.db"
    path.parent.mkdir()
    store = EscalationStore(f"sqlite:///{path}")
    open_one(store)  # writes, so the -wal and -shm files exist too
    for name in ("lines.db", "lines.db-wal", "lines.db-shm"):
        mode = stat.S_IMODE(os.stat(path.parent / name).st_mode)
        assert mode & 0o077 == 0, f"{name} is {oct(mode)}"


def _open_fresh(url: str, barrier, results) -> None:
    try:
        barrier.wait()
        store = EscalationStore(url)
        results.put(("ok", open_one(store, f"event-{multiprocessing.current_process().pid}")))
    except Exception as exc:  # reported to the test, which fails with the reason
        results.put(("crashed", f"{type(exc).__name__}: {exc}"))


def test_six_processes_opening_a_fresh_queue_at_once_all_succeed(url):
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(6), context.Queue()
    workers = [context.Process(target=_open_fresh, args=(url, barrier, results)) for _ in range(6)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert [kind for kind, _ in outcomes] == ["ok"] * 6, outcomes
    assert [w.exitcode for w in workers] == [0] * 6
    assert len(EscalationStore(url).list()) == 6


def test_a_queue_from_the_first_revision_is_upgraded_keeping_its_items(tmp_path):
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from bot.storage.store import MIGRATIONS

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.exec_driver_sql(
            "INSERT INTO escalations (platform, question, kind, reason, passages, state, "
            "created_at, updated_at, staff_ref, notify_attempts) VALUES ('slack', 'old one', "
            "'sensitive', 'r', '[]', 'open', '2025-01-01 10:00:00', '2025-01-01 10:00:00', "
            "'C1:1.1', 0)"
        )
    item = EscalationStore(url).get(1)
    assert item.question == "old one" and item.reply_in == "thread" and not item.private
    assert not item.staff_post_stale  # already posted: shown as it is


def test_replicas_share_one_record_of_handled_events(url):
    import datetime as dt

    first, second = EscalationStore(url), EscalationStore(url)
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


def test_a_lease_lets_one_desk_work_on_an_item(url):
    first, second = EscalationStore(url), EscalationStore(url)
    item_id = open_one(first)
    assert first.take_lease(item_id, "desk-a", 60)
    assert first.take_lease(item_id, "desk-a", 60)  # renewing your own lease
    assert not second.take_lease(item_id, "desk-b", 60)
    assert second.due_work("slack") == []  # leased: not due for anyone else
    first.release_lease(item_id, "desk-a")
    assert [i.id for i in second.due_work("slack")] == [item_id]
    assert second.take_lease(item_id, "desk-b", 60)
    assert not first.take_lease(item_id, "desk-a", 60)
    assert first.take_lease(open_one(first), "desk-a", -1)  # an expired lease is free
    assert second.due_work("slack")


def test_due_work_is_posting_delivering_and_refreshing_not_waiting_retries(store):
    import datetime as dt

    item_id = open_one(store)
    assert [i.id for i in store.due_work("slack")] == [item_id] and store.due_work("discord") == []
    store.mark_notify_failed(item_id, "boom", dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert store.due_work("slack") == []  # waiting for its retry time
    store.retry_later(item_id, None)
    item = store.mark_notified(item_id, "C:1", store.get(item_id).revision)
    assert store.due_work("slack") == []  # posted and current: nothing to do
    answered = store.answer(item_id, "We will call.", "sam")
    assert answered.needs_relay and answered.staff_post_stale
    assert [i.id for i in store.due_work("slack")] == [item.id]
    store.mark_relayed(item_id)
    store.mark_post_updated(item_id, store.get(item_id).revision)
    assert store.due_work("slack") == []
    assert store.list(undelivered=True) == []


def test_purge_removes_old_resolved_items_and_feedback_but_never_an_undelivered_answer(store):
    import datetime as dt

    delivered, undelivered, still_open = open_one(store), open_one(store), open_one(store)
    for item_id in (delivered, undelivered):
        store.answer(item_id, "Here is what to do.", "sam")
        store.resolve(item_id, "sam")
    store.mark_relayed(delivered)
    store.record_feedback(platform="slack", user="U1", question="q", answer_ref=None, helpful=True)
    nothing = store.purge(dt.timedelta(days=30))  # nothing that old yet
    assert (nothing.items, nothing.feedback) == (0, 0)
    preview = store.purge(dt.timedelta(seconds=-1), dry_run=True)
    assert (preview.items, preview.feedback) == (1, 1)
    assert len(store.list()) == 3
    report = store.purge(dt.timedelta(seconds=-1))
    assert (report.items, report.feedback) == (1, 1)
    assert sorted(i.id for i in store.list()) == [undelivered, still_open]
    assert store.feedback_counts() == {}

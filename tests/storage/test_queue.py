"""The queue on a real SQLite file: every transition, refusals that change nothing, two processes."""

from __future__ import annotations

import datetime as dt
import multiprocessing

import pytest

from bot.answer import Origin, Question
from bot.storage.database import EscalationError, InvalidTransition, ItemNotFound
from bot.storage.queue import Queue
from bot.storage.schema import STORED_QUESTION_LIMIT
from bot.storage.states import ACTIONS, allowed_actions
from tests.conftest import open_database
from tests.storage.items import open_one


def test_an_opened_item_keeps_everything_staff_need(queue):
    item = queue.get(open_one(queue))
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


def test_an_item_gives_back_the_origin_it_was_opened_with(queue):
    origin = Origin(
        platform="discord",
        workspace="G1",
        channel="9",
        thread="10",
        user="U7",
        event_id="Ev7",
        link="https://discord.com/channels/G1/9/11",
        reply_in="dm",
        private=True,
        message="11",
    )
    item_id = queue.open_item(
        question=Question("Can I speak to a person?", origin),
        kind="requested",
        category="human_requested",
        reason="pattern",
        passages=[],
    )
    assert queue.get(item_id).origin == origin


def test_claim_answer_resolve(queue):
    item_id = open_one(queue)
    assert queue.claim(item_id, "sam").assignee == "sam"
    assert queue.claim(item_id, "sam").state == "claimed"  # re-claim by the same person: no-op
    answered = queue.answer(item_id, "  We'll call you in five minutes.  ", "sam")
    assert (answered.state, answered.staff_answer) == (
        "answered",
        "We'll call you in five minutes.",
    )
    assert queue.resolve(item_id, "sam").state == "resolved"


def test_answer_without_claim_and_resolve_without_answer(queue):
    first, second = open_one(queue), open_one(queue)
    assert queue.answer(first, "Done", "alex").assignee == "alex"
    assert queue.resolve(second, "alex").state == "resolved"


@pytest.mark.parametrize(
    ("setup", "action", "message"),
    [
        (["resolve"], lambda q, i: q.resolve(i, "sam"), "already resolved"),
        (["resolve"], lambda q, i: q.claim(i, "sam"), "already resolved"),
        (["resolve"], lambda q, i: q.answer(i, "late", "sam"), "already resolved"),
        (["claim"], lambda q, i: q.claim(i, "alex"), "already claimed by sam"),
        (["claim"], lambda q, i: q.answer(i, "mine", "alex"), "claimed by sam"),
        ([], lambda q, i: q.answer(i, "   ", "sam"), "needs some text"),
        (["answer"], lambda q, i: q.claim(i, "sam"), "already answered"),
    ],
)
def test_invalid_transitions_change_nothing(queue, setup, action, message):
    item_id = open_one(queue)
    for step in setup:
        {
            "resolve": lambda: queue.resolve(item_id, "sam"),
            "claim": lambda: queue.claim(item_id, "sam"),
            "answer": lambda: queue.answer(item_id, "ok", "sam"),
        }[step]()
    before = queue.get(item_id)
    with pytest.raises(InvalidTransition, match=message):
        action(queue, item_id)
    assert queue.get(item_id) == before


def test_missing_items_are_refused(queue):
    for action in (
        queue.get,
        lambda i: queue.claim(i, "x"),
        lambda i: queue.resolve(i, "x"),
        lambda i: queue.mark_relayed(i),
    ):
        with pytest.raises(ItemNotFound, match="no item 99"):
            action(99)


def test_the_same_event_opens_one_item(queue):
    assert open_one(queue, "Ev1") == open_one(queue, "Ev1")
    assert open_one(queue, "Ev2") != open_one(queue, "Ev1")
    assert len(queue.list()) == 2


def test_notification_bookkeeping_and_due_posts(queue):
    staff = open_one(queue)
    gap = open_one(queue, kind="no_guidance")  # posted too, as a low-priority gap
    assert [i.id for i in queue.due_work("slack")] == [staff, gap]
    failed = queue.mark_notify_failed(staff, "channel_not_found")
    assert (failed.notify_attempts, failed.notify_error) == (1, "channel_not_found")
    assert queue.mark_notify_failed(staff, "again").notify_attempts == 2
    assert [i.id for i in queue.due_work("slack")] == [staff, gap]  # no retry time: still due
    notified = queue.mark_notified(staff, "C9:1.5")
    assert notified.staff_ref == "C9:1.5" and notified.notify_error is None
    queue.mark_notified(gap, "C9:1.6")
    assert queue.due_work("slack") == [] and queue.due_work("discord") == []
    assert queue.list(undelivered=True) == []
    assert queue.mark_relayed(staff).relayed_at is not None
    assert not queue.get(gap).for_staff


def test_list_filters_by_state_and_rejects_unknown_states(queue):
    a, b = open_one(queue), open_one(queue)
    queue.claim(b, "sam")
    assert [i.id for i in queue.list("open")] == [a]
    assert [i.id for i in queue.list()] == [b, a]
    with pytest.raises(EscalationError, match="Unknown state"):
        queue.list("pending")


def _create(url: str, barrier, results) -> None:
    queue = Queue(open_database(url))
    barrier.wait()
    results.put(open_one(queue, "shared-event"))


def test_two_processes_creating_the_same_event_make_one_item(url):
    open_database(url)  # migrate once, as the app does on start
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_create, args=(url, barrier, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    ids = {results.get(timeout=60), results.get(timeout=60)}
    for worker in workers:
        worker.join(timeout=30)
    assert len(ids) == 1
    assert len(Queue(open_database(url)).list()) == 1


def _claim(url: str, item_id: int, name: str, barrier, results) -> None:
    queue = Queue(open_database(url))
    barrier.wait()
    try:
        results.put((name, queue.claim(item_id, name).assignee))
    except InvalidTransition as exc:
        results.put((name, str(exc)))


def test_two_staff_claiming_at_once_from_two_processes_one_wins(url):
    item_id = open_one(Queue(open_database(url)))
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
    winner = Queue(open_database(url)).get(item_id).assignee
    loser = "alex" if winner == "sam" else "sam"
    assert outcomes[winner] == winner
    assert outcomes[loser] == f"Item {item_id} is already claimed by {winner}; nothing changed."


def test_resolving_keeps_the_assignee_or_records_who_closed_it(queue):
    claimed, untouched = open_one(queue), open_one(queue)
    queue.claim(claimed, "sam")
    assert queue.resolve(claimed, "alex").assignee == "sam"
    assert queue.resolve(untouched, "alex").assignee == "alex"


def test_the_claimer_may_answer_and_the_message_names_them(queue):
    item_id = open_one(queue)
    queue.claim(item_id, "sam")
    with pytest.raises(InvalidTransition, match=f"Item {item_id} is claimed by sam; only they"):
        queue.answer(item_id, "mine", "alex")
    assert queue.answer(item_id, "ours", "sam").staff_answer == "ours"


# -- the staff loop's needs ---------------------------------------------------------------


SETUP = {
    "open": lambda q, i: None,
    "claimed": lambda q, i: q.claim(i, "sam"),
    "answered": lambda q, i: q.answer(i, "ok", "sam"),
    "resolved": lambda q, i: q.resolve(i, "sam"),
}
ACT = {
    "claim": lambda q, i: q.claim(i, "alex"),
    "answer": lambda q, i: q.answer(i, "yes", "sam"),
    "resolve": lambda q, i: q.resolve(i, "sam"),
}


@pytest.mark.parametrize("state", ["open", "claimed", "answered", "resolved"])
def test_the_queue_allows_exactly_what_the_state_table_lists(queue, state):
    for action in ACTIONS:
        item_id = open_one(queue)
        SETUP[state](queue, item_id)
        if action in allowed_actions(state):
            ACT[action](queue, item_id)
        else:
            before = queue.get(item_id)
            with pytest.raises(InvalidTransition):
                ACT[action](queue, item_id)
            assert queue.get(item_id) == before


def test_a_long_question_is_capped_and_the_cut_recorded(queue):
    text = "Ürgent: " + "a journalist is on the phone now. " * 3000
    item_id = queue.open_item(
        question=Question(text, Origin(platform="slack")),
        kind="sensitive",
        category="live_crisis",
        reason="pattern",
        passages=[],
    )
    item = queue.get(item_id)
    assert len(item.question) == STORED_QUESTION_LIMIT and text.startswith(item.question)
    assert item.question_chars == len(text) and item.question_was_cut
    assert not queue.get(open_one(queue)).question_was_cut


def test_a_lease_lets_one_desk_work_on_an_item(url):
    first, second = Queue(open_database(url)), Queue(open_database(url))
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


def test_due_work_is_posting_delivering_and_refreshing_not_waiting_retries(queue):
    item_id = open_one(queue)
    assert [i.id for i in queue.due_work("slack")] == [item_id] and queue.due_work("discord") == []
    queue.mark_notify_failed(item_id, "boom", dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert queue.due_work("slack") == []  # waiting for its retry time
    queue.retry_later(item_id, None)
    item = queue.mark_notified(item_id, "C:1", queue.get(item_id).revision)
    assert queue.due_work("slack") == []  # posted and current: nothing to do
    answered = queue.answer(item_id, "We will call.", "sam")
    assert answered.needs_relay and answered.staff_post_stale
    assert [i.id for i in queue.due_work("slack")] == [item.id]
    queue.mark_relayed(item_id)
    queue.mark_post_updated(item_id, queue.get(item_id).revision)
    assert queue.due_work("slack") == []
    assert queue.list(undelivered=True) == []

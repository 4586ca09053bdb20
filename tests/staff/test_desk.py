"""The staff desk on a real queue, with a recording port standing in for a platform.

The port is Lines's own interface (``StaffPort``), so a small class that records what it was
asked to send is a real implementation, not a mock of a library; the Slack and Discord tests
drive the same desk through the real clients and loopback platforms.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading

import pytest

from bot.answer import Answer, Escalation, Origin, Question
from bot.escalation.policy import PolicyError, fill_where, load_policy
from bot.settings import PROJECT_ROOT
from bot.staff.desk import (
    NOT_STAFF,
    Refused,
    StaffDesk,
    holding_text,
    pending_reason,
)
from bot.staff.ports import DeliveryError
from bot.storage.database import Database, sqlite_url
from bot.storage.fallback import SpoolFile
from bot.storage.queue import Queue
from bot.storage.records import Records
from bot.storage.schema import escalations
from bot.storage.states import ALLOWED
from tests.conftest import open_database
from tests.waiting import eventually


class RecordingPort:
    """A platform that records every post; ``failing`` makes a kind of send fail."""

    platform = "slack"

    def __init__(self) -> None:
        self.posts: list = []
        self.updates: list = []
        self.relays: list = []
        self.notes: list = []
        self.failing: dict[str, str] = {}
        self.changed = threading.Condition()

    def _record(self, kind: str, where: list, value) -> None:
        if kind in self.failing:
            raise DeliveryError(self.failing[kind])
        with self.changed:
            where.append(value)
            self.changed.notify_all()

    def post_staff(self, card):
        self._record("post", self.posts, card)
        return f"STAFF:{len(self.posts)}"

    def update_staff(self, staff_ref, card):
        self._record("update", self.updates, (staff_ref, card))

    def relay(self, recipient, answer, item_id):
        self._record("relay", self.relays, (recipient, answer, item_id))

    def note(self, recipient, text):
        self._record("note", self.notes, (recipient, text))

    def wait(self, what: str, count: int = 1, timeout: float = 10.0) -> list:
        with self.changed:
            assert self.changed.wait_for(lambda: len(getattr(self, what)) >= count, timeout), (
                f"no {count} {what} within {timeout}s"
            )
            return list(getattr(self, what))


@pytest.fixture
def database(tmp_path) -> Database:
    return open_database(sqlite_url(tmp_path / "queue.db"), busy_timeout=0.2)


@pytest.fixture
def queue(database, tmp_path) -> Queue:
    return Queue(database, spool=SpoolFile(tmp_path / "spool.jsonl"))


def desk_over(queue: Queue, port, **options) -> StaffDesk:
    """A desk over ``queue``'s database, as ``StaffDesk.from_settings`` makes one."""
    return StaffDesk(queue, Records(queue.database), port, **options)


@pytest.fixture
def port():
    return RecordingPort()


@pytest.fixture
def desk(queue, port):
    desk = desk_over(queue, port, poll_seconds=0.05, backoff_base=0.2, owner="desk-a")
    yield desk
    desk.stop()


def open_item(queue, kind="sensitive", *, reply_in="thread", private=False, event="Ev1"):
    origin = Origin(
        platform="slack",
        channel="C1",
        thread=None if reply_in == "dm" else "1.1",
        user="U1",
        event_id=event,
        reply_in=reply_in,
        private=private,
    )
    item_id = queue.open_item(
        question=Question("A journalist is on the phone now", origin),
        kind=kind,
        category=None if kind == "no_guidance" else "live_crisis",
        reason="pattern",
        passages=[],
    )
    answer = Answer(
        question="A journalist is on the phone now",
        text="holding",
        escalation=Escalation(kind=kind, reason="pattern", id=item_id),
    )
    return item_id, answer


def test_an_escalation_is_posted_with_the_buttons_its_state_allows(desk, queue, port):
    item_id, answer = open_item(queue)
    desk.escalated(answer)
    [card] = port.posts
    assert card.item.id == item_id and card.actions == ALLOWED["open"] and not card.low_priority
    assert card.pointer == f"lines escalations show {item_id}"
    item = queue.get(item_id)
    assert item.staff_ref == "STAFF:1" and item.lease_owner is None and not item.staff_post_stale


def test_a_no_guidance_gap_reaches_staff_as_a_low_priority_post(desk, queue, port):
    _, answer = open_item(queue, kind="no_guidance")
    desk.escalated(answer)
    assert port.posts[0].low_priority


def test_a_failed_post_is_recorded_and_retried_with_growing_waits(queue, port):
    desk = desk_over(queue, port, backoff_base=10.0, owner="desk-b")
    port.failing["post"] = "channel_not_found"
    item_id, answer = open_item(queue)
    before = dt.datetime.now(dt.UTC)
    desk.escalated(answer)
    first = queue.get(item_id)
    assert (first.notify_attempts, first.notify_error) == (1, "channel_not_found")
    assert first.retry_at >= before + dt.timedelta(seconds=10)
    assert desk.sweep() == 0 and port.posts == []  # its retry time has not come
    queue.retry_later(item_id, None)  # as if the ten seconds had passed
    before = dt.datetime.now(dt.UTC)
    desk.sweep()
    second = queue.get(item_id)
    assert second.notify_attempts == 2
    assert second.retry_at >= before + dt.timedelta(seconds=20)  # the wait doubled
    assert "staff post failed: channel_not_found (2x)" in pending_reason(
        second, {"slack": dt.datetime.now(dt.UTC)}, dt.datetime.now(dt.UTC)
    )
    del port.failing["post"]
    queue.retry_later(item_id, None)
    desk.sweep()
    assert queue.get(item_id).staff_ref == "STAFF:1" and queue.get(item_id).retry_at is None


def test_an_answer_given_anywhere_is_delivered_by_the_running_loop(desk, queue, port):
    item_id, answer = open_item(queue, reply_in="dm", private=True)
    desk.escalated(answer)
    desk.start()
    queue.answer(item_id, "We'll call you within the hour.", "sam")  # as the CLI does
    [(recipient, text, delivered_id)] = port.wait("relays")
    assert text == "We'll call you within the hour." and delivered_id == item_id
    assert (recipient.reply_in, recipient.user, recipient.private) == ("dm", "U1", True)
    port.wait("updates")  # the staff post now shows the answer and its delivery
    eventually(lambda: not queue.get(item_id).staff_post_stale, what="staff post redrawn")
    item = queue.get(item_id)
    assert item.relayed_at is not None and not item.staff_post_stale
    assert "delivered" in port.updates[-1][1].delivery
    assert port.updates[-1][1].actions == ALLOWED["answered"]


def test_a_failed_delivery_is_kept_visible_and_retried(desk, queue, port):
    item_id, answer = open_item(queue)
    desk.escalated(answer)
    port.failing["relay"] = "not_in_channel"
    desk.answer(item_id, "Here is what to do.", "sam", is_staff=True)
    item = queue.get(item_id)
    assert item.state == "answered" and item.relay_error == "not_in_channel"
    assert item.needs_relay and item in queue.list(undelivered=True)
    assert "answer not delivered: not_in_channel (1x)" in pending_reason(
        item, {"slack": dt.datetime.now(dt.UTC)}, dt.datetime.now(dt.UTC)
    )
    del port.failing["relay"]
    desk.start()
    port.wait("relays")


def test_two_desks_on_one_queue_post_and_deliver_once(queue, tmp_path):
    ports = [RecordingPort(), RecordingPort()]
    url = str(queue.database.engine.url)
    desks = [
        desk_over(Queue(open_database(url)), p, poll_seconds=0.01, owner=f"d{n}")
        for n, p in enumerate(ports)
    ]
    ids = [open_item(queue, event=f"Ev{n}")[0] for n in range(6)]
    for item_id in ids[:3]:
        queue.answer(item_id, "Answer", "sam")
    for desk in desks:
        desk.start()
    try:
        eventually(
            lambda: (
                not (queue.list(undelivered=True) or any(i.staff_post_stale for i in queue.list()))
            ),
            timeout=20,
            what="every item posted, delivered and redrawn",
        )
    finally:
        for desk in desks:
            desk.stop()
    posted = [card.item.id for p in ports for card in p.posts]
    delivered = [item_id for p in ports for _, _, item_id in p.relays]
    assert sorted(posted) == ids  # each item posted exactly once, by one desk or the other
    assert sorted(delivered) == ids[:3]


def test_only_staff_may_act_and_only_as_the_state_allows(desk, queue, port):
    item_id, answer = open_item(queue)
    desk.escalated(answer)
    for call in (
        lambda: desk.act("claim", item_id, "mallory", is_staff=False),
        lambda: desk.answer(item_id, "hi", "mallory", is_staff=False),
        lambda: desk.check("answer", item_id, is_staff=False),
    ):
        with pytest.raises(Refused, match=NOT_STAFF):
            call()
    assert queue.get(item_id).state == "open"
    desk.act("resolve", item_id, "sam", is_staff=True)
    with pytest.raises(Refused, match="is resolved; it can no longer be answered"):
        desk.check("answer", item_id, is_staff=True)
    assert port.updates[-1][1].actions == ()  # the post lost its buttons


def test_a_spooled_question_reaches_staff_once_the_queue_is_writable(desk, queue, port):
    path = str(queue.database.sqlite_path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        item_id, answer = open_item(queue)
        assert item_id is None and queue.spooled() == 1
        desk.escalated(answer)  # no id yet: the loop will replay it
    finally:
        other.execute("ROLLBACK")
        other.close()
    desk.start()
    [card] = port.wait("posts")
    assert card.item.question == "A journalist is on the phone now" and queue.spooled() == 0


def test_handled_events_fall_back_to_memory_when_the_queue_is_locked(desk, queue):
    other = sqlite3.connect(str(queue.database.sqlite_path), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        assert desk.first_time("EvX", "message:C1:1")
        assert not desk.first_time("EvY", "message:C1:1")  # still answered once here
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert desk.first_time("EvZ")


def test_retention_purges_old_resolved_items_from_the_loop(queue, port):
    item_id, _ = open_item(queue)
    queue.resolve(item_id, "sam")
    with queue.database.engine.begin() as connection:
        connection.execute(
            escalations.update().values(resolved_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=40))
        )
    desk_over(queue, port, retention_days=30).sweep()
    assert queue.list() == []


@pytest.mark.parametrize(
    ("origin", "where"),
    [
        (Origin(platform="slack", channel="C1", thread="1.1"), "in this thread"),
        (Origin(platform="discord", channel="9", reply_in="channel"), "here"),
        (Origin(platform="slack", user="U1", reply_in="dm", private=True), "in a direct message"),
    ],
)
def test_holding_replies_say_where_the_staff_reply_will_come(origin, where):
    answer = Answer(
        question="q",
        text="A person will reply {where}.",
        escalation=Escalation(kind="sensitive", reason="r", id=1),
    )
    assert holding_text(answer, origin) == f"A person will reply {where}."
    older = Answer(
        question="q", text="They will reply in this thread.", escalation=answer.escalation
    )
    assert holding_text(older, origin) == f"They will reply {where}."


def test_a_holding_reply_may_use_only_the_where_placeholder(tmp_path):
    template = """categories:
  human_requested:
    kind: requested
    description: The person asks for a human.
    holding_reply: A person will reply {placeholder}.
    examples: ["Can I speak to a person?"]
"""
    good = tmp_path / "good.yaml"
    good.write_text(template.replace("{placeholder}", "{where}"), encoding="utf-8")
    category = load_policy(good).category("human_requested")
    assert category.holding_template == "A person will reply {where}."
    assert category.holding_reply == "A person will reply in this thread."  # until a surface knows
    bad = tmp_path / "bad.yaml"
    bad.write_text(template.replace("{placeholder}", "{channel}"), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"line 5: .*unknown placeholder \{channel\}"):
        load_policy(bad)


def test_every_shipped_holding_reply_says_where_the_reply_comes():
    policy = load_policy(PROJECT_ROOT / "knowledge" / "policy" / "escalation.yaml")
    for category in policy.categories:
        assert "{where}" in category.holding_template
        for where in ("in this thread", "here", "in a direct message"):
            filled = fill_where(category.holding_reply, where)
            assert where in filled and "{where}" not in filled
            if where != "in this thread":
                assert "this thread" not in filled


def test_two_threads_of_one_desk_post_an_item_once(queue):
    """A handler hands an item to the desk while the desk's own loop finds it due: both run
    in one process under one lease owner, so the lease alone cannot keep them apart."""

    class SlowPort(RecordingPort):
        def __init__(self) -> None:
            super().__init__()
            self.inside = threading.Event()
            self.go = threading.Event()

        def post_staff(self, card):
            self.inside.set()
            self.go.wait(10)
            return super().post_staff(card)

    port = SlowPort()
    desk = desk_over(queue, port, owner="desk-a")
    item_id, answer = open_item(queue)
    first = threading.Thread(target=desk.escalated, args=(answer,))
    first.start()
    assert port.inside.wait(10)  # the handler's thread is posting...
    assert desk.tend(item_id) is None  # ...so the loop's thread leaves the item alone
    port.go.set()
    first.join(10)
    assert len(port.posts) == 1 and queue.get(item_id).notified_at is not None

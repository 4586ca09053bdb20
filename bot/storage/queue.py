"""The escalation queue: the questions staff must see, and their way back to the member.

States and the actions each allows are the table in ``bot.storage.states``; every transition
is one UPDATE whose WHERE clause re-checks it, so two staff clicking at once cannot both win,
and an invalid transition changes nothing. Short leases let only one bot process work on an
item at a time (post it to staff, deliver the staff answer, refresh the staff post).

Stored questions are capped at ``STORED_QUESTION_LIMIT`` characters. When the queue cannot be
written, a new item goes to a local spool file (``bot.storage.fallback``) and is replayed
later: the member's question is never lost because a database was locked.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.answer import Passage, Question
from bot.settings import Settings
from bot.storage.database import (
    Database,
    EscalationError,
    InvalidTransition,
    ItemNotFound,
    QueueUnavailable,
    sqlite_file,
)
from bot.storage.fallback import SpoolFile
from bot.storage.schema import (
    NEEDS_POST,
    NEEDS_RELAY,
    POST_STALE,
    STORED_QUESTION_LIMIT,
    Item,
    escalations,
    now,
    origin_columns,
)
from bot.storage.states import RESULT, STATES, Action, states_allowing

log = logging.getLogger(__name__)


def default_spool_path(settings: Settings) -> Path:
    """``QUEUE_FALLBACK_PATH``, or ``lines-fallback.jsonl`` beside the SQLite queue."""
    if settings.queue_fallback_path is not None:
        return settings.queue_fallback_path
    path = sqlite_file(settings.resolved_database_url)
    if path is not None:
        return path.with_name("lines-fallback.jsonl")
    return settings.chroma_dir.parent / "lines-fallback.jsonl"


class Queue:
    """Durable queue of escalated questions. Safe to share between threads and processes."""

    def __init__(self, database: Database, *, spool: SpoolFile | None = None) -> None:
        self.database = database
        self.spool = spool

    @classmethod
    def from_settings(cls, settings: Settings, database: Database | None = None) -> Queue:
        """The queue in ``database`` (by default the one at ``DATABASE_URL``), with its
        fallback spool at ``QUEUE_FALLBACK_PATH``."""
        return cls(
            database or Database.from_settings(settings),
            spool=SpoolFile(default_spool_path(settings)),
        )

    # -- the advisor's side ------------------------------------------------------------------
    def open_item(
        self,
        *,
        question: Question,
        kind: str,
        category: str | None,
        reason: str,
        passages: Sequence[Passage],
    ) -> int | None:
        """Record a new item (committed before returning) and return its id.

        The same platform event (``question.origin.event_id``) always maps to one item. When
        the queue cannot be written the item goes to the fallback spool instead and this
        returns None: the question is kept and reaches staff once the queue is writable.
        """
        row = _row(question, kind, category, reason, passages)
        try:
            return self._insert(row)
        except QueueUnavailable as exc:
            if self.spool is None:
                raise
            kept = self.spool.append(_spool_row(row))
            log.error(
                "%s item could not be written to the queue (%s); %s, to be replayed when "
                "the queue is writable",
                kind,
                exc.reason,
                f"kept in {self.spool.path}" if kept else "held in memory",
            )
            return None

    def _insert(self, row: dict[str, Any]) -> int:
        try:
            with self.database.writing() as connection:
                result = connection.execute(escalations.insert().values(**row))
                item_id = int(result.inserted_primary_key[0])
        except IntegrityError:
            existing = self._by_event(row["platform"], row["event_id"])
            if existing is None:
                raise
            log.info("event %s already has item %s", row["event_id"], existing)
            return existing
        log.info("opened escalation %s (%s/%s)", item_id, row["kind"], row["category"])
        return item_id

    def replay_spool(self) -> int:
        """Write every spooled item into the queue; returns how many. Idempotent.

        Raises ``QueueUnavailable`` when the queue is still not writable (nothing is lost).
        """
        if self.spool is None:
            return 0

        def insert(row: dict[str, Any]) -> None:
            self._insert(_unspool_row(row))

        written = self.spool.replay(insert)
        if written:
            log.warning("replayed %d item(s) from the fallback file into the queue", written)
        return written

    def spooled(self) -> int:
        """How many items wait in the fallback spool for the queue to be writable."""
        return self.spool.waiting() if self.spool is not None else 0

    def _by_event(self, platform: str, event_id: str | None) -> int | None:
        if event_id is None:
            return None
        with self.database.reading() as connection:
            return connection.execute(
                sa.select(escalations.c.id).where(
                    escalations.c.platform == platform, escalations.c.event_id == event_id
                )
            ).scalar()

    # -- reading ---------------------------------------------------------------------------------
    def get(self, item_id: int) -> Item:
        """The item, or ``ItemNotFound``."""
        items = self._items(sa.select(escalations).where(escalations.c.id == item_id))
        if not items:
            raise ItemNotFound(f"There is no item {item_id}.")
        return items[0]

    def list(
        self, state: str | None = None, limit: int = 100, *, undelivered: bool = False
    ) -> list[Item]:
        """Items, newest first, optionally in one state or only those with delivery pending."""
        if state is not None and state not in STATES:
            raise EscalationError(f"Unknown state {state!r}; use one of {', '.join(STATES)}.")
        query = sa.select(escalations).order_by(escalations.c.id.desc()).limit(limit)
        if state is not None:
            query = query.where(escalations.c.state == state)
        if undelivered:
            query = query.where(sa.or_(NEEDS_POST, NEEDS_RELAY))
        return self._items(query)

    def due_work(self, platform: str, limit: int = 50) -> list[Item]:
        """Items from ``platform`` a staff desk should work on now, oldest first.

        Work is: a staff post to make, a staff answer to deliver, or a staff post to refresh;
        an item waiting for its retry time, or leased by another desk, is not due.
        """
        moment = now()
        query = (
            sa.select(escalations)
            .where(
                escalations.c.platform == platform,
                sa.or_(NEEDS_POST, NEEDS_RELAY, POST_STALE),
                sa.or_(escalations.c.retry_at.is_(None), escalations.c.retry_at <= moment),
                sa.or_(escalations.c.lease_until.is_(None), escalations.c.lease_until < moment),
            )
            .order_by(escalations.c.id)
            .limit(limit)
        )
        return self._items(query)

    def items_since(self, since: dt.datetime) -> list[Item]:
        """Items opened since ``since``, oldest first (for the maintainers' report)."""
        query = (
            sa.select(escalations)
            .where(escalations.c.created_at >= since)
            .order_by(escalations.c.id)
        )
        return self._items(query)

    def _items(self, query: sa.Select) -> list[Item]:
        with self.database.reading() as connection:
            return [Item(**dict(row)) for row in connection.execute(query).mappings()]

    # -- transitions -------------------------------------------------------------------------
    def claim(self, item_id: int, by: str) -> Item:
        """Assign the item to ``by``. Re-claiming your own item is harmless."""
        item = self.get(item_id)
        if item.state == "claimed" and item.assignee == by:
            return item
        return self._move(item_id, "claim", _allows("claim"), assignee=by)

    def answer(self, item_id: int, text: str, by: str) -> Item:
        """Record the staff answer; a running staff desk then delivers it to the member.

        Open items can be answered by anyone; a claimed item only by the person who claimed it.
        """
        if not text or not text.strip():
            raise InvalidTransition("An answer needs some text; nothing changed.")
        allowed = sa.and_(
            _allows("answer"),
            sa.or_(escalations.c.state != "claimed", escalations.c.assignee == by),
        )
        return self._move(item_id, "answer", allowed, staff_answer=text.strip(), assignee=by)

    def resolve(self, item_id: int, by: str) -> Item:
        """Close the item, answered or not; it keeps its assignee, or gets ``by``."""
        return self._move(
            item_id,
            "resolve",
            _allows("resolve"),
            assignee=sa.func.coalesce(escalations.c.assignee, by),
            resolved_at=now(),
        )

    def _move(
        self, item_id: int, action: Action, allowed: sa.ColumnElement[bool], **values: object
    ) -> Item:
        state = RESULT[action]
        # The check and the change are one UPDATE, so of two staff acting at once only one
        # can match the WHERE clause; the other is refused with the state the winner left.
        with self.database.writing() as connection:
            result = connection.execute(
                escalations.update()
                .where(escalations.c.id == item_id, allowed)
                .values(
                    state=state,
                    updated_at=now(),
                    revision=escalations.c.revision + 1,
                    **values,
                )
            )
        if result.rowcount != 1:
            current = self.get(item_id)
            if current.state == "claimed" and state == "claimed":
                raise InvalidTransition(
                    f"Item {item_id} is already claimed by {current.assignee}; nothing changed."
                )
            if current.state == "claimed" and state == "answered":
                raise InvalidTransition(
                    f"Item {item_id} is claimed by {current.assignee}; only they can answer it. "
                    "Nothing changed."
                )
            raise InvalidTransition(
                f"Item {item_id} is already {current.state}; it cannot become {state}. "
                "Nothing changed."
            )
        return self.get(item_id)

    # -- delivery bookkeeping (the staff desk's side) -------------------------------------------
    def take_lease(self, item_id: int, owner: str, seconds: float) -> bool:
        """Reserve the item for ``owner`` for ``seconds``; False if another desk holds it.

        Two bot processes sharing the queue use this so a staff post or an answer is sent
        by one of them, not both.
        """
        moment = now()
        with self.database.writing() as connection:
            result = connection.execute(
                escalations.update()
                .where(
                    escalations.c.id == item_id,
                    sa.or_(
                        escalations.c.lease_until.is_(None),
                        escalations.c.lease_until < moment,
                        escalations.c.lease_owner == owner,
                    ),
                )
                .values(lease_owner=owner, lease_until=moment + dt.timedelta(seconds=seconds))
            )
        return result.rowcount == 1

    def release_lease(self, item_id: int, owner: str) -> None:
        """Give the item back (only if ``owner`` still holds it)."""
        with self.database.writing() as connection:
            connection.execute(
                escalations.update()
                .where(escalations.c.id == item_id, escalations.c.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )

    def mark_notified(self, item_id: int, staff_ref: str, revision: int | None = None) -> Item:
        """The item was posted to staff at ``staff_ref`` (e.g. channel:ts), showing ``revision``."""
        return self._set(
            item_id,
            staff_ref=staff_ref,
            notified_at=now(),
            notify_error=None,
            posted_revision=revision if revision is not None else escalations.c.revision,
        )

    def mark_notify_failed(
        self, item_id: int, error: str, retry_at: dt.datetime | None = None
    ) -> Item:
        """Posting to staff failed: keep it visible and count the attempt, for the retry loop."""
        log.warning("could not notify staff of item %s: %s", item_id, error)
        return self._set(
            item_id,
            notify_error=error,
            notify_attempts=escalations.c.notify_attempts + 1,
            retry_at=retry_at,
        )

    def mark_relayed(self, item_id: int) -> Item:
        """The staff answer reached the member."""
        return self._set(
            item_id, relayed_at=now(), relay_error=None, revision=escalations.c.revision + 1
        )

    def mark_relay_failed(
        self, item_id: int, error: str, retry_at: dt.datetime | None = None
    ) -> Item:
        """Delivering the staff answer failed: record why and when to try again."""
        log.warning("could not deliver the staff answer of item %s: %s", item_id, error)
        return self._set(
            item_id,
            relay_error=error,
            relay_attempts=escalations.c.relay_attempts + 1,
            retry_at=retry_at,
        )

    def mark_post_updated(self, item_id: int, revision: int) -> Item:
        """The staff post now shows ``revision`` of the item."""
        return self._set(item_id, posted_revision=revision)

    def retry_later(self, item_id: int, retry_at: dt.datetime | None) -> Item:
        """Set (or clear, with None) when a desk should next work on the item."""
        return self._set(item_id, retry_at=retry_at)

    def _set(self, item_id: int, **values: object) -> Item:
        with self.database.writing() as connection:
            result = connection.execute(
                escalations.update().where(escalations.c.id == item_id).values(**values)
            )
        if result.rowcount != 1:
            raise ItemNotFound(f"There is no item {item_id}.")
        return self.get(item_id)


def _row(
    question: Question,
    kind: str,
    category: str | None,
    reason: str,
    passages: Sequence[Passage],
) -> dict[str, Any]:
    moment, text = now(), question.text
    return {
        **origin_columns(question.origin, escalations),
        "question": text[:STORED_QUESTION_LIMIT],
        "question_chars": len(text),
        "kind": kind,
        "category": category,
        "reason": reason,
        "passages": [
            {"source": p.source, "title": p.title, "locator": p.locator, "text": p.text}
            for p in passages
        ],
        "state": "open",
        "created_at": moment,
        "updated_at": moment,
        "notify_attempts": 0,
    }


def _allows(action: Action) -> sa.ColumnElement[bool]:
    return escalations.c.state.in_(states_allowing(action))


def _spool_row(row: dict[str, Any]) -> dict[str, Any]:
    # Every spooled row gets an event id, so replaying it twice opens one item.
    spooled = dict(row)
    if not spooled.get("event_id"):
        spooled["event_id"] = f"spool:{uuid.uuid4()}"
    for key in ("created_at", "updated_at"):
        spooled[key] = spooled[key].isoformat()
    return spooled


def _unspool_row(row: dict[str, Any]) -> dict[str, Any]:
    columns = set(escalations.c.keys())
    values = {k: v for k, v in row.items() if k in columns}
    for key in ("created_at", "updated_at"):
        values[key] = dt.datetime.fromisoformat(values[key])
    return values

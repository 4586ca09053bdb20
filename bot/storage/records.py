"""What the running bots record beside the queue, and how long it is kept.

- **answer records**: every answer a surface posted with citations (where, the question
  capped like queue items, what it cited), read by the corrections loop and the report;
- **feedback**: members' helpful / not helpful clicks;
- **corrections**: the notes telling a thread that a document it was given has changed
  (``bot.staff.corrections``), one per thread and document, posted under a lease;
- **seen events**: which platform events were already handled, so two replicas answer once;
- **heartbeats**: when each running bot last looked at the queue, so the staff CLI can say
  why an answer has not been delivered;
- **retention**: ``purge`` deletes what is older than the retention period, members' text
  overwritten rather than left in freed pages (``Database.scrub``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.answer import Citation, Origin
from bot.storage.database import Database
from bot.storage.schema import (
    NEEDS_RELAY,
    STORED_QUESTION_LIMIT,
    AnswerRecord,
    CorrectionRow,
    UTCDateTime,
    answers,
    corrections,
    desks,
    escalations,
    feedback,
    now,
    origin_columns,
    seen_events,
    stored_key,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurgeReport:
    """What ``purge`` removed (or, for a dry run, would remove)."""

    items: int
    feedback: int
    events: int
    answers: int = 0  # answer records (and their posted corrections)


def document_key(source: str) -> str:
    """How a correction row names a document: its path, hashed when too long for the column."""
    return stored_key(source)


class Records:
    """Answer records, feedback, corrections, seen events and heartbeats in one database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    # -- events seen by any replica -----------------------------------------------------------
    def first_time(self, keys: Sequence[str], ttl: dt.timedelta) -> bool:
        """True for the first caller, in any process, to record all of ``keys`` within ``ttl``.

        Platforms redeliver events (retries, reconnects, one message arriving as two event
        types) and two bot replicas may receive the same one; recording the keys in the
        shared queue makes exactly one of them answer. Raises ``QueueUnavailable`` when the
        queue cannot be written (the caller decides how to degrade).
        """
        moment = now()
        rows = [
            {"key": stored_key(k), "expires_at": moment + ttl} for k in dict.fromkeys(keys) if k
        ]
        if not rows:
            return True
        try:
            with self.database.writing() as connection:
                connection.execute(
                    seen_events.delete().where(
                        seen_events.c.key.in_([r["key"] for r in rows]),
                        seen_events.c.expires_at < moment,
                    )
                )
                connection.execute(seen_events.insert(), rows)
        except IntegrityError:
            return False
        return True

    # -- which desks are running ------------------------------------------------------------------
    def heartbeat(self, owner: str, platform: str) -> None:
        """Record that the desk ``owner`` (a running bot) looked at the queue just now."""
        moment = now()
        with self.database.writing() as connection:
            updated = connection.execute(
                desks.update().where(desks.c.owner == owner).values(seen_at=moment)
            ).rowcount
            if not updated:
                connection.execute(
                    desks.insert().values(owner=owner, platform=platform, seen_at=moment)
                )

    def last_seen(self) -> dict[str, dt.datetime]:
        """Per platform, when a running bot last looked at the queue."""
        with self.database.reading() as connection:
            rows = connection.execute(
                sa.select(desks.c.platform, sa.func.max(desks.c.seen_at)).group_by(desks.c.platform)
            ).all()
        return {platform: UTCDateTime().process_result_value(seen, None) for platform, seen in rows}

    # -- retention -----------------------------------------------------------------------------
    def purge(self, older_than: dt.timedelta, *, dry_run: bool = False) -> PurgeReport:
        """Delete resolved items, feedback and answer records older than ``older_than``, and
        expired events.

        An item whose staff answer has not reached the member yet is kept, whatever its age.
        """
        cutoff = now() - older_than
        old_items = sa.and_(
            escalations.c.state == "resolved",
            sa.func.coalesce(escalations.c.resolved_at, escalations.c.updated_at) < cutoff,
            sa.not_(NEEDS_RELAY),
        )
        old_feedback = feedback.c.created_at < cutoff
        expired = seen_events.c.expires_at < now()
        old_answers = answers.c.created_at < cutoff
        with self.database.writing() as connection:
            if dry_run:
                counts = [
                    connection.execute(
                        sa.select(sa.func.count()).select_from(table).where(where)
                    ).scalar_one()
                    for table, where in (
                        (escalations, old_items),
                        (feedback, old_feedback),
                        (seen_events, expired),
                        (answers, old_answers),
                    )
                ]
                return PurgeReport(*counts)
            items = connection.execute(escalations.delete().where(old_items)).rowcount
            notes = connection.execute(feedback.delete().where(old_feedback)).rowcount
            events = connection.execute(seen_events.delete().where(expired)).rowcount
            records = connection.execute(answers.delete().where(old_answers)).rowcount
            # A correction row holds no question; posted ones are kept as long as the answers.
            connection.execute(
                corrections.delete().where(
                    corrections.c.posted_at.is_not(None), corrections.c.posted_at < cutoff
                )
            )
        # Deleted rows are overwritten in the file (secure_delete); the write-ahead log still
        # holds them as they were until it is emptied.
        self.database.scrub()
        if items or notes or records:
            log.info(
                "purged %d resolved item(s), %d feedback record(s) and %d answer record(s)",
                items,
                notes,
                records,
            )
        return PurgeReport(items, notes, events, records)

    def purge_events(self) -> int:
        """Forget handled platform events whose time-to-live has passed; returns how many."""
        with self.database.writing() as connection:
            return connection.execute(
                seen_events.delete().where(seen_events.c.expires_at < now())
            ).rowcount

    # -- feedback ------------------------------------------------------------------------------
    def record_feedback(
        self,
        *,
        platform: str,
        user: str | None,
        question: str,
        answer_ref: str | None,
        helpful: bool,
    ) -> None:
        """Store a member's helpful / not helpful click, for maintainers."""
        with self.database.writing() as connection:
            connection.execute(
                feedback.insert().values(
                    platform=platform,
                    user=user,
                    question=question[:STORED_QUESTION_LIMIT],
                    answer_ref=answer_ref,
                    helpful=helpful,
                    created_at=now(),
                )
            )

    def feedback_since(self, since: dt.datetime) -> list[dict[str, Any]]:
        """Feedback clicks recorded since ``since``, oldest first, as plain rows."""
        query = sa.select(feedback).where(feedback.c.created_at >= since).order_by(feedback.c.id)
        with self.database.reading() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    # -- answer records (corrections and the report) ------------------------------------------
    def record_answer(
        self,
        origin: Origin,
        question: str,
        citations: Sequence[Citation],
        posted: str | None = None,
    ) -> int:
        """Record an answer a surface posted: where, the question (capped), what it cited.

        Returns the record's id. Raises ``QueueUnavailable`` when the queue cannot be written
        (the caller logs it: the member already has their answer).
        """
        cited = [{"chunk_id": c.chunk_id, "source": c.source, "title": c.title} for c in citations]
        row = {
            **origin_columns(origin, answers),
            "posted": posted,
            "question": question[:STORED_QUESTION_LIMIT],
            "question_chars": len(question),
            "citations": cited,
            "created_at": now(),
        }
        with self.database.writing() as connection:
            result = connection.execute(answers.insert().values(**row))
            return int(result.inserted_primary_key[0])

    def answers_since(self, since: dt.datetime, platform: str | None = None) -> list[AnswerRecord]:
        """Answer records made since ``since`` (from ``platform`` when given), oldest first."""
        query = sa.select(answers).where(answers.c.created_at >= since).order_by(answers.c.id)
        if platform is not None:
            query = query.where(answers.c.platform == platform)
        with self.database.reading() as connection:
            return [AnswerRecord(**dict(row)) for row in connection.execute(query).mappings()]

    def get_answer(self, answer_id: int) -> AnswerRecord | None:
        """One answer record, or None when it was purged."""
        with self.database.reading() as connection:
            row = (
                connection.execute(sa.select(answers).where(answers.c.id == answer_id))
                .mappings()
                .first()
            )
        return AnswerRecord(**dict(row)) if row is not None else None

    def latest_answer_id(self) -> int:
        """The newest answer record's id (0 when none): a cheap way to see new answers."""
        with self.database.reading() as connection:
            return int(connection.execute(sa.select(sa.func.max(answers.c.id))).scalar() or 0)

    # -- corrections (bot.staff.corrections) -----------------------------------------------
    def add_corrections(self, rows: Sequence[dict[str, Any]]) -> int:
        """Write the corrections not yet known (one per thread and document); returns how many.

        Each row needs ``platform``, ``thread_key``, ``document``, ``answer_id`` and ``change``.
        A thread is told about a document once, ever: rows already written (by this bot or a
        replica, posted or not) are left as they are.
        """
        if not rows:
            return 0
        keys = {(r["thread_key"], document_key(r["document"])) for r in rows}
        try:
            with self.database.writing() as connection:
                existing = set(
                    connection.execute(
                        sa.select(corrections.c.thread_key, corrections.c.document).where(
                            corrections.c.thread_key.in_({k for k, _ in keys})
                        )
                    ).all()
                )
                new: dict[tuple[str, str], dict[str, Any]] = {}
                for r in rows:
                    key = (r["thread_key"], document_key(r["document"]))
                    if key not in existing and key not in new:
                        new[key] = {
                            "platform": r["platform"],
                            "thread_key": key[0],
                            "document": key[1],
                            "answer_id": r["answer_id"],
                            "change": r["change"],
                            "created_at": now(),
                            "attempts": 0,
                        }
                if new:
                    connection.execute(corrections.insert(), list(new.values()))
        except IntegrityError:
            return 0  # a replica wrote them at the same moment: it has them
        return len(new)

    def correction_keys(self) -> set[tuple[str, str]]:
        """Every (thread key, document key) a correction was written for, posted or not."""
        with self.database.reading() as connection:
            rows = connection.execute(
                sa.select(corrections.c.thread_key, corrections.c.document)
            ).all()
        return {(key, document) for key, document in rows}

    def due_corrections(self, platform: str, max_attempts: int) -> list[CorrectionRow]:
        """Corrections from ``platform`` not yet posted, due now and not leased, oldest first."""
        moment = now()
        query = (
            sa.select(corrections)
            .where(
                corrections.c.platform == platform,
                corrections.c.posted_at.is_(None),
                corrections.c.attempts < max_attempts,
                sa.or_(corrections.c.retry_at.is_(None), corrections.c.retry_at <= moment),
                sa.or_(corrections.c.lease_until.is_(None), corrections.c.lease_until < moment),
            )
            .order_by(corrections.c.id)
        )
        return self._corrections(query)

    def list_corrections(self, limit: int = 200) -> list[CorrectionRow]:
        """Corrections, newest first (posted or not)."""
        return self._corrections(
            sa.select(corrections).order_by(corrections.c.id.desc()).limit(limit)
        )

    def _corrections(self, query: sa.Select) -> list[CorrectionRow]:
        with self.database.reading() as connection:
            return [CorrectionRow(**dict(row)) for row in connection.execute(query).mappings()]

    def take_correction_lease(self, ids: Sequence[int], owner: str, seconds: float) -> bool:
        """Reserve every correction in ``ids`` for ``owner``; False (taking none) if another
        desk holds any of them or one was posted meanwhile."""
        moment = now()
        ids = list(ids)
        with self.database.writing() as connection:
            taken = connection.execute(
                corrections.update()
                .where(
                    corrections.c.id.in_(ids),
                    corrections.c.posted_at.is_(None),
                    sa.or_(
                        corrections.c.lease_until.is_(None),
                        corrections.c.lease_until < moment,
                        corrections.c.lease_owner == owner,
                    ),
                )
                .values(lease_owner=owner, lease_until=moment + dt.timedelta(seconds=seconds))
            ).rowcount
            if taken == len(ids):
                return True
            connection.execute(
                corrections.update()
                .where(corrections.c.id.in_(ids), corrections.c.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )
        return False

    def mark_corrections_posted(self, ids: Sequence[int], owner: str) -> None:
        """The note for ``ids`` reached the thread; the lease ends."""
        self._update_corrections(
            ids, owner, posted_at=now(), error=None, lease_owner=None, lease_until=None
        )

    def mark_corrections_failed(
        self, ids: Sequence[int], owner: str, error: str, retry_at: dt.datetime | None
    ) -> None:
        """Posting the note failed: count the attempt, keep why, and when to try again."""
        log.warning("could not post correction(s) %s: %s", list(ids), error)
        self._update_corrections(
            ids,
            owner,
            attempts=corrections.c.attempts + 1,
            error=error,
            retry_at=retry_at,
            lease_owner=None,
            lease_until=None,
        )

    def release_corrections(self, ids: Sequence[int], owner: str) -> None:
        """Give the corrections back untouched (only those ``owner`` holds)."""
        self._update_corrections(ids, owner, lease_owner=None, lease_until=None)

    def _update_corrections(self, ids: Sequence[int], owner: str, **values: object) -> None:
        with self.database.writing() as connection:
            connection.execute(
                corrections.update()
                .where(corrections.c.id.in_(list(ids)), corrections.c.lease_owner == owner)
                .values(**values)
            )

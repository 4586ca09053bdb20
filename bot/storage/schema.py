"""The queue database's tables, and the rows read back from them.

The model Alembic's migrations must match (``tests/storage`` compares them), the rules that
are the same in Python and in SQL (what an item still needs), and the one mapping between a
member's ``Origin`` and the columns that store it, used by queue items and answer records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bot.answer import Origin

STORED_QUESTION_LIMIT = 4000  # characters of a question kept; the original length is recorded
KEY_LIMIT = 255  # characters of an event key or document path kept as they are
STAFF_KINDS = ("sensitive", "requested")


def now() -> dt.datetime:
    """The current time, as every timestamp is stored: timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


def stored_key(key: str) -> str:
    """``key`` as a key column holds it: itself, or its SHA-256 when too long for the column."""
    if len(key) <= KEY_LIMIT:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


class UTCDateTime(sa.TypeDecorator):
    """Timestamps stored in UTC and read back timezone-aware (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: sa.Dialect
    ) -> dt.datetime | None:
        """Store every timestamp in UTC."""
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(
        self, value: dt.datetime | None, dialect: sa.Dialect
    ) -> dt.datetime | None:
        """Read timestamps back as UTC-aware datetimes."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


metadata = sa.MetaData()
escalations = sa.Table(
    "escalations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("workspace", sa.String(64)),
    sa.Column("channel", sa.String(64)),
    sa.Column("thread", sa.String(64)),
    sa.Column("asker", sa.String(64)),
    sa.Column("event_id", sa.String(128)),
    sa.Column("link", sa.Text),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("category", sa.String(64)),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("passages", sa.JSON, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("assignee", sa.String(128)),
    sa.Column("staff_answer", sa.Text),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("staff_ref", sa.String(128)),
    sa.Column("notified_at", UTCDateTime()),
    sa.Column("notify_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("notify_error", sa.Text),
    sa.Column("relayed_at", UTCDateTime()),
    # 0002: where the reply goes, delivery bookkeeping, leases, retention
    sa.Column("reply_in", sa.String(16), nullable=False, server_default="thread"),
    sa.Column("private", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("message", sa.String(64)),
    sa.Column("question_chars", sa.Integer),
    sa.Column("relay_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("relay_error", sa.Text),
    sa.Column("retry_at", UTCDateTime()),
    sa.Column("lease_owner", sa.String(64)),
    sa.Column("lease_until", UTCDateTime()),
    sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
    sa.Column("posted_revision", sa.Integer),
    sa.Column("resolved_at", UTCDateTime()),
    sa.UniqueConstraint("platform", "event_id", name="uq_escalations_platform_event"),
)
feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("user", sa.String(64)),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("answer_ref", sa.String(128)),
    sa.Column("helpful", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)
seen_events = sa.Table(
    "seen_events",
    metadata,
    sa.Column("key", sa.String(KEY_LIMIT), primary_key=True),
    sa.Column("expires_at", UTCDateTime(), nullable=False, index=True),
)
# 0003: every answer posted with citations, and the correction notes sent to their threads
answers = sa.Table(
    "answers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("workspace", sa.String(64)),
    sa.Column("channel", sa.String(64)),
    sa.Column("thread", sa.String(64)),
    sa.Column("asker", sa.String(64)),
    sa.Column("reply_in", sa.String(16), nullable=False, server_default="thread"),
    sa.Column("private", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("message", sa.String(64)),
    sa.Column("posted", sa.String(128), index=True),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("question_chars", sa.Integer),
    sa.Column("citations", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False, index=True),
)
corrections = sa.Table(
    "corrections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("thread_key", sa.String(255), nullable=False),
    sa.Column("document", sa.String(255), nullable=False),
    sa.Column("answer_id", sa.Integer, nullable=False),
    sa.Column("change", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("posted_at", UTCDateTime(), index=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error", sa.Text),
    sa.Column("retry_at", UTCDateTime()),
    sa.Column("lease_owner", sa.String(64)),
    sa.Column("lease_until", UTCDateTime()),
    sa.UniqueConstraint("thread_key", "document", name="uq_corrections_thread_document"),
)
desks = sa.Table(
    "desks",
    metadata,
    sa.Column("owner", sa.String(64), primary_key=True),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("seen_at", UTCDateTime(), nullable=False),
)


# What an item still needs, in SQL; ``Item`` says the same in Python.
NEEDS_POST = sa.and_(escalations.c.staff_ref.is_(None), escalations.c.state != "resolved")
NEEDS_RELAY = sa.and_(escalations.c.staff_answer.is_not(None), escalations.c.relayed_at.is_(None))
POST_STALE = sa.and_(
    escalations.c.staff_ref.is_not(None),
    sa.func.coalesce(escalations.c.posted_revision, 0) < escalations.c.revision,
)

# Origin field -> the column that stores it. The member is ``asker`` in the tables.
_ORIGIN_COLUMNS = {
    "platform": "platform",
    "workspace": "workspace",
    "channel": "channel",
    "thread": "thread",
    "user": "asker",
    "event_id": "event_id",
    "link": "link",
    "reply_in": "reply_in",
    "private": "private",
    "message": "message",
}


def origin_columns(origin: Origin, table: sa.Table) -> dict[str, Any]:
    """``origin`` as the columns of ``table`` that store it (answer records keep no event id
    or link)."""
    return {
        column: getattr(origin, field)
        for field, column in _ORIGIN_COLUMNS.items()
        if column in table.c
    }


def origin_of(row: Mapping[str, Any]) -> Origin:
    """The ``Origin`` a row stores; fields the row has no column for keep their defaults."""
    fields = {field: row[column] for field, column in _ORIGIN_COLUMNS.items() if column in row}
    # Rows written before reply_in and private existed read back as NULL on some databases.
    fields["reply_in"] = fields.get("reply_in") or "thread"
    fields["private"] = bool(fields.get("private"))
    return Origin(**fields)


@dataclass(frozen=True)
class Item:
    """One queue item as stored; every store call returns a fresh copy."""

    id: int
    platform: str
    workspace: str | None
    channel: str | None
    thread: str | None
    asker: str | None
    event_id: str | None
    link: str | None
    question: str
    kind: str
    category: str | None
    reason: str
    passages: list[dict]
    state: str
    assignee: str | None
    staff_answer: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    staff_ref: str | None
    notified_at: dt.datetime | None
    notify_attempts: int
    notify_error: str | None
    relayed_at: dt.datetime | None
    reply_in: str = "thread"
    private: bool = False
    message: str | None = None
    question_chars: int | None = None
    relay_attempts: int = 0
    relay_error: str | None = None
    retry_at: dt.datetime | None = None
    lease_owner: str | None = None
    lease_until: dt.datetime | None = None
    revision: int = 1
    posted_revision: int | None = None
    resolved_at: dt.datetime | None = None

    @property
    def for_staff(self) -> bool:
        """True for items staff must answer (not maintainers' "no guidance" gaps)."""
        return self.kind in STAFF_KINDS

    @property
    def question_was_cut(self) -> bool:
        """True when the member wrote more than the queue keeps."""
        return self.question_chars is not None and self.question_chars > len(self.question)

    @property
    def needs_staff_post(self) -> bool:
        """Not yet posted to the staff channel (and still worth posting)."""
        return self.staff_ref is None and self.state != "resolved"

    @property
    def needs_relay(self) -> bool:
        """A staff answer is recorded but has not reached the member."""
        return self.staff_answer is not None and self.relayed_at is None

    @property
    def staff_post_stale(self) -> bool:
        """The staff post shows an older version of the item than the queue holds."""
        return self.staff_ref is not None and (self.posted_revision or 0) < self.revision

    @property
    def origin(self) -> Origin:
        """Where the member who asked hears back."""
        return origin_of(vars(self))


@dataclass(frozen=True)
class AnswerRecord:
    """An answer a surface posted with citations: where, what was asked, what it cited.

    ``citations`` is ``[{"chunk_id", "source", "title"}]``; ``posted`` is the posted answer's
    reference as the feedback buttons record it (``channel:message``), when the platform gave
    one (private answers sent through a response URL have none).
    """

    id: int
    platform: str
    workspace: str | None
    channel: str | None
    thread: str | None
    asker: str | None
    reply_in: str
    private: bool
    message: str | None
    posted: str | None
    question: str
    question_chars: int | None
    citations: list[dict]
    created_at: dt.datetime

    @property
    def origin(self) -> Origin:
        """Where the question was asked, so the member can be reached there again."""
        return origin_of(vars(self))


@dataclass(frozen=True)
class CorrectionRow:
    """One changed document to tell one thread about; rows of a thread are posted together.

    ``change`` is ``{"kind": "superseded" | "expired" | "removed", "source", "title",
    "replacement", "expired_on"}`` as found when the row was written.
    """

    id: int
    platform: str
    thread_key: str
    document: str
    answer_id: int
    change: dict
    created_at: dt.datetime
    posted_at: dt.datetime | None
    attempts: int
    error: str | None
    retry_at: dt.datetime | None
    lease_owner: str | None
    lease_until: dt.datetime | None

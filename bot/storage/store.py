"""The escalation queue: the only state shared between the bot and staff.

SQLAlchemy Core over SQLite by default (``DATABASE_URL`` can point at PostgreSQL); the schema
is created and migrated by Alembic when the store opens, under a lock, so several processes
opening a fresh queue at once all succeed. States and the actions each allows are the table
in ``bot.storage.states``; every transition is one UPDATE whose WHERE clause re-checks it,
so two staff clicking at once cannot both win, and an invalid transition changes nothing.

Privacy: the SQLite file is created ``0600``; the engine hides bound parameters, so no
error or log line carries a member's question; stored questions are capped at
``STORED_QUESTION_LIMIT`` characters. When the queue cannot be written, a new item goes to a
local spool file (``bot.storage.fallback``) and is replayed later: the member's question
is never lost because a database was locked.

The store also keeps what the running bots need to share: which platform events were already
handled (so two replicas answer once), short leases so only one process works on an item at a
time, and when each bot last looked at the queue (so the staff CLI can say why an answer has
not been delivered). It records every answer posted with citations (``answers``) and the
correction notes sent when a document an answer cited changed (``corrections``,
``bot.staff.corrections``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import logging
import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from bot.answer import Citation, Origin, Passage, Question
from bot.errors import ConfigError
from bot.settings import Settings
from bot.storage.fallback import PRIVATE_FILE, SpoolFile
from bot.storage.states import RESULT, STATES, Action, states_allowing

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
STORED_QUESTION_LIMIT = 4000  # characters of a question kept; the original length is recorded
EVENT_KEY_LIMIT = 255
STAFF_KINDS = ("sensitive", "requested")


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
    sa.Column("key", sa.String(EVENT_KEY_LIMIT), primary_key=True),
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


class EscalationError(Exception):
    """A queue operation was refused; the message is fit to show staff. Nothing changed."""


class ItemNotFound(EscalationError):
    """No item has this id."""


class InvalidTransition(EscalationError):
    """The item's state (or its assignee) does not allow this change."""


class QueueUnavailable(EscalationError):
    """The queue cannot be read or written right now (locked, read-only, unreachable)."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason  # the driver's short cause, safe to log


class StoreUnavailable(EscalationError, ConfigError):
    """The database cannot be opened (bad DATABASE_URL, unreachable server)."""


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
        return Origin(
            platform=self.platform,
            workspace=self.workspace,
            channel=self.channel,
            thread=self.thread,
            user=self.asker,
            event_id=self.event_id,
            link=self.link,
            reply_in=self.reply_in or "thread",
            private=bool(self.private),
            message=self.message,
        )


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
        return Origin(
            platform=self.platform,
            workspace=self.workspace,
            channel=self.channel,
            thread=self.thread,
            user=self.asker,
            reply_in=self.reply_in or "thread",
            private=bool(self.private),
            message=self.message,
        )


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


@dataclass(frozen=True)
class PurgeReport:
    """What ``purge`` removed (or, for a dry run, would remove)."""

    items: int
    feedback: int
    events: int
    answers: int = 0  # answer records (and their posted corrections)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def default_spool_path(settings: Settings) -> Path:
    """``QUEUE_FALLBACK_PATH``, or ``lines-fallback.jsonl`` beside the SQLite queue."""
    if settings.queue_fallback_path is not None:
        return settings.queue_fallback_path
    url = settings.resolved_database_url
    if url.startswith("sqlite:///") and "?" not in url:
        return Path(url.removeprefix("sqlite:///")).with_name("lines-fallback.jsonl")
    return settings.chroma_dir.parent / "lines-fallback.jsonl"


class EscalationStore:
    """Durable queue of escalated questions. Safe to share between threads and processes."""

    def __init__(
        self,
        database_url: str,
        *,
        spool: SpoolFile | None = None,
        busy_timeout: float = Settings.default("queue_busy_timeout"),
    ) -> None:
        self.spool = spool
        self.busy_timeout = busy_timeout
        try:
            # hide_parameters: an error never carries a question, e-mail or reference number.
            self.engine = sa.create_engine(database_url, hide_parameters=True)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise StoreUnavailable(
                f"DATABASE_URL={_shown(database_url)!r} is not usable ({exc}): use e.g. "
                "sqlite:////srv/lines/lines.db, or postgresql+psycopg://user:pass@host/lines "
                "with its driver installed"
            ) from None
        if self.engine.dialect.name == "sqlite":
            self._sqlite_path = _sqlite_file(self.engine.url)
            if self._sqlite_path is not None:
                _create_private(self._sqlite_path)
            sa.event.listen(self.engine, "connect", self._sqlite_pragmas)
        else:
            self._sqlite_path = None
        self._migrate()

    @classmethod
    def from_settings(cls, settings: Settings) -> EscalationStore:
        """The store at ``DATABASE_URL``, with its fallback spool and lock timeout."""
        url = settings.resolved_database_url
        if url.startswith("sqlite:///"):
            try:
                Path(url.removeprefix("sqlite:///").split("?")[0]).parent.mkdir(
                    parents=True, exist_ok=True
                )
            except OSError as exc:
                reason = (
                    "a file is in the way" if isinstance(exc, FileExistsError) else exc.strerror
                )
                raise StoreUnavailable(
                    f"cannot create the folder of the queue database {url} ({reason}): "
                    "set DATABASE_URL, or CHROMA_DIR/--db, to a place you can write."
                ) from None
        return cls(
            url,
            spool=SpoolFile(default_spool_path(settings)),
            busy_timeout=settings.queue_busy_timeout,
        )

    # -- opening -------------------------------------------------------------------------------
    def _sqlite_pragmas(self, dbapi_connection: Any, _record: object) -> None:
        # busy_timeout first: it makes a second process wait for the lock (including the one
        # switching to WAL on a fresh file) instead of failing with "database is locked".
        # WAL lets readers and one writer work at once.
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        with contextlib.suppress(Exception):  # a read-only file keeps its journal mode
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    def _migrate(self) -> None:
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self._migration_lock(), self.engine.begin() as connection:
                if self.engine.dialect.name == "postgresql":
                    # One migrator at a time; the lock ends with the transaction.
                    connection.exec_driver_sql("SELECT pg_advisory_xact_lock(4242021)")
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except (SQLAlchemyError, OSError) as exc:
            raise StoreUnavailable(
                f"cannot open the escalation database {_shown(str(self.engine.url))}: "
                f"{_reason(exc)}. Check DATABASE_URL and that the file or server is reachable "
                "and writable."
            ) from None

    @contextlib.contextmanager
    def _migration_lock(self) -> Iterator[None]:
        # Alembic reads the current revision, then creates tables: two processes opening a
        # fresh SQLite file at once would both try to create them. An exclusive lock on a file
        # beside the database makes the second wait and then find the schema up to date.
        if self._sqlite_path is None:
            yield
            return
        lock_path = self._sqlite_path.with_name(self._sqlite_path.name + ".migrate-lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    # -- errors ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _db(self, doing: str) -> Iterator[None]:
        """Turn driver failures into ``QueueUnavailable`` whose text is safe to log and show."""
        try:
            yield
        except IntegrityError:
            raise
        except (DBAPIError, SQLAlchemyError) as exc:
            reason = _reason(exc)
            raise QueueUnavailable(
                f"The queue cannot be {doing} right now ({reason}); nothing changed. "
                "Try again shortly.",
                reason,
            ) from None

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sa.Connection]:
        """A write transaction that holds the write lock from its first statement.

        SQLite starts transactions deferred: two processes that both read and then write can
        deadlock, and the loser gets "database is locked" at once (waiting cannot help it).
        ``BEGIN IMMEDIATE`` takes the lock up front, so a second writer simply waits its turn
        (up to ``busy_timeout``) and then sees the first one's rows.
        """
        with self.engine.connect() as connection:
            if self.engine.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

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
        row = self._row(question, kind, category, reason, passages)
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

    def _row(
        self,
        question: Question,
        kind: str,
        category: str | None,
        reason: str,
        passages: Sequence[Passage],
    ) -> dict[str, Any]:
        origin = question.origin
        now = _now()
        text = question.text
        return {
            "platform": origin.platform,
            "workspace": origin.workspace,
            "channel": origin.channel,
            "thread": origin.thread,
            "asker": origin.user,
            "event_id": origin.event_id,
            "link": origin.link,
            "reply_in": origin.reply_in,
            "private": origin.private,
            "message": origin.message,
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
            "created_at": now,
            "updated_at": now,
            "notify_attempts": 0,
        }

    def _insert(self, row: dict[str, Any]) -> int:
        try:
            with self._db("written"), self._writing() as connection:
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
        with self._db("read"), self.engine.connect() as connection:
            return connection.execute(
                sa.select(escalations.c.id).where(
                    escalations.c.platform == platform, escalations.c.event_id == event_id
                )
            ).scalar()

    # -- reading ---------------------------------------------------------------------------------
    def get(self, item_id: int) -> Item:
        """The item, or ``ItemNotFound``."""
        with self._db("read"), self.engine.connect() as connection:
            row = (
                connection.execute(sa.select(escalations).where(escalations.c.id == item_id))
                .mappings()
                .first()
            )
        if row is None:
            raise ItemNotFound(f"There is no item {item_id}.")
        return Item(**dict(row))

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
            query = query.where(sa.or_(_NEEDS_POST, _NEEDS_RELAY))
        return self._items(query)

    def pending_notifications(self, platform: str) -> list[Item]:
        """Items from ``platform`` not yet posted to the staff channel, oldest first."""
        query = (
            sa.select(escalations)
            .where(escalations.c.platform == platform, _NEEDS_POST)
            .order_by(escalations.c.id)
        )
        return self._items(query)

    def due_work(self, platform: str, limit: int = 50) -> list[Item]:
        """Items from ``platform`` a staff desk should work on now, oldest first.

        Work is: a staff post to make, a staff answer to deliver, or a staff post to refresh;
        an item waiting for its retry time, or leased by another desk, is not due.
        """
        now = _now()
        query = (
            sa.select(escalations)
            .where(
                escalations.c.platform == platform,
                sa.or_(_NEEDS_POST, _NEEDS_RELAY, _POST_STALE),
                sa.or_(escalations.c.retry_at.is_(None), escalations.c.retry_at <= now),
                sa.or_(escalations.c.lease_until.is_(None), escalations.c.lease_until < now),
            )
            .order_by(escalations.c.id)
            .limit(limit)
        )
        return self._items(query)

    def _items(self, query: sa.Select) -> list[Item]:
        with self._db("read"), self.engine.connect() as connection:
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
            resolved_at=_now(),
        )

    def _move(
        self, item_id: int, action: Action, allowed: sa.ColumnElement[bool], **values: object
    ) -> Item:
        state = RESULT[action]
        # The check and the change are one UPDATE, so of two staff acting at once only one
        # can match the WHERE clause; the other is refused with the state the winner left.
        with self._db("written"), self._writing() as connection:
            result = connection.execute(
                escalations.update()
                .where(escalations.c.id == item_id, allowed)
                .values(
                    state=state,
                    updated_at=_now(),
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
        now = _now()
        with self._db("written"), self._writing() as connection:
            result = connection.execute(
                escalations.update()
                .where(
                    escalations.c.id == item_id,
                    sa.or_(
                        escalations.c.lease_until.is_(None),
                        escalations.c.lease_until < now,
                        escalations.c.lease_owner == owner,
                    ),
                )
                .values(lease_owner=owner, lease_until=now + dt.timedelta(seconds=seconds))
            )
        return result.rowcount == 1

    def release_lease(self, item_id: int, owner: str) -> None:
        """Give the item back (only if ``owner`` still holds it)."""
        with self._db("written"), self._writing() as connection:
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
            notified_at=_now(),
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
            item_id, relayed_at=_now(), relay_error=None, revision=escalations.c.revision + 1
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
        with self._db("written"), self._writing() as connection:
            result = connection.execute(
                escalations.update().where(escalations.c.id == item_id).values(**values)
            )
        if result.rowcount != 1:
            raise ItemNotFound(f"There is no item {item_id}.")
        return self.get(item_id)

    # -- events seen by any replica -----------------------------------------------------------
    def first_time(self, keys: Sequence[str], ttl: dt.timedelta) -> bool:
        """True for the first caller, in any process, to record all of ``keys`` within ``ttl``.

        Platforms redeliver events (retries, reconnects, one message arriving as two event
        types) and two bot replicas may receive the same one; recording the keys in the
        shared queue makes exactly one of them answer. Raises ``QueueUnavailable`` when the
        queue cannot be written (the caller decides how to degrade).
        """
        now = _now()
        rows = [{"key": _event_key(k), "expires_at": now + ttl} for k in dict.fromkeys(keys) if k]
        if not rows:
            return True
        try:
            with self._db("written"), self._writing() as connection:
                connection.execute(
                    seen_events.delete().where(
                        seen_events.c.key.in_([r["key"] for r in rows]),
                        seen_events.c.expires_at < now,
                    )
                )
                connection.execute(seen_events.insert(), rows)
        except IntegrityError:
            return False
        return True

    # -- which desks are running ------------------------------------------------------------------
    def heartbeat(self, owner: str, platform: str) -> None:
        """Record that the desk ``owner`` (a running bot) looked at the queue just now."""
        now = _now()
        with self._db("written"), self._writing() as connection:
            updated = connection.execute(
                desks.update().where(desks.c.owner == owner).values(seen_at=now)
            ).rowcount
            if not updated:
                connection.execute(
                    desks.insert().values(owner=owner, platform=platform, seen_at=now)
                )

    def last_seen(self) -> dict[str, dt.datetime]:
        """Per platform, when a running bot last looked at the queue."""
        with self._db("read"), self.engine.connect() as connection:
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
        cutoff = _now() - older_than
        old_items = sa.and_(
            escalations.c.state == "resolved",
            sa.func.coalesce(escalations.c.resolved_at, escalations.c.updated_at) < cutoff,
            sa.not_(_NEEDS_RELAY),
        )
        old_feedback = feedback.c.created_at < cutoff
        expired = seen_events.c.expires_at < _now()
        old_answers = answers.c.created_at < cutoff
        with self._db("written"), self._writing() as connection:
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
        with self._db("written"), self._writing() as connection:
            return connection.execute(
                seen_events.delete().where(seen_events.c.expires_at < _now())
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
        with self._db("written"), self._writing() as connection:
            connection.execute(
                feedback.insert().values(
                    platform=platform,
                    user=user,
                    question=question[:STORED_QUESTION_LIMIT],
                    answer_ref=answer_ref,
                    helpful=helpful,
                    created_at=_now(),
                )
            )

    def feedback_counts(self) -> dict[bool, int]:
        """How many helpful and unhelpful clicks were recorded."""
        with self._db("read"), self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(feedback.c.helpful, sa.func.count()).group_by(feedback.c.helpful)
            ).all()
        return {bool(helpful): count for helpful, count in rows}

    def feedback_since(self, since: dt.datetime) -> list[dict[str, Any]]:
        """Feedback clicks recorded since ``since``, oldest first, as plain rows."""
        query = sa.select(feedback).where(feedback.c.created_at >= since).order_by(feedback.c.id)
        with self._db("read"), self.engine.connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    def items_since(self, since: dt.datetime) -> list[Item]:
        """Queue items opened since ``since``, oldest first (for the maintainers' report)."""
        query = (
            sa.select(escalations)
            .where(escalations.c.created_at >= since)
            .order_by(escalations.c.id)
        )
        return self._items(query)

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
            "platform": origin.platform,
            "workspace": origin.workspace,
            "channel": origin.channel,
            "thread": origin.thread,
            "asker": origin.user,
            "reply_in": origin.reply_in,
            "private": origin.private,
            "message": origin.message,
            "posted": posted,
            "question": question[:STORED_QUESTION_LIMIT],
            "question_chars": len(question),
            "citations": cited,
            "created_at": _now(),
        }
        with self._db("written"), self._writing() as connection:
            result = connection.execute(answers.insert().values(**row))
            return int(result.inserted_primary_key[0])

    def answers_since(self, since: dt.datetime, platform: str | None = None) -> list[AnswerRecord]:
        """Answer records made since ``since`` (from ``platform`` when given), oldest first."""
        query = sa.select(answers).where(answers.c.created_at >= since).order_by(answers.c.id)
        if platform is not None:
            query = query.where(answers.c.platform == platform)
        with self._db("read"), self.engine.connect() as connection:
            return [AnswerRecord(**dict(row)) for row in connection.execute(query).mappings()]

    def get_answer(self, answer_id: int) -> AnswerRecord | None:
        """One answer record, or None when it was purged."""
        with self._db("read"), self.engine.connect() as connection:
            row = (
                connection.execute(sa.select(answers).where(answers.c.id == answer_id))
                .mappings()
                .first()
            )
        return AnswerRecord(**dict(row)) if row is not None else None

    def latest_answer_id(self) -> int:
        """The newest answer record's id (0 when none): a cheap way to see new answers."""
        with self._db("read"), self.engine.connect() as connection:
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
            with self._db("written"), self._writing() as connection:
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
                            "created_at": _now(),
                            "attempts": 0,
                        }
                if new:
                    connection.execute(corrections.insert(), list(new.values()))
        except IntegrityError:
            return 0  # a replica wrote them at the same moment: it has them
        return len(new)

    def correction_keys(self) -> set[tuple[str, str]]:
        """Every (thread key, document key) a correction was written for, posted or not."""
        with self._db("read"), self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(corrections.c.thread_key, corrections.c.document)
            ).all()
        return {(key, document) for key, document in rows}

    def due_corrections(self, platform: str, max_attempts: int) -> list[CorrectionRow]:
        """Corrections from ``platform`` not yet posted, due now and not leased, oldest first."""
        now = _now()
        query = (
            sa.select(corrections)
            .where(
                corrections.c.platform == platform,
                corrections.c.posted_at.is_(None),
                corrections.c.attempts < max_attempts,
                sa.or_(corrections.c.retry_at.is_(None), corrections.c.retry_at <= now),
                sa.or_(corrections.c.lease_until.is_(None), corrections.c.lease_until < now),
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
        with self._db("read"), self.engine.connect() as connection:
            return [CorrectionRow(**dict(row)) for row in connection.execute(query).mappings()]

    def take_correction_lease(self, ids: Sequence[int], owner: str, seconds: float) -> bool:
        """Reserve every correction in ``ids`` for ``owner``; False (taking none) if another
        desk holds any of them or one was posted meanwhile."""
        now = _now()
        ids = list(ids)
        with self._db("written"), self._writing() as connection:
            taken = connection.execute(
                corrections.update()
                .where(
                    corrections.c.id.in_(ids),
                    corrections.c.posted_at.is_(None),
                    sa.or_(
                        corrections.c.lease_until.is_(None),
                        corrections.c.lease_until < now,
                        corrections.c.lease_owner == owner,
                    ),
                )
                .values(lease_owner=owner, lease_until=now + dt.timedelta(seconds=seconds))
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
            ids, owner, posted_at=_now(), error=None, lease_owner=None, lease_until=None
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
        with self._db("written"), self._writing() as connection:
            connection.execute(
                corrections.update()
                .where(corrections.c.id.in_(list(ids)), corrections.c.lease_owner == owner)
                .values(**values)
            )


def _shown(database_url: str) -> str:
    """The URL with any password masked, fit for an error message."""
    try:
        return sa.engine.make_url(database_url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return database_url


_NEEDS_POST = sa.and_(escalations.c.staff_ref.is_(None), escalations.c.state != "resolved")
_NEEDS_RELAY = sa.and_(escalations.c.staff_answer.is_not(None), escalations.c.relayed_at.is_(None))
_POST_STALE = sa.and_(
    escalations.c.staff_ref.is_not(None),
    sa.func.coalesce(escalations.c.posted_revision, 0) < escalations.c.revision,
)


def _allows(action: Action) -> sa.ColumnElement[bool]:
    return escalations.c.state.in_(states_allowing(action))


def document_key(source: str) -> str:
    """How a correction row names a document: its path, hashed when too long for the column."""
    return _event_key(source)


def _event_key(key: str) -> str:
    if len(key) <= EVENT_KEY_LIMIT:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


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


def _reason(exc: BaseException) -> str:
    """A short cause safe to log: the driver's own message (no SQL, no parameters)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def _sqlite_file(url: sa.URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _create_private(path: Path) -> None:
    # Create the file ourselves so it is 0600 from the start: it holds members' questions.
    # SQLite gives its -wal and -shm files the database file's permissions.
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
        os.close(fd)
    except OSError:
        return  # read-only place or missing folder: opening reports it properly
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning(
            "%s is readable by other users (mode %o); it holds members' questions: chmod 600 it",
            path,
            mode,
        )

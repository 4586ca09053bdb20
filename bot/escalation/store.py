"""The escalation queue: the only state shared between the bot and staff.

SQLAlchemy Core over SQLite by default (``DATABASE_URL`` can point at PostgreSQL); the schema
is created and migrated by Alembic when the store opens. States move one way::

    open -> claimed -> answered -> resolved
    open -> answered                      (answered without claiming)
    open | claimed -> resolved            (a gap closed without an answer)

Every transition is one UPDATE whose WHERE clause re-checks the state, so two staff clicking
at once cannot both win, and an invalid transition changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.answer import Passage, Question
from bot.errors import ConfigError
from bot.settings import Settings

log = logging.getLogger(__name__)

STATES = ("open", "claimed", "answered", "resolved")
MIGRATIONS = Path(__file__).parent / "migrations"


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


class EscalationError(Exception):
    """A queue operation was refused; the message is fit to show staff. Nothing changed."""


class ItemNotFound(EscalationError):
    """No item has this id."""


class InvalidTransition(EscalationError):
    """The item's state (or its assignee) does not allow this change."""


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

    @property
    def for_staff(self) -> bool:
        """True for items staff must answer (not maintainers' "no guidance" gaps)."""
        return self.kind in ("sensitive", "requested")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class EscalationStore:
    """Durable queue of escalated questions. Safe to share between threads and processes."""

    def __init__(self, database_url: str) -> None:
        try:
            self.engine = sa.create_engine(database_url, future=True)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise StoreUnavailable(
                f"DATABASE_URL={_shown(database_url)!r} is not usable ({exc}): use e.g. "
                "sqlite:////srv/lines/lines.db, or postgresql+psycopg://user:pass@host/lines "
                "with its driver installed"
            ) from None
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self._migrate()

    @classmethod
    def from_settings(cls, settings: Settings) -> EscalationStore:
        url = settings.resolved_database_url
        if url.startswith("sqlite:///"):
            try:
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                reason = (
                    "a file is in the way" if isinstance(exc, FileExistsError) else exc.strerror
                )
                raise StoreUnavailable(
                    f"cannot create the folder of the queue database {url} ({reason}): "
                    "set DATABASE_URL, or CHROMA_DIR/--db, to a place you can write."
                ) from None
        return cls(url)

    def _migrate(self) -> None:
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except sa.exc.OperationalError as exc:
            raise StoreUnavailable(
                f"cannot open the escalation database {_shown(str(self.engine.url))} "
                f"({exc.orig}): check DATABASE_URL."
            ) from None

    # -- the advisor's side ------------------------------------------------------------------
    def open_item(
        self,
        *,
        question: Question,
        kind: str,
        category: str | None,
        reason: str,
        passages: Sequence[Passage],
    ) -> int:
        """Record a new item (committed before returning) and return its id.

        The same platform event (``question.origin.event_id``) always maps to one item.
        """
        origin = question.origin
        now = _now()
        values = {
            "platform": origin.platform,
            "workspace": origin.workspace,
            "channel": origin.channel,
            "thread": origin.thread,
            "asker": origin.user,
            "event_id": origin.event_id,
            "link": origin.link,
            "question": question.text,
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
        try:
            with self.engine.begin() as connection:
                result = connection.execute(escalations.insert().values(**values))
                item_id = int(result.inserted_primary_key[0])
        except IntegrityError:
            existing = self._by_event(origin.platform, origin.event_id)
            if existing is None:
                raise
            log.info("event %s already has item %s", origin.event_id, existing)
            return existing
        log.info("opened escalation %s (%s/%s)", item_id, kind, category)
        return item_id

    def _by_event(self, platform: str, event_id: str | None) -> int | None:
        if event_id is None:
            return None
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(escalations.c.id).where(
                    escalations.c.platform == platform, escalations.c.event_id == event_id
                )
            ).scalar()

    # -- reading ---------------------------------------------------------------------------------
    def get(self, item_id: int) -> Item:
        """The item, or ``ItemNotFound``."""
        with self.engine.connect() as connection:
            row = (
                connection.execute(sa.select(escalations).where(escalations.c.id == item_id))
                .mappings()
                .first()
            )
        if row is None:
            raise ItemNotFound(f"There is no item {item_id}.")
        return Item(**dict(row))

    def list(self, state: str | None = None, limit: int = 100) -> list[Item]:
        """Items, newest first, optionally in one state."""
        if state is not None and state not in STATES:
            raise EscalationError(f"Unknown state {state!r}; use one of {', '.join(STATES)}.")
        query = sa.select(escalations).order_by(escalations.c.id.desc()).limit(limit)
        if state is not None:
            query = query.where(escalations.c.state == state)
        with self.engine.connect() as connection:
            return [Item(**dict(row)) for row in connection.execute(query).mappings()]

    def pending_notifications(self, platform: str) -> list[Item]:
        """Staff items from ``platform`` not yet posted to the staff channel, oldest first."""
        query = (
            sa.select(escalations)
            .where(
                escalations.c.platform == platform,
                escalations.c.notified_at.is_(None),
                escalations.c.kind.in_(("sensitive", "requested")),
                escalations.c.state != "resolved",
            )
            .order_by(escalations.c.id)
        )
        with self.engine.connect() as connection:
            return [Item(**dict(row)) for row in connection.execute(query).mappings()]

    # -- transitions -------------------------------------------------------------------------
    def claim(self, item_id: int, by: str) -> Item:
        """Assign the item to ``by``. Re-claiming your own item is harmless."""
        item = self.get(item_id)
        if item.state == "claimed" and item.assignee == by:
            return item
        return self._move(item_id, "claimed", escalations.c.state == "open", assignee=by)

    def answer(self, item_id: int, text: str, by: str) -> Item:
        """Record the staff answer; the surface then relays it into the member's thread.

        Open items can be answered by anyone; a claimed item only by the person who claimed it.
        """
        if not text or not text.strip():
            raise InvalidTransition("An answer needs some text; nothing changed.")
        allowed = sa.or_(
            escalations.c.state == "open",
            sa.and_(escalations.c.state == "claimed", escalations.c.assignee == by),
        )
        return self._move(item_id, "answered", allowed, staff_answer=text.strip(), assignee=by)

    def resolve(self, item_id: int, by: str) -> Item:
        """Close the item, answered or not; it keeps its assignee, or gets ``by``."""
        return self._move(
            item_id,
            "resolved",
            escalations.c.state.in_(("open", "claimed", "answered")),
            assignee=sa.func.coalesce(escalations.c.assignee, by),
        )

    def _move(
        self, item_id: int, state: str, allowed: sa.ColumnElement[bool], **values: object
    ) -> Item:
        # The check and the change are one UPDATE, so of two staff acting at once only one
        # can match the WHERE clause; the other is refused with the state the winner left.
        with self.engine.begin() as connection:
            result = connection.execute(
                escalations.update()
                .where(escalations.c.id == item_id, allowed)
                .values(state=state, updated_at=_now(), **values)
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

    # -- notification bookkeeping ---------------------------------------------------------------
    def mark_notified(self, item_id: int, staff_ref: str) -> Item:
        """The item was posted to staff at ``staff_ref`` (e.g. channel:ts)."""
        return self._set(item_id, staff_ref=staff_ref, notified_at=_now(), notify_error=None)

    def mark_notify_failed(self, item_id: int, error: str) -> Item:
        """Posting to staff failed: keep it visible and count the attempt, for the retry loop."""
        log.warning("could not notify staff of item %s: %s", item_id, error)
        return self._set(
            item_id, notify_error=error, notify_attempts=escalations.c.notify_attempts + 1
        )

    def mark_relayed(self, item_id: int) -> Item:
        """The staff answer reached the member's thread."""
        return self._set(item_id, relayed_at=_now())

    def _set(self, item_id: int, **values: object) -> Item:
        with self.engine.begin() as connection:
            result = connection.execute(
                escalations.update().where(escalations.c.id == item_id).values(**values)
            )
        if result.rowcount != 1:
            raise ItemNotFound(f"There is no item {item_id}.")
        return self.get(item_id)

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
        with self.engine.begin() as connection:
            connection.execute(
                feedback.insert().values(
                    platform=platform,
                    user=user,
                    question=question,
                    answer_ref=answer_ref,
                    helpful=helpful,
                    created_at=_now(),
                )
            )

    def feedback_counts(self) -> dict[bool, int]:
        """How many helpful and unhelpful clicks were recorded."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(feedback.c.helpful, sa.func.count()).group_by(feedback.c.helpful)
            ).all()
        return {bool(helpful): count for helpful, count in rows}


def _shown(database_url: str) -> str:
    """The URL with any password masked, fit for an error message."""
    try:
        return sa.engine.make_url(database_url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return database_url


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # WAL lets readers and one writer work at once; busy_timeout makes a second process wait
    # for the lock instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()

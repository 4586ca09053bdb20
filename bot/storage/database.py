"""The queue database: opening it, migrating it, and the one boundary its errors cross.

SQLAlchemy Core over SQLite by default (``DATABASE_URL`` can point at PostgreSQL). Opening a
``Database`` creates and migrates the schema with Alembic under a lock, so several processes
opening a fresh queue at once all succeed. One ``Database`` is made per process and shared by
the queue (``bot.storage.queue``) and the records (``bot.storage.records``); it is safe to
share between threads.

Privacy: the SQLite file is created ``0600``; the engine hides bound parameters, so no error
or log line carries a member's question; ``secure_delete`` makes SQLite overwrite what a
purge deletes instead of leaving it in freed pages. Every driver failure leaves through
``reading``/``writing`` as a ``QueueUnavailable`` whose text is safe to log and show staff.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from filelock import FileLock
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from bot.errors import ConfigError
from bot.settings import Settings
from bot.storage.fallback import PRIVATE_FILE

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


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


def sqlite_url(path: Path | str) -> str:
    """The ``DATABASE_URL`` of the SQLite file at ``path``."""
    return f"sqlite:///{path}"


def sqlite_file(database_url: str) -> Path | None:
    """The file a SQLite URL opens; None for another database, an in-memory one, a ``file:``
    URI (whose path SQLite parses itself) or a URL that does not parse."""
    try:
        url = sa.engine.make_url(database_url)
    except sa.exc.ArgumentError:
        return None
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(database)


def shown(database_url: str) -> str:
    """The URL with any password masked, fit for an error message."""
    try:
        return sa.engine.make_url(database_url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return database_url


class Database:
    """The engine of the queue database, migrated to the latest schema when opened."""

    def __init__(self, database_url: str, *, busy_timeout: float) -> None:
        """Open (creating and migrating when needed) the database at ``database_url``.

        ``busy_timeout`` is how many seconds a SQLite write waits for another writer before
        it fails (and the queue spools). Raises ``StoreUnavailable`` when the URL is not
        usable or the database cannot be opened.
        """
        self.busy_timeout = busy_timeout
        try:
            # hide_parameters: an error never carries a question, e-mail or reference number.
            self.engine = sa.create_engine(database_url, hide_parameters=True)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise StoreUnavailable(
                f"DATABASE_URL={shown(database_url)!r} is not usable ({exc}): use e.g. "
                "sqlite:////srv/lines/lines.db, or postgresql+psycopg://user:pass@host/lines "
                "with its driver installed"
            ) from None
        self.sqlite_path = sqlite_file(database_url)
        if self.is_sqlite:
            if self.sqlite_path is not None:
                _create_private(self.sqlite_path)
            sa.event.listen(self.engine, "connect", self._sqlite_pragmas)
        self._migrate()

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database at ``DATABASE_URL`` (its folder created), with ``QUEUE_BUSY_TIMEOUT``."""
        url = settings.resolved_database_url
        path = sqlite_file(url)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                reason = (
                    "a file is in the way" if isinstance(exc, FileExistsError) else exc.strerror
                )
                raise StoreUnavailable(
                    f"cannot create the folder of the queue database {url} ({reason}): "
                    "set DATABASE_URL, or CHROMA_DIR/--db, to a place you can write."
                ) from None
        return cls(url, busy_timeout=settings.queue_busy_timeout)

    @property
    def is_sqlite(self) -> bool:
        """True when the queue is a SQLite database (a file, or in memory)."""
        return self.engine.dialect.name == "sqlite"

    # -- opening -------------------------------------------------------------------------------
    def _sqlite_pragmas(self, dbapi_connection: Any, _record: object) -> None:
        # busy_timeout first: it makes a second process wait for the lock (including the one
        # switching to WAL on a fresh file) instead of failing with "database is locked".
        # WAL lets readers and one writer work at once. secure_delete: a purged question is
        # overwritten with zeros, not left in a freed page (some builds default it off).
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        cursor.execute("PRAGMA secure_delete=ON")
        with contextlib.suppress(Exception):  # a read-only file keeps its journal mode
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    def _migrate(self) -> None:
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
                f"cannot open the escalation database {shown(str(self.engine.url))}: "
                f"{reason_of(exc)}. Check DATABASE_URL and that the file or server is "
                "reachable and writable."
            ) from None

    @contextlib.contextmanager
    def _migration_lock(self) -> Iterator[None]:
        # Alembic reads the current revision, then creates tables: two processes opening a
        # fresh SQLite file at once would both try to create them. An exclusive lock on a file
        # beside the database makes the second wait and then find the schema up to date.
        if self.sqlite_path is None:
            yield
            return
        lock_path = self.sqlite_path.with_name(self.sqlite_path.name + ".migrate-lock")
        with FileLock(lock_path, mode=PRIVATE_FILE):
            yield

    # -- the error boundary --------------------------------------------------------------------
    @contextlib.contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        """A connection to read with; driver failures leave as ``QueueUnavailable``."""
        with self._boundary("read"), self.engine.connect() as connection:
            yield connection

    @contextlib.contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """A write transaction that holds the write lock from its first statement, committed
        when the block ends; driver failures leave as ``QueueUnavailable`` (nothing written)
        and unique-key clashes as SQLAlchemy's ``IntegrityError``, for the caller to judge.

        SQLite starts transactions deferred: two processes that both read and then write can
        deadlock, and the loser gets "database is locked" at once (waiting cannot help it).
        ``BEGIN IMMEDIATE`` takes the lock up front, so a second writer simply waits its turn
        (up to ``busy_timeout``) and then sees the first one's rows.
        """
        with self._boundary("written"), self.engine.connect() as connection:
            if self.is_sqlite:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    @contextlib.contextmanager
    def _boundary(self, doing: str) -> Iterator[None]:
        """Turn driver failures into ``QueueUnavailable`` whose text is safe to log and show."""
        try:
            yield
        except IntegrityError:
            raise
        except (DBAPIError, SQLAlchemyError) as exc:
            reason = reason_of(exc)
            raise QueueUnavailable(
                f"The queue cannot be {doing} right now ({reason}); nothing changed. "
                "Try again shortly.",
                reason,
            ) from None

    def scrub(self) -> None:
        """After deleting members' text: empty SQLite's write-ahead log, which still holds
        the pages as they were before, so the deleted text is gone from every file.

        Best effort: a reader in the middle of a transaction keeps the log until the next
        scrub (or until the last connection closes); that is logged, not raised.
        """
        if not self.is_sqlite:
            return
        with self.reading() as connection:
            busy, *_ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if busy:
            log.warning("the queue's write-ahead log is in use; purged text leaves it later")


def reason_of(exc: BaseException) -> str:
    """A short cause safe to log: the driver's own message (no SQL, no parameters)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


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

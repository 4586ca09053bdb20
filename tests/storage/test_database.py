"""Opening the queue database: migrations under a lock, privacy, clear errors, one URL reader."""

from __future__ import annotations

import importlib.resources
import multiprocessing
import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

import bot.storage.migrations.versions
from bot.settings import Settings
from bot.storage.database import (
    MIGRATIONS,
    Database,
    StoreUnavailable,
    sqlite_file,
    sqlite_url,
)
from bot.storage.queue import Queue, default_spool_path
from bot.storage.schema import metadata
from tests.conftest import open_database
from tests.storage.items import open_one


def test_a_bad_database_url_is_a_clear_error():
    with pytest.raises(StoreUnavailable, match="DATABASE_URL"):
        open_database("nonsense://")


def test_the_migrations_ship_inside_the_package():
    # a package, so an installed copy carries it
    files = importlib.resources.files("bot.storage.migrations")
    assert files.joinpath("env.py").is_file() and files.joinpath("script.py.mako").is_file()
    assert files.joinpath("versions", "0001_queue.py").is_file()
    assert bot.storage.migrations.versions.__file__


def test_the_migrated_schema_matches_the_model(database):
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == [], "add an Alembic revision for the model change"


def test_the_queue_file_is_created_private(tmp_path):
    path = tmp_path / "fresh" / "lines.db"
    path.parent.mkdir()
    open_one(Queue(open_database(sqlite_url(path))))  # writes, so -wal and -shm exist too
    for name in ("lines.db", "lines.db-wal", "lines.db-shm"):
        mode = stat.S_IMODE(os.stat(path.parent / name).st_mode)
        assert mode & 0o077 == 0, f"{name} is {oct(mode)}"


def _open_fresh(url: str, barrier, results) -> None:
    try:
        barrier.wait()
        queue = Queue(open_database(url))
        results.put(("ok", open_one(queue, f"event-{multiprocessing.current_process().pid}")))
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
    assert len(Queue(open_database(url)).list()) == 6


def test_a_queue_from_the_first_revision_is_upgraded_keeping_its_items(tmp_path):
    url = sqlite_url(tmp_path / "old.db")
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
    item = Queue(open_database(url)).get(1)
    assert item.question == "old one" and item.reply_in == "thread" and not item.private
    assert not item.staff_post_stale  # already posted: shown as it is


def test_the_lock_wait_comes_from_settings(tmp_path):
    settings = Settings(chroma_dir=tmp_path / "data" / ".chroma", queue_busy_timeout=1.5)
    database = Database.from_settings(settings)
    assert database.sqlite_path == tmp_path / "data" / "lines.db"
    with database.reading() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1500


def test_a_folder_that_cannot_be_made_is_a_clear_error(tmp_path):
    (tmp_path / "taken").write_text("a file where the folder should be", encoding="utf-8")
    settings = Settings(database_url=sqlite_url(tmp_path / "taken" / "lines.db"))
    with pytest.raises(StoreUnavailable, match="a file is in the way"):
        Database.from_settings(settings)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:////srv/lines/lines.db", Path("/srv/lines/lines.db")),
        ("sqlite:///lines.db", Path("lines.db")),
        ("sqlite:////srv/lines/lines.db?timeout=30", Path("/srv/lines/lines.db")),
        ("sqlite+pysqlite:////srv/lines.db", Path("/srv/lines.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///file:/srv/lines.db?mode=ro&uri=true", None),
        ("postgresql+psycopg://lines:secret@db/lines", None),
        ("nonsense", None),
    ],
)
def test_one_reader_of_sqlite_urls(url, path):
    assert sqlite_file(url) == path


def test_a_sqlite_url_round_trips(tmp_path):
    assert sqlite_file(sqlite_url(tmp_path / "q.db")) == tmp_path / "q.db"


def test_the_spool_sits_beside_the_sqlite_queue_or_the_index(tmp_path):
    beside = Settings(database_url=sqlite_url(tmp_path / "q" / "lines.db") + "?timeout=30")
    assert default_spool_path(beside) == tmp_path / "q" / "lines-fallback.jsonl"
    server = Settings(
        database_url="postgresql+psycopg://lines@db/lines", chroma_dir=tmp_path / ".chroma"
    )
    assert default_spool_path(server) == tmp_path / "lines-fallback.jsonl"
    chosen = Settings(queue_fallback_path=tmp_path / "spool.jsonl")
    assert default_spool_path(chosen) == tmp_path / "spool.jsonl"

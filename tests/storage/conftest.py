"""Each storage test gets its own real SQLite file."""

from __future__ import annotations

import pytest

from bot.storage.database import Database, sqlite_url
from bot.storage.queue import Queue
from bot.storage.records import Records
from tests.conftest import open_database


@pytest.fixture
def url(tmp_path) -> str:
    return sqlite_url(tmp_path / "queue.db")


@pytest.fixture
def database(url) -> Database:
    return open_database(url)


@pytest.fixture
def queue(database) -> Queue:
    return Queue(database)


@pytest.fixture
def records(database) -> Records:
    return Records(database)

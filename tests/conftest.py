"""Fixtures shared by every test: one embedder, a tiny corpus, a real advisor over it, and
a real `chroma run` server on 127.0.0.1.

The tiny corpus is ingested once per session into a real on-disk Chroma folder; each test
that asks questions gets its own SQLite escalation database, so queue state never leaks.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bot.advisor import Advisor
from bot.index.embedding import MiniLMEmbeddings
from bot.settings import PROJECT_ROOT, Settings
from bot.storage.database import Database, sqlite_url
from bot.storage.records import Records
from tests.waiting import eventually

TINY_CORPUS: dict[str, str] = {
    "guidance/channel-crossings.md": """---
title: Talking about Channel crossings
kind: guidance
date: 2025-02-01
status: current
topics: [channel crossings, small boats]
---
# Talking about Channel crossings

## Words to use

Say "people crossing the Channel" rather than "small boats", because it keeps people at
the centre of the story. Describe why people make the journey: to reach safety and family.

## Audiences

Speak to the persuadable middle through shared values such as fairness and compassion,
not through statistics alone.
""",
    "guidance/terminology.md": """---
title: Terminology guide
kind: guidance
date: 2025-01-10
status: current
---
# Terminology guide

## Terms to avoid

Avoid "illegal immigrant": no person is illegal. Say "people without the right papers".
Avoid water metaphors such as "flood" or "wave", because they dehumanise people.

## Acronyms

NRPF means No Recourse to Public Funds, a condition that blocks access to most benefits.
""",
    "lines/2023-08-crossings.md": """---
title: "Lines to take: Channel crossings (2023)"
kind: line
date: 2023-08-14
status: superseded
superseded_by: lines/2025-03-crossings.md
---
## Our lines

Everyone deserves to be safe. We call on the government to act on crossings.
""",
    "lines/2025-03-crossings.md": """---
title: "Lines to take: Channel crossings (2025)"
kind: line
date: 2025-03-10
status: current
---
## Our lines

Safe routes save lives: nobody should have to risk the Channel to reach safety.
People crossing the Channel are fleeing war and persecution.
""",
}


def write_corpus(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (relative path -> text or bytes) under ``root`` and return ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def make_settings(base: Path, knowledge: Path, **overrides: object) -> Settings:
    """Settings confined to ``base``: its own Chroma folder, SQLite file and knowledge folder."""
    values: dict[str, object] = {
        "knowledge_dirs": (knowledge,),
        "chroma_dir": base / "chroma",
        "database_url": sqlite_url(base / "lines.db"),
        "policy_path": PROJECT_ROOT / "knowledge" / "policy" / "escalation.yaml",
    }
    values.update(overrides)
    return Settings(**values)


def open_database(url: str, *, busy_timeout: float | None = None) -> Database:
    """The queue database at ``url``, created and migrated, waiting ``QUEUE_BUSY_TIMEOUT``'s
    default for a lock unless a test that holds one on purpose says less."""
    if busy_timeout is None:
        busy_timeout = Settings.default("queue_busy_timeout")
    return Database(url, busy_timeout=busy_timeout)


def helpful_clicks(records: Records) -> list[bool]:
    """Every feedback click recorded, oldest first: True for helpful, False for not."""
    since = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return [row["helpful"] for row in records.feedback_since(since)]


@pytest.fixture(scope="session")
def embeddings() -> MiniLMEmbeddings:
    """One embedder for the whole run: loading the ONNX model takes about half a second."""
    return MiniLMEmbeddings()


@pytest.fixture(scope="session")
def tiny_index(tmp_path_factory, embeddings) -> Settings:
    """The tiny corpus, ingested once into a session-wide Chroma folder (treat as read-only)."""
    from bot.ingest.pipeline import ingest

    base = tmp_path_factory.mktemp("tiny-index")
    knowledge = write_corpus(base / "knowledge", TINY_CORPUS)
    settings = make_settings(base, knowledge)
    report = ingest(settings, embeddings=embeddings)
    assert not report.failed, report.failed
    return settings


@pytest.fixture
def lines_settings(tiny_index: Settings, tmp_path: Path) -> Settings:
    """Settings over the shared tiny index with a fresh SQLite queue for this test."""
    return tiny_index.with_overrides(database_url=f"sqlite:///{tmp_path / 'lines.db'}")


@pytest.fixture
def lines_advisor(lines_settings: Settings, embeddings) -> Advisor:
    """A real advisor (Chroma on disk, real embedder, real queue) over the tiny corpus."""
    from bot.factory import build_advisor

    return build_advisor(lines_settings, embeddings=embeddings)


# -- a real Chroma server ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_chroma(path: Path) -> tuple[subprocess.Popen, str]:
    """A real ``chroma run`` on a free loopback port, answering its heartbeat."""
    chroma = Path(sys.executable).with_name("chroma")
    assert chroma.exists() or shutil.which("chroma"), "chromadb ships the `chroma` command"
    port = free_port()
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        if process.poll() is not None:
            raise RuntimeError("chroma run exited")
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
        except OSError:
            return False
        return True

    try:
        eventually(answering, timeout=60, what="chroma run answering", interval=0.2)
    except (AssertionError, RuntimeError):
        process.kill()
        raise RuntimeError("chroma run did not start") from None
    return process, url


@pytest.fixture
def chroma_process(tmp_path):
    process, url = start_chroma(tmp_path / "server")
    try:
        yield process, url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def chroma_server(chroma_process):
    return chroma_process[1]

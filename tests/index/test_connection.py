"""The one connection to the index: fresh after another process publishes, nothing leaks, and
readers in flight are never cut off.

Every test here uses a real on-disk Chroma folder, real ingests (in a child process where the
point is that *another* process changed the index), and counts real file descriptors and
threads from /proc.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from bot.answer import Question
from bot.answering.retrieval import ChromaRetriever
from bot.index.connection import IndexConnection
from bot.index.manifest import open_manifest_store
from bot.ingest.pipeline import ingest
from bot.settings import PROJECT_ROOT
from tests.conftest import make_settings, write_corpus

FIRST = {
    "guidance/words.md": """---
title: Words we use
kind: guidance
date: 2025-01-10
---
# Words we use

Say "people seeking asylum" rather than "asylum seekers" when you can: it puts people first.
"""
}
ADDED = {
    "guidance/volunteers.md": """---
title: Looking after volunteers
kind: guidance
date: 2025-02-10
---
# Looking after volunteers

Rota volunteers who moderate comments so nobody reads abuse for more than an hour a day,
and offer a debrief with a supervisor after every shift.
"""
}


def ingest_in_child(settings, *args: str) -> None:
    """``lines ingest`` in another process, as a maintainer runs it beside the bot."""
    env = {
        **os.environ,
        "CHROMA_DIR": str(settings.chroma_dir),
        "KNOWLEDGE_DIRS": str(settings.knowledge_dirs[0]),
        "DATABASE_URL": settings.database_url,
        "POLICY_PATH": str(settings.policy_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def test_a_running_bot_finds_what_another_process_added(tmp_path, embeddings):
    knowledge = write_corpus(tmp_path / "knowledge", FIRST)
    settings = make_settings(tmp_path, knowledge)
    ingest(settings, embeddings=embeddings)
    index = IndexConnection(settings, embeddings)
    dense = ChromaRetriever(index, use_bm25=False)  # the vector search alone, no keywords
    question = Question("How do we protect volunteers who moderate abusive comments?")
    assert all(p.source != "guidance/volunteers.md" for p in dense.retrieve(question))

    write_corpus(knowledge, ADDED)
    ingest_in_child(settings)

    # A client opened before the change would still search the old vectors in memory.
    passages = dense.retrieve(question)
    assert passages and passages[0].source == "guidance/volunteers.md"
    assert index.reopened == 1


def test_a_hundred_reloads_leave_no_files_or_threads_behind(tmp_path, embeddings):
    knowledge = write_corpus(tmp_path / "knowledge", {**FIRST, **ADDED})
    settings = make_settings(tmp_path, knowledge)
    ingest(settings, embeddings=embeddings)
    index = IndexConnection(settings, embeddings)
    retriever = ChromaRetriever(index)
    manifests = open_manifest_store(settings)
    question = Question("What should volunteers who moderate comments be offered?")

    def publish_and_ask() -> None:
        manifests.save(manifests.load())  # a new stamp, as every ingest publishes one
        assert retriever.retrieve(question)

    for _ in range(3):  # warm up: the first reloads load libraries and caches for good
        publish_and_ask()
    files, threads, reopened = open_fds(), os_threads(), index.reopened
    for _ in range(100):
        publish_and_ask()
    assert index.reopened == reopened + 100
    assert open_fds() <= files + 3, f"{open_fds() - files} more open files after 100 reloads"
    assert os_threads() <= threads + 3, f"{os_threads() - threads} more threads"


def test_a_reader_in_flight_keeps_its_client_until_it_is_done(tmp_path, embeddings):
    knowledge = write_corpus(tmp_path / "knowledge", FIRST)
    settings = make_settings(tmp_path, knowledge)
    ingest(settings, embeddings=embeddings)
    index = IndexConnection(settings, embeddings)
    index.open()  # as the factory does at start-up
    manifests = open_manifest_store(settings)
    collection_name = manifests.load().collection

    inside, leave = threading.Event(), threading.Event()
    seen: list[int] = []

    def slow_reader() -> None:
        with index.reading() as read:
            inside.set()
            leave.wait(10)
            # Still usable: the reopen the other thread asked for waits for this block.
            seen.append(read.collection(collection_name).count())

    reader = threading.Thread(target=slow_reader)
    reader.start()
    assert inside.wait(10)
    manifests.save(manifests.load())  # another ingest published

    second: list[int] = []

    def next_reader() -> None:
        with index.reading() as read:
            second.append(read.collection(collection_name).count())

    waiting = threading.Thread(target=next_reader)
    waiting.start()
    time.sleep(0.3)
    assert not second, "a new reader went ahead while the reopen waited for the first"
    assert index.reopened == 0
    leave.set()
    reader.join(10)
    waiting.join(10)
    assert seen == second == [1]
    assert index.reopened == 1


def test_rebuilt_by_another_process_while_readers_ask(tmp_path, embeddings):
    knowledge = write_corpus(tmp_path / "knowledge", {**FIRST, **ADDED})
    settings = make_settings(tmp_path, knowledge)
    ingest(settings, embeddings=embeddings)
    index = IndexConnection(settings, embeddings)
    retriever = ChromaRetriever(index)
    questions = [
        Question("Is 'asylum seekers' the phrase we should use?"),
        Question("How long should a volunteer moderate abusive comments for?"),
    ]
    stop = threading.Event()
    failures: list[str] = []
    answered = [0]

    def ask() -> None:
        n = 0
        while not stop.is_set():
            try:
                if not retriever.retrieve(questions[n % 2]):
                    failures.append("no passage")
                answered[0] += 1
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
            n += 1

    askers = [threading.Thread(target=ask) for _ in range(3)]
    for asker in askers:
        asker.start()
    try:
        ingest_in_child(settings, "--rebuild")
        collections_before = open_manifest_store(settings).load().collection
        ingest_in_child(settings, "--rebuild")
        time.sleep(0.5)
    finally:
        stop.set()
        for asker in askers:
            asker.join(30)
    assert not failures, failures[:5]
    assert answered[0] > 0
    assert open_manifest_store(settings).load().collection != collections_before
    assert index.reopened >= 2

"""A running bot stays correct while its knowledge changes: updates, rebuilds, killed ingests.

Ingests run in child processes (as a maintainer's would, beside the bot) that announce each
step; a test kills one with SIGKILL at an exact step by waiting for its announcement.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.answer import Question
from bot.answering.retrieval import ChromaRetriever
from bot.index.connection import IndexConnection
from bot.index.manifest import (
    FileManifestStore,
    manifest_path,
    open_live_collection,
    open_manifest_store,
)
from bot.index.vectorstore import open_client
from bot.ingest.pipeline import ingest
from tests.conftest import PROJECT_ROOT, make_settings, write_corpus
from tests.ingest.documents import pdf_bytes, with_sidecar

TOPICS = [
    "detention centres",
    "asylum hotels",
    "Channel crossings",
    "the EU Settlement Scheme",
    "net migration figures",
    "refugee family reunion",
    "the right to work for people seeking asylum",
    "hostile comments on social media",
    "spokespeople with lived experience",
    "immigration raids",
    "visa fees",
    "unaccompanied children",
]


def corpus(revision: int) -> dict[str, str]:
    files = {}
    for n, topic in enumerate(TOPICS):
        files[f"guidance/topic-{n:02d}.md"] = (
            f"# Talking about {topic}\n\n## Our position on {topic}\n\n"
            f"When we talk about {topic}, we put people first and explain what {topic} "
            f"means for the people affected. (Revision {revision}.)\n\n"
            f"## Words to use about {topic}\n\nDescribe {topic} in plain, humane words; "
            f"avoid numbers without people. (Revision {revision}.)\n"
        )
    return files


def run_child(knowledge: Path, base: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.ingest.ingest_child", str(knowledge), str(base), *args],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "ORT_DISABLE_TELEMETRY": "1", "ANONYMIZED_TELEMETRY": "False"},
    )


def finish(process: subprocess.Popen) -> list[str]:
    out, err = process.communicate(timeout=240)
    assert process.returncode == 0, err
    return out.split()


def kill_when_paused(process: subprocess.Popen) -> None:
    for line in process.stdout:  # the child announces each step; "paused" is the sentinel
        if line.strip() == "paused":
            break
    else:
        raise AssertionError(f"the child never paused: {process.stderr.read()}")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def lines_collections(settings) -> list[str]:
    names = [getattr(c, "name", c) for c in open_client(settings).list_collections()]
    return sorted(n for n in names if n.startswith(settings.collection))


def assert_consistent(settings, embeddings) -> None:
    """Everything the manifest lists exists, nothing else is stored, one live collection."""
    manifest = open_manifest_store(settings).load()
    stored = set(open_live_collection(settings, embeddings).get(include=[])["ids"])
    assert stored == manifest.live_ids
    assert lines_collections(settings) == [manifest.collection]


def test_a_bot_keeps_answering_while_the_index_changes(tmp_path, embeddings):
    knowledge = write_corpus(tmp_path / "k", corpus(0))
    settings = make_settings(tmp_path, knowledge)
    ingest(settings, embeddings=embeddings)
    retriever = ChromaRetriever(
        IndexConnection(settings, embeddings)
    )  # long-lived, like a running bot
    problems: list[str] = []
    stamps: set[object] = set()
    asked = [0]
    stop = threading.Event()

    def ask_in_a_loop(offset: int) -> None:
        i = offset
        while not stop.is_set():
            topic = TOPICS[i % len(TOPICS)]
            i += 1
            try:
                passages = retriever.retrieve(Question(f"How should we talk about {topic}?"))
            except Exception as exc:  # the test's point: nothing may reach the member
                import traceback

                problems.append(f"{topic}: raised {exc!r} {traceback.format_exc()}")
                continue
            if not passages:
                problems.append(f"{topic}: wrong 'no guidance'")
            elif not any(topic in p.title for p in passages):
                problems.append(f"{topic}: got {[p.title for p in passages]}")
            stamps.add(retriever._view.stamp)
            asked[0] += 1

    def wait_for_questions(count: int) -> None:
        target = asked[0] + count
        while asked[0] < target and not problems:
            stop.wait(0.05)

    threads = [threading.Thread(target=ask_in_a_loop, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    try:
        wait_for_questions(5)
        write_corpus(knowledge, corpus(1))  # an update ingest: every chunk replaced
        finish(run_child(knowledge, tmp_path))
        wait_for_questions(5)
        finish(run_child(knowledge, tmp_path, "--rebuild"))  # a new collection, switched to
        wait_for_questions(5)
        write_corpus(knowledge, corpus(2))
        killed = run_child(knowledge, tmp_path, "--pause-after", "publish", "2")
        kill_when_paused(killed)  # half the files published, leftovers not yet deleted
        wait_for_questions(10)
        finish(run_child(knowledge, tmp_path))  # the next run finishes the job
        wait_for_questions(5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert problems == []
    assert len(stamps) >= 5, "the bot should have answered from several published states"
    assert_consistent(settings, embeddings)
    texts = " ".join(open_live_collection(settings, embeddings).get()["documents"])
    assert "(Revision 2.)" in texts and "(Revision 1.)" not in texts


@pytest.mark.parametrize(
    ("args", "step"),
    [
        ((), "upsert 3"),  # new chunks written, manifest not yet saved
        ((), "publish 1"),  # manifest saved, replaced chunks not yet deleted
        (("--rebuild",), "upsert 3"),  # a new collection half filled
        (("--rebuild",), "publish 1"),  # switched over, old collection not yet dropped
    ],
)
def test_a_killed_ingest_leaves_the_last_state_answerable_and_the_next_run_finishes(
    tmp_path, embeddings, args, step
):
    knowledge = write_corpus(tmp_path / "k", corpus(0))
    settings = make_settings(tmp_path, knowledge)
    ingest(settings, embeddings=embeddings)
    write_corpus(knowledge, corpus(1))
    kill_when_paused(run_child(knowledge, tmp_path, *args, "--pause-after", *step.split()))

    retriever = ChromaRetriever(
        IndexConnection(settings, embeddings)
    )  # a bot started after the crash
    for topic in TOPICS:
        passages = retriever.retrieve(Question(f"How should we talk about {topic}?"))
        assert any(topic in p.title for p in passages), topic

    report = ingest(settings, embeddings=embeddings)
    assert report.failed == []
    assert_consistent(settings, embeddings)
    texts = " ".join(open_live_collection(settings, embeddings).get()["documents"])
    assert "(Revision 1.)" in texts and "(Revision 0.)" not in texts
    assert ingest(settings, embeddings=embeddings).unchanged  # and then it is quiet


def test_rebuilds_keep_the_last_good_version_of_a_file_that_fails_now(tmp_path, embeddings):
    knowledge = write_corpus(tmp_path / "k", corpus(0))
    handout = with_sidecar(
        knowledge / "training/handout.pdf", pdf_bytes(["Bridge back to your values."]), "Handout"
    )
    settings = make_settings(tmp_path, knowledge)
    ingest(settings, embeddings=embeddings)
    handout.write_bytes(pdf_bytes(["New text"])[:400])  # truncated by a bad copy

    report = ingest(settings, rebuild=True, embeddings=embeddings)
    assert [f["path"] for f in report.failed] == ["training/handout.pdf"]
    assert any("last good version stays" in w for w in report.warnings)
    assert_consistent(settings, embeddings)

    # The manifest says the index was built with another model: the automatic rebuild
    # re-embeds everything, and the failing file's stored text, with the current one.
    path = manifest_path(settings)
    data = json.loads(path.read_text())
    data["embedding_model"] = "an-older-model"
    FileManifestStore(path, settings.collection).save(
        type(open_manifest_store(settings).load()).from_json(data, settings.collection)
    )
    report = ingest(settings, embeddings=embeddings)
    assert [f["path"] for f in report.failed] == ["training/handout.pdf"]
    assert_consistent(settings, embeddings)
    passages = ChromaRetriever(IndexConnection(settings, embeddings)).retrieve(
        Question("How do I bridge back to our values in an interview?")
    )
    assert passages and passages[0].source == "training/handout.pdf"

"""The same code against a real ``chroma run`` server on 127.0.0.1 (CHROMA_URL)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.answer import Question
from bot.factory import build_advisor
from bot.ingest.pipeline import ingest
from tests.conftest import TINY_CORPUS, make_settings, write_corpus


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    chroma = Path(sys.executable).with_name("chroma")
    assert chroma.exists() or shutil.which("chroma"), "chromadb ships the `chroma` command"
    port = free_port()
    process = subprocess.Popen(
        [
            str(chroma),
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("chroma run did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_ingest_and_ask_through_a_chroma_server(tmp_path, chroma_server, embeddings):
    knowledge = write_corpus(tmp_path / "knowledge", TINY_CORPUS)
    settings = make_settings(tmp_path, knowledge, chroma_url=chroma_server)
    report = ingest(settings, embeddings=embeddings)
    assert report.failed == [] and report.chunks > 0
    assert not (tmp_path / "chroma" / "chroma.sqlite3").exists(), "nothing written locally"

    answer = build_advisor(settings, embeddings=embeddings).ask(
        Question("How do we talk about people crossing the Channel?")
    )
    assert answer.citations
    expected = {"guidance/channel-crossings.md", "lines/2025-03-crossings.md"}
    assert answer.citations[0].source in expected
    assert ingest(settings, embeddings=embeddings).unchanged

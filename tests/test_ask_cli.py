"""``python -m bot ask`` and ``python ingest.py`` as a maintainer and a member run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.settings import PROJECT_ROOT
from tests.conftest import TINY_CORPUS, write_corpus
from tests.ingest.documents import pdf_bytes, with_sidecar


def run(args: list[str], env: dict[str, str], stdin: str | None = None):
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def env(tmp_path):
    write_corpus(tmp_path / "knowledge", TINY_CORPUS)
    return {
        "CHROMA_DIR": str(tmp_path / "chroma"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'lines.db'}",
        "KNOWLEDGE_DIRS": str(tmp_path / "knowledge"),
    }


def test_ingest_json_contract_and_exit_codes(tmp_path, env):
    knowledge = tmp_path / "knowledge"
    done = run(["ingest.py", "--json"], env)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(summary) >= {"added", "updated", "removed", "unchanged", "failed", "chunks"}
    assert sorted(summary["added"]) == sorted(TINY_CORPUS) and summary["failed"] == []

    with_sidecar(knowledge / "training/bad.pdf", pdf_bytes(["x"])[:300], "Bad")
    done = run(["ingest.py", "--json"], env)
    assert done.returncode == 1
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert [f["path"] for f in summary["failed"]] == ["training/bad.pdf"]
    assert "Traceback" not in done.stderr

    done = run(["ingest.py", "--source", str(tmp_path / "missing")], env)
    assert done.returncode == 2
    assert "does not exist" in done.stderr


def test_ask_answers_with_citations_and_json_lines(env):
    assert run(["ingest.py"], env).returncode == 0
    done = run(["-m", "bot", "ask", "How do we talk about people crossing the Channel?"], env)
    assert done.returncode == 0, done.stderr
    assert "Sources:" in done.stdout and "[1]" in done.stdout

    questions = (
        "How do we talk about people crossing the Channel?\n"
        "What's the best recipe for banana bread?\n"
    )
    done = run(["-m", "bot", "ask", "--json", "--file", "-"], env, stdin=questions)
    assert done.returncode == 0, done.stderr
    first, second = [json.loads(line) for line in done.stdout.splitlines()]
    assert first["escalation"] is None
    assert first["citations"][0]["source"] in {
        "guidance/channel-crossings.md",
        "lines/2025-03-crossings.md",
    }
    assert {"source", "title", "locator", "quote"} <= set(first["citations"][0])
    assert second["citations"] == []
    assert second["escalation"]["kind"] == "no_guidance"


def test_ask_before_ingest_says_what_to_do(env):
    done = run(["-m", "bot", "ask", "anything"], env)
    assert done.returncode == 2
    assert "python ingest.py" in done.stderr


def test_no_arguments_lists_the_commands(env):
    done = run(["-m", "bot"], env)
    assert done.returncode == 0
    for command in ("ask", "escalations", "slack", "discord"):
        assert command in done.stdout

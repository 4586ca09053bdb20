"""``lines ask``: cited answers, JSON lines, and trying things out without touching the queue."""

from __future__ import annotations

import io
import json
import sqlite3

from bot.settings import Settings
from bot.storage.database import sqlite_file
from bot.storage.queue import Queue
from tests.conftest import open_database

CROSSINGS = "How do we talk about people crossing the Channel?"
SENSITIVE = "A journalist is outside our office now and we need a statement in an hour"


def test_ask_answers_with_numbered_sources(lines_cli, index_env):
    outcome = lines_cli("ask", CROSSINGS)
    assert outcome.code == 0, outcome.err
    assert outcome.out.startswith(f"Q: {CROSSINGS}")
    assert "Sources:" in outcome.out and "[1]" in outcome.out
    assert "lines/2025-03-crossings.md" in outcome.out or "guidance/channel-crossings.md" in (
        outcome.out
    )


def test_json_lines_from_stdin(lines_cli, index_env, monkeypatch):
    monkeypatch.setattr(
        "sys.stdin",
        io.StringIO(f"{CROSSINGS}\n# a comment\n\nWhat's the best recipe for banana bread?\n"),
    )
    outcome = lines_cli("ask", "--json", "--file", "-")
    assert outcome.code == 0, outcome.err
    first, second = [json.loads(line) for line in outcome.out.splitlines()]
    assert first["escalation"] is None
    assert first["citations"][0]["source"] in {
        "guidance/channel-crossings.md",
        "lines/2025-03-crossings.md",
    }
    assert {"source", "title", "locator", "quote"} <= set(first["citations"][0])
    assert second["citations"] == []
    assert second["escalation"]["kind"] == "no_guidance"
    assert isinstance(second["escalation"]["id"], int)


def test_an_escalation_opens_a_queue_item(lines_cli, index_env):
    outcome = lines_cli("ask", SENSITIVE)
    assert outcome.code == 0, outcome.err
    assert "[handed to staff (live_crisis), item #1:" in outcome.out
    items = Queue(open_database(index_env["DATABASE_URL"])).list()
    assert [(i.id, i.kind, i.category, i.question) for i in items] == [
        (1, "sensitive", "live_crisis", SENSITIVE)
    ]


def test_no_queue_shows_escalations_and_gaps_but_records_nothing(lines_cli, index_env, tmp_path):
    outcome = lines_cli("ask", "--no-queue", SENSITIVE)
    assert outcome.code == 0, outcome.err
    assert "[would be handed to staff (live_crisis); not queued (--no-queue):" in outcome.out
    gap = lines_cli("ask", "--no-queue", "--json", "What's the best recipe for banana bread?")
    escalation = json.loads(gap.out)["escalation"]
    assert escalation["kind"] == "no_guidance" and "id" not in escalation
    # The queue was never even opened.
    assert not (tmp_path / "queue.db").exists()


def test_a_question_and_a_file_together_are_refused(lines_cli, index_env, tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text(CROSSINGS)
    outcome = lines_cli("ask", "--file", str(questions), CROSSINGS)
    assert outcome.code == 2
    assert outcome.err_lines == ["lines: ask: give a question or --file, not both."]
    missing = lines_cli("ask", "--file", str(tmp_path / "nope.txt"))
    assert missing.code == 2 and "cannot read --file" in missing.err


def test_a_question_kept_in_the_fallback_file_is_not_called_unqueued(
    lines_cli, index_env, monkeypatch
):
    path = sqlite_file(index_env["DATABASE_URL"])
    open_database(index_env["DATABASE_URL"]).engine.dispose()  # the queue exists
    monkeypatch.setenv("QUEUE_BUSY_TIMEOUT", "0.2")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the queue
    try:
        outcome = lines_cli("ask", SENSITIVE)
    finally:
        holder.rollback()
        holder.close()
    assert outcome.code == 0, outcome.err
    assert "handed to staff (live_crisis); the queue is busy" in outcome.out
    assert "--no-queue" not in outcome.out
    assert Queue.from_settings(Settings.load()).spooled() == 1  # kept, not lost

"""``lines escalations``: in-process on a temporary queue, plus one real subprocess."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from bot.answer import Origin, Passage, Question
from bot.cli import build_parser
from bot.cli import escalations as escalations_cli
from bot.settings import PROJECT_ROOT, Settings
from bot.storage.database import sqlite_url
from bot.storage.queue import Queue
from bot.storage.records import Records
from bot.storage.schema import escalations

QUESTION = "A man died at the centre this morning"


@pytest.fixture
def settings(tmp_path):
    return Settings(
        chroma_dir=tmp_path / "chroma",
        database_url=sqlite_url(tmp_path / "queue.db"),
        queue_fallback_path=tmp_path / "fallback.jsonl",
    )


@pytest.fixture
def queue(settings):
    return Queue.from_settings(settings)


@pytest.fixture
def item(queue):
    return queue.open_item(
        question=Question(QUESTION, Origin(platform="slack", channel="C1", thread="1.1")),
        kind="sensitive",
        category="live_crisis",
        reason="matched the pattern 'died at the centre this morning'",
        passages=[
            Passage(
                "c1",
                "Say you will come back to them, and do.",
                "guidance/media.md",
                "Media handling",
                "guidance",
                "Holding lines",
                "2025-01-01",
            )
        ],
    )


def cli(settings, capsys, *args) -> tuple[int, str, str]:
    """Run ``escalations ARGS`` in this process; returns (exit code, stdout, stderr)."""
    parsed = build_parser("escalations").parse_args(["escalations", *args])
    code = escalations_cli.run(parsed, settings)
    out, err = capsys.readouterr()
    return code, out, err


def test_staff_work_an_item_from_the_terminal(settings, capsys, item):
    code, out, _ = cli(settings, capsys, "list")
    assert code == 0 and "live_crisis" in out and "open" in out
    assert cli(settings, capsys, "claim", str(item), "--as", "sam")[0] == 0
    _, shown, _ = cli(settings, capsys, "show", str(item))
    assert QUESTION in shown and "assigned to sam" in shown and "in the thread" in shown
    assert "Media handling — Holding lines (guidance/media.md)" in shown
    assert "Say you will come back to them, and do." in shown
    code, out, _ = cli(
        settings, capsys, "answer", str(item), "--text", "Calling now.", "--as", "sam"
    )
    assert code == 0 and "No Slack bot has looked at the queue yet" in out
    assert cli(settings, capsys, "resolve", str(item), "--as", "sam")[0] == 0
    data = json.loads(cli(settings, capsys, "show", str(item), "--json")[1])
    assert data["state"] == "resolved" and data["staff_answer"] == "Calling now."
    assert cli(settings, capsys, "list", "--state", "open")[1].strip() == "No items."


def test_list_says_what_has_not_been_delivered_and_why(settings, capsys, queue, item):
    _, out, _ = cli(settings, capsys, "list")
    assert "(!)" in out and "staff post waits for the Slack bot, which is not running" in out
    Records(queue.database).heartbeat("slack:test", "slack")  # a Slack bot is running
    queue.mark_notify_failed(item, "channel_not_found")
    queue.answer(item, "We will call.", "sam")
    queue.mark_relay_failed(item, "not_in_channel")
    _, out, _ = cli(settings, capsys, "list", "--undelivered")
    assert "staff post failed: channel_not_found (1x)" in out
    assert "answer not delivered: not_in_channel (1x)" in out
    rows = [json.loads(line) for line in cli(settings, capsys, "list", "--json")[1].splitlines()]
    assert "not_in_channel" in rows[0]["pending"]
    queue.mark_notified(item, "C:1")
    queue.mark_relayed(item)
    assert cli(settings, capsys, "list", "--undelivered")[1].strip() == "No items."
    _, out, _ = cli(
        settings,
        capsys,
        "answer",
        str(
            queue.open_item(
                question=Question("Another", Origin(platform="slack")),
                kind="requested",
                category="human_requested",
                reason="r",
                passages=[],
            )
        ),
        "--text",
        "Hi",
    )
    assert "the Slack bot sends it in the member's thread within about 2 seconds" in out


def test_control_characters_never_reach_the_terminal_raw(settings, capsys, queue):
    hostile = "Hi\x1b[2J\x1b]0;owned\x07 there\r\nfake line\u202egnp.exe"
    item_id = queue.open_item(
        question=Question(hostile, Origin(platform="slack")),
        kind="sensitive",
        category="threats",
        reason="pattern \x1b[31m",
        passages=[],
    )
    queue.claim(item_id, "sam\x1b[8m")
    outputs = [cli(settings, capsys, *args)[1] for args in (["list"], ["show", str(item_id)])]
    for out in outputs:
        for raw in ("\x1b", "\x07", "\r", "\u202e"):
            assert raw not in out
        assert "sam\\x1b[8m" in out  # what staff typed is shown escaped
    # The member's escape codes were made inert at the door (bot.inbound); what the door keeps
    # (a right-to-left override) the staff tools still escape, as they do the reason.
    assert " [2J ]0;owned  there" in outputs[1]
    assert "\\u202egnp.exe" in outputs[1] and "pattern \\x1b[31m" in outputs[1]


def test_purge_deletes_old_resolved_items_and_says_what_it_kept(settings, capsys, queue, item):
    queue.resolve(item, "sam")
    kept = queue.open_item(
        question=Question("still open", Origin(platform="slack")),
        kind="sensitive",
        category="threats",
        reason="r",
        passages=[],
    )
    with queue.database.engine.begin() as connection:
        connection.execute(
            escalations.update().values(resolved_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=91))
        )
    code, out, _ = cli(settings, capsys, "purge", "--older-than", "90", "--dry-run")
    assert code == 0 and "Would delete 1 resolved item(s)" in out
    assert len(queue.list()) == 2
    code, out, _ = cli(settings, capsys, "purge", "--older-than", "90")
    assert code == 0 and "Deleted 1 resolved item(s)" in out
    assert [i.id for i in queue.list()] == [kept]
    assert cli(settings, capsys, "purge", "--older-than", "-1")[0] == 1


def test_refusals_exit_1_and_change_nothing(settings, capsys, queue, item):
    assert cli(settings, capsys, "resolve", str(item))[0] == 0
    code, _, err = cli(settings, capsys, "resolve", str(item))
    assert code == 1 and "already resolved" in err
    code, _, err = cli(settings, capsys, "answer", "404", "--text", "hello")
    assert code == 1 and "no item 404" in err
    assert queue.get(item).staff_answer is None


def test_spooled_questions_are_counted_in_the_list(settings, capsys, queue):
    queue.spool.append({"platform": "slack", "question": "waiting"})
    _, out, _ = cli(settings, capsys, "list")
    assert "1 question(s) wait in" in out and str(settings.queue_fallback_path) in out
    assert "waiting" not in out.split("wait in")[0]  # counted, not shown


def test_the_command_runs_as_a_subprocess_from_any_folder(settings, item):
    # Run from another folder: the migrations must be found without an alembic.ini here.
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "bot", "escalations", *args],
            cwd=PROJECT_ROOT / "knowledge",
            env={
                **os.environ,
                "DATABASE_URL": settings.database_url,
                "PYTHONPATH": str(PROJECT_ROOT),
            },
            capture_output=True,
            text=True,
            timeout=60,
        )

    listing = run("list")
    assert listing.returncode == 0 and "live_crisis" in listing.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "escalations", "list"],
        env={**os.environ, "DATABASE_URL": "nonsense://", "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "DATABASE_URL" in bad.stderr

"""``python -m bot escalations`` end to end on a temporary database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.answer import Origin, Passage, Question
from bot.escalation.store import EscalationStore
from bot.settings import PROJECT_ROOT


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    store = EscalationStore(url)
    item = store.open_item(
        question=Question(
            "A man died at the centre this morning", Origin(platform="slack", channel="C1")
        ),
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
    return url, item


def cli(url, *args):
    # Run from another folder: the migrations must be found without an alembic.ini here.
    return subprocess.run(
        [sys.executable, "-m", "bot", "escalations", *args],
        cwd=PROJECT_ROOT / "knowledge",
        env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_staff_work_an_item_from_the_terminal(db):
    url, item = db
    listing = cli(url, "list")
    assert listing.returncode == 0 and "live_crisis" in listing.stdout and "open" in listing.stdout
    assert cli(url, "claim", str(item), "--as", "sam").returncode == 0
    shown = cli(url, "show", str(item))
    assert (
        "A man died at the centre this morning" in shown.stdout
        and "assigned to sam" in shown.stdout
    )
    assert "Media handling — Holding lines (guidance/media.md)" in shown.stdout
    assert "Say you will come back to them, and do." in shown.stdout
    assert (
        cli(url, "answer", str(item), "--text", "We are calling you now.", "--as", "sam").returncode
        == 0
    )
    assert cli(url, "resolve", str(item), "--as", "sam").returncode == 0
    data = json.loads(cli(url, "show", str(item), "--json").stdout)
    assert data["state"] == "resolved" and data["staff_answer"] == "We are calling you now."
    assert cli(url, "list", "--state", "open").stdout.strip() == "No items."


def test_refusals_exit_1_and_change_nothing(db):
    url, item = db
    assert cli(url, "resolve", str(item)).returncode == 0
    again = cli(url, "resolve", str(item))
    assert again.returncode == 1 and "already resolved" in again.stderr
    missing = cli(url, "answer", "404", "--text", "hello")
    assert missing.returncode == 1 and "no item 404" in missing.stderr
    assert json.loads(cli(url, "show", str(item), "--json").stdout)["staff_answer"] is None


def test_a_bad_database_url_exits_2(db):
    done = cli("nonsense://", "list")
    assert done.returncode == 2 and "DATABASE_URL" in done.stderr

"""The first questions after a start are answered like any others.

A restart is exactly when Slack redelivers what it could not deliver and members who were
waiting ask again. Each test starts the real bot as its own process (``python -m bot slack``
or ``discord``, with ``PYTHONDONTWRITEBYTECODE=1`` so every import is done from source, the
slowest and most race-prone start), connects it to the loopback Slack or Discord peer, sends
five questions the moment it is connected, and checks that every one gets a cited answer and
that the bot's log shows no import or client race.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from slack_sdk.signature import SignatureVerifier

from tests.fakes.discord_api import STAFF_CHANNEL, STAFF_ROLE, FakeDiscord
from tests.fakes.slack_api import FakeSlack
from tests.surfaces.slack.conftest import MEMBER, SECRET, mention

QUESTIONS = [
    "How do we talk about people crossing the Channel?",
    "What does NRPF mean?",
    "What are our current lines on Channel crossings?",
    "Is 'illegal immigrant' ok to say?",
    "How do we reach the persuadable middle?",
]
RACES = re.compile(r"ImportError|KeyError|AttributeError|Traceback|partially initialized")
UNAVAILABLE = "can't search our guidance"


def bot_process(command: list[str], settings, tmp_path: Path, **env: str) -> subprocess.Popen:
    log = (tmp_path / "bot.log").open("w")
    environment = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "CHROMA_DIR": str(settings.chroma_dir),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'queue.db'}",
        "POLICY_PATH": str(settings.policy_path),
        "STAFF_DESK_POLL_SECONDS": "0.2",
        "LOG_LEVEL": "INFO",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *command],
        cwd=tmp_path,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen, tmp_path: Path) -> str:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
    return (tmp_path / "bot.log").read_text(encoding="utf-8", errors="replace")


def cited_slack_replies(fake: FakeSlack, threads: list[str]) -> list[str]:
    """The bot's answer in each thread, as JSON text, waiting for each."""
    replies = []
    for ts in threads:
        reply = fake.wait_for("chat.postMessage", thread_ts=ts, timeout=90)[0]
        replies.append(json.dumps(reply.args))
    return replies


def test_slack_socket_mode_answers_a_burst_sent_as_it_connects(fake_slack, tiny_index, tmp_path):
    bot = bot_process(
        ["slack", "--mode", "socket"],
        tiny_index,
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_APP_TOKEN="xapp-test",
        SLACK_API_URL=fake_slack.base_url,
        SLACK_STAFF_CHANNEL="CSTAFF",
    )
    try:
        fake_slack.wait_for_socket(timeout=120)
        threads = []
        for n, question in enumerate(QUESTIONS):
            ts = fake_slack.add_member_message("CPUBLIC", MEMBER, question)
            fake_slack.send_envelope(
                "events_api",
                {
                    "type": "event_callback",
                    "team_id": "T0001",
                    "event_id": f"EvBurst{n}",
                    "event": mention(question, ts),
                },
            )
            threads.append(ts)
        replies = cited_slack_replies(fake_slack, threads)
    finally:
        log = stop(bot, tmp_path)
    for question, reply in zip(QUESTIONS, replies, strict=True):
        assert UNAVAILABLE not in reply and "Sources" in reply, (question, reply[:300])
    assert not RACES.search(log), log[-3000:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed_event(url: str, event: dict, event_id: str) -> int:
    body = json.dumps(
        {
            "token": "legacy",
            "team_id": "T0001",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
        }
    )
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def test_slack_http_mode_answers_a_burst_sent_as_it_listens(fake_slack, tiny_index, tmp_path):
    port = free_port()
    bot = bot_process(
        ["slack", "--mode", "http", "--host", "127.0.0.1", "--port", str(port)],
        tiny_index,
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.base_url,
        SLACK_STAFF_CHANNEL="CSTAFF",
    )
    try:
        deadline = time.monotonic() + 120
        while True:  # the first moment the port takes a connection
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert bot.poll() is None, (tmp_path / "bot.log").read_text()
                assert time.monotonic() < deadline, "the Slack app never listened"
                time.sleep(0.02)
        url = f"http://127.0.0.1:{port}/slack/events"
        threads = []
        for n, question in enumerate(QUESTIONS):
            ts = fake_slack.add_member_message("CPUBLIC", MEMBER, question)
            assert signed_event(url, mention(question, ts), f"EvHttp{n}") == 200
            threads.append(ts)
        replies = cited_slack_replies(fake_slack, threads)
    finally:
        log = stop(bot, tmp_path)
    for question, reply in zip(QUESTIONS, replies, strict=True):
        assert UNAVAILABLE not in reply and "Sources" in reply, (question, reply[:300])
    assert not RACES.search(log), log[-3000:]


def test_discord_answers_a_burst_sent_as_it_connects(tiny_index, tmp_path):
    async def scenario() -> list[dict]:
        fake = await FakeDiscord().start()
        bot = bot_process(
            ["discord"],
            tiny_index,
            tmp_path,
            DISCORD_TOKEN="test-token",
            DISCORD_API_URL=fake.api_url,
            DISCORD_GATEWAY_URL=fake.gateway_url,
            DISCORD_STAFF_CHANNEL_ID=STAFF_CHANNEL,
            DISCORD_STAFF_ROLE_ID=STAFF_ROLE,
        )
        try:
            deadline = time.monotonic() + 120
            while not fake.identifies:
                assert bot.poll() is None, (tmp_path / "bot.log").read_text()
                assert time.monotonic() < deadline, "the bot never identified"
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.1)  # READY and the guild are on the wire with the IDENTIFY
            messages = [await fake.member_says(q, mention_bot=True) for q in QUESTIONS]
            replies = []
            for message in messages:
                posted = await fake.wait_for(
                    "POST", rf"/channels/{message['id']}/messages", timeout=90
                )
                replies.append(posted[0].body)
            return replies
        finally:
            await asyncio.to_thread(stop, bot, tmp_path)
            await fake.stop()

    replies = asyncio.run(scenario())
    log = (tmp_path / "bot.log").read_text(encoding="utf-8", errors="replace")
    for question, reply in zip(QUESTIONS, replies, strict=True):
        text = json.dumps(reply)
        assert UNAVAILABLE not in text and "Sources" in text, (question, text[:300])
    assert not RACES.search(log), log[-3000:]


@pytest.fixture
def fake_slack():
    fake = FakeSlack(channel_members={"CSTAFF": ["USTAFF"]}).start()
    yield fake
    fake.stop()

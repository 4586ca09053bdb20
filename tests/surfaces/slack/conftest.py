"""Slack fixtures: the loopback fake, and the real Bolt app running against it.

``slack_http`` serves the app over HTTP on 127.0.0.1 (signed requests, like the Events API);
``slack_socket`` runs it in Socket Mode against the fake's websocket. Both run the staff
desk's loop (polling every 0.1 s) and handle events on one worker thread, in arrival order,
so a test can send a sentinel question last and, once it is answered, know every earlier
event has been handled.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.cli.slack import EVENTS_PATH, http_server
from bot.surfaces.slack.app import build_app
from bot.surfaces.slack.surface import SlackSurface
from tests.fakes.slack_api import FakeSlack

SECRET = "test-signing-secret"
STAFF_CHANNEL = "CSTAFF"
STAFF_USER = "USTAFF"
MEMBER = "UMEMBER"


@pytest.fixture
def fake_slack():
    fake = FakeSlack(channel_members={STAFF_CHANNEL: [STAFF_USER]}).start()
    yield fake
    fake.stop()


def settings_for(lines_settings, fake: FakeSlack):
    """``lines_settings`` pointed at ``fake``, in HTTP mode, the desk polling every 0.1 s."""
    return lines_settings.with_overrides(
        slack_bot_token="xoxb-test",
        slack_app_token="xapp-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
        slack_staff_channel=STAFF_CHANNEL,
        slack_mode="http",
        staff_desk_poll_seconds=0.1,
    )


@pytest.fixture
def slack_settings(lines_settings, fake_slack):
    return settings_for(lines_settings, fake_slack)


@dataclass
class HttpSlackApp:
    url: str
    surface: SlackSurface
    fake: FakeSlack

    def post(
        self,
        body: str,
        content_type: str,
        headers: dict | None = None,
        sign: bool = True,
        timestamp: int | None = None,
    ) -> tuple[int, str]:
        """Send a request as Slack would (signed unless ``sign`` is False)."""
        ts = str(timestamp if timestamp is not None else int(time.time()))
        all_headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts}
        if sign:
            all_headers["X-Slack-Signature"] = SignatureVerifier(SECRET).generate_signature(
                timestamp=ts, body=body
            )
        all_headers.update(headers or {})
        request = urllib.request.Request(
            self.url, data=body.encode(), headers=all_headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def event(
        self, event: dict, event_id: str, headers: dict | None = None, **kwargs
    ) -> tuple[int, str]:
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
        return self.post(body, "application/json", headers, **kwargs)

    def command(
        self, text: str, user: str = MEMBER, channel: str = "CPUBLIC", name: str | None = None
    ) -> tuple[int, str]:
        """``/lines text``; what the app sends to its response_url is recorded under ``name``."""
        trigger = f"trig-{time.monotonic_ns()}"
        form = {
            "command": "/lines",
            "text": text,
            "user_id": user,
            "channel_id": channel,
            "team_id": "T0001",
            "trigger_id": trigger,
            "response_url": self.fake.response_url(name or trigger),
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded")

    def shortcut(
        self,
        message: dict,
        user: str = MEMBER,
        channel: str = "CPUBLIC",
        name: str | None = None,
        callback_id: str = "check_with_lines",
    ) -> tuple[int, str]:
        """A message shortcut on ``message``, as Slack sends it (``type: message_action``);
        what the app sends to its response_url is recorded under ``name``."""
        trigger = f"trig-{time.monotonic_ns()}"
        return self.interact(
            shortcut_payload(message, user, channel, trigger, self.fake, name, callback_id)
        )

    def interact(self, payload: dict) -> tuple[int, str]:
        return self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )


def shortcut_payload(
    message: dict,
    user: str,
    channel: str,
    trigger: str,
    fake: FakeSlack,
    name: str | None = None,
    callback_id: str = "check_with_lines",
) -> dict:
    """The interaction payload of a message shortcut (Slack's ``message_action``)."""
    return {
        "type": "message_action",
        "token": "legacy",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": "T0001", "domain": "lines-test"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0001", "name": user.lower()},
        "channel": {"id": channel, "name": "general"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger,
        "response_url": fake.response_url(name or trigger),
        "message_ts": message["ts"],
        "message": {"type": "message", **message},
    }


def start_http_app(settings, advisor, fake) -> tuple[HttpSlackApp, object]:
    """The real app served on 127.0.0.1 with its desk running; returns it and a stopper."""
    app, surface = build_app(settings, advisor, listener_executor=ThreadPoolExecutor(1))
    surface.desk.backoff_base = 0.05  # retries within the test, not after five seconds
    surface.desk.start()
    server = http_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        surface.desk.stop()

    return HttpSlackApp(f"http://127.0.0.1:{server.server_port}{EVENTS_PATH}", surface, fake), stop


@pytest.fixture
def slack_http(slack_settings, lines_advisor, fake_slack):
    running, stop = start_http_app(slack_settings, lines_advisor, fake_slack)
    yield running
    stop()


@pytest.fixture
def slack_socket(slack_settings, lines_advisor, fake_slack):
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    settings = slack_settings.with_overrides(slack_mode="socket")
    app, surface = build_app(settings, lines_advisor, listener_executor=ThreadPoolExecutor(1))
    surface.desk.start()
    handler = SocketModeHandler(app, settings.slack_app_token)
    handler.connect()
    fake_slack.wait_for_socket()
    yield surface
    handler.close()
    surface.desk.stop()


def mention(
    text: str, ts: str, channel: str = "CPUBLIC", user: str = MEMBER, thread_ts: str | None = None
) -> dict:
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@UBOT> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def posted_text(fake: FakeSlack) -> str:
    """Everything the bot posted (text and blocks), as one string, for leak checks."""
    return json.dumps(
        [c.args for c in fake.calls if c.method.startswith("chat.") or c.method == "response"]
    )


SENTINEL = "Sentinel: which words should we avoid for Channel crossings?"


def sentinel(slack_http, fake: FakeSlack, channel: str = "DSENTINEL") -> None:
    """Ask one last question by DM and wait for its answer.

    Events are handled one at a time in arrival order, so once this is answered every event
    sent before it has been handled: what they did not post, they will never post.
    """
    ts = fake.add_member_message(channel, MEMBER, SENTINEL)
    slack_http.event(
        {
            "type": "message",
            "channel_type": "im",
            "user": MEMBER,
            "channel": channel,
            "text": SENTINEL,
            "ts": ts,
        },
        f"EvSentinel{ts}",
    )
    fake.wait_for("chat.postMessage", channel=channel, thread_ts=ts)

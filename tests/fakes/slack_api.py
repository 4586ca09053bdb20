"""A loopback stand-in for Slack: the Web API over HTTP and Socket Mode over a websocket.

The real slack_sdk / slack_bolt clients talk to it on 127.0.0.1 (random ports). It records
every Web API call with its decoded arguments, keeps the messages posted to each channel so
``conversations.replies`` returns a real thread, and serves Socket Mode envelopes whose acks
it records. Tests can make a method fail to exercise error handling.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from websockets.sync.server import serve

BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T0001"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    user: str | None = None
    bot_id: str | None = None
    thread_ts: str | None = None
    blocks: list | None = None


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    channel_members: dict[str, list[str]] = field(default_factory=dict)
    usergroup_users: dict[str, list[str]] = field(default_factory=dict)
    # method -> function(args) returning an error string to fail with, or None to succeed
    failures: dict[str, Callable[[dict], str | None]] = field(default_factory=dict)
    acks: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        self._sockets: list = []
        self._http: ThreadingHTTPServer | None = None
        self._ws = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    args = json.loads(raw or "{}")
                else:
                    args = {k: v[0] for k, v in parse_qs(raw).items()}
                for key in ("blocks", "view", "attachments"):
                    if isinstance(args.get(key), str):
                        args[key] = json.loads(args[key])
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ") or args.get("token")
                method = self.path.removeprefix("/api/").split("?")[0]
                body = fake._handle(method, args, token)
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        self._ws = serve(self._socket_mode, "127.0.0.1", 0)
        threading.Thread(target=self._ws.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if self._ws is not None:
            self._ws.shutdown()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/api/"

    @property
    def socket_url(self) -> str:
        return f"ws://127.0.0.1:{self._ws.socket.getsockname()[1]}/link"

    # -- Web API ---------------------------------------------------------------------------
    def _handle(self, method: str, args: dict, token: str | None) -> dict:
        with self._lock:
            self.calls.append(Call(method, args, token))
            self._lock.notify_all()
        failure = self.failures.get(method)
        error = failure(args) if failure else None
        if error:
            return {"ok": False, "error": error}
        if not token:
            return {"ok": False, "error": "not_authed"}
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": True}
        return handler(args, token)

    def _api_auth_test(self, args, token):
        return {
            "ok": True,
            "url": "https://lines-test.slack.com/",
            "team": "Test",
            "user": "lines",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
        }

    def _api_apps_connections_open(self, args, token):
        if not token.startswith("xapp-"):
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": self.socket_url}

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _api_chat_postMessage(self, args, token):
        ts = self._next_ts()
        message = Message(
            args["channel"],
            ts,
            args.get("text", ""),
            bot_id=BOT_ID,
            user=BOT_USER,
            thread_ts=args.get("thread_ts"),
            blocks=args.get("blocks"),
        )
        with self._lock:
            self.messages.append(message)
        return {
            "ok": True,
            "channel": args["channel"],
            "ts": ts,
            "message": {"text": message.text, "ts": ts, "bot_id": BOT_ID, "user": BOT_USER},
        }

    def _api_chat_update(self, args, token):
        return {
            "ok": True,
            "channel": args["channel"],
            "ts": args["ts"],
            "text": args.get("text", ""),
        }

    def _api_chat_postEphemeral(self, args, token):
        return {"ok": True, "message_ts": self._next_ts()}

    def _api_chat_getPermalink(self, args, token):
        ts = args["message_ts"].replace(".", "")
        return {
            "ok": True,
            "channel": args["channel"],
            "permalink": f"https://lines-test.slack.com/archives/{args['channel']}/p{ts}",
        }

    def _api_conversations_replies(self, args, token):
        thread = args["ts"]
        with self._lock:
            found = [
                m
                for m in self.messages
                if m.channel == args["channel"] and (m.ts == thread or m.thread_ts == thread)
            ]
        found.sort(key=lambda m: float(m.ts))
        out = []
        for m in found:
            item = {"type": "message", "ts": m.ts, "text": m.text}
            if m.user:
                item["user"] = m.user
            if m.bot_id:
                item["bot_id"] = m.bot_id
            if m.thread_ts:
                item["thread_ts"] = m.thread_ts
            out.append(item)
        return {"ok": True, "messages": out, "has_more": False}

    def _api_conversations_members(self, args, token):
        return {
            "ok": True,
            "members": self.channel_members.get(args["channel"], []),
            "response_metadata": {"next_cursor": ""},
        }

    def _api_usergroups_users_list(self, args, token):
        return {"ok": True, "users": self.usergroup_users.get(args["usergroup"], [])}

    def _api_views_open(self, args, token):
        return {"ok": True, "view": {"id": "V1", **(args.get("view") or {})}}

    # -- what tests use ----------------------------------------------------------------------
    def add_member_message(
        self, channel: str, user: str, text: str, thread_ts: str | None = None
    ) -> str:
        """Record a message a person posted (so threads contain it) and return its ts."""
        ts = self._next_ts()
        with self._lock:
            self.messages.append(Message(channel, ts, text, user=user, thread_ts=thread_ts))
        return ts

    def calls_to(self, method: str, **match: Any) -> list[Call]:
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method == method and all(c.args.get(k) == v for k, v in match.items())
            ]

    def wait_for(
        self, method: str, timeout: float = 10, count: int = 1, **match: Any
    ) -> list[Call]:
        """Block until ``count`` calls of ``method`` matching ``match`` were made."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [
                    c
                    for c in self.calls
                    if c.method == method and all(c.args.get(k) == v for k, v in match.items())
                ]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(
                        f"no {count}x {method} {match} within {timeout}s; calls: {seen}"
                    )
                self._lock.wait(remaining)

    # -- Socket Mode -------------------------------------------------------------------------
    def _socket_mode(self, websocket) -> None:
        with self._lock:
            self._sockets.append(websocket)
            self._lock.notify_all()
        websocket.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "connection_info": {"app_id": "A1"},
                    "debug_info": {},
                }
            )
        )
        try:
            for raw in websocket:
                message = json.loads(raw)
                with self._lock:
                    self.acks.append(message)
                    self._lock.notify_all()
        except Exception:  # the client went away; that is its right
            pass

    def wait_for_socket(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not self._sockets:
                if not self._lock.wait(max(0.0, deadline - time.monotonic())):
                    raise AssertionError("the app never opened a Socket Mode connection")

    def send_envelope(self, kind: str, payload: dict) -> str:
        """Push an envelope (events_api, slash_commands, interactive) and return its id."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        self._sockets[-1].send(json.dumps(envelope))
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout: float = 5) -> dict:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for ack in self.acks:
                    if ack.get("envelope_id") == envelope_id:
                        return ack
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"envelope {envelope_id} was never acknowledged")
                self._lock.wait(remaining)

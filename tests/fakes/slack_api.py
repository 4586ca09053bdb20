"""A loopback stand-in for Slack: the Web API over HTTP and Socket Mode over a websocket.

The real slack_sdk / slack_bolt clients talk to it on 127.0.0.1 (random ports). It records
every Web API call with its decoded arguments, keeps the messages posted to each channel so
``conversations.replies`` returns a real thread, and serves Socket Mode envelopes whose acks
it records. It also serves ``response_url``s (``/api/response/<name>``), recording what each
interaction's reply said and to whom.

Like Slack, it refuses messages over Block Kit's limits (``invalid_blocks``), measured as
JavaScript counts string length (UTF-16 code units, so an emoji counts 2), after JSON
decoding: the text of a section or context element (3,000), a header (150), a button label
(75) and value (2,000), and more than 50 blocks (100 in a modal). Tests can make a method
fail with an error (``failures``) or answer HTTP 429 with ``Retry-After`` (``rate_limit``).
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
    limited: bool = False  # answered with HTTP 429


def js_length(text: str) -> int:
    """String length as Slack's JavaScript measures it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def block_problems(blocks: list | None, block_limit: int = 50) -> list[str]:
    """What Slack would refuse in ``blocks`` (empty when they are valid)."""
    problems: list[str] = []
    blocks = blocks or []
    if len(blocks) > block_limit:
        problems.append(f"{len(blocks)} blocks > {block_limit}")

    def text_of(obj: Any, limit: int, where: str) -> None:
        if isinstance(obj, dict) and isinstance(obj.get("text"), str):
            if js_length(obj["text"]) > limit:
                problems.append(f"{where} text {js_length(obj['text'])} > {limit}")
            if not obj["text"]:
                problems.append(f"{where} text is empty")

    for n, block in enumerate(blocks):
        kind = block.get("type")
        if len(block.get("block_id", "")) > 255:
            problems.append(f"block {n} block_id too long")
        if kind == "section":
            text_of(block.get("text"), 3000, f"section {n}")
        elif kind == "header":
            text_of(block.get("text"), 150, f"header {n}")
        elif kind == "context":
            for element in block.get("elements", []):
                text_of(element, 3000, f"context {n}")
        elif kind == "actions":
            for element in block.get("elements", []):
                text_of(element.get("text"), 75, f"button {n}")
                value = element.get("value", "")
                if js_length(value) > 2000:
                    problems.append(f"button {n} value {js_length(value)} > 2000")
        elif kind == "input":
            text_of(block.get("label"), 2000, f"input {n} label")
    return problems


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
    # method -> how many more calls get HTTP 429 (then it succeeds again)
    rate_limited: dict[str, int] = field(default_factory=dict)
    rejected: list[Call] = field(default_factory=list)  # calls refused for breaking limits

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
            def _reply(self, status: int, data: bytes, content_type: str, headers=()) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

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
                if method.startswith("response/"):
                    status, text = fake._respond(method.removeprefix("response/"), args)
                    self._reply(status, text.encode(), "text/plain")
                    return
                if fake._take_rate_limit(method):
                    with fake._lock:
                        fake.calls.append(Call(method, args, token, limited=True))
                        fake._lock.notify_all()
                    body = json.dumps({"ok": False, "error": "ratelimited"}).encode()
                    self._reply(429, body, "application/json", [("Retry-After", "0")])
                    return
                body = fake._handle(method, args, token)
                self._reply(200, json.dumps(body).encode(), "application/json; charset=utf-8")

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
    def rate_limit(self, method: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` get HTTP 429 with ``Retry-After: 0``."""
        with self._lock:
            self.rate_limited[method] = times

    def _take_rate_limit(self, method: str) -> bool:
        with self._lock:
            left = self.rate_limited.get(method, 0)
            if left <= 0:
                return False
            self.rate_limited[method] = left - 1
            return True

    def _problems(self, method: str, args: dict) -> list[str]:
        problems: list[str] = []
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "response"):
            problems += block_problems(args.get("blocks"))
            if js_length(args.get("text") or "") > 40000:
                problems.append("text over 40,000")
        elif method == "views.open":
            view = args.get("view") or {}
            problems += block_problems(view.get("blocks"), 100)
            for key in ("title", "submit", "close"):
                if key in view and js_length(view[key]["text"]) > 24:
                    problems.append(f"view {key} over 24")
        return problems

    def _respond(self, name: str, payload: dict) -> tuple[int, str]:
        """A ``response_url`` was used: record it as a ``response`` call, as Slack shows it."""
        call = Call("response", {**payload, "url": name}, None)
        problems = self._problems("response", payload)
        with self._lock:
            self.calls.append(call)
            if problems:
                self.rejected.append(call)
            self._lock.notify_all()
        if problems:
            return 400, "invalid_blocks"
        failure = self.failures.get("response")
        error = failure(payload) if failure else None
        if error:
            return 404, error
        return 200, "ok"

    def response_url(self, name: str) -> str:
        """A response URL for one interaction; what is sent to it is recorded under ``name``."""
        return f"{self.base_url}response/{name}"

    def _handle(self, method: str, args: dict, token: str | None) -> dict:
        call = Call(method, args, token)
        problems = self._problems(method, args)
        with self._lock:
            self.calls.append(call)
            if problems:
                self.rejected.append(call)
            self._lock.notify_all()
        if problems:
            return {
                "ok": False,
                "error": "invalid_blocks",
                "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]},
            }
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

    def _api_conversations_open(self, args, token):
        return {"ok": True, "channel": {"id": "D" + args["users"].split(",")[0]}}

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
        """Calls of ``method`` whose arguments include ``match`` (429 answers excluded)."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method == method
                and not c.limited
                and all(c.args.get(k) == v for k, v in match.items())
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
                    if c.method == method
                    and not c.limited
                    and all(c.args.get(k) == v for k, v in match.items())
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

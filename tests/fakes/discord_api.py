"""A loopback stand-in for Discord: REST API v10 and the gateway, for the real discord.py client.

It speaks the gateway protocol (HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats and
acks, dispatches with sequence numbers, RECONNECT -> RESUME -> replay -> RESUMED), serves
the REST routes the bot uses, and records every REST call so tests can assert on what the
bot actually sent. Runs on 127.0.0.1 in the test's own event loop. Several bots may connect at
once (replicas of one application): every dispatch goes to each of them.

Like Discord, it refuses (400, code 50035) a message over the limits: content 2,000, 10
embeds, and per embed title 256, description 4,096, 25 fields of 256/1,024, author 256,
footer 2,048, and 6,000 across all of a message's embeds, measured in UTF-16 code units (what
JavaScript counts; never less than code points). Tests can refuse thread creation in a
channel (403, ``no_threads``) or every send to one (403, ``fail_channels``). ``live_links``
finds the masked links a Discord client would render in a piece of text.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

GUILD, TEXT_CHANNEL, STAFF_CHANNEL = "900", "901", "902"
STAFF_ROLE = "950"
BOT = {
    "id": "800",
    "username": "Lines",
    "discriminator": "0",
    "global_name": "Lines",
    "avatar": None,
    "bot": True,
}
APP_ID = "810"
MESSAGE_CONTENT_INTENT = 1 << 15  # in IDENTIFY's intents
MESSAGE_CONTENT_LIMITED = 1 << 19  # application flag: the portal's Message Content switch is on
MEMBER = {
    "id": "700",
    "username": "member",
    "discriminator": "0",
    "global_name": "Member",
    "avatar": None,
}
STAFFER = {
    "id": "701",
    "username": "staffer",
    "discriminator": "0",
    "global_name": "Staffer",
    "avatar": None,
}
OTHER_BOT = {
    "id": "702",
    "username": "otherbot",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
}


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def js_length(text: str | None) -> int:
    """String length in UTF-16 code units (an emoji counts 2)."""
    return len((text or "").encode("utf-16-le")) // 2


def message_problems(body: dict) -> list[str]:
    """What Discord would refuse in a message's content and embeds."""
    problems = []
    if js_length(body.get("content")) > 2000:
        problems.append("content: Must be 2000 or fewer in length.")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        problems.append("embeds: Must be 10 or fewer in length.")
    total = 0
    for n, embed in enumerate(embeds):
        sizes = {
            "title": (js_length(embed.get("title")), 256),
            "description": (js_length(embed.get("description")), 4096),
            "author.name": (js_length((embed.get("author") or {}).get("name")), 256),
            "footer.text": (js_length((embed.get("footer") or {}).get("text")), 2048),
        }
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append(f"embeds.{n}.fields: Must be 25 or fewer in length.")
        for f, field in enumerate(fields):
            sizes[f"fields.{f}.name"] = (js_length(field.get("name")), 256)
            sizes[f"fields.{f}.value"] = (js_length(field.get("value")), 1024)
            if not field.get("name") or not field.get("value"):
                problems.append(f"embeds.{n}.fields.{f}: name and value are required.")
        for where, (size, limit) in sizes.items():
            if size > limit:
                problems.append(f"embeds.{n}.{where}: Must be {limit} or fewer in length.")
            total += size
    if total > 6000:
        problems.append(f"embeds: Embed size exceeds maximum size of 6000 ({total}).")
    return problems


# A masked link as Discord renders it: [text](http...) with no backslash escaping its parts.
_LIVE_LINK = re.compile(r"(?<!\\)\[((?:[^\[\]\\]|\\.)*)(?<!\\)\]\((https?://[^)\s]+)\)")


def live_links(text: str) -> list[str]:
    """The masked links a Discord client would render in ``text`` (their targets)."""
    return [m.group(2) for m in _LIVE_LINK.finditer(text or "")]


@dataclass
class RestCall:
    method: str
    path: str
    body: Any


class FakeDiscord:
    def __init__(self) -> None:
        self.calls: list[RestCall] = []
        self.messages: dict[str, list[dict]] = {}  # channel id -> messages, oldest first
        self.channels: dict[str, dict] = {}
        self.events: list[dict] = []  # every dispatch, for RESUME replay
        self.identifies = 0
        self.resumes: list[dict] = []
        self.fail_channels: set[str] = set()
        self.no_threads: set[str] = set()  # channels where creating a thread is forbidden
        self.rejected: list[tuple[RestCall, list[str]]] = []  # calls refused for limits
        self._ids = itertools.count(10_000)
        self._ws: web.WebSocketResponse | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._changed = asyncio.Condition()
        self.session_id = "session-1"
        # As Discord does: with ``token`` set, REST calls with another token get 401; with
        # ``message_content_intent`` off, an IDENTIFY asking for it is closed with 4014.
        self.token: str | None = None
        self.message_content_intent = True
        for cid, name in ((TEXT_CHANNEL, "general"), (STAFF_CHANNEL, "staff")):
            self.channels[cid] = {
                "id": cid,
                "type": 0,
                "guild_id": GUILD,
                "name": name,
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
                "rate_limit_per_user": 0,
                "last_message_id": None,
            }

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def new_id(self) -> str:
        return str(next(self._ids))

    # -- gateway -----------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        self._sockets.append(ws)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45000}, "s": None, "t": None})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                break
            payload = json.loads(msg.data)
            op = payload["op"]
            if op == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                if payload["d"]["intents"] & MESSAGE_CONTENT_INTENT and not (
                    self.message_content_intent
                ):
                    await ws.close(code=4014, message=b"Disallowed intent(s).")
                    break
                self.identifies += 1
                await self._send_ready(ws)
            elif op == 6:
                self.resumes.append(payload["d"])
                for event in self.events:
                    if event["s"] > payload["d"]["seq"]:
                        await ws.send_json(event)
                await ws.send_json({"op": 0, "t": "RESUMED", "s": len(self.events) + 1000, "d": {}})
            async with self._changed:
                self._changed.notify_all()
        if self._ws is ws:
            self._ws = None
        if ws in self._sockets:
            self._sockets.remove(ws)
        return ws

    async def _send_ready(self, ws) -> None:
        ready = {
            "v": 10,
            "user": BOT,
            "guilds": [{"id": GUILD, "unavailable": True}],
            "session_id": self.session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": APP_ID, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "shard": [0, 1],
        }
        await self._raw_dispatch(ws, "READY", ready)
        guild = {
            "id": GUILD,
            "name": "Sector",
            "icon": None,
            "owner_id": STAFFER["id"],
            "unavailable": False,
            "member_count": 3,
            "large": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [self._role(GUILD, "@everyone", 0), self._role(STAFF_ROLE, "Staff", 1)],
            "channels": list(self.channels.values()),
            "threads": [],
            "members": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "joined_at": now(),
            "premium_tier": 0,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "system_channel_flags": 0,
            "preferred_locale": "en-GB",
        }
        await self._raw_dispatch(ws, "GUILD_CREATE", guild)

    @staticmethod
    def _role(rid: str, name: str, position: int) -> dict:
        return {
            "id": rid,
            "name": name,
            "permissions": "0",
            "position": position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }

    async def _raw_dispatch(self, ws, event: str, data: dict) -> None:
        payload = {"op": 0, "t": event, "s": len(self.events) + 1, "d": data}
        self.events.append(payload)
        targets = [ws] if ws is not None else []
        for socket in targets:
            if not socket.closed:
                await socket.send_json(payload)

    async def dispatch(self, event: str, data: dict) -> None:
        """Send a dispatch to every connected bot now, or keep it for RESUME if none is."""
        payload = {"op": 0, "t": event, "s": len(self.events) + 1, "d": data}
        self.events.append(payload)
        for socket in list(self._sockets):
            if not socket.closed:
                await socket.send_json(payload)

    async def wait_for_bots(self, count: int, timeout: float = 15) -> None:
        """Wait until ``count`` bots hold a gateway connection."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self._sockets) >= count), timeout
            )

    async def reconnect_request(self) -> None:
        """Ask the bot to reconnect (op 7), as Discord does before moving a session."""
        ws = self._ws
        self._ws = None
        if ws in self._sockets:
            self._sockets.remove(ws)
        await ws.send_json({"op": 7, "d": None, "s": None, "t": None})

    async def wait_for_resume(self, timeout: float = 10) -> dict:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: self.resumes and self._ws), timeout
            )
        return self.resumes[-1]

    # -- REST ----------------------------------------------------------------------------------
    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = None
        if request.can_read_body:
            if request.content_type == "multipart/form-data":
                reader = await request.multipart()
                async for part in reader:
                    if part.name == "payload_json":
                        body = json.loads(await part.text())
            else:
                text = await request.text()
                body = json.loads(text) if text else None
        call = RestCall(request.method, path, body)
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()
        if self.token is not None and request.headers.get("Authorization") != f"Bot {self.token}":
            return web.Response(
                status=401,
                body=json.dumps({"message": "401: Unauthorized", "code": 0}).encode(),
                headers={"Content-Type": "application/json"},
            )
        problems = self._problems(request.method, path, body)
        if problems:
            self.rejected.append((call, problems))
            payload = {"code": 50035, "message": "Invalid Form Body", "errors": problems}
            return web.Response(
                status=400,
                body=json.dumps(payload).encode(),
                headers={"Content-Type": "application/json"},
            )
        status, payload = self._route(request.method, path, body, request.query)
        if re.fullmatch(r"/channels/\d+/messages/\d+/threads", path) and status == 201:
            await self.dispatch("THREAD_CREATE", {**payload, "newly_created": True})
        if payload is None:
            return web.Response(status=status)
        # discord.py parses JSON only when the content type is exactly this (no charset).
        return web.Response(
            status=status,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )

    @staticmethod
    def _problems(method: str, path: str, body: Any) -> list[str]:
        """What Discord would refuse in a message body (empty when it is valid)."""
        if method not in ("POST", "PATCH") or not isinstance(body, dict):
            return []
        if "/callback" in path:
            body = body.get("data") or {}
            if not isinstance(body, dict) or ("embeds" not in body and "content" not in body):
                return []
        elif not (path.endswith("/messages") or "/messages/" in path or "/webhooks/" in path):
            return []
        return message_problems(body)

    def _route(self, method: str, path: str, body: Any, query) -> tuple[int, Any]:
        if path == "/users/@me":
            return 200, BOT
        if path == "/users/@me/channels" and method == "POST":
            recipient = body["recipient_id"]
            dm_id = f"55{recipient}"
            user = next(
                (u for u in (MEMBER, STAFFER, OTHER_BOT) if u["id"] == str(recipient)),
                {**MEMBER, "id": str(recipient)},
            )
            self.channels[dm_id] = {
                "id": dm_id,
                "type": 1,
                "recipients": [user],
                "last_message_id": None,
            }
            return 200, self.channels[dm_id]
        if path == "/oauth2/applications/@me":
            return 200, {
                "id": APP_ID,
                "name": "Lines",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "k",
                "flags": MESSAGE_CONTENT_LIMITED if self.message_content_intent else 0,
                "owner": STAFFER,
                "summary": "",
                "team": None,
            }
        if re.fullmatch(rf"/applications/{APP_ID}/commands", path) and method == "PUT":
            return 200, [
                {
                    "description": "",  # as Discord answers for message and user commands
                    **c,
                    "id": self.new_id(),
                    "application_id": APP_ID,
                    "version": "1",
                    "default_member_permissions": None,
                    "type": c.get("type", 1),
                }
                for c in body
            ]
        if m := re.fullmatch(r"/channels/(\d+)/typing", path):
            return 204, None
        if m := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/threads", path):
            parent, starter = m.groups()
            if parent in self.no_threads:
                return 403, {"message": "Missing Permissions", "code": 50013}
            if not 1 <= js_length(body.get("name")) <= 100:
                return 400, {"message": "Invalid Form Body", "code": 50035, "errors": ["name"]}
            thread = {
                "id": starter,
                "type": 11,
                "guild_id": GUILD,
                "parent_id": parent,
                "owner_id": BOT["id"],
                "name": body["name"],
                "last_message_id": None,
                "rate_limit_per_user": 0,
                "message_count": 0,
                "member_count": 1,
                "flags": 0,
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": body.get("auto_archive_duration", 1440),
                    "archive_timestamp": now(),
                    "locked": False,
                },
            }
            self.channels[starter] = thread
            return 201, thread
        if m := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path):
            channel, mid = m.groups()
            found = next((x for x in self.messages.get(channel, []) if x["id"] == mid), None)
            if method == "PATCH" and found is not None:
                found.update(
                    {k: v for k, v in body.items() if k in ("content", "embeds", "components")}
                )
            return (200, found) if found else (404, {"message": "Unknown Message", "code": 10008})
        if m := re.fullmatch(r"/channels/(\d+)/messages", path):
            channel = m.group(1)
            if method == "GET":
                history = list(reversed(self.messages.get(channel, [])))
                if "before" in query:
                    history = [x for x in history if int(x["id"]) < int(query["before"])]
                return 200, history[: int(query.get("limit", 50))]
            if channel in self.fail_channels:
                return 403, {"message": "Missing Access", "code": 50001}
            return 200, self.add_message(
                channel,
                BOT,
                body.get("content") or "",
                embeds=body.get("embeds") or [],
                components=body.get("components") or [],
            )
        if m := re.fullmatch(r"/channels/(\d+)", path):
            channel = self.channels.get(m.group(1))
            return (
                (200, channel) if channel else (404, {"message": "Unknown Channel", "code": 10003})
            )
        if m := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path):
            return 200, {"interaction": {"id": m.group(1), "type": 2}}
        if m := re.fullmatch(rf"/webhooks/{APP_ID}/([^/]+)", path):
            message = self.add_message(
                TEXT_CHANNEL,
                BOT,
                body.get("content") or "",
                embeds=body.get("embeds") or [],
                components=body.get("components") or [],
            )
            message["flags"] = body.get("flags") or 0
            return 200, message
        if re.fullmatch(rf"/webhooks/{APP_ID}/([^/]+)/messages/@original", path):
            return 200, self.add_message(
                TEXT_CHANNEL, BOT, "", embeds=(body or {}).get("embeds") or []
            )
        return 404, {"message": f"fake has no route {method} {path}", "code": 0}

    # -- what tests use --------------------------------------------------------------------------
    def add_message(
        self,
        channel: str,
        author: dict,
        content: str,
        *,
        mentions: list | None = None,
        embeds: list | None = None,
        components: list | None = None,
    ) -> dict:
        message = {
            "id": self.new_id(),
            "channel_id": channel,
            "author": author,
            "content": content,
            "timestamp": now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": mentions or [],
            "mention_roles": [],
            "attachments": [],
            "embeds": embeds or [],
            "pinned": False,
            "type": 0,
            "components": components or [],
            "flags": 0,
        }
        if self.channels.get(channel, {}).get("guild_id"):
            message["guild_id"] = GUILD
        self.messages.setdefault(channel, []).append(message)
        return message

    async def member_says(
        self,
        content: str,
        channel: str = TEXT_CHANNEL,
        author: dict = MEMBER,
        mention_bot: bool = False,
        guild: bool = True,
    ) -> dict:
        """A person posts a message; the bot hears it as MESSAGE_CREATE."""
        if mention_bot:
            content = f"<@{BOT['id']}> {content}"
        message = self.add_message(channel, author, content, mentions=[BOT] if mention_bot else [])
        data = dict(message)
        if guild:
            data["member"] = {"roles": [], "joined_at": now(), "deaf": False, "mute": False}
        else:
            data.pop("guild_id", None)
        await self.dispatch("MESSAGE_CREATE", data)
        return message

    async def interact(
        self,
        kind: int,
        data: dict,
        *,
        user: dict = MEMBER,
        roles: list[str] | None = None,
        channel: str = TEXT_CHANNEL,
        message: dict | None = None,
    ) -> str:
        """An interaction (2 command, 3 component, 5 modal submit) from a guild member; returns its id."""
        interaction_id = self.new_id()
        payload = {
            "id": interaction_id,
            "application_id": APP_ID,
            "type": kind,
            "data": data,
            "guild_id": GUILD,
            "channel_id": channel,
            "channel": self.channels.get(channel) or {"id": channel, "type": 0, "guild_id": GUILD},
            "member": {
                "user": user,
                "roles": roles or [],
                "joined_at": now(),
                "deaf": False,
                "mute": False,
                "permissions": "2147483647",
                "flags": 0,
            },
            "token": f"token-{interaction_id}",
            "version": 1,
            "attachment_size_limit": 10485760,
            "app_permissions": "2147483647",
            "locale": "en-GB",
            "guild_locale": "en-GB",
            "entitlements": [],
            "authorizing_integration_owners": {},
            "context": 0,
        }
        if message is not None:
            payload["message"] = message
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction_id

    async def message_command(
        self, name: str, target: dict, *, user: dict = MEMBER, channel: str = TEXT_CHANNEL
    ) -> str:
        """A message context-menu command on ``target`` (an application command of type 3:
        ``target_id`` names the message, ``resolved.messages`` carries it); returns its id."""
        data = {
            "id": self.new_id(),
            "name": name,
            "type": 3,
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: target}},
        }
        return await self.interact(2, data, user=user, channel=channel)

    async def wait_for(
        self, method: str, pattern: str, count: int = 1, timeout: float = 10
    ) -> list[RestCall]:
        """Wait until ``count`` REST calls match ``method`` and the ``pattern`` regex on the path."""

        def found():
            return [c for c in self.calls if c.method == method and re.fullmatch(pattern, c.path)]

        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: len(found()) >= count), timeout
                )
            except TimeoutError:
                raise AssertionError(
                    f"no {count}x {method} {pattern}; calls: {[(c.method, c.path) for c in self.calls]}"
                ) from None
        return found()

    def sent(self, pattern: str) -> list[RestCall]:
        return [
            c for c in self.calls if c.method in ("POST", "PATCH") and re.fullmatch(pattern, c.path)
        ]

"""One small adapter per platform, so a contract test can run against both loopback peers.

Each adapter runs the real bot (the Bolt app over HTTP, or discord.py on the gateway) against
its fake, and speaks in what a member does (use a command, use a message action) and sees
(the replies, and whether only they can see them). Everything platform-shaped, such as
payloads, markup and channel ids, stays here; the contract reads the same on both.

The Discord bot runs on an event loop in a thread of its own, so the contract can be written
as plain blocking code, as the Slack tests are.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from bot.surfaces.discord.check import USAGE as DISCORD_USAGE
from bot.surfaces.slack.handlers.check import USAGE as SLACK_USAGE
from tests.fakes import discord_api
from tests.fakes.slack_api import FakeSlack
from tests.surfaces.discord import conftest as discord_conftest
from tests.surfaces.slack import conftest as slack_conftest

WAIT = 30.0  # seconds for anything the bot should send


@dataclass(frozen=True)
class Shown:
    """One reply as the person sees it: every visible text, and who can see it."""

    text: str
    private: bool  # only the person who acted can see it
    parts: int  # Block Kit blocks, or Discord embeds


def _slack_texts(value: Any) -> list[str]:
    """Every ``text`` in a Block Kit structure, in order."""
    if isinstance(value, dict):
        found = [value["text"]] if isinstance(value.get("text"), str) else []
        for key, inner in value.items():
            if key != "text" or not isinstance(inner, str):
                found += _slack_texts(inner)
        return found
    if isinstance(value, list):
        return [text for item in value for text in _slack_texts(item)]
    return []


def _discord_text(body: dict) -> str:
    """A message's content and every visible text of its embeds, as one string."""
    out = [body.get("content") or ""]
    for embed in body.get("embeds") or []:
        out += [embed.get("title") or "", embed.get("description") or ""]
        out += [(embed.get("author") or {}).get("name") or ""]
        for field in embed.get("fields") or []:
            out += [field["name"], field["value"]]
    return "\n".join(out)


async def _cancel_the_rest() -> None:
    """Cancel every other task on this loop (a handler still finishing) and let them end."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class SlackPeer:
    """The Bolt app served over HTTP against ``FakeSlack``, its staff desk running."""

    name = "slack"
    member = slack_conftest.MEMBER
    usage = SLACK_USAGE
    short_reply_parts = 2  # one line, and "Only you can see this."

    def __init__(self, settings, advisor, fake: FakeSlack) -> None:
        self.fake = fake
        self.app, self._stop = slack_conftest.start_http_app(settings, advisor, fake)
        self.desk = self.app.surface.desk
        self.queue = self.app.surface.desk.queue

    @classmethod
    def settings(cls, lines_settings, fake: FakeSlack):
        """``lines_settings`` pointed at ``fake``."""
        return slack_conftest.settings_for(lines_settings, fake)

    def close(self) -> None:
        """Stop the app and its desk."""
        self._stop()

    @staticmethod
    def bold(text: str) -> str:
        """``text`` in bold, as the bot writes it here."""
        return f"*{text}*"

    def check_command(self, draft: str) -> str:
        """``/lines check <draft>``; returns a handle on its replies."""
        name = f"command-{time.monotonic_ns()}"
        status, body = self.app.command(f"check {draft}", name=name)
        assert status == 200 and body in ("", "{}")  # acknowledged, nothing for the channel
        return name

    def check_message(self, text: str, *, mine: bool = False) -> str:
        """The "Check with Lines" action on a message saying ``text`` (the member's own if ``mine``,
        else someone else's); returns a handle on its replies."""
        author = self.member if mine else "UAUTHOR"
        ts = self.fake.add_member_message("CPUBLIC", author, text)
        name = f"shortcut-{time.monotonic_ns()}"
        status, body = self.app.shortcut({"user": author, "ts": ts, "text": text}, name=name)
        assert status == 200 and body in ("", "{}")
        return name

    def acknowledged(self, handle: str) -> bool:
        """Slack had its answer before the request returned (``check_*`` asserted it)."""
        return True

    def replies(self, handle: str, count: int = 1) -> list[Shown]:
        """The replies to ``handle`` (waiting for ``count``)."""
        calls = self.fake.wait_for("response", url=handle, count=count, timeout=WAIT)
        return [
            Shown(
                "\n".join([c.args.get("text") or "", *_slack_texts(c.args.get("blocks") or [])]),
                c.args.get("response_type") == "ephemeral",
                len(c.args.get("blocks") or []),
            )
            for c in calls
        ]

    def replies_so_far(self, handle: str) -> int:
        """How many replies ``handle`` has had yet, without waiting."""
        return len(self.fake.calls_to("response", url=handle))

    def settle(self) -> None:
        """Return once every event sent before has been handled."""
        slack_conftest.sentinel(self.app, self.fake)

    def public_posts(self) -> list[str]:
        """Everything posted where someone other than the member could see it (staff aside)."""
        private = (slack_conftest.STAFF_CHANNEL, "DSENTINEL", f"D{self.member}")
        return [
            json.dumps(c.args, ensure_ascii=False)
            for c in self.fake.calls
            if c.method in ("chat.postMessage", "chat.postEphemeral", "chat.update")
            and c.args.get("channel") not in private
        ]

    def direct_messages_opened(self) -> int:
        """How many direct-message conversations the bot opened."""
        return len(self.fake.calls_to("conversations.open"))

    def staff_post(self) -> str:
        """The first post in the staff channel, as staff see it."""
        call = self.fake.wait_for(
            "chat.postMessage", channel=slack_conftest.STAFF_CHANNEL, timeout=WAIT
        )[0]
        return "\n".join(_slack_texts(call.args.get("blocks") or []))

    def direct_message(self) -> str:
        """The first direct message to the member."""
        call = self.fake.wait_for("chat.postMessage", channel=f"D{self.member}", timeout=WAIT)[0]
        return "\n".join([call.args["text"], *_slack_texts(call.args.get("blocks") or [])])


class DiscordPeer:
    """``LinesBot`` on the loopback gateway, on an event loop in its own thread."""

    name = "discord"
    member = discord_api.MEMBER["id"]
    usage = DISCORD_USAGE
    short_reply_parts = 1  # one line (Discord itself says only they can see it)

    def __init__(self, settings, advisor) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self._running = discord_conftest.running(settings, advisor)
        bot, self.fake = self._call(self._running.__aenter__())
        self.desk, self.queue = bot.desk, bot.desk.queue

    @classmethod
    def settings(cls, lines_settings):
        """``lines_settings`` with a Discord token, staff channel and role."""
        return discord_conftest.settings_for(lines_settings)

    def _call(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(WAIT * 2)

    def close(self) -> None:
        """Close the bot and the fake, then the loop."""
        try:
            self._call(self._running.__aexit__(None, None, None))
            self._call(_cancel_the_rest())  # as asyncio.run does before it closes a loop
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()

    @staticmethod
    def bold(text: str) -> str:
        """``text`` in bold, as the bot writes it here."""
        return f"**{text}**"

    def check_command(self, draft: str) -> str:
        """``/check draft: <draft>``; returns the interaction id."""
        return self._call(self.fake.interact(2, discord_conftest.check_command(draft)))

    def check_message(self, text: str, *, mine: bool = False) -> str:
        """The "Check with Lines" action on a message saying ``text`` (the member's own if ``mine``,
        else someone else's); returns the interaction id."""
        author = discord_api.MEMBER if mine else discord_api.STAFFER
        target = self.fake.add_message(discord_api.TEXT_CHANNEL, author, text)
        return self._call(self.fake.message_command("Check with Lines", target))

    def _callback(self, handle: str) -> dict:
        calls = self._call(
            self.fake.wait_for("POST", rf"/interactions/{handle}/[^/]+/callback", timeout=WAIT)
        )
        return calls[0].body

    def acknowledged(self, handle: str) -> bool:
        """Deferred ephemerally ("Lines is thinking..." only the member sees)."""
        callback = self._callback(handle)
        return callback["type"] == 5 and callback["data"]["flags"] == 64

    def replies(self, handle: str, count: int = 1) -> list[Shown]:
        """The reply in the interaction's response, or its follow-ups (waiting for ``count``)."""
        callback = self._callback(handle)
        if callback["type"] == 4:  # answered in the response itself
            data = callback["data"]
            return [
                Shown(_discord_text(data), data.get("flags") == 64, len(data.get("embeds") or []))
            ]
        follow_ups = self._call(
            self.fake.wait_for(
                "POST", rf"/webhooks/{discord_api.APP_ID}/token-{handle}", count, timeout=WAIT
            )
        )
        return [
            Shown(_discord_text(c.body), c.body.get("flags") == 64, len(c.body.get("embeds") or []))
            for c in follow_ups
        ]

    def replies_so_far(self, handle: str) -> int:
        """How many follow-ups ``handle`` has had yet, without waiting."""
        return len(self.fake.sent(rf"/webhooks/{discord_api.APP_ID}/token-{handle}"))

    def settle(self) -> None:
        """Return once every event sent before has been handled."""
        self._call(discord_conftest.sentinel(self.fake))

    def public_posts(self) -> list[str]:
        """Everything posted where someone other than the member could see it (staff aside)."""
        private = {discord_api.STAFF_CHANNEL, "556", f"55{self.member}"}
        return [
            json.dumps(c.body, ensure_ascii=False)
            for c in self.fake.sent(r"/channels/\d+/messages")
            if c.path.split("/")[2] not in private
        ]

    def direct_messages_opened(self) -> int:
        """How many direct-message channels the bot opened."""
        return len(self.fake.sent(r"/users/@me/channels"))

    def staff_post(self) -> str:
        """The first post in the staff channel, as staff see it."""
        calls = self._call(
            self.fake.wait_for(
                "POST", rf"/channels/{discord_api.STAFF_CHANNEL}/messages", timeout=WAIT
            )
        )
        return _discord_text(calls[0].body)

    def direct_message(self) -> str:
        """The first direct message to the member."""
        calls = self._call(
            self.fake.wait_for("POST", rf"/channels/55{self.member}/messages", timeout=WAIT)
        )
        return _discord_text(calls[0].body)

"""Running the real discord.py client against the loopback fake, inside ``asyncio.run``."""

from __future__ import annotations

import asyncio
import contextlib

import discord
import pytest

from bot.surfaces.discord.client import LinesBot, apply_endpoints
from tests.fakes.discord_api import STAFF_CHANNEL, STAFF_ROLE, FakeDiscord


def settings_for(lines_settings):
    """``lines_settings`` with a token, the fake's staff channel and role, a 0.1 s desk poll."""
    return lines_settings.with_overrides(
        discord_token="test-token",
        discord_staff_channel_id=int(STAFF_CHANNEL),
        discord_staff_role_id=int(STAFF_ROLE),
        staff_desk_poll_seconds=0.1,
    )


@pytest.fixture
def discord_settings(lines_settings):
    return settings_for(lines_settings)


@contextlib.asynccontextmanager
async def running(settings, advisor, fake: FakeDiscord | None = None):
    """The bot connected to a fake Discord (a new one unless ``fake`` is given)."""
    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    own_fake = fake is None
    fake = fake or await FakeDiscord().start()
    settings = settings.with_overrides(
        discord_api_url=fake.api_url, discord_gateway_url=fake.gateway_url
    )
    apply_endpoints(settings)
    bot = LinesBot(settings, advisor, guild_ready_timeout=0.1)
    bot.desk.backoff_base = 0.05  # retries within the test, not after five seconds
    task = asyncio.create_task(bot.start(settings.discord_token))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 15)
        yield bot, fake
    finally:
        await bot.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)
        if own_fake:
            await fake.stop()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 60))


def slash_command(command_id: str, name: str, option: str, value: str) -> dict:
    """The data of a slash command (application command type 1) with one text option."""
    return {
        "id": command_id,
        "name": name,
        "type": 1,
        "options": [{"name": option, "type": 3, "value": value}],
    }


def ask_command(question: str) -> dict:
    """``/ask question:``."""
    return slash_command("1", "ask", "question", question)


def check_command(draft: str) -> dict:
    """``/check draft:``."""
    return slash_command("3", "check", "draft", draft)


SENTINEL = "Sentinel: which words should we avoid for Channel crossings?"


async def sentinel(fake) -> None:
    """Ask one last question by DM and wait for its answer: every message dispatched before
    it has been handled by then, so what they did not post they will never post."""
    from tests.fakes.discord_api import MEMBER

    fake.channels.setdefault(
        "556", {"id": "556", "type": 1, "recipients": [MEMBER], "last_message_id": None}
    )
    await fake.member_says(SENTINEL, channel="556", guild=False)
    await fake.wait_for("POST", r"/channels/556/messages")

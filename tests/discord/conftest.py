"""Running the real discord.py client against the loopback fake, inside ``asyncio.run``."""

from __future__ import annotations

import asyncio
import contextlib

import discord
import pytest

from bot.discord.client import LinesBot, apply_endpoints
from tests.fakes.discord_api import STAFF_CHANNEL, STAFF_ROLE, FakeDiscord


@pytest.fixture
def discord_settings(lines_settings):
    return lines_settings.with_overrides(
        discord_token="test-token",
        discord_staff_channel_id=int(STAFF_CHANNEL),
        discord_staff_role_id=int(STAFF_ROLE),
    )


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

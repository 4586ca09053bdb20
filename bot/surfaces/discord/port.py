"""Sending to Discord from worker threads: ``OnLoop`` and the staff desk's ``DiscordPort``.

discord.py is async and its objects belong to the event loop, while the advisor, the queue
and the staff desk block. So blocking work runs in worker threads, and every send it makes
is a coroutine scheduled on the bot's loop with ``OnLoop.run``, which waits for the result
and turns any failure into ``DeliveryError``. Nothing the bot sends can ping anyone.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Coroutine
from typing import Any

import discord

from bot.answer import Origin
from bot.staff.ports import DeliveryError, StaffCard
from bot.surfaces.discord import embeds
from bot.surfaces.discord.views import staff_view

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
SEND_TIMEOUT = 60.0  # seconds a worker thread waits for one Discord send


def reason_of(exc: BaseException) -> str:
    """A short reason for a failed call, safe to log: Discord's status and text, or the type."""
    if isinstance(exc, discord.HTTPException):
        return f"{exc.status} {exc.text or ''}".strip()[:200]
    return type(exc).__name__


async def send_messages(
    target: discord.abc.Messageable,
    messages: list[list[discord.Embed]],
    *,
    view: discord.ui.View | None = None,
    reference: discord.MessageReference | None = None,
) -> discord.Message:
    """Send ``messages`` in order; the first carries ``view`` and ``reference``."""
    first: discord.Message | None = None
    for n, message_embeds in enumerate(messages):
        extra: dict[str, Any] = {}
        if n == 0 and view is not None:
            extra["view"] = view
        if n == 0 and reference is not None:
            extra["reference"] = reference
        sent = await target.send(embeds=message_embeds, allowed_mentions=NO_PINGS, **extra)
        first = first or sent
    assert first is not None  # every builder returns at least one message
    return first


class OnLoop:
    """Runs coroutines on ``client``'s event loop from a worker thread, and waits for them."""

    def __init__(self, client: discord.Client, timeout: float = SEND_TIMEOUT) -> None:
        self.client = client
        self.timeout = timeout

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """The coroutine's result; ``DeliveryError`` if it failed, timed out or the bot is
        not connected. Refuses to run on the loop itself, which would wait forever."""
        loop = getattr(self.client, "loop", None)
        if loop is None or self.client.is_closed() or loop.is_closed():
            coroutine.close()
            raise DeliveryError("the Discord bot is not connected")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            coroutine.close()
            raise RuntimeError("call this from a worker thread, not on the event loop")
        future = asyncio.run_coroutine_threadsafe(coroutine, loop)
        try:
            return future.result(timeout=self.timeout)
        except DeliveryError:
            raise
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise DeliveryError("Discord did not answer in time") from None
        except Exception as exc:
            raise DeliveryError(reason_of(exc)) from None


class DiscordPort:
    """The Discord half of the staff desk. Called from the desk's thread, it runs each send
    on the bot's event loop and waits for it; failures become ``DeliveryError``."""

    platform = "discord"

    def __init__(self, client: discord.Client, staff_channel_id: int | None) -> None:
        self.client = client
        self.staff_channel_id = staff_channel_id
        self.on_loop = OnLoop(client)

    def post_staff(self, card: StaffCard) -> str:
        """Post ``card`` to ``DISCORD_STAFF_CHANNEL_ID``; return ``channel:message``."""
        channel_id = self.staff_channel_id
        if not channel_id:
            raise DeliveryError("DISCORD_STAFF_CHANNEL_ID is not set")

        async def post() -> str:
            channel = self.client.get_partial_messageable(channel_id)
            posted = await channel.send(
                embed=embeds.staff_embed(card), view=staff_view(card), allowed_mentions=NO_PINGS
            )
            return f"{channel_id}:{posted.id}"

        return self.on_loop.run(post())

    def update_staff(self, staff_ref: str, card: StaffCard) -> None:
        """Redraw the staff post at ``staff_ref`` (``channel:message``)."""
        channel_id, message_id = (int(x) for x in staff_ref.split(":"))

        async def update() -> None:
            channel = self.client.get_partial_messageable(channel_id)
            message = channel.get_partial_message(message_id)
            await message.edit(embed=embeds.staff_embed(card), view=staff_view(card))

        self.on_loop.run(update())

    def relay(self, recipient: Origin, answer: str, item_id: int) -> None:
        """Send a staff answer to the member: thread, channel reply, or DM if asked privately."""
        self.on_loop.run(self.send(recipient, embeds.staff_answer_messages(answer)))

    def note(self, recipient: Origin, text: str) -> None:
        """Send a short note from Lines where ``recipient`` hears back."""
        self.on_loop.run(self.send(recipient, embeds.note_messages(text)))

    async def send(
        self,
        recipient: Origin,
        messages: list[list[discord.Embed]],
        view: discord.ui.View | None = None,
    ) -> discord.Message:
        """Post ``messages`` where ``recipient`` hears back (on the event loop)."""
        reference = None
        if recipient.reply_in == "dm" or not (recipient.thread or recipient.channel):
            if not recipient.user:
                raise DeliveryError("no member to send a direct message to")
            target: discord.abc.Messageable = await self.client.create_dm(
                discord.Object(id=int(recipient.user))
            )
        elif recipient.reply_in == "thread" and recipient.thread:
            target = self.client.get_partial_messageable(int(recipient.thread))
        else:
            target = self.client.get_partial_messageable(int(recipient.channel or 0))
            if recipient.message:
                reference = discord.MessageReference(
                    message_id=int(recipient.message),
                    channel_id=int(recipient.channel or 0),
                    fail_if_not_exists=False,
                )
        return await send_messages(target, messages, view=view, reference=reference)

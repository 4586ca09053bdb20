"""Discord's half of the member conversation: one ``Reply`` per event.

The ``Conversation`` runs in a worker thread; each of these renders on that thread (embeds
are plain values) and sends through ``OnLoop``, on the bot's event loop. Views are built
inside the coroutines, on the loop, where discord.py expects them.

- ``ChannelReply``: a message in a thread, a channel (as a reply) or a DM, with "Lines is
  typing" while the member waits.
- ``InteractionReply``: a slash command, a message command or a button, answered through
  the interaction (ephemeral unless told otherwise): the first reply as its response, any
  later ones as follow-ups.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.answer import Answer
from bot.check.findings import DraftCheck
from bot.surfaces.discord import embeds
from bot.surfaces.discord.port import NO_PINGS, OnLoop, send_messages
from bot.surfaces.discord.views import AnswerView

log = logging.getLogger(__name__)

TYPING_EVERY = 5.0  # seconds; Discord shows "typing" for about ten after each request


@dataclass(frozen=True)
class Outgoing:
    """What a reply sends: messages of embeds (the first with the answer buttons when
    ``buttons``), or one plain ``content`` line."""

    messages: list[list[discord.Embed]] = field(default_factory=list)
    content: str | None = None
    buttons: bool = False


class EmbedRendering:
    """How both replies render: embeds, and the answer buttons under a real answer."""

    def render_answer(self, answer: Answer, text: str) -> Outgoing:
        """The answer as embeds, with the feedback buttons unless it is a holding reply
        (which has no advice to rate, and is already with staff)."""
        return Outgoing(embeds.answer_messages(answer, text), buttons=not answer.escalated)

    def render_check(self, check: DraftCheck, holding: str) -> Outgoing:
        """A draft check as embeds."""
        return Outgoing(embeds.check_messages(check, holding))

    def render_text(self, text: str) -> Outgoing:
        """Plain text from Lines as embeds."""
        return Outgoing(embeds.plain_messages(text))


class ChannelReply(EmbedRendering):
    """Replies in ``target`` (a thread, channel or DM), as a reply to ``reference`` if given."""

    def __init__(
        self,
        on_loop: OnLoop,
        target: discord.abc.Messageable,
        reference: discord.MessageReference | None = None,
    ) -> None:
        self.on_loop = on_loop
        self.target = target
        self.reference = reference
        self._typing: asyncio.Task | None = None

    def working(self) -> None:
        """Show "Lines is typing" in ``target`` until the reply is sent."""

        async def start() -> asyncio.Task:
            await self.target.typing()
            return asyncio.create_task(self._keep_typing())

        try:
            self._typing = self.on_loop.run(start())
        except Exception as exc:
            log.info("could not show typing: %s", exc)

    async def _keep_typing(self) -> None:
        while True:
            await asyncio.sleep(TYPING_EVERY)
            await self.target.typing()

    async def done(self) -> None:
        """Stop the typing indicator (on the loop); the reply, or its failure, has come."""
        if self._typing is not None:
            self._typing.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._typing
            self._typing = None

    def send(self, rendered: Outgoing) -> str | None:
        """Send in ``target``; the first message's ``channel:message`` (it has the buttons)."""

        async def post() -> str:
            await self.done()
            messages = rendered.messages or embeds.plain_messages(rendered.content or "")
            view = AnswerView() if rendered.buttons else None
            sent = await send_messages(self.target, messages, view=view, reference=self.reference)
            return f"{sent.channel.id}:{sent.id}"

        return self.on_loop.run(post())

    def tell_privately(self, text: str) -> None:
        """A message event has no private way back: said where the member asked."""
        try:
            self.send(self.render_text(text))
        except Exception as exc:
            log.error("could not tell the member: %s", exc)


class InteractionReply(EmbedRendering):
    """Replies through ``interaction``, seen only by the person who acted when ``ephemeral``.

    ``plain`` sends an answer as one line of escaped text (the "Ask a person" holding reply)
    rather than embeds."""

    def __init__(
        self,
        on_loop: OnLoop,
        interaction: discord.Interaction,
        *,
        ephemeral: bool = True,
        plain: bool = False,
    ) -> None:
        self.on_loop = on_loop
        self.interaction = interaction
        self.ephemeral = ephemeral
        self.plain = plain

    def working(self) -> None:
        """Defer the interaction ("Lines is thinking..."), so Discord waits for the reply."""

        async def defer() -> None:
            await self.interaction.response.defer(ephemeral=self.ephemeral, thinking=True)

        try:
            self.on_loop.run(defer())
        except Exception as exc:
            log.warning("could not defer the interaction: %s", exc)

    def render_answer(self, answer: Answer, text: str) -> Outgoing:
        """The answer as embeds with buttons, or as one escaped line when ``plain``."""
        if self.plain:
            return Outgoing(content=embeds.escape(text))
        return super().render_answer(answer, text)

    def send(self, rendered: Outgoing) -> str | None:
        """Send through the interaction; the first follow-up's ``channel:message``, if any."""

        async def post() -> str | None:
            if rendered.content is not None:
                await self._say(rendered.content, self.ephemeral)
                return None
            view = AnswerView() if rendered.buttons else None
            posted = None
            for n, message_embeds in enumerate(rendered.messages):
                extra: dict[str, Any] = {"view": view} if n == 0 and view is not None else {}
                if not self.interaction.response.is_done():
                    await self.interaction.response.send_message(
                        embeds=message_embeds,
                        ephemeral=self.ephemeral,
                        allowed_mentions=NO_PINGS,
                        **extra,
                    )
                    continue
                sent = await self.interaction.followup.send(
                    embeds=message_embeds,
                    ephemeral=self.ephemeral,
                    allowed_mentions=NO_PINGS,
                    **extra,
                )
                posted = posted or f"{self.interaction.channel_id}:{sent.id}"
            return posted

        return self.on_loop.run(post())

    def tell_privately(self, text: str) -> None:
        """``text`` only to the person who acted: the response, or a follow-up after it."""
        try:
            self.on_loop.run(self._say(text, ephemeral=True))
        except Exception as exc:
            log.error("could not tell the member privately: %s", exc)

    async def _say(self, content: str, ephemeral: bool) -> None:
        if not self.interaction.response.is_done():
            await self.interaction.response.send_message(
                content, ephemeral=ephemeral, allowed_mentions=NO_PINGS
            )
        else:
            await self.interaction.followup.send(
                content, ephemeral=ephemeral, allowed_mentions=NO_PINGS
            )

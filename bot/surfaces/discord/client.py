"""The Discord bot: turns gateway messages and interactions into questions for the
``Conversation`` (``bot.surfaces.conversation``), and clicks into staff desk calls.

Questions asked in a channel get their own thread (or, where the bot may not create threads,
a reply in the channel); follow-ups there are answered without a mention. ``/ask`` and its
answer are ephemeral, and a DM stays a DM: nothing asked privately is shown to others, and
staff answers to private questions arrive by direct message.

Nothing slow runs on the event loop: the conversation, the checker and every queue call run
in the bot's own worker threads (``off_loop``), and their sends are scheduled back on the
loop (``bot.surfaces.discord.port.OnLoop``). The workers are the bot's own rather than the
loop's default executor because they wait on the loop while they send, and the loop itself
needs the default executor (for DNS lookups, for one); sharing it could leave both waiting.
The staff loop is the platform-neutral ``StaffDesk``, in its own thread; ``DiscordPort`` is
its Discord half.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import discord
import yarl
from discord import app_commands

from bot.advisor import Advisor
from bot.answer import Origin, Question, Turn
from bot.check.findings import DraftCheck
from bot.check.render import NO_TEXT
from bot.factory import build_checker
from bot.formatting import trim
from bot.settings import Settings
from bot.staff.desk import StaffDesk
from bot.staff.ports import StaffCard
from bot.storage.database import EscalationError
from bot.storage.schema import Item
from bot.surfaces.conversation import Conversation
from bot.surfaces.discord import check as draft_commands
from bot.surfaces.discord import embeds
from bot.surfaces.discord.port import NO_PINGS, DiscordPort, reason_of
from bot.surfaces.discord.replies import ChannelReply, InteractionReply
from bot.surfaces.discord.views import AnswerModal, AnswerView, StaffButton, staff_view

log = logging.getLogger(__name__)

HISTORY_LIMIT = 20
THREAD_NAME_LIMIT = 90
WORKERS = 8  # conversations at once; more wait their turn, off the loop
GREETING = "Ask me how to talk about a topic and I'll answer from our guidance."

T = TypeVar("T")


def apply_endpoints(settings: Settings) -> None:
    """Point discord.py at ``DISCORD_API_URL`` / ``DISCORD_GATEWAY_URL`` when they are set."""
    if settings.discord_api_url:
        discord.http.Route.BASE = settings.discord_api_url.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def quiet_wire_loggers() -> None:
    """Keep discord.py's HTTP and gateway logging at INFO or above: at DEBUG they log whole
    payloads, members' questions included, and no log may carry a question."""
    for name in ("discord.http", "discord.gateway", "discord.webhook", "discord.client"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)


class LinesBot(discord.Client):
    """The bot: members' questions in, answers out; staff buttons through the staff desk."""

    def __init__(self, settings: Settings, advisor: Advisor, **options) -> None:
        intents = discord.Intents.default()
        intents.message_content = True  # privileged: enable it in the developer portal
        super().__init__(intents=intents, allowed_mentions=NO_PINGS, **options)
        quiet_wire_loggers()
        self.settings = settings
        self.port = DiscordPort(self, settings.discord_staff_channel_id)
        self.desk = StaffDesk.from_settings(settings, advisor.queue, self.port, advisor)
        self.records = self.desk.records
        # One checker per running bot, sharing the advisor's detector, queue and embedder.
        checker = build_checker(settings, advisor=advisor)
        self.conversation = Conversation(advisor, self.desk, checker)
        self.workers = ThreadPoolExecutor(WORKERS, thread_name_prefix="lines-discord")
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(
            name="ask", description="Ask how to talk about a topic (only you see it)"
        )
        @app_commands.describe(question="Your question, e.g. how do we talk about small boats?")
        async def ask(interaction: discord.Interaction, question: str) -> None:
            await self.on_ask_command(interaction, question)

        draft_commands.register(self)  # /check and the "Check with Lines" message command

    async def setup_hook(self) -> None:
        """Register persistent buttons and the commands, then start the staff desk's loop."""
        self.add_view(AnswerView())  # buttons on answers sent before a restart keep working
        self.add_dynamic_items(StaffButton)
        await self.tree.sync()
        self.desk.start()

    async def close(self) -> None:
        """Stop the desk (its sends need this loop, so wait for it off the loop), then close."""
        await asyncio.to_thread(self.desk.stop)
        self.workers.shutdown(wait=False, cancel_futures=True)
        await super().close()

    async def off_loop(self, call: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``call(*args, **kwargs)`` in one of the bot's worker threads, awaited on the loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.workers, functools.partial(call, *args, **kwargs))

    # -- members -----------------------------------------------------------------------------
    async def first_time(self, *keys: str) -> bool:
        """True once per event, across every process sharing the queue."""
        return await self.off_loop(self.conversation.first_time, *keys)

    def clean(self, text: str) -> str:
        """The question without the bot's mention and surrounding space."""
        me = self.user.id if self.user else 0
        return " ".join(re.sub(rf"<@!?{me}>", "", text or "").split())

    async def on_message(self, message: discord.Message) -> None:
        """Answer DMs, mentions in channels (in a new thread) and follow-ups in our threads."""
        if message.author.bot or message.author == self.user:
            return  # never answer bots, ourselves included: no loops
        channel = message.channel
        mentioned = self.user is not None and self.user in message.mentions
        is_dm = isinstance(channel, discord.DMChannel)
        in_our_thread = isinstance(channel, discord.Thread) and (
            mentioned or channel.owner_id == self.user.id
        )
        if not (is_dm or in_our_thread or (mentioned and isinstance(channel, discord.TextChannel))):
            return
        if not await self.first_time(f"message:{message.id}"):
            return
        text = self.clean(message.content)
        if not text:
            await message.reply(GREETING, allowed_mentions=NO_PINGS)
            return
        guild = str(message.guild.id) if message.guild else None
        if is_dm:
            target: discord.abc.Messageable = channel
            route = {"reply_in": "channel", "channel": str(channel.id), "private": True}
        elif in_our_thread:
            target = channel
            route = {"channel": str(channel.parent_id), "thread": str(channel.id)}
        else:
            try:
                target = await message.create_thread(
                    name=trim(text, THREAD_NAME_LIMIT) or "Question", auto_archive_duration=1440
                )
                route = {"channel": str(channel.id), "thread": str(target.id)}
            except discord.HTTPException as exc:
                # No permission to create threads here: answer in the channel, as a reply.
                log.warning("cannot create a thread (%s); replying in the channel", reason_of(exc))
                target = channel
                route = {"reply_in": "channel", "channel": str(channel.id)}
        history = await self._history(target, message) if isinstance(target, discord.Thread) else ()
        origin = Origin(
            platform="discord",
            workspace=guild,
            user=str(message.author.id),
            event_id=f"message:{message.id}",
            link=message.jump_url,
            message=str(message.id),
            **route,
        )
        reference = message.to_reference(fail_if_not_exists=False) if target is channel else None
        reply = ChannelReply(self.port.on_loop, target, reference)
        try:
            await self.off_loop(self.conversation.answer, Question(text, origin, history), reply)
        finally:
            await reply.done()

    async def _history(self, thread: discord.Thread, before: discord.Message) -> tuple[Turn, ...]:
        turns = []
        async for earlier in thread.history(limit=HISTORY_LIMIT, before=before):
            author = "bot" if earlier.author == self.user else "member"
            text = self.clean(earlier.content) or " ".join(
                e.description or "" for e in earlier.embeds
            )
            turns.append(Turn(author, text))
        turns.reverse()
        if isinstance(thread.parent, discord.TextChannel) and thread.owner_id == self.user.id:
            try:  # the question that opened the thread lives in the parent channel
                starter = await thread.parent.fetch_message(thread.id)
                turns.insert(0, Turn("member", self.clean(starter.content)))
            except discord.HTTPException:
                pass
        return tuple(turns)

    async def on_ask_command(self, interaction: discord.Interaction, question: str) -> None:
        """``/ask``: deferred and answered ephemerally; a staff answer comes by DM."""
        event_id = f"interaction:{interaction.id}"
        if not await self.first_time(event_id):
            return  # another replica has this interaction
        origin = Origin(
            platform="discord",
            workspace=str(interaction.guild_id) if interaction.guild_id else None,
            channel=str(interaction.channel_id),
            user=str(interaction.user.id),
            event_id=event_id,
            reply_in="dm",  # private: any staff answer or correction comes by direct message
            private=True,
        )
        reply = InteractionReply(self.port.on_loop, interaction)
        await self.off_loop(self.conversation.answer, Question(question, origin), reply)

    async def check_draft(
        self,
        interaction: discord.Interaction,
        draft: str,
        *,
        message: str | None = None,
        empty: str | None = None,
    ) -> DraftCheck | None:
        """Check ``draft`` and show the result only to the person who asked; hand a sensitive
        draft to the staff desk. Every path ends with them told something true."""
        event_id = f"interaction:{interaction.id}"
        if not await self.first_time(event_id):
            return None  # another replica has this interaction
        origin = Origin(
            platform="discord",
            workspace=str(interaction.guild_id) if interaction.guild_id else None,
            channel=str(interaction.channel_id) if interaction.channel_id else None,
            user=str(interaction.user.id),
            event_id=event_id,
            reply_in="dm",  # said only to them, so a staff answer comes by direct message
            private=True,
            message=message,
        )
        reply = InteractionReply(self.port.on_loop, interaction)
        return await self.off_loop(
            self.conversation.check, draft, origin, reply, empty=empty or NO_TEXT
        )

    async def on_feedback(self, interaction: discord.Interaction, helpful: bool) -> None:
        """Record a helpful / not helpful click and thank the clicker (only them)."""
        origin = Origin(
            platform="discord", channel=str(interaction.channel_id), user=str(interaction.user.id)
        )
        await self.off_loop(
            self.conversation.feedback,
            origin,
            embeds.question_of(interaction.message),
            f"{interaction.channel_id}:{getattr(interaction.message, 'id', '')}",
            helpful,
            InteractionReply(self.port.on_loop, interaction),
        )

    async def on_ask_person(self, interaction: discord.Interaction) -> None:
        """Hand the answered question to staff, once; privately if the answer was private."""
        message = interaction.message
        message_id = message.id if message else interaction.id
        private = bool(message and message.flags.ephemeral)
        channel_id = str(interaction.channel_id)
        if private:
            route = {"reply_in": "dm", "channel": channel_id, "private": True}
        elif isinstance(interaction.channel, discord.Thread):
            route = {"channel": str(interaction.channel.parent_id), "thread": channel_id}
        else:
            route = {"reply_in": "channel", "channel": channel_id, "message": str(message_id)}
        origin = Origin(
            platform="discord",
            workspace=str(interaction.guild_id) if interaction.guild_id else None,
            user=str(interaction.user.id),
            event_id=f"person:{message_id}",
            link=message.jump_url if message and not private else None,
            **route,
        )
        # The holding reply is seen by whoever saw the answer; a repeat only by the clicker.
        reply = InteractionReply(self.port.on_loop, interaction, ephemeral=private, plain=True)
        question = Question(embeds.question_of(message), origin)
        await self.off_loop(self.conversation.hand_over, question, reply)

    # -- staff -------------------------------------------------------------------------------
    def is_staff(self, user: discord.abc.User) -> bool:
        """Members holding ``DISCORD_STAFF_ROLE_ID`` (read from the interaction: no I/O)."""
        role = self.settings.discord_staff_role_id
        return bool(role) and isinstance(user, discord.Member) and user.get_role(role) is not None

    async def on_staff_action(
        self, interaction: discord.Interaction, action: str, item_id: int
    ) -> None:
        """Claim, resolve (redrawing the post in the reply) or open the answer form."""
        staff = self.is_staff(interaction.user)
        try:
            if action == "answer":
                await self.off_loop(self.desk.check, "answer", item_id, is_staff=staff)
                await interaction.response.send_modal(AnswerModal(item_id))
                return
            item, card = await self.off_loop(
                self._act, action, item_id, str(interaction.user), staff
            )
        except EscalationError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        await interaction.response.edit_message(
            embed=embeds.staff_embed(card), view=staff_view(card)
        )
        await self.off_loop(self.desk.shown, item)

    def _act(self, action: str, item_id: int, by: str, staff: bool) -> tuple[Item, StaffCard]:
        item = self.desk.act(action, item_id, by, is_staff=staff, refresh=False)
        return item, self.desk.card(item)

    async def on_staff_answer(
        self, interaction: discord.Interaction, item_id: int, text: str
    ) -> None:
        """Record the answer (refusals shown only to the clicker), then deliver it."""
        try:
            item = await self.off_loop(
                self.desk.answer,
                item_id,
                text,
                str(interaction.user),
                is_staff=self.is_staff(interaction.user),
                deliver=False,
            )
        except EscalationError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        where = "by direct message" if item.private else "in the member's thread"
        await interaction.response.send_message(
            f"Recorded; it is being delivered {where}.", ephemeral=True
        )
        await self.off_loop(self.desk.follow_up, item.id)

"""The Discord bot: turns gateway messages and interactions into advisor calls.

Questions asked in a channel get their own thread (or, where the bot may not create threads,
a reply in the channel); follow-ups there are answered without a mention. ``/ask`` and its
answer are ephemeral, and a DM stays a DM: nothing asked privately is shown to others, and
staff answers to private questions arrive by direct message.

Nothing the bot sends can ping anyone (``AllowedMentions.none()`` on the client and on every
send). Blocking work (the advisor, every queue call) runs in worker threads, off the event
loop. The staff loop is the platform-neutral ``StaffDesk``, running in its own thread;
``DiscordPort`` is its Discord half and hands each send back to the event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import re
from collections.abc import Coroutine
from typing import Any

import discord
import yarl
from discord import app_commands

from bot.advisor import SORRY_TEXT, Advisor
from bot.answer import Answer, Origin, Question, Turn
from bot.factory import build_checker
from bot.formatting import trim
from bot.settings import Settings
from bot.staff.desk import StaffDesk, holding_text
from bot.staff.ports import DeliveryError, StaffCard
from bot.storage.database import EscalationError
from bot.surfaces.discord import check as draft_commands
from bot.surfaces.discord import embeds
from bot.surfaces.discord.views import AnswerModal, AnswerView, StaffButton, staff_view

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
HISTORY_LIMIT = 20
SEND_TIMEOUT = 60.0  # seconds the desk waits for one Discord send
THREAD_NAME_LIMIT = 90
GREETING = "Ask me how to talk about a topic and I'll answer from our guidance."


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


def _reason(exc: BaseException) -> str:
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


class DiscordPort:
    """The Discord half of the staff desk. Called from the desk's thread, it runs each send
    on the bot's event loop and waits for it; failures become ``DeliveryError``."""

    platform = "discord"

    def __init__(self, bot: LinesBot) -> None:
        self.bot = bot

    def _run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        loop = getattr(self.bot, "loop", None)
        if loop is None or self.bot.is_closed() or loop.is_closed():
            coroutine.close()
            raise DeliveryError("the Discord bot is not connected")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            coroutine.close()
            raise RuntimeError("call the staff desk through asyncio.to_thread, not on the loop")
        future = asyncio.run_coroutine_threadsafe(coroutine, loop)
        try:
            return future.result(timeout=SEND_TIMEOUT)
        except DeliveryError:
            raise
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise DeliveryError("Discord did not answer in time") from None
        except Exception as exc:
            raise DeliveryError(_reason(exc)) from None

    def post_staff(self, card: StaffCard) -> str:
        """Post ``card`` to ``DISCORD_STAFF_CHANNEL_ID``; return ``channel:message``."""
        channel_id = self.bot.settings.discord_staff_channel_id
        if not channel_id:
            raise DeliveryError("DISCORD_STAFF_CHANNEL_ID is not set")

        async def post() -> str:
            channel = self.bot.get_partial_messageable(channel_id)
            posted = await channel.send(
                embed=embeds.staff_embed(card), view=staff_view(card), allowed_mentions=NO_PINGS
            )
            return f"{channel_id}:{posted.id}"

        return self._run(post())

    def update_staff(self, staff_ref: str, card: StaffCard) -> None:
        """Redraw the staff post at ``staff_ref`` (``channel:message``)."""
        channel_id, message_id = (int(x) for x in staff_ref.split(":"))

        async def update() -> None:
            message = self.bot.get_partial_messageable(channel_id).get_partial_message(message_id)
            await message.edit(embed=embeds.staff_embed(card), view=staff_view(card))

        self._run(update())

    def relay(self, recipient: Origin, answer: str, item_id: int) -> None:
        """Send a staff answer to the member: thread, channel reply, or DM if asked privately."""
        self._run(self.send(recipient, embeds.staff_answer_messages(answer)))

    def note(self, recipient: Origin, text: str) -> None:
        """Send a short note from Lines where ``recipient`` hears back."""
        self._run(self.send(recipient, embeds.note_messages(text)))

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
            target: discord.abc.Messageable = await self.bot.create_dm(
                discord.Object(id=int(recipient.user))
            )
        elif recipient.reply_in == "thread" and recipient.thread:
            target = self.bot.get_partial_messageable(int(recipient.thread))
        else:
            target = self.bot.get_partial_messageable(int(recipient.channel or 0))
            if recipient.message:
                reference = discord.MessageReference(
                    message_id=int(recipient.message),
                    channel_id=int(recipient.channel or 0),
                    fail_if_not_exists=False,
                )
        return await send_messages(target, messages, view=view, reference=reference)


class LinesBot(discord.Client):
    """The bot: members' questions in, answers out; staff buttons through the staff desk."""

    def __init__(self, settings: Settings, advisor: Advisor, **options) -> None:
        intents = discord.Intents.default()
        intents.message_content = True  # privileged: enable it in the developer portal
        super().__init__(intents=intents, allowed_mentions=NO_PINGS, **options)
        quiet_wire_loggers()
        self.settings = settings
        self.advisor = advisor
        self.port = DiscordPort(self)
        self.desk = StaffDesk.from_settings(settings, advisor.queue, self.port, advisor)
        self.records = self.desk.records
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(
            name="ask", description="Ask how to talk about a topic (only you see it)"
        )
        @app_commands.describe(question="Your question, e.g. how do we talk about small boats?")
        async def ask(interaction: discord.Interaction, question: str) -> None:
            await self.on_ask_command(interaction, question)

        # Check my draft: one checker per running bot, sharing the advisor's detector,
        # queue and embedder; /check and the "Check with Lines" message command.
        self.checker = build_checker(settings, advisor=advisor)
        draft_commands.register(self)

    async def setup_hook(self) -> None:
        """Register persistent buttons and the commands, then start the staff desk's loop."""
        self.add_view(AnswerView())  # buttons on answers sent before a restart keep working
        self.add_dynamic_items(StaffButton)
        await self.tree.sync()
        self.desk.start()

    async def close(self) -> None:
        """Stop the desk (its sends need this loop, so wait for it off the loop), then close."""
        await asyncio.to_thread(self.desk.stop)
        await super().close()

    # -- members -----------------------------------------------------------------------------
    async def first_time(self, *keys: str) -> bool:
        """True once per event, across every process sharing the queue."""
        return await asyncio.to_thread(self.desk.first_time, *keys)

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
                log.warning("cannot create a thread (%s); replying in the channel", _reason(exc))
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
        async with target.typing():
            answer = await self._ask(Question(text, origin, history))
        await self._reply(target, answer, origin, reference=reference)

    async def _ask(self, question: Question) -> Answer | None:
        try:
            return await asyncio.to_thread(self.advisor.ask, question)
        except Exception as exc:
            log.error("answering failed: %s", type(exc).__name__, exc_info=True)
            return None

    async def _reply(
        self,
        target: discord.abc.Messageable,
        answer: Answer | None,
        origin: Origin,
        reference: discord.MessageReference | None = None,
    ) -> None:
        """Send the answer (or an apology), then hand an escalation to the desk."""
        if answer is None:
            messages, view = embeds.plain_messages(SORRY_TEXT), None
        else:
            messages = embeds.answer_messages(answer, holding_text(answer, origin))
            view = None if answer.escalated else AnswerView()
        try:
            sent = await send_messages(target, messages, view=view, reference=reference)
        except discord.HTTPException as exc:
            log.error("could not send the answer: %s", _reason(exc))
            sent = None
        if answer is not None:
            if sent is not None:  # the buttons sit on the first message: what a click records
                posted = f"{sent.channel.id}:{sent.id}"
                await asyncio.to_thread(self.desk.answered, answer, origin, posted)
            await asyncio.to_thread(self.desk.escalated, answer)

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
        await interaction.response.defer(ephemeral=True, thinking=True)
        origin = Origin(
            platform="discord",
            workspace=str(interaction.guild_id) if interaction.guild_id else None,
            channel=str(interaction.channel_id),
            user=str(interaction.user.id),
            event_id=event_id,
            reply_in="dm",
            private=True,
        )
        answer = await self._ask(Question(question, origin))
        if answer is None:
            messages, view = embeds.plain_messages(SORRY_TEXT), None
        else:
            messages = embeds.answer_messages(answer, holding_text(answer, origin))
            view = None if answer.escalated else AnswerView()
        posted = None
        for n, message_embeds in enumerate(messages):
            extra = {"view": view} if n == 0 and view is not None else {}
            sent = await interaction.followup.send(
                embeds=message_embeds, ephemeral=True, allowed_mentions=NO_PINGS, **extra
            )
            posted = posted or f"{interaction.channel_id}:{sent.id}"
        if answer is not None:
            # Private: any correction to it comes by direct message, never in the channel.
            await asyncio.to_thread(self.desk.answered, answer, origin, posted)
            await asyncio.to_thread(self.desk.escalated, answer)

    async def on_feedback(self, interaction: discord.Interaction, helpful: bool) -> None:
        """Record a helpful / not helpful click and thank the clicker (only them)."""
        reply = "Thanks for the feedback: it helps us improve our guidance."
        try:
            await asyncio.to_thread(
                self.records.record_feedback,
                platform="discord",
                user=str(interaction.user.id),
                question=embeds.question_of(interaction.message),
                answer_ref=f"{interaction.channel_id}:{getattr(interaction.message, 'id', '')}",
                helpful=helpful,
            )
        except EscalationError:
            reply = "Thanks, but I couldn't record that just now; please try again in a minute."
        await interaction.response.send_message(reply, ephemeral=True)

    async def on_ask_person(self, interaction: discord.Interaction) -> None:
        """Hand the answered question to staff, once; privately if the answer was private."""
        message = interaction.message
        message_id = message.id if message else interaction.id
        if not await self.first_time(f"person:{message_id}"):
            await interaction.response.send_message(
                "The staff team already has this one.", ephemeral=True
            )
            return
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
        question = Question(embeds.question_of(message), origin)
        try:
            answer = await asyncio.to_thread(self.advisor.request_person, question)
        except Exception as exc:
            log.error("handing to staff failed: %s", type(exc).__name__, exc_info=True)
            await interaction.response.send_message(SORRY_TEXT, ephemeral=True)
            return
        await interaction.response.send_message(
            embeds.escape(holding_text(answer, origin)),
            ephemeral=private,
            allowed_mentions=NO_PINGS,
        )
        await asyncio.to_thread(self.desk.escalated, answer)

    # -- staff -------------------------------------------------------------------------------
    def is_staff(self, user: discord.abc.User) -> bool:
        """Members holding ``DISCORD_STAFF_ROLE_ID``."""
        role = self.settings.discord_staff_role_id
        return bool(role) and isinstance(user, discord.Member) and user.get_role(role) is not None

    async def on_staff_action(
        self, interaction: discord.Interaction, action: str, item_id: int
    ) -> None:
        """Claim, resolve (redrawing the post in the reply) or open the answer form."""
        staff = self.is_staff(interaction.user)
        try:
            if action == "answer":
                await asyncio.to_thread(self.desk.check, "answer", item_id, is_staff=staff)
                await interaction.response.send_modal(AnswerModal(item_id))
                return
            item = await asyncio.to_thread(
                self.desk.act, action, item_id, str(interaction.user), is_staff=staff, refresh=False
            )
        except EscalationError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        card = self.desk.card(item)
        await interaction.response.edit_message(
            embed=embeds.staff_embed(card), view=staff_view(card)
        )
        await asyncio.to_thread(self.desk.shown, item)

    async def on_staff_answer(
        self, interaction: discord.Interaction, item_id: int, text: str
    ) -> None:
        """Record the answer (refusals shown only to the clicker), then deliver it."""
        try:
            item = await asyncio.to_thread(
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
        await asyncio.to_thread(self.desk.follow_up, item.id)

"""The Discord bot: turns gateway messages and interactions into advisor calls.

Questions asked in a channel get their own thread; follow-ups there are answered without a
mention. Nothing the bot sends can ping anyone (``AllowedMentions.none()`` on the client and
on every send). Blocking work (the advisor) runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict

import discord
import yarl
from discord import app_commands

from bot.advisor import Advisor
from bot.answer import Answer, Origin, Question, Turn
from bot.discord import embeds
from bot.discord.views import AnswerModal, AnswerView, StaffButton, staff_view
from bot.escalation.store import EscalationError
from bot.settings import Settings

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
NOT_STAFF = "Only the staff team can act on escalations, so nothing was changed."
RETRY_SECONDS = 30.0
SEEN_LIMIT = 5000
HISTORY_LIMIT = 20


def apply_endpoints(settings: Settings) -> None:
    """Point discord.py at ``DISCORD_API_URL`` / ``DISCORD_GATEWAY_URL`` when they are set."""
    if settings.discord_api_url:
        discord.http.Route.BASE = settings.discord_api_url.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def interaction_origin(
    interaction: discord.Interaction, event_id: str, link: str | None = None
) -> Origin:
    """Where an interaction came from; replies and staff answers go to its channel."""
    return Origin(
        platform="discord",
        workspace=str(interaction.guild_id) if interaction.guild_id else None,
        channel=str(interaction.channel_id),
        thread=str(interaction.channel_id),
        user=str(interaction.user.id),
        event_id=event_id,
        link=link,
    )


class LinesBot(discord.Client):
    def __init__(self, settings: Settings, advisor: Advisor, **options) -> None:
        intents = discord.Intents.default()
        intents.message_content = True  # privileged: enable it in the developer portal
        super().__init__(intents=intents, allowed_mentions=NO_PINGS, **options)
        self.settings = settings
        self.advisor = advisor
        self.store = advisor.queue
        self.tree = app_commands.CommandTree(self)
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._retry_task: asyncio.Task | None = None

        @self.tree.command(name="ask", description="Ask how to talk about a topic")
        @app_commands.describe(question="Your question, e.g. how do we talk about small boats?")
        async def ask(interaction: discord.Interaction, question: str) -> None:
            await self.on_ask_command(interaction, question)

    async def setup_hook(self) -> None:
        self.add_view(AnswerView())  # buttons on answers sent before a restart keep working
        self.add_dynamic_items(StaffButton)
        await self.tree.sync()
        self._retry_task = asyncio.create_task(self._retry_loop())

    async def close(self) -> None:
        if self._retry_task is not None:
            self._retry_task.cancel()
        await super().close()

    # -- members -----------------------------------------------------------------------------
    def first_time(self, key: str) -> bool:
        """True once per key: a replayed or duplicated event is answered once."""
        if key in self._seen:
            return False
        self._seen[key] = None
        while len(self._seen) > SEEN_LIMIT:
            self._seen.popitem(last=False)
        return True

    def clean(self, text: str) -> str:
        me = self.user.id if self.user else 0
        return " ".join(re.sub(rf"<@!?{me}>", "", text or "").split())

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.author == self.user:
            return  # never answer bots, ourselves included: no loops
        channel = message.channel
        mentioned = self.user is not None and self.user in message.mentions
        in_our_thread = isinstance(channel, discord.Thread) and (
            mentioned or channel.owner_id == self.user.id
        )
        if isinstance(channel, discord.DMChannel) or in_our_thread:
            target = channel
        elif mentioned and isinstance(channel, discord.TextChannel):
            target = None  # a new thread, made once we know the question is worth one
        else:
            return
        if not self.first_time(f"message:{message.id}"):
            return
        text = self.clean(message.content)
        if not text:
            await message.reply(
                "Ask me how to talk about a topic and I'll answer from our guidance.",
                allowed_mentions=NO_PINGS,
            )
            return
        if target is None:
            target = await message.create_thread(
                name=text[:90] or "Question", auto_archive_duration=1440
            )
        history = await self._history(target, message) if isinstance(target, discord.Thread) else ()
        origin = Origin(
            platform="discord",
            workspace=str(message.guild.id) if message.guild else None,
            channel=str(getattr(target, "parent_id", None) or channel.id),
            thread=str(target.id),
            user=str(message.author.id),
            event_id=f"message:{message.id}",
            link=message.jump_url,
        )
        async with target.typing():
            answer = await asyncio.to_thread(self.advisor.ask, Question(text, origin, history))
        await self._send_answer(target, answer)

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

    async def _send_answer(
        self, target: discord.abc.Messageable, answer: Answer
    ) -> discord.Message:
        answer_embeds = embeds.answer_embeds(answer)
        view = AnswerView() if not answer.escalated else discord.utils.MISSING
        sent = await target.send(embeds=answer_embeds, view=view, allowed_mentions=NO_PINGS)
        if answer.escalated and answer.escalation.id is not None:
            await self.notify_staff(answer.escalation.id)
        return sent

    async def on_ask_command(self, interaction: discord.Interaction, question: str) -> None:
        await interaction.response.defer(thinking=True)  # acknowledged at once; answer follows
        origin = interaction_origin(interaction, f"interaction:{interaction.id}")
        answer = await asyncio.to_thread(self.advisor.ask, Question(question, origin))
        view = AnswerView() if not answer.escalated else discord.utils.MISSING
        await interaction.followup.send(
            embeds=embeds.answer_embeds(answer), view=view, allowed_mentions=NO_PINGS
        )
        if answer.escalated and answer.escalation.id is not None:
            await self.notify_staff(answer.escalation.id)

    async def on_feedback(self, interaction: discord.Interaction, helpful: bool) -> None:
        await asyncio.to_thread(
            self.store.record_feedback,
            platform="discord",
            user=str(interaction.user.id),
            question=embeds.question_of(interaction.message),
            answer_ref=f"{interaction.channel_id}:{getattr(interaction.message, 'id', '')}",
            helpful=helpful,
        )
        await interaction.response.send_message(
            "Thanks for the feedback: it helps us improve our guidance.", ephemeral=True
        )

    async def on_ask_person(self, interaction: discord.Interaction) -> None:
        message_id = interaction.message.id if interaction.message else interaction.id
        if not self.first_time(f"person:{message_id}"):
            await interaction.response.send_message(
                "The staff team already has this one.", ephemeral=True
            )
            return
        link = interaction.message.jump_url if interaction.message else None
        origin = interaction_origin(interaction, f"person:{message_id}", link)
        question = Question(embeds.question_of(interaction.message), origin)
        answer = await asyncio.to_thread(self.advisor.request_person, question)
        await interaction.response.send_message(answer.text, allowed_mentions=NO_PINGS)
        await self.notify_staff(answer.escalation.id)

    # -- staff -------------------------------------------------------------------------------
    def is_staff(self, user: discord.abc.User) -> bool:
        role = self.settings.discord_staff_role_id
        return bool(role) and isinstance(user, discord.Member) and user.get_role(role) is not None

    async def notify_staff(self, item_id: int) -> bool:
        """Post the item to the staff channel; on failure record it for the retry loop."""
        item = self.store.get(item_id)
        try:
            channel_id = self.settings.discord_staff_channel_id
            if not channel_id:
                raise LookupError("DISCORD_STAFF_CHANNEL_ID is not set")
            channel = self.get_channel(channel_id) or await self.fetch_channel(channel_id)
            posted = await channel.send(
                embed=embeds.staff_embed(item), view=staff_view(item), allowed_mentions=NO_PINGS
            )
        except (discord.HTTPException, LookupError) as exc:
            self.store.mark_notify_failed(item_id, str(exc))
            return False
        self.store.mark_notified(item_id, f"{channel.id}:{posted.id}")
        return True

    async def retry_pending(self) -> int:
        """Post every escalation that has not reached staff yet; returns how many got through."""
        sent = 0
        for item in self.store.pending_notifications("discord"):
            sent += await self.notify_staff(item.id)
        return sent

    async def _retry_loop(self) -> None:
        await self.wait_until_ready()
        while not self.is_closed():
            try:
                await self.retry_pending()
            except Exception:  # keep going; failures stay visible in the queue
                log.exception("retrying staff notifications failed")
            await asyncio.sleep(RETRY_SECONDS)

    async def on_staff_action(
        self, interaction: discord.Interaction, action: str, item_id: int
    ) -> None:
        if not self.is_staff(interaction.user):
            await interaction.response.send_message(NOT_STAFF, ephemeral=True)
            return
        if action == "answer":
            await interaction.response.send_modal(AnswerModal(item_id))
            return
        who = str(interaction.user)
        try:
            item = (
                self.store.claim(item_id, who)
                if action == "claim"
                else self.store.resolve(item_id, who)
            )
        except EscalationError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        await interaction.response.edit_message(
            embed=embeds.staff_embed(item), view=staff_view(item)
        )

    async def on_staff_answer(
        self, interaction: discord.Interaction, item_id: int, text: str
    ) -> None:
        if not self.is_staff(interaction.user):
            await interaction.response.send_message(NOT_STAFF, ephemeral=True)
            return
        try:
            item = self.store.answer(item_id, text, str(interaction.user))
        except EscalationError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        await interaction.response.send_message("Sent to the member's thread.", ephemeral=True)
        await self.relay(item.id)

    async def relay(self, item_id: int) -> None:
        """Post the staff answer where the member asked, then update the staff post."""
        item = self.store.get(item_id)
        target_id = int(item.thread or item.channel)
        try:
            target = self.get_channel(target_id) or await self.fetch_channel(target_id)
            await target.send(
                embed=embeds.staff_answer_embed(item.staff_answer or ""), allowed_mentions=NO_PINGS
            )
        except discord.HTTPException as exc:
            log.error("could not relay the answer to item %s: %s", item_id, exc)
            return
        item = self.store.mark_relayed(item_id)
        if item.staff_ref:
            channel_id, message_id = (int(x) for x in item.staff_ref.split(":"))
            channel = self.get_channel(channel_id) or await self.fetch_channel(channel_id)
            try:
                await channel.get_partial_message(message_id).edit(
                    embed=embeds.staff_embed(item), view=staff_view(item)
                )
            except discord.HTTPException as exc:
                log.warning("could not update staff post for item %s: %s", item_id, exc)

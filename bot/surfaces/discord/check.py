"""Check my draft on Discord: the "Check with Lines" message command and ``/check draft:``.

Both are answered ephemerally: the person who asked sees the result and nobody else does,
because their draft is theirs. Each interaction is deferred (ephemeral, "Lines is thinking")
before the check runs, so Discord's three seconds are never spent on it; the result follows
as ephemeral follow-up messages.

A draft carrying a sensitive situation goes to staff exactly as a private ``/ask`` question
does: the holding reply is ephemeral, the queue item reaches the staff channel through the
staff desk, and the staff answer comes by direct message.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.answer import Origin
from bot.check.findings import DraftCheck
from bot.check.render import FAILED, NO_TEXT, NOT_READY
from bot.errors import LinesError
from bot.staff.desk import holding_text
from bot.surfaces.discord import embeds

if TYPE_CHECKING:
    from bot.surfaces.discord.client import LinesBot

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
USAGE = "Paste your draft into the command: `/check draft: Our post about the new arrivals…`"


def register(bot: LinesBot) -> None:
    """Add ``/check`` and the "Check with Lines" message command to ``bot.tree``."""

    @bot.tree.command(
        name="check", description="Check a draft against our guidance (only you see it)"
    )
    @app_commands.describe(draft="The text you want to post, e.g. a tweet or a press line")
    async def check(interaction: discord.Interaction, draft: str) -> None:
        await check_draft(bot, interaction, draft, empty=USAGE)

    async def check_message(interaction: discord.Interaction, message: discord.Message) -> None:
        # clean_content shows mentions as the client does (@name, #channel), as typed.
        await check_draft(bot, interaction, message.clean_content, message=str(message.id))

    bot.tree.add_command(app_commands.ContextMenu(name=embeds.CHECK_TITLE, callback=check_message))


async def check_draft(
    bot: LinesBot,
    interaction: discord.Interaction,
    draft: str,
    *,
    message: str | None = None,
    empty: str = NO_TEXT,
) -> DraftCheck | None:
    """Check ``draft`` and show the result only to the person who asked; hand a sensitive
    draft to the staff desk. Every path ends with them told something true."""
    event_id = f"interaction:{interaction.id}"
    if not await bot.first_time(event_id):
        return None  # another replica has this interaction
    if not draft.strip():
        await interaction.response.send_message(empty, ephemeral=True)
        return None
    await interaction.response.defer(ephemeral=True, thinking=True)
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
    result: DraftCheck | None = None
    try:
        result = await asyncio.to_thread(bot.checker.check, draft, origin)
    except LinesError as exc:
        log.error("checking a draft failed: %s", str(exc).splitlines()[0])
        messages = embeds.plain_messages(NOT_READY)
    except Exception as exc:
        log.error("checking a draft failed: %s", type(exc).__name__, exc_info=True)
        messages = embeds.plain_messages(FAILED)
    else:
        answer = result.as_answer()
        messages = embeds.check_messages(result, holding_text(answer, origin))
    try:
        for message_embeds in messages:
            await interaction.followup.send(
                embeds=message_embeds, ephemeral=True, allowed_mentions=NO_PINGS
            )
    except discord.HTTPException as exc:
        log.error("could not send the check: %s %s", exc.status, (exc.text or "")[:200])
    if result is not None and result.escalation is not None:
        await asyncio.to_thread(bot.desk.escalated, result.as_answer())
    return result

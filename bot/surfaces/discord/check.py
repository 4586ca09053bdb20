"""Check my draft on Discord: the "Check with Lines" message command and ``/check draft:``.

Both are answered ephemerally: the person who asked sees the result and nobody else does,
because their draft is theirs. Each interaction is deferred (ephemeral, "Lines is thinking")
before the check runs, so Discord's three seconds are never spent on it; the result follows
as ephemeral follow-up messages.

A draft carrying a sensitive situation goes to staff exactly as a private ``/ask`` question
does: the holding reply is ephemeral, the queue item reaches the staff channel through the
staff desk, and the staff answer comes by direct message.

This module only declares the two commands; the client turns each into a draft and its
``Origin`` (``CheckHost.check_draft``), and the ``Conversation`` checks it.
"""

from __future__ import annotations

from typing import Protocol

import discord
from discord import app_commands

from bot.surfaces.discord import embeds

USAGE = "Paste your draft into the command: `/check draft: Our post about the new arrivals…`"


class CheckHost(Protocol):
    """The client the commands are added to, and which checks what they carry."""

    tree: app_commands.CommandTree

    async def check_draft(
        self,
        interaction: discord.Interaction,
        draft: str,
        *,
        message: str | None = None,
        empty: str | None = None,
    ) -> object:
        """Check ``draft`` for the person behind ``interaction``, only they see the result;
        ``empty`` is what they are told when there is no text (a default when None)."""
        ...


def register(host: CheckHost) -> None:
    """Add ``/check`` and the "Check with Lines" message command to ``host.tree``."""

    @host.tree.command(
        name="check", description="Check a draft against our guidance (only you see it)"
    )
    @app_commands.describe(draft="The text you want to post, e.g. a tweet or a press line")
    async def check(interaction: discord.Interaction, draft: str) -> None:
        await host.check_draft(interaction, draft, empty=USAGE)

    async def check_message(interaction: discord.Interaction, message: discord.Message) -> None:
        # clean_content shows mentions as the client does (@name, #channel), as typed.
        await host.check_draft(interaction, message.clean_content, message=str(message.id))

    host.tree.add_command(app_commands.ContextMenu(name=embeds.CHECK_TITLE, callback=check_message))

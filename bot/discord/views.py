"""Buttons and the staff modal. All survive a restart: answer buttons have fixed custom ids
and staff buttons are ``DynamicItem`` templates carrying the queue item id."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from bot.discord.client import LinesBot

HELPFUL, UNHELPFUL, PERSON = "lines:helpful", "lines:unhelpful", "lines:person"
STAFF_TEMPLATE = r"lines:staff:(?P<action>claim|answer|resolve):(?P<id>[0-9]+)"
LABELS = {"claim": "Claim", "answer": "Answer", "resolve": "Resolve"}


class AnswerView(discord.ui.View):
    """Under every answer: helpful, not helpful, and "Ask a person"."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(
        label="Helpful", emoji="👍", style=discord.ButtonStyle.secondary, custom_id=HELPFUL
    )
    async def helpful(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await bot_of(interaction).on_feedback(interaction, True)

    @discord.ui.button(
        label="Not helpful", emoji="👎", style=discord.ButtonStyle.secondary, custom_id=UNHELPFUL
    )
    async def unhelpful(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await bot_of(interaction).on_feedback(interaction, False)

    @discord.ui.button(label="Ask a person", style=discord.ButtonStyle.primary, custom_id=PERSON)
    async def person(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await bot_of(interaction).on_ask_person(interaction)


class StaffButton(discord.ui.DynamicItem[discord.ui.Button], template=STAFF_TEMPLATE):
    """Claim / Answer / Resolve on a staff post; the custom id says which item."""

    def __init__(self, action: str, item_id: int) -> None:
        style = discord.ButtonStyle.success if action == "answer" else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=LABELS[action], style=style, custom_id=f"lines:staff:{action}:{item_id}"
            )
        )
        self.action, self.item_id = action, item_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match) -> StaffButton:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await bot_of(interaction).on_staff_action(interaction, self.action, self.item_id)


def staff_view(item) -> discord.ui.View:
    """The buttons a staff post shows for the item's current state."""
    view = discord.ui.View(timeout=None)
    if item.state == "open":
        view.add_item(StaffButton("claim", item.id))
    if item.state in ("open", "claimed"):
        view.add_item(StaffButton("answer", item.id))
    if item.state != "resolved":
        view.add_item(StaffButton("resolve", item.id))
    return view


class AnswerModal(discord.ui.Modal):
    """Where staff type the answer that is posted in the member's thread."""

    answer = discord.ui.TextInput(
        label="Your answer (posted in the member's thread)",
        style=discord.TextStyle.paragraph,
        custom_id="answer",
        max_length=4000,
    )

    def __init__(self, item_id: int) -> None:
        super().__init__(
            title="Answer the member", timeout=None, custom_id=f"lines:answer:{item_id}"
        )
        self.item_id = item_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await bot_of(interaction).on_staff_answer(interaction, self.item_id, self.answer.value)


def bot_of(interaction: discord.Interaction) -> LinesBot:
    return interaction.client  # type: ignore[return-value]

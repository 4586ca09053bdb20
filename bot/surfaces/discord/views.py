"""Buttons and the staff modal. All survive a restart: answer buttons have fixed custom ids
and staff buttons are ``DynamicItem`` templates carrying the queue item id.

Which staff buttons a post shows is the staff desk's decision (``StaffCard.actions``, from
the one table in ``bot.storage.states``); this module only draws them. A click is passed to
the client that received it, through the small ``Clicks`` protocol, so this module never
imports the client.
"""

from __future__ import annotations

from typing import Protocol

import discord

from bot.staff.ports import StaffCard
from bot.storage.states import LABELS

HELPFUL, UNHELPFUL, PERSON = "lines:helpful", "lines:unhelpful", "lines:person"
STAFF_TEMPLATE = r"lines:staff:(?P<action>claim|answer|resolve):(?P<id>[0-9]+)"
ANSWER_MAX = 4000  # what Discord's text input accepts


class Clicks(Protocol):
    """What the client does with the clicks and forms drawn here."""

    async def on_feedback(self, interaction: discord.Interaction, helpful: bool) -> None:
        """A helpful / not helpful click under an answer."""
        ...

    async def on_ask_person(self, interaction: discord.Interaction) -> None:
        """The "Ask a person" button under an answer."""
        ...

    async def on_staff_action(
        self, interaction: discord.Interaction, action: str, item_id: int
    ) -> None:
        """Claim, Answer or Resolve on a staff post."""
        ...

    async def on_staff_answer(
        self, interaction: discord.Interaction, item_id: int, text: str
    ) -> None:
        """The answer form submitted by staff."""
        ...


class AnswerView(discord.ui.View):
    """Under every answer: helpful, not helpful, and "Ask a person"."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(
        label="Helpful", emoji="👍", style=discord.ButtonStyle.secondary, custom_id=HELPFUL
    )
    async def helpful(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Record that the answer helped."""
        await bot_of(interaction).on_feedback(interaction, True)

    @discord.ui.button(
        label="Not helpful", emoji="👎", style=discord.ButtonStyle.secondary, custom_id=UNHELPFUL
    )
    async def unhelpful(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Record that the answer did not help."""
        await bot_of(interaction).on_feedback(interaction, False)

    @discord.ui.button(label="Ask a person", style=discord.ButtonStyle.primary, custom_id=PERSON)
    async def person(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Hand the question to staff."""
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
        """Rebuild the button from its custom id (after a restart)."""
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Pass the click to the bot, which asks the staff desk."""
        await bot_of(interaction).on_staff_action(interaction, self.action, self.item_id)


def staff_view(card: StaffCard) -> discord.ui.View:
    """The buttons the desk allows for the item's current state (none once resolved)."""
    view = discord.ui.View(timeout=None)
    for action in card.actions:
        view.add_item(StaffButton(action, card.item.id))
    return view


class AnswerModal(discord.ui.Modal):
    """Where staff type the answer that is delivered to the member."""

    answer = discord.ui.TextInput(
        label="Your answer (delivered to the member)",
        style=discord.TextStyle.paragraph,
        custom_id="answer",
        max_length=ANSWER_MAX,
    )

    def __init__(self, item_id: int) -> None:
        super().__init__(
            title="Answer the member", timeout=None, custom_id=f"lines:answer:{item_id}"
        )
        self.item_id = item_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Pass the answer to the bot, which records and delivers it through the desk."""
        await bot_of(interaction).on_staff_answer(interaction, self.item_id, self.answer.value)


def bot_of(interaction: discord.Interaction) -> Clicks:
    """The client that received ``interaction`` (a ``LinesBot``), as what handles clicks."""
    return interaction.client  # type: ignore[return-value]

"""What the staff desk and a platform exchange: the card a platform renders, and the port it
implements for the desk (post to staff, update a staff post, send to a member)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.answer import Origin
from bot.storage.schema import Item
from bot.storage.states import Action


class DeliveryError(Exception):
    """A platform did not take a post. ``reason`` is short and safe to log and show staff:
    it never contains a member's question or a staff answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StaffCard:
    """Everything a staff post shows, decided once; platforms only render it."""

    item: Item
    actions: tuple[Action, ...]  # the buttons, in order
    low_priority: bool  # a "no guidance" gap rather than a question a person must answer
    delivery: str  # one line on where the staff answer is, e.g. "Answer delivered 10:32 UTC"
    pointer: str  # the command that shows the item in full, for trimmed posts

    @property
    def title(self) -> str:
        """The post's heading: which item, what kind, its state (and a gap's low priority)."""
        item = self.item
        if self.low_priority:
            return f"Gap #{item.id}: no guidance found ({item.state}) · low priority"
        return f"Escalation #{item.id}: {item.category or item.kind} ({item.state})"

    @property
    def more(self) -> str:
        """What ends a trimmed text: where to read it whole."""
        return f" (full text: `{self.pointer}`)"

    @property
    def cut_note(self) -> str:
        """Said when the queue kept only the start of a long question, else ""."""
        item = self.item
        if not item.question_was_cut:
            return ""
        return (
            f"The member wrote {item.question_chars:,} characters; the queue keeps the "
            f"first {len(item.question):,}."
        )


class StaffPort(Protocol):
    """What a platform does for the desk. Every method raises ``DeliveryError`` on failure."""

    platform: str

    def post_staff(self, card: StaffCard) -> str:
        """Post the card to the staff channel; return a reference to update it later."""
        ...

    def update_staff(self, staff_ref: str, card: StaffCard) -> None:
        """Show ``card`` in place of the staff post at ``staff_ref``."""
        ...

    def relay(self, recipient: Origin, answer: str, item_id: int) -> None:
        """Deliver a staff answer to the member, marked as coming from the staff team."""
        ...

    def note(self, recipient: Origin, text: str) -> None:
        """Post a short note from Lines where ``recipient`` hears back (e.g. a correction)."""
        ...

"""A queue item as the advisor opens one, for the storage tests."""

from __future__ import annotations

from bot.answer import Origin, Passage, Question
from bot.storage.queue import Queue

PASSAGE = Passage(
    "c1", "Say people, not numbers.", "guidance/g.md", "Guide", "guidance", "Words", "2025-01-01"
)


def open_one(queue: Queue, event_id: str | None = None, kind: str = "sensitive") -> int | None:
    """Open a live-crisis item asked in a Slack thread; its id (None when spooled)."""
    question = Question(
        "A journalist is on the phone now",
        Origin(
            platform="slack",
            workspace="T1",
            channel="C1",
            thread="1.2",
            user="U1",
            event_id=event_id,
        ),
    )
    return queue.open_item(
        question=question, kind=kind, category="live_crisis", reason="pattern", passages=[PASSAGE]
    )

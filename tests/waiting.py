"""Waiting for what a test expects: one ``eventually`` for state nothing can signal.

The loopback peers signal what they receive (``FakeSlack.wait_for``, ``FakeDiscord.wait_for``);
the queue, a desk's lease or a correction sweep cannot, so a test polls them with
``eventually``. From a Discord test, where the event loop must keep running the bot, call it
off the loop: ``await asyncio.to_thread(eventually, condition)`` (the condition may read
the queue, which blocks).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(
    condition: Callable[[], T],
    timeout: float = 10.0,
    what: str = "condition",
    interval: float = 0.02,
) -> T:
    """Call ``condition`` until it returns something true, and return that.

    Raises ``AssertionError`` naming ``what`` when ``timeout`` seconds pass first. The
    condition is always tried once more at the deadline, so a slow machine that was busy
    elsewhere is not mistaken for a wrong answer.
    """
    deadline = time.monotonic() + timeout
    while True:
        last_chance = time.monotonic() >= deadline
        result = condition()
        if result:
            return result
        assert not last_chance, f"{what} not met within {timeout}s"
        time.sleep(interval)

"""How long Discord's event loop is stalled while the bot answers a burst of questions.

The real Discord bot (``LinesBot``, the real discord.py client) runs against the loopback
Discord peer in ``tests/fakes/discord_api.py``, over the tiny test corpus ingested into a
temporary Chroma folder, as the tests do. The peer runs on its own event loop in its own
thread, so the figures are the bot's loop alone. After one warm-up question, members post
``--questions`` mentions at once; a probe on the bot's loop sleeps 10 ms at a time and
records how late each wake-up is. While the loop is stalled the bot cannot heartbeat, read
the gateway or acknowledge an interaction within Discord's three seconds, so the worst
lateness is the figure that matters. Figures are printed, never asserted.

    python -m bench.discord_loop                  # 20 questions, 3 rounds
    python -m bench.discord_loop --questions 50 --rounds 1
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

TICK = 0.010  # the probe's sleep, seconds
QUESTIONS = (
    "How do we talk about people crossing the Channel?",
    "Which words should we avoid about immigration?",
    "What does NRPF mean?",
    "What are our lines to take on Channel crossings?",
    "How do we speak to the persuadable middle?",
)


def _question(n: int, of: int) -> str:
    """A distinct question each time, so no answer comes from a cache."""
    return f"{QUESTIONS[n % len(QUESTIONS)]} (question {n + 1} of {of})"


class Probe:
    """Sleeps ``TICK`` at a time on the loop it runs on and records each wake-up's lateness."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self._running = True

    async def run(self) -> None:
        """Probe until ``stop``."""
        loop = asyncio.get_running_loop()
        while self._running:
            start = loop.time()
            await asyncio.sleep(TICK)
            self.late.append(max(0.0, loop.time() - start - TICK))

    def stop(self) -> None:
        """End the probe at its next wake-up."""
        self._running = False


class PeerThread:
    """The loopback Discord peer on its own event loop, in its own thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        from tests.fakes.discord_api import FakeDiscord

        self.fake = self.call_sync(FakeDiscord().start())

    def call_sync(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coroutine`` on the peer's loop and wait (from a thread with no loop)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(120)

    async def call(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coroutine`` on the peer's loop, awaited from another loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))

    def stop(self) -> None:
        """Stop the peer and its loop."""
        self.call_sync(self.fake.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def _settings(base: Path):
    from bot.ingest.pipeline import ingest
    from tests.conftest import TINY_CORPUS, make_settings, write_corpus
    from tests.fakes.discord_api import STAFF_CHANNEL, STAFF_ROLE

    knowledge = write_corpus(base / "knowledge", TINY_CORPUS)
    ingest(make_settings(base, knowledge))
    return make_settings(base, knowledge).with_overrides(
        discord_token="bench-token",
        discord_staff_channel_id=int(STAFF_CHANNEL),
        discord_staff_role_id=int(STAFF_ROLE),
    )


async def _answered(peer: PeerThread, message: dict) -> bool:
    """Wait for the answer in the message's thread; True when it cites a source."""
    posted = await peer.call(
        peer.fake.wait_for("POST", rf"/channels/{message['id']}/messages", timeout=300)
    )
    fields = [f["name"] for e in posted[0].body.get("embeds") or [] for f in e.get("fields") or []]
    return any(name.startswith("Sources") for name in fields)


async def burst(settings, advisor, peer: PeerThread, questions: int) -> dict[str, float]:
    """One bot, one warm-up question, then ``questions`` at once: the loop's lateness, the
    time until every one was answered, and how many answers cite a source."""
    from tests.surfaces.discord.conftest import running

    async with running(settings, advisor, peer.fake) as (_bot, _):
        await _answered(
            peer, await peer.call(peer.fake.member_says(QUESTIONS[0], mention_bot=True))
        )
        probe = Probe()
        probing = asyncio.create_task(probe.run())
        started = time.perf_counter()
        sent = [
            await peer.call(peer.fake.member_says(_question(n, questions), mention_bot=True))
            for n in range(questions)
        ]
        cited = await asyncio.gather(*(_answered(peer, message) for message in sent))
        elapsed = time.perf_counter() - started
        probe.stop()
        await probing
    late = sorted(probe.late)
    return {
        "worst": late[-1],
        "p99": late[min(len(late) - 1, int(0.99 * len(late)))],
        "median": statistics.median(late),
        "seconds": elapsed,
        "cited": sum(cited),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the bursts and print one line of figures per round."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    from bot.factory import build_advisor
    from bot.storage.database import sqlite_url

    print(f"Discord loop lateness during a burst of {args.questions} mentions (milliseconds)")
    print(f"{'round':<6} {'worst':>7} {'p99':>7} {'median':>7} {'answered in':>12} {'cited':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        settings = _settings(base)
        peer = PeerThread()
        try:
            for n in range(1, args.rounds + 1):
                round_settings = settings.with_overrides(
                    database_url=sqlite_url(base / f"round-{n}.db")
                )
                advisor = build_advisor(round_settings)  # on the main thread, as `lines discord`
                figures = asyncio.run(burst(round_settings, advisor, peer, args.questions))
                print(
                    f"{n:<6} {figures['worst'] * 1000:>7.1f} {figures['p99'] * 1000:>7.1f} "
                    f"{figures['median'] * 1000:>7.1f} {figures['seconds']:>11.1f}s "
                    f"{figures['cited']:>3}/{args.questions}",
                    flush=True,
                )
        finally:
            peer.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

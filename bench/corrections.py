"""How long a correction takes to reach a member's thread after an ingest, per platform.

The real Slack app (HTTP mode) and the real Discord bot run against the loopback peers in
``tests/fakes``, with their staff desks polling as in production, over a real on-disk index.
A member is answered once from a line to take. Then, each trial, a maintainer writes a new
version of the line, marks the old one superseded by it, and ingests (in this process, as
``lines ingest`` would); the clock runs from the ingest returning until the correction note
(with its fresh answer) is posted in the member's thread. The note's fresh answer cites the
new version, so the next trial's ingest corrects the same thread again, once.

Each ingest finishes at a random moment, as a maintainer's would, so the wait is spread
between 0 and ``STAFF_DESK_POLL_SECONDS``; on top come the desk's check of the index (one
manifest read and one Chroma read), answering the question again, and the post. Figures
are printed, never asserted.

    python -m bench.corrections                       # 20 trials, polls of 2 s (default) and 0.5 s
    python -m bench.corrections --trials 10 --polls 1
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import tempfile
import time
from pathlib import Path

QUESTION = "What are our lines on asylum hotels?"
GUIDANCE = """---
title: Talking about asylum accommodation
kind: guidance
date: 2025-01-10
---
## People, not sites

Describe the people living in any accommodation and what they need, not the building.
"""


def _line(version: int, superseded: bool = False) -> str:
    status = (
        f"status: superseded\nsuperseded_by: lines/hotels-{version + 1}.md\n" if superseded else ""
    )
    return f"""---
title: "Lines to take: asylum hotels (version {version})"
kind: line
date: 2026-11-01
review_by: 2099-01-01
{status}---
## Our lines

People housed in asylum hotels are our neighbours; they deserve safety while they wait.
Version {version}: the backlog keeps people waiting, and faster fair decisions end hotel use.
"""


class Knowledge:
    """The knowledge folder a maintainer edits between ingests: one current hotels line."""

    def __init__(self, base: Path, embeddings) -> None:
        from tests.conftest import make_settings

        self.folder = base / "knowledge"
        (self.folder / "guidance").mkdir(parents=True)
        (self.folder / "lines").mkdir()
        (self.folder / "guidance/accommodation.md").write_text(GUIDANCE)
        (self.folder / "lines/hotels-0.md").write_text(_line(0))
        self.version = 0
        self.embeddings = embeddings
        self.settings = make_settings(base, self.folder)
        self.ingest()

    def ingest(self) -> None:
        from bot.ingest.pipeline import ingest

        report = ingest(self.settings, embeddings=self.embeddings)
        assert not report.failed, report.failed

    def supersede(self) -> None:
        """A new version arrives and replaces the current one (the one before goes)."""
        lines = self.folder / "lines"
        (lines / f"hotels-{self.version + 1}.md").write_text(_line(self.version + 1))
        (lines / f"hotels-{self.version}.md").write_text(_line(self.version, superseded=True))
        (lines / f"hotels-{self.version - 1}.md").unlink(missing_ok=True)
        self.version += 1


def slack_trials(base: Path, poll: float, trials: int, embeddings) -> list[float]:
    """Seconds from the ingest returning to the note in the member's Slack thread."""
    from bot.factory import build_advisor
    from tests.fakes.slack_api import FakeSlack
    from tests.surfaces.slack.conftest import STAFF_CHANNEL, STAFF_USER, mention, start_http_app

    knowledge = Knowledge(base, embeddings)
    fake = FakeSlack(channel_members={STAFF_CHANNEL: [STAFF_USER]}).start()
    settings = knowledge.settings.with_overrides(
        slack_bot_token="xoxb-bench",
        slack_signing_secret="test-signing-secret",
        slack_staff_channel=STAFF_CHANNEL,
        slack_mode="http",
        slack_api_url=fake.base_url,
        staff_desk_poll_seconds=poll,
    )
    app, stop = start_http_app(settings, build_advisor(settings, embeddings=embeddings), fake)
    rng = random.Random(int(poll * 1000))
    times = []
    try:
        ts = fake.add_member_message("CBENCH", "UMEMBER", QUESTION)
        app.event(mention(QUESTION, ts, channel="CBENCH"), "EvBench")
        fake.wait_for("chat.postMessage", channel="CBENCH", thread_ts=ts, timeout=60)
        while not app.surface.records.answers_since(_hour_ago()):
            time.sleep(0.01)
        for n in range(trials):
            knowledge.supersede()
            time.sleep(rng.uniform(0, poll))  # an ingest ends at any moment, not on a tick
            knowledge.ingest()
            done = time.perf_counter()
            fake.wait_for(
                "chat.postMessage", channel="CBENCH", thread_ts=ts, count=n + 2, timeout=60
            )
            times.append(time.perf_counter() - done)
    finally:
        stop()
        fake.stop()
    return times


def discord_trials(base: Path, poll: float, trials: int, embeddings) -> list[float]:
    """Seconds from the ingest returning to the note in the member's Discord thread."""
    from bot.factory import build_advisor
    from tests.fakes.discord_api import STAFF_CHANNEL, STAFF_ROLE
    from tests.surfaces.discord.conftest import running

    knowledge = Knowledge(base, embeddings)
    settings = knowledge.settings.with_overrides(
        discord_token="bench-token",
        discord_staff_channel_id=int(STAFF_CHANNEL),
        discord_staff_role_id=int(STAFF_ROLE),
        staff_desk_poll_seconds=poll,
    )
    advisor = build_advisor(settings, embeddings=embeddings)
    rng = random.Random(int(poll * 1000) + 1)

    async def scenario() -> list[float]:
        times = []
        async with running(settings, advisor) as (bot, fake):
            message = await fake.member_says(QUESTION, mention_bot=True)
            thread = rf"/channels/{message['id']}/messages"
            await fake.wait_for("POST", thread, timeout=60)
            while not await asyncio.to_thread(bot.records.answers_since, _hour_ago()):
                await asyncio.sleep(0.01)
            for n in range(trials):
                knowledge.supersede()
                await asyncio.sleep(rng.uniform(0, poll))
                await asyncio.to_thread(knowledge.ingest)
                done = time.perf_counter()
                await fake.wait_for("POST", thread, count=n + 2, timeout=60)
                times.append(time.perf_counter() - done)
        return times

    return asyncio.run(scenario())


def _hour_ago():
    import datetime as dt

    return dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)


def main(argv: list[str] | None = None) -> int:
    """Run the trials and print one line of figures per platform and poll interval."""
    from bot.index.embedding import MiniLMEmbeddings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--polls", type=float, nargs="+", default=[2.0, 0.5])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    embeddings = MiniLMEmbeddings()
    print(f"ingest finished -> correction in the member's thread, {args.trials} trials (seconds)")
    print(f"{'platform':<9} {'poll':>5} {'p50':>6} {'p95':>6} {'max':>6} {'mean':>6}")
    for poll in args.polls:
        for platform, trials in (("slack", slack_trials), ("discord", discord_trials)):
            with tempfile.TemporaryDirectory() as tmp:
                times = sorted(trials(Path(tmp), poll, args.trials, embeddings))
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            print(
                f"{platform:<9} {poll:>5.2f} {statistics.median(times):>6.2f} {p95:>6.2f} "
                f"{times[-1]:>6.2f} {statistics.fmean(times):>6.2f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

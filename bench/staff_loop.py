"""How long a staff answer typed in the terminal takes to reach the member, per platform.

The real Slack app (HTTP mode) and the real Discord bot run against the loopback peers in
``tests/fakes`` with their staff desks polling the queue as in production. Each trial: a
member asks a sensitive question, the staff post arrives, then ``escalations answer`` runs
(in this process, against the same SQLite queue, as a staff member's terminal would) and the
clock runs until the staff reply is posted in the member's thread. Figures are printed, never
asserted. Each answer is given at a random moment, as staff would, so the wait is spread
between 0 and ``STAFF_DESK_POLL_SECONDS``, which dominates it.

    python -m bench.staff_loop                      # 20 trials, polls of 2 s (default) and 0.5 s
    python -m bench.staff_loop --trials 20 --polls 2 1 0.25
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

SENSITIVE = "A young man we support said he doesn't want to go on after his asylum refusal"


def _settings(base: Path, poll: float, trial_db: str):
    from bot.ingest.pipeline import ingest
    from bot.storage.database import sqlite_url
    from tests.conftest import TINY_CORPUS, make_settings, write_corpus

    knowledge = base / "knowledge"
    if not knowledge.exists():
        write_corpus(knowledge, TINY_CORPUS)
        ingest(make_settings(base, knowledge))
    return make_settings(base, knowledge).with_overrides(
        database_url=sqlite_url(base / trial_db), staff_desk_poll_seconds=poll
    )


def n_seed(poll: float) -> int:
    """A fixed seed per poll interval, so runs are comparable."""
    return int(poll * 1000)


def _cli_answer(settings, item_id: int) -> None:
    from bot.cli import build_parser
    from bot.cli import escalations as escalations_cli

    parsed = build_parser("escalations").parse_args(
        ["escalations", "answer", str(item_id), "--text", "We're calling you now."]
    )
    assert escalations_cli.run(parsed, settings) == 0


def slack_trials(base: Path, poll: float, trials: int) -> list[float]:
    """Seconds from the CLI answer returning to the reply in the member's Slack thread."""
    import contextlib
    import io

    from bot.factory import build_advisor
    from tests.fakes.slack_api import FakeSlack
    from tests.surfaces.slack.conftest import STAFF_CHANNEL, STAFF_USER, mention, start_http_app

    settings = _settings(base, poll, f"slack-{poll}.db").with_overrides(
        slack_bot_token="xoxb-bench",
        slack_signing_secret="test-signing-secret",
        slack_staff_channel=STAFF_CHANNEL,
        slack_mode="http",
    )
    fake = FakeSlack(channel_members={STAFF_CHANNEL: [STAFF_USER]}).start()
    settings = settings.with_overrides(slack_api_url=fake.base_url)
    app, stop = start_http_app(settings, build_advisor(settings), fake)
    app.surface.desk.backoff_base = 5.0
    times = []
    rng = random.Random(n_seed(poll))
    try:
        for n in range(trials):
            ts = fake.add_member_message("CBENCH", "UMEMBER", SENSITIVE)
            app.event(mention(SENSITIVE, ts, channel="CBENCH"), f"EvBench{n}")
            fake.wait_for("chat.postMessage", channel=STAFF_CHANNEL, count=n + 1, timeout=60)
            queue = app.surface.desk.queue
            while not (item := queue.list(limit=1)[0]).staff_ref:
                time.sleep(0.01)
            time.sleep(rng.uniform(0, poll))  # staff answer at any moment, not in step with ticks
            with contextlib.redirect_stdout(io.StringIO()):
                _cli_answer(settings, item.id)
            answered = time.perf_counter()
            fake.wait_for("chat.postMessage", channel="CBENCH", thread_ts=ts, count=2, timeout=60)
            times.append(time.perf_counter() - answered)
    finally:
        stop()
        fake.stop()
    return times


def discord_trials(base: Path, poll: float, trials: int) -> list[float]:
    """Seconds from the CLI answer returning to the reply in the member's Discord thread."""
    import contextlib
    import io

    from bot.factory import build_advisor
    from tests.fakes.discord_api import STAFF_CHANNEL, STAFF_ROLE
    from tests.surfaces.discord.conftest import running

    settings = _settings(base, poll, f"discord-{poll}.db").with_overrides(
        discord_token="bench-token",
        discord_staff_channel_id=int(STAFF_CHANNEL),
        discord_staff_role_id=int(STAFF_ROLE),
    )
    advisor = build_advisor(settings)

    rng = random.Random(n_seed(poll) + 1)

    async def scenario() -> list[float]:
        times = []
        async with running(settings, advisor) as (bot, fake):
            bot.desk.backoff_base = 5.0
            for n in range(trials):
                message = await fake.member_says(SENSITIVE, mention_bot=True)
                await fake.wait_for(
                    "POST", rf"/channels/{STAFF_CHANNEL}/messages", count=n + 1, timeout=60
                )
                queue = bot.desk.queue
                while not (item := (await asyncio.to_thread(queue.list, None, 1))[0]).staff_ref:
                    await asyncio.sleep(0.01)
                await asyncio.sleep(rng.uniform(0, poll))  # not in step with the desk's ticks
                with contextlib.redirect_stdout(io.StringIO()):
                    await asyncio.to_thread(_cli_answer, settings, item.id)
                answered = time.perf_counter()
                await fake.wait_for(
                    "POST", rf"/channels/{message['id']}/messages", count=2, timeout=60
                )
                times.append(time.perf_counter() - answered)
        return times

    return asyncio.run(scenario())


def main(argv: list[str] | None = None) -> int:
    """Run the trials and print one line of figures per platform and poll interval."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--polls", type=float, nargs="+", default=[2.0, 0.5])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    print(f"CLI answer -> member's thread, {args.trials} trials each (seconds)")
    print(f"{'platform':<9} {'poll':>5} {'p50':>6} {'p95':>6} {'max':>6} {'mean':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for poll in args.polls:
            for platform, trials in (("slack", slack_trials), ("discord", discord_trials)):
                times = sorted(trials(base, poll, args.trials))
                p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
                print(
                    f"{platform:<9} {poll:>5.2f} {statistics.median(times):>6.2f} {p95:>6.2f} "
                    f"{times[-1]:>6.2f} {statistics.fmean(times):>6.2f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

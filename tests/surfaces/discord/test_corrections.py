"""Corrections on Discord, end to end: the real client against the loopback peer, a real index.

A member is answered in a thread from a line to take; a maintainer ingests a newer line that
supersedes it; the running bot posts one note in that thread with mentions disabled, an
ephemeral ``/ask`` answer is corrected by direct message and never in the channel, and two
bots sharing the queue still post each note once.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.factory import build_advisor
from tests.fakes.discord_api import MEMBER, STAFF_CHANNEL, STAFF_ROLE, TEXT_CHANNEL, FakeDiscord
from tests.staff import corrections_corpus as corpus
from tests.surfaces.discord.conftest import ask_command, run, running
from tests.waiting import eventually


@pytest.fixture
def settings(tmp_path, embeddings):
    base = corpus.write(tmp_path)
    corpus.ingest(base, embeddings)
    return base.with_overrides(
        discord_token="test-token",
        discord_staff_channel_id=int(STAFF_CHANNEL),
        discord_staff_role_id=int(STAFF_ROLE),
        staff_desk_poll_seconds=0.1,
    )


async def ask_in_thread(fake: FakeDiscord, question: str) -> str:
    """Mention the bot in the text channel and wait for its answer; returns the thread id."""
    message = await fake.member_says(question, mention_bot=True)
    answer = (await fake.wait_for("POST", rf"/channels/{message['id']}/messages"))[0].body
    assert answer["embeds"][-1]["fields"][0]["name"] == "Sources"
    return message["id"]


def notes(fake: FakeDiscord, channel: str) -> list[dict]:
    return [
        c.body
        for c in fake.sent(rf"/channels/{channel}/messages")
        if c.body["embeds"]
        and c.body["embeds"][0].get("author", {}).get("name") == "A note from Lines"
    ]


def ingest(settings, embeddings, change) -> asyncio.Future:
    """A maintainer's change and ingest, off the event loop the bot runs on."""

    def work() -> None:
        change(settings)
        corpus.ingest(settings, embeddings)

    return asyncio.to_thread(work)


def test_a_superseding_ingest_is_corrected_once_in_the_thread_and_privately_by_dm(
    settings, embeddings
):
    advisor = build_advisor(settings, embeddings=embeddings)

    async def scenario():
        async with running(settings, advisor) as (bot, fake):
            thread = await ask_in_thread(fake, corpus.HOTELS_QUESTION)
            barge_thread = await ask_in_thread(fake, corpus.BARGE_QUESTION)
            await fake.interact(2, ask_command(corpus.HOTELS_QUESTION))
            private = (await fake.wait_for("POST", r"/webhooks/810/token-\d+"))[0].body
            assert private["flags"] == 64
            await asyncio.to_thread(
                eventually, lambda: len(bot.records.answers_since(_hour_ago())) == 3
            )

            await ingest(settings, embeddings, corpus.supersede)
            posts = await fake.wait_for("POST", rf"/channels/{thread}/messages", count=2)
            note = posts[1].body
            assert note["allowed_mentions"] == {"parse": []}
            text = note["embeds"][0]["description"]
            assert "An earlier answer here cited" in text
            assert "has been replaced by “Lines to take: asylum hotels \\(2026\\)”" in text
            assert "Asylum hotels are closing" in text
            dm = (await fake.wait_for("POST", rf"/channels/55{MEMBER['id']}/messages"))[0].body
            assert "An earlier answer I gave you privately" in dm["embeds"][0]["description"]
            assert dm["allowed_mentions"] == {"parse": []}

            # Sentinel: a later change reaches another thread, so the loop has looked again.
            await ingest(settings, embeddings, corpus.withdraw)
            await fake.wait_for("POST", rf"/channels/{barge_thread}/messages", count=2)
            await asyncio.to_thread(
                eventually, lambda: all(r.posted_at for r in bot.records.list_corrections())
            )
            assert len(notes(fake, thread)) == 1
            assert len(notes(fake, f"55{MEMBER['id']}")) == 1
            # Nothing about the private question was posted in the channel it was asked in.
            assert fake.sent(rf"/channels/{TEXT_CHANNEL}/messages") == []

    run(scenario())


def test_two_bots_on_one_queue_post_each_correction_once(settings, embeddings):
    first_advisor = build_advisor(settings, embeddings=embeddings)
    second_advisor = build_advisor(settings, embeddings=embeddings)

    async def scenario():
        fake = await FakeDiscord().start()
        try:
            async with (
                running(settings, first_advisor, fake) as (first, _),
                running(settings, second_advisor, fake) as (second, _),
            ):
                await fake.wait_for_bots(2)
                thread = await ask_in_thread(fake, corpus.HOTELS_QUESTION)
                barge_thread = await ask_in_thread(fake, corpus.BARGE_QUESTION)
                await asyncio.to_thread(
                    eventually, lambda: len(first.records.answers_since(_hour_ago())) == 2
                )

                await ingest(settings, embeddings, corpus.supersede)
                await fake.wait_for("POST", rf"/channels/{thread}/messages", count=2)
                await ingest(settings, embeddings, corpus.withdraw)
                await fake.wait_for("POST", rf"/channels/{barge_thread}/messages", count=2)
                stamp = first.desk.corrections.stamp()
                for bot in (first, second):
                    await asyncio.to_thread(
                        eventually, lambda bot=bot: bot.desk.corrections.checked[0] == stamp
                    )
                await asyncio.to_thread(
                    eventually, lambda: all(r.posted_at for r in first.records.list_corrections())
                )
                assert len(notes(fake, thread)) == 1
                assert len(notes(fake, barge_thread)) == 1
                assert len(fake.sent(rf"/channels/{thread}/messages")) == 2
        finally:
            await fake.stop()

    run(scenario())


def _hour_ago():
    import datetime as dt

    return dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)

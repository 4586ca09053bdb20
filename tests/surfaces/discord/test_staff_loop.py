"""The staff loop on Discord, end to end against the loopback peer: every failure from issue 11.

``/ask`` stays private and its staff answer comes by DM, a forbidden thread falls back to
the channel, a staff post with a long question and long drafts is accepted by a peer that
enforces Discord's limits, an answer given in the terminal reaches the member's thread,
masked links from documents, questions and staff are shown inert, non-Latin questions fit,
and two bots on one queue answer once.
"""

from __future__ import annotations

import asyncio

from bot.answer import Origin, Passage, Question
from bot.cli import build_parser
from bot.cli import escalations as escalations_cli
from bot.factory import build_advisor
from tests.conftest import make_settings, write_corpus
from tests.fakes.discord_api import (
    MEMBER,
    STAFF_CHANNEL,
    STAFF_ROLE,
    STAFFER,
    TEXT_CHANNEL,
    FakeDiscord,
    live_links,
)
from tests.surfaces.discord.conftest import ask_command, run, running, sentinel
from tests.waiting import eventually

PRIVATE = "My client Amina's asylum claim was refused, can she appeal? Her ref is Y1234567."
SENSITIVE = "A young man we support said he doesn't want to go on after his asylum refusal"
ORDINARY = "How do we talk about people crossing the Channel?"
ARABIC = ("كيف نتحدث عن الأشخاص الذين يعبرون القناة بحثا عن الأمان؟ " * 8)[:400]
UKRAINIAN = ("Як нам говорити про людей, які перетинають Ла-Манш у пошуках безпеки? " * 6)[:400]
EMOJI = ("🙏🏽🌍🚤💬🇬🇧 " * 60)[:400]


async def staff_answers(fake: FakeDiscord, item_id: int, text: str) -> None:
    """A staff member clicks Answer on the item's post, then submits the form."""
    click = await fake.interact(
        3,
        {"custom_id": f"lines:staff:answer:{item_id}", "component_type": 2},
        user=STAFFER,
        roles=[STAFF_ROLE],
        channel=STAFF_CHANNEL,
        message=fake.messages[STAFF_CHANNEL][-1],
    )
    modal = (await fake.wait_for("POST", rf"/interactions/{click}/[^/]+/callback"))[0].body
    assert modal["type"] == 9  # the form opened
    await fake.interact(
        5,
        {
            "custom_id": f"lines:answer:{item_id}",
            "components": [
                {"type": 1, "components": [{"type": 4, "custom_id": "answer", "value": text}]}
            ],
        },
        user=STAFFER,
        roles=[STAFF_ROLE],
        channel=STAFF_CHANNEL,
    )


def staff_cli(settings, *args: str) -> int:
    """``lines escalations ARGS`` in this process, against the bot's queue."""
    parsed = build_parser("escalations").parse_args(["escalations", *args])
    return escalations_cli.run(parsed, settings)


async def settled(queue) -> None:
    """Every item posted and delivered, and no desk holding one."""
    await asyncio.to_thread(
        eventually,
        lambda: (
            not queue.list(undelivered=True) and all(i.lease_owner is None for i in queue.list())
        ),
        what="queue settled",
    )


def test_ask_is_private_and_its_staff_answer_comes_by_dm(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (bot, fake):
            interaction = await fake.interact(2, ask_command(PRIVATE))
            callback = (
                await fake.wait_for("POST", rf"/interactions/{interaction}/[^/]+/callback")
            )[0]
            assert callback.body["data"]["flags"] == 64
            holding = (await fake.wait_for("POST", r"/webhooks/810/token-\d+"))[0].body
            assert holding["flags"] == 64
            assert "in a direct message" in holding["embeds"][0]["description"]
            post = (await fake.wait_for("POST", rf"/channels/{STAFF_CHANNEL}/messages"))[0].body
            assert any(f["name"] == "Asked privately" for f in post["embeds"][0]["fields"])
            await settled(bot.desk.queue)
            item = bot.desk.queue.list()[0]
            await staff_answers(fake, item.id, "Please call our casework line today.")
            await fake.wait_for("POST", r"/users/@me/channels")
            dm = (await fake.wait_for("POST", rf"/channels/55{MEMBER['id']}/messages"))[0].body
            assert dm["embeds"][0]["author"]["name"] == "Reply from the staff team"
            await asyncio.to_thread(
                eventually, lambda: bot.desk.queue.get(item.id).relayed_at is not None
            )
            # Nothing was ever posted in the channel where it was asked.
            assert fake.sent(rf"/channels/{TEXT_CHANNEL}/.*") == []

    run(scenario())


def test_where_threads_are_forbidden_the_answer_and_staff_reply_come_in_the_channel(
    discord_settings, lines_advisor
):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (bot, fake):
            fake.no_threads.add(TEXT_CHANNEL)
            message = await fake.member_says(SENSITIVE, mention_bot=True)
            await fake.wait_for(
                "POST", rf"/channels/{TEXT_CHANNEL}/messages/{message['id']}/threads"
            )
            holding = (await fake.wait_for("POST", rf"/channels/{TEXT_CHANNEL}/messages"))[0].body
            assert str(holding["message_reference"]["message_id"]) == message["id"]
            text = holding["embeds"][0]["description"]
            assert "999" in text and "this thread" not in text and "reply here" in text
            await settled(bot.desk.queue)
            item = bot.desk.queue.list()[0]
            assert item.reply_in == "channel" and item.thread is None
            assert (
                staff_cli(discord_settings, "answer", str(item.id), "--text", "Calling you now.")
                == 0
            )
            replies = await fake.wait_for("POST", rf"/channels/{TEXT_CHANNEL}/messages", count=2)
            assert replies[1].body["embeds"][0]["author"]["name"] == "Reply from the staff team"
            assert str(replies[1].body["message_reference"]["message_id"]) == message["id"]

    run(scenario())


def test_an_answer_given_in_the_terminal_reaches_the_members_thread(
    discord_settings, lines_advisor
):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (bot, fake):
            message = await fake.member_says(SENSITIVE, mention_bot=True)
            thread = message["id"]
            await fake.wait_for("POST", rf"/channels/{thread}/messages")
            await settled(bot.desk.queue)
            item = bot.desk.queue.list()[0]
            code = await asyncio.to_thread(
                staff_cli, discord_settings, "answer", str(item.id), "--text", "We're on it."
            )
            assert code == 0
            relayed = (await fake.wait_for("POST", rf"/channels/{thread}/messages", count=2))[1]
            assert relayed.body["embeds"][0]["description"] == "We're on it."
            await asyncio.to_thread(
                eventually, lambda: not bot.desk.queue.get(item.id).staff_post_stale
            )
            edit = [c for c in fake.calls if c.method == "PATCH" and STAFF_CHANNEL in c.path][-1]
            fields = {f["name"]: f["value"] for f in edit.body["embeds"][0]["fields"]}
            assert fields["Delivery"].startswith("Answer delivered to the member")

    run(scenario())


def test_a_staff_post_with_a_long_question_and_drafts_fits_discords_limits(
    discord_settings, lines_advisor
):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (bot, fake):
            question = ("I need to talk to a real person about this. " + ARABIC + EMOJI) * 8
            drafts = [
                Passage(
                    f"c{n}",
                    "Quoted guidance, at length. " * 150,
                    f"g/{n}.md",
                    "A document title " * 20,
                    "guidance",
                    "A section " * 40,
                    "2025-01-01",
                )
                for n in range(6)
            ]
            item_id = await asyncio.to_thread(
                bot.desk.queue.open_item,
                question=Question(
                    question, Origin(platform="discord", channel=TEXT_CHANNEL, thread="1")
                ),
                kind="requested",
                category="human_requested",
                reason="matched the pattern 'real person'",
                passages=drafts,
            )
            bot.desk.wake()
            post = (await fake.wait_for("POST", rf"/channels/{STAFF_CHANNEL}/messages"))[0].body
            await asyncio.to_thread(
                eventually, lambda: bot.desk.queue.get(item_id).staff_ref is not None
            )
            assert fake.rejected == []
            embed = post["embeds"][0]
            assert f"escalations show {item_id}" in embed["description"]  # where the rest is
            assert sum(f["name"].startswith("Draft") for f in embed["fields"]) >= 3

    run(scenario())


def test_masked_links_from_documents_questions_and_staff_are_shown_inert(
    tmp_path, embeddings, discord_settings
):
    from bot.ingest.pipeline import ingest

    knowledge = write_corpus(
        tmp_path / "knowledge",
        {
            "guidance/hotels.md": """---
title: "[Click here](https://evil.example/login) Talking about asylum hotels"
kind: guidance
date: 2025-04-01
---
## Words to use

Say "people seeking safety" when you talk about asylum hotels, and [read the form](https://evil.example/form) never.
Talk about asylum hotels as people's temporary homes, not as a problem to be solved.
""",
        },
    )
    settings = make_settings(tmp_path, knowledge)
    assert not ingest(settings, embeddings=embeddings).failed
    settings = discord_settings.with_overrides(
        knowledge_dirs=settings.knowledge_dirs,
        chroma_dir=settings.chroma_dir,
        database_url=f"sqlite:///{tmp_path / 'queue.db'}",
    )
    advisor = build_advisor(settings, embeddings=embeddings)

    async def scenario():
        async with running(settings, advisor) as (bot, fake):
            message = await fake.member_says(
                "How do we talk about asylum hotels?", mention_bot=True
            )
            reply = (await fake.wait_for("POST", rf"/channels/{message['id']}/messages"))[0].body
            texts = [e.get("description") or "" for e in reply["embeds"]]
            texts += [f["value"] for e in reply["embeds"] for f in e.get("fields", [])]
            assert any("Click here" in t for t in texts) and "[1]" in texts[0]
            assert all(live_links(t) == [] for t in texts), texts

            asked = "Can I talk to a real person about [this link](https://evil.example/x)?"
            message = await fake.member_says(asked, mention_bot=True)
            post = (await fake.wait_for("POST", rf"/channels/{STAFF_CHANNEL}/messages"))[0].body
            assert live_links(post["embeds"][0]["description"]) == []
            assert "this link" in post["embeds"][0]["description"]
            await settled(bot.desk.queue)
            item = next(i for i in bot.desk.queue.list() if i.kind == "requested")
            await staff_answers(fake, item.id, "See [our guide](https://evil.example/guide).")
            relayed = (
                await fake.wait_for("POST", rf"/channels/{message['id']}/messages", count=2)
            )[1]
            shown = relayed.body["embeds"][0]["description"]
            assert live_links(shown) == [] and "our guide" in shown

    run(scenario())


def test_non_latin_and_emoji_questions_fit_discords_limits(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (bot, fake):
            for text in (ARABIC, UKRAINIAN, EMOJI, "I need a real person now. " + EMOJI * 10):
                message = await fake.member_says(text, mention_bot=True)
                thread = (
                    await fake.wait_for(
                        "POST", rf"/channels/{TEXT_CHANNEL}/messages/{message['id']}/threads"
                    )
                )[0]
                assert len(thread.body["name"].encode("utf-16-le")) // 2 <= 100
                await fake.wait_for("POST", rf"/channels/{message['id']}/messages")
            await fake.interact(2, ask_command(ARABIC))
            await fake.wait_for("POST", r"/webhooks/810/token-\d+")
            await settled(bot.desk.queue)
            assert fake.rejected == [], fake.rejected[:1]

    run(scenario())


def test_two_bots_on_one_queue_answer_once(discord_settings, lines_advisor, embeddings):
    second_advisor = build_advisor(discord_settings, embeddings=embeddings)  # its own queue

    async def scenario():
        fake = await FakeDiscord().start()
        try:
            async with (
                running(discord_settings, lines_advisor, fake) as (first, _),
                running(discord_settings, second_advisor, fake) as (second, _),
            ):
                await fake.wait_for_bots(2)
                message = await fake.member_says(SENSITIVE, mention_bot=True)
                await fake.wait_for("POST", rf"/channels/{message['id']}/messages")
                await fake.wait_for("POST", rf"/channels/{STAFF_CHANNEL}/messages")
                await sentinel(fake)
                await settled(first.desk.queue)
                assert len(fake.sent(rf"/channels/{TEXT_CHANNEL}/messages/\d+/threads")) == 1
                assert len(fake.sent(rf"/channels/{message['id']}/messages")) == 1
                assert len(fake.sent(rf"/channels/{STAFF_CHANNEL}/messages")) == 1
                assert len(fake.sent(r"/channels/556/messages")) == 1  # the sentinel, once
                item = first.desk.queue.list()[-1]
                await asyncio.to_thread(second.desk.queue.answer, item.id, "Calling now.", "sam")
                await asyncio.to_thread(
                    eventually, lambda: first.desk.queue.get(item.id).relayed_at is not None
                )
                await sentinel(fake)
                assert len(fake.sent(rf"/channels/{message['id']}/messages")) == 2
        finally:
            await fake.stop()

    run(scenario())

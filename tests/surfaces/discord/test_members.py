"""Members ask by mention, DM and /ask; answers arrive in threads as embeds, pinging nobody."""

from __future__ import annotations

import asyncio
import threading

from bot.factory import build_advisor
from tests.fakes.discord_api import BOT, MEMBER, OTHER_BOT, TEXT_CHANNEL
from tests.surfaces.discord.conftest import ask_command, run, running, sentinel

QUESTION = "How do we talk about people crossing the Channel?"


def test_mention_opens_a_thread_with_a_cited_answer(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (_bot, fake):
            message = await fake.member_says(QUESTION, mention_bot=True)
            thread = await fake.wait_for(
                "POST", rf"/channels/{TEXT_CHANNEL}/messages/{message['id']}/threads"
            )
            assert QUESTION[:20] in thread[0].body["name"]
            reply = (await fake.wait_for("POST", rf"/channels/{message['id']}/messages"))[0].body
            embed = reply["embeds"][0]
            assert embed["author"]["name"] == f"Q: {QUESTION}"
            assert "[1]" in embed["description"]
            sources = [
                f
                for e in reply["embeds"]
                for f in e.get("fields", [])
                if f["name"].startswith("Sources")
            ]
            assert "Talking about Channel crossings" in sources[0]["value"]
            ids = [c["custom_id"] for row in reply["components"] for c in row["components"]]
            assert ids == ["lines:helpful", "lines:unhelpful", "lines:person"]
            assert reply["allowed_mentions"] == {"parse": []}
            await fake.wait_for("POST", rf"/channels/{message['id']}/typing")

    run(scenario())


def test_direct_message_is_answered_in_the_dm(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (_bot, fake):
            fake.channels["555"] = {
                "id": "555",
                "type": 1,
                "recipients": [MEMBER],
                "last_message_id": None,
            }
            await fake.member_says(QUESTION, channel="555", guild=False)
            reply = (await fake.wait_for("POST", r"/channels/555/messages"))[0].body
            assert "[1]" in reply["embeds"][0]["description"]
            assert not fake.sent(r"/channels/\d+/messages/\d+/threads")

    run(scenario())


def test_slash_command_is_deferred_and_answered_only_to_the_asker(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (_bot, fake):
            interaction = await fake.interact(2, ask_command(QUESTION))
            callback = (
                await fake.wait_for("POST", rf"/interactions/{interaction}/[^/]+/callback")
            )[0]
            assert callback.body["type"] == 5  # deferred: "Lines is thinking..."
            assert callback.body["data"]["flags"] == 64  # ...and only the asker sees it
            follow = (await fake.wait_for("POST", r"/webhooks/810/token-\d+"))[0].body
            assert "[1]" in follow["embeds"][0]["description"]
            assert follow["flags"] == 64 and follow["allowed_mentions"] == {"parse": []}
            await sentinel(fake)
            channel_posts = fake.sent(r"/channels/(?!556/).*")
            assert channel_posts == []  # the question was never reposted anywhere
            first = next(i for i, c in enumerate(fake.calls) if "/callback" in c.path)
            second = next(i for i, c in enumerate(fake.calls) if c.path.startswith("/webhooks/"))
            assert first < second

    run(scenario())


def test_follow_up_in_the_bots_thread_needs_no_mention(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (_bot, fake):
            message = await fake.member_says(QUESTION, mention_bot=True)
            await fake.wait_for("POST", rf"/channels/{message['id']}/messages")
            await fake.member_says("and which words should we avoid?", channel=message["id"])
            replies = await fake.wait_for("POST", rf"/channels/{message['id']}/messages", count=2)
            assert len(replies) == 2
            # The thread so far, including the question that opened it, was read for context.
            await fake.wait_for("GET", rf"/channels/{message['id']}/messages")
            await fake.wait_for("GET", rf"/channels/{TEXT_CHANNEL}/messages/{message['id']}")

    run(scenario())


def test_own_other_bot_and_unaddressed_messages_are_ignored(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (_bot, fake):
            await fake.member_says(QUESTION, author=BOT, mention_bot=True)
            await fake.member_says(QUESTION, author=OTHER_BOT, mention_bot=True)
            await fake.member_says(QUESTION)  # channel chatter, not addressed to the bot
            await sentinel(fake)
            assert [c.path for c in fake.sent(r"/channels/.*/messages")] == [
                "/channels/556/messages"
            ]

    run(scenario())


def test_mass_mentions_are_never_pinged(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (_bot, fake):
            text = "@everyone @here <@&950> how do we talk about people crossing the Channel?"
            message = await fake.member_says(text, mention_bot=True)
            await fake.wait_for("POST", rf"/channels/{message['id']}/messages")
            await fake.member_says("@everyone I want to talk to a real person", mention_bot=True)
            await fake.wait_for("POST", r"/channels/902/messages")  # the staff post quotes it
            bodies = [
                c.body for c in fake.calls if c.method == "POST" and c.path.endswith("/messages")
            ]
            assert bodies and all(b["allowed_mentions"] == {"parse": []} for b in bodies)

    run(scenario())


def test_reconnect_and_resume_lose_no_question(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (_bot, fake):
            await fake.reconnect_request()
            # Sent while the bot is between connections: kept and replayed on RESUME.
            message = await fake.member_says(QUESTION, mention_bot=True)
            resume = await fake.wait_for_resume()
            assert resume["session_id"] == fake.session_id and resume["token"] == "test-token"
            assert resume["seq"] == 2  # READY and GUILD_CREATE were seen
            await fake.wait_for("POST", rf"/channels/{message['id']}/messages")
            assert fake.identifies == 1, "resumed, not re-identified"

    run(scenario())


def test_the_bot_keeps_answering_while_a_question_is_being_worked_on(
    discord_settings, lines_settings, embeddings
):
    # The advisor holds one question inside its detector; the event loop must stay free, so
    # another member's interaction is still acknowledged and answered meanwhile.
    advisor = build_advisor(lines_settings, embeddings=embeddings)
    held = threading.Event()
    release = threading.Event()
    detector = advisor.detector

    class Held:
        def detect(self, question, **options):
            if QUESTION in question.text:
                held.set()
                release.wait(20)
            return detector.detect(question, **options)

    advisor.detector = Held()

    async def scenario():
        async with running(discord_settings, advisor) as (_bot, fake):
            message = await fake.member_says(QUESTION, mention_bot=True)
            assert await asyncio.to_thread(held.wait, 10)
            interaction = await fake.interact(2, ask_command("What does NRPF mean?"))
            follow = (await fake.wait_for("POST", rf"/webhooks/810/token-{interaction}"))[0]
            assert "No Recourse to Public Funds" in follow.body["embeds"][0]["description"]
            assert not fake.sent(rf"/channels/{message['id']}/messages")  # still held
            release.set()
            await fake.wait_for("POST", rf"/channels/{message['id']}/messages")

    try:
        run(scenario())
    finally:
        release.set()

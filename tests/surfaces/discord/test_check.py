"""Check my draft on Discord: ``/check draft:`` and the "Check with Lines" message command.

The real discord.py client on the loopback gateway: commands are synced, interactions arrive
as INTERACTION_CREATE, and what the bot sent (callbacks, follow-ups, channel posts) is read
back from the fake's REST log.
"""

from __future__ import annotations

import asyncio
import json
import threading

from bot.factory import build_advisor
from tests.fakes.discord_api import (
    APP_ID,
    MEMBER,
    STAFF_CHANNEL,
    STAFFER,
    TEXT_CHANNEL,
    live_links,
)
from tests.surfaces.discord.conftest import run, running, sentinel, until

DRAFT = "Our new leaflet says illegal immigrants are arriving in small boats every week."
CLEAN = "Everyone deserves to be safe, and our neighbours are glad to welcome new families."
SENSITIVE = (
    "Draft for the newsletter: a young man we support said he doesn't want to go on after "
    "his asylum refusal, and we want to tell his story."
)
FOLLOW_UPS = rf"/webhooks/{APP_ID}/token-\d+"
# A mention resolves to a name only for a real (snowflake-length) id, as in Discord.
ANA = {
    "id": "112233445566778899",
    "username": "ana",
    "discriminator": "0",
    "global_name": "Ana",
    "avatar": None,
}


def check_command(draft: str) -> dict:
    return {
        "id": "3",
        "name": "check",
        "type": 1,
        "options": [{"name": "draft", "type": 3, "value": draft}],
    }


def texts(body: dict) -> str:
    """Every visible text of a message's embeds, as one string."""
    out = []
    for embed in body.get("embeds") or []:
        out += [embed.get("title") or "", embed.get("description") or ""]
        for field in embed.get("fields") or []:
            out += [field["name"], field["value"]]
    return "\n".join(out)


async def deferred_ephemerally(fake, interaction: str) -> None:
    callback = (await fake.wait_for("POST", rf"/interactions/{interaction}/[^/]+/callback"))[0]
    assert callback.body["type"] == 5  # deferred: "Lines is thinking..."
    assert callback.body["data"]["flags"] == 64  # ...and only the person who asked sees it


def channel_posts(fake) -> list:
    """Posts anywhere but the staff channel and the sentinel's DM."""
    return [c for c in fake.sent(r"/channels/\d+/messages") if c.path != "/channels/556/messages"]


def test_slash_check_shows_the_findings_only_to_the_member(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (_bot, fake):
            synced = fake.calls[
                [c.path for c in fake.calls].index(f"/applications/{APP_ID}/commands")
            ]
            kinds = {(c["name"], c.get("type", 1)) for c in synced.body}
            assert {("check", 1), ("Check with Lines", 3), ("ask", 1)} <= kinds
            interaction = await fake.interact(2, check_command(DRAFT))
            await deferred_ephemerally(fake, interaction)
            follow = (await fake.wait_for("POST", FOLLOW_UPS))[0].body
            assert follow["flags"] == 64 and follow["allowed_mentions"] == {"parse": []}
            shown = texts(follow)
            assert "**illegal immigrants**" in shown and "**small boats**" in shown
            assert "“illegal immigrants” → “people without the right papers”. [1]" in shown
            assert "“small boats” → “people crossing the Channel”. It keeps people" in shown
            assert "[1] **Terminology guide** — Terms to avoid" in shown
            assert follow["embeds"][0]["title"] == "Check with Lines"
            await sentinel(fake)
            assert channel_posts(fake) == []  # nothing was posted where others could see it
            assert lines_advisor.queue.list() == []

    run(scenario())


def test_the_message_command_answers_only_the_person_who_used_it(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (_bot, fake):
            target = fake.add_message(TEXT_CHANNEL, STAFFER, DRAFT)
            interaction = await fake.message_command("Check with Lines", target, user=MEMBER)
            await deferred_ephemerally(fake, interaction)
            follow = (await fake.wait_for("POST", FOLLOW_UPS))[0].body
            assert follow["flags"] == 64
            assert "**illegal immigrants**" in texts(follow)
            await sentinel(fake)
            assert channel_posts(fake) == []
            assert not fake.sent(r"/users/@me/channels")  # no DM to the message's author either

    run(scenario())


def test_a_sensitive_draft_is_held_privately_and_staff_get_it(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (bot, fake):
            target = fake.add_message(TEXT_CHANNEL, MEMBER, SENSITIVE)
            interaction = await fake.message_command("Check with Lines", target)
            await deferred_ephemerally(fake, interaction)
            holding = (await fake.wait_for("POST", FOLLOW_UPS))[0].body
            assert holding["flags"] == 64
            assert "999" in texts(holding) and "in a direct message" in texts(holding)
            assert "Words to change" not in texts(holding)
            staff = (await fake.wait_for("POST", rf"/channels/{STAFF_CHANNEL}/messages"))[0].body
            staff_text = json.dumps(staff["embeds"])
            assert "tell his story" in staff_text and "Asked privately" in staff_text
            queue = bot.desk.queue
            await until(lambda: queue.list() and queue.list()[0].lease_owner is None, what="post")
            item = queue.list()[0]
            assert item.kind == "sensitive" and item.private and item.reply_in == "dm"
            assert item.asker == MEMBER["id"] and item.question == SENSITIVE
            # The staff answer reaches the member by direct message, as for /ask.
            await asyncio.to_thread(
                bot.desk.answer, item.id, "Call me before you post.", "staffer", is_staff=True
            )
            dm = (await fake.wait_for("POST", rf"/channels/55{MEMBER['id']}/messages"))[0].body
            assert "Call me before you post." in texts(dm)
            public = [c for c in channel_posts(fake) if STAFF_CHANNEL not in c.path]
            assert all("55" + MEMBER["id"] in c.path for c in public)

    run(scenario())


def test_a_clean_draft_gets_a_short_nothing_to_change(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (_bot, fake):
            await fake.interact(2, check_command(CLEAN))
            follow = (await fake.wait_for("POST", FOLLOW_UPS))[0].body
            assert follow["flags"] == 64 and len(follow["embeds"]) == 1
            assert "**Nothing to change.**" in texts(follow) and "Sources" not in texts(follow)

    run(scenario())


def test_markdown_links_and_mentions_in_a_draft_are_shown_inert(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (_bot, fake):
            draft = (
                f"@everyone [read our report](https://evil.example/x) says **illegal immigrants** "
                f"<@{ANA['id']}> ||spoiler||\n- a list\n# heading"
            )
            target = fake.add_message(TEXT_CHANNEL, STAFFER, draft, mentions=[ANA])
            await fake.message_command("Check with Lines", target)
            follow = (await fake.wait_for("POST", FOLLOW_UPS))[0].body
            shown = texts(follow)
            assert live_links(shown) == []
            assert "\\[read our report\\]\\(https://evil.example/x\\)" in shown
            assert "\\*\\***illegal immigrants**\\*\\*" in shown  # only Lines's bold is live
            assert "@Ana" in shown and ANA["id"] not in shown  # as the client shows it
            assert "@\u200beveryone" in shown
            assert "\\|\\|spoiler\\|\\|" in shown and "\n> \\- a list\n> \\# heading" in shown
            assert follow["allowed_mentions"] == {"parse": []}

    run(scenario())


def test_over_long_drafts_are_answered_within_discords_limits(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (_bot, fake):
            unit = "Filler words about our week in the community garden. " * 3
            sentence = "The illegal immigrants & small boats story [again](https://x.example). "
            long = ((unit + sentence) * 40)[:6000]  # the longest text a slash option takes
            await fake.interact(2, check_command(long))
            follows = await fake.wait_for("POST", FOLLOW_UPS)
            await sentinel(fake)
            follows = fake.sent(FOLLOW_UPS)
            assert fake.rejected == []  # the fake refuses anything over Discord's limits
            shown = "\n".join(texts(c.body) for c in follows)
            assert all(c.body["flags"] == 64 for c in follows)
            assert "so here are only the passages with words to change" in shown
            assert "community garden. The **illegal immigrants** & **small boats**" in shown
            assert shown.count("“illegal immigrants” →") == 1 and "times\\)" in shown
            assert live_links(shown) == []

    run(scenario())


def test_the_command_is_deferred_before_the_check_runs(
    discord_settings, lines_settings, embeddings
):
    advisor = build_advisor(lines_settings, embeddings=embeddings)
    gate = Gate(advisor.detector)
    advisor.detector = gate

    async def scenario():
        async with running(discord_settings, advisor) as (_bot, fake):
            interaction = await fake.interact(2, check_command(DRAFT))
            await deferred_ephemerally(fake, interaction)
            assert await asyncio.to_thread(gate.entered.wait, 10)
            assert fake.sent(FOLLOW_UPS) == []  # deferred while the check is still running
            gate.release.set()
            follow = (await fake.wait_for("POST", FOLLOW_UPS))[0].body
            assert "**illegal immigrants**" in texts(follow)

    try:
        run(scenario())
    finally:
        gate.release.set()


class Gate:
    """The real detector behind a gate: the check waits inside it until the test lets go."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.entered = threading.Event()
        self.release = threading.Event()

    def detect(self, question, **options):
        self.entered.set()
        self.release.wait(10)
        return self.inner.detect(question, **options)


def test_nothing_to_check_is_said_only_to_the_member(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (_bot, fake):
            image_only = fake.add_message(TEXT_CHANNEL, STAFFER, "")
            interaction = await fake.message_command("Check with Lines", image_only)
            reply = (await fake.wait_for("POST", rf"/interactions/{interaction}/[^/]+/callback"))[0]
            assert reply.body["type"] == 4 and reply.body["data"]["flags"] == 64
            assert reply.body["data"]["content"] == "That message has no text for me to check."
            interaction = await fake.interact(2, check_command("   "))
            reply = (await fake.wait_for("POST", rf"/interactions/{interaction}/[^/]+/callback"))[0]
            assert (
                reply.body["data"]["flags"] == 64
                and "/check draft:" in reply.body["data"]["content"]
            )

    run(scenario())

"""Escalations reach the staff channel; staff with the role claim, answer and resolve."""

from __future__ import annotations

import asyncio

from tests.conftest import helpful_clicks
from tests.fakes.discord_api import MEMBER, STAFF_CHANNEL, STAFF_ROLE, STAFFER
from tests.surfaces.discord.conftest import run, running
from tests.waiting import eventually

SENSITIVE = "A young man we support said he doesn't want to go on after his asylum refusal"


def staff_message(fake):
    return fake.messages[STAFF_CHANNEL][-1]


def button_ids(message):
    return [c["custom_id"] for row in message["components"] for c in row["components"]]


def test_escalation_claim_answer_relay_resolve(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (bot, fake):
            queue = bot.desk.queue
            message = await fake.member_says(SENSITIVE, mention_bot=True)
            thread = message["id"]
            holding = (await fake.wait_for("POST", rf"/channels/{thread}/messages"))[0].body
            assert "999" in holding["embeds"][0]["description"]
            assert "fields" not in holding["embeds"][0] and not holding.get(
                "components"
            )  # no advice, no buttons

            post = (await fake.wait_for("POST", rf"/channels/{STAFF_CHANNEL}/messages"))[0].body
            embed = post["embeds"][0]
            assert (
                "safeguarding" in embed["title"] and "doesn't want to go on" in embed["description"]
            )
            assert any(f"/channels/900/901/{message['id']}" in f["value"] for f in embed["fields"])
            await asyncio.to_thread(
                eventually,
                lambda: (
                    queue.list()
                    and queue.list()[0].notified_at is not None
                    and queue.list()[0].lease_owner is None
                ),
            )
            item = queue.list()[0]
            assert button_ids(staff_message(fake)) == [
                f"lines:staff:{a}:{item.id}" for a in ("claim", "answer", "resolve")
            ]

            staff = {
                "user": STAFFER,
                "roles": [STAFF_ROLE],
                "channel": STAFF_CHANNEL,
                "message": staff_message(fake),
            }
            click = await fake.interact(
                3, {"custom_id": f"lines:staff:claim:{item.id}", "component_type": 2}, **staff
            )
            update = (await fake.wait_for("POST", rf"/interactions/{click}/[^/]+/callback"))[0].body
            assert update["type"] == 7 and "claimed" in update["data"]["embeds"][0]["title"]
            assert queue.get(item.id).state == "claimed"

            click = await fake.interact(
                3, {"custom_id": f"lines:staff:answer:{item.id}", "component_type": 2}, **staff
            )
            modal = (await fake.wait_for("POST", rf"/interactions/{click}/[^/]+/callback"))[0].body
            assert modal["type"] == 9 and modal["data"]["custom_id"] == f"lines:answer:{item.id}"

            await fake.interact(
                5,
                {
                    "custom_id": f"lines:answer:{item.id}",
                    "components": [
                        {
                            "type": 1,
                            "components": [
                                {
                                    "type": 4,
                                    "custom_id": "answer",
                                    "value": "We're calling you now.",
                                }
                            ],
                        }
                    ],
                },
                user=STAFFER,
                roles=[STAFF_ROLE],
                channel=STAFF_CHANNEL,
            )
            relayed = (await fake.wait_for("POST", rf"/channels/{thread}/messages", count=2))[
                1
            ].body
            assert relayed["embeds"][0]["author"]["name"] == "Reply from the staff team"
            assert relayed["embeds"][0]["description"] == "We're calling you now."
            await asyncio.to_thread(eventually, lambda: queue.get(item.id).relayed_at is not None)
            assert queue.get(item.id).state == "answered"

            click = await fake.interact(
                3, {"custom_id": f"lines:staff:resolve:{item.id}", "component_type": 2}, **staff
            )
            await fake.wait_for("POST", rf"/interactions/{click}/[^/]+/callback")
            await asyncio.to_thread(eventually, lambda: queue.get(item.id).state == "resolved")

    run(scenario())


def test_non_staff_are_refused_and_nothing_changes(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (bot, fake):
            await fake.member_says("Can I talk to a real person please?", mention_bot=True)
            await fake.wait_for("POST", rf"/channels/{STAFF_CHANNEL}/messages")
            await asyncio.to_thread(
                eventually,
                lambda: (
                    bot.desk.queue.list()
                    and bot.desk.queue.list()[0].notified_at is not None
                    and bot.desk.queue.list()[0].lease_owner is None
                ),
            )
            item = bot.desk.queue.list()[0]
            for action in ("claim", "answer", "resolve"):
                click = await fake.interact(
                    3,
                    {"custom_id": f"lines:staff:{action}:{item.id}", "component_type": 2},
                    user=MEMBER,
                    roles=[],
                    channel=STAFF_CHANNEL,
                    message=staff_message(fake),
                )
                refusal = (await fake.wait_for("POST", rf"/interactions/{click}/[^/]+/callback"))[
                    0
                ].body
                assert refusal["type"] == 4 and refusal["data"]["flags"] == 64
                assert "Only the staff team" in refusal["data"]["content"]
            assert await asyncio.to_thread(bot.desk.queue.get, item.id) == item

    run(scenario())


def test_a_failed_staff_post_is_recorded_then_retried(discord_settings, lines_advisor):
    async def scenario():
        async with running(discord_settings, lines_advisor) as (bot, fake):
            fake.fail_channels.add(STAFF_CHANNEL)
            await fake.member_says("Can I talk to a real person please?", mention_bot=True)
            await asyncio.to_thread(
                eventually,
                lambda: bot.desk.queue.list() and bot.desk.queue.list()[0].notify_attempts > 1,
            )
            item = bot.desk.queue.list()[0]
            assert "Missing Access" in item.notify_error and item.notified_at is None
            assert item.retry_at is not None  # backing off
            fake.fail_channels.clear()
            await fake.wait_for("POST", rf"/channels/{STAFF_CHANNEL}/messages", count=3)
            await asyncio.to_thread(
                eventually, lambda: bot.desk.queue.get(item.id).notified_at is not None
            )

    run(scenario())


def test_answer_buttons_keep_working_after_a_restart(discord_settings, lines_advisor):
    from tests.fakes.discord_api import FakeDiscord

    async def scenario():
        fake = await FakeDiscord().start()
        try:
            async with running(discord_settings, lines_advisor, fake) as (bot, _):
                message = await fake.member_says(
                    "How do we talk about people crossing the Channel?", mention_bot=True
                )
                await fake.wait_for("POST", rf"/channels/{message['id']}/messages")
            answer = fake.messages[message["id"]][-1]
            async with running(discord_settings, lines_advisor, fake) as (
                bot,
                _,
            ):  # a fresh process
                click = await fake.interact(
                    3,
                    {"custom_id": "lines:helpful", "component_type": 2},
                    channel=message["id"],
                    message=answer,
                )
                thanks = (await fake.wait_for("POST", rf"/interactions/{click}/[^/]+/callback"))[
                    0
                ].body
                assert thanks["data"]["flags"] == 64
                await asyncio.to_thread(eventually, lambda: helpful_clicks(bot.records) == [True])

                click = await fake.interact(
                    3,
                    {"custom_id": "lines:person", "component_type": 2},
                    channel=message["id"],
                    message=answer,
                )
                await fake.wait_for("POST", rf"/interactions/{click}/[^/]+/callback")
                await fake.wait_for("POST", rf"/channels/{STAFF_CHANNEL}/messages")
                item = bot.desk.queue.list()[0]
                assert (
                    item.kind == "requested"
                    and item.question == "How do we talk about people crossing the Channel?"
                )
        finally:
            await fake.stop()

    run(scenario())

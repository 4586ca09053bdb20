"""Check my draft on Discord: ``/check draft:`` and the "Check with Lines" message command.

The real discord.py client on the loopback gateway: commands are synced, interactions arrive
as INTERACTION_CREATE, and what the bot sent (callbacks, follow-ups, channel posts) is read
back from the fake's REST log. What the check does on every platform is the contract in
``tests/surfaces/test_check_contract.py``; here is what only Discord does.
"""

from __future__ import annotations

from tests.fakes.discord_api import (
    APP_ID,
    STAFFER,
    TEXT_CHANNEL,
    live_links,
)
from tests.surfaces.discord.conftest import check_command, run, running, sentinel

DRAFT = "Our new leaflet says illegal immigrants are arriving in small boats every week."
FOLLOW_UPS = rf"/webhooks/{APP_ID}/token-\d+"
# A mention resolves to a name only for a real (snowflake-length) id, as in Discord.
ANA = {
    "id": "112233445566778899",
    "username": "ana",
    "discriminator": "0",
    "global_name": "Ana",
    "avatar": None,
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


def test_the_commands_are_synced_and_a_check_is_titled_and_pings_nobody(
    discord_settings, lines_advisor
):
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
            assert follow["embeds"][0]["title"] == "Check with Lines"
            # With nothing to check, the answer is the interaction's response, not deferred.
            image_only = fake.add_message(TEXT_CHANNEL, STAFFER, "")
            interaction = await fake.message_command("Check with Lines", image_only)
            reply = (await fake.wait_for("POST", rf"/interactions/{interaction}/[^/]+/callback"))[0]
            assert reply.body["type"] == 4 and reply.body["data"]["flags"] == 64

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

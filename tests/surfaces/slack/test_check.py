"""Check my draft on Slack: ``/lines check`` and the "Check with Lines" message shortcut.

Driven through the real Bolt app against the loopback Slack: signed requests in, and what the
app sent to each interaction's ``response_url`` (or the Web API) out. What the check does on
every platform is the contract in ``tests/surfaces/test_check_contract.py``; here is what only
Slack does.
"""

from __future__ import annotations

import json

from tests.fakes.slack_api import block_problems
from tests.surfaces.slack.conftest import (
    MEMBER,
    STAFF_CHANNEL,
    posted_text,
    sentinel,
    shortcut_payload,
)

DRAFT = "Our new leaflet says illegal immigrants are arriving in small boats every week."
SENSITIVE = (
    "Draft for the newsletter: a young man we support said he doesn't want to go on after "
    "his asylum refusal, and we want to tell his story."
)
AUTHOR = "UAUTHOR"  # wrote the message a member checks with the shortcut


def blocks_text(call) -> str:
    return json.dumps(call.args.get("blocks") or [], ensure_ascii=False)


def public_posts(fake):
    """Everything posted where someone other than the invoker could see it (staff aside)."""
    return [
        c
        for c in fake.calls
        if c.method in ("chat.postMessage", "chat.postEphemeral", "chat.update")
        and c.args.get("channel") not in (STAFF_CHANNEL, "DSENTINEL", f"D{MEMBER}")
    ]


def test_other_lines_commands_are_still_questions(slack_http, fake_slack):
    slack_http.command("checklist: how do we talk about people crossing the Channel?", name="q")
    answer = fake_slack.wait_for("response", url="q")[0]
    assert "Sources" in blocks_text(answer) and "words to change" not in blocks_text(answer)
    slack_http.command("check", name="usage")
    usage = fake_slack.wait_for("response", url="usage")[0]
    assert "/lines check" in usage.args["text"] and "Check with Lines" in usage.args["text"]


def test_the_shortcut_shows_findings_to_the_person_who_pressed_it_and_nobody_else(
    slack_http, fake_slack
):
    # The bot is not in this channel: posting there fails, the response_url still works.
    for method in ("chat.postMessage", "chat.postEphemeral"):
        fake_slack.failures[method] = lambda args: (
            "not_in_channel" if args.get("channel") == "CNOTIN" else None
        )
    ts = fake_slack.add_member_message("CNOTIN", AUTHOR, DRAFT)
    status, body = slack_http.shortcut(
        {"user": AUTHOR, "ts": ts, "text": DRAFT}, channel="CNOTIN", name="short1"
    )
    assert status == 200 and body in ("", "{}")
    reply = fake_slack.wait_for("response", url="short1")[0]
    assert reply.args["response_type"] == "ephemeral"
    text = blocks_text(reply)
    assert "*illegal immigrants*" in text and "people without the right papers" in text
    assert "Terminology guide" in text
    assert "Only you can see this." in text  # Slack shows no mark of its own
    assert "2 words to change" in reply.args["text"]  # what the notification says
    sentinel(slack_http, fake_slack)
    # Nothing in the channel, nothing to the message's author, nothing by DM.
    assert public_posts(fake_slack) == []
    assert [c.args["url"] for c in fake_slack.calls_to("response")] == ["short1"]


def test_a_redelivered_shortcut_is_checked_once(slack_http, fake_slack):
    ts = fake_slack.add_member_message("CPUBLIC", MEMBER, SENSITIVE)
    message = {"user": MEMBER, "ts": ts, "text": SENSITIVE}
    payload = shortcut_payload(message, MEMBER, "CPUBLIC", "trig-sens", fake_slack, "sens")
    slack_http.interact(payload)
    holding = fake_slack.wait_for("response", url="sens")[0]
    assert "in a direct message" in holding.args["text"]
    staff_post = fake_slack.wait_for("chat.postMessage", channel=STAFF_CHANNEL)[0]
    assert f"Question from <@{MEMBER}>" in blocks_text(staff_post)
    # The same shortcut delivered again opens no second item and says nothing twice.
    slack_http.interact(payload)
    sentinel(slack_http, fake_slack)
    assert len(slack_http.surface.desk.queue.list()) == 1
    assert len(fake_slack.calls_to("response", url="sens")) == 1
    assert "tell his story" not in json.dumps([c.args for c in public_posts(fake_slack)])


def test_slack_markup_in_a_draft_is_shown_inert(slack_http, fake_slack):
    draft = (
        "<!channel> <!subteam^S1|@comms> *Please* read: illegal immigrants &amp; "
        "<https://evil.example/x|our report> `code` <@U999|ana>"
    )
    ts = fake_slack.add_member_message("CPUBLIC", AUTHOR, draft)
    slack_http.shortcut({"user": AUTHOR, "ts": ts, "text": draft}, name="markup")
    reply = fake_slack.wait_for("response", url="markup")[0]
    text = reply.args["blocks"][1]["text"]["text"]  # the quoted draft
    assert text.startswith(">@\u200bchannel @comms ∗Please∗ read: *illegal immigrants* &amp; ")
    assert "our report ˋcodeˋ @ana" in text
    sent = posted_text(fake_slack)
    for live in ("<!channel>", "<!subteam", "<https://evil", "<@U999"):
        assert live not in sent


def test_an_over_long_draft_is_answered_within_slacks_limits(slack_http, fake_slack):
    # Slack's longest message, full of flagged words: excerpts, every block within limits.
    unit = "Filler words about our week in the community garden. " * 6
    # As Slack sends a message's text: &, < and > escaped.
    draft = (unit + "The illegal immigrants &amp; small boats story &lt;again&gt;. ") * 110
    draft = draft[:40000]
    ts = fake_slack.add_member_message("CPUBLIC", AUTHOR, draft)
    slack_http.shortcut({"user": AUTHOR, "ts": ts, "text": draft}, name="long")
    replies = fake_slack.wait_for("response", url="long")
    sentinel(slack_http, fake_slack)
    replies = fake_slack.calls_to("response", url="long")
    assert fake_slack.rejected == []
    assert 1 <= len(replies) <= 5  # a response_url takes at most five messages
    for reply in replies:
        assert block_problems(reply.args["blocks"]) == []
        assert reply.args["response_type"] == "ephemeral"
    text = "".join(blocks_text(r) for r in replies)
    assert "so here are only the passages with words to change" in text
    assert "*illegal immigrants*" in text and "&amp; *small boats*" in text
    assert "community garden. The *illegal" in text  # context either side of each finding
    # Each repeated finding is listed once, with how often it appears.
    assert text.count("“illegal immigrants” →") == 1 and "times)" in text


def test_socket_mode_shortcut_is_acked_and_answered(slack_socket, fake_slack):
    ts = fake_slack.add_member_message("CPUBLIC", AUTHOR, DRAFT)
    envelope = fake_slack.send_envelope(
        "interactive",
        shortcut_payload(
            {"user": AUTHOR, "ts": ts, "text": DRAFT}, MEMBER, "CPUBLIC", "t1", fake_slack, "sock"
        ),
    )
    ack = fake_slack.wait_for_ack(envelope)
    assert not ack.get("payload")  # nothing for the channel to see
    reply = fake_slack.wait_for("response", url="sock")[0]
    assert reply.args["response_type"] == "ephemeral" and "*small boats*" in blocks_text(reply)


def test_the_manifest_declares_the_shortcut_and_command_the_app_answers():
    import yaml

    from bot.settings import PROJECT_ROOT
    from bot.surfaces.slack import blocks
    from bot.surfaces.slack.handlers.members import COMMAND

    manifest = yaml.safe_load((PROJECT_ROOT / "slack-manifest.yaml").read_text("utf-8"))
    (shortcut,) = manifest["features"]["shortcuts"]
    assert shortcut["type"] == "message" and shortcut["callback_id"] == blocks.CHECK_SHORTCUT
    assert shortcut["name"] == "Check with Lines" and len(shortcut["description"]) <= 150
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND and "check" in command["usage_hint"]
    assert "commands" in manifest["oauth_config"]["scopes"]["bot"]

"""Members ask in channels, DMs, threads and with /lines; the bot answers in threads, once."""

from __future__ import annotations

import json
import time

from tests.surfaces.slack.conftest import MEMBER, STAFF_CHANNEL, mention, posted_text, sentinel

QUESTION = "How do we talk about people crossing the Channel?"


def answers_in(fake, channel, thread_ts):
    return [
        c
        for c in fake.calls_to("chat.postMessage", channel=channel)
        if c.args.get("thread_ts") == thread_ts
    ]


def test_mention_gets_a_threaded_cited_answer_with_buttons(slack_http, fake_slack):
    ts = fake_slack.add_member_message("CPUBLIC", MEMBER, f"<@UBOT> {QUESTION}")
    status, _ = slack_http.event(mention(QUESTION, ts), "Ev100")
    assert status == 200
    reply = fake_slack.wait_for("chat.postMessage", channel="CPUBLIC", thread_ts=ts)[0]
    fake_slack.wait_for("reactions.add", channel="CPUBLIC", timestamp=ts, name="eyes")
    blocks = json.dumps(reply.args["blocks"])
    assert "*Sources*" in blocks and "Talking about Channel crossings" in blocks
    assert "[1]" in reply.args["text"]
    actions = next(b for b in reply.args["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        "lines_helpful",
        "lines_unhelpful",
        "lines_ask_person",
    ]


def test_a_retried_event_is_answered_once(slack_http, fake_slack):
    ts = fake_slack.add_member_message("CPUBLIC", MEMBER, QUESTION)
    slack_http.event(mention(QUESTION, ts), "Ev200")
    fake_slack.wait_for("chat.postMessage", thread_ts=ts)
    status, _ = slack_http.event(
        mention(QUESTION, ts),
        "Ev200",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert status == 200
    # The same message also arriving as a plain channel message is not a second question.
    slack_http.event(
        {
            "type": "message",
            "channel_type": "channel",
            "user": MEMBER,
            "channel": "CPUBLIC",
            "text": f"<@UBOT> {QUESTION}",
            "ts": ts,
        },
        "Ev201",
    )
    sentinel(slack_http, fake_slack)
    assert len(answers_in(fake_slack, "CPUBLIC", ts)) == 1


def test_direct_message_is_answered(slack_http, fake_slack):
    ts = fake_slack.add_member_message("DMEMBER", MEMBER, QUESTION)
    slack_http.event(
        {
            "type": "message",
            "channel_type": "im",
            "user": MEMBER,
            "channel": "DMEMBER",
            "text": QUESTION,
            "ts": ts,
        },
        "Ev300",
    )
    reply = fake_slack.wait_for("chat.postMessage", channel="DMEMBER")[0]
    assert "Sources" in json.dumps(reply.args["blocks"])


def test_slash_command_is_acked_and_answered_privately_never_reposted(slack_http, fake_slack):
    status, body = slack_http.command(QUESTION, name="cmd1")
    assert status == 200 and body in ("", "{}")  # acked with nothing for the channel to see
    reply = fake_slack.wait_for("response", url="cmd1")[0]
    assert reply.args["response_type"] == "ephemeral"
    assert "Sources" in json.dumps(reply.args["blocks"]) and "Only you can see this" in json.dumps(
        reply.args["blocks"]
    )
    buttons = next(b for b in reply.args["blocks"] if b["type"] == "actions")["elements"]
    assert [e["action_id"] for e in buttons][-1] == "lines_share"
    sentinel(slack_http, fake_slack)
    assert QUESTION not in json.dumps([c.args for c in fake_slack.calls_to("chat.postMessage")])
    assert fake_slack.calls_to("chat.postMessage", channel="CPUBLIC") == []


def test_sharing_a_private_answer_happens_only_when_the_member_clicks(slack_http, fake_slack):
    slack_http.command(QUESTION, name="cmd-share")
    reply = fake_slack.wait_for("response", url="cmd-share")[0]
    share = next(b for b in reply.args["blocks"] if b["type"] == "actions")["elements"][-1]
    slack_http.interact(
        {
            "type": "block_actions",
            "user": {"id": MEMBER},
            "team": {"id": "T0001"},
            "api_app_id": "A1",
            "token": "legacy",
            "channel": {"id": "CPUBLIC"},
            "container": {
                "type": "message",
                "message_ts": "8.8",
                "channel_id": "CPUBLIC",
                "is_ephemeral": True,
            },
            "trigger_id": "trig-share",
            "actions": [
                {
                    "action_id": "lines_share",
                    "block_id": "b",
                    "value": share["value"],
                    "type": "button",
                }
            ],
            "response_url": fake_slack.response_url("share-click"),
        }
    )
    shared = fake_slack.wait_for("response", url="share-click")[0]
    assert shared.args["response_type"] == "in_channel"
    text = json.dumps(shared.args["blocks"])
    assert f"<@{MEMBER}> asked Lines" in text and "Sources" in text and QUESTION in text


def test_slash_command_in_a_channel_the_bot_is_not_in_still_answers(slack_http, fake_slack):
    fake_slack.failures["chat.postMessage"] = lambda args: (
        "not_in_channel" if args["channel"] == "CNOTIN" else None
    )
    fake_slack.failures["reactions.add"] = lambda args: "not_in_channel"
    slack_http.command(QUESTION, channel="CNOTIN", name="cmd-notin")
    reply = fake_slack.wait_for("response", url="cmd-notin")[0]
    assert "Sources" in json.dumps(reply.args["blocks"])


def test_empty_slash_command_explains_itself_privately(slack_http, fake_slack):
    status, _ = slack_http.command("   ", name="empty")
    assert status == 200
    reply = fake_slack.wait_for("response", url="empty")[0]
    assert reply.args["response_type"] == "ephemeral" and "/lines how do we" in reply.args["text"]
    sentinel(slack_http, fake_slack)
    assert fake_slack.calls_to("chat.postMessage", channel="CPUBLIC") == []


def test_follow_up_in_the_bots_thread_is_answered_without_a_mention(slack_http, fake_slack):
    root = fake_slack.add_member_message("CPUBLIC", MEMBER, f"<@UBOT> {QUESTION}")
    slack_http.event(mention(QUESTION, root), "Ev400")
    fake_slack.wait_for("chat.postMessage", thread_ts=root)
    follow = fake_slack.add_member_message(
        "CPUBLIC", MEMBER, "and which words should we avoid?", thread_ts=root
    )
    slack_http.event(
        {
            "type": "message",
            "channel_type": "channel",
            "user": MEMBER,
            "channel": "CPUBLIC",
            "text": "and which words should we avoid?",
            "ts": follow,
            "thread_ts": root,
        },
        "Ev401",
    )
    fake_slack.wait_for("chat.postMessage", count=2, thread_ts=root)
    fake_slack.wait_for("conversations.replies", channel="CPUBLIC", ts=root)


def test_other_threads_and_plain_channel_chatter_are_ignored(slack_http, fake_slack):
    root = fake_slack.add_member_message("CPUBLIC", MEMBER, "lunch anyone?")
    reply = fake_slack.add_member_message(
        "CPUBLIC", "UOTHER", "how do we talk about small boats?", thread_ts=root
    )
    slack_http.event(
        {
            "type": "message",
            "channel_type": "channel",
            "user": "UOTHER",
            "channel": "CPUBLIC",
            "text": "how do we talk about small boats?",
            "ts": reply,
            "thread_ts": root,
        },
        "Ev500",
    )
    slack_http.event(
        {
            "type": "message",
            "channel_type": "channel",
            "user": MEMBER,
            "channel": "CPUBLIC",
            "text": "how do we talk about small boats?",
            "ts": root,
        },
        "Ev501",
    )
    sentinel(slack_http, fake_slack)
    assert fake_slack.calls_to("chat.postMessage", channel="CPUBLIC") == []


def test_own_and_other_bots_messages_are_ignored(slack_http, fake_slack):
    for n, event in enumerate(
        [
            {
                "type": "message",
                "channel_type": "im",
                "user": "UBOT",
                "bot_id": "BBOT",
                "channel": "DMEMBER",
                "text": QUESTION,
                "ts": "1.1",
            },
            {
                "type": "message",
                "channel_type": "im",
                "bot_id": "BOTHER",
                "subtype": "bot_message",
                "channel": "DMEMBER",
                "text": QUESTION,
                "ts": "1.2",
            },
            {
                "type": "app_mention",
                "user": "UOTHERBOT",
                "bot_id": "BOTHER",
                "channel": "CPUBLIC",
                "text": f"<@UBOT> {QUESTION}",
                "ts": "1.3",
            },
        ]
    ):
        assert slack_http.event(event, f"Ev60{n}")[0] == 200
    sentinel(slack_http, fake_slack)
    assert [c.args["channel"] for c in fake_slack.calls_to("chat.postMessage")] == ["DSENTINEL"]


def test_forged_and_stale_requests_are_rejected_with_401(slack_http, fake_slack):
    event = mention(QUESTION, "9.9")
    body = json.dumps(
        {"type": "event_callback", "event_id": "Ev700", "event": event, "team_id": "T0001"}
    )
    forged = slack_http.post(body, "application/json", headers={"X-Slack-Signature": "v0=deadbeef"})
    unsigned = slack_http.post(body, "application/json", sign=False)
    stale = slack_http.post(body, "application/json", timestamp=int(time.time()) - 60 * 10)
    assert [forged[0], unsigned[0], stale[0]] == [401, 401, 401]
    sentinel(slack_http, fake_slack)
    assert [c.args["channel"] for c in fake_slack.calls_to("chat.postMessage")] == ["DSENTINEL"]


def test_mass_mentions_are_neutralised(slack_http, fake_slack):
    text = "<!channel> <!here> <!subteam^S123|@comms> @everyone how do we talk about people crossing the Channel?"
    ts = fake_slack.add_member_message("CPUBLIC", MEMBER, text)
    slack_http.event(mention(text, ts), "Ev800")
    fake_slack.wait_for("chat.postMessage", thread_ts=ts)
    # Also through the staff channel, which quotes the question.
    staff_q = "<!everyone> please, I need to talk to a real person"
    ts2 = fake_slack.add_member_message("CPUBLIC", MEMBER, staff_q)
    slack_http.event(mention(staff_q, ts2), "Ev801")
    fake_slack.wait_for("chat.postMessage", channel=STAFF_CHANNEL)
    sent = posted_text(fake_slack)
    for ping in (
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<!subteam",
        "@everyone",
        "@here",
        "@channel",
    ):
        assert ping not in sent
    assert all("link_names" not in c.args for c in fake_slack.calls_to("chat.postMessage"))


def test_socket_mode_envelopes_are_acked_and_answered(slack_socket, fake_slack):
    ts = fake_slack.add_member_message("CPUBLIC", MEMBER, QUESTION)
    envelope = fake_slack.send_envelope(
        "events_api",
        {
            "type": "event_callback",
            "team_id": "T0001",
            "event_id": "EvS1",
            "event": mention(QUESTION, ts),
        },
    )
    fake_slack.wait_for_ack(envelope)
    reply = fake_slack.wait_for("chat.postMessage", thread_ts=ts)[0]
    assert "Sources" in json.dumps(reply.args["blocks"])
    command = fake_slack.send_envelope(
        "slash_commands",
        {
            "command": "/lines",
            "text": QUESTION,
            "user_id": MEMBER,
            "channel_id": "CPUBLIC",
            "team_id": "T0001",
            "trigger_id": "trig-s",
            "response_url": fake_slack.response_url("socket-cmd"),
        },
    )
    ack = fake_slack.wait_for_ack(command)
    assert "payload" not in ack or not ack["payload"]  # nothing echoed to the channel
    reply = fake_slack.wait_for("response", url="socket-cmd")[0]
    assert reply.args["response_type"] == "ephemeral"

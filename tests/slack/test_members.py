"""Members ask in channels, DMs, threads and with /lines; the bot answers in threads, once."""

from __future__ import annotations

import json
import time

from tests.slack.conftest import MEMBER, mention, posted_text

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
    time.sleep(0.5)
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


def test_slash_command_is_acked_then_answered_in_a_thread(slack_http, fake_slack):
    status, _body = slack_http.command(QUESTION)
    assert status == 200
    parent = fake_slack.wait_for("chat.postMessage", channel="CPUBLIC")[0]
    assert QUESTION in parent.args["text"] and MEMBER in parent.args["text"]
    posted = fake_slack.wait_for("chat.postMessage", count=2, channel="CPUBLIC")
    assert "Sources" in json.dumps(posted[1].args["blocks"])
    assert posted[1].args["thread_ts"]


def test_empty_slash_command_explains_itself(slack_http, fake_slack):
    status, _ = slack_http.command("   ")
    assert status == 200
    time.sleep(0.3)
    assert fake_slack.calls_to("chat.postMessage") == []


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
    time.sleep(0.5)
    assert fake_slack.calls_to("chat.postMessage") == []


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
    time.sleep(0.5)
    assert fake_slack.calls_to("chat.postMessage") == []


def test_forged_and_stale_requests_are_rejected_with_401(slack_http, fake_slack):
    event = mention(QUESTION, "9.9")
    body = json.dumps(
        {"type": "event_callback", "event_id": "Ev700", "event": event, "team_id": "T0001"}
    )
    forged = slack_http.post(body, "application/json", headers={"X-Slack-Signature": "v0=deadbeef"})
    unsigned = slack_http.post(body, "application/json", sign=False)
    stale = slack_http.post(body, "application/json", timestamp=int(time.time()) - 60 * 10)
    assert [forged[0], unsigned[0], stale[0]] == [401, 401, 401]
    time.sleep(0.3)
    assert fake_slack.calls_to("chat.postMessage") == []


def test_mass_mentions_are_neutralised(slack_http, fake_slack):
    text = "<!channel> <!here> <!subteam^S123|@comms> @everyone how do we talk about people crossing the Channel?"
    ts = fake_slack.add_member_message("CPUBLIC", MEMBER, text)
    slack_http.event(mention(text, ts), "Ev800")
    fake_slack.wait_for("chat.postMessage", thread_ts=ts)
    # Also through the staff channel, which quotes the question.
    staff_q = "<!everyone> please, I need to talk to a real person"
    ts2 = fake_slack.add_member_message("CPUBLIC", MEMBER, staff_q)
    slack_http.event(mention(staff_q, ts2), "Ev801")
    fake_slack.wait_for("chat.postMessage", channel="CSTAFF")
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
            "response_url": fake_slack.base_url + "response",
        },
    )
    fake_slack.wait_for_ack(command)
    fake_slack.wait_for("chat.postMessage", count=3, channel="CPUBLIC")

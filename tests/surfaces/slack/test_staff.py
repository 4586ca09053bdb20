"""Escalations reach the staff channel; staff claim, answer (relayed to the member) and resolve."""

from __future__ import annotations

import json
import time

from tests.conftest import helpful_clicks
from tests.surfaces.slack.conftest import (
    MEMBER,
    STAFF_CHANNEL,
    STAFF_USER,
    mention,
    sentinel,
)
from tests.waiting import eventually

SENSITIVE = "A young man we support said he doesn't want to go on after his asylum refusal"


def escalate(slack_http, fake_slack, event_id="EvS"):
    ts = fake_slack.add_member_message("CPUBLIC", MEMBER, f"<@UBOT> {SENSITIVE}")
    slack_http.event(mention(SENSITIVE, ts), event_id)
    staff_post = fake_slack.wait_for("chat.postMessage", channel=STAFF_CHANNEL)[0]
    queue = slack_http.surface.desk.queue
    # Posted, and the desk has let go of it (its lease is bookkeeping, not a change).
    eventually(
        lambda: (
            queue.list()
            and queue.list()[0].notified_at is not None
            and queue.list()[0].lease_owner is None
        ),
        what="staff post recorded",
    )
    return ts, staff_post, queue.list()[0]


def click(
    slack_http,
    action_id,
    value,
    user=STAFF_USER,
    channel=STAFF_CHANNEL,
    message_ts="5.5",
    name=None,
    ephemeral=False,
):
    """A button click; what the app says back through its response_url is recorded as ``name``."""
    container = {"type": "message", "message_ts": message_ts, "channel_id": channel}
    if ephemeral:
        container["is_ephemeral"] = True
    return slack_http.interact(
        {
            "type": "block_actions",
            "user": {"id": user},
            "team": {"id": "T0001"},
            "api_app_id": "A1",
            "token": "legacy",
            "channel": {"id": channel},
            "trigger_id": f"trig-{action_id}",
            "container": container,
            **({} if ephemeral else {"message": {"ts": message_ts, "text": ""}}),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b",
                    "value": value,
                    "type": "button",
                    "action_ts": str(time.time()),
                }
            ],
            "response_url": slack_http.fake.response_url(name or f"click-{action_id}-{user}"),
        }
    )


def submit_answer(slack_http, item_id, text, user=STAFF_USER):
    return slack_http.interact(
        {
            "type": "view_submission",
            "user": {"id": user},
            "team": {"id": "T0001"},
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": "trig-v",
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": "lines_staff_answer_modal",
                "private_metadata": str(item_id),
                "state": {
                    "values": {
                        "answer_block": {"answer_text": {"type": "plain_text_input", "value": text}}
                    }
                },
            },
        }
    )


def test_escalation_claim_answer_relay_resolve(slack_http, fake_slack):
    ts, staff_post, item = escalate(slack_http, fake_slack)
    holding = fake_slack.wait_for("chat.postMessage", channel="CPUBLIC", thread_ts=ts)[0]
    assert "999" in holding.args["text"] and "Sources" not in json.dumps(holding.args["blocks"])
    assert not any(
        b["type"] == "actions" for b in holding.args["blocks"]
    )  # no advice, no feedback buttons

    post = json.dumps(staff_post.args["blocks"])
    assert "safeguarding" in post and "doesn't want to go on" in post
    assert f"archives/CPUBLIC/p{ts.replace('.', '')}" in post
    assert "Draft passages" not in post  # nothing in the tiny corpus is relevant to this
    assert [e["action_id"] for e in staff_post.args["blocks"][-1]["elements"]] == [
        "lines_staff_claim",
        "lines_staff_answer",
        "lines_staff_resolve",
    ]
    queue = slack_http.surface.desk.queue
    assert queue.get(item.id).staff_ref.startswith(f"{STAFF_CHANNEL}:")

    assert click(slack_http, "lines_staff_claim", str(item.id))[0] == 200
    fake_slack.wait_for("chat.update", channel=STAFF_CHANNEL)
    assert queue.get(item.id).state == "claimed" and queue.get(item.id).assignee == STAFF_USER
    update = fake_slack.calls_to("chat.update")[-1]
    assert update.args["ts"] == queue.get(item.id).staff_ref.split(":")[1]
    assert "Assigned to USTAFF" in json.dumps(update.args["blocks"])

    click(slack_http, "lines_staff_answer", str(item.id))
    modal = fake_slack.wait_for("views.open", trigger_id="trig-lines_staff_answer")[0]
    assert modal.args["view"]["private_metadata"] == str(item.id)

    status, body = submit_answer(
        slack_http, item.id, "We're calling you now. If he is in danger, call 999."
    )
    assert status == 200 and body in ("", "{}")
    relayed = fake_slack.wait_for("chat.postMessage", count=2, channel="CPUBLIC", thread_ts=ts)[1]
    assert (
        "Reply from the staff team" in relayed.args["text"]
        and "calling you now" in relayed.args["text"]
    )
    eventually(lambda: queue.get(item.id).relayed_at is not None)
    assert queue.get(item.id).state == "answered"

    click(slack_http, "lines_staff_resolve", str(item.id))
    eventually(lambda: queue.get(item.id).state == "resolved")


def test_non_staff_are_refused_and_nothing_changes(slack_http, fake_slack):
    _, _, item = escalate(slack_http, fake_slack)
    before = slack_http.surface.desk.queue.get(item.id)
    click(slack_http, "lines_staff_claim", str(item.id), user="UINTRUDER", name="intruder")
    # Through the click's response_url: only the clicker sees it, and it reaches them even
    # though they are not in the staff channel (an ephemeral there would never arrive).
    refusal = fake_slack.wait_for("response", url="intruder")[0]
    assert "Only the staff team" in refusal.args["text"]
    assert refusal.args["response_type"] == "ephemeral"
    assert fake_slack.calls_to("chat.postEphemeral") == []
    status, body = submit_answer(slack_http, item.id, "not staff", user="UINTRUDER")
    assert status == 200 and json.loads(body)["response_action"] == "errors"
    assert slack_http.surface.desk.queue.get(item.id) == before
    assert all(
        c.args.get("thread_ts") is None or "not staff" not in c.args.get("text", "")
        for c in fake_slack.calls_to("chat.postMessage")
    )


def test_a_second_claim_is_refused_with_the_reason(slack_http, fake_slack):
    fake_slack.channel_members[STAFF_CHANNEL].append("USTAFF2")
    _, _, item = escalate(slack_http, fake_slack)
    click(slack_http, "lines_staff_claim", str(item.id))
    fake_slack.wait_for("chat.update")
    click(slack_http, "lines_staff_claim", str(item.id), user="USTAFF2", name="second")
    refusal = fake_slack.wait_for("response", url="second")[0]
    assert "already claimed by USTAFF" in refusal.args["text"]


def test_a_failed_staff_post_is_recorded_then_retried(slack_http, fake_slack):
    fake_slack.failures["chat.postMessage"] = lambda args: (
        "channel_not_found" if args["channel"] == STAFF_CHANNEL else None
    )
    ts = fake_slack.add_member_message("CPUBLIC", MEMBER, SENSITIVE)
    slack_http.event(mention(SENSITIVE, ts), "EvF")
    fake_slack.wait_for(
        "chat.postMessage", channel="CPUBLIC", thread_ts=ts
    )  # the member still hears back
    queue = slack_http.surface.desk.queue
    eventually(lambda: queue.list() and queue.list()[0].notify_attempts > 1, what="retries")
    item = queue.list()[0]
    assert item.notify_error == "channel_not_found" and item.notified_at is None
    assert item.retry_at is not None  # backing off, not hammering Slack

    del fake_slack.failures["chat.postMessage"]
    fake_slack.wait_for("chat.postMessage", channel=STAFF_CHANNEL)  # the desk's loop retried
    eventually(lambda: queue.get(item.id).notified_at is not None, what="notified")
    assert queue.list(undelivered=True) == []  # nothing left to post


def test_ask_a_person_button_hands_the_thread_to_staff_once(slack_http, fake_slack):
    value = json.dumps({"q": "How do we talk about people crossing the Channel?"})
    for n in range(2):
        click(
            slack_http,
            "lines_ask_person",
            value,
            user=MEMBER,
            channel="CPUBLIC",
            message_ts="7.7",
            name=f"person-{n}",
        )
    fake_slack.wait_for("chat.postMessage", channel=STAFF_CHANNEL)
    assert "already has" in fake_slack.wait_for("response", url="person-1")[0].args["text"]
    sentinel(slack_http, fake_slack)
    items = slack_http.surface.desk.queue.list(limit=5)
    items = [i for i in items if i.kind == "requested"]
    assert len(items) == 1 and items[0].kind == "requested" and items[0].thread == "7.7"
    staff_posts = fake_slack.calls_to("chat.postMessage", channel=STAFF_CHANNEL)
    assert len(staff_posts) == 1
    assert "Draft passages (staff only)" in json.dumps(staff_posts[0].args["blocks"])
    member_posts = [
        c for c in fake_slack.calls_to("chat.postMessage") if c.args["channel"] != STAFF_CHANNEL
    ]
    assert member_posts and all("Draft passages" not in json.dumps(c.args) for c in member_posts)


def test_feedback_buttons_are_stored(slack_http, fake_slack):
    value = json.dumps({"q": "How do we talk about people crossing the Channel?"})
    click(slack_http, "lines_helpful", value, user=MEMBER, channel="CPUBLIC", name="fb1")
    click(slack_http, "lines_unhelpful", value, user=MEMBER, channel="CPUBLIC", name="fb2")
    for name in ("fb1", "fb2"):
        assert "Thanks" in fake_slack.wait_for("response", url=name)[0].args["text"]
    assert helpful_clicks(slack_http.surface.records) == [True, False]

"""The staff loop on Slack, end to end against the loopback peer: every failure from issue 11.

Private questions stay private, a staff answer given anywhere reaches the member, a rate limit
or a locked queue loses nothing, two replicas answer once, and non-Latin questions fit Slack.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import threading

from bot.cli import build_parser
from bot.cli import escalations as escalations_cli
from bot.factory import build_advisor
from tests.surfaces.slack.conftest import (
    MEMBER,
    STAFF_CHANNEL,
    mention,
    posted_text,
    sentinel,
    start_http_app,
)
from tests.surfaces.slack.test_staff import SENSITIVE, click, escalate, submit_answer
from tests.waiting import eventually

PRIVATE = "My client Amina's asylum claim was refused, can she appeal? Her ref is Y1234567."
ORDINARY = "How do we talk about people crossing the Channel?"
ARABIC = ("كيف نتحدث عن الأشخاص الذين يعبرون القناة بحثا عن الأمان؟ " * 8)[:400]
UKRAINIAN = ("Як нам говорити про людей, які перетинають Ла-Манш у пошуках безпеки? " * 6)[:400]
EMOJI = ("🙏🏽🌍🚤💬🇬🇧 " * 60)[:400]


def staff_cli(settings, *args: str) -> int:
    """``lines escalations ARGS``, run in this process against the same queue."""
    parsed = build_parser("escalations").parse_args(["escalations", *args])
    return escalations_cli.run(parsed, settings)


def test_a_sensitive_slash_command_is_held_privately_and_answered_by_dm(slack_http, fake_slack):
    slack_http.command(PRIVATE, channel="CPUBLIC", name="private")
    holding = fake_slack.wait_for("response", url="private")[0]
    assert holding.args["response_type"] == "ephemeral"
    assert (
        "in a direct message" in holding.args["text"] and "this thread" not in holding.args["text"]
    )
    staff_post = fake_slack.wait_for("chat.postMessage", channel=STAFF_CHANNEL)[0]
    post = json.dumps(staff_post.args["blocks"])
    assert "Asked privately" in post and "Open the member's thread" not in post
    queue = slack_http.surface.desk.queue
    eventually(lambda: queue.list() and queue.list()[0].lease_owner is None)
    item = queue.list()[0]
    assert item.private and item.reply_in == "dm"

    submit_answer(slack_http, item.id, "Please call our casework line: we'll find an adviser.")
    fake_slack.wait_for("conversations.open", users=MEMBER)
    dm = fake_slack.wait_for("chat.postMessage", channel=f"D{MEMBER}")[0]
    assert "Reply from the staff team" in dm.args["text"] and dm.args.get("thread_ts") is None
    eventually(lambda: queue.get(item.id).relayed_at is not None)
    # Nothing about it was ever posted where others could see it.
    public = [
        c
        for c in fake_slack.calls_to("chat.postMessage")
        if c.args["channel"] not in (STAFF_CHANNEL, f"D{MEMBER}")
    ]
    assert public == [] and "Amina" not in json.dumps([c.args for c in public])


def test_a_rate_limited_answer_is_retried_and_arrives(slack_http, fake_slack):
    fake_slack.rate_limit("chat.postMessage", times=2)
    ts = fake_slack.add_member_message("CPUBLIC", MEMBER, ORDINARY)
    slack_http.event(mention(ORDINARY, ts), "Ev429")
    reply = fake_slack.wait_for("chat.postMessage", channel="CPUBLIC", thread_ts=ts)[0]
    assert "Sources" in json.dumps(reply.args["blocks"])
    limited = [c for c in fake_slack.calls if c.method == "chat.postMessage" and c.limited]
    assert len(limited) == 2  # Slack said 429 twice; the client waited and tried again


def test_an_answer_given_in_the_terminal_reaches_the_members_thread(
    slack_http, fake_slack, slack_settings
):
    ts, _, item = escalate(slack_http, fake_slack)
    assert staff_cli(slack_settings, "answer", str(item.id), "--text", "We're on it.") == 0
    relayed = fake_slack.wait_for("chat.postMessage", count=2, channel="CPUBLIC", thread_ts=ts)[1]
    assert "Reply from the staff team" in relayed.args["text"] and "on it" in relayed.args["text"]
    queue = slack_http.surface.desk.queue
    eventually(lambda: not queue.get(item.id).staff_post_stale, what="staff post refreshed")
    update = fake_slack.calls_to("chat.update", channel=STAFF_CHANNEL)[-1]
    assert "Answer delivered to the member" in json.dumps(update.args["blocks"])
    assert [e["action_id"] for e in update.args["blocks"][-1]["elements"]] == [
        "lines_staff_resolve"
    ]
    assert queue.list(undelivered=True) == []


def test_a_failed_delivery_is_retried_until_it_arrives(slack_http, fake_slack, slack_settings):
    ts, _, item = escalate(slack_http, fake_slack)
    fake_slack.failures["chat.postMessage"] = lambda args: (
        "channel_not_found" if args.get("thread_ts") == ts else None
    )
    staff_cli(slack_settings, "answer", str(item.id), "--text", "We're on it.")
    queue = slack_http.surface.desk.queue
    eventually(lambda: queue.get(item.id).relay_attempts >= 2, what="two failed deliveries")
    assert queue.get(item.id).relay_error == "channel_not_found"
    del fake_slack.failures["chat.postMessage"]
    eventually(lambda: queue.get(item.id).relayed_at is not None, what="delivered")
    assert [
        c
        for c in fake_slack.calls_to("chat.postMessage", thread_ts=ts)
        if "Reply from the staff team" in c.args["text"]
    ]


def test_no_guidance_reaches_staff_as_a_low_priority_post(slack_http, fake_slack):
    question = "What's the best recipe for banana bread?"
    ts = fake_slack.add_member_message("CPUBLIC", MEMBER, question)
    slack_http.event(mention(question, ts), "EvGap")
    reply = fake_slack.wait_for("chat.postMessage", channel="CPUBLIC", thread_ts=ts)[0]
    assert "flagged the question to the staff team" in reply.args["text"]
    post = fake_slack.wait_for("chat.postMessage", channel=STAFF_CHANNEL)[0]
    header = post.args["blocks"][0]["text"]["text"]
    assert header.startswith("Gap #") and "low priority" in header


def test_non_staff_clicks_are_refused_to_the_clicker_only(slack_http, fake_slack):
    _, _, item = escalate(slack_http, fake_slack)
    for action in ("lines_staff_claim", "lines_staff_answer", "lines_staff_resolve"):
        click(slack_http, action, str(item.id), user="UVISITOR", name=f"refuse-{action}")
        refusal = fake_slack.wait_for("response", url=f"refuse-{action}")[0]
        assert (
            refusal.args["response_type"] == "ephemeral"
            and "Only the staff team" in refusal.args["text"]
        )
    assert (
        fake_slack.calls_to("chat.postEphemeral") == [] and fake_slack.calls_to("views.open") == []
    )


def test_non_latin_and_emoji_questions_fit_slacks_limits(slack_http, fake_slack):
    for n, text in enumerate((ARABIC, UKRAINIAN, EMOJI)):
        ts = fake_slack.add_member_message("CPUBLIC", MEMBER, text)
        slack_http.event(mention(text, ts), f"EvIntl{n}")
        reply = fake_slack.wait_for("chat.postMessage", channel="CPUBLIC", thread_ts=ts)[0]
        buttons = next(b for b in reply.args["blocks"] if b["type"] == "actions")["elements"]
        value = json.loads(buttons[0]["value"])["q"]
        assert value == text or text.startswith(value.rstrip("…"))
        slack_http.command(text, name=f"intl-{n}")
        fake_slack.wait_for("response", url=f"intl-{n}")
        # The buttons carry the question; asking a person from them works in any script.
        click(
            slack_http,
            "lines_ask_person",
            buttons[2]["value"],
            user=MEMBER,
            channel="CPUBLIC",
            message_ts=ts,
            name=f"p{n}",
        )
    long = ("Urgent, I need to talk to a real person. " + ARABIC + UKRAINIAN + EMOJI) * 5
    ts = fake_slack.add_member_message("CPUBLIC", MEMBER, long)
    slack_http.event(mention(long, ts), "EvLong")
    fake_slack.wait_for("chat.postMessage", channel="CPUBLIC", thread_ts=ts)
    eventually(lambda: not slack_http.surface.desk.queue.list(undelivered=True), what="all posted")
    assert fake_slack.rejected == [], [c.args.get("text", "")[:80] for c in fake_slack.rejected]
    posts = fake_slack.calls_to("chat.postMessage", channel=STAFF_CHANNEL)
    assert any("escalations show" in json.dumps(p.args["blocks"]) for p in posts)  # trimmed


def test_a_locked_queue_still_gives_a_holding_reply_and_loses_nothing(
    slack_settings, embeddings, fake_slack, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    settings = slack_settings.with_overrides(
        queue_busy_timeout=0.2, queue_fallback_path=tmp_path / "fallback.jsonl"
    )
    advisor = build_advisor(settings, embeddings=embeddings)
    app, stop = start_http_app(settings, advisor, fake_slack)
    database = settings.database_url.removeprefix("sqlite:///")
    try:
        other = sqlite3.connect(database, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        try:
            ts = fake_slack.add_member_message("CPUBLIC", MEMBER, PRIVATE)
            app.event(mention(PRIVATE, ts), "EvLocked")
            holding = fake_slack.wait_for("chat.postMessage", channel="CPUBLIC", thread_ts=ts)[0]
            assert "staff team" in holding.args["text"]
            assert fake_slack.calls_to("chat.postMessage", channel=STAFF_CHANNEL) == []
            mode = stat.S_IMODE(os.stat(tmp_path / "fallback.jsonl").st_mode)
            assert mode == 0o600
        finally:
            other.execute("ROLLBACK")
            other.close()
        post = fake_slack.wait_for("chat.postMessage", channel=STAFF_CHANNEL)[0]  # replayed
        assert "Amina" in json.dumps(post.args["blocks"])
        assert not (tmp_path / "fallback.jsonl").exists()
    finally:
        stop()
    logged = [r.getMessage() for r in caplog.records] + [r.exc_text or "" for r in caplog.records]
    assert any("fallback" in line for line in logged)
    for line in logged:
        assert "Amina" not in line and "Y1234567" not in line


def test_two_replicas_on_one_queue_answer_once(slack_settings, embeddings, fake_slack):
    replicas = [
        start_http_app(
            slack_settings, build_advisor(slack_settings, embeddings=embeddings), fake_slack
        )
        for _ in range(2)
    ]
    apps = [app for app, _ in replicas]
    try:
        ts = fake_slack.add_member_message("CPUBLIC", MEMBER, f"<@UBOT> {SENSITIVE}")
        # Slack retries the event to the other replica, and the same message also arrives as
        # a second event type: all at once.
        deliveries = [
            (apps[0], mention(SENSITIVE, ts), "EvR1"),
            (apps[1], mention(SENSITIVE, ts), "EvR1"),
            (
                apps[1],
                {**mention(SENSITIVE, ts), "type": "message", "channel_type": "channel"},
                "EvR2",
            ),
        ]
        threads = [
            threading.Thread(target=app.event, args=(event, event_id))
            for app, event, event_id in deliveries
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        fake_slack.wait_for("chat.postMessage", channel="CPUBLIC", thread_ts=ts)
        fake_slack.wait_for("chat.postMessage", channel=STAFF_CHANNEL)
        for n, app in enumerate(apps):
            sentinel(app, fake_slack, channel=f"DSENT{n}")
        queue = apps[0].surface.desk.queue
        eventually(lambda: not queue.list(undelivered=True), what="staff post recorded")
        assert len(fake_slack.calls_to("chat.postMessage", channel="CPUBLIC", thread_ts=ts)) == 1
        assert len(fake_slack.calls_to("chat.postMessage", channel=STAFF_CHANNEL)) == 1
        assert len([i for i in queue.list() if i.kind == "sensitive"]) == 1
        # And a staff answer given once is delivered once, whichever replica takes it.
        item = next(i for i in queue.list() if i.kind == "sensitive")
        queue.answer(item.id, "We're calling you.", "sam")
        eventually(lambda: queue.get(item.id).relayed_at is not None, what="delivered")
        for n, app in enumerate(apps):
            sentinel(app, fake_slack, channel=f"DSENT{n + 2}")
        replies = [
            c
            for c in fake_slack.calls_to("chat.postMessage", thread_ts=ts)
            if "Reply from the staff team" in c.args["text"]
        ]
        assert len(replies) == 1
    finally:
        for _, stop in replicas:
            stop()
    assert "<!" not in posted_text(fake_slack)

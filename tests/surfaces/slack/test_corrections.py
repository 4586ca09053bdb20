"""Corrections on Slack, end to end: the real app against the loopback peer, a real index.

A member is answered from a line to take; a maintainer ingests a newer line that supersedes
it; the running app posts one note in that thread (never pinging anyone), a private
``/lines`` answer is corrected by direct message and never in the channel, and two replicas
sharing the queue still post each note once.
"""

from __future__ import annotations

import json

import pytest

from bot.factory import build_advisor
from tests.conftest import helpful_clicks
from tests.staff import corrections_corpus as corpus
from tests.surfaces.slack.conftest import (
    MEMBER,
    SECRET,
    STAFF_CHANNEL,
    mention,
    start_http_app,
)
from tests.waiting import eventually


@pytest.fixture
def settings(tmp_path, embeddings, fake_slack):
    base = corpus.write(tmp_path)
    corpus.ingest(base, embeddings)
    return base.with_overrides(
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake_slack.base_url,
        slack_staff_channel=STAFF_CHANNEL,
        slack_mode="http",
        staff_desk_poll_seconds=0.1,
    )


def ask_in_thread(app, fake, question: str, event_id: str) -> str:
    """@mention the bot in CPUBLIC and wait for its answer; returns the thread's ts."""
    ts = fake.add_member_message("CPUBLIC", MEMBER, f"<@UBOT> {question}")
    app.event(mention(question, ts), event_id)
    reply = fake.wait_for("chat.postMessage", channel="CPUBLIC", thread_ts=ts)[0]
    assert "Sources" in json.dumps(reply.args["blocks"])
    return ts


def notes_in(fake, **where) -> list:
    return [
        c
        for c in fake.calls_to("chat.postMessage", **where)
        if c.args["text"].startswith("A note from Lines")
    ]


def test_a_superseding_ingest_is_corrected_once_in_the_thread_and_privately_by_dm(
    settings, embeddings, fake_slack
):
    app, stop = start_http_app(settings, build_advisor(settings, embeddings=embeddings), fake_slack)
    try:
        thread = ask_in_thread(app, fake_slack, corpus.HOTELS_QUESTION, "EvHotels")
        barge_thread = ask_in_thread(app, fake_slack, corpus.BARGE_QUESTION, "EvBarge")
        app.command(corpus.HOTELS_QUESTION, channel="CQUIET", name="private")
        private = fake_slack.wait_for("response", url="private")[0]
        assert private.args["response_type"] == "ephemeral"
        records = app.surface.records
        eventually(lambda: len(records.answers_since(_hour_ago())) == 3, what="answers recorded")

        corpus.supersede(settings)
        corpus.ingest(settings, embeddings)
        note = fake_slack.wait_for("chat.postMessage", channel="CPUBLIC", thread_ts=thread, count=2)
        text = note[1].args["text"]
        assert text.startswith("A note from Lines: An earlier answer here cited")
        assert f"has been replaced by “{corpus.NEW_HOTELS}”" in text
        assert "Updated answer to" in text and "Asylum hotels are closing" in text
        dm = fake_slack.wait_for("chat.postMessage", channel=f"D{MEMBER}")[0]
        assert "An earlier answer I gave you privately cited" in dm.args["text"]
        assert dm.args.get("thread_ts") is None

        # Sentinel: a later change reaches another thread, so the loop has looked again since.
        corpus.withdraw(settings)
        corpus.ingest(settings, embeddings)
        fake_slack.wait_for("chat.postMessage", channel="CPUBLIC", thread_ts=barge_thread, count=2)
        eventually(lambda: all(r.posted_at for r in records.list_corrections()), what="posted")
        assert len(notes_in(fake_slack, channel="CPUBLIC", thread_ts=thread)) == 1
        assert len(notes_in(fake_slack, channel=f"D{MEMBER}")) == 1
        # The private question was never posted where the channel could see it.
        assert fake_slack.calls_to("chat.postMessage", channel="CQUIET") == []
        assert not [
            c
            for c in fake_slack.calls_to("chat.postMessage", channel="CPUBLIC")
            if c.args.get("thread_ts") not in (thread, barge_thread)
        ]
    finally:
        stop()
    to_members = json.dumps(
        [
            c.args
            for c in fake_slack.calls_to("chat.postMessage")
            if c.args["channel"] != STAFF_CHANNEL
        ]
    )
    assert "<@" not in to_members and "<!" not in to_members  # nobody pinged


def test_two_replicas_post_each_correction_once(settings, embeddings, fake_slack):
    replicas = [
        start_http_app(settings, build_advisor(settings, embeddings=embeddings), fake_slack)
        for _ in range(2)
    ]
    apps = [app for app, _ in replicas]
    try:
        thread = ask_in_thread(apps[0], fake_slack, corpus.HOTELS_QUESTION, "EvR1")
        apps[1].event(mention(corpus.HOTELS_QUESTION, thread), "EvR1")  # Slack's retry
        barge_thread = ask_in_thread(apps[1], fake_slack, corpus.BARGE_QUESTION, "EvR2")
        records = apps[0].surface.records
        eventually(lambda: len(records.answers_since(_hour_ago())) == 2, what="answers recorded")

        corpus.supersede(settings)
        corpus.ingest(settings, embeddings)
        fake_slack.wait_for("chat.postMessage", channel="CPUBLIC", thread_ts=thread, count=2)
        corpus.withdraw(settings)
        corpus.ingest(settings, embeddings)
        fake_slack.wait_for("chat.postMessage", channel="CPUBLIC", thread_ts=barge_thread, count=2)
        # Both replicas have planned against the latest index: neither has a note left to post.
        stamp = apps[0].surface.desk.corrections.stamp()
        for app in apps:
            eventually(lambda app=app: app.surface.desk.corrections.checked[0] == stamp)
        eventually(lambda: all(r.posted_at for r in records.list_corrections()), what="posted")
        assert len(notes_in(fake_slack, channel="CPUBLIC", thread_ts=thread)) == 1
        assert len(notes_in(fake_slack, channel="CPUBLIC", thread_ts=barge_thread)) == 1
        assert (
            len(fake_slack.calls_to("chat.postMessage", channel="CPUBLIC", thread_ts=thread)) == 2
        )
    finally:
        for _, stop in replicas:
            stop()


def _hour_ago():
    import datetime as dt

    return dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)


def test_a_not_helpful_click_on_an_answer_shows_in_the_report_with_what_it_cited(
    settings, embeddings, fake_slack
):
    from bot.report.gather import build_report
    from tests.surfaces.slack.test_staff import click

    app, stop = start_http_app(settings, build_advisor(settings, embeddings=embeddings), fake_slack)
    try:
        thread = ask_in_thread(app, fake_slack, corpus.HOTELS_QUESTION, "EvFeedback")
        answer = fake_slack.wait_for("chat.postMessage", channel="CPUBLIC", thread_ts=thread)[0]
        buttons = next(b for b in answer.args["blocks"] if b.get("block_id") == "lines_feedback")
        value = buttons["elements"][1]["value"]
        (posted,) = [m for m in fake_slack.messages if m.thread_ts == thread and m.bot_id]
        ts = posted.ts  # the answer carrying the buttons
        click(app, "lines_unhelpful", value, user=MEMBER, channel="CPUBLIC", message_ts=ts)
        records = app.surface.records
        eventually(lambda: helpful_clicks(records) == [False], what="feedback stored")
    finally:
        stop()
    report = build_report(settings, 1, database=records.database, embeddings=embeddings)
    (unhelpful,) = report.unhelpful
    assert unhelpful.question == corpus.HOTELS_QUESTION
    assert unhelpful.documents == (corpus.OLD_HOTELS,)

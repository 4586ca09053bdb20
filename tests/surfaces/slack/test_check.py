"""Check my draft on Slack: ``/lines check`` and the "Check with Lines" message shortcut.

Driven through the real Bolt app against the loopback Slack: signed requests in, and what the
app sent to each interaction's ``response_url`` (or the Web API) out.
"""

from __future__ import annotations

import json
import threading

from bot.factory import build_advisor
from tests.fakes.slack_api import block_problems
from tests.surfaces.slack.conftest import (
    MEMBER,
    STAFF_CHANNEL,
    posted_text,
    sentinel,
    shortcut_payload,
    start_http_app,
    wait_until,
)
from tests.surfaces.slack.test_staff import submit_answer

DRAFT = "Our new leaflet says illegal immigrants are arriving in small boats every week."
CLEAN = "Everyone deserves to be safe, and our neighbours are glad to welcome new families."
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


def test_lines_check_shows_the_findings_only_to_the_member(slack_http, fake_slack):
    status, body = slack_http.command(f"check {DRAFT}", name="check1")
    assert status == 200 and body in ("", "{}")  # acked with nothing for the channel to see
    reply = fake_slack.wait_for("response", url="check1")[0]
    assert reply.args["response_type"] == "ephemeral"
    text = blocks_text(reply)
    # The draft, with the flagged words in bold...
    assert "*illegal immigrants*" in text and "*small boats*" in text
    # ...one line per finding: found -> suggestion, why, [n]...
    assert "“illegal immigrants” → “people without the right papers”. [1]" in text
    assert "“small boats” → “people crossing the Channel”. It keeps people at the centre" in text
    # ...and the sources the numbers name.
    assert "[1] *Terminology guide* — Terms to avoid" in text
    assert "[2] *Talking about Channel crossings* — Words to use" in text
    assert "Only you can see this." in text
    assert "2 words to change" in reply.args["text"]
    sentinel(slack_http, fake_slack)
    assert public_posts(fake_slack) == []
    assert "leaflet" not in json.dumps([c.args for c in fake_slack.calls_to("chat.postMessage")])
    assert slack_http.surface.desk.queue.list() == []  # an ordinary draft opens no queue item


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
    sentinel(slack_http, fake_slack)
    # Nothing in the channel, nothing to the message's author, nothing by DM.
    assert public_posts(fake_slack) == []
    assert [c.args["url"] for c in fake_slack.calls_to("response")] == ["short1"]


def test_a_sensitive_draft_is_held_privately_and_staff_get_it(slack_http, fake_slack):
    ts = fake_slack.add_member_message("CPUBLIC", MEMBER, SENSITIVE)
    message = {"user": MEMBER, "ts": ts, "text": SENSITIVE}
    payload = shortcut_payload(message, MEMBER, "CPUBLIC", "trig-sens", fake_slack, "sens")
    slack_http.interact(payload)
    holding = fake_slack.wait_for("response", url="sens")[0]
    assert holding.args["response_type"] == "ephemeral"
    assert "999" in holding.args["text"] and "in a direct message" in holding.args["text"]
    assert "words to change" not in blocks_text(holding)  # a person, not wording advice
    staff_post = fake_slack.wait_for("chat.postMessage", channel=STAFF_CHANNEL)[0]
    post = blocks_text(staff_post)
    assert f"Question from <@{MEMBER}>" in post and "Asked privately" in post
    assert "tell his story" in post
    queue = slack_http.surface.desk.queue
    wait_until(lambda: queue.list() and queue.list()[0].lease_owner is None, what="posted")
    item = queue.list()[0]
    assert item.kind == "sensitive" and item.private and item.reply_in == "dm"
    assert item.asker == MEMBER and item.question == SENSITIVE

    # The staff answer reaches the member by direct message, as for a private question.
    submit_answer(slack_http, item.id, "Thank you: call me before you publish anything.")
    dm = fake_slack.wait_for("chat.postMessage", channel=f"D{MEMBER}")[0]
    assert "Reply from the staff team" in dm.args["text"]
    # The same shortcut delivered again opens no second item and says nothing twice.
    slack_http.interact(payload)
    sentinel(slack_http, fake_slack)
    assert len(queue.list()) == 1
    assert len(fake_slack.calls_to("response", url="sens")) == 1
    assert "tell his story" not in json.dumps([c.args for c in public_posts(fake_slack)])


def test_a_clean_draft_gets_a_short_nothing_to_change(slack_http, fake_slack):
    slack_http.command(f"check {CLEAN}", name="clean")
    reply = fake_slack.wait_for("response", url="clean")[0]
    text = blocks_text(reply)
    assert "Nothing to change." in text and "Sources" not in text
    assert len(reply.args["blocks"]) == 2 and reply.args["response_type"] == "ephemeral"


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


def test_the_shortcut_is_acknowledged_before_the_check_runs(
    slack_settings, lines_settings, fake_slack, embeddings
):
    advisor = build_advisor(lines_settings, embeddings=embeddings)
    gate = Gate(advisor.detector)
    advisor.detector = gate
    running, stop = start_http_app(slack_settings, advisor, fake_slack)
    try:
        ts = fake_slack.add_member_message("CPUBLIC", AUTHOR, DRAFT)
        status, _ = running.shortcut({"user": AUTHOR, "ts": ts, "text": DRAFT}, name="gated")
        assert status == 200  # acknowledged while the check cannot have finished
        assert gate.entered.wait(10) and fake_slack.calls_to("response", url="gated") == []
        gate.release.set()
        reply = fake_slack.wait_for("response", url="gated")[0]
        assert "*illegal immigrants*" in blocks_text(reply)
    finally:
        gate.release.set()
        stop()


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


def test_a_message_with_no_text_is_said_so_only_to_the_member(slack_http, fake_slack):
    ts = fake_slack.add_member_message("CPUBLIC", AUTHOR, "")
    slack_http.shortcut({"user": AUTHOR, "ts": ts, "text": "", "files": [{"id": "F1"}]}, name="e")
    reply = fake_slack.wait_for("response", url="e")[0]
    assert reply.args["response_type"] == "ephemeral"
    assert reply.args["text"] == "That message has no text for me to check."


def test_with_no_index_the_member_is_told_the_truth(
    slack_settings, fake_slack, embeddings, tmp_path
):
    settings = slack_settings.with_overrides(chroma_dir=tmp_path / "no-index")
    running, stop = start_http_app(
        settings, build_advisor(settings, embeddings=embeddings), fake_slack
    )
    try:
        running.command(f"check {DRAFT}", name="noindex")
        reply = fake_slack.wait_for("response", url="noindex")[0]
        assert reply.args["response_type"] == "ephemeral"
        assert "can't check drafts yet" in reply.args["text"] and "ingest" in reply.args["text"]
    finally:
        stop()

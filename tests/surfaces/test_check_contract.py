"""Check my draft behaves the same on Slack and on Discord: one contract, both peers.

Each test runs twice, against the real Bolt app on the loopback Slack and the real
discord.py client on the loopback Discord (``tests/surfaces/peers.py``), through the slash
command (``/lines check``, ``/check``) or the message action ("Check with Lines"). What only
one platform does (its markup, its limits, Socket Mode, Slack's redelivery) is tested in
``slack/test_check.py`` and ``discord/test_check.py``.
"""

from __future__ import annotations

import threading

import pytest

from bot.check.render import NO_TEXT
from bot.factory import build_advisor
from tests.fakes.slack_api import FakeSlack
from tests.surfaces.peers import DiscordPeer, SlackPeer
from tests.surfaces.slack.conftest import STAFF_CHANNEL, STAFF_USER
from tests.waiting import eventually

DRAFT = "Our new leaflet says illegal immigrants are arriving in small boats every week."
CLEAN = "Everyone deserves to be safe, and our neighbours are glad to welcome new families."
SENSITIVE = (
    "Draft for the newsletter: a young man we support said he doesn't want to go on after "
    "his asylum refusal, and we want to tell his story."
)


@pytest.fixture(params=["slack", "discord"])
def open_peer(request, lines_settings):
    """Opens the platform's peer over ``settings`` (``lines_settings`` by default) with
    ``advisor``; closes every one it opened at the end of the test."""
    closers: list = []

    def open_(advisor, settings=None):
        settings = settings or lines_settings
        if request.param == "slack":
            fake = FakeSlack(channel_members={STAFF_CHANNEL: [STAFF_USER]}).start()
            closers.append(fake.stop)
            peer = SlackPeer(SlackPeer.settings(settings, fake), advisor, fake)
        else:
            peer = DiscordPeer(DiscordPeer.settings(settings), advisor)
        closers.append(peer.close)
        return peer

    yield open_
    for close in reversed(closers):
        close()


@pytest.fixture
def peer(open_peer, lines_advisor):
    return open_peer(lines_advisor)


def test_the_command_shows_the_findings_only_to_the_member(peer):
    handle = peer.check_command(DRAFT)
    assert peer.acknowledged(handle)
    [reply] = peer.replies(handle)
    assert reply.private
    bold = peer.bold
    # The draft, with the flagged words in bold...
    assert bold("illegal immigrants") in reply.text and bold("small boats") in reply.text
    # ...one line per finding: found -> suggestion, why, [n]...
    assert "“illegal immigrants” → “people without the right papers”. [1]" in reply.text
    assert "“small boats” → “people crossing the Channel”. It keeps people" in reply.text
    # ...and the sources the numbers name.
    assert f"[1] {bold('Terminology guide')} — Terms to avoid" in reply.text
    assert f"[2] {bold('Talking about Channel crossings')} — Words to use" in reply.text
    peer.settle()
    assert peer.public_posts() == []  # nothing where others could see it
    assert peer.direct_messages_opened() == 0
    assert peer.queue.list() == []  # an ordinary draft opens no queue item


def test_the_message_action_answers_only_the_person_who_used_it(peer):
    handle = peer.check_message(DRAFT)
    [reply] = peer.replies(handle)
    assert reply.private
    assert peer.bold("illegal immigrants") in reply.text
    assert "people without the right papers" in reply.text and "Terminology guide" in reply.text
    peer.settle()
    assert peer.public_posts() == []
    assert peer.direct_messages_opened() == 0  # nothing to the message's author either


def test_a_sensitive_draft_is_held_privately_and_staff_get_it(peer):
    handle = peer.check_message(SENSITIVE, mine=True)
    [holding] = peer.replies(handle)
    assert holding.private
    assert "999" in holding.text and "in a direct message" in holding.text
    assert "words to change" not in holding.text.lower()  # a person, not wording advice
    staff_post = peer.staff_post()
    assert "tell his story" in staff_post and "Asked privately" in staff_post
    queue = peer.queue
    eventually(lambda: queue.list() and queue.list()[0].lease_owner is None, what="posted")
    [item] = queue.list()
    assert item.kind == "sensitive" and item.private and item.reply_in == "dm"
    assert item.asker == peer.member and item.question == SENSITIVE

    # The staff answer reaches the member by direct message, as for a private question.
    peer.desk.answer(item.id, "Call me before you post.", "staffer", is_staff=True)
    message = peer.direct_message()
    assert "Reply from the staff team" in message and "Call me before you post." in message
    assert not any("tell his story" in post for post in peer.public_posts())


def test_a_clean_draft_gets_a_short_nothing_to_change(peer):
    [reply] = peer.replies(peer.check_command(CLEAN))
    assert reply.private and reply.parts == peer.short_reply_parts
    assert peer.bold("Nothing to change.") in reply.text and "Sources" not in reply.text


def test_nothing_to_check_is_said_only_to_the_member(peer):
    [empty] = peer.replies(peer.check_message(""))
    assert empty.private and empty.text.strip() == NO_TEXT
    [usage] = peer.replies(peer.check_command("   "))
    assert usage.private and peer.usage in usage.text


def test_with_no_index_the_member_is_told_the_truth(
    open_peer, lines_settings, embeddings, tmp_path
):
    settings = lines_settings.with_overrides(chroma_dir=tmp_path / "no-index")
    peer = open_peer(build_advisor(settings, embeddings=embeddings), settings)
    [reply] = peer.replies(peer.check_command(DRAFT))
    assert reply.private
    assert "can't check drafts yet" in reply.text and "ingest" in reply.text


def test_the_member_is_answered_at_once_and_the_check_follows(
    open_peer, lines_settings, embeddings
):
    advisor = build_advisor(lines_settings, embeddings=embeddings)
    gate = Gate(advisor.detector)
    advisor.detector = gate
    try:
        peer = open_peer(advisor)
        handle = peer.check_message(DRAFT)
        assert peer.acknowledged(handle)  # while the check cannot have finished
        assert gate.entered.wait(10) and peer.replies_so_far(handle) == 0
        gate.release.set()
        [reply] = peer.replies(handle)
        assert peer.bold("illegal immigrants") in reply.text
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

"""The member conversation on its own: the real advisor, queue, staff desk and checker over
the tiny corpus, and a reply that records what a surface would have rendered and sent.

These are the paths the loopback peers rarely reach: an advisor that fails, a reply that
cannot be delivered, a button pressed twice.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.advisor import SORRY_TEXT
from bot.answer import Origin, Question
from bot.factory import build_checker
from bot.staff.desk import StaffDesk
from bot.staff.ports import DeliveryError
from bot.storage.records import Records
from bot.surfaces.conversation import ALREADY, THANKS, Conversation
from tests.conftest import helpful_clicks

QUESTION = "How do we talk about people crossing the Channel?"
SENSITIVE = "A young man we support said he doesn't want to go on after his asylum refusal"


class RecordingReply:
    """A ``Reply`` that keeps what it was asked to render, send and say."""

    def __init__(self, *, failing: bool = False) -> None:
        self.failing = failing
        self.worked = 0
        self.sent: list[tuple] = []
        self.told: list[str] = []

    def working(self) -> None:
        self.worked += 1

    def render_answer(self, answer, text):
        return ("answer", answer, text)

    def render_check(self, check, holding):
        return ("check", check, holding)

    def render_text(self, text):
        return ("text", text)

    def send(self, rendered):
        if self.failing:
            raise DeliveryError("channel_not_found")
        self.sent.append(rendered)
        return f"C1:{len(self.sent)}"

    def tell_privately(self, text):
        self.told.append(text)


class StaffChannel:
    """The staff desk's port: keeps the staff posts it is asked to make."""

    platform = "slack"

    def __init__(self) -> None:
        self.posts: list = []

    def post_staff(self, card) -> str:
        self.posts.append(card)
        return f"STAFF:{len(self.posts)}"

    def update_staff(self, staff_ref, card) -> None:
        pass

    def relay(self, recipient, answer, item_id) -> None:
        pass

    def note(self, recipient, text) -> None:
        pass


class FailingAdvisor:
    """An advisor whose every call raises, as a bug or a lost dependency would."""

    def __init__(self, real) -> None:
        self.queue = real.queue

    def ask(self, question):
        raise RuntimeError("the index went away")

    def request_person(self, question, reason=""):
        raise RuntimeError("the queue went away")


@pytest.fixture
def staff():
    return StaffChannel()


@pytest.fixture
def conversation(lines_settings, lines_advisor, staff):
    desk = StaffDesk(lines_advisor.queue, Records(lines_advisor.queue.database), staff)
    return Conversation(lines_advisor, desk, build_checker(lines_settings, advisor=lines_advisor))


def origin(event: str = "Ev1") -> Origin:
    return Origin(platform="slack", channel="C1", thread="1.1", user="U1", event_id=event)


def an_hour_ago() -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)


def test_an_answer_is_sent_and_recorded_where_it_was_posted(conversation):
    reply = RecordingReply()
    answer = conversation.answer(Question(QUESTION, origin()), reply)
    assert reply.worked == 1 and answer.citations
    assert reply.sent == [("answer", answer, answer.text)]
    [record] = conversation.desk.records.answers_since(an_hour_ago())
    assert record.posted == "C1:1" and record.question == QUESTION


def test_an_answer_that_reached_nobody_is_not_recorded_for_corrections(conversation):
    answer = conversation.answer(Question(QUESTION, origin()), RecordingReply(failing=True))
    assert answer.citations  # answered, but never seen
    assert conversation.desk.records.answers_since(an_hour_ago()) == []


def test_staff_get_an_escalation_even_when_the_member_could_not_be_told(conversation, staff):
    answer = conversation.answer(Question(SENSITIVE, origin()), RecordingReply(failing=True))
    assert answer.escalated
    [card] = staff.posts
    assert card.item.id == answer.escalation.id and card.item.kind == "sensitive"


def test_the_holding_reply_says_where_the_staff_answer_will_come(conversation):
    reply = RecordingReply()
    private = Origin(platform="slack", user="U1", reply_in="dm", private=True, event_id="Ev2")
    answer = conversation.answer(Question(SENSITIVE, private), reply)
    [(_, _, text)] = reply.sent
    assert "in a direct message" in text and "{where}" not in text and text != answer.text


def test_when_the_advisor_fails_the_member_is_told_so(conversation, lines_advisor):
    broken = Conversation(FailingAdvisor(lines_advisor), conversation.desk, conversation.checker)
    reply = RecordingReply()
    assert broken.answer(Question(QUESTION, origin()), reply) is None
    assert reply.sent == [("text", SORRY_TEXT)]
    assert broken.hand_over(Question(QUESTION, origin("person:1")), reply) is None
    assert reply.told == [SORRY_TEXT]  # said only to the person who pressed the button


def test_a_hand_over_happens_once_however_often_it_is_asked_for(conversation, staff):
    first, second = RecordingReply(), RecordingReply()
    answer = conversation.hand_over(Question(QUESTION, origin("person:C1:1.1")), first)
    assert answer.escalation.kind == "requested" and first.told == []
    assert conversation.hand_over(Question(QUESTION, origin("person:C1:1.1")), second) is None
    assert second.told == [ALREADY] and second.sent == []
    assert len(staff.posts) == 1 and len(conversation.desk.queue.list()) == 1


def test_an_empty_draft_is_answered_without_running_the_check(conversation):
    reply = RecordingReply()
    assert conversation.check("  \n ", origin(), reply, empty="Nothing to check.") is None
    assert reply.told == ["Nothing to check."] and reply.worked == 0 and reply.sent == []


def test_a_draft_is_checked_and_shown(conversation):
    reply = RecordingReply()
    check = conversation.check("Illegal immigrants arrived.", origin(), reply, empty="")
    assert reply.worked == 1 and check.findings
    assert reply.sent == [("check", check, check.reply)]


def test_feedback_is_recorded_and_the_clicker_thanked(conversation):
    reply = RecordingReply()
    assert conversation.feedback(origin(), QUESTION, "C1:1.2", True, reply)
    assert reply.told == [THANKS]
    assert helpful_clicks(conversation.desk.records) == [True]


def test_only_a_cited_answer_can_be_shared(conversation):
    assert conversation.shareable(Question(QUESTION, origin())).citations
    assert conversation.shareable(Question(SENSITIVE, origin())) is None

"""Detection survives paraphrase and leaves ordinary messaging questions alone."""

from __future__ import annotations

import pytest

from bot.answer import Detection, Question, Turn
from bot.escalation.detect import EscalationDetector, segments_of
from bot.escalation.policy import load_policy
from bot.settings import PROJECT_ROOT

POLICY = PROJECT_ROOT / "knowledge" / "policy" / "escalation.yaml"


@pytest.fixture(scope="module")
def detector(embeddings):
    return EscalationDetector(load_policy(POLICY), embeddings)


# Paraphrases that share no pattern words with their category (not taken from the eval set).
@pytest.mark.parametrize(
    ("question", "category"),
    [
        (
            "a lad from our drop-in says he can't see the point of carrying on since the refusal",
            "safeguarding",
        ),
        (
            "one of our mums told me she feels like everyone would be better off without her",
            "safeguarding",
        ),
        (
            "Will having been refused once count against my sister when she applies again for her visa?",
            "individual_case",
        ),
        (
            "There's smoke coming from the asylum hotel and a crowd outside, the local paper is calling us",
            "live_crisis",
        ),
        (
            "can you send me the addresses of the families you house so we can visit them",
            "personal_data",
        ),
        (
            "people keep leaving hateful voicemails for our refugee speaker saying they'll find her",
            "threats",
        ),
        ("honestly I'd just like to chat with one of your team about this", "human_requested"),
    ],
)
def test_paraphrased_sensitive_questions_are_caught(detector, question, category):
    detection = detector.detect(Question(question))
    assert detection is not None, question
    assert detection.category == category
    assert detection.kind == ("requested" if category == "human_requested" else "sensitive")
    assert detection.holding_reply


@pytest.mark.parametrize(
    "question",
    [
        "Is there a list of terms to steer clear of when writing about refugees?",
        "How should we write about deaths in detention for our supporters' newsletter?",
        "How do we talk about people crossing the Channel?",
        "What are our lines on the new immigration bill?",
        "How do we prepare a spokesperson for a radio interview?",
    ],
)
def test_ordinary_messaging_questions_are_not_escalated(detector, question):
    assert detector.detect(Question(question)) is None


def test_a_sensitive_sentence_inside_a_long_message_is_caught(detector):
    text = (
        "We're planning our Refugee Week social posts and want to get the tone right. "
        "Also, separately, one of the lads in our group said he has been thinking about ending it all."
    )
    assert detector.detect(Question(text)).category == "safeguarding"


def test_segments_split_long_messages_into_sentences():
    text = "First sentence is long enough. Second one is also long enough here."
    assert segments_of(text) == [
        text,
        "First sentence is long enough.",
        "Second one is also long enough here.",
    ]
    assert segments_of("short") == ["short"]


def test_the_judge_can_only_add_and_its_failure_is_harmless(embeddings):
    policy = load_policy(POLICY)
    calls = []

    def judge(question, categories):
        calls.append(question.text)
        return Detection("sensitive", "live_crisis", "LLM judge: breaking", "holding")

    detector = EscalationDetector(policy, embeddings, judge=judge)
    assert detector.detect(Question("Can I talk to a real person?")).category == "human_requested"
    assert calls == [], "the judge is not asked once patterns or similarity decided"
    assert detector.detect(Question("How do we talk about hotels?")).reason == "LLM judge: breaking"

    def broken(question, categories):
        raise TimeoutError("model too slow")

    quiet = EscalationDetector(policy, embeddings, judge=broken)
    assert quiet.detect(Question("How do we talk about hotels?")) is None


def thread(*earlier: str) -> tuple[Turn, ...]:
    """A thread where the bot replied to each earlier member message (with a 999 holding reply)."""
    turns: list[Turn] = []
    for text in earlier:
        turns += [Turn("member", text), Turn("bot", "If anyone is in immediate danger, call 999.")]
    return tuple(turns)


def test_a_short_follow_up_is_read_with_the_previous_message(detector):
    follow_up = "she's only 16 and still very shaken"
    assert detector.detect(Question(follow_up)) is None, "alone it is ambiguous"
    detection = detector.detect(
        Question(follow_up, history=thread("A journalist wants to interview one of our members"))
    )
    assert detection is not None and detection.category == "safeguarding"
    assert "previous message" in detection.reason


@pytest.mark.parametrize(
    ("earlier", "follow_up"),
    [
        ("A man died at the detention centre this morning and the press want a quote", "thanks"),
        (
            "A man died at the detention centre this morning and the press want a quote",
            "ok, and how do we word the newsletter next month?",
        ),
        ("How do we talk about people in asylum hotels?", "and for a council meeting?"),
    ],
)
def test_an_ordinary_follow_up_is_not_escalated_by_its_history(detector, earlier, follow_up):
    assert detector.detect(Question(follow_up, history=thread(earlier))) is None


def test_a_pattern_split_across_two_messages_is_caught(detector):
    earlier = "We got an email from a producer at Radio 4 about our campaign"
    assert detector.detect(Question(earlier)) is None
    detection = detector.detect(Question("she is waiting on the line", history=thread(earlier)))
    assert detection is not None and detection.category == "live_crisis"
    assert "previous message, matched the pattern" in detection.reason


def test_only_member_turns_give_context(detector):
    bot_only = (Turn("bot", "A man died at the centre this morning; call 999."),)
    assert detector.detect(Question("thanks, that helps", history=bot_only)) is None

"""Questions about words are answered; a real situation still goes to staff; work is bounded.

The mechanics are tested on a small fixture policy written here, so staff can edit the
production policy without breaking these tests; a few cases check the shipped policy too.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.answer import Question
from bot.escalation.detect import WINDOW, EscalationDetector, search_bounded
from bot.escalation.policy import PolicyError, load_policy
from bot.settings import PROJECT_ROOT

FIXTURE_POLICY = r"""
categories:
  live_crisis:
    description: Something happening now.
    holding_reply: Staff will reply.
    patterns:
      - '\b(riot|mob)\b.*\b(outside|now|tonight)\b'
    examples:
      - "There is a crowd attacking the hotel right now"
      - "People died in the Channel overnight and reporters want a statement"
  individual_case:
    description: One person's own case.
    holding_reply: We can't advise on cases.
    needs_situation: true
    examples:
      - "Can someone whose asylum claim was refused still appeal?"
      - "What documents does a family reunion application need?"
ordinary_examples:
  - "How should we talk about asylum in our newsletter?"
wording_questions:
  - '\b(ok|okay) to (say|call|use)\b'
  - '\b(word|term|phrase|wording)\b'
situations:
  - '\b(my|our) (client|friend|sister)\b'
  - '\b(right now|tonight)\b'
"""


@pytest.fixture(scope="module")
def detector(tmp_path_factory, embeddings) -> EscalationDetector:
    path = tmp_path_factory.mktemp("policy") / "policy.yaml"
    path.write_text(FIXTURE_POLICY, encoding="utf-8")
    return EscalationDetector(load_policy(path), embeddings)


def test_a_question_about_a_word_is_not_escalated_by_its_topic(detector):
    assert detector.detect(Question("Is it ok to say riot outside when we describe 2024?")) is None
    assert detector.detect(Question("What's the right term for people whose claim failed?")) is None


def test_a_question_about_words_with_a_real_situation_still_escalates(detector):
    detection = detector.detect(Question("Is it ok to say riot outside? There's one tonight."))
    assert detection is not None and detection.category == "live_crisis"
    mixed = detector.detect(Question("What's the right word? A riot is outside the hotel."))
    assert mixed is not None and mixed.category == "live_crisis"


def test_a_general_rules_question_needs_a_person_to_be_one_persons_case(detector):
    assert detector.detect(Question("Can people whose asylum claim was refused appeal?")) is None
    detection = detector.detect(Question("My sister's asylum claim was refused, can she appeal?"))
    assert detection is not None and detection.category == "individual_case"


def test_needs_situation_must_be_true_or_false(tmp_path: Path):
    bad = FIXTURE_POLICY.replace("needs_situation: true", "needs_situation: sometimes")
    path = tmp_path / "policy.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(PolicyError, match=r"line \d+: individual_case.needs_situation"):
        load_policy(path)


def test_patterns_are_found_anywhere_in_a_40000_character_message(detector):
    padding = "riot " * 8000  # a worst case for a pattern with two alternations and .*
    assert len(padding) == 40000
    assert search_bounded(detector.policy.categories[0].patterns[0], padding) is None
    late = padding + "and a mob is outside"
    found = search_bounded(detector.policy.categories[0].patterns[0], late)
    assert found is not None and found.endswith("mob is outside")
    detection = detector.detect(Question(late))
    assert detection is not None and detection.category == "live_crisis"


def test_a_match_across_a_window_boundary_is_still_found():
    import re

    pattern = re.compile(r"\bstart\b.{0,150}\bend\b")
    text = "x" * (WINDOW - 100) + " start " + "y" * 120 + " end " + "z" * 2000
    assert search_bounded(pattern, text) is not None


def test_two_first_questions_at_once_do_not_race_the_warm_up(tmp_path, embeddings):
    path = tmp_path / "policy.yaml"
    path.write_text(FIXTURE_POLICY, encoding="utf-8")
    cold = EscalationDetector(load_policy(path), embeddings)
    errors: list[BaseException] = []
    results: list[object] = []
    start = threading.Barrier(4)

    def ask() -> None:
        start.wait()
        try:
            results.append(cold.detect(Question("There is a crowd attacking the hotel now")))
        except BaseException as exc:  # the bug this guards against raised TypeError
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(r is not None and r.category == "live_crisis" for r in results)


SHIPPED = PROJECT_ROOT / "knowledge" / "policy" / "escalation.yaml"


@pytest.fixture(scope="module")
def shipped(embeddings) -> EscalationDetector:
    return EscalationDetector(load_policy(SHIPPED), embeddings)


@pytest.mark.parametrize(
    "question",
    [
        "Is it OK to say bogus asylum seekers?",
        "Is it ok to call people asylum seekers?",
        "What do volunteers say about people seeking asylum?",
        "which term should we use for kids who travel here without their parents",
        "Can we describe the crowd outside the hotel last summer as a riot in our annual report?",
    ],
)
def test_the_shipped_policy_answers_vocabulary_questions(shipped, question):
    assert shipped.detect(Question(question)) is None


def test_the_shipped_policy_still_escalates_a_wording_question_with_a_disclosure(shipped):
    detection = shipped.detect(
        Question("What words should I use with our client? She says she wants to end her life.")
    )
    assert detection is not None and detection.category == "safeguarding"


def test_a_draft_is_read_as_words_unless_it_shows_a_real_situation(detector):
    story = Question(
        "Last summer a riot outside the hotel frightened everyone; we stand with them."
    )
    assert detector.detect(story) is not None  # asked as a question, the pattern counts
    assert detector.detect(story, draft=True) is None  # in a draft it is the story told
    live = Question("A riot is outside our office tonight, post this now.")
    detection = detector.detect(live, draft=True)
    assert detection is not None and detection.category == "live_crisis"


def test_a_draft_checked_under_a_policy_without_situations_is_read_like_a_message(
    tmp_path, embeddings
):
    bare = FIXTURE_POLICY.split("wording_questions:")[0]
    path = tmp_path / "policy.yaml"
    path.write_text(bare, encoding="utf-8")
    plain = EscalationDetector(load_policy(path), embeddings)
    story = Question("Last summer a riot outside the hotel frightened everyone.")
    assert plain.detect(story, draft=True) is not None

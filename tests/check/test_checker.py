"""A sensitive draft goes to staff first, as a question would; ordinary drafts are checked."""

from __future__ import annotations

import pytest

from bot.answer import Origin
from bot.factory import build_checker

POLICY = """\
categories:
  threats:
    description: Threats against members, staff or spokespeople.
    holding_reply: Thank you for telling us. This needs a person, so staff will reply here.
    patterns:
      - '\\bburn (the|our) (place|office) down\\b'
    examples:
      - "A man keeps threatening our volunteers outside the office"
      - "Someone said they will hurt our spokesperson after her interview"
ordinary_examples:
  - "How should we describe people crossing in small boats?"
  - "What words should we avoid in a press release about detention?"
"""


@pytest.fixture
def wired(styles_index, tmp_path, embeddings):
    """A checker built as surfaces build it: from an advisor with a fixture policy and queue."""
    from bot.factory import build_advisor

    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    settings = styles_index.with_overrides(
        policy_path=policy, database_url=f"sqlite:///{tmp_path / 'queue.db'}"
    )
    advisor = build_advisor(settings, embeddings=embeddings)
    return build_checker(settings, advisor=advisor), advisor.queue


def test_a_sensitive_draft_is_escalated_instead_of_checked(wired):
    checker, queue = wired
    draft = "Draft tweet: the man outside says he'll burn the place down because we help illegals."
    result = checker.check(draft, Origin(platform="slack", user="U1", event_id="Ev1"))
    assert result.escalated
    assert result.findings == () and result.framing == ()
    assert (
        result.reply == "Thank you for telling us. This needs a person, so staff will reply here."
    )
    assert result.escalation.kind == "sensitive"
    assert result.escalation.category == "threats"
    item = queue.get(result.escalation.id)
    assert item.question == draft and item.kind == "sensitive" and item.asker == "U1"
    # Staff see the guidance the draft touches ("illegals": the labelled list and the prose).
    assert [p["source"] for p in item.passages] == ["guidance/labelled.md", "guidance/prose.md"]
    # A redelivered event opens no second item.
    again = checker.check(draft, Origin(platform="slack", user="U1", event_id="Ev1"))
    assert again.escalation.id == result.escalation.id
    assert len(queue.list()) == 1


def test_an_ordinary_draft_is_checked_and_opens_no_queue_item(wired):
    checker, queue = wired
    result = checker.check("The leaflet calls them illegals and bogus asylum seekers.")
    assert not result.escalated and result.escalation is None
    assert [f.found for f in result.findings] == ["illegals", "bogus asylum seekers"]
    assert queue.list() == []


def test_citations_are_numbered_once_per_check(wired):
    checker, _ = wired
    result = checker.check(
        "Illegals, the leaflet says, and illegal immigrants. Bogus asylum seekers too."
    )
    numbers = [[c.number for c in f.citations] for f in result.findings]
    # "illegals" and "illegal immigrants" cite the same labelled item: the same number.
    assert numbers[0][0] == numbers[1][0] == 1
    assert [c.number for c in result.citations] == sorted({n for ns in numbers for n in ns})


def test_with_no_index_a_sensitive_draft_still_reaches_staff(tmp_path, embeddings):
    from bot.check.rulebook import IndexEmpty
    from bot.factory import build_advisor
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, tmp_path / "empty")
    advisor = build_advisor(settings, embeddings=embeddings)
    checker = build_checker(settings, advisor=advisor)
    draft = "Post draft: my client says she will kill herself if she is removed."
    result = checker.check(draft, Origin(platform="slack", user="U1", event_id="Ev9"))
    assert result.escalated and result.escalation.category == "safeguarding"
    assert advisor.queue.get(result.escalation.id).passages == []
    with pytest.raises(IndexEmpty, match="ingest"):
        checker.check("The leaflet calls them illegals.")


def test_a_failing_escalation_check_hands_the_draft_to_a_person(wired):
    from bot.advisor import CHECK_FAILED_TEXT

    class BrokenDetector:
        def detect(self, question):
            raise RuntimeError("model file unreadable")

    checker, queue = wired
    checker.detector = BrokenDetector()
    result = checker.check("The leaflet calls them illegals.", Origin(event_id="Ev10"))
    assert result.escalated and result.reply == CHECK_FAILED_TEXT and result.findings == ()
    item = queue.get(result.escalation.id)
    assert item.category == "unchecked" and item.for_staff
    # Staff still see the guidance the draft touches.
    assert [p["source"] for p in item.passages] == ["guidance/labelled.md", "guidance/prose.md"]

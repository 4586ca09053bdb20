"""Block Kit building stays within Slack's limits, measured as Slack measures them."""

from __future__ import annotations

import datetime as dt
import json

from bot.answer import Answer, Citation
from bot.staff.desk import staff_card
from bot.storage.schema import Item
from bot.surfaces.slack import blocks
from tests.fakes.slack_api import block_problems, js_length

ARABIC = ("كيف نتحدث عن الأشخاص الذين يعبرون القناة بحثا عن الأمان؟ " * 8)[:400]
EMOJI = ("🙏🏽🌍🚤💬🇬🇧 " * 60)[:400]


def item(**changes) -> Item:
    now = dt.datetime.now(dt.UTC)
    values = dict(
        id=7,
        platform="slack",
        workspace="T1",
        channel="C1",
        thread="1.1",
        asker="U1",
        event_id="Ev1",
        link=None,
        question="q",
        kind="sensitive",
        category="live_crisis",
        reason="pattern",
        passages=[],
        state="open",
        assignee=None,
        staff_answer=None,
        created_at=now,
        updated_at=now,
        staff_ref=None,
        notified_at=None,
        notify_attempts=0,
        notify_error=None,
        relayed_at=None,
    )
    values.update(changes)
    return Item(**values)


def test_button_values_fit_2000_after_encoding_in_any_script():
    for question in (ARABIC, EMOJI, '"quoted" \\ ' * 400, ARABIC * 10):
        value = blocks.button_value(question)
        assert js_length(value) <= 2000
        kept = json.loads(value)["q"]
        assert question.startswith(kept.removesuffix("…"))
    assert json.loads(blocks.button_value(ARABIC))["q"] == ARABIC  # 400 characters: kept whole


def test_a_long_answer_is_spread_over_messages_within_limits():
    citations = tuple(
        Citation(n, f"doc{n}.md", "Title & <b>" * 20, "Section " * 30, "quote")
        for n in range(1, 80)
    )
    answer = Answer(
        question=EMOJI, text=("A sentence [1]. " * 400 + "\n") * 12, citations=citations
    )
    messages = blocks.answer_messages(answer, private=True)
    assert len(messages) > 1
    for _, message_blocks in messages:
        assert block_problems(message_blocks) == []


def test_the_staff_post_fits_with_a_huge_question_and_drafts_and_says_where_the_rest_is():
    passages = [
        {"source": "g.md", "title": "T " * 200, "locator": "L " * 200, "text": "P " * 3000}
        for _ in range(12)
    ]
    big = item(
        question=(ARABIC + EMOJI) * 5,
        question_chars=40000,
        passages=passages,
        staff_answer="A " * 3000,
        assignee="sam",
        reason="r " * 2000,
    )
    title, staff_blocks = blocks.staff_message(staff_card(big), "https://x/p1")
    assert block_problems(staff_blocks) == [] and js_length(title) <= 3000
    text = json.dumps(staff_blocks, ensure_ascii=False)
    assert "escalations show 7" in text and "keeps the first" in text


def test_staff_buttons_are_the_desks_actions_for_the_state():
    for state, expected in (
        ("open", ["lines_staff_claim", "lines_staff_answer", "lines_staff_resolve"]),
        ("claimed", ["lines_staff_answer", "lines_staff_resolve"]),
        ("answered", ["lines_staff_resolve"]),
    ):
        _, staff_blocks = blocks.staff_message(staff_card(item(state=state)), None)
        assert [e["action_id"] for e in staff_blocks[-1]["elements"]] == expected
    _, resolved = blocks.staff_message(staff_card(item(state="resolved")), None)
    assert all(b["type"] != "actions" for b in resolved)


def test_nothing_from_a_question_can_ping_or_link():
    hostile = "<!channel> <@U999> <https://evil.example|click> @here &amp;"
    _, staff_blocks = blocks.staff_message(staff_card(item(question=hostile)), None)
    text = json.dumps(staff_blocks)
    assert "<!channel>" not in text and "<https://evil" not in text and "@here" not in text


def hostile_check(size: int = 40_000, every: int = 97):
    """A draft of Slack's longest message, full of characters Slack escapes and emoji, with a
    flagged word every ``every`` characters and guide text long enough to need trimming."""
    from bot.check.findings import DraftCheck, Finding

    unit = "<b>&amp;</b> *bold* @here 🙏🏽 كيف نتحدث "
    text = (unit * (size // len(unit) + 1))[:size]
    cite = Citation(1, "guide.md", "Guide " * 40, "Words " * 40, "Avoid it. " * 100)
    findings = tuple(
        Finding(s, s + 4, text[s : s + 4], "“x” " * 200, "Because. " * 200, (cite,))
        for s in range(0, size - 4, every)
    )
    return DraftCheck(text=text, findings=findings)


def test_a_draft_check_of_the_longest_message_fits_slack():
    check = hostile_check()
    messages = blocks.check_messages(check)
    assert len(messages) <= 5  # a response_url takes at most five messages
    for fallback, message_blocks in messages:
        assert block_problems(message_blocks) == [] and js_length(fallback) <= 3000
    sent = json.dumps([b for _, bs in messages for b in bs], ensure_ascii=False)
    assert "<b>" not in sent and "@here" not in sent and "&lt;b&gt;&amp;amp;" in sent
    assert "so here are only the passages with words to change" in sent


def test_a_short_draft_is_quoted_whole_with_its_own_markup_inert():
    from bot.check.findings import DraftCheck, Finding

    text = "Line one *bold* `code` <!here> & illegals\nillegals again"
    cite = Citation(1, "guide.md", "Guide", "Words", "Avoid: illegals.")
    check = DraftCheck(
        text=text,
        findings=(
            Finding(33, 41, "illegals", "“undocumented people”", "", (cite,)),
            Finding(42, 50, "illegals", "“undocumented people”", "", (cite,)),
        ),
    )
    ((fallback, message_blocks),) = blocks.check_messages(check)
    assert block_problems(message_blocks) == [] and "2 words to change" in fallback
    assert message_blocks[1]["text"]["text"] == (
        ">Line one ∗bold∗ ˋcodeˋ &lt;!here&gt; &amp; *illegals*\n>*illegals* again"
    )
    lines = message_blocks[2]["text"]["text"]
    assert lines == "*Words to change*\n1. “illegals” → “undocumented people”. [1] (2 times)"

"""The LLM escalation judge: a category escalates, "none" does not, garbage never crashes."""

from __future__ import annotations

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from bot.answer import Question
from bot.escalation.judge import LLMJudge, build_judge
from bot.escalation.policy import load_policy
from bot.settings import PROJECT_ROOT, Settings
from tests.fakes.openai_api import FakeOpenAI, Slow

CATEGORIES = load_policy(PROJECT_ROOT / "knowledge" / "policy" / "escalation.yaml").categories


@pytest.mark.parametrize(
    ("reply", "category"),
    [
        ('{"category": "live_crisis", "reason": "statement needed today"}', "live_crisis"),
        (
            'Sure! ```json\n{"category": "human_requested", "reason": "asked"}\n```',
            "human_requested",
        ),
        ('{"category": "none", "reason": "ordinary"}', None),
        ('{"category": "made_up", "reason": "?"}', None),
        ("I cannot help with that.", None),
    ],
)
def test_verdicts(reply, category):
    detection = LLMJudge(FakeListChatModel(responses=[reply]))(Question("q"), CATEGORIES)
    assert (detection.category if detection else None) == category
    if detection:
        assert detection.reason.startswith("LLM judge:") and detection.holding_reply
        assert detection.kind == ("requested" if category == "human_requested" else "sensitive")


def test_a_timeout_is_no_verdict():
    server = FakeOpenAI(reply=lambda body: Slow(2.0, '{"category": "threats"}')).start()
    try:
        settings = Settings(
            llm_provider="openai-compatible", llm_base_url=server.base_url, llm_timeout=0.3
        )
        assert build_judge(settings)(Question("hello"), CATEGORIES) is None
    finally:
        server.stop()


def test_no_judge_without_a_provider():
    assert build_judge(Settings()) is None

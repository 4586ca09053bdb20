"""Optional generated answers through LangChain chat models, grounded and checked.

``build_answerer`` wraps the offline composer: with ``LLM_PROVIDER=none`` (the default) it
returns the composer unchanged. ``build_judge`` gives the escalation detector an extra,
add-only judge when a model is configured.
"""

from bot.llm.answerer import GroundedAnswerer, build_answerer
from bot.llm.judge import LLMJudge, build_judge
from bot.llm.provider import LLMConfigError, build_chat_model

__all__ = [
    "GroundedAnswerer",
    "LLMConfigError",
    "LLMJudge",
    "build_answerer",
    "build_chat_model",
    "build_judge",
]

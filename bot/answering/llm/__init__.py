"""Optional generated answers through LangChain chat models, grounded and checked.

``build_answerer`` wraps the offline composer: with ``LLM_PROVIDER=none`` (the default) it
returns the composer unchanged. ``provider`` builds the configured chat model; the escalation
detector's add-only judge (``bot.escalation.judge``) uses it too.
"""

from bot.answering.llm.answerer import GroundedAnswerer, build_answerer
from bot.answering.llm.provider import LLMConfigError, build_chat_model

__all__ = ["GroundedAnswerer", "LLMConfigError", "build_answerer", "build_chat_model"]

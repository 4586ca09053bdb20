"""Turning ``LLM_*`` settings into a LangChain chat model, from the matching partner package.

The partner packages are optional extras, imported only when chosen, so the default install
stays small and offline. Client retries are off: a slow or refused call falls back to the
offline answer at once instead of retrying behind the member's back.
"""

from __future__ import annotations

from langchain_core.language_models.chat_models import BaseChatModel

from bot.errors import ConfigError
from bot.settings import Settings

DEFAULT_MODELS = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-3-5-haiku-latest",
    "ollama": "llama3.1",
    "openai-compatible": "default",
}
EXTRAS = {
    "openai": "openai",
    "openai-compatible": "openai",
    "anthropic": "anthropic",
    "ollama": "ollama",
}


class LLMConfigError(ConfigError):
    """The configured provider cannot be used; the message says what to install or set."""


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model named by ``LLM_PROVIDER`` (not ``none``)."""
    provider = settings.llm_provider
    model = settings.llm_model or DEFAULT_MODELS.get(provider, "")
    try:
        if provider in ("openai", "openai-compatible"):
            from langchain_openai import ChatOpenAI

            kwargs = {}
            if settings.llm_api_key:
                kwargs["api_key"] = settings.llm_api_key
            elif provider == "openai-compatible":
                kwargs["api_key"] = "not-needed"  # local servers ignore it; the client wants one
            return ChatOpenAI(
                model=model,
                base_url=settings.llm_base_url,
                timeout=settings.llm_timeout,
                max_retries=0,
                temperature=0.2,
                **kwargs,
            )
        if provider == "anthropic":
            from langchain_anthropic import ChatAnthropic

            kwargs = {"api_key": settings.llm_api_key} if settings.llm_api_key else {}
            if settings.llm_base_url:
                kwargs["base_url"] = settings.llm_base_url
            return ChatAnthropic(
                model=model, timeout=settings.llm_timeout, max_retries=0, temperature=0.2, **kwargs
            )
        if provider == "ollama":
            from langchain_ollama import ChatOllama

            kwargs = {"base_url": settings.llm_base_url} if settings.llm_base_url else {}
            return ChatOllama(
                model=model,
                temperature=0.2,
                client_kwargs={"timeout": settings.llm_timeout},
                **kwargs,
            )
    except ImportError:
        extra = EXTRAS[provider]
        raise LLMConfigError(
            f"LLM_PROVIDER={provider} needs the {extra!r} extra: pip install 'lines[{extra}]' "
            f"(in a checkout: .venv/bin/pip install -e '.[{extra}]'), or set LLM_PROVIDER=none."
        ) from None
    raise LLMConfigError(f"LLM_PROVIDER={provider!r} is not supported")

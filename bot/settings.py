"""Settings, read once from the environment and ``.env`` into one typed, frozen object.

Every setting has a default that works offline on a fresh clone. A bad value raises
``SettingsError`` naming the variable and what it accepts, so the CLI can exit with code 2.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from dotenv import dotenv_values

from bot.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ConfigError):
    """A setting is missing or has a value the app cannot use."""


LLM_PROVIDERS = ("none", "openai", "anthropic", "ollama", "openai-compatible")
SLACK_MODES = ("socket", "http")


@dataclass(frozen=True)
class Settings:
    # Knowledge and index
    knowledge_dirs: tuple[Path, ...] = (PROJECT_ROOT / "knowledge",)
    chroma_dir: Path = PROJECT_ROOT / ".chroma"
    chroma_url: str | None = None  # e.g. http://127.0.0.1:8000 to use a Chroma server
    collection: str = "lines"
    embedding_model: str = "minilm-int8"
    top_k: int = 8  # passages the answerer chooses from (it shows far fewer)
    max_question_chars: int = 4000  # longer messages get a polite request for a shorter one
    min_relevance: float = 0.35  # cosine similarity below which a passage is not "relevant"

    # Ingestion limits and Chroma server credentials (issues 10 and 15)
    max_file_mb: int = 50  # a bigger file is refused, alone, with a message
    chroma_auth_token: str | None = None  # sent to a Chroma server behind a token-checking proxy
    chroma_auth_header: str = "Authorization"  # Authorization (as Bearer) or X-Chroma-Token

    # Escalation queue and policy
    database_url: str | None = None  # default: sqlite file beside the Chroma folder
    policy_path: Path = PROJECT_ROOT / "knowledge" / "policy" / "escalation.yaml"

    # Generated answers (optional)
    llm_provider: str = "none"
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 30.0

    # Slack
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_mode: str = "socket"
    slack_http_host: str = "127.0.0.1"
    slack_http_port: int = 3000
    slack_api_url: str | None = None
    slack_staff_channel: str | None = None
    slack_staff_usergroup: str | None = None

    # Discord
    discord_token: str | None = None
    discord_api_url: str | None = None
    discord_gateway_url: str | None = None
    discord_staff_channel_id: int | None = None
    discord_staff_role_id: int | None = None

    log_level: str = "INFO"

    @property
    def resolved_database_url(self) -> str:
        """``DATABASE_URL``, or a SQLite file beside the Chroma folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.chroma_dir.parent / 'lines.db'}"

    @property
    def llm_enabled(self) -> bool:
        return self.llm_provider != "none"

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields changed (used by CLI flags such as ``--db``)."""
        return replace(self, **changes)

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        dotenv_path: Path | None = None,
    ) -> Settings:
        """Read settings from ``.env`` (if present) overlaid by the process environment.

        ``environ`` defaults to ``os.environ``; tests pass a dict. ``dotenv_path`` defaults to
        ``.env`` in the current directory; pass a missing path to ignore it.
        """
        path = Path(".env") if dotenv_path is None else dotenv_path
        merged: dict[str, str] = {}
        if path.is_file():
            merged.update({k: v for k, v in dotenv_values(path).items() if v is not None})
        merged.update(os.environ if environ is None else environ)
        return cls.from_mapping(merged)

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from upper-case variable names (``CHROMA_DIR`` -> ``chroma_dir``)."""
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f.name.upper())
            if raw is None or raw.strip() == "":
                continue
            values[f.name] = _convert(f.name, raw.strip(), f.type)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raise ``SettingsError`` for values that cannot work together."""
        if self.llm_provider not in LLM_PROVIDERS:
            raise SettingsError(
                f"LLM_PROVIDER={self.llm_provider!r} is not one of {', '.join(LLM_PROVIDERS)}."
            )
        if self.llm_provider == "openai-compatible" and not self.llm_base_url:
            raise SettingsError("LLM_PROVIDER=openai-compatible needs LLM_BASE_URL.")
        if self.slack_mode not in SLACK_MODES:
            raise SettingsError(f"SLACK_MODE={self.slack_mode!r} is not one of socket, http.")
        if not 0.0 <= self.min_relevance <= 1.0:
            raise SettingsError("MIN_RELEVANCE must be between 0 and 1.")
        if self.top_k < 1:
            raise SettingsError("TOP_K must be at least 1.")
        if self.max_question_chars < 100:
            raise SettingsError("MAX_QUESTION_CHARS must be at least 100.")


def _convert(name: str, raw: str, annotation: object) -> object:
    text = str(annotation)
    try:
        if name == "knowledge_dirs":
            return tuple(Path(p).expanduser() for p in raw.split(os.pathsep) if p)
        if "Path" in text:
            return Path(raw).expanduser()
        if text.startswith("int"):
            return int(raw)
        if text.startswith("float"):
            return float(raw)
    except ValueError:
        kind = "a whole number" if text.startswith("int") else "a number"
        raise SettingsError(f"{name.upper()}={raw!r} is not {kind}.") from None
    return raw

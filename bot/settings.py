"""Settings, read once from the environment and ``.env`` into one typed, frozen object.

Every setting has a default that works offline. ``Settings.load`` checks every variable before
giving up, so one run reports every bad value (``SettingsError`` holds one problem per line,
each naming its variable and, when it came from a file, that file). Values outside a fixed
set (``LOG_LEVEL``, ``LLM_PROVIDER``...) are refused rather than ignored.

**Where relative paths point.** Lines works in a *data directory*: the folder of the ``.env``
in use (``./.env``, or the file given with ``--env-file``), else the working directory. The
defaults (``knowledge/``, ``.chroma/``, ``knowledge/policy/escalation.yaml``) and relative
paths written in ``.env`` resolve against it; relative paths in the process environment
resolve against the working directory, as a shell user expects.
"""

from __future__ import annotations

import difflib
import logging
import os
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlparse

from bot.errors import ConfigError

log = logging.getLogger(__name__)

# The root of a source checkout. Only meaningful there (tests and benchmarks use it to find
# the sample knowledge base); nothing at run time resolves against it.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ConfigError):
    """One or more settings are missing or have values the app cannot use.

    ``problems`` holds one line per bad variable; ``str()`` is those lines joined.
    """

    def __init__(self, *problems: str) -> None:
        self.problems: tuple[str, ...] = problems
        super().__init__("\n".join(problems))


# The values each of these settings accepts; anything else is refused.
LLM_PROVIDERS = ("none", "openai", "anthropic", "ollama", "openai-compatible")
SLACK_MODES = ("socket", "http")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
EMBEDDING_MODELS = (
    "minilm-int8",
    "all-MiniLM-L6-v2-onnx-int8",
)  # bot/index/embedding.py builds these
CHOICES: dict[str, tuple[str, ...]] = {
    "llm_provider": LLM_PROVIDERS,
    "slack_mode": SLACK_MODES,
    "log_level": LOG_LEVELS,
    "embedding_model": EMBEDDING_MODELS,
}
# Providers that need a key, and the provider's own variable that may hold it instead.
PROVIDER_KEY_VARIABLES = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
URL_SCHEMES = {
    "chroma_url": ("http", "https"),
    "llm_base_url": ("http", "https"),
    "slack_api_url": ("http", "https"),
    "discord_api_url": ("http", "https"),
    "discord_gateway_url": ("ws", "wss"),
}
DOTENV_NAME = ".env"


@dataclass(frozen=True)
class Settings:
    # Knowledge and index (relative paths resolve against the data directory, see above)
    knowledge_dirs: tuple[Path, ...] = (Path("knowledge"),)
    chroma_dir: Path = Path(".chroma")
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
    policy_path: Path = Path("knowledge") / "policy" / "escalation.yaml"

    # Staff loop (bot/staff/desk.py, store.py): delivery, failure handling, retention
    queue_fallback_path: Path | None = None  # default: lines-fallback.jsonl beside the queue
    queue_busy_timeout: float = 5.0  # seconds a write waits for a locked queue before spooling
    queue_retention_days: int = 0  # > 0: resolved items older than this are purged daily
    staff_desk_poll_seconds: float = 2.0  # how often a running bot looks for answers to deliver

    # Lines to take over time (bot/answering/lifecycle.py, bot/staff/corrections.py, issue 14)
    line_review_months: int = 6  # a line to take without review_by is due this long after its date
    correction_days: int = 30  # answers this recent get a note when a document they cited changes

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
        """True when a model writes answers (``LLM_PROVIDER`` is not ``none``)."""
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
        ``.env`` in the working directory; a missing file is ignored (the CLI refuses a
        missing ``--env-file`` before calling this). Raises ``SettingsError`` listing every
        bad variable, and a line of the file that cannot be read, at once.
        """
        path = Path(DOTENV_NAME) if dotenv_path is None else dotenv_path
        environ = os.environ if environ is None else environ
        from_file, problems = _read_dotenv(path) if path.is_file() else ({}, [])
        merged: dict[str, str] = dict(from_file)
        merged.update(environ)
        names = {f.name.upper() for f in fields(cls)}
        where = {name: f"in {path}" for name in from_file if name not in environ}
        cwd = Path.cwd()
        data_dir = path.resolve().parent if path.is_file() else cwd
        bases = {name: data_dir if name in where else cwd for name in names}
        for name in from_file:
            if name not in names and (guess := difflib.get_close_matches(name, names, 1, 0.8)):
                log.warning(
                    "%s: %s is not a Lines setting (did you mean %s?)", path, name, guess[0]
                )
        return cls._build(merged, data_dir, bases, where, problems)

    @classmethod
    def _build(
        cls,
        env: Mapping[str, str],
        data_dir: Path,
        bases: Mapping[str, Path],
        where: Mapping[str, str],
        problems: list[str],
    ) -> Settings:
        hints = typing.get_type_hints(cls)
        values: dict[str, object] = {}
        failed: set[str] = set()
        for f in fields(cls):
            name = f.name.upper()
            raw = env.get(name)
            if raw is None or raw.strip() == "":
                default = f.default
                if isinstance(default, Path | tuple):  # path defaults live in the data directory
                    values[f.name] = _resolve(default, data_dir)
                continue
            try:
                value = _convert(f.name, raw.strip(), hints[f.name])
            except ValueError as exc:
                failed.add(name)
                problems.append(_located(f"{name}={raw.strip()!r} {exc}", where.get(name)))
                continue
            values[f.name] = _resolve(value, bases.get(name, data_dir))
        if not values.get("llm_api_key"):
            # The providers' own variables work too, from .env as well as the environment.
            variable = PROVIDER_KEY_VARIABLES.get(str(values.get("llm_provider", "")))
            if variable and env.get(variable, "").strip():
                values["llm_api_key"] = env[variable].strip()
        settings = cls(**values)
        for name, message in settings._problems():
            if name not in failed:
                problems.append(_located(message, where.get(name)))
        if problems:
            raise SettingsError(*problems)
        return settings

    def validate(self) -> None:
        """Raise ``SettingsError`` listing every value that is refused or cannot work together."""
        problems = [message for _, message in self._problems()]
        if problems:
            raise SettingsError(*problems)

    def _problems(self) -> list[tuple[str, str]]:
        """(variable, message) for every bad value, in field order."""
        found: list[tuple[str, str]] = []
        for field_name, allowed in CHOICES.items():
            value = getattr(self, field_name)
            if value not in allowed:
                found.append(
                    (
                        field_name.upper(),
                        f"{field_name.upper()}={value!r} is not one of {', '.join(allowed)}.",
                    )
                )
        for field_name, schemes in URL_SCHEMES.items():
            value = getattr(self, field_name)
            if value and not _is_url(value, schemes):
                example = {"ws": "wss://gateway.discord.gg"}.get(
                    schemes[0], "http://127.0.0.1:8000"
                )
                found.append(
                    (
                        field_name.upper(),
                        f"{field_name.upper()}={value!r} is not a URL starting "
                        f"{' or '.join(s + '://' for s in schemes)}, such as {example}.",
                    )
                )
        if self.database_url and "://" not in self.database_url:
            found.append(
                (
                    "DATABASE_URL",
                    f"DATABASE_URL={self.database_url!r} is not a database URL such as "
                    "sqlite:///lines.db or postgresql+psycopg://user:pass@host/lines.",
                )
            )
        if self.llm_provider == "openai-compatible" and not self.llm_base_url:
            found.append(
                (
                    "LLM_BASE_URL",
                    "LLM_PROVIDER=openai-compatible needs LLM_BASE_URL (the server's /v1 URL).",
                )
            )
        if self.llm_provider in PROVIDER_KEY_VARIABLES and not self.llm_api_key:
            found.append(
                (
                    "LLM_API_KEY",
                    f"LLM_PROVIDER={self.llm_provider} needs an API key: set LLM_API_KEY "
                    f"(or {PROVIDER_KEY_VARIABLES[self.llm_provider]}), or LLM_PROVIDER=none "
                    "for offline answers.",
                )
            )
        if not 0.0 <= self.min_relevance <= 1.0:
            found.append(("MIN_RELEVANCE", "MIN_RELEVANCE must be between 0 and 1."))
        if self.top_k < 1:
            found.append(("TOP_K", "TOP_K must be at least 1."))
        if self.max_question_chars < 100:
            found.append(("MAX_QUESTION_CHARS", "MAX_QUESTION_CHARS must be at least 100."))
        if self.llm_timeout <= 0:
            found.append(("LLM_TIMEOUT", "LLM_TIMEOUT must be a number of seconds above 0."))
        if not 0 <= self.slack_http_port <= 65535:
            found.append(("SLACK_HTTP_PORT", "SLACK_HTTP_PORT must be a port from 0 to 65535."))
        return found


def _read_dotenv(path: Path) -> tuple[dict[str, str], list[str]]:
    """The variables set in ``path``, and one problem per line that is not ``NAME=value``."""
    from dotenv.parser import parse_stream

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(
            f"{path}: cannot read it ({exc}); fix the file or --env-file."
        ) from None
    values: dict[str, str] = {}
    problems: list[str] = []
    for binding in parse_stream(_Stream(text)):
        if binding.error:
            line = binding.original.line
            problems.append(
                f"{path}, line {line}: cannot read {binding.original.string.strip()!r}; "
                "write NAME=value (quote values with spaces)."
            )
        elif binding.key is not None and binding.value is not None:
            values[binding.key] = binding.value
    return values, problems


class _Stream:
    """python-dotenv's parser reads a stream; this hands it our already-decoded text."""

    def __init__(self, text: str) -> None:
        self._text = text

    def read(self) -> str:
        return self._text


def _convert(name: str, raw: str, annotation: object) -> object:
    """``raw`` as the field's type; ``ValueError`` with the ending of a message otherwise."""
    kind = _kind(annotation)
    if kind == "paths":
        return tuple(Path(p).expanduser() for p in raw.split(os.pathsep) if p)
    if kind == "strs":
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    if kind == "path":
        return Path(raw).expanduser()
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise ValueError("is not a whole number.") from None
    if kind == "float":
        try:
            return float(raw)
        except ValueError:
            raise ValueError("is not a number.") from None
    if kind == "bool":
        lowered = raw.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError("is not true or false.")
    if name == "log_level":
        return raw.upper()  # log levels are conventionally case-insensitive
    return raw


def _kind(annotation: object) -> str:
    """Which conversion a field's type needs: path, paths, strs, int, float, bool or str."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin is tuple:
        return "paths" if args and args[0] is Path else "strs"  # strs: comma-separated
    if args and origin is not None and len(args) == 1:  # X | None
        return _kind(args[0])
    for kind, cls in (("path", Path), ("bool", bool), ("int", int), ("float", float)):
        if annotation is cls:
            return kind
    return "str"


def _resolve(value: object, base: Path) -> object:
    """Relative paths (alone, in a tuple, or in a SQLite URL) made absolute against ``base``."""
    if isinstance(value, Path):
        return value if value.is_absolute() else base / value
    if isinstance(value, tuple):
        return tuple(_resolve(v, base) for v in value)
    if isinstance(value, str) and value.startswith("sqlite:///"):
        rest = value.removeprefix("sqlite:///")
        if rest and not rest.startswith(("/", ":memory:", "file:")):
            return f"sqlite:///{base / rest}"
    return value


def _is_url(value: str, schemes: tuple[str, ...]) -> bool:
    try:
        parsed = urlparse(value)
        parsed.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return parsed.scheme in schemes and bool(parsed.hostname)


def _located(message: str, where: str | None) -> str:
    return f"{message} ({where})" if where else message

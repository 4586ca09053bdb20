"""Settings come from .env and the environment, typed, with errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError


def test_defaults_work_offline_with_no_configuration(tmp_path):
    settings = Settings.load({}, dotenv_path=tmp_path / "absent.env")
    assert settings.llm_provider == "none" and not settings.llm_enabled
    assert settings.slack_mode == "socket"
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_database_url.endswith("lines.db")


def test_environment_overrides_dotenv(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("TOP_K=7\nCHROMA_DIR=/from/dotenv\nDISCORD_STAFF_ROLE_ID=42\n")
    settings = Settings.load({"TOP_K": "3"}, dotenv_path=dotenv)
    assert settings.top_k == 3
    assert settings.chroma_dir == Path("/from/dotenv")
    assert settings.discord_staff_role_id == 42


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TOP_K": "many"}, "TOP_K='many' is not a whole number"),
        ({"LLM_PROVIDER": "gpt"}, "LLM_PROVIDER='gpt' is not one of"),
        ({"LLM_PROVIDER": "openai-compatible"}, "needs LLM_BASE_URL"),
        ({"SLACK_MODE": "webhook"}, "SLACK_MODE"),
        ({"MIN_RELEVANCE": "2"}, "MIN_RELEVANCE"),
    ],
)
def test_bad_values_name_the_variable(tmp_path, env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.load(env, dotenv_path=tmp_path / "absent.env")


def test_knowledge_dirs_accepts_several_folders(tmp_path):
    settings = Settings.load({"KNOWLEDGE_DIRS": "/a:/b"}, dotenv_path=tmp_path / "absent.env")
    assert settings.knowledge_dirs == (Path("/a"), Path("/b"))

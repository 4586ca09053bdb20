"""Settings come from .env and the environment, typed, checked all at once, errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError


def test_defaults_work_offline_and_live_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.load({}, dotenv_path=tmp_path / "absent.env")
    assert settings.llm_provider == "none" and not settings.llm_enabled
    assert settings.slack_mode == "socket"
    assert settings.knowledge_dirs == (tmp_path / "knowledge",)
    assert settings.chroma_dir == tmp_path / ".chroma"
    assert settings.policy_path == tmp_path / "knowledge" / "policy" / "escalation.yaml"
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'lines.db'}"


def test_environment_overrides_dotenv(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("TOP_K=7\nCHROMA_DIR=/from/dotenv\nDISCORD_STAFF_ROLE_ID=42\n")
    settings = Settings.load({"TOP_K": "3"}, dotenv_path=dotenv)
    assert settings.top_k == 3
    assert settings.chroma_dir == Path("/from/dotenv")
    assert settings.discord_staff_role_id == 42


def test_paths_in_a_dotenv_and_the_defaults_resolve_against_its_folder(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / ".env").write_text(
        "KNOWLEDGE_DIRS=docs\nDATABASE_URL=sqlite:///queue/lines.db\n", encoding="utf-8"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = Settings.load({"CHROMA_DIR": "index"}, dotenv_path=data / ".env")
    assert settings.knowledge_dirs == (data / "docs",)
    assert settings.database_url == f"sqlite:///{data / 'queue' / 'lines.db'}"
    assert settings.policy_path == data / "knowledge" / "policy" / "escalation.yaml"
    # A relative path in the process environment means what it means to the shell.
    assert settings.chroma_dir == elsewhere / "index"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TOP_K": "many"}, "TOP_K='many' is not a whole number"),
        ({"LLM_PROVIDER": "gpt"}, "LLM_PROVIDER='gpt' is not one of"),
        ({"LLM_PROVIDER": "openai-compatible"}, "needs LLM_BASE_URL"),
        ({"LLM_PROVIDER": "openai"}, "LLM_PROVIDER=openai needs an API key: set LLM_API_KEY"),
        ({"LLM_PROVIDER": "anthropic"}, "or ANTHROPIC_API_KEY"),
        ({"SLACK_MODE": "webhook"}, "SLACK_MODE='webhook' is not one of socket, http"),
        ({"MIN_RELEVANCE": "2"}, "MIN_RELEVANCE"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD' is not one of DEBUG, INFO, WARNING, ERROR"),
        ({"EMBEDDING_MODEL": "bert"}, "EMBEDDING_MODEL='bert' is not one of minilm-int8"),
        ({"CHROMA_URL": "localhost:8000"}, "CHROMA_URL='localhost:8000' is not a URL starting"),
        ({"CHROMA_URL": "http://host:port"}, "CHROMA_URL='http://host:port'"),
        ({"DATABASE_URL": "lines.db"}, "DATABASE_URL='lines.db' is not a database URL"),
        ({"DISCORD_GATEWAY_URL": "https://x"}, "DISCORD_GATEWAY_URL='https://x'"),
        ({"LLM_TIMEOUT": "0"}, "LLM_TIMEOUT must be"),
    ],
)
def test_bad_values_name_the_variable(tmp_path, env, message):
    with pytest.raises(SettingsError, match=message) as caught:
        Settings.load(env, dotenv_path=tmp_path / "absent.env")
    assert len(caught.value.problems) == 1, caught.value.problems


def test_every_bad_variable_is_reported_in_one_run_with_the_file_it_came_from(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("LOG_LEVEL=LOUD\nTOP_K=many\nthis line is not a setting\n")
    with pytest.raises(SettingsError) as caught:
        Settings.load({"EMBEDDING_MODEL": "bert", "SLACK_HTTP_PORT": "http"}, dotenv_path=dotenv)
    problems = caught.value.problems
    assert len(problems) == 5, problems
    text = str(caught.value)
    for name in ("LOG_LEVEL", "TOP_K", "EMBEDDING_MODEL", "SLACK_HTTP_PORT"):
        assert name in text
    assert f"LOG_LEVEL='LOUD' is not one of DEBUG, INFO, WARNING, ERROR. (in {dotenv})" in problems
    assert any(p.startswith(f"{dotenv}, line 3: cannot read") for p in problems)
    assert not any("EMBEDDING_MODEL" in p and str(dotenv) in p for p in problems)


def test_log_level_is_case_insensitive(tmp_path):
    assert Settings.load({"LOG_LEVEL": "debug"}, dotenv_path=tmp_path / "x").log_level == "DEBUG"


def test_provider_key_variables_work_from_dotenv_too(tmp_path):
    # python-dotenv does not export .env into os.environ, so the provider client would never
    # see an OPENAI_API_KEY written there; settings pick it up instead.
    dotenv = tmp_path / ".env"
    dotenv.write_text("LLM_PROVIDER=openai\nOPENAI_API_KEY=sk-from-dotenv\n")
    settings = Settings.load({}, dotenv_path=dotenv)
    assert settings.llm_api_key == "sk-from-dotenv"
    explicit = Settings.load({"LLM_API_KEY": "sk-explicit"}, dotenv_path=dotenv)
    assert explicit.llm_api_key == "sk-explicit"


def test_knowledge_dirs_accepts_several_folders(tmp_path):
    settings = Settings.load({"KNOWLEDGE_DIRS": "/a:/b"}, dotenv_path=tmp_path / "absent.env")
    assert settings.knowledge_dirs == (Path("/a"), Path("/b"))


def test_settings_built_in_code_are_checked_on_request():
    Settings().validate()
    with pytest.raises(SettingsError, match="LOG_LEVEL='LOUD'") as caught:
        Settings(log_level="LOUD", top_k=0).validate()
    assert len(caught.value.problems) == 2


def test_a_misspelt_variable_in_dotenv_is_pointed_out(tmp_path, caplog):
    dotenv = tmp_path / ".env"
    dotenv.write_text("CHROMA_DIRR=/srv/index\nHTTP_PROXY=http://proxy:3128\n")
    with caplog.at_level("WARNING", logger="bot.settings"):
        settings = Settings.load({}, dotenv_path=dotenv)
    assert settings.chroma_dir == tmp_path / ".chroma"
    assert [r.getMessage() for r in caplog.records] == [
        f"{dotenv}: CHROMA_DIRR is not a Lines setting (did you mean CHROMA_DIR?)"
    ]


def test_fields_added_later_are_read_by_their_type(tmp_path):
    # Other parts add settings by adding a field; reading them must need nothing more.
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Extended(Settings):
        retry_seconds: float = 30.0
        notify_staff: bool = True
        labels: tuple[str, ...] = ()
        archive_dir: Path = Path("archive")

    settings = Extended.load(
        {"RETRY_SECONDS": "5", "NOTIFY_STAFF": "no", "LABELS": "a, b"},
        dotenv_path=tmp_path / "absent.env",
    )
    assert settings.retry_seconds == 5.0 and settings.notify_staff is False
    assert settings.labels == ("a", "b")
    assert settings.archive_dir.is_absolute() and settings.archive_dir.name == "archive"
    with pytest.raises(SettingsError, match="NOTIFY_STAFF='maybe' is not true or false"):
        Extended.load({"NOTIFY_STAFF": "maybe"}, dotenv_path=tmp_path / "absent.env")

"""Settings come from .env and the environment, typed, checked all at once, errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import PROVIDER_KEY_VARIABLES, PathList, Settings, SettingsError


@pytest.fixture(autouse=True)
def environment(tmp_path, monkeypatch):
    """No Lines variable from the outside world; ``set(NAME=value)`` sets some for one test."""
    for name in [*Settings.model_fields, *PROVIDER_KEY_VARIABLES.values()]:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)

    def set_variables(**variables: str) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return set_variables


def test_defaults_work_offline_and_live_in_the_working_directory(tmp_path):
    settings = Settings.load(dotenv_path=tmp_path / "absent.env")
    assert settings.llm_provider == "none" and not settings.llm_enabled
    assert settings.slack_mode == "socket"
    assert settings.knowledge_dirs == (tmp_path / "knowledge",)
    assert settings.chroma_dir == tmp_path / ".chroma"
    assert settings.policy_path == tmp_path / "knowledge" / "policy" / "escalation.yaml"
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'lines.db'}"
    assert settings.notices == ()


def test_environment_overrides_dotenv(tmp_path, environment):
    dotenv = tmp_path / ".env"
    dotenv.write_text("TOP_K=7\nCHROMA_DIR=/from/dotenv\nDISCORD_STAFF_ROLE_ID=42\n")
    environment(TOP_K="3")
    settings = Settings.load(dotenv_path=dotenv)
    assert settings.top_k == 3
    assert settings.chroma_dir == Path("/from/dotenv")
    assert settings.discord_staff_role_id == 42


def test_empty_and_blank_values_mean_the_default(tmp_path, environment):
    dotenv = tmp_path / ".env"
    dotenv.write_text("\ufeffTOP_K=\nCOLLECTION=  \nLLM_TIMEOUT= 12 \n", encoding="utf-8")
    environment(SLACK_HTTP_PORT="")
    settings = Settings.load(dotenv_path=dotenv)
    assert settings.top_k == Settings.default("top_k") == 8
    assert settings.collection == "lines"
    assert settings.llm_timeout == 12.0  # the byte-order mark and the spaces do not matter
    assert settings.slack_http_port == 3000


def test_paths_in_a_dotenv_and_the_defaults_resolve_against_its_folder(
    tmp_path, monkeypatch, environment
):
    data = tmp_path / "data"
    data.mkdir()
    (data / ".env").write_text(
        "KNOWLEDGE_DIRS=docs\nDATABASE_URL=sqlite:///queue/lines.db\n", encoding="utf-8"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    environment(CHROMA_DIR="index")
    settings = Settings.load(dotenv_path=data / ".env")
    assert settings.knowledge_dirs == (data / "docs",)
    assert settings.database_url == f"sqlite:///{data / 'queue' / 'lines.db'}"
    assert settings.policy_path == data / "knowledge" / "policy" / "escalation.yaml"
    # A relative path in the process environment means what it means to the shell.
    assert settings.chroma_dir == elsewhere / "index"


def test_a_blank_environment_variable_leaves_the_dotenv_value(tmp_path, monkeypatch, environment):
    data = tmp_path / "data"
    data.mkdir()
    (data / ".env").write_text("CHROMA_DIR=index\nTOP_K=many\n")
    monkeypatch.chdir(tmp_path)
    environment(CHROMA_DIR=" ", TOP_K="")
    with pytest.raises(SettingsError) as caught:
        Settings.load(dotenv_path=data / ".env")
    assert caught.value.problems == (f"TOP_K='many' is not a whole number. (in {data / '.env'})",)
    (data / ".env").write_text("CHROMA_DIR=index\n")
    assert Settings.load(dotenv_path=data / ".env").chroma_dir == data / "index"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TOP_K": "many"}, "TOP_K='many' is not a whole number"),
        ({"TOP_K": "0"}, "TOP_K must be at least 1"),
        ({"LLM_PROVIDER": "gpt"}, "LLM_PROVIDER='gpt' is not one of"),
        ({"LLM_PROVIDER": "openai-compatible"}, "needs LLM_BASE_URL"),
        ({"LLM_PROVIDER": "openai"}, "LLM_PROVIDER=openai needs an API key: set LLM_API_KEY"),
        ({"LLM_PROVIDER": "anthropic"}, "or ANTHROPIC_API_KEY"),
        ({"SLACK_MODE": "webhook"}, "SLACK_MODE='webhook' is not one of socket, http"),
        ({"MIN_RELEVANCE": "2"}, "MIN_RELEVANCE must be between 0 and 1"),
        ({"MIN_RELEVANCE": "often"}, "MIN_RELEVANCE='often' is not a number"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD' is not one of DEBUG, INFO, WARNING, ERROR"),
        ({"EMBEDDING_MODEL": "bert"}, "EMBEDDING_MODEL='bert' is not one of minilm-int8"),
        ({"CHROMA_URL": "localhost:8000"}, "CHROMA_URL='localhost:8000' is not a URL starting"),
        ({"CHROMA_URL": "http://host:port"}, "CHROMA_URL='http://host:port'"),
        ({"DATABASE_URL": "lines.db"}, "DATABASE_URL='lines.db' is not a database URL"),
        ({"DISCORD_GATEWAY_URL": "https://x"}, "DISCORD_GATEWAY_URL='https://x'"),
        ({"LLM_TIMEOUT": "0"}, "LLM_TIMEOUT must be above 0"),
        ({"SLACK_HTTP_PORT": "70000"}, "SLACK_HTTP_PORT must be between 0 and 65535"),
    ],
)
def test_bad_values_name_the_variable(tmp_path, environment, env, message):
    environment(**env)
    with pytest.raises(SettingsError, match=message) as caught:
        Settings.load(dotenv_path=tmp_path / "absent.env")
    assert len(caught.value.problems) == 1, caught.value.problems


def test_every_bad_variable_is_reported_in_one_run_with_the_file_it_came_from(
    tmp_path, environment
):
    dotenv = tmp_path / ".env"
    dotenv.write_text("LOG_LEVEL=LOUD\nTOP_K=many\nthis line is not a setting\n")
    environment(EMBEDDING_MODEL="bert", SLACK_HTTP_PORT="http")
    with pytest.raises(SettingsError) as caught:
        Settings.load(dotenv_path=dotenv)
    problems = caught.value.problems
    assert len(problems) == 5, problems
    text = str(caught.value)
    for name in ("LOG_LEVEL", "TOP_K", "EMBEDDING_MODEL", "SLACK_HTTP_PORT"):
        assert name in text
    assert f"LOG_LEVEL='LOUD' is not one of DEBUG, INFO, WARNING, ERROR. (in {dotenv})" in problems
    assert (
        f"{dotenv}, line 3: cannot read 'this line is not a setting'; "
        "write NAME=value (quote values with spaces)."
    ) in problems
    assert not any("EMBEDDING_MODEL" in p and str(dotenv) in p for p in problems)


def test_a_line_that_cannot_be_read_is_refused_even_when_every_value_is_good(tmp_path, caplog):
    dotenv = tmp_path / ".env"
    dotenv.write_text("TOP_K=3\nCHROMA_DIR /srv/index\n")
    with pytest.raises(SettingsError) as caught:
        Settings.load(dotenv_path=dotenv)
    assert caught.value.problems == (
        f"{dotenv}, line 2: cannot read 'CHROMA_DIR /srv/index'; "
        "write NAME=value (quote values with spaces).",
    )
    # Reported once, as the problem, not also as python-dotenv's own warning.
    assert not [r for r in caplog.records if r.name.startswith("dotenv")]


def test_a_dotenv_that_is_not_text_is_refused_naming_the_file(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_bytes(b"TOP_K=3\n\xff\xfe\x00binary")
    with pytest.raises(SettingsError, match=f"{dotenv}: cannot read it") as caught:
        Settings.load(dotenv_path=dotenv)
    assert len(caught.value.problems) == 1


def test_log_level_is_case_insensitive(tmp_path, environment):
    environment(LOG_LEVEL="debug")
    assert Settings.load(dotenv_path=tmp_path / "x").log_level == "DEBUG"


def test_provider_key_variables_work_from_dotenv_too(tmp_path, environment):
    # pydantic-settings does not export .env into os.environ, so the provider client would
    # never see an OPENAI_API_KEY written there; settings pick it up instead.
    dotenv = tmp_path / ".env"
    dotenv.write_text("LLM_PROVIDER=openai\nOPENAI_API_KEY=sk-from-dotenv\n")
    settings = Settings.load(dotenv_path=dotenv)
    assert settings.llm_api_key == "sk-from-dotenv"
    assert settings.notices == ()  # a provider's own variable is not a misspelt setting
    environment(LLM_API_KEY="sk-explicit")
    assert Settings.load(dotenv_path=dotenv).llm_api_key == "sk-explicit"


def test_knowledge_dirs_accepts_several_folders(tmp_path, environment):
    environment(KNOWLEDGE_DIRS="/a:/b")
    settings = Settings.load(dotenv_path=tmp_path / "absent.env")
    assert settings.knowledge_dirs == (Path("/a"), Path("/b"))


def test_settings_built_in_code_are_checked_and_read_nothing_from_the_process(environment):
    environment(TOP_K="3", LLM_PROVIDER="openai")
    assert Settings().top_k == 8 and Settings().llm_provider == "none"
    with pytest.raises(ValidationError) as caught:
        Settings(log_level="LOUD", top_k=0, top_kk=3)
    assert {(e["loc"], e["type"]) for e in caught.value.errors()} == {
        (("top_k",), "greater_than_equal"),
        (("log_level",), "literal_error"),
        (("top_kk",), "extra_forbidden"),
    }


def test_overrides_change_a_copy_and_refuse_a_name_that_is_not_a_setting():
    settings = Settings()
    changed = settings.with_overrides(top_k=2)
    assert (changed.top_k, settings.top_k) == (2, 8)
    with pytest.raises(TypeError, match="not a setting: chroma_dirr"):
        settings.with_overrides(chroma_dirr=Path("/x"))


def test_a_misspelt_variable_in_dotenv_is_pointed_out(tmp_path, caplog):
    dotenv = tmp_path / ".env"
    dotenv.write_text("CHROMA_DIRR=/srv/index\nHTTP_PROXY=http://proxy:3128\n")
    with caplog.at_level("WARNING", logger="bot.settings"):
        settings = Settings.load(dotenv_path=dotenv)
    assert settings.chroma_dir == tmp_path / ".chroma"
    notice = f"{dotenv}: CHROMA_DIRR is not a Lines setting (did you mean CHROMA_DIR?)"
    assert [r.getMessage() for r in caplog.records] == [notice]
    assert settings.notices == (notice,)  # kept for `lines doctor`, through --db overrides too
    assert settings.with_overrides(chroma_dir=tmp_path).notices == (notice,)


def test_fields_added_later_are_read_by_their_type(tmp_path, environment):
    # Other parts add settings by declaring a field; reading them must need nothing more.
    class Extended(Settings):
        retry_seconds: float = 30.0
        notify_staff: bool = True
        archive_dirs: PathList = ()
        archive_dir: Path = Path("archive")

    environment(RETRY_SECONDS="5", NOTIFY_STAFF="no", ARCHIVE_DIRS="/a:b")
    settings = Extended.load(dotenv_path=tmp_path / "absent.env")
    assert settings.retry_seconds == 5.0 and settings.notify_staff is False
    assert settings.archive_dirs == (Path("/a"), tmp_path / "b")
    assert settings.archive_dir.is_absolute() and settings.archive_dir.name == "archive"
    environment(NOTIFY_STAFF="maybe")
    with pytest.raises(SettingsError, match="NOTIFY_STAFF='maybe' is not true or false"):
        Extended.load(dotenv_path=tmp_path / "absent.env")


def test_every_setting_is_declared_with_help_and_a_default():
    for name, field in Settings.model_fields.items():
        assert field.description and len(field.description) > 10, name
        assert not field.is_required(), f"{name}: every setting is optional"

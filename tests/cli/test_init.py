"""``lines init [DIR]``: a data folder to edit, which every other command then works in."""

from __future__ import annotations

import json

from bot.cli.init import env_template
from bot.settings import PROJECT_ROOT, Settings

POLICY = "knowledge/policy/escalation.yaml"


def test_init_writes_env_knowledge_and_policy_that_the_other_commands_use(
    lines_cli, clean_environment
):
    outcome = lines_cli("init", "data")
    assert outcome.code == 0, outcome.err
    data = clean_environment / "data"
    assert (data / ".env").read_text() == (PROJECT_ROOT / ".env.example").read_text()
    assert (data / POLICY).read_bytes() == (PROJECT_ROOT / POLICY).read_bytes()
    shipped = sorted(
        p.relative_to(PROJECT_ROOT / "knowledge").as_posix()
        for p in (PROJECT_ROOT / "knowledge").rglob("*")
        if p.is_file()
    )
    copied = sorted(
        p.relative_to(data / "knowledge").as_posix()
        for p in (data / "knowledge").rglob("*")
        if p.is_file()
    )
    assert copied == shipped
    assert f"cd {data}" in outcome.out and "lines ingest" in outcome.out

    # The defaults now resolve against data/, wherever the commands run from.
    ingested = lines_cli("--env-file", "data/.env", "ingest", "--json")
    assert ingested.code == 0, ingested.err
    assert json.loads(ingested.out.splitlines()[-1])["failed"] == []
    assert (data / ".chroma" / "manifest-lines.json").is_file()
    answered = lines_cli(
        "ask", "--json", "--env-file", str(data / ".env"), "How do we talk about small boats?"
    )
    assert answered.code == 0, answered.err
    answer = json.loads(answered.out)
    assert answer["citations"] and answer["escalation"] is None
    assert (data / "lines.db").is_file()  # the queue, beside the index, in the data folder


def test_init_never_overwrites_and_fills_in_only_a_missing_policy(lines_cli, clean_environment):
    (clean_environment / ".env").write_text("TOP_K=2\n")
    own = clean_environment / "knowledge" / "guidance" / "ours.md"
    own.parent.mkdir(parents=True)
    own.write_text("our own guidance")
    outcome = lines_cli("init")
    assert outcome.code == 0, outcome.err
    assert (clean_environment / ".env").read_text() == "TOP_K=2\n"
    assert own.read_text() == "our own guidance"
    files = sorted(p.name for p in (clean_environment / "knowledge").rglob("*") if p.is_file())
    assert files == ["escalation.yaml", "ours.md"]
    assert "kept as it is" in outcome.out and "the default policy" in outcome.out
    assert "cd " not in outcome.out  # already in the folder

    again = lines_cli("init")
    assert again.out.count("kept as it is") == 3


def test_no_sample_copies_only_the_policy(lines_cli, clean_environment):
    outcome = lines_cli("init", "--no-sample", "empty")
    assert outcome.code == 0, outcome.err
    files = sorted(
        p.relative_to(clean_environment / "empty").as_posix()
        for p in (clean_environment / "empty").rglob("*")
        if p.is_file()
    )
    assert files == [".env", POLICY]


def test_init_into_a_file_is_refused(lines_cli, clean_environment):
    (clean_environment / "taken").write_text("a file")
    outcome = lines_cli("init", "taken")
    assert outcome.code == 2
    assert outcome.err_lines == [
        f"lines: init: {clean_environment / 'taken'} exists and is not a folder."
    ]


def test_the_committed_env_example_is_what_the_declarations_write():
    assert (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8") == env_template(), (
        "bot/settings.py changed: regenerate with `lines init --print-env > .env.example`"
    )


def test_the_written_env_lists_every_setting_under_its_help_at_its_default(
    lines_cli, clean_environment
):
    printed = lines_cli("init", "--print-env")
    assert printed.code == 0, printed.err
    assert printed.out == env_template()
    assert list(clean_environment.iterdir()) == []  # printing writes nothing

    lines = printed.out.splitlines()
    shown: dict[str, str] = {}
    for number, line in enumerate(lines):
        name, equals, value = line.removeprefix("# ").partition("=")
        if equals and name.lower() in Settings.model_fields:
            assert name not in shown, f"{name} is listed twice"
            shown[name] = value
            above = lines[number - 1].removeprefix("# ").partition("=")[0]
            assert above.lower() not in Settings.model_fields, f"{name} has no help above it"
    assert shown.keys() == {name.upper() for name in Settings.model_fields}
    assert shown["TOP_K"] == "8" and shown["MIN_RELEVANCE"] == "0.35"
    assert shown["QUEUE_BUSY_TIMEOUT"] == "5" and shown["KNOWLEDGE_DIRS"] == "knowledge"
    assert "# How much the log says." in printed.out
    assert "Allowed: one of DEBUG, INFO, WARNING, ERROR." in printed.out

    # Uncommented, the settings shown at a default mean exactly the defaults.
    defaults = [f"{n}={v}" for n, v in shown.items() if Settings.default(n.lower()) is not None]
    dotenv = clean_environment / ".env"
    dotenv.write_text("\n".join(defaults) + "\n", encoding="utf-8")
    assert Settings.load(dotenv_path=dotenv) == Settings.load(dotenv_path=clean_environment / "x")

"""``lines init [DIR]``: a data folder to edit, which every other command then works in."""

from __future__ import annotations

import json

from bot.settings import PROJECT_ROOT

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

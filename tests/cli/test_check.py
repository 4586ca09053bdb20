"""``lines check`` / ``python -m bot check``: the JSON contract, plain text, usage errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from bot.cli import main
from bot.settings import PROJECT_ROOT
from tests.check.conftest import STYLES, ingest_corpus
from tests.check.test_checker import POLICY


@pytest.fixture(scope="module")
def styles_index(tmp_path_factory, embeddings):
    """The check package's ``STYLES`` corpus, ingested once for this module."""
    return ingest_corpus(tmp_path_factory.mktemp("styles"), STYLES, embeddings)


@pytest.fixture
def db(styles_index, tmp_path, monkeypatch) -> str:
    """The styles index for --db, with a fixture policy and a queue of this test's own."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    monkeypatch.setenv("POLICY_PATH", str(policy))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'queue.db'}")
    monkeypatch.setenv("LLM_PROVIDER", "none")
    return str(styles_index.chroma_dir)


def test_json_contract(db, capsys):
    draft = "Café owners say the “illegals” talk is cruel, yet the flyer calls them bogus asylum seekers 🙄."
    assert main(["check", "--db", db, "--json", draft]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert set(data) >= {"text", "findings", "framing", "escalation"}
    assert data["text"] == draft and data["escalation"] is None
    (finding,) = data["findings"]  # the quoted "illegals" is criticised, not used
    assert set(finding) == {"start", "end", "found", "suggestion", "reason", "citations"}
    assert finding["found"] == "bogus asylum seekers"
    assert draft[finding["start"] : finding["end"]] == finding["found"]
    assert finding["suggestion"] == "people seeking asylum"
    assert finding["reason"] == "A claim is decided on the evidence."
    (citation,) = finding["citations"]
    assert set(citation) >= {"source", "title", "locator", "quote"}
    assert (citation["source"], citation["locator"]) == ("guidance/tables.md", "Words for people")


def test_nothing_found_still_exits_0(db, capsys):
    assert main(["check", "--db", db, "--json", "People who came by boat are our neighbours."]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []


def test_plain_text_marks_the_words_and_lists_sources(db, capsys):
    assert main(["check", "--db", db, "Twelve illegals moved in, says the leaflet."]) == 0
    out = capsys.readouterr().out
    assert "Twelve «illegals» moved in" in out
    assert "“illegals” → " in out and "Sources:" in out
    assert "guidance/labelled.md" in out


def test_file_and_stdin(db, tmp_path, capsys, monkeypatch):
    draft = "Ça suffit — the council moved twelve illegals into the hotel.\nSecond line.\n"
    path = tmp_path / "draft.txt"
    path.write_text(draft, encoding="utf-8")
    assert main(["check", "--db", db, "--json", "--file", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["text"] == draft
    (finding,) = data["findings"]
    assert draft[finding["start"] : finding["end"]] == "illegals"

    monkeypatch.setattr(sys, "stdin", io.StringIO(draft))
    assert main(["check", "--db", db, "--json", "--file", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"][0]["found"] == "illegals"


def test_a_sensitive_draft_returns_the_escalation(db, capsys):
    draft = "He says he will burn our office down if we keep helping illegals."
    assert main(["check", "--db", db, "--json", draft]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["findings"] == []
    assert data["escalation"]["category"] == "threats"
    assert data["escalation"]["kind"] == "sensitive"
    assert isinstance(data["escalation"]["id"], int)
    assert data["escalation"]["reply"].startswith("Thank you for telling us.")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give a draft"),
        (["   "], "give a draft"),
        (["text", "--file", "x.txt"], "not both"),
        (["--file", "/nonexistent/draft.txt"], "cannot read /nonexistent/draft.txt"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(db, capsys, args, message):
    assert main(["check", "--db", db, *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_non_utf8_file_is_refused_clearly(db, tmp_path, capsys):
    path = tmp_path / "draft.txt"
    path.write_bytes("Caf\xe9 illegals".encode("cp1252"))
    assert main(["check", "--db", db, "--file", str(path)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_an_empty_index_says_to_ingest(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'queue.db'}")
    monkeypatch.setenv(
        "POLICY_PATH", str(PROJECT_ROOT / "knowledge" / "policy" / "escalation.yaml")
    )
    assert main(["check", "--db", str(tmp_path / "nothing"), "a draft"]) == 2
    assert "ingest" in capsys.readouterr().err


def test_python_m_bot_check_runs(db):
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--db", db, "--json", "They are illegals."],
        cwd=PROJECT_ROOT,
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["findings"][0]["found"] == "illegals"

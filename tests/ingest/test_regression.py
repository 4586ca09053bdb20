"""The re-ingest regression check: ``lines ingest --check FILE`` on a real index, in process."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from bot.ingest.regression import (
    ChecksFileError,
    Snapshot,
    compare,
    find_checks_file,
    load_questions,
)
from bot.settings import PROJECT_ROOT
from tests.staff import corrections_corpus as corpus

QUESTIONS = f"""questions:
  - {corpus.HOTELS_QUESTION}
  - question: {corpus.BARGE_QUESTION}
"""


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICY_PATH", str(PROJECT_ROOT / "knowledge/policy/escalation.yaml"))
    monkeypatch.delenv("KNOWLEDGE_DIRS", raising=False)
    settings = corpus.write(tmp_path)
    checks = tmp_path / "questions.yaml"
    checks.write_text(QUESTIONS, encoding="utf-8")
    return settings, checks


def ingest_json(settings, *extra: str, capsys) -> tuple[int, dict]:
    code = main(
        [
            "ingest",
            "--source",
            str(settings.knowledge_dirs[0]),
            "--db",
            str(settings.chroma_dir),
            "--json",
            *extra,
        ]
    )
    return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_the_check_catches_a_changed_source_and_a_lost_citation(world, capsys):
    settings, checks = world
    code, first = ingest_json(settings, "--check", str(checks), capsys=capsys)
    assert code == 0
    assert first["check"]["questions"] == 2
    assert first["check"]["counts"]["gained_citation"] == 2  # nothing was indexed before

    corpus.supersede(settings)
    corpus.withdraw(settings)
    code, report = ingest_json(settings, "--check", str(checks), capsys=capsys)
    assert code == 0
    assert set(report) >= {"added", "updated", "removed", "failed", "chunks", "check"}
    changed = {d["question"]: d for d in report["check"]["changed"]}
    assert set(changed) == {corpus.HOTELS_QUESTION, corpus.BARGE_QUESTION}
    hotels = changed[corpus.HOTELS_QUESTION]
    assert hotels["changes"] == ["changed_source"]
    assert hotels["before"]["sources"] == ["lines/2025-hotels.md"]
    assert hotels["after"]["sources"] == ["lines/2026-hotels.md"]
    barge = changed[corpus.BARGE_QUESTION]
    assert barge["changes"] == ["lost_citation"]
    assert barge["after"] == {"sources": [], "escalation": "no_guidance"}
    assert report["check"]["counts"] == {
        "changed_source": 1,
        "lost_citation": 1,
        "gained_citation": 0,
        "started_escalating": 0,
        "stopped_escalating": 0,
    }


def test_the_text_report_names_each_changed_answer(world, capsys):
    settings, checks = world
    args = ["ingest", "--source", str(settings.knowledge_dirs[0]), "--db", str(settings.chroma_dir)]
    assert main([*args, "--check", str(checks)]) == 0
    capsys.readouterr()
    corpus.supersede(settings)
    assert main([*args, "--check", str(checks)]) == 0
    out = capsys.readouterr().out
    assert f"Check ({checks}, 2 questions): 1 changed source." in out
    assert (
        f"  {corpus.HOTELS_QUESTION}\n      changed source\n"
        "      before: lines/2025-hotels.md\n      after:  lines/2026-hotels.md"
    ) in out


def test_checks_yaml_in_the_source_folder_is_used_and_a_dry_run_skips_it(world, capsys):
    settings, _ = world
    knowledge = settings.knowledge_dirs[0]
    (knowledge / "checks.yaml").write_text(QUESTIONS, encoding="utf-8")
    assert find_checks_file([knowledge]) == knowledge / "checks.yaml"
    code, report = ingest_json(settings, capsys=capsys)
    assert code == 0 and report["check"]["file"] == str(knowledge / "checks.yaml")
    assert report["skipped"] == []  # it lives beside the documents but is not one
    code, dry = ingest_json(settings, "--dry-run", capsys=capsys)
    assert code == 0 and "skipped" in dry["check"] and "changed" not in dry["check"]


def test_without_a_questions_file_the_json_is_as_before(world, capsys):
    settings, _ = world
    code, report = ingest_json(settings, capsys=capsys)
    assert code == 0 and "check" not in report


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.yaml", "questions: How do we talk about hotels?\n", "write a `questions:` list"),
        ("bad.yaml", "questions:\n  - &a Hotels?\n  - *a\n", "anchors"),
        ("bad.yaml", "questions:\n  - {note: no question here}\n", "item 1 of `questions:`"),
        ("empty.txt", "# nothing yet\n\n", "holds no questions"),
    ],
)
def test_a_bad_questions_file_is_refused_before_anything_changes(
    world, capsys, name, text, message
):
    settings, _ = world
    bad = settings.knowledge_dirs[0].parent / name
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ChecksFileError, match=message.replace("(", r"\(")):
        load_questions(bad)
    args = ["ingest", "--source", str(settings.knowledge_dirs[0]), "--db", str(settings.chroma_dir)]
    assert main([*args, "--check", str(bad)]) == 2
    assert message in capsys.readouterr().err
    assert not (settings.chroma_dir / "manifest-lines.json").exists()  # nothing was indexed


def test_a_text_file_holds_one_question_per_line(tmp_path):
    path = tmp_path / "questions.txt"
    path.write_text(
        "# our regular questions\nHow do we talk about hotels?\n\n  Any lines on barges?\n"
    )
    assert load_questions(path) == ["How do we talk about hotels?", "Any lines on barges?"]


def test_escalation_changes_are_named_both_ways():
    plain = Snapshot(("a.md",), None)
    held = Snapshot((), "sensitive/safeguarding")
    gap = Snapshot((), "no_guidance")
    assert compare("q", plain, held).kinds == ("started_escalating", "lost_citation")
    assert compare("q", held, plain).kinds == ("stopped_escalating", "gained_citation")
    assert compare("q", gap, held).kinds == ("started_escalating",)
    assert compare("q", plain, Snapshot(("a.md",), None)) is None
    assert compare("q", Snapshot(("a.md", "b.md"), None), Snapshot(("b.md", "a.md"), None)) is None

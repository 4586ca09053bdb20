"""Text at the door: no input makes asking or checking raise, and invisible characters cannot
hide a word from the check."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.answer import Origin, Question, Turn
from bot.factory import build_checker
from bot.inbound import clean_text
from bot.storage.store import EscalationStore


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("How do we talk about small boats?", "How do we talk about small boats?"),
        ("ille\u00adgal im\u200bmigrants", "illegal immigrants"),  # soft hyphen, zero-width space
        ("\ufeffBOM first", "BOM first"),
        ("line one\nline two\ttab\r\n", "line one\nline two\ttab\r\n"),
        ("\x1b[31mred\x1b[0m and \x00nul", " [31mred [0m and  nul"),  # escapes cannot recolour
        ("half a pair \ud83d here", "half a pair \ufffd here"),  # a lone surrogate
        ("cafe\u0301", "café"),  # composed form
        (
            "family 👩\u200d👩\u200d👧 and ‌فارسی",
            "family 👩\u200d👩\u200d👧 and ‌فارسی",
        ),  # joiners kept
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean
    clean_text(raw).encode("utf-8")  # always encodable: every store and writer can take it


def test_questions_and_turns_are_clean_from_the_moment_they_exist():
    question = Question("is \u00adit ok \ud800 to say", history=(Turn("member", "a\x00b"),))
    assert question.text == "is it ok \ufffd to say"
    assert question.history[0].text == "a b"


HOSTILE = [
    "\ud800\udfff\udbff binary junk \x00\x01\x02\xff\xfe",
    bytes(range(256)).decode("latin-1"),
    "\u200b" * 500,
    "What about \U0010ffff and \ufffe?",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_asking_never_raises_on_hostile_input(lines_advisor, text):
    answer = lines_advisor.ask(Question(text, Origin(platform="cli", event_id=f"e{hash(text)}")))
    assert answer.text
    answer.text.encode("utf-8")


@pytest.mark.parametrize("text", HOSTILE)
def test_checking_never_raises_on_hostile_input(lines_settings, lines_advisor, text):
    checker = build_checker(lines_settings, advisor=lines_advisor)
    result = checker.check(text, Origin(platform="cli", event_id=f"c{hash(text)}"))
    result.text.encode("utf-8")


def test_invisible_characters_cannot_hide_a_ruled_term(lines_settings, lines_advisor):
    checker = build_checker(lines_settings, advisor=lines_advisor)
    for hidden in ("ille\u00adgal immigrant", "illegal\u200b immigrant", "il\u2060legal immigrant"):
        result = checker.check(f"Our leaflet says every {hidden} should be sent back.")
        assert [f.found.lower() for f in result.findings] == ["illegal immigrant"], hidden


def test_lines_check_reads_binary_from_stdin_without_a_traceback(lines_settings, tmp_path):
    env = {
        **os.environ,
        "CHROMA_DIR": str(lines_settings.chroma_dir),
        "DATABASE_URL": lines_settings.database_url,
        "POLICY_PATH": str(lines_settings.policy_path),
        "PYTHONIOENCODING": "utf-8",
    }
    draft = b"Our post: \xff\xfe\x00 my client says she will kill herself if she is removed \xed\xa0\x80"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--json", "--file", "-"],
        input=draft,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in result.stderr
    assert b'"escalation": {' in result.stdout  # a sensitive draft still reaches staff
    (item,) = EscalationStore.from_settings(lines_settings).list()
    assert item.category == "safeguarding" and "\ufffd" in item.question

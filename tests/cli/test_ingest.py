"""The ingest command: exit codes, the JSON contract, and a progress bar only on a terminal."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios

from bot.cli import main
from tests.conftest import PROJECT_ROOT, TINY_CORPUS, write_corpus


def env_for(tmp_path, knowledge) -> dict[str, str]:
    return {
        **os.environ,
        "KNOWLEDGE_DIRS": str(knowledge),
        "CHROMA_DIR": str(tmp_path / "chroma"),
        "ORT_DISABLE_TELEMETRY": "1",
    }


def run_on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run ``python -m bot`` with stderr on a pseudo-terminal; (exit code, stdout, terminal)."""
    master, slave = pty.openpty()
    # A terminal 100 columns wide: a fresh pseudo-terminal has no size, and tqdm draws nothing.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=slave,
        text=True,
    )
    os.close(slave)
    screen = b""
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        screen += data
    out = process.stdout.read()
    process.wait(timeout=120)
    os.close(master)
    return process.returncode, out, screen.decode(errors="replace")


def test_a_terminal_shows_progress_over_embedding_and_json_stays_quiet(tmp_path):
    knowledge = write_corpus(tmp_path / "k", TINY_CORPUS)
    code, out, screen = run_on_a_terminal(["ingest"], env_for(tmp_path, knowledge))
    assert code == 0, screen
    assert "Embedding" in screen and "chunk" in screen  # tqdm: count, rate, ETA
    assert out.startswith("Indexed: 4 added")

    (knowledge / "guidance" / "terminology.md").write_text(
        TINY_CORPUS["guidance/terminology.md"] + "\nOne more line.\n"
    )
    code, out, screen = run_on_a_terminal(["ingest", "--json"], env_for(tmp_path, knowledge))
    assert code == 0
    assert "Embedding" not in screen and "Reading" not in screen
    assert json.loads(out.splitlines()[-1])["updated"] == ["guidance/terminology.md"]


def test_exit_codes_and_json_keys(tmp_path, monkeypatch, capsys):
    knowledge = write_corpus(
        tmp_path / "k", {**TINY_CORPUS, "broken.pdf": b"not a pdf", "old.doc": b"x"}
    )
    monkeypatch.setenv("KNOWLEDGE_DIRS", str(knowledge))
    monkeypatch.setenv("CHROMA_DIR", str(tmp_path / "chroma"))
    monkeypatch.chdir(tmp_path)
    assert main(["ingest", "--json"]) == 1  # some files failed; the rest are indexed
    data = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert set(data) == {
        "added", "updated", "removed", "unchanged", "failed", "chunks", "warnings",
        "skipped", "duplicates", "orphan_sidecars", "inferred",
    }  # fmt: skip
    assert [f["path"] for f in data["failed"]] == ["broken.pdf"]
    assert data["skipped"][0]["path"] == "old.doc"
    assert main(["ingest", "--source", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err

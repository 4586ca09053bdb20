"""A running bot under load while its knowledge changes: answers, errors, duplicates, and what
the process holds (open files, threads, memory) before and after.

The real Slack app runs as its own process (``python -m bot slack --mode http``) against the
loopback Slack peer in ``tests/fakes``, over a real on-disk index. Three askers send questions
(signed Events API requests, each a new message) while, in other processes, a maintainer
runs two update ingests (a document added, then one changed) and a ``--rebuild``. Every
question must get exactly one answer in its thread, cited, never "I can't search our
guidance". The bot's open file descriptors, threads and resident memory are read from /proc
after a warm-up and again at the end.

    python -m bench.soak                      # 300 questions, the figures printed
    python -m bench.soak --questions 1000

``tests/surfaces/test_soak.py`` runs the same soak and asserts the bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from slack_sdk.signature import SignatureVerifier

SECRET = "soak-signing-secret"
MEMBER = "UMEMBER"
QUESTIONS = [
    "How do we talk about people crossing the Channel?",
    "What does NRPF mean?",
    "Is 'illegal immigrant' ok to say?",
    "How should we describe why people cross the Channel?",
    "What are our current lines on Channel crossings?",
    "What words should we use instead of small boats?",
]
UPDATE = """---
title: Looking after volunteers
kind: guidance
date: 2025-02-10
---
# Looking after volunteers

Rota volunteers who moderate comments so nobody reads abuse for more than an hour a day.
"""
UNAVAILABLE = "can't search our guidance"


@dataclass
class ProcessFigures:
    fds: int
    threads: int
    rss_mb: float

    @classmethod
    def of(cls, pid: int) -> ProcessFigures:
        status = Path(f"/proc/{pid}/status").read_text()
        rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        threads = next(
            int(line.split()[1]) for line in status.splitlines() if line.startswith("Threads")
        )
        return cls(len(os.listdir(f"/proc/{pid}/fd")), threads, rss / 1024)


@dataclass
class SoakResult:
    questions: int
    answered: int = 0
    cited: int = 0
    unavailable: int = 0
    duplicates: int = 0
    unanswered: int = 0
    ingests: int = 0
    seconds: float = 0.0
    before: ProcessFigures | None = None
    after: ProcessFigures | None = None
    problems: list[str] = field(default_factory=list)
    log: str = ""

    def lines(self) -> list[str]:
        """The figures, one per line."""
        before, after = self.before, self.after
        out = [
            f"questions sent          {self.questions} (3 askers) in {self.seconds:.1f} s, "
            f"while {self.ingests} ingests ran (2 updates, 1 --rebuild)",
            f"answered / cited        {self.answered} / {self.cited}",
            f"'can't search' replies  {self.unavailable}",
            f"duplicate posts         {self.duplicates}",
            f"never answered          {self.unanswered}",
        ]
        if before and after:
            out += [
                f"open files              {before.fds} -> {after.fds}",
                f"threads                 {before.threads} -> {after.threads}",
                f"resident memory         {before.rss_mb:.0f} MB -> {after.rss_mb:.0f} MB",
            ]
        return out


def _signed(url: str, event: dict, event_id: str) -> None:
    body = json.dumps(
        {
            "token": "legacy",
            "team_id": "T0001",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
        }
    )
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_soak(base: Path, questions: int = 300, timeout: float = 600.0) -> SoakResult:
    """Run the soak in ``base`` (a scratch folder) and return what happened."""
    from tests.conftest import TINY_CORPUS, make_settings, write_corpus
    from tests.fakes.slack_api import FakeSlack

    project = Path(__file__).resolve().parent.parent
    knowledge = write_corpus(base / "knowledge", TINY_CORPUS)
    settings = make_settings(base, knowledge)
    env = {
        **os.environ,
        "CHROMA_DIR": str(settings.chroma_dir),
        "KNOWLEDGE_DIRS": str(knowledge),
        "DATABASE_URL": settings.database_url,
        "POLICY_PATH": str(settings.policy_path),
        "STAFF_DESK_POLL_SECONDS": "0.5",
        "LOG_LEVEL": "INFO",
    }

    def lines(*args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            **kwargs,
        )

    first = lines("ingest")
    if first.returncode:
        raise RuntimeError(first.stderr)
    fake = FakeSlack(channel_members={"CSTAFF": ["USTAFF"]}).start()
    port = _free_port()
    log_path = base / "bot.log"
    result = SoakResult(questions)
    with log_path.open("w") as log:
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "slack", "--mode", "http", "--port", str(port)],
            cwd=base,
            env={
                **env,
                "SLACK_BOT_TOKEN": "xoxb-soak",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.base_url,
                "SLACK_STAFF_CHANNEL": "CSTAFF",
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/slack/events"
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if bot.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log_path.read_text()) from None
                time.sleep(0.05)
        threads: list[str] = []
        lock = threading.Lock()

        def ask(n: int) -> None:
            question = f"{QUESTIONS[n % len(QUESTIONS)]} ({n})"
            ts = fake.add_member_message("CPUBLIC", MEMBER, question)
            with lock:
                threads.append(ts)
            event = {
                "type": "app_mention",
                "user": MEMBER,
                "text": f"<@UBOT> {question}",
                "ts": ts,
                "channel": "CPUBLIC",
                "event_ts": ts,
            }
            _signed(url, event, f"EvSoak{n}")

        warm = min(15, questions)
        for n in range(warm):  # warm-up: libraries, caches and the first view load for good
            ask(n)
        _wait_replies(fake, threads, timeout)
        result.before = ProcessFigures.of(bot.pid)

        start = time.monotonic()
        counter = iter(range(warm, questions))
        counter_lock = threading.Lock()

        def asker() -> None:
            while True:
                with counter_lock:
                    n = next(counter, None)
                if n is None:
                    return
                try:
                    ask(n)
                except Exception as exc:
                    result.problems.append(f"sending {n}: {type(exc).__name__}: {exc}")

        askers = [threading.Thread(target=asker) for _ in range(3)]
        for thread in askers:
            thread.start()
        (knowledge / "guidance" / "volunteers.md").write_text(UPDATE, encoding="utf-8")
        for args in (
            ("ingest",),
            ("ingest",),
            ("ingest", "--rebuild"),
        ):
            if args == ("ingest",) and result.ingests == 1:
                path = knowledge / "guidance" / "volunteers.md"
                path.write_text(UPDATE + "\nOffer a debrief after every shift.\n", encoding="utf-8")
            done = lines(*args)
            result.ingests += 1
            if done.returncode:
                result.problems.append(f"ingest {args}: {done.stderr.strip()[:300]}")
        for thread in askers:
            thread.join(timeout)
        _wait_replies(fake, threads, timeout)
        result.seconds = time.monotonic() - start
        time.sleep(1.0)  # let a late duplicate, if any, arrive before counting
        result.after = ProcessFigures.of(bot.pid)
        for ts in threads:
            replies = [
                c for c in fake.calls_to("chat.postMessage") if c.args.get("thread_ts") == ts
            ]
            if not replies:
                result.unanswered += 1
                continue
            result.answered += 1
            result.duplicates += len(replies) - 1
            text = json.dumps(replies[0].args)
            if UNAVAILABLE in text:
                result.unavailable += 1
            elif "Sources" in text:
                result.cited += 1
    finally:
        bot.terminate()
        try:
            bot.wait(20)
        except subprocess.TimeoutExpired:
            bot.kill()
        fake.stop()
        result.log = log_path.read_text(encoding="utf-8", errors="replace")
    return result


def _wait_replies(fake, threads: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        answered = {c.args.get("thread_ts") for c in fake.calls_to("chat.postMessage")}
        if all(ts in answered for ts in list(threads)) or time.monotonic() > deadline:
            return
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as base:
        result = run_soak(Path(base), args.questions)
    for line in result.lines():
        print(line)
    for problem in result.problems:
        print("problem:", problem)


if __name__ == "__main__":
    main()

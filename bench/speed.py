"""``make bench``: ingestion throughput, no-change re-ingest time, per-question latency, memory.

Each corpus size runs in its own process so peak memory is measured per size. Corpora are
generated (deterministically) from a vocabulary of the sector's words, one chunk per section.
Figures are printed, never asserted: goals are p95 under 50 ms at 10,000 chunks on 2 cores
without an LLM, and a no-change re-ingest under 10% of a full ingest.

    python -m bench.speed                 # 100, 1,000 and 10,000 chunks
    python -m bench.speed --sizes 100 1000
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SECTIONS_PER_DOC = 10
WORDS = (
    "people crossing the Channel asylum refugees safety family values fairness compassion "
    "detention hotels housing settlement scheme status deadline community welcome integration "
    "spokesperson lived experience consent safeguarding journalist interview story frame "
    "persuadable middle audience message campaign volunteers councils schools health work "
    "rights dignity protection routes visas employers landlords evidence report research "
    "newsletter social media comments trolls hope belonging neighbours local faith groups"
).split()
QUESTIONS = [
    "How do we talk about people crossing the Channel?",
    "What should we say about asylum hotels?",
    "How do we support a spokesperson with lived experience?",
    "Which words should we avoid when describing refugees?",
    "What are our lines on detention?",
    "How do we reach the persuadable middle?",
    "What is NRPF?",
    "How should we reply to hostile comments on social media?",
    "What do we say about the settlement scheme deadline?",
    "How do we frame a story about a family?",
]


TEMPLATES = (
    "How do we talk about {} and {}?",
    "What should we say about {} in our {}?",
    "Any lines on {} for {}?",
    "is it ok to say {} when we mean {}",
    "What does our guidance say on {} and {}?",
)


def timed_questions(n: int, seed: int = 11) -> list[str]:
    """``n`` distinct questions in members' forms, over the corpus vocabulary."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        question = rng.choice(TEMPLATES).format(rng.choice(WORDS), rng.choice(WORDS))
        if question not in out:
            out.append(question)
    return out


def write_corpus(root: Path, chunks: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    docs = max(1, chunks // SECTIONS_PER_DOC)
    for d in range(docs):
        kind = ("guidance", "line", "training")[d % 3]
        lines = [
            "---",
            f"title: Generated document {d}",
            f"kind: {kind}",
            f"date: 2025-{1 + d % 12:02d}-{1 + d % 28:02d}",
            "status: current",
            "---",
            f"# Generated document {d}",
        ]
        for s in range(SECTIONS_PER_DOC):
            sentences = [
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize() + "."
                for _ in range(6)
            ]
            lines += ["", f"## Section {s}", "", " ".join(sentences)]
        (root / f"doc-{d:05d}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def measure(size: int) -> dict:
    from bot.answer import Question
    from bot.factory import build_advisor
    from bot.index.embedding import MiniLMEmbeddings
    from bot.ingest.pipeline import ingest
    from bot.settings import PROJECT_ROOT, Settings
    from bot.storage.database import sqlite_url

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "k").mkdir()
        write_corpus(base / "k", size)
        settings = Settings(
            knowledge_dirs=(base / "k",),
            chroma_dir=base / "chroma",
            database_url=sqlite_url(base / "lines.db"),
            policy_path=PROJECT_ROOT / "knowledge" / "policy" / "escalation.yaml",
        )
        embeddings = MiniLMEmbeddings()
        started = time.perf_counter()
        report = ingest(settings, embeddings=embeddings)
        full = time.perf_counter() - started
        started = time.perf_counter()
        again = ingest(settings, embeddings=embeddings)
        no_change = time.perf_counter() - started
        assert not again.added and not again.updated

        # queue=False: measure answering, not SQLite writes of no-guidance gaps.
        advisor = build_advisor(settings, embeddings=embeddings, queue=False)
        for question in QUESTIONS:  # warm up: model, index view, BM25
            advisor.ask(Question(question))
        latencies = []
        # Every timed question is new: a repeated one would be a cache hit for its vector.
        for question in timed_questions(100):
            started = time.perf_counter()
            advisor.ask(Question(question))
            latencies.append((time.perf_counter() - started) * 1000)
        latencies.sort()
        return {
            "chunks": report.chunks,
            "ingest_s": full,
            "chunks_per_s": report.chunks / full,
            "no_change_s": no_change,
            "no_change_pct": 100 * no_change / full,
            "p50_ms": statistics.median(latencies),
            "p95_ms": latencies[94],
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process mode
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return
    print(
        f"{'chunks':>7} {'ingest s':>9} {'chunks/s':>9} {'no-change s':>12} {'(% of full)':>12} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'peak MB':>8}"
    )
    for size in args.sizes:
        done = subprocess.run(
            [sys.executable, "-m", "bench.speed", "--one", str(size)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            print(f"size {size} failed:\n{done.stderr}", file=sys.stderr)
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{r['chunks']:>7} {r['ingest_s']:>9.1f} {r['chunks_per_s']:>9.0f} "
            f"{r['no_change_s']:>12.2f} {r['no_change_pct']:>11.1f}% "
            f"{r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} {r['peak_mb']:>8.0f}"
        )


if __name__ == "__main__":
    main()

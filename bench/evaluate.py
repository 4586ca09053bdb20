"""``make eval``: how well Lines answers, on the project's own evaluation sets.

Retrieval and answers (``bench/eval/questions.yaml``): hit rate at 1 and 3 (is the expected
document the first / among the first three distinct documents retrieved), cited rate (is it
among the answer's citations) and key-fact rate (does the answer text show the key phrase),
with and without BM25 fusion. Unanswerable questions (``bench/eval/unanswerable.yaml``):
the share that get the honest "no guidance" reply. Escalation figures come from
``bench.eval_escalation``. The index is (re)built incrementally from ``knowledge/`` first.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.answer import Question
from bot.embedding import build_embeddings
from bot.factory import build_advisor
from bot.ingest.pipeline import ingest
from bot.retrieval import ChromaRetriever
from bot.settings import Settings

HERE = Path(__file__).parent / "eval"


@dataclass
class RetrievalScores:
    hit1: float
    hit3: float
    cited: float
    key_fact: float
    escalated: int
    misses: list[str]


def load_yaml(name: str):
    return yaml.safe_load((HERE / name).read_text(encoding="utf-8"))


def distinct_sources(passages) -> list[str]:
    out: list[str] = []
    for p in passages:
        if p.source not in out:
            out.append(p.source)
    return out


def score_questions(
    settings: Settings, embeddings, cases: list[dict], use_bm25: bool
) -> RetrievalScores:
    # queue=False: the evaluation must not fill (or even open) the staff queue.
    advisor = build_advisor(settings, embeddings=embeddings, queue=False)
    advisor.retriever = ChromaRetriever(settings, embeddings, use_bm25=use_bm25)
    hit1 = hit3 = cited = key = escalated = 0
    misses = []
    for case in cases:
        question = Question(case["question"])
        sources = distinct_sources(advisor.retriever.retrieve(question))
        answer = advisor.ask(question)
        hit1 += bool(sources[:1] == [case["source"]])
        hit3 += case["source"] in sources[:3]
        cited += case["source"] in {c.source for c in answer.citations}
        shown = case["key_fact"].lower() in answer.text.lower()
        key += shown
        escalated += answer.escalation is not None and answer.escalation.kind != "no_guidance"
        if case["source"] not in sources[:3] or not shown:
            misses.append(f"{case['question']!r} -> {sources[:3]} (want {case['source']})")
    n = len(cases) or 1
    return RetrievalScores(hit1 / n, hit3 / n, cited / n, key / n, escalated, misses)


def main() -> dict:
    logging.basicConfig(level=logging.WARNING)
    settings = Settings.load()
    embeddings = build_embeddings(settings.embedding_model)
    report = ingest(settings, embeddings=embeddings)
    if report.failed:
        print(f"warning: {len(report.failed)} file(s) failed to ingest: {report.failed}")
    cases = load_yaml("questions.yaml")
    print(
        f"Knowledge base: {report.chunks} chunks. Answerer: "
        f"{settings.llm_provider if settings.llm_enabled else 'offline composer'}."
    )
    print(f"\nRetrieval and answers ({len(cases)} questions)")
    print(f"{'':14}{'hit@1':>8}{'hit@3':>8}{'cited':>8}{'key fact':>10}")
    results = {}
    for label, use_bm25 in (("dense only", False), ("dense + BM25", True)):
        s = score_questions(settings, embeddings, cases, use_bm25)
        results[label] = s
        print(f"{label:14}{s.hit1:8.0%}{s.hit3:8.0%}{s.cited:8.0%}{s.key_fact:10.0%}")
    final = results["dense + BM25"]
    if final.escalated:
        print(f"  {final.escalated} ordinary question(s) were escalated")
    if final.misses and "-v" in sys.argv:
        print("  misses (dense + BM25):")
        for miss in final.misses:
            print(f"   - {miss}")

    advisor = build_advisor(settings, embeddings=embeddings, queue=False)
    off_topic = load_yaml("unanswerable.yaml")
    kinds = [advisor.ask(Question(q)).escalation for q in off_topic]
    honest = sum(e is not None and e.kind == "no_guidance" for e in kinds)
    print(f"\nUnanswerable questions answered 'no guidance': {honest}/{len(off_topic)}")

    figures = {
        "hit@1": final.hit1,
        "hit@3": final.hit3,
        "cited": final.cited,
        "key_fact": final.key_fact,
        "no_guidance": honest / len(off_topic),
    }
    try:
        from bench import eval_escalation
    except ImportError:
        return figures
    print()
    figures["escalation"] = eval_escalation.main()
    return figures


if __name__ == "__main__":
    main()

"""``make eval``: how well Lines answers, on the project's own evaluation sets.

    python -m bench.evaluate                 # every set, figures only
    python -m bench.evaluate --set dev -v    # one set, and every miss
    python -m bench.evaluate --compare       # also dense-only retrieval, for comparison

Sets (``bench/eval/README.md``):
- ``dev``: ``questions.yaml`` and ``unanswerable.yaml`` over ``knowledge/``; the set worked on.
- ``heldout``: ``heldout.yaml`` over ``knowledge/``, written by someone else without seeing how
  answers are made; run it for figures, do not tune to it.
- ``unseen``: another charity's documents (``unseen/knowledge/``, no metadata, hard-wrapped)
  with their own questions, ingested into a temporary index.

Figures per set: hit@1 and hit@3 (the expected document first / among the first three
distinct documents retrieved), cited (among the answer's citations), key fact shown in the
answer text itself (not only in a citation's quote), fragments (bullets that stop
mid-sentence), escalations of ordinary questions, and off-topic questions that get the
honest "no guidance". Nothing here opens queue items.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.advisor import Advisor
from bot.answer import Answer, Question
from bot.answering.retrieval import ChromaRetriever
from bot.factory import build_advisor
from bot.index.embedding import build_embeddings
from bot.ingest.loaders import load
from bot.ingest.pipeline import ingest
from bot.settings import PROJECT_ROOT, Settings
from bot.text import blocks, sentences

HERE = Path(__file__).parent / "eval"
_MARKER = re.compile(r"\s*\[\d+\]\s*$")
_BULLET = re.compile(r"^\s*(?:•|–)\s*")
_LABEL = re.compile(r"^[A-Z][\w'’ ]{0,30}:\s+")
_FINAL = re.compile(r"[.!?…:;\"”’')\]]$")


@dataclass
class SetScores:
    name: str
    cases: int = 0
    hit1: int = 0
    hit3: int = 0
    cited: int = 0
    key_fact: int = 0
    escalated: int = 0
    bullets: int = 0
    fragments: int = 0
    off_topic: int = 0
    refused: int = 0
    misses: list[str] = field(default_factory=list)

    def rate(self, value: int, of: int | None = None) -> str:
        total = self.cases if of is None else of
        return f"{value / total:.0%}" if total else "-"


def normalise(text: str) -> str:
    """Lower case, straight quotes, one space: how a key fact is looked for."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.replace("**", "").split())


def distinct_sources(passages) -> list[str]:
    out: list[str] = []
    for p in passages:
        if p.source not in out:
            out.append(p.source)
    return out


def whole_units(root: Path) -> set[str]:
    """Every whole list item, table row and sentence of the documents under ``root``."""
    units: set[str] = set()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.endswith(".meta.yaml") or "policy" in path.parts:
            continue
        try:
            document = load(path, max_file_mb=Settings.default("max_file_mb"))
        except Exception:  # a document the loader refuses has no units to compare with
            continue
        for section in document.sections:
            for block in blocks(section.text):
                units.add(normalise(block.text))
                units.update(normalise(s) for s in sentences(block.text))
    return units


def fragments(answer: Answer, units: set[str]) -> tuple[int, int]:
    """(bullets, bullets that stop mid-sentence) in the advice part of ``answer``."""
    advice = answer.text.split("\n\nNote:", 1)[0]
    count = broken = 0
    for line in advice.splitlines():
        if not line.strip():
            continue
        text = _MARKER.sub("", _BULLET.sub("", line)).strip()
        if line.lstrip().startswith("•"):
            count += 1
        if not text or text.endswith(":"):
            continue  # a list's label line
        bare = _LABEL.sub("", text)
        in_source = normalise(bare) in units or normalise(text) in units
        if line.lstrip().startswith("–"):
            # An item of a list shown whole under its label: whole if the document has it.
            broken += not in_source
        elif not (_FINAL.search(text) or in_source) or text[:1].islower():
            broken += 1
    return count, broken


def score(
    name: str,
    advisor: Advisor,
    cases: list[dict],
    off_topic: list[str],
    units: set[str],
    verbose: bool,
) -> SetScores:
    s = SetScores(name, cases=len(cases), off_topic=len(off_topic))
    for case in cases:
        question = Question(case["question"])
        sources = distinct_sources(advisor.retriever.retrieve(question))
        answer = advisor.ask(question)
        s.hit1 += sources[:1] == [case["source"]]
        s.hit3 += case["source"] in sources[:3]
        cited = case["source"] in {c.source for c in answer.citations}
        s.cited += cited
        shown = normalise(case["key_fact"]) in normalise(answer.text)
        s.key_fact += shown
        s.escalated += answer.escalated
        count, broken = fragments(answer, units)
        s.bullets += count
        s.fragments += broken
        if not (cited and shown) or broken or answer.escalated:
            what = []
            if answer.escalated:
                what.append(f"escalated ({answer.escalation.category})")
            elif not cited:
                what.append(f"not cited (retrieved {sources[:3]})")
            if not shown:
                what.append(f"key fact {case['key_fact']!r} not shown")
            if broken:
                what.append(f"{broken} fragment(s)")
            s.misses.append(f"{case['question']!r}: {'; '.join(what)}")
            if verbose:
                s.misses.append("      " + answer.text.replace("\n", "\n      "))
    for text in off_topic:
        answer = advisor.ask(Question(text))
        refused = answer.escalation is not None and answer.escalation.kind == "no_guidance"
        s.refused += refused
        if not refused:
            got = "escalated" if answer.escalated else "answered"
            s.misses.append(f"off-topic {text!r}: {got}")
            if verbose and not answer.escalated:
                s.misses.append("      " + answer.text.replace("\n", "\n      "))
    return s


def print_scores(rows: list[SetScores]) -> None:
    header = (
        f"{'set':16}{'cases':>6}{'hit@1':>7}{'hit@3':>7}{'cited':>7}{'key fact':>9}"
        f"{'fragments':>11}{'escalated':>10}{'off-topic refused':>19}"
    )
    print(header)
    for s in rows:
        print(
            f"{s.name:16}{s.cases:>6}{s.rate(s.hit1):>7}{s.rate(s.hit3):>7}{s.rate(s.cited):>7}"
            f"{s.rate(s.key_fact):>9}{f'{s.fragments}/{s.bullets}':>11}{s.escalated:>10}"
            f"{f'{s.refused}/{s.off_topic}':>19}"
        )


def evaluate_knowledge(
    settings, embeddings, name, cases, off_topic, root, args, dense_only: bool = False
) -> SetScores:
    # queue=False: the evaluation must not fill (or even open) the staff queue.
    advisor = build_advisor(settings, embeddings=embeddings, queue=False)
    if dense_only:
        advisor.retriever = ChromaRetriever(advisor.index, use_bm25=False)
    return score(name, advisor, cases, off_topic, whole_units(root), args.verbose)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.evaluate")
    parser.add_argument("--set", choices=("dev", "heldout", "unseen", "all"), default="all")
    parser.add_argument("--compare", action="store_true", help="also dense-only retrieval")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    parser.add_argument("--no-escalation", action="store_true", help="skip escalation figures")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    settings = Settings.load()
    embeddings = build_embeddings(settings.embedding_model)
    knowledge = PROJECT_ROOT / "knowledge"
    answerer = settings.llm_provider if settings.llm_enabled else "offline composer"
    rows: list[SetScores] = []
    wanted = {"dev", "heldout", "unseen"} if args.set == "all" else {args.set}

    def load_yaml(path: Path):
        return yaml.safe_load(path.read_text(encoding="utf-8"))

    if wanted & {"dev", "heldout"}:
        report = ingest(settings, embeddings=embeddings)
        print(f"knowledge/: {report.chunks} chunks. Answerer: {answerer}.")
        if report.failed:
            print(f"warning: {len(report.failed)} file(s) failed to ingest: {report.failed}")
    if "dev" in wanted:
        cases, off = load_yaml(HERE / "questions.yaml"), load_yaml(HERE / "unanswerable.yaml")
        rows.append(evaluate_knowledge(settings, embeddings, "dev", cases, off, knowledge, args))
        if args.compare:
            rows.append(
                evaluate_knowledge(
                    settings, embeddings, "dev, dense", cases, off, knowledge, args, dense_only=True
                )
            )
    if "heldout" in wanted:
        cases = load_yaml(HERE / "heldout.yaml")
        rows.append(evaluate_knowledge(settings, embeddings, "heldout", cases, [], knowledge, args))
    if "unseen" in wanted:
        unseen = load_yaml(HERE / "unseen" / "questions.yaml")
        root = HERE / "unseen" / "knowledge"
        with tempfile.TemporaryDirectory() as tmp:
            other = settings.with_overrides(
                knowledge_dirs=(root,),
                chroma_dir=Path(tmp) / "chroma",
                database_url=f"sqlite:///{Path(tmp) / 'lines.db'}",
            )
            report = ingest(other, embeddings=embeddings)
            print(f"unseen/: {report.chunks} chunks, {len(report.failed)} file(s) refused.")
            for failure in report.failed:
                print(f"  refused {failure['path']}: {failure['error']}")
            rows.append(
                evaluate_knowledge(
                    other,
                    embeddings,
                    "unseen",
                    unseen["questions"],
                    unseen["off_topic"],
                    root,
                    args,
                )
            )

    print()
    print_scores(rows)
    for s in rows:
        if s.misses:
            print(f"\nmisses ({s.name}):")
            for miss in s.misses:
                print(f"  - {miss}")
    figures = {
        s.name: {
            "hit@1": s.hit1 / (s.cases or 1),
            "hit@3": s.hit3 / (s.cases or 1),
            "cited": s.cited / (s.cases or 1),
            "key_fact": s.key_fact / (s.cases or 1),
            "fragments": s.fragments,
            "escalated": s.escalated,
            "off_topic_refused": s.refused / (s.off_topic or 1),
        }
        for s in rows
    }
    if not args.no_escalation:
        from bench import eval_escalation

        print()
        figures["escalation"] = eval_escalation.main()
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])

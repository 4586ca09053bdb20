"""``python -m bench.eval_check``: how well "Check my draft" flags what a comms officer would.

Two corpora, each ingested into its own temporary index:

- ``sample``: the project's ``knowledge/`` folder (terminology and messaging guides, lines);
- ``harbour``: ``bench/eval/check/knowledge/``, another fictional charity's house style
  written in tables and prose, plus its superseded 2022 style sheet (whose rules must not fire).

The drafts and their expected findings are in ``bench/eval/check/drafts.yaml``; they were
written before the matcher, and the ``heldout`` ones were only run once it was finished, so
the two splits are reported apart. Figures:

- precision and recall of flagged words (a finding counts when it overlaps an expected one);
- framing notes: how many drafts that clearly break the framing advice got a note, and how
  many drafts that do not got one anyway ("any" drafts are left out);
- escalation: ordinary drafts the escalation detector would hand to staff (false
  escalations), and the ``escalate: true`` drafts (a death, a child's address, threats...)
  it does hand to staff, as the checker runs it before any wording advice;
- time per check for a 2,000-character draft and a 280-character one, warm, with and without
  the escalation check.
"""

from __future__ import annotations

import logging
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.check.checker import DraftChecker
from bot.check.rulebook import RuleBook
from bot.factory import build_advisor
from bot.index.embedding import build_embeddings
from bot.ingest.pipeline import ingest
from bot.settings import PROJECT_ROOT, Settings

HERE = Path(__file__).parent / "eval" / "check"
CORPORA = {
    "sample": PROJECT_ROOT / "knowledge",
    "harbour": HERE / "knowledge",
}
DRAFT_CHARS = 2000
TWEET_CHARS = 280
TIMED_RUNS = 50


@dataclass
class Tally:
    predicted: int = 0
    expected: int = 0
    correct_predictions: int = 0
    found_expected: int = 0
    notes_wanted: int = 0
    notes_given: int = 0
    notes_unwanted: int = 0
    notes_wrong: int = 0
    drafts: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in (
            "predicted",
            "expected",
            "correct_predictions",
            "found_expected",
            "notes_wanted",
            "notes_given",
            "notes_unwanted",
            "notes_wrong",
            "drafts",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses.extend(other.misses)

    @property
    def precision(self) -> float:
        return self.correct_predictions / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.found_expected / self.expected if self.expected else 1.0


def expected_spans(text: str, expected: list[str]) -> list[tuple[int, int, str]]:
    """Where each expected string is in ``text`` ("x#2" is the second occurrence)."""
    spans = []
    for item in expected:
        phrase, _, nth = item.partition("#")
        occurrences = [m.span() for m in re.finditer(re.escape(phrase), text, re.IGNORECASE)]
        index = int(nth) - 1 if nth else 0
        if index >= len(occurrences):
            raise ValueError(f"expected {item!r} is not in the draft {text!r}")
        spans.append((*occurrences[index], item))
    return spans


def score(checker: DraftChecker, drafts: list[dict]) -> Tally:
    tally = Tally()
    for draft in drafts:
        result = checker.check_wording(draft["text"])
        predicted = [(f.start, f.end, f.found) for f in result.findings]
        expected = expected_spans(draft["text"], draft.get("expect") or [])
        tally.drafts += 1
        tally.predicted += len(predicted)
        tally.expected += len(expected)
        matched: set[int] = set()
        for start, end, found in predicted:
            hit = next(
                (
                    i
                    for i, (s, e, _) in enumerate(expected)
                    if i not in matched and s < end and start < e
                ),
                None,
            )
            if hit is None:
                tally.misses.append(f"  false flag  {draft['id']}: {found!r} in {draft['text']!r}")
            else:
                matched.add(hit)
                tally.correct_predictions += 1
        tally.found_expected += len(matched)
        for i, (_, _, item) in enumerate(expected):
            if i not in matched:
                tally.misses.append(f"  missed      {draft['id']}: {item!r} in {draft['text']!r}")
        want = draft.get("framing", "any")
        notes = [n.citations[0].locator for n in result.framing]
        if want is True:
            tally.notes_wanted += 1
            tally.notes_given += bool(notes)
            if not notes:
                tally.misses.append(f"  no note     {draft['id']}: {draft['text']!r}")
        elif want is False:
            tally.notes_unwanted += 1
            tally.notes_wrong += bool(notes)
            if notes:
                tally.misses.append(f"  wrong note  {draft['id']}: {notes} for {draft['text']!r}")
    return tally


def variants(drafts: list[dict], chars: int) -> list[str]:
    """``TIMED_RUNS`` different drafts of about ``chars`` characters."""
    out = []
    for i in range(TIMED_RUNS):
        turned = drafts[i % len(drafts) :] + drafts[: i % len(drafts)]
        out.append(f"Draft {i}. " + long_draft(turned, chars))
    return out


def long_draft(drafts: list[dict], chars: int = DRAFT_CHARS) -> str:
    """About ``chars`` characters of newsletter made of the drafts, cut at a sentence."""
    text = ""
    for draft in drafts:
        text = f"{text} {draft['text']}".strip()
        if len(text) >= chars:
            break
    cut = text[:chars]
    return cut[: cut.rfind(".") + 1] or cut


def timings(checker: DraftChecker, texts: list[str]) -> tuple[float, float, float]:
    """p50 and p95 ms of a full check (escalation first), and p50 of the wording check alone.

    Each timed draft is different: the same text again would find its vectors in the cache.
    """
    checker.check("A warm-up draft about our work.")  # rules read, detector examples embedded
    full, wording = [], []
    for text in texts:
        started = time.perf_counter()
        checker.check(text)
        full.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        checker.check_wording(text)
        wording.append((time.perf_counter() - started) * 1000)
    full.sort()
    return (
        statistics.median(full),
        full[int(0.95 * (len(full) - 1))],
        statistics.median(wording),
    )


def pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    all_drafts = yaml.safe_load((HERE / "drafts.yaml").read_text(encoding="utf-8"))
    embeddings = build_embeddings("minilm-int8")
    by_split = {"dev": Tally(), "heldout": Tally()}
    by_corpus: dict[str, Tally] = {}
    escalated: list[str] = []
    sent_to_staff: list[str] = []
    kept_from_staff: list[str] = []
    speed: dict[str, tuple[float, float, float]] = {}
    rule_counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="lines-eval-check-") as tmp:
        for name, folder in CORPORA.items():
            base = Path(tmp) / name
            settings = Settings(
                knowledge_dirs=(folder,),
                chroma_dir=base / "chroma",
                database_url=f"sqlite:///{base / 'lines.db'}",
            )
            report = ingest(settings, embeddings=embeddings)
            if report.failed:
                print(f"ingest of {folder} failed: {report.failed}", file=sys.stderr)
                return 1
            advisor = build_advisor(settings, embeddings=embeddings)
            checker = DraftChecker(RuleBook(advisor.index), advisor.detector, queue=None)
            rule_counts[name] = len(checker.rulebook.guidance().rules)
            drafts = [d for d in all_drafts if d["corpus"] == name and not d.get("escalate")]
            sensitive = [d for d in all_drafts if d["corpus"] == name and d.get("escalate")]
            corpus_tally = Tally()
            for split, tally in by_split.items():
                part = score(checker, [d for d in drafts if d["split"] == split])
                tally.add(part)
                corpus_tally.add(part)
            by_corpus[name] = corpus_tally
            for draft in drafts:
                result = checker.check(draft["text"])
                if result.escalated:
                    escalated.append(f"  {draft['id']}: {result.escalation.category}")
            for draft in sensitive:
                result = checker.check(draft["text"])
                if result.escalated:
                    sent_to_staff.append(f"  {draft['id']}: {result.escalation.category}")
                else:
                    kept_from_staff.append(f"  {draft['id']}: {draft['text']!r}")
            speed[name] = timings(checker, variants(drafts, DRAFT_CHARS))
            speed[f"{name}, tweet"] = timings(checker, variants(drafts, TWEET_CHARS))

    total = Tally()
    for tally in by_split.values():
        total.add(tally)
    print(f"Check my draft: {total.drafts} drafts, two corpora ({rule_counts} term rules)\n")
    print(f"{'':22} {'drafts':>6} {'precision':>14} {'recall':>14}   framing notes")
    rows = [(f"corpus {n}", t) for n, t in by_corpus.items()]
    rows += [(f"split {n}", t) for n, t in by_split.items()] + [("all", total)]
    for label, t in rows:
        precision = f"{pct(t.precision)} ({t.correct_predictions}/{t.predicted})"
        recall = f"{pct(t.recall)} ({t.found_expected}/{t.expected})"
        print(
            f"{label:22} {t.drafts:>6} {precision:>14} {recall:>14}   "
            f"{t.notes_given}/{t.notes_wanted} wanted given, "
            f"{t.notes_wrong}/{t.notes_unwanted} unwanted given"
        )
    print(
        f"\nflags: {total.correct_predictions} right of {total.predicted} flagged; "
        f"{total.found_expected} of {total.expected} expected found"
    )
    print(f"false escalations (ordinary drafts sent to staff): {len(escalated)}/{total.drafts}")
    for line in escalated:
        print(line)
    sensitive_total = len(sent_to_staff) + len(kept_from_staff)
    print(f"sensitive drafts sent to staff: {len(sent_to_staff)}/{sensitive_total}")
    for line in sent_to_staff + [f"{x} (NOT escalated)" for x in kept_from_staff]:
        print(line)
    for name, (p50, p95, wording) in speed.items():
        size = f"{TWEET_CHARS}" if name.endswith("tweet") else f"{DRAFT_CHARS:,}"
        print(
            f"time per check, {size}-character draft ({name.split(',')[0]}): p50 {p50:.1f} ms,"
            f" p95 {p95:.1f} ms with the escalation check; p50 {wording:.1f} ms wording alone"
        )
    if total.misses:
        print("\nMisses:")
        print("\n".join(total.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())

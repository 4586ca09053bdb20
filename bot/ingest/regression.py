"""The re-ingest regression check: what a guidance change does to answers, before members see it.

A maintainer keeps a fixed list of questions (``knowledge/checks.yaml``, or any file given to
``lines ingest --check FILE``). The ingest answers them before and after it changes the
index, with the queue off, and reports each answer that:

- **changed source**: it cites other documents than before;
- **lost its citation** (now "no guidance") or **gained one**;
- **started escalating** to staff, or **stopped**.

A questions file is YAML with a ``questions:`` list (each a question, or a mapping with a
``question:`` key), or plain text with one question per line (``#`` starts a comment):

    questions:
      - How do we talk about people crossing the Channel?
      - question: What are our lines on asylum hotels?

Anchors and aliases are refused, as in metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.answer import Answer, Question
from bot.errors import UsageError

CHECKS_FILE = "checks.yaml"  # looked for at the top of each source folder
MAX_QUESTIONS = 500

# Each kind of difference, as the report names it.
CHANGED_SOURCE = "changed_source"
LOST_CITATION = "lost_citation"
GAINED_CITATION = "gained_citation"
STARTED_ESCALATING = "started_escalating"
STOPPED_ESCALATING = "stopped_escalating"
LABELS = {
    CHANGED_SOURCE: "changed source",
    LOST_CITATION: "lost its citation",
    GAINED_CITATION: "gained a citation",
    STARTED_ESCALATING: "started escalating",
    STOPPED_ESCALATING: "stopped escalating",
}


class ChecksFileError(UsageError):
    """The questions file cannot be used; the message names it and says what to fix."""


def find_checks_file(sources: Sequence[Path]) -> Path | None:
    """The first ``checks.yaml`` at the top of a source folder, if any keeps one."""
    for source in sources:
        candidate = Path(source) / CHECKS_FILE
        if candidate.is_file():
            return candidate
    return None


def load_questions(path: Path) -> list[str]:
    """The questions in ``path`` (YAML or one per line), or ``ChecksFileError`` saying why."""
    from bot.ingest.metadata import MetadataError, load_yaml_mapping

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise ChecksFileError(f"--check {path}: cannot read it ({reason}).") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = load_yaml_mapping(text, str(path))
        except MetadataError as exc:
            raise ChecksFileError(f"--check {path}: {exc}.") from None
        entries = data.get("questions")
        if not isinstance(entries, list):
            raise ChecksFileError(
                f"--check {path}: write a `questions:` list, one question per item."
            )
        questions = []
        for n, entry in enumerate(entries, 1):
            if isinstance(entry, dict):
                entry = entry.get("question")
            if not isinstance(entry, str) or not entry.strip():
                raise ChecksFileError(
                    f"--check {path}: item {n} of `questions:` is not a question (write it as "
                    "text, or as `question: ...`)."
                )
            questions.append(" ".join(entry.split()))
    else:
        questions = [
            line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
        ]
    if not questions:
        raise ChecksFileError(f"--check {path}: it holds no questions.")
    if len(questions) > MAX_QUESTIONS:
        raise ChecksFileError(
            f"--check {path}: {len(questions)} questions; keep it to {MAX_QUESTIONS} or fewer."
        )
    return questions


@dataclass(frozen=True)
class Snapshot:
    """What one answer was, as far as the check compares it."""

    sources: tuple[str, ...]  # cited documents, in citation order
    escalation: str | None  # "sensitive/safeguarding", "no_guidance"... or None

    @classmethod
    def of(cls, answer: Answer) -> Snapshot:
        """The parts of ``answer`` the check compares."""
        escalation = None
        if answer.escalation is not None:
            escalation = answer.escalation.kind
            if answer.escalation.category:
                escalation += f"/{answer.escalation.category}"
        return cls(tuple(dict.fromkeys(c.source for c in answer.citations)), escalation)

    @property
    def escalated(self) -> bool:
        """Handed to staff (not merely "no guidance")."""
        return self.escalation is not None and not self.escalation.startswith("no_guidance")

    def to_json(self) -> dict:
        """``{"sources": [...], "escalation": ... | null}``."""
        return {"sources": list(self.sources), "escalation": self.escalation}


@dataclass(frozen=True)
class Difference:
    """One question whose answer changed in a way the maintainer should see."""

    question: str
    kinds: tuple[str, ...]
    before: Snapshot
    after: Snapshot

    def to_json(self) -> dict:
        """The difference as the ``check`` key of ``ingest --json`` lists it."""
        return {
            "question": self.question,
            "changes": list(self.kinds),
            "before": self.before.to_json(),
            "after": self.after.to_json(),
        }


def compare(question: str, before: Snapshot, after: Snapshot) -> Difference | None:
    """How the answer to ``question`` changed, or None when it did not in any way reported."""
    kinds = []
    if before.escalated != after.escalated:
        kinds.append(STARTED_ESCALATING if after.escalated else STOPPED_ESCALATING)
    if before.sources and not after.sources:
        kinds.append(LOST_CITATION)
    elif after.sources and not before.sources:
        kinds.append(GAINED_CITATION)
    elif set(before.sources) != set(after.sources):
        kinds.append(CHANGED_SOURCE)
    return Difference(question, tuple(kinds), before, after) if kinds else None


@dataclass(frozen=True)
class CheckReport:
    """The check's result: which questions' answers changed, and how."""

    path: str
    questions: int
    differences: tuple[Difference, ...]
    skipped: str = ""  # why the check did not run (a dry run), else ""

    def to_json(self) -> dict:
        """The ``check`` key of ``ingest --json``."""
        data: dict = {"file": self.path, "questions": self.questions}
        if self.skipped:
            data["skipped"] = self.skipped
            return data
        data["changed"] = [d.to_json() for d in self.differences]
        data["counts"] = {kind: sum(kind in d.kinds for d in self.differences) for kind in LABELS}
        return data

    def lines(self) -> list[str]:
        """The check as the text report prints it."""
        head = f"Check ({self.path}, {self.questions} questions): "
        if self.skipped:
            return [head + self.skipped]
        if not self.differences:
            return [head + "no answer changed source, citation or escalation."]
        counts = self.to_json()["counts"]
        summary = ", ".join(f"{n} {LABELS[k]}" for k, n in counts.items() if n)
        out = [head + summary + "."]
        for d in self.differences:
            out.append(f"  {d.question}")
            out.append(f"      {'; '.join(LABELS[k] for k in d.kinds)}")
            out.append(f"      before: {_shown(d.before)}")
            out.append(f"      after:  {_shown(d.after)}")
        return out


def _shown(snapshot: Snapshot) -> str:
    parts = [", ".join(snapshot.sources) or "no citation"]
    if snapshot.escalation:
        parts.append(f"escalation {snapshot.escalation}")
    return "; ".join(parts)


class RegressionCheck:
    """Answers a fixed list of questions before and after an ingest, with the queue off."""

    def __init__(self, path: Path, questions: Sequence[str], advisor, embeddings=None) -> None:
        self.path = path
        self.questions = list(questions)
        self.advisor = advisor
        self.embeddings = embeddings  # the advisor's model, lent to the ingest between answers
        self._before: list[Snapshot] | None = None

    def before(self) -> None:
        """Answer every question against the index as it is now (nothing, on a first ingest)."""
        from bot.errors import LinesError

        try:
            self.advisor.retriever.ensure_ready()
        except LinesError:  # no index yet: every answer is "nothing cited", without asking
            self._before = [Snapshot((), None) for _ in self.questions]
            return
        self._before = self._answers()

    def after(self) -> CheckReport:
        """Answer them again and report what changed since ``before``."""
        assert self._before is not None, "call before() first"
        differences = [
            d
            for q, b, a in zip(self.questions, self._before, self._answers(), strict=True)
            if (d := compare(q, b, a)) is not None
        ]
        return CheckReport(str(self.path), len(self.questions), tuple(differences))

    def skipped(self, reason: str) -> CheckReport:
        """The report of a check that did not run, saying why."""
        return CheckReport(str(self.path), len(self.questions), (), skipped=reason)

    def _answers(self) -> list[Snapshot]:
        return [Snapshot.of(self.advisor.ask(Question(q))) for q in self.questions]

"""Everything the maintainers' report shows, read from the queue and the index, as values.

- **Questions with no guidance**: the queue's ``no_guidance`` items, grouped by meaning with
  the bundled embedder (a question joins the group whose mean it is closest to, when close
  enough), with counts and a few examples. Items opened because the index could not be
  searched are outages, not gaps, and are left out.
- **Answers marked not helpful**: the feedback clicks, each with the question and the
  documents the answer cited (found through the answer record the click came from).
- **Documents most and never cited**: answer records against the documents indexed now.
- **Lines due for review or expired**: current documents past their review or expiry date.
- **Escalations by category and time to answer**: staff items, with the time from the
  question to the staff answer reaching the member.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from bot.answering.lifecycle import IndexState, document_states, today
from bot.index.connection import IndexConnection
from bot.settings import Settings
from bot.storage.store import STAFF_KINDS, AnswerRecord, EscalationStore, Item

log = logging.getLogger(__name__)

GAP_SIMILARITY = 0.5  # cosine to a group's mean above which a question joins that gap
EXAMPLES = 3
MOST_CITED = 10
UNREACHABLE_INDEX = "could not be searched"  # the advisor's reason when the index was down


@dataclass(frozen=True)
class GapGroup:
    """Unanswered questions about one thing: how many, a few of them, when last asked."""

    count: int
    examples: tuple[str, ...]
    last_asked: dt.datetime


@dataclass(frozen=True)
class Unhelpful:
    """An answer a member marked not helpful: the question and what the answer cited."""

    when: dt.datetime
    platform: str
    question: str
    documents: tuple[str, ...]  # titles; empty when the answer was not recorded


@dataclass(frozen=True)
class DocumentUse:
    """How often answers cited one document in the period."""

    source: str
    title: str
    kind: str
    count: int


@dataclass(frozen=True)
class StaleDocument:
    """A current document past its review date (still cited) or expiry date (never cited)."""

    source: str
    title: str
    kind: str
    date: str
    review_by: str
    expires: str
    expired: bool


@dataclass(frozen=True)
class CategoryStats:
    """Escalations of one category: how many, answered, still open, and time to answer."""

    category: str
    count: int
    answered: int
    waiting: int  # no staff answer yet and not resolved
    median_hours: float | None
    slowest_hours: float | None


@dataclass(frozen=True)
class Report:
    """The whole report for the last ``days`` days, as of ``generated``."""

    days: int
    generated: dt.datetime
    per_day: tuple[tuple[dt.date, int], ...]  # questions asked each day (answers and items)
    answered: int  # answers posted with citations
    gap_count: int
    escalation_count: int
    gaps: tuple[GapGroup, ...]
    helpful: int
    unhelpful: tuple[Unhelpful, ...]
    most_cited: tuple[DocumentUse, ...]
    never_cited: tuple[DocumentUse, ...]
    stale: tuple[StaleDocument, ...]
    escalations: tuple[CategoryStats, ...]
    index_problem: str = ""  # why the document sections are empty, when the index was unreadable

    @property
    def questions(self) -> int:
        """Every question counted in the period."""
        return sum(n for _, n in self.per_day)


def build_report(
    settings: Settings,
    days: int,
    *,
    store: EscalationStore | None = None,
    embeddings: Embeddings | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Read the queue and the index and build the report of the last ``days`` days.

    The embedder is loaded only when there are unanswered questions to group. An index that
    cannot be read leaves the document sections empty, with ``index_problem`` saying why.
    """
    now = now or dt.datetime.now(dt.UTC)
    since = now - dt.timedelta(days=days)
    store = store or EscalationStore.from_settings(settings)
    items = store.items_since(since)
    records = store.answers_since(since)
    try:
        with IndexConnection(settings) as index:
            state = document_states(index)
        problem = "" if state.stamp is not None else "nothing is indexed yet: run `lines ingest`"
    except Exception as exc:  # a Chroma server that is down must not stop the rest
        log.warning("the report could not read the index (%s)", type(exc).__name__)
        state, problem = IndexState(None), f"the index could not be read ({type(exc).__name__})"
    gap_items = [i for i in items if i.kind == "no_guidance" and UNREACHABLE_INDEX not in i.reason]
    staff_items = [i for i in items if i.kind in STAFF_KINDS]
    feedback = store.feedback_since(since)
    most, never = _citations(records, state)
    return Report(
        days=days,
        generated=now,
        per_day=_per_day(records, items, since, now),
        answered=len(records),
        gap_count=len(gap_items),
        escalation_count=len(staff_items),
        gaps=tuple(group_gaps(gap_items, embeddings, settings)),
        helpful=sum(1 for f in feedback if f["helpful"]),
        unhelpful=tuple(_unhelpful(feedback, records)),
        most_cited=most,
        never_cited=never,
        stale=_stale(state),
        escalations=_escalations(staff_items),
        index_problem=problem,
    )


def group_gaps(
    items: Sequence[Item], embeddings: Embeddings | None, settings: Settings
) -> list[GapGroup]:
    """Unanswered questions grouped by meaning, largest group first."""
    if not items:
        return []
    import numpy as np

    if embeddings is None:
        from bot.index.embedding import build_embeddings

        embeddings = build_embeddings(settings.embedding_model)
    vectors = np.asarray(embeddings.embed_documents([i.question for i in items]), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-12)
    centres: list[np.ndarray] = []  # each group's mean direction
    members: list[list[int]] = []
    for n, vector in enumerate(vectors):
        scores = [float(centre @ vector) for centre in centres]
        best = max(range(len(scores)), key=scores.__getitem__, default=None)
        if best is not None and scores[best] >= GAP_SIMILARITY:
            members[best].append(n)
            centre = vectors[members[best]].mean(axis=0)
            centres[best] = centre / max(float(np.linalg.norm(centre)), 1e-12)
        else:
            centres.append(vector)
            members.append([n])
    groups = []
    for group in members:
        questions = list(dict.fromkeys(" ".join(items[n].question.split()) for n in group))
        groups.append(
            GapGroup(
                count=len(group),
                examples=tuple(questions[:EXAMPLES]),
                last_asked=max(items[n].created_at for n in group),
            )
        )
    return sorted(groups, key=lambda g: (-g.count, -g.last_asked.timestamp()))


def _per_day(
    records: Sequence[AnswerRecord], items: Sequence[Item], since: dt.datetime, now: dt.datetime
) -> tuple[tuple[dt.date, int], ...]:
    counts = Counter(r.created_at.date() for r in records)
    counts.update(i.created_at.date() for i in items)
    first, last = since.date() + dt.timedelta(days=1), now.date()
    return tuple(
        (first + dt.timedelta(days=n), counts.get(first + dt.timedelta(days=n), 0))
        for n in range((last - first).days + 1)
    )


def _unhelpful(feedback: Sequence[dict], records: Sequence[AnswerRecord]) -> list[Unhelpful]:
    by_posted = {r.posted: r for r in records if r.posted}
    out = []
    for click in feedback:
        if click["helpful"]:
            continue
        record = by_posted.get(click["answer_ref"] or "")
        if record is None:  # a private answer has no posted reference: match who and what
            earlier = [
                r
                for r in records
                if r.platform == click["platform"]
                and r.asker == click["user"]
                and r.question == click["question"]
                and r.created_at <= click["created_at"]
            ]
            record = earlier[-1] if earlier else None
        titles = tuple(dict.fromkeys(c["title"] for c in record.citations)) if record else ()
        out.append(Unhelpful(click["created_at"], click["platform"], click["question"], titles))
    return sorted(out, key=lambda u: u.when, reverse=True)


def _citations(
    records: Sequence[AnswerRecord], state: IndexState
) -> tuple[tuple[DocumentUse, ...], tuple[DocumentUse, ...]]:
    counts: Counter[str] = Counter()
    titles: dict[str, str] = {}
    for record in records:
        sources = {c["source"]: c["title"] for c in record.citations}
        counts.update(sources.keys())
        titles.update(sources)
    documents = state.by_source()
    on = today()

    def use(source: str) -> DocumentUse:
        document = documents.get(source)
        title = document.title if document else titles.get(source, source)
        return DocumentUse(source, title, document.kind if document else "", counts[source])

    most = tuple(use(s) for s, _ in counts.most_common(MOST_CITED))
    never = tuple(
        use(d.source)
        for d in state.documents
        if d.status == "current" and not d.expired_on(on) and counts[d.source] == 0
    )
    return most, never


def _stale(state: IndexState) -> tuple[StaleDocument, ...]:
    on = today()
    found = [
        StaleDocument(
            d.source, d.title, d.kind, d.date, d.review_by, d.expires, expired=d.expired_on(on)
        )
        for d in state.documents
        if d.status == "current" and (d.expired_on(on) or d.due_on(on))
    ]
    return tuple(sorted(found, key=lambda s: (not s.expired, s.review_by or s.expires, s.title)))


def _escalations(items: Sequence[Item]) -> tuple[CategoryStats, ...]:
    by_category: dict[str, list[Item]] = {}
    for item in items:
        by_category.setdefault(item.category or item.kind, []).append(item)
    stats = []
    for category, group in by_category.items():
        hours = [h for h in (_hours_to_answer(i) for i in group) if h is not None]
        stats.append(
            CategoryStats(
                category=category,
                count=len(group),
                answered=len(hours),
                waiting=sum(1 for i in group if i.staff_answer is None and i.state != "resolved"),
                median_hours=statistics.median(hours) if hours else None,
                slowest_hours=max(hours) if hours else None,
            )
        )
    return tuple(sorted(stats, key=lambda s: (-s.count, s.category)))


def _hours_to_answer(item: Item) -> float | None:
    """From the question to the staff answer reaching the member (or being recorded, for a
    question asked where no member can be reached)."""
    if item.staff_answer is None:
        return None
    done = item.relayed_at or item.updated_at
    return max(0.0, (done - item.created_at).total_seconds() / 3600)

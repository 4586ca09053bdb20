"""Lines to take over time: review dates, expiry, and what an answer says about them.

A "line to take" is written for a news moment and goes stale. Each document may carry a
``review_by`` date (when someone should check it still holds) and an ``expires`` date (when it
must no longer be used); both are stored on every chunk at ingest (``bot.index.chunks``). A line
to take (kind ``line``) without ``review_by`` is due for review ``LINE_REVIEW_MONTHS`` after
its ``date``.

Dates are compared with today's date when a question is asked, not at ingest: time passes
without anyone re-ingesting. From its review date a document is *due for review* (answers
still cite it, and say so, with the date); from its expiry date it is *expired* (never cited;
an answer whose best match was expired says so).

``document_states`` reads every indexed document's dates and status from the manifest and
the index, for the corrections loop and the maintainers' report.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.answer import Passage
from bot.index.connection import IndexConnection

log = logging.getLogger(__name__)

LINE_KIND = "line"
EXPIRED = "expired"  # the status of a passage returned only so the answer can say it expired


def today() -> dt.date:
    """The date questions are judged against (local time, like the dates people write)."""
    return dt.date.today()


def parse_date(value: str) -> dt.date | None:
    """An ISO date as stored on chunks, or None for "" or anything unreadable."""
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` calendar months on; the 31st becomes the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_date(kind: str, date: str, review_by: str, months: int) -> str:
    """The ISO date a document is due for review, or "" when it has none.

    A ``review_by`` written in its metadata always wins; a line to take without one is due
    ``months`` after its ``date``; other kinds have no default.
    """
    if review_by:
        return review_by
    written = parse_date(date)
    if kind != LINE_KIND or written is None or months < 1:
        return ""
    return add_months(written, months).isoformat()


def is_due(iso: str, on: dt.date) -> bool:
    """True when the date ``iso`` has come (``on`` is that date or later); False for ""."""
    when = parse_date(iso)
    return when is not None and on >= when


def due_for_review(passage: Passage, on: dt.date) -> bool:
    """The passage's document has reached its review date (it is still cited)."""
    return is_due(passage.review_by, on)


def expired(passage: Passage, on: dt.date) -> bool:
    """The passage's document has reached its expiry date (it is never cited)."""
    return is_due(passage.expires, on)


SUPERSEDED_NOTE = " has been superseded; this uses its replacement ["


def is_superseded_note(line: str, title: str) -> bool:
    """True for the note ``answer_notes`` writes when the document ``title`` was superseded.

    Retrieval names it "Title (date)", or just "Title" when it has no date.
    """
    if not line.startswith(f"Note: {title}") or SUPERSEDED_NOTE not in line:
        return False
    named = line[len("Note: ") : line.index(SUPERSEDED_NOTE)]
    return named == title or (named.startswith(f"{title} (") and named.endswith(")"))


def answer_notes(
    cited: Iterable[tuple[int, Passage]], passages: Sequence[Passage], on: dt.date
) -> list[str]:
    """The notes an answer carries after its points, one line each, in a fixed order.

    ``cited`` pairs each citation number with its passage. A superseded document that matched
    ("this uses its replacement [n]"), a cited document due for review (with its date), and an
    expired document that was the best match (from any passage: it is never cited itself).
    Every answerer shows the same notes, so a member hears the same whichever wrote it.
    """
    cited = list(cited)
    notes = [f"Note: {p.replaces}{SUPERSEDED_NOTE}{n}]." for n, p in cited if p.replaces]
    reviewed: set[str] = set()
    for n, p in cited:
        if due_for_review(p, on) and p.source not in reviewed:
            reviewed.add(p.source)
            notes.append(
                f"Note: {p.title} is due for review (review date {p.review_by}); check it "
                f"still holds before you use it [{n}]."
            )
    shown: set[str] = set()
    for p in passages:
        if p.expired_match and p.expired_match not in shown:
            shown.add(p.expired_match)
            notes.append(
                f"Note: {p.expired_match} expired on {p.expired_on} and is no longer used."
            )
    return notes


@dataclass(frozen=True)
class DocumentState:
    """One indexed document as it stands now: what it is called, its status and its dates."""

    root: str  # the source folder's name in the manifest
    source: str  # path relative to that folder, as citations show it
    title: str
    kind: str
    date: str
    status: str = "current"
    superseded_by: str | None = None
    review_by: str = ""  # the effective review date (a line's default included), or ""
    expires: str = ""
    chunks: int = 0

    def expired_on(self, on: dt.date) -> bool:
        """True from the document's expiry date on."""
        return is_due(self.expires, on)

    def due_on(self, on: dt.date) -> bool:
        """True from the document's review date on."""
        return is_due(self.review_by, on)


@dataclass(frozen=True)
class IndexState:
    """Every indexed document, read at one manifest stamp (None: nothing is indexed)."""

    stamp: object
    documents: tuple[DocumentState, ...] = ()

    def by_source(self) -> dict[str, DocumentState]:
        """Documents by their cited path (the first folder wins when two folders share one)."""
        out: dict[str, DocumentState] = {}
        for document in self.documents:
            out.setdefault(document.source, document)
        return out


def document_states(index: IndexConnection) -> IndexState:
    """Every document the manifest lists, with its dates read from one of its chunks.

    One manifest read and one ``collection.get`` of a chunk per document. Raises whatever the
    manifest store or Chroma raise (the callers decide how to degrade).
    """
    settings = index.settings
    with index.reading() as read:
        if read.stamp is None:
            return IndexState(None)
        manifest = index.manifests.load()
        entries = [
            (root, rel, entry)
            for root, files in sorted(manifest.sources.items())
            for rel, entry in sorted(files.items())
            if entry.chunk_ids
        ]
        metas: dict[str, dict] = {}
        if entries:
            got = read.collection(manifest.collection).get(
                ids=[entry.chunk_ids[0] for _, _, entry in entries], include=["metadatas"]
            )
            metas = dict(zip(got["ids"], got["metadatas"], strict=True))
    documents = []
    for root, rel, entry in entries:
        meta = metas.get(entry.chunk_ids[0]) or {}
        kind = str(meta.get("kind", ""))
        date = str(meta.get("date", ""))
        documents.append(
            DocumentState(
                root=root,
                source=rel,
                title=str(meta.get("title") or entry.title or rel),
                kind=kind,
                date=date,
                status=str(meta.get("status") or entry.status or "current"),
                superseded_by=str(meta.get("superseded_by") or entry.superseded_by or "") or None,
                review_by=review_date(
                    kind, date, str(meta.get("review_by") or ""), settings.line_review_months
                ),
                expires=str(meta.get("expires") or ""),
                chunks=len(entry.chunk_ids),
            )
        )
    return IndexState(read.stamp, tuple(documents))

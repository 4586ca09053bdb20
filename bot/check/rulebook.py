"""The rules in force: read from the live index, rebuilt exactly when the index changes.

Rules come from the same chunks retrieval may cite: the ids the manifest lists, read through
Chroma with their metadata (``bot.index.chunks``), superseded documents left out. The chunks of a
section are put back together first (they overlap by up to ``CHUNK_OVERLAP`` characters), so
a rule cut in two by the splitter is read whole and a rule in the overlap is read once.

The extracted ``Guidance`` is cached against the manifest's ``stamp()``: a re-ingest that
adds, changes, removes or supersedes a document changes the stamp, and the next check reads
the rules afresh, so a finding never cites a document that is gone or superseded.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from bot.answering.lifecycle import expired, today
from bot.answering.retrieval import IndexNotReady, no_index_message
from bot.check.rules import Guidance, Origin, SectionText, extract
from bot.index.chunks import passage_from
from bot.index.connection import IndexConnection

log = logging.getLogger(__name__)

_MAX_OVERLAP = 400  # characters; the splitter's overlap is 120, whole pieces can be longer


class IndexEmpty(IndexNotReady):
    """There is no index to read rules from yet; the message says to run ingest."""


class RuleBook:
    """The ``Guidance`` of the live index, re-read whenever the manifest changes.

    Thread-safe: surfaces may check drafts from several threads at once.
    """

    def __init__(self, index: IndexConnection) -> None:
        self.index = index
        self.settings = index.settings
        self._stamp: object = None
        self._guidance: Guidance | None = None
        self._lock = threading.Lock()

    def guidance(self) -> Guidance:
        """The rules and framing advice of the documents indexed now.

        Raises ``IndexEmpty`` when nothing has been ingested into this index.
        """
        stamp = self.index.stamp()
        if stamp is None:
            raise IndexEmpty(no_index_message(self.settings))
        # Expiry is judged on the day, as retrieval judges it: the date is part of the key.
        key = (stamp, today())
        with self._lock:
            if self._guidance is None or key != self._stamp:
                self._guidance = self._load(stamp, on=key[1])
                self._stamp = key
            return self._guidance

    def _load(self, stamp: object, on: dt.date) -> Guidance:
        with self.index.reading(stamp) as read:
            manifest = self.index.manifests.load()  # once: the collection it names and its chunks
            if not manifest.live_ids:
                return Guidance()
            got = read.collection(manifest.collection).get(
                ids=sorted(manifest.live_ids), include=["documents", "metadatas"]
            )
        chunks = zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        guidance = extract(sections_from_chunks(chunks, on))
        log.info(
            "read %d term rules and %d framing passages from %d live chunks",
            len(guidance.rules),
            len(guidance.framing),
            len(manifest.live_ids),
        )
        return guidance


def sections_from_chunks(
    chunks: Iterable[tuple[str, str, Mapping[str, Any]]], on: dt.date | None = None
) -> list[SectionText]:
    """Current documents' sections, each rebuilt from its consecutive chunks.

    Chunks of superseded documents, and of documents expired by ``on`` (default today), are
    dropped: their rules no longer apply, as retrieval no longer cites them.
    """
    on = on or today()
    by_source: dict[tuple[str, str], list[tuple[int, str, str, Mapping[str, Any]]]]
    by_source = defaultdict(list)
    for chunk_id, text, meta in chunks:
        if str(meta.get("status", "current")) == "superseded":
            continue
        if expired(passage_from(chunk_id, text or "", meta, 0.0), on):
            continue
        index = int(meta.get("chunk_index", 0) or 0)
        key = (str(meta.get("source_root", "")), str(meta.get("source", "")))
        by_source[key].append((index, chunk_id, text or "", meta))
    sections: list[SectionText] = []
    for source in sorted(by_source):
        parts = sorted(by_source[source], key=lambda p: p[0])
        run: list[tuple[int, str, str, Mapping[str, Any]]] = []
        for part in parts:
            if run and (part[0] != run[-1][0] + 1 or _locator(part[3]) != _locator(run[-1][3])):
                sections.append(_section(run))
                run = []
            run.append(part)
        if run:
            sections.append(_section(run))
    return sections


def _locator(meta: Mapping[str, Any]) -> str:
    return str(meta.get("locator", ""))


def _section(run: list[tuple[int, str, str, Mapping[str, Any]]]) -> SectionText:
    text = run[0][2]
    for _, _, next_text, _ in run[1:]:
        text = merge_overlap(text, next_text)
    _, chunk_id, _, meta = run[0]
    origin = Origin(
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        locator=_locator(meta),
        kind=str(meta.get("kind", "")),
        date=str(meta.get("date", "")),
        chunk_id=chunk_id,
    )
    return SectionText(text, origin)


def merge_overlap(first: str, second: str) -> str:
    """``first`` followed by ``second`` without the text they share at the seam."""
    longest = min(len(first), len(second), _MAX_OVERLAP)
    for size in range(longest, 9, -1):
        if first.endswith(second[:size]):
            return first + second[size:]
    # No shared text: the splitter cut between two blocks (a chunk holds whole paragraphs,
    # items and rows, and a table's later chunk repeats its header). A blank line keeps them
    # apart: a single line break would run the next paragraph on, or read a repeated table
    # header as a row of the table before it.
    return f"{first}\n\n{second}"

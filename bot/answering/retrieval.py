"""Finding the passages that answer a question: dense search in Chroma, fused with BM25.

Guarantees, whatever the index holds:
- only chunks listed in the current manifest are returned, so a long-running bot never cites
  a file that a later ingest removed or changed (the manifest is re-read when it changes);
- superseded documents are never returned; when one matches, the best passage of its
  replacement is returned instead, marked with ``replaces``;
- documents past their ``expires`` date (judged when the question is asked) are never cited;
  when one was the best match the answer is told so (``bot.answering.lifecycle``), and each passage
  carries its effective review date;
- passages below the relevance floor are dropped: no passage means "no guidance".
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.answer import Passage, Question
from bot.answering.glossary import Vocabulary, find_acronyms, weight_held
from bot.answering.lifecycle import EXPIRED, expired, review_date, today
from bot.errors import LinesError
from bot.index.chunks import keyword_text, passage_from
from bot.index.connection import IndexConnection, IndexRead
from bot.settings import Settings
from bot.text import search_text, terms

log = logging.getLogger(__name__)

CANDIDATES = 20  # dense hits considered before fusion and filtering
RRF_K = 60
KEYWORD_COVERAGE = 0.6  # a chunk holding this share of the question's information is relevant...
KEYWORD_MIN_DENSE = 0.15  # ...unless its meaning is plainly elsewhere
EXPANSION_WEIGHT = 0.5  # how far an acronym's spelled-out form pulls the question's vector
SIBLING_DOCUMENTS = 2  # the best documents' other sections are offered to the composer...
SIBLING_MAX_CHUNKS = 10  # ...when the document is short (a line to take, a briefing)


class IndexNotReady(LinesError):
    """There is no index to search yet; the message says to run ingest."""


def no_index_message(settings: Settings) -> str:
    """What to say when nothing has been ingested into ``settings``' index yet."""
    where = settings.chroma_url or settings.chroma_dir
    return (
        f"No index at {where}: run `lines ingest` first "
        "(or `make demo`), or set CHROMA_DIR to where the index lives."
    )


class _StaleView(Exception):
    """The view no longer matches the index (an ingest changed it): reload and try again."""


VIEW_ATTEMPTS = 5  # reloads of the view per question before giving up
_CHANGING = "The index is being changed and could not be read consistently; ask again shortly."


class BM25:
    """Okapi BM25 over the indexed chunks; exact names and acronyms (NRPF, EUSS) live here.

    Each term's contribution to each chunk does not depend on the query, so it is computed
    once; a query only adds a few precomputed arrays (about 1 ms at 10,000 chunks).
    """

    def __init__(self, ids: list[str], texts: list[str], k1: float = 1.4, b: float = 0.75) -> None:
        self.ids = ids
        self.index = {chunk_id: i for i, chunk_id in enumerate(ids)}
        docs = [Counter(terms(t)) for t in texts]
        self.terms = [frozenset(d) for d in docs]
        lengths = np.array([sum(d.values()) for d in docs], dtype=np.float32)
        avg = float(lengths.mean()) if len(docs) else 1.0
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for index, doc in enumerate(docs):
            for term, tf in doc.items():
                rows, tfs = postings.setdefault(term, ([], []))
                rows.append(index)
                tfs.append(tf)
        n = len(docs)
        self.unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        self.idf: dict[str, float] = {}
        self.weights: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, (rows, tfs) in postings.items():
            idf = math.log(1 + (n - len(rows) + 0.5) / (len(rows) + 0.5))
            self.idf[term] = idf
            rows_array = np.array(rows, dtype=np.int32)
            tf = np.array(tfs, dtype=np.float32)
            norm = tf + k1 * (1 - b + b * lengths[rows_array] / (avg or 1.0))
            self.weights[term] = (rows_array, (idf * tf * (k1 + 1) / norm).astype(np.float32))

    def coverage(
        self,
        asked: Mapping[str, float],
        chunk_id: str,
        alternatives: Mapping[str, frozenset[str]],
    ) -> float:
        """Share of the question's information (``asked``: its words and their weights, from
        ``Vocabulary.asked``) that the chunk contains; an acronym's word counts as present
        when its other form is (``alternatives``)."""
        total = sum(asked.values())
        if not total or chunk_id not in self.index:
            return 0.0
        return weight_held(asked, self.terms[self.index[chunk_id]], alternatives) / total

    def vocabulary(self, acronyms: dict[str, str]) -> Vocabulary:
        """The words of this index, for the composer's overlap scores."""
        return Vocabulary(idf=self.idf, unseen_idf=self.unseen_idf, acronyms=acronyms)

    def top(self, query: str, n: int) -> list[tuple[str, float]]:
        """The ``n`` best (chunk id, score) pairs, best first; only chunks sharing a term."""
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for term in set(terms(query)):
            if term in self.weights:
                rows, weights = self.weights[term]
                scores[rows] += weights
        candidates = np.flatnonzero(scores)
        if len(candidates) > n:
            candidates = candidates[np.argpartition(-scores[candidates], n - 1)[:n]]
        best = candidates[np.argsort(-scores[candidates], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in best]


@dataclass
class _IndexView:
    """What retrieval knows of the index at one manifest stamp (the collection is opened
    through the connection for each read, so a view never holds a client)."""

    stamp: object
    collection: str  # the physical collection the manifest names
    live_ids: frozenset[str]
    bm25: BM25 | None
    vocabulary: Vocabulary = field(default_factory=Vocabulary)  # word weights and acronyms
    expansion_vectors: dict[str, Any] = field(default_factory=dict)
    by_source: dict[str, list[str]] = field(default_factory=dict)  # source -> chunk ids
    replaced_by: dict[str, str] = field(default_factory=dict)  # superseded source -> its successor

    def current_end(self, source: str) -> str | None:
        """The current document at the end of ``source``'s chain of replacements (``source``
        itself when it is current); None for a loop, which ingest refuses anyway."""
        seen: set[str] = set()
        while source in self.replaced_by:
            if source in seen:
                return None
            seen.add(source)
            source = self.replaced_by[source]
        return source


class ChromaRetriever:
    """Implements ``bot.advisor.Retriever`` over the index ``index`` connects to.

    ``embeddings`` embeds questions (default: the connection's embedder).
    """

    def __init__(
        self,
        index: IndexConnection,
        embeddings: Embeddings | None = None,
        *,
        use_bm25: bool = True,
        top_k: int | None = None,
        min_relevance: float | None = None,
    ) -> None:
        settings = index.settings
        self.index = index
        self.settings = settings
        self.embeddings = embeddings if embeddings is not None else index.embeddings
        self.use_bm25 = use_bm25
        self.top_k = top_k or settings.top_k
        self.min_relevance = settings.min_relevance if min_relevance is None else min_relevance
        self._view: _IndexView | None = None
        self._lock = threading.Lock()

    # -- public ----------------------------------------------------------------------------
    def retrieve(self, question: Question) -> list[Passage]:
        """Up to ``top_k`` current passages, best first; empty when nothing is relevant.

        The question is searched with the acronyms it uses spelled out (and the other way
        round), as the documents themselves define them.

        An ingest may change the index while we read it: when a chunk or the collection
        vanishes, or the manifest changes under us, the view is reloaded and the question
        asked again, so a member never sees an error or a wrong "no guidance" from a change.
        """
        view = None
        for attempt in range(VIEW_ATTEMPTS):
            with self.index.reading() as read:
                try:
                    view = self._current_view(read, stale=view)
                    passages = self._retrieve_from(view, read, question)
                except _StaleView as exc:
                    log.info("index changed while answering (%s); reloading", exc)
                    continue
            if attempt == VIEW_ATTEMPTS - 1 or self.index.stamp() == view.stamp:
                return passages
        raise IndexNotReady(_CHANGING)

    def _retrieve_from(
        self, view: _IndexView, read: IndexRead, question: Question
    ) -> list[Passage]:
        query = search_text(question)
        vocabulary = view.vocabulary
        expansions = vocabulary.expansions(query)
        # Unseen words count half in the keyword gate: "banana bread" covers nothing, while
        # "what does UASC stand for" is covered by the chunk defining UASC.
        asked = vocabulary.asked(query, unseen=0.5)
        alternatives = vocabulary.alternatives(query)
        vector = self._query_vector(view, query, expansions)
        keyword_query = " ".join([query, *expansions])
        result = _query(
            view,
            read,
            query_embeddings=[vector],
            n_results=min(CANDIDATES, max(len(view.live_ids), 1)),
            include=["documents", "metadatas", "distances"],
        )
        hits: dict[str, Passage] = {}
        for chunk_id, text, meta, similarity in _query_hits(result):
            if chunk_id in view.live_ids:
                hits[chunk_id] = passage_from(chunk_id, text, meta, similarity)

        ranked = self._fuse(view, read, keyword_query, vector, hits)
        passages = [p for p in ranked if self._relevant(view, asked, alternatives, p)]
        if not passages:
            return []
        passages = _drop_expired(self._replace_superseded(view, read, vector, passages))
        if not passages or passages[0].status == EXPIRED:
            return passages  # only an expired document matched: the answer says so, cites nothing
        # Limit the output, not the input: the composer picks the units worth showing.
        passages = self._with_siblings(view, read, vector, passages[: self.top_k])
        return [self._dated(p) for p in passages]

    def ensure_ready(self) -> None:
        """Raise ``IndexNotReady`` (saying what to run) when there is no index to search.

        The advisor keeps answering members honestly without an index; a maintainer at the
        command line wants to be told to run ingest instead.
        """
        self.vocabulary()

    def vocabulary(self) -> Vocabulary:
        """The words of the index as it is now (term weights and acronyms), for the composer."""
        for _ in range(VIEW_ATTEMPTS):
            with self.index.reading() as read:
                try:
                    return self._current_view(read).vocabulary
                except _StaleView as exc:
                    log.info("index changed while loading the view (%s)", exc)
        raise IndexNotReady(_CHANGING)

    # -- internals ---------------------------------------------------------------------------
    def _relevant(
        self,
        view: _IndexView,
        asked: Mapping[str, float],
        alternatives: Mapping[str, frozenset[str]],
        passage: Passage,
    ) -> bool:
        """Close enough in meaning, or (for names, acronyms and named frames) holding most of
        the question's words even when the meaning is only modestly close."""
        if passage.score >= self.min_relevance:
            return True
        return (
            self.use_bm25
            and view.bm25 is not None
            and passage.score >= KEYWORD_MIN_DENSE
            and view.bm25.coverage(asked, passage.chunk_id, alternatives) >= KEYWORD_COVERAGE
        )

    def _with_siblings(
        self, view: _IndexView, read: IndexRead, vector: list[float], passages: list[Passage]
    ) -> list[Passage]:
        """The passages, then the other sections of the best (short) documents.

        A line to take is split by heading, and a question names its topic ("the Rwanda
        plan"), which only the account of the news repeats: the "Our lines" section the member
        needs may share no word with it. The composer gets the whole of such a document.
        """
        have = {p.chunk_id for p in passages}
        wanted: list[str] = []
        for source in list(dict.fromkeys(p.source for p in passages))[:SIBLING_DOCUMENTS]:
            ids = view.by_source.get(source, [])
            if len(ids) <= SIBLING_MAX_CHUNKS:
                wanted.extend(i for i in ids if i not in have and i in view.live_ids)
        if not wanted:
            return passages
        got = _get(view, read, wanted, ["documents", "metadatas", "embeddings"])
        siblings = [
            passage_from(chunk_id, text, meta, _cosine(vector, emb))
            for chunk_id, text, meta, emb in zip(
                got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True
            )
            if meta.get("status", "current") == "current"
        ]
        order = {chunk_id: n for n, chunk_id in enumerate(wanted)}
        return passages + sorted(siblings, key=lambda p: order.get(p.chunk_id, 0))

    def _query_vector(self, view: _IndexView, query: str, expansions: Sequence[str]) -> list[float]:
        vector = np.asarray(self.embeddings.embed_query(query), dtype=np.float32)
        extra = [view.expansion_vectors[e] for e in expansions if e in view.expansion_vectors]
        if not extra:
            return vector.tolist()
        combined = vector + EXPANSION_WEIGHT * np.mean(extra, axis=0)
        return (combined / (np.linalg.norm(combined) or 1.0)).tolist()

    def _fuse(
        self,
        view: _IndexView,
        read: IndexRead,
        query: str,
        vector: list[float],
        hits: dict[str, Passage],
    ) -> list[Passage]:
        dense = sorted(hits.values(), key=lambda p: p.score, reverse=True)
        if not self.use_bm25 or view.bm25 is None:
            return dense
        keyword = [(i, s) for i, s in view.bm25.top(query, CANDIDATES) if i in view.live_ids]
        missing = [i for i, _ in keyword if i not in hits]
        if missing:
            got = _get(view, read, missing, ["documents", "metadatas", "embeddings"])
            for chunk_id, text, meta, emb in zip(
                got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True
            ):
                hits[chunk_id] = passage_from(chunk_id, text, meta, _cosine(vector, emb))
        # Reciprocal rank fusion decides the order; the dense cosine stays the relevance
        # score, so the "no guidance" floor means the same with or without BM25.
        rrf: dict[str, float] = {}
        for rank, passage in enumerate(dense):
            rrf[passage.chunk_id] = rrf.get(passage.chunk_id, 0) + 1 / (RRF_K + rank)
        for rank, (chunk_id, _) in enumerate(keyword):
            rrf[chunk_id] = rrf.get(chunk_id, 0) + 1 / (RRF_K + rank)
        return [hits[i] for i in sorted(rrf, key=rrf.__getitem__, reverse=True)]

    def _replace_superseded(
        self, view: _IndexView, read: IndexRead, vector: list[float], passages: list[Passage]
    ) -> list[Passage]:
        out: dict[str, Passage] = {}  # by chunk id, so a replacement that also matched is kept once
        for passage in passages:
            if passage.status != "superseded":
                out.setdefault(passage.chunk_id, passage)
                continue
            replacement = self._best_in(view, read, vector, passage.superseded_by or "")
            if replacement is None:
                log.warning(
                    "%s is superseded by %r, which is not indexed: not citing it",
                    passage.source,
                    passage.superseded_by,
                )
                continue
            note = f"{passage.title} ({passage.date})" if passage.date else passage.title
            kept = out.get(replacement.chunk_id, replacement)
            out[replacement.chunk_id] = replace(
                kept, replaces=note, score=max(kept.score, passage.score)
            )
        return list(out.values())

    def _dated(self, passage: Passage) -> Passage:
        """The passage with its effective review date (a line's default included)."""
        due = review_date(
            passage.kind, passage.date, passage.review_by, self.settings.line_review_months
        )
        return passage if due == passage.review_by else replace(passage, review_by=due)

    def _best_in(
        self, view: _IndexView, read: IndexRead, vector: list[float], source: str
    ) -> Passage | None:
        """The best current passage of ``source``'s replacement, following a chain of
        replacements (D replaced by E, E by F) to the current end."""
        source = view.current_end(source) or ""
        if not source:
            return None
        result = _query(
            view,
            read,
            query_embeddings=[vector],
            n_results=1,
            where={"$and": [{"source": source}, {"status": "current"}]},
            include=["documents", "metadatas", "distances"],
        )
        for chunk_id, text, meta, similarity in _query_hits(result):
            if chunk_id in view.live_ids:
                return passage_from(chunk_id, text, meta, similarity)
        return None

    def _current_view(self, read: IndexRead, stale: _IndexView | None = None) -> _IndexView:
        """The view of the index at ``read``'s stamp; ``stale`` is one found out of date."""
        stamp = read.stamp
        view = self._view
        if view is not None and view.stamp == stamp and view is not stale:
            return view
        with self._lock:
            view = self._view
            if view is not None and view.stamp == stamp and view is not stale:
                return view
            try:
                self._view = self._load_view(read)
            except _StaleView as exc:  # changed while loading: the caller reads again
                log.info("index changed while loading the view (%s)", exc)
                raise
            return self._view

    def _acronyms(self, texts: Sequence[str]) -> tuple[dict[str, str], dict[str, Any]]:
        """The acronyms the live documents define, and a vector for each form of each."""
        acronyms = find_acronyms(texts)
        forms = sorted({*acronyms, *acronyms.values()})
        if not forms:
            return acronyms, {}
        vectors = np.asarray(self.embeddings.embed_documents(forms), dtype=np.float32)
        return acronyms, dict(zip(forms, vectors, strict=True))

    def _load_view(self, read: IndexRead) -> _IndexView:
        if read.stamp is None:
            raise IndexNotReady(no_index_message(self.settings))
        manifest = self.index.manifests.load()
        live = manifest.live_ids
        replaced_by: dict[str, str] = {}
        for files in manifest.sources.values():
            for rel, entry in files.items():
                if entry.status == "superseded" and entry.superseded_by:
                    replaced_by.setdefault(rel, entry.superseded_by)
        bm25, vocabulary, vectors, by_source = None, Vocabulary(), {}, {}
        view = _IndexView(read.stamp, manifest.collection, live, None, replaced_by=replaced_by)
        if self.use_bm25 and live:
            got = _get(view, read, sorted(live), ["documents", "metadatas"])
            texts = [
                keyword_text(d, m) for d, m in zip(got["documents"], got["metadatas"], strict=True)
            ]
            bm25 = BM25(list(got["ids"]), texts)
            acronyms, vectors = self._acronyms(got["documents"])
            vocabulary = bm25.vocabulary(acronyms)
            by_source = _by_source(got["ids"], got["metadatas"])
        log.info("loaded index view: %d live chunks", len(live))
        return _IndexView(
            read.stamp, manifest.collection, live, bm25, vocabulary, vectors, by_source, replaced_by
        )


def _drop_expired(passages: list[Passage]) -> list[Passage]:
    """The passages without those of documents past their expiry date (judged today).

    When the best match was expired, the new best passage carries its title and date, so the
    answer can say it is no longer used; when nothing else is left, the expired best match
    comes back alone, marked ``status="expired"``, for the answerer to say so and cite nothing.
    """
    on = today()
    kept = [p for p in passages if not expired(p, on)]
    if not passages or not expired(passages[0], on):
        return kept
    best = passages[0]
    if kept:
        return [replace(kept[0], expired_match=best.title, expired_on=best.expires), *kept[1:]]
    return [replace(best, status=EXPIRED, expired_match=best.title, expired_on=best.expires)]


def _by_source(ids: Sequence[str], metadatas: Sequence[dict]) -> dict[str, list[str]]:
    """Each document's chunk ids, in document order."""
    pairs = sorted(
        zip(ids, metadatas, strict=True),
        key=lambda pair: (str(pair[1].get("source", "")), int(pair[1].get("chunk_index", 0))),
    )
    out: dict[str, list[str]] = {}
    for chunk_id, meta in pairs:
        out.setdefault(str(meta.get("source", "")), []).append(chunk_id)
    return out


def _collection(view: _IndexView, read: IndexRead):
    """The view's collection; a vanished collection means a stale view."""
    try:
        return read.collection(view.collection)
    except Exception as exc:
        raise _StaleView(f"collection {view.collection}: {type(exc).__name__}: {exc}") from exc


def _query(view: _IndexView, read: IndexRead, **kwargs) -> dict:
    """``collection.query`` on the view's collection; a vanished collection means a stale view."""
    collection = _collection(view, read)
    try:
        result = collection.query(**kwargs)
    except Exception as exc:
        raise _StaleView(f"query failed: {type(exc).__name__}: {exc}") from exc
    # A search index may still hold a chunk whose record was just deleted: it comes back
    # without text or metadata. If the view lists it, the view is out of date.
    for chunk_id, text, meta in zip(
        result["ids"][0], result["documents"][0], result["metadatas"][0], strict=True
    ):
        if (text is None or meta is None) and chunk_id in view.live_ids:
            raise _StaleView(f"listed chunk {chunk_id} vanished")
    return result


def _get(view: _IndexView, read: IndexRead, ids: list[str], include: list[str]) -> dict:
    """``collection.get`` of chunks the view lists; any of them missing means a stale view."""
    collection = _collection(view, read)
    try:
        got = collection.get(ids=ids, include=include)
    except Exception as exc:
        raise _StaleView(f"get failed: {type(exc).__name__}: {exc}") from exc
    if len(got["ids"]) != len(set(ids)):
        raise _StaleView(f"{len(set(ids)) - len(got['ids'])} listed chunks vanished")
    return got


def _query_hits(result: dict):
    """(chunk id, text, metadata, cosine similarity) for each hit of a one-query result."""
    return zip(
        result["ids"][0],
        result["documents"][0],
        result["metadatas"][0],
        (1.0 - d for d in result["distances"][0]),
        strict=True,
    )


def _cosine(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    return float(a @ b / ((np.linalg.norm(a) * np.linalg.norm(b)) or 1.0))

"""Finding the passages that answer a question: dense search in Chroma, fused with BM25.

Guarantees, whatever the index holds:
- only chunks listed in the current manifest are returned, so a long-running bot never cites
  a file that a later ingest removed or changed (the manifest is re-read when it changes);
- superseded documents are never returned; when one matches, the best passage of its
  replacement is returned instead, marked with ``replaces``;
- passages below the relevance floor are dropped: no passage means "no guidance".
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from bot.answer import Passage, Question
from bot.chunks import keyword_text, passage_from
from bot.errors import LinesError
from bot.ingest.manifest import open_manifest_store
from bot.settings import Settings
from bot.text import search_text, tokenize

log = logging.getLogger(__name__)

CANDIDATES = 20  # dense hits considered before fusion and filtering
RRF_K = 60
MAX_PER_SOURCE = 2
KEYWORD_COVERAGE = 0.75  # a chunk holding this share of the query's rare words is relevant...
KEYWORD_MIN_DENSE = 0.15  # ...unless its meaning is plainly elsewhere


class IndexNotReady(LinesError):
    """There is no index to search yet; the message says to run ingest."""


class _StaleView(Exception):
    """The view no longer matches the index (an ingest changed it): reload and try again."""


VIEW_ATTEMPTS = 5  # reloads of the view per question before giving up


class BM25:
    """Okapi BM25 over the indexed chunks; exact names and acronyms (NRPF, EUSS) live here.

    Each term's contribution to each chunk does not depend on the query, so it is computed
    once; a query only adds a few precomputed arrays (about 1 ms at 10,000 chunks).
    """

    def __init__(self, ids: list[str], texts: list[str], k1: float = 1.4, b: float = 0.75) -> None:
        import numpy as np

        self.ids = ids
        self.index = {chunk_id: i for i, chunk_id in enumerate(ids)}
        docs = [Counter(tokenize(t)) for t in texts]
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

    def coverage(self, query: str, chunk_id: str) -> float:
        """Share of the query's information (IDF-weighted terms) that the chunk contains.

        Words the corpus has never seen count fully against it, so "banana bread" covers
        nothing while "what is ILR" is fully covered by the chunk defining ILR.
        """
        terms = set(tokenize(query))
        if not terms or chunk_id not in self.index:
            return 0.0
        weights = {t: self.idf.get(t, self.unseen_idf) for t in terms}
        present = self.terms[self.index[chunk_id]]
        return sum(w for t, w in weights.items() if t in present) / sum(weights.values())

    def top(self, query: str, n: int) -> list[tuple[str, float]]:
        """The ``n`` best (chunk id, score) pairs, best first; only chunks sharing a term."""
        import numpy as np

        scores = np.zeros(len(self.ids), dtype=np.float32)
        for term in set(tokenize(query)):
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
    stamp: object
    collection: object
    live_ids: frozenset[str]
    bm25: BM25 | None


class ChromaRetriever:
    """Implements ``bot.advisor.Retriever`` over the project's Chroma collection."""

    def __init__(
        self,
        settings: Settings,
        embeddings: Embeddings,
        *,
        use_bm25: bool = True,
        top_k: int | None = None,
        min_relevance: float | None = None,
    ) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.use_bm25 = use_bm25
        self.top_k = top_k or settings.top_k
        self.min_relevance = settings.min_relevance if min_relevance is None else min_relevance
        self._manifests = open_manifest_store(settings)
        self._view: _IndexView | None = None
        self._lock = threading.Lock()

    # -- public ----------------------------------------------------------------------------
    def retrieve(self, question: Question) -> list[Passage]:
        """Up to ``top_k`` current passages, best first; empty when nothing is relevant.

        An ingest may change the index while we read it: when a chunk or the collection
        vanishes, or the manifest changes under us, the view is reloaded and the question
        asked again, so a member never sees an error or a wrong "no guidance" from a change.
        """
        view = None
        for attempt in range(VIEW_ATTEMPTS):
            try:
                view = self._current_view(stale=view)
                passages = self._retrieve_from(view, question)
            except _StaleView as exc:
                log.info("index changed while answering (%s); reloading", exc)
                continue
            if attempt == VIEW_ATTEMPTS - 1 or self._stamp() == view.stamp:
                return passages
        raise IndexNotReady(
            "The index is being changed and could not be read consistently; ask again shortly."
        )

    def _retrieve_from(self, view: _IndexView, question: Question) -> list[Passage]:
        query = search_text(question)
        vector = self.embeddings.embed_query(query)
        result = _query(
            view,
            query_embeddings=[vector],
            n_results=min(CANDIDATES, max(len(view.live_ids), 1)),
            include=["documents", "metadatas", "distances"],
        )
        hits: dict[str, Passage] = {}
        for chunk_id, text, meta, similarity in _query_hits(result):
            if chunk_id in view.live_ids:
                hits[chunk_id] = passage_from(chunk_id, text, meta, similarity)

        ranked = self._fuse(view, query, vector, hits)
        passages = [p for p in ranked if self._relevant(view, query, p)]
        if not passages:
            return []
        passages = self._replace_superseded(view, vector, passages)
        return _diversify(passages, self.top_k)

    # -- internals ---------------------------------------------------------------------------
    def _relevant(self, view: _IndexView, query: str, passage: Passage) -> bool:
        """Close enough in meaning, or (for names and acronyms) containing most of the query."""
        if passage.score >= self.min_relevance:
            return True
        return (
            self.use_bm25
            and view.bm25 is not None
            and passage.score >= KEYWORD_MIN_DENSE
            and view.bm25.coverage(query, passage.chunk_id) >= KEYWORD_COVERAGE
        )

    def _fuse(
        self, view: _IndexView, query: str, vector: list[float], hits: dict[str, Passage]
    ) -> list[Passage]:
        dense = sorted(hits.values(), key=lambda p: p.score, reverse=True)
        if not self.use_bm25 or view.bm25 is None:
            return dense
        keyword = [(i, s) for i, s in view.bm25.top(query, CANDIDATES) if i in view.live_ids]
        missing = [i for i, _ in keyword if i not in hits]
        if missing:
            got = _get(view, missing, ["documents", "metadatas", "embeddings"])
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
        self, view: _IndexView, vector: list[float], passages: list[Passage]
    ) -> list[Passage]:
        out: dict[str, Passage] = {}  # by chunk id, so a replacement that also matched is kept once
        for passage in passages:
            if passage.status != "superseded":
                out.setdefault(passage.chunk_id, passage)
                continue
            replacement = self._best_in(view, vector, passage.superseded_by or "")
            if replacement is None:
                log.warning(
                    "%s is superseded by %r, which is not indexed: not citing it",
                    passage.source,
                    passage.superseded_by,
                )
                continue
            note = f"{passage.title} ({passage.date})" if passage.date else passage.title
            kept = out.get(replacement.chunk_id, replacement)
            out[replacement.chunk_id] = _with(
                kept, replaces=note, score=max(kept.score, passage.score)
            )
        return list(out.values())

    def _best_in(self, view: _IndexView, vector: list[float], source: str) -> Passage | None:
        result = _query(
            view,
            query_embeddings=[vector],
            n_results=1,
            where={"$and": [{"source": source}, {"status": "current"}]},
            include=["documents", "metadatas", "distances"],
        )
        for chunk_id, text, meta, similarity in _query_hits(result):
            if chunk_id in view.live_ids:
                return passage_from(chunk_id, text, meta, similarity)
        return None

    def _current_view(self, stale: _IndexView | None = None) -> _IndexView:
        """The view of the manifest's current state; ``stale`` is one found out of date."""
        stamp = self._stamp()
        view = self._view
        if view is not None and view.stamp == stamp and view is not stale:
            return view
        with self._lock:
            if self._view is None or self._view.stamp != stamp or self._view is stale:
                self._view = self._load_view(stamp)
            return self._view

    def _stamp(self) -> object:
        try:
            return self._manifests.stamp()
        except Exception as exc:  # the Chroma server is down or refuses us: say so plainly
            from bot.vectorstore import server_error

            raise server_error(self.settings, exc) from exc

    def _load_view(self, stamp: object) -> _IndexView:
        from chromadb.api.shared_system_client import SharedSystemClient

        from bot.vectorstore import open_collection

        if stamp is None:
            where = self.settings.chroma_url or self.settings.chroma_dir
            raise IndexNotReady(
                f"No index at {where}: run `python ingest.py` first "
                "(or `make demo`), or set CHROMA_DIR to where the index lives."
            )
        manifest = self._manifests.load()
        live = manifest.live_ids
        if self._view is not None and not self.settings.chroma_url:
            # Another process rewrote the index: drop Chroma's cached client so we read it
            # afresh. Views already handed out keep their own client and stay usable.
            SharedSystemClient.clear_system_cache()
        try:
            collection = open_collection(
                self.settings, self.embeddings, name=manifest.collection, create=False
            )
        except Exception as exc:
            raise _StaleView(f"collection {manifest.collection}: {exc}") from exc
        bm25 = None
        if self.use_bm25 and live:
            view = _IndexView(stamp, collection, live, None)
            got = _get(view, sorted(live), ["documents", "metadatas"])
            texts = [
                keyword_text(d, m) for d, m in zip(got["documents"], got["metadatas"], strict=True)
            ]
            bm25 = BM25(list(got["ids"]), texts)
        log.info("loaded index view: %d live chunks", len(live))
        return _IndexView(stamp, collection, live, bm25)


def _query(view: _IndexView, **kwargs) -> dict:
    """``collection.query`` on the view's collection; a vanished collection means a stale view."""
    try:
        result = view.collection.query(**kwargs)
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


def _get(view: _IndexView, ids: list[str], include: list[str]) -> dict:
    """``collection.get`` of chunks the view lists; any of them missing means a stale view."""
    try:
        got = view.collection.get(ids=ids, include=include)
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


def _with(passage: Passage, **changes) -> Passage:
    from dataclasses import replace

    return replace(passage, **changes)


def _cosine(a, b) -> float:
    import numpy as np

    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    return float(a @ b / ((np.linalg.norm(a) * np.linalg.norm(b)) or 1.0))


def _diversify(passages: list[Passage], limit: int) -> list[Passage]:
    out: list[Passage] = []
    per_source: Counter[str] = Counter()
    for passage in passages:
        if per_source[passage.source] >= MAX_PER_SOURCE:
            continue
        per_source[passage.source] += 1
        out.append(passage)
        if len(out) == limit:
            break
    return out

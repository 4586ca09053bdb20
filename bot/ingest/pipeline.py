"""An incremental ingest: the index ends up mirroring exactly the given source folders.

For each file: unchanged (same content hash) -> skipped without loading the model; new or
changed -> loaded, chunked, embedded, upserted, then its old chunks removed; gone -> its chunks
removed. A file that fails to load is reported and its previously indexed version stays.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.embeddings import Embeddings

from bot.chunks import chunk_metadata
from bot.embedding import build_embeddings
from bot.errors import LinesError
from bot.ingest.chunking import chunk_sections
from bot.ingest.loaders import LoadedDocument, LoadError, is_document, load
from bot.ingest.manifest import FileEntry, Manifest, content_hash, manifest_path
from bot.settings import Settings
from bot.units import embed_units
from bot.vectorstore import open_client, open_collection

log = logging.getLogger(__name__)

EMBED_BATCH = 64


class IngestError(LinesError):
    """The ingest cannot run at all (bad source folder, index locked); nothing was changed."""


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    chunks: int = 0
    embedded_chunks: int = 0

    def to_json(self) -> dict:
        """The stable ``ingest.py --json`` shape."""
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "chunks": self.chunks,
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class _Pending:
    root: str
    rel: str
    digest: str
    document: LoadedDocument
    is_new: bool


def ingest(
    settings: Settings,
    sources: Sequence[Path] | None = None,
    *,
    rebuild: bool = False,
    dry_run: bool = False,
    embeddings: Embeddings | None = None,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> IngestReport:
    """Bring the index in line with ``sources`` (default: ``settings.knowledge_dirs``).

    ``progress`` wraps the file iterable (e.g. ``tqdm``). With ``dry_run`` nothing is written
    and the model is not loaded; the report says what would change.
    """
    roots = _resolve_sources(sources or settings.knowledge_dirs)
    embedder = embeddings if embeddings is not None else build_embeddings(settings.embedding_model)
    report = IngestReport()
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(settings.chroma_dir / f".ingest-{settings.collection}.lock"):
        manifest = Manifest.load(manifest_path(settings))
        collection = None if dry_run else open_collection(settings, embedder)

        if not dry_run and _needs_rebuild(rebuild, manifest, settings, collection):
            collection = _reset(settings, embedder, collection)
            manifest = Manifest(manifest.path)
        manifest.embedding_model = settings.embedding_model

        pending, stale_ids = _plan(roots, manifest, report, progress)
        if dry_run:
            for item in pending:
                (report.added if item.is_new else report.updated).append(item.rel)
            report.chunks = manifest.chunk_count
            return report

        _write(collection, pending, manifest, report, embedder)
        if stale_ids:
            collection.delete(ids=stale_ids)
        for root in list(manifest.sources):
            if root not in {str(r) for r in roots}:
                del manifest.sources[root]
        manifest.save()
        report.chunks = collection.count()
        _check_replacements(manifest, report)
    return report


def _resolve_sources(sources: Sequence[Path]) -> list[Path]:
    roots = []
    for source in sources:
        root = Path(source).expanduser().resolve()
        if not root.is_dir():
            raise IngestError(f"source folder {source} does not exist or is not a folder")
        roots.append(root)
    return roots


@contextmanager
def _exclusive(lock_path: Path):
    with lock_path.open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngestError(
                "another ingest is running on this index; wait for it to finish and re-run"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _needs_rebuild(rebuild: bool, manifest: Manifest, settings: Settings, collection) -> bool:
    if rebuild:
        return True
    if manifest.embedding_model and manifest.embedding_model != settings.embedding_model:
        log.warning("embedding model changed: re-indexing everything")
        return True
    if collection.count() != manifest.chunk_count:
        # The index and the manifest disagree (index wiped, another tool wrote to it):
        # trust neither and rebuild so nothing stale stays citable.
        log.warning(
            "index has %d chunks but the manifest lists %d: rebuilding",
            collection.count(),
            manifest.chunk_count,
        )
        return True
    return False


def _reset(settings: Settings, embedder: Embeddings, collection):
    open_client(settings).delete_collection(settings.collection)
    return open_collection(settings, embedder)


def _plan(roots, manifest: Manifest, report: IngestReport, progress):
    pending: list[_Pending] = []
    stale_ids: list[str] = []
    files = [
        (root, path) for root in roots for path in sorted(root.rglob("*")) if is_document(path)
    ]
    seen: dict[str, set[str]] = {str(root): set() for root in roots}
    iterable = progress(files) if progress else files
    for root, path in iterable:
        key, rel = str(root), path.relative_to(root).as_posix()
        seen[key].add(rel)
        old = manifest.sources.get(key, {}).get(rel)
        try:
            digest = content_hash(path)
        except OSError as exc:
            report.failed.append({"path": rel, "error": f"cannot read the file: {exc.strerror}"})
            continue
        if old is not None and old.hash == digest:
            report.unchanged.append(rel)
            continue
        try:
            document = load(path)
            if not chunk_sections(document.sections):
                raise LoadError("no text to index after splitting")
        except LoadError as exc:
            log.warning("%s: %s", path, exc)
            report.failed.append({"path": rel, "error": str(exc)})
            continue
        pending.append(_Pending(key, rel, digest, document, is_new=old is None))
    for key, files_seen in seen.items():
        for rel, entry in list(manifest.sources.get(key, {}).items()):
            if rel not in files_seen:
                report.removed.append(rel)
                stale_ids.extend(entry.chunk_ids)
                del manifest.sources[key][rel]
    for key in list(manifest.sources):
        if key not in seen:  # a whole source folder dropped from this run
            for rel, entry in manifest.sources[key].items():
                report.removed.append(rel)
                stale_ids.extend(entry.chunk_ids)
    return pending, stale_ids


def _write(
    collection,
    pending: list[_Pending],
    manifest: Manifest,
    report: IngestReport,
    embedder: Embeddings,
) -> None:
    for item in pending:
        meta = item.document.meta
        chunks = chunk_sections(item.document.sections)
        root_id = hashlib.sha1(f"{item.root}\0{item.rel}".encode()).hexdigest()[:12]
        ids = [f"{root_id}-{item.digest[:12]}-{i}" for i in range(len(chunks))]
        metadatas = [
            chunk_metadata(
                source=item.rel,
                source_root=item.root,
                title=meta.title,
                kind=meta.kind,
                date=meta.date,
                status=meta.status,
                superseded_by=meta.superseded_by,
                topics=meta.topics,
                locator=chunk.locator,
                chunk_index=i,
                **units,
            )
            for i, (chunk, units) in enumerate(
                zip(
                    chunks,
                    embed_units([(c.text, c.locator) for c in chunks], embedder),
                    strict=True,
                )
            )
        ]
        documents = [chunk.text for chunk in chunks]
        # Embed the text with its title and section: short chunks retrieve far better with them.
        contextual = [f"{meta.title}. {c.locator}.\n{c.text}" for c in chunks]
        vectors = []
        for start in range(0, len(contextual), EMBED_BATCH):
            vectors.extend(embedder.embed_documents(contextual[start : start + EMBED_BATCH]))
        # New chunks first, old ones after: a crash in between leaves a duplicate, never a gap.
        collection.upsert(ids=ids, documents=documents, metadatas=metadatas, embeddings=vectors)
        old = manifest.sources.setdefault(item.root, {}).get(item.rel)
        if old is not None:
            stale = [i for i in old.chunk_ids if i not in set(ids)]
            if stale:
                collection.delete(ids=stale)
        manifest.sources[item.root][item.rel] = FileEntry(
            item.digest, ids, meta.title, meta.status, meta.superseded_by
        )
        (report.added if item.is_new else report.updated).append(item.rel)
        report.embedded_chunks += len(ids)


def _check_replacements(manifest: Manifest, report: IngestReport) -> None:
    for files in manifest.sources.values():
        for rel, entry in files.items():
            if entry.status == "superseded" and entry.superseded_by not in files:
                report.warnings.append(
                    f"{rel} is superseded by {entry.superseded_by!r}, which is not indexed"
                )

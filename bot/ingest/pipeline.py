"""An incremental ingest: the index ends up mirroring exactly the given source folders.

Every file under a source folder is accounted for: read, unchanged, failed (with a reason),
skipped as unsupported (with a reason), a duplicate of another file (indexed once), or an
orphan sidecar. Unchanged files (same content hash) are skipped without loading the model.

Changes are published so that a running bot always sees a consistent index:

1. new chunks are written (under new ids: ids include the content hash);
2. the manifest is saved atomically, listing them instead of the old ones (every few hundred
   chunks, and at the end);
3. only then are chunks that no manifest lists any more deleted.

A bot reads only what the manifest lists, so at every instant what it lists exists. A run
killed at any point leaves the previous manifest, whose chunks are all still there; the next
run deletes the leftovers and finishes the job. ``--rebuild`` (and the automatic rebuild when
the embedding model changed or the index was wiped) fills a *new* physical collection and
switches over by saving the manifest that names it, then drops the old one; files that fail
now keep their last good version, copied across.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import uuid
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chromadb.api import ClientAPI
from langchain_core.embeddings import Embeddings

from bot.errors import LinesError
from bot.index.chunks import chunk_metadata
from bot.index.embedding import build_embeddings
from bot.index.manifest import FileEntry, Manifest, ManifestStore, open_manifest_store
from bot.index.units import embed_units
from bot.index.vectorstore import (
    close_client,
    insecure_server_warning,
    open_client,
    open_collection,
    server_error,
)
from bot.ingest.chunking import Chunk, chunk_sections
from bot.ingest.loaders import (
    LoadedDocument,
    LoadError,
    check_size,
    is_document,
    load,
    skip_reason,
)
from bot.ingest.metadata import content_hash, file_digests, is_sidecar
from bot.ingest.regression import CHECKS_FILE
from bot.settings import Settings

log = logging.getLogger(__name__)

EMBED_BATCH = 64
PUBLISH_EVERY = 256  # chunks written between manifest saves (and deletions of what they replace)
_DELETE_BATCH = 1000
_COPY_NAME = re.compile(r"\(\s*copy\b|\bcopy of\b|\s-\s*copy\b", re.IGNORECASE)

# ``progress(total=..., desc=..., unit=...)`` returns a bar with ``update(n)`` and ``close()``
# (``tqdm`` fits); None shows nothing.
ProgressFactory = Callable[..., Any]


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
    skipped: list[dict[str, str]] = field(default_factory=list)  # [{path, reason}]
    duplicates: list[dict[str, str]] = field(default_factory=list)  # [{path, same_as}]
    orphan_sidecars: list[str] = field(default_factory=list)
    inferred: list[dict] = field(default_factory=list)  # [{path, fields: {key: {value, from}}}]
    metadata: list[dict] = field(default_factory=list)  # dry run: every file's values
    chunks: int = 0
    embedded_chunks: int = 0
    dry_run: bool = False

    def to_json(self) -> dict:
        """The stable ``ingest --json`` shape (keys are only ever added)."""
        data = {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "chunks": self.chunks,
            "warnings": self.warnings,
            "skipped": self.skipped,
            "duplicates": self.duplicates,
            "orphan_sidecars": self.orphan_sidecars,
            "inferred": self.inferred,
        }
        if self.dry_run:
            data["metadata"] = self.metadata
        return data


@dataclass(frozen=True)
class _File:
    root: Path
    key: str  # the source folder's name in the manifest (see ``_root_keys``)
    path: Path
    rel: str


@dataclass(frozen=True)
class _Pending:
    file: _File
    digest: str
    document: LoadedDocument
    chunks: tuple[Chunk, ...]
    is_new: bool


def ingest(
    settings: Settings,
    sources: Sequence[Path] | None = None,
    *,
    rebuild: bool = False,
    dry_run: bool = False,
    embeddings: Embeddings | None = None,
    progress: ProgressFactory | None = None,
) -> IngestReport:
    """Bring the index in line with ``sources`` (default: ``settings.knowledge_dirs``).

    With ``dry_run`` nothing is written and the model is not loaded: the report says what
    would change and, per file, each metadata value and where it came from. Raises
    ``IngestError`` (or another ``LinesError``) when the ingest cannot run at all.
    """
    roots = _resolve_sources(sources or settings.knowledge_dirs)
    report = IngestReport(dry_run=dry_run)
    warning = insecure_server_warning(settings)
    if warning:
        report.warnings.append(warning)
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(settings.chroma_dir / f".ingest-{settings.collection}.lock"):
        run = _Run(settings, roots, report, embeddings, progress)
        try:
            if dry_run:
                run.dry_run()
            else:
                run.apply(rebuild)
        except LinesError:
            raise
        except Exception as exc:
            if settings.chroma_url:  # almost always the server: say so, keep the cause for -v
                raise server_error(settings, exc) from exc
            raise
        finally:
            run.close()
    return report


class _Run:
    """One ingest: scan, plan, write, publish."""

    def __init__(self, settings, roots, report, embeddings, progress) -> None:
        self.settings = settings
        self.roots: list[Path] = roots
        self.keys = _root_keys(roots)
        self.report: IngestReport = report
        self._embeddings = embeddings
        self.progress = progress or _no_progress
        self._client: ClientAPI | None = None
        self.store: ManifestStore = open_manifest_store(settings, client=self.client)
        self.max_file_mb = settings.max_file_mb
        self.previous_model = ""
        self._hashes: dict[_File, str] = {}  # content hashes taken while finding copies
        # Files kept beside the documents that are neither documents nor files to report:
        # the staff policy, and each source folder's re-ingest check questions.
        self._not_documents = {
            Path(settings.policy_path).resolve(),
            *((root / CHECKS_FILE).resolve() for root in roots),
        }

    def client(self) -> ClientAPI:
        """This ingest's Chroma client, opened on first use and closed by ``close``."""
        if self._client is None:
            self._client = open_client(self.settings)
        return self._client

    def close(self) -> None:
        """Close the client, so this process keeps no handle on the index once done."""
        if self._client is not None:
            close_client(self._client)
            self._client = None

    @property
    def embedder(self) -> Embeddings:
        if self._embeddings is None:
            self._embeddings = build_embeddings(self.settings.embedding_model)
        return self._embeddings

    # -- dry run ------------------------------------------------------------------------------
    def dry_run(self) -> None:
        previous = self._migrated(self.store.load())
        files = self._scan()
        kept = self._without_duplicates(files, previous)
        for file, digest in self._read_bar(kept):
            if digest is None:
                continue
            old = previous.sources.get(file.key, {}).get(file.rel)
            change = "unchanged" if old and old.hash == digest else "updated" if old else "added"
            document = self._load(file)
            if document is None:
                continue
            getattr(self.report, change).append(file.rel)
            self.report.metadata.append(
                {"path": file.rel, "change": change, "fields": _fields(document)}
            )
        self._removed(previous, {(f.key, f.rel) for f in kept})
        self.report.chunks = previous.chunk_count

    # -- apply --------------------------------------------------------------------------------
    def apply(self, rebuild: bool) -> None:
        client = self.client()
        previous = self._migrated(self.store.load())
        self.previous_model = previous.embedding_model
        old_collection = self._drop_orphan_collections(client, previous)
        reason = self._rebuild_reason(rebuild, previous, old_collection)
        if reason is None:
            target = old_collection
            manifest = self._reconcile(previous, target)
            previous = manifest.copy()
        else:
            log.info("rebuilding the index: %s", reason)
            name = f"{self.settings.collection}-g{uuid.uuid4().hex[:12]}"
            target = open_collection(self.settings, self.embedder, client, name=name)
            manifest = Manifest(name, self.settings.embedding_model)
        manifest.embedding_model = self.settings.embedding_model

        files = self._scan()
        kept = self._without_duplicates(files, previous)
        pending: list[_Pending] = []
        seen: set[tuple[str, str]] = set()
        for file, digest in self._read_bar(kept):
            seen.add((file.key, file.rel))
            old = previous.sources.get(file.key, {}).get(file.rel)
            if digest is None:
                self._keep_last_good(file, old, manifest, target, old_collection, reason)
                continue
            if reason is None and old is not None and old.hash == digest:
                self.report.unchanged.append(file.rel)
                continue
            document = self._load(file)
            if document is None:
                self._keep_last_good(file, old, manifest, target, old_collection, reason)
                continue
            chunks = tuple(chunk_sections(document.sections))
            if not chunks:
                self.report.failed.append({"path": file.rel, "error": "no text to index"})
                self._keep_last_good(file, old, manifest, target, old_collection, reason)
                continue
            # A rebuild adds every file to a new collection.
            is_new = old is None or reason is not None
            pending.append(_Pending(file, digest, document, chunks, is_new=is_new))
        pending = self._refuse_loops(pending, manifest, previous, target, old_collection, reason)

        stale = self._write(pending, manifest, target, publish=reason is None)
        stale += self._removed(manifest if reason is None else previous, seen, drop=manifest)
        if reason is None:
            self.store.save(manifest)
            _delete(target, stale)
        else:
            self.store.save(manifest)  # the switch: from here on the new collection is live
            if old_collection is not None:
                client.delete_collection(old_collection.name)
        self.report.chunks = manifest.chunk_count
        self._check_replacements(manifest)

    def _migrated(self, manifest: Manifest) -> Manifest:
        """Manifests before version 2 named source folders by absolute path: rename them."""
        for root, key in self.keys.items():
            if str(root) != key and str(root) in manifest.sources and key not in manifest.sources:
                manifest.sources[key] = manifest.sources.pop(str(root))
        return manifest

    # -- scanning -----------------------------------------------------------------------------
    def _scan(self) -> list[_File]:
        """Every document under the roots; everything else is reported as skipped or orphan."""
        files: list[_File] = []
        for root in self.roots:
            sidecars: list[Path] = []
            for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
                here = Path(dirpath)
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in list(dirnames):
                    if (here / name).is_symlink():
                        self._check_link(root, here / name, "folder")
                for name in sorted(filenames):
                    path = here / name
                    if name.startswith("."):
                        continue
                    if path.is_symlink() and not self._check_link(root, path, "file"):
                        continue
                    rel = path.relative_to(root).as_posix()
                    if is_sidecar(path):
                        sidecars.append(path)
                    elif is_document(path):
                        files.append(_File(root, self.keys[root], path, rel))
                    elif path.resolve() not in self._not_documents:
                        self.report.skipped.append({"path": rel, "reason": skip_reason(path)})
            for sidecar in sidecars:
                document = sidecar.with_name(sidecar.name[: -len(".meta.yaml")])
                if not document.exists():
                    rel = sidecar.relative_to(root).as_posix()
                    self.report.orphan_sidecars.append(rel)
        return files

    def _check_link(self, root: Path, path: Path, what: str) -> bool:
        """True when a symlink stays inside its source folder; else warn and do not follow it."""
        rel = path.relative_to(root).as_posix()
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            self.report.warnings.append(f"{rel}: a broken link; not followed")
            return False
        if target.is_relative_to(root):
            return what == "file"  # linked folders inside the root are read at their real place
        self.report.warnings.append(
            f"{rel}: a link to a {what} outside the source folder ({target}); not followed"
        )
        return False

    def _without_duplicates(self, files: list[_File], previous: Manifest) -> list[_File]:
        """Files with the same bytes are indexed once; the others are reported as duplicates."""
        by_content: dict[str, list[_File]] = {}
        unreadable: list[_File] = []
        for file in files:
            try:
                if file.path.stat().st_size > self.max_file_mb * 1024 * 1024:
                    unreadable.append(file)  # refused with its reason when loaded
                    continue
                of_bytes, self._hashes[file] = file_digests(file.path)
                by_content.setdefault(of_bytes, []).append(file)
            except OSError:
                unreadable.append(file)
        keep: set[_File] = set(unreadable)
        for group in by_content.values():
            # Keep the one already indexed, else a real file over a link, else one not named
            # as a copy ("x (copy).txt", "Copy of x"), else the first.
            first = min(
                group,
                key=lambda f: (
                    f.rel not in previous.sources.get(f.key, {}),
                    f.path.is_symlink(),
                    bool(_COPY_NAME.search(f.path.name)),
                    group.index(f),
                ),
            )
            keep.add(first)
            for other in group:
                if other is not first:
                    self.report.duplicates.append({"path": other.rel, "same_as": first.rel})
        return [f for f in files if f in keep]

    def _read_bar(self, files: list[_File]):
        """(file, content hash or None when unreadable), with a progress bar over the files."""
        bar = self.progress(total=len(files), desc="Reading", unit="file")
        try:
            for file in files:
                try:
                    digest = self._hashes.get(file) or _content_hash(file.path, self.max_file_mb)
                except LoadError as exc:
                    self._fail(file, str(exc))
                    digest = None
                except OSError as exc:
                    self._fail(file, f"cannot read the file: {exc.strerror or exc}")
                    digest = None
                yield file, digest
                bar.update(1)
        finally:
            bar.close()

    def _load(self, file: _File) -> LoadedDocument | None:
        try:
            document = load(file.path, file.root, max_file_mb=self.max_file_mb)
        except LoadError as exc:  # whatever a reader raised comes out as LoadError
            self._fail(file, str(exc))
            return None
        for warning in document.warnings:
            self.report.warnings.append(f"{file.rel}: {warning}")
        inferred = {
            key: value for key, value in _fields(document).items() if key in document.meta.inferred
        }
        if inferred:
            self.report.inferred.append({"path": file.rel, "fields": inferred})
        return document

    def _fail(self, file: _File, reason: str) -> None:
        log.warning("%s: %s", file.path, reason)
        self.report.failed.append({"path": file.rel, "error": reason})

    # -- consistency --------------------------------------------------------------------------
    def _drop_orphan_collections(self, client, manifest: Manifest):
        """Drop collections a killed rebuild left behind; return the live one (None if gone)."""
        pattern = re.compile(rf"^{re.escape(self.settings.collection)}(-g[0-9a-f]{{12}})?$")
        names = [getattr(c, "name", c) for c in client.list_collections()]
        live = None
        for name in names:
            if name == manifest.collection:
                live = name
            elif pattern.match(name):
                log.info("dropping %s, left behind by an interrupted rebuild", name)
                client.delete_collection(name)
        if live is None and manifest.sources:
            return None
        return open_collection(self.settings, self.embedder, client, name=manifest.collection)

    def _rebuild_reason(self, rebuild: bool, manifest: Manifest, collection) -> str | None:
        if rebuild:
            return "asked for (--rebuild)"
        if manifest.embedding_model and manifest.embedding_model != self.settings.embedding_model:
            return (
                f"the embedding model changed ({manifest.embedding_model} -> "
                f"{self.settings.embedding_model})"
            )
        if collection is None:
            self.report.warnings.append(
                f"the index collection {manifest.collection!r} is gone: re-indexing everything"
            )
            return "the index collection is gone"
        return None

    def _reconcile(self, manifest: Manifest, collection) -> Manifest:
        """After a killed run: delete unlisted chunks; forget files whose chunks are gone."""
        manifest = manifest.copy()
        if collection.count() == manifest.chunk_count:
            return manifest
        stored = set(collection.get(include=[])["ids"])
        live = manifest.live_ids
        orphans = sorted(stored - live)
        changed = False
        for files in manifest.sources.values():
            for rel, entry in list(files.items()):
                if not set(entry.chunk_ids) <= stored:
                    log.warning("%s: its chunks are missing from the index; re-indexing it", rel)
                    del files[rel]
                    changed = True
        if changed:
            self.store.save(manifest)
        if orphans:
            log.info("deleting %d chunks left by an interrupted ingest", len(orphans))
            _delete(collection, orphans)
        return manifest

    def _keep_last_good(self, file, old, manifest, target, old_collection, reason) -> None:
        """A file that fails now keeps its indexed version, also across a rebuild."""
        if old is None or reason is None:
            return  # incremental: the old entry is still in the manifest, untouched
        if old_collection is None:
            return
        got = old_collection.get(
            ids=old.chunk_ids, include=["documents", "metadatas", "embeddings"]
        )
        if len(got["ids"]) != len(old.chunk_ids):
            return
        metas = got["metadatas"]
        if self.previous_model == self.settings.embedding_model:
            vectors = list(got["embeddings"])
        else:
            vectors = self.embedder.embed_documents(
                [
                    _contextual(m["title"], m["locator"], d)
                    for d, m in zip(got["documents"], metas, strict=True)
                ]
            )
            # The units' vectors were made by the old model too.
            units = embed_units(
                [(d, m["locator"]) for d, m in zip(got["documents"], metas, strict=True)],
                self.embedder,
            )
            metas = [{**m, **u} for m, u in zip(metas, units, strict=True)]
        target.upsert(
            ids=got["ids"], documents=got["documents"], metadatas=metas, embeddings=vectors
        )
        manifest.sources.setdefault(file.key, {})[file.rel] = FileEntry(
            old.hash, list(got["ids"]), old.title, old.status, old.superseded_by
        )
        self.report.warnings.append(f"{file.rel}: failed now; its last good version stays indexed")

    def _refuse_loops(self, pending, manifest, previous, target, old_collection, reason):
        """Refuse documents in a supersession loop (a -> b -> a): none of them could be cited."""
        state: dict[tuple[str, str], str | None] = {}
        for key, files in manifest.sources.items():
            for rel, entry in files.items():
                state[(key, rel)] = entry.superseded_by if entry.status == "superseded" else None
        for item in pending:
            meta = item.document.meta
            state[(item.file.key, item.file.rel)] = (
                meta.superseded_by if meta.status == "superseded" else None
            )
        looped: dict[tuple[str, str], list[str]] = {}
        for start in state:
            chain, node = [start], state.get(start)
            while node is not None:
                step = (start[0], node)
                if step in chain:
                    loop = chain[chain.index(step) :]
                    for member in loop:
                        looped.setdefault(member, [rel for _, rel in loop] + [step[1]])
                    break
                chain.append(step)
                node = state.get(step)
        out = []
        for item in pending:
            loop = looped.get((item.file.key, item.file.rel))
            if loop is None:
                out.append(item)
                continue
            self._fail(
                item.file,
                f"supersession loop: {' -> '.join(loop)}; one of them must be current",
            )
            old = previous.sources.get(item.file.key, {}).get(item.file.rel)
            self._keep_last_good(item.file, old, manifest, target, old_collection, reason)
        return out

    # -- writing ------------------------------------------------------------------------------
    def _write(self, pending: list[_Pending], manifest: Manifest, target, publish: bool):
        """Embed and upsert; with ``publish``, save the manifest every few hundred chunks and
        delete what each save replaced. Returns replaced chunk ids not yet deleted."""
        total = sum(len(item.chunks) for item in pending)
        bar = self.progress(total=total, desc="Embedding", unit="chunk") if total else None
        stale: list[str] = []
        since_publish = 0
        try:
            for item in pending:
                ids = self._upsert(item, target, bar)
                files = manifest.sources.setdefault(item.file.key, {})
                old = files.get(item.file.rel)
                if old is not None:
                    stale.extend(i for i in old.chunk_ids if i not in set(ids))
                meta = item.document.meta
                files[item.file.rel] = FileEntry(
                    item.digest, ids, meta.title, meta.status, meta.superseded_by
                )
                (self.report.added if item.is_new else self.report.updated).append(item.file.rel)
                self.report.embedded_chunks += len(ids)
                since_publish += len(ids)
                if publish and since_publish >= PUBLISH_EVERY:
                    self.store.save(manifest)
                    _delete(target, stale)
                    stale, since_publish = [], 0
        finally:
            if bar is not None:
                bar.close()
        return stale

    def _upsert(self, item: _Pending, target, bar) -> list[str]:
        meta = item.document.meta
        root_id = hashlib.sha1(f"{item.file.key}\0{item.file.rel}".encode()).hexdigest()[:12]
        ids = [f"{root_id}-{item.digest[:12]}-{i}" for i in range(len(item.chunks))]
        # Each chunk also stores its units' vectors, so answering needs no model call for them.
        units = embed_units([(c.text, c.locator) for c in item.chunks], self.embedder)
        metadatas = [
            chunk_metadata(
                source=item.file.rel,
                source_root=item.file.key,
                title=meta.title,
                kind=meta.kind,
                date=meta.date,
                status=meta.status,
                superseded_by=meta.superseded_by,
                topics=meta.topics,
                locator=chunk.locator,
                chunk_index=i,
                review_by=meta.review_by,
                expires=meta.expires,
                **units[i],
            )
            for i, chunk in enumerate(item.chunks)
        ]
        documents = [chunk.text for chunk in item.chunks]
        # Embed the text with its title and section: short chunks retrieve far better with them.
        contextual = [_contextual(meta.title, c.locator, c.text) for c in item.chunks]
        vectors: list[list[float]] = []
        for start in range(0, len(contextual), EMBED_BATCH):
            batch = contextual[start : start + EMBED_BATCH]
            vectors.extend(self.embedder.embed_documents(batch))
            if bar is not None:
                bar.update(len(batch))
        target.upsert(ids=ids, documents=documents, metadatas=metadatas, embeddings=vectors)
        return ids

    def _removed(
        self, manifest: Manifest, seen: set[tuple[str, str]], drop: Manifest | None = None
    ):
        """Report files in ``manifest`` but gone from the folders; unlist them from ``drop``."""
        stale: list[str] = []
        for key, files in manifest.sources.items():
            for rel, entry in list(files.items()):
                if (key, rel) in seen:
                    continue
                self.report.removed.append(rel)
                stale.extend(entry.chunk_ids)
                if drop is not None:
                    drop.sources.get(key, {}).pop(rel, None)
        if drop is not None:
            for key in [k for k, files in drop.sources.items() if not files]:
                del drop.sources[key]
        return stale

    def _check_replacements(self, manifest: Manifest) -> None:
        roots = {key: root for root, key in self.keys.items()}
        for key, files in manifest.sources.items():
            root = roots.get(key, Path(key))
            for rel, entry in files.items():
                target = entry.superseded_by
                if entry.status != "superseded" or not target:
                    continue
                resolved = (root / target).resolve()
                if target.startswith("/") or not resolved.is_relative_to(root):
                    self.report.warnings.append(
                        f"{rel} is superseded by {target!r}, which is outside the source "
                        "folder; name the replacement by its path inside the folder"
                    )
                elif target not in files:
                    self.report.warnings.append(
                        f"{rel} is superseded by {target!r}, which is not indexed"
                    )


def _root_keys(roots: list[Path]) -> dict[Path, str]:
    """Each source folder's name in the manifest: its own name (``knowledge``), so hosts that
    keep the same folders at different paths share one index; the full path only when two
    source folders have the same name."""
    names = [root.name for root in roots]
    return {
        root: root.name if root.name and names.count(root.name) == 1 else str(root)
        for root in roots
    }


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


class _NoBar:
    def update(self, n: int = 1) -> None:
        """Nothing to show."""

    def close(self) -> None:
        """Nothing to close."""


def _no_progress(**_: object) -> _NoBar:
    return _NoBar()


def _fields(document: LoadedDocument) -> dict[str, dict[str, object]]:
    """Each metadata value of ``document`` with where it came from."""
    meta = document.meta
    out: dict[str, dict[str, object]] = {}
    for key, source in meta.origin:
        value = getattr(meta, key)
        out[key] = {"value": list(value) if isinstance(value, tuple) else value, "from": source}
    return out


def _contextual(title: str, locator: str, text: str) -> str:
    return f"{title}. {locator}.\n{text}"


def _content_hash(path: Path, max_file_mb: int) -> str:
    """The manifest's hash (file and sidecar), refusing files over the size limit unread."""
    check_size(path, max_file_mb)
    return content_hash(path)


def _delete(collection, ids: list[str]) -> None:
    for start in range(0, len(ids), _DELETE_BATCH):
        collection.delete(ids=ids[start : start + _DELETE_BATCH])

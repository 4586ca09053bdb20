"""The manifest: what is indexed, by content hash, and which Chroma collection holds it.

It lives with the index. On disk (the default) it is a JSON file beside the Chroma data,
``<CHROMA_DIR>/manifest-<collection>.json``, replaced atomically. With ``CHROMA_URL`` it is a
small collection of file records in the Chroma server itself (``<collection>-manifest``), so
every host that uses the server sees the same live set and ingests incrementally.

For each source folder (named by its folder name, so hosts may keep it at different paths)
it maps each file's relative path to the hash of its bytes (and its sidecar's) and the ids of
its chunks. It also names the *physical* collection that holds the
live chunks: ``--rebuild`` fills a new one and switches over by saving the manifest.

Retrieval uses only ``open_manifest_store(settings)``, ``.stamp()`` (cheap: changes whenever
the manifest is saved) and ``.load().live_ids``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from chromadb.api import ClientAPI
from chromadb.errors import NotFoundError

from bot.index.vectorstore import open_client, open_collection, server_error
from bot.settings import Settings

VERSION = 2
_READABLE_VERSIONS = (1, 2)
_STATE_ID = "state"


def manifest_path(settings: Settings) -> Path:
    """Where the on-disk manifest of ``settings``' collection lives."""
    return settings.chroma_dir / f"manifest-{settings.collection}.json"


@dataclass
class FileEntry:
    hash: str
    chunk_ids: list[str]
    title: str = ""
    status: str = "current"
    superseded_by: str | None = None


@dataclass
class Manifest:
    """What is indexed. ``collection`` is the physical Chroma collection of the live chunks."""

    collection: str = ""
    embedding_model: str = ""
    sources: dict[str, dict[str, FileEntry]] = field(default_factory=dict)

    @property
    def live_ids(self) -> frozenset[str]:
        """Every chunk id the manifest lists: the only chunks retrieval may return."""
        return frozenset(
            i for files in self.sources.values() for e in files.values() for i in e.chunk_ids
        )

    @property
    def chunk_count(self) -> int:
        """How many chunks the manifest lists."""
        return sum(len(e.chunk_ids) for files in self.sources.values() for e in files.values())

    def copy(self) -> Manifest:
        """A deep copy, so a plan can change it without touching what was loaded."""
        return Manifest.from_json(self.to_json(), self.collection)

    def to_json(self) -> dict:
        """The manifest as plain JSON data."""
        return {
            "version": VERSION,
            "collection": self.collection,
            "embedding_model": self.embedding_model,
            "sources": {
                root: {rel: asdict(entry) for rel, entry in sorted(files.items())}
                for root, files in sorted(self.sources.items())
            },
        }

    @classmethod
    def from_json(cls, data: dict, default_collection: str) -> Manifest:
        """Parse ``to_json`` output (or a version 1 file); an empty manifest if unreadable."""
        try:
            if data.get("version") not in _READABLE_VERSIONS:
                return cls(default_collection)
            sources = {
                root: {rel: FileEntry(**entry) for rel, entry in files.items()}
                for root, files in data.get("sources", {}).items()
            }
            return cls(
                data.get("collection") or default_collection,
                data.get("embedding_model", ""),
                sources,
            )
        except (AttributeError, TypeError, ValueError):
            return cls(default_collection)


class ManifestStore(Protocol):
    """Where the manifest is kept, and a cheap way to tell that it changed.

    Retrieval polls ``stamp()`` before every question and reloads its view of the index only
    when the stamp differs. ``stamp()`` is None when no manifest exists (nothing ingested).
    ``save`` is atomic: a reader sees the old manifest or the new one, never a mixture.
    """

    def stamp(self) -> object | None: ...

    def load(self) -> Manifest: ...

    def save(self, manifest: Manifest) -> None: ...


class FileManifestStore:
    """The manifest as one JSON file, replaced atomically (the on-disk default)."""

    def __init__(self, path: Path, default_collection: str) -> None:
        self.path = path
        self.default_collection = default_collection

    def stamp(self) -> tuple[int, int, int] | None:
        """Changes whenever the manifest is rewritten (a new file each time); None when absent."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def load(self) -> Manifest:
        """The current manifest (empty when there is none or it cannot be read)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return Manifest(self.default_collection)
        return Manifest.from_json(data, self.default_collection)

    def save(self, manifest: Manifest) -> None:
        """Write a new file and rename it over the old one, so a crash never leaves half."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".manifest-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(manifest.to_json(), fh, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class ChromaManifestStore:
    """The manifest as records in the Chroma server: one per file, plus a state record.

    The state record carries the live collection's name, the embedding model and a
    generation number that ``stamp()`` reads (one small request). ``save`` first deletes the
    records of files no longer listed, then upserts changed records together with the state
    in one request, so a reader's view only ever loses files whose chunks still exist.
    """

    def __init__(self, settings: Settings, client: Callable[[], ClientAPI] | None = None) -> None:
        self.settings = settings
        self.name = f"{settings.collection}-manifest"
        self._client = client  # the process's shared client (``IndexConnection``), if any
        self._collection = None
        self._saved: dict[str, str] = {}  # record id -> document, as last loaded or saved

    def _records(self, create: bool):
        if self._collection is None:
            client = self._client() if self._client is not None else open_client(self.settings)
            if create:
                self._collection = client.get_or_create_collection(
                    self.name, embedding_function=None
                )
            else:
                try:
                    self._collection = client.get_collection(self.name, embedding_function=None)
                except Exception as exc:
                    if _is_not_found(exc):
                        return None
                    raise
        return self._collection

    def stamp(self) -> str | None:
        """The manifest's generation (new on every save); None before the first ingest."""
        try:
            records = self._records(create=False)
            if records is None:
                return None
            got = records.get(ids=[_STATE_ID], include=["metadatas"])
        except Exception as exc:
            if _is_not_found(exc):
                self._collection = None
                return None
            raise server_error(self.settings, exc) from exc  # down or refusing: say which
        if not got["ids"]:
            return None
        return str(got["metadatas"][0].get("generation", ""))

    def load(self) -> Manifest:
        """Every file record and the state, read in one request."""
        default = Manifest(self.settings.collection)
        records = self._records(create=False)
        if records is None:
            return default
        got = records.get(include=["documents"])
        state: dict = {}
        sources: dict[str, dict[str, FileEntry]] = {}
        saved: dict[str, str] = {}
        for record_id, document in zip(got["ids"], got["documents"], strict=True):
            saved[record_id] = document
            data = json.loads(document)
            if record_id == _STATE_ID:
                state = data
                continue
            entry = FileEntry(**data["entry"])
            sources.setdefault(data["root"], {})[data["rel"]] = entry
        if not state:
            return default
        self._saved = saved
        return Manifest(
            state.get("collection") or self.settings.collection,
            state.get("embedding_model", ""),
            sources,
        )

    def save(self, manifest: Manifest) -> None:
        """Publish ``manifest``: deletions first, then changed records and the state at once."""
        records = self._records(create=True)
        if not self._saved:
            self.load()
        existing = set(records.get(include=[])["ids"])
        wanted: dict[str, str] = {}
        for root, files in manifest.sources.items():
            for rel, entry in files.items():
                record_id = "f-" + hashlib.sha1(f"{root}\0{rel}".encode()).hexdigest()
                wanted[record_id] = json.dumps(
                    {"root": root, "rel": rel, "entry": asdict(entry)}, sort_keys=True
                )
        gone = [i for i in existing if i != _STATE_ID and i not in wanted]
        if gone:
            records.delete(ids=gone)
        # A fresh random generation, so two hosts saving in turn never repeat a stamp.
        generation = uuid.uuid4().hex
        state = json.dumps(
            {
                "version": VERSION,
                "collection": manifest.collection,
                "embedding_model": manifest.embedding_model,
                "generation": generation,
            }
        )
        changed = {i: d for i, d in wanted.items() if i not in existing or self._saved.get(i) != d}
        changed[_STATE_ID] = state
        ids = list(changed)
        records.upsert(
            ids=ids,
            documents=[changed[i] for i in ids],
            metadatas=[{"generation": generation} for _ in ids],
            embeddings=[[1.0] for _ in ids],  # records are fetched by id, never searched
        )
        self._saved = {**wanted, _STATE_ID: state}


def open_manifest_store(
    settings: Settings, client: Callable[[], ClientAPI] | None = None
) -> ManifestStore:
    """The manifest store for ``settings``' index: in the Chroma server with ``CHROMA_URL``
    (through ``client()``, the process's shared client, when given)."""
    if settings.chroma_url:
        return ChromaManifestStore(settings, client)
    return FileManifestStore(manifest_path(settings), settings.collection)


def _is_not_found(exc: Exception) -> bool:
    return isinstance(exc, NotFoundError) or "does not exist" in str(exc)


def live_collection_name(settings: Settings) -> str:
    """The physical collection holding the live chunks, as the manifest names it."""
    return open_manifest_store(settings).load().collection or settings.collection


def open_live_collection(settings: Settings, embeddings=None, client=None):
    """The collection the manifest names as live (created on first use), with our embedder."""
    return open_collection(settings, embeddings, client, name=live_collection_name(settings))

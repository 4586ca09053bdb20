"""The manifest: what is indexed, by content hash, so a re-run only touches what changed.

It is a JSON file beside the Chroma data (``<CHROMA_DIR>/manifest-<collection>.json``), written
atomically. For each source folder it maps each file's relative path to the hash of its bytes
(and its sidecar's) and the ids of its chunks in Chroma.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bot.ingest.metadata import sidecar_path
from bot.settings import Settings

VERSION = 1


def manifest_path(settings: Settings) -> Path:
    """Where the manifest of ``settings``' collection lives on disk."""
    return settings.chroma_dir / f"manifest-{settings.collection}.json"


class ManifestStore:
    """Where the manifest is kept, and a cheap way to tell that it changed.

    Retrieval polls ``stamp()`` before every question and reloads its view of the index only
    when the stamp differs, so the check must be cheap. ``stamp()`` is None when no manifest
    exists yet (nothing has been ingested).
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def stamp(self) -> tuple[int, int] | None:
        """Changes whenever the manifest is rewritten; None when there is none."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def load(self) -> Manifest:
        """The current manifest (empty when there is none)."""
        return Manifest.load(self.path)


def open_manifest_store(settings: Settings) -> ManifestStore:
    """The manifest store for ``settings``' index."""
    return ManifestStore(manifest_path(settings))


@dataclass
class FileEntry:
    hash: str
    chunk_ids: list[str]
    title: str = ""
    status: str = "current"
    superseded_by: str | None = None


@dataclass
class Manifest:
    path: Path
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
        return sum(len(e.chunk_ids) for files in self.sources.values() for e in files.values())

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """The manifest at ``path``; an empty one when the file is absent or unreadable."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION:
                return cls(path)
            sources = {
                root: {rel: FileEntry(**entry) for rel, entry in files.items()}
                for root, files in data.get("sources", {}).items()
            }
            return cls(path, data.get("embedding_model", ""), sources)
        except (OSError, ValueError, TypeError):
            return cls(path)

    def save(self) -> None:
        """Write atomically, so a crash never leaves half a manifest."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "version": VERSION,
            "embedding_model": self.embedding_model,
            "sources": {
                root: {rel: vars(entry) for rel, entry in sorted(files.items())}
                for root, files in sorted(self.sources.items())
            },
        }
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".manifest-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
        os.replace(tmp, self.path)


def content_hash(document: Path) -> str:
    """sha256 of the file's bytes and, when present, its sidecar's (metadata changes count)."""
    digest = hashlib.sha256(document.read_bytes())
    sidecar = sidecar_path(document)
    if sidecar.is_file():
        digest.update(b"\0sidecar\0")
        digest.update(sidecar.read_bytes())
    return digest.hexdigest()

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

VERSION = 1


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

"""The one connection to the index in a process: a Chroma client, its manifest, its collections.

Chroma's guidance is one client per process, created once and passed around. Lines reads the
index from several threads (members' questions, the draft checker, the staff desk's
corrections sweep), and another process (``lines ingest``) changes it while the bot runs. So:

- The factory builds one ``IndexConnection`` on the main thread, before any surface, desk or
  loop thread starts, and every reader of the index is handed it.
- Readers work inside ``reading()``: the client cannot be closed under them.
- **Reopening after another process changed the index.** An on-disk client keeps the vector
  index it loaded in memory: after another process adds to a collection, the same client
  still searches the old vectors (it counts the new records, but never finds them). When the
  manifest's stamp changes, the connection waits for the readers in flight, closes its client
  (chromadb stops the underlying system once its last client is closed, releasing its files
  and threads) and opens a fresh one, which reads the index as it is now. Nothing clears
  chromadb's process-wide cache while others read, so nothing grows with updates.
- A Chroma server (``CHROMA_URL``) serves the current index to every client: its one client
  is never reopened.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any

from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from langchain_core.embeddings import Embeddings

from bot.index.embedding import build_embeddings
from bot.index.manifest import ManifestStore, open_manifest_store
from bot.index.vectorstore import close_client, open_client, open_collection
from bot.settings import Settings

log = logging.getLogger(__name__)


class _ReadWriteLock:
    """Many readers at once, or one writer; a waiting writer holds back new readers, so a
    steady stream of questions cannot starve a reopen."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        with self._condition:
            while self._writing or self._writers_waiting:
                self._condition.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                if not self._readers:
                    self._condition.notify_all()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._condition:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    self._condition.wait()
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._condition:
                self._writing = False
                self._condition.notify_all()


class IndexRead:
    """What a reader may use while its ``reading()`` block lasts: the manifest stamp it saw
    and the collections of the connection's current client."""

    def __init__(self, connection: IndexConnection, stamp: object) -> None:
        self._connection = connection
        self.stamp = stamp

    def collection(self, name: str) -> Collection:
        """The collection ``name``; chromadb's ``NotFoundError`` when it does not exist."""
        return self._connection._collection(name)


class IndexConnection:
    """The process's one way into the index (see the module docstring). Thread-safe."""

    def __init__(self, settings: Settings, embeddings: Embeddings | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings or build_embeddings(settings.embedding_model)
        self._lock = _ReadWriteLock()
        self._open_lock = threading.Lock()  # one thread opens or reopens at a time
        self._client: ClientAPI | None = None
        self._client_stamp: object = None  # the manifest stamp when the client was opened
        self._collections: dict[str, Collection] = {}
        self._collections_lock = threading.Lock()
        self.reopened = 0  # how many times the client was reopened (for tests and logs)
        self.manifests: ManifestStore = open_manifest_store(settings, client=self._shared_client)

    # -- readers -----------------------------------------------------------------------------
    def stamp(self) -> object:
        """The manifest's stamp now: changes whenever an ingest publishes; None before any."""
        return self.manifests.stamp()

    @contextlib.contextmanager
    def reading(self, stamp: object = None) -> Iterator[IndexRead]:
        """Read the index: the client stays open until the block ends.

        ``stamp`` is the manifest stamp the reader just saw (read now when None); an on-disk
        client opened before that stamp is reopened first, so the reader sees what was
        published.
        """
        if stamp is None:
            stamp = self.stamp()
        if self._needs_reopen(stamp):
            self._reopen(stamp)
        with self._lock.shared():
            yield IndexRead(self, stamp)

    def open(self) -> None:
        """Open the client now (the factory calls this on the main thread at start-up)."""
        with self._lock.shared():
            self._shared_client()

    def close(self) -> None:
        """Close the client once no reader is using it; a later read opens a new one."""
        with self._lock.exclusive(), self._open_lock:
            self._close_client()

    # -- internals ---------------------------------------------------------------------------
    def _needs_reopen(self, stamp: object) -> bool:
        return (
            not self.settings.chroma_url
            and self._client is not None
            and stamp is not None
            and stamp != self._client_stamp
        )

    def _reopen(self, stamp: object) -> None:
        with self._lock.exclusive(), self._open_lock:
            if not self._needs_reopen(stamp):
                return  # another thread reopened while this one waited
            self._close_client()
            self._client = open_client(self.settings)
            self._client_stamp = stamp
            self.reopened += 1
            log.info("index changed: reopened the index (%d)", self.reopened)

    def _shared_client(self) -> ClientAPI:
        client = self._client
        if client is not None:
            return client
        with self._open_lock:
            if self._client is None:
                # The stamp is read before opening, so a publish in between is caught by
                # the next reader's check rather than missed.
                stamp = None if self.settings.chroma_url else self.manifests.stamp()
                self._client = open_client(self.settings)
                self._client_stamp = stamp
            return self._client

    def _close_client(self) -> None:
        with self._collections_lock:
            self._collections.clear()
        client, self._client = self._client, None
        if client is not None:
            close_client(client)

    def _collection(self, name: str) -> Collection:
        with self._collections_lock:
            collection = self._collections.get(name)
        if collection is not None:
            return collection
        collection = open_collection(
            self.settings, self.embeddings, self._shared_client(), name=name, create=False
        )
        with self._collections_lock:
            return self._collections.setdefault(name, collection)

    def __enter__(self) -> IndexConnection:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

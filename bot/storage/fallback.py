"""Where a question waits when the queue cannot be written: a local spool file.

When the queue database is locked, read-only or full, the member must still get the holding
reply and the question must not be lost. The queue then appends the item (as the row it
would have inserted) to this file, created ``0600`` because it holds members' questions, and
a running staff desk replays it into the queue once the queue is writable again. Replaying is
idempotent: every spooled row carries an event id, and the queue opens one item per event.

Appends and replays take an exclusive lock on ``<file>.lock``, so two bot processes sharing a
spool never replay the same rows twice or lose a row appended during a replay.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock

log = logging.getLogger(__name__)

PRIVATE_FILE = 0o600


class SpoolFile:
    """A JSON-lines spool of queue rows waiting to be written. Safe across threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_path = path.with_name(path.name + ".lock")
        self._thread_lock = threading.Lock()
        # Rows that could not even be spooled (the disk is full too): kept in memory so a
        # running bot can still replay them, and reported loudly.
        self._unsaved: list[dict[str, Any]] = []

    def append(self, row: dict[str, Any]) -> bool:
        """Durably add ``row``; False when even the spool cannot be written (kept in memory)."""
        line = json.dumps(row, ensure_ascii=False, default=str) + "\n"
        try:
            with self._locked():
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE)
                try:
                    os.write(fd, line.encode("utf-8"))
                    os.fsync(fd)
                finally:
                    os.close(fd)
        except OSError as exc:
            with self._thread_lock:
                self._unsaved.append(row)
            log.error(
                "could not write the fallback file %s (%s): one question is held in memory "
                "only and is lost if this process stops before the queue is writable",
                self.path,
                exc.strerror or type(exc).__name__,
            )
            return False
        return True

    def waiting(self) -> int:
        """How many rows wait to be replayed (in the file and in memory)."""
        with self._thread_lock:
            held = len(self._unsaved)
        try:
            with self.path.open(encoding="utf-8") as handle:
                return held + sum(1 for line in handle if line.strip())
        except FileNotFoundError:
            return held

    def replay(self, insert: Callable[[dict[str, Any]], None]) -> int:
        """Hand every waiting row to ``insert`` (oldest first); returns how many were written.

        ``insert`` raises to say the queue is still not writable: that row and all after it
        stay for the next replay. A line that is not valid JSON (a torn write) is moved to
        ``<file>.bad`` so it neither blocks the rest nor disappears.
        """
        with self._thread_lock:
            held, self._unsaved = self._unsaved, []
        written = 0
        try:
            for index, row in enumerate(held):
                insert(row)
                written += 1
                held[index] = {}
        except Exception:
            with self._thread_lock:
                self._unsaved[:0] = [row for row in held if row]
            raise
        if not self.path.exists():
            return written
        with self._locked():
            try:
                lines = self.path.read_text(encoding="utf-8").splitlines()
            except FileNotFoundError:
                return written
            remaining: list[str] = []
            bad: list[str] = []
            failure: Exception | None = None
            for line in lines:
                if not line.strip():
                    continue
                if failure is not None:
                    remaining.append(line)
                    continue
                try:
                    row = json.loads(line)
                except ValueError:
                    bad.append(line)
                    continue
                try:
                    insert(row)
                    written += 1
                except Exception as exc:
                    failure = exc
                    remaining.append(line)
            if bad:
                self._write_private(self.path.with_name(self.path.name + ".bad"), bad, append=True)
                log.error(
                    "%d unreadable line(s) of the fallback file moved to %s.bad",
                    len(bad),
                    self.path,
                )
            if remaining:
                self._write_private(self.path, remaining)
            else:
                self.path.unlink(missing_ok=True)
            if failure is not None:
                raise failure
        return written

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, FileLock(self._lock_path, mode=PRIVATE_FILE):
            yield

    @staticmethod
    def _write_private(path: Path, lines: list[str], append: bool = False) -> None:
        if append:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE)
            try:
                os.write(fd, ("\n".join(lines) + "\n").encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            return
        # Write the rest beside the file and rename over it, so a crash mid-write keeps the
        # old spool (replayed again, harmlessly) rather than half of it.
        temporary = path.with_name(path.name + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        try:
            os.write(fd, ("\n".join(lines) + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)

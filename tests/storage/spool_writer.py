"""A bot process appending to a shared spool (its own module: a spawned child imports only
this, not the test suite's fixtures)."""

from __future__ import annotations

from bot.storage.fallback import SpoolFile


def append_rows(path, writer: int, barrier, rows: int = 60) -> None:
    """Append ``rows`` rows tagged with ``writer`` once every process is ready."""
    spool = SpoolFile(path)
    barrier.wait()
    for n in range(rows):
        assert spool.append({"writer": writer, "n": n})

"""Run one ingest in a child process, announcing each step on stdout so a test can kill it.

    python -m tests.ingest.ingest_child KNOWLEDGE CHROMA_DIR [--rebuild] [--pause-after STEP N]

Prints ``upsert`` after each file's chunks are written and ``publish`` after each manifest
save (flushed), then ``done``. With ``--pause-after upsert 3`` it stops after the third
upsert and waits forever, so the test can ``kill -9`` it at exactly that point. Publishing
every 8 chunks (instead of 256) makes a small corpus publish several times.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from bot.index.manifest import FileManifestStore
from bot.ingest import pipeline
from tests.conftest import make_settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("knowledge", type=Path)
    parser.add_argument("base", type=Path)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--pause-after", nargs=2, metavar=("STEP", "N"))
    args = parser.parse_args()
    pause_step, pause_at = (
        (args.pause_after[0], int(args.pause_after[1])) if args.pause_after else ("", 0)
    )
    counts = {"upsert": 0, "publish": 0}

    def announce(step: str) -> None:
        counts[step] += 1
        print(step, flush=True)
        if step == pause_step and counts[step] == pause_at:
            print("paused", flush=True)
            threading.Event().wait()  # until killed

    upsert, save = pipeline._Run._upsert, FileManifestStore.save

    def announced_upsert(self, *a, **kw):
        ids = upsert(self, *a, **kw)
        announce("upsert")
        return ids

    def announced_save(self, manifest):
        save(self, manifest)
        announce("publish")

    pipeline._Run._upsert = announced_upsert
    FileManifestStore.save = announced_save
    pipeline.PUBLISH_EVERY = 8
    settings = make_settings(args.base, args.knowledge)
    report = pipeline.ingest(settings, rebuild=args.rebuild)
    print("done", len(report.failed), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()

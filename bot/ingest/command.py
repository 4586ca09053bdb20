"""The ingest command: ``python ingest.py`` and ``python -m bot ingest``.

    ingest [--source DIR ...] [--db DIR] [--rebuild] [--dry-run] [--json]

Exit codes: 0 nothing failed, 1 some files failed (the rest were ingested and the failed
files' previous versions stay indexed), 2 usage or configuration error.
With ``--json`` the last line of stdout is one JSON object: added, updated, removed,
unchanged, failed [{path, error}], chunks (total in the index), warnings.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bot.errors import EXIT_CONFIG, EXIT_OK, EXIT_PARTIAL
from bot.settings import Settings

DESCRIPTION = "Index the charity's documents into Chroma. Re-runs only touch what changed."


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ingest command's options to ``parser`` (``--db`` is shared by every command)."""
    parser.add_argument(
        "--source",
        action="append",
        type=Path,
        metavar="DIR",
        help="folder of documents (repeatable; default: KNOWLEDGE_DIRS or knowledge/). "
        "The index mirrors exactly these folders.",
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="drop the index and re-embed everything"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="report what would change; write nothing"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON summary as the last line")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one ingest and report it; returns the exit code."""
    from bot.ingest.pipeline import IngestError, ingest

    started = time.perf_counter()
    try:
        report = ingest(
            settings,
            args.source,
            rebuild=args.rebuild,
            dry_run=args.dry_run,
            progress=_progress_bar(),
        )
    except IngestError as exc:
        print(f"ingest: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    elapsed = time.perf_counter() - started

    if args.json:
        print(json.dumps(report.to_json()))
    else:
        _print_summary(report, elapsed, args.dry_run)
    return EXIT_PARTIAL if report.failed else EXIT_OK


def _progress_bar():
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return lambda files: tqdm(files, desc="Reading", unit="file", file=sys.stderr, leave=False)


def _print_summary(report, elapsed: float, dry_run: bool) -> None:
    verb = "Would index" if dry_run else "Indexed"
    print(
        f"{verb}: {len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.removed)} removed, {len(report.unchanged)} unchanged, "
        f"{len(report.failed)} failed. {report.chunks} chunks in the index ({elapsed:.1f}s)."
    )
    for label, paths in (
        ("added", report.added),
        ("updated", report.updated),
        ("removed", report.removed),
    ):
        for path in paths:
            print(f"  {label:9} {path}")
    for failure in report.failed:
        print(f"  FAILED    {failure['path']}: {failure['error']}", file=sys.stderr)
    for warning in report.warnings:
        print(f"  warning   {warning}", file=sys.stderr)
    if report.failed:
        print(
            "Failed files were skipped; any earlier version of them stays in the index. "
            "Fix them and re-run.",
            file=sys.stderr,
        )

"""The ingest command: ``python ingest.py`` and ``python -m bot ingest``.

    ingest [--source DIR ...] [--db DIR] [--rebuild] [--dry-run] [--check FILE] [--json]

Exit codes: 0 nothing failed, 1 some files failed (the rest were ingested and the failed
files' previous versions stay indexed), 2 usage or configuration error.
With ``--json`` the last line of stdout is one JSON object: added, updated, removed,
unchanged, failed [{path, error}], chunks (total in the index), warnings, skipped
[{path, reason}], duplicates [{path, same_as}], orphan_sidecars, inferred
[{path, fields: {key: {value, from}}}] and, with --dry-run, metadata (every file's values).
A progress bar over reading and embedding is shown on a terminal, never with --json.

``--check FILE`` (or a ``checks.yaml`` at the top of a source folder) answers a fixed list
of questions before and after the ingest and reports which answers changed source, lost or
gained their citation, or started or stopped escalating (``bot.ingest.regression``); with
``--json`` that is the ``check`` key. The check never changes the exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bot.errors import EXIT_CONFIG, EXIT_OK, EXIT_PARTIAL
from bot.settings import Settings


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
    parser.add_argument(
        "--check",
        type=Path,
        metavar="FILE",
        help="questions to answer before and after the ingest, reporting answers that changed "
        "(default: checks.yaml at the top of a source folder, when there is one)",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON summary as the last line")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one ingest and report it; returns the exit code."""
    from bot.errors import LinesError
    from bot.ingest.pipeline import ingest

    try:
        check = _regression_check(args, settings)
        if check is not None and not args.dry_run:
            check.before()
        started = time.perf_counter()  # the ingest's own time, without the check's answers
        report = ingest(
            settings,
            args.source,
            rebuild=args.rebuild,
            dry_run=args.dry_run,
            embeddings=check.embeddings if check is not None else None,
            progress=None if args.json else _progress_bar(),
        )
        elapsed = time.perf_counter() - started
        checked = None
        if check is not None:
            checked = (
                check.skipped("not run with --dry-run (nothing is written, so nothing changes).")
                if args.dry_run
                else check.after()
            )
    except LinesError as exc:
        print(f"ingest: {exc}", file=sys.stderr)
        return EXIT_CONFIG

    if args.json:
        data = report.to_json()
        if checked is not None:
            data["check"] = checked.to_json()
        print(json.dumps(data))
    else:
        _print_summary(report, elapsed, args.dry_run)
        if checked is not None:
            print("\n".join(checked.lines()))
    return EXIT_PARTIAL if report.failed else EXIT_OK


def _regression_check(args: argparse.Namespace, settings: Settings):
    """The regression check to run around this ingest, or None when there is no questions file.

    The questions are read first, so a bad file stops the run before anything changes. The
    advisor has no queue: checking leaves nothing for staff.
    """
    from bot.ingest.regression import RegressionCheck, find_checks_file, load_questions

    path = args.check or find_checks_file(args.source or settings.knowledge_dirs)
    if path is None:
        return None
    questions = load_questions(path)
    from bot.factory import build_advisor
    from bot.index.embedding import build_embeddings

    model = build_embeddings(settings.embedding_model)  # one model for the ingest and the check
    advisor = build_advisor(settings, embeddings=model, queue=False)
    return RegressionCheck(path, questions, advisor, model)


def _progress_bar():
    """A tqdm bar factory on a terminal (chunks, rate, ETA); None (silent) otherwise."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    def bar(total: int, desc: str, unit: str):
        return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False)

    return bar


def _print_summary(report, elapsed: float, dry_run: bool) -> None:
    verb = "Would index" if dry_run else "Indexed"
    print(
        f"{verb}: {len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.removed)} removed, {len(report.unchanged)} unchanged, "
        f"{len(report.failed)} failed, {len(report.skipped)} skipped, "
        f"{len(report.duplicates)} duplicates. {report.chunks} chunks in the index "
        f"({elapsed:.1f}s)."
    )
    changes = [("removed", report.removed)]
    if not dry_run:  # a dry run lists every file below, with its values
        changes = [("added", report.added), ("updated", report.updated), *changes]
    for label, paths in changes:
        for path in paths:
            print(f"  {label:9} {path}")
    if dry_run:
        for entry in report.metadata:
            print(f"  {entry['path']} ({entry['change']})")
            for key, field in entry["fields"].items():
                value = field["value"]
                shown = ", ".join(value) if isinstance(value, list) else value
                print(f"      {key + ':':15} {shown!s:48} <- {field['from']}")
    elif report.inferred:
        print(f"  {len(report.inferred)} files had metadata inferred (see --dry-run for values).")
    for item in report.skipped:
        print(f"  skipped   {item['path']}: {item['reason']}")
    for item in report.duplicates:
        print(
            f"  duplicate {item['path']}: same content as {item['same_as']}, indexed once as "
            "that; delete the copy"
        )
    for path in report.orphan_sidecars:
        print(f"  orphan    {path}: a sidecar whose document is gone; delete it or restore it")
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

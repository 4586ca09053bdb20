"""``lines report``: what maintainers need to see, from the queue and the index.

    report [--days N] [--html FILE]

Questions with no guidance (grouped by meaning, with counts and examples), answers marked
not helpful (with the question and the documents cited), documents most and never cited,
lines due for review or expired, and escalations by category with time to answer. Text on
stdout by default; ``--html FILE`` writes one self-contained page (inline CSS and SVG
charts, no script, nothing fetched) instead. Reads only; exit 0, or 2 when the queue cannot
be opened or the file cannot be written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.errors import EXIT_OK, UsageError
from bot.settings import Settings

DEFAULT_DAYS = 30


def configure(parser: argparse.ArgumentParser) -> None:
    """``--days N`` (default 30) and ``--html FILE``."""
    parser.add_argument(
        "--days",
        type=int,
        default=DEFAULT_DAYS,
        metavar="N",
        help=f"the period covered, in days up to now (default {DEFAULT_DAYS})",
    )
    parser.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="write one self-contained HTML page (with charts) to FILE instead of printing text",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Build the report and print it, or write it as HTML; the exit code."""
    if args.days < 1:
        raise UsageError("report: --days needs 1 or more days.")
    from bot.report.gather import build_report
    from bot.report.render import render_html, render_text

    report = build_report(settings, args.days)
    if args.html is None:
        print(render_text(report), end="")
        return EXIT_OK
    try:
        args.html.write_text(render_html(report), encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"report: cannot write {args.html} ({exc.strerror}); choose a file in a folder "
            "you can write."
        ) from None
    print(f"Wrote {args.html}: {report.questions} questions over the last {args.days} days.")
    return EXIT_OK

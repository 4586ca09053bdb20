"""The check command: ``lines check`` and ``python -m bot check``.

    check [--db DIR] [--json] [--file PATH | TEXT]

Checks one draft (the TEXT argument, or the whole of PATH, ``-`` for stdin) against the
guidance in the index. Exit 0 whether or not anything is found; 2 for a usage or
configuration error (no draft, an unreadable file, no index yet). With ``--json`` stdout is
one JSON object: ``{"text", "findings": [{"start", "end", "found", "suggestion", "reason",
"citations": [{"number", "source", "title", "locator", "quote"}]}], "framing": [...],
"escalation": null | {...}}`` with offsets into ``text``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from bot.errors import EXIT_CONFIG, EXIT_OK, LinesError
from bot.settings import Settings


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the check command's arguments to ``parser``."""
    parser.add_argument("text", nargs="?", help="the draft, in quotes")
    parser.add_argument(
        "--db", type=Path, metavar="DIR", help="Chroma folder (default: CHROMA_DIR)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--file", metavar="PATH", help="read the whole draft from PATH ('-' for stdin)"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Check one draft and print the result; returns the exit code."""
    text = _draft(args)
    if text is None:
        return EXIT_CONFIG
    if not getattr(args, "verbose", False):
        # As for `ask`: the terminal is for the person; progress logs only with -v.
        logging.getLogger().setLevel(logging.WARNING)
    if args.db:
        settings = settings.with_overrides(chroma_dir=args.db.expanduser().resolve())

    from bot.check.checker import build_checker
    from bot.check.render import render_text

    try:
        result = build_checker(settings).check(text)
    except LinesError as exc:
        print(f"check: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
    else:
        print(render_text(result), flush=True)
    return EXIT_OK


def _draft(args: argparse.Namespace) -> str | None:
    if args.file and args.text:
        print("check: give the draft as TEXT or --file, not both", file=sys.stderr)
        return None
    if args.file:
        try:
            if args.file == "-":
                text = sys.stdin.read()
            else:
                text = Path(args.file).read_bytes().decode("utf-8-sig")
        except OSError as exc:
            print(f"check: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
            return None
        except UnicodeDecodeError:
            print(f"check: {args.file} is not UTF-8 text; save it as UTF-8", file=sys.stderr)
            return None
    else:
        text = args.text or ""
    if not text.strip():
        print(
            'check: give a draft, e.g. python -m bot check "Our post about the new arrivals..."'
            " or --file draft.txt",
            file=sys.stderr,
        )
        return None
    return text

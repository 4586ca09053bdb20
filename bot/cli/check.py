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
import sys
from pathlib import Path

from bot.errors import EXIT_OK, UsageError
from bot.settings import Settings


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the check command's arguments to ``parser``."""
    parser.add_argument("text", nargs="?", help="the draft, in quotes")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--file", metavar="PATH", help="read the whole draft from PATH ('-' for stdin)"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Check one draft and print the result; returns the exit code."""
    text = _draft(args)
    from bot.check.render import render_text
    from bot.factory import build_checker

    # A missing index or a bad setting is a LinesError: the entry point reports it in one line.
    result = build_checker(settings).check(text)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
    else:
        print(render_text(result), flush=True)
    return EXIT_OK


def _draft(args: argparse.Namespace) -> str:
    if args.file and args.text:
        raise UsageError("check: give the draft as TEXT or --file, not both")
    if args.file:
        try:
            if args.file == "-":
                # A paste cannot be "saved as UTF-8": bytes that are not text are shown as
                # U+FFFD and the rest is checked (a sensitive draft still reaches staff).
                text = _read_stdin()
            else:
                text = Path(args.file).read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise UsageError(f"check: cannot read {args.file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"check: {args.file} is not UTF-8 text; save it as UTF-8") from None
    else:
        text = args.text or ""
    if not text.strip():
        raise UsageError(
            'check: give a draft, e.g. lines check "Our post about the new arrivals..."'
            " or --file draft.txt"
        )
    return text


def _read_stdin() -> str:
    """All of stdin as text; bytes that are not UTF-8 become U+FFFD, with a note on stderr."""
    binary = getattr(sys.stdin, "buffer", None)
    if binary is None:  # already text (a test's StringIO, an embedding application)
        return sys.stdin.read()
    raw = binary.read()
    text = raw.decode("utf-8-sig", errors="replace")
    if text.count("\ufffd") > raw.count("\ufffd".encode()):
        print("lines: check: some input was not UTF-8 text; it is shown as \ufffd", file=sys.stderr)
    return text

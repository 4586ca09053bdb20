"""``lines ask``: answer questions from the command line, as a member would see them.

``--file PATH`` answers one question per line (``-`` for stdin) in one process; ``--json``
prints one JSON object per question per line (see ``Answer.to_json``). ``--no-queue`` tries
things out without side effects: no question opens an item in the staff queue.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap

from bot.answer import Answer, Question
from bot.errors import EXIT_OK, UsageError
from bot.settings import Settings


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the question, ``--file``, ``--json`` and ``--no-queue`` to ``parser``."""
    parser.add_argument("question", nargs="?", help="the question, in quotes")
    parser.add_argument("--json", action="store_true", help="one JSON object per question per line")
    parser.add_argument(
        "--file", metavar="PATH", help="read one question per line from PATH ('-' for stdin)"
    )
    parser.add_argument(
        "--no-queue",
        action="store_true",
        help="open no staff queue items (escalations and gaps are shown, not recorded)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Answer each question and print it; ``IndexNotReady`` and config errors propagate."""
    questions = _questions(args)
    from bot.factory import build_advisor

    advisor = build_advisor(settings, queue=not args.no_queue)
    # Members get an honest reply without an index; a maintainer here is told to run ingest.
    advisor.retriever.ensure_ready()
    for number, text in enumerate(questions):
        answer = advisor.ask(Question(text=text))
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            if number:
                print("\n" + "─" * 72 + "\n")
            print(render(answer, queued=not args.no_queue), flush=True)
    return EXIT_OK


def _questions(args: argparse.Namespace) -> list[str]:
    if args.file and args.question:
        raise UsageError("ask: give a question or --file, not both.")
    if args.file:
        try:
            handle = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")  # noqa: SIM115
            with handle:
                lines = [line.strip() for line in handle]
        except OSError as exc:
            raise UsageError(f"ask: cannot read --file {args.file}: {exc.strerror}.") from None
        except UnicodeDecodeError:
            raise UsageError(f"ask: --file {args.file} is not UTF-8 text.") from None
        return [line for line in lines if line and not line.startswith("#")]
    if not args.question or not args.question.strip():
        raise UsageError('ask: give a question, e.g. lines ask "How do we talk about X?"')
    return [args.question.strip()]


def render(answer: Answer, queued: bool = True) -> str:
    """The answer as a person reads it in a terminal: question, advice, numbered sources.

    ``queued`` says whether a queue was in use (False for ``--no-queue``): an escalation
    without an item id then means the item waits in the fallback file, not that none was
    opened.
    """
    lines = [f"Q: {answer.question}", ""]
    lines.extend(answer.text.splitlines())
    if answer.citations:
        lines += ["", "Sources:"]
        for c in answer.citations:
            where = f" — {c.locator}" if c.locator else ""
            details = ", ".join(x for x in (c.kind, c.date) if x)
            status = f" [SUPERSEDED by {c.superseded_by}]" if c.status == "superseded" else ""
            lines.append(f"  [{c.number}] {c.title}{where} ({details}){status}")
            lines.append(f"      {c.source}")
            lines.extend(
                textwrap.wrap(
                    f"“{c.quote}”", width=88, initial_indent="      ", subsequent_indent="       "
                )
            )
    if answer.escalation is not None:
        e = answer.escalation
        label = {
            "no_guidance": "flagged to staff as a gap",
            "sensitive": "handed to staff",
            "requested": "handed to staff on request",
        }[e.kind]
        category = f" ({e.category})" if e.category else ""
        if e.id is not None:
            lines += ["", f"[{label}{category}, item #{e.id}: {e.reason}]"]
        elif queued:
            # The queue could not be written: the item waits in the fallback file (see logs).
            lines += [
                "",
                f"[{label}{category}; the queue is busy or cannot be written, so the item is "
                f"kept and added once it can be: {e.reason}]",
            ]
        else:
            lines += ["", f"[would be {label}{category}; not queued (--no-queue): {e.reason}]"]
    return "\n".join(lines)

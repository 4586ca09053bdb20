"""``python -m bot ask``: answer questions from the command line, as a member would see them.

``--file PATH`` answers one question per line (``-`` for stdin) in one process; ``--json``
prints one JSON object per question per line (see ``Answer.to_json``).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

from bot.answer import Answer, Question
from bot.settings import Settings

EXIT_OK, EXIT_USAGE = 0, 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question", nargs="?", help="the question, in quotes")
    parser.add_argument(
        "--db", type=Path, metavar="DIR", help="Chroma folder (default: CHROMA_DIR)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per question per line")
    parser.add_argument(
        "--file", metavar="PATH", help="read one question per line from PATH ('-' for stdin)"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    questions = _questions(args)
    if questions is None:
        return EXIT_USAGE
    if args.db:
        settings = settings.with_overrides(chroma_dir=args.db.expanduser().resolve())

    from bot.factory import build_advisor
    from bot.retrieval import IndexNotReady

    advisor = build_advisor(settings)
    try:
        advisor.retriever.ensure_ready()
    except IndexNotReady as exc:
        print(f"ask: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for number, text in enumerate(questions):
        answer = advisor.ask(Question(text=text))
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            if number:
                print("\n" + "─" * 72 + "\n")
            print(render(answer), flush=True)
    return EXIT_OK


def _questions(args: argparse.Namespace) -> list[str] | None:
    if args.file and args.question:
        print("ask: give a question or --file, not both", file=sys.stderr)
        return None
    if args.file:
        try:
            handle = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            print(f"ask: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
            return None
        with handle:
            lines = [line.strip() for line in handle]
        return [line for line in lines if line and not line.startswith("#")]
    if not args.question or not args.question.strip():
        print(
            'ask: give a question, e.g. python -m bot ask "How do we talk about X?"',
            file=sys.stderr,
        )
        return None
    return [args.question.strip()]


def render(answer: Answer) -> str:
    """The answer as a person reads it in a terminal: question, advice, numbered sources."""
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
        item = f", item #{e.id}" if e.id is not None else ""
        category = f" ({e.category})" if e.category else ""
        lines += ["", f"[{label}{category}{item}: {e.reason}]"]
    return "\n".join(lines)

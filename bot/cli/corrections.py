"""``lines corrections``: which threads a running bot will tell that a cited document changed.

    corrections [--dry-run] [--json]

Corrections are posted by the running Slack or Discord bot (its staff desk looks after every
ingest, and on every new day for expiry dates); this command never posts. With ``--dry-run``
it lists each thread that would get a note now: the platform, where (a thread, a channel, or
a direct message for an answer given privately), what changed, and the note itself, with a
fresh answer from the current guidance (asked with the queue off, so nothing is recorded).
Notes waiting for a retry are listed too. Text from members is printed with control
characters escaped.

Exit code 0 whether or not anything is due; 2 when the queue or the index cannot be opened.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json

from bot.answer import Question
from bot.answering.lifecycle import document_states, today
from bot.errors import EXIT_OK
from bot.formatting import printable
from bot.settings import Settings


def configure(parser: argparse.ArgumentParser) -> None:
    """``--dry-run`` lists the notes that would be posted; ``--json`` prints them as JSON."""
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="list the notes the running bot would post now, each with its fresh answer",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """List (or count) the corrections due; the exit code. Posts nothing."""
    # Here, not at the top: every `lines` command imports this module to build its parser,
    # and these load chromadb, SQLAlchemy and Alembic (and the advisor below, ONNX).
    from bot.index.connection import IndexConnection
    from bot.staff.corrections import MAX_ATTEMPTS, find_due, note_text, recipient
    from bot.storage.database import Database
    from bot.storage.records import Records

    if settings.correction_days <= 0:
        print("Corrections are off (CORRECTION_DAYS=0): no thread is told about changes.")
        return EXIT_OK
    records = Records(Database.from_settings(settings))
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=settings.correction_days)
    with IndexConnection(settings) as index:
        state = document_states(index)
    due = find_due(records.answers_since(since), state, today(), records.correction_keys())
    waiting = [
        r
        for r in records.list_corrections(limit=1000)
        if r.posted_at is None and r.attempts < MAX_ATTEMPTS
    ]
    if not args.dry_run:
        message = (
            f"{len(due)} thread(s) have a correction due and {len(waiting)} note(s) wait to be "
            "posted. Corrections are posted by the running Slack or Discord bot (`lines slack`, "
            "`lines discord`), which checks after every ingest; `lines corrections --dry-run` "
            "lists them."
        )
        if args.json:
            print(json.dumps({"due": len(due), "waiting": len(waiting), "message": message}))
        else:
            print(message)
        return EXIT_OK

    from bot.factory import build_advisor

    advisor = build_advisor(settings, queue=False) if due else None
    notes = []
    for correction in due:
        record = correction.record
        fresh = advisor.ask(_question(record)) if advisor is not None else None
        target = recipient(record)
        notes.append(
            {
                "platform": record.platform,
                "where": _where(record, target.reply_in),
                "answered_at": record.created_at.isoformat(),
                "question": record.question,
                "changes": [c.to_json() for c in correction.changes],
                "note": note_text(correction.changes, record, fresh),
            }
        )
    pending = [
        {
            "platform": r.platform,
            "document": r.document,
            "change": r.change,
            "attempts": r.attempts,
            "error": r.error,
        }
        for r in waiting
    ]
    if args.json:
        print(json.dumps({"due": notes, "waiting": pending}, ensure_ascii=False))
        return EXIT_OK
    if not notes and not pending:
        print("No correction is due: no recent answer cited a document that has changed since.")
        return EXIT_OK
    for note in notes:
        print(f"{note['platform']} · {note['where']} · answered {note['answered_at'][:16]} UTC")
        for line in printable(note["note"]).splitlines():
            print(f"    {line}")
        print()
    for row in pending:
        reason = f" (last error: {printable(row['error'])})" if row["error"] else ""
        print(
            f"waiting  {row['platform']} · {printable(row['document'])}: "
            f"{row['attempts']} attempt(s){reason}"
        )
    return EXIT_OK


def _question(record):
    return Question(record.question, record.origin)


def _where(record, reply_in: str) -> str:
    if reply_in == "dm":
        return "direct message to the member (answered privately)"
    if record.thread:
        return f"thread {record.channel}/{record.thread}"
    return f"channel {record.channel}"

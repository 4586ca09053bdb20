"""``lines escalations``: the staff's view of the queue from a terminal.

    list [--state STATE] [--undelivered] [--json]   show ID [--json]
    claim ID --as NAME      answer ID --text TEXT [--as NAME]      resolve ID [--as NAME]
    purge --older-than DAYS [--dry-run]

An answer given here is delivered by the running Slack or Discord bot (its staff desk looks
at the queue every ``STAFF_DESK_POLL_SECONDS``); ``list`` says what has not reached staff or
the member yet, and why. Text from members and staff is printed with control characters
escaped, so a question cannot move the cursor, recolour or rewrite the staff terminal.

Refused operations (unknown item, invalid transition, a queue that is locked) print why,
change nothing, exit 1. A database that cannot be opened raises ``StoreUnavailable``:
``lines`` reports it and exits 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import getpass
import json
import sys
import textwrap
from typing import TYPE_CHECKING, Any

from bot.errors import EXIT_OK
from bot.errors import EXIT_PARTIAL as EXIT_REFUSED
from bot.formatting import printable
from bot.settings import Settings
from bot.storage.states import STATES

# The queue and the desk (SQLAlchemy, Alembic) are imported inside the functions that run an
# action, not here: every `lines` command imports this module to build its parser.
if TYPE_CHECKING:
    from bot.storage.queue import Queue
    from bot.storage.records import Records
    from bot.storage.schema import Item


# C0 and C1 control characters (but not newline or tab), DEL, and the bidirectional
# overrides that can make text read differently from what it is.


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the staff actions (list, show, claim, answer, resolve, purge) to ``parser``."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="list items, newest first, with what is pending")
    listing.add_argument("--state", choices=STATES)
    listing.add_argument(
        "--undelivered",
        action="store_true",
        help="only items not yet posted to staff, or whose answer has not reached the member",
    )
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    show = sub.add_parser("show", help="one item in full, with the draft passages")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    claim = sub.add_parser("claim", help="take an item")
    claim.add_argument("id", type=int)
    claim.add_argument("--as", dest="name", required=True, help="your name")
    answer = sub.add_parser("answer", help="record the staff answer (the running bot sends it)")
    answer.add_argument("id", type=int)
    answer.add_argument("--text", required=True)
    answer.add_argument("--as", dest="name", default=None, help="your name (default: login)")
    resolve = sub.add_parser("resolve", help="close an item")
    resolve.add_argument("id", type=int)
    resolve.add_argument("--as", dest="name", default=None, help="your name (default: login)")
    purge = sub.add_parser(
        "purge", help="delete resolved items (and feedback) older than DAYS days"
    )
    purge.add_argument("--older-than", dest="days", type=int, required=True, metavar="DAYS")
    purge.add_argument("--dry-run", action="store_true", help="count, delete nothing")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Carry out one staff action on the queue at ``DATABASE_URL``; return the exit code."""
    from bot.storage.database import Database, EscalationError
    from bot.storage.queue import Queue
    from bot.storage.records import Records

    database = Database.from_settings(settings)
    queue, records = Queue.from_settings(settings, database), Records(database)
    name = args.name if getattr(args, "name", None) else getpass.getuser()
    try:
        if args.action == "list":
            return _list(queue, records, args)
        if args.action == "show":
            item = queue.get(args.id)
            print(json.dumps(_as_json(item), indent=2) if args.json else _details(item))
        elif args.action == "claim":
            print(f"Item {queue.claim(args.id, name).id} is claimed by {printable(name)}.")
        elif args.action == "answer":
            item = queue.answer(args.id, args.text, name)
            print(_answered(item, records.last_seen(), settings))
        elif args.action == "resolve":
            item = queue.resolve(args.id, name)
            print(f"Item {args.id} is resolved.")
            if item.needs_relay:
                print("Its answer has not reached the member yet; the running bot still sends it.")
        elif args.action == "purge":
            return _purge(records, args)
    except EscalationError as exc:
        print(f"escalations: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    return EXIT_OK


def _list(queue: Queue, records: Records, args: argparse.Namespace) -> int:
    from bot.staff.desk import pending_reason

    items = queue.list(args.state, args.limit, undelivered=args.undelivered)
    seen, now = records.last_seen(), dt.datetime.now(dt.UTC)
    if args.json:
        for item in items:
            print(json.dumps({**_as_json(item), "pending": pending_reason(item, seen, now)}))
        return EXIT_OK
    print(_table(items, seen, now))
    spooled = queue.spooled()
    if spooled and queue.spool is not None:
        print(
            f"\n{spooled} question(s) wait in {queue.spool.path}: the queue could not be "
            "written when they were asked. A running bot adds them as soon as it can."
        )
    return EXIT_OK


def _purge(records: Records, args: argparse.Namespace) -> int:
    if args.days < 0:
        print("escalations: --older-than needs 0 or more days.", file=sys.stderr)
        return EXIT_REFUSED
    report = records.purge(dt.timedelta(days=args.days), dry_run=args.dry_run)
    verb = "Would delete" if args.dry_run else "Deleted"
    print(
        f"{verb} {report.items} resolved item(s), {report.feedback} feedback record(s) and "
        f"{report.answers} answer record(s) older than {args.days} day(s). Items whose answer "
        "has not reached the member are kept."
    )
    return EXIT_OK


def _answered(item: Item, seen: dict[str, dt.datetime], settings: Settings) -> str:
    where = "by direct message" if item.private else "in the member's thread"
    if item.platform not in ("slack", "discord"):
        return (
            f"Item {item.id} is answered. It was asked from the {printable(item.platform)}, "
            "so there is no member thread to deliver it to."
        )
    bot = f"the {item.platform.capitalize()} bot"
    last = seen.get(item.platform)
    from bot.staff.desk import BOT_GONE

    if last is None or dt.datetime.now(dt.UTC) - last > BOT_GONE:
        since = f" since {last:%Y-%m-%d %H:%M} UTC" if last else " yet"
        return (
            f"Item {item.id} is answered. No {item.platform.capitalize()} bot has looked at the "
            f"queue{since}: the answer is sent {where} when {bot} runs "
            f"(`python -m bot {item.platform}`). `escalations list --undelivered` shows it."
        )
    return (
        f"Item {item.id} is answered; {bot} sends it {where} within about "
        f"{settings.staff_desk_poll_seconds:g} seconds."
    )


def _as_json(item: Item) -> dict[str, Any]:
    data = dataclasses.asdict(item)
    for key, value in data.items():
        if hasattr(value, "isoformat"):
            data[key] = value.isoformat()
    return data


def _table(items: list[Item], seen: dict[str, dt.datetime], now: dt.datetime) -> str:
    from bot.staff.desk import pending_reason

    if not items:
        return "No items."
    rows = [("ID", "STATE", "KIND", "CATEGORY", "WHERE", "ASSIGNEE", "QUESTION")]
    notes: list[str] = []
    for i in items:
        question = printable(i.question, one_line=True)
        question = question if len(question) <= 50 else question[:49] + "…"
        pending = pending_reason(i, seen, now)
        flag = " (!)" if pending else ""
        if pending:
            notes.append(f"  {i.id}: {printable(pending, one_line=True)}")
        rows.append(
            (
                str(i.id),
                i.state + flag,
                i.kind,
                i.category or "-",
                i.platform + (" (private)" if i.private else ""),
                printable(i.assignee, one_line=True) or "-",
                question,
            )
        )
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]) - 1)]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1]
        for r in rows
    ]
    if notes:
        lines += ["", "(!) not yet with staff or the member:", *notes]
    return "\n".join(lines)


def _details(item: Item) -> str:
    from bot.staff.desk import delivery_status

    def block(text: str, indent: str = "  ", width: int = 88) -> str:
        paragraphs = printable(text).splitlines() or [""]
        return "\n".join(textwrap.indent(textwrap.fill(p, width) or "", indent) for p in paragraphs)

    lines = [
        f"Item {item.id}: {item.state}"
        + (f" (assigned to {printable(item.assignee, one_line=True)})" if item.assignee else ""),
        f"Kind:      {item.kind}" + (f" / {item.category}" if item.category else ""),
        f"Reason:    {printable(item.reason, one_line=True)}",
        f"From:      {item.platform} {item.workspace or ''} channel {item.channel or '-'} "
        f"thread {item.thread or '-'} user {item.asker or '-'}",
        "Reply:     "
        + {"dm": "by direct message", "channel": "in the channel", "thread": "in the thread"}.get(
            item.reply_in, item.reply_in
        )
        + (" (asked privately)" if item.private else ""),
    ]
    if item.link:
        lines.append(f"Link:      {printable(item.link, one_line=True)}")
    lines.append(f"Created:   {item.created_at:%Y-%m-%d %H:%M} UTC")
    if item.notify_error and item.staff_ref is None:
        lines.append(
            f"Staff post FAILED ({item.notify_attempts} attempts): "
            f"{printable(item.notify_error, one_line=True)}; the running bot retries it."
        )
    lines += ["", "Question:", block(item.question)]
    if item.question_was_cut:
        lines.append(
            f"  [cut: the member wrote {item.question_chars:,} characters; "
            f"the first {len(item.question):,} are kept]"
        )
    if item.staff_answer:
        lines += ["", "Staff answer:", block(item.staff_answer), f"  {delivery_status(item)}"]
    if item.passages:
        lines += ["", "Draft passages (for staff only, never shown to the member):"]
        for n, p in enumerate(item.passages, 1):
            title, locator, source = (
                printable(p[key], one_line=True) for key in ("title", "locator", "source")
            )
            lines.append(f"  [{n}] {title} — {locator} ({source})")
            lines.append(block(p["text"], "      ", 84))
    return "\n".join(lines)

"""``python -m bot escalations``: the staff's view of the queue from a terminal.

    list [--state STATE] [--json]     show ID [--json]     claim ID --as NAME
    answer ID --text TEXT [--as NAME] resolve ID [--as NAME]

Refused operations (unknown item, invalid transition) print why, change nothing, exit 1.
A database that cannot be opened raises ``StoreUnavailable``: ``lines`` reports it and exits 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import sys
import textwrap
from typing import TYPE_CHECKING, Any

from bot.errors import EXIT_OK
from bot.errors import EXIT_PARTIAL as EXIT_REFUSED
from bot.settings import Settings

if TYPE_CHECKING:  # the store (SQLAlchemy, Alembic) is imported only when a command runs
    from bot.escalation.store import Item


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the staff actions (list, show, claim, answer, resolve) to ``parser``."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="list items, newest first")
    listing.add_argument("--state", choices=("open", "claimed", "answered", "resolved"))
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    show = sub.add_parser("show", help="one item in full, with the draft passages")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    claim = sub.add_parser("claim", help="take an item")
    claim.add_argument("id", type=int)
    claim.add_argument("--as", dest="name", required=True, help="your name")
    answer = sub.add_parser("answer", help="record the staff answer")
    answer.add_argument("id", type=int)
    answer.add_argument("--text", required=True)
    answer.add_argument("--as", dest="name", default=None, help="your name (default: login)")
    resolve = sub.add_parser("resolve", help="close an item")
    resolve.add_argument("id", type=int)
    resolve.add_argument("--as", dest="name", default=None, help="your name (default: login)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Carry out one staff action on the queue at ``DATABASE_URL``; return the exit code."""
    from bot.escalation.store import EscalationError, EscalationStore

    store = EscalationStore.from_settings(settings)
    name = args.name if getattr(args, "name", None) else getpass.getuser()
    try:
        if args.action == "list":
            items = store.list(args.state, args.limit)
            if args.json:
                for item in items:
                    print(json.dumps(_as_json(item)))
            else:
                print(_table(items))
        elif args.action == "show":
            item = store.get(args.id)
            print(json.dumps(_as_json(item), indent=2) if args.json else _details(item))
        elif args.action == "claim":
            print(f"Item {store.claim(args.id, name).id} is claimed by {name}.")
        elif args.action == "answer":
            store.answer(args.id, args.text, name)
            print(f"Item {args.id} is answered; the bot relays the answer to the member's thread.")
        elif args.action == "resolve":
            store.resolve(args.id, name)
            print(f"Item {args.id} is resolved.")
    except EscalationError as exc:
        print(f"escalations: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    return EXIT_OK


def _as_json(item: Item) -> dict[str, Any]:
    data = dataclasses.asdict(item)
    for key, value in data.items():
        if hasattr(value, "isoformat"):
            data[key] = value.isoformat()
    return data


def _table(items: list[Item]) -> str:
    if not items:
        return "No items."
    rows = [("ID", "STATE", "KIND", "CATEGORY", "WHERE", "ASSIGNEE", "QUESTION")]
    for i in items:
        question = i.question if len(i.question) <= 50 else i.question[:49] + "…"
        notify = " (!)" if i.notify_error and not i.notified_at else ""
        rows.append(
            (
                str(i.id),
                i.state + notify,
                i.kind,
                i.category or "-",
                i.platform,
                i.assignee or "-",
                question,
            )
        )
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]) - 1)]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1]
        for r in rows
    ]
    if any("(!)" in r[1] for r in rows[1:]):
        lines.append("(!) = posting to the staff channel failed; the bot retries it.")
    return "\n".join(lines)


def _details(item: Item) -> str:
    lines = [
        f"Item {item.id}: {item.state}"
        + (f" (assigned to {item.assignee})" if item.assignee else ""),
        f"Kind:      {item.kind}" + (f" / {item.category}" if item.category else ""),
        f"Reason:    {item.reason}",
        f"From:      {item.platform} {item.workspace or ''} channel {item.channel or '-'} "
        f"thread {item.thread or '-'} user {item.asker or '-'}",
    ]
    if item.link:
        lines.append(f"Link:      {item.link}")
    lines.append(f"Created:   {item.created_at:%Y-%m-%d %H:%M} UTC")
    if item.notify_error and not item.notified_at:
        lines.append(f"Staff post FAILED ({item.notify_attempts} attempts): {item.notify_error}")
    lines += ["", "Question:", textwrap.indent(textwrap.fill(item.question, 88), "  ")]
    if item.staff_answer:
        lines += ["", "Staff answer:", textwrap.indent(textwrap.fill(item.staff_answer, 88), "  ")]
    if item.passages:
        lines += ["", "Draft passages (for staff only, never shown to the member):"]
        for n, p in enumerate(item.passages, 1):
            lines.append(f"  [{n}] {p['title']} — {p['locator']} ({p['source']})")
            lines.append(textwrap.indent(textwrap.fill(p["text"], 84), "      "))
    return "\n".join(lines)

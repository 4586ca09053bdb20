"""``python -m bot``: a thin command line over the advisor and the staff tools.

Each command lives in the module that owns its job and exposes two functions:
``configure(parser)`` adds its arguments, ``run(args, settings) -> int`` does the work.
Only the chosen command's module is imported, so ``python -m bot ask`` never imports
discord.py or slack_bolt, and listing the commands imports nothing.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from bot.settings import Settings, SettingsError

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "ingest": ("bot.ingest.command", "index the knowledge base (re-runs only touch what changed)"),
    "ask": ("bot.ask", "answer questions from the knowledge base, with citations"),
    "escalations": ("bot.escalation.cli", "staff queue: list, show, claim, answer, resolve, purge"),
    "slack": ("bot.slack.run", "run the Slack app (Socket Mode by default, or HTTP)"),
    "discord": ("bot.discord.run", "run the Discord bot"),
}

EXIT_USAGE = 2


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported to add its arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Lines: messaging advice drawn only from the charity's own guidance.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        command_parser.set_defaults(_module=module_name)
        if name == command:
            importlib.import_module(module_name).configure(command_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(command if command in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        settings = Settings.load()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else getattr(logging, settings.log_level.upper(), 30),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command == "ingest" and not args.verbose:
        logging.getLogger().setLevel(logging.ERROR)  # the report says what failed
    if args.command in ("ask", "escalations") and not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)  # keep terminal output for people
    return importlib.import_module(args._module).run(args, settings)

"""``lines``: one thin command line over the advisor, the staff tools and the surfaces.

Each command lives in the module that owns its job and exposes two functions:
``configure(parser)`` adds its arguments, ``run(args, settings) -> int`` does the work.
Only the chosen command's module is imported, so ``lines ask`` never imports discord.py or
slack_bolt, and listing the commands imports nothing. ``python -m bot`` and ``ingest.py``
run the same ``main``.

``main`` is the one error boundary: a ``LinesError`` raised anywhere below (settings, policy,
store, index, embedding model, LLM provider, surfaces) ends here as one line on stderr naming
the setting or file and what to do, with the exit code from ``bot.errors``. ``-v`` or
``LOG_LEVEL=DEBUG`` shows the traceback too. Any other exception is a bug and keeps its
traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback
from collections.abc import Sequence

from bot import __version__
from bot.cli import options
from bot.errors import EXIT_INTERRUPTED, EXIT_OK, LinesError
from bot.settings import Settings, SettingsError

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "ingest": ("bot.cli.ingest", "index the knowledge base (re-runs only touch what changed)"),
    "ask": ("bot.cli.ask", "answer questions from the knowledge base, with citations"),
    "check": ("bot.cli.check", "check a draft against the guidance's words, with citations"),
    "escalations": (
        "bot.cli.escalations",
        "staff queue: list, show, claim, answer, resolve, purge",
    ),
    "corrections": ("bot.cli.corrections", "threads to be told a document they cited changed"),
    "report": ("bot.cli.report", "gaps, unhelpful answers, stale lines, escalations"),
    "slack": ("bot.cli.slack", "run the Slack app (Socket Mode by default, or HTTP)"),
    "discord": ("bot.cli.discord", "run the Discord bot"),
    "doctor": ("bot.cli.doctor", "check the configuration end to end, changing nothing"),
    "init": ("bot.cli.init", "create a data folder: .env, knowledge/ and the escalation policy"),
}

# Commands whose output is for people: library logging below this level stays quiet unless
# -v or LOG_LEVEL=DEBUG asks for it (ingest's report already says what failed).
QUIET = {
    "ingest": logging.ERROR,
    "ask": logging.WARNING,
    "check": logging.WARNING,
    "escalations": logging.WARNING,
    "corrections": logging.WARNING,
    "report": logging.WARNING,
    "doctor": logging.WARNING,
    "init": logging.WARNING,
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported to add its arguments."""
    parser = argparse.ArgumentParser(
        prog="lines",
        description="Lines: messaging advice drawn only from the charity's own guidance.",
        epilog="Settings come from ./.env (or --env-file) and the environment; see .env.example. "
        "`lines doctor` checks them.",
    )
    parser.add_argument("--version", action="version", version=f"lines {__version__}")
    options.add_shared(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        command_parser.set_defaults(_module=module_name)
        options.add_shared(command_parser)
        if name == command:
            importlib.import_module(module_name).configure(command_parser)
            options.add_shared_to_actions(command_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``lines`` command and return its exit code.

    Every ``LinesError`` ends here as one line per problem on stderr and its exit code;
    the traceback is shown only with ``-v`` or ``LOG_LEVEL=DEBUG``.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if a in COMMANDS), None)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    options.fill_defaults(args)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_OK
    verbose = args.verbose or os.environ.get("LOG_LEVEL", "").strip().upper() == "DEBUG"
    try:
        settings = options.load_settings(args)
        verbose = verbose or settings.log_level == "DEBUG"
        _configure_logging(args.command, settings, verbose)
        return importlib.import_module(args._module).run(args, settings)
    except LinesError as exc:
        if verbose:
            traceback.print_exc()
        for line in _message_lines(exc):
            print(f"lines: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("lines: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _message_lines(exc: LinesError) -> list[str]:
    # Settings report one problem per line; anything else is one line, however the
    # underlying library formatted its text.
    if isinstance(exc, SettingsError):
        return list(exc.problems)
    return [" ".join(str(exc).split()) or type(exc).__name__]


def _configure_logging(command: str, settings: Settings, verbose: bool) -> None:
    level = (
        logging.DEBUG
        if verbose
        else max(getattr(logging, settings.log_level), QUIET.get(command, 0))
    )
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger().setLevel(level)

"""The options every ``lines`` command shares, defined once: ``-v``, ``--env-file``, ``--db``.

They are accepted before the command (``lines -v ask ...``) and after it (``lines ask -v ...``).
Both parsers use ``SUPPRESS`` defaults so the command's parser cannot overwrite a value given
before the command; ``fill_defaults`` then supplies the real defaults.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.errors import UsageError
from bot.settings import DOTENV_NAME, Settings

DEFAULTS: dict[str, object] = {"verbose": False, "env_file": None, "db": None}


def add_shared(parser: argparse.ArgumentParser) -> None:
    """Add the shared options to ``parser`` (the top level or one command)."""
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log debug detail, and show the traceback of an error, on stderr",
    )
    parser.add_argument(
        "--env-file",
        type=Path,
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="read settings from PATH instead of ./.env; relative paths in it, and the "
        "defaults, resolve against its folder",
    )
    parser.add_argument(
        "--db",
        type=Path,
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="Chroma folder (default: CHROMA_DIR); the queue's SQLite file sits beside it "
        "unless DATABASE_URL is set",
    )


def add_shared_to_actions(parser: argparse.ArgumentParser) -> None:
    """Add the shared options to a command's own sub-commands (``escalations list --db X``)."""
    # argparse has no public way to list a parser's sub-parsers; this is the usual one.
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                add_shared(sub)


def fill_defaults(args: argparse.Namespace) -> None:
    """Give every shared option its default when it was not on the command line."""
    for name, value in DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, value)


def dotenv_path(args: argparse.Namespace) -> Path:
    """The ``.env`` this run reads: ``--env-file``, else ``.env`` in the working directory."""
    return args.env_file if args.env_file is not None else Path(DOTENV_NAME)


def load_settings(args: argparse.Namespace) -> Settings:
    """Settings from ``--env-file`` (or ``./.env``) and the environment, with ``--db`` applied.

    Raises ``UsageError`` for a missing ``--env-file`` and ``SettingsError`` for bad values.
    """
    if args.env_file is not None and not args.env_file.is_file():
        raise UsageError(
            f"--env-file {args.env_file}: no such file (`lines init DIR` writes one to edit)."
        )
    settings = Settings.load(dotenv_path=dotenv_path(args))
    if args.db is not None:
        settings = settings.with_overrides(chroma_dir=args.db.expanduser().resolve())
    return settings

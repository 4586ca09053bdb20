"""The small family of errors Lines raises for things a person can fix, and the exit codes.

Every error here carries a message fit to show as it is: what went wrong, and the setting,
file or command that fixes it. The one entry point (``lines``, which ``python -m bot`` and
``ingest.py`` also run) catches ``LinesError`` once, prints that message and exits with the
error's ``exit_code``; anything else is a bug and keeps its traceback. Exit codes are defined
here and nowhere else.
"""

from __future__ import annotations

EXIT_OK = 0
# Ran, but some inputs failed: ingest (some files), the staff CLI (a refused action),
# doctor (a check failed).
EXIT_PARTIAL = 1
EXIT_CONFIG = 2  # could not run: usage, configuration or an unavailable dependency
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


class LinesError(Exception):
    """Base of every error whose message a person can act on."""

    exit_code: int = EXIT_CONFIG


class ConfigError(LinesError, ValueError):
    """A setting, file or dependency the program needs is missing or unusable."""


class UsageError(LinesError):
    """The command line itself is wrong (a missing question, an unreadable ``--file``)."""

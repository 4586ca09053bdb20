"""The small family of errors Lines raises for things a person can fix.

Every error here carries a message fit to show as it is: what went wrong, and the setting,
file or command that fixes it. Entry points (``lines``, ``ingest.py``) catch ``LinesError``
once, print that one line and exit with ``EXIT_CONFIG``; anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_PARTIAL = 1  # ran, but some inputs failed (ingest: some files; staff CLI: a refusal)
EXIT_CONFIG = 2  # could not run: usage, configuration or an unavailable dependency


class LinesError(Exception):
    """Base of every error whose message a person can act on."""


class ConfigError(LinesError, ValueError):
    """A setting, file or dependency the program needs is missing or unusable."""

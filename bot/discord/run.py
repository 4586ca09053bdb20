"""``python -m bot discord``: run the Discord bot (needs ``DISCORD_TOKEN``)."""

from __future__ import annotations

import argparse
import sys

from bot.settings import Settings

EXIT_CONFIG = 2


def configure(parser: argparse.ArgumentParser) -> None:
    """No options: everything comes from the environment and .env."""


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bot (and its staff desk) until it is stopped; the exit code."""
    if not settings.discord_token:
        print("discord: set DISCORD_TOKEN in .env (see .env.example)", file=sys.stderr)
        return EXIT_CONFIG
    if not settings.discord_staff_channel_id or not settings.discord_staff_role_id:
        print(
            "discord: warning: DISCORD_STAFF_CHANNEL_ID and DISCORD_STAFF_ROLE_ID are needed "
            "for staff to see and act on escalations",
            file=sys.stderr,
        )

    from bot.discord.client import LinesBot, apply_endpoints
    from bot.factory import build_advisor

    apply_endpoints(settings)
    bot = LinesBot(settings, build_advisor(settings))
    bot.run(settings.discord_token, log_handler=None)
    return 0

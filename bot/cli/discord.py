"""``python -m bot discord``: run the Discord bot (needs ``DISCORD_TOKEN``)."""

from __future__ import annotations

import argparse
import logging

from bot.errors import EXIT_OK, ConfigError
from bot.settings import Settings

log = logging.getLogger(__name__)

# What to tell a person when Discord refuses to let the bot in (also used by `lines doctor`).
TOKEN_REFUSED = (
    "Discord refused DISCORD_TOKEN: in the Developer Portal open your application -> Bot, "
    "reset the token and put the new one in DISCORD_TOKEN."
)
INTENT_OFF = (
    "Discord refused the Message Content intent, which the bot needs to read questions: in "
    "the Developer Portal open your application -> Bot and switch on Message Content Intent."
)


def configure(parser: argparse.ArgumentParser) -> None:
    """No options: everything comes from the environment and .env."""


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bot (and its staff desk) until it is stopped; the exit code."""
    if not settings.discord_token:
        raise ConfigError("discord: set DISCORD_TOKEN in .env (see .env.example).")
    if not settings.discord_staff_channel_id or not settings.discord_staff_role_id:
        log.warning(
            "DISCORD_STAFF_CHANNEL_ID and DISCORD_STAFF_ROLE_ID are needed "
            "for staff to see and act on escalations"
        )

    import discord

    from bot.factory import build_advisor
    from bot.surfaces.discord.client import LinesBot, apply_endpoints

    apply_endpoints(settings)
    bot = LinesBot(settings, build_advisor(settings))
    try:
        bot.run(settings.discord_token, log_handler=None)
    except discord.LoginFailure as exc:
        raise ConfigError(TOKEN_REFUSED) from exc
    except discord.PrivilegedIntentsRequired as exc:
        raise ConfigError(INTENT_OFF) from exc
    except OSError as exc:  # aiohttp's connection errors are OSErrors
        raise ConfigError(
            f"cannot reach Discord ({exc}): check the network, or DISCORD_API_URL."
        ) from exc
    return EXIT_OK

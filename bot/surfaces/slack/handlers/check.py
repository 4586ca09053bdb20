"""Check my draft on Slack: the "Check with Lines" message shortcut and ``/lines check``.

Both are acknowledged at once, before any work, and answered only to the person who asked:
their draft is theirs, so nothing is posted in the channel.

- ``/lines check <draft>`` replies through the command's ``response_url``.
- The message shortcut replies through the ``response_url`` Slack includes in every message
  shortcut payload (global shortcuts have none). It posts an ephemeral message to the
  person who pressed it, in the channel they pressed it in, and works in channels and DMs
  the bot is not a member of, where ``chat.postEphemeral`` fails (``channel_not_found``).
  A modal (``views.open``) would also reach them, but only if opened within three seconds of
  the click, and a check can take longer than that on a busy machine. If the URL is missing
  or refused, ``SlackSurface.respond`` sends the reply by direct message instead.

The check itself (the checker, what is said when it fails, handing a sensitive draft to the
staff desk) is the ``Conversation``'s; this module turns the two interactions into a draft
and its ``Origin``.

A draft carrying a sensitive situation goes to staff exactly as a private ``/lines``
question does: the person gets the holding reply privately, the queue item reaches the staff
channel through the staff desk, and the staff answer comes by direct message.
"""

from __future__ import annotations

import logging
import re

from slack_bolt import App

from bot.answer import Origin
from bot.check.findings import DraftCheck
from bot.check.render import NO_TEXT
from bot.surfaces.slack import blocks
from bot.surfaces.slack.handlers.members import COMMAND
from bot.surfaces.slack.surface import SlackSurface

log = logging.getLogger(__name__)

SUBCOMMAND = re.compile(r"\s*check(?:\s+(?P<draft>.*))?\Z", re.IGNORECASE | re.DOTALL)
USAGE = (
    "Paste your draft after the command, e.g. `/lines check Our post about the new arrivals…`, "
    "or choose *Check with Lines* from the ⋮ menu of any message."
)
# Slack's markup in a message's text: <@U1|name>, <#C1|general>, <!here>, <url|label>, <url>.
_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def is_check(command: dict) -> bool:
    """True for ``/lines check ...``: the checker answers it, not the question handler."""
    return bool(SUBCOMMAND.match(command.get("text") or ""))


def register(app: App, surface: SlackSurface) -> None:
    """The message shortcut and ``/lines check``.

    Register before ``members``: Bolt runs the first listener that matches, so ``/lines
    check`` reaches this handler and every other ``/lines`` the question handler.
    """

    @app.command(COMMAND, matchers=[is_check])
    def on_check_command(ack, command: dict) -> None:
        ack()  # with no text: Slack neither times out nor shows the draft in the channel
        match = SUBCOMMAND.match(command.get("text") or "")
        respond_check(
            surface,
            draft_text((match and match["draft"]) or ""),
            user=command["user_id"],
            response_url=command.get("response_url"),
            channel=command.get("channel_id"),
            team=command.get("team_id"),
            event_id=f"check:{command.get('trigger_id')}",
            empty=USAGE,
        )

    @app.message_shortcut(blocks.CHECK_SHORTCUT)
    def on_check_shortcut(ack, shortcut: dict) -> None:
        ack()
        message = shortcut.get("message") or {}
        respond_check(
            surface,
            draft_text(message.get("text") or ""),
            user=(shortcut.get("user") or {})["id"],
            response_url=shortcut.get("response_url"),
            channel=(shortcut.get("channel") or {}).get("id"),
            team=(shortcut.get("team") or {}).get("id"),
            event_id=f"check:{shortcut.get('trigger_id')}",
            empty=NO_TEXT,
            message=message.get("ts") or shortcut.get("message_ts"),
        )


def respond_check(
    surface: SlackSurface,
    draft: str,
    *,
    user: str,
    response_url: str | None,
    channel: str | None,
    team: str | None,
    event_id: str,
    empty: str,
    message: str | None = None,
) -> DraftCheck | None:
    """Check ``draft`` once per ``event_id`` and tell only ``user`` (see
    ``Conversation.check``); a redelivered interaction, or one another replica has, is
    left alone (None)."""
    if not surface.conversation.first_time(event_id):
        return None
    origin = Origin(
        platform="slack",
        workspace=team or surface.team_id,
        channel=channel,
        user=user,
        event_id=event_id,
        reply_in="dm",  # said only to them, so a staff answer comes by direct message
        private=True,
        message=message,
    )
    reply = surface.reply(origin, response_url=response_url, ephemeral=True)
    return surface.conversation.check(draft, origin, reply, empty=empty)


def draft_text(text: str) -> str:
    """A Slack message's text as the person wrote it: markup undone, ``&amp;`` decoded.

    ``<@U1|ana>`` becomes "@ana", ``<!channel>`` "@channel" (shown inert in the reply, see
    ``blocks.safe``), ``<https://…|label>`` its label, ``<https://…>`` the address.
    """

    def plain(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("!"):
            name = target[1:].split("^", 1)[0]
            return label or f"@{name}"
        if target.startswith(("@", "#")):
            return f"{target[0]}{label.lstrip('@#')}" if label else target
        return label or target

    text = _MARKUP.sub(plain, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

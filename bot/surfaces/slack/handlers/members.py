"""Members' questions: @mentions, direct messages, thread follow-ups and the /lines command."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.answer import Origin, Question
from bot.surfaces.slack.surface import SlackSurface

log = logging.getLogger(__name__)

COMMAND = "/lines"
GREETING = "Hello! Ask me how to talk about a topic and I'll answer from our guidance."
EMPTY_COMMAND = (
    "Ask me a question after the command, e.g. `/lines how do we talk about small boats?`"
)


def register(app: App, surface: SlackSurface) -> None:
    """Answer mentions, DMs, follow-ups in the bot's threads, and ``/lines``."""

    @app.event("app_mention")
    def on_mention(event: dict, body: dict) -> None:
        _answer(surface, event, body)

    @app.event("message")
    def on_message(event: dict, body: dict) -> None:
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return  # edits, joins, bots (ourselves included): never answered, so no loops
        if event.get("user") == surface.bot_user_id:
            return
        mentioned = surface.bot_user_id and f"<@{surface.bot_user_id}>" in event.get("text", "")
        if event.get("channel_type") == "im":
            _answer(surface, event, body)
        elif mentioned:
            return  # the app_mention event answers it
        elif event.get("thread_ts") and surface.bot_in_thread(event["channel"], event["thread_ts"]):
            _answer(surface, event, body)

    @app.command(COMMAND)
    def on_command(ack, command: dict) -> None:
        # Acknowledged at once and with no text, so Slack neither times out nor echoes the
        # question to the channel; the answer follows privately through response_url.
        ack()
        _answer_command(surface, command)


def _answer(surface: SlackSurface, event: dict, body: dict) -> None:
    """A message for the bot: answered in its thread (a DM stays a DM), once."""
    if event.get("bot_id") or event.get("subtype") == "bot_message":
        return  # another bot (or ourselves) mentioning us: answering could start a loop
    channel, ts = event["channel"], event["ts"]
    if not surface.conversation.first_time(body.get("event_id"), f"message:{channel}:{ts}"):
        log.info("already handled %s (%s:%s)", body.get("event_id"), channel, ts)
        return
    thread_ts = event.get("thread_ts") or ts
    text = surface.clean(event.get("text", ""))
    if not text:
        surface.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=GREETING)
        return
    origin = Origin(
        platform="slack",
        workspace=body.get("team_id") or surface.team_id,
        channel=channel,
        thread=thread_ts,
        user=event.get("user"),
        event_id=body.get("event_id"),
        reply_in="thread",
        private=event.get("channel_type") == "im",
        message=ts,
    )
    history = surface.history(channel, thread_ts, ts) if thread_ts != ts else ()
    surface.conversation.answer(
        Question(text=text, origin=origin, history=history),
        surface.reply(origin, message_ts=ts),
    )


def _answer_command(surface: SlackSurface, command: dict) -> None:
    """``/lines``: answered privately through the command's ``response_url``.

    Nothing is posted to the channel: the question may be private. An escalated question
    gets an ephemeral holding reply and the staff answer arrives by direct message.
    """
    text = (command.get("text") or "").strip()
    event_id = f"command:{command.get('trigger_id')}"
    origin = Origin(
        platform="slack",
        workspace=command.get("team_id") or surface.team_id,
        channel=command.get("channel_id"),
        thread=None,
        user=command["user_id"],
        event_id=event_id,
        reply_in="dm",  # private: a staff answer, or a correction, comes by direct message
        private=True,
    )
    reply = surface.reply(origin, response_url=command.get("response_url"), ephemeral=True)
    if not text:
        reply.tell_privately(EMPTY_COMMAND)
        return
    if surface.conversation.first_time(event_id):
        surface.conversation.answer(Question(text=text, origin=origin), reply)

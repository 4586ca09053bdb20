"""Members' questions: @mentions, direct messages, thread follow-ups and the /lines command."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.surfaces.slack.app import SlackSurface

log = logging.getLogger(__name__)

COMMAND = "/lines"
GREETING = "Hello! Ask me how to talk about a topic and I'll answer from our guidance."


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
        surface.answer_command(command)


def _answer(surface: SlackSurface, event: dict, body: dict) -> None:
    if event.get("bot_id") or event.get("subtype") == "bot_message":
        return  # another bot (or ourselves) mentioning us: answering could start a loop
    channel, ts = event["channel"], event["ts"]
    if not surface.first_time(body.get("event_id"), f"message:{channel}:{ts}"):
        log.info("already handled %s (%s:%s)", body.get("event_id"), channel, ts)
        return
    thread_ts = event.get("thread_ts") or ts
    text = surface.clean(event.get("text", ""))
    if not text:
        surface.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=GREETING)
        return
    surface.answer_in_thread(
        text=text,
        channel=channel,
        thread_ts=thread_ts,
        message_ts=ts,
        user=event.get("user"),
        event_id=body.get("event_id"),
        team=body.get("team_id"),
        private=event.get("channel_type") == "im",
    )

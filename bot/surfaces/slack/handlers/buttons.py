"""The buttons under an answer: helpful, not helpful, "Ask a person", "Share in channel".

Replies to these clicks go only to the person who clicked, through the click's
``response_url``: that works in private answers and in channels the bot is not in.
"""

from __future__ import annotations

import json
import logging

from slack_bolt import App

from bot.answer import Origin, Question
from bot.surfaces.slack import blocks
from bot.surfaces.slack.surface import SlackSurface

log = logging.getLogger(__name__)

NOT_SHARED = "I couldn't share that answer; it is still here for you."


def register(app: App, surface: SlackSurface) -> None:
    """Record feedback, hand a thread (or a private question) to staff, share on request."""
    conversation = surface.conversation

    def feedback(helpful: bool):
        def handler(ack, body: dict, action: dict) -> None:
            ack()
            channel, message_ts = _where(body)
            origin = Origin(platform="slack", channel=channel, user=body["user"]["id"])
            conversation.feedback(
                origin,
                _question(action),
                f"{channel}:{message_ts}",
                helpful,
                surface.reply(origin, response_url=body.get("response_url"), ephemeral=True),
            )

        return handler

    app.action(blocks.HELPFUL)(feedback(True))
    app.action(blocks.UNHELPFUL)(feedback(False))

    @app.action(blocks.ASK_PERSON)
    def on_ask_person(ack, body: dict, action: dict) -> None:
        ack()
        channel, message_ts = _where(body)
        private = _ephemeral(body)
        thread = None if private else (_thread(body) or message_ts)
        origin = Origin(
            platform="slack",
            workspace=(body.get("team") or {}).get("id"),
            channel=channel,
            thread=thread,
            user=body["user"]["id"],
            # One hand-over per thread, however often the button is pressed.
            event_id=f"person:{channel}:{thread or message_ts}",
            reply_in="dm" if private else "thread",
            private=private,
        )
        # Said only to them when the answer was (like the answer it came from), else in
        # the thread; a repeat or a failure is always said only to them.
        reply = surface.reply(origin, response_url=body.get("response_url"), ephemeral=private)
        conversation.hand_over(Question(_question(action), origin), reply)

    @app.action(blocks.SHARE)
    def on_share(ack, body: dict, action: dict) -> None:
        ack()
        user = body["user"]["id"]
        question = _question(action)
        channel, _ = _where(body)
        origin = Origin(platform="slack", channel=channel, user=user, private=False)
        answer = conversation.shareable(Question(question, origin))
        if answer is None:
            surface.say_privately(body.get("response_url"), NOT_SHARED, user=user)
            return
        surface.respond(
            body.get("response_url"),
            blocks.shared_message(user, question, answer),
            response_type="in_channel",
        )


def _question(action: dict) -> str:
    try:
        return json.loads(action.get("value") or "{}").get("q", "")
    except ValueError:
        return ""


def _ephemeral(body: dict) -> bool:
    return bool((body.get("container") or {}).get("is_ephemeral"))


def _where(body: dict) -> tuple[str, str]:
    """The channel and message the click came from (ephemeral messages have no ``message``)."""
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
    message = body.get("message") or {}
    return channel, message.get("ts") or container.get("message_ts") or ""


def _thread(body: dict) -> str | None:
    message = body.get("message") or {}
    return message.get("thread_ts") or message.get("ts")

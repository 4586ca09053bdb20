"""The buttons under an answer: helpful, not helpful, "Ask a person", "Share in channel".

Replies to these clicks go only to the person who clicked, through the click's
``response_url``: that works in private answers and in channels the bot is not in.
"""

from __future__ import annotations

import json
import logging

from slack_bolt import App

from bot.advisor import SORRY_TEXT
from bot.answer import Origin, Question
from bot.staff.desk import holding_text
from bot.storage.database import EscalationError
from bot.surfaces.slack import blocks
from bot.surfaces.slack.app import SlackSurface

log = logging.getLogger(__name__)

THANKS = "Thanks for the feedback: it helps us improve our guidance."
ALREADY = "The staff team already has this one."
NOT_SHARED = "I couldn't share that answer; it is still here for you."
NOT_RECORDED = "Thanks, but I couldn't record that just now; please try again in a minute."


def register(app: App, surface: SlackSurface) -> None:
    """Record feedback, hand a thread (or a private question) to staff, share on request."""

    def feedback(helpful: bool):
        def handler(ack, body: dict, action: dict) -> None:
            ack()
            channel, message_ts = _where(body)
            try:
                surface.records.record_feedback(
                    platform="slack",
                    user=body["user"]["id"],
                    question=_question(action),
                    answer_ref=f"{channel}:{message_ts}",
                    helpful=helpful,
                )
                reply = THANKS
            except EscalationError:
                reply = NOT_RECORDED
            surface.respond(body.get("response_url"), reply, user=body["user"]["id"])

        return handler

    app.action(blocks.HELPFUL)(feedback(True))
    app.action(blocks.UNHELPFUL)(feedback(False))

    @app.action(blocks.ASK_PERSON)
    def on_ask_person(ack, body: dict, action: dict) -> None:
        ack()
        user = body["user"]["id"]
        channel, message_ts = _where(body)
        private = _ephemeral(body)
        thread = None if private else (_thread(body) or message_ts)
        key = f"person:{channel}:{thread or message_ts}"
        if not surface.first_time(key):
            surface.respond(body.get("response_url"), ALREADY, user=user)
            return  # one hand-over per thread, however often the button is pressed
        origin = Origin(
            platform="slack",
            workspace=(body.get("team") or {}).get("id"),
            channel=channel,
            thread=thread,
            user=user,
            event_id=key,
            reply_in="dm" if private else "thread",
            private=private,
        )
        try:
            answer = surface.advisor.request_person(Question(_question(action), origin))
        except Exception as exc:
            log.error("handing to staff failed: %s", type(exc).__name__, exc_info=True)
            surface.respond(body.get("response_url"), SORRY_TEXT, user=user)
            return
        messages = blocks.answer_messages(answer, holding_text(answer, origin), private=private)
        if private:  # said only to them, like the answer it came from
            for fallback, message_blocks in messages:
                surface.respond(body.get("response_url"), fallback, message_blocks, user=user)
        else:
            surface.tell(origin, messages)
        surface.desk.escalated(answer)

    @app.action(blocks.SHARE)
    def on_share(ack, body: dict, action: dict) -> None:
        ack()
        user = body["user"]["id"]
        question = _question(action)
        channel, _ = _where(body)
        origin = Origin(platform="slack", channel=channel, user=user, private=False)
        try:
            answer = surface.advisor.ask(Question(question, origin))
        except Exception as exc:
            log.error("answering to share failed: %s", type(exc).__name__, exc_info=True)
            answer = None
        if answer is None or answer.escalation is not None or not answer.citations:
            surface.respond(body.get("response_url"), NOT_SHARED, user=user)
            return
        for fallback, message_blocks in blocks.shared_message(user, question, answer):
            surface.respond(
                body.get("response_url"), fallback, message_blocks, response_type="in_channel"
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

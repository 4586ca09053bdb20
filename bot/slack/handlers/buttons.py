"""The buttons under an answer: helpful, not helpful, and "Ask a person"."""

from __future__ import annotations

import json

from slack_bolt import App

from bot.answer import Origin, Question
from bot.slack import blocks
from bot.slack.app import SlackSurface


def register(app: App, surface: SlackSurface) -> None:
    def feedback(helpful: bool):
        def handler(ack, body: dict, action: dict) -> None:
            ack()
            channel, user = body["channel"]["id"], body["user"]["id"]
            surface.store.record_feedback(
                platform="slack",
                user=user,
                question=_question(action),
                answer_ref=f"{channel}:{body['message']['ts']}",
                helpful=helpful,
            )
            surface.client.chat_postEphemeral(
                channel=channel,
                user=user,
                thread_ts=_thread(body),
                text="Thanks for the feedback: it helps us improve our guidance.",
            )

        return handler

    app.action(blocks.HELPFUL)(feedback(True))
    app.action(blocks.UNHELPFUL)(feedback(False))

    @app.action(blocks.ASK_PERSON)
    def on_ask_person(ack, body: dict, action: dict) -> None:
        ack()
        channel, user, thread = body["channel"]["id"], body["user"]["id"], _thread(body)
        if not surface.first_time(f"person:{channel}:{thread}"):
            return  # one hand-over per thread, however often the button is pressed
        origin = Origin(
            platform="slack",
            workspace=(body.get("team") or {}).get("id"),
            channel=channel,
            thread=thread,
            user=user,
            event_id=f"person:{channel}:{thread}",
        )
        answer = surface.advisor.request_person(Question(_question(action), origin))
        surface.post_answer(answer, channel, thread)


def _question(action: dict) -> str:
    try:
        return json.loads(action.get("value") or "{}").get("q", "")
    except ValueError:
        return ""


def _thread(body: dict) -> str:
    message = body.get("message") or {}
    return message.get("thread_ts") or message.get("ts")

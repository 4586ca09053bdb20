"""Staff buttons on escalation posts: Claim, Answer (a modal), Resolve. Staff only."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.escalation.store import EscalationError
from bot.slack import blocks
from bot.slack.app import SlackSurface

log = logging.getLogger(__name__)

NOT_STAFF = "Only the staff team can act on escalations, so nothing was changed."


def register(app: App, surface: SlackSurface) -> None:
    def guarded(operation):
        def handler(ack, body: dict, action: dict) -> None:
            ack()
            user, channel = body["user"]["id"], body["channel"]["id"]
            if not surface.is_staff(user):
                surface.refuse(channel, user, NOT_STAFF)
                return
            try:
                operation(int(action["value"]), user, body)
            except EscalationError as exc:
                surface.refuse(channel, user, str(exc))

        return handler

    def claim(item_id: int, user: str, body: dict) -> None:
        surface.store.claim(item_id, user)
        surface.refresh_staff_post(item_id)

    def resolve(item_id: int, user: str, body: dict) -> None:
        surface.store.resolve(item_id, user)
        surface.refresh_staff_post(item_id)

    def open_answer(item_id: int, user: str, body: dict) -> None:
        item = surface.store.get(item_id)
        surface.client.views_open(
            trigger_id=body["trigger_id"], view=blocks.answer_modal(item.id, item.question)
        )

    app.action(blocks.STAFF_CLAIM)(guarded(claim))
    app.action(blocks.STAFF_RESOLVE)(guarded(resolve))
    app.action(blocks.STAFF_ANSWER)(guarded(open_answer))

    @app.view(blocks.ANSWER_MODAL)
    def on_answer(ack, body: dict, view: dict) -> None:
        user = body["user"]["id"]
        text = (
            view["state"]["values"][blocks.ANSWER_INPUT_BLOCK][blocks.ANSWER_INPUT]["value"] or ""
        )
        if not surface.is_staff(user):
            ack(response_action="errors", errors={blocks.ANSWER_INPUT_BLOCK: NOT_STAFF})
            return
        try:
            item = surface.store.answer(int(view["private_metadata"]), text, user)
        except EscalationError as exc:
            ack(response_action="errors", errors={blocks.ANSWER_INPUT_BLOCK: str(exc)})
            return
        ack()
        relay(surface, item.id)


def relay(surface: SlackSurface, item_id: int) -> None:
    """Post the staff answer into the member's thread, then record that it arrived."""
    item = surface.store.get(item_id)
    fallback, answer_blocks = blocks.staff_answer_message(item.staff_answer or "")
    try:
        surface.client.chat_postMessage(
            channel=item.channel, thread_ts=item.thread, text=fallback, blocks=answer_blocks
        )
    except SlackApiError as exc:
        log.error("could not relay the answer to item %s: %s", item_id, exc.response["error"])
        return
    surface.store.mark_relayed(item_id)
    surface.refresh_staff_post(item_id)

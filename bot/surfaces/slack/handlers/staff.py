"""Staff buttons on escalation posts: Claim, Answer (a modal), Resolve.

The rules (who may act, what each state allows) are the staff desk's; these handlers only
translate clicks into desk calls and refusals into a reply only the clicker sees.
"""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.storage.database import EscalationError
from bot.surfaces.slack import blocks
from bot.surfaces.slack.surface import SlackSurface

log = logging.getLogger(__name__)


def register(app: App, surface: SlackSurface) -> None:
    """Claim and resolve in place; Answer opens a modal whose submission the desk delivers."""
    desk = surface.desk

    def on_click(action_name: str):
        def handler(ack, body: dict, action: dict) -> None:
            ack()
            user = body["user"]["id"]
            try:
                item_id = int(action["value"])
                staff = surface.is_staff(user)
                if action_name == "answer":
                    item = desk.check("answer", item_id, is_staff=staff)
                    surface.client.views_open(
                        trigger_id=body["trigger_id"],
                        view=blocks.answer_modal(item.id, item.question, item.private),
                    )
                else:
                    desk.act(action_name, item_id, user, is_staff=staff)
            except EscalationError as exc:
                surface.refuse(body, str(exc))

        return handler

    app.action(blocks.STAFF_CLAIM)(on_click("claim"))
    app.action(blocks.STAFF_ANSWER)(on_click("answer"))
    app.action(blocks.STAFF_RESOLVE)(on_click("resolve"))

    @app.view(blocks.ANSWER_MODAL)
    def on_answer(ack, body: dict, view: dict) -> None:
        user = body["user"]["id"]
        text = (
            view["state"]["values"][blocks.ANSWER_INPUT_BLOCK][blocks.ANSWER_INPUT]["value"] or ""
        )
        item_id = int(view["private_metadata"])
        try:
            # Recorded before the modal closes, so a refusal is shown in the form itself;
            # delivered after, so Slack's three seconds are never spent waiting on a post.
            item = desk.answer(item_id, text, user, is_staff=surface.is_staff(user), deliver=False)
        except EscalationError as exc:
            ack(response_action="errors", errors={blocks.ANSWER_INPUT_BLOCK: str(exc)})
            return
        ack()
        desk.follow_up(item.id)

"""All Block Kit building for Slack, and the escaping that keeps every message safe to post.

Everything the bot sends passes through ``safe`` first: Slack's control characters are
escaped, so text from a document or a question can never become ``<!channel>``, ``<!here>``,
``<!everyone>``, a user-group ping or a link, and bare ``@here``-style words are broken.
"""

from __future__ import annotations

import json
import re

from bot.answer import Answer, Citation
from bot.formatting import split_to_fit

SECTION_LIMIT = 3000  # characters in one section's text
BLOCK_LIMIT = 50  # blocks in one message
BUTTON_VALUE_LIMIT = 1900

HELPFUL, UNHELPFUL, ASK_PERSON = "lines_helpful", "lines_unhelpful", "lines_ask_person"
STAFF_CLAIM, STAFF_ANSWER, STAFF_RESOLVE = (
    "lines_staff_claim",
    "lines_staff_answer",
    "lines_staff_resolve",
)
ANSWER_MODAL = "lines_staff_answer_modal"
ANSWER_INPUT_BLOCK, ANSWER_INPUT = "answer_block", "answer_text"

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)


def defuse(text: str) -> str:
    """Break bare ``@here``/``@channel``/``@everyone`` with a zero-width space."""
    return _BROADCAST.sub(lambda m: "@\u200b" + m.group(1), text)


def safe(text: str) -> str:
    """Escape ``&``, ``<``, ``>`` as Slack requires and defuse bare broadcast words."""
    return defuse(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def citation_line(c: Citation) -> str:
    """``[1] *Title* — Section · guidance · 2025-03-10`` (and ``superseded`` when it is)."""
    parts = [f"[{c.number}] *{safe(c.title)}*"]
    if c.locator:
        parts.append(f" — {safe(c.locator)}")
    details = [x for x in (c.kind, c.date) if x]
    if c.status == "superseded":
        details.append("superseded" + (f" by {safe(c.superseded_by)}" if c.superseded_by else ""))
    if details:
        parts.append(" · " + " · ".join(details))
    return "".join(parts)


def answer_messages(answer: Answer) -> list[tuple[str, list[dict]]]:
    """The member's reply as one or more (fallback text, blocks) messages, within Slack's limits."""
    blocks: list[dict] = [
        _section(piece) for piece in split_to_fit(safe(answer.text), SECTION_LIMIT)
    ]
    if answer.citations:
        blocks.append({"type": "divider"})
        blocks.append(_section("*Sources*"))
        sources = "\n".join(citation_line(c) for c in answer.citations)
        blocks.extend(_section(piece) for piece in split_to_fit(sources, SECTION_LIMIT))
    if not answer.escalated:
        blocks.append(feedback_actions(answer.question))
    fallback = safe(answer.text)[:3500]
    messages = []
    for start in range(0, len(blocks), BLOCK_LIMIT):
        messages.append(
            (fallback if start == 0 else "(continued)", blocks[start : start + BLOCK_LIMIT])
        )
    return messages


def feedback_actions(question: str) -> dict:
    value = json.dumps({"q": defuse(question)[:BUTTON_VALUE_LIMIT]})
    return {
        "type": "actions",
        "block_id": "lines_feedback",
        "elements": [
            {"type": "button", "action_id": HELPFUL, "text": _plain("👍 Helpful"), "value": value},
            {
                "type": "button",
                "action_id": UNHELPFUL,
                "text": _plain("👎 Not helpful"),
                "value": value,
            },
            {
                "type": "button",
                "action_id": ASK_PERSON,
                "text": _plain("Ask a person"),
                "value": value,
            },
        ],
    }


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def staff_message(item, permalink: str | None) -> tuple[str, list[dict]]:
    """The staff-channel post for a queue item: question, why, where, drafts, and buttons."""
    title = f"Escalation #{item.id}: {item.category or item.kind} ({item.state})"
    blocks = [
        {"type": "header", "text": _plain(title[:150])},
        _section(
            f"*Question from <@{item.asker}>*\n>{safe(item.question)[:2900]}"
            if item.asker
            else f"*Question*\n>{safe(item.question)[:2900]}"
        ),
        _context(f"*{item.kind}* · {safe(item.reason)[:2000]}"),
    ]
    if permalink:
        blocks.append(_section(f"<{permalink}|Open the member's thread>"))
    if item.assignee:
        blocks.append(_context(f"Assigned to {safe(item.assignee)}"))
    if item.staff_answer:
        blocks.append(_section(f"*Staff answer*\n{safe(item.staff_answer)[:2900]}"))
    if item.passages:
        drafts = "\n".join(
            f"• *{safe(p['title'])}* — {safe(p['locator'])}: {safe(p['text'])[:300]}"
            for p in item.passages
        )
        blocks.append(_section("*Draft passages (staff only)*\n" + drafts[:2900]))
    if item.state != "resolved":
        elements = []
        if item.state == "open":
            elements.append(
                {
                    "type": "button",
                    "action_id": STAFF_CLAIM,
                    "text": _plain("Claim"),
                    "value": str(item.id),
                }
            )
        if item.state in ("open", "claimed"):
            elements.append(
                {
                    "type": "button",
                    "action_id": STAFF_ANSWER,
                    "text": _plain("Answer"),
                    "value": str(item.id),
                    "style": "primary",
                }
            )
        elements.append(
            {
                "type": "button",
                "action_id": STAFF_RESOLVE,
                "text": _plain("Resolve"),
                "value": str(item.id),
            }
        )
        blocks.append(
            {"type": "actions", "block_id": f"lines_staff_{item.id}", "elements": elements}
        )
    return title, blocks


def answer_modal(item_id: int, question: str) -> dict:
    """The modal staff type their answer into."""
    return {
        "type": "modal",
        "callback_id": ANSWER_MODAL,
        "private_metadata": str(item_id),
        "title": _plain("Answer the member"),
        "submit": _plain("Send"),
        "close": _plain("Cancel"),
        "blocks": [
            _section(f">{safe(question)[:2900]}"),
            {
                "type": "input",
                "block_id": ANSWER_INPUT_BLOCK,
                "label": _plain("Your answer (posted in the member's thread)"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ANSWER_INPUT,
                    "multiline": True,
                },
            },
        ],
    }


def staff_answer_message(text: str) -> tuple[str, list[dict]]:
    """A staff answer as the member sees it, clearly marked as coming from a person."""
    body = safe(text)
    blocks = [_context("💬 *Reply from the staff team*")]
    blocks.extend(_section(piece) for piece in split_to_fit(body, SECTION_LIMIT))
    return f"Reply from the staff team: {body}"[:3500], blocks

"""All Block Kit building for Slack, within Slack's limits, and the escaping that keeps it safe.

Everything the bot sends passes through ``safe`` first: Slack's control characters are
escaped, so text from a document or a question can never become ``<!channel>``, ``<!here>``,
``<!everyone>``, a user-group ping or a link, and bare ``@here``-style words are broken.

Limits are measured as ``bot.formatting.measure`` does (UTF-16 code units, after escaping and
JSON encoding): 3,000 per section or context text, 150 per header, 75 per button label,
2,000 per button value, 50 blocks per message. Long text is split over several sections or
messages; text that must stay in one block is trimmed with "…" and a pointer to the rest.
"""

from __future__ import annotations

import json
import re

from bot.answer import Answer, Citation
from bot.check.findings import DraftCheck
from bot.check.render import NOTHING_FOUND, finding_lines, marked_parts, note_line, segments
from bot.formatting import fit_marked, measure, split_to_fit, trim
from bot.staff.ports import StaffCard
from bot.storage.states import LABELS

TEXT_LIMIT = 3000  # characters in one section's or context element's text
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
BLOCK_LIMIT = 50  # blocks in one message
FALLBACK_LIMIT = 3000  # the notification text; Slack allows more but shows only the start
PASSAGE_LIMIT = 700  # each draft passage in a staff post

HELPFUL, UNHELPFUL, ASK_PERSON, SHARE = (
    "lines_helpful",
    "lines_unhelpful",
    "lines_ask_person",
    "lines_share",
)
STAFF_ACTION_IDS = {
    "claim": "lines_staff_claim",
    "answer": "lines_staff_answer",
    "resolve": "lines_staff_resolve",
}
STAFF_CLAIM, STAFF_ANSWER, STAFF_RESOLVE = STAFF_ACTION_IDS.values()
ANSWER_MODAL = "lines_staff_answer_modal"
ANSWER_INPUT_BLOCK, ANSWER_INPUT = "answer_block", "answer_text"
ANSWER_MAX = 3000  # what the modal accepts (Slack's plain_text_input maximum)

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)

Message = tuple[str, list[dict]]  # (notification text, blocks)


def defuse(text: str) -> str:
    """Break bare ``@here``/``@channel``/``@everyone`` with a zero-width space."""
    return _BROADCAST.sub(lambda m: "@\u200b" + m.group(1), text)


def safe(text: str) -> str:
    """Escape ``&``, ``<``, ``>`` as Slack requires and defuse bare broadcast words."""
    return defuse(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": trim(text, TEXT_LIMIT)}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": trim(text, TEXT_LIMIT)}]}


def _plain(text: str, limit: int = BUTTON_TEXT_LIMIT) -> dict:
    return {"type": "plain_text", "text": trim(text, limit), "emoji": True}


def _button(action_id: str, label: str, value: str, style: str | None = None) -> dict:
    button = {"type": "button", "action_id": action_id, "text": _plain(label), "value": value}
    if style:
        button["style"] = style
    return button


def _quote(text: str) -> str:
    return "\n".join(">" + line for line in text.splitlines() or [""])


def _messages(blocks: list[dict], fallback: str) -> list[Message]:
    """Blocks spread over as many messages as Slack's 50-block limit needs."""
    fallback = trim(fallback, FALLBACK_LIMIT)
    return [
        (fallback if start == 0 else "(continued)", blocks[start : start + BLOCK_LIMIT])
        for start in range(0, len(blocks), BLOCK_LIMIT)
    ] or [(fallback, [_section(fallback)])]


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


def answer_messages(
    answer: Answer, text: str | None = None, *, private: bool = False
) -> list[Message]:
    """The member's reply as one or more (fallback text, blocks) messages, within Slack's limits.

    ``text`` replaces the answer's own text (a holding reply with its ``{where}`` filled).
    ``private`` marks an answer only the member sees (a slash command): it says so and offers
    to share an ordinary answer in the channel, which happens only if the member clicks.
    """
    body = safe(answer.text if text is None else text)
    blocks: list[dict] = [_section(piece) for piece in split_to_fit(body, TEXT_LIMIT)]
    if answer.citations:
        blocks.append({"type": "divider"})
        blocks.append(_section("*Sources*"))
        sources = "\n".join(citation_line(c) for c in answer.citations)
        blocks.extend(_section(piece) for piece in split_to_fit(sources, TEXT_LIMIT))
    if private:
        note = ONLY_YOU
        if answer.citations and not answer.escalated:
            note += " *Share in channel* posts your question and this answer for everyone here."
        blocks.append(_context(note))
    if not answer.escalated:
        blocks.append(
            feedback_actions(answer.question, shareable=private and bool(answer.citations))
        )
    return _messages(blocks, body)


def button_value(question: str, **extra: object) -> str:
    """``{"q": question, ...}`` as JSON, the question trimmed so the value fits 2,000."""
    question = defuse(question)
    value = json.dumps({"q": question, **extra}, ensure_ascii=False)
    while measure(value) > BUTTON_VALUE_LIMIT:
        excess = measure(value) - BUTTON_VALUE_LIMIT
        question = trim(question, max(0, measure(question) - excess - 1))
        value = json.dumps({"q": question, **extra}, ensure_ascii=False)
    return value


def feedback_actions(question: str, *, shareable: bool = False) -> dict:
    """Helpful, not helpful, "Ask a person" (and "Share in channel" on private answers)."""
    value = button_value(question)
    elements = [
        _button(HELPFUL, "👍 Helpful", value),
        _button(UNHELPFUL, "👎 Not helpful", value),
        _button(ASK_PERSON, "Ask a person", value),
    ]
    if shareable:
        elements.append(_button(SHARE, "Share in channel", value))
    return {"type": "actions", "block_id": "lines_feedback", "elements": elements}


def shared_message(user: str, question: str, answer: Answer) -> list[Message]:
    """A private answer the member chose to share: who shared it, the question, the answer."""
    head = [
        _context(f"<@{user}> asked Lines with /lines and shared the answer"),
        _section(_quote(trim(safe(question), TEXT_LIMIT - 200))),
    ]
    rest = answer_messages(answer)[0][1]
    blocks = head + [b for b in rest if b.get("block_id") != "lines_feedback"]
    return _messages(blocks, safe(answer.text))


def staff_message(card: StaffCard, permalink: str | None) -> Message:
    """The staff-channel post for a queue item: question, why, where, drafts, and buttons."""
    item, more, title = card.item, card.more, card.title
    who = f"*Question from <@{item.asker}>*" if item.asker else "*Question*"
    blocks: list[dict] = [
        {"type": "header", "text": _plain(title, HEADER_LIMIT)},
        _section(who + "\n" + _quote(trim(safe(item.question), TEXT_LIMIT - 300, more))),
    ]
    if card.cut_note:
        blocks.append(_context(card.cut_note))
    why = f"*{item.kind}* · {safe(item.reason)}"
    if card.low_priority:
        why += " · The member was told the guidance does not cover this and staff may follow up."
    blocks.append(_context(why))
    if item.private:
        blocks.append(_context("Asked privately: the answer goes to the member by direct message."))
    elif permalink:
        blocks.append(_section(f"<{permalink}|Open the member's thread>"))
    if item.assignee:
        blocks.append(_context(f"Assigned to {safe(item.assignee)}"))
    if item.staff_answer:
        answer = trim(safe(item.staff_answer), TEXT_LIMIT - 100, more)
        blocks.append(_section(f"*Staff answer*\n{answer}"))
    if card.delivery:
        blocks.append(_context(safe(card.delivery)))
    if item.passages:
        blocks.append(_section("*Draft passages (staff only)*"))
        for p in item.passages[:8]:
            line = f"• *{safe(p['title'])}* — {safe(p['locator'])}: {safe(p['text'])}"
            blocks.append(_section(trim(line, PASSAGE_LIMIT, more)))
    if card.actions:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"lines_staff_{item.id}",
                "elements": [
                    _button(
                        STAFF_ACTION_IDS[action],
                        LABELS[action],
                        str(item.id),
                        "primary" if action == "answer" else None,
                    )
                    for action in card.actions
                ],
            }
        )
    return trim(title, FALLBACK_LIMIT), blocks[:BLOCK_LIMIT]


def answer_modal(item_id: int, question: str, private: bool) -> dict:
    """The modal staff type their answer into."""
    where = "sent to the member by direct message" if private else "posted in the member's thread"
    return {
        "type": "modal",
        "callback_id": ANSWER_MODAL,
        "private_metadata": str(item_id),
        "title": _plain("Answer the member", 24),
        "submit": _plain("Send", 24),
        "close": _plain("Cancel", 24),
        "blocks": [
            _section(_quote(trim(safe(question), TEXT_LIMIT - 100, " (cut)"))),
            {
                "type": "input",
                "block_id": ANSWER_INPUT_BLOCK,
                "label": _plain(f"Your answer ({where})", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ANSWER_INPUT,
                    "multiline": True,
                    "max_length": ANSWER_MAX,
                },
            },
        ],
    }


def text_messages(text: str) -> list[Message]:
    """Plain text from Lines (an apology, a greeting) as messages."""
    body = safe(text)
    return _messages([_section(piece) for piece in split_to_fit(body, TEXT_LIMIT)], body)


def staff_answer_messages(text: str) -> list[Message]:
    """A staff answer as the member sees it, clearly marked as coming from a person."""
    body = safe(text)
    blocks = [_context("💬 *Reply from the staff team*")]
    blocks.extend(_section(piece) for piece in split_to_fit(body, TEXT_LIMIT))
    return _messages(blocks, f"Reply from the staff team: {body}")


def note_messages(text: str) -> list[Message]:
    """A short note from Lines to a member (e.g. a correction to an earlier answer)."""
    body = safe(text)
    blocks = [_context("ℹ️ *A note from Lines*")]
    blocks.extend(_section(piece) for piece in split_to_fit(body, TEXT_LIMIT))
    return _messages(blocks, f"A note from Lines: {body}")


# -- Check my draft ---------------------------------------------------------------------------

CHECK_SHORTCUT = "check_with_lines"  # the message shortcut's callback id (slack-manifest.yaml)
EXCERPT_CONTEXT = 60  # characters either side of a flagged word when a draft is too long to show
RULE_LINE_LIMIT = 900  # each finding line, before escaping (a guide's reason can run on)
SOURCE_QUOTE_LIMIT = 300  # each source's quote under its title
ONLY_YOU = "Only you can see this."


# mrkdwn has no escape for its own markup. In a quoted draft bold must mean "flagged", so the
# draft's own asterisks (and backticks, whose code spans would hide the bold) are shown as
# look-alikes that format nothing.
_INERT = str.maketrans({"*": "∗", "`": "ˋ"})


def _bold_draft(text: str, marked: bool) -> str:
    """A stretch of a quoted draft: escaped, flagged words in bold, line ends still quoted."""
    text = text.translate(_INERT)
    if not marked:
        return safe(text).replace("\n", "\n>")
    # mrkdwn bold stops at a line end, and needs no space just inside its asterisks.
    return "\n>".join(
        f"*{safe(line.strip())}*" if line.strip() else "" for line in text.split("\n")
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _draft_sections(check: DraftCheck) -> list[dict]:
    """The draft quoted with flagged words in bold; only the flagged stretches when long."""
    limit = TEXT_LIMIT - 1  # each piece is quoted with a leading ">"
    whole = [(s.text, s.finding is not None) for s in segments(check)]
    # Rendering never shortens text: a draft longer than one piece is not rendered whole.
    pieces = fit_marked(whole, limit, _bold_draft) if measure(check.text) <= limit else []
    head = "*Your draft*, with the words to change in bold:"
    if len(pieces) != 1:
        # Too long for one section: show where the words are rather than the whole draft
        # back (the member has it), so the reply stays short and within one message.
        head = (
            f"*Your draft* is long ({len(check.text):,} characters), so here are only the "
            "passages with words to change, in bold:"
        )
        pieces = fit_marked(marked_parts(check, EXCERPT_CONTEXT), limit, _bold_draft)
    return [_section(head)] + [_section(">" + piece) for piece in pieces]


def check_messages(check: DraftCheck, holding: str | None = None) -> list[Message]:
    """A draft check as only its author sees it: the draft with flagged words in bold, one
    line per finding (found → suggestion, why, [n]), framing notes and the sources.

    An escalated draft gets only its holding reply (``holding`` replaces ``check.reply``, with
    its ``{where}`` filled); a draft with nothing to change gets one short line.
    """
    note = _context(ONLY_YOU)
    if check.escalation is not None:
        body = safe(check.reply if holding is None else holding)
        sections = [_section(piece) for piece in split_to_fit(body, TEXT_LIMIT)]
        return _messages([*sections, note], body)
    if not check.findings and not check.framing:
        body = f"✅ *Nothing to change.* {safe(NOTHING_FOUND)}"
        return _messages([_section(body), note], f"Nothing to change. {NOTHING_FOUND}")
    blocks: list[dict] = []
    if check.findings:
        blocks.extend(_draft_sections(check))
        lines = "\n".join(
            f"{n}. {safe(trim(_one_line(line), RULE_LINE_LIMIT))}"
            for n, line in enumerate(finding_lines(check), start=1)
        )
        blocks.extend(_section(p) for p in split_to_fit(f"*Words to change*\n{lines}", TEXT_LIMIT))
    else:
        blocks.append(_section(f"*No words to change.* {safe(NOTHING_FOUND)}"))
    if check.framing:
        notes = "\n".join(f"• {safe(_one_line(note_line(n)))}" for n in check.framing)
        blocks.extend(_section(p) for p in split_to_fit(f"*Framing*\n{notes}", TEXT_LIMIT))
    blocks.append({"type": "divider"})
    sources = "\n".join(
        f"{citation_line(c)}\n“{safe(trim(_one_line(c.quote), SOURCE_QUOTE_LIMIT))}”"
        for c in check.citations
    )
    blocks.extend(_section(p) for p in split_to_fit(f"*Sources*\n{sources}", TEXT_LIMIT))
    blocks.append(note)
    count = len(check.findings)
    fallback = (
        f"Lines checked your draft: {count} word{'s' if count != 1 else ''} to change."
        if count
        else "Lines checked your draft: no words to change, but a note on framing."
    )
    return _messages(blocks, fallback)

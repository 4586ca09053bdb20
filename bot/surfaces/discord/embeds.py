"""All embed and message building for Discord, within Discord's limits, with text made inert.

Limits, per message: 2,000 characters of content, 10 embeds, and 6,000 characters across all
its embeds (titles, descriptions, field names and values, footers, author names); per embed:
title 256, description 4,096, 25 fields of 256 (name) and 1,024 (value), author 256. They are
measured as ``bot.formatting.measure`` does (UTF-16 code units, never less than Discord's
count). Long answers are spread over several messages; a staff post stays one message and
trims with "…" and the command that shows the item in full.

Markdown: everything that did not come from Lines itself (document titles and quotes, members'
questions, staff answers) goes through ``escape``, so ``[text](https://…)`` cannot become a
disguised link, and ``**``, headings, lists, block quotes and ``<@id>``-style tokens are shown
as typed. Mentions cannot ping anyone either way: every send carries ``AllowedMentions.none()``.
"""

from __future__ import annotations

import re

import discord

from bot.answer import Answer, Citation
from bot.check.findings import DraftCheck
from bot.check.render import NOTHING_FOUND, finding_lines, marked_parts, note_line, segments
from bot.formatting import fit_marked, measure, split_to_fit, trim
from bot.staff.desk import StaffCard

CONTENT_LIMIT = 2000
EMBEDS_PER_MESSAGE = 10
MESSAGE_EMBED_TOTAL = 6000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELDS_PER_EMBED = 25
FIELD_NAME_LIMIT = 256
FIELD_LIMIT = 1024
AUTHOR_LIMIT = 256
QUESTION_PREFIX = "Q: "
STAFF_QUESTION_LIMIT = 2000  # of a staff post's 6,000: the question, then reasons and drafts
COLOUR = discord.Colour(0x2C3E50)
ALERT = discord.Colour(0xC0392B)
STAFF = discord.Colour(0x27AE60)
LOW = discord.Colour(0x7F8C8D)

# Markdown that changes how text renders: emphasis, code, spoilers, quotes, headings,
# masked links, and <...> tokens (mentions, channels, timestamps, suppressed links).
_SPECIAL = re.compile(r"([\\*_~`|\[\]()<>#])")
_LINE_START = re.compile(r"^([ \t]*)(-|\+|\d+\.)(?=\s)", re.MULTILINE)
_URL = re.compile(r"https?://[^\s<>()\[\]]+")
_MARKER = re.compile(r"\\\[(\d{1,3})\\\]")


_BROADCAST = re.compile(r"@(everyone|here)\b", re.IGNORECASE)


def escape(text: str) -> str:
    """``text`` shown exactly as typed: no markdown, no masked links, bare URLs kept working."""
    out: list[str] = []
    last = 0
    for url in _URL.finditer(text):
        out.append(_SPECIAL.sub(r"\\\1", text[last : url.start()]))
        out.append(url.group(0))  # a bare URL shows where it goes, so it may stay a link
        last = url.end()
    out.append(_SPECIAL.sub(r"\\\1", text[last:]))
    shown = _LINE_START.sub(lambda m: m.group(1) + _inert_marker(m.group(2)), "".join(out))
    # Shown as typed but inert, whatever the input carried: text is cleaned of zero-width
    # characters at the door, so the break is made here (no ping is ever sent regardless).
    return _BROADCAST.sub(lambda m: "@\u200b" + m.group(1), shown)


def _inert_marker(marker: str) -> str:
    """A list marker shown as typed: "\\-", "\\+", "1\\." (Discord, like CommonMark, shows the
    backslash itself before a digit, so an ordered list's dot is the one escaped)."""
    return marker[:-1] + "\\." if marker.endswith(".") else "\\" + marker


def escape_answer(text: str) -> str:
    """An answer's text escaped, keeping Lines's own citation markers ``[1]`` as they are."""
    return _MARKER.sub(r"[\1]", escape(text))


def embed_size(embed: discord.Embed) -> int:
    """Characters an embed counts towards a message's 6,000, measured as Discord limits."""
    size = measure(embed.title or "") + measure(embed.description or "")
    size += sum(measure(f.name or "") + measure(f.value or "") for f in embed.fields)
    size += measure(embed.footer.text or "") + measure(embed.author.name or "")
    return size


def pack(embeds: list[discord.Embed]) -> list[list[discord.Embed]]:
    """Embeds grouped into messages of at most 10 and 6,000 characters each."""
    messages: list[list[discord.Embed]] = []
    current: list[discord.Embed] = []
    total = 0
    for embed in embeds:
        size = embed_size(embed)
        if current and (len(current) >= EMBEDS_PER_MESSAGE or total + size > MESSAGE_EMBED_TOTAL):
            messages.append(current)
            current, total = [], 0
        current.append(embed)
        total += size
    if current:
        messages.append(current)
    return messages


def citation_line(c: Citation) -> str:
    """``[1] **Title** — Section · kind · date``, with the document's own text escaped."""
    where = f" — {escape(c.locator)}" if c.locator else ""
    details = [escape(x) for x in (c.kind, c.date) if x]
    if c.status == "superseded":
        details.append("superseded" + (f" by {escape(c.superseded_by)}" if c.superseded_by else ""))
    head = f"[{c.number}] **{escape(c.title)}**{where}"
    return head + (f" · {' · '.join(details)}" if details else "")


def _described(text: str, colour: discord.Colour) -> list[discord.Embed]:
    return [
        discord.Embed(description=part, colour=colour)
        for part in split_to_fit(text, DESCRIPTION_LIMIT - 96) or ["…"]
    ]


def answer_messages(answer: Answer, text: str | None = None) -> list[list[discord.Embed]]:
    """The reply as one or more messages of embeds; the first embed carries the question.

    ``text`` replaces the answer's own text (a holding reply with its ``{where}`` filled).
    The question sits in the first embed's author line (plain text, never rendered as
    markdown) so the buttons under it know what was asked.
    """
    colour = ALERT if answer.escalated else COLOUR
    embeds = _described(escape_answer(answer.text if text is None else text), colour)
    embeds[0].set_author(name=trim(QUESTION_PREFIX + answer.question, AUTHOR_LIMIT))
    if answer.citations:
        lines = "\n".join(citation_line(c) for c in answer.citations)
        _add_fields(embeds, "Sources", split_to_fit(lines, FIELD_LIMIT))
    return pack(embeds)


def question_of(message: discord.Message | None) -> str:
    """The question an answer message was for (kept in its first embed's author line)."""
    if message is None or not message.embeds or not message.embeds[0].author:
        return ""
    name = message.embeds[0].author.name or ""
    return name.removeprefix(QUESTION_PREFIX)


def staff_embed(card: StaffCard) -> discord.Embed:
    """The staff-channel post for a queue item: one embed, always within 6,000 characters."""
    item, more, title = card.item, card.more, card.title
    colour = LOW if card.low_priority else ALERT if item.state == "open" else STAFF
    embed = discord.Embed(
        title=trim(title, TITLE_LIMIT),
        description=trim(escape(item.question), STAFF_QUESTION_LIMIT, more),
        colour=colour,
    )

    def field(name: str, value: str, inline: bool = False) -> None:
        embed.add_field(
            name=trim(name, FIELD_NAME_LIMIT), value=trim(value, FIELD_LIMIT, more), inline=inline
        )

    if card.cut_note:
        field("Question cut", card.cut_note)
    why = f"{item.kind}: {escape(item.reason)}"
    if card.low_priority:
        why += ". The member was told the guidance does not cover this; staff may follow up."
    field("Why", why)
    if item.private:
        field("Asked privately", "The answer goes to the member by direct message.")
    elif item.link:
        field("Member's message", f"[Jump to the message]({item.link})")
    if item.assignee:
        field("Assigned to", escape(item.assignee), inline=True)
    if item.staff_answer:
        field("Staff answer", escape(item.staff_answer))
    if card.delivery:
        field("Delivery", escape(card.delivery))
    passages = item.passages[: FIELDS_PER_EMBED - len(embed.fields)]
    if passages:
        room = MESSAGE_EMBED_TOTAL - embed_size(embed) - 16
        share = room // len(passages)
        for n, passage in enumerate(passages, 1):
            name = trim(
                f"Draft [{n}] {escape(passage['title'])} — {escape(passage['locator'])}",
                min(FIELD_NAME_LIMIT, max(16, share // 4)),
            )
            value_room = min(FIELD_LIMIT, share - measure(name))
            if value_room < 24:
                break
            embed.add_field(
                name=name, value=trim(escape(passage["text"]), value_room, more), inline=False
            )
    return embed


def _marked(heading: str, text: str, colour: discord.Colour) -> list[list[discord.Embed]]:
    embeds = _described(escape(text), colour)
    embeds[0].set_author(name=heading)
    return pack(embeds)


def staff_answer_messages(text: str) -> list[list[discord.Embed]]:
    """A staff answer as the member sees it, clearly marked as coming from a person."""
    return _marked("Reply from the staff team", text, STAFF)


def note_messages(text: str) -> list[list[discord.Embed]]:
    """A short note from Lines to a member (e.g. a correction to an earlier answer)."""
    return _marked("A note from Lines", text, COLOUR)


def plain_messages(text: str) -> list[list[discord.Embed]]:
    """Text from Lines itself (an apology, a greeting) as messages."""
    return pack(_described(text, COLOUR))


# -- Check my draft ---------------------------------------------------------------------------

CHECK_TITLE = "Check with Lines"  # the message command's name, and the title of its reply
EXCERPT_CONTEXT = 60  # characters either side of a flagged word when a draft is too long to show
SOURCE_QUOTE_LIMIT = 300  # each source's quote under its title
_LIST_MARKER = re.compile(r"-|\+|\d+\.")


def _bold_draft(text: str, marked: bool) -> str:
    """A stretch of a quoted draft: escaped, flagged words in bold, line ends still quoted."""
    if not marked:
        # ``fit_marked`` renders word by word, and ``escape`` only sees a list marker ("- ",
        # "1. ") followed by its space, so a lone marker word is escaped here.
        escaped = _inert_marker(text) if _LIST_MARKER.fullmatch(text) else escape(text)
        return escaped.replace("\n", "\n> ")
    return "\n> ".join(
        f"**{escape(line.strip())}**" if line.strip() else "" for line in text.split("\n")
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _draft_description(check: DraftCheck) -> list[str]:
    """The draft quoted with flagged words in bold; only the flagged stretches when long."""
    limit = DESCRIPTION_LIMIT - 200  # room for the heading line and the quote marks
    whole = [(s.text, s.finding is not None) for s in segments(check)]
    # Rendering never shortens text: a draft longer than one piece is not rendered whole.
    pieces = fit_marked(whole, limit, _bold_draft) if measure(check.text) <= limit else []
    head = "Your draft, with the words to change in **bold**:"
    if len(pieces) != 1:
        # Too long for one embed: show where the words are rather than the whole draft back
        # (the member has it), so the reply stays short.
        head = (
            f"Your draft is long ({len(check.text):,} characters), so here are only the "
            "passages with words to change, in **bold**:"
        )
        pieces = fit_marked(marked_parts(check, EXCERPT_CONTEXT), limit, _bold_draft)
    return [f"{head}\n> {pieces[0]}", *(f"> {piece}" for piece in pieces[1:])]


def _add_lines(embeds: list[discord.Embed], name: str, entries: list[str]) -> None:
    """``entries`` as fields named ``name`` on the last embed, each entry kept whole in one
    field, starting a new embed when the last one is full (25 fields, or 6,000 characters)."""
    chunks: list[str] = []
    for entry in (trim(e, FIELD_LIMIT) for e in entries):
        if chunks and measure(chunks[-1]) + 1 + measure(entry) <= FIELD_LIMIT:
            chunks[-1] += "\n" + entry
        else:
            chunks.append(entry)
    _add_fields(embeds, name, chunks)


def _add_fields(embeds: list[discord.Embed], name: str, chunks: list[str]) -> None:
    """Each chunk as a field named ``name`` ("... (continued)" after the first) on the last
    embed, starting a new embed when the last one is full (25 fields, or 6,000 characters)."""
    for n, chunk in enumerate(chunks):
        title = name if n == 0 else f"{name} (continued)"
        target = embeds[-1]
        if (
            len(target.fields) >= FIELDS_PER_EMBED
            or embed_size(target) + measure(title) + measure(chunk) > MESSAGE_EMBED_TOTAL
        ):
            target = discord.Embed(colour=COLOUR)
            embeds.append(target)
        target.add_field(name=title, value=chunk, inline=False)


def check_messages(check: DraftCheck, holding: str | None = None) -> list[list[discord.Embed]]:
    """A draft check as only its author sees it: the draft with flagged words in bold, one
    line per finding (found → suggestion, why, [n]), framing notes and the sources.

    An escalated draft gets only its holding reply (``holding`` replaces ``check.reply``, with
    its ``{where}`` filled); a draft with nothing to change gets one short line.
    """
    if check.escalation is not None:
        return pack(_described(escape(check.reply if holding is None else holding), ALERT))
    if not check.findings and not check.framing:
        return plain_messages(f"✅ **Nothing to change.** {NOTHING_FOUND}")
    if check.findings:
        embeds = [
            discord.Embed(description=piece, colour=COLOUR) for piece in _draft_description(check)
        ]
        embeds[0].title = CHECK_TITLE
        _add_lines(
            embeds,
            "Words to change",
            [
                f"{n}. {escape_answer(_one_line(line))}"
                for n, line in enumerate(finding_lines(check), start=1)
            ],
        )
    else:
        embeds = [
            discord.Embed(
                title=CHECK_TITLE,
                description=f"**No words to change.** {NOTHING_FOUND}",
                colour=COLOUR,
            )
        ]
    if check.framing:
        _add_lines(
            embeds,
            "Framing",
            [f"• {escape_answer(_one_line(note_line(n)))}" for n in check.framing],
        )
    _add_lines(
        embeds,
        "Sources",
        [
            f"{citation_line(c)}\n“{escape(trim(_one_line(c.quote), SOURCE_QUOTE_LIMIT))}”"
            for c in check.citations
        ],
    )
    return pack(embeds)

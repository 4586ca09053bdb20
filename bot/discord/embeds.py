"""All embed and message building for Discord, within Discord's limits.

Mentions cannot ping anyone: every send also carries ``AllowedMentions.none()``, and the
text here is plain. Limits: 4,096 characters of embed description, 25 fields of 1,024, and
6,000 characters per embed in total.
"""

from __future__ import annotations

import discord

from bot.answer import Answer, Citation
from bot.formatting import split_to_fit

DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 1024
EMBED_TOTAL = 6000
QUESTION_PREFIX = "Q: "
COLOUR = discord.Colour(0x2C3E50)
ALERT = discord.Colour(0xC0392B)
STAFF = discord.Colour(0x27AE60)


def citation_line(c: Citation) -> str:
    where = f" — {c.locator}" if c.locator else ""
    details = [x for x in (c.kind, c.date) if x]
    if c.status == "superseded":
        details.append("superseded" + (f" by {c.superseded_by}" if c.superseded_by else ""))
    return f"[{c.number}] **{c.title}**{where}" + (f" · {' · '.join(details)}" if details else "")


def answer_embeds(answer: Answer) -> list[discord.Embed]:
    """The answer as one or more embeds; the first carries the question (for the buttons)."""
    parts = split_to_fit(answer.text, DESCRIPTION_LIMIT - 200)
    embeds = []
    for index, part in enumerate(parts or ["…"]):
        embed = discord.Embed(description=part, colour=ALERT if answer.escalated else COLOUR)
        if index == 0:
            embed.set_author(name=(QUESTION_PREFIX + answer.question)[:256])
        embeds.append(embed)
    if answer.citations:
        sources = split_to_fit("\n".join(citation_line(c) for c in answer.citations), FIELD_LIMIT)
        for n, chunk in enumerate(sources[:25]):
            target = embeds[-1]
            if len(target) + len(chunk) + 10 > EMBED_TOTAL or len(target.fields) >= 25:
                target = discord.Embed(colour=COLOUR)
                embeds.append(target)
            target.add_field(
                name="Sources" if n == 0 else "Sources (continued)", value=chunk, inline=False
            )
    return embeds[:10]


def question_of(message: discord.Message | None) -> str:
    """The question an answer message was for (kept in its first embed's author line)."""
    if message is None or not message.embeds or not message.embeds[0].author:
        return ""
    name = message.embeds[0].author.name or ""
    return name.removeprefix(QUESTION_PREFIX)


def staff_embed(item) -> discord.Embed:
    """The staff-channel view of a queue item."""
    embed = discord.Embed(
        title=f"Escalation #{item.id}: {item.category or item.kind} ({item.state})"[:256],
        description=item.question[:DESCRIPTION_LIMIT],
        colour=ALERT if item.state == "open" else STAFF,
    )
    embed.add_field(name="Why", value=f"{item.kind}: {item.reason}"[:FIELD_LIMIT], inline=False)
    if item.link:
        embed.add_field(
            name="Member's message", value=f"[Jump to the message]({item.link})", inline=False
        )
    if item.assignee:
        embed.add_field(name="Assigned to", value=item.assignee[:FIELD_LIMIT], inline=True)
    if item.staff_answer:
        embed.add_field(name="Staff answer", value=item.staff_answer[:FIELD_LIMIT], inline=False)
    for n, passage in enumerate(item.passages[:5], 1):
        embed.add_field(
            name=f"Draft [{n}] {passage['title']} — {passage['locator']}"[:256],
            value=passage["text"][:FIELD_LIMIT],
            inline=False,
        )
    return embed


def staff_answer_embed(text: str) -> discord.Embed:
    embed = discord.Embed(description=text[:DESCRIPTION_LIMIT], colour=STAFF)
    embed.set_author(name="Reply from the staff team")
    return embed

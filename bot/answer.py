"""The values that flow through Lines: a question in, an answer out.

Every surface (CLI, Slack, Discord, staff tools) speaks in these types and nothing else
crosses from the core to a surface. They are frozen so they can be shared between threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.inbound import clean_text

EscalationKind = Literal["no_guidance", "sensitive", "requested"]
# What a member is told about where a reply will come, by ``Origin.reply_in``.
WHERE = {"thread": "in this thread", "channel": "here", "dm": "in a direct message"}


@dataclass(frozen=True)
class Turn:
    """One earlier message in the conversation: who said it and what."""

    author: Literal["member", "bot", "staff"]
    text: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", clean_text(self.text))


@dataclass(frozen=True)
class Origin:
    """Where a question came from. ``event_id`` makes a platform event idempotent."""

    platform: str = "cli"  # "cli" | "slack" | "discord"
    workspace: str | None = None  # Slack team id or Discord guild id
    channel: str | None = None
    thread: str | None = None  # Slack thread_ts or Discord thread/channel id
    user: str | None = None
    event_id: str | None = None  # platform event id; the same id never opens two queue items
    link: str | None = None  # permalink to the member's message, when the surface knows it
    # Where a staff reply (or a later note) reaches the member: "thread" (``thread``),
    # "channel" (``channel``, as a reply to ``message`` when there is one) or "dm" (a direct
    # message to ``user``, for questions asked where only the member could see them).
    reply_in: str = "thread"
    private: bool = False  # asked privately (slash command, DM): never reposted where others see
    message: str | None = None  # the member's message id (Slack ts, Discord message id)

    @property
    def where(self) -> str:
        """How the member is told where a reply will come: "in this thread", "here"..."""
        return WHERE.get(self.reply_in, WHERE["thread"])

    def direct(self, private: bool = True) -> Origin:
        """The same member, reached by direct message (where a thread or channel failed)."""
        return Origin(platform=self.platform, user=self.user, reply_in="dm", private=private)


@dataclass(frozen=True)
class Question:
    """A question plus who asks, where, and the thread so far (oldest first)."""

    text: str
    origin: Origin = field(default_factory=Origin)
    history: tuple[Turn, ...] = ()

    def __post_init__(self) -> None:
        # The door: whatever a surface read, the question is clean text from here on.
        object.__setattr__(self, "text", clean_text(self.text))


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk of a document, with everything needed to cite it."""

    chunk_id: str
    text: str
    source: str  # path relative to the source folder it was ingested from
    title: str
    kind: str  # guidance | line | training
    locator: str  # section heading, or "page N"
    date: str  # ISO date, may be ""
    status: str = "current"  # current | superseded
    superseded_by: str | None = None  # source path or title of the replacement
    score: float = 0.0  # higher is more relevant; comparable only within one retrieval
    replaces: str = ""  # title of a superseded document that matched and this one replaces
    unit_vectors: str = field(default="", repr=False)  # stored at ingest (``bot.index.units``)
    units_version: int = 0
    # Lines to take over time (``bot.answering.lifecycle``): ISO dates, "" when there are none.
    review_by: str = ""  # due for review from this date (a line's default included)
    expires: str = ""  # never cited from this date
    expired_match: str = ""  # title of an expired document that matched best (never cited)...
    expired_on: str = ""  # ...and the date it expired, so the answer can say so


@dataclass(frozen=True)
class Citation:
    """A numbered reference a member can check: document, section or page, and the quote."""

    number: int
    source: str
    title: str
    locator: str
    quote: str
    kind: str = ""
    date: str = ""
    status: str = "current"
    superseded_by: str | None = None
    chunk_id: str = ""  # the indexed chunk quoted, so a later correction knows what was cited

    @classmethod
    def from_passage(cls, number: int, passage: Passage, quote: str | None = None) -> Citation:
        """Cite ``passage`` as number ``number``; ``quote`` defaults to the whole passage."""
        return cls(
            number=number,
            source=passage.source,
            title=passage.title,
            locator=passage.locator,
            quote=passage.text if quote is None else quote,
            kind=passage.kind,
            date=passage.date,
            status=passage.status,
            superseded_by=passage.superseded_by,
            chunk_id=passage.chunk_id,
        )


@dataclass(frozen=True)
class Escalation:
    """Why staff should see this question. ``id`` is the queue item, when one was opened."""

    kind: EscalationKind
    reason: str
    category: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class Detection:
    """The detector's verdict that staff must take over."""

    kind: EscalationKind  # "sensitive" or "requested"
    category: str
    reason: str
    holding_reply: str


@dataclass(frozen=True)
class Reply:
    """What an answerer produces: text with [n] markers, and the citations those numbers name."""

    text: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class Answer:
    """What the advisor returns to every surface."""

    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    escalation: Escalation | None = None

    @property
    def escalated(self) -> bool:
        """True when staff take over and the text is a holding reply, not advice."""
        return self.escalation is not None and self.escalation.kind != "no_guidance"

    def to_json(self) -> dict:
        """The stable JSON shape of ``python -m bot ask --json`` (one object per question)."""
        escalation = None
        if self.escalation is not None:
            escalation = {"kind": self.escalation.kind, "reason": self.escalation.reason}
            if self.escalation.category is not None:
                escalation["category"] = self.escalation.category
            if self.escalation.id is not None:
                escalation["id"] = self.escalation.id
        return {
            "question": self.question,
            "answer": self.text,
            "citations": [
                {
                    "source": c.source,
                    "title": c.title,
                    "locator": c.locator,
                    "quote": c.quote,
                    "kind": c.kind,
                    "date": c.date,
                    "status": c.status,
                    "superseded_by": c.superseded_by,
                }
                for c in self.citations
            ],
            "escalation": escalation,
        }

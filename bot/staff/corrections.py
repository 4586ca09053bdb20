"""Corrections pushed to threads: when a document an answer cited changes, the thread hears.

Every answer a surface posts with citations is recorded in the queue (``answers``: where,
the question, the cited chunks, sources and titles). When an ingest supersedes, expires or
removes a document that an answer of the last ``CORRECTION_DAYS`` cited, the running bot
posts **one short note** in that thread: what changed, the replacement's title, and a fresh
answer to the original question (or, if the fresh answer goes to staff, that staff will
follow up). Then the member who was given the August line last week learns this morning that
it was replaced.

What is due is worked out from state, not from events: the answer records against the
documents as the manifest and the index list them now (``bot.answering.lifecycle.document_states``),
judged on today's date (a document expires without any ingest). So a bot that was down
during an ingest catches up when it starts, and nothing depends on seeing the change happen.
The work is cheap when nothing changed: the plan is redone only when the manifest's stamp,
the date or the newest answer record changes.

Once per thread: a thread is told about a given document once, ever (a unique row per
thread and document in ``corrections``), however many answers there cited it; documents
changing together make one note. Two bot replicas write the same rows once, and post each
note once, under the store's lease. A note that cannot be posted is retried with the desk's
backoff, up to ``MAX_ATTEMPTS`` times.

Private stays private: an answer given privately (a slash command, an ephemeral ``/ask``, a
direct message) is corrected by direct message to the member who asked, or not at all;
never in a channel. Notes never ping anyone: the platforms' note ports escape mentions
(Slack) and send with ``AllowedMentions.none()`` (Discord).

The platform-neutral part lives here; the staff desk drives it from its loop
(``StaffDesk.sweep``) through the platform's ``StaffPort.note``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.answer import Answer, Origin, Question
from bot.answering.lifecycle import (
    DocumentState,
    IndexState,
    document_states,
    is_superseded_note,
    today,
)
from bot.formatting import trim
from bot.index.connection import IndexConnection
from bot.settings import Settings
from bot.staff.desk import DeliveryError, StaffPort
from bot.storage.store import AnswerRecord, CorrectionRow, EscalationStore, document_key

if TYPE_CHECKING:
    from bot.advisor import Advisor

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # a thread that stays unreachable (deleted, bot removed) is given up on
LEASE_SECONDS = 120.0  # asking the advisor again and posting fit well within this
QUESTION_SHOWN = 300  # characters of the original question quoted in a note


@dataclass(frozen=True)
class Change:
    """What happened to one document an answer cited."""

    kind: str  # superseded | expired | removed
    source: str
    title: str
    replacement: str = ""  # the replacement's title, for a superseded document
    expired_on: str = ""  # the expiry date, for an expired one

    def to_json(self) -> dict[str, str]:
        """The change as stored on a correction row."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Change:
        """A change read back from a correction row."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: str(v or "") for k, v in data.items() if k in names})

    def what(self) -> str:
        """What happened, e.g. "has been replaced by “Y”"."""
        if self.kind == "superseded":
            if self.replacement:
                return f"has been replaced by “{self.replacement}”"
            return "has been superseded"
        if self.kind == "expired":
            return f"expired on {self.expired_on} and is no longer used"
        return "is no longer in our guidance"

    def sentence(self) -> str:
        """The change in one plain sentence, e.g. "“X” has been replaced by “Y”"."""
        return f"“{self.title}” {self.what()}"


@dataclass(frozen=True)
class DueCorrection:
    """One thread to tell: the newest affected answer there, and every change it needs to hear."""

    thread_key: str
    record: AnswerRecord
    changes: tuple[Change, ...]


def thread_key(record: AnswerRecord) -> str:
    """Where a note goes, as one key: the thread, or the member's DMs for a private answer."""
    if record.private:
        return f"{record.platform}:dm:{record.asker or ''}"
    return f"{record.platform}:{record.channel or ''}:{record.thread or record.message or ''}"


def recipient(record: AnswerRecord) -> Origin:
    """Where the note for ``record`` is posted: its thread, or a DM when it was private."""
    if record.private:
        # A private answer is corrected privately or not at all: a direct message to the
        # member who asked, whatever channel the question was typed in.
        return record.origin.direct()
    return record.origin


def changes_for(
    record: AnswerRecord, documents: dict[str, DocumentState], on: dt.date
) -> list[Change]:
    """What happened since to the documents ``record`` cited (each document once)."""
    found: dict[str, Change] = {}
    for cited in record.citations:
        source = str(cited.get("source") or "")
        if not source or source in found:
            continue
        title = str(cited.get("title") or source)
        document = documents.get(source)
        if document is None:
            found[source] = Change("removed", source, title)
        elif document.status == "superseded":
            replacement = _current_replacement(document, documents)
            found[source] = Change(
                "superseded", source, title, replacement=replacement.title if replacement else ""
            )
        elif document.expired_on(on):
            found[source] = Change("expired", source, title, expired_on=document.expires)
    return list(found.values())


def _current_replacement(
    document: DocumentState, documents: dict[str, DocumentState]
) -> DocumentState | None:
    """The current end of ``document``'s chain of replacements (D by E, E by F: F)."""
    seen = {document.source}
    replacement = documents.get(document.superseded_by or "")
    while replacement is not None and replacement.status == "superseded":
        if replacement.source in seen:
            return None  # a loop: ingest refuses these, so there is nothing to name
        seen.add(replacement.source)
        replacement = documents.get(replacement.superseded_by or "")
    return replacement


def find_due(
    records: Iterable[AnswerRecord],
    state: IndexState,
    on: dt.date,
    known: set[tuple[str, str]] = frozenset(),
) -> list[DueCorrection]:
    """The threads to tell, each once, with every change not yet in ``known``
    (``EscalationStore.correction_keys``).

    Nothing is due when nothing is indexed (``state.stamp`` is None) or the index lists no
    document: an index being rebuilt from scratch must not tell every thread its sources went.
    """
    if state.stamp is None or not state.documents:
        return []
    documents = state.by_source()
    threads: dict[str, tuple[AnswerRecord, dict[str, Change]]] = {}
    for record in records:  # oldest first: the newest affected answer is the one re-asked
        changes = changes_for(record, documents, on)
        key = thread_key(record)
        changes = [c for c in changes if (key, document_key(c.source)) not in known]
        if not changes:
            continue
        _, earlier = threads.get(key, (record, {}))
        threads[key] = (record, {**earlier, **{c.source: c for c in changes}})
    return [
        DueCorrection(key, record, tuple(changes.values()))
        for key, (record, changes) in threads.items()
    ]


def note_text(changes: Sequence[Change], record: AnswerRecord, fresh: Answer | None) -> str:
    """The correction note: what changed, and a fresh answer (or who will follow up)."""
    earlier = (
        "An earlier answer I gave you privately" if record.private else "An earlier answer here"
    )
    if len(changes) == 1:
        lines = [f"{earlier} cited “{changes[0].title}”, which {changes[0].what()}."]
    else:
        lines = [f"{earlier} cited documents that have changed:"]
        lines.extend(f"• {c.sentence()}." for c in changes)
    asked = trim(" ".join(record.question.split()), QUESTION_SHOWN)
    lines.append("")
    if fresh is None:
        lines.append(
            f"I couldn't answer “{asked}” again just now; please ask me again, or ask the "
            "staff team."
        )
    elif fresh.escalation is not None and fresh.escalation.kind == "no_guidance":
        lines.append(
            f"Our guidance no longer answers “{asked}”. I've flagged it to the staff team, "
            "who may follow up."
        )
    elif fresh.escalation is not None:
        where = recipient(record).where
        lines.append(
            f"I've passed “{asked}” to the staff team instead; a person will follow up {where}."
        )
    else:
        lines.append(f"Updated answer to “{asked}”:")
        # The note already says what replaced what: the answer's own "superseded" note would
        # repeat it.
        replaced = [c.title for c in changes if c.kind == "superseded"]
        kept = [
            line
            for line in fresh.text.splitlines()
            if not any(is_superseded_note(line, title) for title in replaced)
        ]
        lines.append("\n".join(kept).rstrip())
        lines.append("")
        lines.append("Sources:")
        for c in fresh.citations:
            where = f" — {c.locator}" if c.locator else ""
            details = ", ".join(x for x in (c.kind, c.date) if x)
            lines.append(f"[{c.number}] {c.title}{where}" + (f" ({details})" if details else ""))
    return "\n".join(lines)


class CorrectionDesk:
    """Finds due corrections for one platform and posts them, once, from the desk's loop."""

    def __init__(
        self,
        settings: Settings,
        store: EscalationStore,
        advisor: Advisor,
        platform: str,
        *,
        states: Callable[[IndexConnection], IndexState] = document_states,
        clock: Callable[[], dt.date] = today,
    ) -> None:
        self.settings = settings
        self.store = store
        self.advisor = advisor
        self.platform = platform
        self.days = settings.correction_days
        self._states = states
        self._clock = clock
        # The advisor's connection: the sweep reads the index the answers came from, through
        # the process's one client.
        self.index = advisor.index if advisor.index is not None else IndexConnection(settings)
        self._seen: tuple[object, dt.date, int] | None = None
        self._state: tuple[object, dt.date, IndexState] | None = None

    @property
    def checked(self) -> tuple[object, dt.date | None, int]:
        """(manifest stamp, date, newest answer record) of the last plan; (None, None, 0) before."""
        return self._seen or (None, None, 0)

    def stamp(self) -> object:
        """The manifest's stamp now (None when nothing is indexed)."""
        return self.index.stamp()

    # -- finding -------------------------------------------------------------------------------
    def plan(self) -> int:
        """Write the corrections due now (once per thread and document); returns how many new.

        Cheap when nothing changed: redone only when the manifest's stamp, the date or the
        newest answer record differ from the last successful plan.
        """
        stamp = self.stamp()
        on = self._clock()
        seen = (stamp, on, self.store.latest_answer_id())
        if seen == self._seen:
            return 0
        due = self.due(stamp, on)
        rows = [
            {
                "platform": self.platform,
                "thread_key": d.thread_key,
                "document": c.source,
                "answer_id": d.record.id,
                "change": c.to_json(),
            }
            for d in due
            for c in d.changes
        ]
        added = self.store.add_corrections(rows)
        self._seen = seen
        if added:
            log.info("%d correction(s) due in %d thread(s)", added, len(due))
        return added

    def due(self, stamp: object, on: dt.date) -> list[DueCorrection]:
        """The threads of this platform's recent answers that a change has not reached yet."""
        if stamp is None:
            return []
        if self._state is None or self._state[:2] != (stamp, on):
            self._state = (stamp, on, self._states(self.index))
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=self.days)
        records = self.store.answers_since(since, self.platform)
        return find_due(records, self._state[2], on)

    # -- posting -------------------------------------------------------------------------------
    def sweep(self, port: StaffPort, owner: str, retry_at: Callable[[int], dt.datetime]) -> int:
        """Plan, then post every due note under a lease; returns how many notes were posted."""
        self.plan()
        posted = 0
        groups: dict[str, list[CorrectionRow]] = {}
        for row in self.store.due_corrections(self.platform, MAX_ATTEMPTS):
            groups.setdefault(row.thread_key, []).append(row)
        for rows in groups.values():
            ids = [r.id for r in rows]
            if not self.store.take_correction_lease(ids, owner, LEASE_SECONDS):
                continue  # a replica is posting this thread's note
            try:
                posted += self._post(port, owner, rows, retry_at)
            except Exception:
                self.store.release_corrections(ids, owner)
                raise
        return posted

    def _post(
        self,
        port: StaffPort,
        owner: str,
        rows: list[CorrectionRow],
        retry_at: Callable[[int], dt.datetime],
    ) -> int:
        ids = [r.id for r in rows]
        record = max(
            (a for a in (self.store.get_answer(i) for i in {r.answer_id for r in rows}) if a),
            key=lambda a: a.id,
            default=None,
        )
        if record is None:  # the answers were purged meanwhile: nobody left to tell
            self.store.mark_corrections_failed(ids, owner, "answer record purged", None)
            return 0
        changes = [Change.from_json(r.change) for r in rows]
        fresh = self._ask_again(record, rows[0].id)
        try:
            port.note(recipient(record), note_text(changes, record, fresh))
        except DeliveryError as exc:
            attempts = max(r.attempts for r in rows) + 1
            self.store.mark_corrections_failed(ids, owner, exc.reason, retry_at(attempts))
            return 0
        self.store.mark_corrections_posted(ids, owner)
        log.info("posted a correction to a %s thread (%d document(s))", record.platform, len(rows))
        if fresh is not None and fresh.citations and fresh.escalation is None:
            # The fresh answer is an answer in that thread too: if its sources change, it
            # gets its own correction.
            self.store.record_answer(record.origin, record.question, fresh.citations)
        return 1

    def _ask_again(self, record: AnswerRecord, correction_id: int) -> Answer | None:
        # One event id per correction: a retried note re-uses the queue item it opened.
        origin = dataclasses.replace(record.origin, event_id=f"correction:{correction_id}")
        try:
            return self.advisor.ask(Question(record.question, origin))
        except Exception as exc:  # the note still says what changed
            log.error("could not answer again for a correction (%s)", type(exc).__name__)
            return None

"""The member conversation, written once for every surface.

A surface (Slack, Discord) turns a platform event into a ``Question`` with its ``Origin`` and
builds a ``Reply`` for that event: how to render an answer, a draft check or plain text for
its platform, how to send it where the event says (a thread, the channel, a direct message,
or privately through the interaction), and how to tell this person something privately.

The conversation owns the rest, so every surface behaves alike: asking the advisor (or the
draft checker), the apology when that fails, recording an answer the member was shown (so a
later change to a cited document can be corrected where they saw it), handing an escalation
to the staff desk, feedback, and what is said when the staff team already has a question.
It knows nothing of Slack or Discord. Every flow ends with the person told something true,
and an escalated question reaches the staff desk even when the member's reply could not be
sent.

Every method blocks (the advisor, the checker and the queue are synchronous): an async
surface calls them from a worker thread, and its ``Reply`` schedules each send on its event
loop.
"""

from __future__ import annotations

import logging
from typing import Protocol, TypeVar

from bot.advisor import SORRY_TEXT, Advisor
from bot.answer import Answer, Origin, Question
from bot.check.checker import DraftChecker
from bot.check.findings import DraftCheck
from bot.check.render import FAILED, NOT_READY
from bot.errors import LinesError
from bot.staff.desk import StaffDesk, holding_text
from bot.staff.ports import DeliveryError
from bot.storage.database import EscalationError

log = logging.getLogger(__name__)

THANKS = "Thanks for the feedback: it helps us improve our guidance."
NOT_RECORDED = "Thanks, but I couldn't record that just now; please try again in a minute."
ALREADY = "The staff team already has this one."

Rendered = TypeVar("Rendered")


class Reply(Protocol[Rendered]):
    """One platform event's way back to the member, built by the surface for that event.

    ``Rendered`` is whatever the platform sends (Block Kit messages, Discord embeds).
    """

    def working(self) -> None:
        """Show the member their request is being worked on (a reaction, "thinking...").

        Never raises: a missing indicator must not stop the answer."""
        ...

    def render_answer(self, answer: Answer, text: str) -> Rendered:
        """``answer`` for this platform, with ``text`` in place of its own text (a holding
        reply with its ``{where}`` filled)."""
        ...

    def render_check(self, check: DraftCheck, holding: str) -> Rendered:
        """A draft check for this platform; ``holding`` replaces an escalated check's reply."""
        ...

    def render_text(self, text: str) -> Rendered:
        """Plain text from Lines (an apology, "the check failed") for this platform."""
        ...

    def send(self, rendered: Rendered) -> str | None:
        """Send ``rendered`` where the event says; ``DeliveryError`` if it reached nobody.

        Returns a ``channel:message`` reference to the posted message that carries the
        feedback buttons, when the platform gives one."""
        ...

    def tell_privately(self, text: str) -> None:
        """Tell the person who acted, and only them, ``text``. Never raises (logs instead)."""
        ...


class Conversation:
    """Ask, reply, record and hand over: the flows every surface shares."""

    def __init__(self, advisor: Advisor, desk: StaffDesk, checker: DraftChecker) -> None:
        self.advisor = advisor
        self.desk = desk
        self.checker = checker

    def first_time(self, *keys: str | None) -> bool:
        """True once per platform event, across every bot process sharing the queue.

        The surface asks before doing anything a repeat must not do twice (open a thread,
        answer); see ``StaffDesk.first_time``."""
        return self.desk.first_time(*keys)

    def answer(self, question: Question, reply: Reply) -> Answer | None:
        """Answer ``question``: the answer (or a holding reply) where it was asked, recorded
        for corrections when the member saw it, and an escalation handed to the staff desk.

        When the advisor fails the member is told so (``SORRY_TEXT``) and None is returned.
        """
        reply.working()
        try:
            answer = self.advisor.ask(question)
        except Exception as exc:
            log.error("answering failed: %s", type(exc).__name__, exc_info=True)
            _deliver(reply, reply.render_text(SORRY_TEXT))
            return None
        delivered, posted = _deliver(
            reply, reply.render_answer(answer, holding_text(answer, question.origin))
        )
        if delivered:  # only an answer the member saw can need a correction later
            self.desk.answered(answer, question.origin, posted)
        self.desk.escalated(answer)  # staff get it even if the member's reply was lost
        return answer

    def hand_over(self, question: Question, reply: Reply) -> Answer | None:
        """Hand ``question`` to staff ("Ask a person") once per ``question.origin.event_id``
        and tell the member where the reply will come.

        A repeat is told privately that the staff team already has it; a failure, that
        something went wrong. Either returns None."""
        if not self.first_time(question.origin.event_id):
            reply.tell_privately(ALREADY)
            return None  # one hand-over per answer, however often the button is pressed
        try:
            answer = self.advisor.request_person(question)
        except Exception as exc:
            log.error("handing to staff failed: %s", type(exc).__name__, exc_info=True)
            reply.tell_privately(SORRY_TEXT)
            return None
        _deliver(reply, reply.render_answer(answer, holding_text(answer, question.origin)))
        self.desk.escalated(answer)
        return answer

    def check(self, draft: str, origin: Origin, reply: Reply, *, empty: str) -> DraftCheck | None:
        """Check ``draft`` and show the result through ``reply`` (only its author sees it);
        hand a sensitive draft to the staff desk.

        Every path ends with the person told something true: the findings, the holding
        reply, ``empty`` when there is no text to check, or that the check failed (None).
        """
        if not draft.strip():
            reply.tell_privately(empty)
            return None
        reply.working()
        try:
            result = self.checker.check(draft, origin)
        except LinesError as exc:  # no index yet, or a bad setting: the first line says which
            log.error("checking a draft failed: %s", str(exc).splitlines()[0])
            _deliver(reply, reply.render_text(NOT_READY))
            return None
        except Exception as exc:
            log.error("checking a draft failed: %s", type(exc).__name__, exc_info=True)
            _deliver(reply, reply.render_text(FAILED))
            return None
        answer = result.as_answer()
        _deliver(reply, reply.render_check(result, holding_text(answer, origin)))
        self.desk.escalated(answer)
        return result

    def feedback(
        self, origin: Origin, question: str, answer_ref: str, helpful: bool, reply: Reply
    ) -> bool:
        """Record a helpful / not helpful click on the answer at ``answer_ref`` and thank the
        clicker privately; if the queue cannot take it, say so. True when recorded."""
        try:
            self.desk.records.record_feedback(
                platform=origin.platform,
                user=origin.user,
                question=question,
                answer_ref=answer_ref,
                helpful=helpful,
            )
        except EscalationError:
            reply.tell_privately(NOT_RECORDED)
            return False
        reply.tell_privately(THANKS)
        return True

    def shareable(self, question: Question) -> Answer | None:
        """The answer to ``question`` if it may be posted for everyone to see: cited and not
        escalated; None otherwise, or when the advisor fails."""
        try:
            answer = self.advisor.ask(question)
        except Exception as exc:
            log.error("answering to share failed: %s", type(exc).__name__, exc_info=True)
            return None
        if answer.escalation is not None or not answer.citations:
            return None
        return answer


def _deliver(reply: Reply, rendered: object) -> tuple[bool, str | None]:
    """Send ``rendered``; (whether it reached the member, the posted reference).

    A platform failure is logged rather than raised: the caller still has work to do (the
    staff desk must get an escalation whatever happened to the member's reply)."""
    try:
        return True, reply.send(rendered)
    except DeliveryError as exc:
        log.error("could not reach the member: %s", exc.reason)
    except Exception as exc:
        log.error("could not reach the member: %s", type(exc).__name__, exc_info=True)
    return False, None

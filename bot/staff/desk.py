"""The staff desk: the staff loop written once, for every platform.

An escalated question must reach staff, and a staff answer must reach the member, whatever
fails on the way and wherever the answer was typed (Slack, Discord or the terminal). The desk
owns that loop; each platform implements the small ``StaffPort`` (post to staff, update a
staff post, send to a member) and renders what the desk hands it. The desk decides:

- **who may act and what each state allows**: only staff (the platform says who is staff),
  and only the actions in ``bot.storage.states`` (the same table draws the buttons);
- **what is due**: an item not yet posted to staff ("no guidance" gaps included, as
  low-priority posts), a staff answer not yet delivered, a staff post showing an old state;
- **retries**: a failed post or delivery is recorded on the item (so ``escalations list``
  shows it and why) and tried again with exponential backoff, by whichever bot process takes
  the item's lease first, so two replicas never post twice;
- **where a member hears back**: in their thread, in the channel, or by direct message when
  they asked privately; and it fills the holding reply's ``{where}`` to say so.

A running surface calls ``start()``: a thread then sweeps the queue every
``STAFF_DESK_POLL_SECONDS`` (so an answer given in the terminal is delivered within that),
replays questions spooled while the queue was unwritable, posts corrections to threads
whose answers cited a document that has since been superseded, expired or removed
(``bot.staff.corrections``), and purges old items when ``QUEUE_RETENTION_DAYS`` is set.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING

from bot.answer import Answer, Origin
from bot.escalation.policy import fill_where
from bot.settings import Settings
from bot.staff.ports import DeliveryError, StaffCard, StaffPort
from bot.storage.database import EscalationError, InvalidTransition, QueueUnavailable
from bot.storage.queue import Queue
from bot.storage.records import Records
from bot.storage.schema import Item
from bot.storage.states import RESULT, Action, allowed_actions

if TYPE_CHECKING:
    from bot.advisor import Advisor
    from bot.staff.corrections import CorrectionDesk

log = logging.getLogger(__name__)

NOT_STAFF = "Only the staff team can act on escalations, so nothing was changed."
EVENT_TTL = dt.timedelta(days=1)  # how long a handled platform event is remembered
LEASE_SECONDS = 60.0  # one desk works on an item at a time; a crashed desk's lease runs out
BACKOFF_BASE = 5.0  # first retry after this many seconds, then doubling...
BACKOFF_CAP = 15 * 60.0  # ...up to this
PURGE_EVERY = dt.timedelta(days=1)
HEARTBEAT_EVERY = 30.0  # seconds between "this bot is running" records (the CLI reads them)
BOT_GONE = dt.timedelta(minutes=2)  # no heartbeat for this long: the bot is not running
MEMORY_EVENTS = 5000


class Refused(EscalationError):
    """The desk refused a staff action; the message says why. Nothing changed."""


def holding_text(answer: Answer, origin: Origin) -> str:
    """The text a member sees, with a holding reply saying where the staff reply will come."""
    if answer.escalation is None:
        return answer.text
    return fill_where(answer.text, origin.where)


class StaffDesk:
    """The platform-neutral staff loop over one queue database and one platform's port."""

    def __init__(
        self,
        queue: Queue,
        records: Records,
        port: StaffPort,
        *,
        poll_seconds: float = Settings.default("staff_desk_poll_seconds"),
        retention_days: int = Settings.default("queue_retention_days"),
        backoff_base: float = BACKOFF_BASE,
        backoff_cap: float = BACKOFF_CAP,
        owner: str | None = None,
        corrections: CorrectionDesk | None = None,
    ) -> None:
        self.queue = queue
        self.records = records
        self.port = port
        self.corrections = corrections
        self.poll_seconds = max(0.05, poll_seconds)
        self.retention_days = retention_days
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.owner = owner or (
            f"{port.platform}:{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        )
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._memory: OrderedDict[str, None] = OrderedDict()
        self._memory_lock = threading.Lock()
        self._last_purge = 0.0
        self._last_heartbeat = 0.0
        self._queue_down_logged = False
        self._corrections_failing = False
        self._busy: set[int] = set()  # items this process is tending right now
        self._busy_lock = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        queue: Queue,
        port: StaffPort,
        advisor: Advisor | None = None,
    ) -> StaffDesk:
        """A desk over ``queue``'s database, configured by ``STAFF_DESK_POLL_SECONDS`` and
        ``QUEUE_RETENTION_DAYS``.

        With ``advisor`` (and ``CORRECTION_DAYS`` above 0) its loop also posts corrections
        to threads whose answers cited a document that has since changed.
        """
        records = Records(queue.database)
        corrections = None
        if advisor is not None and settings.correction_days > 0:
            # Here, not at the top: corrections read the index (chromadb, ~1.5 s to import),
            # and `lines escalations` imports this module without ever building a desk. A
            # surface calls this on the main thread at start-up, before any thread runs.
            from bot.staff.corrections import CorrectionDesk

            corrections = CorrectionDesk(settings, records, advisor, port.platform)
        return cls(
            queue,
            records,
            port,
            poll_seconds=settings.staff_desk_poll_seconds,
            retention_days=settings.queue_retention_days,
            corrections=corrections,
        )

    # -- the rules ---------------------------------------------------------------------------
    @staticmethod
    def actions_for(item: Item) -> tuple[Action, ...]:
        """The staff actions ``item`` allows now: the buttons its staff post shows."""
        return allowed_actions(item.state)

    @staticmethod
    def card(item: Item) -> StaffCard:
        """The staff post for ``item``: content, buttons, priority and delivery status."""
        return staff_card(item)

    # -- members' side -------------------------------------------------------------------------
    def first_time(self, *keys: str | None) -> bool:
        """True once per platform event, across every bot process sharing the queue.

        Several keys (event id, channel and message) are recorded together, so a message
        that arrives as two kinds of event is answered once. If the queue cannot be written,
        this process's memory decides: the member is still answered (perhaps by two replicas).
        """
        wanted = [k for k in keys if k]
        try:
            return self.records.first_time(wanted, EVENT_TTL)
        except QueueUnavailable as exc:
            log.warning("event de-duplication falls back to memory: %s", exc.reason)
        with self._memory_lock:
            if any(k in self._memory for k in wanted):
                return False
            for key in wanted:
                self._memory[key] = None
            while len(self._memory) > MEMORY_EVENTS:
                self._memory.popitem(last=False)
        return True

    def escalated(self, answer: Answer) -> None:
        """The member has had their holding reply: get the item to staff now.

        An item spooled because the queue was unwritable has no id yet; the loop replays it.
        """
        if answer.escalation is None:
            return
        if answer.escalation.id is None:
            self.wake()
            return
        self.follow_up(answer.escalation.id)

    def answered(self, answer: Answer, origin: Origin, posted: str | None = None) -> None:
        """Record an answer the member was shown (where, the question, what it cited), so a
        later change to a cited document can be corrected in that thread.

        Only answers with citations are recorded: a holding reply or "no guidance" is already
        an item in the queue. ``posted`` is the posted answer's ``channel:message`` reference,
        as the feedback buttons record it. A queue that cannot be written is logged: the
        member already has their answer.
        """
        if answer.escalation is not None or not answer.citations:
            return
        try:
            self.records.record_answer(origin, answer.question, answer.citations, posted)
        except EscalationError as exc:
            log.warning("could not record an answer for corrections: %s", exc)

    # -- staff side ------------------------------------------------------------------------------
    def check(self, action: Action, item_id: int, *, is_staff: bool) -> Item:
        """The item, if a staff member may start ``action`` on it now; else ``Refused``.

        Used before opening an answer form, so nobody types an answer that would be refused.
        """
        if not is_staff:
            raise Refused(NOT_STAFF)
        item = self.queue.get(item_id)
        if action not in self.actions_for(item):
            raise Refused(
                f"Item {item_id} is {item.state}; it can no longer be {RESULT[action]}. "
                "Nothing changed."
            )
        return item

    def act(
        self, action: Action, item_id: int, by: str, *, is_staff: bool, refresh: bool = True
    ) -> Item:
        """Claim or resolve ``item_id`` as ``by``; refresh the staff post unless told not to.

        ``refresh=False`` is for platforms that redraw the post in their reply to the click;
        they then call ``shown``.
        """
        if not is_staff:
            raise Refused(NOT_STAFF)
        if action == "claim":
            item = self.queue.claim(item_id, by)
        elif action == "resolve":
            item = self.queue.resolve(item_id, by)
        else:
            raise InvalidTransition(f"{action!r} needs an answer; use answer().")
        if refresh:
            self.follow_up(item_id)
        return item

    def answer(
        self, item_id: int, text: str, by: str, *, is_staff: bool, deliver: bool = True
    ) -> Item:
        """Record a staff answer and deliver it now; if delivery fails the loop retries it.

        ``deliver=False`` only records it, for platforms that must acknowledge the form
        first; they then call ``follow_up``.
        """
        if not is_staff:
            raise Refused(NOT_STAFF)
        item = self.queue.answer(item_id, text, by)
        if not deliver:
            return item
        self.follow_up(item_id)
        return self.queue.get(item.id)

    def shown(self, item: Item) -> None:
        """The platform redrew the staff post for ``item`` itself (in reply to a click)."""
        self.queue.mark_post_updated(item.id, item.revision)

    # -- doing the work ----------------------------------------------------------------------------
    def tend(self, item_id: int) -> Item | None:
        """Do whatever ``item_id`` is due (staff post, delivery, refresh), once, under a lease.

        Returns the item afterwards, or None when another desk (or another thread of this
        one) holds it right now.
        """
        # The lease is per process (a desk may renew its own), so two threads of this desk,
        # the loop and a handler, are kept apart here; the busy one does the work.
        with self._busy_lock:
            if item_id in self._busy:
                self.wake()  # whatever changed meanwhile is picked up by the next sweep
                return None
            self._busy.add(item_id)
        try:
            return self._tend_leased(item_id)
        finally:
            with self._busy_lock:
                self._busy.discard(item_id)

    def _tend_leased(self, item_id: int) -> Item | None:
        if not self.queue.take_lease(item_id, self.owner, LEASE_SECONDS):
            return None
        try:
            item = self.queue.get(item_id)
            failed = False
            if item.needs_staff_post:
                item, ok = self._post(item)
                failed |= not ok
            if item.needs_relay:
                item, ok = self._deliver(item)
                failed |= not ok
            if item.staff_post_stale:
                item, ok = self._refresh(item)
                failed |= not ok
            if not failed and item.retry_at is not None:
                item = self.queue.retry_later(item.id, None)
            return item
        finally:
            self.queue.release_lease(item_id, self.owner)

    def _post(self, item: Item) -> tuple[Item, bool]:
        try:
            ref = self.port.post_staff(self.card(item))
        except DeliveryError as exc:
            attempts = item.notify_attempts + 1
            return self.queue.mark_notify_failed(
                item.id, exc.reason, self._retry_at(attempts)
            ), False
        return self.queue.mark_notified(item.id, ref, item.revision), True

    def _deliver(self, item: Item) -> tuple[Item, bool]:
        try:
            self.port.relay(item.origin, item.staff_answer or "", item.id)
        except DeliveryError as exc:
            attempts = item.relay_attempts + 1
            return self.queue.mark_relay_failed(
                item.id, exc.reason, self._retry_at(attempts)
            ), False
        log.info("delivered the staff answer of item %s", item.id)
        return self.queue.mark_relayed(item.id), True

    def _refresh(self, item: Item) -> tuple[Item, bool]:
        try:
            self.port.update_staff(item.staff_ref or "", self.card(item))
        except DeliveryError as exc:
            log.warning("could not update the staff post of item %s: %s", item.id, exc.reason)
            return self.queue.retry_later(item.id, self._retry_at(1)), False
        return self.queue.mark_post_updated(item.id, item.revision), True

    def follow_up(self, item_id: int) -> None:
        """Do the item's due work now (post, deliver, refresh); failures go to the loop.

        After a staff action the work is best done at once, but a failure here is the loop's
        to retry: the action itself succeeded and must be reported as such.
        """
        try:
            self.tend(item_id)
        except EscalationError as exc:
            log.warning("item %s: follow-up work left to the retry loop: %s", item_id, exc)
            self.wake()

    def _retry_at(self, attempts: int) -> dt.datetime:
        delay = min(self.backoff_cap, self.backoff_base * 2 ** max(0, attempts - 1))
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay)

    def sweep(self) -> int:
        """One pass over the queue: replay spooled items, then do all due work. Returns items
        worked on. Raises ``QueueUnavailable`` when the queue cannot be read."""
        if time.monotonic() - self._last_heartbeat >= HEARTBEAT_EVERY or not self._last_heartbeat:
            self.records.heartbeat(self.owner, self.port.platform)
            self._last_heartbeat = time.monotonic()
        try:
            self.queue.replay_spool()
            self._queue_down_logged = False
        except QueueUnavailable as exc:
            if not self._queue_down_logged:
                log.error(
                    "%d question(s) wait in the fallback file: the queue is not writable (%s)",
                    self.queue.spooled(),
                    exc.reason,
                )
                self._queue_down_logged = True
        worked = 0
        for item in self.queue.due_work(self.port.platform):
            if self._stop.is_set():
                break
            if self.tend(item.id) is not None:
                worked += 1
        self._correct()
        self._purge_if_due()
        return worked

    def _correct(self) -> None:
        """Post the corrections due (``bot.staff.corrections``); never stops the loop."""
        if self.corrections is None or self._stop.is_set():
            return
        try:
            self.corrections.sweep(self.port, self.owner, self._retry_at)
        except Exception as exc:  # the queue or index may be unreachable: try next sweep
            if not self._corrections_failing:  # said once, not every tick, until it recovers
                reason = exc.reason if isinstance(exc, QueueUnavailable) else type(exc).__name__
                log.error(
                    "corrections wait: %s", reason, exc_info=not isinstance(exc, QueueUnavailable)
                )
            self._corrections_failing = True
        else:
            if self._corrections_failing:
                log.info("corrections resumed")
            self._corrections_failing = False

    def _purge_if_due(self) -> None:
        if time.monotonic() - self._last_purge < PURGE_EVERY.total_seconds() and self._last_purge:
            return
        self._last_purge = time.monotonic()
        if self.retention_days > 0:
            report = self.records.purge(dt.timedelta(days=self.retention_days))
            log.info(
                "retention: purged %d resolved item(s) older than %d days",
                report.items,
                self.retention_days,
            )
        else:  # handled events expire whatever the retention
            self.records.purge_events()

    # -- the loop --------------------------------------------------------------------------------
    def start(self) -> threading.Thread:
        """Run the loop in a daemon thread until ``stop()``; returns the thread."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(
                target=self.run, name=f"staff-desk-{self.port.platform}", daemon=True
            )
            self._thread.start()
        return self._thread

    def run(self) -> None:
        """Sweep every ``poll_seconds`` (sooner when woken) until ``stop()``."""
        while not self._stop.is_set():
            try:
                self.sweep()
            except QueueUnavailable as exc:
                log.warning("the staff desk cannot read the queue: %s", exc.reason)
            except Exception as exc:  # the loop must outlive any one failure
                log.error("staff desk sweep failed: %s", type(exc).__name__, exc_info=True)
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def wake(self) -> None:
        """Sweep now rather than at the next tick."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop and wait for the current sweep to finish."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)


def staff_card(item: Item) -> StaffCard:
    """The staff post for ``item``: content, the buttons its state allows, priority, delivery."""
    return StaffCard(
        item=item,
        actions=allowed_actions(item.state),
        low_priority=not item.for_staff,
        delivery=delivery_status(item),
        pointer=f"lines escalations show {item.id}",
    )


def delivery_status(item: Item) -> str:
    """One line on where the staff answer is: for staff posts and ``escalations list``."""
    if item.staff_answer is None:
        return ""
    if item.relayed_at is not None:
        return f"Answer delivered to the member {item.relayed_at:%Y-%m-%d %H:%M} UTC."
    if item.relay_error:
        return (
            f"Answer NOT delivered yet ({item.relay_error}; {item.relay_attempts} "
            f"attempt{'s' if item.relay_attempts != 1 else ''}); retrying."
        )
    return "Answer waiting to be delivered."


def pending_reason(item: Item, last_seen: dict[str, dt.datetime], now: dt.datetime) -> str:
    """Why ``item`` has not reached staff or the member yet, in words for the staff CLI."""
    reasons: list[str] = []
    running = last_seen.get(item.platform)
    stale = running is None or now - running > BOT_GONE
    bot = f"the {item.platform.capitalize()} bot"
    if item.needs_staff_post:
        if item.notify_error:
            reasons.append(f"staff post failed: {item.notify_error} ({item.notify_attempts}x)")
        elif item.platform == "cli":
            reasons.append("asked from the command line: no staff channel")
        elif stale:
            reasons.append(f"staff post waits for {bot}, which is not running")
        else:
            reasons.append("staff post due")
    if item.needs_relay:
        if item.platform == "cli":
            reasons.append("asked from the command line: nobody to deliver to")
        elif item.relay_error:
            reasons.append(f"answer not delivered: {item.relay_error} ({item.relay_attempts}x)")
        elif stale:
            reasons.append(f"answer waits for {bot}, which is not running")
        else:
            reasons.append("answer being delivered")
    return "; ".join(reasons)

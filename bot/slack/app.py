"""Building the Bolt app and the ``SlackSurface`` its handlers share.

The surface turns Slack events into ``Question``s for the advisor and ``Answer``s into Block
Kit messages. It owns three small duties no handler should repeat: remembering which events
it has already handled (Slack retries and Socket Mode redeliveries), posting escalations to
the staff channel with retries, and checking who counts as staff.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.advisor import Advisor
from bot.answer import Answer, Origin, Question, Turn
from bot.settings import Settings
from bot.slack import blocks

log = logging.getLogger(__name__)

WORKING_REACTION = "eyes"
SEEN_LIMIT = 5000
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
# <!channel>, <!here>, <!everyone>, <!subteam^S123|@team>: noise in a question, and never resent.
_SPECIAL_MENTION = re.compile(r"<!(?:channel|here|everyone|subteam\^[^>|]*)(?:\|[^>]*)?>")


class SlackSurface:
    """What every Slack handler needs: the advisor, the queue, the client and a memory of events."""

    def __init__(self, settings: Settings, advisor: Advisor, client: WebClient) -> None:
        self.settings = settings
        self.advisor = advisor
        self.store = advisor.queue
        self.client = client
        self.bot_user_id: str | None = None
        self.team_id: str | None = None
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._seen_lock = threading.Lock()
        self._notify_lock = threading.Lock()

    def identify(self) -> None:
        identity = self.client.auth_test()
        self.bot_user_id, self.team_id = identity["user_id"], identity.get("team_id")

    # -- duplicates --------------------------------------------------------------------------
    def first_time(self, *keys: str | None) -> bool:
        """True once per key: Slack's retries and redeliveries of an event are dropped.

        Several keys (event id, channel+ts) are recorded together so a message that arrives
        both as ``app_mention`` and ``message`` is answered once.
        """
        keys = tuple(k for k in keys if k)
        with self._seen_lock:
            if any(k in self._seen for k in keys):
                return False
            for key in keys:
                self._seen[key] = None
            while len(self._seen) > SEEN_LIMIT:
                self._seen.popitem(last=False)
        return True

    # -- answering -----------------------------------------------------------------------------
    def clean(self, text: str) -> str:
        """The question without the bot's mention and surrounding space."""
        text = _SPECIAL_MENTION.sub("", _MENTION.sub("", text or ""))
        return " ".join(text.split())

    def history(self, channel: str, thread_ts: str, before_ts: str) -> tuple[Turn, ...]:
        """The thread so far, oldest first, without the message being answered."""
        try:
            replies = self.client.conversations_replies(channel=channel, ts=thread_ts, limit=50)
        except SlackApiError as exc:
            log.warning(
                "could not read thread %s/%s: %s", channel, thread_ts, exc.response["error"]
            )
            return ()
        turns = []
        for message in replies["messages"]:
            if message.get("ts") == before_ts:
                continue
            mine = message.get("user") == self.bot_user_id or message.get("bot_id")
            turns.append(Turn("bot" if mine else "member", self.clean(message.get("text", ""))))
        return tuple(turns)

    def bot_in_thread(self, channel: str, thread_ts: str) -> bool:
        """Has the bot answered in this thread? (Only then does it answer without a mention.)"""
        try:
            replies = self.client.conversations_replies(channel=channel, ts=thread_ts, limit=200)
        except SlackApiError:
            return False
        return any(m.get("user") == self.bot_user_id for m in replies["messages"])

    def answer_in_thread(
        self,
        *,
        text: str,
        channel: str,
        thread_ts: str,
        message_ts: str,
        user: str | None,
        event_id: str | None,
        team: str | None,
    ) -> Answer:
        """React, ask the advisor, reply in the thread, and tell staff when it escalated."""
        try:
            self.client.reactions_add(channel=channel, timestamp=message_ts, name=WORKING_REACTION)
        except SlackApiError as exc:  # a missing reaction must not stop the answer
            log.info("could not add reaction: %s", exc.response["error"])
        history = self.history(channel, thread_ts, message_ts) if thread_ts != message_ts else ()
        origin = Origin(
            platform="slack",
            workspace=team or self.team_id,
            channel=channel,
            thread=thread_ts,
            user=user,
            event_id=event_id,
        )
        answer = self.advisor.ask(Question(text=text, origin=origin, history=history))
        self.post_answer(answer, channel, thread_ts)
        return answer

    def post_answer(self, answer: Answer, channel: str, thread_ts: str) -> None:
        for fallback, message_blocks in blocks.answer_messages(answer):
            self.client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                text=fallback,
                blocks=message_blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        if answer.escalated and answer.escalation.id is not None:
            self.notify_staff(answer.escalation.id)

    # -- staff -------------------------------------------------------------------------------
    def notify_staff(self, item_id: int) -> bool:
        """Post the item to the staff channel; on failure record it for the retry loop."""
        if not self.settings.slack_staff_channel:
            self.store.mark_notify_failed(item_id, "SLACK_STAFF_CHANNEL is not set")
            return False
        item = self.store.get(item_id)
        permalink = None
        if item.channel and item.thread:
            try:
                permalink = self.client.chat_getPermalink(
                    channel=item.channel, message_ts=item.thread
                )["permalink"]
            except SlackApiError:
                permalink = None
        title, staff_blocks = blocks.staff_message(item, permalink)
        try:
            posted = self.client.chat_postMessage(
                channel=self.settings.slack_staff_channel,
                text=title,
                blocks=staff_blocks,
                unfurl_links=False,
            )
        except SlackApiError as exc:
            self.store.mark_notify_failed(item_id, exc.response.get("error", str(exc)))
            return False
        self.store.mark_notified(item_id, f"{posted['channel']}:{posted['ts']}")
        return True

    def retry_pending(self) -> int:
        """Post every escalation that has not reached staff yet; returns how many got through."""
        with self._notify_lock:
            return sum(
                self.notify_staff(item.id) for item in self.store.pending_notifications("slack")
            )

    def refresh_staff_post(self, item_id: int) -> None:
        item = self.store.get(item_id)
        if not item.staff_ref:
            return
        channel, ts = item.staff_ref.split(":", 1)
        title, staff_blocks = blocks.staff_message(item, None)
        try:
            self.client.chat_update(channel=channel, ts=ts, text=title, blocks=staff_blocks)
        except SlackApiError as exc:
            log.warning(
                "could not update staff post for item %s: %s", item_id, exc.response["error"]
            )

    def is_staff(self, user: str) -> bool:
        """Members of ``SLACK_STAFF_USERGROUP`` if set, else members of the staff channel."""
        try:
            if self.settings.slack_staff_usergroup:
                users = self.client.usergroups_users_list(
                    usergroup=self.settings.slack_staff_usergroup
                )
                return user in users["users"]
            if self.settings.slack_staff_channel:
                cursor = None
                while True:
                    page = self.client.conversations_members(
                        channel=self.settings.slack_staff_channel, cursor=cursor, limit=1000
                    )
                    if user in page["members"]:
                        return True
                    cursor = (page.get("response_metadata") or {}).get("next_cursor")
                    if not cursor:
                        return False
        except SlackApiError as exc:
            log.warning("could not check staff membership: %s", exc.response["error"])
        return False

    def refuse(self, channel: str, user: str, text: str) -> None:
        self.client.chat_postEphemeral(channel=channel, user=user, text=blocks.safe(text))


def build_app(
    settings: Settings, advisor: Advisor, *, client: WebClient | None = None
) -> tuple[App, SlackSurface]:
    """The Bolt app with every handler registered, and the surface they share."""
    if not settings.slack_bot_token:
        raise ValueError("SLACK_BOT_TOKEN is not set: add the bot token (xoxb-...) to .env")
    client = client or WebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url or WebClient.BASE_URL
    )
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret if settings.slack_mode == "http" else None,
        request_verification_enabled=settings.slack_mode == "http",
        process_before_response=False,
    )
    surface = SlackSurface(settings, advisor, client)
    surface.identify()

    from bot.slack.handlers import buttons, members, staff

    members.register(app, surface)
    buttons.register(app, surface)
    staff.register(app, surface)
    return app, surface

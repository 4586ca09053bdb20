"""Building the Bolt app and the ``SlackSurface`` its handlers share.

The surface turns Slack events into ``Question``s for the advisor and ``Answer``s into Block
Kit messages. The staff loop (posting escalations, delivering answers, retrying) is the
platform-neutral ``StaffDesk``; ``SlackPort`` is its Slack half.

Every Web API client retries on rate limits (HTTP 429, honouring ``Retry-After``) and on
dropped connections, so one busy moment does not lose an answer. Anything said only to one
person (slash-command answers, refusals, thanks) goes through the interaction's
``response_url``, which works even in channels the bot is not a member of.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import Executor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from bot.advisor import SORRY_TEXT, Advisor
from bot.answer import Answer, Origin, Question, Turn
from bot.settings import Settings
from bot.staff.desk import StaffDesk, holding_text
from bot.staff.ports import DeliveryError, StaffCard
from bot.surfaces.slack import blocks

log = logging.getLogger(__name__)

WORKING_REACTION = "eyes"
RATE_LIMIT_RETRIES = 4
CONNECTION_RETRIES = 2
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
# <!channel>, <!here>, <!everyone>, <!subteam^S123|@team>: noise in a question, and never resent.
_SPECIAL_MENTION = re.compile(r"<!(?:channel|here|everyone|subteam\^[^>|]*)(?:\|[^>]*)?>")


def retry_handlers() -> list:
    """Retry on 429 (waiting as Slack asks) and on dropped connections: for every client."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
    ]


def quiet_wire_loggers() -> None:
    """Keep slack_sdk and Bolt logging at INFO or above: at DEBUG they log whole request and
    response bodies, members' questions included, and no log may carry a question."""
    for name in ("slack_sdk", "slack_bolt"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)


def web_client(settings: Settings) -> WebClient:
    """The bot's Web API client: ``SLACK_API_URL`` if set, with the retry handlers."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url or WebClient.BASE_URL,
        retry_handlers=retry_handlers(),
    )


def _error(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "slack_api_error")
    return type(exc).__name__


class SlackPort:
    """The Slack half of the staff desk: staff posts, their updates, and messages to members."""

    platform = "slack"

    def __init__(self, client: WebClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    def post_staff(self, card: StaffCard) -> str:
        """Post ``card`` to ``SLACK_STAFF_CHANNEL``; return ``channel:ts``."""
        if not self.settings.slack_staff_channel:
            raise DeliveryError("SLACK_STAFF_CHANNEL is not set")
        title, staff_blocks = blocks.staff_message(card, self._permalink(card))
        try:
            posted = self.client.chat_postMessage(
                channel=self.settings.slack_staff_channel,
                text=title,
                blocks=staff_blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        except Exception as exc:
            raise DeliveryError(_error(exc)) from None
        return f"{posted['channel']}:{posted['ts']}"

    def update_staff(self, staff_ref: str, card: StaffCard) -> None:
        """Redraw the staff post at ``staff_ref`` (``channel:ts``)."""
        channel, ts = staff_ref.split(":", 1)
        title, staff_blocks = blocks.staff_message(card, self._permalink(card))
        try:
            self.client.chat_update(channel=channel, ts=ts, text=title, blocks=staff_blocks)
        except Exception as exc:
            raise DeliveryError(_error(exc)) from None

    def relay(self, recipient: Origin, answer: str, item_id: int) -> None:
        """Send a staff answer to the member: their thread, or a DM if they asked privately."""
        self.send(recipient, blocks.staff_answer_messages(answer))

    def note(self, recipient: Origin, text: str) -> None:
        """Send a short note from Lines where ``recipient`` hears back."""
        self.send(recipient, blocks.note_messages(text))

    def send(self, recipient: Origin, messages: list[blocks.Message]) -> list[str]:
        """Post ``messages`` where ``recipient`` hears back; ``DeliveryError`` on failure.

        Returns each posted message's ``channel:ts``, in order."""
        try:
            if recipient.reply_in == "dm" or not recipient.channel:
                if not recipient.user:
                    raise DeliveryError("no member to send a direct message to")
                channel = self.client.conversations_open(users=recipient.user)["channel"]["id"]
                thread = None
            else:
                channel = recipient.channel
                thread = recipient.thread if recipient.reply_in == "thread" else None
            posted = []
            for fallback, message_blocks in messages:
                sent = self.client.chat_postMessage(
                    channel=channel,
                    thread_ts=thread,
                    text=fallback,
                    blocks=message_blocks,
                    unfurl_links=False,
                    unfurl_media=False,
                )
                posted.append(f"{sent.get('channel') or channel}:{sent.get('ts')}")
            return posted
        except DeliveryError:
            raise
        except Exception as exc:
            raise DeliveryError(_error(exc)) from None

    def _permalink(self, card: StaffCard) -> str | None:
        item = card.item
        if item.private or not (item.channel and item.thread):
            return None  # a private question has no thread staff could open
        try:
            return self.client.chat_getPermalink(channel=item.channel, message_ts=item.thread)[
                "permalink"
            ]
        except Exception:
            return item.link


class SlackSurface:
    """What every Slack handler needs: the advisor, the staff desk and the Web API client."""

    def __init__(self, settings: Settings, advisor: Advisor, client: WebClient) -> None:
        self.settings = settings
        self.advisor = advisor
        self.client = client
        self.port = SlackPort(client, settings)
        self.desk = StaffDesk.from_settings(settings, advisor.queue, self.port, advisor)
        self.records = self.desk.records
        self.bot_user_id: str | None = None
        self.team_id: str | None = None

    def identify(self) -> None:
        """Learn the bot's own user and team ids (to ignore itself and fill origins)."""
        identity = self.client.auth_test()
        self.bot_user_id, self.team_id = identity["user_id"], identity.get("team_id")

    def first_time(self, *keys: str | None) -> bool:
        """True once per event, across every process sharing the queue (see ``StaffDesk``)."""
        return self.desk.first_time(*keys)

    # -- reading -------------------------------------------------------------------------------
    def clean(self, text: str) -> str:
        """The question without the bot's mention and surrounding space."""
        text = _SPECIAL_MENTION.sub("", _MENTION.sub("", text or ""))
        return " ".join(text.split())

    def history(self, channel: str, thread_ts: str, before_ts: str) -> tuple[Turn, ...]:
        """The thread so far, oldest first, without the message being answered."""
        try:
            replies = self.client.conversations_replies(channel=channel, ts=thread_ts, limit=50)
        except SlackApiError as exc:
            log.warning("could not read thread %s/%s: %s", channel, thread_ts, _error(exc))
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

    # -- answering -----------------------------------------------------------------------------
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
        private: bool = False,
    ) -> Answer | None:
        """React, ask the advisor, reply in the thread, and hand escalations to the desk."""
        try:
            self.client.reactions_add(channel=channel, timestamp=message_ts, name=WORKING_REACTION)
        except SlackApiError as exc:  # a missing reaction must not stop the answer
            log.info("could not add reaction: %s", _error(exc))
        history = self.history(channel, thread_ts, message_ts) if thread_ts != message_ts else ()
        origin = Origin(
            platform="slack",
            workspace=team or self.team_id,
            channel=channel,
            thread=thread_ts,
            user=user,
            event_id=event_id,
            reply_in="thread",
            private=private,
            message=message_ts,
        )
        return self.answer(Question(text=text, origin=origin, history=history))

    def answer(self, question: Question) -> Answer | None:
        """Ask the advisor and post the reply where the question came from (thread or DM)."""
        recipient = question.origin
        try:
            answer = self.advisor.ask(question)
        except Exception as exc:
            log.error("answering failed: %s", type(exc).__name__, exc_info=True)
            self.tell(recipient, blocks.text_messages(SORRY_TEXT))
            return None
        posted = self.tell(
            recipient, blocks.answer_messages(answer, holding_text(answer, question.origin))
        )
        # The feedback buttons sit on the last message: its ts is what a click records.
        self.desk.answered(answer, question.origin, posted[-1] if posted else None)
        self.desk.escalated(answer)
        return answer

    def tell(self, recipient: Origin, messages: list[blocks.Message]) -> list[str]:
        """Post ``messages`` to the member; if that fails, by direct message; else log it.

        Returns the posted messages' ``channel:ts`` (none when nothing could be posted)."""
        try:
            return self.port.send(recipient, messages)
        except DeliveryError as exc:
            # Not in that channel any more, or Slack kept refusing: try a direct message.
            log.warning("could not reply in %s: %s; trying a DM", recipient.reply_in, exc.reason)
            try:
                return self.port.send(
                    recipient.direct(recipient.private),
                    messages,
                )
            except DeliveryError as again:
                log.error("could not reach the member at all: %s", again.reason)
        return []

    def answer_command(self, command: dict) -> Answer | None:
        """``/lines``: answered privately through the command's ``response_url``.

        Nothing is posted to the channel: the question may be private. An escalated question
        gets an ephemeral holding reply and the staff answer arrives by direct message.
        """
        response_url = command.get("response_url")
        text = (command.get("text") or "").strip()
        user = command["user_id"]
        if not text:
            self.respond(response_url, EMPTY_COMMAND, user=user)
            return None
        event_id = f"command:{command.get('trigger_id')}"
        if not self.first_time(event_id):
            return None
        origin = Origin(
            platform="slack",
            workspace=command.get("team_id") or self.team_id,
            channel=command.get("channel_id"),
            thread=None,
            user=user,
            event_id=event_id,
            reply_in="dm",
            private=True,
        )
        try:
            answer = self.advisor.ask(Question(text=text, origin=origin))
        except Exception as exc:
            log.error("answering /lines failed: %s", type(exc).__name__, exc_info=True)
            self.respond(response_url, SORRY_TEXT, user=user)
            return None
        for fallback, message_blocks in blocks.answer_messages(
            answer, holding_text(answer, origin), private=True
        ):
            self.respond(response_url, fallback, message_blocks, user=user)
        self.desk.answered(answer, origin)  # private: any correction comes by direct message
        self.desk.escalated(answer)
        return answer

    def respond(
        self,
        response_url: str | None,
        text: str,
        message_blocks: list[dict] | None = None,
        *,
        user: str | None = None,
        response_type: str = "ephemeral",
    ) -> bool:
        """Reply through an interaction's ``response_url`` (ephemeral unless told otherwise).

        Works in channels the bot is not in. If the URL has expired or fails, ``user`` gets
        the message by direct message instead, so the person always hears back.
        """
        payload: dict = {"text": text, "response_type": response_type, "replace_original": False}
        if message_blocks is not None:
            payload["blocks"] = message_blocks
        if response_url:
            webhook = WebhookClient(response_url, retry_handlers=retry_handlers())
            try:
                response = webhook.send_dict(payload)
                if response.status_code == 200:
                    return True
                reason = f"HTTP {response.status_code} {response.body[:80]}"
            except Exception as exc:
                reason = type(exc).__name__
            log.warning("response_url failed (%s)", reason)
        if response_type == "ephemeral" and user:
            try:
                self.port.send(
                    Origin(platform="slack", user=user, reply_in="dm", private=True),
                    [(text, message_blocks)] if message_blocks else blocks.text_messages(text),
                )
                return True
            except DeliveryError as exc:
                log.error("could not reach the member by DM either: %s", exc.reason)
        return False

    def refuse(self, body: dict, text: str) -> None:
        """Tell only the person who clicked why nothing happened."""
        self.respond(
            body.get("response_url"), blocks.safe(text), user=(body.get("user") or {}).get("id")
        )

    # -- staff ---------------------------------------------------------------------------------
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
            log.warning("could not check staff membership: %s", _error(exc))
        return False


EMPTY_COMMAND = (
    "Ask me a question after the command, e.g. `/lines how do we talk about small boats?`"
)


def build_app(
    settings: Settings,
    advisor: Advisor,
    *,
    client: WebClient | None = None,
    listener_executor: Executor | None = None,
) -> tuple[App, SlackSurface]:
    """The Bolt app with every handler registered, and the surface they share.

    The staff desk's loop is not started here: ``python -m bot slack`` (and tests) call
    ``surface.desk.start()``. ``listener_executor`` runs the handlers (Bolt's default pool
    of five threads when None; tests pass one worker so events are handled in order).
    """
    if not settings.slack_bot_token:
        raise ValueError("SLACK_BOT_TOKEN is not set: add the bot token (xoxb-...) to .env")
    quiet_wire_loggers()
    if client is None:
        client = web_client(settings)
    else:
        known = {type(h) for h in client.retry_handlers}
        client.retry_handlers.extend(h for h in retry_handlers() if type(h) not in known)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret if settings.slack_mode == "http" else None,
        request_verification_enabled=settings.slack_mode == "http",
        process_before_response=False,
        listener_executor=listener_executor,
    )
    surface = SlackSurface(settings, advisor, client)
    surface.identify()

    from bot.factory import build_checker
    from bot.surfaces.slack.handlers import buttons, check, members, staff

    # One checker per running app, sharing the advisor's detector, queue and embedder.
    check.register(app, surface, build_checker(settings, advisor=advisor))  # before members
    members.register(app, surface)
    buttons.register(app, surface)
    staff.register(app, surface)
    return app, surface

"""Slack's Web API client, and ``SlackPort``: posting to Slack for the staff desk and members.

Every Web API client retries on rate limits (HTTP 429, honouring ``Retry-After``) and on
dropped connections, so one busy moment does not lose an answer.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.answer import Origin
from bot.settings import Settings
from bot.staff.ports import DeliveryError, StaffCard
from bot.surfaces.slack import blocks

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 4
CONNECTION_RETRIES = 2


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


def error_name(exc: Exception) -> str:
    """A short reason for a failed call, safe to log: Slack's error code or the exception type."""
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
            raise DeliveryError(error_name(exc)) from None
        return f"{posted['channel']}:{posted['ts']}"

    def update_staff(self, staff_ref: str, card: StaffCard) -> None:
        """Redraw the staff post at ``staff_ref`` (``channel:ts``)."""
        channel, ts = staff_ref.split(":", 1)
        title, staff_blocks = blocks.staff_message(card, self._permalink(card))
        try:
            self.client.chat_update(channel=channel, ts=ts, text=title, blocks=staff_blocks)
        except Exception as exc:
            raise DeliveryError(error_name(exc)) from None

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
            raise DeliveryError(error_name(exc)) from None

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

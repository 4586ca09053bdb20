"""``SlackSurface``, what every Slack handler shares, and ``SlackReply``, Slack's half of the
member conversation.

A handler turns a Slack event into a ``Question`` with its ``Origin``, builds a ``SlackReply``
for it and hands both to the ``Conversation`` (``bot.surfaces.conversation``), which asks,
replies, records and hands over to staff. The staff loop is the platform-neutral
``StaffDesk``; ``SlackPort`` is its Slack half.

Anything said only to one person (slash-command answers, refusals, thanks) goes through the
interaction's ``response_url``, which works even in channels the bot is not a member of; if
that fails, by direct message.
"""

from __future__ import annotations

import logging
import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.advisor import Advisor
from bot.answer import Answer, Origin, Turn
from bot.check.checker import DraftChecker
from bot.check.findings import DraftCheck
from bot.settings import Settings
from bot.staff.desk import StaffDesk
from bot.staff.ports import DeliveryError
from bot.surfaces.conversation import Conversation
from bot.surfaces.slack import blocks
from bot.surfaces.slack.port import SlackPort, error_name, retry_handlers

log = logging.getLogger(__name__)

WORKING_REACTION = "eyes"
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
# <!channel>, <!here>, <!everyone>, <!subteam^S123|@team>: noise in a question, and never resent.
_SPECIAL_MENTION = re.compile(r"<!(?:channel|here|everyone|subteam\^[^>|]*)(?:\|[^>]*)?>")


class SlackSurface:
    """What every Slack handler needs: the conversation, the staff desk and the Web API client."""

    def __init__(
        self, settings: Settings, advisor: Advisor, client: WebClient, checker: DraftChecker
    ) -> None:
        self.settings = settings
        self.client = client
        self.port = SlackPort(client, settings)
        self.desk = StaffDesk.from_settings(settings, advisor.queue, self.port, advisor)
        self.records = self.desk.records
        self.conversation = Conversation(advisor, self.desk, checker)
        self.bot_user_id: str | None = None
        self.team_id: str | None = None

    def identify(self) -> None:
        """Learn the bot's own user and team ids (to ignore itself and fill origins)."""
        identity = self.client.auth_test()
        self.bot_user_id, self.team_id = identity["user_id"], identity.get("team_id")

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
            log.warning("could not read thread %s/%s: %s", channel, thread_ts, error_name(exc))
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

    # -- replying ------------------------------------------------------------------------------
    def reply(
        self,
        origin: Origin,
        *,
        response_url: str | None = None,
        ephemeral: bool = False,
        message_ts: str | None = None,
    ) -> SlackReply:
        """How to answer the event ``origin`` came from (see ``SlackReply``)."""
        return SlackReply(
            self, origin, response_url=response_url, ephemeral=ephemeral, message_ts=message_ts
        )

    def tell(self, recipient: Origin, messages: list[blocks.Message]) -> list[str]:
        """Post ``messages`` to the member; if that fails, by direct message.

        Returns the posted messages' ``channel:ts``; ``DeliveryError`` when neither worked."""
        try:
            return self.port.send(recipient, messages)
        except DeliveryError as exc:
            # Not in that channel any more, or Slack kept refusing: try a direct message.
            log.warning("could not reply in %s: %s; trying a DM", recipient.reply_in, exc.reason)
            return self.port.send(recipient.direct(recipient.private), messages)

    def respond(
        self,
        response_url: str | None,
        messages: list[blocks.Message],
        *,
        user: str | None = None,
        response_type: str = "ephemeral",
    ) -> bool:
        """Post ``messages`` through an interaction's ``response_url`` (ephemeral unless told
        otherwise); True when every one reached the person.

        Works in channels the bot is not in. If the URL has expired or fails, an ephemeral
        message goes to ``user`` by direct message instead, so the person always hears back.
        """
        delivered = True
        for fallback, message_blocks in messages:
            payload = {
                "text": fallback,
                "blocks": message_blocks,
                "response_type": response_type,
                "replace_original": False,
            }
            if self._post_response(response_url, payload):
                continue
            if response_type == "ephemeral" and self._direct(user, [(fallback, message_blocks)]):
                continue
            delivered = False
        return delivered

    def say_privately(self, response_url: str | None, text: str, *, user: str | None) -> bool:
        """Tell ``user`` plain ``text`` only they see: through ``response_url``, else by DM."""
        payload = {
            "text": blocks.safe(text),
            "response_type": "ephemeral",
            "replace_original": False,
        }
        return self._post_response(response_url, payload) or self._direct(
            user, blocks.text_messages(text)
        )

    def refuse(self, body: dict, text: str) -> None:
        """Tell only the person who clicked why nothing happened."""
        self.say_privately(body.get("response_url"), text, user=(body.get("user") or {}).get("id"))

    def _post_response(self, response_url: str | None, payload: dict) -> bool:
        if not response_url:
            return False
        webhook = WebhookClient(response_url, retry_handlers=retry_handlers())
        try:
            response = webhook.send_dict(payload)
            if response.status_code == 200:
                return True
            reason = f"HTTP {response.status_code} {response.body[:80]}"
        except Exception as exc:
            reason = type(exc).__name__
        log.warning("response_url failed (%s)", reason)
        return False

    def _direct(self, user: str | None, messages: list[blocks.Message]) -> bool:
        if not user:
            return False
        try:
            self.port.send(
                Origin(platform="slack", user=user, reply_in="dm", private=True), messages
            )
            return True
        except DeliveryError as exc:
            log.error("could not reach the member by DM either: %s", exc.reason)
            return False

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
            log.warning("could not check staff membership: %s", error_name(exc))
        return False


class SlackReply:
    """Slack's ``Reply`` for one event (see ``bot.surfaces.conversation``).

    ``ephemeral`` replies (``/lines``, a click on a private answer, a draft check) go through
    ``response_url`` only to the person who acted, and say so; the others are posted where
    ``origin`` says (its thread, the channel or a DM), by direct message if that fails.
    ``message_ts`` is the member's message, which gets a reaction while they wait.
    """

    def __init__(
        self,
        surface: SlackSurface,
        origin: Origin,
        *,
        response_url: str | None = None,
        ephemeral: bool = False,
        message_ts: str | None = None,
    ) -> None:
        self.surface = surface
        self.origin = origin
        self.response_url = response_url
        self.ephemeral = ephemeral
        self.message_ts = message_ts

    def working(self) -> None:
        """React to the member's message with 👀 (when there is one)."""
        if not (self.message_ts and self.origin.channel):
            return
        try:
            self.surface.client.reactions_add(
                channel=self.origin.channel, timestamp=self.message_ts, name=WORKING_REACTION
            )
        except Exception as exc:  # a missing reaction must not stop the answer
            log.info("could not add reaction: %s", error_name(exc))

    def render_answer(self, answer: Answer, text: str) -> list[blocks.Message]:
        """Block Kit messages for ``answer``, marked "only you" (with Share) when ephemeral."""
        return blocks.answer_messages(answer, text, private=self.ephemeral)

    def render_check(self, check: DraftCheck, holding: str) -> list[blocks.Message]:
        """Block Kit messages for a draft check."""
        return blocks.check_messages(check, holding)

    def render_text(self, text: str) -> list[blocks.Message]:
        """Plain text from Lines as Block Kit messages."""
        return blocks.text_messages(text)

    def send(self, rendered: list[blocks.Message]) -> str | None:
        """Post ``rendered``; the reference of the last message, which carries the buttons
        (None through ``response_url``, which returns none). ``DeliveryError`` if unsent."""
        if self.ephemeral:
            if not self.surface.respond(self.response_url, rendered, user=self.origin.user):
                raise DeliveryError("could not reach the member privately")
            return None
        posted = self.surface.tell(self.origin, rendered)
        return posted[-1] if posted else None

    def tell_privately(self, text: str) -> None:
        """``text`` through ``response_url``, or by direct message."""
        if not self.surface.say_privately(self.response_url, text, user=self.origin.user):
            log.error("could not tell the member privately")

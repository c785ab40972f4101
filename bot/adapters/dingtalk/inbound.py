"""A robot message or a card button, by HTTP callback (callback.py) or Stream mode
(stream.py): the same two entry points, after the transport has authenticated it.

- on_message: a text message to the robot (events.parse_message). Once per msgId
  (storage.inbound.first_time, platform "dingtalk"); in a group only when the robot is
  @mentioned (isInAtList), any direct message; leading @mentions are dropped, so
  `@bot /ar 逾期` and `@bot 逾期` are the same command (the router takes both). The answer
  goes through the message's sessionWebhook while it is valid (never after
  sessionWebhookExpiredTime) and while it takes it, as markdown whose buttons show their
  commands (a sessionWebhook takes no interactive card: dingtalk-stream SDK chatbot.py
  `reply_card`); else through the group or one-to-one API, where an answer with buttons
  goes as an interactive card.
- on_card: a button of one of our cards (events.parse_card_callback; the action id decoded
  by cards.command_of, an unknown one ignored with a log line). A button of a circle card
  changes the case: the outbox then updates that card in place, and the clicker gets the
  answer one to one; any other card (an answer's) is updated in place with the answer.
  Card callbacks carry no message id: a click counts once per card, person and action
  within half of DEDUP_WINDOW (DingTalk's retries of one click land within it).
No traceback reaches a chat: an unexpected error becomes texts.py's "sorry (ref X)".
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any

from bot.adapters.base import Dispatch
from bot.adapters.dingtalk import cards
from bot.adapters.dingtalk.api import Api, ApiMissing, SessionWebhook
from bot.adapters.dingtalk.events import (
    EventError,
    RobotMessage,
    parse_card_callback,
    parse_message,
)
from bot.adapters.dingtalk.render import payload, split
from bot.adapters.dingtalk.transport import DingtalkTransport, without_files
from bot.adapters.dingtalk.webhooks import WebhookPolicy
from bot.kernel.clock import Clock
from bot.kernel.config import Config
from bot.kernel.i18n import t
from bot.kernel.identity import Identities
from bot.kernel.messages import DeliveryError, Reply
from storage.db import Database
from storage.inbound import first_time

log = logging.getLogger(__name__)

PLATFORM = "dingtalk"
DEDUP_WINDOW = 20  # seconds: a click's retries within half of it are always caught


class Inbound:
    def __init__(
        self,
        *,
        router: Dispatch,
        db: Database,
        clock: Clock,
        config: Config,
        identities: Identities,
        api: Api,
        webhook: SessionWebhook,
        transport: DingtalkTransport,
        webhook_policy: WebhookPolicy | None = None,
    ) -> None:
        self._router = router
        self._db = db
        self._clock = clock
        self._config = config
        self._identities = identities
        self._api = api
        self._webhook = webhook
        self._transport = transport
        # Where a sessionWebhook may point (webhooks.py): DingTalk's hosts by default.
        self._policy = webhook_policy or WebhookPolicy()

    # --- messages -------------------------------------------------------------------------

    async def on_message(self, body: dict[str, Any]) -> None:
        try:
            msg = parse_message(body, webhook_allowed=self._policy.allows)
        except EventError as exc:
            log.info("dingtalk: message ignored (%s)", exc)
            return
        if msg.dropped_webhook_host:
            # The host only: the URL's query holds the session.
            log.warning(
                "dingtalk: a sessionWebhook on %s is not DingTalk's; answering through the API",
                msg.dropped_webhook_host,
            )
        if msg.is_group and not msg.is_in_at_list:
            return  # not addressed to the robot
        if not await self._first(msg.msg_id):
            log.info("dingtalk: msgId seen before, ignored")
            return
        command = msg.command
        if not command:
            return
        user_id = msg.sender_staff_id or msg.sender_id
        channel = msg.conversation_id if msg.is_group else f"single:{user_id}"
        reply = await self._run(command, channel, user_id)
        if reply is None:
            return
        try:
            await self._answer(msg, user_id, without_files(reply))
        except DeliveryError as exc:
            log.warning("dingtalk: the answer was not taken (%s)", exc.reason)

    async def _answer(self, msg: RobotMessage, user_id: str, reply: Reply) -> None:
        """Through the sessionWebhook while it is valid (markdown: a button shows its command
        to type, as a sessionWebhook takes no interactive card); else, or for what it
        refused, through the API, where an answer with buttons goes as a card."""
        rendered = self._transport.renderer.reply(reply)
        pieces = split(rendered.text)
        sent = 0
        if msg.session_webhook and msg.session_webhook_valid(self._clock.now()):
            try:
                for piece in pieces:
                    await self._webhook.send(msg.session_webhook, payload(rendered, piece))
                    sent += 1
                return
            except DeliveryError as exc:
                # Refused (throttled, or expired earlier than it said): the rest by the API.
                log.info("dingtalk: the sessionWebhook refused the answer (%s)", exc.reason)
                pieces = pieces[sent:]
        elif msg.session_webhook:
            log.info("dingtalk: the sessionWebhook has expired, answering through the API")
        else:
            log.info("dingtalk: no usable sessionWebhook, answering through the API")
        if sent == 0 and cards.has_buttons(reply):
            data = cards.card_data(reply, self._transport.card_renderer)
            ident = cards.card_id(cards.REPLY_PREFIX, f"{msg.msg_id}:{uuid.uuid4().hex}")
            try:
                if msg.is_group:
                    await self._api.send_card(ident, data, conversation=msg.conversation_id)
                else:
                    await self._api.send_card(ident, data, user_id=user_id)
                return
            except ApiMissing as exc:
                log.warning("dingtalk: no card API (%s); answering in markdown", exc.reason)
        for piece in pieces:
            if msg.is_group:
                await self._api.group_markdown(msg.conversation_id, rendered.title, piece)
            else:
                await self._api.direct_markdown([user_id], rendered.title, piece)

    # --- card buttons ---------------------------------------------------------------------

    async def on_card(self, data: dict[str, Any]) -> dict[str, Any] | None:
        try:
            callback = parse_card_callback(data)
        except EventError as exc:
            log.info("dingtalk: card callback ignored (%s)", exc)
            return None
        # The clicked button's id is in actionIds; a param carrying one of our ids counts too
        # (cards.command_of decodes only ids we made).
        candidates = [*callback.action_ids, *callback.params.values()]
        found = [c for c in map(cards.command_of, candidates) if c]
        if not found:
            log.info("dingtalk: card action that is not ours, ignored")
            return None
        command = found[0]
        if not await self._first_click(callback.out_track_id, callback.user_id, command):
            log.info("dingtalk: card click seen before, ignored")
            return None
        circle = callback.out_track_id.startswith(cards.CIRCLE_PREFIX)
        channel = (
            self._config.circle.channels.get(PLATFORM) or f"single:{callback.user_id}"
            if circle
            else f"single:{callback.user_id}"
        )
        reply = await self._run(command, channel, callback.user_id)
        if reply is None:
            return None
        reply = without_files(reply)
        try:
            if circle:
                rendered = self._transport.renderer.reply(reply)
                for piece in split(rendered.text):
                    await self._api.direct_markdown([callback.user_id], rendered.title, piece)
            else:
                card = cards.card_data(reply, self._transport.card_renderer)
                await self._api.update_card(callback.out_track_id, card)
        except DeliveryError as exc:
            log.warning("dingtalk: the click's answer was not taken (%s)", exc.reason)
        return None

    # --- shared ---------------------------------------------------------------------------

    async def _first_click(self, card: str, user: str, command: str) -> bool:
        """Whether this click is new. Two grids of DEDUP_WINDOW-second blocks, the second
        shifted by half a block: two clicks less than half a block apart share a block in at
        least one grid, so DingTalk's retry of a click is always caught (a single grid lets
        a click at 9.9 s and its retry at 10.1 s through); clicks two blocks apart never
        collide. Both keys are recorded, whichever is new."""
        now = self._clock.now().timestamp()
        fresh = True
        for shift in (0, DEDUP_WINDOW // 2):
            block = int(now + shift) // DEDUP_WINDOW
            seed = f"{card}|{user}|{command}|{shift}|{block}"
            key = "card:" + hashlib.sha256(seed.encode()).hexdigest()[:40]
            fresh = await self._first(key) and fresh
        return fresh

    async def _first(self, event_id: str) -> bool:
        return await self._db.threads.write(first_time, PLATFORM, event_id, self._clock.now())

    async def _run(self, text: str, channel: str, user_id: str) -> Reply | None:
        person = self._identities.person(PLATFORM, user_id)
        try:
            return await self._router.handle(
                text,
                platform=PLATFORM,
                channel=channel,
                user_id=user_id,
                person=person,
                addressed=True,
            )
        except Exception:
            ref = uuid.uuid4().hex[:8]
            log.exception("dingtalk: command failed (ref %s)", ref)
            return Reply.error(t(self._config.company.locale, "dingtalk_sorry", ref=ref))

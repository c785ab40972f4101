"""The outbox's way into DingTalk: the app robot's group and one-to-one APIs, interactive
cards updated in place, and custom robots.

- A circle card (`card` row) goes to the group (circle.channels.dingtalk, an
  openConversationId) as an interactive card whose id (cardBizId) is returned as the
  message id; a `card_update` row updates that card in place (Capabilities.edit=True). When
  DingTalk refuses the update for good (the card is gone), the card is sent anew and its new
  id kept, so the case keeps a live card.
- Escalations and reminders notify people by DingTalk userId. The robot's group-message API
  (groupMessages/send) documents no @ parameter, so an "@userId" written there notifies no
  one. They go instead, in this order: through the channel's custom robot when
  platforms.dingtalk.robots has one (markdown with at.atUserIds, the documented way, docs
  "自定义机器人发送群消息"), else as an interactive card whose sendOptions.atUserListJson
  names them (the way the dingtalk-stream SDK's chatbot.py `reply_card(at_sender=True)`
  @mentions; docs "机器人发送互动卡片", sendOptions.atUserListJson).
- A direct row (`@<person>`, a pre-due reminder to the invoice owner) goes through the
  one-to-one API to the person's DingTalk userId.
- `mode: robot` (alert-only): every row goes through the channel's custom robot as markdown,
  no card, no edit; a direct row goes to the circle group's robot with the person @mentioned.
- Long markdown goes out in pieces; a retry after a failure in the middle resends the earlier
  pieces (delivery is at least once, as everywhere in the outbox).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.adapters.dingtalk import cards
from bot.adapters.dingtalk.api import Api, ApiMissing
from bot.adapters.dingtalk.render import Renderer, payload, split
from bot.adapters.dingtalk.robot import CustomRobots
from bot.adapters.outbound import person_of, without_files
from bot.kernel.config import Config
from bot.kernel.identity import Identities
from bot.kernel.messages import Mention, PermanentError, Reply, RichText
from storage.outbox import OutRow

# Rows whose point is to make someone act: they must notify the people they mention.
log = logging.getLogger(__name__)

NOTIFYING = frozenset({"escalation", "remind", "repeat"})


class DingtalkTransport:
    def __init__(
        self,
        api: Api | None,
        robots: CustomRobots,
        config: Config,
        identities: Identities,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._api = api
        self._robots = robots
        self._config = config
        self._now = clock
        self.renderer = Renderer(config, identities)
        self.card_renderer = Renderer(config, identities, by_id=False)

    async def deliver(
        self, row: OutRow, message: Reply, *, update_ref: str | None, thread_ref: str | None
    ) -> str | None:
        message = without_files(message)
        if message.text is None and message.card is None:
            return None
        person = person_of(row)
        if self._api is None:
            channel = row.destination
            if person is not None:
                # No one-to-one without the app: the circle group's robot, the person @mentioned.
                channel = self._config.circle.channels.get("dingtalk") or row.destination
                lead = RichText(Mention.person(person), " ")
                text = lead + message.text if message.text else lead
                message = Reply(text=text, card=message.card, ephemeral=False)
            await self._robot_markdown(channel, message)
            return None
        if person is not None:
            await self._direct(person, message)
            return None
        if row.kind in ("card", "card_update") and message.card is not None:
            data = cards.card_data(message, self.card_renderer)
            if row.kind == "card_update" and update_ref:
                try:
                    await self._api.update_card(update_ref, data)
                    return update_ref
                except PermanentError as exc:
                    # The card is gone (deleted, too old to change): a new one takes its
                    # place, and its id is kept for the next updates.
                    log.warning("dingtalk: card not updatable (%s); sending it anew", exc.reason)
            ident = cards.card_id(cards.CIRCLE_PREFIX, f"{row.key}:{row.id}")
            # The new card @mentions the people it names (the seats' leads): they are told.
            at = list(self.renderer.reply(message).at.items())
            sent = await self._card(ident, data, row.destination, at, message)
            return ident if sent else None
        rendered = self.renderer.reply(message)
        if row.kind in NOTIFYING and rendered.at:
            if self._robots.has(row.destination):
                await self._robot_markdown(row.destination, message)
                return None
            data = cards.card_data(message, self.card_renderer)
            ident = cards.card_id("arn-", f"{row.key}:{row.id}")
            await self._card(ident, data, row.destination, list(rendered.at.items()), message)
            return None
        for piece in split(rendered.text):
            await self._api.group_markdown(row.destination, rendered.title, piece)
        return None

    async def _card(
        self,
        ident: str,
        data: dict[str, Any],
        conversation: str,
        at: list[tuple[str, str]],
        message: Reply,
    ) -> bool:
        """The card to the group; False when DingTalk serves no card API here (HTTP 404)
        and the message went as markdown through the group API instead (its buttons shown
        as commands to type), so the circle still reaches the group."""
        assert self._api is not None
        try:
            await self._api.send_card(ident, data, conversation=conversation, at=at)
            return True
        except ApiMissing as exc:
            log.warning("dingtalk: no card API (%s); sending markdown instead", exc.reason)
        rendered = self.renderer.reply(message)
        for piece in split(rendered.text):
            await self._api.group_markdown(conversation, rendered.title, piece)
        return False

    async def _direct(self, person: str, message: Reply) -> None:
        assert self._api is not None
        user_id = self.renderer.user_id(person)
        if user_id is None:
            raise PermanentError(
                f"{person} has no DingTalk id: add people.{person}.dingtalk (their DingTalk "
                "userId) to config.yaml"
            )
        rendered = self.renderer.reply(message)
        for piece in split(rendered.text):
            await self._api.direct_markdown([user_id], rendered.title, piece)

    async def _robot_markdown(self, channel: str, message: Reply) -> None:
        rendered = self.renderer.reply(message)
        for n, piece in enumerate(split(rendered.text)):
            body = payload(rendered, piece)
            if n:  # only the first piece mentions
                body["at"] = {"atUserIds": [], "isAtAll": False}
            await self._robots.send(channel, body, self._now())

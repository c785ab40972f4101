"""The outbox's way into WeCom: a channel's message-push robot, or a person's app chat.

- A channel's robot key comes from the environment variable that
  `platforms.wecom.webhooks.<channel>` names (else WECOM_WEBHOOK_KEY). config.yaml never
  holds a key, and nothing here logs one.
- A robot cannot edit or thread: the kernel already hands a card_update over as its one-line
  summary (Capabilities.edit=False); the robot posts that as a follow-up.
- A direct row (predue: destination `@<person>`) goes through the self-built app when
  WECOM_CORP_ID, WECOM_AGENT_ID and WECOM_APP_SECRET are set and the person has a WeCom id;
  otherwise into the circle group, the person @mentioned.
- Escalations and reminders go as text with `mentioned_list` (the WeCom ids of the people
  they mention): that is what notifies. Cards and notes go as markdown, mentions `<@id>`.
- Long messages go out in pieces of at most 4096 bytes (2048 for the app). A retry after a
  failure in the middle resends the earlier pieces: WeCom gives a robot post no id to
  check, so delivery is at least once, as everywhere in the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.adapters.wecom import render
from bot.adapters.wecom.api import App, Robot
from bot.kernel.config import Config
from bot.kernel.identity import Identities
from bot.kernel.messages import Mention, PermanentError, Reply, RichText, plain
from bot.kernel.rich import display_names
from storage.outbox import OutRow

DEFAULT_KEY_VAR = "WECOM_WEBHOOK_KEY"
# Rows whose point is to make someone act: sent as text with a mentioned_list.
NOTIFYING = frozenset({"escalation", "remind", "repeat"})


class WecomTransport:
    def __init__(
        self,
        robot: Robot,
        app: App | None,
        config: Config,
        identities: Identities,
        env: Mapping[str, str],
    ) -> None:
        self._robot = robot
        self._app = app
        self._config = config
        self._identities = identities
        self._env = env
        self._names = render.mentions(config, identities)

    def key_for(self, channel: str) -> str | None:
        var = self._config.platforms.wecom.webhooks.get(channel, DEFAULT_KEY_VAR)
        return (self._env.get(var) or "").strip() or None

    async def deliver(
        self, row: OutRow, message: Reply, *, update_ref: str | None, thread_ref: str | None
    ) -> str | None:
        person = _person_of(row)
        if person is not None:
            await self._direct(row, person, message)
            return None
        if row.kind == "card_update" and message.card is not None:
            # Defence in depth: the kernel adapts card updates for a messenger that cannot
            # edit; never repost the whole card.
            message = Reply(text=message.text or message.card.title, ephemeral=False)
        if row.kind in NOTIFYING and message.card is None:
            await self._notify(row.destination, message)
            return None
        await self._post(row.destination, render.reply_md(message, self._names))
        return None

    async def _notify(self, channel: str, message: Reply) -> None:
        """A reminder or escalation: a text message whose mentioned_list notifies each person
        by WeCom id (the documented way; `<@id>` in markdown is shown, but whether it notifies
        is not documented for every client). Text type: WeCom parses no markup in it."""
        key = self._key_or_fail(channel)
        text = plain(message.text, display_names(self._config))
        ids = render.mentioned_ids(message.text, self._config, self._identities)
        for n, piece in enumerate(render.split(text, render.TEXT_LIMIT)):
            await self._robot.send_text(key, piece, ids if n == 0 else [], channel=channel)

    def _key_or_fail(self, channel: str) -> str:
        key = self.key_for(channel)
        if key is None:
            var = self._config.platforms.wecom.webhooks.get(channel, DEFAULT_KEY_VAR)
            raise PermanentError(
                f"no robot key for {channel}: set {var} (platforms.wecom.webhooks names the "
                "variable per channel)"
            )
        return key

    async def _post(self, channel: str, markdown: str) -> None:
        key = self._key_or_fail(channel)
        for piece in render.split(markdown):
            await self._robot.send(key, piece, channel=channel)

    async def _direct(self, row: OutRow, person: str, message: Reply) -> None:
        user_id = self._identities.external_id(person, "wecom")
        if self._app is not None and user_id:
            for piece in render.split(
                render.reply_md(message, self._names), render.APP_MARKDOWN_LIMIT
            ):
                await self._app.send_markdown(user_id, piece)
            return
        channel = self._config.circle.channels.get("wecom")
        if not channel:
            raise PermanentError(
                "no way to reach the person: set circle.channels.wecom, or the app's "
                "WECOM_CORP_ID, WECOM_AGENT_ID and WECOM_APP_SECRET"
            )
        lead = RichText(Mention.person(person), " ")
        text = lead + message.text if message.text else lead
        shown = Reply(text=text, card=message.card, ephemeral=False)
        await self._post(channel, render.reply_md(shown, self._names))


def _person_of(row: OutRow) -> str | None:
    """The person a row is for, when it is a direct message (`@<person>`, payload owner)."""
    if not row.destination.startswith("@"):
        return None
    payload = row.payload if isinstance(row.payload, dict) else {}
    person = payload.get("person") or payload.get("owner") or row.destination[1:]
    return str(person) if person else None

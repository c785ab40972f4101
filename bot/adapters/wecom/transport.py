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
- Attachments (a chart, an export) go first, through the channel's robot: a PNG or JPEG of
  at most 2 MB as an image message, anything else uploaded (upload_media) and posted as a
  file. A direct message carries its files through the app (media/upload, then an image or
  file message); without the app it goes to the group, and a private file must not land
  there: it gets the files' fallback instead (a chart's table).
- Long messages go out in pieces of at most 4096 bytes (2048 for the app). A retry after a
  failure in the middle resends the earlier pieces: WeCom gives a robot post no id to
  check, so delivery is at least once, as everywhere in the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.adapters.outbound import person_of, read_files, without_files
from bot.adapters.wecom import render
from bot.adapters.wecom.api import App, Robot, is_robot_image
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

    def robot_of_chat(self, chat: str) -> str | None:
        """The robot key of the group a command came from (its chatid), when there is one for
        certain: mapped in platforms.wecom.webhooks, or the circle's group (whose robot the
        default key is). Another group's robot would post the answer in the wrong group."""
        wecom = self._config.platforms.wecom
        if chat in wecom.webhooks or chat == self._config.circle.channels.get("wecom"):
            return self.key_for(chat)
        return None

    async def send_files(self, channel: str, paths: Sequence[str], key: str | None = None) -> None:
        """Each file through the channel's robot; all are read before anything is sent."""
        key = key or self._key_or_fail(channel)
        for name, data in read_files(paths):
            if is_robot_image(data):
                await self._robot.send_image(key, data, channel=channel)
            else:
                await self._robot.send_file(key, name, data, channel=channel)

    @property
    def has_app(self) -> bool:
        return self._app is not None

    async def send_files_to(self, user_id: str, paths: Sequence[str]) -> None:
        """Each file to one person through the app (has_app says whether there is one)."""
        if self._app is None:
            raise PermanentError("files to one person need the app (WECOM_CORP_ID, ...)")
        for name, data in read_files(paths):
            await self._app.send_file(user_id, name, data)

    async def deliver(
        self, row: OutRow, message: Reply, *, update_ref: str | None, thread_ref: str | None
    ) -> str | None:
        person = person_of(row)
        if person is not None:
            await self._direct(row, person, message)
            return None
        if message.attachments:
            # Files first: a failed upload retries the row before any text went out.
            await self.send_files(row.destination, message.attachments)
            if message.text is None and message.card is None:
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
            if message.attachments:
                await self.send_files_to(user_id, message.attachments)
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
        message = without_files(message)
        lead = RichText(Mention.person(person), " ")
        text = lead + message.text if message.text else lead
        shown = Reply(text=text, card=message.card, ephemeral=False)
        await self._post(channel, render.reply_md(shown, self._names))

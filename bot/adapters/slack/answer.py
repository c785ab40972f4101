"""Where Slack answers go, and how they get there.

- A change to a case (an answer the handler made public) goes to the case's thread in the
  circle channel; without a card there yet, to the conversation it was asked in when that is
  in the circle channel, else to the circle channel itself. Never to another channel: case
  details do not land in #general. The asker gets a private pointer to it, unless they are
  looking at that very place.
- A read answer to an @mention in the circle channel is posted in the mention's thread; every
  other answer is private:
  - through the interaction's response_url for a slash command, and for a button inside a
    private message (the bot may not be in that channel, or it is a direct message between
    people): chat.postEphemeral would fail there with not_in_channel;
  - else chat.postEphemeral, into the thread only when the thread already has replies (Slack
    does not show an ephemeral message in a thread that does not exist yet), falling back to
    the response_url when Slack says the bot cannot post there;
  - else a direct message.
- Files cannot be ephemeral: a private answer's files go to the asker by direct message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.base import Dispatch
from bot.adapters.slack.blocks import blocks_for, fallback_text
from bot.adapters.slack.outbound import DEFAULT_TIMEOUT, upload_files
from bot.adapters.slack.payloads import Where
from bot.kernel.config import Config
from bot.kernel.i18n import t
from bot.kernel.messages import Reply
from storage.db import Database
from storage.outbox import card_has_replies, card_place

log = logging.getLogger(__name__)

PLATFORM = "slack"
# chat.postEphemeral errors that mean "the bot cannot post there", not "try again".
_NOT_THERE = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "no_permission"}
)
_SLACK_ID = re.compile(r"^[A-Z0-9]{2,32}$")
_KNOWN_THREADS = 10_000  # remembered (channel, thread) pairs the bot has posted into


class Answerer:
    def __init__(
        self,
        client: AsyncWebClient,
        config: Config,
        db: Database,
        router: Dispatch,
        retry_handlers: Sequence[AsyncRetryHandler],
    ) -> None:
        self.client = client
        self.config = config
        self.db = db
        self.router = router
        self.retry_handlers = list(retry_handlers)
        self._threads: dict[tuple[str, str], None] = {}

    # --- deciding where -----------------------------------------------------------------

    async def answer(
        self, text: str, reply: Reply, where: Where, locale: str, *, mention: bool = False
    ) -> None:
        if reply.kind == "answer" and not reply.ephemeral:
            await self._publish(text, reply, where, locale)
        elif mention and reply.kind == "answer" and where.channel == self._circle():
            await self.post(where, reply, locale)
        else:
            await self.tell(where, reply, locale)

    async def tell(self, where: Where, reply: Reply, locale: str) -> None:
        """A private answer: only the asker sees it."""
        if reply.attachments:
            await self._upload(Where(user_id=where.user_id), reply.attachments)
        await self.private(where, self.body(reply, locale))

    async def say_sorry(self, where: Where, locale: str, ref: str) -> None:
        try:
            await self.private(where, {"text": t(locale, "slack_sorry", ref=ref)})
        except Exception:
            log.exception("slack: could not tell %s about failure %s", where.user_id, ref)

    async def thread_known(self, channel: str, thread_ts: str) -> bool:
        """The bot has posted into this thread (here, or as the outbox under a card)."""
        if (channel, thread_ts) in self._threads:
            return True
        return await self.db.threads.read(card_has_replies, PLATFORM, channel, thread_ts)

    def _circle(self) -> str | None:
        return self.config.circle.channels.get(PLATFORM)

    async def _publish(self, text: str, reply: Reply, where: Where, locale: str) -> None:
        """A change to a case: to its thread or the circle channel; the asker gets a pointer."""
        case = self.router.case_of(text)
        place = None
        if case is not None:
            place = await self.db.threads.read(card_place, PLATFORM, f"case:{case}")
        circle = self._circle()
        if place is not None:
            dest = Where(where.user_id, place[0], place[1], thread_open=True)
        elif circle and where.channel == circle:
            dest = where  # asked in the circle channel: answered in that conversation
        elif circle:
            dest = Where(where.user_id, circle)
        else:
            await self.tell(where, reply, locale)  # no circle channel: never where it was typed
            return
        try:
            ts = await self.post(dest, reply, locale)
        except SlackApiError as exc:
            log.warning(
                "slack: could not post to %s (%s); the answer went to %s privately",
                dest.channel,
                _error(exc) or "error",
                where.user_id,
            )
            await self.tell(where, reply, locale)
            return
        if where.channel == dest.channel and where.thread_ts == dest.thread_ts:
            return  # they are looking at it
        await self.private(where, await self._pointer(dest, ts, case, locale))

    async def _pointer(
        self, dest: Where, ts: str | None, case: int | None, locale: str
    ) -> dict[str, Any]:
        channel = f"<#{dest.channel}>" if dest.channel and _SLACK_ID.match(dest.channel) else "#"
        link = ""
        message = dest.thread_ts or ts
        if dest.channel and message:
            try:
                resp = await self.client.chat_getPermalink(channel=dest.channel, message_ts=message)
                url = resp.get("permalink")
                if (
                    isinstance(url, str)
                    and url.startswith("https://")
                    and not re.search(r"[\s<>|]", url)
                ):
                    link = f" (<{url}|{t(locale, 'slack_open_link')}>)"
            except Exception as exc:  # the pointer still names the channel
                log.info("slack: no permalink for %s %s: %s", dest.channel, message, exc)
        if dest.thread_ts and case is not None:
            text = t(locale, "slack_posted_thread", case=case, channel=channel, link=link)
        else:
            text = t(locale, "slack_posted_channel", channel=channel, link=link)
        return {"text": text}

    # --- sending ------------------------------------------------------------------------

    def body(self, reply: Reply, locale: str) -> dict[str, Any]:
        body: dict[str, Any] = {"text": fallback_text(reply, self.config)}
        blocks = blocks_for(reply, self.config, locale=locale)
        if blocks:
            body["blocks"] = blocks
        return body

    async def post(self, where: Where, reply: Reply, locale: str) -> str | None:
        """In the open: the channel (or the user's direct message), in the thread if any."""
        kwargs: dict[str, Any] = {
            "channel": where.channel or where.user_id,
            "unfurl_links": False,
            **self.body(reply, locale),
        }
        if where.channel and where.thread_ts:
            kwargs["thread_ts"] = where.thread_ts
        await self._upload(where, reply.attachments)
        resp = await self.client.chat_postMessage(**kwargs)
        if where.channel and where.thread_ts:
            self._remember(where.channel, where.thread_ts)
        ts = resp.get("ts")
        return str(ts) if ts else None

    async def private(self, where: Where, body: Mapping[str, Any]) -> None:
        if where.via_url and where.response_url:
            await self._respond(where.response_url, body)
            return
        if where.channel is None:
            await self.client.chat_postMessage(channel=where.user_id, **body)
            return
        kwargs: dict[str, Any] = {"channel": where.channel, "user": where.user_id, **body}
        if where.thread_ts and where.thread_open:
            kwargs["thread_ts"] = where.thread_ts
        try:
            await self.client.chat_postEphemeral(**kwargs)
        except SlackApiError as exc:
            if where.response_url and _error(exc) in _NOT_THERE:
                await self._respond(where.response_url, body)
                return
            raise

    async def _respond(self, url: str, body: Mapping[str, Any]) -> None:
        """An ephemeral answer through an interaction's response_url (retried like the rest)."""
        hook = AsyncWebhookClient(
            url, timeout=cast(int, DEFAULT_TIMEOUT), retry_handlers=self.retry_handlers
        )
        sent = await hook.send_dict(
            {"response_type": "ephemeral", "replace_original": False, **body}
        )
        if sent.status_code != 200:
            raise RuntimeError(
                f"Slack refused the response_url answer: HTTP {sent.status_code} "
                f"{str(sent.body)[:200]}"
            )

    async def _upload(self, where: Where, paths: Sequence[str]) -> None:
        if not paths:
            return
        channel = where.channel
        if channel is None:
            opened = await self.client.conversations_open(users=where.user_id)
            channel = str(opened["channel"]["id"])
        thread = where.thread_ts if where.channel else None
        await upload_files(self.client, channel, paths, thread_ts=thread)

    def _remember(self, channel: str, thread_ts: str) -> None:
        self._threads[(channel, thread_ts)] = None
        while len(self._threads) > _KNOWN_THREADS:
            del self._threads[next(iter(self._threads))]


def _error(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    return str(data.get("error") or "") if isinstance(data, Mapping) else ""

"""Polling (`mode: polling`): getUpdates in a loop, the offset kept in the database.

Each update is handled, then recorded as handled (storage.telegram_state.handled), and the
next getUpdates asks from the one after it. A restart reads the offset back: nothing handled
is asked for again, nothing unhandled is skipped. A stop finishes the update in hand first.
An update handled but not yet recorded when the process was killed comes back once more and
is dropped by the update_id dedup (storage.inbound.first_time), so it never runs twice; one
killed in the middle of its handling is not run again either (at most once).

Updates are fetched as raw JSON (`do_api_request`), not parsed into PTB objects: one update
of a shape PTB does not expect must not stop the loop on it for ever.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from bot.adapters.telegram.client import describe, raw_call, retry_seconds
from bot.adapters.telegram.inbound import Inbound
from bot.kernel.clock import Clock
from storage import telegram_state as state
from storage.db import Database

if TYPE_CHECKING:
    from telegram import Bot

log = logging.getLogger(__name__)
BACKOFF_MAX = 60.0


class Polling:
    def __init__(
        self,
        bot: Bot,
        inbound: Inbound,
        db: Database,
        clock: Clock,
        *,
        long_poll: int,
        allowed: list[str],
    ) -> None:
        self.bot = bot
        self.inbound = inbound
        self.db = db
        self.clock = clock
        self.long_poll = long_poll
        self.allowed = allowed

    async def run(self) -> None:
        """Until cancelled; returns only when the token is refused for good."""
        from telegram import error as tg

        key = str(self.bot.id)
        last = await self.db.threads.read(state.last_update_id, key)
        offset = last + 1 if last is not None else None
        wait = 1.0
        while True:
            try:
                updates = await self.fetch(offset)
                wait = 1.0
            except tg.InvalidToken:
                log.error("telegram polling: the token was refused; polling stops")
                return
            except tg.RetryAfter as exc:
                await asyncio.sleep(retry_seconds(exc))
                continue
            except (tg.TelegramError, OSError) as exc:
                # A 5xx, a timeout, a Conflict (another poller or a webhook): try again.
                log.warning("telegram polling: %s; again in %gs", describe(exc), wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, BACKOFF_MAX)
                continue
            for update in updates:
                update_id = update.get("update_id") if isinstance(update, dict) else None
                if not isinstance(update_id, int):
                    continue
                current = asyncio.ensure_future(self._one(key, update, update_id))
                try:
                    await asyncio.shield(current)
                except asyncio.CancelledError:
                    # Stopping: the update in hand is finished and recorded first, so the
                    # next process neither loses it (dedup marked, never answered) nor
                    # runs it again.
                    await current
                    raise
                offset = update_id + 1

    async def _one(self, key: str, update: dict[str, Any], update_id: int) -> None:
        await self.inbound.update(update)
        await self.db.threads.write(state.handled, key, update_id, self.clock.now())

    async def fetch(self, offset: int | None) -> list[Any]:
        kwargs: dict[str, Any] = {"timeout": self.long_poll, "allowed_updates": self.allowed}
        if offset is not None:
            kwargs["offset"] = offset
        result = await raw_call(self.bot, "getUpdates", read_timeout=self.long_poll + 10, **kwargs)
        return list(result) if isinstance(result, list) else []

"""A delivery worker's hold on its destinations when several replicas deliver (storage.lanes):
claim the lanes with a due head, renew one before each row and while a send runs long, let it
go when the lane stops. Each database call runs in a thread, off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import timedelta

from bot.kernel.clock import Clock
from storage import lanes
from storage.db import Database
from storage.outbox import OutRow

log = logging.getLogger("jobs.outbox")

Lane = tuple[str, str]  # (platform, destination)


class LaneLeases:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        holder: str,
        lease: timedelta,
        lease_clock: Clock | None = None,
    ) -> None:
        self._db = db
        self._outbox_clock = clock  # whether a row is due
        # The lease's times (the wall clock in a process; tests may give one clock for both).
        self._clock = lease_clock or clock
        self._holder = holder
        # Renewed before each row and every third of this while a lane runs (a send or a
        # rate wait may take longer); a dead holder's lanes wait this long at most.
        self._lease = lease

    async def claim(self, ready: Mapping[Lane, OutRow]) -> dict[Lane, OutRow]:
        """The lanes now ours, each with its head as read after the claim."""
        if not ready:
            return {}
        now = self._clock.now()
        held = await asyncio.to_thread(
            lanes.claim,
            self._db,
            list(ready),
            self._holder,
            now,
            now + self._lease,
            self._outbox_clock.now(),
        )
        return dict(held)

    async def still_mine(self, lane: Lane) -> bool:
        """Renew the lane before a row; False when another replica has taken it."""
        now = self._clock.now()
        mine = await asyncio.to_thread(
            lanes.renew, self._db, lane, self._holder, now, now + self._lease
        )
        if not mine:
            log.warning("outbox: lane %s/%s was taken over; leaving it", *lane)
        return mine

    async def keep(self, lane: Lane) -> None:
        """Keep the lane while a send or a rate wait takes longer than its lease (until
        cancelled). Real time: the lease guards against a replica that stopped, whatever
        clock the tests run."""
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            now = self._clock.now()
            with contextlib.suppress(Exception):
                await asyncio.to_thread(
                    lanes.renew, self._db, lane, self._holder, now, now + self._lease
                )

    async def release(self, lane: Lane) -> None:
        with contextlib.suppress(Exception):
            await asyncio.to_thread(lanes.release, self._db, lane, self._holder)

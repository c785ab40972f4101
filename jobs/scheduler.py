"""APScheduler 3 in the bot's event loop: stable ids, one instance each, missed runs coalesced.

Jobs here are pollers. Deadlines (a circle seat's due time) are rows in the database that a
poller claims, never one-shot scheduler jobs: a one-shot job handed over just before the
process dies is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

# The most often a poller runs (seconds).
_SHORTEST = 0.02


class _StillRunning(logging.Filter):
    """A poller's run skipped because the last one is still going is how pollers work (the
    running one does what the skipped one would have): not a warning every 1/30 s of a demo."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


# A child of "apscheduler", so the level set for APScheduler's own logging applies to it.
_SCHEDULER_LOG = logging.getLogger("apscheduler.scheduler.arcircle")
_SCHEDULER_LOG.addFilter(_StillRunning())


def build_scheduler(timezone: str) -> AsyncIOScheduler:
    return AsyncIOScheduler(
        timezone=timezone,
        logger=_SCHEDULER_LOG,
        job_defaults={
            # A run missed while the process slept is done once on wake-up, not N times.
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": 60,
        },
    )


def add_interval_job(
    scheduler: AsyncIOScheduler,
    job_id: str,
    func: Callable[[], Awaitable[None]],
    every: timedelta,
    *,
    run_now: bool = False,
) -> None:
    async def guarded() -> None:
        try:
            await func()
        except asyncio.CancelledError:
            # Shutting down mid-run: the job is a poller, its next run picks up the rest.
            log.debug("job %s cancelled by shutdown", job_id)
        except Exception:
            # A failing job must not stop the others, nor the bot.
            log.exception("job %s failed", job_id)

    scheduler.add_job(
        guarded,
        # Not rounded to whole seconds: a demo clock running 60x faster ticks every 2 s of its
        # own time, 1/30 s of the wall's, or its reminders and escalations come a minute late.
        IntervalTrigger(seconds=max(_SHORTEST, every.total_seconds())),
        id=job_id,
        name=job_id,
        replace_existing=True,
        # APScheduler 3 reads an explicit next_run_time=None as "paused": leave it out then.
        **({"next_run_time": datetime.now(UTC)} if run_now else {}),
    )

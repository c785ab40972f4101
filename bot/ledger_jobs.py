"""The ledger's pollers without hands: the watched folder and the HTTP feed (bot.jobs_runner
adds them with one call). Each runs in a thread (asyncio.to_thread), like the file sync:
the import and the HTTP requests block."""

from __future__ import annotations

import asyncio
import os

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime, ledger_options
from jobs.ledger_feed import sync_feed
from jobs.ledger_watch import FolderWatcher
from jobs.scheduler import add_interval_job


def add_ledger_jobs(rt: Runtime, sched: AsyncIOScheduler) -> None:
    led = rt.config.ledger
    if led.watch is not None:
        watcher = FolderWatcher(
            rt.db, led.watch, ledger_options(rt.config, actor="ledger-watch"), rt.circle
        )

        async def watch() -> None:
            await asyncio.to_thread(watcher.run, rt.clock.now(), rt.today())

        add_interval_job(sched, "ledger_watch", watch, led.watch_every, run_now=True)
    if (feed := led.feed) is not None:
        options = ledger_options(rt.config, actor="ledger-feed")

        async def poll() -> None:
            await asyncio.to_thread(
                sync_feed,
                rt.db,
                feed,
                options,
                os.environ,
                now=rt.clock.now(),
                today=rt.today(),
                circle=rt.circle,
            )

        add_interval_job(sched, "ledger_feed", poll, feed.every, run_now=True)

"""The scheduler's pollers and the outbox worker of the process that holds the lease."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from datetime import timedelta
from typing import Any

from bot.kernel.capabilities import Capabilities, adapt
from bot.kernel.clock import SystemClock
from bot.kernel.i18n import t
from bot.kernel.messages import Reply
from bot.ledger_jobs import add_ledger_jobs
from bot.runtime import Runtime, ledger_options
from bot.telemetry import Telemetry
from jobs.audit import audit_checkpoint
from jobs.circle import predue_reminders, scan_overdue, tick, watch_limitation, watch_promises
from jobs.digest import DigestJob
from jobs.ledger_sync import sync_ledger
from jobs.outbox import OutboxWorker, Transport
from jobs.render import render_row
from jobs.scheduler import add_interval_job, build_scheduler
from storage import upkeep
from storage.leader import SchedulerLease
from storage.outbox import OutRow

log = logging.getLogger(__name__)

# How often a standby asks for the scheduler lease (and the leader checks it still holds it).
_RETRY_MIN, _RETRY_MAX = timedelta(seconds=0.5), timedelta(seconds=5)


def standby_retry(tick_every: timedelta) -> timedelta:
    """A standby asks once per tick interval (0.5 s to 5 s): the lock is free as soon as the
    leader's connection drops, so the circle's next tick is at most two intervals late."""
    return min(_RETRY_MAX, max(_RETRY_MIN, tick_every))


class Jobs:
    """The scheduler's pollers and the outbox worker, in the bot's event loop.

    Only the process holding the scheduler lease runs the pollers (scan, circle tick,
    watches); another process on the same database keeps trying and takes over when the
    holder dies. Every process runs an outbox worker: each destination's rows go out from the
    one replica that holds its lane (storage.lanes), in order.
    """

    def __init__(
        self,
        rt: Runtime,
        transports: Mapping[str, Transport],
        *,
        on_lease: Callable[[str], None] | None = None,
        retry_lease: timedelta | None = None,
        tick_every: timedelta | None = None,
        capabilities: Mapping[str, Capabilities] | None = None,
        telemetry: Telemetry | None = None,
        local: Collection[str] = (),
    ) -> None:
        self.rt = rt
        self.telemetry = telemetry
        # Messengers whose rows only this process can deliver (the console): the leader's.
        self.local = frozenset(local)
        # What each messenger can do (the console's and Slack's when not told: they edit).
        self.capabilities = capabilities or {}
        self.tick_every = tick_every or rt.config.circle.tick_every
        self.transports = transports
        self.lease = SchedulerLease(rt.db)
        self.scheduler = build_scheduler(rt.config.company.timezone)
        self._stop = asyncio.Event()  # the process is ending
        self._worker_task: asyncio.Task[None] | None = None  # every replica: shared lanes
        self._lead_stop = asyncio.Event()
        self._local_task: asyncio.Task[None] | None = None  # the leader: local messengers
        # Who this process is in storage.lanes: unique per run, readable in the table.
        self.holder = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._on_lease = on_lease
        self._retry_lease = retry_lease or standby_retry(self.tick_every)
        self.leading = False

    def start(self) -> None:
        shared = {p: t for p, t in self.transports.items() if p not in self.local}
        if shared:
            self._worker_task = asyncio.get_running_loop().create_task(
                self._deliver(shared, self._stop, holder=self.holder)
            )
        # Once, before the process serves anything: the loop has nobody to keep waiting yet.
        if self.lease.try_acquire():
            self._lead()
        else:
            if self._on_lease is not None:
                self._on_lease(t(self.rt.config.company.locale, "lease_waiting"))
            add_interval_job(self.scheduler, "lease", self._wait_for_lease, self._retry_lease)
        self.scheduler.start()

    async def _wait_for_lease(self) -> None:
        # Asking PostgreSQL for the lock is a round trip: not on the event loop.
        if self.leading or not await asyncio.to_thread(self.lease.try_acquire):
            return
        self._lead()
        self.scheduler.remove_job("lease")
        log.warning("took over the scheduler lease: this process now runs the circle")

    def _lead(self) -> None:
        self.leading = True
        self._add_jobs()
        add_interval_job(self.scheduler, "lease_check", self._check_lease, self._retry_lease)
        local = {p: t for p, t in self.transports.items() if p in self.local}
        if local:
            self._lead_stop = asyncio.Event()
            self._local_task = asyncio.get_running_loop().create_task(
                self._deliver(local, self._lead_stop, holder=None)
            )

    async def _check_lease(self) -> None:
        """A leader whose lease went away (its database connection dropped, so the server let
        the lock go) stops at once: another process may already be running the circle."""
        if await asyncio.to_thread(lambda: self.lease.held):
            return
        log.warning("lost the scheduler lease: stopping the circle jobs in this process")
        self.leading = False
        for job in self.scheduler.get_jobs():
            job.remove()
        # The shared outbox worker goes on (its lanes are leased row by row); the local one
        # (the console's) stops: another process's terminal now prints the circle.
        self._lead_stop.set()
        if self._local_task is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._local_task, timeout=5)
            self._local_task = None
        add_interval_job(self.scheduler, "lease", self._wait_for_lease, self._retry_lease)

    def _add_jobs(self) -> None:
        rt, cfg = self.rt, self.rt.config
        sched = self.scheduler
        source = cfg.ledger.source
        if source is not None:
            options = ledger_options(cfg, actor="ledger-sync")

            async def sync() -> None:
                await asyncio.to_thread(
                    sync_ledger, rt.db, source, options, rt.clock.now(), rt.today(), rt.circle
                )

            add_interval_job(sched, "ledger_sync", sync, cfg.ledger.sync_every, run_now=True)
        add_ledger_jobs(rt, sched)  # the watched folder and the HTTP feed
        triggers = cfg.circle.triggers

        async def scan() -> None:
            now, day = rt.clock.now(), rt.today()
            await self._timed(
                "scan",
                lambda: asyncio.to_thread(
                    scan_overdue, rt.db, rt.circle, today=day, now=now, stages=triggers.stages
                ),
            )
            await asyncio.to_thread(
                predue_reminders,
                rt.db,
                rt.circle,
                today=day,
                now=now,
                days=cfg.aging.stages.pre_due_days,
            )

        async def tick_() -> None:
            await self._timed(
                "tick", lambda: asyncio.to_thread(tick, rt.db, rt.circle, rt.clock.now())
            )

        async def promises() -> None:
            if triggers.broken_promise:
                await asyncio.to_thread(
                    watch_promises, rt.db, rt.circle, today=rt.today(), now=rt.clock.now()
                )

        async def limitation() -> None:
            await asyncio.to_thread(
                watch_limitation,
                rt.db,
                rt.circle,
                today=rt.today(),
                now=rt.clock.now(),
                years=triggers.limitation_years,
                warn_days=triggers.limitation_warn_days,
            )

        async def housekeeping() -> None:
            await asyncio.to_thread(upkeep.forget_inbound, rt.db, rt.clock.now())
            await asyncio.to_thread(upkeep.refresh_statistics, rt.db)

        if (checkpoints := rt.checkpoints) is not None:

            async def checkpoint() -> None:
                await asyncio.to_thread(audit_checkpoint, rt.db, checkpoints, rt.clock.now())

            add_interval_job(sched, "audit_checkpoint", checkpoint, cfg.audit.checkpoint_every)
        digests = DigestJob(rt.db, cfg, tuple(self.transports))

        async def digest() -> None:
            await asyncio.to_thread(digests.poll, rt.clock.now())

        # Not at once: its first poll back-fills 30 days, which must not delay the circle's
        # first tick (a sped-up demo clock turns a second of work into minutes).
        add_interval_job(sched, "digest", digest, timedelta(minutes=1))
        add_interval_job(sched, "overdue_scan", scan, timedelta(minutes=10), run_now=True)
        add_interval_job(sched, "housekeeping", housekeeping, timedelta(hours=6))
        add_interval_job(sched, "circle_tick", tick_, self.tick_every, run_now=True)
        add_interval_job(sched, "promise_watch", promises, timedelta(minutes=10), run_now=True)
        add_interval_job(sched, "limitation_watch", limitation, timedelta(hours=6), run_now=True)

    async def _timed(self, job: str, work: Callable[[], Awaitable[Any]]) -> Any:
        if self.telemetry is None:
            return await work()
        histogram = self.telemetry.tick_seconds if job == "tick" else self.telemetry.scan_seconds
        return await self.telemetry.timed(histogram, work)

    async def _deliver(
        self, transports: Mapping[str, Transport], stop: asyncio.Event, *, holder: str | None
    ) -> None:
        cfg = self.rt.config

        def render(row: OutRow) -> Reply | None:
            # The worker calls this in a thread, off the event loop.
            with self.rt.db.engine.connect() as conn:
                message = render_row(conn, row, cfg, self.rt.clock.now())
            caps = self.capabilities.get(row.platform)
            return message if message is None or caps is None else adapt(message, row.kind, caps)

        worker = OutboxWorker(
            self.rt.db,
            self.rt.clock,
            transports,
            render,
            rates={p: cfg.outbox.rate(p) for p in transports},
            max_attempts=cfg.outbox.max_attempts,
            backoff=cfg.outbox.backoff,
            backoff_max=cfg.outbox.backoff_max,
            on_sent=None if self.telemetry is None else self.telemetry.on_sent,
            holder=holder,
            # A lane's lease guards against a replica that stopped: wall-clock time, whatever
            # clock the circle runs on (a demo's scaled clock would expire it mid-send).
            lease_clock=SystemClock(),
        )
        await worker.run(stop, idle=0.2)

    async def stop(self) -> None:
        self._stop.set()
        self._lead_stop.set()
        self.scheduler.shutdown(wait=False)
        for task in (self._worker_task, self._local_task):
            if task is None:
                continue
            try:
                await asyncio.wait_for(task, timeout=5)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
        self.lease.release()

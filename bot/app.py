"""Wiring: config + database + clock + router, and the messengers and jobs around them."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Literal, TextIO, cast

from bot import http
from bot.adapters import registry
from bot.adapters.base import Messenger, Services, SetupError
from bot.audit_cli import audit_key, checkpoint_path
from bot.circle_env import circle_env
from bot.kernel.capabilities import Capabilities, adapt
from bot.kernel.clock import Clock, today
from bot.kernel.config import Config
from bot.kernel.i18n import t
from bot.kernel.identity import Identities
from bot.kernel.messages import Reply
from bot.router import Router
from jobs.audit import audit_checkpoint
from jobs.circle import predue_reminders, scan_overdue, tick, watch_limitation, watch_promises
from jobs.ledger_sync import sync_ledger
from jobs.outbox import OutboxWorker, Transport
from jobs.render import render_row
from jobs.scheduler import add_interval_job, build_scheduler
from storage import upkeep
from storage.circle import CircleEnv
from storage.db import Database
from storage.leader import SchedulerLease
from storage.ledger import ImportOptions, ImportResult
from storage.outbox import OutRow
from storage.sample import load_sample, sample_path

Command = Literal["run", "serve"]

log = logging.getLogger(__name__)


def ledger_options(config: Config, **overrides: object) -> ImportOptions:
    led = config.ledger
    values: dict[str, object] = {
        "columns": dict(led.columns),
        "date_format": led.date_format,
        "decimal_comma": led.decimal_comma,
        "encoding": led.encoding,
        "delimiter": led.delimiter,
        "sheet": led.sheet,
        "currency": led.currency or config.company.currency,
        "terms_days": led.terms_days,
        "max_amount": led.max_amount,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return ImportOptions(**values)  # type: ignore[arg-type]


@dataclass
class Runtime:
    config: Config
    db: Database
    clock: Clock
    router: Router
    circle: CircleEnv
    checkpoints: Path | None = None  # the audit trail's checkpoint file

    def today(self) -> date:
        return today(self.clock, self.config.company.zone)


def running_messengers(config: Config, command: Command = "run") -> tuple[str, ...]:
    """The messengers a process serves: enabled in the config, built in this version, and
    served by this command (`arcircle serve`: every one; `run`: those that need no public
    address, plus the console)."""
    return tuple(p.name for p in registry.enabled(config) if p.runs_in(config, command))


def unavailable_messengers(config: Config) -> list[str]:
    """Messengers the config enables that this build has no plugin for."""
    known = registry.plugins()
    return [
        name
        for name in type(config.platforms).model_fields
        if getattr(config.platforms, name).enabled and name not in known
    ]


def missing_env(config: Config, platform: str, env: Mapping[str, str]) -> list[str]:
    plugin = registry.plugin(platform)
    return [] if plugin is None else plugin.missing_env(config, env)


def build_runtime(
    config: Config,
    clock: Clock,
    database_url: str | None = None,
    platforms: tuple[str, ...] | None = None,
    env: Mapping[str, str] | None = None,
) -> Runtime:
    """`platforms`: the messengers this process will deliver to (default: every enabled one
    this version has); circle cards are written to the outbox for those only. `env`: where
    the audit key is read (default: the process environment)."""
    db = Database(database_url, audit_key=audit_key(os.environ if env is None else env))
    db.migrate()
    people = {
        key: {
            "name": p.name,
            "team": p.team,
            "role": p.role,
            "locale": p.locale,
        }
        for key, p in config.people.items()
    }
    upkeep.mirror_people(db, people, clock.now())
    upkeep.sync_identities(db, Identities(config).rows(), clock.now())
    circle = circle_env(config, running_messengers(config) if platforms is None else platforms)
    router = Router(db, config, clock, circle=circle)
    return Runtime(config, db, clock, router, circle, checkpoint_path(config, db.url))


def ensure_sample(rt: Runtime) -> ImportResult | None:
    """First run on an empty ledger: load the sample so there is something to see."""
    if not upkeep.ledger_is_empty(rt.db):
        return None
    if not sample_path().exists():
        log.warning("the ledger is empty and the sample %s is missing", sample_path())
        return None
    return load_sample(
        rt.db, currency=rt.config.company.currency, now=rt.clock.now(), today=rt.today()
    )


class StartError(RuntimeError):
    """A messenger cannot start as configured: one line that says what to fix."""


async def serve(
    rt: Runtime,
    command: Command,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    env: Mapping[str, str] | None = None,
    tick_every: timedelta | None = None,
    listen: tuple[str, int] | None = None,
    tuning: Mapping[str, float] | None = None,
    announce: Callable[[str], None] | None = None,
) -> None:
    """`arcircle run` or `serve`: every messenger of this command, the HTTP server when one
    takes HTTP (always under `serve`), and the jobs.

    Each messenger's credentials are checked before anything runs (StartError). The process
    lasts as long as its foreground: the console under `run` (end of input), the HTTP server
    under `serve`, else until it is stopped. A messenger's connection that ends for good is
    one line for the operator; the rest keeps running.
    """
    services = Services(
        router=rt.router,
        config=rt.config,
        db=rt.db,
        clock=rt.clock,
        env=os.environ if env is None else env,
        identities=rt.router.identities,
        stdin=stdin,
        stdout=stdout,
        tuning=tuning or {},
    )
    messengers = await start_messengers(rt.config, command, services)
    say = _operator(messengers)
    transports = {m.name: t for m in messengers if (t := m.transport()) is not None}
    jobs = Jobs(
        rt,
        transports,
        on_lease=say,
        tick_every=tick_every,
        capabilities={m.name: m.capabilities for m in messengers},
    )
    jobs.start()
    background: list[asyncio.Task[None]] = []
    foreground: Coroutine[Any, Any, None] | None = None
    for m in messengers:
        running = m.connection()
        if running is None:
            continue
        if m.foreground and foreground is None:
            foreground = running
            continue
        task = asyncio.create_task(running, name=f"{m.name} connection")
        task.add_done_callback(partial(_report_stop, title=_title(m.name), say=say))
        background.append(task)
    if command == "serve" or any(m.routes() for m in messengers):
        host, port = listen or rt.config.listen()
        app = http.http_app(messengers)
        if announce is not None:
            paths = [getattr(r, "path", "") for r in app.routes]
            announce(f"listening on {host}:{port}: {', '.join(paths)}")
        server = http.serve(app, host, port)
        if command == "serve":
            # What start-up made lives as long as the process: out of the collector's sight,
            # so a full collection in a burst of requests walks only what the requests made
            # (bench.serve: the first burst's ack p99 fell from 0.17-0.38 s to under 0.1 s).
            gc.collect()
            gc.freeze()
            foreground = server
        else:
            background.append(asyncio.create_task(server, name="http server"))
    try:
        if foreground is not None:
            await foreground
        else:
            await asyncio.Event().wait()  # until cancelled (Ctrl-C)
    finally:
        await jobs.stop()
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        for m in messengers:
            with contextlib.suppress(Exception):
                await m.stop()


async def start_messengers(config: Config, command: Command, services: Services) -> list[Messenger]:
    """Build and check every messenger of this command; a StartError names what to fix."""
    messengers = []
    for plugin in registry.enabled(config):
        if not plugin.runs_in(config, command):
            continue
        try:
            messenger = plugin.build(services)
            await messenger.start()
        except SetupError as exc:
            raise StartError(str(exc)) from None
        messengers.append(messenger)
    return messengers


async def serve_console(
    rt: Runtime,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    tick_every: timedelta | None = None,
    env: Mapping[str, str] | None = None,
    socket_ping: float = 10.0,
) -> None:
    """`arcircle run`: the console and every messenger with a connection of its own."""
    await serve(
        rt,
        "run",
        stdin=stdin,
        stdout=stdout,
        env=env,
        tick_every=tick_every,
        tuning={"slack.socket_ping": socket_ping},
    )


def _title(name: str) -> str:
    plugin = registry.plugin(name)
    return plugin.title if plugin is not None else name


def _operator(messengers: list[Messenger]) -> Callable[[str], None]:
    """Where a line for whoever runs the process goes: the foreground messenger when it can
    show one (the console), else the log."""
    for m in messengers:
        say = getattr(m, "say", None)
        if m.foreground and callable(say):
            return cast(Callable[[str], None], say)
    return lambda line: log.warning("%s", line)


def _report_stop(task: asyncio.Task[None], *, title: str, say: Callable[[str], None]) -> None:
    """A connection that ended for good: one line in the log and for the operator."""
    if task.cancelled() or task.exception() is None:
        return
    reason = str(task.exception())
    log.error("%s", reason)
    say(f"{reason} — {title} is not being served; fix it and restart arcircle")


class Jobs:
    """The scheduler's pollers and the outbox worker, in the bot's event loop.

    Only the process holding the scheduler lease runs them; another process on the same
    database keeps trying and takes over when the holder dies.
    """

    def __init__(
        self,
        rt: Runtime,
        transports: Mapping[str, Transport],
        *,
        on_lease: Callable[[str], None] | None = None,
        retry_lease: timedelta = timedelta(seconds=5),
        tick_every: timedelta | None = None,
        capabilities: Mapping[str, Capabilities] | None = None,
    ) -> None:
        self.rt = rt
        # What each messenger can do (the console's and Slack's when not told: they edit).
        self.capabilities = capabilities or {}
        self.tick_every = tick_every or rt.config.circle.tick_every
        self.transports = transports
        self.lease = SchedulerLease(rt.db)
        self.scheduler = build_scheduler(rt.config.company.timezone)
        self._stop = asyncio.Event()
        self._worker_task: asyncio.Task[None] | None = None
        self._on_lease = on_lease
        self._retry_lease = retry_lease
        self.leading = False

    def start(self) -> None:
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
        self._stop = asyncio.Event()
        self._add_jobs()
        add_interval_job(self.scheduler, "lease_check", self._check_lease, self._retry_lease)
        self._worker_task = asyncio.get_running_loop().create_task(self._deliver())

    async def _check_lease(self) -> None:
        """A leader whose lease went away (its database connection dropped, so the server let
        the lock go) stops at once: another process may already be running the circle."""
        if await asyncio.to_thread(lambda: self.lease.held):
            return
        log.warning("lost the scheduler lease: stopping the circle jobs in this process")
        self.leading = False
        for job in self.scheduler.get_jobs():
            job.remove()
        self._stop.set()
        if self._worker_task is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._worker_task, timeout=5)
            self._worker_task = None
        add_interval_job(self.scheduler, "lease", self._wait_for_lease, self._retry_lease)

    def _add_jobs(self) -> None:
        rt, cfg = self.rt, self.rt.config
        sched = self.scheduler
        source = cfg.ledger.source
        if source is not None:
            options = ledger_options(cfg, actor="ledger-sync")

            async def sync() -> None:
                await asyncio.to_thread(
                    sync_ledger, rt.db, source, options, rt.clock.now(), rt.today()
                )

            add_interval_job(sched, "ledger_sync", sync, cfg.ledger.sync_every, run_now=True)
        triggers = cfg.circle.triggers

        async def scan() -> None:
            now, day = rt.clock.now(), rt.today()
            await asyncio.to_thread(
                scan_overdue, rt.db, rt.circle, today=day, now=now, stages=triggers.stages
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
            await asyncio.to_thread(tick, rt.db, rt.circle, rt.clock.now())

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
        add_interval_job(sched, "overdue_scan", scan, timedelta(minutes=10), run_now=True)
        add_interval_job(sched, "housekeeping", housekeeping, timedelta(hours=6))
        add_interval_job(sched, "circle_tick", tick_, self.tick_every, run_now=True)
        add_interval_job(sched, "promise_watch", promises, timedelta(minutes=10), run_now=True)
        add_interval_job(sched, "limitation_watch", limitation, timedelta(hours=6), run_now=True)

    async def _deliver(self) -> None:
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
            self.transports,
            render,
            rates={p: cfg.outbox.rate(p) for p in self.transports},
            max_attempts=cfg.outbox.max_attempts,
            backoff=cfg.outbox.backoff,
            backoff_max=cfg.outbox.backoff_max,
        )
        await worker.run(self._stop, idle=0.2)

    async def stop(self) -> None:
        self._stop.set()
        self.scheduler.shutdown(wait=False)
        if self._worker_task is not None:
            try:
                await asyncio.wait_for(self._worker_task, timeout=5)
            except (TimeoutError, asyncio.CancelledError):
                self._worker_task.cancel()
        self.lease.release()

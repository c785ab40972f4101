"""Running: every messenger of `arcircle run` or `serve`, the HTTP server and the jobs."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import Callable, Coroutine, Mapping
from datetime import timedelta
from functools import partial
from typing import Any, TextIO, cast

from bot import http
from bot.adapters import registry
from bot.adapters.base import Messenger, Services, SetupError
from bot.jobs_runner import Jobs
from bot.kernel.config import Config
from bot.runtime import (
    Command,
    Runtime,
    build_runtime,
    ensure_sample,
    ledger_options,
    missing_env,
    running_messengers,
    unavailable_messengers,
)
from bot.telemetry import Telemetry

# What callers (the CLI, tests) import from here.
__all__ = [
    "Command",
    "Jobs",
    "Runtime",
    "StartError",
    "build_runtime",
    "ensure_sample",
    "ledger_options",
    "missing_env",
    "running_messengers",
    "serve",
    "serve_console",
    "unavailable_messengers",
]

log = logging.getLogger(__name__)


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
    telemetry = Telemetry(
        rt.db,
        rt.clock,
        [m.name for m in messengers],
        token=services.env.get("ARCIRCLE_METRICS_TOKEN", "").strip(),
    )
    rt.router.observe = telemetry.on_command
    jobs = Jobs(
        rt,
        transports,
        on_lease=say,
        tick_every=tick_every,
        capabilities={m.name: m.capabilities for m in messengers},
        telemetry=telemetry,
        local=[m.name for m in messengers if m.local_delivery],
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
        app = http.http_app(messengers, telemetry)
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

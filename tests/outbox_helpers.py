"""The real outbox worker on a test's fake clock, rendering rows as `arcircle` does, for the
messengers' whole-circle tests (any rig with `rt`, `clock` and `messenger`)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, Protocol

from bot.adapters.base import Messenger
from bot.kernel.capabilities import adapt
from bot.kernel.clock import FakeClock
from bot.kernel.messages import Reply
from bot.runtime import Runtime
from jobs.outbox import OutboxWorker
from jobs.render import render_row
from storage import outbox as ob
from storage.circle import load_case
from storage.outbox import OutRow


class Driven(Protocol):
    rt: Runtime
    clock: FakeClock
    messenger: Messenger


def outbox(r: Driven) -> OutboxWorker:
    """The worker for the rig's messenger; its waits move the fake clock."""
    caps = r.messenger.capabilities
    platform = r.messenger.name

    def render(row: OutRow) -> Reply | None:
        with r.rt.db.engine.connect() as conn:
            message = render_row(conn, row, r.rt.config, r.clock.now())
        return None if message is None else adapt(message, row.kind, caps)

    async def sleep(seconds: float) -> None:
        r.clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)

    transport = r.messenger.transport()
    assert transport is not None
    return OutboxWorker(
        r.rt.db,
        r.clock,
        {platform: transport},
        render,
        rates={platform: r.rt.config.outbox.rate(platform)},
        monotonic=lambda: r.clock.now().timestamp(),
        sleep=sleep,
    )


async def deliver(r: Driven, worker: OutboxWorker, rounds: int = 40) -> None:
    """Until nothing is pending, five fake seconds between passes."""
    for _ in range(rounds):
        await worker.run_once()
        with r.rt.db.engine.connect() as conn:
            if not ob.listing(conn, ("pending",)):
                return
        r.clock.advance(timedelta(seconds=5))
    raise AssertionError("outbox rows still pending")


def case(r: Driven, case_id: int = 1) -> Any:
    with r.rt.db.engine.connect() as conn:
        view = load_case(conn, case_id)
    assert view is not None
    return view


def enqueue_row(
    r: Driven, key: str, kind: str, destination: str, *, ref_key: str | None = None, **payload: str
) -> None:
    """One outbox row for the rig's messenger, written now."""
    with r.rt.db.engine.begin() as conn:
        ob.enqueue(
            conn,
            key=key,
            platform=r.messenger.name,
            destination=destination,
            kind=kind,
            payload=payload,
            now=r.clock.now(),
            ref_key=ref_key,
        )


def outbox_rows(r: Driven) -> list[OutRow]:
    """Every row sent, pending or parked, in id order."""
    with r.rt.db.engine.begin() as conn:
        return ob.listing(conn, ("pending", "parked", "sent"))

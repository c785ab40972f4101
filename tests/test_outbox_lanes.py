"""Delivery from any replica (storage.lanes, jobs.outbox with a holder): several workers on one
database deliver every row exactly once, each destination's rows in order, and a worker that
died leaves its destinations to the others when its lease runs out. On SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.kernel.clock import FakeClock
from bot.kernel.messages import Reply
from jobs.outbox import OutboxWorker
from storage import lanes
from storage import outbox as ob
from storage.db import Database
from storage.outbox import OutRow

NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
LEASE = timedelta(seconds=15)


class Sink:
    """A messenger that records who sent what, in the order it arrived."""

    def __init__(self, name: str, log: list[tuple[str, str, int]]) -> None:
        self.name = name
        self.log = log

    async def deliver(
        self, row: OutRow, message: Reply, *, update_ref: str | None, thread_ref: str | None
    ) -> str | None:
        await asyncio.sleep(0)  # let the other replica in between rows
        self.log.append((self.name, row.destination, row.id))
        return None


def worker(db: Database, clock: FakeClock, holder: str, log: list[tuple[str, str, int]]):
    async def sleep(seconds: float) -> None:
        await asyncio.sleep(0)

    return OutboxWorker(
        db,
        clock,
        {"fake": Sink(holder, log)},
        lambda row: Reply(text=f"row {row.id}"),
        rates={"fake": (1000, timedelta(seconds=1))},
        monotonic=lambda: clock.now().timestamp(),
        sleep=sleep,
        per_pass=7,  # a lane gives way now and then: the other replica may take it
        holder=holder,
        lane_lease=LEASE,
    )


def fill(db: Database, destinations: int, rows: int) -> int:
    with db.engine.begin() as conn:
        for n in range(rows):
            for d in range(destinations):
                ob.enqueue(
                    conn,
                    key=f"r{d}-{n}",
                    platform="fake",
                    destination=f"#chan{d}",
                    kind="escalation",
                    payload={"n": n},
                    now=NOW,
                )
    return destinations * rows


async def test_two_replicas_deliver_every_row_once_and_in_order(db: Database) -> None:
    clock = FakeClock(NOW)
    total = fill(db, destinations=6, rows=25)
    log: list[tuple[str, str, int]] = []
    a, b = worker(db, clock, "a", log), worker(db, clock, "b", log)
    for _ in range(40):
        await asyncio.gather(a.run_once(), b.run_once())
        if len(log) >= total:
            break
    ids = [row_id for _, _, row_id in log]
    assert len(ids) == total and len(set(ids)) == total  # every row, none twice
    for d in range(6):
        mine = [row_id for _, dest, row_id in log if dest == f"#chan{d}"]
        assert mine == sorted(mine), f"#chan{d} out of order"
    assert {who for who, _, _ in log} == {"a", "b"}  # both replicas delivered
    with db.engine.connect() as conn:
        assert not ob.listing(conn, ("pending",))


async def test_a_dead_replicas_lane_waits_for_its_lease_then_moves(db: Database) -> None:
    clock = FakeClock(NOW)
    fill(db, destinations=1, rows=3)
    # Replica "a" claimed the lane and died before sending anything.
    held = lanes.claim(db, [("fake", "#chan0")], "a", clock.now(), clock.now() + LEASE)
    assert [lane for lane, _ in held] == [("fake", "#chan0")]
    log: list[tuple[str, str, int]] = []
    b = worker(db, clock, "b", log)
    assert await b.run_once() == 0  # not b's while a's lease runs
    clock.advance(LEASE + timedelta(seconds=1))
    assert await b.run_once() == 3
    assert [who for who, _, _ in log] == ["b", "b", "b"]


def test_a_lane_taken_over_is_no_longer_renewed_by_its_old_holder(db: Database) -> None:
    lane = ("fake", "#chan0")
    fill(db, destinations=1, rows=1)
    assert lanes.claim(db, [lane], "a", NOW, NOW + LEASE)
    assert not lanes.claim(db, [lane], "b", NOW + timedelta(seconds=5), NOW + LEASE * 2)
    assert lanes.renew(db, lane, "a", NOW + timedelta(seconds=5), NOW + LEASE * 2)
    later = NOW + LEASE * 3  # a stopped renewing
    assert lanes.claim(db, [lane], "b", later, later + LEASE)
    assert not lanes.renew(db, lane, "a", later, later + LEASE)
    lanes.release(db, lane, "a")  # not a's to let go: b keeps it
    assert not lanes.claim(db, [lane], "c", later, later + LEASE)


def test_a_lane_with_nothing_due_is_let_go_at_once(db: Database) -> None:
    assert lanes.claim(db, [("fake", "#empty")], "a", NOW, NOW + LEASE) == []
    fill(db, destinations=1, rows=1)
    assert lanes.claim(db, [("fake", "#chan0")], "b", NOW, NOW + LEASE)

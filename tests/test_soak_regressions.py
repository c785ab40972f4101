"""Fast regression tests for what the soak tests (tests/test_soak_*.py) found. These are not
marked `soak`: they run in `make test`, each in well under a second."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bot.jobs_runner import standby_retry
from bot.kernel.clock import FakeClock
from bot.kernel.messages import Reply
from jobs.outbox import OutboxWorker
from storage import outbox as ob
from storage import upkeep
from storage.db import Database
from storage.identity import Row
from storage.outbox import OutRow

NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)


class _Id:
    def __init__(self, person: str, messenger: str, external_id: str) -> None:
        self.person, self.messenger, self.external_id = person, messenger, external_id


def test_replicas_starting_together_all_start(db: Database) -> None:
    """Three replicas mirror the config's people and ids at the same moment: none fails on
    the unique keys (one used to exit at start-up), and each id is added (and audited) once."""
    people = {f"p{n}": {"name": f"P {n}", "team": "sales"} for n in range(20)}
    rows: list[Row] = [_Id(f"p{n}", "telegram", str(1000 + n)) for n in range(20)]
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def replica() -> None:
        mine = Database(db.url)
        try:
            start.wait()
            upkeep.mirror_people(mine, people, NOW)
            upkeep.sync_identities(mine, rows, NOW)
        except BaseException as exc:
            errors.append(exc)
        finally:
            mine.dispose()

    threads = [threading.Thread(target=replica) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    with db.engine.connect() as conn:
        ids = conn.execute(sa.text("SELECT count(*) FROM identity")).scalar_one()
        added = conn.execute(
            sa.text("SELECT count(*) FROM audit_log WHERE action = 'identity.add'")
        ).scalar_one()
    assert (ids, added) == (20, 20)


def test_a_standby_asks_for_the_lease_once_per_tick_interval() -> None:
    """A leader killed with SIGKILL lets its lock go at once; the standby's next try takes
    it, so the circle's tick is at most two intervals late (it used to try every 5 s)."""
    assert standby_retry(timedelta(seconds=1)) == timedelta(seconds=1)
    assert standby_retry(timedelta(seconds=2)) == timedelta(seconds=2)
    assert standby_retry(timedelta(milliseconds=30)) == timedelta(seconds=0.5)  # a demo clock
    assert standby_retry(timedelta(minutes=1)) == timedelta(seconds=5)


class _Slow:
    """A messenger whose send takes a while: long enough for a scaled clock to run past the
    lane's lease."""

    def __init__(self, clock: FakeClock, log: list[tuple[str, int]], name: str) -> None:
        self.clock, self.log, self.name = clock, log, name
        self.sending = asyncio.Event()

    async def deliver(
        self, row: OutRow, message: Reply, *, update_ref: str | None, thread_ref: str | None
    ) -> str | None:
        self.clock.advance(timedelta(minutes=5))  # the demo clock runs on meanwhile
        self.sending.set()
        await asyncio.sleep(0.2)
        self.log.append((self.name, row.id))
        return None


async def test_a_lane_lease_runs_on_the_wall_clock_not_the_demo_clock(db: Database) -> None:
    """Under `--clock-speed`, a send outlasting 15 s of the scaled clock left the lane's lease
    expired mid-send: another replica took the lane and sent the same row again. The lease
    now runs on its own (wall) clock, which a scaled clock does not move."""
    demo = FakeClock(NOW)
    wall = FakeClock(NOW)
    with db.engine.begin() as conn:
        for n in range(3):
            ob.enqueue(
                conn,
                key=f"r{n}",
                platform="fake",
                destination="#c",
                kind="escalation",
                payload={},
                now=NOW,
            )
    log: list[tuple[str, int]] = []
    sinks = {name: _Slow(demo, log, name) for name in ("a", "b")}

    def replica(name: str) -> OutboxWorker:
        return OutboxWorker(
            db,
            demo,
            {"fake": sinks[name]},
            lambda row: Reply(text=f"row {row.id}"),
            rates={"fake": (1000, timedelta(seconds=1))},
            holder=name,
            lease_clock=wall,
        )

    a, b = replica("a"), replica("b")
    first = asyncio.create_task(a.run_once())
    await sinks["a"].sending.wait()
    assert await b.run_once() == 0  # a is mid-send: the lane is a's
    await first
    for _ in range(5):
        await asyncio.gather(a.run_once(), b.run_once())
    ids = [row_id for _, row_id in log]
    assert sorted(ids) == ids and len(set(ids)) == len(ids) == 3, log

"""The outbox through a messenger outage (hypothesis): for a minute the fake messenger answers
429 with Retry-After and 5xx in any pattern, to two replicas delivering side by side. After
it, every message has been delivered exactly once (the fake never accepts and then fails),
each destination's in the order written, and none was parked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.kernel.clock import FakeClock
from bot.kernel.messages import Reply, RetryAfter, TransientError
from jobs.outbox import OutboxWorker
from storage import outbox as ob
from storage.db import Database
from storage.outbox import OutRow

NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
OUTAGE = timedelta(seconds=60)

# What the messenger says to one send during the outage.
ANSWERS = st.lists(
    st.one_of(
        st.tuples(st.just("429"), st.integers(min_value=1, max_value=30)),
        st.tuples(st.just("5xx"), st.just(0)),
        st.tuples(st.just("ok"), st.just(0)),
    ),
    min_size=1,
    max_size=30,
)


class Flaky:
    def __init__(self, clock: FakeClock, answers: list[tuple[str, int]], log: list[int]) -> None:
        self.clock = clock
        self.answers = answers
        self.calls = 0
        self.log = log

    async def deliver(
        self, row: OutRow, message: Reply, *, update_ref: str | None, thread_ref: str | None
    ) -> str | None:
        await asyncio.sleep(0)
        if self.clock.now() < NOW + OUTAGE:
            kind, seconds = self.answers[self.calls % len(self.answers)]
            self.calls += 1
            if kind == "429":
                raise RetryAfter(seconds, "429 Too Many Requests")
            if kind == "5xx":
                raise TransientError("HTTP 502")
        self.log.append(row.id)
        return None


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ANSWERS, ANSWERS)
def test_nothing_lost_or_reordered_through_a_minute_of_429_and_5xx(
    tmp_path_factory: object, first: list[tuple[str, int]], second: list[tuple[str, int]]
) -> None:
    path: Path = tmp_path_factory.mktemp("faults") / "db.sqlite"  # type: ignore[attr-defined]
    db = Database(f"sqlite:///{path}")
    db.migrate()
    try:
        asyncio.run(_outage(db, first, second))
    finally:
        db.dispose()


async def _outage(
    db: Database, first: list[tuple[str, int]], second: list[tuple[str, int]]
) -> None:
    clock = FakeClock(NOW)
    written: dict[str, list[int]] = {}
    with db.engine.begin() as conn:
        for n in range(8):
            for d in range(3):
                ob.enqueue(
                    conn,
                    key=f"k{d}-{n}",
                    platform="fake",
                    destination=f"#c{d}",
                    kind="escalation",
                    payload={"n": n},
                    now=NOW,
                )
    with db.engine.connect() as conn:
        for row in ob.listing(conn, ("pending",)):
            written.setdefault(row.destination, []).append(row.id)
    log: list[int] = []

    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)

    def worker(holder: str, answers: list[tuple[str, int]]) -> OutboxWorker:
        return OutboxWorker(
            db,
            clock,
            {"fake": Flaky(clock, answers, log)},
            lambda row: Reply(text="x"),
            rates={"fake": (5, timedelta(seconds=1))},
            max_attempts=100,
            backoff=timedelta(seconds=2),
            backoff_max=timedelta(seconds=20),
            monotonic=lambda: clock.now().timestamp(),
            sleep=sleep,
            holder=holder,
            lane_lease=timedelta(seconds=15),
        )

    a, b = worker("a", first), worker("b", second)
    for _ in range(400):
        await asyncio.gather(a.run_once(), b.run_once())
        with db.engine.connect() as conn:
            if not ob.listing(conn, ("pending",)):
                break
        clock.advance(timedelta(seconds=1))
    with db.engine.connect() as conn:
        assert not ob.listing(conn, ("pending",)), "messages still waiting"
        assert not ob.listing(conn, ("parked",)), "messages parked"
    assert sorted(log) == sorted(i for ids in written.values() for i in ids)  # each once
    for dest, ids in written.items():
        assert [i for i in log if i in set(ids)] == ids, f"{dest} out of order"

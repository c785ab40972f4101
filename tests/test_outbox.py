"""The outbox: idempotent enqueue, the delivery worker's order, rate, retries and parking, and
`arcircle outbox` (both databases).

The worker runs on a virtual-time event loop: when nothing is ready, the loop jumps to its next
timer instead of waiting, so `asyncio.sleep(30)` (and a send timeout) takes no real time. The
worker's `monotonic` is that loop's clock and its wall clock moves with it, so a test can
assert what a real run would do second by second, deterministically. The worker's database
calls run in threads: while one is under way the loop waits for it in real time, as a real
loop would, instead of jumping ahead.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import random
import selectors
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot import outbox_cli
from bot.kernel.clock import FakeClock
from bot.kernel.messages import PermanentError, Reply, RetryAfter, TransientError
from jobs.outbox import OutboxWorker, scrub
from storage import outbox as ob
from storage.db import Database
from storage.outbox import OutRow

T0 = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
ONE_PER_SECOND = {"slack": (1, timedelta(seconds=1)), "telegram": (1, timedelta(seconds=1))}
EPS = 1e-6


# --- virtual time -----------------------------------------------------------------------------


class _VirtualSelector(selectors.DefaultSelector):
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.threads: set[asyncio.Future[Any]] = set()  # work handed to the executor

    def select(self, timeout: float | None = None) -> list[Any]:
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if any(not f.done() for f in self.threads):
            # A thread is working: it wakes the loop when it is done (its result reaches the
            # loop through the self-pipe). Time must not jump past it meanwhile.
            return super().select(5)
        if timeout is None:  # nothing scheduled: only another thread could wake the loop
            ready = super().select(5)
            if not ready:
                raise RuntimeError("virtual loop: nothing scheduled and nothing to wait for")
            return ready
        self.now += timeout  # idle until the next timer: jump there
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._virtual = _VirtualSelector()
        super().__init__(self._virtual)

    def time(self) -> float:
        return self._virtual.now

    def run_in_executor(self, executor: Any, func: Any, *args: Any) -> asyncio.Future[Any]:
        future = super().run_in_executor(executor, func, *args)
        self._virtual.threads.add(future)
        future.add_done_callback(self._virtual.threads.discard)
        return future

    def go(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.run_until_complete(coro)


class LoopClock:
    """The wall clock of the virtual loop: T0 plus the loop's seconds."""

    def __init__(self, loop: VirtualLoop, start: datetime = T0) -> None:
        self.loop = loop
        self.start = start

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.loop.time())


@pytest.fixture
def loop() -> Iterator[VirtualLoop]:
    vloop = VirtualLoop()
    yield vloop
    pending = [t for t in asyncio.all_tasks(vloop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        vloop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    vloop.close()


# --- a scripted messenger ---------------------------------------------------------------------

HANG = "hang"  # the call never finishes: the worker's send timeout has to end it
NO_ID = "no-id"  # accepted, but the messenger gives no message id


@dataclass(frozen=True)
class Call:
    t: float
    platform: str
    destination: str
    key: str
    update_ref: str | None
    thread_ref: str | None
    text: str | None
    outcome: str


class FakeTransport:
    def __init__(self, loop: VirtualLoop, script: dict[str, list[Any]] | None = None) -> None:
        self.loop = loop
        self.script = script or {}
        self.calls: list[Call] = []

    async def deliver(
        self, row: OutRow, message: Reply, *, update_ref: str | None, thread_ref: str | None
    ) -> str | None:
        steps = self.script.get(row.key)
        step = steps.pop(0) if steps else None
        label = "ok" if step is None else step if isinstance(step, str) else repr(step)
        if isinstance(step, str) and step not in (HANG, NO_ID):
            label = "ok"
        self.calls.append(
            Call(
                self.loop.time(),
                row.platform,
                row.destination,
                row.key,
                update_ref,
                thread_ref,
                message.text,
                label,
            )
        )
        if step == HANG:
            await asyncio.Future()  # never resolves
        if isinstance(step, BaseException):
            raise step
        if step == NO_ID:
            return None
        if isinstance(step, str):
            return step
        return update_ref or f"m-{row.key}"  # an edit keeps the message's id

    def delivered(self, destination: str | None = None) -> list[str]:
        return [
            c.key
            for c in self.calls
            if c.outcome in ("ok", NO_ID) and destination in (None, c.destination)
        ]

    def times(self, destination: str) -> list[float]:
        return [c.t for c in self.calls if c.destination == destination]


def render(row: OutRow) -> Reply | None:
    text = row.payload["text"]  # KeyError for a payload without text: a render failure
    return None if text is None else Reply(text=text)


def enqueue(
    db: Database,
    key: str,
    destination: str = "C1",
    *,
    platform: str = "slack",
    kind: str = "alert",
    text: str | None = "hi",
    ref_key: str | None = None,
    now: datetime = T0,
    payload: dict[str, Any] | None = None,
) -> bool:
    with db.engine.begin() as conn:
        return ob.enqueue(
            conn,
            key=key,
            platform=platform,
            destination=destination,
            kind=kind,
            payload={"text": text} if payload is None else payload,
            now=now,
            ref_key=ref_key,
        )


def by_key(db: Database) -> dict[str, OutRow]:
    with db.engine.connect() as conn:
        return {r.key: r for r in ob.listing(conn, ob.STATUSES, 100_000)}


def status_counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return ob.counts(conn)


def make_worker(
    db: Database,
    loop: VirtualLoop,
    transport: FakeTransport,
    **options: Any,
) -> OutboxWorker:
    options.setdefault("rates", ONE_PER_SECOND)
    return OutboxWorker(
        db,
        LoopClock(loop),
        {"slack": transport, "telegram": transport},
        options.pop("render", render),
        monotonic=loop.time,
        **options,
    )


async def drain(db: Database, worker: OutboxWorker, deadline: float = 3600.0) -> float:
    """Run the worker until nothing is pending; the virtual seconds it took."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    stop = asyncio.Event()

    async def watch() -> None:
        while status_counts(db)["pending"]:
            if loop.time() - start > deadline:
                raise AssertionError(f"still pending after {deadline}s: {status_counts(db)}")
            await asyncio.sleep(0.25)
        stop.set()

    await asyncio.gather(worker.run(stop, idle=0.5), watch())
    return loop.time() - start


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


# --- storage ----------------------------------------------------------------------------------


def test_enqueue_is_idempotent_and_runs_in_the_callers_transaction(db: Database) -> None:
    assert enqueue(db, "alert:7:1") is True
    assert enqueue(db, "alert:7:1", text="again") is False
    rows = by_key(db)
    assert list(rows) == ["alert:7:1"] and rows["alert:7:1"].payload == {"text": "hi"}
    row = rows["alert:7:1"]
    assert row.status == "pending" and row.attempts == 0
    assert row.next_attempt_at == T0 and row.next_attempt_at.tzinfo is not None

    # The caller's rollback takes the row with it.
    with pytest.raises(RuntimeError), db.engine.begin() as conn:
        ob.enqueue(
            conn, key="rolled-back", platform="slack", destination="C1", kind="alert",
            payload={"text": "x"}, now=T0,
        )  # fmt: skip
        raise RuntimeError("the state change failed")
    assert "rolled-back" not in by_key(db)
    with pytest.raises(ValueError), db.engine.begin() as conn:
        ob.enqueue(
            conn, key="k" * 201, platform="slack", destination="C1", kind="alert",
            payload={}, now=T0,
        )  # fmt: skip


def test_due_heads_one_per_destination_and_a_waiting_head_holds_back(db: Database) -> None:
    for key, dest in [("a1", "A"), ("a2", "A"), ("b1", "B"), ("b2", "B"), ("c1", "C")]:
        enqueue(db, key, dest)
    enqueue(db, "t1", "T", platform="telegram")
    ids = {k: r.id for k, r in by_key(db).items()}
    with db.engine.begin() as conn:
        # a1 waits for a retry: a2 must not overtake it.
        wait = T0 + timedelta(seconds=5)
        ob.mark_retry(conn, ids["a1"], attempts=1, next_attempt_at=wait, error="HTTP 502")
        # b1 is parked and c1 sent: neither blocks.
        ob.park(conn, ids["b1"], T0, "channel_not_found")
        ob.mark_sent(conn, ids["c1"], T0, "m1")
    with db.engine.connect() as conn:
        heads = ob.due_heads(conn, T0, ["slack"])
        assert [h.key for h in heads] == ["b2"]
        later = ob.due_heads(conn, T0 + timedelta(seconds=5), ["slack", "telegram"])
        assert [h.key for h in later] == ["a1", "b2", "t1"]
        assert ob.due_heads(conn, T0, []) == []
        assert ob.destination_head(conn, "slack", "A", T0) is None
        head = ob.destination_head(conn, "slack", "A", T0 + timedelta(seconds=5))
        assert head is not None and head.key == "a1"
        assert ob.destination_head(conn, "slack", "C", T0) is None


def test_card_ref_newer_update_and_errors_are_clipped(db: Database) -> None:
    enqueue(db, "card", kind="card", ref_key="case:1")
    enqueue(db, "u1", kind="card_update", ref_key="case:1")
    enqueue(db, "u2", kind="card_update", ref_key="case:1")
    enqueue(db, "other", kind="card_update", ref_key="case:2")
    rows = by_key(db)
    with db.engine.begin() as conn:
        assert ob.card_ref(conn, "slack", "case:1") is None
        ob.mark_sent(conn, rows["card"].id, T0, "m-card")
        assert ob.card_ref(conn, "slack", "case:1") == "m-card"
        assert ob.card_ref(conn, "telegram", "case:1") is None
        assert ob.newer_update_pending(conn, rows["u1"]) is True
        assert ob.newer_update_pending(conn, rows["u2"]) is False
        ob.mark_superseded(conn, rows["u1"].id, T0)
        ob.mark_retry(conn, rows["u2"].id, attempts=1, next_attempt_at=T0, error="x" * 2000)
    row = by_key(db)["u2"]
    assert row.last_error is not None and len(row.last_error) == 500
    assert by_key(db)["u1"].status == "superseded"


def test_retry_listing_and_counts(db: Database) -> None:
    for key in ("p1", "p2", "p3", "s1"):
        enqueue(db, key)
    ids = {k: r.id for k, r in by_key(db).items()}
    later = T0 + timedelta(hours=1)
    with db.engine.begin() as conn:
        ob.park(conn, ids["p1"], T0, "gave up after 8 attempts: HTTP 502")
        ob.park(conn, ids["p2"], T0, "channel_not_found")
        ob.mark_sent(conn, ids["s1"], T0, "m")
        assert ob.counts(conn) == {"pending": 1, "parked": 2, "sent": 1, "superseded": 0}
        assert [r.key for r in ob.listing(conn)] == ["p1", "p2", "p3"]
        assert [r.key for r in ob.listing(conn, ob.STATUSES, 2, newest=True)] == ["p3", "s1"]
        assert ob.retry(conn, later, [ids["p1"], ids["s1"]]) == 1  # s1 is not parked
        assert ob.retry(conn, later, []) == 0
        assert ob.retry(conn, later) == 1  # the rest: p2
        assert ob.retry(conn, later) == 0
    p1 = by_key(db)["p1"]
    assert (p1.status, p1.attempts, p1.next_attempt_at) == ("pending", 0, later)
    assert p1.last_error == "gave up after 8 attempts: HTTP 502"  # still tells what happened


# --- the worker: order, failures, retries -----------------------------------------------------


def test_a_failing_head_holds_back_its_destination_only(db: Database, loop: VirtualLoop) -> None:
    for key in ("a1", "a2", "a3"):
        enqueue(db, key, "A")
    for key in ("b1", "b2", "b3"):
        enqueue(db, key, "B")
    transport = FakeTransport(
        loop, {"a1": [TransientError("HTTP 502"), TransientError("HTTP 503")]}
    )
    worker = make_worker(db, loop, transport)

    assert loop.go(worker.run_once()) == 3  # B all sent; A's head failed and holds a2, a3 back
    assert transport.delivered("A") == []
    assert transport.delivered("B") == ["b1", "b2", "b3"]
    assert transport.times("B") == [0.0, 1.0, 2.0]  # not slowed by A
    a1 = by_key(db)["a1"]
    assert (a1.status, a1.attempts, a1.last_error) == ("pending", 1, "HTTP 502")

    loop.go(drain(db, worker))
    assert transport.delivered("A") == ["a1", "a2", "a3"]
    assert [c.key for c in transport.calls if c.destination == "A"] == [
        "a1",
        "a1",
        "a1",
        "a2",
        "a3",
    ]
    assert status_counts(db) == {"pending": 0, "parked": 0, "sent": 6, "superseded": 0}


def test_transient_errors_back_off_2_4_8_seconds_then_sent_once(
    db: Database, loop: VirtualLoop
) -> None:
    enqueue(db, "x")
    errors = [TransientError("HTTP 502"), RuntimeError("reset"), TransientError("HTTP 504")]
    transport = FakeTransport(loop, {"x": list(errors)})
    worker = make_worker(db, loop, transport)

    async def scenario() -> list[timedelta]:
        waits = []
        for attempt in range(1, 4):
            assert await worker.run_once() == 0
            row = by_key(db)["x"]
            assert row.attempts == attempt
            wait = row.next_attempt_at - LoopClock(loop).now()
            waits.append(wait)
            assert await worker.run_once() == 0  # not due yet: nothing is sent
            await asyncio.sleep(wait.total_seconds())
        assert await worker.run_once() == 1
        return waits

    waits = loop.go(scenario())
    assert waits == [timedelta(seconds=2), timedelta(seconds=4), timedelta(seconds=8)]
    assert transport.delivered() == ["x"]
    assert [c.t for c in transport.calls] == [0.0, 2.0, 6.0, 14.0]
    row = by_key(db)["x"]
    assert (row.status, row.message_ref) == ("sent", "m-x")
    assert row.sent_at == T0 + timedelta(seconds=14)


def test_backoff_is_capped(db: Database, loop: VirtualLoop) -> None:
    enqueue(db, "x")
    transport = FakeTransport(loop, {"x": [TransientError("HTTP 500")] * 5})
    worker = make_worker(db, loop, transport, backoff_max=timedelta(seconds=5), max_attempts=10)
    loop.go(drain(db, worker))
    assert gaps([c.t for c in transport.calls]) == pytest.approx([2, 4, 5, 5, 5], abs=0.5)
    assert transport.delivered() == ["x"]


def test_parked_after_max_attempts_with_its_reason(db: Database, loop: VirtualLoop) -> None:
    enqueue(db, "x")
    enqueue(db, "y")
    transport = FakeTransport(loop, {"x": [TransientError("HTTP 502")] * 3})
    worker = make_worker(db, loop, transport, max_attempts=3)
    loop.go(drain(db, worker))
    x = by_key(db)["x"]
    assert (x.status, x.attempts) == ("parked", 3)
    assert x.last_error == "gave up after 3 attempts: HTTP 502"
    assert transport.delivered() == ["y"]  # a parked row no longer blocks its destination
    assert [c.key for c in transport.calls] == ["x", "x", "x", "y"]


def test_permanent_error_parks_at_once_and_retry_delivers_it(
    db: Database, loop: VirtualLoop
) -> None:
    enqueue(db, "x")
    enqueue(db, "y")
    transport = FakeTransport(loop, {"x": [PermanentError("channel_not_found")]})
    worker = make_worker(db, loop, transport)
    assert loop.go(worker.run_once()) == 1
    x = by_key(db)["x"]
    assert (x.status, x.attempts, x.last_error) == ("parked", 0, "channel_not_found")
    assert [c.key for c in transport.calls] == ["x", "y"]

    with db.engine.begin() as conn:  # someone invited the bot, then: arcircle outbox retry
        assert ob.retry(conn, LoopClock(loop).now(), [x.id]) == 1
    loop.go(drain(db, worker))
    assert transport.delivered() == ["y", "x"]
    assert by_key(db)["x"].status == "sent"


def test_retry_after_pauses_only_that_destination(db: Database, loop: VirtualLoop) -> None:
    enqueue(db, "a1", "A")
    enqueue(db, "a2", "A")
    for i in range(6):
        enqueue(db, f"b{i}", "B")
    transport = FakeTransport(loop, {"a1": [RetryAfter(5)]})
    worker = make_worker(db, loop, transport)

    assert loop.go(worker.run_once()) == 6
    a1 = by_key(db)["a1"]
    # Not a failed attempt; stored so that a restart honours the wait too.
    assert a1.attempts == 0 and a1.status == "pending"
    assert a1.next_attempt_at == T0 + timedelta(seconds=5)
    assert a1.last_error == "rate limited (retry after 5s)"
    assert transport.times("B") == [0, 1, 2, 3, 4, 5]  # B kept its own pace

    loop.go(drain(db, worker))
    a_calls = [c for c in transport.calls if c.destination == "A"]
    assert [c.key for c in a_calls] == ["a1", "a1", "a2"]
    assert a_calls[1].t >= a_calls[0].t + 5 - EPS  # the pause was honoured
    assert transport.delivered("A") == ["a1", "a2"]
    assert by_key(db)["a1"].attempts == 0


def test_retry_after_is_honoured_by_the_pacing_in_memory(db: Database, loop: VirtualLoop) -> None:
    """Even when the wall clock says the row is due, the lane waits out its pause."""
    enqueue(db, "a1", "A")
    transport = FakeTransport(loop, {"a1": [RetryAfter(30)]})
    worker = make_worker(db, loop, transport)
    loop.go(worker.run_once())
    with db.engine.begin() as conn:  # an operator pokes the row
        ob.mark_retry(
            conn, by_key(db)["a1"].id, attempts=0, next_attempt_at=T0, error="rate limited"
        )
    loop.go(drain(db, worker))
    assert [c.t for c in transport.calls][1] >= 30 - EPS


def test_timeouts_and_unexpected_errors_count_as_transient(db: Database, loop: VirtualLoop) -> None:
    enqueue(db, "hang")
    enqueue(db, "raise-timeout", "C2")
    enqueue(db, "odd", "C3")
    leak = "https://api.telegram.org/bot123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1/sendMessage"
    transport = FakeTransport(
        loop,
        {
            "hang": [HANG],
            "raise-timeout": [TimeoutError()],
            "odd": [RuntimeError(f"boom at {leak}")],
        },
    )
    worker = make_worker(db, loop, transport, send_timeout=5)
    assert loop.go(worker.run_once()) == 0
    rows = by_key(db)
    assert rows["hang"].attempts == 1 and rows["hang"].last_error == "no answer within 5s"
    # The hung send ended at t=5; the next attempt is 2 s after that.
    assert rows["hang"].next_attempt_at == T0 + timedelta(seconds=7)
    assert rows["raise-timeout"].last_error == "no answer within 5s"
    odd = rows["odd"].last_error or ""
    assert odd == "RuntimeError: boom at https://api.telegram.org/…"
    assert "AAHdq" not in odd
    loop.go(drain(db, worker))
    assert sorted(transport.delivered()) == ["hang", "odd", "raise-timeout"]


def test_scrub_keeps_hosts_and_drops_secrets() -> None:
    assert scrub("GET https://u:pw@example.com/a?token=1 failed") == (
        "GET https://example.com/… failed"
    )
    assert "xoxb" not in scrub("invalid_auth for xoxb-123-456-abcdef")
    assert "abc.def" not in scrub("header Bearer abc.def")


def test_mixed_failures_nothing_lost_nothing_sent_twice(db: Database, loop: VirtualLoop) -> None:
    rng = random.Random(20260316)
    destinations = [("slack", "C1"), ("slack", "C2"), ("telegram", "-100200")]
    script: dict[str, list[Any]] = {}
    order: dict[str, list[str]] = {}
    for i in range(20):
        for platform, dest in destinations:
            key = f"{dest}:{i}"
            enqueue(db, key, dest, platform=platform, text=key)
            order.setdefault(dest, []).append(key)
            steps: list[Any] = []
            for _ in range(rng.choice([0, 0, 0, 1, 2, 3])):
                steps.append(
                    rng.choice(
                        [
                            RetryAfter(3),
                            TransientError("HTTP 502"),
                            HANG,
                            TimeoutError(),
                            ConnectionResetError("reset by peer"),
                        ]
                    )
                )
            if steps:
                script[key] = steps
    assert len(script) > 10
    transport = FakeTransport(loop, {k: list(v) for k, v in script.items()})
    worker = make_worker(db, loop, transport, send_timeout=4)
    loop.go(drain(db, worker))

    assert status_counts(db) == {"pending": 0, "parked": 0, "sent": 60, "superseded": 0}
    delivered = transport.delivered()
    assert sorted(delivered) == sorted(k for keys in order.values() for k in keys)  # once each
    for _, dest in destinations:
        assert transport.delivered(dest) == order[dest]  # in id order
        times = transport.times(dest)
        assert min(gaps(times)) >= 1 - EPS  # the rate held through the retries
    # Every Retry-After was waited out by its destination.
    for n, call in enumerate(transport.calls):
        if call.outcome.startswith("RetryAfter"):
            later = [c.t for c in transport.calls[n + 1 :] if c.destination == call.destination]
            assert later and later[0] >= call.t + 3 - EPS
    # The attempts not counted: Retry-After ones.
    rows = by_key(db)
    for key, steps in script.items():
        counted = sum(1 for s in steps if not isinstance(s, RetryAfter))
        assert rows[key].attempts == counted, key


# --- the worker: rate ------------------------------------------------------------------------


def test_rate_one_per_second_per_destination_and_destinations_in_parallel(
    db: Database, loop: VirtualLoop
) -> None:
    dests = [f"C{n}" for n in range(10)]
    for i in range(30):
        for dest in dests:
            enqueue(db, f"{dest}:{i}", dest)
    transport = FakeTransport(loop)
    worker = make_worker(db, loop, transport)
    start = loop.time()
    assert loop.go(worker.run_once()) == 300
    took = loop.time() - start
    assert 29 - EPS <= took < 30  # 30 messages at 1/s, all ten destinations side by side
    for dest in dests:
        times = transport.times(dest)
        assert len(times) == 30 and times[0] == 0
        assert min(gaps(times)) >= 1 - EPS
        assert transport.delivered(dest) == [f"{dest}:{i}" for i in range(30)]


def test_rate_window_allows_a_burst_of_count(db: Database, loop: VirtualLoop) -> None:
    for i in range(7):
        enqueue(db, f"m{i}", "G")
    transport = FakeTransport(loop)
    worker = make_worker(db, loop, transport, rates={"slack": (3, timedelta(seconds=10))})
    loop.go(worker.run_once())
    assert transport.times("G") == [0, 0, 0, 10, 10, 10, 20]


def test_missing_platform_rate_means_one_per_second(db: Database, loop: VirtualLoop) -> None:
    for i in range(3):
        enqueue(db, f"m{i}", "T", platform="telegram")
    transport = FakeTransport(loop)
    worker = make_worker(db, loop, transport, rates={})
    loop.go(worker.run_once())
    assert transport.times("T") == [0, 1, 2]


def test_a_slow_destination_does_not_delay_a_new_message_elsewhere(
    db: Database, loop: VirtualLoop
) -> None:
    for i in range(5):
        enqueue(db, f"slow{i}", "S", platform="telegram")
    transport = FakeTransport(loop)
    rates = {"telegram": (1, timedelta(seconds=10)), "slack": (1, timedelta(seconds=1))}
    worker = make_worker(db, loop, transport, rates=rates)

    async def scenario() -> None:
        async def later() -> None:
            await asyncio.sleep(3)
            enqueue(db, "urgent", "C1", now=LoopClock(loop).now())

        await asyncio.gather(drain(db, worker), later())

    loop.go(scenario())
    urgent = next(c for c in transport.calls if c.key == "urgent")
    assert urgent.t <= 3.5  # picked up on the next poll, not after the slow lane's 40 s
    assert transport.times("S") == [0, 10, 20, 30, 40]


# --- the worker: cards, rendering, robustness ------------------------------------------------


def test_card_updates_edit_the_card_and_only_the_newest_is_sent(
    db: Database, loop: VirtualLoop
) -> None:
    enqueue(db, "card", kind="card", ref_key="case:1", text="card v1")
    enqueue(db, "u1", kind="card_update", ref_key="case:1", text="card v2")
    enqueue(db, "u2", kind="card_update", ref_key="case:1", text="card v3")
    enqueue(db, "esc", kind="escalation", ref_key="case:1", text="escalated")
    enqueue(db, "plain", text="no case")
    transport = FakeTransport(loop, {"u2": [NO_ID]})
    worker = make_worker(db, loop, transport)
    loop.go(drain(db, worker))

    calls = {c.key: c for c in transport.calls}
    assert [c.key for c in transport.calls] == ["card", "u2", "esc", "plain"]
    assert (calls["card"].update_ref, calls["card"].thread_ref) == (None, None)
    assert (calls["u2"].update_ref, calls["u2"].thread_ref) == ("m-card", None)
    assert (calls["esc"].update_ref, calls["esc"].thread_ref) == (None, "m-card")
    assert (calls["plain"].update_ref, calls["plain"].thread_ref) == (None, None)
    rows = by_key(db)
    assert rows["u1"].status == "superseded"
    # The edit gave no id back: it still names the card's message.
    assert rows["u2"].message_ref == "m-card"


def test_a_card_update_without_a_card_posts_one_and_later_updates_edit_it(
    db: Database, loop: VirtualLoop
) -> None:
    enqueue(db, "card", kind="card", ref_key="case:9")
    transport = FakeTransport(loop, {"card": [PermanentError("msg_too_long")], "u1": ["m-new"]})
    worker = make_worker(db, loop, transport)
    loop.go(drain(db, worker))
    assert by_key(db)["card"].status == "parked"

    now = LoopClock(loop).now()
    enqueue(db, "u1", kind="card_update", ref_key="case:9", now=now)
    loop.go(drain(db, worker))
    enqueue(db, "u2", kind="card_update", ref_key="case:9", now=now)
    enqueue(db, "esc", kind="escalation", ref_key="case:9", now=now)
    loop.go(drain(db, worker))

    calls = {c.key: c for c in transport.calls}
    assert calls["u1"].update_ref is None  # posted as a new message
    assert by_key(db)["u1"].message_ref == "m-new"
    assert calls["u2"].update_ref == "m-new"
    assert calls["esc"].thread_ref == "m-new"


def test_database_work_and_rendering_run_off_the_event_loop(
    db: Database, loop: VirtualLoop
) -> None:
    """A slow database must not hold up the loop that acknowledges chat commands: every
    statement the worker runs, and the render callback, run in another thread."""
    enqueue(db, "card", kind="card", ref_key="case:1")
    enqueue(db, "u1", kind="card_update", ref_key="case:1")
    enqueue(db, "u2", kind="card_update", ref_key="case:1")
    enqueue(db, "esc", kind="escalation", ref_key="case:1")
    enqueue(db, "moot", "C2", text=None)
    enqueue(db, "bad", "C3", payload={})
    enqueue(db, "fails", "C4")
    loop_thread = threading.get_ident()  # the virtual loop runs in this thread
    on_loop: list[str] = []
    rendered_in: list[int] = []

    def watch(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.get_ident() == loop_thread:
            on_loop.append(statement)

    def rendering(row: OutRow) -> Reply | None:
        rendered_in.append(threading.get_ident())
        return render(row)

    transport = FakeTransport(loop, {"fails": [TransientError("HTTP 502")]})
    worker = make_worker(db, loop, transport, render=rendering)
    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        for _ in range(4):
            loop.go(worker.run_once())
            loop.go(asyncio.sleep(3))  # past the retry's backoff
    finally:
        event.remove(db.engine, "before_cursor_execute", watch)
    assert transport.delivered() == ["card", "u2", "esc", "fails"]
    assert {k: r.status for k, r in by_key(db).items()} == {
        "card": "sent", "u1": "superseded", "u2": "sent", "esc": "sent", "moot": "sent",
        "bad": "parked", "fails": "sent",
    }  # fmt: skip
    assert on_loop == []
    assert rendered_in and loop_thread not in rendered_in


def test_render_failures_park_and_nothing_to_say_is_marked_sent(
    db: Database, loop: VirtualLoop, caplog: pytest.LogCaptureFixture
) -> None:
    enqueue(db, "broken", payload={"no": "text"})
    enqueue(db, "moot", text=None)
    enqueue(db, "fine")
    transport = FakeTransport(loop)
    worker = make_worker(db, loop, transport)
    assert loop.go(worker.run_once()) == 2
    rows = by_key(db)
    assert rows["broken"].status == "parked"
    assert rows["broken"].last_error == "could not render: 'text'"
    assert "Traceback" in caplog.text and "KeyError" in caplog.text
    assert (rows["moot"].status, rows["moot"].message_ref) == ("sent", None)
    assert [c.key for c in transport.calls] == ["fine"]


def test_the_loop_survives_a_database_error_and_stops_when_told(
    db: Database, loop: VirtualLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    enqueue(db, "x")
    real = ob.due_heads
    failures = [RuntimeError("server closed the connection")]

    def flaky(*args: Any, **kwargs: Any) -> list[OutRow]:
        if failures:
            raise failures.pop()
        return real(*args, **kwargs)

    monkeypatch.setattr(ob, "due_heads", flaky)
    transport = FakeTransport(loop)
    worker = make_worker(db, loop, transport)
    took = loop.go(drain(db, worker))
    assert transport.delivered() == ["x"] and took <= 1.0


def test_stop_cancels_lanes_waiting_for_their_turn(db: Database, loop: VirtualLoop) -> None:
    for i in range(10):
        enqueue(db, f"m{i}")
    transport = FakeTransport(loop)
    worker = make_worker(db, loop, transport)

    async def scenario() -> float:
        stop = asyncio.Event()
        runner = asyncio.create_task(worker.run(stop, idle=0.5))
        await asyncio.sleep(2.5)
        stop.set()
        await runner
        return loop.time()

    stopped_at = loop.go(scenario())
    assert stopped_at < 4
    sent = transport.delivered()
    assert 2 <= len(sent) <= 4
    counts = status_counts(db)
    assert (counts["pending"], counts["sent"]) == (10 - len(sent), len(sent))
    # A new worker (a restart) goes on where it stopped, without sending anything twice.
    loop.go(drain(db, make_worker(db, loop, transport)))
    assert transport.delivered() == [f"m{i}" for i in range(10)]


# --- arcircle outbox --------------------------------------------------------------------------


def parse(argv: list[str]) -> argparse.Namespace:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database")
    parser = argparse.ArgumentParser(prog="arcircle")
    sub = parser.add_subparsers(dest="command", required=True)
    outbox_cli.add_parser(sub, parents=[common])
    return parser.parse_args(argv)


def cli(db: Database, now: datetime, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = outbox_cli.run(parse(["outbox", *argv]), db, now, out)
    return code, out.getvalue()


def test_cli_arguments() -> None:
    args = parse(["outbox"])
    assert (args.outbox_action, args.show_all, args.limit) == ("list", False, 200)
    args = parse(["outbox", "--all", "--database", "sqlite:///x.db"])
    assert (args.outbox_action, args.show_all, args.database) == ("list", True, "sqlite:///x.db")
    args = parse(["outbox", "--database", "d", "list", "--limit", "5"])
    assert (args.show_all, args.limit, args.database) == (False, 5, "d")
    args = parse(["outbox", "list", "--all", "--database", "e"])
    assert (args.show_all, args.database) == (True, "e")
    args = parse(["outbox", "retry", "3", "4"])
    assert (args.outbox_action, args.ids, args.retry_all) == ("retry", [3, 4], False)
    args = parse(["outbox", "retry", "--all"])
    assert (args.ids, args.retry_all) == ([], True)
    for bad in (["outbox", "retry"], ["outbox", "retry", "x"], ["outbox", "retry", "1", "--all"]):
        with pytest.raises(SystemExit) as exc:
            parse(bad)
        assert exc.value.code == 2


def test_cli_listing_and_exit_codes(db: Database) -> None:
    clock = FakeClock(T0)
    assert cli(db, clock.now()) == (0, "outbox is empty: nothing pending or parked\n")

    enqueue(db, "alert:1", "C0ARCIRCLE", kind="escalation")
    enqueue(db, "alert:2", "C0ARCIRCLE", kind="reminder")
    enqueue(db, "alert:3", "U42", platform="telegram", kind="alert")
    ids = {k: r.id for k, r in by_key(db).items()}
    with db.engine.begin() as conn:
        later = T0 + timedelta(seconds=90)
        ob.mark_retry(conn, ids["alert:2"], attempts=2, error="HTTP 502", next_attempt_at=later)
        ob.mark_sent(conn, ids["alert:3"], T0, "m3")
    code, text = cli(db, clock.now())
    assert code == 0  # pending only: nothing needs a person
    lines = text.splitlines()
    assert lines[0] == "outbox: 2 pending, 0 parked, 1 sent, 0 superseded"
    assert (
        lines[1]
        == f"  {ids['alert:1']}  pending  slack  C0ARCIRCLE  escalation  attempts 0  due now"
    )
    assert lines[2] == (
        f"  {ids['alert:2']}  pending  slack  C0ARCIRCLE  reminder    attempts 2  "
        "next in 1m 30s (02:01:30 UTC)  HTTP 502"
    )
    assert len(lines) == 3

    with db.engine.begin() as conn:
        ob.mark_retry(conn, ids["alert:1"], attempts=8, next_attempt_at=T0, error="x")
        why = "gave up after 8 attempts:\nchannel_not_found: the bot is not in this channel"
        ob.park(conn, ids["alert:1"], T0, why)
    code, text = cli(db, clock.now())
    assert code == 1  # something is parked: a monitor notices
    assert (
        f"  {ids['alert:1']}  parked   slack  C0ARCIRCLE  escalation  attempts 8  "
        "gave up after 8 attempts: channel_not_found: the bot is not in this channel"
    ) in text.splitlines()
    assert "arcircle outbox retry" in text

    code, text = cli(db, clock.now(), "--all")
    assert code == 1
    assert f"  {ids['alert:3']}  sent     telegram  U42" in text
    assert "sent 2026-03-16 02:00:00 UTC" in text

    code, text = cli(db, clock.now(), "list", "--limit", "1")
    assert "… and 1 more (--limit to see more)" in text


def test_cli_retry(db: Database) -> None:
    clock = FakeClock(T0)
    for key in ("a", "b", "c", "d"):
        enqueue(db, key)
    ids = {k: r.id for k, r in by_key(db).items()}
    with db.engine.begin() as conn:
        for key in ("a", "b", "c"):
            ob.park(conn, ids[key], T0, "channel_not_found")
        ob.mark_sent(conn, ids["d"], T0, "m")
    clock.advance(timedelta(minutes=5))

    assert cli(db, clock.now(), "retry", str(ids["a"])) == (0, "re-queued 1 row\n")
    a = by_key(db)["a"]
    assert (a.status, a.attempts, a.next_attempt_at) == ("pending", 0, clock.now())

    code, text = cli(db, clock.now(), "retry", str(ids["b"]), str(ids["d"]), "999")
    assert code == 1
    assert text.splitlines() == [
        "re-queued 1 row",
        f"row {ids['d']} is sent, not parked",
        "row 999 does not exist",
    ]
    assert cli(db, clock.now(), "retry", "--all") == (0, "re-queued 1 row\n")
    assert cli(db, clock.now(), "retry", "--all") == (0, "nothing to retry: no parked rows\n")
    assert status_counts(db)["parked"] == 0
    code, _ = cli(db, clock.now())
    assert code == 0


def test_backoff_jitter_is_injectable(db: Database, loop: VirtualLoop) -> None:
    enqueue(db, "x")
    transport = FakeTransport(loop, {"x": [TransientError("HTTP 502")]})
    worker = make_worker(db, loop, transport, jitter=0.1, rand=lambda: 0.5)
    loop.go(worker.run_once())
    assert by_key(db)["x"].next_attempt_at == T0 + timedelta(seconds=2.1)

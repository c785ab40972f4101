"""Soak: the messenger fails for a minute. Two `arcircle run` replicas on PostgreSQL deliver the
circle to a fake Telegram on loopback that, for 60 s of real time, answers every send and edit
with 429 (Retry-After 1-3 s) or a 5xx, then recovers. Cases keep opening all along. Asserted:
every escalation owed arrived exactly once (nothing lost, nothing parked, nothing twice: no
replica is killed here), in the outbox's order, and the fake did refuse both ways.

Run with `make soak` (or `pytest -m soak`); `make test` leaves these out.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.soak_world import FakeThread, Replicas, world
from tests.test_soak_replicas import check_delivery, wait_settled

pytestmark = [pytest.mark.soak, pytest.mark.postgres]

CASES = 120  # x 2 seats x 2 levels = 480 escalations
OPEN_EVERY = 0.6  # seconds: cases open before, during and after the outage
OUTAGE = 60.0  # seconds of 429 and 5xx
OUTAGE_FROM = 20  # the outage starts once this many cases are open
SETTLE = 180.0  # after the outage: backoff (2 s doubling) and the queue drain


@pytest.fixture
def fake() -> Iterator[FakeThread]:
    with FakeThread() as running:
        yield running


def test_a_minute_of_429_and_5xx_loses_nothing_and_keeps_the_order(
    tmp_path: Path, fake: FakeThread
) -> None:
    started = time.monotonic()
    with world(tmp_path, fake.url, CASES) as w:
        fleet = Replicas(2, w)
        try:
            fleet.wait_ready()
            outage_ends = None
            for n in range(CASES):
                if n == OUTAGE_FROM:
                    fake.set_failing(True)
                    outage_ends = time.monotonic() + OUTAGE
                if outage_ends is not None and time.monotonic() >= outage_ends:
                    fake.set_failing(False)
                    outage_ends = None
                w.open_next()
                time.sleep(OPEN_EVERY)
                assert not fleet.died(), f"{fleet.died()} died\n{fleet.logs()}"
            if outage_ends is not None:
                time.sleep(max(0.0, outage_ends - time.monotonic()))
                fake.set_failing(False)
            recovered = time.monotonic()
            wait_settled(w, fleet, SETTLE)
            seen = check_delivery(w, fake, None)
            logs = fleet.logs()
            assert "Traceback" not in logs, logs
        finally:
            fleet.stop()
    refused = dict(fake.fake.refused)
    assert refused.get(429) and sum(n for s, n in refused.items() if s >= 500), refused
    print(
        f"\nfault soak: {seen}, refused {refused}, "
        f"drained {time.monotonic() - recovered:.0f}s after the outage, "
        f"total {time.monotonic() - started:.0f}s"
    )

"""Soak: two, then three `arcircle run` replicas on one PostgreSQL schema deliver 1,000 circle
cycles to a fake Telegram on loopback while one of them is killed with SIGKILL every 6-12
seconds and started again. A cycle is one escalation level falling due on a seat (250 cases x
2 seats x 2 levels). Asserted from the database and what the fake received: every escalation
owed is in the outbox once and was delivered once (none missed, none twice), in the outbox's
order, and nothing was parked.

Delivery is at least once by design (jobs/outbox.py): a replica killed after Telegram
accepted a message and before it marked the row sent leaves the row to be sent again, and
Telegram has no idempotency key. Such a second copy is allowed only when a replica was killed
within a second after the first copy arrived; it is counted and printed. Any other second
copy fails the test.

Run with `make soak` (or `pytest -m soak`); `make test` leaves these out.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.soak_world import (
    LEVELS,
    TEAMS,
    Chaos,
    Delivery,
    FakeThread,
    Replicas,
    World,
    escalations_received,
    outbox_escalations,
    owed_covered,
    parked,
    settled,
    world,
)

pytestmark = [pytest.mark.soak, pytest.mark.postgres]

CASES = 250  # x 2 seats x 2 levels = 1,000 cycles
OPEN_EVERY = 0.3  # seconds between two cases opened: the load arrives over ~75 s
SETTLE = 240.0  # seconds allowed after the last case opened for everything to go out
AT_LEAST_ONCE_WINDOW = 1.0  # a kill this soon after a message arrived may resend it


@pytest.fixture
def fake() -> Iterator[FakeThread]:
    with FakeThread() as running:
        yield running


def wait_settled(w: World, fleet: Replicas, timeout: float) -> None:
    """Until no seat counts down and no outbox row is pending, polling."""
    deadline = time.monotonic() + timeout
    state = settled(w.db)
    while state != (0, 0):
        assert not fleet.died(), f"a replica died by itself: {fleet.died()}\n{fleet.logs()}"
        assert time.monotonic() < deadline, (
            f"not settled after {timeout:g}s: {state[0]} seats counting down, "
            f"{state[1]} rows pending\n{fleet.logs()}"
        )
        time.sleep(0.5)
        state = settled(w.db)


def check_delivery(w: World, fake: FakeThread, fleet: Replicas | None) -> dict[str, object]:
    """Every owed escalation sent once, in order; what was seen, for the summary."""
    owed, problems = owed_covered(w.db)
    assert owed == len(w.opened) * len(TEAMS) * LEVELS
    assert not problems, problems[:20]
    rows = outbox_escalations(w.db)
    unsent = {k: r.status for k, r in rows.items() if r.status != "sent"}
    assert not unsent, f"escalation rows not sent: {unsent}"
    assert not parked(w.db), f"parked rows: {parked(w.db)[:10]}"
    got: Delivery = escalations_received(fake)
    missing = sorted(set(rows) - set(got.copies))
    assert not missing, f"{len(missing)} escalations never arrived: {missing[:20]}"
    stray = sorted(set(got.copies) - set(rows))
    assert not stray, f"messages with no outbox row: {stray[:20]}"
    kills = [] if fleet is None else [at for _, at, _ in fleet.kills]
    explained, doubled = [], []
    for key, n in got.copies.items():
        if n == 1:
            continue
        first = got.first[key]
        if n == 2 and any(first <= k <= first + AT_LEAST_ONCE_WINDOW for k in kills):
            explained.append(key)
        else:
            doubled.append((key, n))
    assert not doubled, f"sent more than once with no kill to explain it: {doubled[:20]}"
    ids = [rows[k].id for k in got.order]
    out_of_order = [(a, b) for a, b in itertools.pairwise(ids) if b < a]
    assert not out_of_order, f"arrived out of the outbox's order: {out_of_order[:10]}"
    folded = sum(len(r.skipped) for r in rows.values())
    return {
        "cycles": owed,
        "escalation messages": len(rows),
        "levels folded by a late tick": folded,
        "second copies after a kill": len(explained),
    }


@pytest.mark.parametrize("count", [2, 3])
def test_replicas_killed_at_random_deliver_every_escalation_once(
    tmp_path: Path, fake: FakeThread, count: int
) -> None:
    started = time.monotonic()
    with world(tmp_path, fake.url, CASES) as w:
        fleet = Replicas(count, w)
        chaos = Chaos(fleet, seed=count)
        try:
            fleet.wait_ready()
            chaos.start()
            for _ in range(CASES):
                w.open_next()
                time.sleep(OPEN_EVERY)
                assert not fleet.died(), f"{fleet.died()} died\n{fleet.logs()}"
            opened = time.monotonic()
            wait_settled(w, fleet, SETTLE)
            chaos.halt.set()
            chaos.join(timeout=30)
            assert chaos.error is None, chaos.error
            # The last replica started again may have had a row in flight: settle once more.
            wait_settled(w, fleet, SETTLE)
            seen = check_delivery(w, fake, fleet)
            logs = fleet.logs()
            assert "Traceback" not in logs, logs
        finally:
            chaos.halt.set()
            fleet.stop()
    takeovers = fleet.takeovers()
    print(
        f"\nsoak {count} replicas: {seen}, kills {len(fleet.kills)}, "
        f"leader takeovers {len(takeovers)} (slowest {max(takeovers, default=0):.2f}s), "
        f"drain after the last case {time.monotonic() - opened:.0f}s, "
        f"total {time.monotonic() - started:.0f}s"
    )
    assert fleet.kills, "the chaos thread killed nobody"

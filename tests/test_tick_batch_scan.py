"""A long overdue scan does not starve the circle tick (SQLite, where one writer runs at once).

The scan's quiet stage entries go in batches, each its own transaction; between two of them
the scan lets a waiting tick through (storage.tick_gate), so a tick that arrives mid-scan
commits before the scan's next batch begins, and the scan then carries on to the end.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bot.circle_env import circle_env
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config
from bot.router import Router
from jobs.circle import tick
from storage import scan
from storage.db import Database
from storage.models import Outbox, StageEvent
from storage.tick_gate import GATE
from tests.conftest import LEDGER_HEADER, run_import, write_csv

START = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
LEDGER = [
    (f"INV-{n}", f"C{n}", f"Customer {n}", "normal", "wang.wei", "2025-01-01", "2025-02-01",
     "CNY", "100.00", "", "", "no")
    for n in range(1, 61)
]  # fmt: skip
_out = Outbox.__table__  # type: ignore[attr-defined]
_ev = StageEvent.__table__  # type: ignore[attr-defined]


def _count(db: Database, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    with db.engine.connect() as conn:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()
        )


async def test_a_tick_fires_between_two_batches_of_a_long_scan(
    sqlite_db: Database, config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    db, env = sqlite_db, circle_env(config)
    clock.set(START)
    run_import(db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    router = Router(db, config, clock, circle=env)
    reply = await router.handle(
        "/ar open Customer 1", platform="console", channel="#test", user_id="li.na", person="li.na"
    )
    assert reply is not None and "Traceback" not in reply.plain()
    clock.advance(timedelta(minutes=11))  # every seat's reminder is due
    now = clock.now()

    fired: list[int] = []
    ticker = threading.Thread(target=lambda: fired.append(tick(db, env, now)))
    reminders_before: list[int] = []  # remind rows committed when each batch began

    def between() -> None:
        if len(reminders_before) == 3:
            # A tick comes along mid-scan; the scan waits at its next batch until it is done.
            ticker.start()
            deadline = time.monotonic() + 10
            while GATE.waiting == 0 and ticker.is_alive() and time.monotonic() < deadline:
                time.sleep(0.001)
        GATE.let_ticks_pass()
        reminders_before.append(_count(db, _out, _out.c.kind == "remind"))

    window = scan.ScanWindow(
        today=date(2026, 3, 16), since=date(2026, 3, 16), last_at=None, now=now
    )
    stages = {"early": 1, "mid": 31, "late": 91}
    written = scan.record_quiet_entries(db, stages, [], window, batch=10, between=between)
    ticker.join(timeout=10)

    seats = 3  # a manual open seats sales, finance and legal
    assert fired == [seats]
    # Nothing was told before the tick came; it was told before the scan's next batch began.
    assert reminders_before[:3] == [0, 0, 0]
    assert reminders_before[3] == seats
    # And the scan went on to write every entry: 60 invoices in each of three stages.
    assert len(reminders_before) == 18
    assert written == _count(db, _ev) == 180

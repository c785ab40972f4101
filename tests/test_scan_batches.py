"""The scan's quiet stage entries are written in batches of invoice ids, each its own
transaction (so the circle tick gets the write lock between them): the entries are exactly
those one big batch writes, and a scan cut short resumes without writing any twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select

from storage import scan
from storage.db import Database
from storage.models import StageEvent
from tests.conftest import LEDGER_HEADER, run_import, write_csv

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
STAGES = {"early": 1, "mid": 31, "late": 91}
_ev = StageEvent.__table__  # type: ignore[attr-defined]


def entries(db: Database) -> set[tuple[int, str, date]]:
    with db.engine.connect() as conn:
        rows = conn.execute(select(_ev.c.invoice_id, _ev.c.stage, _ev.c.entered_on))
        return {(r.invoice_id, r.stage, r.entered_on) for r in rows}


def test_batches_write_what_one_batch_writes(db: Database, tmp_path: Path) -> None:
    rows = [
        (f"B-{n}", f"C{n % 4}", f"Customer {n % 4}", "normal", "", "2025-06-01",
         (TODAY - timedelta(days=7 * n)).isoformat(), "CNY", "100.00", "0", "", "no")
        for n in range(40)
    ]  # fmt: skip
    run_import(db, write_csv(tmp_path / "l.csv", LEDGER_HEADER, rows), today=TODAY)
    window = scan.ScanWindow(today=TODAY, since=TODAY, last_at=None, now=NOW)

    written = scan.record_quiet_entries(db, STAGES, [], window, batch=3)
    small = entries(db)
    assert written == len(small) > 40  # early, mid and late entries of the older invoices
    # Run again (a scan after one cut short): nothing is written twice.
    assert scan.record_quiet_entries(db, STAGES, [], window, batch=7) == 0

    with db.engine.begin() as conn:
        conn.execute(delete(_ev))
    assert scan.record_quiet_entries(db, STAGES, [], window, batch=1_000_000) == written
    assert entries(db) == small


def test_an_empty_ledger_writes_nothing(db: Database) -> None:
    window = scan.ScanWindow(today=TODAY, since=TODAY, last_at=None, now=NOW)
    assert scan.record_quiet_entries(db, STAGES, [], window, batch=5) == 0

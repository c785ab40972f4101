"""The ledger sync job and the scheduler wiring."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Jobs, build_runtime
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config
from jobs.ledger_sync import sync_ledger
from storage.db import Database
from storage.ledger import ImportOptions
from storage.models import Invoice, JobRun
from tests.conftest import LEDGER_HEADER, NOW, TODAY, write_csv

ROW = ("I-1", "C1", "", "", "", "2026-01-01", "2026-01-31", "CNY", "100", "", "", "")


def amounts(db: Database) -> dict[str, int]:
    table = Invoice.__table__  # type: ignore[attr-defined]
    with db.engine.connect() as conn:
        return dict(conn.execute(select(table.c.invoice_no, table.c.amount_minor)).all())


def test_each_content_is_imported_once(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", LEDGER_HEADER, [ROW])
    options = ImportOptions(currency="CNY")
    first = sync_ledger(db, path, options, NOW, TODAY)
    assert first is not None and first.created == 1
    assert sync_ledger(db, path, options, NOW, TODAY) is None  # same bytes: nothing to do
    write_csv(path, LEDGER_HEADER, [(*ROW[:8], "150", *ROW[9:])])
    changed = sync_ledger(db, path, options, NOW, TODAY)
    assert changed is not None and changed.updated == 1
    assert amounts(db) == {"I-1": 15000}
    runs = JobRun.__table__  # type: ignore[attr-defined]
    with db.engine.connect() as conn:
        statuses = conn.execute(select(runs.c.status)).scalars().all()
    assert statuses == ["done", "done"]


def test_a_failed_sync_is_retried(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", ("nothing", "useful"), [("a", "b")])
    options = ImportOptions(currency="CNY")
    with pytest.raises(ValueError):
        sync_ledger(db, path, options, NOW, TODAY)
    # The same broken file again is tried again (and fails again), not silently skipped.
    with pytest.raises(ValueError):
        sync_ledger(db, path, options, NOW, TODAY)


def test_missing_source_is_a_warning_not_a_crash(
    db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert sync_ledger(db, tmp_path / "gone.csv", ImportOptions(), NOW, TODAY) is None
    assert "does not exist" in caplog.text


async def test_scheduler_runs_the_sync_in_the_event_loop(
    config: Config, tmp_path: Path, clock: FakeClock
) -> None:
    path = write_csv(tmp_path / "export.csv", LEDGER_HEADER, [ROW])
    config = config.model_copy(update={"ledger": config.ledger.model_copy(update={"source": path})})
    rt = build_runtime(config, clock, f"sqlite:///{tmp_path}/jobs.db")
    jobs = Jobs(rt, {})
    jobs.start()
    scheduler = jobs.scheduler
    try:
        job = scheduler.get_job("ledger_sync")
        assert job is not None and job.max_instances == 1 and job.coalesce
        ids = {j.id for j in scheduler.get_jobs()}
        assert {"overdue_scan", "circle_tick", "promise_watch", "limitation_watch"} <= ids
        for _ in range(200):  # the first run is immediate; wait for its thread to finish
            if amounts(rt.db):
                break
            await asyncio.sleep(0.05)
        assert amounts(rt.db) == {"I-1": 10000}
        assert rt.today() == date(2026, 3, 16)
    finally:
        await jobs.stop()
        rt.db.dispose()


async def test_only_the_lease_holder_runs_the_jobs_and_another_takes_over(
    config: Config, tmp_path: Path, clock: FakeClock
) -> None:
    url = f"sqlite:///{tmp_path}/lease.db"
    first = Jobs(build_runtime(config, clock, url), {}, retry_lease=timedelta(seconds=1))
    notes: list[str] = []
    second = Jobs(
        build_runtime(config, clock, url),
        {},
        on_lease=notes.append,
        retry_lease=timedelta(seconds=1),
    )
    first.start()
    second.start()
    try:
        assert first.leading and not second.leading
        assert "another arcircle process" in notes[0].lower()
        assert second.scheduler.get_job("circle_tick") is None
        await first.stop()
        # The second process's own retry job (not a direct call) notices within a second.
        for _ in range(60):
            if second.leading:
                break
            await asyncio.sleep(0.05)
        assert second.leading
        assert second.scheduler.get_job("circle_tick") is not None
    finally:
        await second.stop()


async def test_a_leader_that_lost_its_lease_stops_running_the_circle(
    config: Config, tmp_path: Path, clock: FakeClock
) -> None:
    jobs = Jobs(build_runtime(config, clock, f"sqlite:///{tmp_path}/lost.db"), {})
    jobs.start()
    try:
        assert jobs.leading
        jobs.lease.release()  # as when the server drops the lock with its connection
        jobs.lease._file = None
        await jobs._check_lease()
        assert not jobs.leading
        assert jobs.scheduler.get_job("circle_tick") is None
        assert jobs.scheduler.get_job("lease") is not None
        await jobs._wait_for_lease()  # the lock is free again: it leads again
        assert jobs.leading and jobs.scheduler.get_job("circle_tick") is not None
    finally:
        await jobs.stop()

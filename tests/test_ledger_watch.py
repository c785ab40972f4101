"""The watched ledger folder: files imported once, moved to done/ or failed/ with their report,
half-written files left alone, two watchers (two processes) importing a file once."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.app import Jobs, build_runtime
from bot.circle_env import circle_env
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config, ConfigError, load_config
from bot.kernel.config_sync import LedgerFeed
from jobs.ledger_watch import FolderWatcher, Handled, is_candidate
from storage import jobrun
from storage.circle import load_case
from storage.circle_open import open_case
from storage.db import Database
from storage.ledger import ImportOptions, file_sha256
from storage.models import AuditLog, Invoice, JobRun
from tests.conftest import LEDGER_HEADER, NOW, TEST_CONFIG, TODAY, write_csv

OPTIONS = ImportOptions(currency="CNY")
_inv = Invoice.__table__  # type: ignore[attr-defined]
_runs = JobRun.__table__  # type: ignore[attr-defined]


def row(no: str, amount: str, paid: str = "", customer: str = "C1") -> tuple[str, ...]:
    return (no, customer, "", "", "", "2026-01-01", "2026-01-31", "CNY", amount, paid, "", "")


def ledger(db: Database) -> dict[str, tuple[int, int]]:
    with db.engine.connect() as conn:
        rows = conn.execute(select(_inv.c.invoice_no, _inv.c.amount_minor, _inv.c.paid_minor))
        return {r[0]: (r[1], r[2]) for r in rows}


def imports(db: Database) -> int:
    audit = AuditLog.__table__  # type: ignore[attr-defined]
    with db.engine.connect() as conn:
        count: int = conn.execute(
            select(func.count()).where(audit.c.action == "ledger.import")
        ).scalar_one()
    return count


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_a_file_is_imported_then_moved_to_done_with_its_report(
    db: Database, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "march.csv", LEDGER_HEADER, [row("I-1", "100"), row("I-2", "250.50")])
    watcher = FolderWatcher(db, inbox, OPTIONS)
    assert watcher.run(NOW, TODAY) == []  # first seen: is it still being written?
    (done,) = watcher.run(NOW, TODAY)
    assert done.status == "done" and done.moved_to == inbox / "done" / "march.csv"
    assert listing(inbox) == ["done/march.csv", "done/march.csv.report.txt"]
    assert (inbox / "done" / "march.csv.report.txt").read_text(encoding="utf-8") == (
        "arcircle ledger import: march.csv\n"
        "status: done\n"
        "rows: 2\ncreated: 2\nupdated: 0\nunchanged: 0\npayments: 0\nbad: 0\n"
    )
    assert ledger(db) == {"I-1": (10000, 0), "I-2": (25050, 0)}
    assert watcher.run(NOW, TODAY) == []


def test_bad_rows_are_reported_and_the_good_rows_applied(db: Database, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(
        inbox / "mixed.csv",
        LEDGER_HEADER,
        [row("I-1", "100"), row("I-2", "lots"), row("I-3", "50", paid="80")],
    )
    watcher = FolderWatcher(db, inbox, OPTIONS)
    watcher.run(NOW, TODAY)
    (done,) = watcher.run(NOW, TODAY)
    assert done.status == "done"
    report = (inbox / "done" / "mixed.csv.report.txt").read_text(encoding="utf-8")
    assert "rows: 3\ncreated: 1\n" in report and "bad: 2\n" in report
    assert "\n  row 3: amount: 'lots' is not an amount (expected a number" in report
    assert "\n  row 4: paid amount 80 is more than the invoice amount 50;" in report
    assert (
        (inbox / "done" / "mixed.csv.errors.csv")
        .read_text(encoding="utf-8-sig")
        .startswith("row,reason,invoice_no")
    )
    assert ledger(db) == {"I-1": (10000, 0)}


def test_an_unreadable_file_goes_to_failed_and_nothing_is_applied(
    db: Database, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "wrong.csv", ("what", "ever"), [("a", "b")])
    (inbox / "fake.xlsx").write_bytes(b"PK\x03\x04 this is no workbook")
    watcher = FolderWatcher(db, inbox, OPTIONS)
    watcher.run(NOW, TODAY)
    handled = watcher.run(NOW, TODAY)
    assert [(h.name, h.status) for h in handled] == [
        ("fake.xlsx", "failed"),
        ("wrong.csv", "failed"),
    ]
    assert listing(inbox) == [
        "failed/fake.xlsx",
        "failed/fake.xlsx.report.txt",
        "failed/wrong.csv",
        "failed/wrong.csv.report.txt",
    ]
    report = (inbox / "failed" / "wrong.csv.report.txt").read_text(encoding="utf-8")
    assert report.startswith(
        "arcircle ledger import: wrong.csv\nstatus: failed\nerror: no column for invoice_no"
    )
    assert report.endswith("nothing was imported\n")
    assert ledger(db) == {}
    failures = jobrun.failures_since(db, "ledger", NOW)
    assert sorted((f.job, f.source) for f in failures) == [
        ("ledger_watch", "fake.xlsx"),
        ("ledger_watch", "wrong.csv"),
    ]
    assert all(f.error for f in failures)


def test_a_file_being_written_waits_and_temporary_names_are_left_alone(
    db: Database, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = write_csv(inbox / "big.csv", LEDGER_HEADER, [row("I-1", "100")])
    (inbox / "~$book.xlsx").write_bytes(b"owner lock")
    (inbox / "upload.csv.part").write_text("invoice_no,customer\n", encoding="utf-8")
    (inbox / ".hidden.csv").write_text("invoice_no,customer\n", encoding="utf-8")
    (inbox / "empty.csv").write_bytes(b"")
    watcher = FolderWatcher(db, inbox, OPTIONS)
    assert watcher.run(NOW, TODAY) == []
    with path.open("a", encoding="utf-8") as fh:  # still being written
        fh.write("I-2,C1,,,,2026-01-01,2026-01-31,CNY,200,,,\n")
    assert watcher.run(NOW, TODAY) == []
    (done,) = watcher.run(NOW, TODAY)
    assert done.name == "big.csv"
    assert ledger(db) == {"I-1": (10000, 0), "I-2": (20000, 0)}
    for _ in range(3):
        assert watcher.run(NOW, TODAY) == []
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == [
        ".hidden.csv",
        "empty.csv",
        "upload.csv.part",
        "~$book.xlsx",
    ]
    assert not is_candidate(inbox / "march.csv.report.txt")


def test_two_watchers_import_a_content_once(db: Database, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    one = FolderWatcher(db, inbox, OPTIONS)
    two = FolderWatcher(db, inbox, OPTIONS)  # another process, same folder and database
    write_csv(inbox / "a.csv", LEDGER_HEADER, [row("I-1", "100")])
    one.run(NOW, TODAY)
    two.run(NOW, TODAY)
    (first,) = one.run(NOW, TODAY)
    assert first.status == "done"
    assert two.run(NOW, TODAY) == []  # already moved
    # The same bytes dropped again (under another name): not imported a second time.
    (inbox / "a copy.csv").write_bytes((inbox / "done" / "a.csv").read_bytes())
    (inbox / "a.csv").write_bytes((inbox / "done" / "a.csv").read_bytes())
    two.run(NOW, TODAY)
    handled = two.run(NOW, TODAY)
    assert sorted((h.name, h.status) for h in handled) == [
        ("a copy.csv", "known"),
        ("a.csv", "known"),
    ]
    assert imports(db) == 1
    assert listing(inbox / "done") == [
        "a (2).csv",
        "a (2).csv.report.txt",
        "a copy.csv",
        "a copy.csv.report.txt",
        "a.csv",
        "a.csv.report.txt",
    ]
    known = (inbox / "done" / "a (2).csv.report.txt").read_text(encoding="utf-8")
    assert "was imported before: nothing to do" in known
    # A claim held by a watcher still importing: the other leaves the file alone.
    write_csv(inbox / "b.csv", LEDGER_HEADER, [row("I-2", "5")])
    assert jobrun.claim(db, "ledger_watch", file_sha256(inbox / "b.csv"), NOW)
    two.run(NOW, TODAY)
    assert two.run(NOW, TODAY) == [] and (inbox / "b.csv").exists()
    # ...unless that watcher died an hour ago: then another takes the file over.
    (taken,) = two.run(NOW + timedelta(hours=1, seconds=1), TODAY)
    assert (taken.name, taken.status) == ("b.csv", "done")


def test_an_xlsx_is_imported_too(sqlite_db: Database, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(LEDGER_HEADER))
    sheet.append(list(row("X-1", "42")))
    book.save(inbox / "ledger.xlsx")
    watcher = FolderWatcher(sqlite_db, inbox, OPTIONS)
    watcher.run(NOW, TODAY)
    (done,) = watcher.run(NOW, TODAY)
    assert done.status == "done" and ledger(sqlite_db) == {"X-1": (4200, 0)}


def test_a_payment_in_a_dropped_file_closes_the_paid_case(
    db: Database, tmp_path: Path, config: Config
) -> None:
    env = circle_env(config)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    watcher = FolderWatcher(db, inbox, OPTIONS, env)
    write_csv(inbox / "1.csv", LEDGER_HEADER, [row("I-1", "100")])
    watcher.run(NOW, TODAY)
    watcher.run(NOW, TODAY)
    with db.engine.begin() as conn:
        inv_id, cust_id = conn.execute(select(_inv.c.id, _inv.c.customer_id)).one()
        opened = open_case(
            conn,
            env,
            customer_id=cust_id,
            trigger="manual",
            keys=[("test:1", inv_id)],
            stage="early",
            actor="li.na",
            now=NOW,
        )
    assert opened is not None
    write_csv(inbox / "2.csv", LEDGER_HEADER, [row("I-1", "100", paid="100")])
    watcher.run(NOW, TODAY)
    watcher.run(NOW, TODAY)
    with db.engine.connect() as conn:
        view = load_case(conn, opened.case_id)
    assert view is not None and (view.status, view.close_reason) == ("closed", "close_paid")


def test_the_config_takes_a_watch_folder_and_a_feed(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        TEST_CONFIG
        + "ledger:\n  watch: inbox\n  feed: {every: 5m, timeout: 10s, auth_header: X-Api-Key}\n",
        encoding="utf-8",
    )
    cfg = load_config(path, env={})
    assert cfg.ledger.watch == tmp_path / "inbox"
    assert cfg.ledger.feed is not None and cfg.ledger.feed.url_env == "ARCIRCLE_FEED_URL"
    assert cfg.ledger.feed.every.total_seconds() == 300
    path.write_text(
        TEST_CONFIG + "ledger:\n  feed: {url_env: 'https://erp.example/feed?token=x'}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="url_env must be the NAME of an environment variable"):
        load_config(path, env={})


async def test_the_scheduler_runs_the_watch_and_the_feed_in_threads(
    config: Config, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARCIRCLE_FEED_URL", raising=False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "a.csv", LEDGER_HEADER, [row("I-1", "100")])
    ledger_cfg = config.ledger.model_copy(
        update={"watch": inbox, "watch_every": timedelta(seconds=1), "feed": LedgerFeed()}
    )
    rt = build_runtime(
        config.model_copy(update={"ledger": ledger_cfg}), clock, f"sqlite:///{tmp_path}/j.db"
    )
    jobs = Jobs(rt, {})
    jobs.start()
    try:
        for job_id in ("ledger_watch", "ledger_feed"):
            job = jobs.scheduler.get_job(job_id)
            assert job is not None and job.max_instances == 1 and job.coalesce
        for _ in range(100):  # the second poll of the folder takes the file
            if (inbox / "done" / "a.csv").exists() and jobrun.failures_since(rt.db, "ledger", NOW):
                break
            await asyncio.sleep(0.05)
        assert ledger(rt.db) == {"I-1": (10000, 0)}
        (failure,) = jobrun.failures_since(rt.db, "ledger", NOW)
        assert (failure.job, failure.source) == ("ledger_feed", "feed")
        assert (
            failure.error
            == "the environment variable ARCIRCLE_FEED_URL (the feed's URL) is not set"
        )
    finally:
        await jobs.stop()
        rt.db.dispose()


def test_doctor_says_what_the_sync_lacks(config: Config, tmp_path: Path) -> None:
    from bot.doctor import other_checks

    led = config.ledger.model_copy(update={"watch": tmp_path / "nowhere", "feed": LedgerFeed()})
    cfg = config.model_copy(update={"ledger": led})
    lines = [(c.status, c.detail) for c in other_checks(cfg, {})]
    assert ("fail", f"{tmp_path / 'nowhere'}: no such folder") in lines
    assert ("fail", "ARCIRCLE_FEED_URL is not set (the feed's URL)") in lines
    (tmp_path / "nowhere").mkdir()
    env = {"ARCIRCLE_FEED_URL": "https://erp.example/feed?token=SECRET", "ARCIRCLE_FEED_AUTH": "x"}
    lines = [(c.status, c.detail) for c in other_checks(cfg, env)]
    assert ("ok", "ARCIRCLE_FEED_URL set, polled every 0:10:00") in lines
    assert not any("SECRET" in text for _, text in lines)


def test_two_watchers_polling_at_the_same_time(db: Database, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(6):
        write_csv(inbox / f"{n}.csv", LEDGER_HEADER, [row(f"I-{n}", str(n + 1))])
    # Two copies of one content as well: imported once, the other "known".
    (inbox / "6.csv").write_bytes((inbox / "0.csv").read_bytes())
    watchers = [FolderWatcher(db, inbox, OPTIONS) for _ in range(2)]
    for w in watchers:
        w.run(NOW, TODAY)
    start = threading.Barrier(2)
    handled: list[list[Handled]] = [[], []]

    def poll(i: int) -> None:
        start.wait()
        handled[i] = watchers[i].run(NOW, TODAY)

    threads = [threading.Thread(target=poll, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    moved = sorted((h.name, h.status) for both in handled for h in both if h.moved_to)
    assert [status for _, status in moved].count("done") == 6
    assert len(moved) == 7 and imports(db) == 6
    files = listing(inbox)
    assert len([f for f in files if f.endswith(".report.txt")]) == 7
    assert len([f for f in files if f.endswith(".csv")]) == 7
    assert all(f.startswith("done/") for f in files)
    assert len(ledger(db)) == 6

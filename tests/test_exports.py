"""Exports: every export read back with openpyxl and csv (numbers as numbers, dates as dates,
text inert), the windows in company days, the ranges, writing files and streaming them. SQLite
and PostgreSQL (the `db` fixture); the ledger and circle history are tests.export_helpers'."""

from __future__ import annotations

import os
import threading
import tracemalloc
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import insert

from bot.kernel.clock import FakeClock
from bot.kernel.config import Config
from storage import sheets
from storage.db import Database
from storage.export_files import (
    RangeError,
    Request,
    clean,
    default_folder,
    parse_request,
    resolve_range,
    write_export,
)
from storage.exports import Scope
from storage.models import Customer, Invoice
from storage.reports import aging_report
from tests.export_helpers import (
    EVIL,
    TODAY,
    World,
    circle_history,
    csv_rows,
    make_world,
    sheet_rows,
)


@pytest.fixture
def world(db: Database, tmp_path: Path, config: Config, clock: FakeClock) -> World:
    return make_world(db, tmp_path, config, clock)


# --- aging ------------------------------------------------------------------------------------


def test_aging_one_row_per_open_invoice_typed_and_neutralised(world: World) -> None:
    written = world.export(Request("aging", TODAY, TODAY, "xlsx"), "aging.xlsx")
    assert written.counts == {"Aging": 4}
    rows = {r["invoice_no"]: r for r in sheet_rows(written.path, "Aging")}
    assert sorted(rows) == ["INV-1", "INV-2", "INV-3", "INV-4"]  # INV-5 was paid on 03-10
    inv2 = rows["INV-2"]
    assert inv2["as_of"] == datetime(2026, 3, 16)  # a date cell (openpyxl reads a datetime)
    assert inv2["due_date"] == datetime(2026, 2, 1)
    assert inv2["amount"] == 500 and inv2["outstanding"] == 300
    assert isinstance(inv2["outstanding"], int | float)
    assert (inv2["days_overdue"], inv2["bucket"], inv2["stage"]) == (43, "31-60", "mid")
    assert inv2["risk_grade"] == "in_collection"
    assert (inv2["owner"], inv2["owner_name"], inv2["customer_name"]) == (
        "wang.wei",
        "王伟",
        "Northwind Trading",
    )
    assert rows["INV-4"]["outstanding"] == 90000 and rows["INV-4"]["currency"] == "JPY"
    assert rows["INV-3"]["days_overdue"] == -4 and rows["INV-3"]["stage"] == "pre_due"
    # The formula comes back as text with its quote: Excel shows it, never runs it.
    assert rows["INV-3"]["customer_name"] == "'" + EVIL
    ws = openpyxl.load_workbook(written.path)["Aging"]
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    # Money keeps the currency's minor digits in the cell format.
    formats = {c.value: c.number_format for c in ws["L"][1:]}
    assert formats[300] == "#,##0.00" and formats[90000] == "#,##0"


def test_aging_as_of_a_past_day_agrees_with_the_aging_report(world: World) -> None:
    day = date(2026, 3, 1)
    written = world.export(Request("aging", day, day, "csv"), "aging.csv")
    text = written.path.read_text(encoding="utf-8-sig")
    rows = csv_rows(text)
    by_no = {r["invoice_no"]: r for r in rows}
    assert by_no["INV-5"]["outstanding"] == "800.00"  # paid later: still owed then
    assert by_no["INV-4"]["outstanding"] == "90000"
    assert by_no["INV-3"]["customer_name"] == "'" + EVIL
    assert by_no["INV-2"]["as_of"] == "2026-03-01"
    assert "INV-1" in by_no
    with world.db.engine.connect() as conn:
        report = aging_report(conn, day, world.config.aging_policy())
    for line in report.totals:
        summed = sum(Decimal(r["outstanding"]) for r in rows if r["currency"] == line.currency)
        assert summed == Decimal(line.minor).scaleb(-2 if line.currency != "JPY" else 0)


def test_a_salesperson_exports_only_their_own_invoices(world: World) -> None:
    written = world.export(Request("aging", TODAY, TODAY, "csv"), "mine.csv", ("tom.baker",))
    rows = csv_rows(written.path.read_text(encoding="utf-8-sig"))
    assert [r["invoice_no"] for r in rows] == ["INV-3"]


# --- the circle -------------------------------------------------------------------------------


async def test_cases_workbook_has_every_kind_linked_by_case_id(world: World) -> None:
    await circle_history(world)
    request = Request("cases", date(2026, 3, 1), date(2026, 3, 31), "xlsx")
    written = world.export(request, "cases.xlsx")
    wb = openpyxl.load_workbook(written.path)
    assert wb.sheetnames == [
        "Cases",
        "Invoices",
        "Seats",
        "Inputs",
        "Promises",
        "Decisions",
        "Audit",
    ]
    cases = sheet_rows(written.path, "Cases")
    assert [(c["case_id"], c["customer_code"]) for c in cases] == [(1, "C1"), (2, "C2")]
    assert cases[1]["customer_name"] == "'" + EVIL
    assert cases[0]["opened_at"] == datetime(2026, 3, 16, 10, 0)  # company time, a date cell
    inputs = sheet_rows(written.path, "Inputs")
    assert [(i["case_id"], i["team"]) for i in inputs] == [
        (1, "sales"),
        (1, "finance"),
        (1, "legal"),
    ]
    assert inputs[0]["text"] == "'=1+2 said ok"
    promises = sheet_rows(written.path, "Promises")
    assert [(p["amount"], p["status"], p["due_on"]) for p in promises] == [
        (800, "broken", datetime(2026, 3, 18)),
        (500, "pending", datetime(2026, 3, 25)),
    ]
    decisions = sheet_rows(written.path, "Decisions")
    assert [(d["case_id"], d["action"], d["person_name"]) for d in decisions] == [
        (1, "installment", "李娜")
    ]
    invoices = sheet_rows(written.path, "Invoices")
    assert {(i["case_id"], i["invoice_no"]) for i in invoices} >= {(1, "INV-1"), (1, "INV-2")}
    audit = sheet_rows(written.path, "Audit")
    actions = {(a["case_id"], a["action"]) for a in audit}
    assert {(1, "case.open"), (1, "case.promise"), (1, "case.decide")} <= actions
    assert (2, "case.open") in actions
    assert all(len(a["hash"]) == 64 for a in audit)
    # The same seven tables as CSV files in a ZIP.
    zipped = world.export(Request("cases", request.start, request.end, "csv"), "cases.zip")
    with zipfile.ZipFile(zipped.path) as zf:
        assert sorted(zf.namelist()) == sorted(f"{t.lower()}.csv" for t in wb.sheetnames)
        text = zf.read("audit.csv").decode("utf-8-sig")
    assert len(csv_rows(text)) == len(audit)
    assert zipped.counts == written.counts


async def test_cases_outside_the_window_are_left_out(world: World) -> None:
    await circle_history(world)
    written = world.export(
        Request("cases", date(2026, 2, 1), date(2026, 3, 15), "xlsx"), "cases.xlsx"
    )
    assert written.counts["Cases"] == 0 and written.rows == 0


async def test_decisions_and_promises_in_a_window(world: World) -> None:
    await circle_history(world)
    decisions = world.export(
        Request("decisions", date(2026, 3, 16), date(2026, 3, 16), "xlsx"), "d.xlsx"
    )
    (d,) = sheet_rows(decisions.path, "Decisions")
    assert (d["case_id"], d["customer_code"], d["action"], d["action_label"]) == (
        1,
        "C1",
        "installment",
        "Installment plan",
    )
    assert (d["person"], d["person_name"]) == ("li.na", "李娜")
    assert d["decided_on"] == datetime(2026, 3, 16) and d["note"] == "3 months"
    none = world.export(Request("decisions", date(2026, 3, 17), date(2026, 3, 31)), "d.csv")
    assert none.rows == 0 and csv_rows(none.path.read_text(encoding="utf-8-sig")) == []
    # Promises made or falling due in the window: the broken one is due on the 18th.
    promises = world.export(Request("promises", date(2026, 3, 17), date(2026, 3, 18)), "p.csv")
    rows = csv_rows(promises.path.read_text(encoding="utf-8-sig"))
    assert [(r["amount"], r["currency"], r["status"], r["due_on"]) for r in rows] == [
        ("800.00", "CNY", "broken", "2026-03-18")
    ]
    assert rows[0]["made_on"] == "2026-03-16" and rows[0]["made_by_name"] == "王伟"
    both = world.export(Request("promises", date(2026, 3, 1), date(2026, 3, 31)), "p2.csv")
    statuses = [r["status"] for r in csv_rows(both.path.read_text(encoding="utf-8-sig"))]
    assert statuses == ["broken", "pending"]


async def test_the_window_is_in_company_days(world: World) -> None:
    # 2026-03-17 07:30 in Shanghai is still the 16th in UTC: the 17th's decision.
    world.clock.set(datetime(2026, 3, 16, 23, 30, tzinfo=UTC))
    await world.say("li.na", "/ar open Northwind")
    assert "电话催收" in await world.say("li.na", "/ar decide 1 call")
    on_16 = world.export(Request("decisions", TODAY, TODAY), "a.csv")
    on_17 = world.export(Request("decisions", date(2026, 3, 17), date(2026, 3, 17)), "b.csv")
    assert (on_16.rows, on_17.rows) == (0, 1)
    (r,) = csv_rows(on_17.path.read_text(encoding="utf-8-sig"))
    assert r["decided_at"] == "2026-03-17 07:30:00"


# --- ranges -----------------------------------------------------------------------------------


def test_ranges() -> None:
    assert resolve_range("decisions", [], TODAY) == (date(2026, 2, 15), TODAY)
    assert resolve_range("promises", [date(2026, 3, 1)], TODAY) == (date(2026, 3, 1), TODAY)
    assert resolve_range("aging", [], TODAY) == (TODAY, TODAY)
    assert resolve_range("aging", [date(2026, 1, 31)], TODAY) == (date(2026, 1, 31),) * 2
    for kind, days, reason in (
        ("decisions", [date(2026, 3, 2), date(2026, 3, 1)], "end_before_start"),
        ("cases", [date(2026, 4, 1)], "end_before_start"),  # to: today
        ("aging", [TODAY, TODAY], "aging_one_date"),
    ):
        with pytest.raises(RangeError) as err:
            resolve_range(kind, days, TODAY)  # type: ignore[arg-type]
        assert err.value.reason == reason
    request = parse_request(["cases", "3月1日", "today", "csv"], TODAY)
    assert request == Request("cases", date(2026, 3, 1), TODAY, "csv")
    assert parse_request(["aging"], TODAY).fmt == "xlsx"
    with pytest.raises(RangeError):
        parse_request(["promises", "yesterday-ish"], TODAY)


def test_old_exports_are_cleaned_up_and_nothing_else(tmp_path: Path) -> None:
    now = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
    old, fresh, other = (
        tmp_path / "aging-2026-03-01-x.xlsx",
        tmp_path / "cases-2026-03-10_2026-03-15-y.zip",
        tmp_path / "notes-2020.csv",
    )
    for path in (old, fresh, other):
        path.write_text("x")
    stamp = (now - timedelta(days=8)).timestamp()
    for path in (old, other):
        os.utime(path, (stamp, stamp))
    os.utime(fresh, (now.timestamp(), now.timestamp()))
    assert clean(tmp_path, 7, now) == 1
    assert not old.exists() and fresh.exists() and other.exists()


def test_the_default_folder() -> None:
    assert default_folder(None, "sqlite:////data/ar/arcircle.db") == Path("/data/ar/exports")
    pg = "postgresql://u@127.0.0.1/ar"
    assert default_folder(None, pg, cwd=Path("/srv")) == Path("/srv/exports")
    assert default_folder(Path("/x/out"), pg) == Path("/x/out")


def test_a_sheet_past_excels_row_limit_goes_on_in_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sheets, "XLSX_MAX_ROWS", 3)  # the header and two rows a sheet
    path = tmp_path / "long.xlsx"
    sheets.write_xlsx_book(path, [("Aging", ("n",), ([n] for n in range(5)))])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Aging", "Aging (2)", "Aging (3)"]
    assert [[c for (c,) in wb[t].iter_rows(values_only=True)] for t in wb.sheetnames] == [
        ["n", 0, 1],
        ["n", 2, 3],
        ["n", 4],
    ]


# --- streaming --------------------------------------------------------------------------------


async def test_an_export_does_not_hold_up_the_readers(sqlite_db: Database) -> None:
    # SQLite on disk reads in one thread: an export waits in a thread of its own instead.
    threads = sqlite_db.threads
    long_name = await threads.long_read(lambda conn: threading.current_thread().name)
    read_name = await threads.read(lambda conn: threading.current_thread().name)
    assert long_name.startswith("db-long") and read_name.startswith("db-read")


def test_a_big_csv_export_streams(sqlite_db: Database, tmp_path: Path, config: Config) -> None:
    """6,000 open invoices, three fetches: the rows never sit in memory together."""
    now = datetime(2026, 3, 16, tzinfo=UTC)
    count = 6_000
    with sqlite_db.engine.begin() as conn:
        conn.execute(
            insert(Customer.__table__),  # type: ignore[attr-defined]
            [{"code": "C1", "name": "Big", "created_at": now, "updated_at": now}],
        )
        conn.execute(
            insert(Invoice.__table__),  # type: ignore[attr-defined]
            [
                {
                    "invoice_no": f"INV-{n:06d}",
                    "customer_id": 1,
                    "issue_date": date(2026, 1, 1),
                    "due_date": date(2026, 1, 1) + timedelta(days=n % 120),
                    "currency": "CNY",
                    "amount_minor": 100_000 + n,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(count)
            ],
        )
    scope = Scope(config.company.zone, config.aging_policy())
    tracemalloc.start()
    try:
        with sqlite_db.engine.connect() as conn:
            written = write_export(
                conn, Request("aging", TODAY, TODAY, "csv"), scope, tmp_path / "big.csv"
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written.rows == count
    # Streaming peaks at ~1.6 MB whatever the count (measured at 5,000 and 20,000 rows); the
    # 6,000 rows held at once take 5.2 MB (a 19-cell tuple with Decimals and dates each).
    assert peak < 3_000_000, f"peak {peak:,} bytes"
    with written.path.open(encoding="utf-8-sig") as fh:
        assert sum(1 for _ in fh) == count + 1

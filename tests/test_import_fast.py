"""The fast paths of an import, judged by what the row-by-row paths gave.

A big import into an empty SQLite ledger (storage.import_sqlite) checks foreign keys once at
the end and builds the customer search index once: afterwards every customer is found by
name, a renamed one under its new name only, foreign keys are enforced again, and a failed
or dry run leaves the ledger and its search as they were. A re-import into PostgreSQL writes
new and changed invoices through one upsert per chunk (storage.import_postgres): what it
leaves alone (a dispute raised in chat, a write-off, where and when the invoice came from)
must stay as the row-by-row UPDATE left it, on both databases.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from storage import ledger
from storage.customer_search import find_customer
from storage.db import Database
from storage.ledger_parse import ParseError
from storage.models import AuditLog, Customer, Invoice
from tests.conftest import LEDGER_HEADER, run_import, write_csv

_cus = Customer.__table__  # type: ignore[attr-defined]
_inv = Invoice.__table__  # type: ignore[attr-defined]
_aud = AuditLog.__table__  # type: ignore[attr-defined]
ROWS = 5000  # more than two of the reader process's chunks


def _rows(rename_at: int | None = None) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for i in range(1, ROWS + 1):
        code = f"C{i % 40}"
        name = f"Kestrel Trading {i % 40}"
        if code == "C7" and rename_at is not None and i >= rename_at:
            name = "Osprey Holdings"
        rows.append(
            (
                f"F-{i}",
                code,
                name,
                "",
                "tom.baker",
                "2026-01-01",
                "2026-02-01",
                "CNY",
                f"{i}.00",
                f"{i}.00" if i % 2 else "",
                "2026-02-10" if i % 2 else "",
                "no",
            )
        )
    return rows  # fmt: skip


def _found(db: Database, query: str) -> list[str]:
    with db.engine.connect() as conn:
        found = find_customer(conn, query)
    return [c.code for c in ([found.match] if found.match else found.candidates)]


def _foreign_keys(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA foreign_keys").scalar() or 0)


def _add_customer(db: Database, code: str, name: str) -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    with db.engine.begin() as conn:
        conn.execute(insert(_cus).values(code=code, name=name, created_at=now, updated_at=now))


def test_a_big_first_import_leaves_every_customer_findable(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_customer(sqlite_db, "P1", "Pelican Supplies")  # known before the first invoice
    monkeypatch.setattr(ledger, "_BULK_BYTES", 0)
    path = write_csv(tmp_path / "big.csv", LEDGER_HEADER, _rows(rename_at=4001))
    result = run_import(sqlite_db, path)
    assert (result.created, result.customers_created, result.bad) == (ROWS, 40, [])
    assert any("C7: name Kestrel Trading 7 → Osprey Holdings" in c for c in result.changes)
    assert _found(sqlite_db, "kestrel trading 12") == ["C12"]
    assert _found(sqlite_db, "osprey") == ["C7"]
    assert "C7" not in _found(sqlite_db, "kestrel trading 7")
    assert _found(sqlite_db, "pelican") == ["P1"]
    assert _foreign_keys(sqlite_db) == 1
    # The search triggers are back: a customer added afterwards is found too.
    _add_customer(sqlite_db, "P2", "Heron Logistics")
    assert _found(sqlite_db, "heron") == ["P2"]
    with sqlite_db.engine.connect() as conn:
        conn.exec_driver_sql("INSERT INTO customer_fts(customer_fts) VALUES ('integrity-check')")


def test_a_failed_big_import_leaves_the_ledger_and_its_search_as_they_were(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_customer(sqlite_db, "P1", "Pelican Supplies")
    monkeypatch.setattr(ledger, "_BULK_BYTES", 0)
    path = write_csv(tmp_path / "big.csv", LEDGER_HEADER, _rows())
    with path.open("a", encoding="utf-8") as fh:  # a cell too big to read stops the import
        fh.write('R-x,C1,"' + "x" * 200_000 + "\n")
    with pytest.raises(ParseError):
        run_import(sqlite_db, path)
    assert not [code for code in _found(sqlite_db, "kestrel") if code.startswith("C")]
    assert _found(sqlite_db, "pelican") == ["P1"]
    assert _foreign_keys(sqlite_db) == 1
    _add_customer(sqlite_db, "P2", "Heron Logistics")
    assert _found(sqlite_db, "heron") == ["P2"]


def test_a_big_dry_run_changes_nothing_and_the_real_import_then_does(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger, "_BULK_BYTES", 0)
    path = write_csv(tmp_path / "big.csv", LEDGER_HEADER, _rows())
    dry = run_import(sqlite_db, path, dry_run=True)
    assert dry.created == ROWS
    assert "C3" not in _found(sqlite_db, "kestrel trading 3")
    assert _foreign_keys(sqlite_db) == 1
    real = run_import(sqlite_db, path)
    assert (real.created, real.payments_added) == (ROWS, ROWS // 2)
    assert _found(sqlite_db, "kestrel trading 3") == ["C3"]


def _invoices(db: Database) -> dict[str, dict]:
    with db.engine.connect() as conn:
        return {r.invoice_no: dict(r._mapping) for r in conn.execute(select(_inv))}


def test_a_reimport_upserts_what_changed_and_leaves_the_rest_alone(
    db: Database, tmp_path: Path
) -> None:
    first = [
        ("U-1", "C1", "Kestrel Trading", "", "li.na", "2026-01-05", "2026-02-04", "CNY",
         "1000.00", "", "", "no"),
        ("U-2", "C1", "Kestrel Trading", "", "", "2026-01-06", "2026-02-05", "CNY",
         "2000.00", "500.00", "", "no"),
        ("U-3", "C2", "Osprey Holdings", "", "", "2026-01-07", "2026-02-06", "USD",
         "300.00", "", "", "no"),
        ("U-4", "C2", "Osprey Holdings", "", "", "2026-01-08", "2026-02-07", "USD",
         "400.00", "", "", "no"),
    ]  # fmt: skip
    run_import(db, write_csv(tmp_path / "first.csv", LEDGER_HEADER, first))
    written_off = date(2026, 3, 1)
    with db.engine.begin() as conn:  # what the bot did since: a dispute, a write-off
        conn.execute(update(_inv).where(_inv.c.invoice_no == "U-1").values(disputed=True))
        conn.execute(
            update(_inv)
            .where(_inv.c.invoice_no == "U-3")
            .values(status="written_off", written_off_on=written_off)
        )
    before = _invoices(db)
    # The next export has no disputed column: U-1 changes its amount, U-2 is paid up, U-3
    # and U-4 change their due dates, U-5 is new.
    header = LEDGER_HEADER[:-1]
    second = [list(row[:-1]) for row in first]
    second[0][8] = "1100.00"
    second[1][9:11] = ["2000.00", "2026-03-10"]
    second[2][6] = "2026-02-20"
    second[3][6] = "2026-02-21"
    second.append(["U-5", "C2", "Osprey Holdings", "", "", "2026-03-01", "2026-03-31", "USD",
                   "50.00", "", ""])  # fmt: skip
    result = run_import(
        db, write_csv(tmp_path / "second.csv", header, second), today=date(2026, 3, 17)
    )
    assert (result.created, result.updated, result.unchanged) == (1, 4, 0)
    assert result.payments_added == 1
    after = _invoices(db)
    assert after["U-1"]["amount_minor"] == 110_000 and after["U-1"]["disputed"] is True
    assert after["U-1"]["owner"] == "li.na"
    assert (after["U-2"]["status"], after["U-2"]["settled_date"]) == ("paid", date(2026, 3, 10))
    assert after["U-3"]["status"] == "written_off"
    assert after["U-3"]["written_off_on"] == written_off
    assert after["U-3"]["due_date"] == date(2026, 2, 20)
    assert (after["U-4"]["status"], after["U-4"]["due_date"]) == ("open", date(2026, 2, 21))
    assert after["U-5"]["amount_minor"] == 5_000 and after["U-5"]["source"] == "second.csv"
    for no in ("U-1", "U-2", "U-3", "U-4"):
        kept = ("id", "customer_id", "source", "created_at", "issue_date", "currency")
        assert {k: after[no][k] for k in kept} == {k: before[no][k] for k in kept}
        assert after[no]["updated_at"] == after["U-5"]["created_at"]
    with db.engine.connect() as conn:
        updated = conn.execute(
            select(_aud.c.entity_id).where(_aud.c.action == "invoice.update")
        ).scalars()
        assert sorted(updated) == ["U-1", "U-2", "U-3", "U-4"]
    again = run_import(db, write_csv(tmp_path / "third.csv", header, second))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)

"""The bulk path of a big import into an empty SQLite ledger (storage.import_sqlite).

Foreign keys are checked once at the end and the customer search index is built once; what
a user sees afterwards must be what the row-by-row path gives: every customer found by name,
a renamed one under its new name only, foreign keys enforced again, a failed or dry run
leaving the ledger and its search as they were.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from storage import ledger
from storage.customer_search import find_customer
from storage.db import Database
from storage.ledger_parse import ParseError
from storage.models import Customer
from tests.conftest import LEDGER_HEADER, run_import, write_csv

_cus = Customer.__table__  # type: ignore[attr-defined]
ROWS = 5000  # more than two of the reader process's chunks


def _rows(rename_at: int | None = None) -> list[tuple[str, ...]]:
    rows = []
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

"""Schema, migrations, the audit chain, uniqueness and people sync (both databases)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from playbook.money import MoneyError, format_money, from_minor, to_minor
from storage import audit
from storage.customer_search import SEARCH_OBJECTS
from storage.db import Database, normalise_url, redact
from storage.models import AuditLog, JobRun, Person, StageEvent
from storage.queries import sync_people
from tests.conftest import LEDGER_HEADER, run_import, write_csv

T0 = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)


def test_migrations_match_the_models_and_are_idempotent(db: Database) -> None:
    """Every table and index the models describe, and nothing else but the search objects
    (storage.customer_search.SEARCH_OBJECTS), which only the migration can say."""
    db.migrate()  # a second run is a no-op
    assert db.pending_migrations() == []
    with db.engine.connect() as conn:
        opts = {"compare_type": True, "include_object": _not_search}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), SQLModel.metadata)
    assert diff == []


def _not_search(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
    return name not in SEARCH_OBJECTS


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_url_handling() -> None:
    assert normalise_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_url("postgresql://h/db") == "postgresql+psycopg://h/db"
    assert "secret" not in redact("postgresql+psycopg://u:secret@h/db")


def _entries(db: Database, n: int) -> None:
    with db.engine.begin() as conn:
        for i in range(n):
            audit.append(
                conn,
                at=T0 + timedelta(seconds=i),
                actor="li.na",
                action="test.event",
                entity="invoice",
                entity_id=f"INV-{i}",
                detail={"n": i, "名": "值"},
            )


def test_audit_chain_verifies(db: Database) -> None:
    _entries(db, 5)
    with db.engine.connect() as conn:
        result = audit.verify(conn)
    assert result.ok and result.rows == 5 and len(result.head) == 64


def test_audit_detects_an_edited_row(db: Database) -> None:
    _entries(db, 5)
    table = AuditLog.__table__  # type: ignore[attr-defined]
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(table).where(table.c.entity_id == "INV-2").values(detail='{"n":200}')
        )
    with db.engine.connect() as conn:
        result = audit.verify(conn)
    assert not result.ok
    assert any("content does not match its hash" in p for p in result.problems)


def test_audit_detects_a_deleted_row(db: Database) -> None:
    _entries(db, 5)
    table = AuditLog.__table__  # type: ignore[attr-defined]
    with db.engine.begin() as conn:
        conn.execute(sa.delete(table).where(table.c.entity_id == "INV-1"))
    with db.engine.connect() as conn:
        result = audit.verify(conn)
    assert not result.ok
    assert any("does not follow the entry before it" in p for p in result.problems)


def test_audit_cannot_fork(db: Database) -> None:
    _entries(db, 1)
    table = AuditLog.__table__  # type: ignore[attr-defined]
    with db.engine.connect() as conn:
        row = conn.execute(sa.select(table)).one()
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(
            table.insert().values(
                at=T0,
                actor="x",
                action="x",
                entity="x",
                entity_id="x",
                detail="{}",
                prev_hash=row.prev_hash,
                hash="f" * 64,
            )
        )


def test_stage_event_and_job_run_are_unique(db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run_import(
        db,
        write_csv(
            tmp_path / "l.csv",
            LEDGER_HEADER,
            [("I-1", "C1", "", "", "", "2026-01-01", "2026-01-31", "CNY", "1", "", "", "")],
        ),
    )
    stage = StageEvent.__table__  # type: ignore[attr-defined]
    runs = JobRun.__table__  # type: ignore[attr-defined]
    with db.engine.connect() as conn:
        invoice_id = conn.exec_driver_sql("SELECT id FROM invoice").scalar_one()
    values = {
        "invoice_id": invoice_id,
        "stage": "early",
        "entered_on": date(2026, 2, 1),
        "created_at": T0,
    }
    with db.engine.begin() as conn:
        conn.execute(stage.insert().values(**values))
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(stage.insert().values(**values))
    with db.engine.begin() as conn:
        conn.execute(runs.insert().values(job="scan", period="2026-02-01", started_at=T0))
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(runs.insert().values(job="scan", period="2026-02-01", started_at=T0))


def test_people_sync(db: Database) -> None:
    table = Person.__table__  # type: ignore[attr-defined]
    with db.engine.begin() as conn:
        sync_people(
            conn,
            {
                "li.na": {"name": "李娜", "team": "finance", "role": "member"},
                "bob": {"name": "Bob", "team": "sales"},
            },
            T0,
        )
        sync_people(conn, {"li.na": {"name": "李娜", "team": "finance", "role": "lead"}}, T0)
    with db.engine.connect() as conn:
        rows = {r.key: r for r in conn.execute(sa.select(table))}
    assert rows["li.na"].role == "lead" and rows["li.na"].active
    assert not rows["bob"].active


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("12.34", "USD", 1234),
        ("-0.01", "CNY", -1),
        ("1250000", "JPY", 1250000),
        ("1.234", "KWD", 1234),
        ("5", "EUR", 500),
    ],
)
def test_money_minor_units(amount: str, currency: str, minor: int) -> None:
    from decimal import Decimal

    assert to_minor(Decimal(amount), currency) == minor
    assert from_minor(minor, currency) == Decimal(amount)


def test_money_refuses_to_round() -> None:
    from decimal import Decimal

    with pytest.raises(MoneyError, match="more decimal places than JPY allows"):
        to_minor(Decimal("1.5"), "JPY")


def test_money_formatting() -> None:
    from decimal import Decimal

    assert format_money(Decimal("1234.5"), "CNY", "zh-CN") == "¥1,234.50"
    assert format_money(Decimal("1234.5"), "CNY", "en") == "CN¥1,234.50"
    assert format_money(Decimal("-20"), "USD", "en") == "-$20.00"
    assert format_money(Decimal("20"), "USD", "zh-CN") == "US$20.00"
    assert format_money(Decimal("1000"), "CHF", "en") == "CHF 1,000.00"
    assert format_money(Decimal("1250000"), "JPY", "en") == "¥1,250,000"

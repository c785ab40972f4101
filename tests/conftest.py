"""Shared fixtures: a small company config, a fake clock, and a database on SQLite and PostgreSQL.

PostgreSQL tests read ARCIRCLE_TEST_DATABASE_URL and run in a schema of their own that is
dropped afterwards. Without the variable they are skipped locally; under CI=true a missing or
unreachable server fails them instead.
"""

from __future__ import annotations

import csv
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.kernel.clock import FakeClock
from bot.kernel.config import Config, load_config
from storage.db import Database
from storage.ledger import ImportOptions, ImportResult, import_ledger

PG_URL = os.environ.get("ARCIRCLE_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

TEST_CONFIG = """\
company:
  name: Test Machinery
  currency: CNY
  timezone: Asia/Shanghai
  locale: en
  fx_rates: {USD: "7.00"}
people:
  wang.wei: {name: 王伟, team: sales, role: lead, slack: U1}
  tom.baker: {name: Tom Baker, team: sales}
  li.na: {name: 李娜, team: finance, role: lead, locale: zh-CN}
  zhao.yun: {name: 赵云, team: legal, role: lead}
  liu.yang: {name: 刘洋, role: manager}
teams:
  sales: {name: Sales, lead: wang.wei, manager: liu.yang}
  finance: {name: Finance, lead: li.na, manager: liu.yang}
  legal: {name: Legal, lead: zhao.yun, manager: liu.yang}
platforms:
  console: {channel: "#test", default_person: tom.baker}
"""


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(TEST_CONFIG, encoding="utf-8")
    return path


@pytest.fixture
def config(config_path: Path) -> Config:
    return load_config(config_path, env={})


@pytest.fixture
def clock() -> FakeClock:
    # 10:00 in Shanghai on 2026-03-16.
    return FakeClock(datetime(2026, 3, 16, 2, 0, tzinfo=UTC))


def postgres_schema_url() -> Iterator[str]:
    """The test server's URL pointing at a fresh schema of its own, dropped afterwards."""
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI=true but ARCIRCLE_TEST_DATABASE_URL is not set")
        pytest.skip("set ARCIRCLE_TEST_DATABASE_URL to run the PostgreSQL tests")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = Database(PG_URL)
    try:
        with admin.engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL at {PG_URL} is unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _schema_shape(conn: sa.Connection) -> tuple[tuple[str, ...], ...]:
    """Tables and indexes of the current schema: a test that left DDL behind changes it."""
    rows = conn.execute(
        sa.text(
            "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "UNION ALL SELECT tablename, '' FROM pg_tables WHERE schemaname = current_schema() "
            "ORDER BY 1, 2"
        )
    ).all()
    return tuple(tuple(r) for r in rows)


class _PostgresSchemas:
    """Migrated schemas handed from test to test, emptied in between.

    Creating a schema and running every migration costs about a second on PostgreSQL; emptying
    the tables and restarting their sequences costs a few milliseconds. A schema whose tables
    or indexes a test changed is dropped rather than reused.
    """

    def __init__(self) -> None:
        self._free: list[tuple[str, tuple[tuple[str, ...], ...]]] = []
        self._makers: list[Iterator[str]] = []

    def take(self) -> tuple[str, tuple[tuple[str, ...], ...]]:
        if self._free:
            return self._free.pop()
        maker = postgres_schema_url()
        url = next(maker)
        self._makers.append(maker)
        db = Database(url)
        try:
            db.migrate()
            with db.engine.connect() as conn:
                shape = _schema_shape(conn)
        finally:
            db.dispose()
        return url, shape

    def give_back(self, url: str, shape: tuple[tuple[str, ...], ...]) -> None:
        db = Database(url)
        try:
            with db.engine.begin() as conn:
                if _schema_shape(conn) != shape:
                    return
                # DELETE beats TRUNCATE on tables this small; replica mode skips the foreign
                # key triggers, so the order of the tables does not matter.
                conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
                tables = conn.execute(
                    sa.text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                        "AND tablename <> 'alembic_version'"
                    )
                ).scalars()
                for name in list(tables):
                    conn.execute(sa.text(f'DELETE FROM "{name}"'))
                sequences = conn.execute(
                    sa.text(
                        "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
                    )
                ).scalars()
                for name in list(sequences):
                    conn.execute(sa.text(f'ALTER SEQUENCE "{name}" RESTART'))
        finally:
            db.dispose()
        self._free.append((url, shape))

    def close(self) -> None:
        for maker in self._makers:
            maker.close()  # runs the generator's finally: DROP SCHEMA


@pytest.fixture(scope="session")
def _pg_schemas() -> Iterator[_PostgresSchemas]:
    schemas = _PostgresSchemas()
    yield schemas
    schemas.close()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (migrating anew takes far longer)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(f"sqlite:///{path}")
    database.migrate()
    database.dispose()
    return path


def _sqlite_copy(template: Path, tmp_path: Path) -> Database:
    target = tmp_path / "test.db"
    shutil.copyfile(template, target)
    return Database(f"sqlite:///{target}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(
    request: pytest.FixtureRequest, tmp_path: Path, _sqlite_template: Path
) -> Iterator[Database]:
    """The same test on both databases, each starting empty and migrated."""
    if request.param == "postgresql":
        schemas: _PostgresSchemas = request.getfixturevalue("_pg_schemas")
        url, shape = schemas.take()
        database = Database(url)
        try:
            yield database
        finally:
            database.dispose()
            schemas.give_back(url, shape)
        return
    database = _sqlite_copy(_sqlite_template, tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path, _sqlite_template: Path) -> Iterator[Database]:
    database = _sqlite_copy(_sqlite_template, tmp_path)
    yield database
    database.dispose()


LEDGER_HEADER = (
    "invoice_no",
    "customer",
    "customer_name",
    "segment",
    "owner",
    "issue_date",
    "due_date",
    "currency",
    "amount",
    "paid_amount",
    "settled_date",
    "disputed",
)


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
TODAY = date(2026, 3, 16)


def run_import(
    db: Database, path: Path, *, today: date = TODAY, dry_run: bool = False, **options: Any
) -> ImportResult:
    options.setdefault("currency", "CNY")
    return import_ledger(db, path, ImportOptions(**options), now=NOW, today=today, dry_run=dry_run)

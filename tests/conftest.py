"""Shared fixtures: a small company config, a fake clock, and a database on SQLite and PostgreSQL.

PostgreSQL tests read ARCIRCLE_TEST_DATABASE_URL and run in a schema of their own that is
dropped afterwards. Without the variable they are skipped locally; under CI=true a missing or
unreachable server fails them instead.
"""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.clock import FakeClock
from bot.config import Config, load_config
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


def _postgres_db() -> Iterator[Database]:
    for url in postgres_schema_url():
        db = Database(url)
        try:
            db.migrate()
            yield db
        finally:
            db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The same test on both databases."""
    if request.param == "postgresql":
        yield from _postgres_db()
        return
    database = Database(f"sqlite:///{tmp_path}/test.db")
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path}/test.db")
    database.migrate()
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

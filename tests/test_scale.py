"""No query breaks at scale: the scans, the circle and `arcircle outbox retry` over more rows than
a statement may have parameters (PostgreSQL's driver: 65,535; SQLite: 32,766 by default since
3.32, which the SQLite database here is held to whatever this machine's build allows).

The ledgers are made inside the database (a recursive CTE feeding INSERT ... SELECT), so 70,000
invoices take a fraction of a second on either database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    CTE,
    String,
    Table,
    and_,
    case,
    cast,
    event,
    false,
    func,
    insert,
    literal,
    select,
)

from bot.circle_env import circle_env
from bot.kernel.config import Config
from jobs.circle import predue_reminders, scan_overdue
from storage import outbox as ob
from storage.circle import CircleEnv, load_case
from storage.db import Database
from storage.models import Case, CaseTrigger, Customer, Invoice, JobRun, Person, StageEvent
from storage.queries import sync_people
from tests.conftest import LEDGER_HEADER, run_import, write_csv
from tests.test_outbox import cli

BIG = 70_000  # invoices to scan: more than either database takes as parameters of a statement
SQLITE_DEFAULT_VARIABLES = 32_766
TODAY = date(2026, 3, 16)
NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)

_cus: Table = Customer.__table__  # type: ignore[attr-defined]
_inv: Table = Invoice.__table__  # type: ignore[attr-defined]
_ev: Table = StageEvent.__table__  # type: ignore[attr-defined]
_case: Table = Case.__table__  # type: ignore[attr-defined]
_trig: Table = CaseTrigger.__table__  # type: ignore[attr-defined]
_runs: Table = JobRun.__table__  # type: ignore[attr-defined]
_per: Table = Person.__table__  # type: ignore[attr-defined]


@pytest.fixture
def big_db(db: Database) -> Iterator[Database]:
    """The `db` fixture, with SQLite held to its default limit of variables a statement."""
    if db.is_sqlite:

        def limit(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, SQLITE_DEFAULT_VARIABLES)

        event.listen(db.engine, "connect", limit)
        db.engine.dispose()  # connections made before the listener get the limit too
    yield db


def over_limit(db: Database) -> int:
    """Just over what one statement may carry on this database (a multiple of 4)."""
    return 33_000 if db.is_sqlite else 66_000


@pytest.fixture
def env(config: Config) -> CircleEnv:
    return circle_env(config)


# --- making big ledgers in the database -------------------------------------------------------


def _numbers(count: int) -> CTE:
    """1..count, as rows of one column `i`."""
    n = select(literal(1).label("i")).cte("n", recursive=True)
    return n.union_all(select(n.c.i + 1).where(n.c.i < count))


def _text(prefix: str, number: Any) -> Any:
    return literal(prefix, String) + cast(number, String)


def add_customers(db: Database, prefix: str, count: int, now: datetime = NOW) -> None:
    n = _numbers(count)
    rows = select(
        _text(prefix, n.c.i),
        _text(f"{prefix} Trading No. ", n.c.i),
        literal("normal"),
        false(),
        literal("active"),
        literal(now, _cus.c.created_at.type),
        literal(now, _cus.c.updated_at.type),
    )
    cols = ["code", "name", "segment", "on_hold", "status", "created_at", "updated_at"]
    with db.engine.begin() as conn:
        conn.execute(insert(_cus).from_select(cols, rows))


def add_invoices(
    db: Database,
    prefix: str,
    count: int,
    *,
    customers: str,
    spread: int,
    first: int = 1,
    due: date,
    owners: tuple[str | None, ...] = ("wang.wei",),
    now: datetime = NOW,
) -> None:
    """`count` open invoices `{prefix}1...`, all due on `due`, round-robin over the customers
    `{customers}{first}..` (`spread` of them) and over `owners`."""
    n = _numbers(count)
    customer = _text(customers, (n.c.i % spread) + first)
    owner = case(
        *((n.c.i % len(owners) == k, literal(o, String)) for k, o in enumerate(owners)),
        else_=literal(None, String),
    )
    rows = (
        select(
            _text(prefix, n.c.i),
            _cus.c.id,
            literal(due - timedelta(days=30), _inv.c.issue_date.type),
            literal(due, _inv.c.due_date.type),
            literal("CNY"),
            100_000 + n.c.i,
            literal(0),
            literal("open"),
            false(),
            owner,
            literal(now, _inv.c.created_at.type),
            literal(now, _inv.c.updated_at.type),
        )
        .select_from(n)
        .join(_cus, _cus.c.code == customer)
    )
    cols = [
        "invoice_no", "customer_id", "issue_date", "due_date", "currency", "amount_minor",
        "paid_minor", "status", "disputed", "owner", "created_at", "updated_at",
    ]  # fmt: skip
    with db.engine.begin() as conn:
        conn.execute(insert(_inv).from_select(cols, rows))


def count(db: Database, table: Table, *where: Any) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def cases_by_customer_code(db: Database) -> dict[str, tuple[int, str, str]]:
    """code → (case id, stage, trigger) of every case."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(_cus.c.code, _case.c.id, _case.c.stage, _case.c.trigger).join(
                _cus, _cus.c.id == _case.c.customer_id
            )
        ).all()
    return {r.code: (r.id, r.stage, r.trigger) for r in rows}


def pending(db: Database, kind: str) -> list[ob.OutRow]:
    with db.engine.connect() as conn:
        return [r for r in ob.listing(conn, ("pending",), 10_000) if r.kind == kind]


# --- the overdue scan -------------------------------------------------------------------------


def test_first_scan_of_70000_overdue_invoices_opens_only_todays_news(
    big_db: Database, env: CircleEnv
) -> None:
    db = big_db
    # 7,000 customers owe 70,000 invoices 40 days late: early and mid entries, none news.
    add_customers(db, "OLD", 7_000)
    add_invoices(db, "INV-OLD-", BIG, customers="OLD", spread=7_000, due=TODAY - timedelta(40))
    # Three customers whose invoice entered a stage today: early, mid and late.
    add_customers(db, "NEWS", 3)
    for k, days in enumerate((1, 31, 91), 1):
        due = TODAY - timedelta(days)
        add_invoices(db, f"INV-NEWS{k}-", 1, customers="NEWS", spread=1, first=k, due=due)

    result = scan_overdue(db, env, today=TODAY, now=NOW)

    cases = cases_by_customer_code(db)
    assert {code: stage for code, (_, stage, _) in cases.items()} == {
        "NEWS1": "early",
        "NEWS2": "mid",
        "NEWS3": "late",
    }
    assert sorted(result.cases) == sorted(case_id for case_id, _, _ in cases.values())
    assert result.fired == 3
    assert [r.payload["case"] for r in pending(db, "card")] == list(result.cases)
    # Every entry is recorded once, on the day the invoice entered the stage.
    old_early = _ev.c.entered_on == TODAY - timedelta(39)
    old_mid = _ev.c.entered_on == TODAY - timedelta(9)
    assert count(db, _ev, _ev.c.stage == "early", old_early) == BIG
    assert count(db, _ev, _ev.c.stage == "mid", old_mid) == BIG
    assert count(db, _ev, _ev.c.stage == "late") == 1
    # NEWS1: early; NEWS2: early (a month ago) and mid; NEWS3: early, mid and late.
    assert count(db, _ev) == 2 * BIG + 6
    assert result.recorded == 2 * BIG + 6
    with db.engine.connect() as conn:
        detail = conn.execute(select(_runs.c.detail).where(_runs.c.job == "overdue_scan")).scalar()
    assert detail == f"{2 * BIG + 6} entries"

    again = scan_overdue(db, env, today=TODAY, now=NOW + timedelta(minutes=10))
    assert (again.recorded, again.fired, again.cases) == (0, 0, ())


def test_a_customer_with_more_invoices_entering_a_stage_than_parameters_gets_one_case(
    big_db: Database, env: CircleEnv
) -> None:
    db = big_db
    n = over_limit(db)
    # All of one customer's invoices fell due yesterday: today every one of them is news.
    add_customers(db, "BIG", 1)
    add_invoices(db, "INV-BIG-", n, customers="BIG", spread=1, due=TODAY - timedelta(1))

    result = scan_overdue(db, env, today=TODAY, now=NOW)

    assert len(result.cases) == 1 and (result.recorded, result.fired) == (n, n)
    (case_id,) = result.cases
    assert count(db, _trig, _trig.c.key.like("stage:%:early")) == n
    assert count(db, _ev, _ev.c.stage == "early", _ev.c.entered_on == TODAY) == n
    with db.engine.connect() as conn:
        view = load_case(conn, case_id)
    assert view is not None
    assert (view.customer_code, view.stage, len(view.invoices)) == ("BIG1", "early", n)
    assert [s.state.team for s in view.seats] == ["sales", "finance"]
    assert [r.payload["case"] for r in pending(db, "card")] == [case_id]
    again = scan_overdue(db, env, today=TODAY, now=NOW + timedelta(minutes=10))
    assert (again.recorded, again.fired, again.cases) == (0, 0, ())


def test_pre_due_reminders_for_more_invoices_than_parameters_one_message_per_owner(
    big_db: Database, env: CircleEnv
) -> None:
    db = big_db
    n = over_limit(db)
    add_customers(db, "SOON", 500)
    owners = ("wang.wei", "tom.baker", "li.na", None)
    add_invoices(
        db, "INV-SOON-", n, customers="SOON", spread=500, due=TODAY + timedelta(3), owners=owners
    )

    assert predue_reminders(db, env, today=TODAY, now=NOW, days=7) == n

    assert count(db, _ev, _ev.c.stage == "pre_due", _ev.c.entered_on == TODAY) == n
    rows = pending(db, "predue")
    assert sorted(r.destination for r in rows) == ["#test", "@li.na", "@tom.baker", "@wang.wei"]
    for r in rows:
        # Each owner's message lists the first 15 and says how many more there are.
        assert len(r.payload["invoices"]) == 15 and r.payload["more"] == n // 4 - 15
    assert predue_reminders(db, env, today=TODAY, now=NOW, days=7) == 0


def test_an_import_leaves_the_planner_statistics_up_to_date(db: Database, tmp_path: Path) -> None:
    """Without statistics SQLite reads every open invoice of the ledger to find one
    customer's (0.1 s a case opened at a million invoices); an import refreshes them."""
    rows = [
        (f"INV-{i}", f"C{i % 3}", f"Customer {i % 3}", "normal", "wang.wei", "2026-01-01",
         "2026-02-01", "CNY", "100.00", "", "", "no")
        for i in range(30)
    ]  # fmt: skip
    run_import(db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, rows))
    if db.is_sqlite:
        stats = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'invoice'"
    else:
        stats = (
            "SELECT count(*) FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = 'invoice'"
        )
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql(stats).scalar_one() > 0


# --- lists of ids from outside -----------------------------------------------------------------


def test_outbox_retry_of_more_ids_than_parameters_requeues_the_parked_and_names_the_rest(
    big_db: Database,
) -> None:
    db = big_db
    n = over_limit(db)
    with db.engine.begin() as conn:
        for key in ("a", "b", "c"):
            ob.enqueue(
                conn, key=key, platform="slack", destination="C1", kind="alert",
                payload={"text": key}, now=NOW,
            )  # fmt: skip
        ids = {r.key: r.id for r in ob.listing(conn)}
        ob.park(conn, ids["a"], NOW, "channel_not_found")
        ob.park(conn, ids["c"], NOW, "channel_not_found")
    asked = [ids["a"], ids["b"], ids["c"], *range(100_001, 100_001 + n)]

    code, out = cli(db, NOW, "retry", *map(str, asked))

    lines = out.splitlines()
    assert code == 1 and lines[0] == "re-queued 2 rows"
    assert lines[1] == f"row {ids['b']} is pending, not parked"
    assert lines[2] == "row 100001 does not exist" and len(lines) == 2 + n
    with db.engine.connect() as conn:
        assert ob.counts(conn) == {"pending": 3, "parked": 0, "sent": 0, "superseded": 0}
        assert [r.key for r in ob.rows(conn, asked)] == ["a", "b", "c"]


def test_more_people_gone_from_the_config_than_parameters_become_inactive(big_db: Database) -> None:
    db = big_db
    people = _numbers(over_limit(db))
    rows = select(
        _text("p", people.c.i), _text("Person ", people.c.i), literal("member"), literal(True),
        literal(NOW, _per.c.updated_at.type),
    )  # fmt: skip
    with db.engine.begin() as conn:
        conn.execute(
            insert(_per).from_select(["key", "name", "role", "active", "updated_at"], rows)
        )
        sync_people(conn, {"p1": {"name": "Person 1"}}, NOW + timedelta(days=1))
    assert count(db, _per, _per.c.active.is_(True)) == 1
    assert count(db, _per, and_(_per.c.key == "p1", _per.c.active.is_(True))) == 1


def test_the_limit_is_really_in_force_on_sqlite(big_db: Database) -> None:
    """The tests above mean something on SQLite only if a statement with more variables than
    its default limit does fail here."""
    if not big_db.is_sqlite:
        pytest.skip("PostgreSQL's driver refuses more than 65,535 parameters on its own")
    with big_db.engine.connect() as conn, pytest.raises(Exception, match="too many SQL variables"):
        conn.execute(
            select(_inv.c.id).where(_inv.c.id.in_(list(range(SQLITE_DEFAULT_VARIABLES + 1))))
        )


def test_big_helpers_make_what_they_say(big_db: Database) -> None:
    add_customers(big_db, "H", 2)
    add_invoices(big_db, "INV-H-", 5, customers="H", spread=2, due=TODAY, owners=("a", None))
    with big_db.engine.connect() as conn:
        rows = conn.execute(
            select(_inv.c.invoice_no, _cus.c.code, _inv.c.owner, _inv.c.due_date)
            .join(_cus, _cus.c.id == _inv.c.customer_id)
            .order_by(_inv.c.amount_minor)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("INV-H-1", "H2", None, TODAY),
        ("INV-H-2", "H1", "a", TODAY),
        ("INV-H-3", "H2", None, TODAY),
        ("INV-H-4", "H1", "a", TODAY),
        ("INV-H-5", "H2", None, TODAY),
    ]

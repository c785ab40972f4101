"""customer_profile and the limitation watch: contact, contract interest, acknowledgements
(statement, promise, part payment) restarting the 3-year period, reminders and refusals.

Runs on SQLite and PostgreSQL; today is 2026-03-16 as in the other circle tests.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.circle_env import circle_env
from bot.kernel.config import Config
from jobs.circle import watch_limitation
from storage.acknowledgements import record_acknowledgement
from storage.customer_facts import customer_profile
from storage.db import Database
from storage.models import Case, CaseTrigger, Customer, Decision, Invoice, Payment, Promise
from tests.conftest import LEDGER_HEADER, NOW, TODAY, run_import, write_csv

_cus = Customer.__table__  # type: ignore[attr-defined]
_inv = Invoice.__table__  # type: ignore[attr-defined]
_pay = Payment.__table__  # type: ignore[attr-defined]
_case = Case.__table__  # type: ignore[attr-defined]
_dec = Decision.__table__  # type: ignore[attr-defined]
_prom = Promise.__table__  # type: ignore[attr-defined]
_trig = CaseTrigger.__table__  # type: ignore[attr-defined]

ROWS = [
    # Old Mill: two old debts; OM-1's period (from its due date) ends on 2026-04-01.
    ("OM-1", "C3", "Old Mill Ltd", "", "wang.wei", "2023-03-01", "2023-04-01", "CNY", "900.00",
     "", "", "no"),
    ("OM-2", "C3", "Old Mill Ltd", "", "wang.wei", "2023-04-01", "2023-05-01", "CNY", "400.00",
     "", "", "no"),
    ("NW-1", "C1", "Northwind", "", "wang.wei", "2026-05-01", "2026-06-01", "CNY", "500.00",
     "", "", "no"),
]  # fmt: skip


@pytest.fixture
def ledger(db: Database, tmp_path: Path) -> Database:
    run_import(db, write_csv(tmp_path / "l.csv", LEDGER_HEADER, ROWS))
    return db


def _ids(db: Database) -> tuple[int, dict[str, int]]:
    with db.engine.connect() as conn:
        cid = conn.execute(select(_cus.c.id).where(_cus.c.code == "C3")).scalar_one()
        invs = dict(conn.execute(select(_inv.c.invoice_no, _inv.c.id)).all())
    return cid, invs


def _statement(db: Database, customer_id: int, day: date) -> None:
    with db.engine.begin() as conn:
        record_acknowledgement(
            conn, customer_id=customer_id, kind="statement", on_date=day, actor="li.na", now=NOW
        )


def _case_for(db: Database, customer_id: int) -> int:
    with db.engine.begin() as conn:
        return int(
            conn.execute(
                _case.insert()
                .values(
                    customer_id=customer_id, status="open", trigger="manual", stage="late",
                    opened_at=NOW, opened_by="li.na", policy="{}", version=1, updated_at=NOW,
                )
                .returning(_case.c.id)
            ).scalar_one()
        )  # fmt: skip


def _watch(db: Database, config: Config, today: date) -> int:
    now = datetime(today.year, today.month, today.day, 2, tzinfo=UTC)
    return watch_limitation(db, circle_env(config), today=today, now=now, years=3, warn_days=90)


def _keys(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return sorted(conn.execute(select(_trig.c.key)).scalars())


def test_without_acknowledgement_the_period_runs_from_the_due_date(
    ledger: Database, config: Config
) -> None:
    cid, invs = _ids(ledger)
    with ledger.engine.connect() as conn:
        profile = customer_profile(conn, cid, TODAY)
    assert profile.limitation_ends == date(2026, 4, 1)
    assert profile.acknowledged_on is None and profile.acknowledged_by is None
    assert _watch(ledger, config, TODAY) == 1
    # The key of a period that runs from the due date is the one it always was.
    assert _keys(ledger) == [f"limitation:{invs['OM-1']}", f"limitation:{invs['OM-2']}"]


def test_a_statement_signed_last_month_stops_the_watch_until_its_new_period_nears_its_end(
    ledger: Database, config: Config
) -> None:
    cid, invs = _ids(ledger)
    _statement(ledger, cid, date(2026, 2, 10))
    with ledger.engine.connect() as conn:
        profile = customer_profile(conn, cid, TODAY)
    assert profile.acknowledged_on == date(2026, 2, 10)
    assert profile.acknowledged_by == "statement"
    assert profile.limitation_ends == date(2029, 2, 10)
    assert _watch(ledger, config, TODAY) == 0
    assert _watch(ledger, config, date(2028, 11, 1)) == 0  # 101 days before the end
    assert _watch(ledger, config, date(2028, 11, 15)) == 1  # 87 days before: legal is called
    assert _keys(ledger) == [
        f"limitation:{invs['OM-1']}:2029-02-10",
        f"limitation:{invs['OM-2']}:2029-02-10",
    ]
    assert _watch(ledger, config, date(2028, 11, 16)) == 0  # once per period


def test_a_period_restarted_after_the_watch_fired_fires_again_near_its_new_end(
    ledger: Database, config: Config
) -> None:
    cid, invs = _ids(ledger)
    assert _watch(ledger, config, TODAY) == 1
    _statement(ledger, cid, date(2026, 3, 20))
    assert _watch(ledger, config, date(2026, 3, 25)) == 0
    assert _watch(ledger, config, date(2029, 1, 1)) == 1
    assert f"limitation:{invs['OM-1']}:2029-03-20" in _keys(ledger)


def test_a_part_payment_restarts_only_its_own_invoice(ledger: Database, config: Config) -> None:
    cid, invs = _ids(ledger)
    with ledger.engine.begin() as conn:
        conn.execute(
            _pay.insert().values(
                invoice_id=invs["OM-1"], paid_on=date(2026, 1, 5), amount_minor=10000,
                dated=True, source="ledger", created_at=NOW,
            )
        )  # fmt: skip
        conn.execute(_inv.update().where(_inv.c.id == invs["OM-1"]).values(paid_minor=10000))
        profile = customer_profile(conn, cid, TODAY)
    assert profile.acknowledged_by == "payment" and profile.acknowledged_on == date(2026, 1, 5)
    # OM-2 still ends three years after its due date.
    assert profile.limitation_ends == date(2026, 5, 1)
    assert _watch(ledger, config, TODAY) == 1
    assert _keys(ledger) == [f"limitation:{invs['OM-2']}"]


def test_a_promise_restarts_every_open_invoice_of_the_customer(
    ledger: Database, config: Config
) -> None:
    cid, _ = _ids(ledger)
    case_id = _case_for(ledger, cid)
    made = datetime(2026, 3, 1, 3, tzinfo=UTC)
    with ledger.engine.begin() as conn:
        conn.execute(
            _prom.insert().values(
                case_id=case_id, customer_id=cid, amount_minor=90000, currency="CNY",
                due_on=date(2026, 3, 31), baseline_paid_minor=0, made_by="wang.wei",
                made_at=made, status="pending",
            )
        )  # fmt: skip
        profile = customer_profile(conn, cid, TODAY)
    assert (profile.acknowledged_on, profile.acknowledged_by) == (date(2026, 3, 1), "promise")
    assert profile.limitation_ends == date(2029, 3, 1)
    assert _watch(ledger, config, TODAY) == 0


def test_profile_contact_interest_reminders_and_refusal(ledger: Database) -> None:
    cid, invs = _ids(ledger)
    case_id = _case_for(ledger, cid)
    with ledger.engine.begin() as conn:
        conn.execute(
            update(_cus)
            .where(_cus.c.id == cid)
            .values(
                contact_name="王建国", contact_title="总经理", interest_per_day=Decimal("0.0005"),
                relationship_since=date(2015, 6, 1), credit_limit_minor=5_000_000,
                credit_currency="CNY",
            )
        )  # fmt: skip
        conn.execute(
            update(_inv).where(_inv.c.id == invs["OM-2"]).values(interest_per_day=Decimal("0.001"))
        )
        for action in ("remind", "call", "visit", "call", "extension"):
            conn.execute(
                _dec.insert().values(case_id=case_id, action=action, person="wang.wei", at=NOW)
            )
        before = customer_profile(conn, cid, TODAY)
        conn.execute(
            _dec.insert().values(case_id=case_id, action="refused", person="wang.wei", at=NOW)
        )
        after = customer_profile(conn, cid, TODAY + timedelta(days=1))
    assert before.contact_name == "王建国" and before.contact_title == "总经理"
    assert before.relationship_since == date(2015, 6, 1)
    assert before.credit_limit == (Decimal("50000.00"), "CNY")
    assert before.interest_per_day == Decimal("0.0005")
    assert dict(before.invoice_interest) == {"OM-2": Decimal("0.001")}
    assert before.reminders_sent == 4 and not before.refused_full
    assert after.refused_full
    # Another customer's records are not this one's.
    with ledger.engine.connect() as conn:
        other = conn.execute(select(_cus.c.id).where(_cus.c.code == "C1")).scalar_one()
        northwind = customer_profile(conn, other, TODAY)
        assert northwind.reminders_sent == 0 and northwind.contact_name is None
        assert northwind.limitation_ends == date(2029, 6, 1)
        assert customer_profile(conn, 999, TODAY).limitation_ends is None

"""/ar statement records a signed statement of account; /ar decide ... refused; /ar check
shows the grade, the prepayment rule, a large balance, the contact and the limitation clock.

The world is test_circle's: today 2026-03-16; Old Mill (C3) owes INV-4, due 2023-04-01, whose
period ends on 2026-04-01; Northwind (C1) owes INV-1 and INV-2.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.kernel.clock import FakeClock
from bot.kernel.config import Config
from playbook.aging import RiskGrade
from playbook.credit_check import down_payment, large_balance, needs_prepayment
from storage.customer_facts import CustomerProfile, customer_profile
from storage.db import Database
from storage.models import Acknowledgement, AuditLog, Customer
from tests.conftest import LEDGER_HEADER, run_import, write_csv
from tests.test_circle import LEDGER, World

_ack = Acknowledgement.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]
_audit = AuditLog.__table__  # type: ignore[attr-defined]


@pytest.fixture
def world(db: Database, tmp_path: Path, config: Config, clock: FakeClock) -> World:
    run_import(db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    return World(db, config, clock, tmp_path)


def _profile(world: World, code: str) -> CustomerProfile:
    with world.db.engine.connect() as conn:
        cid = conn.execute(select(_cus.c.id).where(_cus.c.code == code)).scalar_one()
        return customer_profile(conn, cid, world.today())


async def test_a_statement_restarts_the_period_and_says_when_it_now_ends(world: World) -> None:
    out = await world.say("zhao.yun", "/ar statement Old Mill 2026-03-10 stamped copy filed")
    assert "Statement of account from Old Mill Ltd (C3) signed on 2026-03-10 is recorded" in out
    assert "now ends on 2029-03-10" in out
    with world.db.engine.connect() as conn:
        row = conn.execute(select(_ack)).one()
        entry = conn.execute(
            select(_audit.c.actor, _audit.c.action).where(_audit.c.entity == "acknowledgement")
        ).one()
    assert (row.kind, row.on_date, row.note, row.actor) == (
        "statement",
        date(2026, 3, 10),
        "stamped copy filed",
        "zhao.yun",
    )
    assert tuple(entry) == ("zhao.yun", "acknowledgement.statement")
    profile = _profile(world, "C3")
    assert profile.acknowledged_by == "statement"
    assert profile.limitation_ends == date(2029, 3, 10)


async def test_statement_defaults_to_today_and_takes_chinese_aliases(world: World) -> None:
    out = await world.say("liu.yang", "/ar 对账单 C1")
    assert "signed on 2026-03-16 is recorded" in out
    out = await world.say("zhao.yun", "/ar 对账 Northwind 昨天")
    assert "signed on 2026-03-15" in out


async def test_statement_refuses_wrong_dates_and_people(world: World) -> None:
    out = await world.say("tom.baker", "/ar statement Old Mill")
    assert "Only Finance (李娜) / Legal (赵云) / a manager (刘洋)" in out
    out = await world.say("zhao.yun", "/ar statement Old Mill 2026-03-20")
    assert "2026-03-20 is in the future" in out
    out = await world.say("zhao.yun", "/ar statement Old Mill 1999-12-31")
    assert "1999-12-31 is before 2000-01-01" in out
    assert "Usage: /ar statement" in await world.say("zhao.yun", "/ar statement")
    out = await world.say("zhao.yun", "/ar statement Nobody 2026-03-01")
    assert "No customer matches" in out
    out = await world.say("li.na", "/ar 对账单 Old Mill 2026-03-20")
    assert "2026-03-20 还没到" in out
    with world.db.engine.connect() as conn:
        assert conn.execute(select(_ack)).all() == []


async def test_refused_is_a_decision_anyone_may_record(world: World) -> None:
    world.scan()
    out = await world.say("tom.baker", "/ar decide 1 refused says they can only pay half")
    assert "Customer refused full payment recorded" in out
    assert _profile(world, "C1").refused_full
    assert not _profile(world, "C3").refused_full


async def test_check_shows_grade_prepayment_contact_and_limitation(world: World) -> None:
    with world.db.engine.begin() as conn:
        conn.execute(
            update(_cus)
            .where(_cus.c.code == "C3")
            .values(
                contact_name="王建国",
                contact_title="总经理",
                relationship_since=date(2012, 5, 1),
                credit_limit_minor=100_000,
                credit_currency="CNY",
            )
        )
    out = await world.say("wang.wei", "/ar check Old Mill 200000")
    assert "Risk grade" in out and "dead" in out
    # A dead debt gets no down-payment terms: payment in full first.
    assert "new orders only against payment in full before shipping" in out
    assert "down payment of" not in out
    # 900 owed against a limit of 1,000: 90% ≥ 80%.
    assert "Large balance: CN¥900.00 owed (90% of the credit limit)" in out
    assert "王建国 · 总经理" in out and "2012-05-01" in out
    assert "Limitation period ends on 2026-04-01 (16 days left)" in out
    # Not yet due and no hold: no prepayment rule, no limitation line.
    out = await world.say("wang.wei", "/ar check Acme")
    assert "down payment" not in out and "Limitation" not in out
    assert "not yet due" in out
    # On credit hold, a live debt: a down payment, with the figure for the order asked about.
    with world.db.engine.begin() as conn:
        conn.execute(update(_cus).where(_cus.c.code == "C2").values(on_hold=True))
    out = await world.say("wang.wei", "/ar check Acme 200000")
    assert "For an order of CN¥200,000.00: a down payment of CN¥60,000.00 (30%)" in out


async def test_check_in_chinese(world: World) -> None:
    out = await world.say("li.na", "/ar 查信用 Old Mill")
    assert "死账" in out
    assert "死账客户：新订单一律全款付清后发货，不接受定金方式。" in out
    assert "诉讼时效将于 2026-04-01 届满" in out


def test_large_balance_by_amount() -> None:

    assert large_balance(Decimal(500_000), Decimal(500_000)) == (True, None)
    assert large_balance(Decimal(499_999), Decimal(500_000)) == (False, None)
    assert large_balance(Decimal(10), None, Decimal(80), Decimal(100), Decimal("0.8")) == (
        True,
        Decimal("0.80"),
    )
    assert down_payment(Decimal("123456.78"), Decimal("0.3")) == Decimal("37037.03")
    assert needs_prepayment(RiskGrade.DOUBTFUL, "doubtful", False)
    assert not needs_prepayment(RiskGrade.IN_COLLECTION, "doubtful", False)
    assert needs_prepayment(RiskGrade.NOT_DUE, "doubtful", True)
    assert not needs_prepayment(RiskGrade.DEAD, None, False)

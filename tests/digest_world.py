"""A hand-built ledger and a day of circle history for the digest tests.

The fake clock starts on Monday 2026-03-16 at 10:00 in Shanghai; the circle's day happens on
Monday, and the digest is the one of Tuesday 2026-03-17 ("yesterday" is Monday).

CNY, as of Tuesday:
  INV-1  Northwind  wang.wei (sales)   1,000.00  due 03-16 (yesterday): newly overdue, 1 day
  INV-2  Northwind  wang.wei (sales)     500.00  due 02-01, 100.00 paid 03-10: 400.00, 44 days
  INV-4  Old Mill   li.na (finance)      900.00  due 2025-12-01, 300.00 paid 03-16: 600.00, 106 d
  INV-5  Zenith     zhao.yun (legal)   2,000.00  due 04-30, issued 03-02: current
USD: INV-3 Acme tom.baker (sales) 700.00 due 03-20, issued 02-20: pre-due
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from bot.circle_env import circle_env
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config, load_config
from bot.router import Router
from jobs.digest import run_digest
from jobs.render import render_row
from storage import outbox as ob
from storage.db import Database
from storage.models import Invoice, Payment
from tests.conftest import LEDGER_HEADER, TEST_CONFIG, run_import, write_csv

MONDAY = date(2026, 3, 16)
TUESDAY = date(2026, 3, 17)
# Tuesday 09:00 in Shanghai: the digest's time.
TUESDAY_9 = datetime(2026, 3, 17, 1, 0, tzinfo=UTC)

DIGEST_CONFIG = (
    TEST_CONFIG
    + """\
digest:
  time: "09:00"
  days: [mon, tue, wed, thu, fri]
  late_after: 30m
  channels:
    console: "#test"
    slack: {channel: C0EN, locale: en}
    wecom: {channel: "#zh", locale: zh-CN}
  teams:
    sales: {console: "#sales"}
"""
)

_inv = Invoice.__table__  # type: ignore[attr-defined]
_pay = Payment.__table__  # type: ignore[attr-defined]


def _row(
    no: str,
    cust: str,
    name: str,
    owner: str,
    issued: str,
    due: str,
    amount: str,
    currency: str = "CNY",
) -> tuple[str, ...]:
    return (no, cust, name, "normal", owner, issued, due, currency, amount, "", "", "no")


LEDGER = [
    _row("INV-1", "C1", "Northwind Trading", "wang.wei", "2026-01-15", "2026-03-16", "1000.00"),
    _row("INV-2", "C1", "Northwind Trading", "wang.wei", "2026-01-01", "2026-02-01", "500.00"),
    _row("INV-3", "C2", "Acme Tools", "tom.baker", "2026-02-20", "2026-03-20", "700.00", "USD"),
    _row("INV-4", "C3", "Old Mill Ltd", "li.na", "2025-11-01", "2025-12-01", "900.00"),
    _row("INV-5", "C4", "Zenith Parts", "zhao.yun", "2026-03-02", "2026-04-30", "2000.00"),
]


def digest_config(tmp: Path, extra: str = "") -> Config:
    path = tmp / "digest.yaml"
    path.write_text(DIGEST_CONFIG + extra, encoding="utf-8")
    return load_config(path, env={})


def pay(db: Database, invoice_no: str, minor: int, day: date, now: datetime) -> None:
    """A dated payment, kept in step with the invoice's paid_minor (as the import does)."""
    with db.engine.begin() as conn:
        inv = conn.execute(select(_inv.c.id).where(_inv.c.invoice_no == invoice_no)).scalar_one()
        conn.execute(
            _pay.insert().values(
                invoice_id=inv, paid_on=day, amount_minor=minor, dated=True, created_at=now
            )
        )
        conn.execute(
            update(_inv).where(_inv.c.id == inv).values(paid_minor=_inv.c.paid_minor + minor)
        )


class DigestWorld:
    def __init__(self, db: Database, config: Config, clock: FakeClock, tmp: Path) -> None:
        self.db, self.config, self.clock, self.tmp = db, config, clock, tmp
        self.env = circle_env(config)
        self.router = Router(db, config, clock, circle=self.env)

    async def say(self, who: str, line: str) -> str:
        reply = await self.router.handle(
            line, platform="console", channel="#test", user_id=who, person=who
        )
        assert reply is not None
        text = reply.plain()
        assert "Traceback" not in text
        return text

    def advance(self, **kw: float) -> None:
        self.clock.advance(timedelta(**kw))

    def run(self, platforms: tuple[str, ...] = ("console", "slack", "wecom")) -> list[str]:
        return run_digest(self.db, self.config, self.clock.now(), platforms)

    def rows(self) -> list[ob.OutRow]:
        with self.db.engine.connect() as conn:
            return [r for r in ob.listing(conn, ("pending", "sent"), 1000) if r.kind == "digest"]

    def render(self, key: str) -> Any:
        with self.db.engine.connect() as conn:
            row = next(r for r in ob.listing(conn, ("pending", "sent"), 1000) if r.key == key)
            return render_row(conn, row, self.config, self.clock.now())


def build_ledger(db: Database, tmp: Path) -> None:
    run_import(db, write_csv(tmp / "ledger.csv", LEDGER_HEADER, LEDGER), today=MONDAY)
    now = datetime(2026, 3, 16, 1, 0, tzinfo=UTC)
    pay(db, "INV-2", 10000, date(2026, 3, 10), now)
    pay(db, "INV-4", 30000, MONDAY, now)


async def monday_circle(w: DigestWorld) -> None:
    """Monday in the circle: a case for Northwind at 10:00 (sales, finance, legal sit in it:
    INV-2 is mid stage), finance answers in 5 minutes, sales after its window (20 minutes),
    legal not at all; two decisions and a promise. At 10:30 a case for Old Mill, not answered,
    with a promise due that day."""
    await w.say("wang.wei", "/ar open Northwind")
    w.advance(minutes=5)
    await w.say("li.na", "/ar input 1 finance statement sent")
    w.advance(minutes=10)
    from jobs.circle import tick

    tick(w.db, w.env, w.clock.now())  # 10:15: level 1 for sales and legal
    w.advance(minutes=5)
    await w.say("wang.wei", "/ar input 1 sales customer agrees to pay")
    w.advance(minutes=5)
    await w.say("li.na", "/ar decide 1 installment two parts --amount 400")
    await w.say("wang.wei", "/ar decide 1 credit_hold until paid")
    await w.say("wang.wei", "/ar promise 1 300 2026-03-17")  # due today in Tuesday's digest
    # 10:30 a case for Old Mill; nobody answers it. Its promise, due Monday, is broken.
    w.advance(minutes=5)
    await w.say("li.na", "/ar open Old Mill")
    await w.say("li.na", "/ar promise 2 100 2026-03-16")

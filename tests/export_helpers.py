"""The exports' tests share these: a hand-built ledger (a customer named like a formula, yen,
an invoice paid after a past as-of day), a circle history, and readers of the files."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl

from bot.circle_env import circle_env
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config
from bot.kernel.config_exports import ExportsConfig
from bot.kernel.messages import Reply
from bot.router import Router
from jobs.circle import scan_overdue, watch_promises
from storage.db import Database
from storage.export_files import (
    Request,
    write_export,
)
from storage.exports import Scope
from tests.conftest import LEDGER_HEADER, run_import, write_csv

TODAY = date(2026, 3, 16)
EVIL = '=HYPERLINK("http://x")'


def row(no: str, cust: str, name: str, owner: str, due: str, amount: str, **kw: str) -> tuple:
    return (
        no,
        cust,
        name,
        "normal",
        owner,
        kw.get("issued", "2026-01-01"),
        due,
        kw.get("currency", "CNY"),
        amount,
        kw.get("paid", ""),
        kw.get("settled", ""),
        kw.get("disputed", "no"),
    )


LEDGER = [
    # Northwind: 1 day late today, and 43 days late with 200 of 500 paid.
    row("INV-1", "C1", "Northwind Trading", "wang.wei", "2026-03-15", "1000.00"),
    row("INV-2", "C1", "Northwind Trading", "wang.wei", "2026-02-01", "500.00", paid="200"),
    # A customer whose name is a formula, owned by Tom (sales).
    row("INV-3", "C2", EVIL, "tom.baker", "2026-03-20", "700.00", currency="USD"),
    # Yen have no minor digits.
    row(
        "INV-4",
        "C3",
        "Old Mill KK",
        "wang.wei",
        "2025-12-01",
        "90000",
        currency="JPY",
        issued="2025-11-01",
    ),
    # Paid in full on 2026-03-10: open on 2026-03-01, not today.
    row(
        "INV-5",
        "C3",
        "Old Mill KK",
        "wang.wei",
        "2026-02-15",
        "800.00",
        paid="800",
        settled="2026-03-10",
    ),
]


class World:
    def __init__(self, db: Database, config: Config, clock: FakeClock, tmp: Path) -> None:
        if db.engine.dialect.name != "sqlite":
            # Beside the database is the default only for SQLite; never the working directory.
            config = config.model_copy(update={"exports": ExportsConfig(dir=tmp / "exports")})
        self.db, self.config, self.clock, self.tmp = db, config, clock, tmp
        self.env = circle_env(config)
        self.router = Router(db, config, clock, circle=self.env)

    def today(self) -> date:
        return self.clock.now().astimezone(self.config.company.zone).date()

    async def reply(self, who: str | None, line: str) -> Reply:
        reply = await self.router.handle(
            line, platform="console", channel="#test", user_id=who or "U?", person=who
        )
        assert reply is not None
        assert "Traceback" not in reply.plain()
        return reply

    async def say(self, who: str | None, line: str) -> str:
        return (await self.reply(who, line)).plain()

    def scope(self, owners: tuple[str, ...] | None = None) -> Scope:
        cfg = self.config
        names = {k: p.name for k, p in cfg.people.items()}
        return Scope(cfg.company.zone, cfg.aging_policy(), names, owners)

    def export(self, request: Request, name: str, owners: tuple[str, ...] | None = None) -> Any:
        with self.db.engine.connect() as conn:
            return write_export(conn, request, self.scope(owners), self.tmp / name)


def make_world(db: Database, tmp_path: Path, config: Config, clock: FakeClock) -> World:
    result = run_import(db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    assert not result.bad, result.bad
    return World(db, config, clock, tmp_path)


async def circle_history(w: World) -> None:
    """Case 1 (Northwind): three answers, a promise broken, a decision with an amount; the
    case of the formula-named customer (case 2), opened by hand."""
    scan_overdue(w.db, w.env, today=w.today(), now=w.clock.now())
    for who, team in (("wang.wei", "sales"), ("li.na", "finance"), ("zhao.yun", "legal")):
        assert "Traceback" not in await w.say(who, f"/ar input 1 {team} =1+2 said ok")
    await w.say("wang.wei", "/ar promise 1 800 2026-03-18")
    await w.say("li.na", "/ar decide 1 installment 3 months")
    w.clock.advance(timedelta(days=3))  # 2026-03-19: the promise day passed without money
    assert watch_promises(w.db, w.env, today=w.today(), now=w.clock.now()) == 1
    await w.say("wang.wei", "/ar promise 1 500 2026-03-25")
    await w.say("tom.baker", "/ar open C2")


def sheet_rows(path: Path, title: str) -> list[dict[str, Any]]:
    wb = openpyxl.load_workbook(path)
    ws = wb[title]
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], r, strict=True)) for r in values[1:]]


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))

"""The batched circle tick writes exactly what the seat-by-seat tick writes.

Two databases get the same ledger, the same commands and the same fake clock; one is ticked
by jobs.circle.tick (batches, one transaction each), the other by tick_one_by_one (the old
path, one transaction a seat). After every tick their outbox, audit trail (hash chain
included), seats and cases must be the same rows, on SQLite and PostgreSQL: reminders,
escalations, repeats, a rearm, an unsnooze, two seats of one case due at once, a closed case,
an outage that skips levels.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.circle_env import circle_env
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config
from bot.router import Router
from jobs.circle import tick, tick_one_by_one
from storage import audit
from storage import tick as tick_storage
from storage.audit import AuditKey
from storage.circle import CircleEnv
from storage.db import Database
from storage.models import AuditLog, Case, Outbox, Seat
from tests.conftest import LEDGER_HEADER, _sqlite_copy, run_import, write_csv

KEY = AuditKey.from_text("tick batch test key, long enough to be a real one 0123456789")
START = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
TABLES = {
    "outbox": Outbox.__table__,  # type: ignore[attr-defined]
    "audit": AuditLog.__table__,  # type: ignore[attr-defined]
    "seat": Seat.__table__,  # type: ignore[attr-defined]
    "case": Case.__table__,  # type: ignore[attr-defined]
}
CUSTOMERS = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]
LEDGER = [
    (f"INV-{n}", f"C{n}", f"{name} Ltd", "normal", owner, "2026-01-01", "2026-02-01", "CNY",
     "1000.00", "", "", "no")
    for n, name in enumerate(CUSTOMERS, 1)
    for owner in (("wang.wei", "tom.baker") if n == 1 else ("wang.wei",))
]  # fmt: skip


@pytest.fixture(autouse=True)
def _same_tags(monkeypatch: pytest.MonkeyPatch) -> None:
    # A manual open tags its trigger keys at random: the two databases must get the same.
    monkeypatch.setattr("handlers.open_case.secrets.token_hex", lambda n: "ab" * n)


@dataclass
class Side:
    db: Database
    router: Router

    async def say(self, who: str, line: str) -> None:
        reply = await self.router.handle(
            line, platform="console", channel="#test", user_id=who, person=who
        )
        assert reply is not None and "Traceback" not in reply.plain()

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        with self.db.engine.connect() as conn:
            return {
                name: [tuple(r) for r in conn.execute(sa.select(t).order_by(t.c.id))]
                for name, t in TABLES.items()
            }


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def pair(
    request: pytest.FixtureRequest, tmp_path: Path, _sqlite_template: Path
) -> Iterator[tuple[Database, Database]]:
    """Two empty, migrated databases of the same kind."""
    if request.param == "sqlite":
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        a, b = (
            _sqlite_copy(_sqlite_template, tmp_path / "a"),
            _sqlite_copy(_sqlite_template, tmp_path / "b"),
        )
        yield a, b
        a.dispose()
        b.dispose()
        return
    schemas = request.getfixturevalue("_pg_schemas")
    taken = [schemas.take(), schemas.take()]
    dbs = [Database(url) for url, _ in taken]
    try:
        yield dbs[0], dbs[1]
    finally:
        for db, (url, shape) in zip(dbs, taken, strict=True):
            db.dispose()
            schemas.give_back(url, shape)


def _side(db: Database, config: Config, clock: FakeClock, tmp: Path, env: CircleEnv) -> Side:
    audit.use_key(db.engine, KEY)
    run_import(db, write_csv(tmp / "ledger.csv", LEDGER_HEADER, LEDGER))
    return Side(db, Router(db, config, clock, circle=env))


async def _both(sides: list[Side], who: str, line: str) -> None:
    for side in sides:
        await side.say(who, line)


async def test_the_batch_writes_what_seat_by_seat_writes(
    pair: tuple[Database, Database], config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    env = circle_env(config)
    clock.set(START)
    batched, reference = sides = [_side(db, config, clock, tmp_path, env) for db in pair]
    for name in CUSTOMERS:
        await _both(sides, "li.na", f"/ar open {name}")
    # Case 2: sales acknowledges (a rearm an hour later); case 3: snoozed for 40 minutes (an
    # unsnooze); case 4: sales answers, finance goes on alone; case 5 is closed by a decision.
    await _both(sides, "wang.wei", "/ar input 2 sales --ack calling them now")
    await _both(sides, "liu.yang", "/ar snooze 3 40m the CFO is back at eleven")
    await _both(sides, "wang.wei", "/ar input 4 sales they pay on Friday")
    await _both(sides, "li.na", "/ar decide 5 write_off customer insolvent")
    # Case 6 closed behind the circle's back: its seats are still due, the tick closes them.
    for side in sides:
        with side.db.engine.begin() as conn:
            conn.execute(sa.update(TABLES["case"]).where(TABLES["case"].c.id == 6).values(
                status="closed"))  # fmt: skip
    assert batched.rows() == reference.rows()

    fired = []
    steps = [timedelta(minutes=2)] * 40 + [timedelta(minutes=45)] + [timedelta(minutes=7)] * 15
    for step in steps:
        clock.advance(step)
        now = clock.now()
        ours, theirs = tick(batched.db, env, now), tick_one_by_one(reference.db, env, now)
        assert ours == theirs, now
        fired.append(ours)
        assert batched.rows() == reference.rows(), now

    rows = batched.rows()
    kinds = {r.kind for r in _named(batched.db, "outbox")}
    assert {"remind", "escalation", "repeat", "rearm", "unsnooze", "card_update"} <= kinds
    actions = {r.action for r in _named(batched.db, "audit")}
    assert {"seat.close", "seat.remind", "seat.escalation"} <= actions
    # Both seats of a case due in the same tick: two card updates, versions one apart.
    cards = [r.key for r in _named(batched.db, "outbox") if r.key.startswith("case:1:v")]
    assert len(cards) == len(set(cards)) >= 2
    assert sum(fired) > 0 and rows["audit"]
    with batched.db.engine.connect() as conn:
        assert audit.verify(conn).ok


def _named(db: Database, table: str) -> list[Any]:
    t = TABLES[table]
    with db.engine.connect() as conn:
        return list(conn.execute(sa.select(t).order_by(t.c.id)))


async def test_a_failing_batch_falls_back_to_one_seat_at_a_time(
    pair: tuple[Database, Database],
    config: Config,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    env = circle_env(config)
    clock.set(START)
    batched, reference = sides = [_side(db, config, clock, tmp_path, env) for db in pair]
    await _both(sides, "li.na", "/ar open Alpha")
    await _both(sides, "li.na", "/ar open Bravo")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a row the batch cannot take")

    monkeypatch.setattr(tick_storage, "fire_due", broken)
    clock.advance(timedelta(minutes=11))
    with caplog.at_level(logging.ERROR, logger="jobs.circle"):
        assert (
            tick(batched.db, env, clock.now()) == 6
        )  # two cases, three seats each (a manual open seats legal too)
    assert "firing its seats one at a time" in caplog.text
    tick_one_by_one(reference.db, env, clock.now())
    assert batched.rows() == reference.rows()


@pytest.mark.postgres
async def test_a_case_a_command_holds_is_left_for_the_next_tick(
    config: Config, clock: FakeClock, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    schemas = request.getfixturevalue("_pg_schemas")
    url, shape = schemas.take()
    db = Database(url)
    try:
        env = circle_env(config)
        clock.set(START)
        side = _side(db, config, clock, tmp_path, env)
        await side.say("li.na", "/ar open Alpha")
        await side.say("li.na", "/ar open Bravo")
        clock.advance(timedelta(minutes=11))
        case = TABLES["case"]
        # A command in another transaction holds case 1 (as record_input does, case first).
        with db.engine.connect() as other:
            held = other.begin()
            other.execute(sa.select(case).where(case.c.id == 1).with_for_update())
            assert tick(db, env, clock.now()) == 3  # case 2's three seats; case 1 skipped
            held.rollback()
        reminded = {(r.case_id, r.payload) for r in _named(db, "outbox") if r.kind == "remind"}
        assert {c for c, _ in reminded} == {2}
        assert tick(db, env, clock.now()) == 3  # the next tick takes case 1
        with db.engine.connect() as conn:
            assert audit.verify(conn).ok
    finally:
        db.dispose()
        schemas.give_back(url, shape)

"""Nothing blocks the event loop (issue 9, item 7): handlers and jobs hold no SQL, and the
database work runs in threads, so one slow query never delays anyone else's command or
Slack's acknowledgement.

The behavioural tests make a storage function sleep 0.5 s in its thread and watch the loop
with a ticking coroutine: the property is that the loop was never stuck for more than 0.1 s
meanwhile (not how fast anything is: speed is bench.serve's business).
"""

from __future__ import annotations

import ast
import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.kernel.config import Config
from bot.router import Router
from handlers import overdue
from storage.circle import CircleError
from storage.db import Database
from storage.inbound import first_time
from storage.offloop import pool_threads
from tests.conftest import LEDGER_HEADER, NOW, run_import, write_csv
from tests.fake_slack import FakeSlack, fake_slack  # noqa: F401 - the fixture
from tests.test_slack_inbound import (
    CIRCLE,
    DEADLINE,
    JSON_TYPE,
    build_world,
    command_body,
    event_body,
    serving,
)

ROOT = Path(__file__).resolve().parent.parent
SLOW = 0.5  # seconds a patched storage call sleeps in its thread
STUCK = 0.1  # the longest the loop may go without running the ticker

# --- (a) no SQL in handlers/ and jobs/ --------------------------------------------------------

# Beyond what the rule for jobs/ forbids, a handler may not reach tables or run statements
# through a connection it was handed: everything it asks goes through a storage function.
_HANDLER_ONLY = {"__table__", "execute", "exec_driver_sql", "scalar", "scalars", "session"}


def _modules(folder: str) -> list[Any]:
    params = []
    for path in sorted((ROOT / folder).glob("*.py")):
        name = f"{folder}/{path.name}"
        params.append(pytest.param(name, id=name))
    return params


def sql_in(source: str, *, handler: bool) -> list[str]:
    """What in this module's source reaches the database other than by storage functions."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            top = name.split(".")[0]
            if top in ("sqlalchemy", "sqlmodel", "sqlite3", "psycopg") or (
                handler and name == "storage.models"
            ):
                found.append(f"line {node.lineno}: imports {name}")
        if isinstance(node, ast.Attribute) and (
            node.attr == "engine" or (handler and node.attr in _HANDLER_ONLY)
        ):
            found.append(f"line {node.lineno}: .{node.attr}")
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
            "getattr",
            "__import__",
        ):
            found.append(f"line {node.lineno}: {node.func.id}()")  # type: ignore[attr-defined]
    return found


@pytest.mark.parametrize("module", _modules("handlers") + _modules("jobs"))
def test_handlers_and_jobs_hold_no_sql(module: str) -> None:
    source = (ROOT / module).read_text(encoding="utf-8")
    assert sql_in(source, handler=module.startswith("handlers/")) == []


def test_the_sql_check_finds_what_it_is_for() -> None:
    bad = """
import sqlalchemy as sa
from sqlalchemy import select
from storage.models import Invoice
def f(ctx, conn):
    with ctx.db.engine.connect() as c:
        c.execute(select(Invoice.__table__))
    return conn.exec_driver_sql("SELECT 1"), getattr(ctx.db, "eng" + "ine")
"""
    found = sorted(f.split(": ")[1] for f in sql_in(bad, handler=True))
    assert found == sorted(
        [
            "imports sqlalchemy",
            "imports sqlalchemy",
            "imports storage.models",
            ".engine",
            ".execute",
            ".__table__",
            ".exec_driver_sql",
            "getattr()",
        ]
    )
    assert sql_in("from storage.queries import open_items\n", handler=True) == []
    assert sql_in("import sqlalchemy\n", handler=False) == ["line 1: imports sqlalchemy"]


# --- the threads ---------------------------------------------------------------------------


def test_threads_are_sized_to_the_pool(tmp_path: Path) -> None:
    on_disk = Database(f"sqlite:///{tmp_path}/a.db")
    in_memory = Database("sqlite://")
    try:
        # SQLite: one reader, and the one writer it allows anyway; in memory one connection.
        assert pool_threads(on_disk.engine) == (1, 1)
        assert pool_threads(in_memory.engine) == (1, 0)
        pg = sa.create_engine("postgresql+psycopg://u@127.0.0.1:1/x", pool_size=7)
        assert pool_threads(pg) == (7, 0)
    finally:
        on_disk.dispose()
        in_memory.dispose()


async def test_a_write_is_one_transaction_and_a_failure_leaves_nothing(db: Database) -> None:
    def record_then_fail(conn: sa.Connection) -> None:
        assert first_time(conn, "slack", "Ev1", NOW)
        raise CircleError("case_closed", case=1)

    with pytest.raises(CircleError):
        await db.threads.write(record_then_fail)
    # Rolled back: the event is new to the next transaction.
    assert await db.threads.write(first_time, "slack", "Ev1", NOW) is True
    assert await db.threads.write(first_time, "slack", "Ev1", NOW) is False
    where = await db.threads.read(lambda conn: threading.current_thread())
    assert where is not threading.current_thread()


# --- (b) a slow query, and the loop --------------------------------------------------------


class Ticker:
    """How long the loop went, at most, between two turns of a coroutine that sleeps 5 ms."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last)
            last = now

    @asynccontextmanager
    async def watching(self) -> Any:
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0.02)
        try:
            yield self
        finally:
            self._task.cancel()


class Slowed:
    """A storage function that sleeps SLOW seconds first, in whatever thread calls it."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.started = threading.Event()
        self.finished = 0
        self.on_loop = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.on_loop |= threading.current_thread() is threading.main_thread()
        self.started.set()
        time.sleep(SLOW)
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.finished += 1

    async def wait_started(self) -> None:
        while not self.started.is_set():
            await asyncio.sleep(0.005)


ROWS = [
    ("N-1", "NW", "Northwind Supply Ltd", "normal", "tom.baker", "2026-01-01", "2026-01-30",
     "CNY", "10000", "", "", "no"),
    ("A-1", "AC", "Acme Tools", "normal", "wang.wei", "2026-01-01", "2026-02-10",
     "CNY", "700", "", "", "no"),
]  # fmt: skip


@pytest.fixture
def router(db: Database, config: Config, clock: Any, tmp_path: Path) -> Iterator[Router]:
    run_import(db, write_csv(tmp_path / "l.csv", LEDGER_HEADER, ROWS), today=date(2026, 3, 16))
    yield Router(db, config, clock)


async def say(router: Router, text: str, person: str) -> str:
    reply = await router.handle(text, platform="test", channel="#t", user_id=person, person=person)
    assert reply is not None
    return reply.plain()


async def test_a_slow_read_never_holds_up_the_loop_or_another_users_change(
    router: Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "Case #1 is open" in await say(router, "/ar open Northwind", "wang.wei")
    slowed = Slowed(overdue.overdue_page)
    monkeypatch.setattr(overdue, "overdue_page", slowed)
    async with Ticker().watching() as ticker:
        slow = asyncio.create_task(say(router, "/ar overdue", "tom.baker"))
        await slowed.wait_started()
        # Meanwhile another user snoozes their seat (a change, in the writing thread), and
        # somebody asks for help (no database at all): both answered before the slow read.
        snoozed = await say(router, "/ar snooze 1 2h waiting for the bank", "wang.wei")
        helped = await say(router, "/ar help", "zhao.yun")
        assert slowed.finished == 0 and not slow.done()
        answer = await slow
    assert snoozed.startswith("💤 Case #1: Sales snoozed until") and "/ar overdue" in helped
    assert "Northwind" in answer and not slowed.on_loop
    assert ticker.longest < STUCK, f"the loop was stuck for {ticker.longest:.3f}s"


async def test_slack_acknowledges_while_a_slow_query_runs(
    fake_slack: FakeSlack,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = build_world(fake_slack, tmp_path)
    try:
        slowed = Slowed(overdue.overdue_page)
        monkeypatch.setattr(overdue, "overdue_page", slowed)
        async with serving(world) as server, Ticker().watching() as ticker:
            slow_hook = fake_slack.response_url()
            resp = await server.post(command_body("overdue", user="U1", hook=slow_hook))
            # Acknowledged before the query ended.
            assert resp.status_code == 200 and slowed.finished == 0
            await slowed.wait_started()
            # Another user's command is acknowledged and answered meanwhile.
            help_hook = fake_slack.response_url()
            resp = await server.post(command_body("help", user="U2", hook=help_hook))
            assert resp.status_code == 200 and slowed.finished == 0
            [helped] = await fake_slack.wait_for("response_url", 1, timeout=DEADLINE)
            assert helped.path == help_hook.removeprefix(fake_slack.root)
            assert slowed.finished == 0
            answers = await fake_slack.wait_for("response_url", 2, timeout=DEADLINE)
        assert answers[1].path == slow_hook.removeprefix(fake_slack.root)
        assert "Northwind" in str(answers[1].body) and not slowed.on_loop
        assert ticker.longest < STUCK, f"the loop was stuck for {ticker.longest:.3f}s"
    finally:
        world.rt.db.dispose()


async def test_a_mention_is_acknowledged_before_its_event_id_is_recorded(
    fake_slack: FakeSlack,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Slack retries an event it has no 200 for within 3 s: the dedupe write (which may wait
    for SQLite's lock behind an import) comes after the ack, and a retry still has one effect."""
    import bot.adapters.slack.messenger as slack

    world = build_world(fake_slack, tmp_path)
    try:
        slowed = Slowed(first_time)
        monkeypatch.setattr(slack, "first_time", slowed)
        async with serving(world) as server, Ticker().watching() as ticker:
            body = event_body("<@UBOT> what about Northwind?", event_id="EvSLOW")
            first = await server.post(body, JSON_TYPE)
            assert first.status_code == 200 and slowed.finished == 0
            again = await server.post(body, JSON_TYPE)  # Slack's retry
            assert again.status_code == 200 and slowed.finished == 0
            [post] = await fake_slack.wait_for("chat.postMessage", timeout=DEADLINE)
            while slowed.finished < 2:  # the retry's check ran too: it answered nothing
                await asyncio.sleep(0.01)
        assert post.body["channel"] == CIRCLE and "Northwind" in str(post.body)
        assert len(fake_slack.calls_to("chat.postMessage")) == 1 and not slowed.on_loop
        assert ticker.longest < STUCK, f"the loop was stuck for {ticker.longest:.3f}s"
    finally:
        world.rt.db.dispose()

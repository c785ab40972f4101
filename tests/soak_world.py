"""What the soak tests share (tests/test_soak_*.py): a company whose circle runs in seconds, a
ledger of many customers, real `arcircle run` replicas on one PostgreSQL schema, a fake Telegram
Bot API on loopback that can be made to fail, and the checks that read what the fake received
against what the database says was owed.

A *cycle* here is one seat's window running out: the tick escalates it (level 1, then level 2
when its second deadline passes). Nobody answers, so every seat of every case owes exactly
one message per escalation level, which makes "owed" exact: it is read from the seats in the
database at the end, and the messages are read from the fake.
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiohttp import web

from bot.circle_env import circle_env
from bot.kernel.config import load_config
from storage.circle import begin_write, open_case
from storage.db import Database
from storage.ledger import ImportOptions, import_ledger
from tests.conftest import LEDGER_HEADER, postgres_schema_url, write_csv
from tests.e2e_helpers import subprocess_env
from tests.fake_telegram import TOKEN, Answer, FakeTelegram, FakeTelegramThread, visible

REPO = Path(__file__).resolve().parents[1]
CHAT = -1001234567890
LEVELS = 2  # escalation levels per seat (repeat: 0 times)
TEAMS = ("sales", "finance")  # the seats of an early-stage case

SOAK_CONFIG = f"""\
company: {{name: Soak Machinery, currency: CNY, timezone: UTC, locale: en}}
people:
  wang.wei: {{name: Wang Wei, team: sales, role: lead, telegram: 1001}}
  li.na: {{name: Li Na, team: finance, role: lead, telegram: 1002}}
  zhao.yun: {{name: Zhao Yun, team: legal, role: lead, telegram: 1003}}
  liu.yang: {{name: Liu Yang, role: manager, telegram: 1005}}
teams:
  sales: {{name: sales, lead: wang.wei, manager: liu.yang}}
  finance: {{name: finance, lead: li.na, manager: liu.yang}}
  legal: {{name: legal, lead: zhao.yun, manager: liu.yang}}
circle:
  response_window: 3s
  escalation:
    - {{after: 3s, notify: [lead]}}
    - {{after: 8s, notify: [manager, channel]}}
  repeat: {{times: 0}}
  business_hours: null
  remind_before: null
  tick_every: 1s
  channels: {{telegram: "{CHAT}"}}
outbox:
  rates: {{telegram: 100/s}}
platforms:
  console: {{enabled: false}}
  telegram: {{enabled: true, mode: polling}}
"""

_WAITING = "Another arcircle process on this database runs the circle"
_TOOK_OVER = re.compile(r"^(\S+ \S+) WARNING \S+: took over the scheduler lease", re.M)
_ESCALATION = re.compile(r"Case #(\d+) .*?: (\w+) has not answered in time \(level (\d+)\)")


# --- the fake messenger ---------------------------------------------------------------------


class FaultyTelegram(FakeTelegram):
    """The fake Bot API; while `failing`, every send and edit is answered 429 (with a
    retry_after of 1-3 s) or a 5xx, at random, and nothing is kept."""

    def __init__(self) -> None:
        super().__init__()
        self.failing = False
        self.refused: Counter[int] = Counter()  # status -> how many
        self._rng = random.Random(7)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if self.failing and method in ("sendMessage", "editMessageText"):
            if self._rng.random() < 0.5:
                answer = Answer.retry_after(self._rng.randint(1, 3))
            else:
                status = self._rng.choice((500, 502, 503))
                answer = Answer.error(status, "Internal Server Error")
            self.refused[answer.status] += 1
            return web.json_response(answer.body, status=answer.status)
        return await super()._api(request)


class FakeThread(FakeTelegramThread):
    """The faulty fake on its own loop in a thread (the replicas are other processes)."""

    fake: FaultyTelegram

    async def _start(self) -> FakeTelegram:
        return await FaultyTelegram().start()

    def set_failing(self, failing: bool) -> None:
        async def flip() -> None:
            self.fake.failing = failing

        self._run(flip())

    def received(self) -> list[tuple[str, float]]:
        """Every message kept in the circle chat, in arrival order: (visible text, when)."""

        async def read() -> list[tuple[str, float]]:
            sends = [c for c in self.fake.calls if c.method == "sendMessage"]
            times = iter(c.at for c in sends)
            out = []
            for message in self.fake.sent(CHAT):
                # The kept messages and the accepted sendMessage calls are in the same order;
                # a call refused by the chat checks keeps no message (none are in these tests).
                out.append((visible(message["text"]), next(times, 0.0)))
            return out

        result: list[tuple[str, float]] = self._run(read())
        return result


# --- the world: database, ledger, cases -----------------------------------------------------


@dataclass
class World:
    url: str
    workdir: Path
    env: dict[str, str]
    db: Database
    customers: list[int] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)

    def open_next(self) -> int:
        """Open the next customer's case as `/ar open` does (the test is the person)."""
        customer = self.customers[len(self.opened)]
        config = load_config(Path(self.env["ARCIRCLE_CONFIG"]), env={})
        env = circle_env(config, ["telegram"])
        now = datetime.now(UTC)
        with self.db.engine.begin() as conn:
            begin_write(conn)
            invoices = conn.execute(
                sa.text("SELECT id FROM invoice WHERE customer_id = :c"), {"c": customer}
            ).scalars()
            opened = open_case(
                conn,
                env,
                customer_id=customer,
                trigger="manual",
                keys=[(f"manual:{customer}:soak:{i}", i) for i in invoices],
                stage="early",
                actor="li.na",
                now=now,
                today=now.date(),
            )
        assert opened is not None
        self.opened.append(opened.case_id)
        return opened.case_id


@contextmanager
def world(tmp_path: Path, fake_url: str, customers: int) -> Iterator[World]:
    """A fresh PostgreSQL schema with `customers` customers, one invoice each ten days
    overdue (the replicas' first overdue scan takes them as the starting point: no case)."""
    schemas = postgres_schema_url()
    url = next(schemas)
    db = Database(url)
    try:
        db.migrate()
        today = datetime.now(UTC).date()
        issued = (today - timedelta(days=40)).isoformat()
        due = (today - timedelta(days=10)).isoformat()
        rows = [
            (f"S-{n}", f"C{n}", f"Customer {n:04d}", "", "", issued, due, "CNY", "1000", "", "", "")
            for n in range(customers)
        ]
        ledger = write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, rows)
        import_ledger(db, ledger, ImportOptions(currency="CNY"), now=datetime.now(UTC), today=today)
        config = tmp_path / "config.yaml"
        config.write_text(SOAK_CONFIG, encoding="utf-8")
        env = subprocess_env(config, url)
        env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake_url)
        with db.engine.connect() as conn:
            ids = list(conn.execute(sa.text("SELECT id FROM customer ORDER BY id")).scalars())
        yield World(url, tmp_path, env, db, ids)
    finally:
        db.dispose()
        schemas.close()


# --- the replicas ---------------------------------------------------------------------------


class Replicas:
    """`arcircle run` processes on one database; each can be killed with SIGKILL and started
    again (its output goes on in the same files)."""

    def __init__(self, count: int, w: World) -> None:
        self.w = w
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        # (name, time.monotonic(), wall clock) of every SIGKILL
        self.kills: list[tuple[str, float, datetime]] = []
        self.starts: Counter[str] = Counter()
        for n in range(count):
            self.start(f"r{n}")

    def start(self, name: str) -> None:
        out = (self.w.workdir / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--no-sample"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=self.w.env,
            cwd=REPO,
        )
        out.close()
        self.starts[name] += 1

    def wait_ready(self, timeout: float = 60) -> None:
        """Until every replica has started: the standbys have said they wait for the lease."""
        deadline = time.monotonic() + timeout
        while sum(_WAITING in self.log(n) for n in self.procs) < len(self.procs) - 1:
            assert not self.died(), f"{self.died()} died while starting\n{self.logs()}"
            assert time.monotonic() < deadline, f"replicas not up in {timeout:g}s\n{self.logs()}"
            time.sleep(0.2)

    def kill9(self, name: str) -> None:
        proc = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        self.kills.append((name, time.monotonic(), datetime.now()))
        proc.wait(timeout=10)

    def died(self) -> list[str]:
        """Replicas that ended by themselves (not by our SIGKILL): each is a failure."""
        return [
            f"{n} (exit {p.returncode})"
            for n, p in self.procs.items()
            if p.poll() is not None and p.returncode != -signal.SIGKILL
        ]

    def takeovers(self) -> list[float]:
        """Seconds from a SIGKILL to the "took over the scheduler lease" line that followed
        it (the leader's kill; a standby's kill is followed by none)."""
        killed = sorted(at for _, _, at in self.kills)
        out = []
        for name in self.procs:
            for m in _TOOK_OVER.finditer(self.log(name)):
                took = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f")
                before = [k for k in killed if k <= took]
                if before:
                    out.append((took - before[-1]).total_seconds())
        return sorted(out)

    def log(self, name: str) -> str:
        return (self.w.workdir / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def logs(self) -> str:
        return "\n".join(f"----- {n}:\n{self.log(n)[-6000:]}" for n in self.procs)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


class Chaos(threading.Thread):
    """Kills a random replica with SIGKILL every 6-12 s and starts it again 0-1.5 s later,
    until stopped: at most one replica is down at a time (one started again takes a few
    seconds to start up, and may be killed again meanwhile)."""

    def __init__(self, replicas: Replicas, seed: int) -> None:
        super().__init__(daemon=True)
        self.replicas = replicas
        self.rng = random.Random(seed)
        self.halt = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.halt.wait(self.rng.uniform(6.0, 12.0)):
                name = self.rng.choice(sorted(self.replicas.procs))
                self.replicas.kill9(name)
                self.halt.wait(self.rng.uniform(0.0, 1.5))
                self.replicas.start(name)
        except BaseException as exc:  # reported by the test
            self.error = exc


# --- what was owed, what arrived ------------------------------------------------------------


def settled(db: Database) -> tuple[int, int]:
    """(seats still counting down, outbox rows not yet sent or parked)."""
    with db.engine.connect() as conn:
        ticking = conn.execute(sa.text("SELECT count(*) FROM seat WHERE due_at IS NOT NULL"))
        pending = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE status = 'pending'"))
        return int(ticking.scalar_one()), int(pending.scalar_one())


Key = tuple[int, str, int]  # (case, team, level)


def seats(db: Database) -> set[tuple[int, str]]:
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT case_id, team, level FROM seat")).all()
    assert all(level == LEVELS for _, _, level in rows), "a seat short of its last level"
    return {(int(c), str(t)) for c, t, _ in rows}


@dataclass(frozen=True)
class Row:
    id: int
    status: str
    skipped: tuple[int, ...]  # levels a late tick folded into this one (playbook.circle)


def outbox_escalations(db: Database) -> dict[Key, Row]:
    """The escalation rows: (case, team, level) -> the row."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, status, payload FROM outbox WHERE kind = 'escalation'")
        ).all()
    out: dict[Key, Row] = {}
    for row_id, status, payload in rows:
        data: dict[str, Any] = payload if isinstance(payload, dict) else _json(payload)
        key = (int(data["case"]), str(data["team"]), int(data["level"]))
        assert key not in out, f"two escalation rows for {key}"
        out[key] = Row(int(row_id), str(status), tuple(data.get("skipped") or ()))
    return out


def owed_covered(db: Database) -> tuple[int, list[str]]:
    """How many escalations were owed (every seat, every level), and what is wrong with how
    the outbox covers them: each level of each seat exactly once, as its own row or folded
    into a later one (a tick that came late says both in one message, by design)."""
    problems: list[str] = []
    rows = outbox_escalations(db)
    owed = 0
    for case, team in sorted(seats(db)):
        owed += LEVELS
        covered: Counter[int] = Counter()
        for level in range(1, LEVELS + 1):
            row = rows.get((case, team, level))
            if row is not None:
                covered.update((level, *row.skipped))
        if covered != Counter(range(1, LEVELS + 1)):
            problems.append(f"case {case} {team}: levels covered {dict(covered)}")
    return owed, problems


def _json(text: Any) -> dict[str, Any]:
    import json

    value: dict[str, Any] = json.loads(text)
    return value


def parked(db: Database) -> list[tuple[int, str, str]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, kind, coalesce(last_error, '') FROM outbox WHERE status='parked'")
        ).all()
    return [(int(i), str(k), str(e)) for i, k, e in rows]


@dataclass
class Delivery:
    """The escalations the fake received, checked against what was owed."""

    first: dict[Key, float]  # when each arrived first
    order: list[Key]  # in the order they first arrived
    copies: Counter[Key]


def escalations_received(fake: FakeThread) -> Delivery:
    first: dict[Key, float] = {}
    order: list[Key] = []
    copies: Counter[Key] = Counter()
    for text, at in fake.received():
        m = _ESCALATION.search(text)
        if m is None:
            continue
        key = (int(m.group(1)), m.group(2), int(m.group(3)))
        copies[key] += 1
        if key not in first:
            first[key] = at
            order.append(key)
    return Delivery(first, order, copies)

"""Circle benchmark: the tick's cost and lateness, and the outbox's throughput under rate limits.

    python -m bench.circle [--cases 10000] [--channels 100] [--seconds 20] [--tick-budget 45]
                           [--database URL]

Two parts in one process (plus a child process for the fake messenger):

1. **Tick.** A fresh, migrated database (a temporary SQLite file unless --database names an
   empty scratch database) gets N customers with one overdue invoice each and one case each,
   with 2 seats (sales and finance, the default seat rules) and business hours off. The first
   300 cases are opened through storage.circle.open_case (its cost is reported); the rest are
   copies of the rows it wrote, made in bulk, because open_case costs 5-10 ms a case. Each
   seat's timer is then set to a random moment in the next 10 minutes of a fake clock: half
   are due for their reminder, half (already reminded) for escalation level 1; `due_at` is
   what playbook.circle.due_at says for that state. The fake clock then advances in steps of
   the tick interval (2 s) and jobs.circle.tick runs at each step; a tick that takes longer
   than the interval moves the clock on by as many whole intervals as it took, as the
   scheduler (max_instances=1) would. Ticking stops at the end of the 10 minutes or after
   --tick-budget seconds of tick wall time.
   Figures: wall time per tick and per fired seat, and each reminder's and escalation's
   lateness: the fake time of the tick that wrote its outbox row minus its deadline.
   Peers: for cost, a hand-written claim loop replayed on the same rows at the same fake
   times after the seats are put back (SELECT the due seats, then per seat one transaction
   with UPDATE ... WHERE id = ? AND version = ?, the schedule computed by hand, no outbox, no
   audit, no card update); for lateness, the tick interval, its bound.
2. **Outbox.** A fake messenger on 127.0.0.1 (asyncio streams, in a child process so the
   worker's event loop cannot delay it) accepts one message per second per channel and
   answers 429 with Retry-After to a faster sender. jobs.outbox.OutboxWorker, with an httpx
   transport, rate 1 per second per channel and the real clock, drains rows queued for
   --channels channels for --seconds seconds.
   Figures: messages per second overall and per channel against the limit, and the 429s.

The last line of the output is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import logging
import math
import multiprocessing
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

SEED = 42
T0 = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Monday
TODAY = date(2026, 3, 16)
SPAN = timedelta(minutes=10)  # seat deadlines fall in (T0, T0 + SPAN]
OPEN_SAMPLE = 300  # cases opened through open_case; the others are copies of their rows
OPEN_BATCH = 250  # cases opened per transaction while building the database
TOLERANCE = 0.95  # the fake messenger's "1 per second": at least this many seconds apart

BENCH_CONFIG = """\
company: {name: Bench Machinery, currency: CNY, timezone: Asia/Shanghai, locale: en}
people:
  wang.wei: {name: 王伟, team: sales, role: lead}
  tom.baker: {name: Tom Baker, team: sales}
  li.na: {name: 李娜, team: finance, role: lead}
  zhao.yun: {name: 赵云, team: legal, role: lead}
  liu.yang: {name: 刘洋, role: manager}
teams:
  sales: {name: Sales, lead: wang.wei, manager: liu.yang}
  finance: {name: Finance, lead: li.na, manager: liu.yang}
  legal: {name: Legal, lead: zhao.yun, manager: liu.yang}
circle:
  business_hours: null
  channels: {bench: "#bench"}
"""


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _max(values: Sequence[float]) -> float | None:
    return max(values) if values else None


# --------------------------------------------------------------------------------------------
# Part 1: building the database


def load_env(workdir: Path) -> Any:
    from bot.circle_env import circle_env
    from bot.kernel.config import load_config

    path = workdir / "config.yaml"
    path.write_text(BENCH_CONFIG, encoding="utf-8")
    config = load_config(path, env={})
    return circle_env(config, ["bench"])


def build(db: Any, env: Any, n: int, rng: random.Random) -> dict[str, Any]:
    """N customers, one overdue invoice each, a case each; then random seat deadlines."""
    from playbook import circle as machine
    from storage.circle import begin_write, open_case
    from storage.models import Customer, Invoice, Seat

    cus = Customer.__table__  # type: ignore[attr-defined]
    inv = Invoice.__table__  # type: ignore[attr-defined]
    seat = Seat.__table__  # type: ignore[attr-defined]
    with db.engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(cus)).scalar_one():
            raise SystemExit("--database must be an empty scratch database (customers found)")

    started = time.perf_counter()
    with db.engine.begin() as conn:
        begin_write(conn)
        conn.execute(
            cus.insert(),
            [
                {
                    "code": f"B{i:06d}",
                    "name": f"Bench Customer {i:06d}",
                    "segment": "normal",
                    "on_hold": False,
                    "status": "active",
                    "created_at": T0,
                    "updated_at": T0,
                }
                for i in range(n)
            ],
        )
        ids = dict(conn.execute(select(cus.c.code, cus.c.id)).all())
        conn.execute(
            inv.insert(),
            [
                {
                    "invoice_no": f"INV-B-{i:06d}",
                    "customer_id": ids[f"B{i:06d}"],
                    "issue_date": TODAY - timedelta(days=40),
                    "due_date": TODAY - timedelta(days=10),
                    "currency": "CNY",
                    "amount_minor": 100_000 + i,
                    "paid_minor": 0,
                    "status": "open",
                    "disputed": False,
                    "terms_days": 30,
                    "owner": "tom.baker",
                    "created_at": T0,
                    "updated_at": T0,
                }
                for i in range(n)
            ],
        )
        invoices = conn.execute(select(inv.c.id, inv.c.customer_id).order_by(inv.c.id)).all()
    ledger_s = time.perf_counter() - started

    # The first cases go through open_case (its cost is a figure); the rest are copies of
    # the rows it wrote, made in bulk (open_case costs ~10 ms a case: 10,000 would take
    # longer than the whole benchmark should).
    sample = invoices[:OPEN_SAMPLE]
    opened_at = T0 - timedelta(hours=1)
    started = time.perf_counter()
    for start in range(0, len(sample), OPEN_BATCH):
        with db.engine.begin() as conn:
            begin_write(conn)
            for invoice_id, customer_id in sample[start : start + OPEN_BATCH]:
                open_case(
                    conn,
                    env,
                    customer_id=customer_id,
                    trigger="stage",
                    keys=[(f"stage:{invoice_id}:early", invoice_id)],
                    stage="early",
                    actor="bench",
                    now=opened_at,
                )
    open_s = time.perf_counter() - started
    started = time.perf_counter()
    if len(invoices) > len(sample):
        with db.engine.begin() as conn:
            begin_write(conn)
            copy_cases(conn, invoices[len(sample) :])
    copy_s = time.perf_counter() - started

    # Spread the timers: each seat's next step falls at a random moment in (T0, T0 + SPAN].
    # Half are due for the reminder, half (already reminded) for escalation level 1. due_at
    # is what the state machine itself says for that state.
    policy = env.policy
    remind_after = policy.window - policy.remind_before
    with db.engine.connect() as conn:
        seat_ids = list(conn.execute(select(seat.c.id).order_by(seat.c.id)).scalars())
    rows: list[dict[str, Any]] = []
    for seat_id in seat_ids:
        deadline = T0 + timedelta(microseconds=rng.randint(1, SPAN // timedelta(microseconds=1)))
        reminded = rng.random() < 0.5
        begun = deadline - (policy.levels[0].after if reminded else remind_after)
        state = machine.SeatState(team="x", started_at=begun, reminded=reminded)
        due = machine.due_at(state, policy)
        assert due == deadline, (due, deadline)
        rows.append(
            {
                "b_id": seat_id,
                "b_started": begun,
                "b_reminded": reminded,
                "b_due": due,
                "b_version": 1,
            }
        )
    with db.engine.begin() as conn:
        begin_write(conn)
        restore_seats(conn, rows)
    return {
        "ledger_s": ledger_s,
        "opened": len(sample),
        "open_s": open_s,
        "copied": len(invoices) - len(sample),
        "copy_s": copy_s,
        "seats": len(seat_ids),
        "snapshot": rows,
        "started": {r["b_id"]: r["b_started"] for r in rows},
    }


def copy_cases(conn: Connection, invoices: Sequence[Any]) -> None:
    """One case per (invoice id, customer id), copied from the rows open_case wrote for the
    first case: the case, its trigger, its invoice link, its seats and its card in the
    outbox, with only the ids changed. Its audit entry is left out (the tick reads only the
    chain's last row)."""
    from storage.models import Case, CaseInvoice, CaseTrigger, Outbox, Seat

    case = Case.__table__  # type: ignore[attr-defined]
    trig = CaseTrigger.__table__  # type: ignore[attr-defined]
    link = CaseInvoice.__table__  # type: ignore[attr-defined]
    seat = Seat.__table__  # type: ignore[attr-defined]
    out = Outbox.__table__  # type: ignore[attr-defined]

    def rows(table: Any, *where: Any) -> list[dict[str, Any]]:
        found = conn.execute(select(table).where(*where).order_by(table.c.id)).mappings().all()
        return [{k: v for k, v in r.items() if k != "id"} for r in found]

    first = conn.execute(select(func.min(case.c.id))).scalar_one()
    (case_row,) = rows(case, case.c.id == first)
    (trig_row,) = rows(trig, trig.c.case_id == first)
    (link_row,) = rows(link, link.c.case_id == first)
    seat_rows = rows(seat, seat.c.case_id == first)
    out_rows = rows(out, out.c.case_id == first)
    assert [r["kind"] for r in out_rows] == ["card"], out_rows

    conn.execute(case.insert(), [{**case_row, "customer_id": cid} for _, cid in invoices])
    wanted = {cid for _, cid in invoices}
    case_of = {
        cid: id_
        for id_, cid in conn.execute(select(case.c.id, case.c.customer_id))
        if cid in wanted
    }
    pairs = [(case_of[cid], inv_id) for inv_id, cid in invoices]
    conn.execute(
        trig.insert(),
        [{**trig_row, "case_id": c, "invoice_id": i, "key": f"stage:{i}:early"} for c, i in pairs],
    )
    conn.execute(link.insert(), [{**link_row, "case_id": c, "invoice_id": i} for c, i in pairs])
    conn.execute(seat.insert(), [{**r, "case_id": c} for c, _ in pairs for r in seat_rows])
    old = f"case:{first}"
    conn.execute(
        out.insert(),
        [
            {
                **r,
                "case_id": c,
                "key": r["key"].replace(f"{old}:", f"case:{c}:", 1),
                "ref_key": f"case:{c}",
                "payload": json.dumps(
                    {**json.loads(r["payload"]), "case": c},
                    ensure_ascii=False,
                    sort_keys=True,
                ),
            }
            for c, _ in pairs
            for r in out_rows
        ],
    )


def restore_seats(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Put seats in a waiting state with the given clock (also to replay for the peer)."""
    from storage.models import Seat

    seat = Seat.__table__  # type: ignore[attr-defined]
    conn.execute(
        update(seat)
        .where(seat.c.id == bindparam("b_id"))
        .values(
            status="waiting",
            started_at=bindparam("b_started"),
            reminded=bindparam("b_reminded"),
            due_at=bindparam("b_due"),
            level=0,
            repeats=0,
            acknowledged_at=None,
            snoozed_until=None,
            version=bindparam("b_version"),
            updated_at=T0,
        ),
        rows,
    )


# --------------------------------------------------------------------------------------------
# Part 1: the ticks


@dataclass
class TickRun:
    nows: list[datetime] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)  # seconds per tick
    fired: list[int] = field(default_factory=list)  # seats that said something, per tick

    @property
    def busy(self) -> list[float]:
        return [w for w, f in zip(self.walls, self.fired, strict=True) if f]

    @property
    def idle(self) -> list[float]:
        return [w for w, f in zip(self.walls, self.fired, strict=True) if not f]

    def per_seat(self) -> float | None:
        total = sum(self.fired)
        return sum(self.busy) / total if total else None


def run_ticks(db: Any, env: Any, interval: timedelta, budget: float) -> TickRun:
    """Ours: the fake clock steps one interval, or as many as the last tick took; stops at
    the end of the span or once the ticks have taken `budget` seconds of wall time."""
    from bot.kernel.clock import FakeClock
    from jobs.circle import tick

    clock = FakeClock(T0)
    end = T0 + SPAN
    run = TickRun()
    step = interval.total_seconds()
    gc.collect()
    while True:
        clock.advance(interval)
        now = clock.now()
        if now > end + interval or sum(run.walls) >= budget:
            break
        started = time.perf_counter()
        fired = tick(db, env, now)
        wall = time.perf_counter() - started
        run.nows.append(now)
        run.walls.append(wall)
        run.fired.append(fired)
        # The scheduler never runs a tick twice at once and skips the runs it missed.
        if wall > step:
            clock.advance(interval * (math.ceil(wall / step) - 1))
    return run


def lateness(db: Any, env: Any, run: TickRun, started: dict[int, datetime]) -> dict[str, Any]:
    """Every reminder and escalation in the outbox against the deadline it was written for."""
    from storage.models import Outbox

    policy = env.policy
    offsets = {"remind": policy.window - policy.remind_before}
    for i, level in enumerate(policy.levels, 1):
        offsets[f"level{i}"] = level.after
    ends = dict(zip(run.nows, run.walls, strict=True))
    out = Outbox.__table__  # type: ignore[attr-defined]
    late: list[float] = []
    late_commit: list[float] = []
    problems: list[str] = []
    kinds: dict[str, int] = {}
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(out.c.key, out.c.kind, out.c.payload, out.c.created_at).where(
                out.c.kind.in_(("escalation", "remind"))
            )
        ).all()
    for key, kind, payload, created in rows:
        kinds[kind] = kinds.get(kind, 0) + 1
        _, seat_id, stamp, tag = key.split(":")[:4]
        begun = started[int(seat_id)]
        if int(begun.timestamp()) != int(stamp):
            problems.append(f"{key}: clock started {begun}, key says {stamp}")
        body = json.loads(payload)
        skipped = body.get("skipped") or []
        # An escalation that covers skipped levels is late from the first one it covers.
        first = f"level{min(skipped)}" if skipped else tag
        deadline = begun + offsets[first]
        at = created.replace(tzinfo=UTC) if created.tzinfo is None else created
        seconds = (at - deadline).total_seconds()
        late.append(seconds)
        # Written at the latest when its tick finished: the lateness in real time.
        late_commit.append(seconds + ends.get(at, 0.0))
        if seconds < 0:
            problems.append(f"{key}: fired {-seconds:.3f}s before its deadline")
    return {"late": late, "late_commit": late_commit, "kinds": kinds, "problems": problems}


# --------------------------------------------------------------------------------------------
# Part 1: the hand-written peer


class _Raw:
    """A DB-API connection in autocommit mode, with SQLite's or PostgreSQL's placeholders."""

    def __init__(self, db: Any) -> None:
        self.sqlite = db.is_sqlite
        if self.sqlite:
            import sqlite3

            self.conn: Any = sqlite3.connect(
                db.engine.url.database, isolation_level=None, timeout=10
            )
            self.conn.execute("PRAGMA busy_timeout=10000")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA cache_size=-65536")
        else:
            import psycopg

            url = db.engine.url.set(drivername="postgresql")
            self.conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)

    def sql(self, text: str) -> str:
        return text if self.sqlite else text.replace("?", "%s")

    def stamp(self, moment: datetime) -> Any:
        # SQLAlchemy's own storage format on SQLite; PostgreSQL takes the datetime.
        if self.sqlite:
            return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return moment

    def read(self, value: Any) -> datetime:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def close(self) -> None:
        self.conn.close()


def run_peer(db: Any, env: Any, nows: Sequence[datetime], limit: int = 500) -> TickRun:
    """The same schedule written by hand: a claim loop over the seat table, nothing else."""
    policy = env.policy
    remind_after = policy.window - policy.remind_before
    afters = [level.after for level in policy.levels]

    def next_step(begun: datetime, reminded: bool, level: int, repeats: int) -> Any:
        # The next deadline of a waiting seat: the reminder, then each level, then repeats.
        if not reminded and level == 0:
            return begun + remind_after
        if level < len(afters):
            return begun + afters[level]
        if repeats < policy.repeat_times:
            return begun + afters[-1] + (repeats + 1) * policy.repeat_every
        return None

    raw = _Raw(db)
    select_due = raw.sql(
        "SELECT id, version, started_at, reminded, level, repeats FROM seat "
        "WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at LIMIT ?"
    )
    claim = raw.sql(
        "UPDATE seat SET version = ?, reminded = ?, level = ?, repeats = ?, due_at = ?, "
        "updated_at = ? WHERE id = ? AND version = ?"
    )
    begin = "BEGIN IMMEDIATE" if raw.sqlite else "BEGIN"
    run = TickRun()
    gc.collect()
    try:
        cur = raw.conn.cursor()
        for now in nows:
            started = time.perf_counter()
            due = cur.execute(select_due, (raw.stamp(now), limit)).fetchall()
            fired = 0
            for seat_id, version, begun_at, reminded, level, repeats in due:
                begun = raw.read(begun_at)
                reminded, level, repeats = bool(reminded), int(level), int(repeats)
                # Everything due by now collapses into one step, as the machine does.
                acted = False
                while (when := next_step(begun, reminded, level, repeats)) is not None:
                    if when > now:
                        break
                    acted = True
                    if not reminded and level == 0:
                        reminded = True
                    elif level < len(afters):
                        level, reminded = level + 1, True
                    else:
                        repeats += 1
                following = next_step(begun, reminded, level, repeats)
                cur.execute(begin)
                cur.execute(
                    claim,
                    (
                        version + 1,
                        reminded,
                        level,
                        repeats,
                        None if following is None else raw.stamp(following),
                        raw.stamp(now),
                        seat_id,
                        version,
                    ),
                )
                claimed = cur.rowcount
                cur.execute("COMMIT")
                if claimed and acted:
                    fired += 1
            run.nows.append(now)
            run.walls.append(time.perf_counter() - started)
            run.fired.append(fired)
    finally:
        raw.close()
    return run


# --------------------------------------------------------------------------------------------
# Part 2: the fake messenger (a child process, so the worker's event loop cannot delay it)


def _serve(conn: Any, tolerance: float) -> None:
    asyncio.run(_server_main(conn, tolerance))


async def _server_main(pipe: Any, tolerance: float) -> None:
    accepted: dict[str, list[float]] = {}
    rejected: dict[str, list[float]] = {}
    last: dict[str, float] = {}
    delays: list[float] = []  # from the transport's call to the request's arrival
    done = asyncio.Event()
    counter = 0

    def answer(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> bytes:
        data = json.dumps(body).encode()
        reason = {200: "OK", 404: "Not Found", 429: "Too Many Requests"}.get(status, "Error")
        head = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(data)}"]
        head += ["Content-Type: application/json"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + data

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal counter
        try:
            while True:
                request = await reader.readline()
                if not request:
                    break
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                body = await reader.readexactly(length) if length else b""
                arrived = time.monotonic()
                method, path = request.decode("latin-1").split()[:2]
                if method == "POST" and path == "/send":
                    sent = json.loads(body)
                    channel = sent["channel"]
                    delays.append(arrived - sent["t"])
                    previous = last.get(channel)
                    if previous is not None and arrived - previous < tolerance:
                        rejected.setdefault(channel, []).append(arrived)
                        wait = max(1, math.ceil(1.0 - (arrived - previous)))
                        out = answer(429, {"ok": False}, {"Retry-After": str(wait)})
                    else:
                        last[channel] = arrived
                        accepted.setdefault(channel, []).append(arrived)
                        counter += 1
                        out = answer(200, {"ok": True, "id": f"m{counter}"})
                elif method == "GET" and path == "/stats":
                    out = answer(
                        200, {"accepted": accepted, "rejected": rejected, "delays": delays}
                    )
                elif method == "POST" and path == "/quit":
                    out = answer(200, {"ok": True})
                    done.set()
                else:
                    out = answer(404, {"ok": False})
                writer.write(out)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away, or the server is shutting down
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    pipe.send(server.sockets[0].getsockname()[1])
    async with server:
        await done.wait()


class HttpTransport:
    """What an adapter does: post, and turn the status into the outbox's errors.

    One httpx client (one keep-alive connection) per channel: httpcore's pool walks all its
    connections on every request (O(connections^2) per request), and one client holding 100
    connections spends more CPU in that walk than the worker itself. See bench/README.md.
    """

    def __init__(self, base_url: str, destinations: Sequence[str]) -> None:
        import httpx

        # Made up front: a client builds an SSL context (tens of ms), which must not block
        # the worker's event loop in the middle of the measurement.
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self.clients = {
            d: httpx.AsyncClient(base_url=base_url, limits=limits, timeout=10) for d in destinations
        }

    async def deliver(
        self, row: Any, message: Any, *, update_ref: str | None, thread_ref: str | None
    ) -> str | None:
        from bot.kernel.messages import PermanentError, RetryAfter, TransientError

        body = {
            "channel": row.destination,
            "text": message.text,
            "thread": thread_ref,
            "t": time.monotonic(),  # to measure how long the request took to arrive
        }
        resp = await self.clients[row.destination].post("/send", json=body)
        if resp.status_code == 429:
            raise RetryAfter(float(resp.headers.get("Retry-After", "1")))
        if resp.status_code >= 500:
            raise TransientError(f"HTTP {resp.status_code}")
        if resp.status_code >= 400:
            raise PermanentError(f"HTTP {resp.status_code}")
        ref: str = resp.json()["id"]
        return ref

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()


def run_outbox(db: Any, channels: int, seconds: float) -> dict[str, Any]:
    from bot.kernel.clock import SystemClock
    from storage.circle import begin_write
    from storage.models import Outbox
    from storage.outbox import enqueue

    out = Outbox.__table__  # type: ignore[attr-defined]
    per_channel = int(seconds) + 5
    destinations = [f"#bench-{c:03d}" for c in range(channels)]
    now = SystemClock().now()
    with db.engine.begin() as conn:
        begin_write(conn)
        # The tick part's messages are not this part's business: out of the queue.
        cleared = conn.execute(
            update(out).where(out.c.status == "pending").values(status="superseded")
        ).rowcount
        for i in range(per_channel):
            for destination in destinations:
                enqueue(
                    conn,
                    key=f"bench:{destination}:{i}",
                    platform="bench",
                    destination=destination,
                    kind="note",
                    payload={"n": i},
                    now=now,
                )

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(child, TOLERANCE), daemon=True)
    server.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the fake messenger did not start")
        port = parent.recv()
        result = asyncio.run(_drive(db, port, seconds, destinations))
    finally:
        server.join(5)
        if server.is_alive():
            server.terminate()
    with db.engine.connect() as conn:
        left = conn.execute(
            select(func.count()).select_from(out).where(out.c.status == "pending")
        ).scalar_one()
    result.update(cleared=cleared, prefilled=per_channel * channels, left=left)
    return result


async def _drive(db: Any, port: int, seconds: float, destinations: Sequence[str]) -> dict[str, Any]:
    import httpx

    from bot.kernel.clock import SystemClock
    from bot.kernel.messages import Reply
    from jobs.outbox import OutboxWorker

    def render(row: Any) -> Reply:
        return Reply(text=f"bench message {row.payload['n']} to {row.destination}")

    base = f"http://127.0.0.1:{port}"
    transport = HttpTransport(base, destinations)
    worker = OutboxWorker(
        db,
        SystemClock(),
        {"bench": transport},
        render,
        rates={"bench": (1, timedelta(seconds=1))},
    )
    stop = asyncio.Event()
    lags: list[float] = []

    async def probe(step: float = 0.01) -> None:
        # How late the loop wakes a 10 ms sleeper: what a chat command waiting for its turn
        # on the same loop (a handler's acknowledgement) would see while the worker delivers.
        while not stop.is_set():
            started = time.perf_counter()
            await asyncio.sleep(step)
            lags.append(time.perf_counter() - started - step)

    gc.collect()
    t0 = time.monotonic()
    cpu0 = time.process_time()
    task = asyncio.create_task(worker.run(stop))
    prober = asyncio.create_task(probe())
    try:
        await asyncio.sleep(seconds)
    finally:
        t1 = time.monotonic()
        cpu = time.process_time() - cpu0
        stop.set()
        await task
        await prober
        await transport.close()
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        stats = (await client.get("/stats")).json()
        await client.post("/quit")
    return {"t0": t0, "t1": t1, "cpu_s": cpu, "lags": sorted(lags), **stats}


# --------------------------------------------------------------------------------------------
# Report


def _fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "ms":
        return f"{value * 1000:.2f}"
    if kind == "s":
        return f"{value:.3f}"
    if kind == "rate":
        return f"{value:.2f}" if value < 10 else f"{value:,.1f}"
    if kind == "ratio":
        return f"{value:.2f}×"
    return f"{value:,.0f}"


def table(
    rows: Sequence[tuple[str, str, float | None, float | None, str]], heads: list[str]
) -> str:
    grid = [heads]
    for name, kind, ours, peer, ratio_kind in rows:
        if ours is None and peer is None:
            continue
        ratio = None if ours is None or not peer else ours / peer
        grid.append(
            [
                name,
                _fmt(ours, kind),
                _fmt(peer, kind),
                _fmt(ratio, ratio_kind) if ratio_kind else "",
            ]
        )
    from bot.kernel.messages import Table

    figures = tuple(range(1, len(heads)))  # every column but the first, aligned right
    return "\n".join(Table(tuple(heads), tuple(map(tuple, grid[1:])), right=figures).lines())


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.circle", description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--channels", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=20.0, help="outbox part, real time")
    ap.add_argument(
        "--tick-budget",
        type=float,
        default=45.0,
        metavar="S",
        help="stop ticking after this much wall time (default 45)",
    )
    ap.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="an EMPTY scratch database (default: a temporary SQLite file)",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    command = "python -m bench.circle " + " ".join(
        [f"--cases {args.cases}", f"--channels {args.channels}", f"--seconds {args.seconds:g}"]
        + [f"--tick-budget {args.tick_budget:g}"]
        + ([f"--database {args.database}"] if args.database else [])
    )

    from storage.db import Database, redact

    workdir = Path(tempfile.mkdtemp(prefix="arcircle-bench-circle-"))
    try:
        url = args.database or f"sqlite:///{workdir}/circle.db"
        db = Database(url)
        db.migrate()
        env = load_env(workdir)
        interval = timedelta(seconds=2)  # circle.tick_every's default
        rng = random.Random(SEED)

        print(f"database {redact(db.url)}", flush=True)
        print(f"building {args.cases:,} cases ...", flush=True)
        built = build(db, env, args.cases, rng)
        print(
            f"  {args.cases:,} customers + invoices in {built['ledger_s']:.2f}s; "
            f"{built['opened']:,} cases through open_case in {built['open_s']:.2f}s "
            f"({built['open_s'] / built['opened'] * 1000:.2f} ms a case), {built['copied']:,} "
            f"copied from their rows in {built['copy_s']:.2f}s; {built['seats']:,} seats",
            flush=True,
        )
        print("ticking (ours) ...", flush=True)
        ours = run_ticks(db, env, interval, args.tick_budget)
        late = lateness(db, env, ours, built["started"])
        print("ticking (hand-written claim loop, same rows, same times) ...", flush=True)
        with db.engine.begin() as conn:
            restore_seats(conn, built["snapshot"])
        peer = run_peer(db, env, ours.nows)

        print(f"outbox: {args.channels} channels, {args.seconds:g}s of real time ...", flush=True)
        box = run_outbox(db, args.channels, args.seconds)
        db.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    tick_s = interval.total_seconds()
    covered = (ours.nows[-1] - T0).total_seconds() if ours.nows else 0.0
    fired_agree = ours.fired == peer.fired
    # What the messenger accepted inside the measured window.
    window = box["t1"] - box["t0"]
    names = [f"#bench-{c:03d}" for c in range(args.channels)]
    counts = {
        ch: sum(1 for t in box["accepted"].get(ch, []) if box["t0"] <= t <= box["t1"])
        for ch in names
    }
    delivered = sum(counts.values())
    total_429 = sum(len(times) for times in box["rejected"].values())
    early_429 = sum(1 for ts in box["rejected"].values() for t in ts if t < box["t0"] + 2.0)
    per_channel = [counts[ch] / window for ch in names]
    gaps = [b - a for times in box["accepted"].values() for a, b in itertools.pairwise(times)]
    delays = sorted(box["delays"])
    lags = box["lags"]
    lag_p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))] if lags else None
    limit = float(args.channels)

    def capacity(run: TickRun) -> float | None:
        per_seat = run.per_seat()
        return tick_s / per_seat if per_seat else None

    result: dict[str, Any] = {
        "cases": args.cases,
        "seats": built["seats"],
        "open_case_ms": _ms(built["open_s"] / built["opened"]) if built["opened"] else None,
        "ticks": len(ours.walls),
        "fake_minutes": round(covered / 60, 2),
        "ticks_over_interval": sum(1 for w in ours.walls if w > tick_s),
        "fired": sum(ours.fired),
        "peer_fired": sum(peer.fired),
        "fired_agree": fired_agree,
        "messages": late["kinds"],
        "tick_ms_median": _ms(_median(ours.busy)),
        "tick_ms_max": _ms(_max(ours.walls)),
        "tick_per_seat_ms": _ms(ours.per_seat()),
        "idle_tick_ms_median": _ms(_median(ours.idle)),
        "seats_per_interval": _r(capacity(ours), 0),
        "peer_tick_ms_median": _ms(_median(peer.busy)),
        "peer_tick_ms_max": _ms(_max(peer.walls)),
        "peer_per_seat_ms": _ms(peer.per_seat()),
        "peer_seats_per_interval": _r(capacity(peer), 0),
        "lateness_s_median": _r(_median(late["late"])),
        "lateness_s_max": _r(_max(late["late"])),
        "lateness_commit_s_median": _r(_median(late["late_commit"])),
        "lateness_commit_s_max": _r(_max(late["late_commit"])),
        "lateness_problems": len(late["problems"]),
        "channels": args.channels,
        "seconds": round(window, 3),
        "delivered": delivered,
        "msgs_per_s": _r(delivered / window),
        "limit_per_s": limit,
        "ratio_to_limit": _r(delivered / window / limit),
        "per_channel_median": _r(_median(per_channel)),
        "per_channel_min": _r(min(per_channel) if per_channel else None),
        "per_channel_max": _r(_max(per_channel)),
        "min_gap_s": _r(min(gaps) if gaps else None),
        "http_429": total_429,
        "http_429_first_2s": early_429,
        "send_delay_ms_median": _ms(_median(delays)),
        "send_delay_ms_max": _ms(_max(delays)),
        "worker_cpu_s": _r(box["cpu_s"]),
        "loop_lag_ms_median": _ms(_median(lags)),
        "loop_lag_ms_p99": _ms(lag_p99),
        "loop_lag_ms_max": _ms(_max(lags)),
        "queue_left": box["left"],
        "python": sys.version.split()[0],
    }

    print()
    kinds = ", ".join(f"{v:,} {k}" for k, v in sorted(late["kinds"].items()))
    print(
        f"tick: {args.cases:,} cases, {built['seats']:,} seats due at random over the next "
        f"{SPAN.total_seconds() / 60:g} min of fake time; ticked {covered / 60:.1f} min of it "
        f"({len(ours.walls)} ticks {tick_s:g}s apart, {sum(ours.walls):.1f}s of wall time, "
        f"budget {args.tick_budget:g}s); {sum(ours.fired):,} seats fired ({kinds} rows)"
    )
    rows: list[tuple[str, str, float | None, float | None, str]] = [
        ("tick wall ms, median (ticks that fired)", "ms", _median(ours.busy), _median(peer.busy),
         "ratio"),
        ("tick wall ms, max", "ms", _max(ours.walls), _max(peer.walls), "ratio"),
        ("tick wall ms, median (nothing due)", "ms", _median(ours.idle), _median(peer.idle),
         "ratio"),
        ("wall ms per fired seat", "ms", ours.per_seat(), peer.per_seat(), "ratio"),
        (f"seats one tick fires in {tick_s:g}s", "n", capacity(ours), capacity(peer), "ratio"),
    ]  # fmt: skip
    print(table(rows, ["", "ours", "hand-written claim", "ours/peer"]))
    print(
        "(hand-written claim: SELECT the due seats, then per seat one transaction with UPDATE "
        "... WHERE id = ? AND version = ?; no outbox, audit or card update)"
    )
    print()
    rows = [
        ("lateness s, median", "s", _median(late["late"]), tick_s, "ratio"),
        ("lateness s, max", "s", _max(late["late"]), tick_s, "ratio"),
        ("lateness s incl. tick wall, median", "s", _median(late["late_commit"]), tick_s, "ratio"),
        ("lateness s incl. tick wall, max", "s", _max(late["late_commit"]), tick_s, "ratio"),
    ]
    print(table(rows, ["", "ours", "bound (interval)", "ours/bound"]))
    print(
        "(lateness: fake time of the tick that wrote the reminder/escalation minus its deadline; "
        "'incl. tick wall' adds that tick's wall time, by when the row was committed at the "
        f"latest; {result['ticks_over_interval']} of {len(ours.walls)} ticks took longer than "
        f"{tick_s:g}s)"
    )
    print()
    print(
        f"outbox: {args.channels} channels at 1 message/s each, {window:.1f}s of real time, "
        f"{box['prefilled']:,} rows queued, {box['left']:,} left (the tick part's "
        f"{box['cleared']:,} pending rows were taken out of the queue first)"
    )
    rows = [
        ("messages/s, all channels", "rate", delivered / window, limit, "ratio"),
        ("messages/s per channel, median", "rate", _median(per_channel), 1.0, "ratio"),
        ("messages/s per channel, min", "rate", min(per_channel) if per_channel else None, 1.0,
         "ratio"),
        ("HTTP 429", "n", float(total_429), 0.0, ""),
        ("HTTP 429 in the first 2 s", "n", float(early_429), 0.0, ""),
    ]  # fmt: skip
    print(table(rows, ["", "ours", "limit", "ours/limit"]))
    print(
        f"(the fake messenger refuses a message that arrives less than {TOLERANCE:g}s after the "
        f"channel's last accepted one: 1/s with {1 - TOLERANCE:g}s of tolerance for jitter; "
        f"smallest gap accepted {_fmt(result['min_gap_s'], 's')}s; from the transport's call "
        f"to the request's arrival: median {_fmt(result['send_delay_ms_median'], 'rate')} ms, max "
        f"{_fmt(result['send_delay_ms_max'], 'rate')} ms; worker process CPU {box['cpu_s']:.1f}s "
        f"in {window:.1f}s)"
    )
    print(
        f"event loop lag while delivering (a 10 ms sleeper woken late by): median "
        f"{_fmt(result['loop_lag_ms_median'], 'rate')} ms, p99 "
        f"{_fmt(result['loop_lag_ms_p99'], 'rate')} ms, max "
        f"{_fmt(result['loop_lag_ms_max'], 'rate')} ms"
    )
    goal_rate = result["ratio_to_limit"] is not None and result["ratio_to_limit"] >= 0.9
    print(
        f"goals: outbox within 10 % of the limit: {'met' if goal_rate else 'MISSED'}; "
        f"no 429: {'met' if total_429 == 0 else 'MISSED'}. checks: the tick fires the same "
        f"seats as the hand-written loop: {'yes' if fired_agree else 'NO'}; nothing fired "
        f"before its deadline: {'yes' if not late['problems'] else 'NO'}"
    )
    for problem in late["problems"][:10]:
        print("  " + problem)
    print(f"command: {command}")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

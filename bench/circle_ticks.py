"""bench.circle, part 1: running the circle tick over the due seats and measuring how late
they fired, beside a hand-written claim loop (the peer) over the same rows."""

from __future__ import annotations

import gc
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bench.circle_world import SPAN, T0

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

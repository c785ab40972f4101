"""bench.circle's world: its constants and config, and building the database it runs on
(cases opened through open_case, the rest copied from their rows, seats restored between runs)."""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Sequence
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

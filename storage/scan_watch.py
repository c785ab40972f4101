"""The limitation and promise watches' database work: which invoices' limitation periods end
soon (counted from the latest acknowledgement), calling legal in for them, and settling
promises that fell due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from playbook.limitation import add_years
from storage.acknowledgements import clock_of, clock_query
from storage.circle import CircleEnv, Opened, begin_write, check_promises, open_case
from storage.db import Database
from storage.models import CaseTrigger, Invoice

_inv = Invoice.__table__  # type: ignore[attr-defined]
_trig = CaseTrigger.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, order=True)
class Limitation:
    customer_id: int
    invoice_id: int
    due_date: date
    ends: date  # the last day of its period, counted from the latest interruption
    key: str  # the trigger's key: fires once per period


def limitation_key(invoice_id: int, restarted: bool, ends: date) -> str:
    """`limitation:17` for a period that runs from the due date (the key such triggers have
    always had), `limitation:17:2029-05-10` for one restarted by an acknowledgement: a
    restarted period that nears its end fires again, once."""
    base = f"limitation:{invoice_id}"
    return f"{base}:{ends.isoformat()}" if restarted else base


def limitation_due(db: Database, *, today: date, years: int, warn_days: int) -> list[Limitation]:
    """Open invoices whose limitation period, counted from the latest of the due date and the
    interruptions (statement, promise, part payment; storage.acknowledgements), ends within
    `warn_days` and whose trigger for that period has not fired yet."""
    # An interruption only moves the end later: invoices due after this day cannot be near.
    due_by = add_years(today + timedelta(days=warn_days), -years)
    warn_from = today + timedelta(days=warn_days)
    candidates = clock_query(_inv.c.due_date <= due_by)
    with db.engine.connect() as conn:
        clocks = [clock_of(r, years) for r in conn.execute(candidates)]
        ids = candidates.with_only_columns(_inv.c.id).scalar_subquery()
        fired = set(
            conn.execute(
                select(_trig.c.key).where(_trig.c.kind == "limitation", _trig.c.invoice_id.in_(ids))
            ).scalars()
        )
    due = []
    for c in clocks:
        key = limitation_key(c.invoice_id, c.restarted_on is not None, c.ends)
        if c.ends <= warn_from and key not in fired:
            due.append(Limitation(c.customer_id, c.invoice_id, c.due_date, c.ends, key))
    # Sorted here: ORDER BY customer_id makes SQLite walk the whole customer index instead.
    return sorted(due)


def open_for_limitation(
    db: Database,
    env: CircleEnv,
    *,
    customer_id: int,
    items: Sequence[Limitation],
    ends: Sequence[date],
    today: date,
    now: datetime,
) -> Opened | None:
    """Call legal into the customer's case for invoices whose limitation period ends soon."""
    with db.engine.begin() as conn:
        begin_write(conn)
        return open_case(
            conn,
            env,
            customer_id=customer_id,
            trigger="limitation",
            keys=[(i.key, i.invoice_id) for i in items],
            stage="late",
            actor="limitation-watch",
            now=now,
            today=today,
            detail={"ends": [end.isoformat() for end in ends]},
        )


def resolve_promises(db: Database, env: CircleEnv, *, today: date, now: datetime) -> int:
    """Settle pending promises (kept, or broken when their day passed); how many were."""
    with db.engine.begin() as conn:
        begin_write(conn)
        return len(check_promises(conn, env, today=today, now=now))

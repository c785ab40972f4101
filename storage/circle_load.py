"""Reading the circle: a whole case as plain data (load_case), the active case of a customer,
the list of cases, and the row-to-state helpers the writing modules share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, select

from playbook import circle as machine
from playbook.case_view import (
    ACTIVE,
    CaseInvoiceView,
    CaseView,
    DecisionView,
    InputView,
    PromiseView,
    SeatView,
)
from playbook.money import from_minor
from storage.circle_types import LIVE_SEATS, _case, _ci, _cus, _dec, _input, _inv, _prom, _seat

# --- reading ------------------------------------------------------------------------------


def _state(row: Any) -> machine.SeatState:
    return machine.SeatState(
        team=row.team,
        started_at=_aware(row.started_at),
        status=row.status,
        level=row.level,
        repeats=row.repeats,
        reminded=row.reminded,
        acknowledged_at=_aware(row.acknowledged_at) if row.acknowledged_at else None,
        snoozed_until=_aware(row.snoozed_until) if row.snoozed_until else None,
    )


def _policy(case_row: Any) -> machine.CirclePolicy:
    """The escalation policy the case was opened with (its snapshot, not today's config)."""
    return _parsed_policy(case_row.policy)


@lru_cache(maxsize=256)
def _parsed_policy(text: str) -> machine.CirclePolicy:
    # Cases opened under the same rules share one snapshot text: the tick parsed it for every
    # seat it fired (a tenth of a millisecond each). CirclePolicy is frozen, so sharing is safe.
    return machine.CirclePolicy.from_json(json.loads(text))


def _seat_values(state: machine.SeatState, policy: machine.CirclePolicy) -> dict[str, Any]:
    return {
        "status": state.status,
        "started_at": state.started_at,
        "level": state.level,
        "repeats": state.repeats,
        "reminded": state.reminded,
        "acknowledged_at": state.acknowledged_at,
        "snoozed_until": state.snoozed_until,
        "due_at": machine.due_at(state, policy),
    }


def load_case(conn: Connection, case_id: int) -> CaseView | None:
    row = conn.execute(
        select(_case, _cus.c.code, _cus.c.name.label("cname"), _cus.c.segment, _cus.c.on_hold)
        .select_from(_case.join(_cus, _cus.c.id == _case.c.customer_id))
        .where(_case.c.id == case_id)
    ).first()
    if row is None:
        return None
    invoices = tuple(
        CaseInvoiceView(
            r.id,
            r.invoice_no,
            r.currency,
            from_minor(r.amount_minor - r.paid_minor, r.currency),
            r.due_date,
            r.disputed,
            r.status,
            r.owner,
        )
        for r in conn.execute(
            select(_inv)
            .join(_ci, _ci.c.invoice_id == _inv.c.id)
            .where(_ci.c.case_id == case_id)
            .order_by(_inv.c.due_date, _inv.c.invoice_no)
        )
    )
    seats = tuple(
        SeatView(
            r.id, _state(r), r.due_at, r.answered_by, r.answered_at, r.snooze_reason, r.version
        )
        for r in conn.execute(select(_seat).where(_seat.c.case_id == case_id).order_by(_seat.c.id))
    )
    inputs = tuple(
        InputView(r.team, r.person, r.kind, r.text, r.at)
        for r in conn.execute(
            select(_input).where(_input.c.case_id == case_id).order_by(_input.c.id)
        )
    )
    promises = tuple(
        PromiseView(
            r.id,
            from_minor(r.amount_minor, r.currency),
            r.currency,
            r.due_on,
            r.status,
            r.made_by,
            r.made_at,
        )
        for r in conn.execute(select(_prom).where(_prom.c.case_id == case_id).order_by(_prom.c.id))
    )
    decisions = tuple(
        DecisionView(
            r.action,
            r.person,
            r.note,
            from_minor(r.amount_minor, r.currency) if r.amount_minor is not None else None,
            r.currency,
            r.on_date,
            r.at,
        )
        for r in conn.execute(select(_dec).where(_dec.c.case_id == case_id).order_by(_dec.c.id))
    )
    owners = tuple(dict.fromkeys(i.owner for i in invoices if i.owner))
    return CaseView(
        id=row.id,
        customer_id=row.customer_id,
        customer_code=row.code,
        customer_name=row.cname,
        segment=row.segment,
        on_hold=row.on_hold,
        status=row.status,
        trigger=row.trigger,
        stage=row.stage,
        opened_at=row.opened_at,
        opened_by=row.opened_by,
        closed_at=row.closed_at,
        closed_by=row.closed_by,
        close_reason=row.close_reason,
        policy=_policy(row),
        version=row.version,
        invoices=invoices,
        seats=seats,
        inputs=inputs,
        promises=promises,
        decisions=decisions,
        owners=owners,
    )


def active_case_for(conn: Connection, customer_id: int) -> int | None:
    return conn.execute(
        select(_case.c.id)
        .where(_case.c.customer_id == customer_id, _case.c.status.in_(ACTIVE))
        .order_by(_case.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class CaseSummary:
    id: int
    customer_name: str
    status: str
    stage: str
    waiting: tuple[str, ...]
    opened_at: datetime


def list_cases(conn: Connection, *, active_only: bool = True, limit: int = 20) -> list[CaseSummary]:
    stmt = (
        select(_case.c.id, _case.c.status, _case.c.stage, _case.c.opened_at, _cus.c.name)
        .select_from(_case.join(_cus, _cus.c.id == _case.c.customer_id))
        .order_by(_case.c.id.desc())
        .limit(limit)
    )
    if active_only:
        stmt = stmt.where(_case.c.status.in_(ACTIVE))
    rows = conn.execute(stmt).all()
    waiting: dict[int, list[str]] = {}
    if rows:
        for s in conn.execute(
            select(_seat.c.case_id, _seat.c.team).where(
                _seat.c.case_id.in_([r.id for r in rows]), _seat.c.status.in_(LIVE_SEATS)
            )
        ):
            waiting.setdefault(s.case_id, []).append(s.team)
    return [
        CaseSummary(r.id, r.name, r.status, r.stage, tuple(waiting.get(r.id, ())), r.opened_at)
        for r in rows
    ]


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; everything stored is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

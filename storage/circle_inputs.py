"""What teams and customers bring to an open case: team inputs, promises to pay (and checking
them when they fall due), and disputed invoices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from playbook import circle as machine
from playbook.case_view import ACTIVE
from playbook.money import from_minor
from storage import audit
from storage.circle_load import _aware, _policy, _seat_values, _state
from storage.circle_open import open_case
from storage.circle_types import (
    DUPLICATE_WINDOW,
    CircleEnv,
    CircleError,
    _case,
    _ci,
    _input,
    _inv,
    _prom,
    _seat,
)
from storage.circle_write import (
    _audit,
    _audit_seat,
    _changed,
    _lock_case,
    _replace_pending_promises,
)

# --- inputs -------------------------------------------------------------------------------


def _active_case(conn: Connection, case_id: int) -> Any:
    row = _lock_case(conn, case_id)
    if row is None:
        raise CircleError("no_case", case=case_id)
    if row.status not in ACTIVE:
        raise CircleError(
            "case_closed", case=case_id, by=row.closed_by, at=row.closed_at, reason=row.close_reason
        )
    return row


@dataclass(frozen=True)
class InputResult:
    case_id: int
    team: str
    kind: str
    ready: bool  # every seat has now answered


def record_input(
    conn: Connection,
    env: CircleEnv,
    *,
    case_id: int,
    team: str,
    person: str,
    text: str,
    now: datetime,
    kind: str = "answer",
) -> InputResult:
    """A team's answer (stops its clock) or acknowledgement (pauses it)."""
    row = _active_case(conn, case_id)
    policy = _policy(row)
    seat = conn.execute(
        select(_seat).where(_seat.c.case_id == case_id, _seat.c.team == team)
    ).first()
    if seat is None:
        teams = list(conn.execute(select(_seat.c.team).where(_seat.c.case_id == case_id)).scalars())
        raise CircleError("team_not_in_case", case=case_id, team=team, teams=teams)
    last = conn.execute(
        select(_input.c.text, _input.c.at, _input.c.kind)
        .where(_input.c.case_id == case_id, _input.c.team == team, _input.c.person == person)
        .order_by(_input.c.id.desc())
        .limit(1)
    ).first()
    if (
        last is not None
        and last.text == text
        and last.kind == kind
        and now - _aware(last.at) < DUPLICATE_WINDOW
    ):
        raise CircleError("duplicate", case=case_id, team=team, at=_aware(last.at))
    input_id = conn.execute(
        _input.insert()
        .values(case_id=case_id, team=team, person=person, kind=kind, text=text, at=now)
        .returning(_input.c.id)
    ).scalar_one()
    state = _state(seat)
    if kind == "answer":
        new_state = machine.answer(state)
        extra: dict[str, Any] = {}
        if seat.status != "answered":
            extra = {"answered_at": now, "answered_by": person}
    else:
        new_state = machine.acknowledge(state, now)
        extra = {}
    if new_state != state or extra:
        conn.execute(
            update(_seat)
            .where(_seat.c.id == seat.id)
            .values(
                version=_seat.c.version + 1,
                updated_at=now,
                **_seat_values(new_state, policy),
                **extra,
            )
        )
        _audit_seat(conn, now, person, f"seat.{kind}", seat, {"status": new_state.status})
    states = [
        _state(r) if r.id != seat.id else new_state
        for r in conn.execute(select(_seat).where(_seat.c.case_id == case_id))
    ]
    ready = kind == "answer" and machine.case_ready(states) and row.status == "open"
    _audit(
        conn,
        now,
        person,
        f"case.{kind}",
        case_id,
        {"team": team, "text": text},
        entity="input",
        record=input_id,
    )
    # The card shows the input; the thread only hears when the circle is complete.
    values: dict[str, Any] = {}
    note: dict[str, Any] | None = None
    if ready:
        values["status"] = "ready"
        note = {"what": "ready"}
    _changed(conn, env, case_id, now, note=note, **values)
    return InputResult(case_id, team, kind, ready)


# --- promises -----------------------------------------------------------------------------


def _paid_minor(conn: Connection, case_id: int, currency: str) -> int:
    return int(
        conn.execute(
            select(func.coalesce(func.sum(_inv.c.paid_minor), 0))
            .select_from(_inv.join(_ci, _ci.c.invoice_id == _inv.c.id))
            .where(_ci.c.case_id == case_id, _inv.c.currency == currency)
        ).scalar_one()
    )


def owed_minor(conn: Connection, case_id: int) -> dict[str, int]:
    """What the case's open invoices still owe, by currency (only currencies owing something)."""
    rows = conn.execute(
        select(_inv.c.currency, func.sum(_inv.c.amount_minor - _inv.c.paid_minor))
        .select_from(_inv.join(_ci, _ci.c.invoice_id == _inv.c.id))
        .where(_ci.c.case_id == case_id, _inv.c.status == "open")
        .group_by(_inv.c.currency)
        .order_by(_inv.c.currency)
    )
    return {cur: int(total) for cur, total in rows if total and int(total) > 0}


def check_amount(conn: Connection, case_id: int, amount_minor: int, currency: str) -> None:
    """An amount on a case (promised, settled, written off) is at most what it owes in that
    currency; a currency it owes nothing in is refused with the currencies it does owe."""
    owed = owed_minor(conn, case_id)
    outstanding = owed.get(currency, 0)
    if outstanding <= 0:
        raise CircleError(
            "amount_currency",
            case=case_id,
            currency=currency,
            owed={cur: from_minor(minor, cur) for cur, minor in owed.items()},
        )
    if amount_minor > outstanding:
        raise CircleError(
            "promise_too_much",
            case=case_id,
            outstanding=from_minor(outstanding, currency),
            currency=currency,
        )


def add_promise(
    conn: Connection,
    env: CircleEnv,
    *,
    case_id: int,
    amount_minor: int,
    currency: str,
    due_on: date,
    today: date,
    person: str,
    now: datetime,
) -> int:
    row = _active_case(conn, case_id)
    if amount_minor <= 0:
        raise CircleError("promise_amount", case=case_id)
    if due_on < today:
        raise CircleError("promise_past", case=case_id, date=due_on, today=today)
    check_amount(conn, case_id, amount_minor, currency)
    same = conn.execute(
        select(_prom.c.id).where(
            _prom.c.case_id == case_id,
            _prom.c.status == "pending",
            _prom.c.amount_minor == amount_minor,
            _prom.c.currency == currency,
            _prom.c.due_on == due_on,
        )
    ).first()
    if same is not None:
        raise CircleError("duplicate_promise", case=case_id, promise=same.id)
    # A new promise replaces the pending one: the customer's latest word is what we watch.
    _replace_pending_promises(conn, case_id, person, now)
    promise_id: int = conn.execute(
        _prom.insert()
        .values(
            case_id=case_id,
            customer_id=row.customer_id,
            amount_minor=amount_minor,
            currency=currency,
            due_on=due_on,
            baseline_paid_minor=_paid_minor(conn, case_id, currency),
            made_by=person,
            made_at=now,
            status="pending",
        )
        .returning(_prom.c.id)
    ).scalar_one()
    facts = {
        "promise": promise_id,
        "amount": str(from_minor(amount_minor, currency)),
        "currency": currency,
        "due_on": due_on.isoformat(),
    }
    _audit(conn, now, person, "case.promise", case_id, facts, entity="promise", record=promise_id)
    _changed(conn, env, case_id, now)
    return promise_id


@dataclass(frozen=True)
class PromiseOutcome:
    promise_id: int
    case_id: int
    customer_id: int
    kept: bool


def check_promises(
    conn: Connection, env: CircleEnv, *, today: date, now: datetime
) -> list[PromiseOutcome]:
    """Kept as soon as the money arrived; broken when the day passed without it. A broken
    promise is a trigger: it reopens the circle (once, by its key)."""
    outcomes: list[PromiseOutcome] = []
    pending = conn.execute(select(_prom).where(_prom.c.status == "pending")).all()
    for p in pending:
        _lock_case(conn, p.case_id)  # case before promise: the order add_promise takes them in
        paid = _paid_minor(conn, p.case_id, p.currency) - p.baseline_paid_minor
        if paid >= p.amount_minor:
            status = "kept"
        elif p.due_on < today:
            status = "broken"
        else:
            continue
        taken = conn.execute(
            update(_prom)
            .where(_prom.c.id == p.id, _prom.c.status == "pending")
            .values(status=status, resolved_at=now)
        ).rowcount
        if not taken:
            continue
        facts = {
            "promise": p.id,
            "amount": str(from_minor(p.amount_minor, p.currency)),
            "currency": p.currency,
            "due_on": p.due_on.isoformat(),
            "paid": str(from_minor(max(paid, 0), p.currency)),
        }
        _audit(
            conn,
            now,
            "promise-watch",
            f"promise.{status}",
            p.case_id,
            facts,
            entity="promise",
            record=p.id,
        )
        outcomes.append(PromiseOutcome(p.id, p.case_id, p.customer_id, status == "kept"))
        case_status = conn.execute(
            select(_case.c.status).where(_case.c.id == p.case_id)
        ).scalar_one()
        if status == "kept" or case_status not in ACTIVE:
            if case_status in ACTIVE:
                _changed(conn, env, p.case_id, now, note={"what": "promise_kept", **facts})
            continue
        invoices = list(conn.execute(select(_ci.c.invoice_id).where(_ci.c.case_id == p.case_id)))
        open_case(
            conn,
            env,
            customer_id=p.customer_id,
            trigger="broken_promise",
            keys=[(f"promise:{p.id}:broken", invoices[0][0] if invoices else None)],
            stage=conn.execute(select(_case.c.stage).where(_case.c.id == p.case_id)).scalar_one(),
            actor="promise-watch",
            now=now,
            today=today,
            detail=facts,
        )
    return outcomes


# --- disputes -----------------------------------------------------------------------------


def mark_disputed(
    conn: Connection, *, invoice_id: int, reason: str, person: str, now: datetime
) -> bool:
    """False when the invoice was already disputed (the case still gets the new reason)."""
    changed = conn.execute(
        update(_inv)
        .where(_inv.c.id == invoice_id, _inv.c.disputed.is_(False))
        .values(disputed=True, updated_at=now)
    ).rowcount
    invoice_no = conn.execute(select(_inv.c.invoice_no).where(_inv.c.id == invoice_id)).scalar_one()
    # Invoices are named by their number in the trail, as the ledger import names them.
    audit.append(
        conn,
        at=now,
        actor=person,
        action="invoice.dispute",
        entity="invoice",
        entity_id=invoice_no,
        detail={"reason": reason, "invoice": invoice_id},
    )
    return bool(changed)

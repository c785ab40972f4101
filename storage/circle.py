"""The circle's state changes: open a case, record inputs, promises, decisions, snoozes, and the
tick that escalates seats whose time ran out.

Every change happens in the caller's transaction together with its audit entry and the outbox
rows that tell the teams about it, so a message is never sent for a change that did not land,
and a change never lands without its message. The rules of the clock are in playbook.circle;
this module only loads, applies and stores.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select, update

from playbook import circle as machine
from playbook.aging import AgingPolicy, stage_for

# The loaded case is plain data in the playbook, re-exported for storage's callers.
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
from storage import audit
from storage.bulk import batched, write_lock
from storage.models import (
    Case,
    CaseInvoice,
    CaseTrigger,
    Customer,
    Decision,
    Invoice,
    Promise,
    Seat,
    TeamInput,
)
from storage.outbox import enqueue

_case = Case.__table__  # type: ignore[attr-defined]
_ci = CaseInvoice.__table__  # type: ignore[attr-defined]
_trig = CaseTrigger.__table__  # type: ignore[attr-defined]
_seat = Seat.__table__  # type: ignore[attr-defined]
_input = TeamInput.__table__  # type: ignore[attr-defined]
_dec = Decision.__table__  # type: ignore[attr-defined]
_prom = Promise.__table__  # type: ignore[attr-defined]
_inv = Invoice.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]

LIVE_SEATS = ("waiting", "acknowledged", "snoozed")
# A new reason to chase reopens the seats that had already answered: the answer was about
# a situation that has changed.
_REOPENING = ("broken_promise", "dispute", "limitation")
DUPLICATE_WINDOW = timedelta(minutes=2)


@dataclass(frozen=True)
class Target:
    """Where circle cards go: one messenger's circle channel."""

    platform: str
    destination: str


@dataclass(frozen=True)
class TeamContacts:
    lead: str | None
    manager: str | None
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class CircleEnv:
    """What the circle needs from the config, in plain data."""

    policy: machine.CirclePolicy
    seat_rules: Mapping[str, machine.SeatRule]
    targets: tuple[Target, ...]
    teams: Mapping[str, TeamContacts]
    aging: AgingPolicy
    people: frozenset[str] = frozenset()
    legal_team: str = "legal"


class CircleError(Exception):
    """A request the circle refuses; `code` picks the message, `facts` fill it in."""

    def __init__(self, code: str, **facts: Any) -> None:
        super().__init__(code)
        self.code = code
        self.facts = facts


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
    return machine.CirclePolicy.from_json(json.loads(case_row.policy))


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


# --- writing helpers ----------------------------------------------------------------------


def begin_write(conn: Connection) -> None:
    """Call first in a transaction that changes the circle: one writer at a time on SQLite
    (no failed lock upgrade half-way); PostgreSQL serialises per case with row locks."""
    write_lock(conn)


def _lock_case(conn: Connection, case_id: int) -> Any:
    stmt = select(_case).where(_case.c.id == case_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return conn.execute(stmt).first()


def _fanout(
    conn: Connection,
    env: CircleEnv,
    *,
    key: str,
    kind: str,
    payload: Mapping[str, Any],
    now: datetime,
    case_id: int | None,
) -> None:
    for target in env.targets:
        enqueue(
            conn,
            key=f"{key}:{target.platform}:{target.destination}",
            platform=target.platform,
            destination=target.destination,
            kind=kind,
            payload=payload,
            now=now,
            ref_key=f"case:{case_id}" if case_id is not None else None,
            case_id=case_id,
        )


def _bump(conn: Connection, case_id: int, now: datetime, **values: Any) -> int:
    conn.execute(
        update(_case)
        .where(_case.c.id == case_id)
        .values(version=_case.c.version + 1, updated_at=now, **values)
    )
    version: int = conn.execute(select(_case.c.version).where(_case.c.id == case_id)).scalar_one()
    return version


def _changed(
    conn: Connection,
    env: CircleEnv,
    case_id: int,
    now: datetime,
    note: Mapping[str, Any] | None = None,
    **values: Any,
) -> int:
    """After a change: bump the version, update the card, and say what happened in its thread."""
    version = _bump(conn, case_id, now, **values)
    _fanout(
        conn,
        env,
        key=f"case:{case_id}:v{version}",
        kind="card_update",
        payload={"case": case_id},
        now=now,
        case_id=case_id,
    )
    if note is not None:
        _fanout(
            conn,
            env,
            key=f"case:{case_id}:note:v{version}",
            kind="note",
            payload={"case": case_id, **note},
            now=now,
            case_id=case_id,
        )
    return version


def _audit(
    conn: Connection,
    now: datetime,
    actor: str,
    action: str,
    case_id: int,
    detail: Any,
    *,
    entity: str = "case",
    record: int | None = None,
    version: int | None = None,
) -> None:
    """One audit entry about a record: the case itself, or `entity` `record` of the case (an
    input, a decision, a promise, a seat at `version`). `arcircle audit verify` looks for an
    entry naming every such record (storage.audit_records), so each change writes its own."""
    if record is None:
        record = case_id
    else:
        detail = {"case": case_id, **detail}
    audit.append(
        conn,
        at=now,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=record,
        detail=detail,
        version=version,
    )


def _audit_seat(
    conn: Connection, now: datetime, actor: str, action: str, seat: Any, detail: Any
) -> None:
    """A seat's change, written after its `version` went up by one."""
    _audit(
        conn,
        now,
        actor,
        action,
        seat.case_id,
        {"team": seat.team, **detail},
        entity="seat",
        record=seat.id,
        version=seat.version + 1,
    )


def _replace_pending_promises(conn: Connection, case_id: int, actor: str, now: datetime) -> None:
    """The case's pending promise gives way (a newer promise, a closing decision)."""
    for (promise_id,) in conn.execute(
        select(_prom.c.id).where(_prom.c.case_id == case_id, _prom.c.status == "pending")
    ).all():
        conn.execute(
            update(_prom).where(_prom.c.id == promise_id).values(status="replaced", resolved_at=now)
        )
        _audit(
            conn, now, actor, "promise.replaced", case_id, {}, entity="promise", record=promise_id
        )


def _add_seat(
    conn: Connection,
    policy: machine.CirclePolicy,
    *,
    case_id: int,
    team: str,
    actor: str,
    now: datetime,
    action: str = "seat.open",
) -> None:
    state = machine.SeatState(team=team, started_at=now)
    seat_id = conn.execute(
        _seat.insert()
        .values(
            case_id=case_id, team=team, version=1, updated_at=now, **_seat_values(state, policy)
        )
        .returning(_seat.c.id)
    ).scalar_one()
    _audit(
        conn, now, actor, action, case_id, {"team": team}, entity="seat", record=seat_id, version=1
    )


def _stage_max(a: str, b: str) -> str:
    order = machine.STAGE_ORDER
    rank = {s: i for i, s in enumerate(order)}
    return a if rank.get(a, 0) >= rank.get(b, 0) else b


# --- opening ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    case_id: int
    created: bool
    added: tuple[str, ...]  # teams that got a new seat
    reopened: tuple[str, ...]
    invoices: tuple[int, ...]  # newly attached


def open_case(
    conn: Connection,
    env: CircleEnv,
    *,
    customer_id: int,
    trigger: str,
    keys: Sequence[tuple[str, int | None]],
    stage: str,
    actor: str,
    now: datetime,
    detail: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> Opened | None:
    """Open the customer's case, or add to the one already running. None when every trigger
    key has fired before (a re-run of a scan changes nothing).

    With `today`, the case also takes in every other invoice of the customer overdue that day:
    the circle talks to the customer about all it owes, not one invoice at a time.
    """
    asks = (select(_trig.c.key).where(_trig.c.key.in_(b)) for b in batched(k for k, _ in keys))
    seen = {key for ask in asks for key in conn.execute(ask).scalars()}
    fresh = [(k, inv) for k, inv in keys if k not in seen]
    if not fresh:
        return None
    case_id = active_case_for(conn, customer_id)
    created = case_id is None
    if case_id is None:
        case_id = conn.execute(
            _case.insert()
            .values(
                customer_id=customer_id,
                status="open",
                trigger=trigger,
                stage=stage,
                opened_at=now,
                opened_by=actor,
                policy=json.dumps(env.policy.to_json(), sort_keys=True),
                version=1,
                updated_at=now,
            )
            .returning(_case.c.id)
        ).scalar_one()
        row = _lock_case(conn, case_id)
    else:
        row = _lock_case(conn, case_id)
    policy = _policy(row)
    conn.execute(
        _trig.insert(),
        [
            {"key": k, "case_id": case_id, "kind": trigger, "invoice_id": inv, "at": now}
            for k, inv in fresh
        ],
    )
    attached = set(conn.execute(select(_ci.c.invoice_id).where(_ci.c.case_id == case_id)).scalars())
    candidates = [inv for _, inv in fresh if inv is not None]
    if today is not None:
        overdue = conn.execute(
            select(_inv.c.id, _inv.c.due_date).where(
                _inv.c.customer_id == customer_id,
                _inv.c.status == "open",
                _inv.c.amount_minor > _inv.c.paid_minor,
                _inv.c.due_date < today,
            )
        ).all()
        candidates.extend(r.id for r in overdue)
        if overdue:
            worst = max((today - r.due_date).days for r in overdue)
            stage = _stage_max(stage, stage_for(worst, env.aging.stages).value)
    new_invoices = tuple(dict.fromkeys(i for i in candidates if i not in attached))
    if new_invoices:
        conn.execute(
            _ci.insert(),
            [{"case_id": case_id, "invoice_id": i, "added_at": now} for i in new_invoices],
        )
    disputed = bool(
        conn.execute(
            select(func.count())
            .select_from(_inv.join(_ci, _ci.c.invoice_id == _inv.c.id))
            .where(_ci.c.case_id == case_id, _inv.c.disputed.is_(True))
        ).scalar_one()
    )
    case_stage = stage if created else _stage_max(row.stage, stage)
    teams = machine.seat_teams(
        trigger, case_stage, env.seat_rules, disputed=disputed, legal_team=env.legal_team
    )
    seats = {r.team: r for r in conn.execute(select(_seat).where(_seat.c.case_id == case_id))}
    added: list[str] = []
    reopened: list[str] = []
    for team in teams:
        existing = seats.get(team)
        if existing is None:
            _add_seat(conn, policy, case_id=case_id, team=team, actor=actor, now=now)
            added.append(team)
        elif trigger in _REOPENING and existing.status in ("answered", "closed"):
            state = machine.reopen(_state(existing), now)
            conn.execute(
                update(_seat)
                .where(_seat.c.id == existing.id)
                .values(
                    version=_seat.c.version + 1,
                    updated_at=now,
                    answered_at=None,
                    answered_by=None,
                    **_seat_values(state, policy),
                )
            )
            _audit_seat(conn, now, actor, "seat.reopen", existing, {"trigger": trigger})
            reopened.append(team)
    facts = {
        "trigger": trigger,
        "keys": [k for k, _ in fresh],
        "invoices": list(new_invoices),
        "stage": case_stage,
        "added": added,
        "reopened": reopened,
        **(detail or {}),
    }
    _audit(conn, now, actor, "case.open" if created else "case.trigger", case_id, facts)
    status_update: dict[str, Any] = {"stage": case_stage}
    if (added or reopened) and row.status != "open":
        status_update["status"] = "open"
    if created:
        _bump(conn, case_id, now, **status_update)
        _fanout(
            conn,
            env,
            key=f"case:{case_id}:card",
            kind="card",
            payload={"case": case_id, "trigger": trigger, "teams": list(teams)},
            now=now,
            case_id=case_id,
        )
    else:
        _changed(conn, env, case_id, now, note={"what": "trigger", **facts}, **status_update)
    return Opened(case_id, created, tuple(added), tuple(reopened), new_invoices)


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


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; everything stored is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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


# --- the tick -----------------------------------------------------------------------------


def due_seats(conn: Connection, now: datetime, limit: int = 500) -> list[tuple[int, int]]:
    """(seat id, version) of the seats whose timer has passed, oldest first."""
    rows = conn.execute(
        select(_seat.c.id, _seat.c.version)
        .where(_seat.c.due_at.is_not(None), _seat.c.due_at <= now)
        .order_by(_seat.c.due_at)
        .limit(limit)
    )
    return [(r.id, r.version) for r in rows]


def _people_for(
    env: CircleEnv, team: str, notify: Sequence[str], owners: Sequence[str]
) -> tuple[list[str], bool, bool]:
    """Who an escalation mentions: people, whether the whole channel, whether the team group."""
    contacts = env.teams.get(team, TeamContacts(None, None))
    people: list[str] = []
    for who in notify:
        if who == "lead" and contacts.lead:
            people.append(contacts.lead)
        elif who == "manager" and contacts.manager:
            people.append(contacts.manager)
        elif who == "owner":
            people.extend(o for o in owners if o in env.people)
        elif who == "team":
            people.extend(contacts.members)
    return list(dict.fromkeys(people)), "channel" in notify, "team" in notify


def fire_seat(
    conn: Connection, env: CircleEnv, seat_id: int, version: int, now: datetime
) -> list[machine.Action]:
    """Claim one due seat (compare-and-set on its version) and write what it must say.

    Returns the actions taken; [] when another ticker took it first or nothing was due.
    """
    seat = conn.execute(select(_seat).where(_seat.c.id == seat_id)).first()
    if seat is None or seat.version != version:
        return []
    # Case first, then seat: the same lock order as every command, so they never deadlock.
    case = _lock_case(conn, seat.case_id)
    if case is None:
        return []
    policy = _policy(case)
    state = _state(seat)
    actions: list[machine.Action] = []
    if case.status not in ACTIVE:
        new_state = machine.close(state)
    else:
        new_state, actions = machine.step(state, policy, now)
    claimed = conn.execute(
        update(_seat)
        .where(_seat.c.id == seat_id, _seat.c.version == version)
        .values(version=version + 1, updated_at=now, **_seat_values(new_state, policy))
    ).rowcount
    if not claimed:
        return []
    if not actions:
        what = "seat.close" if case.status not in ACTIVE else "seat.step"
        _audit_seat(conn, now, "circle", what, seat, {"status": new_state.status})
        return []
    owners = [
        o
        for (o,) in conn.execute(
            select(_inv.c.owner)
            .join(_ci, _ci.c.invoice_id == _inv.c.id)
            .where(_ci.c.case_id == case.id, _inv.c.owner.is_not(None))
            .distinct()
        )
    ]
    # The timer's identity: the moment this run of the seat's clock started. A rearmed or
    # unsnoozed seat starts a new run, so its escalations are new messages, never repeats.
    run_stamp = int(_aware(new_state.started_at).timestamp())
    for action in actions:
        stamp = run_stamp
        payload: dict[str, Any] = {"case": case.id, "team": seat.team}
        if isinstance(action, machine.Remind):
            kind, tag = "remind", "remind"
            payload["left_minutes"] = max(1, round(action.left.total_seconds() / 60))
        elif isinstance(action, machine.Escalate | machine.Repeat):
            people, channel, group = _people_for(env, seat.team, action.notify, owners)
            payload.update(
                people=people,
                channel=channel,
                group=group,
                window_minutes=round(policy.window.total_seconds() / 60),
            )
            if isinstance(action, machine.Escalate):
                kind, tag = "escalation", f"level{action.level}"
                payload["level"] = action.level
                payload["skipped"] = list(action.skipped)
            else:
                kind, tag = "repeat", f"repeat{action.n}"
                payload["n"] = action.n
        elif isinstance(action, machine.Rearm):
            kind, tag = "rearm", "rearm"
            stamp = int(_aware(seat.acknowledged_at or now).timestamp())
        else:
            kind, tag = "unsnooze", "unsnooze"
            stamp = int(_aware(seat.snoozed_until or now).timestamp())
        _fanout(
            conn,
            env,
            key=f"seat:{seat_id}:{stamp}:{tag}",
            kind=kind,
            payload=payload,
            now=now,
            case_id=case.id,
        )
        _audit_seat(conn, now, "circle", f"seat.{kind}", seat, payload)
    _changed(conn, env, case.id, now)
    return actions


def call_team(
    conn: Connection, env: CircleEnv, *, case_id: int, team: str, actor: str, now: datetime
) -> bool:
    """Seat a team that was not in the case (legal, when a step needs legal). False when it
    already sits in it."""
    row = _active_case(conn, case_id)
    policy = _policy(row)
    seat = conn.execute(
        select(_seat).where(_seat.c.case_id == case_id, _seat.c.team == team)
    ).first()
    if seat is not None:
        # Already in the circle (answered or not): the person asks them in the thread.
        return False
    _add_seat(
        conn, policy, case_id=case_id, team=team, actor=actor, now=now, action="case.call_team"
    )
    facts: dict[str, Any] = {"what": "called", "team": team, "by": actor}
    _changed(conn, env, case_id, now, note=facts, status="open")
    return True

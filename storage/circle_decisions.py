"""The circle's decisions and snoozes: who may close or pause which seat, applied to the rows.

Who may do what is playbook.decisions' answer (`plan_decision`, `plan_snooze`), asked here,
inside the transaction, of the seats as they are locked, so two people acting at once cannot
slip past it. Every change lands with its audit entry and the card update, or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select, update

from playbook import circle as machine
from playbook.decisions import (
    ACTIONS,
    Actor,
    DecisionPlan,
    DecisionRules,
    plan_decision,
    plan_snooze,
    snoozable,
)
from playbook.money import from_minor
from storage.circle_inputs import _active_case, check_amount
from storage.circle_load import _aware, _policy, _seat_values, _state
from storage.circle_types import (
    DUPLICATE_WINDOW,
    CircleEnv,
    CircleError,
    _ci,
    _cus,
    _dec,
    _inv,
    _seat,
)
from storage.circle_write import _audit, _audit_seat, _changed, _replace_pending_promises

__all__ = ["Decided", "Snoozed", "decide", "snooze"]

_BY_NAME = {a.name: a for a in ACTIONS}


@dataclass(frozen=True)
class Decided:
    decision_id: int
    plan: DecisionPlan
    sitting: tuple[str, ...]  # the teams with a seat in the case


@dataclass(frozen=True)
class Snoozed:
    teams: tuple[str, ...]  # snoozed
    left: tuple[str, ...]  # other teams' waiting seats this person may not snooze


def _seats(conn: Connection, case_id: int) -> list[Any]:
    return list(conn.execute(select(_seat).where(_seat.c.case_id == case_id).order_by(_seat.c.id)))


def _set_seat(
    conn: Connection,
    seat: Any,
    state: machine.SeatState,
    policy: machine.CirclePolicy,
    now: datetime,
    audit: tuple[str, str, dict[str, Any]],
    **extra: Any,
) -> None:
    """Change a seat and write the audit entry for its new version (actor, action, detail)."""
    conn.execute(
        update(_seat)
        .where(_seat.c.id == seat.id)
        .values(version=_seat.c.version + 1, updated_at=now, **_seat_values(state, policy), **extra)
    )
    actor, action, detail = audit
    _audit_seat(conn, now, actor, action, seat, detail)


def _check_paid(conn: Connection, case_id: int) -> None:
    left = conn.execute(
        select(_inv.c.invoice_no, _inv.c.currency, _inv.c.amount_minor - _inv.c.paid_minor)
        .join(_ci, _ci.c.invoice_id == _inv.c.id)
        .where(
            _ci.c.case_id == case_id,
            _inv.c.status == "open",
            _inv.c.amount_minor > _inv.c.paid_minor,
        )
        .order_by(_inv.c.due_date, _inv.c.invoice_no)
    ).all()
    if left:
        raise CircleError(
            "not_paid",
            case=case_id,
            invoices=[(r[0], from_minor(r[2], r[1]), r[1]) for r in left],
        )


def decide(
    conn: Connection,
    env: CircleEnv,
    *,
    case_id: int,
    action: str,
    actor: Actor,
    rules: DecisionRules,
    note: str | None,
    amount_minor: int | None,
    currency: str | None,
    on_date: date | None,
    now: datetime,
) -> Decided:
    """Record a decision. The decider's own waiting seat counts as answered; the other waiting
    seats close only when the decision ends the circle and the decider may end it (or, for
    close_paid, the ledger does); otherwise their clocks keep running."""
    chosen = _BY_NAME.get(action)
    if chosen is None:
        raise CircleError("unknown_action", action=action, actions=", ".join(_BY_NAME))
    person = actor.key
    row = _active_case(conn, case_id)
    policy = _policy(row)
    seats = _seats(conn, case_id)
    plan = plan_decision(chosen, actor, rules, {s.team: s.status for s in seats})
    if plan.refused is not None:
        raise CircleError(plan.refused, case=case_id, action=action)
    last = conn.execute(
        select(_dec.c.action, _dec.c.at, _dec.c.note)
        .where(_dec.c.case_id == case_id, _dec.c.person == person)
        .order_by(_dec.c.id.desc())
        .limit(1)
    ).first()
    if (
        last is not None
        and last.action == action
        and last.note == note
        and now - _aware(last.at) < DUPLICATE_WINDOW
    ):
        raise CircleError("duplicate", case=case_id, at=_aware(last.at))
    if chosen.ends_by_facts:
        _check_paid(conn, case_id)
    if (amount_minor is None) != (currency is None):
        raise ValueError("an amount needs its currency")
    if amount_minor is not None and currency is not None:
        check_amount(conn, case_id, amount_minor, currency)
    decision_id: int = conn.execute(
        _dec.insert()
        .values(
            case_id=case_id,
            action=action,
            amount_minor=amount_minor,
            currency=currency,
            on_date=on_date,
            person=person,
            note=note,
            at=now,
        )
        .returning(_dec.c.id)
    ).scalar_one()
    because = {"decision": decision_id}
    for seat in seats:
        if seat.team in plan.answers:
            _set_seat(
                conn,
                seat,
                machine.answer(_state(seat)),
                policy,
                now,
                (person, "seat.answer", because),
                answered_at=now,
                answered_by=person,
            )
        elif seat.team in plan.closes:
            _set_seat(
                conn,
                seat,
                machine.close(_state(seat)),
                policy,
                now,
                (person, "seat.close", because),
            )
    if action == "credit_hold":
        conn.execute(
            update(_cus).where(_cus.c.id == row.customer_id).values(on_hold=True, updated_at=now)
        )
    facts: dict[str, Any] = {
        "decision": decision_id,
        "action": action,
        "note": note,
        "answered": list(plan.answers),
        "closed": list(plan.closes),
        "running": list(plan.running),
    }
    if amount_minor is not None and currency is not None:
        facts["amount"] = str(from_minor(amount_minor, currency))
        facts["currency"] = currency
    if on_date is not None:
        facts["date"] = on_date.isoformat()
    _audit(conn, now, person, "case.decide", case_id, facts, entity="decision", record=decision_id)
    values: dict[str, Any] = {}
    if plan.concludes:
        values["status"] = "decided"
    if plan.closes_case:
        values.update(status="closed", closed_at=now, closed_by=person, close_reason=action)
        _replace_pending_promises(conn, case_id, person, now)
    _changed(conn, env, case_id, now, **values)
    return Decided(decision_id, plan, tuple(s.team for s in seats))


def snooze(
    conn: Connection,
    env: CircleEnv,
    *,
    case_id: int,
    until: datetime,
    reason: str,
    actor: Actor,
    rules: DecisionRules,
    now: datetime,
    team: str | None = None,
) -> Snoozed:
    """Pause seats until `until`: the given team's, or every seat this person may snooze."""
    row = _active_case(conn, case_id)
    policy = _policy(row)
    seats = _seats(conn, case_id)
    sitting = [s.team for s in seats]
    if team is not None and team not in sitting:
        raise CircleError("team_not_in_case", case=case_id, team=team, teams=sitting)
    statuses = {s.team: s.status for s in seats}
    plan = plan_snooze(actor, rules, statuses, team)
    if plan.refused is not None:
        yours = snoozable(actor, rules, statuses)
        raise CircleError(plan.refused, case=case_id, team=plan.team, teams=sitting, yours=yours)
    # One entry per seat: a snooze is a change of each seat it pauses.
    facts: dict[str, Any] = {
        "until": until.isoformat(),
        "reason": reason,
        "teams": list(plan.teams),
        "left": list(plan.left),
    }
    for seat in seats:
        if seat.team in plan.teams:
            _set_seat(
                conn,
                seat,
                machine.snooze(_state(seat), until),
                policy,
                now,
                (actor.key, "case.snooze", facts),
                snooze_reason=reason,
            )
    _changed(conn, env, case_id, now)
    return Snoozed(plan.teams, plan.left)

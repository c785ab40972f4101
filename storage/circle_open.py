"""Opening a case (or adding a new reason, invoices and teams to the one already open)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from playbook import circle as machine
from playbook.aging import stage_for
from storage.bulk import batched
from storage.circle_load import _policy, _seat_values, _state, active_case_for
from storage.circle_types import _REOPENING, CircleEnv, _case, _ci, _inv, _seat, _trig
from storage.circle_write import (
    _add_seat,
    _audit,
    _audit_seat,
    _bump,
    _changed,
    _fanout,
    _lock_case,
    _stage_max,
)

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

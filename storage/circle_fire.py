"""The tick's side of the circle: the seats whose timer ran out, firing one (remind, escalate
or hand on), and calling a team into a case."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from playbook import circle as machine
from playbook.case_view import ACTIVE
from storage.circle_inputs import _active_case
from storage.circle_load import _aware, _policy, _seat_values, _state
from storage.circle_types import CircleEnv, TeamContacts, _ci, _inv, _seat
from storage.circle_write import _add_seat, _audit_seat, _changed, _fanout, _lock_case

# --- the tick -----------------------------------------------------------------------------


def due_seats(conn: Connection, now: datetime, limit: int = 500) -> list[tuple[int, int]]:
    """(seat id, version) of the seats whose timer has passed, oldest first (by id on a tie,
    the order the batched tick fires them in)."""
    rows = conn.execute(
        select(_seat.c.id, _seat.c.version)
        .where(_seat.c.due_at.is_not(None), _seat.c.due_at <= now)
        .order_by(_seat.c.due_at, _seat.c.id)
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


# The owners of a case's invoices, in name order (mentions come out the same every time).
_OWNERS = (
    select(_inv.c.owner)
    .join(_ci, _ci.c.invoice_id == _inv.c.id)
    .where(_ci.c.case_id.in_(bindparam("case_ids", expanding=True)), _inv.c.owner.is_not(None))
    .distinct()
    .order_by(_inv.c.owner)
)


def seat_messages(
    env: CircleEnv,
    seat: Any,
    case_id: int,
    policy: machine.CirclePolicy,
    new_state: machine.SeatState,
    actions: Sequence[machine.Action],
    owners: Sequence[str],
    now: datetime,
) -> list[tuple[str, str, dict[str, Any]]]:
    """What a fired seat says, one (key, kind, payload) per action in order: the per-seat
    path and the batched tick (storage.tick_batch) both write exactly these."""
    # The timer's identity: the moment this run of the seat's clock started. A rearmed or
    # unsnoozed seat starts a new run, so its escalations are new messages, never repeats.
    run_stamp = int(_aware(new_state.started_at).timestamp())
    said: list[tuple[str, str, dict[str, Any]]] = []
    for action in actions:
        stamp = run_stamp
        payload: dict[str, Any] = {"case": case_id, "team": seat.team}
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
        said.append((f"seat:{seat.id}:{stamp}:{tag}", kind, payload))
    return said


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
    owners = list(conn.execute(_OWNERS, {"case_ids": [case.id]}).scalars())
    for key, kind, payload in seat_messages(
        env, seat, case.id, policy, new_state, actions, owners, now
    ):
        _fanout(conn, env, key=key, kind=kind, payload=payload, now=now, case_id=case.id)
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

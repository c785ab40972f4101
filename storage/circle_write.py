"""The circle's writing helpers: the write lock, locking a case row, telling every target
(fan-out), bumping a case's version with its audit entry and outbox rows, adding seats."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from playbook import circle as machine
from storage import audit
from storage.bulk import write_lock
from storage.circle_load import _seat_values
from storage.circle_types import CircleEnv, _case, _prom, _seat
from storage.outbox import Message, enqueue

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


def fanout_messages(
    env: CircleEnv, *, key: str, kind: str, payload: Mapping[str, Any], case_id: int | None
) -> list[Message]:
    """One outbox row per circle target: `key` made unique per target."""
    return [
        Message(
            key=f"{key}:{target.platform}:{target.destination}",
            platform=target.platform,
            destination=target.destination,
            kind=kind,
            payload=payload,
            ref_key=f"case:{case_id}" if case_id is not None else None,
            case_id=case_id,
        )
        for target in env.targets
    ]


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
    for m in fanout_messages(env, key=key, kind=kind, payload=payload, case_id=case_id):
        enqueue(
            conn,
            key=m.key,
            platform=m.platform,
            destination=m.destination,
            kind=m.kind,
            payload=m.payload,
            now=now,
            ref_key=m.ref_key,
            case_id=m.case_id,
        )


def _bump(conn: Connection, case_id: int, now: datetime, **values: Any) -> int:
    version: int = conn.execute(
        update(_case)
        .where(_case.c.id == case_id)
        .values(version=_case.c.version + 1, updated_at=now, **values)
        .returning(_case.c.version)
    ).scalar_one()
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


def seat_entry(now: datetime, actor: str, action: str, seat: Any, detail: Any) -> audit.Entry:
    """The audit entry of a seat's change, written after its `version` went up by one."""
    return audit.Entry(
        at=now,
        actor=actor,
        action=action,
        entity="seat",
        entity_id=seat.id,
        detail={"case": seat.case_id, "team": seat.team, **detail},
        version=seat.version + 1,
    )


def _audit_seat(
    conn: Connection, now: datetime, actor: str, action: str, seat: Any, detail: Any
) -> None:
    """A seat's change, written after its `version` went up by one."""
    audit.append_many(conn, [seat_entry(now, actor, action, seat, detail)])


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

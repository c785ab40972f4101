"""The batched circle tick: up to `limit` due seats fired in the caller's one transaction.

It writes exactly the rows the per-seat path (storage.circle_fire.fire_seat, one transaction a
seat) writes for the same seats in the same order, due time then id: the seats' new states,
their outbox rows and audit entries, and per seat that said something a case version and its
card_update rows (two seats of one case in one tick bump it twice, as two transactions would).
What changes is the number of statements: a handful a batch instead of about fifteen a seat,
the outbox and audit rows going in with one executemany each and the audit chain hashed here
in order (storage.audit.append_many).

Concurrency. On SQLite the caller holds the write lock (begin_write), so what is read is what
is written over. On PostgreSQL commands lock a case, then its seats, then the audit chain;
this batch takes the audit chain's lock first, while it holds no row, and then every row with
SKIP LOCKED, so it never waits while holding a row and cannot deadlock with a command. A case
or seat a command holds is left for the next tick; a seat read again under its lock is fired
in the state the command left it in (or not at all when no longer due).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from playbook import circle as machine
from playbook.case_view import ACTIVE
from storage import audit
from storage.circle_fire import seat_messages
from storage.circle_load import _policy, _seat_values, _state
from storage.circle_types import CircleEnv, _case, _ci, _inv, _seat
from storage.circle_write import fanout_messages, seat_entry
from storage.outbox import Message, enqueue_many


@dataclass(frozen=True)
class Batch:
    due: int  # seats found due (== limit: more may be waiting)
    claimed: int  # seats whose state this batch wrote
    fired: int  # of those, seats that said something


_DUE = (
    select(_seat)
    .where(_seat.c.due_at.is_not(None), _seat.c.due_at <= bindparam("now"))
    .order_by(_seat.c.due_at, _seat.c.id)
    .limit(bindparam("limit", type_=_seat.c.id.type))
)
_CASES = select(_case).where(_case.c.id.in_(bindparam("ids", expanding=True))).order_by(_case.c.id)
_CASES_LOCKED = _CASES.with_for_update(skip_locked=True)
# The same seats again once their cases are locked: fresh rows, still due, locked too.
_SEATS_LOCKED = (
    select(_seat)
    .where(
        _seat.c.id.in_(bindparam("ids", expanding=True)),
        _seat.c.due_at.is_not(None),
        _seat.c.due_at <= bindparam("now"),
    )
    .order_by(_seat.c.due_at, _seat.c.id)
    .with_for_update(skip_locked=True)
)
_OWNERS_OF = (
    select(_ci.c.case_id, _inv.c.owner)
    .join(_inv, _ci.c.invoice_id == _inv.c.id)
    .where(_ci.c.case_id.in_(bindparam("case_ids", expanding=True)), _inv.c.owner.is_not(None))
    .distinct()
    .order_by(_ci.c.case_id, _inv.c.owner)
)
_SEAT_CLAIM = update(_seat).where(
    _seat.c.id == bindparam("b_id"), _seat.c.version == bindparam("b_version")
)
_CASE_BUMP = update(_case).where(_case.c.id == bindparam("b_id"))


class LostRace(RuntimeError):
    """A row changed under a lock this batch believed it held: roll back, fire one by one."""


def fire_due(conn: Connection, env: CircleEnv, now: datetime, limit: int = 500) -> Batch:
    """Fire up to `limit` due seats in the caller's transaction (begin_write already taken)."""
    pg = conn.dialect.name == "postgresql"
    seats = conn.execute(_DUE, {"now": now, "limit": limit}).all()
    if not seats:
        return Batch(0, 0, 0)
    due = len(seats)
    case_ids = sorted({s.case_id for s in seats})
    if pg:
        # Before any row lock: a command holding a case may be waiting for the chain.
        audit.lock_chain(conn)
        cases = {c.id: c for c in conn.execute(_CASES_LOCKED, {"ids": case_ids})}
        ids = [s.id for s in seats if s.case_id in cases]
        seats = conn.execute(_SEATS_LOCKED, {"ids": ids, "now": now}).all() if ids else []
    else:
        cases = {c.id: c for c in conn.execute(_CASES, {"ids": case_ids})}
    steps: list[tuple[Any, Any, machine.CirclePolicy, machine.SeatState, list[machine.Action]]] = []
    for seat in seats:
        case = cases.get(seat.case_id)
        if case is None:  # deleted meanwhile (fire_seat skips it too), or held by a command
            continue
        policy = _policy(case)
        state = _state(seat)
        if case.status not in ACTIVE:
            steps.append((seat, case, policy, machine.close(state), []))
        else:
            new_state, actions = machine.step(state, policy, now)
            steps.append((seat, case, policy, new_state, actions))
    if not steps:
        return Batch(due, 0, 0)
    talking = sorted({case.id for _, case, _, _, actions in steps if actions})
    owners: dict[int, list[str]] = defaultdict(list)
    if talking:
        for row in conn.execute(_OWNERS_OF, {"case_ids": talking}):
            owners[row.case_id].append(row.owner)
    claims: list[dict[str, Any]] = []
    entries: list[audit.Entry] = []
    messages: list[Message] = []
    versions = {cid: cases[cid].version for cid in talking}
    fired = 0
    for seat, case, policy, new_state, actions in steps:
        claims.append(
            {
                "b_id": seat.id,
                "b_version": seat.version,
                "version": seat.version + 1,
                "updated_at": now,
                **_seat_values(new_state, policy),
            }
        )
        if not actions:
            what = "seat.close" if case.status not in ACTIVE else "seat.step"
            entries.append(seat_entry(now, "circle", what, seat, {"status": new_state.status}))
            continue
        fired += 1
        said = seat_messages(env, seat, case.id, policy, new_state, actions, owners[case.id], now)
        for key, kind, payload in said:
            messages += fanout_messages(env, key=key, kind=kind, payload=payload, case_id=case.id)
            entries.append(seat_entry(now, "circle", f"seat.{kind}", seat, payload))
        versions[case.id] += 1
        card = f"case:{case.id}:v{versions[case.id]}"
        messages += fanout_messages(
            env, key=card, kind="card_update", payload={"case": case.id}, case_id=case.id
        )
    claimed = conn.execute(_SEAT_CLAIM, claims).rowcount
    if conn.dialect.supports_sane_multi_rowcount and claimed != len(claims):
        raise LostRace(f"{len(claims) - claimed} of {len(claims)} seats changed under the batch")
    if versions:
        bumps = [{"b_id": cid, "version": v, "updated_at": now} for cid, v in versions.items()]
        conn.execute(_CASE_BUMP, bumps)
    enqueue_many(conn, messages, now)
    audit.append_many(conn, entries)
    return Batch(due, len(claims), fired)

"""Small reads of the circle that commands answer with: a case's status, where its seats
stand, and the contacts already recorded with a customer. (A whole case: storage.circle's
load_case; the changes: storage.circle and storage.circle_decisions.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from storage.models import Case, Decision, Seat

_case = Case.__table__  # type: ignore[attr-defined]
_seat = Seat.__table__  # type: ignore[attr-defined]
_dec = Decision.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SeatNow:
    team: str
    status: str
    due_at: datetime | None


def case_status(conn: Connection, case_id: int) -> str | None:
    """open, ready, decided, closed...; None when there is no such case."""
    status: str | None = conn.execute(
        select(_case.c.status).where(_case.c.id == case_id)
    ).scalar_one_or_none()
    return status


def seats_now(conn: Connection, case_id: int) -> list[SeatNow]:
    rows = conn.execute(
        select(_seat.c.team, _seat.c.status, _seat.c.due_at).where(_seat.c.case_id == case_id)
    ).all()
    return [SeatNow(r.team, r.status, r.due_at) for r in rows]


def contacts_since(
    conn: Connection, customer_id: int, since: datetime, actions: Sequence[str]
) -> int:
    """Decisions of these kinds (remind, call, visit) recorded since then on the customer's
    cases."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(_dec.join(_case, _case.c.id == _dec.c.case_id))
            .where(
                _case.c.customer_id == customer_id,
                _dec.c.action.in_(list(actions)),
                _dec.c.at >= since,
            )
        ).scalar_one()
    )

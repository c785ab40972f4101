"""Records without their audit entry: what deleting entries (or all of them) leaves behind.

Every circle record has entries naming it (storage.circle writes them with the change):

- a case: `case`/id, action `case.open`, when it opens;
- a seat: `seat`/id with `version` = the seat's version after the change, for every change
  (seated, reminded, escalated, answered, acknowledged, snoozed, reopened, closed);
- a team input: `input`/id;
- a promise: `promise`/id, action `case.promise` when made, and `promise.kept`, `.broken` or
  `.replaced` when resolved;
- a decision: `decision`/id.

A seat counts its changes in `version`, so "every change has its entry" is exact: versions 1 to
the seat's version each need an entry. Each check is one anti-join (or one grouped join for
seats) with a fixed number of parameters, so it runs the same on a million rows.

Records older than per-record entries (before migration 0004, named by its `audit.baseline`
entry) are checked as far as their entries allow: their cases, and their seats' versions from
the first one that has an entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)

from storage.models import AuditLog, Case, Decision, Promise, Seat, TeamInput

_log = AuditLog.__table__  # type: ignore[attr-defined]
_case = Case.__table__  # type: ignore[attr-defined]
_seat = Seat.__table__  # type: ignore[attr-defined]
_input = TeamInput.__table__  # type: ignore[attr-defined]
_prom = Promise.__table__  # type: ignore[attr-defined]
_dec = Decision.__table__  # type: ignore[attr-defined]

RESOLUTIONS = ("promise.kept", "promise.broken", "promise.replaced")


@dataclass
class RecordCheck:
    problems: list[str] = field(default_factory=list)  # the first `limit`, one per record
    total: int = 0  # records (seat versions) without their entry, in all
    by_kind: dict[str, int] = field(default_factory=dict)


def _has_entry(entity: str, record_id: Any, *actions: str) -> Any:
    cond = [_log.c.entity == entity, _log.c.entity_id == cast(record_id, String)]
    if actions:
        cond.append(_log.c.action.in_(actions))
    return exists().where(*cond)


def _base(baseline: Mapping[str, Any] | None, name: str) -> int:
    value = (baseline or {}).get(name, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _base_at(baseline: Mapping[str, Any] | None) -> datetime | None:
    text = (baseline or {}).get("at")
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def check_records(
    conn: Connection, baseline: Mapping[str, Any] | None = None, limit: int = 20
) -> RecordCheck:
    out = RecordCheck()

    def run(kind: str, stmt: Any, line: Any) -> None:
        rows = conn.execute(
            stmt.add_columns(func.count().over().label("n")).limit(max(limit, 1))
        ).all()
        missing = rows[0].n if rows else 0
        out.by_kind[kind] = missing
        out.total += missing
        for r in rows:
            if len(out.problems) < limit:
                out.problems.append(line(r))

    run(
        "case",
        select(_case.c.id).where(~_has_entry("case", _case.c.id, "case.open")).order_by(_case.c.id),
        lambda r: f"case {r.id}: no audit entry",
    )
    for kind, table in (("input", _input), ("decision", _dec)):
        run(
            kind,
            select(table.c.id, table.c.case_id)
            .where(table.c.id > _base(baseline, kind), ~_has_entry(kind, table.c.id))
            .order_by(table.c.id),
            lambda r, kind=kind: f"{kind} {r.id}: no audit entry (case {r.case_id})",
        )
    run(
        "promise",
        select(_prom.c.id, _prom.c.case_id)
        .where(
            _prom.c.id > _base(baseline, "promise"),
            ~_has_entry("promise", _prom.c.id, "case.promise"),
        )
        .order_by(_prom.c.id),
        lambda r: f"promise {r.id}: no audit entry (case {r.case_id})",
    )
    since = _base_at(baseline)
    recent = _prom.c.id > _base(baseline, "promise")
    if since is not None:
        recent = or_(recent, _prom.c.resolved_at > since)
    run(
        "resolution",
        select(_prom.c.id, _prom.c.case_id, _prom.c.status)
        .where(
            _prom.c.status != "pending",
            recent,
            ~_has_entry("promise", _prom.c.id, *RESOLUTIONS),
        )
        .order_by(_prom.c.id),
        lambda r: (
            f"promise {r.id} ({r.status}): no audit entry for its resolution (case {r.case_id})"
        ),
    )
    _check_seats(conn, out, _base(baseline, "seat"), limit)
    return out


def _check_seats(conn: Connection, out: RecordCheck, base: int, limit: int) -> None:
    entries = _log.alias("e")
    joined = _seat.outerjoin(
        entries,
        and_(
            entries.c.entity == "seat",
            entries.c.entity_id == cast(_seat.c.id, String),
            entries.c.version >= 1,
            entries.c.version <= _seat.c.version,
        ),
    )
    have = func.count(entries.c.version.distinct())
    # A seat newer than the baseline needs versions 1..version; an older one, the versions
    # from its first entry on (none when it has no entry since).
    first = case(
        (_seat.c.id > base, literal(1)),
        else_=func.coalesce(func.min(entries.c.version), _seat.c.version + 1),
    )
    gap = _seat.c.version - first + 1 - have
    per_seat = (
        select(
            _seat.c.id,
            _seat.c.case_id,
            _seat.c.team,
            _seat.c.version,
            first.label("first"),
            gap.label("gap"),
        )
        .select_from(joined)
        .group_by(_seat.c.id, _seat.c.case_id, _seat.c.team, _seat.c.version)
        .having(gap > 0)
        .subquery()
    )
    rows = conn.execute(
        select(per_seat, func.sum(per_seat.c.gap).over().label("n"))
        .order_by(per_seat.c.id)
        .limit(max(limit, 1))
    ).all()
    missing = int(rows[0].n) if rows else 0
    out.by_kind["seat"] = missing
    out.total += missing
    for r in rows:
        if len(out.problems) >= limit:
            break
        present = set(
            conn.execute(
                select(_log.c.version)
                .where(_log.c.entity == "seat", _log.c.entity_id == str(r.id))
                .distinct()
            ).scalars()
        )
        for version in range(int(r.first), r.version + 1):
            if version not in present and len(out.problems) < limit:
                out.problems.append(
                    f"seat {r.id} version {version}: no audit entry (case {r.case_id}, {r.team})"
                )

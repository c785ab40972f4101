"""The identity table: who each person is on each messenger, kept equal to config.yaml.

`sync` runs at start (bot.app.build_runtime) with the rows of bot.kernel.identity.Identities:
new ids are added, changed ones updated, ids gone from the config deleted, each with an audit
entry in the same transaction (`identity.add`, `.change`, `.remove`, by `config`), so the
trail says when someone got or lost a way to speak as a person. The reads serve `/ar whoami`
and anything else that asks the database rather than the config.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, and_, select

from storage import audit
from storage.bulk import batched
from storage.models import Identity as IdentityRow

_ident = IdentityRow.__table__  # type: ignore[attr-defined]

ACTOR = "config"


class Row(Protocol):
    """One identity as the config gives it (bot.kernel.identity.Identity is one)."""

    @property
    def person(self) -> str: ...

    @property
    def messenger(self) -> str: ...

    @property
    def external_id(self) -> str: ...


@dataclass(frozen=True)
class Changes:
    added: int = 0
    changed: int = 0
    removed: int = 0

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def sync(conn: Connection, rows: Iterable[Row], now: datetime) -> Changes:
    """Make the table equal to `rows` (one id per person and messenger), in the caller's
    transaction."""
    wanted = {(r.person, r.messenger): r.external_id for r in rows}
    have = {
        (r.person, r.messenger): (r.id, r.external_id)
        for r in conn.execute(
            select(_ident.c.id, _ident.c.person, _ident.c.messenger, _ident.c.external_id)
        )
    }
    gone = [k for k in have if k not in wanted]
    changed = [k for k, ext in wanted.items() if k in have and have[k][1] != ext]
    new = [k for k in wanted if k not in have]
    # Changed rows are deleted and inserted again rather than updated in place: two people
    # swapping ids would otherwise collide on the unique (messenger, external id) midway.
    stale = [have[k][0] for k in (*gone, *changed)]
    for part in batched(stale):
        conn.execute(_ident.delete().where(_ident.c.id.in_(part)))
    fresh = [
        {"person": p, "messenger": m, "external_id": wanted[(p, m)], "updated_at": now}
        for p, m in (*changed, *new)
    ]
    if fresh:
        conn.execute(_ident.insert(), fresh)
    for person, messenger in sorted(gone):
        _audit(conn, now, "identity.remove", person, messenger, was=have[(person, messenger)][1])
    for person, messenger in sorted(changed):
        _audit(
            conn,
            now,
            "identity.change",
            person,
            messenger,
            was=have[(person, messenger)][1],
            now_id=wanted[(person, messenger)],
        )
    for person, messenger in sorted(new):
        _audit(conn, now, "identity.add", person, messenger, now_id=wanted[(person, messenger)])
    return Changes(added=len(new), changed=len(changed), removed=len(gone))


def _audit(
    conn: Connection,
    now: datetime,
    action: str,
    person: str,
    messenger: str,
    *,
    was: str | None = None,
    now_id: str | None = None,
) -> None:
    detail: dict[str, Any] = {"messenger": messenger}
    if was is not None:
        detail["was"] = was
    if now_id is not None:
        detail["id"] = now_id
    audit.append(
        conn,
        at=now,
        actor=ACTOR,
        action=action,
        entity="person",
        entity_id=person,
        detail=detail,
    )


def identities_of(conn: Connection, person: str) -> dict[str, str]:
    """A person's ids, by messenger (sorted by messenger name)."""
    rows = conn.execute(
        select(_ident.c.messenger, _ident.c.external_id)
        .where(_ident.c.person == person)
        .order_by(_ident.c.messenger)
    )
    return {r.messenger: r.external_id for r in rows}


def person_for(conn: Connection, messenger: str, external_id: str) -> str | None:
    """The person key behind an id on a messenger; None for anyone else."""
    return conn.execute(
        select(_ident.c.person).where(
            and_(_ident.c.messenger == messenger, _ident.c.external_id == external_id)
        )
    ).scalar()


def all_rows(conn: Connection) -> list[tuple[str, str, str]]:
    """Every identity as (person, messenger, external id), sorted: for checks and tests."""
    rows = conn.execute(
        select(_ident.c.person, _ident.c.messenger, _ident.c.external_id).order_by(
            _ident.c.person, _ident.c.messenger
        )
    )
    return [(r.person, r.messenger, r.external_id) for r in rows]


__all__ = ["Changes", "Row", "all_rows", "identities_of", "person_for", "sync"]

"""The circle's scorecard for a period: cases opened and closed, and per team how many seats
were answered within the window, how long answers took, the escalations that fired, and the
cases that wait on the team right now (and on whom).

Where the history comes from: the audit trail, not the seat or outbox tables. A seat row only
holds its current run (a reopen clears `answered_at`, a rearm resets `level`), and the outbox
holds one row per messenger target (none at all when no circle channel is configured) and is
superseded or pruned as messages go out. The audit trail gets exactly one entry per seat
change (`seat.open` / `case.call_team`, `seat.reopen`, `seat.answer`, `seat.escalation`, ...)
in the same transaction as the change itself, is append-only and hash-chained, so it is the
one record that is complete and cannot be rewritten quietly.

A seat's *round* runs from the moment a team is asked (seat opened or reopened) to its answer.
A round counts once, in the period where its fate was sealed: when it was answered, or when
its first escalation fired (the window ran out), whichever came first. It was answered within
the window when the answer came before any escalation. Time to answer is business time (the
case's own policy: hours, holidays), because that is what the 15-minute window is counted in;
a case opened on Friday evening and answered on Monday morning was not three days late.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB

from playbook import circle as machine
from playbook import metrics
from playbook.case_view import ACTIVE
from storage.bulk import batched
from storage.circle_types import LIVE_SEATS, TeamContacts, _case, _ci, _cus, _inv, _seat
from storage.models import AuditLog, Person

__all__ = ["Scorecard", "TeamScore", "Waiting", "scorecard"]

_audit = AuditLog.__table__  # type: ignore[attr-defined]
_per = Person.__table__  # type: ignore[attr-defined]

# The entries that start a round (a team is asked) and the two that end its window.
_STARTS = ("seat.open", "case.call_team", "seat.reopen")
_ANSWER = "seat.answer"
_ESCALATION = "seat.escalation"
# A repeat pings the same people again; it names who was chased last.
_PINGS = ("seat.escalation", "seat.repeat")


@dataclass(frozen=True)
class Waiting:
    """A case waiting on a team now, and who is (or at the first escalation will be) chased."""

    case_id: int
    customer: str
    who: tuple[str, ...]  # person keys
    since: datetime | None = None  # when the team's current clock started
    level: int = 0  # escalation levels fired in the current run


@dataclass
class TeamScore:
    seats: int = 0
    in_window: int = 0
    share: Decimal | None = None
    median_answer: timedelta | None = None
    p90_answer: timedelta | None = None
    escalations: dict[int, int] = field(default_factory=dict)
    waiting: list[Waiting] = field(default_factory=list)


@dataclass
class Scorecard:
    opened: int
    closed: int
    teams: dict[str, TeamScore]


def _utc(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; everything stored is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _moment(conn: Connection, expr: Any) -> Any:
    """A timestamp read as SQLite's own text on SQLite: datetime.fromisoformat parses it in C,
    many times faster than the generic DateTime type, and a month has tens of thousands."""
    if conn.dialect.name == "sqlite":
        return type_coerce(expr, String)
    return expr


def _parse(value: Any) -> datetime:
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return _utc(value)


def _json_field(conn: Connection, key: str) -> ColumnElement[Any]:
    """A top-level key of the audit detail (canonical JSON text), read in SQL."""
    if conn.dialect.name == "postgresql":
        return cast(_audit.c.detail, JSONB)[key].astext
    return func.json_extract(_audit.c.detail, f"$.{key}")


def _count(conn: Connection, column: Any, start: datetime, end: datetime) -> int:
    stmt = select(func.count()).select_from(_case).where(column >= start, column < end)
    return int(conn.execute(stmt).scalar_one())


# --- rounds: seats judged in the period, times to answer ----------------------------------------


@dataclass
class _Round:
    team: str
    case_id: int
    started: datetime
    escalated: datetime | None = None
    answered: datetime | None = None


def _rounds(
    conn: Connection, start: datetime, end: datetime
) -> tuple[list[_Round], dict[int, machine.CirclePolicy]]:
    """Every round of the seats that had an answer or an escalation in [start, end), and the
    policies of their cases (read once per case, not once per entry: a month has tens of
    thousands of entries and a policy is a few hundred bytes)."""
    touched = (
        select(_audit.c.entity_id)
        .where(
            _audit.c.entity == "seat",
            _audit.c.action.in_((_ANSWER, _ESCALATION)),
            _audit.c.at >= start,
            _audit.c.at < end,
        )
        .distinct()
    )
    # Each entry's round is the number of starts up to it on its seat (a window function:
    # SQLite 3.25+ and PostgreSQL); a round's start, first escalation and first answer are then
    # one group each, so a month of entries comes back as one row per round.
    starts = _audit.c.action.in_(_STARTS)
    entries = (
        select(
            _seat.c.id.label("seat"),
            _seat.c.team,
            _seat.c.case_id,
            _audit.c.action,
            _audit.c.at,
            func.sum(case((starts, 1), else_=0))
            .over(partition_by=_audit.c.entity_id, order_by=_audit.c.id)
            .label("round"),
        )
        .select_from(_audit.join(_seat, _audit.c.entity_id == cast(_seat.c.id, String)))
        .where(
            _audit.c.entity == "seat",
            _audit.c.action.in_((*_STARTS, _ANSWER, _ESCALATION)),
            _audit.c.at < end,
            _audit.c.entity_id.in_(touched),
        )
        .subquery("entries")
    )
    e = entries.c

    def first(condition: Any) -> Any:
        return _moment(conn, func.min(case((condition, e.at))))

    rows = conn.execute(
        select(
            e.team,
            e.case_id,
            first(e.action.in_(_STARTS)).label("started"),
            first(e.action == _ESCALATION).label("escalated"),
            first(e.action == _ANSWER).label("answered"),
        )
        # Round 0: entries before the trail recorded any start; nothing to measure them by.
        .where(e.round > 0)
        .group_by(e.seat, e.team, e.case_id, e.round)
    )
    rounds = [
        _Round(
            r.team,
            r.case_id,
            _parse(r.started),
            escalated=None if r.escalated is None else _parse(r.escalated),
            answered=None if r.answered is None else _parse(r.answered),
        )
        for r in rows
    ]
    policies: dict[int, machine.CirclePolicy] = {}
    parsed: dict[str, machine.CirclePolicy] = {}
    cases = sorted({r.case_id for r in rounds})
    for part in batched(cases):
        for case_id, text in conn.execute(
            select(_case.c.id, _case.c.policy).where(_case.c.id.in_(part))
        ):
            policy = parsed.get(text)
            if policy is None:
                policy = parsed[text] = machine.CirclePolicy.from_json(json.loads(text))
            policies[case_id] = policy
    return rounds, policies


def _score_rounds(
    rounds: Sequence[_Round],
    policies: Mapping[int, machine.CirclePolicy],
    start: datetime,
    end: datetime,
    teams: dict[str, TeamScore],
) -> None:
    answers: dict[str, list[timedelta]] = defaultdict(list)
    for r in rounds:
        sealed = min(t for t in (r.answered, r.escalated, end) if t is not None)
        score = teams.setdefault(r.team, TeamScore())
        if start <= sealed < end:
            score.seats += 1
            if r.answered is not None and (r.escalated is None or r.answered < r.escalated):
                score.in_window += 1
        if r.answered is not None and start <= r.answered < end:
            policy = policies[r.case_id]
            answers[r.team].append(machine.business_between(r.started, r.answered, policy))
    for team, score in teams.items():
        score.share = metrics.ratio(Decimal(score.in_window), Decimal(score.seats))
        score.median_answer = metrics.median_span(answers.get(team, []))
        score.p90_answer = metrics.percentile_span(answers.get(team, []), 90)


def _escalations(
    conn: Connection, start: datetime, end: datetime, teams: dict[str, TeamScore]
) -> None:
    team_col = _json_field(conn, "team")
    level_col = cast(_json_field(conn, "level"), Integer)
    rows = conn.execute(
        select(team_col.label("team"), level_col.label("level"), func.count().label("n"))
        .where(
            _audit.c.entity == "seat",
            _audit.c.action == _ESCALATION,
            _audit.c.at >= start,
            _audit.c.at < end,
        )
        .group_by(team_col, level_col)
    )
    for row in rows:
        score = teams.setdefault(str(row.team), TeamScore())
        score.escalations[int(row.level)] = int(row.n)


# --- waiting now --------------------------------------------------------------------------


def _lead_and_manager(conn: Connection) -> dict[str, TeamContacts]:
    """Without the config's teams: the active person table's leads by team (a manager is not
    tied to one team there, so only the config can name one)."""
    out: dict[str, TeamContacts] = {}
    for row in conn.execute(
        select(_per.c.team, _per.c.key)
        .where(_per.c.active.is_(True), _per.c.role == "lead", _per.c.team.is_not(None))
        .order_by(_per.c.key)
    ):
        out.setdefault(row.team, TeamContacts(row.key, None))
    return out


def _would_ping(
    notify: Sequence[str], contacts: TeamContacts | None, owners: Sequence[str]
) -> list[str]:
    people: list[str] = []
    for target in notify:
        if target == "lead" and contacts and contacts.lead:
            people.append(contacts.lead)
        elif target == "manager" and contacts and contacts.manager:
            people.append(contacts.manager)
        elif target == "owner":
            people.extend(owners)
        elif target == "team" and contacts:
            people.extend(contacts.members)
    return people


def _waiting(
    conn: Connection,
    now: datetime,
    teams: dict[str, TeamScore],
    contacts: Mapping[str, TeamContacts] | None,
) -> None:
    live = and_(
        _seat.c.status.in_(LIVE_SEATS),
        _case.c.status.in_(ACTIVE),
        # A snooze the team asked for is not waiting on it until it runs out.
        (_seat.c.status != "snoozed") | (_seat.c.snoozed_until <= now),
    )
    seats = conn.execute(
        select(
            _seat.c.id,
            _seat.c.team,
            _seat.c.case_id,
            _seat.c.started_at,
            _seat.c.level,
            _case.c.policy,
            _cus.c.name,
        )
        .select_from(
            _seat.join(_case, _case.c.id == _seat.c.case_id).join(
                _cus, _cus.c.id == _case.c.customer_id
            )
        )
        .where(live)
        .order_by(_seat.c.team, _seat.c.started_at, _seat.c.case_id)
    ).all()
    if not seats:
        return
    # Who the last escalation of the current run pinged (the trail's payload says so).
    last_ping = (
        select(func.max(_audit.c.id))
        .select_from(
            _audit.join(_seat, _audit.c.entity_id == cast(_seat.c.id, String)).join(
                _case, _case.c.id == _seat.c.case_id
            )
        )
        .where(
            live,
            _seat.c.level > 0,
            _audit.c.entity == "seat",
            _audit.c.action.in_(_PINGS),
            _audit.c.at >= _seat.c.started_at,
        )
        .group_by(_audit.c.entity_id)
    )
    pinged: dict[int, list[str]] = {}
    for entity_id, detail in conn.execute(
        select(_audit.c.entity_id, _audit.c.detail).where(_audit.c.id.in_(last_ping))
    ):
        people = json.loads(detail).get("people") or []
        pinged[int(entity_id)] = [str(p) for p in people]
    owners: dict[int, list[str]] = defaultdict(list)
    for case_id, owner in conn.execute(
        select(_ci.c.case_id, _inv.c.owner)
        .select_from(
            _ci.join(_inv, _inv.c.id == _ci.c.invoice_id)
            .join(_case, _case.c.id == _ci.c.case_id)
            .join(_seat, _seat.c.case_id == _case.c.id)
        )
        .where(live, _inv.c.owner.is_not(None))
        .distinct()
        .order_by(_ci.c.case_id, _inv.c.owner)
    ):
        owners[case_id].append(owner)
    book = dict(contacts) if contacts is not None else _lead_and_manager(conn)
    policies: dict[str, machine.CirclePolicy] = {}
    for s in seats:
        if s.id in pinged:
            who = pinged[s.id]
        else:
            policy = policies.get(s.policy)
            if policy is None:
                policy = policies[s.policy] = machine.CirclePolicy.from_json(json.loads(s.policy))
            first = policy.levels[0].notify if policy.levels else ("lead",)
            who = _would_ping(first, book.get(s.team), owners.get(s.case_id, []))
        if not who:
            # Nobody configured to chase: the people who own the customer's invoices.
            who = owners.get(s.case_id, [])
        score = teams.setdefault(s.team, TeamScore())
        score.waiting.append(
            Waiting(
                case_id=s.case_id,
                customer=s.name,
                who=tuple(dict.fromkeys(who)),
                since=_utc(s.started_at),
                level=s.level,
            )
        )


def scorecard(
    conn: Connection,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    contacts: Mapping[str, TeamContacts] | None = None,
) -> Scorecard:
    """The circle over [start, end) and the cases waiting at `now`.

    `contacts` (CircleEnv.teams) names each team's lead and manager for cases not escalated
    yet; without it the person table's leads stand in.
    """
    start, end, now = _utc(start), _utc(end), _utc(now)
    teams: dict[str, TeamScore] = {}
    rounds, policies = _rounds(conn, start, end)
    _score_rounds(rounds, policies, start, end, teams)
    _escalations(conn, start, end, teams)
    _waiting(conn, now, teams, contacts)
    return Scorecard(
        opened=_count(conn, _case.c.opened_at, start, end),
        closed=_count(conn, _case.c.closed_at, start, end),
        teams=dict(sorted(teams.items())),
    )

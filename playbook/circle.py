"""The 15-minute response circle: business time, the seat state machine, and who sits where.

A case (an overdue customer) has one seat per team. Each seat must answer within a response
window counted in business time; when it does not, escalation levels fire and then repeat.
The database tick calls ``step`` with the time it read, stores the new state and ``due_at`` so
the next tick only looks at seats that have something due.

Everything here is a pure function over plain data: no I/O, no clock, no imports beyond the
policy (playbook.circle_policy) and business time (playbook.business_time), re-exported here.
Datetimes must be timezone-aware; business hours and holidays are read in the policy's time
zone, and every datetime this module computes is returned in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal, TypeAlias, get_args

from playbook.business_time import business_add, business_between, is_open, next_open
from playbook.circle_policy import (
    _REMIND_SLACK,
    _ZERO,
    NOTIFY_TARGETS,
    CirclePolicy,
    Hours,
    Level,
    _check_aware,
    _is_int,
    _utc,
)

__all__ = [
    "NOTIFY_TARGETS",
    "STAGE_ORDER",
    "TRIGGERS",
    "Action",
    "CirclePolicy",
    "Escalate",
    "Hours",
    "Level",
    "Rearm",
    "Remind",
    "Repeat",
    "SeatRule",
    "SeatState",
    "SeatStatus",
    "Unsnooze",
    "acknowledge",
    "answer",
    "business_add",
    "business_between",
    "case_ready",
    "close",
    "due_at",
    "is_open",
    "next_open",
    "reopen",
    "seat_teams",
    "snooze",
    "step",
    "time_left",
    "window_deadline",
]

# --------------------------------------------------------------------------------------------
# Seats

SeatStatus: TypeAlias = Literal["waiting", "acknowledged", "answered", "snoozed", "closed"]
_STATUSES: frozenset[str] = frozenset(get_args(SeatStatus))
_FINAL: frozenset[str] = frozenset({"answered", "closed"})


@dataclass(frozen=True)
class SeatState:
    """One team's place in a case, as stored between ticks."""

    team: str
    started_at: datetime  # when its clock (re)started
    status: SeatStatus = "waiting"
    level: int = 0  # escalation levels already sent
    repeats: int = 0  # repeats already sent after the last level
    reminded: bool = False
    acknowledged_at: datetime | None = None
    snoozed_until: datetime | None = None  # wall-clock time, not business time

    def __post_init__(self) -> None:
        if self.status not in _STATUSES:
            allowed = ", ".join(sorted(_STATUSES))
            raise ValueError(f"SeatState.status {self.status!r} is not one of: {allowed}")
        for name in ("level", "repeats"):
            value = getattr(self, name)
            if not _is_int(value) or value < 0:
                raise ValueError(f"SeatState.{name} must be a whole number, 0 or more")
        # Without these the machine would not know when the pause ends.
        if self.status == "acknowledged" and self.acknowledged_at is None:
            raise ValueError("SeatState: an acknowledged seat needs acknowledged_at")
        if self.status == "snoozed" and self.snoozed_until is None:
            raise ValueError("SeatState: a snoozed seat needs snoozed_until")


def _check_seat_times(seat: SeatState) -> None:
    # Checked where time is computed rather than on construction, so that answering or
    # closing a seat never fails over a timestamp; naive ones are refused before any compare.
    _check_aware(seat.started_at, "SeatState.started_at")
    _check_aware(seat.acknowledged_at, "SeatState.acknowledged_at")
    _check_aware(seat.snoozed_until, "SeatState.snoozed_until")


@dataclass(frozen=True)
class Remind:
    team: str
    left: timedelta  # business time left when the reminder fell due (what is left if late)


@dataclass(frozen=True)
class Escalate:
    team: str
    level: int  # 1-based
    notify: tuple[str, ...]
    # Lower levels that fell due in the same step and are covered by this one.
    skipped: tuple[int, ...] = ()


@dataclass(frozen=True)
class Repeat:
    team: str
    n: int  # 1-based
    notify: tuple[str, ...]  # the last level's


@dataclass(frozen=True)
class Rearm:
    team: str


@dataclass(frozen=True)
class Unsnooze:
    team: str


Action: TypeAlias = Remind | Escalate | Repeat | Rearm | Unsnooze


def window_deadline(seat: SeatState, policy: CirclePolicy) -> datetime:
    return business_add(seat.started_at, policy.window, policy)


def time_left(seat: SeatState, policy: CirclePolicy, now: datetime) -> timedelta | None:
    """Business time until the window deadline, negative once overdue; None unless waiting."""
    if seat.status != "waiting":
        return None
    return business_between(now, window_deadline(seat, policy), policy)


def _remind_at(seat: SeatState, policy: CirclePolicy) -> datetime | None:
    before = policy.remind_before
    # Once any level has gone out the team has been chased harder than a reminder would.
    if before is None or before >= policy.window or seat.reminded or seat.level > 0:
        return None
    return business_add(seat.started_at, policy.window - before, policy)


def _level_at(seat: SeatState, policy: CirclePolicy, index: int) -> datetime:
    return business_add(seat.started_at, policy.levels[index].after, policy)


def _repeat_at(seat: SeatState, policy: CirclePolicy, n: int) -> datetime:
    return business_add(seat.started_at, policy.levels[-1].after + n * policy.repeat_every, policy)


def _rearm_at(seat: SeatState, policy: CirclePolicy) -> datetime | None:
    if policy.ack_rearm is None or seat.acknowledged_at is None:
        return None
    return business_add(seat.acknowledged_at, policy.ack_rearm, policy)


def _levels_due(seat: SeatState, policy: CirclePolicy, now: datetime) -> int:
    count = 0
    while count < len(policy.levels) and _level_at(seat, policy, count) <= now:
        count += 1
    return count


def _repeats_due(seat: SeatState, policy: CirclePolicy, now: datetime) -> int:
    if not policy.levels:
        return 0
    # Counted from elapsed business time rather than by probing each repeat, so a policy with
    # many repeats costs the same. For spans > 0, business_add(s, x) <= now exactly when
    # business_between(s, now) >= x, which keeps this in step with _repeat_at.
    past_last = business_between(seat.started_at, now, policy) - policy.levels[-1].after
    if past_last < policy.repeat_every:
        return 0
    return min(policy.repeat_times, past_last // policy.repeat_every)


def _waiting_due_at(seat: SeatState, policy: CirclePolicy) -> datetime | None:
    candidates: list[datetime] = []
    remind = _remind_at(seat, policy)
    if remind is not None:
        candidates.append(remind)
    if seat.level < len(policy.levels):
        candidates.append(_level_at(seat, policy, seat.level))
    elif policy.levels and seat.repeats < policy.repeat_times:
        candidates.append(_repeat_at(seat, policy, seat.repeats + 1))
    return min(candidates, default=None)


def due_at(seat: SeatState, policy: CirclePolicy) -> datetime | None:
    """The next moment ``step`` would act on this seat (UTC); None when nothing ever will."""
    _check_seat_times(seat)
    if seat.status == "waiting":
        return _waiting_due_at(seat, policy)
    if seat.status == "acknowledged":
        return _rearm_at(seat, policy)
    if seat.status == "snoozed":
        assert seat.snoozed_until is not None  # checked by SeatState
        return seat.snoozed_until.astimezone(UTC)
    return None


def _step_waiting(
    seat: SeatState, policy: CirclePolicy, now: datetime
) -> tuple[SeatState, list[Action]]:
    levels = policy.levels
    due = _levels_due(seat, policy, now)
    if due > seat.level:
        # One message for everything that fell due: a process back from an outage must not
        # fire level 1, level 2 and three repeats at the same minute.
        repeats = _repeats_due(seat, policy, now) if due == len(levels) else 0
        action = Escalate(
            team=seat.team,
            level=due,
            notify=levels[due - 1].notify,
            skipped=tuple(range(seat.level + 1, due)),
        )
        return replace(seat, level=due, repeats=repeats, reminded=True), [action]
    if levels and seat.level >= len(levels):
        repeats = _repeats_due(seat, policy, now)
        if repeats > seat.repeats:
            action_r = Repeat(team=seat.team, n=repeats, notify=levels[-1].notify)
            return replace(seat, repeats=repeats), [action_r]
        return seat, []
    remind = _remind_at(seat, policy)
    if remind is not None and remind <= now:
        deadline = window_deadline(seat, policy)
        # The time left when the reminder fell due: a tick a few seconds late must not turn
        # "5 minutes left" into 4. One that is late by more (an outage) says what is left.
        left = business_between(remind, deadline, policy)
        late_left = max(business_between(now, deadline, policy), _ZERO)
        if left - late_left >= _REMIND_SLACK:
            left = late_left
        return replace(seat, reminded=True), [Remind(team=seat.team, left=left)]
    return seat, []


def step(seat: SeatState, policy: CirclePolicy, now: datetime) -> tuple[SeatState, list[Action]]:
    """Everything due at or before ``now``, collapsed to at most one ping per kind.

    Afterwards ``due_at`` of the returned state is None or later than ``now``. With nothing
    due the very same state comes back with no actions.
    """
    _utc(now, "now")
    _check_seat_times(seat)
    actions: list[Action] = []
    current = seat
    if seat.status == "acknowledged":
        rearm = _rearm_at(seat, policy)
        if rearm is None or rearm > now:
            return seat, []
        # The pause ran out: the clock restarts from the moment it did, not from `now`, so a
        # tick that came late does not hand the team extra time.
        current = SeatState(team=seat.team, started_at=rearm)
        actions.append(Rearm(team=seat.team))
    elif seat.status == "snoozed":
        assert seat.snoozed_until is not None  # checked by SeatState
        if seat.snoozed_until > now:
            return seat, []
        current = SeatState(team=seat.team, started_at=seat.snoozed_until)
        actions.append(Unsnooze(team=seat.team))
    elif seat.status != "waiting":
        return seat, []
    current, more = _step_waiting(current, policy, now)
    return current, actions + more


def answer(seat: SeatState) -> SeatState:
    """The team answered: the clock stops for good (until a reopen). A closed seat stays closed."""
    if seat.status == "closed":
        return seat
    return replace(seat, status="answered", snoozed_until=None)


def acknowledge(seat: SeatState, now: datetime) -> SeatState:
    """Seen, working on it: pauses the clock; acknowledging again restarts the pause."""
    if seat.status in _FINAL:
        return seat
    return replace(seat, status="acknowledged", acknowledged_at=now, snoozed_until=None)


def snooze(seat: SeatState, until: datetime) -> SeatState:
    if seat.status in _FINAL:
        return seat
    return replace(seat, status="snoozed", snoozed_until=until, acknowledged_at=None)


def reopen(seat: SeatState, now: datetime) -> SeatState:
    """A new trigger on the case: waiting again from ``now``, whatever the seat's status."""
    return SeatState(team=seat.team, started_at=now)


def close(seat: SeatState) -> SeatState:
    return replace(seat, status="closed")


def case_ready(seats: Sequence[SeatState]) -> bool:
    """At least one seat, and every seat that is not closed has answered."""
    return bool(seats) and all(s.status in _FINAL for s in seats)


# --------------------------------------------------------------------------------------------
# Who sits in a case

STAGE_ORDER: tuple[str, ...] = ("pre_due", "early", "mid", "late")
TRIGGERS: tuple[str, ...] = ("stage", "broken_promise", "dispute", "limitation", "manual")


@dataclass(frozen=True)
class SeatRule:
    """When a team sits in a case: from a stage on, and on any dispute if on_dispute."""

    from_stage: str = "early"  # one of STAGE_ORDER
    on_dispute: bool = True

    def __post_init__(self) -> None:
        if self.from_stage not in STAGE_ORDER:
            raise ValueError(
                f"SeatRule.from_stage: unknown stage {self.from_stage!r}; "
                f"expected one of {', '.join(STAGE_ORDER)}"
            )


def seat_teams(
    trigger: str,
    stage: str,
    rules: Mapping[str, SeatRule],
    *,
    disputed: bool = False,
    legal_team: str = "legal",
) -> list[str]:
    """The teams that sit in a case, in the order of ``rules``; never empty."""
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown trigger {trigger!r}; expected one of {', '.join(TRIGGERS)}")
    if stage not in STAGE_ORDER:
        raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(STAGE_ORDER)}")
    if not rules:
        raise ValueError("seat rules name no team; a case needs at least one seat")
    for team, rule in rules.items():
        if rule.from_stage not in STAGE_ORDER:
            raise ValueError(f"seat rule for {team!r}: unknown stage {rule.from_stage!r}")
    if trigger == "limitation":
        # A claim about to expire is legal's call; without a legal team everyone must look.
        return [legal_team] if legal_team in rules else list(rules)
    rank = STAGE_ORDER.index(stage)
    dispute = trigger == "dispute" or disputed
    teams = [
        team
        for team, rule in rules.items()
        if STAGE_ORDER.index(rule.from_stage) <= rank or (dispute and rule.on_dispute)
    ]
    if teams:
        return teams
    # Something triggered the case, so someone must look: the earliest-seated teams.
    lowest = min(STAGE_ORDER.index(rule.from_stage) for rule in rules.values())
    return [team for team, rule in rules.items() if STAGE_ORDER.index(rule.from_stage) == lowest]

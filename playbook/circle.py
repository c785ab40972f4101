"""The 15-minute response circle: business time, the seat state machine, and who sits where.

A case (an overdue customer) has one seat per team. Each seat must answer within a response
window counted in business time; when it does not, escalation levels fire and then repeat.
The database tick calls ``step`` with the time it read, stores the new state and ``due_at`` so
the next tick only looks at seats that have something due.

Everything here is a pure function over plain data: no I/O, no clock, no project imports.
Datetimes must be timezone-aware; business hours and holidays are read in the policy's time
zone, and every datetime this module computes is returned in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, TypeAlias, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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

NOTIFY_TARGETS: frozenset[str] = frozenset({"owner", "lead", "manager", "channel", "team"})

_ZERO = timedelta(0)
# How late a reminder may go out and still say the time left when it fell due.
_REMIND_SLACK = timedelta(minutes=1)
_NO_WORKING_DAY = "business hours have no working day"


def _is_int(value: object) -> bool:
    # bool is an int subclass; True as a count is always a data mistake.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_whole_seconds(span: timedelta) -> bool:
    # Policies are stored as JSON with durations in whole seconds; refusing sub-second values
    # up front is what lets to_json/from_json round-trip exactly.
    return span.microseconds == 0


def _utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def _check_aware(moment: datetime | None, what: str) -> None:
    if moment is not None:
        _utc(moment, what)


# --------------------------------------------------------------------------------------------
# Policy


@dataclass(frozen=True)
class Level:
    """An escalation step, due this much business time after the seat's clock started."""

    after: timedelta
    notify: tuple[str, ...]  # any of NOTIFY_TARGETS

    def __post_init__(self) -> None:
        # Config loaders hand over lists; a tuple keeps the level hashable and immutable.
        object.__setattr__(self, "notify", tuple(self.notify))
        if not isinstance(self.after, timedelta) or self.after < _ZERO:
            raise ValueError(f"Level.after must be a timedelta of 0 or more, got {self.after!r}")
        if not _is_whole_seconds(self.after):
            raise ValueError(f"Level.after must be whole seconds, got {self.after}")
        if not self.notify:
            raise ValueError("Level.notify must name at least one target")
        unknown = [n for n in self.notify if n not in NOTIFY_TARGETS]
        if unknown:
            allowed = ", ".join(sorted(NOTIFY_TARGETS))
            raise ValueError(f"Level.notify has unknown target(s) {unknown}; allowed: {allowed}")


@dataclass(frozen=True)
class Hours:
    """When the clock runs on a working day, in the policy's time zone."""

    days: frozenset[int]  # weekday numbers, 0 = Monday
    start: time
    end: time  # after start, same day

    def __post_init__(self) -> None:
        object.__setattr__(self, "days", frozenset(self.days))
        bad = sorted(repr(d) for d in self.days if not _is_int(d) or not 0 <= d <= 6)
        if bad:
            raise ValueError(f"Hours.days must be weekday numbers 0 (Monday) to 6, got {bad}")
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, time):
                raise ValueError(f"Hours.{name} must be a time, got {value!r}")
            # A zone on the time itself would fight the policy's time zone.
            if value.tzinfo is not None:
                raise ValueError(f"Hours.{name} must be a local time without a zone")
        if self.start >= self.end:
            raise ValueError(f"Hours.end ({self.end}) must be after start ({self.start})")


_DEFAULT_LEVELS: tuple[Level, ...] = (
    Level(timedelta(minutes=15), ("lead",)),
    Level(timedelta(minutes=30), ("manager", "channel")),
)
_DEFAULT_HOURS = Hours(frozenset(range(5)), time(9, 0), time(18, 0))


@dataclass(frozen=True)
class CirclePolicy:
    """All tunables of the circle, stored on each case as a snapshot of the rules it runs by."""

    window: timedelta = timedelta(minutes=15)
    # Reminder this long before the window ends; None, or not shorter than the window: none.
    remind_before: timedelta | None = timedelta(minutes=5)
    levels: tuple[Level, ...] = _DEFAULT_LEVELS
    repeat_every: timedelta = timedelta(minutes=30)
    repeat_times: int = 3
    # "Seen, working on it" pauses the clock this long (business time); None = until answered.
    ack_rearm: timedelta | None = timedelta(minutes=60)
    timezone: str = "Asia/Shanghai"
    hours: Hours | None = _DEFAULT_HOURS  # None = the clock always runs (holidays too)
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", tuple(self.levels))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        _check_span("window", self.window, positive=True)
        _check_span("remind_before", self.remind_before, positive=True, optional=True)
        _check_span("repeat_every", self.repeat_every, positive=True)
        _check_span("ack_rearm", self.ack_rearm, positive=True, optional=True)
        for i, level in enumerate(self.levels):
            if not isinstance(level, Level):
                raise ValueError(f"CirclePolicy.levels[{i}] must be a Level, got {level!r}")
            if i > 0 and level.after <= self.levels[i - 1].after:
                raise ValueError(
                    f"CirclePolicy.levels[{i}].after ({level.after}) must be later than the "
                    f"previous level's ({self.levels[i - 1].after})"
                )
        if not _is_int(self.repeat_times) or self.repeat_times < 0:
            raise ValueError(
                f"CirclePolicy.repeat_times must be a whole number, 0 or more, "
                f"got {self.repeat_times!r}"
            )
        if not isinstance(self.timezone, str):
            raise ValueError(f"CirclePolicy.timezone must be a string, got {self.timezone!r}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"CirclePolicy.timezone: unknown time zone {self.timezone!r}"
            ) from None
        if self.hours is not None and not isinstance(self.hours, Hours):
            raise ValueError(f"CirclePolicy.hours must be Hours or None, got {self.hours!r}")
        # datetime is a date subclass; a datetime here would never match a calendar day.
        bad = sorted(
            repr(d) for d in self.holidays if not isinstance(d, date) or isinstance(d, datetime)
        )
        if bad:
            raise ValueError(f"CirclePolicy.holidays must be dates, got {bad}")

    @property
    def zone(self) -> ZoneInfo:
        # ZoneInfo caches instances per key, so this is a dictionary look-up.
        return ZoneInfo(self.timezone)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able snapshot (str, int, list, dict and None only); from_json reads it back."""
        return {
            "window_seconds": _seconds(self.window),
            "remind_before_seconds": _seconds_or_none(self.remind_before),
            "levels": [
                {"after_seconds": _seconds(level.after), "notify": list(level.notify)}
                for level in self.levels
            ],
            "repeat_every_seconds": _seconds(self.repeat_every),
            "repeat_times": self.repeat_times,
            "ack_rearm_seconds": _seconds_or_none(self.ack_rearm),
            "timezone": self.timezone,
            "hours": None
            if self.hours is None
            else {
                "days": sorted(self.hours.days),
                "start": self.hours.start.isoformat(),
                "end": self.hours.end.isoformat(),
            },
            "holidays": sorted(d.isoformat() for d in self.holidays),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CirclePolicy:
        """Read a snapshot written by to_json; a missing key takes its default.

        Unknown keys are refused: a misspelt key silently falling back to the default would
        run a case by rules nobody chose.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"circle policy must be an object, got {type(data).__name__}")
        unknown = sorted(str(k) for k in data if k not in _JSON_KEYS)
        if unknown:
            raise ValueError(f"circle policy: unknown key(s) {', '.join(unknown)}")
        default = cls()
        kwargs: dict[str, Any] = {}
        if "window_seconds" in data:
            kwargs["window"] = _read_seconds(data, "window_seconds")
        if "remind_before_seconds" in data:
            kwargs["remind_before"] = _read_seconds(data, "remind_before_seconds", optional=True)
        if "levels" in data:
            kwargs["levels"] = _read_levels(data["levels"])
        if "repeat_every_seconds" in data:
            kwargs["repeat_every"] = _read_seconds(data, "repeat_every_seconds")
        if "repeat_times" in data:
            kwargs["repeat_times"] = _read_int(data["repeat_times"], "repeat_times")
        if "ack_rearm_seconds" in data:
            kwargs["ack_rearm"] = _read_seconds(data, "ack_rearm_seconds", optional=True)
        if "timezone" in data:
            if not isinstance(data["timezone"], str):
                raise ValueError(
                    f"circle policy: timezone must be a string, got {data['timezone']!r}"
                )
            kwargs["timezone"] = data["timezone"]
        if "hours" in data:
            kwargs["hours"] = _read_hours(data["hours"])
        if "holidays" in data:
            kwargs["holidays"] = _read_holidays(data["holidays"])
        try:
            return replace(default, **kwargs)
        except ValueError as exc:
            raise ValueError(f"circle policy: {exc}") from None


_JSON_KEYS = frozenset(
    {
        "window_seconds",
        "remind_before_seconds",
        "levels",
        "repeat_every_seconds",
        "repeat_times",
        "ack_rearm_seconds",
        "timezone",
        "hours",
        "holidays",
    }
)


def _check_span(
    name: str, span: timedelta | None, *, positive: bool, optional: bool = False
) -> None:
    if span is None and optional:
        return
    if not isinstance(span, timedelta):
        raise ValueError(f"CirclePolicy.{name} must be a timedelta, got {span!r}")
    if positive and span <= _ZERO:
        raise ValueError(f"CirclePolicy.{name} must be longer than zero, got {span}")
    if not _is_whole_seconds(span):
        raise ValueError(f"CirclePolicy.{name} must be whole seconds, got {span}")


def _seconds(span: timedelta) -> int:
    # Exact: timedelta keeps days, seconds and microseconds as integers, and policies only
    # hold whole seconds.
    return span.days * 86_400 + span.seconds


def _seconds_or_none(span: timedelta | None) -> int | None:
    return None if span is None else _seconds(span)


def _read_int(value: Any, where: str) -> int:
    if not _is_int(value):
        raise ValueError(f"circle policy: {where} must be a whole number, got {value!r}")
    result: int = value
    return result


def _read_seconds(data: Mapping[str, Any], key: str, *, optional: bool = False) -> timedelta | None:
    value = data[key]
    if value is None and optional:
        return None
    return timedelta(seconds=_read_int(value, key))


def _read_levels(value: Any) -> tuple[Level, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"circle policy: levels must be a list, got {value!r}")
    levels: list[Level] = []
    for i, item in enumerate(value):
        where = f"levels[{i}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"circle policy: {where} must be an object, got {item!r}")
        extra = sorted(str(k) for k in item if k not in ("after_seconds", "notify"))
        if extra:
            raise ValueError(f"circle policy: {where} has unknown key(s) {', '.join(extra)}")
        if "after_seconds" not in item or "notify" not in item:
            raise ValueError(f"circle policy: {where} needs after_seconds and notify")
        after = timedelta(seconds=_read_int(item["after_seconds"], f"{where}.after_seconds"))
        notify = item["notify"]
        if not isinstance(notify, list | tuple) or not all(isinstance(n, str) for n in notify):
            raise ValueError(f"circle policy: {where}.notify must be a list of strings")
        try:
            levels.append(Level(after, tuple(notify)))
        except ValueError as exc:
            raise ValueError(f"circle policy: {where}: {exc}") from None
    return tuple(levels)


def _read_hours(value: Any) -> Hours | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError(f"circle policy: hours must be an object or null, got {value!r}")
    extra = sorted(str(k) for k in value if k not in ("days", "start", "end"))
    if extra:
        raise ValueError(f"circle policy: hours has unknown key(s) {', '.join(extra)}")
    missing = [k for k in ("days", "start", "end") if k not in value]
    if missing:
        raise ValueError(f"circle policy: hours needs {', '.join(missing)}")
    days = value["days"]
    if not isinstance(days, list | tuple):
        raise ValueError(f"circle policy: hours.days must be a list, got {days!r}")
    clock: dict[str, time] = {}
    for name in ("start", "end"):
        text = value[name]
        try:
            if not isinstance(text, str):
                raise ValueError
            clock[name] = time.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"circle policy: hours.{name} must be a time like '09:00', got {text!r}"
            ) from None
    try:
        return Hours(frozenset(days), clock["start"], clock["end"])
    except (ValueError, TypeError) as exc:
        raise ValueError(f"circle policy: hours: {exc}") from None


def _read_holidays(value: Any) -> frozenset[date]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"circle policy: holidays must be a list, got {value!r}")
    days: set[date] = set()
    for i, text in enumerate(value):
        try:
            if not isinstance(text, str):
                raise ValueError
            days.add(date.fromisoformat(text))
        except ValueError:
            raise ValueError(
                f"circle policy: holidays[{i}] must be a date like '2026-10-01', got {text!r}"
            ) from None
    return frozenset(days)


# --------------------------------------------------------------------------------------------
# Business time


def _day_interval(
    day: date, hours: Hours, policy: CirclePolicy
) -> tuple[datetime, datetime] | None:
    """The open interval [opens, closes) of one local day in UTC, or None when closed."""
    if day.weekday() not in hours.days or day in policy.holidays:
        return None
    # Building each day's local times separately keeps 09:00 at 09:00 across DST changes,
    # which adding 24-hour steps to a UTC instant would not.
    opens = datetime.combine(day, hours.start, tzinfo=policy.zone).astimezone(UTC)
    closes = datetime.combine(day, hours.end, tzinfo=policy.zone).astimezone(UTC)
    if closes <= opens:
        # A spring-forward gap can swallow a short opening whole.
        return None
    return opens, closes


def _open_intervals(
    since: datetime, hours: Hours, policy: CirclePolicy
) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals that end after ``since`` (UTC), in order, without end."""
    if not hours.days:
        raise ValueError(_NO_WORKING_DAY)
    # Every run of closed days is bounded by the holidays plus a week, unless a policy somehow
    # never opens (DST gaps); stopping there keeps a bad policy from looping forever.
    limit = len(policy.holidays) + 14
    closed_run = 0
    day = since.astimezone(policy.zone).date()
    while True:
        interval = _day_interval(day, hours, policy)
        if interval is None:
            closed_run += 1
            if closed_run > limit:
                raise ValueError(_NO_WORKING_DAY)
        else:
            closed_run = 0
            if interval[1] > since:
                yield interval
        day += timedelta(days=1)


def is_open(moment: datetime, policy: CirclePolicy) -> bool:
    """Whether the clock runs at ``moment``; closing time itself is closed."""
    at = _utc(moment, "moment")
    if policy.hours is None:
        return True
    interval = _day_interval(at.astimezone(policy.zone).date(), policy.hours, policy)
    return interval is not None and interval[0] <= at < interval[1]


def next_open(moment: datetime, policy: CirclePolicy) -> datetime:
    """``moment`` itself (in UTC) when open, else the next opening."""
    at = _utc(moment, "moment")
    if policy.hours is None:
        return at
    opens, _closes = next(_open_intervals(at, policy.hours, policy))
    return max(opens, at)


def business_add(start: datetime, span: timedelta, policy: CirclePolicy) -> datetime:
    """The moment ``span`` of business time has passed since ``start``.

    Ending exactly at closing time gives the closing time, not the next opening: the time is
    up then. ``span`` 0 gives ``next_open(start)``.
    """
    at = _utc(start, "start")
    if span < _ZERO:
        raise ValueError(f"business_add: span must not be negative, got {span}")
    if policy.hours is None:
        return at + span
    if span == _ZERO:
        return next_open(at, policy)
    remaining = span
    for opens, closes in _open_intervals(at, policy.hours, policy):
        begin = max(opens, at)
        available = closes - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise AssertionError("unreachable: _open_intervals never ends")


def business_between(a: datetime, b: datetime, policy: CirclePolicy) -> timedelta:
    """Business time from ``a`` to ``b``; negative when ``b`` is before ``a``."""
    start, end = _utc(a, "a"), _utc(b, "b")
    if end < start:
        return -business_between(end, start, policy)
    if policy.hours is None:
        return end - start
    total = _ZERO
    day = start.astimezone(policy.zone).date()
    last = end.astimezone(policy.zone).date()
    while day <= last:
        interval = _day_interval(day, policy.hours, policy)
        if interval is not None:
            overlap = min(interval[1], end) - max(interval[0], start)
            if overlap > _ZERO:
                total += overlap
        day += timedelta(days=1)
    return total


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

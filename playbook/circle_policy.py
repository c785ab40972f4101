"""The circle's policy: the response window, escalation levels and repeats, business hours
and holidays, and its JSON form (what a case keeps, so a config change never rewrites the
rules of a case already open).

Pure data, no I/O; playbook.circle re-exports everything here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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

"""The injected clock: tests move a fake one, the demo runs a scaled one."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

from playbook.circle import CirclePolicy, next_open


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...


def today(clock: Clock, tz: str | ZoneInfo) -> date:
    """The calendar date in the company's timezone: an invoice is late in Shanghai, not in UTC."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return clock.now().astimezone(zone).date()


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)


class ScaledClock:
    """Runs `speed` times faster than the wall clock from the moment it was made.

    `arcircle run --clock-speed 60` lets a newcomer watch a 15-minute window pass in 15 seconds;
    `start` sets where the scaled time begins (a demo at 10:00 on a working day).
    """

    def __init__(
        self,
        speed: float,
        base: Clock | None = None,
        start: datetime | None = None,
        *,
        held: bool = False,
    ) -> None:
        if speed <= 0:
            raise ValueError("clock speed must be positive")
        if start is not None and start.tzinfo is None:
            raise ValueError("ScaledClock needs an aware start")
        self._base = base or SystemClock()
        self._speed = speed
        self._origin = self._base.now()
        self._start = start.astimezone(UTC) if start is not None else self._origin
        self._held = held

    def now(self) -> datetime:
        if self._held:
            return self._start
        elapsed = self._base.now() - self._origin
        return self._start + elapsed * self._speed

    @property
    def base(self) -> Clock:
        """The clock this one scales: the wall clock outside tests."""
        return self._base

    def release(self) -> None:
        """A clock made `held` stands at its start until now: setting up (loading the sample
        ledger) takes none of the demo's time, so 10:00 is when the chat begins."""
        if self._held:
            self._origin = self._base.now()
            self._held = False


def wall_clock(clock: Clock) -> Clock:
    """The clock a messenger's transport must keep, beneath a demo's scaled one.

    Signature windows, event ages, sessionWebhook expiry, token lifetimes and retry dedup are
    judged by the messenger against real time: under `arcircle run --clock-speed 60
    --clock-start 10:00` the business clock may stand on Monday while it is Saturday and gains
    an hour a minute, and checks on it would refuse or drop every event after a few minutes.
    Tests pass a FakeClock, which is its own wall clock."""
    while isinstance(clock, ScaledClock):
        clock = clock.base
    return clock


def clock_start(
    text: str, zone: tzinfo, policy: CirclePolicy | None, now: datetime
) -> tuple[datetime, str]:
    """Where `--clock-start` puts a scaled clock, and a note saying so.

    `2026-11-23T10:00` is that moment (in `zone` unless it names one). `10:00` is that time
    today when the circle's clock runs today (`policy`'s business hours and holidays), else on
    the next day it does: `make demo` on a Saturday plays Monday's circle instead of one that
    stands still until Monday. `now` is the wall clock's time. ValueError for anything else.
    """
    text = text.strip()
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if m:
        at = time(int(m.group(1)), int(m.group(2)))
        today = now.astimezone(zone).date()
        day = today
        if policy is not None:
            opens = next_open(datetime.combine(today, time(0), policy.zone), policy)
            day = opens.astimezone(policy.zone).date()
        start = datetime.combine(day, at, zone)
        if day == today:
            return start, f"the clock starts today, {start:%A %Y-%m-%d %H:%M}"
        return start, (
            f"the clock starts on the next business day, {start:%A %Y-%m-%d %H:%M} "
            f"(today, {today:%A %Y-%m-%d}, is not a business day)"
        )
    moment = datetime.fromisoformat(text)
    start = moment if moment.tzinfo else moment.replace(tzinfo=zone)
    return start, f"the clock starts at {start:%A %Y-%m-%d %H:%M}"

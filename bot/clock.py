"""The injected clock: tests move a fake one, the demo runs a scaled one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


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
        self, speed: float, base: Clock | None = None, start: datetime | None = None
    ) -> None:
        if speed <= 0:
            raise ValueError("clock speed must be positive")
        if start is not None and start.tzinfo is None:
            raise ValueError("ScaledClock needs an aware start")
        self._base = base or SystemClock()
        self._speed = speed
        self._origin = self._base.now()
        self._start = start.astimezone(UTC) if start is not None else self._origin

    def now(self) -> datetime:
        elapsed = self._base.now() - self._origin
        return self._start + elapsed * self._speed

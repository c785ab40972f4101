"""Business time for the circle: when its clock runs (hours, workdays, holidays in the
policy's zone), adding business time to a moment, and the business time between two.

Pure functions; playbook.circle re-exports them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from playbook.circle_policy import _NO_WORKING_DAY, _ZERO, CirclePolicy, Hours, _utc


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

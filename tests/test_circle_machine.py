from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from playbook.circle import (
    STAGE_ORDER,
    Action,
    CirclePolicy,
    Escalate,
    Hours,
    Level,
    Rearm,
    Remind,
    Repeat,
    SeatRule,
    SeatState,
    Unsnooze,
    acknowledge,
    answer,
    business_add,
    business_between,
    case_ready,
    close,
    due_at,
    is_open,
    next_open,
    reopen,
    seat_teams,
    snooze,
    step,
    time_left,
    window_deadline,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
POLICY = CirclePolicy()
M = timedelta(minutes=1)
LEAD = ("lead",)
MANAGER = ("manager", "channel")


def sh(day: int, hour: int, minute: int = 0, *, month: int = 3, year: int = 2026) -> datetime:
    """A Shanghai wall time; 2026-03-16 is a Monday, 14/15 March the weekend before."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def berlin(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


def seat_at(start: datetime, team: str = "sales") -> SeatState:
    return SeatState(team=team, started_at=start)


def tick_every_minute(
    seat: SeatState, policy: CirclePolicy, start: datetime, end: datetime
) -> list[tuple[datetime, Action]]:
    """Run the machine like a database tick that never misses a minute."""
    log: list[tuple[datetime, Action]] = []
    now = start
    while now <= end:
        seat, actions = step(seat, policy, now)
        log.extend((now, a) for a in actions)
        now += M
    return log


# --------------------------------------------------------------------------------------------
# Windows, levels and repeats


def test_full_run_with_a_tick_every_minute() -> None:
    log = tick_every_minute(seat_at(sh(16, 10)), POLICY, sh(16, 10), sh(16, 14))
    assert log == [
        (sh(16, 10, 10), Remind("sales", left=5 * M)),
        (sh(16, 10, 15), Escalate("sales", 1, LEAD)),
        (sh(16, 10, 30), Escalate("sales", 2, MANAGER)),
        (sh(16, 11, 0), Repeat("sales", 1, MANAGER)),
        (sh(16, 11, 30), Repeat("sales", 2, MANAGER)),
        (sh(16, 12, 0), Repeat("sales", 3, MANAGER)),
    ]


def test_due_at_walks_the_same_moments_and_ends_with_none() -> None:
    seat = seat_at(sh(16, 10))
    seen: list[datetime] = []
    while (moment := due_at(seat, POLICY)) is not None:
        seen.append(moment)
        seat, actions = step(seat, POLICY, moment)
        assert len(actions) == 1
    assert seen == [
        sh(16, 10, 10),
        sh(16, 10, 15),
        sh(16, 10, 30),
        sh(16, 11, 0),
        sh(16, 11, 30),
        sh(16, 12, 0),
    ]
    assert (seat.level, seat.repeats, seat.reminded) == (2, 3, True)
    # Out of levels and repeats: nothing more, ever.
    assert step(seat, POLICY, sh(20, 12)) == (seat, [])


def test_due_at_is_returned_in_utc() -> None:
    moment = due_at(seat_at(sh(16, 10)), POLICY)
    assert moment == datetime(2026, 3, 16, 2, 10, tzinfo=UTC)
    assert moment is not None and moment.tzinfo is UTC


def test_nothing_due_returns_the_very_same_state() -> None:
    seat = seat_at(sh(16, 10))
    new, actions = step(seat, POLICY, sh(16, 10, 9))
    assert new is seat
    assert actions == []


def test_outage_collapses_everything_into_one_escalation() -> None:
    # Down from 10:00 to 13:00: the reminder, level 1, level 2 and repeats at 11:00, 11:30 and
    # 12:00 all fell due. One Escalate for level 2 covers them; the repeats count as sent.
    new, actions = step(seat_at(sh(16, 10)), POLICY, sh(16, 13))
    assert actions == [Escalate("sales", 2, MANAGER, skipped=(1,))]
    assert (new.level, new.repeats, new.reminded) == (2, 3, True)
    assert due_at(new, POLICY) is None


def test_outage_ending_between_repeats_keeps_the_later_repeats() -> None:
    new, actions = step(seat_at(sh(16, 10)), POLICY, sh(16, 11, 10))
    assert actions == [Escalate("sales", 2, MANAGER, skipped=(1,))]
    assert (new.level, new.repeats) == (2, 1)  # the 11:00 repeat is covered
    assert due_at(new, POLICY) == sh(16, 11, 30)
    new, actions = step(new, POLICY, sh(16, 11, 30))
    assert actions == [Repeat("sales", 2, MANAGER)]


def test_outage_after_level_one_escalates_without_skipping() -> None:
    seat = replace(seat_at(sh(16, 10)), level=1, reminded=True)
    new, actions = step(seat, POLICY, sh(16, 11, 40))
    assert actions == [Escalate("sales", 2, MANAGER, skipped=())]
    assert new.repeats == 2


def test_outage_between_repeats_sends_one_repeat_with_the_highest_number() -> None:
    seat = replace(seat_at(sh(16, 10)), level=2, reminded=True)
    new, actions = step(seat, POLICY, sh(16, 11, 45))
    assert actions == [Repeat("sales", 2, MANAGER)]
    assert new.repeats == 2
    assert due_at(new, POLICY) == sh(16, 12, 0)


def test_late_reminder_reports_the_time_actually_left() -> None:
    new, actions = step(seat_at(sh(16, 10)), POLICY, sh(16, 10, 12))
    assert actions == [Remind("sales", left=3 * M)]
    assert new.reminded is True


def test_missed_reminder_is_not_sent_once_a_level_is_due() -> None:
    new, actions = step(seat_at(sh(16, 10)), POLICY, sh(16, 10, 20))
    assert actions == [Escalate("sales", 1, LEAD)]
    assert (new.level, new.reminded) == (1, True)
    assert due_at(new, POLICY) == sh(16, 10, 30)


@pytest.mark.parametrize("remind_before", [None, timedelta(minutes=15), timedelta(minutes=20)])
def test_no_reminder_when_disabled_or_not_shorter_than_the_window(
    remind_before: timedelta | None,
) -> None:
    policy = CirclePolicy(remind_before=remind_before)
    seat = seat_at(sh(16, 10))
    assert due_at(seat, policy) == sh(16, 10, 15)
    assert step(seat, policy, sh(16, 10, 14)) == (seat, [])


def test_policy_without_levels_only_reminds() -> None:
    policy = CirclePolicy(levels=())
    seat, actions = step(seat_at(sh(16, 10)), policy, sh(16, 10, 10))
    assert actions == [Remind("sales", left=5 * M)]
    assert due_at(seat, policy) is None


def test_window_spilling_over_the_night() -> None:
    # Opened 17:50: the reminder falls exactly at closing time, level 1 the next morning.
    log = tick_every_minute(seat_at(sh(16, 17, 50)), POLICY, sh(16, 17, 50), sh(17, 10))
    assert log[:3] == [
        (sh(16, 18, 0), Remind("sales", left=5 * M)),
        (sh(17, 9, 5), Escalate("sales", 1, LEAD)),
        (sh(17, 9, 20), Escalate("sales", 2, MANAGER)),
    ]


def test_window_deadline_and_time_left() -> None:
    seat = seat_at(sh(16, 10))
    assert window_deadline(seat, POLICY) == sh(16, 10, 15)
    assert time_left(seat, POLICY, sh(16, 10, 5)) == 10 * M
    assert time_left(seat, POLICY, sh(16, 10, 20)) == -5 * M
    overnight = seat_at(sh(16, 17, 55))
    assert window_deadline(overnight, POLICY) == sh(17, 9, 10)
    # 18:30 is after hours: the 10 minutes left are tomorrow's first 10.
    assert time_left(overnight, POLICY, sh(16, 18, 30)) == 10 * M
    assert time_left(answer(seat), POLICY, sh(16, 10, 5)) is None
    assert time_left(acknowledge(seat, sh(16, 10, 1)), POLICY, sh(16, 10, 5)) is None


# --------------------------------------------------------------------------------------------
# Business time


def test_opened_friday_evening_is_due_monday_morning() -> None:
    assert window_deadline(seat_at(sh(13, 17, 55)), POLICY) == sh(16, 9, 10)


def test_opened_saturday_night_is_due_monday_morning() -> None:
    assert business_add(sh(14, 23), 15 * M, POLICY) == sh(16, 9, 15)


def test_opened_weekday_night_is_due_next_morning() -> None:
    assert business_add(sh(16, 23), 15 * M, POLICY) == sh(17, 9, 15)
    # Before opening on the same day counts from that day's opening.
    assert business_add(sh(17, 6), 15 * M, POLICY) == sh(17, 9, 15)


def test_monday_holiday_pushes_to_tuesday() -> None:
    policy = CirclePolicy(holidays=frozenset({date(2026, 3, 16)}))
    assert business_add(sh(14, 23), 15 * M, policy) == sh(17, 9, 15)
    assert business_add(sh(13, 17, 55), 15 * M, policy) == sh(17, 9, 10)
    assert is_open(sh(16, 10), policy) is False


def test_holidays_on_both_sides_of_a_weekend() -> None:
    # Friday 3 April and Monday 6 April 2026 off: Thursday 17:55 + 15m is Tuesday 09:10.
    policy = CirclePolicy(holidays=frozenset({date(2026, 4, 3), date(2026, 4, 6)}))
    assert business_add(sh(2, 17, 55, month=4), 15 * M, policy) == sh(7, 9, 10, month=4)
    assert business_between(sh(2, 17, 55, month=4), sh(7, 9, 10, month=4), policy) == 15 * M


def test_span_ending_exactly_at_closing_time_returns_closing_time() -> None:
    assert business_add(sh(16, 17, 45), 15 * M, POLICY) == sh(16, 18)
    assert business_add(sh(16, 17, 45), 16 * M, POLICY) == sh(17, 9, 1)
    # A whole business week from Monday opening ends on Friday at closing time.
    assert business_add(sh(16, 9), timedelta(hours=45), POLICY) == sh(20, 18)


def test_zero_span_is_the_next_opening() -> None:
    assert business_add(sh(16, 10), timedelta(0), POLICY) == sh(16, 10)
    assert business_add(sh(14, 12), timedelta(0), POLICY) == sh(16, 9)


def test_negative_span_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        business_add(sh(16, 10), -M, POLICY)


def test_is_open_and_next_open() -> None:
    assert is_open(sh(16, 9), POLICY) is True
    assert is_open(sh(16, 17, 59), POLICY) is True
    assert is_open(sh(16, 18), POLICY) is False  # closing time is closed
    assert is_open(sh(16, 8, 59), POLICY) is False
    assert is_open(sh(14, 12), POLICY) is False
    assert next_open(sh(16, 10, 30), POLICY) == sh(16, 10, 30)
    assert next_open(sh(16, 18), POLICY) == sh(17, 9)
    assert next_open(sh(13, 18, 30), POLICY) == sh(16, 9)
    assert next_open(sh(16, 10, 30), POLICY).tzinfo is UTC


def test_business_between_across_a_night_and_reversed() -> None:
    assert business_between(sh(16, 17, 30), sh(17, 9, 30), POLICY) == timedelta(hours=1)
    assert business_between(sh(17, 9, 30), sh(16, 17, 30), POLICY) == -timedelta(hours=1)
    assert business_between(sh(13, 17), sh(16, 10), POLICY) == timedelta(hours=2)
    assert business_between(sh(14, 10), sh(15, 10), POLICY) == timedelta(0)
    assert business_between(sh(16, 10), sh(16, 10), POLICY) == timedelta(0)


def test_business_between_inverts_business_add() -> None:
    for start in (sh(13, 17, 55), sh(14, 23), sh(16, 8), sh(16, 12, 7)):
        for minutes in (1, 15, 60, 540, 541, 3000):
            end = business_add(start, minutes * M, POLICY)
            assert business_between(start, end, POLICY) == minutes * M


def test_hours_none_means_the_clock_always_runs() -> None:
    # Holidays only close days inside business hours; with no hours the clock never stops.
    policy = CirclePolicy(hours=None, holidays=frozenset({date(2026, 3, 14)}))
    assert is_open(sh(14, 23), policy) is True
    assert next_open(sh(14, 23), policy) == sh(14, 23)
    assert business_add(sh(14, 23), 15 * M, policy) == sh(14, 23, 15)
    assert business_between(sh(13, 17, 55), sh(16, 9, 10), policy) == timedelta(
        hours=63, minutes=15
    )
    _, actions = step(seat_at(sh(14, 23)), policy, sh(14, 23, 15))
    assert actions == [Escalate("sales", 1, LEAD)]


def test_dst_spring_forward_keeps_local_opening_time() -> None:
    # Europe/Berlin moves to summer time on Sunday 29 March 2026.
    policy = CirclePolicy(timezone="Europe/Berlin")
    due = business_add(berlin(3, 27, 17, 55), 15 * M, policy)
    assert due == berlin(3, 30, 9, 10)
    assert due == datetime(2026, 3, 30, 7, 10, tzinfo=UTC)  # CEST, not 08:10 UTC
    assert next_open(berlin(3, 29, 12), policy) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert business_between(berlin(3, 27, 17), berlin(3, 30, 10), policy) == timedelta(hours=2)


def test_dst_fall_back_keeps_local_opening_time() -> None:
    # Back to winter time on Sunday 25 October 2026.
    policy = CirclePolicy(timezone="Europe/Berlin")
    assert next_open(berlin(10, 24, 12), policy) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    assert business_add(berlin(10, 23, 17, 30), timedelta(hours=1), policy) == berlin(10, 26, 9, 30)


def test_hours_are_read_in_the_policy_zone_whatever_zone_the_input_has() -> None:
    monday_ten_utc = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert business_add(monday_ten_utc, 15 * M, POLICY) == sh(16, 10, 15)
    assert is_open(datetime(2026, 3, 16, 11, 0, tzinfo=UTC), POLICY) is False  # 19:00 there


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 16, 10, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_add(naive, M, POLICY)
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(naive, POLICY)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_between(sh(16, 10), naive, POLICY)
    with pytest.raises(ValueError, match="timezone-aware"):
        step(seat_at(sh(16, 10)), POLICY, naive)
    with pytest.raises(ValueError, match="started_at must be timezone-aware"):
        due_at(SeatState("sales", naive), POLICY)
    with pytest.raises(ValueError, match="snoozed_until must be timezone-aware"):
        step(snooze(seat_at(sh(16, 10)), naive), POLICY, sh(16, 11))


def test_policy_with_no_working_day_raises_instead_of_looping() -> None:
    policy = CirclePolicy(hours=Hours(frozenset(), time(9), time(18)))
    with pytest.raises(ValueError, match="business hours have no working day"):
        business_add(sh(16, 10), M, policy)
    with pytest.raises(ValueError, match="business hours have no working day"):
        next_open(sh(16, 10), policy)
    assert is_open(sh(16, 10), policy) is False


def test_a_year_of_holidays_and_long_spans_stay_exact() -> None:
    # Every day of 2027 off: from New Year's Eve closing the next working minute is Monday
    # 3 January 2028 (1 January 2028 is a Saturday).
    holidays = frozenset(date(2027, 1, 1) + timedelta(days=i) for i in range(365))
    policy = CirclePolicy(holidays=holidays)
    assert business_add(sh(31, 18, month=12), 15 * M, policy) == sh(3, 9, 15, month=1, year=2028)
    # 52 weeks of 45 business hours from Monday opening end on a Friday at closing time.
    end = business_add(sh(16, 9), timedelta(hours=45 * 52), POLICY)
    assert end == sh(12, 18, year=2027)
    assert business_between(sh(16, 9), end, POLICY) == timedelta(hours=45 * 52)


# --------------------------------------------------------------------------------------------
# Snooze, acknowledge, answer, reopen, close


def test_snooze_until_a_wall_time_then_the_clock_restarts() -> None:
    seat = snooze(seat_at(sh(16, 10)), sh(16, 14))
    assert (seat.status, due_at(seat, POLICY)) == ("snoozed", sh(16, 14))
    assert step(seat, POLICY, sh(16, 13, 59)) == (seat, [])
    new, actions = step(seat, POLICY, sh(16, 14))
    assert actions == [Unsnooze("sales")]
    assert new == SeatState("sales", started_at=sh(16, 14))
    assert due_at(new, POLICY) == sh(16, 14, 10)


def test_snooze_ending_after_hours_restarts_at_the_next_opening() -> None:
    seat = snooze(seat_at(sh(16, 10)), sh(16, 20))
    new, actions = step(seat, POLICY, sh(16, 20))
    assert actions == [Unsnooze("sales")]
    assert new.started_at == sh(16, 20)
    assert window_deadline(new, POLICY) == sh(17, 9, 15)
    assert due_at(new, POLICY) == sh(17, 9, 10)


def test_late_unsnooze_escalates_in_the_same_step() -> None:
    seat = snooze(seat_at(sh(16, 10)), sh(16, 14))
    new, actions = step(seat, POLICY, sh(16, 14, 20))
    assert actions == [Unsnooze("sales"), Escalate("sales", 1, LEAD)]
    assert new.started_at == sh(16, 14)
    assert (new.status, new.level, new.reminded) == ("waiting", 1, True)


def test_acknowledge_pauses_then_rearms_after_sixty_business_minutes() -> None:
    seat = acknowledge(seat_at(sh(16, 10)), sh(16, 10, 5))
    assert (seat.status, seat.acknowledged_at) == ("acknowledged", sh(16, 10, 5))
    assert due_at(seat, POLICY) == sh(16, 11, 5)
    assert step(seat, POLICY, sh(16, 11, 4)) == (seat, [])
    log = tick_every_minute(seat, POLICY, sh(16, 10, 5), sh(16, 11, 40))
    # The clock restarts from the rearm moment: reminder 11:15, levels 11:20 and 11:35.
    assert log == [
        (sh(16, 11, 5), Rearm("sales")),
        (sh(16, 11, 15), Remind("sales", left=5 * M)),
        (sh(16, 11, 20), Escalate("sales", 1, LEAD)),
        (sh(16, 11, 35), Escalate("sales", 2, MANAGER)),
    ]


def test_rearm_counts_business_time() -> None:
    seat = acknowledge(seat_at(sh(16, 17)), sh(16, 17, 30))
    assert due_at(seat, POLICY) == sh(17, 9, 30)
    new, actions = step(seat, POLICY, sh(17, 9, 30))
    assert actions == [Rearm("sales")]
    assert new == SeatState("sales", started_at=sh(17, 9, 30))


def test_rearm_after_a_long_outage_gives_at_most_one_escalation() -> None:
    seat = acknowledge(replace(seat_at(sh(16, 10)), level=1, reminded=True), sh(16, 10, 16))
    new, actions = step(seat, POLICY, sh(17, 12))
    assert actions == [Rearm("sales"), Escalate("sales", 2, MANAGER, skipped=(1,))]
    assert new.started_at == sh(16, 11, 16)
    assert (new.level, new.repeats, new.acknowledged_at) == (2, 3, None)
    assert due_at(new, POLICY) is None


def test_acknowledge_without_rearm_waits_until_answered() -> None:
    policy = CirclePolicy(ack_rearm=None)
    seat = acknowledge(seat_at(sh(16, 10)), sh(16, 10, 5))
    assert due_at(seat, policy) is None
    assert step(seat, policy, sh(30, 10)) == (seat, [])


def test_answer_stops_the_clock_for_good() -> None:
    seat = answer(seat_at(sh(16, 10)))
    assert seat.status == "answered"
    assert due_at(seat, POLICY) is None
    assert step(seat, POLICY, sh(20, 10)) == (seat, [])
    assert acknowledge(seat, sh(16, 11)) is seat
    assert snooze(seat, sh(16, 11)) is seat


def test_answer_during_a_pause_also_stops_it() -> None:
    seat = answer(acknowledge(seat_at(sh(16, 10)), sh(16, 10, 5)))
    assert seat.status == "answered"
    assert step(seat, POLICY, sh(16, 12)) == (seat, [])


def test_reopen_starts_over_from_any_status() -> None:
    done = answer(replace(seat_at(sh(16, 10)), level=2, repeats=3, reminded=True))
    again = reopen(done, sh(17, 11))
    assert again == SeatState("sales", started_at=sh(17, 11))
    assert due_at(again, POLICY) == sh(17, 11, 10)
    assert reopen(close(done), sh(17, 11)) == again


def test_close_is_final_until_reopened() -> None:
    seat = close(seat_at(sh(16, 10)))
    assert seat.status == "closed"
    assert due_at(seat, POLICY) is None
    assert step(seat, POLICY, sh(20, 10)) == (seat, [])
    assert answer(seat) is seat
    assert acknowledge(seat, sh(16, 11)) is seat
    assert snooze(seat, sh(16, 11)) is seat


def test_seat_state_refuses_inconsistent_data() -> None:
    with pytest.raises(ValueError, match="status"):
        SeatState("sales", sh(16, 10), status="asleep")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="acknowledged_at"):
        SeatState("sales", sh(16, 10), status="acknowledged")
    with pytest.raises(ValueError, match="snoozed_until"):
        SeatState("sales", sh(16, 10), status="snoozed")
    with pytest.raises(ValueError, match="level"):
        SeatState("sales", sh(16, 10), level=-1)


def test_case_ready() -> None:
    waiting = seat_at(sh(16, 10))
    done = answer(waiting)
    assert case_ready([]) is False
    assert case_ready([done]) is True
    assert case_ready([done, close(seat_at(sh(16, 10), "legal"))]) is True
    assert case_ready([done, waiting]) is False
    assert case_ready([done, acknowledge(waiting, sh(16, 10, 1))]) is False
    assert case_ready([done, snooze(waiting, sh(16, 12))]) is False


# --------------------------------------------------------------------------------------------
# The tick guarantee, over a grid


GRID_POLICIES = [
    POLICY,
    CirclePolicy(hours=None),
    CirclePolicy(timezone="Europe/Berlin", holidays=frozenset({date(2026, 3, 30)})),
    CirclePolicy(
        remind_before=None,
        levels=(
            Level(timedelta(0), ("owner",)),
            Level(10 * M, ("lead",)),
            Level(45 * M, ("manager", "team")),
        ),
        repeat_every=7 * M,
        repeat_times=5,
        ack_rearm=20 * M,
    ),
]


def grid_seats() -> list[SeatState]:
    seats: list[SeatState] = []
    for start in (sh(13, 17, 55), sh(14, 23), sh(16, 10), sh(16, 17, 50), sh(29, 8, 3)):
        fresh = seat_at(start)
        seats.append(fresh)
        seats.append(acknowledge(fresh, start + 4 * M))
        seats.append(snooze(fresh, start + timedelta(hours=3, minutes=7)))
        seats.append(replace(fresh, level=1, reminded=True))
    return seats


@pytest.mark.parametrize("policy", GRID_POLICIES, ids=["default", "always", "berlin", "custom"])
def test_after_step_nothing_is_due_at_or_before_now(policy: CirclePolicy) -> None:
    # Friday afternoon to Tuesday morning in odd steps, then Sunday 29 March to Tuesday
    # around the Berlin DST change and the Monday holiday of the "berlin" policy.
    nows = [sh(13, 17) + i * timedelta(minutes=31) for i in range(170)]
    nows += [sh(29, 6) + i * timedelta(minutes=19) for i in range(150)]
    for seat in grid_seats():
        for now in nows:
            new, actions = step(seat, policy, now)
            next_due = due_at(new, policy)
            assert next_due is None or next_due > now, (seat, now)
            # Stepping again at the same moment must be a no-op.
            assert step(new, policy, now) == (new, [])
            if not actions:
                assert new is seat
            # One ping of each kind at most, whatever the outage.
            kinds = [type(a) for a in actions]
            assert len(kinds) == len(set(kinds))
            assert not (Escalate in kinds and Repeat in kinds)
            assert not (Escalate in kinds and Remind in kinds)


@pytest.mark.parametrize("policy", GRID_POLICIES, ids=["default", "always", "berlin", "custom"])
def test_due_at_is_exactly_when_step_acts(policy: CirclePolicy) -> None:
    for seat in grid_seats():
        state = seat
        for _ in range(20):
            moment = due_at(state, policy)
            if moment is None:
                break
            assert step(state, policy, moment - timedelta(microseconds=1)) == (state, [])
            state, actions = step(state, policy, moment)
            assert actions, (seat, moment)
        else:
            pytest.fail(f"due_at never ran out for {seat}")


def test_ticking_every_minute_and_one_big_jump_end_in_the_same_place() -> None:
    seat = seat_at(sh(16, 10))
    ticked = seat
    now = sh(16, 10)
    while now <= sh(16, 13):
        ticked, _ = step(ticked, POLICY, now)
        now += M
    jumped, _ = step(seat, POLICY, sh(16, 13))
    assert ticked == jumped


# --------------------------------------------------------------------------------------------
# Policy snapshot


def test_default_policy_round_trips_through_json() -> None:
    data = POLICY.to_json()
    assert data == {
        "window_seconds": 900,
        "remind_before_seconds": 300,
        "levels": [
            {"after_seconds": 900, "notify": ["lead"]},
            {"after_seconds": 1800, "notify": ["manager", "channel"]},
        ],
        "repeat_every_seconds": 1800,
        "repeat_times": 3,
        "ack_rearm_seconds": 3600,
        "timezone": "Asia/Shanghai",
        "hours": {"days": [0, 1, 2, 3, 4], "start": "09:00:00", "end": "18:00:00"},
        "holidays": [],
    }
    assert CirclePolicy.from_json(json.loads(json.dumps(data))) == POLICY


def test_custom_policy_round_trips_through_json() -> None:
    policy = CirclePolicy(
        window=timedelta(minutes=20),
        remind_before=None,
        levels=(Level(timedelta(0), ("owner",)), Level(timedelta(hours=2), ("team", "channel"))),
        repeat_every=timedelta(hours=1, seconds=1),
        repeat_times=0,
        ack_rearm=None,
        timezone="Europe/Berlin",
        hours=Hours(frozenset({5, 0, 2}), time(8, 30, 15), time(17, 45)),
        holidays=frozenset({date(2026, 12, 25), date(2026, 1, 1)}),
    )
    data = policy.to_json()
    assert data["hours"]["days"] == [0, 2, 5]
    assert data["holidays"] == ["2026-01-01", "2026-12-25"]
    assert CirclePolicy.from_json(json.loads(json.dumps(data))) == policy
    always = CirclePolicy(hours=None)
    assert always.to_json()["hours"] is None
    assert CirclePolicy.from_json(always.to_json()) == always


def test_missing_keys_take_the_defaults() -> None:
    assert CirclePolicy.from_json({}) == POLICY
    assert CirclePolicy.from_json({"repeat_times": 1}) == replace(POLICY, repeat_times=1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "must be an object"),
        ({"windw_seconds": 900}, "unknown key.*windw_seconds"),
        ({"window_seconds": "900"}, "window_seconds must be a whole number"),
        ({"window_seconds": 0}, "window must be longer than zero"),
        ({"remind_before_seconds": -5}, "remind_before must be longer than zero"),
        ({"repeat_times": True}, "repeat_times must be a whole number"),
        ({"repeat_times": -1}, "repeat_times must be a whole number, 0 or more"),
        ({"levels": {"after_seconds": 60}}, "levels must be a list"),
        ({"levels": [{"after_seconds": 60}]}, r"levels\[0\] needs after_seconds and notify"),
        ({"levels": [{"after_seconds": 60, "notify": ["boss"]}]}, "unknown target"),
        ({"levels": [{"after_seconds": 60, "notify": []}]}, "at least one target"),
        (
            {
                "levels": [
                    {"after_seconds": 600, "notify": ["lead"]},
                    {"after_seconds": 300, "notify": ["manager"]},
                ]
            },
            r"levels\[1\].after .* must be later",
        ),
        ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"timezone": 8}, "timezone must be a string"),
        ({"hours": "9-6"}, "hours must be an object or null"),
        ({"hours": {"days": [0], "start": "09:00"}}, "hours needs end"),
        ({"hours": {"days": [7], "start": "09:00", "end": "18:00"}}, "weekday numbers"),
        ({"hours": {"days": [0], "start": "18:00", "end": "09:00"}}, "must be after start"),
        ({"hours": {"days": [0], "start": "9am", "end": "18:00"}}, "hours.start must be a time"),
        ({"holidays": ["2026-13-01"]}, r"holidays\[0\] must be a date"),
        ({"holidays": "2026-10-01"}, "holidays must be a list"),
    ],
)
def test_from_json_rejects_bad_data_clearly(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CirclePolicy.from_json(data)


def test_policy_refuses_sub_second_durations() -> None:
    # They could not be stored in the JSON snapshot exactly.
    with pytest.raises(ValueError, match="whole seconds"):
        CirclePolicy(window=timedelta(minutes=15, microseconds=1))


# --------------------------------------------------------------------------------------------
# Who sits in a case

RULES = {
    "sales": SeatRule(from_stage="early"),
    "finance": SeatRule(from_stage="early"),
    "legal": SeatRule(from_stage="mid", on_dispute=True),
}


@pytest.mark.parametrize(
    ("trigger", "stage", "disputed", "expected"),
    [
        ("stage", "early", False, ["sales", "finance"]),
        ("stage", "mid", False, ["sales", "finance", "legal"]),
        ("stage", "late", False, ["sales", "finance", "legal"]),
        ("broken_promise", "early", False, ["sales", "finance"]),
        ("manual", "mid", False, ["sales", "finance", "legal"]),
        ("dispute", "early", False, ["sales", "finance", "legal"]),
        ("stage", "early", True, ["sales", "finance", "legal"]),
        ("limitation", "early", False, ["legal"]),
        # Nobody sits from pre_due on: the teams seated earliest still have to look.
        ("stage", "pre_due", False, ["sales", "finance"]),
    ],
)
def test_seat_teams_with_the_default_rules(
    trigger: str, stage: str, disputed: bool, expected: list[str]
) -> None:
    assert seat_teams(trigger, stage, RULES, disputed=disputed) == expected


def test_seat_teams_follows_the_order_of_the_rules() -> None:
    rules = {"legal": SeatRule("mid"), "sales": SeatRule("early")}
    assert seat_teams("stage", "late", rules) == ["legal", "sales"]


def test_seat_teams_dispute_only_adds_teams_that_sit_on_disputes() -> None:
    rules = {"sales": SeatRule("mid", on_dispute=False), "legal": SeatRule("late")}
    assert seat_teams("dispute", "early", rules) == ["legal"]
    assert seat_teams("stage", "early", {"sales": SeatRule("mid", on_dispute=False)}) == ["sales"]


def test_seat_teams_limitation_without_a_legal_team() -> None:
    rules = {"sales": SeatRule("early"), "finance": SeatRule("late")}
    assert seat_teams("limitation", "early", rules) == ["sales", "finance"]
    assert seat_teams(
        "limitation", "early", {**rules, "law": SeatRule("late")}, legal_team="law"
    ) == ["law"]


def test_seat_teams_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="'overdue'"):
        seat_teams("stage", "overdue", RULES)
    with pytest.raises(ValueError, match="'phone_call'"):
        seat_teams("phone_call", "early", RULES)
    with pytest.raises(ValueError, match="'soon'"):
        SeatRule(from_stage="soon")
    with pytest.raises(ValueError, match="no team"):
        seat_teams("stage", "early", {})
    assert STAGE_ORDER == ("pre_due", "early", "mid", "late")

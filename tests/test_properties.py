"""Property-based tests (hypothesis): the command parser, the importer's date and amount
parsing, and the circle's state machine, over inputs no table of examples would think of.

Each property is what a user relies on: any text gets an answer or a usage line (never an
exception), a date or amount written in any supported layout reads back as itself, and no
sequence of ticks, answers, acknowledgements and snoozes makes a seat escalate twice or
never.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.router import split_args
from playbook.circle import (
    CirclePolicy,
    Escalate,
    Hours,
    Repeat,
    SeatState,
    acknowledge,
    answer,
    due_at,
    snooze,
    step,
    window_deadline,
)
from storage.ledger_amounts import parse_amount
from storage.ledger_cell import ParseError
from storage.ledger_dates import parse_date

# --- the command parser -------------------------------------------------------------------

# The parser reads curly and corner quotes as quotes and drops a byte-order mark (some
# Windows clients paste one in front of the text), so a plain word holds none of them.
_WORD = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=12,
).filter(lambda w: not set(w) & set("\"'\\“”‘’「」\ufeff"))


@given(st.lists(_WORD, max_size=8))
def test_words_without_quotes_split_back_into_themselves(words: list[str]) -> None:
    assert split_args(" ".join(words)) == words


@given(st.lists(_WORD, min_size=1, max_size=5))
def test_a_quoted_phrase_stays_one_argument(words: list[str]) -> None:
    phrase = " ".join(words)
    assert split_args(f'input 3 "{phrase}" done') == ["input", "3", phrase, "done"]


@given(st.text(max_size=200))
def test_any_text_splits_without_raising(text: str) -> None:
    args = split_args(text)
    assert all(isinstance(a, str) for a in args)


# --- dates --------------------------------------------------------------------------------

_DATES = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _layouts(d: date) -> list[str]:
    """Every layout the importer reads without being told the format (README "Importing")."""
    return [
        d.isoformat(),
        f"{d.year}/{d.month}/{d.day}",
        f"{d.month}/{d.day}/{d.year}",  # slashes: US month first
        f"{d.day:02d}-{d.month:02d}-{d.year}",  # dashes and dots: day first
        f"{d.day:02d}.{d.month:02d}.{d.year}",
        f"{d.year}年{d.month}月{d.day}日",
        f"{d.year}{d.month:02d}{d.day:02d}",
        f"{d.day}-{_MONTHS[d.month - 1]}-{d.year}",
        f"{_MONTHS[d.month - 1]} {d.day}, {d.year}",
        f"{d.isoformat()}T08:30:00+08:00",
    ]


@given(_DATES)
def test_a_date_in_any_supported_layout_reads_back_as_itself(d: date) -> None:
    for text in _layouts(d):
        assert parse_date(text) == d, text


@given(_DATES, st.sampled_from(["%d/%m/%Y", "%Y-%m-%d", "%m-%d-%Y", "%d.%m.%y"]))
def test_an_explicit_format_reads_its_own_output(d: date, fmt: str) -> None:
    assume(fmt != "%d.%m.%y" or 1969 <= d.year <= 2068)  # strptime's two-digit year pivot
    assert parse_date(d.strftime(fmt), fmt) == d


@given(st.text(max_size=40))
def test_any_date_cell_is_a_date_blank_or_a_reason(text: str) -> None:
    try:
        result = parse_date(text)
    except ParseError as exc:
        assert str(exc)  # the reason the row's error line shows
    else:
        assert result is None or isinstance(result, date)


# --- amounts ------------------------------------------------------------------------------

_AMOUNTS = st.decimals(
    min_value=Decimal("-999999999999.99"),
    max_value=Decimal("999999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


def _grouped(value: Decimal, sep: str = ",", point: str = ".") -> str:
    whole, frac = f"{abs(value):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return sep.join(groups) + point + frac


@given(_AMOUNTS)
def test_an_amount_in_any_supported_layout_reads_back_exactly(value: Decimal) -> None:
    sign = "-" if value < 0 else ""
    plain = f"{value:.2f}"
    cases: list[tuple[str, Decimal, str | None, bool]] = [
        (plain, value, None, False),
        (sign + _grouped(value), value, None, False),
        (f"USD {sign}{_grouped(value)}", value, "USD", False),
        (f"{sign}{_grouped(value, '.', ',')}", value, None, True),  # 1.234,56
        (f"{sign}{_grouped(value)} 元", value, "CNY", False),
    ]
    if value < 0:
        cases.append((f"({_grouped(value)})", value, None, False))  # accountants' negative
    full_width = plain.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    cases.append((full_width, value, None, False))
    for text, expected, currency, decimal_comma in cases:
        got, named = parse_amount(text, decimal_comma=decimal_comma)
        assert (got, named) == (expected, currency), text
        assert isinstance(got, Decimal)


@given(st.text(max_size=40), st.booleans())
def test_any_amount_cell_is_an_exact_amount_or_a_reason(text: str, decimal_comma: bool) -> None:
    try:
        value, _currency = parse_amount(text, decimal_comma=decimal_comma)
    except ParseError as exc:
        assert str(exc)
    else:
        assert isinstance(value, Decimal) and value.is_finite()


# --- the circle's state machine -----------------------------------------------------------

START = datetime(2026, 3, 16, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
POLICIES = st.sampled_from(
    [
        CirclePolicy(hours=None),
        CirclePolicy(),  # working hours 09:00-18:00 Monday to Friday, Shanghai
        CirclePolicy(
            hours=Hours(frozenset({0, 1, 2, 3, 4, 5}), time(8, 30), time(12, 0)),
            remind_before=None,
            repeat_times=0,
            ack_rearm=None,
        ),
    ]
)
# What may happen to a seat between two ticks.
EVENTS = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=6 * 3600),  # seconds until the next tick
        st.sampled_from(["tick", "tick", "tick", "ack", "snooze", "answer"]),
        st.integers(min_value=60, max_value=4 * 3600),  # a snooze's length
    ),
    max_size=40,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(POLICIES, EVENTS)
def test_no_sequence_fires_a_level_twice_and_answered_seats_stay_quiet(
    policy: CirclePolicy, events: list[tuple[int, str, int]]
) -> None:
    seat = SeatState(team="sales", started_at=START)
    now = START
    fired: list[int] = []  # escalation levels sent since the clock last (re)started
    repeats: list[int] = []
    for gap, event, length in events:
        now += timedelta(seconds=gap)
        before = seat
        seat, actions = step(seat, policy, now)
        # Acting again at the same moment does nothing: a retried tick never double-sends.
        assert step(seat, policy, now) == (seat, [])
        # After a step, nothing is due at or before now.
        nxt = due_at(seat, policy)
        assert nxt is None or nxt > now
        if before.status in ("answered", "closed"):
            assert actions == []
        for action in actions:
            if isinstance(action, Escalate):
                sent = [*action.skipped, action.level]
                assert not set(sent) & set(fired), "a level fired twice"
                fired.extend(sent)
            elif isinstance(action, Repeat):
                assert action.n not in repeats, "a repeat fired twice"
                repeats.append(action.n)
            else:  # Rearm / Unsnooze restart the clock: the levels may fire again
                fired.clear()
                repeats.clear()
        if event == "ack":
            seat = acknowledge(seat, now)
        elif event == "snooze":
            seat = snooze(seat, now + timedelta(seconds=length))
        elif event == "answer":
            seat = answer(seat)
        if seat.status == "waiting" and seat.level == 0 and before.status != "waiting":
            fired.clear()
            repeats.clear()


@settings(max_examples=200)
@given(POLICIES, st.lists(st.integers(min_value=1, max_value=3 * 3600), max_size=30))
def test_an_unanswered_seat_always_escalates_to_every_level(
    policy: CirclePolicy, gaps: list[int]
) -> None:
    seat = SeatState(team="legal", started_at=START)
    now = START
    levels: set[int] = set()
    for gap in gaps:
        now += timedelta(seconds=gap)
        seat, actions = step(seat, policy, now)
        for a in actions:
            if isinstance(a, Escalate):
                levels.update((*a.skipped, a.level))
    # However the ticks fell, one tick after the last level is due has sent every level.
    last = due_at(replace(seat, level=len(policy.levels) - 1, repeats=0), policy)
    assert last is not None
    final = max(now, last) + timedelta(seconds=1)
    seat, actions = step(seat, policy, final)
    for a in actions:
        if isinstance(a, Escalate):
            levels.update((*a.skipped, a.level))
    assert levels == set(range(1, len(policy.levels) + 1))
    assert window_deadline(seat, policy) <= final

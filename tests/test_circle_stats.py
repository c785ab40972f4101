"""The circle's scorecard over a hand-built day of circle history.

The fake clock starts on Monday 2026-03-16 at 10:00 in Shanghai (02:00 UTC); "the day" is
Shanghai's 2026-03-16, [2026-03-15 16:00 UTC, 2026-03-16 16:00 UTC). Runs on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.circle_env import circle_env
from storage.circle_stats import Scorecard, Waiting, scorecard
from storage.queries import sync_people
from tests.test_circle import World, world  # noqa: F401  (the fixture)

DAY_START = datetime(2026, 3, 15, 16, 0, tzinfo=UTC)
DAY_END = DAY_START + timedelta(days=1)


def card(w: World, start: datetime = DAY_START, end: datetime = DAY_END) -> Scorecard:
    with w.db.engine.connect() as conn:
        return scorecard(conn, start, end, w.clock.now(), contacts=circle_env(w.config).teams)


async def test_a_day_of_the_circle(world: World) -> None:  # noqa: F811
    # 10:00 the scan opens case 1 (Northwind, mid stage): sales, finance and legal sit in it.
    world.scan()
    # 10:05 finance answers: 5 minutes, within the 15-minute window.
    world.advance(minutes=5)
    await world.say("li.na", "/ar input 1 finance statement sent")
    # 10:10 reminders; 10:15 the window is over: level 1 for sales and legal.
    world.advance(minutes=5)
    world.tick()
    world.advance(minutes=5)
    world.tick()
    # 10:20 sales answers, 20 minutes after it was asked and after its escalation.
    world.advance(minutes=5)
    await world.say("wang.wei", "/ar input 1 sales customer agrees")
    # 10:45 level 2 for legal (30 minutes); legal still has not answered.
    world.advance(minutes=25)
    world.tick()
    # 10:50 a manual case for Acme: its seats wait, nobody chased yet.
    world.advance(minutes=5)
    await world.say("tom.baker", "/ar open Acme")
    world.advance(minutes=2)  # 10:52

    sc = card(world)
    assert (sc.opened, sc.closed) == (2, 0)
    finance, legal, sales = sc.teams["finance"], sc.teams["legal"], sc.teams["sales"]
    # finance: 1 seat judged (answered 10:05 before any escalation) → 1/1 in the window.
    assert (finance.seats, finance.in_window, finance.share) == (1, 1, Decimal(1))
    assert finance.median_answer == finance.p90_answer == timedelta(minutes=5)
    assert finance.escalations == {}
    # sales: judged at 10:15 when level 1 fired → 0/1; its answer took 20 minutes.
    assert (sales.seats, sales.in_window, sales.share) == (1, 0, Decimal(0))
    assert sales.median_answer == sales.p90_answer == timedelta(minutes=20)
    assert sales.escalations == {1: 1}
    # legal: judged at 10:15, no answer, so no answer times; level 1 then level 2.
    assert (legal.seats, legal.in_window, legal.share) == (1, 0, Decimal(0))
    assert legal.median_answer is None and legal.p90_answer is None
    assert legal.escalations == {1: 1, 2: 1}
    # Waiting now: legal on Northwind, last chased at level 2 (the manager, liu.yang).
    northwind = [w for w in legal.waiting if w.case_id == 1]
    assert northwind == [
        Waiting(
            1,
            "Northwind Trading",
            ("liu.yang",),
            since=datetime(2026, 3, 16, 2, tzinfo=UTC),
            level=2,
        )
    ]
    # Acme's seats were opened at 10:50 and not chased: level 1 would ping each team's lead.
    acme = [(team, w.who) for team, s in sc.teams.items() for w in s.waiting if w.case_id == 2]
    leads = {"sales": ("wang.wei",), "finance": ("li.na",), "legal": ("zhao.yun",)}
    assert acme and all(who == leads[team] for team, who in acme)
    assert all(
        w.level == 0 and w.customer == "Acme Tools"
        for s in sc.teams.values()
        for w in s.waiting
        if w.case_id == 2
    )


async def test_a_round_counts_once_in_the_period_its_fate_was_sealed(world: World) -> None:  # noqa: F811
    # Asked at 10:00, escalated at 10:15 on Monday; answered on Tuesday at 10:15.
    world.scan()
    world.advance(minutes=15)
    world.tick()
    world.advance(hours=24)
    await world.say("wang.wei", "/ar input 1 sales called them")
    monday = card(world)
    tuesday = card(world, DAY_END, DAY_END + timedelta(days=1))
    assert (monday.teams["sales"].seats, monday.teams["sales"].median_answer) == (1, None)
    # On Tuesday the seat is not judged again, but its answer time is measured there: one
    # working day (09:00-18:00) is 9 hours, so Monday 10:00 to Tuesday 10:15 is 9 h 15 min of
    # business time (the night does not count).
    t = tuesday.teams["sales"]
    assert (t.seats, t.share) == (0, None)
    assert t.median_answer == timedelta(hours=9, minutes=15)
    assert tuesday.opened == 0 and tuesday.teams["sales"].escalations == {}


async def test_without_the_config_the_person_table_names_the_leads(world: World) -> None:  # noqa: F811
    world.scan()
    people = {
        k: {"name": p.name, "team": p.team, "role": p.role} for k, p in world.config.people.items()
    }
    with world.db.engine.begin() as conn:
        sync_people(conn, people, world.clock.now())
    with world.db.engine.connect() as conn:
        sc = scorecard(conn, DAY_START, DAY_END, world.clock.now())
    assert {team: [w.who for w in s.waiting] for team, s in sc.teams.items()} == {
        "finance": [("li.na",)],
        "legal": [("zhao.yun",)],
        "sales": [("wang.wei",)],
    }


async def test_an_empty_period_is_all_zeros_and_nones(world: World) -> None:  # noqa: F811
    sc = card(world)
    assert (sc.opened, sc.closed, sc.teams) == (0, 0, {})


async def test_a_reopened_seat_is_a_new_round(world: World) -> None:  # noqa: F811
    # 10:00 case 1 opens; 10:05 sales answers (round 1: 5 minutes, in the window).
    world.scan()
    world.advance(minutes=5)
    await world.say("wang.wei", "/ar input 1 sales customer agrees")
    # 10:10 a dispute reopens the answered seat: round 2 starts; 10:25 its window is over.
    world.advance(minutes=5)
    out = await world.say("wang.wei", "/ar dispute INV-1 wrong quantity delivered")
    assert "Traceback" not in out
    world.advance(minutes=15)
    world.tick()
    # 10:40 sales answers again, 30 minutes after it was asked the second time.
    world.advance(minutes=15)
    await world.say("wang.wei", "/ar input 1 sales credit note agreed")
    sales = card(world).teams["sales"]
    # Two rounds judged today, one in time: 1/2. Answers took 5 and 30 minutes:
    # median (5 + 30) ÷ 2 = 17.5; p90 at rank 0.9 × 1 = 0.9 → 5 + 0.9 × 25 = 27.5 minutes.
    assert (sales.seats, sales.in_window, sales.share) == (2, 1, Decimal("0.5"))
    assert sales.median_answer == timedelta(minutes=17, seconds=30)
    assert sales.p90_answer == timedelta(minutes=27, seconds=30)
    assert sales.escalations == {1: 1}

"""Decisions, promises and snoozes check who and how much (issue 9, item 2).

Table-driven on both databases, through the router as a user types: what they read, and what
the database holds afterwards (nothing at all changed on a refusal).

The fake clock starts on Monday 2026-03-16 at 10:00 in Shanghai. After the first scan:
- Northwind Trading owes CN¥1,500.00 (INV-1, INV-2) and US$200.00 (INV-5); its case has
  sales, finance and legal (its worst invoice is in the mid stage);
- Kyoto Seiki owes JP¥10,000 (INV-7); sales and finance sit in its case;
- Acme Tools (US$700.00, not due yet) gets a case by `/ar open Acme`: sales and finance.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.kernel.clock import FakeClock
from bot.kernel.config import load_config
from bot.kernel.forms import Form, FormErrors, FormRef
from bot.kernel.messages import Reply
from playbook.amounts import parse_money
from playbook.days import parse_day
from storage.circle import begin_write, record_input
from storage.db import Database
from storage.models import Customer
from tests.conftest import LEDGER_HEADER, TEST_CONFIG, run_import, write_csv
from tests.test_circle import World, row

_cus = Customer.__table__  # type: ignore[attr-defined]

PEOPLE = TEST_CONFIG.replace(
    "  liu.yang: {name: 刘洋, role: manager}\n",
    "  liu.yang: {name: 刘洋, role: manager}\n"
    "  chen.jie: {name: Chen Jie, team: finance}\n"
    "  sun.li: {name: Sun Li, team: legal}\n"
    "  wu.fei: {name: Wu Fei}\n",
)
CONCLUDING = (
    "installment",
    "extension",
    "credit_hold",
    "lawyers_letter",
    "litigation",
    "write_off",
    "settle",
)
# Everyone may take every action: what is left to decide is who may end the circle.
EVERYONE = "circle:\n  decisions:\n" + "".join(f"    {a}: [any]\n" for a in CONCLUDING)

LEDGER = [
    row("INV-1", "C1", "Northwind Trading", "wang.wei", "2026-03-15", "1000.00"),
    row("INV-2", "C1", "Northwind Trading", "wang.wei", "2026-02-01", "500.00"),
    row("INV-5", "C1", "Northwind Trading", "wang.wei", "2026-02-10", "200.00", currency="USD"),
    row("INV-3", "C2", "Acme Tools", "tom.baker", "2026-03-20", "700.00", currency="USD"),
    row("INV-7", "C4", "Kyoto Seiki", "tom.baker", "2026-03-15", "10000", currency="JPY"),
]
LEADS = "a lead of a team in this case"
MANAGER = "a manager (刘洋)"


def make_world(db: Database, tmp_path: Path, clock: FakeClock, extra: str = "") -> World:
    path = tmp_path / "config.yaml"
    path.write_text(PEOPLE + extra, encoding="utf-8")
    config = load_config(path, env={})
    run_import(db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    world = World(db, config, clock, tmp_path)
    world.scan()
    return world


@pytest.fixture
def world(db: Database, tmp_path: Path, clock: FakeClock) -> World:
    return make_world(db, tmp_path, clock)


@pytest.fixture
def anyone(db: Database, tmp_path: Path, clock: FakeClock) -> World:
    return make_world(db, tmp_path, clock, EVERYONE)


def case_of(world: World, customer: str) -> int:
    for number in range(1, 10):
        try:
            if world.case(number).customer_name == customer:
                return number
        except AssertionError:
            break
    raise AssertionError(f"no case for {customer}")


def seats(world: World, number: int) -> dict[str, str]:
    return {s.state.team: s.state.status for s in world.case(number).seats}


def snapshot(world: World, number: int) -> tuple[Any, ...]:
    view = world.case(number)
    with world.db.engine.connect() as conn:
        hold = conn.execute(select(_cus.c.on_hold).where(_cus.c.id == view.customer_id)).scalar()
    return (
        view.version,
        view.status,
        view.decisions,
        view.promises,
        tuple((s.state.team, s.state.status, s.state.snoozed_until) for s in view.seats),
        hold,
    )


def escalated(world: World, number: int) -> set[str]:
    """The teams of case `number` whose leads have been called in (pending escalations)."""
    return {r.payload["team"] for r in world.pending("escalation") if r.payload["case"] == number}


async def refused(world: World, number: int, who: str | None, line: str) -> str:
    """Say the line; assert nothing changed; return what the user read."""
    before = snapshot(world, number)
    out = await world.say(who, line)
    assert snapshot(world, number) == before, out
    return out


# --- amounts ------------------------------------------------------------------------------

AMOUNT_ACTIONS = ("write_off", "settle", "installment")
OWED = "It owes: CN¥1,500.00, $200.00."


# Each action carrying an amount × over the limit, exactly the limit, another currency,
# overflow and too many decimals.
LIMITS = [
    ("1500.01", "more than the case's outstanding CN¥1,500.00"),
    ("200.01 USD", "more than the case's outstanding $200.00"),
    ("100 EUR", f"Case #1 owes nothing in EUR. {OWED}"),
    # 10^15 and beyond is past any ledger's limit: not read as an amount at all.
    ("99999999999999999999999", "'99999999999999999999999' is not an amount"),
    ("100.001", "'100.001' has more decimal places than CNY allows (2)"),
]
# The ways people write an amount and its currency, on one action.
FORMS = [
    ("$200.01", "more than the case's outstanding $200.00"),
    ("€100", f"Case #1 owes nothing in EUR. {OWED}"),
    ("100 --currency GBP", f"Case #1 owes nothing in GBP. {OWED}"),
    ("100 XYZ", f"Case #1 owes nothing in XYZ. {OWED}"),
    ("9" * 90 + "万", "is not an amount"),
    ("9" * 500, "is not an amount"),
    ("0", "An amount must be more than zero"),
    ("-5", "'-5' is not an amount"),
    ("100 USD --currency EUR", "name different currencies"),
    ("100 --currency Dollars?", "is not a currency"),
]


@pytest.mark.parametrize(
    ("action", "amount", "answer"),
    [(action, *case) for action in AMOUNT_ACTIONS for case in LIMITS]
    + [("settle", *case) for case in FORMS],
)
async def test_an_amount_beyond_the_debt_or_in_another_currency_is_refused(
    world: World, action: str, amount: str, answer: str
) -> None:
    out = await refused(world, 1, "liu.yang", f"/ar decide 1 {action} --amount {amount} --date +7d")
    assert answer in out
    assert "Traceback" not in out and "Error" not in out


EXACT = [
    ("1500", ("1500.00", "CNY")),  # exactly what is owed, in the main currency
    ("200 USD", ("200.00", "USD")),  # exactly what is owed in dollars
]
WRITTEN = [
    ("1,500.00 CNY", ("1500.00", "CNY")),
    ("USD 150", ("150.00", "USD")),
    ("$150", ("150.00", "USD")),
    ("US$150", ("150.00", "USD")),
    ("150美元", ("150.00", "USD")),
    ("150 --currency usd", ("150.00", "USD")),
    ("1k", ("1000.00", "CNY")),
    ("¥800", ("800.00", "CNY")),
]


@pytest.mark.parametrize(
    ("action", "amount", "expected"),
    [(action, *case) for action in AMOUNT_ACTIONS for case in EXACT]
    + [("installment", *case) for case in WRITTEN],
)
async def test_an_amount_within_the_debt_is_recorded_in_its_currency(
    world: World, action: str, amount: str, expected: tuple[str, str]
) -> None:
    out = await world.say("liu.yang", f"/ar decide 1 {action} --amount {amount} --date +7d")
    assert "recorded" in out
    decision = world.case(1).decisions[-1]
    assert decision.action == action
    assert (str(decision.amount), decision.currency) == expected


async def test_a_currency_with_no_decimals_and_a_chinese_reply(world: World) -> None:
    kyoto = case_of(world, "Kyoto Seiki")
    out = await refused(world, kyoto, "liu.yang", f"/ar decide {kyoto} settle --amount 1.5")
    assert "'1.5' has more decimal places than JPY allows (0)" in out
    out = await refused(world, 1, "li.na", "/ar decide 1 write_off --amount 100 EUR")
    assert "案件 #1 没有 EUR 的未收款。本案未收：¥1,500.00、US$200.00。" in out
    out = await refused(world, 1, "li.na", "/ar decide 1 write_off --amount 99999")
    assert "超过了本案未收金额 ¥1,500.00" in out
    assert "more than" not in out and "Usage" not in out


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("/ar promise 1 1500.01 +7d", "more than the case's outstanding CN¥1,500.00"),
        ("/ar promise 1 100 EUR +7d", f"Case #1 owes nothing in EUR. {OWED}"),
        ("/ar promise 1 $201 +7d", "more than the case's outstanding $200.00"),
        ("/ar promise 1 99999999999999999999999 +7d", "is not an amount"),
        ("/ar promise 1 100.001 +7d", "more decimal places than CNY allows (2)"),
        ("/ar promise 1 0 +7d", "more than zero"),
        ("/ar promise 1 100 --currency EUR +7d", "owes nothing in EUR"),
        ("/ar promise 1 100 +7d by friday", "What is 'by friday'?"),
    ],
)
async def test_a_promise_has_the_same_limit_and_currency_rule(
    world: World, line: str, answer: str
) -> None:
    assert answer in await refused(world, 1, "wang.wei", line)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/ar promise 1 1500 +7d", ("1500.00", "CNY")),
        ("/ar promise 1 200 USD +7d", ("200.00", "USD")),
        ("/ar promise 1 USD 50 +7d", ("50.00", "USD")),
        ("/ar promise 1 $50 +7d", ("50.00", "USD")),
        ("/ar promise 1 50美元 +7d", ("50.00", "USD")),
        ("/ar promise 1 50 --currency USD +7d", ("50.00", "USD")),
    ],
)
async def test_a_promise_within_the_debt_is_recorded(
    world: World, line: str, expected: tuple[str, str]
) -> None:
    out = await world.say("wang.wei", line)
    assert "Promise recorded on case #1" in out
    promise = world.case(1).promises[-1]
    assert (str(promise.amount), promise.currency) == expected


# --- remind, call, visit: actions, the other clocks keep running --------------------------


@pytest.mark.parametrize("action", ["remind", "call", "visit"])
@pytest.mark.parametrize(
    ("person", "own"),
    [("tom.baker", "sales"), ("wang.wei", "sales"), ("chen.jie", "finance"), ("liu.yang", None)],
)
async def test_a_follow_up_answers_only_the_deciders_seat(
    world: World, action: str, person: str, own: str | None
) -> None:
    out = await world.say(person, f"/ar decide 1 {action} spoke to their buyer")
    view = world.case(1)
    assert view.status == "open"
    assert view.decisions[-1].action == action and view.decisions[-1].person == person
    others = [t for t in ("sales", "finance", "legal") if t != own]
    expected = {t: "waiting" for t in others}
    if own:
        expected[own] = "answered"
        assert view.seat(own).answered_by == person
        assert f"It counts as {world.config.teams[own].name}'s answer." in out
    assert seats(world, 1) == expected
    names = ", ".join(world.config.teams[t].name or t for t in others)
    assert f"{names} have not answered: their clocks keep running." in out
    # The others are still chased: their windows end at 10:15 and their leads are called.
    world.advance(minutes=16)
    world.tick()
    assert escalated(world, 1) == set(others)


async def test_a_follow_up_after_everyone_answered_is_the_decision(world: World) -> None:
    for who, team in (("wang.wei", "sales"), ("li.na", "finance"), ("zhao.yun", "legal")):
        await world.say(who, f"/ar input 1 {team} ok")
    assert world.case(1).status == "ready"
    out = await world.say("tom.baker", "/ar decide 1 call agreed to pay Friday")
    assert out.startswith("✓ Case #1: Call recorded.") and "clocks" not in out
    assert world.case(1).status == "decided"


# --- concluding decisions: who may end the circle -----------------------------------------


def _extra(action: str) -> str:
    return " --date +7d" if action == "extension" else ""


@pytest.mark.parametrize("action", CONCLUDING)
async def test_a_member_records_but_does_not_end_the_circle(anyone: World, action: str) -> None:
    world = anyone
    out = await world.say("tom.baker", f"/ar decide 1 {action} their offer{_extra(action)}")
    view = world.case(1)
    assert view.decisions[-1].action == action and view.decisions[-1].person == "tom.baker"
    assert seats(world, 1) == {"sales": "answered", "finance": "waiting", "legal": "waiting"}
    assert view.status == "open" and view.closed_at is None
    assert "It counts as Sales's answer." in out
    assert "Finance, Legal have not answered: their clocks keep running." in out
    assert f"nly {LEADS} (王伟, 李娜, 赵云) / {MANAGER} may end the circle" in out
    if action in ("write_off", "settle"):
        assert "The case stays open" in out
    world.advance(minutes=16)
    world.tick()
    assert escalated(world, 1) == {"finance", "legal"}


@pytest.mark.parametrize("action", CONCLUDING)
@pytest.mark.parametrize("person", ["wang.wei", "liu.yang"])
async def test_a_lead_of_a_team_in_the_case_or_a_manager_ends_the_circle(
    anyone: World, action: str, person: str
) -> None:
    world = anyone
    out = await world.say(person, f"/ar decide 1 {action} final{_extra(action)}")
    view = world.case(1)
    closes = action in ("write_off", "settle")
    assert view.status == ("closed" if closes else "decided")
    expected = {"sales": "closed", "finance": "closed", "legal": "closed"}
    if person == "wang.wei":
        expected["sales"] = "answered"
        assert "It counts as Sales's answer." in out
    assert seats(world, 1) == expected
    assert "Finance, Legal no longer need to answer." in out
    assert "clocks keep running" not in out
    assert ("the case is closed" in out) == closes
    world.advance(minutes=16)
    world.tick()
    assert escalated(world, 1) == set()


@pytest.mark.parametrize("action", CONCLUDING)
async def test_a_lead_of_a_team_not_in_the_case_does_not_end_it(anyone: World, action: str) -> None:
    world = anyone
    await world.say("tom.baker", "/ar open Acme")
    acme = case_of(world, "Acme Tools")
    assert set(seats(world, acme)) == {"sales", "finance"}
    out = await world.say("zhao.yun", f"/ar decide {acme} {action} ours{_extra(action)}")
    assert world.case(acme).decisions[-1].person == "zhao.yun"
    assert seats(world, acme) == {"sales": "waiting", "finance": "waiting"}
    assert world.case(acme).status == "open"
    assert "counts as" not in out
    assert f"nly {LEADS} (王伟, 李娜) / {MANAGER} may end the circle" in out


@pytest.mark.parametrize("action", CONCLUDING)
async def test_someone_not_in_the_config_changes_nothing(
    db: Database, tmp_path: Path, clock: FakeClock, action: str
) -> None:
    # Even where everyone may read (access.read: everyone), only people in the config write.
    readers = make_world(db, tmp_path, clock, EVERYONE + "access:\n  read: everyone\n")
    out = await refused(readers, 1, None, f"/ar decide 1 {action}{_extra(action)}")
    assert "you can read but not change anything" in out


async def test_someone_not_in_the_config_may_not_even_read_by_default(world: World) -> None:
    out = await refused(world, 1, None, "/ar decide 1 write_off --amount 10")
    assert "Only the people in arcircle's config and its readers may see receivables" in out


async def test_a_member_concludes_when_every_other_team_has_answered(anyone: World) -> None:
    world = anyone
    await world.say("li.na", "/ar input 1 finance statement sent")
    await world.say("zhao.yun", "/ar input 1 legal evidence ok")
    out = await world.say("tom.baker", "/ar decide 1 settle 80% now --amount 1200")
    assert "the case is closed" in out and "clocks" not in out
    assert world.case(1).status == "closed"


async def test_the_credit_hold_itself_applies_even_when_the_circle_goes_on(anyone: World) -> None:
    await anyone.say("tom.baker", "/ar decide 1 credit_hold no new orders")
    assert snapshot(anyone, 1)[-1] is True
    assert anyone.case(1).status == "open"


async def test_the_per_action_table_still_comes_first(world: World) -> None:
    out = await refused(world, 1, "chen.jie", "/ar decide 1 write_off gone")
    assert "Only Finance lead (李娜) / a manager (刘洋) may decide 'Write-off'" in out
    # Legal, a member, may settle (the default table): recorded, the circle goes on.
    out = await world.say("sun.li", "/ar decide 1 settle court mediation agreed")
    assert "It counts as Legal's answer." in out and "may end the circle" in out
    assert world.case(1).status == "open"


async def test_end_circle_is_configurable(db: Database, tmp_path: Path, clock: FakeClock) -> None:
    world = make_world(db, tmp_path, clock, "circle:\n  decisions:\n    end_circle: [manager]\n")
    out = await world.say("wang.wei", "/ar decide 1 installment two payments")
    assert "Only a manager (刘洋) may end the circle" in out
    assert seats(world, 1) == {"sales": "answered", "finance": "waiting", "legal": "waiting"}


async def test_close_paid_is_ended_by_the_facts(world: World, tmp_path: Path) -> None:
    out = await refused(world, 1, "chen.jie", "/ar decide 1 close_paid")
    assert "Case #1 is not paid yet: INV-2 CN¥500.00, INV-5 $200.00, INV-1 CN¥1,000.00" in out
    paid = [
        row("INV-1", "C1", "Northwind Trading", "wang.wei", "2026-03-15", "1000.00", paid="1000"),
        row("INV-2", "C1", "Northwind Trading", "wang.wei", "2026-02-01", "500.00", paid="500"),
        row(
            "INV-5",
            "C1",
            "Northwind Trading",
            "wang.wei",
            "2026-02-10",
            "200.00",
            currency="USD",
            paid="200",
        ),
        *LEDGER[3:],
    ]
    run_import(world.db, write_csv(tmp_path / "paid.csv", LEDGER_HEADER, paid))
    # A finance member, with sales and legal unanswered: the ledger ends the circle.
    out = await world.say("chen.jie", "/ar decide 1 close_paid")
    assert "the case is closed" in out
    assert seats(world, 1) == {"sales": "closed", "finance": "answered", "legal": "closed"}
    assert world.case(1).status == "closed"


# --- snooze -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "line", "snoozed", "answer"),
    [
        ("tom.baker", "--team sales", {"sales"}, "Sales snoozed until 12:00"),
        ("tom.baker", "", {"sales"}, "Only your team's seat: Finance, Legal keep running"),
        ("wang.wei", "--team sales", {"sales"}, "Sales snoozed until 12:00"),
        ("wang.wei", "", {"sales"}, "(only a manager (刘洋) may snooze another team's seat)"),
        ("zhao.yun", "", {"legal"}, "Only your team's seat: Sales, Finance keep running"),
        ("liu.yang", "--team legal", {"legal"}, "Legal snoozed until 12:00"),
        ("liu.yang", "", {"sales", "finance", "legal"}, "Sales, Finance, Legal snoozed"),
    ],
)
async def test_who_may_snooze_which_seat(
    world: World, person: str, line: str, snoozed: set[str], answer: str
) -> None:
    out = await world.say(person, f"/ar snooze 1 2h customer's CFO is away {line}".strip())
    assert answer in out
    assert {t for t, s in seats(world, 1).items() if s == "snoozed"} == snoozed
    world.advance(minutes=16)
    world.tick()
    assert escalated(world, 1) == {"sales", "finance", "legal"} - snoozed


@pytest.mark.parametrize(
    ("person", "line", "answer"),
    [
        (
            "tom.baker",
            "--team legal",
            "Only Legal (赵云, Sun Li) or a manager (刘洋) may snooze Legal's seat in case #1.\n"
            "Your own team's seat (Sales): /ar snooze 1 2h <reason> --team sales",
        ),
        ("wang.wei", "--team finance", "Only Finance (李娜, Chen Jie) or a manager (刘洋)"),
        ("sun.li", "--team sales", "Your own team's seat (Legal): /ar snooze 1 2h"),
        ("wu.fei", "", "You are in no team, and only a manager (刘洋) may snooze"),
        ("wu.fei", "--team sales", "Only Sales (王伟, Tom Baker) or a manager (刘洋)"),
        (None, "", "may see receivables. Ask 刘洋 to add you"),
        ("tom.baker", "--team nosuch", "'nosuch' is not a team"),
    ],
)
async def test_snoozing_another_teams_seat_is_refused_with_who_may(
    world: World, person: str | None, line: str, answer: str
) -> None:
    out = await refused(world, 1, person, f"/ar snooze 1 2h busy {line}".strip())
    assert answer in out


async def test_a_member_whose_team_has_answered_has_nothing_of_theirs_to_snooze(
    world: World,
) -> None:
    await world.say("wang.wei", "/ar input 1 sales done")
    out = await refused(world, 1, "tom.baker", "/ar snooze 1 2h busy")
    assert "Sales has no waiting seat in case #1, and only a manager (刘洋) may snooze" in out
    out = await refused(world, 1, "tom.baker", "/ar snooze 1 2h busy --team sales")
    assert "Sales is not waiting in case #1: nothing to snooze." in out
    out = await refused(world, 1, "li.na", "/ar snooze 1 2h 忙 --team legal")
    assert "只有 法务 Legal" in out or "只有 Legal" in out
    assert "本团队（Finance）：/ar snooze 1 2h <原因> --team finance" in out


async def test_snooze_others_is_configurable(
    db: Database, tmp_path: Path, clock: FakeClock
) -> None:
    extra = "circle:\n  decisions:\n    snooze_others: [lead, manager]\n"
    world = make_world(db, tmp_path, clock, extra)
    out = await world.say("wang.wei", "/ar snooze 1 2h CFO away")
    assert "Sales, Finance, Legal snoozed until 12:00" in out
    out = await refused(world, 1, "tom.baker", "/ar snooze 1 1h x --team legal")
    assert f"or {LEADS} (王伟, 李娜, 赵云) / {MANAGER} may snooze Legal's seat" in out


# --- unknown options and absurd dates -----------------------------------------------------


@pytest.mark.parametrize(
    ("person", "line", "answer"),
    [
        ("tom.baker", "/ar decide 1 call --bogus", "'--bogus' is not an option of this command"),
        ("tom.baker", "/ar decide 1 call note -x", "'-x' is not an option"),
        ("tom.baker", "/ar decide 1 call —bogus", "'—bogus' is not an option"),
        ("liu.yang", "/ar decide 1 settle --amount", "'--amount' needs a value"),
        ("liu.yang", "/ar decide 1 settle --amount 1 --amount 2", "'--amount' is given twice"),
        ("liu.yang", "/ar decide 1 settle --currency USD", "--currency goes with --amount"),
        ("tom.baker", "/ar snooze 1 2h busy --bogus", "'--bogus' is not an option"),
        ("tom.baker", "/ar snooze 1 2h busy --team", "'--team' needs a value"),
        ("wang.wei", "/ar promise 1 100 +7d --bogus", "'--bogus' is not an option"),
        ("wang.wei", "/ar decide 1 extension --date 9999-12-31", "more than 5 years ahead"),
        ("wang.wei", "/ar decide 1 extension --date 0000-01-01", "'0000-01-01' is not a date"),
        ("wang.wei", "/ar decide 1 extension --date +99999999d", "more than 5 years ahead"),
        ("wang.wei", "/ar decide 1 extension --date +1827d", "the latest date is 2031-03-16"),
        ("wang.wei", "/ar decide 1 call --date 2026-13-01", "'2026-13-01' is not a date"),
        ("wang.wei", "/ar promise 1 100 9999-12-31", "more than 5 years ahead"),
        ("wang.wei", "/ar promise 1 100 +" + "9" * 5000 + "d", "more than 5 years ahead"),
        ("wang.wei", "/ar promise 1 100 0000-01-01", "is not a date"),
        ("tom.baker", "/ar snooze 1 99999999999999999999d busy", "is not a duration"),
        ("tom.baker", "/ar snooze 1 15d busy", "is not a duration"),
        ("tom.baker", "/ar decide 99999999999999999999 call", "There is no case #"),
    ],
)
async def test_unknown_options_and_absurd_dates_get_the_usage_line(
    world: World, person: str, line: str, answer: str
) -> None:
    out = await refused(world, 1, person, line)
    assert answer in out
    if "no case" not in answer:
        assert f"Usage: /ar {line.split()[1]}" in out


async def test_a_date_up_to_the_horizon_and_a_note_after_double_dash(world: World) -> None:
    out = await world.say("wang.wei", "/ar decide 1 extension --date +1826d long contract")
    assert "recorded" in out
    assert world.case(1).decisions[-1].on_date == date(2031, 3, 16)
    await world.say("tom.baker", "/ar decide 1 call -- -x and --bogus are words here")
    assert world.case(1).decisions[-1].note == "-x and --bogus are words here"
    out = await world.say("li.na", "/ar decide 1 call --date 9999-12-31")
    assert "超过 5 年" in out and "用法" in out and "more than" not in out


@pytest.mark.parametrize(
    "text",
    ["", "+", "+d", "9999-99-99", "+1e9d", "2026-02-30", "\x00", "１２-０１", "+-5d", "0-0"],
)
def test_days_never_raise(text: str) -> None:
    parse_day(text, date(2026, 3, 16))
    parse_money(text)


# --- the Slack forms ask the same rules ----------------------------------------------------


def _seats_select(form: Form) -> list[str] | None:
    field = form.field("seat")
    return [c.value for c in field.choices] if field is not None else None


async def _form(world: World, person: str | None) -> Form | Reply:
    ref = FormRef("snooze", ("1", "1h"), ("<reason>",))
    return await world.router.open_form(ref, platform="console", user_id="-", person=person)


def _answer(world: World, team: str) -> None:
    with world.db.engine.begin() as conn:
        begin_write(conn)
        record_input(
            conn, world.env, case_id=1, team=team, person="liu.yang", text="ok",
            now=world.clock.now(),
        )  # fmt: skip


async def test_the_snooze_form_offers_only_the_clocks_one_may_snooze(world: World) -> None:
    world.scan()
    member = await _form(world, "tom.baker")
    assert isinstance(member, Form) and _seats_select(member) is None
    assert member.intro is not None and "Snoozes Sales's clock only" in member.intro
    manager = await _form(world, "liu.yang")
    assert isinstance(manager, Form)
    assert _seats_select(manager) == ["*", "sales", "finance", "legal"]
    _answer(world, "sales")
    none = await _form(world, "tom.baker")
    assert isinstance(none, Reply) and "may not snooze any clock" in none.plain()
    outsider = await _form(world, "wu.fei")
    assert isinstance(outsider, Reply)


async def _submit(world: World, person: str, ref: FormRef, **values: str) -> str:
    reply = await world.router.submit_form(
        ref, values, platform="console", channel="console", user_id=person, person=person
    )
    assert isinstance(reply, Reply), reply
    return reply.plain()


async def test_form_submissions_run_as_the_typed_commands(world: World) -> None:
    world.scan()
    snooze = FormRef("snooze", ("1", "1h"))
    said = await _submit(world, "liu.yang", snooze, duration="2h", seat="legal", reason="-x")
    assert "Legal snoozed until 12:00" in said
    assert world.case(1).seat("legal").snooze_reason == "-x"
    decide = FormRef("decide", ("1",))
    said = await _submit(
        world, "tom.baker", decide, action="call", amount="50 usd", note="USD paid"
    )
    assert "recorded" in said
    decision = world.case(1).decisions[-1]
    assert (str(decision.amount), decision.currency, decision.note) == ("50.00", "USD", "USD paid")
    far = await world.router.submit_form(
        decide, {"action": "extension", "date": "2099-01-01"},
        platform="console", channel="console", user_id="-", person="tom.baker",
    )  # fmt: skip
    assert isinstance(far, FormErrors)
    assert far.errors == {
        "date": "'2099-01-01' is more than 5 years ahead: the latest date is 2031-03-16."
    }

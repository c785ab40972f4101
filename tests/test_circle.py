"""The circle end to end in one process: triggers, the tick, the commands, the audit trail.

Every test runs on SQLite and PostgreSQL with a fake clock that starts on Monday 2026-03-16
at 10:00 in Shanghai (inside business hours).
"""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from bot.adapters.console.messenger import ConsoleMessenger
from bot.circle_env import circle_env
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config, load_config
from bot.router import Router
from jobs.circle import predue_reminders, scan_overdue, tick, watch_limitation, watch_promises
from jobs.render import render_row
from storage import audit
from storage import outbox as ob
from storage.circle import CircleEnv, fire_seat, load_case, record_input
from storage.db import Database
from storage.models import Case, Seat
from tests.conftest import LEDGER_HEADER, run_import, write_csv

TODAY = date(2026, 3, 16)
_case = Case.__table__  # type: ignore[attr-defined]
_seat = Seat.__table__  # type: ignore[attr-defined]


def row(no: str, cust: str, name: str, owner: str, due: str, amount: str, **kw: str) -> tuple:
    return (
        no,
        cust,
        name,
        kw.get("segment", "normal"),
        owner,
        kw.get("issued", "2026-01-01" if due >= "2026" else "2023-01-01"),
        due,
        kw.get("currency", "CNY"),
        amount,
        kw.get("paid", ""),
        "",
        kw.get("disputed", "no"),
    )


LEDGER = [
    # Northwind: one invoice entered "early" today (news), one has been late since February.
    row("INV-1", "C1", "Northwind Trading", "wang.wei", "2026-03-15", "1000.00"),
    row("INV-2", "C1", "Northwind Trading", "wang.wei", "2026-02-01", "500.00"),
    # Acme: falls due in four days (pre-due reminder to its owner).
    row("INV-3", "C2", "Acme Tools", "tom.baker", "2026-03-20", "700.00", currency="USD"),
    # An old debt whose 3-year limitation period ends on 2026-04-01.
    row("INV-4", "C3", "Old Mill Ltd", "wang.wei", "2023-04-01", "900.00"),
]


@pytest.fixture
def world(db: Database, tmp_path: Path, config: Config, clock: FakeClock) -> World:
    run_import(db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    return World(db, config, clock, tmp_path)


class World:
    def __init__(self, db: Database, config: Config, clock: FakeClock, tmp: Path) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.tmp = tmp
        self.env: CircleEnv = circle_env(config)
        self.router = Router(db, config, clock, circle=self.env)

    def today(self) -> date:
        return self.clock.now().astimezone(self.config.company.zone).date()

    def scan(self) -> Any:
        return scan_overdue(self.db, self.env, today=self.today(), now=self.clock.now())

    def tick(self) -> int:
        return tick(self.db, self.env, self.clock.now())

    async def say(self, who: str | None, line: str) -> str:
        reply = await self.router.handle(
            line, platform="console", channel="#test", user_id=who or "U?", person=who
        )
        assert reply is not None
        assert "Traceback" not in reply.plain()
        return reply.plain()

    def pending(self, kind: str | None = None) -> list[ob.OutRow]:
        with self.db.engine.connect() as conn:
            rows = ob.listing(conn, ("pending",), limit=1000)
        return [r for r in rows if kind is None or r.kind == kind]

    def rendered(self, kind: str) -> list[str]:
        with self.db.engine.connect() as conn:
            out = []
            for r in self.pending(kind):
                reply = render_row(conn, r, self.config, self.clock.now())
                out.append(reply.plain() if reply else "")
            return out

    def case(self, case_id: int = 1) -> Any:
        with self.db.engine.connect() as conn:
            view = load_case(conn, case_id)
        assert view is not None
        return view

    def advance(self, **kw: float) -> None:
        self.clock.advance(timedelta(**kw))


# --- triggers -----------------------------------------------------------------------------


def test_first_scan_opens_only_todays_news_and_a_rerun_changes_nothing(world: World) -> None:
    result = world.scan()
    assert result.cases == (1,)
    view = world.case(1)
    assert view.customer_name == "Northwind Trading"
    # The customer's other overdue invoice joins the case: the circle talks about all it owes.
    assert [i.invoice_no for i in view.invoices] == ["INV-2", "INV-1"]
    # INV-2 is 43 days late (mid stage): legal sits in the case from mid on.
    assert [s.state.team for s in view.seats] == ["sales", "finance", "legal"]
    cards = world.pending("card")
    assert len(cards) == 1 and cards[0].destination == "#test"
    before = len(world.pending())
    again = world.scan()
    assert again.fired == 0 and again.cases == ()
    assert len(world.pending()) == before


def test_a_stage_entered_since_the_last_scan_joins_the_running_case(world: World) -> None:
    world.scan()
    world.advance(days=30)  # INV-1 is now 31 days late: mid
    result = world.scan()
    # Northwind's INV-1 joins its running case; Acme's INV-3 (due 03-20) is news of its own.
    assert result.cases == (1, 2)
    assert world.case(2).customer_name == "Acme Tools"
    notes = world.rendered("note")
    assert any("Case #1: invoice entered a new stage" in n for n in notes)
    with world.db.engine.connect() as conn:
        customers = conn.execute(select(_case.c.customer_id)).scalars().all()
    assert len(customers) == len(set(customers))


def _scan_after_new_invoice(world: World, db: Database, tmp_path: Path, *invoice: str) -> Any:
    """Scan, an hour later import the ledger again with one more invoice, and scan again."""
    from storage.ledger import ImportOptions, import_ledger

    world.scan()
    world.advance(hours=1)
    rows = [*LEDGER, row(*invoice)]
    import_ledger(
        db,
        write_csv(tmp_path / "l2.csv", LEDGER_HEADER, rows),
        ImportOptions(currency="CNY"),
        now=world.clock.now(),
        today=world.today(),
    )
    return world.scan()


def test_an_invoice_new_since_the_last_scan_opens_for_its_worst_stage(
    world: World, db: Database, tmp_path: Path
) -> None:
    result = _scan_after_new_invoice(
        world, db, tmp_path, "INV-9", "C9", "Late Comer", "wang.wei", "2025-10-01", "300.00"
    )
    assert len(result.cases) == 1 and result.fired == 1  # late only, not early+mid+late
    with db.engine.connect() as conn:
        keys = conn.execute(text("SELECT key FROM case_trigger ORDER BY id")).scalars().all()
    assert keys[-1].endswith(":late")


def test_an_invoice_new_since_the_last_scan_in_its_first_stage_opens_a_case(
    world: World, db: Database, tmp_path: Path
) -> None:
    # Six days late when it first appears: early, entered before the last scan, but news.
    result = _scan_after_new_invoice(
        world, db, tmp_path, "INV-8", "C8", "Fresh Debt", "wang.wei", "2026-03-10", "300.00"
    )
    assert len(result.cases) == 1 and result.fired == 1
    assert world.case(result.cases[0]).customer_name == "Fresh Debt"
    with db.engine.connect() as conn:
        keys = conn.execute(text("SELECT key FROM case_trigger ORDER BY id")).scalars().all()
    assert keys[-1].endswith(":early")


def test_several_invoices_of_one_customer_make_one_case(world: World) -> None:
    world.scan()
    out = world.router
    assert out is not None
    with world.db.engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM case_invoice WHERE case_id = 1"))
        assert count.scalar_one() == 2


def test_limitation_watch_calls_legal_once(world: World) -> None:
    opened = watch_limitation(
        world.db, world.env, today=world.today(), now=world.clock.now(), years=3, warn_days=90
    )
    assert opened == 1
    view = world.case(1)
    assert view.customer_name == "Old Mill Ltd"
    assert [s.state.team for s in view.seats] == ["legal"]
    assert view.trigger == "limitation"
    again = watch_limitation(
        world.db, world.env, today=world.today(), now=world.clock.now(), years=3, warn_days=90
    )
    assert again == 0


def test_pre_due_reminder_goes_to_the_owner_once(world: World) -> None:
    sent = predue_reminders(world.db, world.env, today=world.today(), now=world.clock.now(), days=7)
    assert sent == 1
    rows = world.pending("predue")
    assert [r.destination for r in rows] == ["@tom.baker"]
    text_ = world.rendered("predue")[0]
    assert "INV-3" in text_ and "Acme Tools" in text_ and "2026-03-20" in text_
    assert (
        predue_reminders(world.db, world.env, today=world.today(), now=world.clock.now(), days=7)
        == 0
    )


# --- the clock ------------------------------------------------------------------------------


def escalations(world: World) -> list[dict[str, Any]]:
    return [r.payload for r in world.pending("escalation")]


def test_seats_are_reminded_then_escalated_to_the_lead_then_the_manager(world: World) -> None:
    world.scan()
    world.advance(minutes=9)
    assert world.tick() == 0
    world.advance(minutes=1)  # 10:10: five minutes left
    assert world.tick() == 3
    assert len(world.pending("remind")) == 3
    world.advance(minutes=5)  # 10:15: the window is over
    assert world.tick() == 3
    level1 = sorted((p["team"], p["level"], tuple(p["people"])) for p in escalations(world))
    assert level1 == [
        ("finance", 1, ("li.na",)),
        ("legal", 1, ("zhao.yun",)),
        ("sales", 1, ("wang.wei",)),
    ]
    texts = world.rendered("escalation")
    assert any("Sales has not answered in time (level 1)" in t for t in texts)
    assert world.tick() == 0  # the same moment again: nothing twice
    world.advance(minutes=15)
    assert world.tick() == 3
    level2 = [p for p in escalations(world) if p["level"] == 2]
    assert {p["team"] for p in level2} == {"sales", "finance", "legal"}
    assert all(p["people"] == ["liu.yang"] and p["channel"] for p in level2)


def test_an_outage_gives_one_escalation_per_seat_not_a_burst(world: World) -> None:
    world.scan()
    world.advance(hours=3)  # level 1, level 2 and all repeats passed while "down"
    assert world.tick() == 3
    assert len(world.pending("escalation")) == 3
    assert world.pending("repeat") == []
    assert world.pending("remind") == []
    assert all(p["level"] == 2 and p["skipped"] == [1] for p in escalations(world))


async def test_an_answer_stops_the_clock_and_an_acknowledgement_only_pauses_it(
    world: World,
) -> None:
    world.scan()
    assert "已记录" in await world.say("li.na", "/ar input 1 finance paying Friday")
    assert "👀" in await world.say("wang.wei", "/ar input 1 sales --ack calling them now")
    world.advance(minutes=16)
    world.tick()
    assert {p["team"] for p in escalations(world)} == {"legal"}
    world.advance(minutes=50)  # 60 minutes after the acknowledgement: sales is asked again
    world.tick()
    assert [r.payload["team"] for r in world.pending("rearm")] == ["sales"]


def test_a_case_keeps_the_policy_it_opened_with(world: World, config: Config) -> None:
    world.scan()
    # The admin lengthens the window to an hour; the running case keeps its 15 minutes.
    longer = config.model_copy(
        update={"circle": config.circle.model_copy(update={"response_window": timedelta(hours=1)})}
    )
    world.env = circle_env(longer)
    world.advance(minutes=15)
    assert world.tick() == 3
    assert len(world.pending("escalation")) == 3


async def test_a_case_opened_at_night_is_due_after_the_next_opening(world: World) -> None:
    # Friday 2026-03-13 23:00 in Shanghai; Monday 09:00 is the next opening.
    world.clock.set(datetime(2026, 3, 13, 15, 0, tzinfo=UTC))
    await world.say("li.na", "/ar open Northwind")
    with world.db.engine.connect() as conn:
        due = conn.execute(select(_seat.c.due_at)).scalars().all()
    # The first thing due is the 5-minutes-left reminder at 09:10 Monday (01:10 UTC).
    assert set(due) == {datetime(2026, 3, 16, 1, 10, tzinfo=UTC)}


def test_two_tickers_claiming_the_same_seat_fire_it_once(world: World) -> None:
    world.scan()
    world.advance(minutes=15)
    with world.db.engine.connect() as conn:
        seat_id, version = conn.execute(
            select(_seat.c.id, _seat.c.version).where(_seat.c.team == "sales")
        ).one()
    results: list[int] = []
    barrier = threading.Barrier(2)

    def claim() -> None:
        barrier.wait()
        with world.db.engine.begin() as conn:
            from storage.circle import begin_write

            begin_write(conn)
            results.append(len(fire_seat(conn, world.env, seat_id, version, world.clock.now())))

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results) == [0, 1]
    assert [p["team"] for p in escalations(world)] == ["sales"]


def test_two_people_answering_at_once_both_land_once_each(world: World) -> None:
    world.scan()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def answer(person: str, team: str) -> None:
        barrier.wait()
        try:
            with world.db.engine.begin() as conn:
                from storage.circle import begin_write

                begin_write(conn)
                record_input(
                    conn,
                    world.env,
                    case_id=1,
                    team=team,
                    person=person,
                    text=f"{person} here",
                    now=world.clock.now(),
                )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=answer, args=("li.na", "finance")),
        threading.Thread(target=answer, args=("wang.wei", "sales")),
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    view = world.case(1)
    assert sorted((i.person, i.team) for i in view.inputs) == [
        ("li.na", "finance"),
        ("wang.wei", "sales"),
    ]
    assert {s.state.team: s.state.status for s in view.seats} == {
        "sales": "answered",
        "finance": "answered",
        "legal": "waiting",
    }


# --- commands -----------------------------------------------------------------------------


async def test_the_whole_circle_by_commands(world: World) -> None:
    world.scan()
    out = await world.say("li.na", "/ar case 1")
    assert "Case #1 · Northwind Trading" in out or "案件 #1 · Northwind Trading" in out
    assert "INV-1" in out and "INV-2" in out
    assert "recorded" in await world.say("wang.wei", "/ar input 1 sales customer agrees")
    await world.say("li.na", "/ar input 1 finance statement sent")
    done = await world.say("zhao.yun", "/ar input 1 legal evidence complete")
    assert "Every team has answered" in done
    assert world.case(1).status == "ready"
    promise = await world.say("wang.wei", "/ar promise 1 1500 2026-03-20")
    assert "CN¥1,500.00 by 2026-03-20" in promise
    decided = await world.say("wang.wei", "/ar decide 1 call agreed to pay Friday")
    assert "Call recorded" in decided
    view = world.case(1)
    assert view.status == "decided" and view.decisions[-1].note == "agreed to pay Friday"
    assert view.promises[-1].status == "pending"


async def test_bad_case_numbers_and_teams_get_one_line_answers(world: World) -> None:
    world.scan()
    assert "There is no case #99" in await world.say("wang.wei", "/ar case 99")
    assert "Usage: /ar case" in await world.say("wang.wei", "/ar case abc")
    assert "There is no case #42" in await world.say("wang.wei", "/ar input 42 sales hi")
    watch_limitation(
        world.db, world.env, today=world.today(), now=world.clock.now(), years=3, warn_days=90
    )
    # Case 2 (limitation) has only legal in it.
    out = await world.say("wang.wei", "/ar input 2 sales hello")
    assert "Sales does not sit in case #2 (it has: legal)" in out


async def test_only_members_may_answer_for_a_team(world: World) -> None:
    world.scan()
    out = await world.say("tom.baker", "/ar input 1 finance paid already")
    assert "Only members of Finance may answer for it (李娜)" in out
    assert world.case(1).inputs == ()
    # Someone not in the config does not get past the read gate (access.read: configured).
    out = await world.say(None, "/ar input 1 sales hi")
    assert "Ask 刘洋 to add you (access.readers" in out


async def test_as_team_works_only_where_the_config_allows_it(
    world: World, config_path: Path
) -> None:
    world.scan()
    cfg = load_config(config_path, env={})
    allowing = cfg.model_copy(
        update={"circle": cfg.circle.model_copy(update={"allow_as_team": True})}
    )
    world.router = Router(world.db, allowing, world.clock, circle=world.env)
    out = await world.say("tom.baker", "/ar input 1 finance paid already")
    assert "--as-team" in out
    out = await world.say("tom.baker", "/ar input 1 finance --as-team paid already")
    assert "recorded" in out


async def test_a_duplicate_click_changes_nothing(world: World) -> None:
    world.scan()
    await world.say("li.na", "/ar input 1 finance statement sent")
    version = world.case(1).version
    out = await world.say("li.na", "/ar input 1 finance statement sent")
    assert "Nothing changed" in out or "未做任何修改" in out
    assert world.case(1).version == version
    assert len(world.case(1).inputs) == 1


async def test_promises_in_the_past_negative_or_too_big_are_refused(world: World) -> None:
    world.scan()
    assert "is in the past" in await world.say("wang.wei", "/ar promise 1 100 2026-03-01")
    assert "not an amount" in await world.say("wang.wei", "/ar promise 1 -5 2026-03-20")
    assert "more than zero" in await world.say("wang.wei", "/ar promise 1 0 2026-03-20")
    assert "more than the case's outstanding CN¥1,500.00" in await world.say(
        "wang.wei", "/ar promise 1 99999 2026-03-20"
    )
    assert "not a date" in await world.say("wang.wei", "/ar promise 1 100 someday")
    assert world.case(1).promises == ()


async def test_a_decision_the_user_may_not_take_says_who_may(world: World) -> None:
    world.scan()
    out = await world.say("wang.wei", "/ar decide 1 write-off uncollectable")
    assert "Only Finance lead (李娜) / a manager (刘洋) may decide 'Write-off'" in out
    assert world.case(1).decisions == ()
    out = await world.say("wang.wei", "/ar decide 1 nonsense")
    assert "'nonsense' is not a decision" in out


async def test_a_legal_step_by_someone_else_calls_legal_in(world: World) -> None:
    # Acme's invoice is not due yet: only sales and finance sit in the case.
    await world.say("tom.baker", "/ar open Acme")
    assert [s.state.team for s in world.case(1).seats] == ["sales", "finance"]
    out = await world.say("tom.baker", "/ar decide 1 lawyer's letter final notice")
    assert "Only Legal (赵云) may decide 'Lawyer's letter'" in out
    assert "Legal has been called into case #1" in out
    assert world.case(1).seat("legal").state.status == "waiting"
    assert world.case(1).decisions == ()
    assert any("please join the circle" in n for n in world.rendered("note"))
    out = await world.say("tom.baker", "/ar decide 1 lawyers letter final notice")
    assert "Legal has been called" not in out  # once is enough
    out = await world.say("zhao.yun", "/ar decide 1 lawyers letter final notice")
    assert "Lawyer's letter recorded" in out


async def test_close_paid_needs_the_money_and_a_closed_case_says_who_closed_it(
    world: World,
) -> None:
    world.scan()
    out = await world.say("li.na", "/ar decide 1 close_paid")
    assert "not paid yet: INV-2 CN¥500.00, INV-1 CN¥1,000.00" in out or "尚未付清" in out
    world.advance(minutes=4)
    out = await world.say("li.na", "/ar decide 1 write_off customer insolvent")
    assert "关闭" in out or "结案" in out or "closed" in out
    out = await world.say("wang.wei", "/ar input 1 sales too late")
    assert "Case 1 was closed by 李娜 at 10:04" in out


async def test_snooze_needs_a_duration_and_a_reason(world: World) -> None:
    world.scan()
    assert "Say why" in await world.say("wang.wei", "/ar snooze 1 2h")
    assert "not a duration" in await world.say("wang.wei", "/ar snooze 1 soon busy")
    # The manager may snooze every seat (a team's own people only their own: test_decision_rules).
    out = await world.say("liu.yang", "/ar snooze 1 2h customer's CFO is back at noon")
    assert "snoozed until 12:00" in out
    world.advance(minutes=30)
    assert world.tick() == 0  # snoozed: nothing escalates
    world.advance(hours=2)
    world.tick()
    assert {r.payload["team"] for r in world.pending("unsnooze")} == {"sales", "finance", "legal"}


async def test_a_dispute_opens_the_circle_with_legal(world: World) -> None:
    out = await world.say("wang.wei", "/ar dispute INV-3 wrong quantity delivered")
    assert "INV-3 is disputed: wrong quantity delivered" in out
    view = world.case(1)
    assert view.customer_name == "Acme Tools" and view.trigger == "dispute"
    assert {s.state.team for s in view.seats} == {"sales", "finance", "legal"}
    out = await world.say("wang.wei", "/ar dispute INV-3 and the price")
    assert "already disputed" in out
    assert "No invoice 'NOPE'" in await world.say("wang.wei", "/ar dispute NOPE reason")


async def test_credit_check_before_a_new_order(world: World) -> None:
    world.scan()
    out = await world.say("tom.baker", "/ar check Acme")
    assert "OK to take a new order" in out
    out = await world.say("tom.baker", "/ar check Northwind")
    assert "Overdue: CN¥1,500.00 (2 invoices, oldest 43 days)" in out
    await world.say("li.na", "/ar decide 1 credit_hold until paid")
    out = await world.say("tom.baker", "/ar check Northwind")
    assert "Credit hold" in out


async def test_a_broken_promise_reopens_the_circle_once(world: World) -> None:
    world.scan()
    for who, team in (("wang.wei", "sales"), ("li.na", "finance"), ("zhao.yun", "legal")):
        await world.say(who, f"/ar input 1 {team} ok")
    await world.say("wang.wei", "/ar promise 1 1000 2026-03-18")
    await world.say("wang.wei", "/ar decide 1 call will pay Wednesday")
    world.advance(days=3)  # 2026-03-19: the day passed without the money
    assert watch_promises(world.db, world.env, today=world.today(), now=world.clock.now()) == 1
    view = world.case(1)
    assert view.promises[-1].status == "broken"
    assert view.status == "open"
    assert {s.state.status for s in view.seats} == {"waiting"}
    assert watch_promises(world.db, world.env, today=world.today(), now=world.clock.now()) == 0
    assert any("promise to pay broken" in n for n in world.rendered("note"))


async def test_a_promise_is_kept_when_the_money_arrives(world: World, tmp_path: Path) -> None:
    world.scan()
    await world.say("wang.wei", "/ar promise 1 1000 2026-03-20")
    paid = [
        row("INV-1", "C1", "Northwind Trading", "wang.wei", "2026-03-15", "1000.00", paid="1000"),
        *LEDGER[1:],
    ]
    run_import(world.db, write_csv(tmp_path / "paid.csv", LEDGER_HEADER, paid))
    assert watch_promises(world.db, world.env, today=world.today(), now=world.clock.now()) == 1
    assert world.case(1).promises[-1].status == "kept"
    assert any("has arrived" in n for n in world.rendered("note"))


# --- audit and delivery ---------------------------------------------------------------------


async def test_every_change_is_in_the_audit_chain_and_tampering_shows(world: World) -> None:
    world.scan()
    await world.say("li.na", "/ar input 1 finance statement sent")
    await world.say("wang.wei", "/ar promise 1 800 2026-03-20")
    world.advance(minutes=16)
    world.tick()
    with world.db.engine.connect() as conn:
        actions = conn.execute(text("SELECT action FROM audit_log ORDER BY id")).scalars().all()
        assert {"case.open", "case.answer", "case.promise", "seat.escalation"} <= set(actions)
        assert audit.verify(conn).ok
    with world.db.engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_log SET detail = :d WHERE action = 'case.promise'"),
            {"d": json.dumps({"amount": "8"})},
        )
    with world.db.engine.connect() as conn:
        result = audit.verify(conn)
    assert not result.ok and "was edited" in result.problems[0]


async def test_the_console_prints_cards_escalations_and_updates_with_names(world: World) -> None:
    world.scan()
    world.advance(minutes=15)
    world.tick()
    out = io.StringIO()
    console = ConsoleMessenger(world.router, world.config, stdin=io.StringIO(), stdout=out)
    with world.db.engine.connect() as conn:
        for r in world.pending():
            reply = render_row(conn, r, world.config, world.clock.now())
            assert reply is not None
            update_ref = "x" if r.kind == "card_update" else None
            await console.deliver(r, reply, update_ref=update_ref, thread_ref=None)
    printed = out.getvalue()
    assert (
        "[#test] arcircle: 🔴 New case. @Sales @Finance @Legal: please answer within 15m."
        in printed
    )
    assert (
        "[#test › #1] arcircle: 🔔 Case #1 Northwind Trading: Sales has not answered in time"
        in printed
    )
    assert "@王伟" in printed
    assert "<@" not in printed  # mentions print as names


def test_a_seat_woken_too_early_says_nothing_and_sleeps_until_its_time(world: World) -> None:
    world.scan()
    with world.db.engine.begin() as conn:
        conn.execute(update(_seat).values(due_at=world.clock.now() - timedelta(seconds=1)))
    assert world.tick() == 0
    assert world.pending("remind") == []
    with world.db.engine.connect() as conn:
        due = set(conn.execute(select(_seat.c.due_at)).scalars())
    assert due == {datetime(2026, 3, 16, 2, 10, tzinfo=UTC)}  # 10:10 Shanghai: the reminder


def test_doctor_points_at_parked_messages(world: World) -> None:
    from bot.doctor import database_checks

    world.scan()
    card = world.pending("card")[0]
    with world.db.engine.begin() as conn:
        ob.park(conn, card.id, world.clock.now(), "channel_not_found: the bot is not in #test")
    checks = {c.label: c for c in database_checks(world.db.url)}
    assert checks["outbox"].status == "warn"
    assert "1 message(s) parked" in checks["outbox"].detail
    assert "channel_not_found" in checks["outbox"].detail
    assert "arcircle outbox retry --all" in checks["outbox"].detail


def test_a_retried_inbound_event_is_handled_once(world: World) -> None:
    from storage.inbound import first_time, forget_before

    now = world.clock.now()
    with world.db.engine.begin() as conn:
        assert first_time(conn, "slack", "Ev0001", now)
        assert not first_time(conn, "slack", "Ev0001", now)
        assert first_time(conn, "telegram", "Ev0001", now)  # ids are per platform
    with world.db.engine.begin() as conn:
        assert forget_before(conn, now + timedelta(days=8)) == 2
        assert first_time(conn, "slack", "Ev0001", now)

"""/ar phrase, issue 12: the facts the command builds from the records (grade, recovery, a large
balance, disputes per invoice, the contract's interest, the contact, the last missed promise,
the limitation clock), the instalment word, and the card's order and new sections.

The engine's words are tested in tests/test_phrasing*; here a spy on `suggest` checks what the
handler hands it, and adds the engine's new Suggestion fields to see how the card shows them.
What needs the engine's new words is in tests/test_phrase_v2_cards.py.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.kernel.clock import FakeClock
from handlers.phrase_facts import is_large
from storage.customer_facts import CustomerProfile
from storage.db import Database
from tests.phrase_world import (
    TODAY,
    Spy,
    World,
    buttons,
    install_spy,
    make_world,
    sections,
    titles,
    use_profile,
    words,
)
from tests.test_llm import FakeLlm, fake  # noqa: F401 - the fixture


@pytest.fixture
def world(sqlite_db: Database, tmp_path: Path, clock: FakeClock) -> World:
    return make_world(sqlite_db, tmp_path, clock)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    return install_spy(monkeypatch)


ENGINE_FIELDS = {
    "who_acts": "销售经理亲自致电对方总经理",
    "strategy": "金额大、风险高：收紧信用，先收款后发货",
    "disputed_note": "D-1 有争议：先做质量检验，确认后开红字发票",
    "interest": "按合同至今逾期利息：¥3,000.00（每日0.1%）",
    "limitation": "诉讼时效还剩45天：请对方签署对账单",
}


# --- grade and recovery ----------------------------------------------------------------------


async def test_a_bad_debt_case_shows_grade_recovery_and_who_acts_first(
    world: World, spy: Spy
) -> None:
    await world.say("li.na", "/ar open Old Mill")
    spy.extra = dict(ENGINE_FIELDS)
    reply = await world.ask("li.na", "/ar phrase 1")
    text = reply.plain()
    # The line under the title: how bad it is and what is likely to come in.
    assert text.splitlines()[1] == "风险等级：呆账 · 按此账龄预计回收率：80%"
    assert spy.last.risk == "bad" and spy.last.recovery == Decimal("0.80")
    order = titles(reply)
    # Who acts and the strategy come before the words; the words before what goes with them.
    assert order.index("由谁出面") < order.index("策略（价值 × 风险）") < order.index("话术")
    assert (
        order.index("话术")
        < order.index("有争议的发票")
        < order.index("逾期利息（按合同）")
        < order.index("诉讼时效")
        < order.index("下一步")
        < order.index("联系时机")
        < order.index("为什么这样说")
    )
    found = sections(reply)
    assert found["由谁出面"] == ENGINE_FIELDS["who_acts"]
    assert found["诉讼时效"] == ENGINE_FIELDS["limitation"]
    # The engine's new fields are notes for us, not words for the customer.
    assert ENGINE_FIELDS["who_acts"] not in words(reply)


async def test_a_customer_is_graded_by_its_worst_invoice_and_oldest_age(
    world: World, spy: Spy
) -> None:
    en = await world.ask("tom.baker", "/ar phrase Old Mill")
    assert en.plain().splitlines()[1] == "Risk grade: bad · expected recovery at this age: 80%"
    facts = spy.last
    assert facts.risk == "bad" and facts.recovery == Decimal("0.80")
    assert {i.number: i.days_past_due for i in facts.invoices} == {"M-1": 583, "M-2": 10}
    # A bad debt says who acts; no contract rate anywhere means no interest section at all.
    assert "Who should act" in titles(en) and "Late interest (per contract)" not in titles(en)


async def test_a_recent_debt_is_in_collection(world: World, spy: Spy) -> None:
    out = await world.say("li.na", "/ar phrase Northwind")
    assert "风险等级：催收款 · 按此账龄预计回收率：90%" in out
    assert spy.last.risk == "in_collection"


async def test_an_insolvent_customers_case_is_a_bad_debt(world: World, spy: Spy) -> None:
    from sqlalchemy import update

    from storage.models import Customer

    await world.say("li.na", "/ar open Northwind")
    with world.db.engine.begin() as conn:
        table = Customer.__table__  # type: ignore[attr-defined]
        conn.execute(update(table).where(table.c.code == "C1").values(status="insolvent"))
    for command in ("/ar phrase 1", "/ar phrase Northwind"):
        out = await world.say("li.na", command)
        assert "风险等级：呆账" in out
        assert spy.last.risk == "bad"


async def test_a_dead_debt_gets_no_instalment_button(world: World, spy: Spy) -> None:
    reply = await world.ask("li.na", "/ar phrase Dead Wood")
    assert "风险等级：死账 · 按此账龄预计回收率：20%" in reply.plain()
    assert spy.last.risk == "dead"
    assert "分期备选方案" not in buttons(reply)
    assert not spy.last.want_installment


# --- the instalment word ---------------------------------------------------------------------


async def test_no_instalment_is_asked_for_unless_the_collector_says_so(
    world: World, spy: Spy
) -> None:
    first = await world.ask("tom.baker", "/ar phrase Northwind")
    assert spy.last.want_installment is False
    # The fallback is one tap away, not in the words.
    assert buttons(first)["Instalment fallback"] == "/ar phrase C1 installment"
    asked = await world.ask("tom.baker", "/ar phrase Northwind installment")
    assert spy.last.want_installment is True
    assert "Instalment fallback" not in buttons(asked)
    # "Another one" keeps it.
    assert buttons(asked)["Another one"] == "/ar phrase C1 installment --variant 1"


@pytest.mark.parametrize(
    "command",
    [
        "/ar phrase Northwind 分期",
        "/ar phrase Northwind 分期 serious",
        "/ar phrase Northwind serious instalment",
        "/ar phrase Northwind INSTALLMENT 没钱 serious",
    ],
)
async def test_the_instalment_word_in_any_order_and_language(
    world: World, spy: Spy, command: str
) -> None:
    out = await world.say("tom.baker", command)
    assert "Usage" not in out and "What to say · Northwind Trading" in out
    assert spy.last.want_installment is True
    if "serious" in command:
        assert "Technique: Serious / contractual" in out
    if "没钱" in command:
        assert spy.last.excuse == "cash_tight"


async def test_the_instalment_word_after_a_case_number(world: World, spy: Spy) -> None:
    await world.say("li.na", "/ar open Northwind")
    reply = await world.ask("tom.baker", "/ar phrase 1 installment serious")
    assert spy.last.want_installment is True
    assert buttons(reply)["Another one"] == "/ar phrase 1 serious installment --variant 1"
    # A word that is none of them is still a usage error.
    assert "Usage: /ar phrase" in await world.say("tom.baker", "/ar phrase 1 installment shouty")


# --- disputes, promises, interest -------------------------------------------------------------


async def test_a_partly_disputed_customer_passes_each_invoices_dispute(
    world: World, spy: Spy
) -> None:
    spy.extra = {"disputed_note": ENGINE_FIELDS["disputed_note"]}
    reply = await world.ask("li.na", "/ar phrase Split Ltd")
    facts = spy.last
    assert facts.disputed is True
    assert {i.number: i.disputed for i in facts.invoices} == {"D-1": True, "D-2": False}
    assert sections(reply)["有争议的发票"] == ENGINE_FIELDS["disputed_note"]


async def test_a_broken_promise_is_passed_with_its_date_and_amount(world: World, spy: Spy) -> None:
    await world.say("li.na", "/ar open Northwind")
    await world.break_a_promise(1, "800", "2026-03-18")
    await world.say("tom.baker", "/ar phrase 1")
    case = spy.last
    assert (case.broken_on, case.broken_amount, case.broken_currency) == (
        date(2026, 3, 18),
        Decimal("800.00"),
        "CNY",
    )
    assert case.broken_promises == 1
    # The customer's view reads the same promise from the records.
    await world.say("tom.baker", "/ar phrase Northwind")
    customer = spy.last
    assert (customer.broken_on, customer.broken_amount, customer.broken_currency) == (
        date(2026, 3, 18),
        Decimal("800.00"),
        "CNY",
    )


async def test_no_broken_promise_no_recap(world: World, spy: Spy) -> None:
    await world.say("tom.baker", "/ar phrase Northwind")
    assert spy.last.broken_on is None and spy.last.broken_amount is None


async def test_interest_rate_from_config_and_none_without(world: World, spy: Spy) -> None:
    reply = await world.ask("li.na", "/ar phrase Northwind")
    assert {i.interest_per_day for i in spy.last.invoices} == {None}
    assert "逾期利息（按合同）" not in titles(reply)
    world.configure("collection:\n  late_interest_per_day: 0.001\n")
    spy.extra = {"interest": ENGINE_FIELDS["interest"]}
    reply = await world.ask("li.na", "/ar phrase Northwind")
    assert {i.interest_per_day for i in spy.last.invoices} == {Decimal("0.001")}
    assert sections(reply)["逾期利息（按合同）"] == ENGINE_FIELDS["interest"]


async def test_an_invoices_own_rate_wins_over_the_customers_and_the_companys(
    world: World, spy: Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.configure("collection:\n  late_interest_per_day: 0.001\n")
    use_profile(
        monkeypatch,
        CustomerProfile(
            interest_per_day=Decimal("0.0008"), invoice_interest={"N-1": Decimal("0.0005")}
        ),
    )
    await world.say("li.na", "/ar phrase Northwind")
    rates = {i.number: i.interest_per_day for i in spy.last.invoices}
    assert rates == {"N-1": Decimal("0.0005"), "N-2": Decimal("0.0008")}
    # A contract recorded without interest (0) does not fall back to the company's clause.
    use_profile(monkeypatch, CustomerProfile(interest_per_day=Decimal(0)))
    await world.say("li.na", "/ar phrase Northwind")
    assert {i.interest_per_day for i in spy.last.invoices} == {Decimal(0)}


# --- a large balance ------------------------------------------------------------------------


async def test_a_large_balance_counts_every_currency_with_a_rate(world: World, spy: Spy) -> None:
    # CN¥1,500 + $200 at 7.00 = CN¥2,900.
    world.configure("collection:\n  large_amount: 2900\n")
    await world.say("tom.baker", "/ar phrase Northwind")
    assert spy.last.large is True
    world.configure("collection:\n  large_amount: 2901\n")
    await world.say("tom.baker", "/ar phrase Northwind")
    assert spy.last.large is False
    # The default threshold (CN¥500,000) is far above it.
    world.configure()
    await world.say("tom.baker", "/ar phrase Northwind")
    assert spy.last.large is False


async def test_a_currency_without_a_rate_does_not_count_and_says_nothing_wrong(
    world: World, spy: Spy
) -> None:
    world.configure("collection:\n  large_amount: 1000\n")
    out = await world.say("tom.baker", "/ar phrase Euro Only")
    assert spy.last.large is False
    # No word about a missing exchange rate ("strategy" holds the letters, hence the \b).
    assert "€100,000.00" in out and not re.search(r"\brate\b", out.lower())


async def test_a_large_share_of_the_credit_limit(
    world: World, spy: Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_profile(monkeypatch, CustomerProfile(credit_limit=(Decimal(3000), "CNY")))
    await world.say("tom.baker", "/ar phrase Northwind")
    assert spy.last.large is False  # CN¥1,500 < 80% of CN¥3,000
    world.configure("collection:\n  large_share_of_limit: 0.5\n")
    await world.say("tom.baker", "/ar phrase Northwind")
    assert spy.last.large is True  # CN¥1,500 ≥ 50% of CN¥3,000
    # A case counts what the customer owes in all.
    await world.say("li.na", "/ar open Northwind")
    await world.say("tom.baker", "/ar phrase 1")
    assert spy.last.large is True


def test_is_large_edges(world: World) -> None:
    cfg = world.configure("collection:\n  large_amount: 1000\n  large_share_of_limit: 0.5\n")
    none = CustomerProfile()
    assert is_large(cfg, none, [("CNY", Decimal(1000))])
    assert not is_large(cfg, none, [("CNY", Decimal("999.99"))])
    assert is_large(cfg, none, [("USD", Decimal(143))])  # 1,001 at 7.00
    assert not is_large(cfg, none, [("EUR", Decimal(10**9))])  # no rate: not counted
    # The share compares the same currency only, and a zero limit means no limit.
    usd_limit = CustomerProfile(credit_limit=(Decimal(200), "USD"))
    assert is_large(cfg, usd_limit, [("USD", Decimal(100))])
    assert not is_large(cfg, usd_limit, [("CNY", Decimal(999))])
    assert not is_large(cfg, CustomerProfile(credit_limit=(Decimal(0), "CNY")), [])
    assert not is_large(cfg, none, [])


# --- the profile ------------------------------------------------------------------------------


async def test_the_profile_reaches_the_facts(
    world: World, spy: Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_profile(
        monkeypatch,
        CustomerProfile(
            relationship_since=date(2020, 3, 1),
            contact_name="王建国",
            contact_title="总经理",
            reminders_sent=3,
            refused_full=True,
            limitation_ends=TODAY + timedelta(days=45),
        ),
    )
    for command in ("/ar phrase Northwind", "/ar phrase 1"):
        if command.endswith("1"):
            await world.say("li.na", "/ar open Northwind")
        await world.say("li.na", command)
        facts = spy.last
        assert facts.relationship_years == 6
        assert (facts.contact_name, facts.contact_title) == ("王建国", "总经理")
        assert facts.reminders_sent == 3 and facts.refused_full is True
        assert facts.limitation_days_left == 45


async def test_the_records_say_nothing_so_the_facts_claim_nothing(world: World, spy: Spy) -> None:
    await world.say("li.na", "/ar phrase Northwind")
    facts = spy.last
    assert facts.relationship_years is None and facts.contact_name is None
    assert facts.reminders_sent == 0 and facts.refused_full is False
    # No acknowledgement recorded: the period runs three years from the earliest due date,
    # 2026-02-01 → 2029-02-01, which is 1,053 days after the world's today (2026-03-16).
    assert facts.limitation_days_left == 1053


async def test_the_company_short_name_is_what_we_call_ourselves(world: World, spy: Spy) -> None:
    await world.say("li.na", "/ar phrase Northwind")
    assert spy.last.our_company == "Test Machinery"
    world.configure(company="  short_name: 测试机械\n")
    await world.say("li.na", "/ar phrase Northwind")
    assert spy.last.our_company == "测试机械"


async def test_the_words_call_us_by_the_short_name(world: World) -> None:
    """Today's partnership openings name us ({our_company}) in one of their variants."""
    world.configure(company="  short_name: 测试机械\n")
    said = [
        words(await world.ask("li.na", f"/ar phrase Northwind partnership --variant {n}"))
        for n in range(3)
    ]
    assert any("测试机械" in s for s in said)
    assert not any("Test Machinery" in s for s in said)


async def test_the_paid_note_calls_us_by_the_short_name(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.kernel.paid_note as paid_note
    from storage.circle import load_case

    cfg = world.configure(company="  short_name: 测试机械\n")
    await world.say("li.na", "/ar open Northwind")
    seen: list[str] = []
    real = paid_note.suggest

    def spying(facts: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(facts.our_company)
        return real(facts, *args, **kwargs)

    monkeypatch.setattr(paid_note, "suggest", spying)
    with world.db.engine.connect() as conn:
        view = load_case(conn, 1)
    assert view is not None
    paid_note.paid_thanks({"years": 2}, view, cfg, "zh-CN")
    assert seen == ["测试机械"]

"""/ar phrase cards with the engine branch's words (issue 12, points 1–5 and 8): each test here
runs the real engine over the facts the handler builds.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.kernel.clock import FakeClock
from playbook.compliance import lint
from storage.customer_facts import CustomerProfile
from storage.db import Database
from tests.phrase_world import World, make_world, sections, titles, use_profile, words

# Words that invite part payment: never before a refusal or the collector's asking.
PART_PAYMENT = re.compile(
    r"分期|能先付|先付多少|能安排多少|instal+ment|how much (?:can|could) you pay", re.IGNORECASE
)
# A friendly ask a dead debt must not get.
FRIENDLY = re.compile(r"您是否愿意|麻烦您|方便的话|would you be willing|could we", re.IGNORECASE)


@pytest.fixture
def world(sqlite_db: Database, tmp_path: Path, clock: FakeClock) -> World:
    return make_world(sqlite_db, tmp_path, clock)


async def test_a_bad_debt_names_who_acts_with_its_grade(world: World) -> None:
    await world.say("li.na", "/ar open Old Mill")
    reply = await world.ask("li.na", "/ar phrase 1")
    assert reply.card is not None
    assert reply.card.subtitle == "风险等级：呆账 · 按此账龄预计回收率：80%"
    order = titles(reply)
    assert "由谁出面" in order and order.index("由谁出面") < order.index("话术")
    assert sections(reply)["由谁出面"].strip()


async def test_a_dead_debt_never_gets_an_instalment_or_a_friendly_ask(world: World) -> None:
    for who, command in (
        ("li.na", "/ar phrase Dead Wood"),
        ("tom.baker", "/ar phrase Dead Wood"),
        ("li.na", "/ar phrase Dead Wood installment"),
        ("li.na", "/ar phrase Dead Wood 没钱"),
    ):
        reply = await world.ask(who, command)
        said = words(reply)
        assert not PART_PAYMENT.search(said), (command, said)
        assert not FRIENDLY.search(said), (command, said)
        who_acts = sections(reply)["由谁出面" if who == "li.na" else "Who should act"]
        assert re.search(r"法务|律师|法律|legal|lawyer", who_acts, re.IGNORECASE)


async def test_no_part_payment_invitation_before_a_refusal(world: World) -> None:
    for customer in ("Old Mill", "Northwind"):
        for who in ("li.na", "tom.baker"):
            said = words(await world.ask(who, f"/ar phrase {customer}"))
            assert not PART_PAYMENT.search(said), (customer, who, said)
    # The collector asks for the fallback: now it is there.
    zh = words(await world.ask("li.na", "/ar phrase Old Mill installment"))
    en = words(await world.ask("tom.baker", "/ar phrase Old Mill instalment"))
    assert "分期" in zh and re.search(r"instal+ment", en, re.IGNORECASE)


async def test_a_recorded_refusal_allows_the_instalment(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_profile(monkeypatch, CustomerProfile(refused_full=True))
    assert "分期" in words(await world.ask("li.na", "/ar phrase Old Mill"))


async def test_a_partly_disputed_customer_is_asked_for_the_undisputed_amount(
    world: World,
) -> None:
    reply = await world.ask("li.na", "/ar phrase Split Ltd")
    said = words(reply)
    assert "¥2,000.00" in said and "¥5,000.00" not in said
    note = sections(reply)["有争议的发票"]
    assert "D-1" in note
    assert lint(said, locale="zh-CN") == []


async def test_a_broken_promise_recaps_the_missed_date_and_amount(world: World) -> None:
    await world.say("li.na", "/ar open Northwind")
    await world.break_a_promise(1, "800", "2026-03-18")
    said = words(await world.ask("li.na", "/ar phrase 1"))
    assert "3月18日" in said and "800" in said
    assert "一向" not in said  # no praise after a miss


async def test_interest_to_date_with_a_contract_rate_and_none_without(world: World) -> None:
    reply = await world.ask("li.na", "/ar phrase Northwind")
    assert "逾期利息（按合同）" not in titles(reply)
    assert "利息" not in words(reply)
    world.configure("collection:\n  late_interest_per_day: 0.001\n")
    reply = await world.ask("li.na", "/ar phrase Northwind")
    # N-1: CN¥1,500 × 0.1% a day × 43 days late = CN¥64.50.
    days = (date(2026, 3, 16) - date(2026, 2, 1)).days
    expected = (Decimal("1500") * Decimal("0.001") * days).quantize(Decimal("0.01"))
    assert f"{expected:,}" in sections(reply)["逾期利息（按合同）"]


async def test_a_big_customer_gets_a_manager_call(world: World) -> None:
    world.configure("collection:\n  large_amount: 1000\n")
    zh = await world.ask("li.na", "/ar phrase Northwind")
    en = await world.ask("tom.baker", "/ar phrase Northwind")
    assert "经理" in sections(zh)["由谁出面"]
    assert "manager" in sections(en)["Who should act"].lower()


async def test_the_contact_is_greeted_by_surname_and_title(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_profile(monkeypatch, CustomerProfile(contact_name="王建国", contact_title="总经理"))
    for variant in range(3):
        said = words(await world.ask("li.na", f"/ar phrase Northwind --variant {variant}"))
        assert said.startswith("王总，您好"), said


async def test_no_claim_of_earlier_reminders_without_records(world: World) -> None:
    for variant in range(3):
        said = words(await world.ask("li.na", f"/ar phrase Old Mill --variant {variant}"))
        assert "多次提醒" not in said and "提醒过" not in said, said

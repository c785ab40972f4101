"""/ar phrase with a language model, issue 12: a bad or dead debt keeps the reviewed template,
the model never sees the contact's name unless the customer's may leave, and its text replaces
the words only (who acts, interest and the rest stay on the card)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.kernel.clock import FakeClock
from bot.kernel.config import Llm
from bot.router import Router
from playbook.compliance import lint
from storage.customer_facts import CustomerProfile
from storage.db import Database
from tests.phrase_world import Spy, World, install_spy, make_world, sections, use_profile, words
from tests.test_llm import FakeLlm, fake  # noqa: F401 - the fixture

WHO_ACTS = "销售经理亲自致电对方总经理"
INTEREST = "按合同至今逾期利息：¥3,000.00（每日0.1%）"


@pytest.fixture
def world(sqlite_db: Database, tmp_path: Path, clock: FakeClock) -> World:
    return make_world(sqlite_db, tmp_path, clock)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    return install_spy(monkeypatch)


def with_llm(world: World, server: FakeLlm, send: list[str] | None = None) -> None:
    cfg = world.router.config
    llm = Llm(url=server.url, model="fake-model", timeout=timedelta(seconds=2))
    if send is not None:
        llm = llm.model_copy(update={"send": send})
    cfg = cfg.model_copy(update={"phrasing": cfg.phrasing.model_copy(update={"llm": llm})})
    world.router = Router(world.db, cfg, world.clock)


async def test_a_bad_or_dead_debt_keeps_the_template_and_says_why(
    world: World,
    fake: FakeLlm,  # noqa: F811
) -> None:
    fake.answer("请问这周能先付多少？")
    with_llm(world, fake)
    for customer in ("Old Mill", "Dead Wood"):
        out = await world.say("li.na", f"/ar phrase {customer}")
        assert "不交由语言模型改写" in out
        assert "能先付多少" not in out
    assert fake.requests == []
    # A debt not yet bad is still adapted.
    out = await world.say("li.na", "/ar phrase Northwind")
    assert "能先付多少" in out and len(fake.requests) == 1


async def test_the_model_never_sees_the_contacts_name(
    world: World,
    spy: Spy,
    fake: FakeLlm,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_profile(monkeypatch, CustomerProfile(contact_name="王建国", contact_title="总经理"))
    spy.extra = {"opening": "王总，您好！N-1号发票已逾期，王建国总经理您看本周能否安排？"}
    fake.answer("[联系人]，您好！麻烦本周安排一下付款，谢谢。")
    with_llm(world, fake)
    reply = await world.ask("li.na", "/ar phrase Northwind")
    sent = json.dumps(fake.requests[0].body, ensure_ascii=False)
    assert "王总" not in sent and "王建国" not in sent and "[联系人]" in sent
    # The card addresses them as the template did.
    assert words(reply) == "王总，您好！麻烦本周安排一下付款，谢谢。"
    assert lint(words(reply), locale="zh-CN") == []


async def test_the_contacts_name_is_sent_where_the_customers_may_be(
    world: World,
    spy: Spy,
    fake: FakeLlm,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_profile(monkeypatch, CustomerProfile(contact_name="Wang Jianguo", contact_title="CFO"))
    spy.extra = {"opening": "Hi Mr Wang, invoice N-1 is overdue."}
    fake.answer("Hi [contact], could you settle this week? Thanks.")
    with_llm(world, fake)
    await world.ask("tom.baker", "/ar phrase Northwind")
    assert "Wang" not in json.dumps(fake.requests[0].body)
    with_llm(world, fake, send=["customer_name", "amounts"])
    await world.ask("tom.baker", "/ar phrase Northwind")
    assert "Mr Wang" in json.dumps(fake.requests[1].body)


async def test_the_model_replaces_the_words_only(
    world: World,
    spy: Spy,
    fake: FakeLlm,  # noqa: F811
) -> None:
    spy.extra = {"who_acts": WHO_ACTS, "interest": INTEREST}
    fake.answer("您好，麻烦本周安排付款，谢谢。")
    with_llm(world, fake)
    reply = await world.ask("li.na", "/ar phrase Northwind")
    found = sections(reply)
    assert found["话术"] == "您好，麻烦本周安排付款，谢谢。"
    assert found["由谁出面"] == WHO_ACTS
    assert found["逾期利息（按合同）"] == INTEREST
    # The rules the model gets include full amount first, in the reader's language.
    sent = json.dumps(fake.requests[0].body, ensure_ascii=False)
    assert "不要问对方能先付多少" in sent

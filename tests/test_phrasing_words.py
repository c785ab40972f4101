"""Issue 12 in the words: the greeting by contact and title, what the records do (not) show,
different due dates, our short name, the new price-pressure excuse, and the Chinese wording
a native collection manager would write."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from itertools import product
from typing import Any

import pytest

from playbook.library import load_playbook
from playbook.phrasing import STAGES, TONES, CaseFacts, InvoiceFact, suggest
from playbook.phrasing_render import zh_address
from tests.playbook_texts import CUSTOMER_SLOTS, customer_texts

LOCALES = ("en", "zh-CN")
DAYS_FOR = {"pre_due": -5, "early": 12, "mid": 45, "late": 130}


def _inv(number: str = "INV-1", days: int = 12, due: date = date(2026, 3, 1)) -> InvoiceFact:
    return InvoiceFact(number, Decimal("12000"), "CNY", days, due)


def _facts(**kw: Any) -> CaseFacts:
    stage = kw.get("stage", "early")
    base: dict[str, Any] = {
        "customer": "Northwind",
        "invoices": (_inv(days=DAYS_FOR[stage]),),
        "our_company": "Huadong",
    }
    base.update(kw)
    return CaseFacts(**base)


@pytest.fixture(params=LOCALES)
def book(request: pytest.FixtureRequest) -> Any:
    return load_playbook(request.param)


def _every_suggestion(book: Any, **kw: Any) -> list[Any]:
    out = []
    for stage, tone, variant, risk in product(
        STAGES, (None, *TONES), range(3), (None, "in_collection", "doubtful", "bad", "dead")
    ):
        out.append(suggest(_facts(stage=stage, risk=risk, **kw), book, tone=tone, variant=variant))
    for variant, paid in product(range(3), (False, True)):
        out.append(suggest(_facts(invoices=(), just_paid=paid, **kw), book, variant=variant))
    return out


# --------------------------------------------------------------------------------------------
# The greeting


@pytest.mark.parametrize(
    ("name", "title", "address"),
    [
        ("王建国", "总经理", "王总"),
        ("王建国", "副总经理", "王总"),
        ("陈志强", "董事长", "陈总"),
        ("赵敏", "财务总监", "赵总"),
        ("刘洋", "总裁", "刘总"),
        ("李娜", "财务经理", "李经理"),
        ("李娜", "经理", "李经理"),
        ("张伟", "采购主管", "张主管"),
        ("孙丽", "会计", "孙会计"),
        ("周杰", "总经理助理", "周助理"),
        ("欧阳明", "总经理", "欧阳总"),
        ("王建国", "", "王建国"),
        ("王建国", "采购", "王建国"),
        ("Anna Schmidt", "CFO", "Anna Schmidt"),
    ],
)
def test_chinese_address_by_title(name: str, title: str, address: str) -> None:
    assert zh_address(name, title) == address


def test_greeting_uses_contact_name_and_title() -> None:
    facts = _facts(contact_name="王建国", contact_title="总经理")
    for tone, variant in product(TONES, range(3)):
        zh = suggest(facts, load_playbook("zh-CN"), tone=tone, variant=variant)
        assert zh.opening.startswith("王总，您好！"), zh.opening
        en = suggest(facts, load_playbook("en"), tone=tone, variant=variant)
        assert en.opening.startswith("Dear 王建国,\n") and "\n " not in en.opening, en.opening
    en = suggest(_facts(contact_name="Wang Jianguo"), load_playbook("en"))
    assert en.opening.startswith("Dear Wang Jianguo,\nI know month end")
    broken = suggest(_facts(contact_name="李娜", contact_title="财务经理", broken_promises=1),
                     load_playbook("zh-CN"))  # fmt: skip
    assert broken.opening.startswith("李经理，您好！")


def test_greeting_falls_back_without_a_contact() -> None:
    for tone in TONES:
        assert suggest(_facts(), load_playbook("zh-CN"), tone=tone).opening.startswith("您好！")
        assert suggest(_facts(), load_playbook("en"), tone=tone).opening.startswith("Hello,\n")


def test_hostile_contact_names_are_bounded_and_not_templates(book: Any) -> None:
    s = suggest(_facts(contact_name="{amount}" + "x" * 500), book)
    assert "{amount}" in s.opening and "x" * 41 not in s.opening


# --------------------------------------------------------------------------------------------
# What the records show

REMINDER_CLAIM = re.compile(
    r"提醒过|多次提醒|再次提醒|几次提醒|又一次|一再|reminded|several reminders|earlier reminders"
    r"|previous reminders|the reminders|once again",
    re.IGNORECASE,
)
YEARS_CLAIM = re.compile(r"这几年|多年|几年来|\d+年的合作|years", re.IGNORECASE)


def test_no_claim_of_past_reminders_or_years_without_records(book: Any) -> None:
    for s in _every_suggestion(book, reminders_sent=0):
        assert not REMINDER_CLAIM.search(s.text), s.text
        assert not YEARS_CLAIM.search(s.text), s.text


def test_different_due_dates_are_not_one_due_date(book: Any) -> None:
    zh = book.locale == "zh-CN"
    invoices = (_inv("A", 40, date(2026, 2, 1)), _inv("B", 10, date(2026, 3, 3)))
    earliest = "2026年2月1日" if zh else "1 February 2026"
    later = "2026年3月3日" if zh else "3 March 2026"
    marker = "（最早一张）" if zh else " (the earliest)"
    seen = 0
    for stage, tone, variant in product(("early", "mid", "late"), TONES, range(3)):
        s = suggest(_facts(stage=stage, invoices=invoices), book, tone=tone, variant=variant)
        assert later not in s.text
        if earliest in s.text:
            seen += 1
            assert earliest + marker in s.text, s.text
            # A template's own brackets around the date would nest: "到期日（…（最早一张））".
            assert not re.search(r"[（(][^）)]*[（(]", s.text), s.text
    assert seen > 10
    same = (_inv("A", 40), _inv("B", 40))
    s = suggest(_facts(invoices=same, stage="mid"), book, tone="empathetic")
    assert marker not in s.text


def test_our_company_reads_as_one_name(book: Any) -> None:
    name = "华东精密机械有限公司 Huadong Precision Machinery"
    s = suggest(_facts(our_company=name, invoices=()), book, variant=2)
    assert name not in s.text
    for variant in range(3):
        text = suggest(_facts(our_company=name, stage="pre_due"), book, tone="sandwich",
                       variant=variant).text  # fmt: skip
        assert name not in text
    expected = "华东精密机械有限公司" if book.locale == "zh-CN" else "Huadong Precision Machinery"
    closing = suggest(_facts(our_company=name, invoices=(), just_paid=True), book, variant=2)
    assert expected in closing.text


# --------------------------------------------------------------------------------------------
# The price-pressure excuse


@pytest.mark.parametrize(
    "alias", ["压价", "降价", "价格太高", "要求降价", "price cut", "discount", "借机压价"]
)
def test_price_pressure_aliases(book: Any, alias: str) -> None:
    assert book.find_excuse(alias) == "price_pressure"


def test_price_pressure_keeps_the_contract_price(book: Any) -> None:
    zh = book.locale == "zh-CN"
    for variant in range(3):
        s = suggest(_facts(stage="mid", excuse="price_pressure"), book, variant=variant)
        assert s.excuse_reply and ("合同" in s.excuse_reply if zh else "contract" in s.excuse_reply)
        assert s.fallback is None
    e = book.excuse("price_pressure")
    assert e.reason == "deliberate_delay"
    assert ("新订单" in e.next_step) if zh else ("new orders" in e.next_step)


# --------------------------------------------------------------------------------------------
# Wording a native reader would write

ZH_UNNATURAL = re.compile(
    r"账期是|账期快到|账期已过|我有点担心|您是否愿意|同样适用于逾期款项|JP¥|不好意思|很抱歉|抱歉"
    r"|听得出来|不顺心|您现在很着急|您很烦|心里有些不踏实|谢谢您包涵"
)
EN_UNNATURAL = re.compile(
    r"sorry|apolog|I'm a little concerned|would you be willing|worried|I feel uneasy"
    r"|frustrating period|bear(?:ing)? with me",
    re.IGNORECASE,
)


def _words_texts(data: Any) -> list[str]:
    return customer_texts(data, (*CUSTOMER_SLOTS, "installment"))


def test_no_translationese_no_needless_apologies() -> None:
    for text in _words_texts(load_playbook("zh-CN").data):
        assert not ZH_UNNATURAL.search(text), text
    for text in _words_texts(load_playbook("en").data):
        assert not EN_UNNATURAL.search(text), text


def test_yen_reads_as_riyuan_in_chinese_words() -> None:
    facts = _facts(invoices=(InvoiceFact("J-1", Decimal("3304500"), "JPY", 12, date(2026, 3, 1)),))
    zh = suggest(facts, load_playbook("zh-CN"), tone="empathetic")
    assert "3,304,500日元" in zh.ask and "JP¥" not in zh.text and "¥3,304,500" not in zh.text
    en = suggest(facts, load_playbook("en"), tone="empathetic")
    assert "¥3,304,500" in en.ask
    usd = _facts(invoices=(InvoiceFact("U-1", Decimal("1500.5"), "USD", 12, date(2026, 3, 1)),))
    assert "US$1,500.50" in suggest(usd, load_playbook("zh-CN"), tone="empathetic").ask


def test_zh_due_date_is_not_called_zhangqi() -> None:
    zh = load_playbook("zh-CN")
    s = suggest(_facts(stage="mid", invoices=(_inv(days=45),)), zh, tone="empathetic")
    assert "到期日是2026年3月1日，现在已逾期45天" in s.ask

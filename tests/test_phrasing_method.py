"""Issue 12 in the phrasing engine: the grade and the amount choose the method, full amount
first, disputes split, the broken-promise step, late interest, the limitation clock."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from itertools import product
from typing import Any

import pytest

from playbook.aging import RiskGrade
from playbook.library import load_playbook
from playbook.phrasing import STAGES, TONES, CaseFacts, InvoiceFact, TimingPolicy, suggest
from tests.playbook_texts import customer_texts

LOCALES = ("en", "zh-CN")
GRADES = tuple(g.value for g in RiskGrade)
RATE = Decimal("0.001")  # the training text's 0.1% a day


def _inv(
    number: str = "INV-1",
    amount: str = "100000",
    days: int = 30,
    due: date = date(2026, 3, 1),
    currency: str = "CNY",
    **kw: Any,
) -> InvoiceFact:
    return InvoiceFact(number, Decimal(amount), currency, days, due, **kw)


def _facts(**kw: Any) -> CaseFacts:
    base: dict[str, Any] = {
        "customer": "Northwind",
        "invoices": (_inv(),),
        "stage": "mid",
        "contact_name": "王建国",
        "contact_title": "总经理",
        "our_company": "Huadong",
    }
    base.update(kw)
    return CaseFacts(**base)


@pytest.fixture(params=LOCALES)
def book(request: pytest.FixtureRequest) -> Any:
    return load_playbook(request.param)


# --------------------------------------------------------------------------------------------
# 1. The grade and the amount choose the method


def test_dead_debt_is_a_formal_final_demand_never_a_friendly_ask(book: Any) -> None:
    zh = book.locale == "zh-CN"
    for variant, excuse, tone in product(range(3), (None, "cash_tight"), (None, "sandwich")):
        facts = _facts(
            stage="late",
            risk="dead",
            excuse=excuse,
            want_installment=True,
            refused_full=True,
            invoices=(_inv(days=800),),
        )
        s = suggest(facts, book, variant=variant, tone=tone)
        assert s.fallback is None  # never an instalment, even when asked for
        assert s.excuse_reply is None
        assert s.opening in [
            o.replace("{greeting}", "王总，您好！" if zh else "Dear 王建国,\n")
            .replace("{customer}", "Northwind")
            .replace("{invoices}", "INV-1号发票" if zh else "invoice INV-1")
            .replace("{days}", "800天" if zh else "800 days")
            .replace("\n ", "\n")
            for o in book.data["grades"]["dead"]["opening"]
        ]
        assert ("法律途径" in s.text or "法律程序" in s.text) if zh else "legal" in s.text
        friendly = ("谢谢", "合作", "愉快", "您看") if zh else ("thank", "pleasure", "partner")
        assert not any(w in s.text.lower() for w in friendly), s.text
        assert (
            ("核销" in s.next_step and "坏账" in s.next_step) if zh else "write off" in s.next_step
        )
        assert s.who_acts and ("律师" in s.who_acts if zh else "law firm" in s.who_acts)
        assert s.grade_label == RiskGrade.DEAD.label(book.locale)
        assert s.tone == "serious"  # a formal demand, whatever tone was asked for


def test_bad_debt_demands_by_a_date_with_the_contract_and_the_next_step(book: Any) -> None:
    zh = book.locale == "zh-CN"
    # today = 1 March 2026 + 583 days = 5 October 2027; a week to pay.
    s = suggest(_facts(stage="late", risk="bad", invoices=(_inv(days=583),)), book)
    assert ("2027年10月12日" if zh else "12 October 2027") in s.ask
    assert ("合同" in s.ask) if zh else ("contract" in s.ask)
    assert s.fallback is None
    assert s.who_acts and ("律师函" in s.who_acts if zh else "lawyer's letter" in s.who_acts)
    assert ("律师函" in s.next_step) if zh else ("lawyer's letter" in s.next_step)
    refused = suggest(_facts(stage="late", risk="bad", refused_full=True), book)
    assert refused.fallback  # a recorded refusal: the collector may offer the fallback


def test_doubtful_brings_in_the_manager_and_legal_review(book: Any) -> None:
    zh = book.locale == "zh-CN"
    s = suggest(_facts(stage="late", risk="doubtful", relationship_years=8), book)
    assert s.tone == "serious"
    assert s.who_acts and ("经理" in s.who_acts if zh else "manager" in s.who_acts)
    assert ("法务" in s.next_step) if zh else ("legal" in s.next_step)


def test_in_collection_keeps_the_ladder(book: Any) -> None:
    plain = suggest(_facts(stage="mid", relationship_years=5), book)
    graded = suggest(_facts(stage="mid", relationship_years=5, risk="in_collection"), book)
    assert graded.tone == plain.tone == "sandwich" and graded.text == plain.text
    assert graded.who_acts is None


def test_a_large_balance_brings_in_a_manager_from_in_collection_on(book: Any) -> None:
    large = book.data["method"]["who_acts"]["large"]
    for risk in ("in_collection", None):
        assert suggest(_facts(large=True, risk=risk), book).who_acts == large
    assert suggest(_facts(large=False, risk="in_collection"), book).who_acts is None
    pre = _facts(large=True, risk="not_due", stage="pre_due", invoices=(_inv(days=-5),))
    assert suggest(pre, book).who_acts is None
    for risk in ("doubtful", "bad", "dead"):
        s = suggest(_facts(large=True, risk=risk, stage="late"), book)
        assert s.who_acts == book.data["method"]["who_acts"][risk]


def test_grade_label_and_recovery_line() -> None:
    zh = load_playbook("zh-CN")
    s = suggest(_facts(risk="bad", recovery=Decimal("0.8")), zh)
    assert s.grade_label == "呆账"
    assert s.recovery == "按此账龄预计回收率：80%"
    en = suggest(_facts(risk="doubtful", recovery=Decimal("0.125")), load_playbook("en"))
    assert en.grade_label == "doubtful" and en.recovery and "12.5%" in en.recovery
    none = suggest(_facts(), zh)
    assert none.grade_label is None and none.recovery is None and none.strategy is None


@pytest.mark.parametrize(
    ("large", "risk", "cell"),
    [
        (True, "in_collection", "large_low"),
        (True, "bad", "large_high"),
        (False, "in_collection", "small_low"),
        (False, "dead", "small_high"),
        (True, None, "large_low"),
    ],
)
def test_value_by_risk_matrix(book: Any, large: bool, risk: str | None, cell: str) -> None:
    s = suggest(_facts(large=large, risk=risk, stage="late"), book)
    assert s.strategy == book.data["method"]["strategy"][cell]


def test_an_important_customer_is_high_value_even_with_a_small_bill(book: Any) -> None:
    cells = book.data["method"]["strategy"]
    s = suggest(_facts(segment="important", risk="in_collection", stage="mid"), book)
    assert s.strategy == cells["large_low"]
    s = suggest(_facts(segment="important", risk="bad", stage="late"), book)
    assert s.strategy == cells["large_high"]
    s = suggest(_facts(segment="normal", risk="in_collection", stage="mid"), book)
    assert s.strategy == cells["small_low"]


def test_strategy_words_carry_the_matrix() -> None:
    zh = load_playbook("zh-CN").data["method"]["strategy"]
    assert "高层" in zh["large_low"] and "条款" in zh["large_low"]
    assert "法务" in zh["large_high"] and "信用" in zh["large_high"]
    assert "标准流程" in zh["small_low"]
    assert "先款后货" in zh["small_high"]


# --------------------------------------------------------------------------------------------
# 2. Full amount first

PART_PAYMENT = re.compile(
    r"能安排多少|能先付多少|先付多少|付多少|能付多少|how much can you|what can you (?:pay|manage)"
    r"|tell me what you can pay",
    re.IGNORECASE,
)


def test_no_part_payment_invitation_anywhere_in_the_words(book: Any) -> None:
    for text in customer_texts(book.data):
        assert not PART_PAYMENT.search(text), text
    for text in book.data["installment"]:  # the fallback proposes a plan, never "how much"
        assert not PART_PAYMENT.search(text), text


def test_no_instalment_before_a_refusal(book: Any) -> None:
    for stage, risk, broken, variant in product(STAGES, GRADES, (0, 3), range(3)):
        facts = _facts(stage=stage, risk=risk, broken_promises=broken)
        s = suggest(facts, book, variant=variant)
        assert s.fallback is None, (stage, risk, broken)
        assert not PART_PAYMENT.search(s.text)
    for key in ("refused_full", "want_installment"):
        s = suggest(_facts(stage="late", risk="in_collection", **{key: True}), book)
        assert s.fallback and s.fallback in s.text
    heard = suggest(_facts(excuse="cash_tight"), book)
    assert heard.fallback  # a cash-flow excuse is a refusal heard
    off = TimingPolicy(allow_installments=False)
    assert suggest(_facts(want_installment=True), book, timing=off).fallback is None
    assert suggest(_facts(refused_full=True, risk="dead"), book).fallback is None


# --------------------------------------------------------------------------------------------
# 3. Disputes are split, not demanded

NO_REPLY = re.compile(
    r"没有回复|没收到您|还没收到您那边|未回复|haven't heard|not heard|no reply|not replied",
    re.IGNORECASE,
)


def _split_case(**kw: Any) -> CaseFacts:
    invoices = (
        _inv("Q-1", "30000", 40),
        _inv("Q-2", "12000", 25, date(2026, 3, 16), disputed=True),
        _inv("Q-3", "8000", 20, date(2026, 3, 21)),
    )
    return _facts(invoices=invoices, **kw)


def test_only_the_undisputed_amount_is_asked_for(book: Any) -> None:
    zh = book.locale == "zh-CN"
    for tone, variant, stage in product((None, *TONES), range(3), ("early", "mid", "late")):
        s = suggest(_split_case(stage=stage), book, tone=tone, variant=variant)
        undisputed = "¥38,000.00" if zh else "CN¥38,000.00"
        assert undisputed in s.ask, s.ask
        assert "50,000" not in s.text  # never the total with the disputed invoice in it
        assert not NO_REPLY.search(s.opening), s.opening
    s = suggest(_split_case(), book)
    assert s.disputed_note and "Q-2" in s.disputed_note and "12,000.00" in s.disputed_note
    assert (
        ("红字发票" in s.disputed_note and "质检" in s.disputed_note)
        if zh
        else ("credit note" in s.disputed_note and "quality check" in s.disputed_note)
    )
    assert "Q-1" in s.ask and "Q-3" in s.ask


def test_everything_disputed_means_no_payment_ask(book: Any) -> None:
    invoices = (_inv("Q-1", disputed=True), _inv("Q-2", "5000", disputed=True))
    for variant, risk in product(range(3), (None, "in_collection", "bad", "dead")):
        s = suggest(_facts(invoices=invoices, risk=risk, stage="late"), book, variant=variant)
        words = ("付款", "支付", "付清", "到账") if book.locale == "zh-CN" else ("pay",)
        assert not any(w in s.text.lower() for w in words), s.text
        assert s.fallback is None and s.excuse_reply is None
        assert s.disputed_note and "Q-1" in s.disputed_note
        assert not NO_REPLY.search(s.text)


# --------------------------------------------------------------------------------------------
# 4. The broken-promise step

PRAISE = re.compile(
    r"一向|利索|靠谱|守时|愉快|reliable|always|pleasure|appreciate how", re.IGNORECASE
)


def test_broken_promise_recaps_date_and_amount_and_asks_in_writing() -> None:
    facts = _facts(
        broken_on=date(2026, 3, 20),
        broken_amount=Decimal("50000"),
        broken_currency="CNY",
        broken_promises=1,
    )
    zh = suggest(facts, load_playbook("zh-CN"))
    assert "您承诺于2026年3月20日支付的¥50,000.00，至今未到账。" in zh.ask
    assert "书面确认" in zh.ask and "合同" in zh.ask
    en = suggest(facts, load_playbook("en"))
    assert "20 March 2026" in en.ask and "CN¥50,000.00" in en.ask
    assert "in writing" in en.ask and "contract" in en.ask


def test_broken_amount_defaults_to_the_invoice_currency() -> None:
    usd = (_inv(currency="USD"),)
    facts = _facts(invoices=usd, broken_on=date(2026, 3, 20), broken_amount=Decimal("700"))
    assert "US$700.00" in suggest(facts, load_playbook("zh-CN")).ask
    nameless = suggest(_facts(broken_on=date(2026, 3, 20)), load_playbook("zh-CN"))
    assert "您承诺于2026年3月20日支付的款项，至今未到账。" in nameless.ask


def test_no_praise_after_a_missed_promise(book: Any) -> None:
    for tone, variant, stage, years in product(
        (None, *TONES), range(3), ("early", "mid", "late"), (None, 5)
    ):
        for broken in ({"broken_promises": 1}, {"broken_on": date(2026, 3, 20)}):
            facts = _facts(stage=stage, relationship_years=years, segment="important", **broken)
            s = suggest(facts, book, tone=tone, variant=variant)
            assert not PRAISE.search(s.text), (tone, variant, s.text)


def test_broken_promise_states_interest_when_the_contract_has_it() -> None:
    facts = _facts(broken_on=date(2026, 3, 20), invoices=(_inv(interest_per_day=RATE),))
    s = suggest(facts, load_playbook("zh-CN"))
    assert "每日0.1%" in s.ask and "¥3,000.00" in s.ask


# --------------------------------------------------------------------------------------------
# 5. Late interest per contract


def test_interest_worked_examples() -> None:
    zh = load_playbook("zh-CN")
    one = suggest(_facts(invoices=(_inv(interest_per_day=RATE),)), zh)  # 100000 × 0.1% × 30
    assert one.interest == "按合同约定，截至今日逾期利息约 ¥3,000.00（每日0.1%）"
    two = (
        _inv("A", "100000", 30, interest_per_day=RATE),
        _inv("B", "20000", 45, interest_per_day=RATE),  # 900.00
        _inv("C", "1000", 10, currency="USD", interest_per_day=RATE),  # 10.00
    )
    many = suggest(_facts(invoices=two), zh)
    assert many.interest == "按合同约定，截至今日逾期利息约 ¥3,900.00 + US$10.00（每日0.1%）"
    mixed = (_inv("A", interest_per_day=RATE), _inv("B", interest_per_day=Decimal("0.0005")))
    m = suggest(_facts(invoices=mixed), zh)  # 3,000 + 1,500
    assert m.interest and "¥4,500.00" in m.interest and "各发票" in m.interest
    en = suggest(_facts(invoices=(_inv(interest_per_day=RATE),)), load_playbook("en"))
    assert en.interest == "Late interest to date per contract: about CN¥3,000.00 (0.1% a day)"


def test_no_rate_no_interest_anywhere(book: Any) -> None:
    for stage, risk, variant in product(STAGES, GRADES, range(3)):
        s = suggest(_facts(stage=stage, risk=risk), book, variant=variant)
        assert s.interest is None
        assert "利息" not in s.text and "interest" not in s.text.lower()


def test_interest_in_the_words_only_once_the_debt_is_not_fresh(book: Any) -> None:
    word = "利息" if book.locale == "zh-CN" else "interest"
    early = suggest(_facts(stage="early", invoices=(_inv(days=10, interest_per_day=RATE),)), book)
    assert early.interest and word not in early.text
    for stage, risk in (("mid", None), ("late", "in_collection"), ("late", "bad")):
        s = suggest(_facts(stage=stage, risk=risk, invoices=(_inv(interest_per_day=RATE),)), book)
        assert word in s.text.lower()
    # Not tacked onto a partner's sandwich: the card shows it, the words stay warm.
    partner = _facts(stage="mid", relationship_years=5, invoices=(_inv(interest_per_day=RATE),))
    warm = suggest(partner, book)
    assert warm.tone == "sandwich" and warm.interest and word not in warm.text.lower()
    pre = _facts(stage="pre_due", invoices=(_inv(days=-3, interest_per_day=RATE),))
    assert suggest(pre, book).interest is None


# --------------------------------------------------------------------------------------------
# 6. Limitation


def test_limitation_advice(book: Any) -> None:
    zh = book.locale == "zh-CN"
    s = suggest(_facts(limitation_days_left=60), book)
    assert s.limitation and "60" in s.limitation
    assert (
        ("对账单" in s.limitation and "第一百九十五条" in s.limitation)
        if zh
        else ("statement of account" in s.limitation and "195" in s.limitation)
    )
    assert suggest(_facts(limitation_days_left=120), book).limitation is None
    assert suggest(_facts(limitation_days_left=120), book, limitation_warn_days=150).limitation
    assert suggest(_facts(), book).limitation is None
    expired = suggest(_facts(limitation_days_left=0), book).limitation
    assert expired == book.data["method"]["limitation_expired"]


# --------------------------------------------------------------------------------------------
# Every new path passes the compliance lint


def test_every_grade_dispute_and_promise_path_passes_the_lint(book: Any) -> None:
    from playbook.compliance import lint

    failures = []
    for risk, stage, broken, disputed, excuse, variant in product(
        GRADES, ("early", "late"), (0, 1, 2), (0, 1, 2), (None, "cash_tight", "price_pressure"),
        range(3),
    ):  # fmt: skip
        invoices = (
            _inv("A-1", days=40, interest_per_day=RATE, disputed=disputed == 2),
            _inv("A-2", "500", 20, date(2026, 3, 21), currency="USD", disputed=disputed >= 1),
        )
        facts = _facts(
            invoices=invoices,
            stage=stage,
            risk=risk,
            broken_promises=1 if broken else 0,
            broken_on=date(2026, 3, 20) if broken == 2 else None,
            broken_amount=Decimal("700") if broken == 2 else None,
            excuse=excuse,
            refused_full=True,
            large=True,
        )
        s = suggest(facts, book, variant=variant)
        if lint(s.text, locale=book.locale):
            failures.append((risk, stage, broken, disputed, excuse, variant, s.text))
    assert failures == []


# --------------------------------------------------------------------------------------------
# Money not yet due is not part of an overdue demand


def test_invoices_not_yet_due_stay_out_of_the_demand(book: Any) -> None:
    zh = book.locale == "zh-CN"
    late = _inv("OLD-1", "80000", days=120, due=date(2025, 11, 1))
    fresh = _inv("NEW-9", "50000", days=-20, due=date(2026, 4, 20))
    for grade, variant in product((None, "in_collection", "bad", "dead"), range(3)):
        s = suggest(_facts(invoices=(late, fresh), stage="late", risk=grade), book, variant=variant)
        assert "NEW-9" not in s.text, s.text
        assert ("¥80,000.00" if zh else "CN¥80,000.00") in s.text
        assert ("¥130,000.00" if zh else "CN¥130,000.00") not in s.text
        assert s.upcoming is not None and "NEW-9" in s.upcoming
        assert ("¥50,000.00" if zh else "CN¥50,000.00") in s.upcoming
    # Before anything is due, the reminder is about exactly those invoices.
    s = suggest(_facts(invoices=(fresh,), stage="pre_due"), book)
    assert "NEW-9" in s.text and s.upcoming is None
    # All overdue: nothing left out.
    s = suggest(_facts(invoices=(late, _inv("OLD-2", days=40))), book)
    assert "OLD-2" in s.text and s.upcoming is None

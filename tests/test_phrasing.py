"""The playbook as data (playbook.library) and the phrasing suggestions (playbook.phrasing)."""

from __future__ import annotations

import os
import re
from dataclasses import fields, replace
from datetime import date, time
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from playbook.library import (
    EVIDENCE,
    REASONS,
    PlaybookError,
    load_playbook,
    validate_overrides,
)
from playbook.phrasing import (
    FIRMNESS,
    LADDER,
    RELATIONSHIPS,
    SEGMENTS,
    STAGES,
    TONES,
    CaseFacts,
    InvoiceFact,
    Suggestion,
    TimingPolicy,
    choose_tone,
    relationship_of,
    suggest,
)

LOCALES = ("en", "zh-CN")
LEFTOVER = re.compile(r"\{[a-z_]+\}")
# Years that give each relationship for a non-problem segment.
YEARS_FOR = {"partner": 5, "normal": None, "new": 0}
DAYS_FOR = {"pre_due": -5, "early": 12, "mid": 45, "late": 130}


def _inv(
    number: str = "INV-001",
    amount: str = "12000",
    currency: str = "CNY",
    days: int = 12,
    due: date = date(2026, 3, 2),
) -> InvoiceFact:
    return InvoiceFact(number, Decimal(amount), currency, days, due)


def _facts(**kw: Any) -> CaseFacts:
    stage = kw.get("stage", "early")
    base: dict[str, Any] = {
        "customer": "Northwind Trading",
        "invoices": (_inv(days=DAYS_FOR[stage]),),
        "contact": "Anna",
        "our_company": "Huadong Precision",
    }
    base.update(kw)
    return CaseFacts(**base)


def _strings(s: Suggestion) -> list[str]:
    out: list[str] = []
    for f in fields(s):
        value = getattr(s, f.name)
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, tuple):
            out.extend(value)
    out.append(s.text)
    return out


def _assert_clean(s: Suggestion) -> None:
    for text in _strings(s):
        assert not LEFTOVER.search(text), text


@pytest.fixture(params=LOCALES)
def book(request: pytest.FixtureRequest) -> Any:
    return load_playbook(request.param)


# --------------------------------------------------------------------------------------------
# The data


def _raw(locale: str) -> dict[str, Any]:
    text = resources.files("playbook").joinpath("data", f"{locale}.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return "list"
    return type(value).__name__


def test_both_locales_have_identical_keys() -> None:
    assert _shape(_raw("en")) == _shape(_raw("zh-CN"))


def test_aliases_and_reasons_are_the_same_in_both_files() -> None:
    en, zh = _raw("en"), _raw("zh-CN")
    for key in en["excuses"]:
        assert en["excuses"][key]["aliases"] == zh["excuses"][key]["aliases"]
        assert en["excuses"][key]["reason"] == zh["excuses"][key]["reason"]
    for key in TONES:
        assert en["tones"][key]["aliases"] == zh["tones"][key]["aliases"]


@pytest.mark.parametrize("locale", LOCALES)
def test_enough_variants_everywhere(locale: str) -> None:
    data = _raw(locale)
    assert set(data["tones"]) == set(TONES)
    for tone in data["tones"].values():
        for block in (tone, *(tone[s] for s in STAGES if s in tone)):
            for slot in ("opening", "ask"):
                if slot in block:
                    assert len(block[slot]) >= 3
    assert len(data["excuses"]) >= 8
    for excuse in data["excuses"].values():
        assert len(excuse["replies"]) >= 3
        assert excuse["reason"] in REASONS
    for slot in ("closing", "relationship"):
        assert len(data[slot]["opening"]) >= 3 and len(data[slot]["follow"]) >= 3
    assert len(data["installment"]) >= 3
    assert set(data["evidence"]) == set(EVIDENCE)
    required = {
        "finance_travelling",
        "cash_tight",
        "quality_problem",
        "no_invoice",
        "boss_must_sign",
        "process_stuck",
        "waiting_for_customer",
        "already_in_process",
    }
    assert required <= set(data["excuses"])


def _all_texts(value: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _all_texts(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [t for i, v in enumerate(value) for t in _all_texts(v, f"{path}.{i}")]
    return [(path, str(value))]


# Words a customer must never hear from us (the compliance lint has the full rules; the
# templates must stay well clear of them).
BANNED = re.compile(
    r"\b(sue|sued|suing|lawsuit|court|police|arrest|jail|prison|blacklist|ruin|shame|"
    r"ashamed|liar|cheat|fraud|stupid|idiot|family|employer|social media|or else|"
    r"consequences|last chance|final warning)\b"
    r"|起诉|诉讼|法院|判决|报警|公安|坐牢|黑名单|老赖|赖账|骗|曝光|丢人|家人|后果自负|走着瞧|最后通牒",
    re.IGNORECASE,
)


@pytest.mark.parametrize("locale", LOCALES)
def test_customer_facing_texts_stay_clear_of_threats(locale: str) -> None:
    data = _raw(locale)
    keys = ("tones", "promise", "installment", "closing", "grades", "dispute", "terms")
    customer_facing = {k: data[k] for k in keys}
    customer_facing["dispute"] = {k: v for k, v in data["dispute"].items() if k != "note"}
    customer_facing["relationship"] = data["relationship"]
    customer_facing["excuses"] = {k: e["replies"] for k, e in data["excuses"].items()}
    for path, text in _all_texts(customer_facing):
        assert not BANNED.search(text), f"{locale}{path}: {text}"
        legal = "legal" in text.lower() or "法务" in text
        # The legal department is mentioned only as a next step: late and serious, or in the
        # formal demands of a 呆账 / 死账.
        allowed = (".tones.serious.late.ask", ".grades.bad.ask", ".grades.dead.ask")
        assert not legal or path.startswith(allowed), f"{locale}{path}"


# --------------------------------------------------------------------------------------------
# Every combination renders


@pytest.mark.parametrize("locale", LOCALES)
def test_every_stage_relationship_segment_tone_renders(locale: str) -> None:
    book = load_playbook(locale)
    seen_relationships = set()
    for stage in STAGES:
        for segment in SEGMENTS:
            for years in (None, 0, 5):
                for tone in (None, *TONES):
                    for variant in range(3):
                        facts = _facts(stage=stage, segment=segment, relationship_years=years)
                        s = suggest(facts, book, tone=tone, variant=variant)
                        _assert_clean(s)
                        assert s.kind == "collect" and s.opening and s.ask
                        assert s.tone in TONES and s.tone_label and s.technique
                        amount = "CN¥12,000.00" if locale == "en" else "¥12,000.00"
                        assert amount in s.ask
                        seen_relationships.add(relationship_of(segment, years))
    assert seen_relationships == set(RELATIONSHIPS)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_excuse_broken_promise_dispute_and_no_contact_renders(locale: str) -> None:
    book = load_playbook(locale)
    for stage in STAGES:
        for excuse in (None, *book.excuse_keys()):
            for tone in (None, *TONES):
                facts = _facts(
                    stage=stage,
                    excuse=excuse,
                    broken_promises=1,
                    disputed=excuse == "quality_problem",
                    contact=None,
                    our_company="",
                    risk="doubtful",
                )
                _assert_clean(suggest(facts, book, tone=tone))
                _assert_clean(suggest(replace(facts, promise_date=date(2026, 4, 1)), book))


def test_pre_due_words_do_not_say_overdue(book: Any) -> None:
    for tone in TONES:
        for variant in range(3):
            s = suggest(_facts(stage="pre_due"), book, tone=tone, variant=variant)
            text = s.text.lower()
            assert "overdue" not in text and "past due" not in text and "逾期" not in text


# --------------------------------------------------------------------------------------------
# The ladder


def test_relationship_of() -> None:
    assert relationship_of("normal", 3) == "partner"
    assert relationship_of("important", 10) == "partner"
    assert relationship_of("problem", 10) == "problem"
    assert relationship_of("normal", 0) == "new"
    assert relationship_of("normal", 1) == "normal"
    assert relationship_of("important", None) == "normal"
    assert relationship_of("normal", None) == "normal"


@pytest.mark.parametrize("relationship", RELATIONSHIPS)
def test_ladder_escalates_as_days_grow(relationship: str) -> None:
    firmness = [FIRMNESS[choose_tone(stage, relationship)] for stage in STAGES]
    assert firmness == sorted(firmness)
    assert firmness[0] < firmness[-1]
    assert choose_tone("pre_due", relationship) in ("empathetic", "partnership")
    assert choose_tone("early", relationship) in ("empathetic", "partnership")
    assert choose_tone("mid", relationship) in ("sandwich", "nvc", "serious")
    assert choose_tone("late", relationship) == "serious"


def test_ladder_softens_for_long_term_partners() -> None:
    for stage in STAGES:
        partner = FIRMNESS[choose_tone(stage, "partner")]
        for other in ("normal", "new", "problem"):
            assert partner <= FIRMNESS[choose_tone(stage, other)]
    assert choose_tone("mid", "partner") in ("sandwich", "nvc")
    assert FIRMNESS[choose_tone("mid", "partner")] < FIRMNESS[choose_tone("mid", "new")]
    assert FIRMNESS[choose_tone("mid", "partner")] < FIRMNESS[choose_tone("mid", "problem")]
    assert choose_tone("late", "partner") == "serious"
    assert choose_tone("pre_due", "partner") == "partnership"


def test_broken_promise_is_one_step_firmer_never_past_serious() -> None:
    for stage in STAGES:
        for rel in RELATIONSHIPS:
            base = choose_tone(stage, rel)
            firmer = choose_tone(stage, rel, broken_promises=1)
            assert FIRMNESS[firmer] > FIRMNESS[base] or base == firmer == "serious"
            assert choose_tone(stage, rel, broken_promises=5) == firmer


def test_dispute_prefers_defusing_tones() -> None:
    for stage in STAGES:
        for rel in RELATIONSHIPS:
            assert choose_tone(stage, rel, disputed=True) in ("nvc", "first_aid")
    assert choose_tone("early", "normal", disputed=True) == "first_aid"
    assert choose_tone("late", "problem", disputed=True) == "nvc"


def test_important_segment_is_softer_but_not_late() -> None:
    assert choose_tone("mid", "normal", segment="important") == "sandwich"
    assert choose_tone("mid", "new", segment="important") == "nvc"
    assert choose_tone("late", "normal", segment="important") == "serious"
    for stage in STAGES:
        for rel in RELATIONSHIPS:
            soft = choose_tone(stage, rel, segment="important")
            assert FIRMNESS[soft] <= FIRMNESS[choose_tone(stage, rel)]


def test_ladder_table_is_complete() -> None:
    assert set(LADDER) == set(STAGES)
    for row in LADDER.values():
        assert set(row) == set(RELATIONSHIPS) and set(row.values()) <= set(TONES)


def test_suggest_uses_the_ladder_and_says_why(book: Any) -> None:
    s = suggest(_facts(stage="late", relationship_years=0), book)
    assert s.tone == "serious"
    assert any(book.data["words"]["stage"]["late"] in w for w in s.why)
    assert any(book.data["words"]["relationship"]["new"] in w for w in s.why)
    chosen = suggest(_facts(stage="late"), book, tone="sandwich")
    assert chosen.tone == "sandwich"
    assert any(book.data["tones"]["sandwich"]["label"] in w for w in chosen.why)
    broken = suggest(_facts(stage="early", broken_promises=2), book)
    assert broken.tone == "sandwich"
    assert any("2" in w for w in broken.why)


def test_current_stage_counts_as_pre_due(book: Any) -> None:
    a = suggest(_facts(stage="pre_due"), book)
    b = suggest(replace(_facts(stage="pre_due"), stage="current"), book)
    assert a.text == b.text


# --------------------------------------------------------------------------------------------
# Excuses


def test_each_excuse_gets_its_reply_and_next_step(book: Any) -> None:
    assert len(book.excuses()) >= 8
    for excuse in book.excuses():
        s = suggest(_facts(stage="mid", excuse=excuse.key), book)
        assert s.excuse_reply and s.excuse_reply in s.text
        raw = book.data["excuses"][excuse.key]
        assert s.next_step == raw["next_step"].replace("{amount}", "")  # next steps name none
        assert any(excuse.label in w for w in s.why)
        reason_label = book.data["reasons"][excuse.reason]["label"]
        assert any(reason_label in w for w in s.why)
        assert excuse.replies and not any(LEFTOVER.search(r) for r in excuse.replies)
        assert len(excuse.templates) == len(excuse.replies)
    listed = dict(book.reasons())
    assert set(listed) == set(REASONS)


def test_excuse_next_steps_carry_the_method() -> None:
    en = load_playbook("en")

    def step(key: str) -> str:
        return suggest(_facts(stage="mid", excuse=key), en).next_step.lower()

    assert "defect" in step("quality_problem") and "undisputed" in step("quality_problem")
    assert "site visit" in step("quality_problem")
    assert "decision maker" in step("boss_must_sign")
    assert "statement of account" in step("process_stuck")
    assert "resend" in step("no_invoice") and "payment date" in step("no_invoice")
    assert "full amount first" in step("cash_tight") and "instalment" in step("cash_tight")
    zh = load_playbook("zh-CN")
    assert "无争议金额" in suggest(_facts(excuse="quality_problem"), zh).next_step


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("cash", "cash_tight"),
        ("Cash is tight", "cash_tight"),
        ("CASH_TIGHT", "cash_tight"),
        ("资金", "cash_tight"),
        ("没钱", "cash_tight"),
        ("他说资金紧张，下个月再说", "cash_tight"),
        ("they say cash is tight this month", "cash_tight"),
        ("财务出差了", "finance_travelling"),
        ("Finance is travelling", "finance_travelling"),
        ("quality", "quality_problem"),
        ("质量问题", "quality_problem"),
        ("we never got the invoice", "no_invoice"),
        ("没收到发票", "no_invoice"),
        ("老板还没签字", "boss_must_sign"),
        ("boss must sign", "boss_must_sign"),
        ("boss", "boss_must_sign"),
        ("流程卡住了", "process_stuck"),
        ("已经在走流程了", "already_in_process"),
        ("等下游回款", "waiting_for_customer"),
        ("pay when paid", "waiting_for_customer"),
        ("The person in charge has left", "contact_changed"),
    ],
)
def test_find_excuse(book: Any, text: str, key: str) -> None:
    assert book.find_excuse(text) == key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        # The words of the playbook's own reasons ("资金周转困难", "内部流程卡住") and how
        # people say them, matched whole (the phrase command tries its last word so).
        ("资金周转", "cash_tight"),
        ("资金周转困难", "cash_tight"),
        ("周转不开", "cash_tight"),
        ("内部流程卡住", "process_stuck"),
    ],
)
def test_the_reasons_own_words_name_their_excuse_whole(book: Any, text: str, key: str) -> None:
    assert book.find_excuse(text, partial=False) == key


def test_find_excuse_misses(book: Any) -> None:
    assert book.find_excuse("") is None
    assert book.find_excuse("weather is nice") is None
    assert book.find_excuse("cashier") is None  # whole English words only


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("empathetic", "empathetic"),
        ("同理", "empathetic"),
        ("同理式", "empathetic"),
        ("严肃式", "serious"),
        ("Serious", "serious"),
        ("contractual", "serious"),
        ("愿景", "partnership"),
        ("三明治", "sandwich"),
        ("NVC", "nvc"),
        ("非暴力沟通", "nvc"),
        ("first aid", "first_aid"),
        ("first-aid", "first_aid"),
        ("情绪急救", "first_aid"),
    ],
)
def test_find_tone(book: Any, text: str, key: str) -> None:
    assert book.find_tone(text) == key


def test_find_tone_by_label_and_exact_only(book: Any) -> None:
    for key, label in book.tones():
        assert book.find_tone(label) == key
    assert book.find_tone("Global Partner Ltd") is None
    assert book.find_tone("cash") is None


def test_suggest_accepts_labels_and_aliases_exactly(book: Any) -> None:
    assert suggest(_facts(), book, tone="严肃式").tone == "serious"
    assert suggest(_facts(), book, tone="First aid").tone == "first_aid"
    assert suggest(_facts(excuse="没钱"), book).excuse_reply
    with pytest.raises(ValueError, match="valid excuses"):
        suggest(_facts(excuse="他说没钱了"), book)  # no guessing inside suggest


def test_unknown_tone_lists_valid_ones(book: Any) -> None:
    with pytest.raises(ValueError, match="unknown tone 'friendly'") as info:
        suggest(_facts(), book, tone="friendly")
    for key in TONES:
        assert key in str(info.value)


def test_unknown_excuse_lists_valid_ones(book: Any) -> None:
    with pytest.raises(ValueError, match="unknown excuse 'dog ate it'") as info:
        suggest(_facts(excuse="dog ate it"), book)
    for key in book.excuse_keys():
        assert key in str(info.value)


def test_unknown_stage_and_segment(book: Any) -> None:
    with pytest.raises(ValueError, match="valid stages: pre_due, early, mid, late"):
        suggest(replace(_facts(), stage="ancient"), book)
    with pytest.raises(ValueError, match="valid segments: important, normal, problem"):
        suggest(_facts(segment="vip"), book)
    with pytest.raises(ValueError, match="valid relationships"):
        choose_tone("early", "friend")


# --------------------------------------------------------------------------------------------
# No open invoices


@pytest.mark.parametrize("tone", [None, "serious"])
def test_no_open_invoices_gives_a_relationship_message(book: Any, tone: str | None) -> None:
    for variant in range(4):
        facts = _facts(invoices=(), stage="late", excuse="cash_tight", broken_promises=2)
        s = suggest(facts, book, tone=tone, variant=variant)
        assert s.kind == "relationship"
        assert s.fallback is None and s.excuse_reply is None and s.evidence == ()
        _assert_clean(s)
        text = s.text.lower()
        for word in ("pay", "overdue", "amount", "invoice", "¥", "$", "付款", "逾期", "欠", "款"):
            assert word not in text, (word, s.text)
        assert "Anna" in s.opening


def test_just_paid_gives_thanks_and_repair(book: Any) -> None:
    s = suggest(_facts(invoices=(), just_paid=True), book)
    other = suggest(_facts(invoices=()), book)
    assert s.kind == "relationship"
    hello = "Dear Anna,\n" if book.locale == "en" else "Anna，您好！"
    openings = book.data["closing"]["opening"]
    assert s.opening in [
        o.replace("{greeting} ", hello).replace("{greeting}", hello) for o in openings
    ]
    assert s.opening != other.opening
    assert s.tone_label == book.data["closing"]["label"]


# --------------------------------------------------------------------------------------------
# Variants


def test_variants_differ_and_cycle(book: Any) -> None:
    facts = _facts(stage="mid", excuse="cash_tight")
    s0 = suggest(facts, book, tone="nvc", variant=0)
    s1 = suggest(facts, book, tone="nvc", variant=1)
    assert s0.opening != s1.opening and s0.ask != s1.ask and s0.excuse_reply != s1.excuse_reply
    assert s1.variant == 1
    n = len(book.data["tones"]["nvc"]["opening"])
    assert suggest(facts, book, tone="nvc", variant=n).opening == s0.opening
    assert suggest(facts, book, tone="nvc", variant=n + 1).opening == s1.opening


def test_same_inputs_same_words(book: Any) -> None:
    facts = _facts(stage="late", excuse="boss_must_sign", broken_promises=1)
    assert suggest(facts, book, variant=7) == suggest(facts, book, variant=7)


# --------------------------------------------------------------------------------------------
# Figures


def test_money_cny_per_locale() -> None:
    facts = _facts(invoices=(_inv(amount="12000.5"),))
    assert "CN¥12,000.50" in suggest(facts, load_playbook("en")).ask
    zh = suggest(facts, load_playbook("zh-CN")).ask
    assert "¥12,000.50" in zh and "CN¥" not in zh


def test_money_mixed_currencies() -> None:
    invoices = (
        _inv("A-1", "1000", "USD", 20),
        _inv("A-2", "2500", "CNY", 15),
        _inv("A-3", "500.25", "USD", 3),
    )
    facts = _facts(invoices=invoices)
    en = suggest(facts, load_playbook("en"), tone="empathetic")
    assert "$1,500.25 + CN¥2,500.00" in en.ask
    assert "invoices A-1, A-2 and A-3" in en.ask
    zh = suggest(facts, load_playbook("zh-CN"), tone="empathetic")
    assert "US$1,500.25 + ¥2,500.00" in zh.ask
    assert "A-1、A-2、A-3号发票" in zh.ask


def test_days_dates_and_many_invoices() -> None:
    invoices = tuple(_inv(f"N-{i}", "100", "CNY", 40 + i, date(2026, 1, 20 - i)) for i in range(8))
    en = suggest(_facts(invoices=invoices, stage="mid"), load_playbook("en"), tone="empathetic")
    assert "47 days" in en.ask and "13 January 2026" in en.ask
    assert "invoices N-0, N-1, N-2, N-3, N-4 and 3 more" in en.ask
    assert "CN¥800.00" in en.ask
    zh = suggest(_facts(invoices=invoices, stage="mid"), load_playbook("zh-CN"), tone="empathetic")
    assert "47天" in zh.ask and "2026年1月13日" in zh.ask and "等8张发票" in zh.ask
    one = suggest(_facts(invoices=(_inv(days=1),)), load_playbook("en"), tone="empathetic")
    assert "1 day past" in one.ask


def test_contact_and_company_fallbacks() -> None:
    facts = _facts(contact=None, our_company="")
    # Issue 12: the greeting is its own part ("Hello," / "您好！"), not "Hi {contact},".
    assert suggest(facts, load_playbook("en"), tone="empathetic").opening.startswith(
        "Hello,\nI know month end"
    )
    assert suggest(facts, load_playbook("zh-CN"), tone="empathetic").opening.startswith("您好！")
    named = suggest(_facts(contact="王经理"), load_playbook("zh-CN"), tone="empathetic")
    assert named.opening.startswith("王经理，您好！")


def test_promises_shape_the_ask(book: Any) -> None:
    pending = suggest(_facts(promise_date=date(2026, 4, 1)), book)
    assert ("1 April 2026" if book.locale == "en" else "2026年4月1日") in pending.ask
    # Issue 12: a broken promise is its own step (recap, a new date in writing, the contract),
    # not the tone's ask with a line in front.
    broken = suggest(_facts(broken_promises=1), book, tone="empathetic")
    plain = suggest(_facts(), book, tone="empathetic")
    assert broken.ask != plain.ask and broken.opening != plain.opening
    assert any(line[: len(line) // 2] in broken.ask for line in book.data["promise"]["broken"])


# --------------------------------------------------------------------------------------------
# Fallback, timing, evidence


def test_installment_only_when_allowed_and_relevant(book: Any) -> None:
    cash = _facts(stage="early", excuse="cash_tight")
    offered = suggest(cash, book)
    assert offered.fallback and offered.fallback in offered.text
    assert suggest(cash, book, timing=TimingPolicy(allow_installments=False)).fallback is None
    assert suggest(_facts(stage="early"), book).fallback is None
    assert suggest(_facts(stage="mid", excuse="no_invoice"), book).fallback is None
    # Issue 12, full amount first: age or a broken promise alone no longer brings an offer;
    # a recorded refusal or the collector's request does.
    assert suggest(_facts(stage="late"), book).fallback is None
    assert suggest(_facts(stage="early", broken_promises=1), book).fallback is None
    assert suggest(_facts(stage="late", refused_full=True), book).fallback
    assert suggest(_facts(stage="early", want_installment=True), book).fallback
    assert suggest(_facts(stage="late", disputed=True), book).fallback is None
    off = TimingPolicy(allow_installments=False)
    assert suggest(_facts(stage="late", refused_full=True), book, timing=off).fallback is None
    assert suggest(_facts(stage="late", want_installment=True), book, timing=off).fallback is None


def test_timing_advice(book: Any) -> None:
    s = suggest(_facts(), book)
    assert "15:30" in s.timing and "11:45" in s.timing and "14:00" in s.timing
    custom = TimingPolicy(call_time=time(16, 0), lunch_start=time(12, 0), lunch_end=time(13, 30))
    c = suggest(_facts(), book, timing=custom)
    assert "16:00" in c.timing and "12:00" in c.timing and "13:30" in c.timing
    month_end = suggest(_facts(), book, month_end=True).timing
    assert month_end != s.timing and book.data["timing"]["month_end"] in month_end
    assert suggest(_facts(invoices=()), book).timing == s.timing


def test_evidence_richer_when_late_or_disputed(book: Any) -> None:
    ev = book.data["evidence"]
    pre = suggest(_facts(stage="pre_due"), book).evidence
    early = suggest(_facts(stage="early"), book).evidence
    late = suggest(_facts(stage="late"), book).evidence
    disputed = suggest(_facts(stage="early", disputed=True), book).evidence
    assert len(pre) < len(early) < len(late)
    assert ev["statement"] in early and ev["delivery"] in late and ev["contract"] in late
    assert ev["reminders"] in late
    assert len(disputed) > len(early) and ev["defect"] in disputed
    assert ev["invoice_sent"] in suggest(_facts(excuse="no_invoice"), book).evidence
    assert len(set(late)) == len(late)


# --------------------------------------------------------------------------------------------
# Overrides


def _write(tmp_path: Path, text: str, name: str = "overrides.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_override_extends_and_replaces(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
en:
  tones:
    empathetic:
      opening+:
        - "Hi {contact}, a custom extra opening from {our_company}."
      ask:
        - "Could you release {amount} for {invoices} this week, please?"
zh-CN:
  excuses:
    cash_tight:
      replies+: ["理解您的难处，{amount}最早哪天可以安排？"]
""",
    )
    assert validate_overrides(path) == []
    en = load_playbook("en", path)
    builtin = load_playbook("en")
    openings = en.data["tones"]["empathetic"]["opening"]
    assert len(openings) == len(builtin.data["tones"]["empathetic"]["opening"]) + 1
    s = suggest(_facts(), en, tone="empathetic", variant=len(openings) - 1)
    assert s.opening == "Hi Anna, a custom extra opening from Huadong Precision."
    for v in range(3):
        ask = suggest(_facts(), en, tone="empathetic", variant=v).ask
        assert ask == "Could you release CN¥12,000.00 for invoice INV-001 this week, please?"
    zh = load_playbook("zh-CN", path)
    assert len(zh.data["excuses"]["cash_tight"]["replies"]) == 4
    # The built-in playbook is untouched.
    assert load_playbook("en").data == builtin.data


def test_override_adds_an_excuse(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
en:
  excuses:
    customs_hold:
      label: Goods held at customs
      aliases: [customs, 海关]
      reason: stuck_process
      replies: ["Which document does customs need? We will send it today, so {amount} can move."]
      next_step: Send the customs documents; ask for the payment date.
      evidence: [delivery]
""",
    )
    book = load_playbook("en", path)
    assert book.find_excuse("海关") == "customs_hold"
    assert book.find_excuse("stuck at customs") == "customs_hold"
    s = suggest(_facts(excuse="customs_hold"), book)
    assert s.excuse_reply == (
        "Which document does customs need? We will send it today, so CN¥12,000.00 can move."
    )
    assert s.next_step == "Send the customs documents; ask for the payment date."
    assert book.data["evidence"]["delivery"] in s.evidence
    assert [e.key for e in book.excuses()][-1] == "customs_hold"
    # Only the English playbook got it.
    assert load_playbook("zh-CN", path).find_excuse("海关") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("en:\n  tonez: {}\n", "overrides.yaml: en.tonez: unknown key"),
        (
            "en:\n  tones:\n    friendly:\n      label: Friendly\n",
            "overrides.yaml: en.tones.friendly: unknown tone (valid: empathetic",
        ),
        (
            "en:\n  tones:\n    serious:\n      colour: red\n",
            "overrides.yaml: en.tones.serious.colour: unknown key",
        ),
        (
            'en:\n  excuses:\n    cash_tight:\n      replies: ["ok", "Pay {amout} now"]\n',
            "overrides.yaml: en.excuses.cash_tight.replies.1: unknown placeholder {amout}",
        ),
        (
            'en:\n  tones:\n    serious:\n      ask: ["Please pay soon."]\n',
            "overrides.yaml: en.tones.serious.ask.0: missing required placeholder {amount}",
        ),
        (
            'zh-CN:\n  tones:\n    nvc:\n      pre_due:\n        opening: ["已经{days}了"]\n',
            "overrides.yaml: zh-CN.tones.nvc.pre_due.opening.0: unknown placeholder {days}",
        ),
        (
            'en:\n  relationship:\n    follow: ["Any news on {amount}?"]\n',
            "overrides.yaml: en.relationship.follow.0: unknown placeholder {amount}",
        ),
        (
            'en:\n  timing:\n    advice: "Call at {call_time}."\n',
            "overrides.yaml: en.timing.advice: missing required placeholder {lunch_start}",
        ),
        (
            'en:\n  excuses:\n    cash_tight:\n      replies: ["{amount:>10}"]\n',
            "overrides.yaml: en.excuses.cash_tight.replies.0: placeholder {amount:>10}",
        ),
        (
            'en:\n  excuses:\n    cash_tight:\n      replies: ["a { b"]\n',
            "overrides.yaml: en.excuses.cash_tight.replies.0: malformed braces",
        ),
        (
            "en:\n  excuses:\n    cash_tight:\n      replies: []\n",
            "overrides.yaml: en.excuses.cash_tight.replies: needs at least one text",
        ),
        (
            "en:\n  excuses:\n    cash_tight:\n      replies: just one\n",
            "overrides.yaml: en.excuses.cash_tight.replies: expected a list of texts",
        ),
        (
            "en:\n  excuses:\n    cash_tight:\n      reason: laziness\n",
            "overrides.yaml: en.excuses.cash_tight.reason: 'laziness' is not one of",
        ),
        (
            "en:\n  excuses:\n    new_one:\n      label: New\n",
            "overrides.yaml: en.excuses.new_one.replies: missing",
        ),
        (
            "en:\n  excuses:\n    New-One:\n      label: New\n",
            "overrides.yaml: en.excuses.New-One: a new excuse key must be lower_case",
        ),
        (
            "en:\n  tones:\n    serious:\n      label+: [x]\n",
            "overrides.yaml: en.tones.serious.label+: '+' extends lists only",
        ),
        ("fr:\n  tones: {}\n", "overrides.yaml: fr: unknown locale (valid: en, zh-CN)"),
        ("- a\n- b\n", "overrides.yaml: expected a mapping of locales"),
        (
            'en:\n  tones:\n    serious:\n      opening: ["x"\n',
            "overrides.yaml: line 5, column 1: invalid YAML",
        ),
        (
            "en:\n  tones: {}\n  tones: {}\n",
            "overrides.yaml: line 3, column 3: invalid YAML: duplicate key 'tones'",
        ),
    ],
)
def test_override_errors_name_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    problems = validate_overrides(path)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(str(path)) for p in problems)
    with pytest.raises(PlaybookError) as info:
        load_playbook("en", path)
    assert expected in str(info.value)


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "en:\n  excuses:\n    cash_tight:\n      label: [unclosed\n")
    (problem,) = validate_overrides(path)
    assert problem.startswith(f"{path}: line ") and "invalid YAML" in problem


def test_missing_override_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert validate_overrides(missing)[0].startswith(f"{missing}: cannot read")
    with pytest.raises(PlaybookError, match="cannot read"):
        load_playbook("en", missing)


def test_empty_override_file_is_fine(tmp_path: Path) -> None:
    path = _write(tmp_path, "# nothing yet\n")
    assert validate_overrides(path) == []
    assert load_playbook("en", path).data == load_playbook("en").data


def test_override_is_reloaded_when_the_file_changes(tmp_path: Path) -> None:
    path = _write(tmp_path, 'en:\n  tones:\n    serious:\n      label: "Firm A"\n')
    assert load_playbook("en", path).data["tones"]["serious"]["label"] == "Firm A"
    assert load_playbook("en", path) is load_playbook("en", path)  # cached
    path.write_text('en:\n  tones:\n    serious:\n      label: "Firm B"\n', encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert load_playbook("en", path).data["tones"]["serious"]["label"] == "Firm B"


def test_locales() -> None:
    assert load_playbook("zh").locale == "zh-CN"
    assert load_playbook("zh_CN").locale == "zh-CN"
    assert load_playbook("en-GB").locale == "en"
    with pytest.raises(ValueError, match="valid locales: en, zh-CN"):
        load_playbook("fr")


def test_loaded_playbook_is_read_only() -> None:
    book = load_playbook("en")
    with pytest.raises(TypeError):
        book.data["tones"]["serious"]["label"] = "x"

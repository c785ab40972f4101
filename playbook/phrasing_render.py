"""Rendering helpers for the phrasing engine: the values that fill a playbook template.

Pure functions over the case facts and the playbook's ``words``: amounts per currency, invoice
lists, dates, the greeting ("王总，您好！" / "Dear Wang Jianguo,"), our company's name as a
customer should read it, and the reply-by date a firm ask names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from playbook.aging import RiskGrade
from playbook.library import EVIDENCE
from playbook.money import format_money, quantize
from playbook.phrasing_types import CaseFacts, InvoiceFact, TimingPolicy

_MAX_LISTED = 5  # invoice numbers spelled out before "and N more"
_NAME_MAX = 40  # a contact or company name longer than this is a data problem, not a name
# Days a firm ask gives the customer: a week is what the training texts' formal demands name.
DEADLINE_DAYS = 7

# Two-character surnames: "欧阳娜娜" is Ms Ouyang, not Ms Ou.
_COMPOUND_SURNAMES = frozenset(
    {
        *("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙", "长孙"),
        *("宇文", "司徒", "夏侯", "轩辕", "端木", "呼延", "南宫", "独孤", "西门", "万俟", "闻人"),
        *("澹台", "申屠", "太史", "钟离"),
    }
)
# How a Chinese business contact is addressed by title: the head of a company or function is
# "王总" (a deputy too: nobody says 王副总 to their face); other titles keep their last word,
# "财务经理" → "李经理", "采购主管" → "张主管". Matched at the end of the title, so
# "总经理助理" is an assistant.
_ZH_BOSS = ("总经理", "总裁", "董事长", "总监", "老板", "负责人", "副总", "老总")
_ZH_TITLES = (
    "经理",
    "主管",
    "主任",
    "部长",
    "处长",
    "科长",
    "厂长",
    "会计",
    "出纳",
    "律师",
    "老师",
    "助理",
)
_CJK = re.compile(r"[\u3400-\u9fff]")
_HAN_NAME = re.compile(r"^[\u3400-\u9fff]{2,4}$")


def pick(options: Sequence[str], variant: int) -> str:
    return options[variant % len(options)]


def fill(template: str, values: Mapping[str, str]) -> str:
    # The library checked every template's placeholders against what each slot provides. A
    # greeting may end its own line ("Dear Wang Jianguo,\n"): the text goes on at the margin.
    return template.format_map(values).replace("\n ", "\n")


def date_text(day: date, words: Mapping[str, Any]) -> str:
    return str(words["date"]).format(
        year=day.year, month=day.month, day=day.day, month_name=words["months"][day.month - 1]
    )


def _join(items: Sequence[str], words: Mapping[str, Any]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return str(words["list_sep"]).join(items[:-1]) + str(words["list_last"]) + items[-1]


def money_text(amount: Decimal, currency: str, locale: str) -> str:
    """An amount inside a sentence. Chinese prose names the yen after the figure ("3,000日元"),
    as people write it; cards and tables keep ``format_money``'s column-friendly form."""
    cur = currency.strip().upper()
    if cur == "JPY" and locale.startswith("zh"):
        value = quantize(amount, cur)
        sign = "-" if value < 0 else ""
        return f"{sign}{abs(value):,.0f}日元"
    return format_money(amount, cur, locale)


def totals(invoices: Sequence[InvoiceFact]) -> dict[str, Decimal]:
    # One figure per currency, in the order they first appear: adding yuan to dollars would
    # invent an exchange rate.
    out: dict[str, Decimal] = {}
    for inv in invoices:
        cur = inv.currency.strip().upper()
        out[cur] = out.get(cur, Decimal(0)) + inv.amount
    return out


def amounts_text(by_currency: Mapping[str, Decimal], locale: str) -> str:
    return " + ".join(money_text(total, cur, locale) for cur, total in by_currency.items())


def invoices_text(invoices: Sequence[InvoiceFact], words: Mapping[str, Any]) -> str:
    numbers = [inv.number for inv in invoices]
    if len(numbers) == 1:
        return str(words["invoice_one"]).format(numbers=numbers[0])
    if len(numbers) <= _MAX_LISTED:
        return str(words["invoice_many"]).format(numbers=_join(numbers, words))
    shown = str(words["list_sep"]).join(numbers[:_MAX_LISTED])
    return str(words["invoice_more"]).format(
        numbers=shown, more=len(numbers) - _MAX_LISTED, total=len(numbers)
    )


def counted(n: int, words: Mapping[str, Any], unit: str) -> str:
    return str(words[f"{unit}_one" if n == 1 else f"{unit}_many"]).format(n=n)


def today_of(invoices: Sequence[InvoiceFact]) -> date:
    """The day the facts were taken: each invoice's due date plus its days past due. The engine
    has no clock; the facts already carry the day."""
    inv = invoices[0]
    return inv.due_date + timedelta(days=inv.days_past_due)


def due_text(invoices: Sequence[InvoiceFact], words: Mapping[str, Any]) -> str:
    """The due date; when the invoices fall due on different days, the earliest, said so."""
    days = {inv.due_date for inv in invoices}
    first = date_text(min(days), words)
    if len(days) == 1:
        return first
    return str(words["due_earliest"]).format(date=first)


# --------------------------------------------------------------------------------------------
# Names


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())[:_NAME_MAX]


def zh_address(name: str, title: str) -> str:
    """The address for a Chinese contact: 王建国 + 总经理 → 王总; + 财务经理 → 王经理; no title or
    an unknown one → the full name. A name that is not a Chinese name is used as given."""
    if not _HAN_NAME.match(name):
        return name
    surname = name[:2] if name[:2] in _COMPOUND_SURNAMES and len(name) > 2 else name[:1]
    if title.endswith(_ZH_BOSS):
        return f"{surname}总"
    for word in _ZH_TITLES:
        if title.endswith(word):
            return f"{surname}{word}"
    return name


def address(facts: CaseFacts, locale: str) -> str | None:
    """What to call the contact, or None when no contact is known."""
    name = _clean(facts.contact_name)
    if name:
        if locale.startswith("zh"):
            return zh_address(name, _clean(facts.contact_title))
        return name
    return _clean(facts.contact) or None


def greeting(facts: CaseFacts, locale: str, words: Mapping[str, Any]) -> str:
    who = address(facts, locale)
    if who is None:
        return str(words["greeting_fallback"])
    return str(words["greeting"]).format(name=who)


def company_name(name: str, locale: str) -> str:
    """Our name as the customer reads it. A bilingual name ("华东精密机械有限公司 Huadong
    Precision Machinery") keeps the part in the reader's language, never both mid-sentence."""
    name = _clean(name)
    parts = name.split(" ", 1)
    if len(parts) == 2 and _CJK.search(parts[0]) and not _CJK.search(parts[1]):
        return parts[0] if locale.startswith("zh") else parts[1]
    return name


def percent(rate: Decimal) -> str:
    """0.001 → "0.1%", 0.8 → "80%": a rate as a person writes it, no trailing zeros."""
    text = format((rate * 100).normalize(), "f")
    return f"{text}%"


# --------------------------------------------------------------------------------------------
# The values of a case


def party_values(facts: CaseFacts, locale: str, words: Mapping[str, Any]) -> dict[str, str]:
    return {
        "customer": " ".join(facts.customer.split()) or words["customer_fallback"],
        "contact": address(facts, locale) or words["contact_fallback"],
        "greeting": greeting(facts, locale, words),
        "our_company": company_name(facts.our_company, locale) or words["our_company_fallback"],
    }


def case_values(
    facts: CaseFacts, invoices: Sequence[InvoiceFact], locale: str, words: Mapping[str, Any]
) -> dict[str, str]:
    oldest = max(inv.days_past_due for inv in invoices)
    deadline = today_of(invoices) + timedelta(days=DEADLINE_DAYS)
    return {
        **party_values(facts, locale, words),
        "amount": amounts_text(totals(invoices), locale),
        "invoices": invoices_text(invoices, words),
        "count": counted(len(invoices), words, "count"),
        "days": counted(max(oldest, 0), words, "days"),
        "due_date": due_text(invoices, words),
        "deadline": date_text(deadline, words),
    }


def timing_text(data: Mapping[str, Any], policy: TimingPolicy, month_end: bool) -> str:
    timing = data["timing"]
    return fill(
        timing["advice"],
        {
            "call_time": f"{policy.call_time:%H:%M}",
            "lunch_start": f"{policy.lunch_start:%H:%M}",
            "lunch_end": f"{policy.lunch_end:%H:%M}",
            "month_end_hint": timing["month_end" if month_end else "not_month_end"],
        },
    ).strip()


def evidence_keys(
    stage: str, facts: CaseFacts, disputed: bool, grade: RiskGrade | None, excuse: Sequence[str]
) -> list[str]:
    # What to have open on the desk before the call: the older the debt and the likelier a
    # dispute, the more of the paper trail you need (and the more a limitation period or a
    # lawyer's letter will later depend on it).
    keys = ["invoice"]
    if stage != "pre_due":
        keys.append("statement")
    if stage in ("mid", "late") or grade in (RiskGrade.DOUBTFUL, RiskGrade.BAD, RiskGrade.DEAD):
        keys += ["delivery", "contract", "reminders"]
    if facts.broken_promises > 0 or facts.broken_on is not None or facts.promise_date is not None:
        keys.append("promises")
    if disputed:
        keys += ["delivery", "contract", "defect"]
    keys += excuse
    return [k for k in EVIDENCE if k in keys]  # the playbook's own order, each once

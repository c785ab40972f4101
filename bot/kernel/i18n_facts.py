"""Texts of `/ar statement` and the facts `/ar check` shows (grade, prepayment, large balance,
contact, limitation), English and Chinese; registered with bot.kernel.i18n when the handlers
import this module."""

from __future__ import annotations

from bot.kernel.i18n import register

EN: dict[str, str] = {
    # /ar statement
    "statement_who": "Only {who} may record a statement of account.",
    "statement_bad_date": "'{text}' is not a date (e.g. 2026-03-10, 03-10, today, yesterday).",
    "statement_future": "{date} is in the future: record a statement once it is signed (today is {today}).",
    "statement_too_old": "{date} is before {first}: check the date on the statement.",
    "statement_done": "✓ Statement of account from {customer} signed on {date} is recorded. It restarts the {years}-year limitation period.",
    "statement_ends": "Limitation period of its open invoices now ends on {ends} at the earliest.",
    "statement_no_open": "It has no open invoices now; the record stays for the history.",
    # /ar check: grade, advice, balance, contact, limitation
    "check_grade": "Risk grade",
    "check_cash_only": "💳 A dead debt: new orders only against payment in full before shipping; no down-payment terms.",
    "check_prepay": "💳 New orders only after payment, or against a down payment of {share} of the order.",
    "check_prepay_order": "💳 For an order of {order}: a down payment of {down} ({share}) before shipping, or payment in full first.",
    "check_large": "💰 Large balance: {amount} owed{why} — a manager should make the call.",
    "check_large_limit": " ({share} of the credit limit)",
    "check_contact": "Contact",
    "check_since": "Customer since",
    "check_limitation": "⏳ Limitation period ends on {ends} ({days} days left): get a signed statement of account or a written promise to pay.",
    "check_bad_order": "'{text}' is not an order amount.",
}

ZH: dict[str, str] = {
    "statement_who": "只有 {who} 可以登记对账单。",
    "statement_bad_date": "“{text}”不是日期（例如 2026-03-10、03-10、今天、昨天）。",
    "statement_future": "{date} 还没到：对账单签回后再登记（今天是 {today}）。",
    "statement_too_old": "{date} 早于 {first}：请核对对账单上的日期。",
    "statement_done": "✓ 已登记 {customer} 于 {date} 签章确认的对账单。诉讼时效自该日起重新计算（{years} 年）。",
    "statement_ends": "其未结发票的诉讼时效最早于 {ends} 届满。",
    "statement_no_open": "该客户目前没有未结发票；记录留作历史。",
    "check_grade": "风险等级",
    "check_cash_only": "💳 死账客户：新订单一律全款付清后发货，不接受定金方式。",
    "check_prepay": "💳 新订单须先付款，或预付订单金额的 {share} 作为定金后发货。",
    "check_prepay_order": "💳 订单金额 {order}：发货前预付 {down}（{share}），或先付清全款。",
    "check_large": "💰 大额欠款：{amount}{why}，应由经理出面沟通。",
    "check_large_limit": "（达信用额度的 {share}）",
    "check_contact": "联系人",
    "check_since": "合作始于",
    "check_limitation": "⏳ 诉讼时效将于 {ends} 届满（还剩 {days} 天）：请取得客户签章的对账单或书面还款承诺。",
    "check_bad_order": "“{text}”不是订单金额。",
}

register(EN, ZH)

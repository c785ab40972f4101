"""The facts /ar phrase hands the phrasing engine, read from the database for a case or a
customer: the risk grade and expected recovery, whether the balance is large enough for a
manager's call, per-invoice disputes and late interest, the contact, the last missed promise
and the limitation clock. Everything comes from the records; what they do not say stays
None/0 so the words never claim it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal

from bot.kernel.cards import case_risk
from bot.kernel.config import Config
from bot.kernel.messages import Reply
from handlers.common import customer_grade, customer_items, resolve_customer, shorten
from handlers.context import Context
from playbook.aging import expected_recovery, worst_grade
from playbook.case_view import CaseView
from playbook.phrasing import CaseFacts, InvoiceFact
from storage.circle import load_case
from storage.circle_reads import contacts_since
from storage.customer_facts import (
    CONTACT_ACTIONS,
    CustomerProfile,
    broken_promises,
    customer_profile,
)
from storage.db import bounded_id
from storage.offloop import Conn
from storage.promise_reads import BrokenPromise, latest_broken_promise
from storage.queries import OpenItem

_STAGES = ("pre_due", "early", "mid", "late")


# case_risk gives the grade's English label (what the case card shows); back to the grade.
@dataclass(frozen=True)
class Target:
    facts: CaseFacts
    label: str  # what the command named: "42" or the customer code
    contacts_today: int
    conversation: tuple[str, ...]


def phrase_target(
    conn: Conn, ctx: Context, query: str, excuse: str | None, want_installment: bool
) -> Target | Reply:
    """The case (a number) or the customer (anything else) the command names, as facts."""
    cleaned = query.lstrip("#＃")
    if cleaned.isdecimal():
        number = bounded_id(cleaned)
        view = load_case(conn, number) if number is not None else None
        if view is None:
            return Reply.error(ctx.t("no_case", case=shorten(cleaned, 24)))
        facts = _case_facts(conn, ctx, view, excuse, want_installment)
        conversation = tuple(i.text for i in view.inputs[-6:])
        return Target(facts, cleaned, _contacts_today(conn, view.customer_id, ctx), conversation)
    found = resolve_customer(ctx, conn, query)
    if isinstance(found, Reply):
        return found
    items = customer_items(conn, ctx, found.id)
    profile = customer_profile(
        conn, found.id, ctx.today(), years=ctx.config.circle.triggers.limitation_years
    )
    broken = broken_promises(conn, found.id)
    oldest = max((i.aging.days_past_due for i in items), default=None)
    # Nothing open: no grade, the words are a relationship message.
    grade = customer_grade(ctx, found, items, broken) if items else None
    stage = max(items, key=lambda i: i.aging.days_past_due).aging.stage.value if items else ""
    facts = CaseFacts(
        customer=found.name,
        segment=found.segment,
        invoices=tuple(
            _invoice(
                ctx.config,
                profile,
                i.invoice_no,
                i.outstanding,
                i.currency,
                i.due_date,
                i.disputed,
                ctx.today(),
            )
            for i in items
        ),
        stage=stage if stage in _STAGES else "pre_due",
        risk=grade.value if grade is not None else None,
        broken_promises=broken,
        disputed=any(i.disputed for i in items),
        excuse=excuse,
        want_installment=want_installment,
        recovery=expected_recovery(oldest, ctx.config.aging_policy().recovery)
        if oldest is not None
        else None,
    )
    facts = _with_profile(facts, ctx, profile, items, latest_broken_promise(conn, found.id))
    return Target(facts, found.code, _contacts_today(conn, found.id, ctx), ())


def _contacts_today(conn: Conn, customer_id: int, ctx: Context) -> int:
    """Calls, visits and reminders recorded today for this customer's cases."""
    start = datetime.combine(ctx.today(), time(0), ctx.config.company.zone)
    return contacts_since(conn, customer_id, start, CONTACT_ACTIONS)


def _case_facts(
    conn: Conn, ctx: Context, view: CaseView, excuse: str | None, want_installment: bool
) -> CaseFacts:
    today = ctx.today()
    cfg = ctx.config
    profile = customer_profile(
        conn, view.customer_id, today, years=ctx.config.circle.triggers.limitation_years
    )
    open_invoices = [i for i in view.invoices if i.status == "open" and i.outstanding > 0]
    dpd, stage, case_grade = case_risk(view, cfg, today)
    items = customer_items(conn, ctx, view.customer_id)
    numbers = {i.invoice_no for i in open_invoices}
    # The case card's grade, made worse by what it leaves out: a customer in insolvency or
    # dissolved (the open items' own grades know the customer's status).
    grade = worst_grade(
        [
            *([case_grade] if case_grade is not None else []),
            *(i.aging.risk for i in items if i.invoice_no in numbers),
        ]
    )
    pending = [p for p in view.promises if p.status == "pending"]
    missed = [p for p in view.promises if p.status == "broken"]
    last = max(missed, key=lambda p: p.due_on, default=None)
    facts = CaseFacts(
        customer=view.customer_name,
        segment=view.segment,
        invoices=tuple(
            _invoice(
                cfg, profile, i.invoice_no, i.outstanding, i.currency, i.due_date, i.disputed, today
            )
            for i in open_invoices
        ),
        stage=stage.value if stage.value in _STAGES else "pre_due",
        risk=grade.value if grade is not None else None,
        broken_promises=view.broken_promises,
        disputed=any(i.disputed for i in open_invoices),
        excuse=excuse,
        promise_date=pending[-1].due_on if pending else None,
        # Closed because the money came: thank them and repair, never ask.
        just_paid=not open_invoices and view.close_reason in ("close_paid", "settle"),
        want_installment=want_installment,
        recovery=expected_recovery(dpd, cfg.aging_policy().recovery) if open_invoices else None,
    )
    # How large the debt is counts what the customer owes in all, not one case's share.
    missed_last = BrokenPromise(last.due_on, last.amount, last.currency) if last else None
    return _with_profile(facts, ctx, profile, items, missed_last)


def _invoice(
    cfg: Config,
    profile: CustomerProfile,
    number: str,
    outstanding: Decimal,
    currency: str,
    due: date,
    disputed: bool,
    today: date,
) -> InvoiceFact:
    return InvoiceFact(
        number,
        outstanding,
        currency,
        (today - due).days,
        due,
        disputed=disputed,
        interest_per_day=_rate(cfg, profile, number),
    )


def _rate(cfg: Config, profile: CustomerProfile, number: str) -> Decimal | None:
    """The invoice's own contract rate, else the customer's, else the company's clause.
    A recorded 0 is a contract without interest and stops the fallback."""
    own = profile.invoice_interest.get(number)
    if own is not None:
        return own
    if profile.interest_per_day is not None:
        return profile.interest_per_day
    return cfg.collection.late_interest_per_day


def _with_profile(
    facts: CaseFacts,
    ctx: Context,
    profile: CustomerProfile,
    items: Sequence[OpenItem],
    missed: BrokenPromise | None,
) -> CaseFacts:
    """The facts both paths share: who we are, who they are, what the records show."""
    cfg = ctx.config
    today = ctx.today()
    since = profile.relationship_since
    ends = profile.limitation_ends
    return replace(
        facts,
        relationship_years=(today - since).days // 365 if since else None,
        our_company=cfg.company.short_name or cfg.company.name,
        large=is_large(cfg, profile, ((i.currency, i.outstanding) for i in items)),
        contact_name=profile.contact_name,
        contact_title=profile.contact_title,
        refused_full=profile.refused_full,
        broken_on=missed.due_on if missed else None,
        broken_amount=missed.amount if missed else None,
        broken_currency=missed.currency if missed else None,
        reminders_sent=profile.reminders_sent,
        limitation_days_left=(ends - today).days if ends is not None else None,
    )


def is_large(cfg: Config, profile: CustomerProfile, owed: Iterable[tuple[str, Decimal]]) -> bool:
    """At or above collection.large_amount in the company currency, or at or above
    large_share_of_limit of the credit limit (in the limit's currency).

    An amount in a currency without an exchange rate is left out of the first sum rather
    than guessed at one to one: the threshold is a business decision, not a ranking."""
    base = cfg.company.currency
    rates = cfg.company.fx_rates
    in_base = Decimal(0)
    by_currency: dict[str, Decimal] = {}
    for currency, amount in owed:
        by_currency[currency] = by_currency.get(currency, Decimal(0)) + amount
        if currency == base:
            in_base += amount
        elif currency in rates:
            in_base += amount * rates[currency]
    collection = cfg.collection
    if collection.large_amount is not None and in_base >= collection.large_amount:
        return True
    share = collection.large_share_of_limit
    limit = profile.credit_limit
    if share is None or limit is None or limit[0] <= 0:
        return False
    balance = by_currency.get(limit[1], Decimal(0))
    return balance > 0 and balance >= share * limit[0]

"""Small pieces the command families share: money, names, customer resolution."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from bot.kernel.i18n import has_text
from bot.kernel.messages import Button, Card, Reply, Section
from handlers.context import Context
from playbook.aging import RiskFacts, RiskGrade, risk_grade, worst_grade
from playbook.money import format_money
from storage.offloop import Conn
from storage.queries import CustomerRef, OpenItem, find_customer, open_items

# The longest customer name the database keeps (storage.models.Customer.name).
_LONGEST_NAME = 300


def money(ctx: Context, amount: Decimal, currency: str) -> str:
    return format_money(amount, currency, ctx.locale)


def totals(ctx: Context, pairs: Iterable[tuple[str, Decimal]]) -> str:
    """`¥12,000.00 + $3,400.00`: one figure per currency, never added across currencies."""
    sums: dict[str, Decimal] = {}
    for currency, amount in pairs:
        sums[currency] = sums.get(currency, Decimal(0)) + amount
    if not sums:
        return money(ctx, Decimal(0), ctx.config.company.currency)
    base = ctx.config.company.currency
    order = sorted(sums, key=lambda c: (c != base, c))
    return " + ".join(money(ctx, sums[c], c) for c in order)


def status_label(ctx: Context, status: str) -> str:
    """A customer's status (active, insolvent, dissolved) in the reader's words; a status the
    bot does not know is shown as the ledger has it."""
    return ctx.t(f"customer_status_{status}") if has_text(f"customer_status_{status}") else status


def person_name(ctx: Context, key: str | None) -> str:
    if not key:
        return "-"
    person = ctx.config.people.get(key)
    return person.name if person else key


def shorten(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def resolve_customer(ctx: Context, conn: Conn, query: str) -> CustomerRef | Reply:
    """The one customer meant, or a reply that asks which (or says none matched). In a
    database thread (Context.read), with the rest of what the command reads."""
    shown = shorten(query, 40)  # what the reply repeats of it
    if len(query) > _LONGEST_NAME:
        # Longer than any name or code the ledger holds; SQLite would not even take the LIKE.
        return Reply.error(ctx.t("no_customer", query=shown))
    found = find_customer(conn, query)
    if found.match is not None:
        return found.match
    if found.candidates:
        query_folded = query.casefold()
        contains = any(query_folded in (c.name + " " + c.code).casefold() for c in found.candidates)
        heading = (
            ctx.t("several_customers", query=shown)
            if contains
            else ctx.t("no_customer", query=shown) + " " + ctx.t("suggestions")
        )
        listing = "\n".join(f"• {c.title} — /ar customer {c.code}" for c in found.candidates)
        if found.more:
            listing += "\n" + ctx.t("more_candidates")
        buttons = tuple(
            Button(shorten(c.name, 30), f"/ar customer {c.code}") for c in found.candidates[:5]
        )
        return Reply(
            card=Card(title=heading, sections=(Section(text=listing),), buttons=buttons),
            kind="usage",
        )
    return Reply.error(ctx.t("no_customer", query=shown))


def customer_items(conn: Conn, ctx: Context, customer_id: int) -> list[OpenItem]:
    """One customer's open invoices, aged as of today in the company's policy."""
    cfg = ctx.config
    return open_items(
        conn,
        ctx.today(),
        cfg.aging_policy(),
        base_currency=cfg.company.currency,
        fx=cfg.company.fx_rates,
        customer_ids=[customer_id],
    )


def customer_grade(
    ctx: Context, found: CustomerRef, items: list[OpenItem], broken: int
) -> RiskGrade:
    """The customer's risk grade: its worst open item, its broken promises, its status
    (insolvent, dissolved). Each item's own grade already counts age, dispute and status."""
    facts = RiskFacts(
        days_past_due=max((i.aging.days_past_due for i in items), default=0),
        broken_promises=broken,
        insolvent=found.status == "insolvent",
        dissolved=found.status == "dissolved",
    )
    by_customer = risk_grade(facts, ctx.config.aging_policy().risk)
    return worst_grade([by_customer, *(i.aging.risk for i in items)]) or by_customer

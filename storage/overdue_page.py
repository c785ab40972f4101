"""/ar overdue's page in the database: filter, count, total and rank there, age only the rows
shown.

Ranking every overdue item in Python (storage.queries.open_items) costs about 50 µs an item:
five seconds for the 86,000 overdue items of a million-invoice ledger, to show ten. Here the
priority (playbook.aging.priority_score) becomes one SQL expression:

    outstanding (minor units) × the currency's rate to the company currency per minor unit
      × recovery × urgency (constant between the day thresholds of the policy, so a CASE over
        due dates) × the disputed, insolvent and dissolved factors

The database orders by it and returns a few more rows than shown; those are aged and scored
exactly in Decimal and re-sorted with the same key as open_items, so the page is the one
open_items would give. The SQL score is only an approximation (floating point on SQLite, and
the exact score is rounded to the cent): when the last row fetched is close enough to the
page's cut-off to change it, the rows near the cut-off are fetched again by threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, case, func, literal, literal_column, select

from playbook.aging import AgingPolicy, RiskFacts, priority_score
from playbook.money import exponent, exponent_exceptions
from storage.models import Customer, Invoice
from storage.queries import OPEN_ITEM_COLS, OpenItem, aged_item, rank_key

_inv = Invoice.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]

_PROBE = Decimal(1_000_000)  # large enough that the cent rounding of the score is exact
_EXTRA = 64  # rows fetched beyond the page, for the exact re-sort
_SLACK = 0.02  # how far the approximate score may sit from the exact one (cent rounding)
_CAP = 20_000  # a cut-off shared by this many rows is not re-sorted exactly past the page
# SQLite's planner prefers the two-column seek on (status, due_date) and then reads the table
# for every overdue item; the covering index answers from the index alone, three times faster
# at a million invoices. PostgreSQL's planner weighs an index-only scan itself.
# (storage.db teaches SQLAlchemy to render SQLite's INDEXED BY.)
_COVER_HINT = "INDEXED BY ix_invoice_overdue_cover"


@dataclass(frozen=True)
class OverduePage:
    items: list[OpenItem]  # the rows shown, best first
    count: int  # every item the filters keep
    totals: dict[str, Decimal]  # outstanding per currency over all of them


def _multiplier(dpd: int, policy: AgingPolicy, **flags: bool) -> Decimal:
    return priority_score(_PROBE, RiskFacts(dpd, **flags), policy) / _PROBE


def _bounds(policy: AgingPolicy) -> list[int]:
    """The days past due at which recovery × urgency may change (the last day of a band)."""
    stages, risk = policy.stages, policy.risk
    cuts = {
        -stages.pre_due_days - 1,
        0,
        stages.mid_from - 1,
        stages.late_from - 1,
        risk.bad_after_days - 1,
        risk.dead_after_days - 1,
    }
    cuts.update(s.up_to_days for s in policy.recovery if s.up_to_days is not None)
    return sorted(cuts)


def score_expression(
    today: date,
    policy: AgingPolicy,
    base: str,
    fx: Mapping[str, Decimal],
    statuses: Mapping[str, Sequence[int]] | None = None,
) -> Any:
    """priority_score as a SQL expression over invoice (to within the cent)."""
    due = _inv.c.due_date
    bands = []
    for last_day in _bounds(policy):
        # dpd <= last_day  ⟺  due_date >= today - last_day
        multiplier = float(_multiplier(last_day, policy))
        bands.append((due >= today - timedelta(days=last_day), multiplier))
    tail = float(_multiplier(_bounds(policy)[-1] + 1, policy))
    by_age = case(*bands, else_=tail)
    # Each currency's minor unit in the company currency; one without a rate counts 1:1.
    rates: dict[str, float] = {}
    for cur in {base, *fx, *exponent_exceptions()}:
        rate = Decimal(1) if cur == base else fx.get(cur, Decimal(1))
        rates[cur] = float(rate.scaleb(-exponent(cur)))
    per_minor = case(*((_inv.c.currency == c, r) for c, r in sorted(rates.items())), else_=0.01)
    disputed = float(_multiplier(1, policy, disputed=True) / _multiplier(1, policy))
    insolvent = float(_multiplier(1, policy, insolvent=True) / _multiplier(1, policy))
    dissolved = float(_multiplier(1, policy, dissolved=True) / _multiplier(1, policy))
    owed = _inv.c.amount_minor - _inv.c.paid_minor
    return (
        case((owed > 0, owed), else_=0)
        * per_minor
        * by_age
        * case((_inv.c.disputed, disputed), else_=1.0)
        * _status_factor(statuses, insolvent, dissolved)
    )


def _status_factor(
    statuses: Mapping[str, Sequence[int]] | None, insolvent: float, dissolved: float
) -> Any:
    """The insolvent and dissolved factors by customer id: the ids as a list when the caller
    read them (few customers are either), else subqueries; either way the ranking reads the
    invoice index alone instead of joining every overdue item's customer."""
    factors = {"insolvent": insolvent, "dissolved": dissolved}
    whens = []
    for status, factor in factors.items():
        ids: Any
        if statuses is None:
            ids = select(_cus.c.id).where(_cus.c.status == status)
        else:
            ids = list(statuses.get(status, ()))
            if not ids:
                continue
        whens.append((_inv.c.customer_id.in_(ids), factor))
    return case(*whens, else_=1.0) if whens else literal(1.0)


_LISTED = 2_000  # more customers than this in a status: the subquery, not a list of ids


def _customers_in_trouble(conn: Connection) -> dict[str, list[int]] | None:
    rows = conn.execute(
        select(_cus.c.status, _cus.c.id)
        .where(_cus.c.status.in_(("insolvent", "dissolved")))
        .limit(_LISTED + 1)
    ).all()
    if len(rows) > _LISTED:
        return None
    found: dict[str, list[int]] = {}
    for status, cid in rows:
        found.setdefault(status, []).append(cid)
    return found


def _filters(
    today: date,
    dpd_min: int,
    dpd_max: int | None,
    customer_ids: Sequence[int] | None,
    owners: Sequence[str] | None,
) -> list[Any]:
    where = [
        # A literal, not a parameter: it lets the database use the partial index of open
        # invoices that covers this query (migration 0011).
        _inv.c.status == literal_column("'open'"),
        _inv.c.issue_date <= today,
        _inv.c.due_date <= today - timedelta(days=dpd_min),
        _inv.c.amount_minor != _inv.c.paid_minor,  # nothing owed either way: not open
    ]
    if dpd_max is not None:
        where.append(_inv.c.due_date >= today - timedelta(days=dpd_max))
    if customer_ids is not None:
        where.append(_inv.c.customer_id.in_(list(customer_ids)))
    if owners is not None:
        where.append(_inv.c.owner.in_(list(owners)))
    return where


def overdue_page(
    conn: Connection,
    today: date,
    policy: AgingPolicy,
    *,
    base_currency: str,
    fx: Mapping[str, Decimal],
    limit: int,
    dpd_min: int = 1,
    dpd_max: int | None = None,
    customer_ids: Sequence[int] | None = None,
    owners: Sequence[str] | None = None,
) -> OverduePage:
    """The best `limit` items between dpd_min and dpd_max days past due, with the count and
    totals of all of them: the same items, in the same order, as open_items would rank."""
    where = _filters(today, dpd_min, dpd_max, customer_ids, owners)
    sums = conn.execute(
        select(_inv.c.currency, func.count(), func.sum(_inv.c.amount_minor - _inv.c.paid_minor))
        .where(*where)
        .group_by(_inv.c.currency)
        .with_hint(_inv, _COVER_HINT, "sqlite")
    ).all()
    count = sum(int(n) for _cur, n, _s in sums)
    totals = {cur: Decimal(int(total)).scaleb(-exponent(cur)) for cur, _n, total in sums if total}
    if not count:
        return OverduePage([], 0, totals)
    expr = score_expression(today, policy, base_currency, fx, statuses=_customers_in_trouble(conn))
    score = expr.label("score")
    ranked = (
        select(_inv.c.id, score)
        .where(*where)
        .order_by(score.desc(), _inv.c.due_date, _inv.c.invoice_no)
        .with_hint(_inv, _COVER_HINT, "sqlite")
    )
    top = conn.execute(ranked.limit(limit + _EXTRA)).all()
    if len(top) == limit + _EXTRA:
        # The exact order can differ from the SQL one only among rows whose scores are
        # within the slack of each other: make sure every row that could reach the page is
        # here, by fetching all those at or above the page's lowest score less the slack.
        floor = float(top[limit - 1].score) - _SLACK
        if float(top[-1].score) >= floor:
            top = conn.execute(ranked.where(expr >= literal(floor)).limit(_CAP)).all()
    rows = conn.execute(
        select(*OPEN_ITEM_COLS)
        .select_from(_inv.join(_cus, _cus.c.id == _inv.c.customer_id))
        .where(_inv.c.id.in_([r.id for r in top]))
    ).all()
    items = [item for row in rows if (item := aged_item(row, today, policy, base_currency, fx))]
    items.sort(key=rank_key)
    return OverduePage(items[:limit], count, totals)

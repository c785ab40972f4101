"""The digest's top of the list: the overdue items /ar overdue would show first, found by the
database among a million without ranking each in Python."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, case, literal, select

from playbook.aging import AgingPolicy, RiskFacts, priority_score
from playbook.money import exponent
from storage.digest_reads import owned
from storage.models import Customer, Invoice
from storage.queries import OpenItem, open_items

_inv = Invoice.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]


# --- the top of the list --------------------------------------------------------------------


def _factor_runs(policy: AgingPolicy) -> list[tuple[int, Decimal]]:
    """(last dpd of the run, recovery × urgency) for runs of days past due with one factor;
    the last run goes on for ever. Read off priority_score itself, so the SQL ranks the way
    /ar overdue does without restating its rules."""
    big = Decimal(10) ** 12
    limit = (
        max(
            policy.stages.late_from,
            policy.risk.bad_after_days,
            policy.risk.dead_after_days,
            *(s.up_to_days or 0 for s in policy.recovery),
        )
        + 2
    )
    runs: list[tuple[int, Decimal]] = []
    for dpd in range(1, limit + 1):
        factor = priority_score(big, RiskFacts(dpd), policy) / big
        if runs and runs[-1][1] == factor:
            runs[-1] = (dpd, factor)
        else:
            runs.append((dpd, factor))
    return runs


def _hits(policy: AgingPolicy) -> dict[str, float]:
    """The disputed, insolvent and dissolved factors of priority_score, read off it."""
    big = Decimal(10) ** 12
    plain = priority_score(big, RiskFacts(1), policy)
    return {
        name: float(priority_score(big, RiskFacts(1, **{name: True}), policy) / plain)
        for name in ("disputed", "insolvent", "dissolved")
    }


def top_items(
    conn: Connection,
    today: date,
    policy: AgingPolicy,
    *,
    base_currency: str,
    fx: Mapping[str, Decimal],
    owners: Sequence[str] | None,
    limit: int,
) -> list[OpenItem]:
    """The `limit` overdue items /ar overdue would list first.

    The database scores every overdue invoice with the same factors (as floats) and hands
    back the best few times `limit`; those customers' items are then ranked exactly by
    storage.queries.open_items, so the order is /ar overdue's, not a float's.
    """
    runs = _factor_runs(policy)
    whens = [
        (_inv.c.due_date >= today - timedelta(days=last), literal(float(factor)))
        for last, factor in runs[:-1]
    ]
    urgency = case(*whens, else_=literal(float(runs[-1][1])))
    currencies = [
        (_inv.c.currency == cur, literal(float(rate) / 10 ** exponent(cur)))
        for cur, rate in fx.items()
        if cur != base_currency
    ]
    scale = case(*currencies, else_=literal(1.0 / 10 ** exponent(base_currency)))
    hit = _hits(policy)
    score = (
        (_inv.c.amount_minor - _inv.c.paid_minor)
        * scale
        * urgency
        * case((_inv.c.disputed.is_(True), literal(hit["disputed"])), else_=literal(1.0))
        * case(
            (_cus.c.status == "insolvent", literal(hit["insolvent"])),
            (_cus.c.status == "dissolved", literal(hit["dissolved"])),
            else_=literal(1.0),
        )
    ).label("score")
    rows = conn.execute(
        select(_inv.c.customer_id, score)
        .select_from(_inv.join(_cus, _cus.c.id == _inv.c.customer_id))
        .where(
            _inv.c.status == "open",
            _inv.c.issue_date <= today,
            _inv.c.due_date <= today - timedelta(days=1),
            _inv.c.amount_minor > _inv.c.paid_minor,
            owned(owners),
        )
        .order_by(score.desc())
        .limit(limit * 5)
    ).all()
    customers = sorted({r.customer_id for r in rows})
    if not customers:
        return []
    items = open_items(
        conn,
        today,
        policy,
        base_currency=base_currency,
        fx=fx,
        customer_ids=customers,
        owners=owners,
        overdue_from=1,
    )
    return items[:limit]

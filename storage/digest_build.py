"""One digest's data: the reads of storage.digest_reads, the circle's scorecard, yesterday's
snapshot and each top item's next step, for a day and a scope (the company or one team).

Shared by the digest job (rendered when the outbox sends it) and `/ar digest` (now, privately).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from playbook.aging import AgingPolicy
from playbook.digest import (
    DSO_DAYS,
    CircleFigures,
    DigestData,
    SyncFailure,
    TeamCircle,
    TopLine,
    Totals,
    Waiting,
)
from playbook.library import load_playbook
from playbook.money import from_minor
from playbook.phrasing import CaseFacts, InvoiceFact, suggest
from storage import digest_reads as reads
from storage import jobrun, snapshots
from storage.circle_stats import Scorecard, scorecard
from storage.circle_types import TeamContacts
from storage.digest_top import top_items
from storage.queries import OpenItem

_LISTED = 5
_PHRASED = ("pre_due", "early", "mid", "late")


@dataclass(frozen=True)
class DigestScope:
    """What a digest is about: the day, whose customers, and how the company counts."""

    day: date
    zone: ZoneInfo
    policy: AgingPolicy
    base_currency: str
    fx: Mapping[str, Decimal]
    team: str | None = None
    owners: Sequence[str] | None = None  # the team's members; None: everyone's
    top: int = 10
    locale: str = "en"  # for the next steps
    overrides: Path | None = None  # the company's playbook overrides
    contacts: Mapping[str, TeamContacts] | None = None
    late: bool = False


# How old a snapshot the digest may show as "now": the post follows it within the minute.
SNAPSHOT_FRESH = timedelta(minutes=5)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local day, as aware datetimes."""
    start = datetime.combine(day, time(0), zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), zone)


def totals_today(conn: Connection, scope: DigestScope) -> list[Totals]:
    """Today's totals per currency with the credit sales of the trailing 30 days."""
    day = scope.day
    found = reads.open_totals(conn, day, scope.policy, scope.owners)
    sales = reads.credit_sales(conn, day - timedelta(days=DSO_DAYS - 1), day, scope.owners)
    return [
        Totals(
            currency=cur,
            buckets=tuple(line.buckets),
            stages=tuple(line.stages),
            count=line.count,
            credit_sales_30d=sales.get(cur, 0),
        )
        for cur, line in found.items()
    ]


def _totals(conn: Connection, scope: DigestScope, now: datetime) -> list[Totals]:
    """Today's totals: the snapshot the digest job has just written when it is fresh (the
    company's digest goes out a moment after it), else counted now (a team's scope, `/ar
    digest` later in the day)."""
    if scope.team is None and scope.owners is None:
        bounds = snapshots.bounds_key(scope.policy)
        fresh = snapshots.fresh_totals(conn, scope.day, bounds, now - SNAPSHOT_FRESH)
        if fresh is not None:
            return fresh
    return totals_today(conn, scope)


def _with_yesterday(conn: Connection, scope: DigestScope, totals: list[Totals]) -> list[Totals]:
    if scope.team is not None:
        # Snapshots are the company's: a team digest shows no change it cannot compute.
        return totals
    yesterday = scope.day - timedelta(days=1)
    bounds = snapshots.bounds_key(scope.policy)
    before = {
        s.currency: s
        for s in snapshots.history(conn, yesterday, days=1)
        if s.day == yesterday and s.bounds == bounds
    }
    out = []
    for t in totals:
        prev = before.get(t.currency)
        out.append(
            Totals(
                t.currency,
                t.buckets,
                t.stages,
                t.count,
                t.credit_sales_30d,
                prev_buckets=prev.buckets if prev else None,
                prev_stages=prev.stages if prev else None,
            )
        )
    for cur, prev in sorted(before.items()):
        if cur not in {t.currency for t in totals}:
            # Paid off since yesterday: the currency shows at zero with its change.
            zeros = tuple(0 for _ in prev.buckets)
            out.append(Totals(cur, zeros, (), 0, 0, prev.buckets, prev.stages))
    return sorted(out, key=lambda t: (t.currency != scope.base_currency, t.currency))


def next_step(item: OpenItem, locale: str, overrides: Path | None) -> str:
    """The playbook's next step for the item's stage (disputed: the dispute's), as
    /ar phrase words it for a case."""
    stage = item.aging.stage.value
    facts = CaseFacts(
        customer=item.customer.name,
        segment=item.customer.segment if item.customer.segment in _SEGMENTS else "normal",
        invoices=(
            InvoiceFact(
                item.invoice_no,
                item.outstanding,
                item.currency,
                item.aging.days_past_due,
                item.due_date,
                disputed=item.disputed,
            ),
        ),
        stage=stage if stage in _PHRASED else "pre_due",
        disputed=item.disputed,
    )
    try:
        return suggest(facts, load_playbook(locale, overrides)).next_step
    except ValueError:
        return ""


_SEGMENTS = ("important", "normal", "problem")


def _top(conn: Connection, scope: DigestScope) -> tuple[TopLine, ...]:
    items = top_items(
        conn,
        scope.day,
        scope.policy,
        base_currency=scope.base_currency,
        fx=scope.fx,
        owners=scope.owners,
        limit=scope.top,
    )
    return tuple(
        TopLine(
            customer=i.customer.name,
            code=i.customer.code,
            invoice_no=i.invoice_no,
            currency=i.currency,
            outstanding=i.outstanding,
            days_past_due=i.aging.days_past_due,
            stage=i.aging.stage.value,
            disputed=i.disputed,
            owner=i.owner,
            next_step=next_step(i, scope.locale, scope.overrides),
        )
        for i in items
    )


def _circle(card: Scorecard, teams: Sequence[str] | None) -> CircleFigures:
    shown = sorted(card.teams.items())
    if teams is not None:
        shown = [(k, v) for k, v in shown if k in teams]
    return CircleFigures(
        opened=card.opened,
        closed=card.closed,
        teams=tuple(
            TeamCircle(
                team=name,
                seats=s.seats,
                in_window=s.in_window,
                share=s.share,
                median=s.median_answer,
                p90=s.p90_answer,
                escalations=tuple(sorted(s.escalations.items())),
                waiting=tuple(Waiting(w.case_id, w.customer, tuple(w.who)) for w in s.waiting),
            )
            for name, s in shown
        ),
    )


def _sync_failures(conn: Connection, since: datetime) -> list[SyncFailure]:
    """The ledger sync's own reader (storage.jobrun.failures_since) where this version has
    it, else the digest's read of the same job_run rows."""
    reader = getattr(jobrun, "failures_since", None)
    if reader is None:
        return reads.sync_failures(conn, since)
    return [
        SyncFailure(str(f.source or f.job)[:200], str(f.error or "")[:300], f.at)
        for f in reader(conn, "ledger", since)[-5:]
    ]


def yesterday_scorecard(conn: Connection, scope: DigestScope, now: datetime) -> Scorecard:
    start, end = day_bounds(scope.day - timedelta(days=1), scope.zone)
    return scorecard(conn, start, end, now, contacts=scope.contacts)


def build_digest(
    conn: Connection, scope: DigestScope, now: datetime, *, since: datetime | None = None
) -> DigestData:
    """Everything the digest of `scope.day` shows; `since`: sync failures from (default:
    the start of yesterday)."""
    day = scope.day
    yesterday = day - timedelta(days=1)
    start, end = day_bounds(yesterday, scope.zone)
    owners = scope.owners
    overdue, overdue_total = reads.newly_overdue(conn, yesterday, owners, _LISTED)
    paid, paid_total, paid_sums = reads.payments_on(conn, yesterday, owners, _LISTED)
    holds, holds_total = reads.on_hold(conn, owners, 20)
    count, head = reads.audit_head(conn)
    card = yesterday_scorecard(conn, scope, now)
    return DigestData(
        day=day,
        team=scope.team,
        bucket_labels=tuple(b.label for b in scope.policy.buckets),
        totals=tuple(_with_yesterday(conn, scope, _totals(conn, scope, now))),
        newly_overdue=tuple(overdue),
        newly_overdue_total=overdue_total,
        payments=tuple(paid),
        payments_total=paid_total,
        payment_sums={c: from_minor(v, c) for c, v in paid_sums.items()},
        promises_due=tuple(reads.promises(conn, due_on=day, broken=False, owners=owners, limit=50)),
        promises_broken=tuple(
            reads.promises(conn, due_on=yesterday, broken=True, owners=owners, limit=50)
        ),
        decisions=tuple(reads.decisions(conn, start, end, owners, 30)),
        holds=tuple(holds),
        holds_total=holds_total,
        top=_top(conn, scope),
        circle=_circle(card, [scope.team] if scope.team else None),
        audit_count=count,
        audit_head=head,
        sync_failures=tuple(_sync_failures(conn, since or start)),
        late=scope.late,
    )

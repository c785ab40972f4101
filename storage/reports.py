"""The aging report: counts and outstanding amounts per currency and bucket, as of any date.

One grouped SQL query does the work (a million invoices must not travel into Python). Bucket
edges become due-date cutoffs computed here, so the SQL needs no date arithmetic and runs the
same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Subquery, and_, case, func, literal, or_, select, union_all

from playbook.aging import AgingPolicy, Bucket, bucket_cutoffs
from playbook.money import from_minor
from storage import sheets
from storage.models import Customer, Invoice, Payment

GroupBy = Literal["customer", "segment", "owner"]

_SHEET_HEADER = (
    "as_of",
    "currency",
    "group",
    "name",
    "bucket",
    "days_from",
    "days_to",
    "count",
    "amount",
)
# SQLite's SUM stops with "integer overflow" past 2**63; on SQLite each outstanding figure is
# summed in two halves (quotient and remainder by 2**32), each far from overflowing, and put
# back together in Python. PostgreSQL sums BIGINT as NUMERIC, which does not overflow.
_HALF = 1 << 32

_inv = Invoice.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]
_pay = Payment.__table__  # type: ignore[attr-defined]


@dataclass
class Cell:
    count: int = 0
    minor: int = 0


@dataclass
class Line:
    """One currency (and, with --by, one group): a cell per bucket."""

    currency: str
    buckets: list[Cell]
    key: str | None = None
    name: str | None = None

    @property
    def count(self) -> int:
        return sum(c.count for c in self.buckets)

    @property
    def minor(self) -> int:
        return sum(c.minor for c in self.buckets)


@dataclass
class AgingReport:
    as_of: date
    buckets: tuple[Bucket, ...]
    totals: list[Line]
    by: GroupBy | None = None
    groups: list[Line] = field(default_factory=list)
    # Caveats a reader must see beside the figures (e.g. payments whose day is unknown).
    notes: list[str] = field(default_factory=list)

    def _line_json(self, line: Line) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if line.key is not None:
            out["key"] = line.key
            out["name"] = line.name
        out.update(
            {
                "currency": line.currency,
                "count": line.count,
                "amount": str(from_minor(line.minor, line.currency)),
                "buckets": [
                    {
                        "label": b.label,
                        "days_from": b.days_from,
                        "days_to": b.days_to,
                        "count": c.count,
                        "amount": str(from_minor(c.minor, line.currency)),
                    }
                    for b, c in zip(self.buckets, line.buckets, strict=True)
                ],
            }
        )
        return out

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "as_of": self.as_of.isoformat(),
            "totals": [self._line_json(t) for t in self.totals],
            "notes": list(self.notes),
        }
        if self.by is not None:
            doc["by"] = self.by
            doc["groups"] = [self._line_json(g) for g in self.groups]
        return doc

    def _sheet_rows(self) -> Iterator[list[Any]]:
        # Customer codes and names come from the ledger: storage.sheets keeps them inert.
        for line in [*self.totals, *self.groups]:
            for b, c in zip(self.buckets, line.buckets, strict=True):
                yield [
                    self.as_of,
                    line.currency,
                    line.key or "",
                    line.name or "",
                    b.label,
                    b.days_from,
                    b.days_to,
                    c.count,
                    from_minor(c.minor, line.currency),
                ]

    def to_csv(self) -> str:
        return sheets.csv_text(_SHEET_HEADER, self._sheet_rows())

    def write_csv(self, path: Path) -> None:
        sheets.write_csv(path, _SHEET_HEADER, self._sheet_rows())

    def to_xlsx(self, path: Path) -> None:
        """The CSV's rows as a workbook: counts and amounts are numbers, as_of a date."""
        sheets.write_xlsx(path, _SHEET_HEADER, self._sheet_rows(), title="Aging")

    def to_table(self) -> str:
        lines = [f"Aging as of {self.as_of.isoformat()}"]
        notes = [""] + [f"Note: {n}" for n in self.notes] if self.notes else []
        if not self.totals:
            lines.append("No open invoices on that date.")
            return "\n".join(lines + notes)
        labels = [b.label for b in self.buckets]
        for total in self.totals:
            cur = total.currency
            lines.append("")
            lines.append(f"{cur}: {total.count} open, {_money(total.minor, cur)}")
            rows = [["bucket", "count", "amount", "share"]]
            for bucket, cell in zip(self.buckets, total.buckets, strict=True):
                share = (Decimal(cell.minor) / Decimal(total.minor) * 100) if total.minor else 0
                # What a person reads ("1-30 days"); JSON and CSV keep the key ("1-30").
                name = bucket.label_in("en")
                rows.append([name, str(cell.count), _money(cell.minor, cur), f"{share:.1f}%"])
            rows.append(["total", str(total.count), _money(total.minor, cur), "100.0%"])
            lines.extend(_grid(rows, right=(1, 2, 3)))
            groups = [g for g in self.groups if g.currency == cur]
            if groups:
                lines.append("")
                lines.append(f"{cur} by {self.by} (days past due):")
                rows = [[self.by or "", "count", "total", *labels]]
                for g in groups:
                    title = g.key if not g.name or g.name == g.key else f"{g.name} ({g.key})"
                    rows.append(
                        [
                            title or "(none)",
                            str(g.count),
                            _money(g.minor, cur),
                            *(_money(c.minor, cur) if c.count else "-" for c in g.buckets),
                        ]
                    )
                lines.extend(_grid(rows, right=tuple(range(1, len(rows[0])))))
        return "\n".join(lines + notes)


def _money(minor: int, currency: str) -> str:
    value = from_minor(minor, currency)
    return f"{value:,}"


def _grid(rows: Sequence[Sequence[str]], right: tuple[int, ...]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  " + "  ".join(cells).rstrip())
        if n == 0:
            out.append("  " + "  ".join("-" * w for w in widths))
    return out


def open_balances(as_of: date) -> Subquery:
    """Every invoice open at the end of `as_of` (`id`) with its outstanding minor units then
    (`out`, possibly 0: filter `out != 0`). The aging report and the aging export share it."""
    # Open on D: issued by D, not written off by D, and amount - paid-by-D != 0, where
    # paid-by-D = paid_minor (everything paid so far) - what was paid after D. Only two kinds
    # of invoice can be open on D: those open (or written off) now, and those paid after D.
    # Both are reached through indexes, and only payments dated after D are summed, so a
    # report for today reads the open invoices and nothing else.
    later = (
        select(_pay.c.invoice_id, func.sum(_pay.c.amount_minor).label("after"))
        .where(_pay.c.paid_on > as_of)
        .group_by(_pay.c.invoice_id)
        .subquery("later")
    )
    live = and_(
        _inv.c.issue_date <= as_of,
        or_(_inv.c.written_off_on.is_(None), _inv.c.written_off_on > as_of),
    )
    still_open = (
        select(
            _inv.c.id.label("id"),
            (_inv.c.amount_minor - _inv.c.paid_minor + func.coalesce(later.c.after, 0)).label(
                "out"
            ),
        )
        .select_from(_inv.outerjoin(later, later.c.invoice_id == _inv.c.id))
        .where(_inv.c.status.in_(["open", "written_off"]), live)
    )
    paid_since = (
        select(
            _inv.c.id.label("id"),
            (_inv.c.amount_minor - _inv.c.paid_minor + later.c.after).label("out"),
        )
        .select_from(later.join(_inv, _inv.c.id == later.c.invoice_id))
        .where(_inv.c.status == "paid", live)
    )
    return union_all(still_open, paid_since).subquery("o")


def aging_report(
    conn: Connection, as_of: date, policy: AgingPolicy, by: GroupBy | None = None
) -> AgingReport:
    buckets = policy.buckets
    cutoffs = bucket_cutoffs(as_of, buckets)

    candidates = open_balances(as_of)
    outstanding = candidates.c.out
    source: Any = candidates.join(_inv, _inv.c.id == candidates.c.id)
    where = outstanding != 0

    whens = []
    for n, (_bucket, earliest, _latest) in enumerate(cutoffs[:-1]):
        # Buckets run from the newest due dates to the oldest; each cutoff is the earliest due
        # date still inside the bucket.
        assert earliest is not None
        whens.append((_inv.c.due_date >= earliest, literal(n)))
    bucket_no = case(*whens, else_=literal(len(cutoffs) - 1)).label("b")

    key_cols: list[Any] = []
    if by == "customer":
        source = source.join(_cus, _cus.c.id == _inv.c.customer_id)
        key_cols = [_cus.c.code.label("key"), _cus.c.name.label("name")]
    elif by == "segment":
        source = source.join(_cus, _cus.c.id == _inv.c.customer_id)
        key_cols = [_cus.c.segment.label("key")]
    elif by == "owner":
        key_cols = [_inv.c.owner.label("key")]

    if conn.dialect.name == "sqlite":
        sums = [
            func.sum(outstanding.op("/")(literal(_HALF))).label("hi"),
            func.sum(outstanding.op("%")(literal(_HALF))).label("lo"),
        ]
    else:
        sums = [func.sum(outstanding).label("hi"), literal(0).label("lo")]
    stmt = (
        select(
            _inv.c.currency,
            *key_cols,
            bucket_no,
            func.count().label("n"),
            *sums,
        )
        .select_from(source)
        .where(where)
        .group_by(_inv.c.currency, *key_cols, bucket_no)
    )
    totals: dict[str, Line] = {}
    groups: dict[tuple[str, str], Line] = {}
    scale = _HALF if conn.dialect.name == "sqlite" else 1
    for row in conn.execute(stmt):
        cur = row.currency
        minor = int(row.hi) * scale + int(row.lo)
        total = totals.setdefault(cur, Line(cur, [Cell() for _ in buckets]))
        cell = total.buckets[row.b]
        cell.count += row.n
        cell.minor += minor
        if by is not None:
            key = row.key if row.key is not None else ""
            name = getattr(row, "name", None)
            line = groups.setdefault(
                (cur, key), Line(cur, [Cell() for _ in buckets], key=key, name=name)
            )
            line.buckets[row.b].count += row.n
            line.buckets[row.b].minor += minor
    notes = []
    undated = conn.execute(
        select(func.count())
        .select_from(_pay.join(_inv, _inv.c.id == _pay.c.invoice_id))
        .where(_pay.c.dated.is_(False), _pay.c.paid_on > as_of, _inv.c.issue_date <= as_of)
    ).scalar_one()
    if undated:
        notes.append(
            f"{undated:,} payments on these invoices have no date in the ledger (part "
            "payments); they count from the day they were imported (or its "
            "--balances-as-of date), so on this date they show as unpaid."
        )
    ordered_groups = sorted(groups.values(), key=lambda g: (g.currency, -g.minor, g.key or ""))
    return AgingReport(
        as_of=as_of,
        buckets=buckets,
        totals=[totals[c] for c in sorted(totals)],
        by=by,
        groups=ordered_groups,
        notes=notes,
    )

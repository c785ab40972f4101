"""The metrics report for a period: per currency the receivables metrics (playbook.metrics over
storage.metrics_reads), and the circle's scorecard (storage.circle_stats), with the shapes the
CLI writes (JSON, CSV, a plain table). The chat card is built from the same data by
handlers.metrics, in the speaker's language.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from playbook import metrics as m
from playbook.aging import AgingPolicy, RiskGrade
from playbook.periods import Period
from storage import sheets
from storage.circle_stats import Scorecard, TeamScore, scorecard
from storage.circle_types import TeamContacts
from storage.metrics_reads import PeriodRead, period_inputs

__all__ = ["CurrencyMetrics", "MetricsReport", "metrics_report", "minutes", "number"]

CSV_HEADER = ("period_start", "period_end", "currency", "metric", "value")
_GRADES = {g.value: g for g in RiskGrade}


def number(value: Decimal | None, places: int = 2) -> str | None:
    """A figure for JSON and CSV: a decimal string rounded half-even, None when undefined."""
    shown = m.rounded(value, places)
    return None if shown is None else str(shown)


def minutes(span: timedelta | None) -> Decimal | None:
    if span is None:
        return None
    return Decimal(span // timedelta(microseconds=1)) / Decimal(60_000_000)


def _cell(value: Any) -> Any:
    """A JSON figure as a sheet cell: decimal strings become numbers (a spreadsheet sums them),
    None an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def _money(value: Decimal) -> str:
    return f"{value:,}"


def _show(value: Decimal | None, suffix: str = "") -> str:
    shown = m.rounded(value)
    return "—" if shown is None else f"{shown:,}{suffix}"


@dataclass(frozen=True)
class CurrencyMetrics:
    read: PeriodRead
    metrics: m.PeriodMetrics

    @property
    def inputs(self) -> m.PeriodInputs:
        return self.read.inputs


@dataclass(frozen=True)
class MetricsReport:
    period: Period
    currencies: tuple[CurrencyMetrics, ...]
    circle: Scorecard

    # --- JSON ---------------------------------------------------------------------------

    def _currency_json(self, cm: CurrencyMetrics) -> dict[str, Any]:
        i, x = cm.inputs, cm.metrics
        due, got = i.recovery_due or {}, i.recovery_collected or {}
        recovery = {
            grade: {
                "owed_at_start": str(due.get(grade, Decimal(0))),
                "collected": str(got.get(grade, Decimal(0))),
                "rate": number(rate),
            }
            for grade, rate in x.recovery.items()
        }
        return {
            "currency": i.currency,
            "period_start": self.period.start.isoformat(),
            "period_end": self.period.end.isoformat(),
            "days": i.days,
            "opening_receivables": str(i.opening),
            "credit_sales": str(i.credit_sales),
            "closing_receivables": str(i.closing),
            "closing_current": str(i.closing_current),
            "dso": number(x.dso),
            "dso_countback": number(x.dso_countback),
            "best_possible_dso": number(x.best_possible_dso),
            "add": number(x.add),
            "cei": number(x.cei),
            "percent_current": number(x.percent_current),
            "at_risk_90": str(i.at_risk_90),
            "at_risk_90_percent": number(x.at_risk_share),
            "promises_kept": i.promises_kept,
            "promises_broken": i.promises_broken,
            "promised_kept_amount": str(cm.read.promised_kept),
            "promised_broken_amount": str(cm.read.promised_broken),
            "promise_kept_rate": number(x.promise_kept_rate),
            "recovery_by_grade": recovery,
        }

    @staticmethod
    def _team_json(score: TeamScore) -> dict[str, Any]:
        return {
            "seats": score.seats,
            "in_window": score.in_window,
            "share": number(score.share, 4),
            "median_answer_minutes": number(minutes(score.median_answer)),
            "p90_answer_minutes": number(minutes(score.p90_answer)),
            "escalations": {str(k): v for k, v in sorted(score.escalations.items())},
            "waiting": [
                {
                    "case": w.case_id,
                    "customer": w.customer,
                    "who": list(w.who),
                    "since": w.since.isoformat() if w.since else None,
                    "level": w.level,
                }
                for w in score.waiting
            ],
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period.label,
            "period_start": self.period.start.isoformat(),
            "period_end": self.period.end.isoformat(),
            "currencies": [self._currency_json(c) for c in self.currencies],
            "cases": {"opened": self.circle.opened, "closed": self.circle.closed},
            "circle": {team: self._team_json(s) for team, s in self.circle.teams.items()},
        }

    # --- CSV: one figure a row, so a spreadsheet can pivot it -------------------------------

    def _csv_rows(self) -> Iterator[list[Any]]:
        start, end = self.period.start, self.period.end
        for c in self.currencies:
            for key, value in self._currency_json(c).items():
                if key in ("currency", "period_start", "period_end"):
                    continue
                if key == "recovery_by_grade":
                    for grade, cells in value.items():
                        for name, cell in cells.items():
                            yield [
                                start,
                                end,
                                c.inputs.currency,
                                f"recovery.{grade}.{name}",
                                _cell(cell),
                            ]
                    continue
                yield [start, end, c.inputs.currency, key, _cell(value)]
        yield [start, end, "", "cases.opened", self.circle.opened]
        yield [start, end, "", "cases.closed", self.circle.closed]
        for team, score in self.circle.teams.items():
            doc = self._team_json(score)
            for key in (
                "seats",
                "in_window",
                "share",
                "median_answer_minutes",
                "p90_answer_minutes",
            ):
                value = doc[key]
                yield [start, end, "", f"circle.{team}.{key}", _cell(value)]
            for level, count in doc["escalations"].items():
                yield [start, end, "", f"circle.{team}.escalations.level{level}", count]
            yield [start, end, "", f"circle.{team}.waiting", len(score.waiting)]

    def to_csv(self) -> str:
        return sheets.csv_text(CSV_HEADER, self._csv_rows())

    def write_csv(self, path: Any) -> None:
        sheets.write_csv(path, CSV_HEADER, self._csv_rows())

    def to_xlsx(self, path: Any) -> None:
        sheets.write_xlsx(path, CSV_HEADER, self._csv_rows(), title="Metrics")

    # --- a plain table (the CLI's default) ---------------------------------------------------

    def to_table(self) -> str:
        p = self.period
        lines = [f"Metrics {p.label}: {p.start.isoformat()} to {p.end.isoformat()} ({p.days} days)"]
        if not self.currencies:
            lines += ["", "No receivables and no sales in this period."]
        for c in self.currencies:
            i, x = c.inputs, c.metrics
            kept = i.promises_kept
            total = kept + i.promises_broken
            rows = [
                ("opening receivables", _money(i.opening)),
                ("credit sales", _money(i.credit_sales)),
                ("closing receivables", _money(i.closing)),
                ("closing current", _money(i.closing_current)),
                ("DSO", _show(x.dso, " days")),
                ("DSO (countback)", _show(x.dso_countback, " days")),
                ("best possible DSO", _show(x.best_possible_dso, " days")),
                ("average days delinquent", _show(x.add, " days")),
                ("CEI", _show(x.cei, "%")),
                ("percent current", _show(x.percent_current, "%")),
                ("at risk (90+ days)", f"{_money(i.at_risk_90)} ({_show(x.at_risk_share, '%')})"),
                ("promises kept", f"{kept} of {total} ({_show(x.promise_kept_rate, '%')})"),
            ]
            for grade, rate in x.recovery.items():
                owed = (i.recovery_due or {}).get(grade, Decimal(0))
                got = (i.recovery_collected or {}).get(grade, Decimal(0))
                label = _GRADES[grade].label("en") if grade in _GRADES else grade
                rows.append(
                    (f"recovered: {label}", f"{_money(got)} of {_money(owed)} ({_show(rate, '%')})")
                )
            lines += ["", i.currency]
            width = max(len(k) for k, _ in rows)
            lines += [f"  {k.ljust(width)}  {v}" for k, v in rows]
        sc = self.circle
        lines += ["", f"Circle: cases opened {sc.opened}, closed {sc.closed}"]
        if sc.teams:
            head = (
                "team",
                "seats",
                "in window",
                "share",
                "median",
                "p90",
                "escalations",
                "waiting",
            )
            grid = [head]
            for team, s in sc.teams.items():
                esc = " ".join(f"L{k}:{v}" for k, v in sorted(s.escalations.items())) or "-"
                grid.append(
                    (
                        team,
                        str(s.seats),
                        str(s.in_window),
                        _show(None if s.share is None else s.share * 100, "%"),
                        _show(minutes(s.median_answer), " min"),
                        _show(minutes(s.p90_answer), " min"),
                        esc,
                        str(len(s.waiting)),
                    )
                )
            widths = [max(len(r[n]) for r in grid) for n in range(len(head))]
            for n, r in enumerate(grid):
                cells = [
                    c.ljust(w) if k in (0, 6) else c.rjust(w)
                    for k, (c, w) in enumerate(zip(r, widths, strict=True))
                ]
                lines.append("  " + "  ".join(cells).rstrip())
                if n == 0:
                    lines.append("  " + "  ".join("-" * w for w in widths))
            for team, s in sc.teams.items():
                for w in s.waiting:
                    who = ", ".join(w.who) or "nobody configured"
                    lines.append(f"  {team} waits on #{w.case_id} {w.customer}: chasing {who}")
        return "\n".join(lines)


def _midnight(day: Any, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def metrics_report(
    conn: Connection,
    period: Period,
    policy: AgingPolicy,
    *,
    zone: tzinfo,
    now: datetime,
    currency: str | None = None,
    contacts: Mapping[str, TeamContacts] | None = None,
) -> MetricsReport:
    """Everything for `period` (days in the company's time zone `zone`)."""
    since = _midnight(period.start, zone)
    until = _midnight(period.end + timedelta(days=1), zone)
    reads = period_inputs(conn, period, policy, since=since, until=until, currency=currency)
    currencies = tuple(CurrencyMetrics(r, m.compute(r.inputs)) for r in reads)
    circle = scorecard(conn, since, until, now, contacts=contacts)
    return MetricsReport(period, currencies, circle)

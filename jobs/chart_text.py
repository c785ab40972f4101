"""What the digest chart writes: compact amounts (万/亿, k/M), axis ticks, cleaned labels, and
the link-free text table shown where a messenger takes no images.

Amounts stay Decimal here: ticks and labels are computed exactly and only the drawing turns
them into pixel positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, localcontext

from bot.kernel.i18n import t
from bot.kernel.messages import Field, Section, Table

_ZH_UNITS = ((8, "亿"), (4, "万"))
_EN_UNITS = ((12, "T"), (9, "B"), (6, "M"), (3, "k"))
_NICE = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]+")


@dataclass(frozen=True)
class ChartDay:
    day: date
    buckets: tuple[Decimal, ...]  # outstanding per aging bucket, major units, oldest last
    overdue: Decimal
    dso: Decimal | None


@dataclass(frozen=True)
class ChartData:
    currency: str
    bucket_labels: tuple[str, ...]
    days: tuple[ChartDay, ...]  # at most 30, oldest first
    on_time: tuple[tuple[str, Decimal | None], ...]  # (team, share 0..1 or None: no seats)


def is_zh(locale: str) -> bool:
    return locale.strip().lower().startswith("zh")


def _exact() -> Context:
    # Wide enough for any amount a ledger can hold: quantize never raises InvalidOperation.
    return Context(prec=200, Emax=MAX_EMAX, Emin=MIN_EMIN, rounding=ROUND_HALF_UP)


def compact(amount: Decimal, zh: bool) -> str:
    """`12345678` → `1235万` (zh) / `12.3M` (en): one decimal below 100 of the unit."""
    if not amount.is_finite():
        return "—"
    sign = "-" if amount < 0 else ""
    value = abs(amount)
    suffix = ""
    with localcontext(_exact()):
        for exp, name in _ZH_UNITS if zh else _EN_UNITS:
            if value >= Decimal(1).scaleb(exp):
                value, suffix = value.scaleb(-exp), name
                break
        places = 0 if value >= 100 or (not suffix and value == value.to_integral_value()) else 1
        rounded = value.quantize(Decimal(1).scaleb(-places))
        text = f"{rounded:f}" if suffix else f"{rounded:,f}"
    if text.endswith(".0"):
        text = text[:-2]
    if text == "0":
        sign = ""
    return f"{sign}{text}{suffix}"


def percent(share: Decimal) -> str:
    with localcontext(_exact()):
        return f"{(share * 100).quantize(Decimal(1)):f}%"


def days_text(dso: Decimal) -> str:
    with localcontext(_exact()):
        return f"{dso.quantize(Decimal(1)):f}"


def nice_ticks(top: Decimal, count: int = 4) -> list[Decimal]:
    """Round tick values from 0 to at least `top` (1, 2, 2.5 or 5 times a power of ten)."""
    if not top.is_finite() or top <= 0:
        return [Decimal(0), Decimal(1)]
    with localcontext(_exact()):
        rough = top / count
        power = Decimal(1).scaleb(rough.adjusted())
        step = next(n * power for n in _NICE if n * power >= rough)
        ticks = [Decimal(0)]
        while ticks[-1] < top:
            ticks.append(ticks[-1] + step)
    return ticks


def clean(text: str, limit: int = 24) -> str:
    """Outside text made fit for one line of a chart: no control or direction characters,
    at most `limit` characters. Drawn literally (never as mathtext) by jobs.chart."""
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


_SPAN = re.compile(r"^(\d{1,6})\s*-\s*(\d{1,6})\s*(?:days?|天)?$", re.IGNORECASE)
_OVER = re.compile(r"^(\d{1,6})\s*(?:\+\s*(?:days?)?|天以上)$", re.IGNORECASE)


def bucket_label(label: str, locale: str) -> str:
    """A bucket's label in the chart's language, whichever form it came in (the report key
    `1-30`, `90+`, `Current` or playbook's `1-30天`, `90天以上`, `未到期`): a chart that fell
    back to English must not draw Chinese it has no font for."""
    text = clean(label)
    if text.lower() in ("current", "未到期"):
        return t(locale, "chart_current")
    if m := _SPAN.match(text):
        return t(locale, "chart_days", span=f"{m[1]}-{m[2]}")
    if m := _OVER.match(text):
        return t(locale, "chart_days_over", over=m[1])
    return text


def chart_table(data: ChartData, locale: str) -> Section:
    """The chart's figures as text, for a messenger that takes no images: a row a day
    (buckets, overdue, DSO) and the on-time rate per team. No links, nothing to click."""
    zh = is_zh(locale)
    currency = clean(data.currency, 12)
    labels = tuple(bucket_label(b, locale) for b in data.bucket_labels)
    columns = (t(locale, "chart_date"), *labels, t(locale, "chart_overdue"), "DSO")
    rows = []
    for day in data.days:
        cells = [
            compact(day.buckets[i], zh) if i < len(day.buckets) else "" for i in range(len(labels))
        ]
        dso = days_text(day.dso) if day.dso is not None else "—"
        rows.append((day.day.strftime("%m-%d"), *cells, compact(day.overdue, zh), dso))
    table = Table(columns, tuple(rows), right=tuple(range(1, len(columns)))) if rows else None
    fields = tuple(
        Field(
            t(locale, "chart_on_time_field", team=clean(team)),
            percent(share) if share is not None else t(locale, "chart_no_seats"),
        )
        for team, share in data.on_time
    )
    text = "" if rows or fields else t(locale, "chart_no_data")
    return Section(
        text=text,
        title=t(locale, "chart_table_title", currency=currency),
        fields=fields,
        table=table,
    )

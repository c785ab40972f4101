"""The daily digest as a card: sections in the channel's language, from playbook.digest data.

Names, invoice numbers and ledger text are plain str (literal on every messenger); the card
mentions nobody: a digest is read, not answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from bot.kernel.cards import local_time, minutes, person_name, team_name
from bot.kernel.config import Config
from bot.kernel.i18n import t
from bot.kernel.messages import Card, Section, Table
from playbook.aging import Bucket, Stage
from playbook.decisions import ACTIONS
from playbook.digest import DigestData, InvoiceLine, PromiseLine, Totals, simple_dso
from playbook.money import format_money, from_minor

_ACTION = {a.name: a for a in ACTIONS}
_LISTED = 5  # lines shown of each list (newly overdue, payments, promises)


def _money(minor: int, currency: str, locale: str) -> str:
    return format_money(from_minor(minor, currency), currency, locale)


def _change(now: int, before: int | None, currency: str, locale: str) -> str:
    if before is None:
        return "-"
    diff = now - before
    if diff == 0:
        return "±0"
    text = _money(abs(diff), currency, locale)
    return ("+" if diff > 0 else "−") + text


def _totals_sections(
    total: Totals, buckets: Sequence[Bucket], locale: str
) -> tuple[str, list[Section]]:
    cur = total.currency
    prev = total.prev_buckets
    same = prev is not None and len(prev) == len(total.buckets)
    change = ""
    if same and prev is not None:
        change = t(
            locale,
            "digest_change",
            change=_change(total.overdue, sum(prev[1:]), cur, locale),
        )
    line = t(
        locale,
        "digest_totals",
        currency=cur,
        amount=_money(total.outstanding, cur, locale),
        count=total.count,
        overdue=_money(total.overdue, cur, locale),
        change=change,
    )
    amount, since = t(locale, "digest_col_amount"), t(locale, "digest_col_change")
    rows = tuple(
        (
            bucket.label_in(locale),
            _money(minor, cur, locale),
            _change(minor, prev[n] if same and prev is not None else None, cur, locale),
        )
        for n, (bucket, minor) in enumerate(zip(buckets, total.buckets, strict=True))
        # A bucket empty today and yesterday is a line nobody needs to read.
        if minor or (same and prev is not None and prev[n])
    )
    stages = ""
    if total.stages:
        stages = t(
            locale,
            "digest_stages",
            stages=" · ".join(
                f"{stage.label(locale)} {_money(minor, cur, locale)}"
                for stage, minor in zip(Stage, total.stages, strict=True)
                if stage is not Stage.CURRENT and minor
            )
            or t(locale, "digest_none"),
        )
    sections = [
        Section(
            title=t(locale, "digest_by_bucket", currency=cur),
            table=Table(("", amount, since), rows, right=(1, 2)) if rows else None,
            text=stages,
        )
    ]
    return line, sections


def _invoice_lines(lines: Sequence[InvoiceLine], total: int, locale: str) -> list[str]:
    out = [
        t(
            locale,
            "digest_invoice_line",
            invoice=i.invoice_no,
            customer=i.customer,
            amount=format_money(i.amount, i.currency, locale),
        )
        for i in lines[:_LISTED]
    ]
    if total > len(out):
        out.append(t(locale, "digest_and_more", count=total - len(out)))
    return out


def _promise_lines(lines: Sequence[PromiseLine], config: Config, locale: str) -> list[str]:
    out = [
        t(
            locale,
            "digest_promise_line",
            case=p.case_id,
            customer=p.customer,
            amount=format_money(p.amount, p.currency, locale),
            person=person_name(config, p.made_by),
        )
        for p in lines[:_LISTED]
    ]
    if len(lines) > _LISTED:
        out.append(t(locale, "digest_and_more", count=len(lines) - _LISTED))
    return out


def _yesterday(data: DigestData, config: Config, locale: str) -> Section:
    lines = [t(locale, "digest_newly_overdue", count=data.newly_overdue_total)]
    lines += _invoice_lines(data.newly_overdue, data.newly_overdue_total, locale)
    paid = " · ".join(format_money(v, c, locale) for c, v in sorted(data.payment_sums.items()))
    lines.append(
        t(
            locale,
            "digest_payments",
            count=data.payments_total,
            sum=f" · {paid}" if paid else "",
        )
    )
    lines += _invoice_lines(data.payments, data.payments_total, locale)
    lines.append(t(locale, "digest_promises_due", count=len(data.promises_due)))
    lines += _promise_lines(data.promises_due, config, locale)
    lines.append(t(locale, "digest_promises_broken", count=len(data.promises_broken)))
    lines += _promise_lines(data.promises_broken, config, locale)
    day = (data.day - timedelta(days=1)).isoformat()
    return Section(title=t(locale, "digest_yesterday", date=day), text="\n".join(lines))


def _span(value: timedelta | None) -> str:
    return "-" if value is None else minutes(value)


def _share(value: Decimal | None) -> str:
    return "-" if value is None else f"{(value * 100).quantize(Decimal(1))}%"


def _circle(data: DigestData, config: Config, locale: str) -> list[Section]:
    title = t(locale, "digest_circle")
    circle = data.circle
    if circle is None:
        return [Section(title=title, text=t(locale, "digest_circle_none"))]
    rows = tuple(
        (
            team_name(config, team.team),
            str(team.seats),
            f"{team.in_window}/{team.seats} {_share(team.share)}" if team.seats else "-",
            _span(team.median),
            _span(team.p90),
            " ".join(f"L{level}×{n}" for level, n in team.escalations if n) or "-",
        )
        for team in circle.teams
    )
    columns = tuple(
        t(locale, f"digest_col_{c}")
        for c in ("team", "seats", "on_time", "median", "p90", "escalations")
    )
    waiting = []
    for team in circle.teams:
        if not team.waiting:
            continue
        cases = "; ".join(
            t(
                locale,
                "digest_waiting_case",
                case=w.case_id,
                customer=w.customer,
                who=", ".join(person_name(config, p) for p in w.who) or "-",
            )
            for w in team.waiting[:_LISTED]
        )
        waiting.append(t(locale, "digest_waiting", team=team_name(config, team.team), cases=cases))
    text = t(locale, "digest_circle_counts", opened=circle.opened, closed=circle.closed)
    return [
        Section(title=title, text=text, table=Table(columns, rows, right=(1, 2, 3, 4))),
        *([Section(text="\n".join(waiting))] if waiting else []),
    ]


def _decisions(data: DigestData, config: Config, locale: str, now: datetime) -> Section:
    lines = []
    for d in data.decisions:
        action = _ACTION.get(d.action)
        amount = ""
        if d.amount is not None and d.currency:
            amount = f" ({format_money(d.amount, d.currency, locale)})"
        lines.append(
            t(
                locale,
                "digest_decision_line",
                case=d.case_id,
                customer=d.customer,
                action=action.label(locale) if action else d.action,
                amount=amount,
                person=person_name(config, d.person),
            )
        )
    if not lines:
        lines.append(t(locale, "digest_none"))
    holds = t(locale, "digest_holds", count=data.holds_total)
    if data.holds:
        more = data.holds_total - len(data.holds)
        holds += " — " + ", ".join(data.holds) + (f" (+{more})" if more > 0 else "")
    lines.append(holds)
    return Section(title=t(locale, "digest_decisions"), text="\n".join(lines))


def _top(data: DigestData, config: Config, locale: str) -> Section:
    lines = []
    for n, item in enumerate(data.top, 1):
        owner = f" · {person_name(config, item.owner)}" if item.owner else ""
        lines.append(
            t(
                locale,
                "digest_top_line",
                n=n,
                customer=item.customer,
                invoice=item.invoice_no + (" ⚑" if item.disputed else ""),
                amount=format_money(item.outstanding, item.currency, locale),
                days=item.days_past_due,
                stage=Stage(item.stage).label(locale),
                owner=owner,
            )
        )
        if item.next_step:
            lines.append(t(locale, "digest_top_next", step=item.next_step))
    return Section(
        title=t(locale, "digest_top", count=len(data.top)),
        text="\n".join(lines) or t(locale, "digest_top_none"),
    )


def _audit(data: DigestData, locale: str) -> Section:
    if data.audit_head is None:
        text = t(locale, "digest_audit_empty")
    else:
        token = f"{data.audit_count}:{data.audit_head[:16]}"
        text = t(
            locale,
            "digest_audit_line",
            count=data.audit_count,
            head=data.audit_head,
            token=token,
        )
    return Section(title=t(locale, "digest_audit"), text=text)


def digest_card(
    data: DigestData, buckets: Sequence[Bucket], config: Config, locale: str, now: datetime
) -> Card:
    """The whole digest; `buckets`: the aging buckets its totals are counted in."""
    day = data.day.isoformat()
    team = team_name(config, data.team) if data.team else None
    title = (
        t(locale, "digest_title_team", team=team, date=day)
        if team
        else t(locale, "digest_title", date=day)
    )
    intro = []
    if data.late:
        intro.append(t(locale, "digest_late", time=config.digest.time.strftime("%H:%M")))
    if team:
        intro.append(t(locale, "digest_scope_team", team=team))
    lines, sections = [], []
    for total in data.totals:
        line, parts = _totals_sections(total, buckets, locale)
        lines.append(line)
        sections.extend(parts)
    summary = Section(text="\n".join(lines) or t(locale, "digest_no_open"))
    out = [summary, *sections, _yesterday(data, config, locale)]
    out += _circle(data, config, locale)
    out += [_decisions(data, config, locale, now), _top(data, config, locale)]
    if data.sync_failures:
        text = "\n".join(
            t(
                locale,
                "digest_sync_line",
                at=local_time(f.at, config, now),
                source=f.source,
                error=f.error,
            )
            for f in data.sync_failures
        )
        out.append(Section(title=t(locale, "digest_sync"), text=text))
    out.append(_audit(data, locale))
    dsos = []
    for total in data.totals:
        dso = simple_dso(
            from_minor(total.outstanding, total.currency),
            from_minor(total.credit_sales_30d, total.currency),
        )
        dsos.append(f"{total.currency} {dso if dso is not None else '-'}")
    return Card(
        title=title,
        subtitle="\n".join(intro) or None,
        sections=tuple(out),
        footer=t(locale, "digest_footer", dso=" · ".join(dsos) or "-"),
    )

"""The circle as people see it: the case card, and the texts of reminders and escalations.

Used by the handlers (`/ar case 42`) and by the outbox, which renders each row when it sends
it, so a card update always shows the case as it is now. Neutral messages only: a mention is
a `Mention` part of a RichText, made here from structured data only (the outbox payload's
people, team and channel, config keys), never from text; customer names, invoice numbers,
notes and reasons are str parts and stay literal on every messenger.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal

from bot.kernel.config import Config
from bot.kernel.forms import FormRef
from bot.kernel.i18n import has_text, t
from bot.kernel.messages import Button, Card, Field, Section, Table
from bot.kernel.when import day_time, pause_note
from playbook import circle as machine
from playbook.aging import RiskFacts, RiskGrade, Stage, risk_grade, stage_for
from playbook.case_view import CaseView, SeatView
from playbook.decisions import ACTIONS
from playbook.money import format_money

_SHOW_INVOICES = 8
_SHOW_INPUTS = 6
_ACTION_LABEL = {a.name: a for a in ACTIONS}


def _zh(locale: str) -> bool:
    return locale.lower().startswith("zh")


def local_time(moment: datetime, config: Config, now: datetime | None = None) -> str:
    local = moment.astimezone(config.company.zone)
    if now is not None and local.date() == now.astimezone(config.company.zone).date():
        return local.strftime("%H:%M")
    return local.strftime("%m-%d %H:%M")


def minutes(span: timedelta) -> str:
    seconds = int(abs(span.total_seconds()))
    if 0 < seconds < 60 and seconds % 60:
        return f"{seconds}s"
    total = seconds // 60
    if total < 60:
        return f"{total}m"
    hours, mins = divmod(total, 60)
    return f"{hours}h{mins:02d}m" if mins else f"{hours}h"


def _counting_down(left: timedelta) -> timedelta:
    """Time left as a countdown shows it: whole minutes rounded up (a card sent a few seconds
    after the case opened still says 15m, one due in 4m30s says 5m); under a minute, seconds."""
    if left < timedelta(minutes=1):
        return left
    return timedelta(minutes=math.ceil(left.total_seconds() / 60))


def person_name(config: Config, key: str | None) -> str:
    if not key:
        return "-"
    person = config.people.get(key)
    return person.name if person else key


def team_name(config: Config, team: str) -> str:
    found = config.teams.get(team)
    return found.name if found and found.name else team


def money_total(amounts: Mapping[str, Decimal], locale: str, base: str) -> str:
    if not amounts:
        return format_money(Decimal(0), base, locale)
    order = sorted(amounts, key=lambda c: (c != base, c))
    return " + ".join(format_money(amounts[c], c, locale) for c in order)


def _days_past_due(due: date, today: date) -> int:
    return (today - due).days


def case_risk(view: CaseView, config: Config, today: date) -> tuple[int, Stage, RiskGrade | None]:
    """Days past due of the oldest open invoice, the stage it puts the case in, the risk grade
    (None when nothing is open)."""
    open_items = [i for i in view.invoices if i.status == "open" and i.outstanding > 0]
    if not open_items:
        return 0, Stage.CURRENT, None
    dpd = max(_days_past_due(i.due_date, today) for i in open_items)
    policy = config.aging_policy()
    facts = RiskFacts(
        days_past_due=dpd,
        broken_promises=view.broken_promises,
        disputed=any(i.disputed for i in open_items),
    )
    return dpd, stage_for(dpd, policy.stages), risk_grade(facts, policy.risk)


def seat_line(seat: SeatView, view: CaseView, config: Config, now: datetime, locale: str) -> str:
    state = seat.state
    name = team_name(config, state.team)
    policy = view.policy
    if state.status == "answered":
        by = person_name(config, seat.answered_by)
        when = local_time(seat.answered_at, config, now) if seat.answered_at else ""
        return t(locale, "seat_answered", team=name, person=by, at=when)
    if state.status == "closed":
        return t(locale, "seat_closed", team=name)
    if state.status == "snoozed" and state.snoozed_until is not None:
        return t(
            locale,
            "seat_snoozed",
            team=name,
            until=local_time(state.snoozed_until, config, now),
            reason=seat.snooze_reason or "",
        )
    if state.status == "acknowledged":
        rearm = (
            t(locale, "seat_rearms", at=day_time(seat.due_at, config, now, locale))
            if seat.due_at is not None
            else ""
        )
        return t(locale, "seat_acknowledged", team=name, rearm=rearm)
    return _waiting_line(seat, view, config, now, locale) + pause_note(policy, config, now, locale)


def _waiting_line(
    seat: SeatView, view: CaseView, config: Config, now: datetime, locale: str
) -> str:
    state = seat.state
    name = team_name(config, state.team)
    policy = view.policy
    left = machine.time_left(state, policy, now)
    if state.level > 0:
        level = policy.levels[min(state.level, len(policy.levels)) - 1]
        contacts = config.teams.get(state.team)
        who = []
        for role in level.notify:
            if role == "lead" and contacts:
                who.append(person_name(config, contacts.lead))
            elif role == "manager" and contacts and contacts.manager:
                who.append(person_name(config, contacts.manager))
            elif role == "channel":
                who.append(t(locale, "the_channel"))
            elif role == "team":
                who.append(name)
            elif role == "owner":
                who.append(t(locale, "the_owner"))
        late = minutes(-left) if left is not None and left < timedelta(0) else "0m"
        return t(
            locale, "seat_escalated", team=name, level=state.level, who=", ".join(who), late=late
        )
    if left is not None and left > timedelta(0):
        return t(locale, "seat_waiting", team=name, left=minutes(_counting_down(left)))
    if left is not None:
        return t(locale, "seat_late", team=name, late=minutes(-left))
    return t(locale, "seat_waiting_paused", team=name)


def case_card(view: CaseView, config: Config, now: datetime, locale: str) -> Card:
    today = now.astimezone(config.company.zone).date()
    dpd, stage, _ = case_risk(view, config, today)
    policy = config.aging_policy()
    open_items = [i for i in view.invoices if i.status == "open" and i.outstanding > 0]
    risk = (
        risk_grade(
            RiskFacts(
                days_past_due=dpd,
                broken_promises=view.broken_promises,
                disputed=any(i.disputed for i in open_items),
            ),
            policy.risk,
        ).label(locale)
        if open_items
        else "-"
    )
    base = config.company.currency
    status = t(locale, f"case_status_{view.status}")
    title = t(locale, "case_title", case=view.id, customer=view.customer_name)
    opened = t(
        locale,
        "case_opened",
        trigger=t(locale, f"trigger_{view.trigger}"),
        at=local_time(view.opened_at, config, now),
        by=person_name(config, view.opened_by) if view.opened_by in config.people else "arcircle",
    )
    fields = [
        Field(t(locale, "case_status"), status),
        Field(t(locale, "outstanding"), money_total(view.outstanding_by_currency(), locale, base)),
        Field(t(locale, "days"), str(dpd) if open_items else "-"),
        Field(t(locale, "stage"), stage.label(locale) if open_items else "-"),
        Field(t(locale, "risk"), risk),
    ]
    if view.on_hold:
        fields.append(Field(t(locale, "customer_hold"), t(locale, "yes")))
    sections: list[Section] = []
    rows = []
    for inv in view.invoices[:_SHOW_INVOICES]:
        status = f"invoice_status_{inv.status}"
        shown = t(locale, status) if has_text(status) else inv.status
        mark = "" if inv.status == "open" else f" ({shown})"
        rows.append(
            (
                inv.invoice_no + (" ⚠" if inv.disputed else "") + mark,
                format_money(inv.outstanding, inv.currency, locale),
                inv.due_date.isoformat(),
                str(_days_past_due(inv.due_date, today)),
            )
        )
    table = Table(
        (t(locale, "invoice"), t(locale, "outstanding"), t(locale, "due"), t(locale, "days")),
        tuple(rows),
        right=(1, 3),
    )
    more = len(view.invoices) - _SHOW_INVOICES
    sections.append(
        Section(
            title=t(locale, "case_invoices", count=len(view.invoices)),
            table=table,
            text=t(locale, "customer_more", count=more) if more > 0 else "",
        )
    )
    sections.append(
        Section(
            title=t(locale, "case_seats"),
            text="\n".join(seat_line(s, view, config, now, locale) for s in view.seats),
        )
    )
    if view.promises:
        lines = []
        for p in view.promises[-3:]:
            lines.append(
                t(
                    locale,
                    "promise_line",
                    amount=format_money(p.amount, p.currency, locale),
                    date=p.due_on.isoformat(),
                    status=t(locale, f"promise_{p.status}"),
                    person=person_name(config, p.made_by),
                )
            )
        sections.append(Section(title=t(locale, "case_promises"), text="\n".join(lines)))
    if view.inputs:
        lines = []
        for i in view.inputs[-_SHOW_INPUTS:]:
            mark = "👀 " if i.kind == "acknowledge" else ""
            lines.append(
                f"{local_time(i.at, config, now)} {team_name(config, i.team)} "
                f"({person_name(config, i.person)}): {mark}{i.text}"
            )
        sections.append(Section(title=t(locale, "case_inputs"), text="\n".join(lines)))
    if view.decisions:
        d = view.decisions[-1]
        action = _ACTION_LABEL.get(d.action)
        label = action.label(locale) if action else d.action
        extra = []
        if d.amount is not None and d.currency:
            extra.append(format_money(d.amount, d.currency, locale))
        if d.on_date is not None:
            extra.append(d.on_date.isoformat())
        text = t(
            locale,
            "decision_line",
            action=label + (f" ({', '.join(extra)})" if extra else ""),
            person=person_name(config, d.person),
            at=local_time(d.at, config, now),
        )
        if d.note:
            text += f": {d.note}"
        sections.append(Section(title=t(locale, "case_decision"), text=text))
    buttons: list[Button] = []
    case = str(view.id)
    if view.active:
        for seat in view.seats:
            if seat.state.status in ("waiting", "acknowledged", "snoozed"):
                buttons.append(
                    Button.asking(
                        t(locale, "button_input", team=team_name(config, seat.state.team)),
                        FormRef("input", (case, seat.state.team), ("<text>",)),
                        "primary",
                    )
                )
        buttons.append(Button(t(locale, "button_phrase"), f"/ar phrase {view.id}"))
        buttons.append(
            Button.asking(
                t(locale, "button_promise"), FormRef("promise", (case,), ("<amount>", "<date>"))
            )
        )
        buttons.append(
            Button.asking(
                t(locale, "button_decide"), FormRef("decide", (case,), ("<action>", "<note>"))
            )
        )
        buttons.append(
            Button.asking(
                t(locale, "button_snooze"), FormRef("snooze", (case, "1h"), ("<reason>",))
            )
        )
    footer = opened
    if view.status == "closed" and view.closed_at is not None:
        footer = t(
            locale,
            "case_closed_by",
            case=view.id,
            person=person_name(config, view.closed_by),
            at=local_time(view.closed_at, config, now),
        )
    return Card(
        title=title,
        subtitle=opened if view.status != "closed" else None,
        fields=tuple(fields),
        sections=tuple(sections),
        buttons=tuple(buttons),
        footer=footer if view.status == "closed" else t(locale, "case_footer", case=view.id),
    )


def card_summary(view: CaseView, config: Config, now: datetime, locale: str) -> str:
    """One line for a messenger that cannot edit a message in place (the console)."""
    seats = "; ".join(seat_line(s, view, config, now, locale) for s in view.seats)
    status = t(locale, f"case_status_{view.status}")
    return t(locale, "card_updated", case=view.id, status=status, seats=seats)


# --- outbox rows ----------------------------------------------------------------------------

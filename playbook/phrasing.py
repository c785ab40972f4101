"""What to say to the customer now: pick a tone for the case, fill the playbook's words in.

Pure: plain case facts and a loaded ``Playbook`` in, a ``Suggestion`` out. No clock (the caller
says whether it is month end), no I/O (``playbook.library`` reads the YAML), no randomness:
the same facts and variant number always give the same words, so "another one" is simply
``variant + 1`` and a suggestion can be reproduced from a log line.

The tone ladder is here rather than in the YAML because it is collection method, not
language: it must be the same whichever locale speaks. Roughly, tone gets firmer as the debt
ages (before due and early: empathetic or partnership; mid: sandwich, NVC or serious; late:
serious) and softer for long-term partners, whose goodwill is worth more than a week's cash.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Any

from playbook.aging import RiskGrade
from playbook.library import EVIDENCE, RELATIONSHIPS, SEGMENTS, STAGES, TONES, Playbook
from playbook.money import format_money

__all__ = [
    "FIRMNESS",
    "LADDER",
    "RELATIONSHIPS",
    "SEGMENTS",
    "STAGES",
    "TONES",
    "CaseFacts",
    "InvoiceFact",
    "Suggestion",
    "TimingPolicy",
    "choose_tone",
    "relationship_of",
    "suggest",
]

# How firm each tone sounds, for ordering only (tests and the ladder's invariants use it).
# First aid sits with empathy: it defuses, it does not press.
FIRMNESS: Mapping[str, int] = {
    "partnership": 0,
    "empathetic": 1,
    "first_aid": 1,
    "sandwich": 2,
    "nvc": 3,
    "serious": 4,
}

# stage → relationship → tone. Partners get the softest tone that still fits the stage; a new
# or one-off customer has no relationship to protect yet, so at mid stage the contract speaks.
LADDER: Mapping[str, Mapping[str, str]] = {
    "pre_due": {
        "partner": "partnership",
        "normal": "partnership",
        "new": "empathetic",
        "problem": "empathetic",
    },
    "early": {
        "partner": "partnership",
        "normal": "empathetic",
        "new": "empathetic",
        "problem": "empathetic",
    },
    "mid": {"partner": "sandwich", "normal": "nvc", "new": "serious", "problem": "serious"},
    # Serious for everyone, partners included: at 90+ days recovery odds fall fast. The
    # templates keep it respectful (facts, contract, a date), never hostile.
    "late": {"partner": "serious", "normal": "serious", "new": "serious", "problem": "serious"},
}

_FIRMER: Mapping[str, str] = {
    "partnership": "empathetic",
    "empathetic": "sandwich",
    "first_aid": "nvc",
    "sandwich": "nvc",
    "nvc": "serious",
    "serious": "serious",
}
# One step softer, but never below what the stage still needs (mid never drops under the
# sandwich: the ask must stay in the middle of the message, not vanish).
_SOFTER: Mapping[str, str] = {
    "serious": "nvc",
    "nvc": "sandwich",
    "sandwich": "sandwich",
    "empathetic": "partnership",
    "partnership": "partnership",
    "first_aid": "first_aid",
}

# The aging module's extra stage for invoices not yet in the reminder window; a suggestion for
# such a customer is a pre-due reminder.
_STAGE_ALIASES: Mapping[str, str] = {"current": "pre_due"}
_MAX_LISTED = 5  # invoice numbers spelled out before "and N more"
_EARLY_STAGES = ("pre_due", "early")


@dataclass(frozen=True)
class InvoiceFact:
    number: str
    amount: Decimal  # outstanding, in the invoice's currency
    currency: str
    days_past_due: int  # negative before the due date
    due_date: date
    disputed: bool = False  # this invoice is disputed: not in the ask, named with its next step
    # The contract's late interest per day for this invoice (its own, else the customer's,
    # else the company default); None: the contract has no such clause, say nothing of interest.
    interest_per_day: Decimal | None = None


@dataclass(frozen=True)
class CaseFacts:
    customer: str
    segment: str = "normal"  # important / normal / problem (from the ledger)
    relationship_years: int | None = None
    invoices: tuple[InvoiceFact, ...] = ()  # open invoices; empty → relationship message
    stage: str = "early"  # pre_due / early / mid / late ("current" counts as pre_due)
    risk: str | None = None  # a RiskGrade value, shown in "why"
    broken_promises: int = 0
    disputed: bool = False
    excuse: str | None = None  # a key of the playbook's excuses
    contact: str | None = None
    our_company: str = ""
    promise_date: date | None = None  # a promise still pending: the ask confirms that date
    just_paid: bool = False  # no open invoices because the case just closed paid: thank, repair
    # --- issue 12: the method by grade and amount, and what the records show ---
    # A balance at or above collection.large_amount (or the share of the credit limit):
    # a manager makes the call.
    large: bool = False
    contact_name: str | None = None  # "王建国": the words open "王总，您好"
    contact_title: str | None = None  # "总经理"
    refused_full: bool = False  # the customer refused full payment (recorded)
    want_installment: bool = False  # the collector asked for the instalment fallback
    # The last promise that was missed: its date and amount (None when the amount was not given).
    broken_on: date | None = None
    broken_amount: Decimal | None = None
    broken_currency: str | None = None
    reminders_sent: int = 0  # recorded reminders/calls/visits; 0: never claim earlier reminders
    limitation_days_left: int | None = None  # days until the earliest limitation period ends
    recovery: Decimal | None = None  # expected recovery rate at this age (0..1)


@dataclass(frozen=True)
class TimingPolicy:
    call_time: time = time(15, 30)
    lunch_start: time = time(11, 45)
    lunch_end: time = time(14, 0)
    allow_installments: bool = True


@dataclass(frozen=True)
class Suggestion:
    locale: str
    tone: str  # key
    tone_label: str
    technique: str  # the tone's "how it works" line
    why: tuple[str, ...]  # reasons it was chosen, in the locale
    opening: str
    ask: str  # full amount first
    excuse_reply: str | None
    next_step: str  # for our side, not the customer
    fallback: str | None  # instalment offer: only when allowed and relevant
    timing: str  # contact-time advice
    evidence: tuple[str, ...]
    variant: int  # as asked; each slot uses it modulo its number of variants
    kind: str  # "collect" or "relationship"
    # --- issue 12: shown on the card beside the words (None: nothing to show) ---
    grade_label: str | None = None  # "呆账"
    recovery: str | None = None  # "expected recovery at this age: 80%"
    who_acts: str | None = None  # who should make this contact: manager, legal, lawyer ...
    strategy: str | None = None  # the value × risk matrix's advice for this customer
    interest: str | None = None  # "late interest to date per contract: ¥3,000.00 (0.1%/day)"
    disputed_note: str | None = None  # the disputed invoices and how to settle them
    limitation: str | None = None  # advice when the limitation period is running out

    @property
    def text(self) -> str:
        """The customer-facing words only, as someone would say or send them (what the lint
        checks): opening, ask, the reply to the excuse, the fallback offer."""
        parts = (self.opening, self.ask, self.excuse_reply, self.fallback)
        return "\n\n".join(p for p in parts if p)


# --------------------------------------------------------------------------------------------
# Choosing the tone


def relationship_of(segment: str, years: int | None) -> str:
    """partner (3+ years), new (under a year), problem (by segment, whatever the years), normal.

    Unknown years are "normal" even for an important customer: importance is value, not a
    shared history, and softening needs the history.
    """
    if segment == "problem":
        return "problem"
    if years is not None and years >= 3:
        return "partner"
    if years is not None and years < 1:
        return "new"
    return "normal"


def choose_tone(
    stage: str,
    relationship: str,
    *,
    broken_promises: int = 0,
    disputed: bool = False,
    segment: str = "normal",
) -> str:
    """The ladder, then its adjustments.

    A dispute comes first: pressing over a quality complaint hardens it, so a disputed case
    gets emotion first aid early and NVC later (or after a broken promise). Otherwise an
    important customer is one step softer except at late stage, and a broken promise makes
    it one step firmer (never past serious): a missed date means the last tone did not work.
    """
    stage = _stage(stage)
    if relationship not in RELATIONSHIPS:
        raise ValueError(
            f"unknown relationship {relationship!r}; valid relationships: "
            + ", ".join(RELATIONSHIPS)
        )
    if disputed:
        return "first_aid" if stage in _EARLY_STAGES and broken_promises <= 0 else "nvc"
    tone = LADDER[stage][relationship]
    if segment == "important" and stage != "late":
        tone = _SOFTER[tone]
    if broken_promises > 0:
        tone = _FIRMER[tone]
    return tone


def _stage(stage: str) -> str:
    stage = _STAGE_ALIASES.get(stage, stage)
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; valid stages: {', '.join(STAGES)}")
    return stage


def _tone_key(playbook: Playbook, tone: str) -> str:
    # A key normally; a label or alias ("严肃式") is accepted too, exact matches only, since a
    # configured default tone is typed by a person.
    key = playbook.find_tone(tone)
    if key is not None:
        return key
    valid = ", ".join(f"{k} ({label})" for k, label in playbook.tones())
    raise ValueError(f"unknown tone {tone!r}; valid tones: {valid}")


def _excuse_key(playbook: Playbook, excuse: str) -> str:
    keys = playbook.excuse_keys()
    key = playbook.find_excuse(excuse, partial=False)
    if key is not None:
        return key
    raise ValueError(f"unknown excuse {excuse!r}; valid excuses: {', '.join(keys)}")


# --------------------------------------------------------------------------------------------
# Rendering


def _pick(options: Sequence[str], variant: int) -> str:
    return options[variant % len(options)]


def _fill(template: str, values: Mapping[str, str]) -> str:
    # The library checked every template's placeholders against what each slot provides.
    return template.format_map(values)


def _date(day: date, words: Mapping[str, Any]) -> str:
    return str(words["date"]).format(
        year=day.year, month=day.month, day=day.day, month_name=words["months"][day.month - 1]
    )


def _join(items: Sequence[str], words: Mapping[str, Any]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return str(words["list_sep"]).join(items[:-1]) + str(words["list_last"]) + items[-1]


def _amount(invoices: Sequence[InvoiceFact], locale: str) -> str:
    # One figure per currency, in the order they first appear: adding yuan to dollars would
    # invent an exchange rate.
    totals: dict[str, Decimal] = {}
    for inv in invoices:
        cur = inv.currency.strip().upper()
        totals[cur] = totals.get(cur, Decimal(0)) + inv.amount
    return " + ".join(format_money(total, cur, locale) for cur, total in totals.items())


def _invoices(invoices: Sequence[InvoiceFact], words: Mapping[str, Any]) -> str:
    numbers = [inv.number for inv in invoices]
    if len(numbers) == 1:
        return str(words["invoice_one"]).format(numbers=numbers[0])
    if len(numbers) <= _MAX_LISTED:
        return str(words["invoice_many"]).format(numbers=_join(numbers, words))
    shown = str(words["list_sep"]).join(numbers[:_MAX_LISTED])
    return str(words["invoice_more"]).format(
        numbers=shown, more=len(numbers) - _MAX_LISTED, total=len(numbers)
    )


def _counted(n: int, words: Mapping[str, Any], unit: str) -> str:
    return str(words[f"{unit}_one" if n == 1 else f"{unit}_many"]).format(n=n)


def _party_values(facts: CaseFacts, words: Mapping[str, Any]) -> dict[str, str]:
    return {
        "customer": facts.customer.strip() or words["customer_fallback"],
        "contact": (facts.contact or "").strip() or words["contact_fallback"],
        "our_company": facts.our_company.strip() or words["our_company_fallback"],
    }


def _case_values(facts: CaseFacts, locale: str, words: Mapping[str, Any]) -> dict[str, str]:
    invoices = facts.invoices
    oldest = max(inv.days_past_due for inv in invoices)
    return {
        **_party_values(facts, words),
        "amount": _amount(invoices, locale),
        "invoices": _invoices(invoices, words),
        "count": _counted(len(invoices), words, "count"),
        "days": _counted(max(oldest, 0), words, "days"),
        "due_date": _date(min(inv.due_date for inv in invoices), words),
    }


def _timing(data: Mapping[str, Any], policy: TimingPolicy, month_end: bool) -> str:
    timing = data["timing"]
    return _fill(
        timing["advice"],
        {
            "call_time": f"{policy.call_time:%H:%M}",
            "lunch_start": f"{policy.lunch_start:%H:%M}",
            "lunch_end": f"{policy.lunch_end:%H:%M}",
            "month_end_hint": timing["month_end" if month_end else "not_month_end"],
        },
    ).strip()


def _evidence_keys(stage: str, facts: CaseFacts, excuse: Sequence[str]) -> list[str]:
    # What to have open on the desk before the call: the older the debt and the likelier a
    # dispute, the more of the paper trail you need (and the more a limitation period or a
    # lawyer's letter will later depend on it).
    keys = ["invoice"]
    if stage != "pre_due":
        keys.append("statement")
    if stage in ("mid", "late"):
        keys += ["delivery", "contract", "reminders"]
    if facts.broken_promises > 0 or facts.promise_date is not None:
        keys.append("promises")
    if facts.disputed:
        keys += ["delivery", "contract", "defect"]
    keys += excuse
    return [k for k in EVIDENCE if k in keys]  # the playbook's own order, each once


def _installment_relevant(stage: str, facts: CaseFacts, reason: str | None) -> bool:
    # Instalments are a fallback for a real cash problem or a debt that is not moving; offered
    # early or on a quality dispute they only teach that the full amount was negotiable.
    if reason == "cash_flow":
        return True
    return not facts.disputed and (stage == "late" or facts.broken_promises > 0)


def suggest(
    facts: CaseFacts,
    playbook: Playbook,
    *,
    tone: str | None = None,
    variant: int = 0,
    timing: TimingPolicy = TimingPolicy(),  # frozen, so one shared default is safe
    month_end: bool = False,
) -> Suggestion:
    """The words for this case in the playbook's locale; see the module docstring.

    ``tone`` None lets the ladder choose. An unknown tone, excuse, stage or segment raises
    ValueError naming the valid ones. No open invoices gives a relationship message (thanks
    and repair when ``facts.just_paid``), never a demand.
    """
    data = playbook.data
    words = data["words"]
    stage = _stage(facts.stage)
    if facts.segment not in SEGMENTS:
        raise ValueError(
            f"unknown segment {facts.segment!r}; valid segments: {', '.join(SEGMENTS)}"
        )
    chosen = _tone_key(playbook, tone) if tone is not None else None
    excuse = _excuse_key(playbook, facts.excuse) if facts.excuse is not None else None
    relationship = relationship_of(facts.segment, facts.relationship_years)
    timing_text = _timing(data, timing, month_end)
    labels = {
        "stage": words["stage"][stage],
        "relationship": words["relationship"][relationship],
        "segment": words["segment"][facts.segment],
    }
    why_texts = data["why"]

    def why(key: str, **values: object) -> str:
        return str(why_texts[key]).format(**values)

    if not facts.invoices:
        return _relationship(facts, playbook, chosen, variant, timing_text, labels)

    values = _case_values(facts, playbook.locale, words)
    tone_key = chosen or choose_tone(
        stage,
        relationship,
        broken_promises=facts.broken_promises,
        disputed=facts.disputed,
        segment=facts.segment,
    )
    spec = data["tones"][tone_key]
    staged = spec.get(stage, {})
    opening = _fill(_pick(staged.get("opening", spec["opening"]), variant), values)

    if facts.promise_date is not None:
        # A date is already promised: confirm it rather than ask for a new one.
        promise_values = {**values, "promise_date": _date(facts.promise_date, words)}
        ask = _fill(_pick(data["promise"]["pending"], variant), promise_values)
    else:
        ask = _fill(_pick(staged.get("ask", spec["ask"]), variant), values)
        if facts.broken_promises > 0:
            lead = _fill(_pick(data["promise"]["broken"], variant), values)
            ask = f"{lead}{words['join']}{ask}"

    tone_label = spec["label"]
    lines = [
        why("stage_pre_due", stage=labels["stage"], due_date=values["due_date"])
        if stage == "pre_due"
        else why("stage", stage=labels["stage"], days=values["days"]),
        why("relationship", relationship=labels["relationship"]),
    ]
    if facts.segment != "normal":
        lines.append(why("segment", segment=labels["segment"]))
    if facts.risk:
        lines.append(why("risk", risk=_risk_label(facts.risk, playbook.locale)))
    if chosen is not None:
        lines.append(why("chosen", tone=tone_label))
    else:
        base = LADDER[stage][relationship]
        lines.append(
            why(
                "ladder",
                stage=labels["stage"],
                relationship=labels["relationship"],
                tone=data["tones"][base]["label"],
            )
        )
        if facts.disputed:
            lines.append(why("disputed", tone=tone_label))
        else:
            if facts.segment == "important" and stage != "late":
                lines.append(why("important"))
            if facts.broken_promises > 0:
                lines.append(why("broken_promises", broken=facts.broken_promises))
    if facts.promise_date is not None:
        lines.append(why("promise", promise_date=_date(facts.promise_date, words)))

    excuse_reply: str | None = None
    reason: str | None = None
    excuse_evidence: tuple[str, ...] = ()
    if excuse is not None:
        e = data["excuses"][excuse]
        reason = e["reason"]
        excuse_reply = _fill(_pick(e["replies"], variant), values)
        next_step = _fill(e["next_step"], values)
        excuse_evidence = tuple(e.get("evidence", ()))
        lines.append(why("excuse", excuse=e["label"], reason=data["reasons"][reason]["label"]))
    elif facts.disputed:
        next_step = _fill(data["next_steps"]["disputed"], values)
    else:
        next_step = _fill(data["next_steps"][stage], values)

    fallback: str | None = None
    if timing.allow_installments and _installment_relevant(stage, facts, reason):
        fallback = _fill(_pick(data["installment"], variant), values)

    evidence = tuple(data["evidence"][k] for k in _evidence_keys(stage, facts, excuse_evidence))
    return Suggestion(
        locale=playbook.locale,
        tone=tone_key,
        tone_label=tone_label,
        technique=spec["how"],
        why=tuple(lines),
        opening=opening,
        ask=ask,
        excuse_reply=excuse_reply,
        next_step=next_step,
        fallback=fallback,
        timing=timing_text,
        evidence=evidence,
        variant=variant,
        kind="collect",
    )


def _relationship(
    facts: CaseFacts,
    playbook: Playbook,
    chosen: str | None,
    variant: int,
    timing_text: str,
    labels: Mapping[str, str],
) -> Suggestion:
    # Nothing is open: whatever tone was asked for, the words carry no amount and no request
    # for money (the slots cannot even name one), only thanks and a look ahead.
    data = playbook.data
    slot = data["closing" if facts.just_paid else "relationship"]
    values = _party_values(facts, data["words"])
    why = data["why"]
    lines = (
        str(why["closed_paid" if facts.just_paid else "no_open"]),
        str(why["relationship"]).format(relationship=labels["relationship"]),
    )
    return Suggestion(
        locale=playbook.locale,
        tone=chosen or "partnership",
        tone_label=slot["label"],
        technique=slot["how"],
        why=lines,
        opening=_fill(_pick(slot["opening"], variant), values),
        ask=_fill(_pick(slot["follow"], variant), values),
        excuse_reply=None,
        next_step=_fill(slot["next_step"], values),
        fallback=None,
        timing=timing_text,
        evidence=(),
        variant=variant,
        kind="relationship",
    )


def _risk_label(risk: str, locale: str) -> str:
    try:
        return RiskGrade(risk).label(locale)
    except ValueError:
        return risk

"""What to say to the customer now: pick a method for the case, fill the playbook's words in.

Pure: plain case facts and a loaded ``Playbook`` in, a ``Suggestion`` out. No clock (the
caller says whether it is month end; "today" is each invoice's due date plus its days past
due), no I/O (``playbook.library`` reads the YAML), no randomness: the same facts and variant
number always give the same words, so "another one" is simply ``variant + 1`` and a suggestion
can be reproduced from a log line.

The method, in order of precedence:

* every open invoice disputed: no payment ask at all, the words propose settling the dispute;
* 死账 (dead): a formal final demand with a date and the legal route stated as the next step;
  never a friendly ask, never an instalment; write-off advice for our side;
* 呆账 (bad): a formal demand with a firm date, the contract and the lawful next step;
* a pending promise: confirm its date;
* a broken promise: recap the missed date and amount, ask for a new date in writing, state
  the contractual consequence, no praise;
* otherwise the tone ladder (``playbook.phrasing_ladder``); 准呆账 (doubtful) speaks seriously.

Disputed invoices are left out of the ask and named on the card with how to settle them. Late
interest is stated only when the contract has a rate. The ladder, the grade and the amount
also fill the card's lines: who acts, the value × risk strategy, interest, limitation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from playbook.aging import RiskGrade
from playbook.library import RELATIONSHIPS, SEGMENTS, STAGES, TONES, Playbook
from playbook.phrasing_ladder import (
    FIRMNESS,
    LADDER,
    choose_tone,
    excuse_key,
    relationship_of,
    stage_key,
    tone_key,
)
from playbook.phrasing_method import (
    LIMITATION_WARN_DAYS,
    Dispute,
    dispute,
    grade_of,
    installment_allowed,
    interest,
    limitation,
    recovery,
    severe,
    strategy,
    upcoming,
    who_acts,
)
from playbook.phrasing_render import (
    case_values,
    date_text,
    evidence_keys,
    fill,
    money_text,
    party_values,
    pick,
    timing_text,
)
from playbook.phrasing_types import CaseFacts, InvoiceFact, Suggestion, TimingPolicy

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


_DEFAULT_TIMING = TimingPolicy()  # frozen, so one shared default is safe


def _broken_lead(
    facts: CaseFacts, values: Mapping[str, str], data: Any, variant: int, currency: str
) -> str:
    """The missed promise, as the records have it: its date and amount when known (in the
    promise's currency, else the invoices')."""
    promise, words = data["promise"], data["words"]
    if facts.broken_on is None:
        return fill(pick(promise["broken"], variant), values)
    amount = (
        money_text(facts.broken_amount, facts.broken_currency or currency, data["locale"])
        if facts.broken_amount is not None
        else words["broken_amount_fallback"]
    )
    dated = {**values, "broken_on": date_text(facts.broken_on, words), "broken_amount": amount}
    return fill(pick(promise["broken_dated"], variant), dated)


def _glue(parts: Sequence[str | None], words: Mapping[str, Any]) -> str:
    return str(words["join"]).join(p for p in parts if p)


def suggest(
    facts: CaseFacts,
    playbook: Playbook,
    *,
    tone: str | None = None,
    variant: int = 0,
    timing: TimingPolicy = _DEFAULT_TIMING,
    month_end: bool = False,
    limitation_warn_days: int = LIMITATION_WARN_DAYS,
) -> Suggestion:
    """The words for this case in the playbook's locale; see the module docstring.

    ``tone`` None lets the ladder choose. An unknown tone, excuse, stage or segment raises
    ValueError naming the valid ones. No open invoices gives a relationship message (thanks
    and repair when ``facts.just_paid``), never a demand.
    """
    locale = playbook.locale
    data: dict[str, Any] = {**playbook.data, "locale": locale}
    words = data["words"]
    stage = stage_key(facts.stage)
    if facts.segment not in SEGMENTS:
        raise ValueError(
            f"unknown segment {facts.segment!r}; valid segments: {', '.join(SEGMENTS)}"
        )
    chosen = tone_key(playbook, tone) if tone is not None else None
    excuse = excuse_key(playbook, facts.excuse) if facts.excuse is not None else None
    relationship = relationship_of(facts.segment, facts.relationship_years)
    advice = timing_text(data, timing, month_end)
    labels = {
        "stage": words["stage"][stage],
        "relationship": words["relationship"][relationship],
        "segment": words["segment"][facts.segment],
    }
    if not facts.invoices:
        return _relationship(facts, playbook, chosen, variant, advice, labels)

    grade = grade_of(facts.risk)
    method = data["method"]
    split = dispute(facts.invoices, locale, words)
    undisputed = tuple(inv for inv in facts.invoices if not inv.disputed)
    # An overdue demand asks for what is overdue: money not yet due is not owed today, and
    # demanding it would be a false claim the customer can rightly refuse.
    asked = tuple(inv for inv in undisputed if inv.days_past_due > 0) or undisputed
    later = tuple(inv for inv in undisputed if inv not in asked)
    disputed = facts.disputed or split is not None
    broken = facts.broken_on is not None or facts.broken_promises > 0
    card = {
        "grade_label": grade.label(locale) if grade is not None else None,
        "recovery": recovery(facts, method),
        "who_acts": who_acts(facts, grade, stage, method),
        "strategy": strategy(facts, grade, method),
        "disputed_note": split.note(data["dispute"]) if split is not None else None,
        "limitation": limitation(facts, method, limitation_warn_days),
        "upcoming": upcoming(later, locale, words, data) if later else None,
    }
    if not asked:
        assert split is not None
        return _settle_dispute(facts, playbook, data, split, chosen, variant, advice, card)

    values = case_values(facts, asked, locale, words)
    owed = interest(asked, locale)
    card["interest"] = owed.card(method) if owed is not None else None
    tone_name = chosen or choose_tone(
        stage,
        relationship,
        broken_promises=max(facts.broken_promises, 1 if broken else 0),
        disputed=disputed,
        segment=facts.segment,
    )
    # 准呆账 on the contract speaks, whatever the relationship; a 呆账 / 死账 demand is formal
    # whatever tone was asked for (the card says so).
    firm = grade if grade in (RiskGrade.BAD, RiskGrade.DEAD) else None
    if (chosen is None and severe(grade) and not disputed) or firm is not None:
        tone_name = "serious"
    spec = data["tones"][tone_name]
    staged = spec.get(stage, {})
    # Late interest is a contractual fact worth stating once the debt is no longer fresh, in
    # the tones that speak of the contract; tacked onto a sandwich's closing thanks or a
    # first-aid line it would read as leverage.
    contractual = tone_name in ("serious", "nvc") and stage in ("mid", "late")
    interest_line = (
        owed.words(data["terms"], variant)
        if owed is not None and (contractual or severe(grade) or broken)
        else None
    )
    lead = _broken_lead(facts, values, data, variant, asked[0].currency) if broken else None
    part = None
    if split is not None:
        part = fill(pick(data["dispute"]["lead"], variant), {**values, **split.values})

    why_texts = data["why"]

    def why(key: str, **kw: object) -> str:
        return str(why_texts[key]).format(**kw)

    lines = [
        why("stage_pre_due", stage=labels["stage"], due_date=values["due_date"])
        if stage == "pre_due"
        else why("stage", stage=labels["stage"], days=values["days"]),
        why("relationship", relationship=labels["relationship"]),
    ]
    if facts.segment != "normal":
        lines.append(why("segment", segment=labels["segment"]))
    if grade is not None:
        lines.append(why("risk", risk=grade.label(locale)))
    elif facts.risk:
        lines.append(why("risk", risk=facts.risk))
    if facts.large:
        lines.append(why("large"))

    if firm is not None:
        block = data["grades"][firm.value]
        opening = fill(pick(block["opening"], variant), values)
        body = fill(pick(block["ask"], variant), values)
        ask = _glue((lead, part, body, interest_line), words)
        lines.append(why(f"grade_{firm.value}"))
    elif facts.promise_date is not None:
        # A date is already promised: confirm it rather than ask for a new one.
        opening = fill(pick(staged.get("opening", spec["opening"]), variant), values)
        promise_values = {**values, "promise_date": date_text(facts.promise_date, words)}
        ask = _glue((part, fill(pick(data["promise"]["pending"], variant), promise_values)), words)
        lines.append(why("promise", promise_date=promise_values["promise_date"]))
    elif broken:
        # After a miss: no praise, no small talk; the facts, a written date, the contract.
        opening = fill(pick(data["promise"]["broken_opening"], variant), values)
        consequence = interest_line or pick(data["terms"]["contract"], variant)
        body = fill(pick(data["promise"]["broken_ask"], variant), values)
        ask = _glue((lead, part, body, consequence), words)
        lines.append(why("broken_step"))
    else:
        opening = fill(pick(staged.get("opening", spec["opening"]), variant), values)
        body = fill(pick(staged.get("ask", spec["ask"]), variant), values)
        ask = _glue((part, body, interest_line), words)

    tone_label = spec["label"]
    if chosen is not None and firm is None:
        lines.append(why("chosen", tone=tone_label))
    elif firm is None:
        base = LADDER[stage][relationship]
        lines.append(
            why(
                "ladder",
                stage=labels["stage"],
                relationship=labels["relationship"],
                tone=data["tones"][base]["label"],
            )
        )
        if disputed:
            lines.append(why("disputed", tone=tone_label))
        else:
            if facts.segment == "important" and stage != "late":
                lines.append(why("important"))
            if broken:
                lines.append(why("broken_promises", broken=max(facts.broken_promises, 1)))
    if split is not None:
        lines.append(why("disputed_part", **split.values))

    excuse_reply: str | None = None
    reason: str | None = None
    excuse_evidence: tuple[str, ...] = ()
    next_step = fill(data["next_steps"][stage], values)
    if excuse is not None:
        e = data["excuses"][excuse]
        reason = e["reason"]
        if grade is not RiskGrade.DEAD:  # a final demand does not argue the excuse again
            excuse_reply = fill(pick(e["replies"], variant), values)
        next_step = fill(e["next_step"], values)
        excuse_evidence = tuple(e.get("evidence", ()))
        lines.append(why("excuse", excuse=e["label"], reason=data["reasons"][reason]["label"]))
    elif disputed:
        next_step = fill(data["next_steps"]["disputed"], values)
    elif broken and not severe(grade):
        next_step = fill(data["next_steps"]["broken"], values)
    if severe(grade):
        assert grade is not None
        grade_step = fill(data["next_steps"][grade.value], values)
        # 死账: the write-off and the legal route are the step, whatever was said.
        next_step = (
            grade_step if grade is RiskGrade.DEAD or excuse is None else f"{next_step} {grade_step}"
        )

    fallback: str | None = None
    if installment_allowed(facts, grade, reason, disputed, timing):
        fallback = fill(pick(data["installment"], variant), values)

    keys = evidence_keys(stage, facts, disputed, grade, excuse_evidence)
    return Suggestion(
        locale=locale,
        tone=tone_name,
        tone_label=tone_label,
        technique=spec["how"],
        why=tuple(lines),
        opening=opening,
        ask=ask,
        excuse_reply=excuse_reply,
        next_step=next_step,
        fallback=fallback,
        timing=advice,
        evidence=tuple(data["evidence"][k] for k in keys),
        variant=variant,
        kind="collect",
        **card,
    )


def _settle_dispute(
    facts: CaseFacts,
    playbook: Playbook,
    data: Mapping[str, Any],
    split: Dispute,
    chosen: str | None,
    variant: int,
    advice: str,
    card: Mapping[str, str | None],
) -> Suggestion:
    # Every open invoice is disputed: asking for money now would harden the dispute. The
    # words defuse and propose how to settle it (a call with quality and finance, a date).
    locale = playbook.locale
    words = data["words"]
    values = case_values(facts, split.invoices, locale, words)
    tone_name = chosen or "first_aid"
    spec = data["tones"][tone_name]
    opening = fill(pick(data["dispute"]["opening"], variant), values)
    ask = fill(pick(data["dispute"]["settle"], variant), values)
    lines = (str(data["why"]["all_disputed"]).format(**split.values),)
    keys = evidence_keys("mid", facts, True, None, ())
    return Suggestion(
        locale=locale,
        tone=tone_name,
        tone_label=spec["label"],
        technique=spec["how"],
        why=lines,
        opening=opening,
        ask=ask,
        excuse_reply=None,
        next_step=fill(data["next_steps"]["disputed"], values),
        fallback=None,
        timing=advice,
        evidence=tuple(data["evidence"][k] for k in keys),
        variant=variant,
        kind="collect",
        **card,
    )


def _relationship(
    facts: CaseFacts,
    playbook: Playbook,
    chosen: str | None,
    variant: int,
    advice: str,
    labels: Mapping[str, str],
) -> Suggestion:
    # Nothing is open: whatever tone was asked for, the words carry no amount and no request
    # for money (the slots cannot even name one), only thanks and a look ahead.
    data = playbook.data
    slot = data["closing" if facts.just_paid else "relationship"]
    values = party_values(facts, playbook.locale, data["words"])
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
        opening=fill(pick(slot["opening"], variant), values),
        ask=fill(pick(slot["follow"], variant), values),
        excuse_reply=None,
        next_step=fill(slot["next_step"], values),
        fallback=None,
        timing=advice,
        evidence=(),
        variant=variant,
        kind="relationship",
    )

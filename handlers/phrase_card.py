"""The /ar phrase card, in the order a collector reads it before picking up the phone: how bad
the debt is (grade, expected recovery), who should make the contact, the strategy, then the
words, then what goes with them (disputed invoices, interest, limitation), the next step, when
to call, what to have at hand, and why this tone.

Sections only, one idea each, short titles: Slack blocks, Telegram HTML, WeCom markdown and a
console all show a title line and its text, and nothing here relies on columns.
"""

from __future__ import annotations

from decimal import Decimal

from bot.kernel.messages import Button, Card, Section
from handlers.context import Context
from handlers.phrase_facts import Target
from playbook.aging import RiskGrade
from playbook.compliance import LintContext, lint
from playbook.phrasing import Suggestion

# The word the "another one" button repeats for the instalment fallback (any alias works).
INSTALLMENT_WORD = "installment"
# Grades whose words state legal options: the template's wording, never a model's.
LEGAL_GRADES = (RiskGrade.BAD.value, RiskGrade.DEAD.value)


def percent(rate: Decimal) -> str:
    """0.8 → "80%", 0.995 → "99.5%"."""
    shown = (rate * 100).quantize(Decimal("0.1")).normalize()
    return f"{shown:f}%"


def grade_line(ctx: Context, s: Suggestion, target: Target) -> str | None:
    """ "风险等级：呆账 · 按此账龄预计回收率 80%": the engine's words when it gives them, else
    the card's own from the facts (they are facts, not advice)."""
    facts = target.facts
    grade = s.grade_label
    if grade is None and facts.risk is not None:
        try:
            grade = RiskGrade(facts.risk).label(ctx.locale)
        except ValueError:
            grade = None
    recovery = s.recovery
    if recovery is None and facts.recovery is not None:
        recovery = ctx.t("phrase_recovery", rate=percent(facts.recovery))
    parts = []
    if grade:
        parts.append(ctx.t("phrase_grade", grade=grade))
    if recovery:
        parts.append(recovery)
    return " · ".join(parts) or None


def _bullets(lines: tuple[str, ...]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def phrase_card(
    ctx: Context,
    s: Suggestion,
    target: Target,
    tone: str | None,
    excuse: str | None,
    note: str,
) -> Card:
    facts = target.facts
    sections: list[Section] = []

    def add(key: str, text: str | None) -> None:
        if text:
            sections.append(Section(title=ctx.t(key), text=text))

    add("phrase_who_acts", s.who_acts)
    add("phrase_strategy", s.strategy)
    caution = _timing_caution(ctx, target)
    add("phrase_caution", caution)
    sections.append(Section(title=ctx.t("phrase_technique", tone=s.tone_label), text=s.technique))
    words = [part for part in (s.opening, s.ask, s.excuse_reply, s.fallback) if part]
    sections.append(Section(title=ctx.t("phrase_words"), text="\n\n".join(words)))
    add("phrase_disputed", s.disputed_note)
    add("phrase_upcoming", s.upcoming)
    add("phrase_interest", s.interest)
    add("phrase_limitation", s.limitation)
    if s.kind == "collect":
        add("phrase_next", s.next_step)
    add("phrase_timing", s.timing)
    if s.evidence:
        add("phrase_evidence", _bullets(s.evidence))
    add("phrase_why", _bullets(s.why))

    again = f"/ar phrase {target.label}"
    if tone:
        again += f" {tone}"
    if excuse:
        again += f" {excuse}"
    if facts.want_installment:
        again += f" {INSTALLMENT_WORD}"
    buttons = [Button(ctx.t("phrase_another"), f"{again} --variant {s.variant + 1}")]
    if (
        s.kind == "collect"
        and not facts.want_installment
        and facts.risk != RiskGrade.DEAD.value
        and ctx.config.phrasing.allow_installments
    ):
        # The fallback stays one tap away for the collector, never in the first words.
        buttons.append(Button(ctx.t("phrase_installment"), f"{again} {INSTALLMENT_WORD}"))
    return Card(
        title=ctx.t("phrase_title", customer=facts.customer),
        subtitle=grade_line(ctx, s, target),
        sections=tuple(sections),
        buttons=tuple(buttons),
        footer=note,
    )


def _timing_caution(ctx: Context, target: Target) -> str | None:
    """Outside contact hours or too many contacts today: said before the words, not after."""
    p = ctx.config.phrasing
    now_local = ctx.clock.now().astimezone(ctx.config.company.zone).time()
    findings = lint(
        "",
        locale=ctx.locale,
        context=LintContext(
            local_time=now_local,
            contact_hours=(p.contact_hours.start, p.contact_hours.end),
            contacts_today=target.contacts_today,
            max_contacts_per_day=p.max_contacts_per_day,
        ),
    )
    return "\n".join(f.message for f in findings) or None

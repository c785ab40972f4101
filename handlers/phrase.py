"""/ar phrase <case|customer> [tone] [excuse]: what to say to the customer, and why.

The suggestion comes from the playbook's templates, chosen by stage, relationship and excuse;
when a language model is configured it may adapt the words to the case. Whatever is shown has
passed the compliance lint: a model answer that fails it is replaced by the template.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace
from datetime import datetime, time

from bot.kernel.cards import case_risk
from bot.kernel.messages import Button, Card, Command, Reply, Section
from handlers.common import customer_items, resolve_customer, shorten
from handlers.context import Context
from playbook.compliance import Finding, LintContext, lint, rule_label
from playbook.library import Playbook, PlaybookError, load_playbook
from playbook.llm import LlmRequest, adapt, load_settings
from playbook.phrasing import CaseFacts, InvoiceFact, Suggestion, TimingPolicy, suggest
from storage.circle import load_case
from storage.circle_reads import contacts_since
from storage.customer_facts import broken_promises, relationship_years
from storage.db import bounded_id
from storage.offloop import Conn

log = logging.getLogger(__name__)

NAME = "phrase"
ALIASES = ("话术", "say", "suggest")
USAGE = "/ar phrase <case|customer> [tone] [excuse] [--variant N]"
SUMMARY = {
    "en": "What to say to the customer now: tone, words, answer to the excuse, next step",
    "zh-CN": "现在该对客户说什么：语气、话术、应对借口、下一步",
}
_CONTACTS = ("remind", "call", "visit")


@dataclass(frozen=True)
class Target:
    facts: CaseFacts
    label: str  # what the command named: "42" or the customer code
    contacts_today: int
    conversation: tuple[str, ...]


async def handle(cmd: Command, ctx: Context) -> Reply:
    try:
        playbook = load_playbook(ctx.locale, ctx.config.phrasing.overrides)
    except PlaybookError as exc:
        log.error("playbook overrides: %s", exc)
        return Reply.error(ctx.t("playbook_broken"))
    words = list(cmd.args)
    variant = 0
    if "--variant" in words:
        i = words.index("--variant")
        # Any number picks a variant (modulo their count); six digits are plenty to ask for.
        if i + 1 >= len(words) or not words[i + 1].isdecimal() or len(words[i + 1]) > 6:
            return Reply.usage(USAGE, locale=ctx.locale)
        variant = int(words[i + 1])
        del words[i : i + 2]
    tone = excuse = None
    # Tone and excuse come last; whatever is left names the case or the customer.
    while len(words) > 1:
        found_tone = playbook.find_tone(words[-1]) if tone is None else None
        found_excuse = playbook.find_excuse(words[-1], partial=False) if excuse is None else None
        if found_tone:
            tone = found_tone
        elif found_excuse:
            excuse = found_excuse
        else:
            break
        words.pop()
    if not words:
        return Reply.usage(USAGE, locale=ctx.locale)
    if words[0].lstrip("#＃").isdecimal() and len(words) > 1:
        # A case number is one word: the rest was meant as a tone or an excuse.
        return Reply.usage(
            USAGE,
            ctx.t(
                "unknown_tone_or_excuse",
                word=shorten(" ".join(words[1:]), 40),
                tones=", ".join(key for key, _ in playbook.tones()),
                excuses=", ".join(e.key for e in playbook.excuses()),
            ),
            ctx.locale,
        )
    found = await ctx.read(_suggested, ctx, playbook, " ".join(words), tone, excuse, variant)
    if isinstance(found, Reply):
        return found
    target, suggestion = found
    note = ctx.t("phrase_template")
    llm = ctx.config.phrasing.llm
    if llm is not None and suggestion.kind == "collect":
        adapted, note = await _adapted(ctx, llm, suggestion, target)
        if adapted is not None:
            suggestion = adapted
    return Reply(card=_card(ctx, suggestion, target, tone, excuse, note))


def _suggested(
    conn: Conn,
    ctx: Context,
    playbook: Playbook,
    query: str,
    tone: str | None,
    excuse: str | None,
    variant: int,
) -> tuple[Target, Suggestion] | Reply:
    """What the case or customer is, and the first suggestion for it that passes the lint:
    in the database thread, since choosing one may lint several variants."""
    target = _target(conn, ctx, query, excuse)
    if isinstance(target, Reply):
        return target
    try:
        suggestion = _clean_suggestion(ctx, playbook, target, tone, variant)
    except ValueError:
        # The facts came from the database, not from the command: nothing to retype.
        log.exception("phrase: no suggestion for %r", query)
        return Reply.error(ctx.t("phrase_cannot"))
    if suggestion is None:
        return Reply.error(ctx.t("phrase_none"))
    return target, suggestion


def _target(conn: Conn, ctx: Context, query: str, excuse: str | None) -> Target | Reply:
    today = ctx.today()
    cfg = ctx.config
    cleaned = query.lstrip("#＃")
    if cleaned.isdecimal():
        number = bounded_id(cleaned)
        view = load_case(conn, number) if number is not None else None
        if view is None:
            return Reply.error(ctx.t("no_case", case=shorten(cleaned, 24)))
        invoices = tuple(
            InvoiceFact(
                i.invoice_no, i.outstanding, i.currency, (today - i.due_date).days, i.due_date
            )
            for i in view.invoices
            if i.status == "open" and i.outstanding > 0
        )
        _, stage, _ = case_risk(view, cfg, today)
        pending = [p for p in view.promises if p.status == "pending"]
        facts = CaseFacts(
            customer=view.customer_name,
            segment=view.segment,
            relationship_years=relationship_years(conn, view.customer_id, today),
            invoices=invoices,
            stage=stage.value if stage.value in _STAGES else "pre_due",
            broken_promises=view.broken_promises,
            disputed=any(i.disputed for i in view.invoices if i.status == "open"),
            excuse=excuse,
            our_company=cfg.company.name,
            promise_date=pending[-1].due_on if pending else None,
            # Closed because the money came: thank them and repair, never ask.
            just_paid=not invoices and view.close_reason in ("close_paid", "settle"),
        )
        conversation = tuple(i.text for i in view.inputs[-6:])
        return Target(facts, cleaned, _contacts_today(conn, view.customer_id, ctx), conversation)
    found = resolve_customer(ctx, conn, query)
    if isinstance(found, Reply):
        return found
    items = customer_items(conn, ctx, found.id)
    invoices = tuple(
        InvoiceFact(i.invoice_no, i.outstanding, i.currency, i.aging.days_past_due, i.due_date)
        for i in items
    )
    oldest = max(items, key=lambda i: i.aging.days_past_due, default=None)
    stage_name = oldest.aging.stage.value if oldest is not None else "pre_due"
    broken = broken_promises(conn, found.id)
    facts = CaseFacts(
        customer=found.name,
        segment=found.segment,
        relationship_years=relationship_years(conn, found.id, today),
        invoices=invoices,
        stage=stage_name if stage_name in _STAGES else "pre_due",
        broken_promises=int(broken),
        disputed=any(i.disputed for i in items),
        excuse=excuse,
        our_company=cfg.company.name,
    )
    return Target(facts, found.code, _contacts_today(conn, found.id, ctx), ())


_STAGES = ("pre_due", "early", "mid", "late")


def _contacts_today(conn: Conn, customer_id: int, ctx: Context) -> int:
    """Calls, visits and reminders recorded today for this customer's cases."""
    start = datetime.combine(ctx.today(), time(0), ctx.config.company.zone)
    return contacts_since(conn, customer_id, start, _CONTACTS)


def _timing(ctx: Context) -> TimingPolicy:
    p = ctx.config.phrasing
    return TimingPolicy(
        call_time=p.call_time,
        lunch_start=p.lunch_start,
        lunch_end=p.lunch_end,
        allow_installments=p.allow_installments,
    )


def _lint_context(ctx: Context, target: Target) -> LintContext:
    p = ctx.config.phrasing
    return LintContext(
        contact_hours=(p.contact_hours.start, p.contact_hours.end),
        max_contacts_per_day=p.max_contacts_per_day,
    )


def _text_findings(ctx: Context, text: str, target: Target) -> list[Finding]:
    """What is wrong with the words themselves (timing is advice, shown separately)."""
    return lint(text, locale=ctx.locale, context=_lint_context(ctx, target))


def _clean_suggestion(
    ctx: Context, playbook: Playbook, target: Target, tone: str | None, variant: int
) -> Suggestion | None:
    """The first variant from `variant` on whose words pass the lint; None if none does."""
    tone = tone or ctx.config.phrasing.default_tone
    month_end = ctx.today().day >= 25
    first: Suggestion | None = None
    for step in range(8):
        s = suggest(
            target.facts,
            playbook,
            tone=tone,
            variant=variant + step,
            timing=_timing(ctx),
            month_end=month_end,
        )
        if first is not None and s.text == first.text:
            break  # went round every variant
        first = first or s
        findings = _text_findings(ctx, s.text, target)
        if not findings:
            return s
        log.error(
            "playbook template failed the lint (%s, tone %s, variant %d): %s",
            ctx.locale,
            s.tone,
            s.variant,
            "; ".join(f.rule for f in findings),
        )
    return None


async def _adapted(
    ctx: Context, llm: object, suggestion: Suggestion, target: Target
) -> tuple[Suggestion | None, str]:
    from bot.kernel.config import Llm

    assert isinstance(llm, Llm)
    settings = load_settings(
        llm.url, llm.model, timeout=llm.timeout, send=tuple(llm.send), env=os.environ
    )
    facts = target.facts
    amounts = " + ".join(sorted({f"{i.currency} {i.amount}" for i in facts.invoices})) or None
    request = LlmRequest(
        locale=suggestion.locale,
        template=suggestion.text,
        tone=suggestion.tone_label,
        technique=suggestion.technique,
        customer_name=facts.customer,
        amounts=amounts,
        days=max((i.days_past_due for i in facts.invoices), default=None),
        stage=facts.stage,
        excuse=facts.excuse,
        conversation=target.conversation,
        rules=tuple(ctx.t(f"llm_rule_{n}") for n in range(1, 7)),
    )
    result = await adapt(settings, request)
    if result.text is None:
        log.warning("language model unavailable: %s", result.reason)
        return None, ctx.t("phrase_llm_failed", reason=result.reason or "?")
    findings = _text_findings(ctx, result.text, target)
    if findings:
        log.warning("language model answer failed the lint: %s", [f.rule for f in findings])
        rules = ", ".join(dict.fromkeys(rule_label(f.rule, ctx.locale) for f in findings))
        return None, ctx.t("phrase_llm_lint", rules=rules)
    adapted = replace(suggestion, opening=result.text, ask="", excuse_reply=None, fallback=None)
    return adapted, ctx.t("phrase_llm_ok", model=llm.model)


def _card(
    ctx: Context,
    s: Suggestion,
    target: Target,
    tone: str | None,
    excuse: str | None,
    note: str,
) -> Card:
    words = [part for part in (s.opening, s.ask, s.excuse_reply, s.fallback) if part]
    sections = [
        Section(title=ctx.t("phrase_technique", tone=s.tone_label), text=s.technique),
        Section(title=ctx.t("phrase_why"), text="\n".join(f"• {w}" for w in s.why)),
        Section(title=ctx.t("phrase_words"), text="\n\n".join(words)),
    ]
    if s.kind == "collect":
        sections.append(Section(title=ctx.t("phrase_next"), text=s.next_step))
    sections.append(Section(title=ctx.t("phrase_timing"), text=s.timing))
    if s.evidence:
        sections.append(
            Section(title=ctx.t("phrase_evidence"), text="\n".join(f"• {e}" for e in s.evidence))
        )
    lint_ctx = _lint_context(ctx, target)
    now_local = ctx.clock.now().astimezone(ctx.config.company.zone).time()
    timing_findings = lint(
        "",
        locale=ctx.locale,
        context=LintContext(
            local_time=now_local,
            contact_hours=lint_ctx.contact_hours,
            contacts_today=target.contacts_today,
            max_contacts_per_day=lint_ctx.max_contacts_per_day,
        ),
    )
    if timing_findings:
        sections.append(
            Section(
                title=ctx.t("phrase_caution"), text="\n".join(f.message for f in timing_findings)
            )
        )
    again = f"/ar phrase {target.label}"
    if tone:
        again += f" {tone}"
    if excuse:
        again += f" {excuse}"
    buttons = (Button(ctx.t("phrase_another"), f"{again} --variant {s.variant + 1}"),)
    return Card(
        title=ctx.t("phrase_title", customer=target.facts.customer),
        sections=tuple(sections),
        buttons=buttons,
        footer=note,
    )

"""/ar phrase <case|customer> [tone] [excuse] [installment]: what to say to the customer, and
why.

The suggestion comes from the playbook's templates, chosen by risk grade, amount, stage,
relationship and excuse (the facts: handlers.phrase_facts; the card: handlers.phrase_card).
When a language model is configured it may adapt the words of a debt not yet bad; whatever is
shown has passed the compliance lint: a model answer that fails it is replaced by the template.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import replace
from decimal import Decimal

from bot.kernel.messages import Command, Reply
from handlers.common import shorten
from handlers.context import Context
from handlers.phrase_card import LEGAL_GRADES, phrase_card
from handlers.phrase_facts import Target, phrase_target
from playbook.compliance import Finding, LintContext, lint, rule_label
from playbook.library import Playbook, PlaybookError, load_playbook
from playbook.llm import LlmRequest, adapt, load_settings
from playbook.phrasing import CaseFacts, Suggestion, TimingPolicy, suggest
from storage.offloop import Conn

log = logging.getLogger(__name__)

NAME = "phrase"
ALIASES = ("话术", "say", "suggest")
USAGE = "/ar phrase <case|customer> [tone] [excuse] [installment] [--variant N]"
SUMMARY = {
    "en": "What to say to the customer now: tone, words, answer to the excuse, next step",
    "zh-CN": "现在该对客户说什么：语气、话术、应对借口、下一步",
}
# The collector asks for the instalment fallback: any of these words after the name.
INSTALLMENT_WORDS = frozenset(
    ("installment", "instalment", "installments", "instalments", "分期", "分期付款")
)


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
    installment = False
    # Tone, excuse and the instalment word come last, in any order; whatever is left names
    # the case or the customer.
    while len(words) > 1:
        found_tone = playbook.find_tone(words[-1]) if tone is None else None
        found_excuse = playbook.find_excuse(words[-1], partial=False) if excuse is None else None
        if not installment and words[-1].casefold() in INSTALLMENT_WORDS:
            installment = True
        elif found_tone:
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
    found = await ctx.read(
        _suggested, ctx, playbook, " ".join(words), tone, excuse, variant, installment
    )
    if isinstance(found, Reply):
        return found
    target, suggestion = found
    note = ctx.t("phrase_template")
    llm = ctx.config.phrasing.llm
    if llm is not None and suggestion.kind == "collect":
        if target.facts.risk in LEGAL_GRADES:
            # A bad or dead debt's words state legal options: the reviewed template's wording,
            # not one improvised by a model.
            note = ctx.t("phrase_llm_legal")
        else:
            adapted, note = await _adapted(ctx, llm, suggestion, target)
            if adapted is not None:
                suggestion = adapted
    return Reply(card=phrase_card(ctx, suggestion, target, tone, excuse, note))


def _suggested(
    conn: Conn,
    ctx: Context,
    playbook: Playbook,
    query: str,
    tone: str | None,
    excuse: str | None,
    variant: int,
    installment: bool,
) -> tuple[Target, Suggestion] | Reply:
    """What the case or customer is, and the first suggestion for it that passes the lint:
    in the database thread, since choosing one may lint several variants."""
    target = phrase_target(conn, ctx, query, excuse, installment)
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
            limitation_warn_days=ctx.config.circle.triggers.limitation_warn_days,
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
    # The contact is a person: their name leaves the process only where the customer's may.
    hide = (
        _contact_pattern(facts.contact_name, facts.contact_title)
        if "customer_name" not in settings.send
        else None
    )
    stand_in = "[联系人]" if ctx.locale.lower().startswith("zh") else "[contact]"
    greeting: list[str] = []

    def hidden(text: str) -> str:
        if hide is None:
            return text

        def swap(m: re.Match[str]) -> str:
            greeting.append(m.group(0))
            return stand_in

        return hide.sub(swap, text)

    request = LlmRequest(
        locale=suggestion.locale,
        template=hidden(suggestion.text),
        tone=suggestion.tone_label,
        technique=suggestion.technique,
        customer_name=facts.customer,
        amounts=_asked_amounts(facts),
        days=max((i.days_past_due for i in facts.invoices), default=None),
        stage=facts.stage,
        excuse=facts.excuse,
        conversation=tuple(hidden(line) for line in target.conversation),
        rules=tuple(ctx.t(f"llm_rule_{n}") for n in range(1, 9)),
    )
    result = await adapt(settings, request)
    if result.text is None:
        log.warning("language model unavailable: %s", result.reason)
        return None, ctx.t("phrase_llm_failed", reason=result.reason or "?")
    text = result.text
    if greeting:
        # Back to how the template addressed them (the model saw only the stand-in).
        text = text.replace(stand_in, greeting[0])
    findings = _text_findings(ctx, text, target)
    if findings:
        log.warning("language model answer failed the lint: %s", [f.rule for f in findings])
        rules = ", ".join(dict.fromkeys(rule_label(f.rule, ctx.locale) for f in findings))
        return None, ctx.t("phrase_llm_lint", rules=rules)
    # The model's text replaces the words only: grade, who acts, interest and the rest stay.
    adapted = replace(suggestion, opening=text, ask="", excuse_reply=None, fallback=None)
    return adapted, ctx.t("phrase_llm_ok", model=llm.model)


def _asked_amounts(facts: CaseFacts) -> str | None:
    """What the words ask for: the undisputed invoices (all of them when all are disputed)."""
    asked = [i for i in facts.invoices if not i.disputed] or list(facts.invoices)
    sums: dict[str, Decimal] = {}
    for i in asked:
        sums[i.currency] = sums.get(i.currency, Decimal(0)) + i.amount
    return " + ".join(sorted(f"{cur} {amount}" for cur, amount in sums.items())) or None


# Titles a Chinese greeting shortens to after the surname: 总经理 → 王总, 财务经理 → 王经理.
_SHORT_TITLES = ("总", "经理", "总监", "主任", "主管", "董", "老板", "会计", "老师", "工")


def _contact_pattern(name: str | None, title: str | None) -> re.Pattern[str] | None:
    """The ways the words may name the contact: the full name, "王总"-style greetings,
    "Mr/Ms Wang"; None without a name."""
    name = (name or "").strip()
    if not name:
        return None
    forms = {name}
    if not name.isascii():
        surname = name[0]
        forms.update(surname + t for t in _SHORT_TITLES)
        if title:
            forms.add(surname + title.strip())
    else:
        parts = name.split()
        forms.update(parts)
        forms.update(f"{h} {p}" for h in ("Mr", "Mr.", "Ms", "Ms.", "Mrs", "Mrs.") for p in parts)
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True) if f)
    return re.compile(rf"(?<![A-Za-z])(?:{alternatives})(?![A-Za-z])")

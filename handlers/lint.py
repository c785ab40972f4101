"""/ar lint <text>: check a draft for what must never be said to a customer.

The compliance rules decide. When a language model is configured (`phrasing.llm`), a draft
the rules pass also gets the model's second opinion (playbook.llm_opinion): a doubt is shown
as a caution, never as a finding, and a model that fails or answers out of format is logged
and ignored. A draft the rules flag is never sent to the model.
"""

from __future__ import annotations

import logging
import os

from bot.kernel.messages import Card, Command, Reply, Section
from handlers.common import shorten
from handlers.context import Context
from playbook.compliance import lint, rule_label
from playbook.llm import load_settings
from playbook.llm_opinion import Verdict, second_opinion

log = logging.getLogger(__name__)

NAME = "lint"
ALIASES = ("检查", "check-text")
USAGE = "/ar lint <text of the message or call script>"
SUMMARY = {
    "en": "Check a draft: threats, insults, third parties, false legal claims, shaming",
    "zh-CN": "检查草稿：威胁、辱骂、骚扰第三方、虚假法律声明、羞辱",
}


# A reply lists at most this many findings, in at most this many characters: a pasted page
# of bad words still gets an answer every messenger can show (Telegram takes 4,096
# characters, a Slack section 3,000).
_SHOW = 20
_BUDGET = 2500
_LINE = 200


async def handle(cmd: Command, ctx: Context) -> Reply:
    text = cmd.text.strip()
    if not text:
        return Reply.usage(USAGE, locale=ctx.locale)
    findings = lint(text, locale=ctx.locale)
    if not findings:
        return await _clean(ctx, text)
    # Each message already names the rule and quotes the words.
    lines: list[str] = []
    used = 0
    for f in findings[:_SHOW]:
        line = "• " + shorten(f.message, _LINE)
        if used + len(line) > _BUDGET:
            break
        lines.append(line)
        used += len(line) + 1
    more = len(findings) - len(lines)
    if more:
        lines.append(ctx.t("lint_more", count=f"{more:,}"))
    return Reply(
        card=Card(
            title=ctx.t("lint_findings", count=f"{len(findings):,}"),
            sections=(Section(text="\n".join(lines)),),
            footer=ctx.t("lint_footer"),
        ),
        kind="answer",
    )


async def _clean(ctx: Context, text: str) -> Reply:
    llm = ctx.config.phrasing.llm
    if llm is None:
        return Reply(text=ctx.t("lint_clean"))
    settings = load_settings(
        llm.url, llm.model, timeout=llm.timeout, send=tuple(llm.send), env=os.environ
    )
    opinion = await second_opinion(settings, text)
    if opinion.verdict is None:
        log.warning("lint second opinion ignored: %s", opinion.reason)
        return Reply(text=ctx.t("lint_clean"))
    if not opinion.verdict.flag:
        return Reply(text=ctx.t("lint_opinion_agrees"))
    return Reply(card=_doubt(ctx, opinion.verdict, llm.model), kind="answer")


def _doubt(ctx: Context, verdict: Verdict, model: str) -> Card:
    assert verdict.category is not None and verdict.quote is not None
    line = ctx.t(
        "lint_opinion",
        label=rule_label(verdict.category, ctx.locale),
        quote=shorten(" ".join(verdict.quote.split()), _LINE),
        why=shorten(verdict.why or "", _LINE),
    )
    return Card(
        title=ctx.t("lint_opinion_title"),
        sections=(Section(text=line.strip()),),
        footer=ctx.t("lint_opinion_footer", model=shorten(model, 60)),
    )

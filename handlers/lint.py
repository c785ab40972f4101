"""/ar lint <text>: check a draft for what must never be said to a customer."""

from __future__ import annotations

from bot.messages import Card, Command, Reply, Section
from handlers.context import Context
from playbook.compliance import lint

NAME = "lint"
ALIASES = ("检查", "check-text")
USAGE = "/ar lint <text of the message or call script>"
SUMMARY = {
    "en": "Check a draft: threats, insults, third parties, false legal claims, shaming",
    "zh-CN": "检查草稿：威胁、辱骂、骚扰第三方、虚假法律声明、羞辱",
}


async def handle(cmd: Command, ctx: Context) -> Reply:
    text = cmd.text.strip()
    if not text:
        return Reply.usage(USAGE, locale=ctx.locale)
    findings = lint(text, locale=ctx.locale)
    if not findings:
        return Reply(text=ctx.t("lint_clean"))
    # Each message already names the rule and quotes the words.
    lines = [f"• {f.message}" for f in findings]
    return Reply(
        card=Card(
            title=ctx.t("lint_findings", count=len(findings)),
            sections=(Section(text="\n".join(lines)),),
            footer=ctx.t("lint_footer"),
        ),
        kind="answer",
    )

"""/ar lint <text>: check a draft for what must never be said to a customer."""

from __future__ import annotations

from bot.kernel.messages import Card, Command, Reply, Section
from handlers.common import shorten
from handlers.context import Context
from playbook.compliance import lint

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
        return Reply(text=ctx.t("lint_clean"))
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

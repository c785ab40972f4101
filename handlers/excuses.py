"""/ar excuses [excuse]: the excuses customers give, what they usually hide, how to answer."""

from __future__ import annotations

import logging

from bot.kernel.messages import Card, Command, Reply, Section
from handlers.common import shorten
from handlers.context import Context
from playbook.library import PlaybookError, load_playbook

log = logging.getLogger(__name__)

NAME = "excuses"
ALIASES = ("借口", "excuse")
USAGE = "/ar excuses [excuse]"
SUMMARY = {
    "en": "The common excuses, the real reason behind each, the reply and the next step",
    "zh-CN": "常见借口、背后的真实原因、应对话术和下一步",
}


async def handle(cmd: Command, ctx: Context) -> Reply:
    try:
        playbook = load_playbook(ctx.locale, ctx.config.phrasing.overrides)
    except PlaybookError as exc:
        log.error("playbook overrides: %s", exc)
        return Reply.error(ctx.t("playbook_broken"))
    excuses = playbook.excuses()
    if cmd.args:
        key = playbook.find_excuse(cmd.text.strip())
        if key is None:
            names = ", ".join(e.key for e in excuses)
            return Reply.usage(
                USAGE,
                ctx.t("unknown_excuse", excuse=shorten(cmd.text, 40), excuses=names),
                ctx.locale,
            )
        excuses = [e for e in excuses if e.key == key]
    reasons = dict(playbook.reasons())
    sections = []
    for e in excuses:
        lines = [
            ctx.t("excuse_reason", reason=reasons.get(e.reason, e.reason)),
            ctx.t("excuse_reply", reply=e.replies[0]),
            ctx.t("excuse_next", step=e.next_step),
        ]
        if len(excuses) == 1:
            lines.extend(ctx.t("excuse_reply", reply=r) for r in e.replies[1:])
            lines.append(ctx.t("excuse_words", words=", ".join(e.aliases)))
        sections.append(Section(title=f"{e.label} ({e.key})", text="\n".join(lines)))
    return Reply(
        card=Card(
            title=ctx.t("excuses_title"),
            sections=tuple(sections),
            footer=ctx.t("excuses_footer"),
        )
    )

"""/ar help [command]: what the bot can do."""

from __future__ import annotations

from bot.kernel.messages import Card, Command, Reply, Section, Table
from handlers.common import shorten
from handlers.context import Context

NAME = "help"
ALIASES = ("帮助", "h", "?", "？")
USAGE = "/ar help [command]"
SUMMARY = {
    "en": "This list, or the details of one command",
    "zh-CN": "命令列表，或某个命令的详细用法",
}


async def handle(cmd: Command, ctx: Context) -> Reply:
    from handlers.registry import lookup, verbs

    if cmd.args:
        verb = lookup().get(cmd.args[0].casefold().removeprefix("/ar ").strip())
        if verb is None:
            return Reply.usage(
                USAGE, ctx.t("help_unknown", verb=shorten(cmd.args[0], 40)), ctx.locale
            )
        aliases = f" [{', '.join(verb.aliases)}]" if verb.aliases else ""
        return Reply(text=f"{verb.usage}{aliases}\n{verb.summary_in(ctx.locale)}")
    rows = []
    for verb in verbs():
        alias = next((a for a in verb.aliases if not a.isascii()), "")
        rows.append((verb.usage, alias, verb.summary_in(ctx.locale)))
    card = Card(
        title=ctx.t("help_title"),
        sections=(Section(text=ctx.t("help_intro"), table=Table(("", "", ""), tuple(rows))),),
        footer=ctx.t("help_footer"),
    )
    return Reply(card=card)

"""/ar snooze <case> <duration> <reason>: pause a case's clocks, for a reason everyone sees."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection

from bot.cards import team_name
from bot.config import parse_duration
from bot.messages import Command, Reply
from handlers.circle_common import at_local, case_number, write, writer
from handlers.common import shorten
from handlers.context import Context
from storage.circle import snooze

NAME = "snooze"
ALIASES = ("暂缓", "pause")
USAGE = "/ar snooze <case> <duration> <reason> [--team <team>]"
SUMMARY = {
    "en": "Pause a case's deadlines for a while, with a reason",
    "zh-CN": "暂停案件计时一段时间，须写明原因",
}
_LONGEST = timedelta(days=14)


async def handle(cmd: Command, ctx: Context) -> Reply:
    args = list(cmd.args)
    team: str | None = None
    if "--team" in args:
        i = args.index("--team")
        if i + 1 >= len(args) or args[i + 1] not in ctx.config.teams:
            wrong = args[i + 1] if i + 1 < len(args) else ""
            return Reply.usage(
                USAGE,
                ctx.t("unknown_team", team=shorten(wrong, 40), teams=", ".join(ctx.config.teams)),
                ctx.locale,
            )
        team = args[i + 1]
        del args[i : i + 2]
    if len(args) < 2:
        return Reply.usage(USAGE, locale=ctx.locale)
    number = case_number(ctx, args[0], USAGE)
    if isinstance(number, Reply):
        return number
    refused = writer(ctx)
    if refused is not None:
        return refused
    try:
        span = parse_duration(args[1])
    except ValueError:
        span = timedelta(0)
    if span <= timedelta(0) or span > _LONGEST:
        return Reply.usage(USAGE, ctx.t("snooze_bad", text=shorten(args[1], 40)), ctx.locale)
    reason = " ".join(args[2:]).strip()
    if not reason:
        return Reply.usage(USAGE, ctx.t("snooze_reason", case=number, duration=args[1]), ctx.locale)
    now = ctx.clock.now()
    until = now + span

    def change(conn: Connection) -> list[str]:
        return snooze(
            conn,
            ctx.circle,
            case_id=number,
            until=until,
            reason=reason,
            person=ctx.person or "?",
            now=now,
            team=team,
        )

    done = write(ctx, change)
    if isinstance(done, Reply):
        return done
    teams = ", ".join(team_name(ctx.config, t) for t in done)
    return Reply(
        text=ctx.t("snooze_done", case=number, teams=teams, until=at_local(ctx, until)),
        ephemeral=False,
    )

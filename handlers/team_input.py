"""/ar input <case> [team] <text>: a team's answer in the circle (`--ack`: seen, working on it)."""

from __future__ import annotations

from bot.kernel.cards import person_name, team_name
from bot.kernel.messages import Command, Reply
from bot.kernel.when import day_time
from handlers.circle_common import case_number, writer
from handlers.common import shorten
from handlers.context import Context
from storage.circle import InputResult, record_input
from storage.circle_reads import seats_now
from storage.offloop import Conn

NAME = "input"
ALIASES = ("意见", "答复", "answer", "reply", "ack")
USAGE = "/ar input <case> <team> <text> [--ack] [--as-team]"
SUMMARY = {
    "en": "Your team's answer in a case: stops its clock (--ack only pauses it)",
    "zh-CN": "本团队对案件的答复：停止计时（--ack 表示已收到，仅暂停计时）",
}


async def handle(cmd: Command, ctx: Context) -> Reply:
    args = list(cmd.args)
    # `/ar ack 42` is the same command with the flag.
    ack = any(word.casefold() == "ack" for word in cmd.raw.split()[:2])
    for flag in ("--ack", "-a"):
        if flag in args:
            args.remove(flag)
            ack = True
    as_team = "--as-team" in args
    if as_team:
        args.remove("--as-team")
    if not args:
        return Reply.usage(USAGE, locale=ctx.locale)
    number = case_number(ctx, args[0], USAGE)
    if isinstance(number, Reply):
        return number
    refused = writer(ctx)
    if refused is not None:
        return refused
    cfg = ctx.config
    me = cfg.people[ctx.person or ""]
    rest = args[1:]
    if rest and rest[0].casefold() in {t.casefold() for t in cfg.teams}:
        team = next(t for t in cfg.teams if t.casefold() == rest[0].casefold())
        rest = rest[1:]
    elif me.team is not None:
        team = me.team
    else:
        return Reply.usage(
            USAGE,
            ctx.t("unknown_team", team=shorten(rest[0], 40), teams=", ".join(cfg.teams))
            if rest
            else None,
            ctx.locale,
        )
    text = " ".join(rest).strip()
    if not text:
        if not ack:
            return Reply.usage(USAGE, locale=ctx.locale)
        text = "👀"
    members = cfg.team_members(team)
    if not cfg.speaks_for(ctx.person, team):
        names = ", ".join(person_name(cfg, p) for p in members) or "-"
        if not cfg.circle.allow_as_team:
            return Reply.error(ctx.t("not_member", team=team_name(cfg, team), people=names))
        if not as_team:
            return Reply.error(ctx.t("not_member_as_team", team=team_name(cfg, team), people=names))
    now = ctx.clock.now()

    def change(conn: Conn) -> tuple[InputResult, list[str], str | None]:
        result = record_input(
            conn,
            ctx.circle,
            case_id=number,
            team=team,
            person=ctx.person or "?",
            text=text,
            now=now,
            kind="acknowledge" if ack else "answer",
        )
        rows = seats_now(conn, number)
        statuses = [r.status for r in rows if r.status != "closed"]
        due = next((r.due_at for r in rows if r.team == team), None)
        return result, statuses, day_time(due, cfg, now, ctx.locale) if due else None

    done = await ctx.write(change)
    if isinstance(done, Reply):
        return done
    result, statuses, due = done
    name = team_name(cfg, team)
    if ack:
        rearm = ctx.t("ack_rearm", at=due) if due else ""
        return Reply(
            text=ctx.t("ack_recorded", team=name, case=number, rearm=rearm), ephemeral=False
        )
    if result.ready:
        return Reply(text=ctx.t("input_ready", team=name, case=number), ephemeral=False)
    answered = sum(1 for s in statuses if s == "answered")
    if not statuses:
        # No seat is waiting any more (the case was decided): there is nothing to count.
        return Reply(text=ctx.t("input_noted", team=name, case=number), ephemeral=False)
    return Reply(
        text=ctx.t(
            "input_recorded", team=name, case=number, answered=answered, total=len(statuses)
        ),
        ephemeral=False,
    )

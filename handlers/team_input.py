"""/ar input <case> [team] <text>: a team's answer in the circle (`--ack`: seen, working on it)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.kernel.cards import person_name, team_name
from bot.kernel.forms import Form, FormErrors, FormField, FormRef
from bot.kernel.messages import Command, Reply
from bot.kernel.when import day_time
from handlers.circle_common import case_number, writer
from handlers.common import shorten
from handlers.context import Context
from handlers.forms import Checked, FormSpec, intro, value
from playbook.case_view import CaseView
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
            return _not_member(ctx, team)
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


def _not_member(ctx: Context, team: str) -> Reply:
    names = ", ".join(person_name(ctx.config, p) for p in ctx.config.team_members(team)) or "-"
    return Reply.error(ctx.t("not_member", team=team_name(ctx.config, team), people=names))


# --- the form: `input <case> <team>`, the team's answer and an optional link ------------------


def _form_team(ctx: Context, ref: FormRef) -> str | Reply:
    """The team the form answers for, if this person may answer for it (or on its behalf)."""
    cfg = ctx.config
    typed = ref.args[1] if len(ref.args) > 1 else ""
    team = next((t for t in cfg.teams if t.casefold() == typed.casefold()), None)
    if team is None:
        problem = ctx.t("unknown_team", team=shorten(typed, 40), teams=", ".join(cfg.teams))
        return Reply.usage(USAGE, problem, ctx.locale)
    if not cfg.speaks_for(ctx.person, team) and not cfg.circle.allow_as_team:
        return _not_member(ctx, team)
    return team


async def form(ctx: Context, ref: FormRef, view: CaseView) -> Form | Reply:
    team = _form_team(ctx, ref)
    if isinstance(team, Reply):
        return team
    name = team_name(ctx.config, team)
    return Form(
        ref=ref,
        title=ctx.t("form_input_title", team=name),
        intro=intro(ctx, view, name),
        submit=ctx.t("form_submit"),
        fields=(
            FormField(
                "text",
                "text",
                ctx.t("form_input_text"),
                multiline=True,
                max_length=2800,
                hint=ctx.t("form_input_text_hint"),
            ),
            FormField(
                "link", "url", ctx.t("form_link"), required=False, hint=ctx.t("form_link_hint")
            ),
        ),
    )


_LINK = re.compile(r"^https?://\S+$")


async def submitted(
    ctx: Context, ref: FormRef, view: CaseView, values: Mapping[str, str]
) -> Checked:
    team = _form_team(ctx, ref)
    if isinstance(team, Reply):
        return team
    text, link = value(values, "text"), value(values, "link")
    errors = {}
    if not text:
        errors["text"] = ctx.t("form_err_text_required")
    if link and not _LINK.match(link):
        errors["link"] = ctx.t("form_err_link")
    if errors:
        return FormErrors(errors)
    if link:
        text = f"{text} (link: {link})"
    # One value, one argument: the handler reads the text back exactly as it was typed.
    as_team = [] if ctx.config.speaks_for(ctx.person, team) else ["--as-team"]
    return [str(view.id), team, *as_team, text]


FORM = FormSpec(USAGE, build=form, check=submitted)

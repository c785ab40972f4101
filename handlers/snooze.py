"""/ar snooze <case> <duration> <reason> [--team T]: pause seats' clocks, for a reason everyone
sees.

Everyone may snooze their own team's seat; another team's needs `snooze_others` (default: a
manager; playbook.decisions.plan_snooze, asked by storage inside the transaction). Without
--team a member snoozes their own team's seat only, and the reply says which keep running.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from bot.kernel.cards import person_name, team_name
from bot.kernel.config import parse_duration
from bot.kernel.forms import Form, FormErrors, FormField, FormRef
from bot.kernel.messages import Command, Reply
from handlers.circle_args import read_options
from handlers.circle_common import (
    actor,
    at_local,
    case_number,
    members_of,
    teams_text,
    who,
    writer,
)
from handlers.common import shorten
from handlers.context import Context
from handlers.forms import Checked, FormSpec, choices, intro, value
from playbook.case_view import CaseView
from playbook.decisions import snoozable
from storage.circle import CircleError
from storage.circle_decisions import Snoozed, snooze
from storage.circle_reads import seats_now
from storage.offloop import Conn

NAME = "snooze"
ALIASES = ("暂缓", "pause")
USAGE = "/ar snooze <case> <duration> <reason> [--team <team>]"
SUMMARY = {
    "en": "Pause a case's deadlines for a while, with a reason",
    "zh-CN": "暂停案件计时一段时间，须写明原因",
}
_LONGEST = timedelta(days=14)
_OPTIONS = {"--team": "team", "-t": "team"}


def span_of(text: str) -> timedelta | None:
    """A snooze's length (`30m`, `2h`, `1d`, at most 14 days), None when it is not one."""
    # A digit run longer than any sane span would overflow timedelta: not a duration.
    if len(text) > 16:
        return None
    try:
        span = parse_duration(text)
    except (ValueError, OverflowError):
        return None
    return span if timedelta(0) < span <= _LONGEST else None


async def handle(cmd: Command, ctx: Context) -> Reply:
    options = read_options(ctx, list(cmd.args), _OPTIONS, USAGE)
    if isinstance(options, Reply):
        return options
    args = options.words
    team = options.options.get("team")
    if team is not None and team not in ctx.config.teams:
        return Reply.usage(
            USAGE,
            ctx.t("unknown_team", team=shorten(team, 40), teams=", ".join(ctx.config.teams)),
            ctx.locale,
        )
    if len(args) < 2:
        return Reply.usage(USAGE, locale=ctx.locale)
    number = case_number(ctx, args[0], USAGE)
    if isinstance(number, Reply):
        return number
    refused = writer(ctx)
    if refused is not None:
        return refused
    span = span_of(args[1])
    if span is None:
        return Reply.usage(USAGE, ctx.t("snooze_bad", text=shorten(args[1], 40)), ctx.locale)
    reason = " ".join(args[2:]).strip()
    if not reason:
        return Reply.usage(USAGE, ctx.t("snooze_reason", case=number, duration=args[1]), ctx.locale)
    now = ctx.clock.now()
    until = now + span
    rules = ctx.config.circle.decision_rules()

    def change(conn: Conn) -> Snoozed:
        return snooze(
            conn,
            ctx.circle,
            case_id=number,
            until=until,
            reason=reason,
            actor=actor(ctx),
            rules=rules,
            now=now,
            team=team,
        )

    done = await ctx.write(change, lambda err: _refusal(ctx, err, args[1]))
    if isinstance(done, Reply):
        return done
    text = ctx.t(
        "snooze_done", case=number, teams=teams_text(ctx, done.teams), until=at_local(ctx, until)
    )
    if done.left:
        others = who(ctx, rules.snooze_others, [*done.teams, *done.left])
        text += (" " if not ctx.zh else "") + ctx.t(
            "snooze_only_own", left=teams_text(ctx, done.left), who=others
        )
    return Reply(text=text, ephemeral=False)


def _refusal(ctx: Context, err: CircleError, duration: str) -> Reply | None:
    """Who may snooze what, and the command for the seat this person may snooze."""
    facts = err.facts
    case, team = facts.get("case"), str(facts.get("team") or "")
    if err.code == "nothing_to_snooze" and team:
        return Reply.error(
            ctx.t("nothing_to_snooze_team", case=case, team=team_name(ctx.config, team))
        )
    if err.code not in ("snooze_not_allowed", "snooze_no_own_seat"):
        return None
    sitting = list(facts.get("teams", []))
    others = who(ctx, ctx.config.circle.decision_rules().snooze_others, sitting)
    if err.code == "snooze_not_allowed":
        lines = [
            ctx.t(
                "snooze_not_allowed",
                case=case,
                team=team_name(ctx.config, team),
                members=members_of(ctx, team),
                who=others,
            )
        ]
    else:
        mine = sorted(actor(ctx).own_teams)
        key = "snooze_no_own_seat" if mine else "snooze_no_team"
        lines = [ctx.t(key, case=case, own=teams_text(ctx, mine), who=others)]
    yours = [t for t in facts.get("yours", ()) if t != team]
    for own in yours:
        reason = "<原因>" if ctx.zh else "<reason>"
        command = f"/ar snooze {case} {duration} {reason} --team {own}"
        lines.append(ctx.t("snooze_yours", team=team_name(ctx.config, own), command=command))
    return Reply.error("\n".join(lines))


# --- the form: `snooze <case> [duration]`, the clocks this person may pause -----------------

# What a form offers to pick (a messenger without menus takes any duration span_of reads).
DURATIONS = ("30m", "1h", "2h", "4h", "1d", "3d")
ALL_SEATS = "*"


async def _mine(ctx: Context, number: int) -> tuple[str, ...]:
    """The waiting clocks of this case this person may pause, in the config's team order."""
    seats = {r.team: r.status for r in await ctx.read(seats_now, number)}
    mine = snoozable(actor(ctx), ctx.config.circle.decision_rules(), seats)
    order = list(ctx.config.teams)
    return tuple(sorted(mine, key=lambda t: order.index(t) if t in order else len(order)))


async def form(ctx: Context, ref: FormRef, view: CaseView) -> Form | Reply:
    cfg = ctx.config
    teams = await _mine(ctx, view.id)
    if not teams:
        managers = [k for k, p in cfg.people.items() if p.role == "manager"]
        people = ", ".join(person_name(cfg, k) for k in managers) or "-"
        return Reply.error(ctx.t("form_none_snooze_ask", people=people))
    fields: list[FormField] = []
    lines = [intro(ctx, view)]
    if set(teams) <= actor(ctx).own_teams:
        # Only their own team's clock: nothing to choose, but say so.
        lines.append(ctx.t("form_own_seat", team=teams_text(ctx, list(teams))))
    else:
        seats = {ALL_SEATS: ctx.t("form_all_seats")} | {t: team_name(cfg, t) for t in teams}
        fields.append(
            FormField("seat", "choice", ctx.t("form_seat"), choices=choices(seats), initial="*")
        )
    given = ref.args[1] if len(ref.args) > 1 and ref.args[1] in DURATIONS else "1h"
    fields.append(
        FormField(
            "duration",
            "duration",
            ctx.t("form_duration"),
            choices=choices({d: ctx.t(f"form_{d}") for d in DURATIONS}),
            initial=given,
        )
    )
    fields.append(
        FormField(
            "reason",
            "text",
            ctx.t("form_reason"),
            multiline=True,
            max_length=1000,
            hint=ctx.t("form_reason_hint"),
        )
    )
    return Form(
        ref=ref,
        title=ctx.t("form_snooze_title"),
        fields=tuple(fields),
        submit=ctx.t("form_submit"),
        intro="\n".join(lines),
    )


async def submitted(
    ctx: Context, ref: FormRef, view: CaseView, values: Mapping[str, str]
) -> Checked:
    duration = value(values, "duration")
    seat = value(values, "seat")
    reason = value(values, "reason")
    errors: dict[str, str] = {}
    if not duration:
        errors["duration"] = ctx.t("form_err_duration")
    elif span_of(duration) is None:
        errors["duration"] = ctx.t("snooze_bad", text=shorten(duration, 40))
    if seat and seat != ALL_SEATS and seat not in ctx.config.teams:
        errors["seat"] = ctx.t("form_err_seat")
    if not reason:
        errors["reason"] = ctx.t("form_err_reason_required")
    if errors:
        return FormErrors(errors)
    team = ["--team", seat] if seat and seat != ALL_SEATS else []
    return [str(view.id), duration, *team, "--", reason]


FORM = FormSpec(USAGE, build=form, check=submitted)

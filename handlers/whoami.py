"""/ar whoami: who the bot thinks you are, your ids on each messenger, and what you may do.

Open to everyone (bot.kernel.access.OPEN_VERBS): someone the config does not know learns their
own id and the line an admin adds for them. What a person may do is worked out by the same
rules the commands use: the read gate (bot.kernel.access), Config.speaks_for for the seats,
playbook.decisions for deciding, ending a circle and snoozing others' seats.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from bot.kernel.access import OPEN_VERBS, ReadAccess, echo_id
from bot.kernel.messages import Card, Command, Reply, Section
from handlers.context import Context
from playbook import decisions
from storage.identity import identities_of

NAME = "whoami"
# Not "who": "who is ACME?" asks about a customer.
ALIASES = ("我是谁", "我是誰")
USAGE = "/ar whoami"
SUMMARY = {
    "en": "Who the bot thinks you are, your ids on each messenger, and what you may do",
    "zh-CN": "机器人认得的你：团队、角色、各平台账号，以及你可以做什么",
}

# How the open commands are listed to someone unknown (in the order of /ar help).
_OPEN_ORDER = ("help", "lint", "excuses", "whoami")


async def handle(cmd: Command, ctx: Context) -> Reply:
    access = ctx.access or ReadAccess(ctx.config)
    refused = await access.check(cmd.platform, cmd.user_id, cmd.person)
    person = cmd.person if cmd.person in ctx.config.people else None
    if person is None:
        return Reply(text=_unknown(cmd, ctx, may_read=refused is None))
    found = ctx.config.people[person]
    ids = await ctx.read(identities_of, person)
    who = [ctx.t("whoami_you", name=found.name, person=person)]
    team = ctx.config.teams.get(found.team) if found.team else None
    if found.team and team is not None:
        who.append(ctx.t("whoami_team", team=_team_label(ctx, found.team)))
    else:
        who.append(ctx.t("whoami_no_team"))
    who.append(ctx.t("whoami_role", role=ctx.t(f"role_{found.role}")))
    who.append(ctx.t("whoami_locale", language=ctx.config.locale_of(person)))
    lines = []
    for messenger, external in ids.items():
        here = messenger == cmd.platform and external == cmd.user_id
        lines.append(
            ctx.t("whoami_id_here" if here else "whoami_id", messenger=messenger, id=external)
        )
    if not lines:
        lines.append(ctx.t("whoami_no_ids"))
    if cmd.platform == "console":
        lines.append(ctx.t("whoami_console", person=person))
    if refused is None:
        may = [ctx.t("whoami_read_yes")]
    else:
        why = access.refusal_text(refused, ctx.locale)
        may = [ctx.t("whoami_read_no", why=why)]
    may.extend(_rights(ctx, person))
    return Reply(
        card=Card(
            title=ctx.t("whoami_title"),
            sections=(
                Section(text="\n".join(who)),
                Section(title=ctx.t("whoami_ids_title"), text="\n".join(lines)),
                Section(title=ctx.t("whoami_may_title"), text="\n".join(may)),
            ),
            footer=ctx.t("whoami_footer"),
        )
    )


def _team_label(ctx: Context, key: str) -> str:
    team = ctx.config.teams.get(key)
    name = team.name if team is not None and team.name else None
    return f"{name} ({key})" if name and name != key else key


def _join(ctx: Context, items: list[str]) -> str:
    return ("、" if ctx.zh else ", ").join(items)


def _rights(ctx: Context, person: str) -> list[str]:
    """The circle's rules for this person, one line each."""
    cfg = ctx.config
    seats = [_team_label(ctx, t) for t in cfg.teams if cfg.speaks_for(person, t)]
    lines = [ctx.t("whoami_seats", teams=_join(ctx, seats)) if seats else ctx.t("whoami_no_seats")]
    actor = cfg.actor(person)
    rules = cfg.circle.decision_rules()
    actions = [a.label(ctx.locale) for a in decisions.decidable(actor, rules.permissions)]
    lines.append(
        ctx.t("whoami_decide", actions=_join(ctx, actions))
        if actions
        else ctx.t("whoami_decide_none")
    )
    led = sorted(actor.led_teams)
    led_label = _join(ctx, [_team_label(ctx, t) for t in led])

    def when(
        prefix: str,
        may: Callable[[decisions.Actor, decisions.DecisionRules, Collection[str]], bool],
    ) -> str:
        # Both rules may say `lead`: a lead of a team that sits in the case. Asked with no
        # team sitting, then with the person's own led teams: always, in their cases, never.
        if may(actor, rules, ()):
            return ctx.t(f"{prefix}_always")
        if led and may(actor, rules, led):
            return ctx.t(f"{prefix}_led", teams=led_label)
        return ctx.t(f"{prefix}_no")

    lines.append(when("whoami_end", decisions.may_end_circle))
    if actor.own_teams:
        lines.append(ctx.t("whoami_snooze_own"))
    lines.append(when("whoami_snooze_others", decisions.may_snooze_others))
    return lines


def _unknown(cmd: Command, ctx: Context, *, may_read: bool) -> str:
    """Someone the config does not know: their id, the line to add, what works meanwhile."""
    lines = [ctx.t("whoami_unknown", messenger=cmd.platform, id=echo_id(cmd.user_id))]
    if may_read and ctx.config.access.read == "everyone":
        lines.append(ctx.t("whoami_unknown_read_all"))
    elif may_read:
        lines.append(ctx.t("whoami_unknown_reader"))
    else:
        verbs = [f"/ar {v}" for v in _OPEN_ORDER if v in OPEN_VERBS]
        lines.append(ctx.t("whoami_unknown_read_open", verbs=_join(ctx, verbs)))
    return "\n".join(lines)

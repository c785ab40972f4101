"""From the config to the plain data the circle runs on (storage.circle.CircleEnv)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.adapters import registry
from bot.kernel.config import Config
from playbook import circle as machine
from storage.circle import CircleEnv, Target, TeamContacts

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def circle_policy(config: Config) -> machine.CirclePolicy:
    c = config.circle
    hours = None
    if c.business_hours is not None:
        hours = machine.Hours(
            days=frozenset(_WEEKDAYS.index(d) for d in c.business_hours.days),
            start=c.business_hours.start,
            end=c.business_hours.end,
        )
    return machine.CirclePolicy(
        window=c.response_window,
        remind_before=c.remind_before,
        levels=tuple(machine.Level(lv.after, tuple(lv.notify)) for lv in c.escalation),
        repeat_every=c.repeat.every,
        repeat_times=c.repeat.times,
        ack_rearm=c.acknowledge_rearm,
        timezone=config.company.timezone,
        hours=hours,
        holidays=frozenset(c.holidays),
    )


def circle_targets(config: Config, platforms: Iterable[str]) -> tuple[Target, ...]:
    """The circle channel of each running messenger."""
    targets = []
    for platform in platforms:
        plugin = registry.plugin(platform)
        if plugin is not None:
            channel = plugin.circle_channel(config)
        else:
            channel = config.circle.channels.get(platform)
        if channel:
            targets.append(Target(platform, channel))
    return tuple(targets)


def circle_env(config: Config, platforms: Iterable[str] = ("console",)) -> CircleEnv:
    teams = {
        name: TeamContacts(team.lead, team.manager, tuple(config.team_members(name)))
        for name, team in config.teams.items()
    }
    rules = {
        name: machine.SeatRule(from_stage=rule.from_stage, on_dispute=rule.on_dispute)
        for name, rule in config.circle.seats.items()
    }
    return CircleEnv(
        policy=circle_policy(config),
        seat_rules=rules,
        targets=circle_targets(config, platforms),
        teams=teams,
        aging=config.aging_policy(),
        people=frozenset(config.people),
    )

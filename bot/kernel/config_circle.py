"""config.yaml's circle (windows, escalation, business hours, triggers, seats) and outbox."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Any, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from bot.kernel.config_values import (
    ClockTime,
    Duration,
    StageName,
    Strict,
    Weekday,
    _trigger_stages,
    _workdays,
)
from playbook import decisions
from playbook.decisions import DecisionRules

# --- the circle ---------------------------------------------------------------------------


class EscalationLevel(Strict):
    after: Duration
    notify: list[Literal["owner", "lead", "manager", "channel", "team"]]


class Repeat(Strict):
    every: Duration = timedelta(minutes=30)
    times: int = Field(default=3, ge=0, le=20)


class BusinessHours(Strict):
    days: list[Weekday] = Field(default_factory=_workdays)
    start: ClockTime = time(9, 0)
    end: ClockTime = time(18, 0)

    @model_validator(mode="after")
    def _ordered(self) -> BusinessHours:
        if self.start >= self.end:
            raise ValueError("business_hours.end must be after start")
        return self


class Triggers(Strict):
    stages: list[StageName] = Field(default_factory=_trigger_stages)
    broken_promise: bool = True
    dispute: bool = True
    limitation_years: int = Field(default=3, ge=1, le=30)
    limitation_warn_days: int = Field(default=90, ge=1)


class SeatRule(Strict):
    """When a team sits in a case: from a stage on, or always."""

    from_stage: Literal["pre_due", "early", "mid", "late"] = "early"
    on_dispute: bool = True


def _default_seats() -> dict[str, SeatRule]:
    return {
        "sales": SeatRule(from_stage="early"),
        "finance": SeatRule(from_stage="early"),
        "legal": SeatRule(from_stage="mid"),
    }


class Circle(Strict):
    response_window: Duration = timedelta(minutes=15)
    acknowledge_rearm: Duration | None = timedelta(minutes=60)
    escalation: list[EscalationLevel] = Field(
        default_factory=lambda: [
            EscalationLevel(after=timedelta(minutes=15), notify=["lead"]),
            EscalationLevel(after=timedelta(minutes=30), notify=["manager", "channel"]),
        ]
    )
    repeat: Repeat = Field(default_factory=Repeat)
    business_hours: BusinessHours | None = Field(default_factory=BusinessHours)
    holidays: list[date] = Field(default_factory=list)
    # Where circle cards go, per messenger (the console defaults to its own channel).
    channels: dict[str, str] = Field(default_factory=dict)
    triggers: Triggers = Field(default_factory=Triggers)
    seats: dict[str, SeatRule] = Field(default_factory=_default_seats)
    allow_as_team: bool = False
    remind_before: Duration | None = timedelta(minutes=5)
    # How often the circle tick looks for due seats: the most an escalation can be late.
    tick_every: Duration = timedelta(seconds=2)
    # Who may take each decision (playbook.decisions): a team, `team.lead`, `lead`,
    # `manager` or `any`. Actions left out keep their defaults. Two more keys: `end_circle`
    # (who may close the seats of teams that have not answered; default a lead of a team in
    # the case, or a manager) and `snooze_others` (who may snooze another team's seat;
    # default a manager). In those two, `lead` means a lead of a team that sits in the case.
    decisions: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("decisions")
    @classmethod
    def _known_actions(cls, table: dict[str, list[str]]) -> dict[str, list[str]]:
        known = {a.name for a in decisions.ACTIONS} | set(decisions.CIRCLE_RULES)
        for name, who in table.items():
            if name not in known:
                raise ValueError(f"unknown decision {name!r} (known: {', '.join(sorted(known))})")
            if not who:
                raise ValueError(f"{name}: name at least one team or role")
        return table

    def permissions(self) -> dict[str, tuple[str, ...]]:
        table = {k: tuple(v) for k, v in self.decisions.items() if k not in decisions.CIRCLE_RULES}
        return {**decisions.DEFAULT_PERMISSIONS, **table}

    def decision_rules(self) -> DecisionRules:
        end = self.decisions.get(decisions.END_CIRCLE)
        others = self.decisions.get(decisions.SNOOZE_OTHERS)
        return DecisionRules(
            permissions=self.permissions(),
            end_circle=tuple(end) if end else decisions.DEFAULT_END_CIRCLE,
            snooze_others=tuple(others) if others else decisions.DEFAULT_SNOOZE_OTHERS,
        )

    @field_validator("escalation")
    @classmethod
    def _increasing(cls, levels: list[EscalationLevel]) -> list[EscalationLevel]:
        afters = [lv.after for lv in levels]
        if afters != sorted(afters) or len(set(afters)) != len(afters):
            raise ValueError("escalation levels must have strictly increasing 'after' times")
        return levels


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*$", re.IGNORECASE)
_RATE_UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
}


def parse_rate(value: Any) -> tuple[int, timedelta]:
    """`1/s`, `20/min`, `100/h`: at most this many messages per destination in that time."""
    if isinstance(value, str):
        m = _RATE.match(value)
        if m and int(m.group(1)) > 0:
            return int(m.group(1)), timedelta(seconds=_RATE_UNITS[m.group(2).lower()])
    raise ValueError(f"{value!r} is not a rate (expected e.g. 1/s, 20/min)")


def _default_rates() -> dict[str, str]:
    # The messengers' documented limits per destination (Slack: per channel; Telegram: per
    # group; WeCom and DingTalk: per robot webhook).
    return {
        "console": "1000/s",
        "slack": "1/s",
        "telegram": "20/min",
        "wecom": "20/min",
        "dingtalk": "20/min",
        "feishu": "5/s",
    }


class OutboxConfig(Strict):
    rates: dict[str, str] = Field(default_factory=_default_rates)
    max_attempts: int = Field(default=8, ge=1, le=100)
    backoff: Duration = timedelta(seconds=2)
    backoff_max: Duration = timedelta(minutes=10)

    @field_validator("rates")
    @classmethod
    def _valid_rates(cls, rates: dict[str, str]) -> dict[str, str]:
        merged = {**_default_rates(), **rates}
        for name, value in merged.items():
            try:
                parse_rate(value)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
        return merged

    def rate(self, platform: str) -> tuple[int, timedelta]:
        return parse_rate(self.rates.get(platform, "1/s"))

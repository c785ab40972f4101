"""config.yaml's company, people and teams."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    field_validator,
)

from bot.kernel.config_values import Currency, Dec, Locale, PlatformId, Strict

# --- company, people, teams ---------------------------------------------------------------


class Company(Strict):
    name: str
    # What a salesperson calls the company to a customer ("华东精密"); the full name otherwise.
    short_name: str | None = Field(default=None, min_length=1, max_length=40)
    currency: Currency = "CNY"
    timezone: str = "Asia/Shanghai"
    locale: Locale = "zh-CN"
    # Rates into the company currency, so an overdue USD invoice and a CNY one can be ranked.
    fx_rates: dict[Currency, Dec] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r} (e.g. Asia/Shanghai, UTC)") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Person(Strict):
    name: str
    team: str | None = None
    role: Literal["member", "lead", "manager"] = "member"
    locale: Locale | None = None
    email: str | None = None
    slack: PlatformId | None = None
    telegram: PlatformId | None = None
    wecom: PlatformId | None = None
    feishu: PlatformId | None = None
    dingtalk: PlatformId | None = None
    # The person's id on any messenger, by its plugin name (`ids: {wecom: ZhangMin}`); the
    # shorthand fields above are the same thing for the messengers this version ships.
    ids: dict[str, PlatformId] = Field(default_factory=dict)

    def messenger_ids(self) -> dict[str, str]:
        """Every messenger id of this person: `ids` plus the shorthand fields."""
        found = {name: getattr(self, name) for name in _SHORTHAND if getattr(self, name)}
        found.update(self.ids)
        return found


_SHORTHAND = ("slack", "telegram", "wecom", "feishu", "dingtalk")


class Team(Strict):
    name: str | None = None
    lead: str
    manager: str | None = None
    # Group handles that reach the whole team at once on each platform.
    slack_group: PlatformId | None = None
    telegram_chat: PlatformId | None = None
    # The team's group handle on any messenger, by plugin name (`groups: {feishu: oc_1}`).
    groups: dict[str, PlatformId] = Field(default_factory=dict)

    def messenger_groups(self) -> dict[str, str]:
        found = {"slack": self.slack_group, "telegram": self.telegram_chat}
        merged = {k: v for k, v in found.items() if v}
        merged.update(self.groups)
        return merged

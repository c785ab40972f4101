"""config.yaml `digest:`: when the daily digest is posted, where, in which language, for whom.

digest:
  enabled: true
  time: "09:00"              # in company.timezone
  days: [mon, tue, wed, thu, fri]
  late_after: 30m            # a post later than this after `time` is marked late
  channels:                  # per messenger: a channel, or {channel, locale}
    console: "#ar-circle"
    slack: {channel: C0ARCIRCLE, locale: en}
  teams:                     # team digests: only the customers the team's members own
    sales: {slack: C0SALES, wecom: {channel: "#sales", locale: zh-CN}}
  top: 10
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

Locale = Literal["en", "zh-CN"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _duration(value: Any) -> timedelta:
    # bot.kernel.config imports this module to build its Config: its parsers are looked up
    # when a value is checked, by which time that module is complete.
    from bot.kernel.config import parse_duration

    return parse_duration(value)


def _clock_time(value: Any) -> time:
    from bot.kernel.config import _parse_clock_time

    return _parse_clock_time(value)


def _workdays() -> list[Weekday]:
    return ["mon", "tue", "wed", "thu", "fri"]


Duration = Annotated[timedelta, BeforeValidator(_duration)]
ClockTime = Annotated[time, BeforeValidator(_clock_time)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DigestChannel(_Strict):
    # At most 100: the outbox key `digest:<platform>:<channel>:<team>:<day>` holds 200.
    channel: str = Field(min_length=1, max_length=100)
    # None: the company's locale.
    locale: Locale | None = None


def _channel(value: Any) -> Any:
    # The short form `slack: C0ARCIRCLE` is a channel in the company's language.
    if isinstance(value, str | int) and not isinstance(value, bool):
        return {"channel": str(value).strip()}
    return value


Channel = Annotated[DigestChannel, BeforeValidator(_channel)]


@dataclass(frozen=True)
class DigestTarget:
    """One post a day: a messenger's channel, for everyone (team None) or one team."""

    platform: str
    channel: str
    team: str | None
    locale: str

    @property
    def scope(self) -> str:
        return self.team or "all"

    @property
    def path(self) -> str:
        """Where config.yaml names it (`digest.teams.sales.slack`), for doctor's lines."""
        section = f"teams.{self.team}" if self.team else "channels"
        return f"digest.{section}.{self.platform}"


class Digest(_Strict):
    enabled: bool = True
    time: ClockTime = time(9, 0)
    days: list[Weekday] = Field(default_factory=_workdays)
    # Per messenger plugin name: where the company-wide digest goes.
    channels: dict[str, Channel] = Field(default_factory=dict)
    # Per team: per messenger, where that team's digest goes (its members' customers only).
    teams: dict[str, dict[str, Channel]] = Field(default_factory=dict)
    # A post later than this after `time` (the bot was down) says it is late.
    late_after: Duration = timedelta(minutes=30)
    top: int = Field(default=10, ge=1, le=50)

    @field_validator("channels")
    @classmethod
    def _messenger_names(cls, channels: dict[str, DigestChannel]) -> dict[str, DigestChannel]:
        for name in channels:
            _check_messenger(name)
        return channels

    @field_validator("teams")
    @classmethod
    def _team_messengers(
        cls, teams: dict[str, dict[str, DigestChannel]]
    ) -> dict[str, dict[str, DigestChannel]]:
        for team, channels in teams.items():
            for name in channels:
                try:
                    _check_messenger(name)
                except ValueError as exc:
                    raise ValueError(f"{team}: {exc}") from None
        return teams

    def latest_at(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """The newest scheduled digest moment at or before `now` on a configured weekday
        (looking back a week); None when no weekday is configured."""
        today = now.astimezone(zone).date()
        for back in range(8):
            day = today - timedelta(days=back)
            if _WEEKDAYS[day.weekday()] not in self.days:
                continue
            at = datetime.combine(day, self.time, zone)
            if at <= now:
                return at
        return None

    def targets(self, company_locale: str) -> list[DigestTarget]:
        """Every (messenger, channel, team) that gets a digest, company-wide ones first."""
        found = [
            DigestTarget(p, c.channel, None, c.locale or company_locale)
            for p, c in sorted(self.channels.items())
        ]
        for team, channels in sorted(self.teams.items()):
            found += [
                DigestTarget(p, c.channel, team, c.locale or company_locale)
                for p, c in sorted(channels.items())
            ]
        return found


def _check_messenger(name: str) -> None:
    if not name or not name.replace("_", "").isalnum() or not name.islower():
        raise ValueError(f"{name!r} is not a messenger name (lowercase, like slack or wecom)")


def digest_issues(digest: Digest, teams: set[str]) -> list[tuple[tuple[Any, ...], str]]:
    """References the types cannot check: each team digest names a team of `teams:`."""
    return [
        (("digest", "teams", name), f"no team {name!r} in teams")
        for name in digest.teams
        if name not in teams
    ]

"""config.yaml: the schema, loading, `${VAR}` expansion and errors that name their path.

Every error is one line, `config.yaml:42: teams.legal.lead: no person 'bob' in people`, so a
company admin can fix the file without reading a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.kernel.config_collect import Collection
from bot.kernel.config_digest import Digest, digest_issues
from bot.kernel.config_exports import ExportsConfig
from bot.kernel.config_im import DingtalkPlatform, FeishuPlatform
from bot.kernel.config_sync import LedgerSyncSettings
from playbook import aging as rules
from playbook import decisions
from playbook.decisions import DecisionRules
from playbook.ledger_fields import FIELDS
from playbook.library import TONES, validate_overrides

# The canonical ledger fields; `ledger.columns` maps each to a column (or columns joined by +).
LEDGER_FIELDS = FIELDS

TEAM_KINDS = ("sales", "finance", "legal")
PLATFORM_NAMES = ("console", "slack", "telegram", "wecom", "feishu", "dingtalk")
LOCALES = ("en", "zh-CN")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Secrets live in the environment; a config key that looks like one gets pointed there.
_SECRET_HINTS = {
    "slack": "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN",
    "telegram": "TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET",
    "wecom": "WECOM_BOT_TOKEN, WECOM_BOT_AES_KEY, WECOM_APP_SECRET, WECOM_WEBHOOK_KEY",
    "feishu": "FEISHU_APP_SECRET, FEISHU_ENCRYPT_KEY",
    "dingtalk": "DINGTALK_APP_SECRET",
    "llm": "LLM_API_KEY",
}
_SECRETISH = re.compile(r"token|secret|password|api_key|apikey|aes_key", re.IGNORECASE)


class ConfigError(Exception):
    """One or more problems in the config file, each a ready-to-print line."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


# --- value types -------------------------------------------------------------------------

_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$")
# The longest duration anything takes: ten years. Longer ones are typos, and a bound keeps
# `now + duration` far inside what timedelta and datetime hold (year 9999).
MAX_DURATION = timedelta(days=3650)


def parse_duration(value: Any) -> timedelta:
    """`15m`, `1h30m`, `2d`, `90s`; a bare number is minutes (how people say response windows).

    At most MAX_DURATION: a longer one (`99999999999d`) is a ValueError, like a malformed one.
    """
    if isinstance(value, timedelta):
        span = value
    elif isinstance(value, bool):
        raise ValueError("expected a duration like 15m, 1h30m or 2d")
    elif isinstance(value, int):
        span = _bounded(0, 0, value, 0, value)
    elif isinstance(value, str) and (match := _DURATION.match(value)) and any(match.groups()):
        if any(g and len(g) > 12 for g in match.groups()):
            raise ValueError(_too_long(value))
        d, h, m, s = (int(g) if g else 0 for g in match.groups())
        span = _bounded(d, h, m, s, value)
    else:
        raise ValueError(f"{_short(value)} is not a duration (expected e.g. 15m, 1h30m, 2d, 90s)")
    if span > MAX_DURATION:
        raise ValueError(_too_long(value))
    return span


def _bounded(days: int, hours: int, minutes: int, seconds: int, value: Any) -> timedelta:
    # Checked before timedelta sees the parts: 10**20 days would overflow it.
    if days * 86_400 + hours * 3_600 + minutes * 60 + seconds > MAX_DURATION.total_seconds():
        raise ValueError(_too_long(value))
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def _too_long(value: Any) -> str:
    return f"{_short(value)} is too long a duration (at most {MAX_DURATION.days}d)"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _parse_clock_time(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads 09:00 unquoted as a sexagesimal integer (540).
        return time(value // 60 % 24, value % 60)
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
        if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
            return time(int(m.group(1)), int(m.group(2)))
    raise ValueError(f'{value!r} is not a time of day (expected HH:MM, e.g. "15:30")')


def _parse_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("expected a number")
    if isinstance(value, float):
        # YAML gives 0.1 as a float; its shortest repr is what the admin wrote.
        return Decimal(repr(value))
    if isinstance(value, int | str | Decimal):
        try:
            return Decimal(str(value).strip())
        except ArithmeticError:
            pass
    raise ValueError(f"{value!r} is not a number")


def _platform_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("expected an id (text or number)")
    return str(value).strip()


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
ClockTime = Annotated[time, BeforeValidator(_parse_clock_time)]
Dec = Annotated[Decimal, BeforeValidator(_parse_decimal)]
PlatformId = Annotated[str, BeforeValidator(_platform_id)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Locale = Literal["en", "zh-CN"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
StageName = Literal["early", "mid", "late"]
LlmShare = Literal["customer_name", "amounts", "days", "stage", "excuse", "conversation"]


def _workdays() -> list[Weekday]:
    return ["mon", "tue", "wed", "thu", "fri"]


def _trigger_stages() -> list[StageName]:
    return ["early", "mid", "late"]


def _llm_share() -> list[LlmShare]:
    return ["amounts", "days", "stage", "excuse"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


# --- aging and risk -----------------------------------------------------------------------


class Stages(Strict):
    pre_due_days: int = Field(default=7, ge=0, le=90)
    mid_from: int = Field(default=31, ge=2)
    late_from: int = Field(default=91, ge=3)

    @model_validator(mode="after")
    def _ordered(self) -> Stages:
        if self.mid_from >= self.late_from:
            raise ValueError("mid_from must be smaller than late_from")
        return self


class AgingConfig(Strict):
    stages: Stages = Field(default_factory=Stages)
    # Upper bounds of the report buckets in days past due; Current and the open last bucket
    # are added around them.
    buckets: list[int] = Field(default_factory=lambda: [30, 60, 90, 180, 365])

    @field_validator("buckets")
    @classmethod
    def _valid_buckets(cls, bounds: list[int]) -> list[int]:
        rules.make_buckets(bounds)
        return bounds


class RecoveryStepConfig(Strict):
    up_to_days: int | None
    rate: Dec


class RiskConfig(Strict):
    doubtful_after_days: int = 180
    bad_after_days: int = 365
    dead_after_days: int = 730
    doubtful_broken_promises: int = 2
    bad_broken_promises: int = 4
    disputed_doubtful_after_days: int = 90
    recovery: list[RecoveryStepConfig] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RiskConfig:
        self.policy()
        return self

    def policy(self) -> rules.RiskPolicy:
        return rules.RiskPolicy(
            doubtful_after_days=self.doubtful_after_days,
            bad_after_days=self.bad_after_days,
            dead_after_days=self.dead_after_days,
            doubtful_broken_promises=self.doubtful_broken_promises,
            bad_broken_promises=self.bad_broken_promises,
            disputed_doubtful_after_days=self.disputed_doubtful_after_days,
        )

    def recovery_steps(self) -> tuple[rules.RecoveryStep, ...]:
        if self.recovery is None:
            return rules.DEFAULT_RECOVERY
        steps = tuple(rules.RecoveryStep(s.up_to_days, s.rate) for s in self.recovery)
        rules.validate_recovery(steps)
        return steps

    @field_validator("recovery")
    @classmethod
    def _valid_recovery(cls, steps: list[RecoveryStepConfig] | None) -> Any:
        if steps is not None:
            rules.validate_recovery([rules.RecoveryStep(s.up_to_days, s.rate) for s in steps])
        return steps


# --- digest, ledger, phrasing, platforms ------------------------------------------------


class Ledger(LedgerSyncSettings, Strict):  # watch, watch_every, feed: config_sync
    # A file the bot re-imports when it changes (an ERP's nightly export); optional.
    source: Path | None = None
    sync_every: Duration = timedelta(minutes=10)
    columns: dict[str, str] = Field(default_factory=dict)
    date_format: str | None = None
    decimal_comma: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    currency: Currency | None = None
    terms_days: int = Field(default=30, ge=0, le=3650)
    # The most one invoice may be, in its currency's major unit; a row above it is a bad row,
    # so a typo cannot outgrow every total (and the database's integers).
    max_amount: Dec = Field(default=Decimal(10) ** 12, gt=0, le=Decimal(10) ** 15)

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        for field in columns:
            if field not in LEDGER_FIELDS:
                raise ValueError(
                    f"unknown ledger field {field!r} (known: {', '.join(LEDGER_FIELDS)})"
                )
        return columns

    @field_validator("date_format")
    @classmethod
    def _strptime_format(cls, value: str | None) -> str | None:
        if value is not None and "%" not in value:
            raise ValueError(f"{value!r} is not a strptime format (e.g. '%d/%m/%Y')")
        return value


class AuditSettings(Strict):
    # The audit trail's signed checkpoints (JSON lines), kept outside the database: default
    # next to a SQLite file (`arcircle.db.audit-checkpoints`); on PostgreSQL set a path.
    checkpoints: Path | None = None
    checkpoint_every: Duration = timedelta(hours=1)


class Llm(Strict):
    url: str
    model: str
    timeout: Duration = timedelta(seconds=10)
    # What of the case may leave the process; names and figures only when listed.
    send: list[LlmShare] = Field(default_factory=_llm_share)


class ContactHours(Strict):
    start: ClockTime = time(8, 0)
    end: ClockTime = time(20, 0)

    @model_validator(mode="after")
    def _not_empty(self) -> ContactHours:
        if self.start == self.end:
            raise ValueError("contact_hours: start and end must differ")
        return self


class Phrasing(Strict):
    # A tone key (empathetic, partnership, serious, sandwich, nvc, first_aid) or None: let the
    # ladder choose by stage and relationship.
    default_tone: str | None = None
    overrides: Path | None = None
    call_time: ClockTime = time(15, 30)
    lunch_start: ClockTime = time(11, 45)
    lunch_end: ClockTime = time(14, 0)
    # Customers are contacted only inside these hours, and at most this often a day.
    contact_hours: ContactHours = Field(default_factory=ContactHours)
    max_contacts_per_day: int = Field(default=2, ge=1)
    # An instalment plan is offered only as a fallback, and only when this allows it.
    allow_installments: bool = True
    llm: Llm | None = None


class ConsolePlatform(Strict):
    enabled: bool = True
    channel: str = "#ar-circle"
    default_person: str | None = None


class SlackPlatform(Strict):
    enabled: bool = False
    mode: Literal["http", "socket"] = "http"
    # Before `server:` existed, where `arcircle serve` listened; still honoured when set.
    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    # A Slack user group (S…) whose members may read receivables too (access.read: configured).
    readers_group: PlatformId | None = None


class TelegramPlatform(Strict):
    enabled: bool = False
    # polling: `arcircle run`, no public address; webhook: POST /telegram/webhook on serve.
    mode: Literal["polling", "webhook"] = "polling"
    # The public https address Telegram calls (setWebhook at start-up); none: skipped.
    webhook_url: str | None = None
    # The bot's @name for `/ar@name` in groups; by default what getMe says.
    bot_username: str | None = Field(default=None, pattern=r"^@?[A-Za-z0-9_]{3,64}$")


class WecomPlatform(Strict):
    """WeCom: the smart robot's callback (commands), message-push robots (posts), an app (DMs).

    `webhooks` maps a channel (as circle.channels.wecom names it) to the NAME of the
    environment variable holding that group robot's key (default WECOM_WEBHOOK_KEY): the key
    is a credential and stays in the environment.
    """

    enabled: bool = False
    # The robot's name(s) as they appear in "@name /ar 逾期", stripped before routing.
    bot_names: list[str] = Field(default_factory=lambda: ["arcircle"])
    webhooks: dict[str, str] = Field(default_factory=dict)
    # The receive id inside callbacks: empty for an internal smart robot; checked when set.
    receive_id: str | None = None

    @field_validator("webhooks")
    @classmethod
    def _env_names(cls, webhooks: dict[str, str]) -> dict[str, str]:
        for channel, var in webhooks.items():
            if not re.fullmatch(r"[A-Z][A-Z0-9_]*", var):
                raise ValueError(
                    f"{channel}: {var!r} must be the NAME of an environment variable "
                    "(e.g. WECOM_WEBHOOK_CIRCLE), not the key itself"
                )
        return webhooks


class Server(Strict):
    """The one HTTP server of `arcircle serve`: every messenger's routes and /healthz."""

    host: str = "0.0.0.0"
    port: int = Field(default=3000, ge=1, le=65535)


class Platforms(Strict):
    console: ConsolePlatform = Field(default_factory=ConsolePlatform)
    slack: SlackPlatform = Field(default_factory=SlackPlatform)
    telegram: TelegramPlatform = Field(default_factory=TelegramPlatform)
    wecom: WecomPlatform = Field(default_factory=WecomPlatform)
    feishu: FeishuPlatform = Field(default_factory=FeishuPlatform)
    dingtalk: DingtalkPlatform = Field(default_factory=DingtalkPlatform)


def _reader(entry: str) -> str:
    platform, sep, user = entry.partition(":")
    if sep and (platform not in PLATFORM_NAMES or not user.strip()):
        raise ValueError(
            f"{entry!r}: expected a person key or <platform>:<id> "
            f"(platforms: {', '.join(PLATFORM_NAMES)})"
        )
    return entry


Reader = Annotated[str, AfterValidator(_reader)]


class Access(Strict):
    """Who may read receivables at all (commands that only explain stay open to everyone).

    `configured`: the people of the config, the `readers` and, on Slack, the members of
    `platforms.slack.readers_group`. `everyone`: every member of the workspace. Guest accounts
    never read, whatever this says.
    """

    read: Literal["configured", "everyone"] = "configured"
    # A person key of `people`, or a messenger's own user id as `<platform>:<id>` (slack:U0…).
    readers: list[Reader] = Field(default_factory=list)

    def reader_ids(self, platform: str) -> frozenset[str]:
        """The `<platform>:<id>` readers of one messenger, as its user ids."""
        prefix = platform + ":"
        return frozenset(r[len(prefix) :].strip() for r in self.readers if r.startswith(prefix))


class Config(Strict):
    company: Company
    people: dict[str, Person]
    teams: dict[str, Team]
    circle: Circle = Field(default_factory=Circle)
    aging: AgingConfig = Field(default_factory=AgingConfig)
    risk: RiskConfig = Field(default_factory=RiskConfig)
    digest: Digest = Field(default_factory=Digest)
    ledger: Ledger = Field(default_factory=Ledger)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    phrasing: Phrasing = Field(default_factory=Phrasing)
    collection: Collection = Field(default_factory=Collection)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)
    platforms: Platforms = Field(default_factory=Platforms)
    server: Server = Field(default_factory=Server)
    access: Access = Field(default_factory=Access)
    exports: ExportsConfig = Field(default_factory=ExportsConfig)

    def listen(self) -> tuple[str, int]:
        """Where `arcircle serve` listens: `server:`, or the older platforms.slack.host/port."""
        slack = self.platforms.slack
        return slack.host or self.server.host, slack.port or self.server.port

    def aging_policy(self) -> rules.AgingPolicy:
        st = self.aging.stages
        return rules.AgingPolicy(
            stages=rules.StagePolicy(
                pre_due_days=st.pre_due_days, mid_from=st.mid_from, late_from=st.late_from
            ),
            buckets=rules.make_buckets(self.aging.buckets),
            risk=self.risk.policy(),
            recovery=self.risk.recovery_steps(),
        )

    def team_members(self, team: str) -> list[str]:
        return [key for key, p in self.people.items() if p.team == team]

    def speaks_for(self, person: str | None, team: str) -> bool:
        """May this person answer for the team in a circle: a member, its lead or manager."""
        found = self.teams.get(team)
        if not person or found is None:
            return False
        return person in self.team_members(team) or person in (found.lead, found.manager)

    def actor(self, person: str | None) -> decisions.Actor:
        """Who someone is for the decision permissions: team, role, the teams they lead."""
        key = person or ""
        found = self.people.get(key)
        return decisions.Actor(
            key=key,
            team=found.team if found else None,
            role=found.role if found else "member",
            leads=frozenset(name for name, team in self.teams.items() if team.lead == key),
        )

    def locale_of(self, person: str | None) -> str:
        found = self.people.get(person) if person else None
        return (found.locale if found and found.locale else None) or self.company.locale


# --- loading ------------------------------------------------------------------------------

_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _expand(node: Any, env: Mapping[str, str], path: tuple[Any, ...], errors: list[Issue]) -> Any:
    if isinstance(node, dict):
        return {k: _expand(v, env, (*path, k), errors) for k, v in node.items()}
    if isinstance(node, list):
        return [_expand(v, env, (*path, i), errors) for i, v in enumerate(node)]
    if isinstance(node, str) and "$" in node:

        def sub(m: re.Match[str]) -> str:
            if m.group(0) == "$$":
                return "$"
            name, default = m.group(1), m.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            errors.append((path, f"environment variable {name} is not set"))
            return ""

        return _VAR.sub(sub, node)
    return node


Issue = tuple[tuple[Any, ...], str]


def _line_index(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[(*path, key)] = key_node.start_mark.line + 1
            _line_index(value_node, (*path, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_index(item, (*path, i), out)


def _friendly(err: Mapping[str, Any]) -> str:
    kind, msg = err.get("type", ""), str(err.get("msg", ""))
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        return msg.replace("Input should be", "must be one of")
    if kind == "string_pattern_mismatch":
        return f"{err.get('input')!r} is not a 3-letter ISO currency code (e.g. CNY, USD)"
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return msg[:1].lower() + msg[1:] if msg else kind


def _secret_hint(path: tuple[Any, ...]) -> str:
    key = str(path[-1]) if path else ""
    if not _SECRETISH.search(key):
        return ""
    where = next((v for k, v in _SECRET_HINTS.items() if k in map(str, path)), None)
    return f" (secrets go in the environment{': ' + where if where else ''}, never in config)"


# A messenger in `ids:`/`groups:` is named like its plugin package (bot/adapters/<name>/).
_MESSENGER = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# The widths of the identity table (storage.models.Identity, Person).
MAX_EXTERNAL_ID = 200
MAX_PERSON_KEY = 80


def _identity_issues(cfg: Config) -> list[Issue]:
    """Every messenger id names one person: the same id given twice is an error naming both
    places, so a message is never taken as coming from the wrong person."""
    issues: list[Issue] = []
    owner: dict[tuple[str, str], tuple[Any, ...]] = {}
    for key, person in cfg.people.items():
        if len(key) > MAX_PERSON_KEY:
            issues.append((("people", key), f"a person key is at most {MAX_PERSON_KEY} characters"))
        given: list[tuple[str, str, tuple[Any, ...]]] = [
            (name, getattr(person, name), ("people", key, name))
            for name in _SHORTHAND
            if getattr(person, name)
        ]
        given += [(m, ext, ("people", key, "ids", m)) for m, ext in person.ids.items()]
        mine: dict[str, tuple[str, tuple[Any, ...]]] = {}
        for messenger, external, path in given:
            if not _MESSENGER.match(messenger):
                issues.append(
                    (path, f"{_short(messenger)} is not a messenger name (lowercase, like wecom)")
                )
                continue
            if not external:
                issues.append((path, "an empty id"))
                continue
            if len(external) > MAX_EXTERNAL_ID:
                issues.append((path, f"an id is at most {MAX_EXTERNAL_ID} characters"))
                continue
            before = mine.get(messenger)
            if before is not None and before[0] != external:
                issues.append((path, f"a second {messenger} id for {key!r}: {_dotted(before[1])}"))
                continue
            mine[messenger] = (external, path)
            first = owner.setdefault((messenger, external), path)
            if first[1] != key:
                issues.append(
                    (
                        path,
                        f"the {messenger} id {_short(external)} is also given to "
                        f"{first[1]!r} ({_dotted(first)}): an id belongs to one person",
                    )
                )
    for name, team in cfg.teams.items():
        for messenger in team.groups:
            if not _MESSENGER.match(messenger):
                issues.append(
                    (
                        ("teams", name, "groups", messenger),
                        f"{_short(messenger)} is not a messenger name (lowercase, like wecom)",
                    )
                )
    return issues


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path)


def _cross_check(cfg: Config) -> list[Issue]:
    """References between sections that a type alone cannot check."""
    issues: list[Issue] = _identity_issues(cfg)
    people = cfg.people
    for key, person in people.items():
        if person.team is not None and person.team not in cfg.teams:
            issues.append((("people", key, "team"), f"no team {person.team!r} in teams"))
    for name, team in cfg.teams.items():
        for role in ("lead", "manager"):
            ref = getattr(team, role)
            if ref is None:
                continue
            if ref not in people:
                issues.append((("teams", name, role), f"no person {ref!r} in people"))
            elif role == "lead" and people[ref].team not in (None, name):
                issues.append((("teams", name, "lead"), f"{ref!r} is in team {people[ref].team!r}"))
    for kind in cfg.circle.seats:
        if kind not in cfg.teams:
            issues.append((("circle", "seats", kind), f"no team {kind!r} in teams"))
    for action, rules_ in cfg.circle.decisions.items():
        for i, rule in enumerate(rules_):
            team_key, _, role = rule.partition(".")
            if rule in ("any", "manager", "lead"):
                continue
            if team_key not in cfg.teams or role not in ("", "lead"):
                issues.append(
                    (
                        ("circle", "decisions", action, i),
                        f"{rule!r} is not a team, team.lead, lead, manager or any",
                    )
                )
    for i, level in enumerate(cfg.circle.escalation):
        if "manager" in level.notify:
            for name, team in cfg.teams.items():
                if team.manager is None:
                    issues.append(
                        (
                            ("circle", "escalation", i, "notify"),
                            f"escalates to the manager, but team {name!r} has no manager",
                        )
                    )
    issues += digest_issues(cfg.digest, set(cfg.teams))
    tone = cfg.phrasing.default_tone
    if tone is not None and tone not in TONES:
        issues.append(
            (("phrasing", "default_tone"), f"unknown tone {tone!r} (tones: {', '.join(TONES)})")
        )
    for i, entry in enumerate(cfg.access.readers):
        if ":" not in entry and entry not in people:
            issues.append(
                (
                    ("access", "readers", i),
                    f"no person {entry!r} in people (or write a platform id: slack:U0123ABCD)",
                )
            )
    default = cfg.platforms.console.default_person
    if default is not None and default not in people:
        issues.append(
            (("platforms", "console", "default_person"), f"no person {default!r} in people")
        )
    return issues


def default_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("ARCIRCLE_CONFIG") or "config.yaml")


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    env = os.environ if env is None else env
    path = path or default_path(env)
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            [f"{label}: no such file (set ARCIRCLE_CONFIG or copy the example config.yaml)"]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{label}: cannot read: {exc}"]) from None
    try:
        node = yaml.compose(text)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{label}{where}: not valid YAML: {problem}"]) from None
    if not isinstance(raw, dict):
        raise ConfigError([f"{label}: expected a mapping of sections (company, people, teams...)"])
    lines_at: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _line_index(node, (), lines_at)

    def fmt(path_: tuple[Any, ...], message: str) -> str:
        line = None
        for cut in range(len(path_), -1, -1):
            line = lines_at.get(tuple(path_[:cut]))
            if line is not None:
                break
        dotted = ".".join(str(p) for p in path_) or "(top level)"
        return f"{label}{':' + str(line) if line else ''}: {dotted}: {message}"

    issues: list[Issue] = []
    expanded = _expand(raw, env, (), issues)
    if issues:
        raise ConfigError([fmt(p, m) for p, m in issues])
    try:
        cfg = Config.model_validate(expanded)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            lines.append(fmt(loc, _friendly(err) + _secret_hint(loc)))
        raise ConfigError(lines) from None
    issues = _cross_check(cfg)
    if issues:
        raise ConfigError([fmt(p, m) for p, m in issues])
    base = path.parent
    updates: dict[str, Any] = {}
    if cfg.ledger.source is not None and not cfg.ledger.source.is_absolute():
        updates["ledger"] = cfg.ledger.model_copy(update={"source": base / cfg.ledger.source})
    if (watch := cfg.ledger.watch) is not None and not watch.is_absolute():
        led = updates.get("ledger", cfg.ledger)
        updates["ledger"] = led.model_copy(update={"watch": base / watch})
    checkpoints = cfg.audit.checkpoints
    if checkpoints is not None and not checkpoints.is_absolute():
        updates["audit"] = cfg.audit.model_copy(update={"checkpoints": base / checkpoints})
    if cfg.exports.dir is not None and not cfg.exports.dir.is_absolute():
        updates["exports"] = cfg.exports.model_copy(update={"dir": base / cfg.exports.dir})
    overrides = cfg.phrasing.overrides
    if overrides is not None:
        if not overrides.is_absolute():
            overrides = base / overrides
            updates["phrasing"] = cfg.phrasing.model_copy(update={"overrides": overrides})
        if not overrides.exists():
            raise ConfigError([fmt(("phrasing", "overrides"), f"{overrides}: no such file")])
        # The company's own templates are checked now, not when someone first asks for words.
        problems = validate_overrides(overrides)
        if problems:
            raise ConfigError(problems)
    return cfg.model_copy(update=updates) if updates else cfg

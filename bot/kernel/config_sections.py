"""config.yaml's ledger, audit, model, phrasing, messengers, server and access sections."""

from __future__ import annotations

import re
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    field_validator,
    model_validator,
)

from bot.kernel.config_im import DingtalkPlatform, FeishuPlatform
from bot.kernel.config_sync import LedgerSyncSettings
from bot.kernel.config_values import (
    LEDGER_FIELDS,
    PLATFORM_NAMES,
    ClockTime,
    Currency,
    Dec,
    Duration,
    LlmShare,
    PlatformId,
    Strict,
    _llm_share,
)

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

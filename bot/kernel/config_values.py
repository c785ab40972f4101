"""The value types of config.yaml (durations, clock times, amounts, messenger ids), the
names every section shares, and the error that carries the file's problems."""

from __future__ import annotations

import re
from datetime import time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)

from playbook.ledger_fields import FIELDS

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

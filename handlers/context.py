"""What a handler gets besides the command: the database, config, clock and the speaker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.clock import Clock, today
from bot.config import Config
from bot.i18n import t
from storage.circle import CircleEnv
from storage.db import Database


@dataclass
class Context:
    db: Database
    config: Config
    clock: Clock
    person: str | None  # the speaker, None when not in config
    locale: str
    circle: CircleEnv

    def today(self) -> date:
        return today(self.clock, self.config.company.zone)

    def t(self, key: str, **values: Any) -> str:
        return t(self.locale, key, **values)

    @property
    def zh(self) -> bool:
        return self.locale.startswith("zh")

"""One process's runtime: config, database, clock and router; which messengers it runs;
the sample ledger on a first start."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from bot.adapters import registry
from bot.audit_cli import audit_key, checkpoint_path
from bot.circle_env import circle_env
from bot.kernel.clock import Clock, today
from bot.kernel.config import Config
from bot.kernel.identity import Identities
from bot.router import Router
from storage import upkeep
from storage.circle import CircleEnv
from storage.db import Database
from storage.ledger import ImportOptions, ImportResult
from storage.sample import load_sample, sample_path

Command = Literal["run", "serve"]

log = logging.getLogger(__name__)


def ledger_options(config: Config, **overrides: object) -> ImportOptions:
    led = config.ledger
    values: dict[str, object] = {
        "columns": dict(led.columns),
        "date_format": led.date_format,
        "decimal_comma": led.decimal_comma,
        "encoding": led.encoding,
        "delimiter": led.delimiter,
        "sheet": led.sheet,
        "currency": led.currency or config.company.currency,
        "terms_days": led.terms_days,
        "max_amount": led.max_amount,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return ImportOptions(**values)  # type: ignore[arg-type]


@dataclass
class Runtime:
    config: Config
    db: Database
    clock: Clock
    router: Router
    circle: CircleEnv
    checkpoints: Path | None = None  # the audit trail's checkpoint file

    def today(self) -> date:
        return today(self.clock, self.config.company.zone)


def running_messengers(config: Config, command: Command = "run") -> tuple[str, ...]:
    """The messengers a process serves: enabled in the config, built in this version, and
    served by this command (`arcircle serve`: every one; `run`: those that need no public
    address, plus the console)."""
    return tuple(p.name for p in registry.enabled(config) if p.runs_in(config, command))


def unavailable_messengers(config: Config) -> list[str]:
    """Messengers the config enables that this build has no plugin for."""
    known = registry.plugins()
    return [
        name
        for name in type(config.platforms).model_fields
        if getattr(config.platforms, name).enabled and name not in known
    ]


def missing_env(config: Config, platform: str, env: Mapping[str, str]) -> list[str]:
    plugin = registry.plugin(platform)
    return [] if plugin is None else plugin.missing_env(config, env)


def build_runtime(
    config: Config,
    clock: Clock,
    database_url: str | None = None,
    platforms: tuple[str, ...] | None = None,
    env: Mapping[str, str] | None = None,
) -> Runtime:
    """`platforms`: the messengers this process will deliver to (default: every enabled one
    this version has); circle cards are written to the outbox for those only. `env`: where
    the audit key is read (default: the process environment)."""
    db = Database(database_url, audit_key=audit_key(os.environ if env is None else env))
    db.migrate()
    people = {
        key: {
            "name": p.name,
            "team": p.team,
            "role": p.role,
            "locale": p.locale,
        }
        for key, p in config.people.items()
    }
    upkeep.mirror_people(db, people, clock.now())
    upkeep.sync_identities(db, Identities(config).rows(), clock.now())
    circle = circle_env(config, running_messengers(config) if platforms is None else platforms)
    router = Router(db, config, clock, circle=circle)
    return Runtime(config, db, clock, router, circle, checkpoint_path(config, db.url))


def ensure_sample(rt: Runtime) -> ImportResult | None:
    """First run on an empty ledger: load the sample so there is something to see."""
    if not upkeep.ledger_is_empty(rt.db):
        return None
    if not sample_path().exists():
        log.warning("the ledger is empty and the sample %s is missing", sample_path())
        return None
    return load_sample(
        rt.db, currency=rt.config.company.currency, now=rt.clock.now(), today=rt.today()
    )

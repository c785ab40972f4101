"""Wiring: config + database + clock + router, and the messengers and jobs around them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock, today
from bot.config import Config
from bot.router import Router
from jobs.ledger_sync import sync_ledger
from jobs.scheduler import add_interval_job, build_scheduler
from storage.db import Database
from storage.ledger import ImportOptions, ImportResult
from storage.queries import ledger_is_empty, sync_people
from storage.sample import load_sample, sample_path

log = logging.getLogger(__name__)

# Messengers this build can run, and the environment each needs before it can start.
ADAPTERS = ("console",)
CREDENTIALS: dict[str, dict[str, tuple[str, ...]]] = {
    "slack": {
        "http": ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
        "socket": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"),
    },
    "telegram": {
        "polling": ("TELEGRAM_BOT_TOKEN",),
        "webhook": ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"),
    },
    "wecom": {"": ("WECOM_CORP_ID", "WECOM_CORP_SECRET", "WECOM_TOKEN", "WECOM_AES_KEY")},
    "feishu": {"": ("FEISHU_APP_ID", "FEISHU_APP_SECRET")},
    "dingtalk": {"": ("DINGTALK_APP_KEY", "DINGTALK_APP_SECRET")},
}


def required_env(config: Config, platform: str) -> tuple[str, ...]:
    options = CREDENTIALS.get(platform, {})
    mode = getattr(getattr(config.platforms, platform), "mode", "")
    return options.get(mode, options.get("", ()))


def missing_env(config: Config, platform: str, env: Mapping[str, str]) -> list[str]:
    return [name for name in required_env(config, platform) if not env.get(name)]


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
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return ImportOptions(**values)  # type: ignore[arg-type]


@dataclass
class Runtime:
    config: Config
    db: Database
    clock: Clock
    router: Router

    def today(self) -> date:
        return today(self.clock, self.config.company.zone)


def build_runtime(config: Config, clock: Clock, database_url: str | None = None) -> Runtime:
    db = Database(database_url)
    db.migrate()
    people = {
        key: {
            "name": p.name,
            "team": p.team,
            "role": p.role,
            "locale": p.locale,
            "slack_id": p.slack,
            "telegram_id": p.telegram,
            "wecom_id": p.wecom,
            "feishu_id": p.feishu,
            "dingtalk_id": p.dingtalk,
        }
        for key, p in config.people.items()
    }
    with db.engine.begin() as conn:
        sync_people(conn, people, clock.now())
    return Runtime(config=config, db=db, clock=clock, router=Router(db, config, clock))


def ensure_sample(rt: Runtime) -> ImportResult | None:
    """First run on an empty ledger: load the sample so there is something to see."""
    with rt.db.engine.connect() as conn:
        if not ledger_is_empty(conn):
            return None
    if not sample_path().exists():
        log.warning("the ledger is empty and the sample %s is missing", sample_path())
        return None
    return load_sample(
        rt.db, currency=rt.config.company.currency, now=rt.clock.now(), today=rt.today()
    )


def unavailable_messengers(config: Config) -> list[str]:
    """Messengers the config enables that this build cannot run yet."""
    names = ("slack", "telegram", "wecom", "feishu", "dingtalk")
    return [n for n in names if getattr(config.platforms, n).enabled and n not in ADAPTERS]


async def serve_console(
    rt: Runtime, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> None:
    from bot.adapters.console import ConsoleMessenger

    console = ConsoleMessenger(rt.router, rt.config, stdin=stdin, stdout=stdout)
    scheduler = start_jobs(rt)
    try:
        await console.run()
    finally:
        scheduler.shutdown(wait=False)


def start_jobs(rt: Runtime) -> AsyncIOScheduler:
    """The periodic jobs, in the running event loop."""
    scheduler = build_scheduler(rt.config.company.timezone)
    source = rt.config.ledger.source
    if source is not None:
        options = ledger_options(rt.config, actor="ledger-sync")

        async def sync() -> None:
            await asyncio.to_thread(sync_ledger, rt.db, source, options, rt.clock.now(), rt.today())

        add_interval_job(scheduler, "ledger_sync", sync, rt.config.ledger.sync_every, run_now=True)
    scheduler.start()
    return scheduler

"""`arcircle doctor`: what is set up, what is missing, and what to do about it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from sqlalchemy import func, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from bot.adapters import registry
from bot.adapters.base import Plugin
from bot.audit_cli import doctor_checks as audit_checks
from bot.doctor_digest import digest_checks
from bot.doctor_sync import sync_checks
from bot.kernel.config import Config, ConfigError, default_path, load_config
from bot.kernel.identity import Identities

Status = Literal["ok", "warn", "fail"]
_MARK = {"ok": "✓", "warn": "!", "fail": "✗"}


@dataclass(frozen=True)
class Check:
    status: Status
    label: str
    detail: str


def config_checks(path: Path) -> tuple[Config | None, list[Check]]:
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        return None, [Check("fail", "config", line) for line in exc.lines]
    teams = ", ".join(cfg.teams)
    return cfg, [
        Check(
            "ok", "config", f"{path}: {cfg.company.name}; {len(cfg.people)} people; teams {teams}"
        )
    ]


def database_checks(url: str | None) -> list[Check]:
    from storage.db import Database, redact
    from storage.models import Customer, Invoice

    try:
        db = Database(url)
    except Exception as exc:  # a malformed URL
        return [Check("fail", "database", f"cannot use the database URL: {exc}")]
    label = redact(db.url)
    try:
        pending = db.pending_migrations()
        with db.engine.connect() as conn:
            invoices = customers = 0
            outbox: dict[str, int] = {}
            parked: list[str] = []
            tables = inspect(conn)
            if tables.has_table("invoice"):
                invoices = conn.execute(select(func.count()).select_from(Invoice)).scalar_one()
                customers = conn.execute(select(func.count()).select_from(Customer)).scalar_one()
            if tables.has_table("outbox"):
                from storage import outbox as ob

                outbox = ob.counts(conn)
                parked = [
                    f"#{r.id} {r.platform} {r.destination}: {r.last_error}"
                    for r in ob.listing(conn, ("parked",), limit=3)
                ]
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc)
        return [Check("fail", "database", f"{label}: cannot connect: {reason.splitlines()[0]}")]
    finally:
        db.dispose()
    checks = [Check("ok", "database", f"{label} ({db.dialect})")]
    if pending:
        checks.append(
            Check("warn", "migrations", f"{len(pending)} pending; applied on the next start")
        )
    if invoices:
        checks.append(Check("ok", "ledger", f"{invoices:,} invoices of {customers:,} customers"))
    else:
        checks.append(
            Check(
                "warn",
                "ledger",
                "empty: `arcircle run` loads the sample, or `arcircle import FILE`",
            )
        )
    if outbox.get("parked"):
        checks.append(
            Check(
                "warn",
                "outbox",
                f"{outbox['parked']} message(s) parked after failing, e.g. {parked[0]} "
                "(`arcircle outbox` lists them, `arcircle outbox retry --all` re-sends)",
            )
        )
    elif outbox:
        checks.append(Check("ok", "outbox", f"{outbox.get('pending', 0)} waiting to be sent"))
    return checks


def messenger_checks(cfg: Config, env: Mapping[str, str], online: bool = True) -> list[Check]:
    """Per enabled messenger: its environment, people without an id there, its circle
    channel, and what the plugin itself checks (with `online`, by asking the messenger)."""
    plugins = registry.plugins()
    checks = []
    for name in type(cfg.platforms).model_fields:
        section = getattr(cfg.platforms, name)
        if not section.enabled:
            continue
        plugin = plugins.get(name)
        if plugin is None:
            checks.append(
                Check(
                    "fail",
                    name,
                    "enabled, but this version has no plugin for it yet; set it to enabled: false",
                )
            )
            continue
        checks.extend(_plugin_checks(plugin, cfg, env, online))
    return checks


def _plugin_checks(
    plugin: Plugin, cfg: Config, env: Mapping[str, str], online: bool
) -> list[Check]:
    name = plugin.name
    mode = plugin.mode(cfg)
    where = name + (f" ({mode})" if mode else "")
    checks = []
    missing = plugin.missing_env(cfg, env)
    needed = [v.name for v in plugin.env_vars() if v.required(mode)]
    if missing:
        checks.append(Check("fail", where, f"missing environment: {', '.join(missing)}"))
    elif needed:
        checks.append(Check("ok", where, f"credentials present ({', '.join(needed)})"))
    ids = Identities(cfg)
    without = [k for k in cfg.people if ids.external_id(k, name) is None]
    if without and plugin.mentions_by_id:
        checks.append(
            Check(
                "warn",
                where,
                f"no {name} id for: {', '.join(without)} (they cannot be @mentioned there)",
            )
        )
    channel = plugin.circle_channel(cfg)
    if channel is None:
        checks.append(Check("warn", where, f"circle.channels has no {name} channel"))
    elif not needed:
        checks.append(Check("ok", where, f"enabled, channel {channel}"))
    found = asyncio.run(plugin.doctor(cfg, env, online=online))
    checks.extend(Check(f.status, where, f.text) for f in found)
    return checks


def other_checks(cfg: Config, env: Mapping[str, str]) -> list[Check]:
    checks = []
    source = cfg.ledger.source
    if source is not None:
        if source.exists():
            checks.append(
                Check("ok", "ledger source", f"{source} (synced every {cfg.ledger.sync_every})")
            )
        else:
            checks.append(Check("fail", "ledger source", f"{source}: no such file"))
    checks += [Check(*line) for line in sync_checks(cfg, env)]  # watch folder, HTTP feed
    if cfg.phrasing.llm is not None and not env.get("LLM_API_KEY"):
        checks.append(
            Check(
                "warn",
                "llm",
                "phrasing.llm is set but LLM_API_KEY is not; template phrasing will be used",
            )
        )
    return checks


def chart_checks() -> list[Check]:
    """The digest chart's CJK font: without one, Chinese charts are drawn in English."""
    from jobs.chart_fonts import INSTALL_HINT, cjk_font, font_name

    font = cjk_font()
    if font is None:
        return [Check("warn", "chart font", INSTALL_HINT)]
    return [Check("ok", "chart font", f"{font_name(font)} ({font})")]


def run_checks(
    config_path: str | None,
    database_url: str | None,
    out: TextIO,
    env: Mapping[str, str] | None = None,
    online: bool = True,
) -> int:
    env = os.environ if env is None else env
    path = Path(config_path) if config_path else default_path(env)
    cfg, checks = config_checks(path)
    checks += database_checks(database_url or env.get("DATABASE_URL"))
    checks += [
        Check(*check) for check in audit_checks(cfg, database_url or env.get("DATABASE_URL"), env)
    ]
    if cfg is not None:
        checks += messenger_checks(cfg, env, online)
        checks += other_checks(cfg, env)
        checks += [Check(*line) for line in digest_checks(cfg, env)]
    checks += chart_checks()
    width = max(len(c.label) for c in checks)
    for c in checks:
        out.write(f"{_MARK[c.status]} {c.label.ljust(width)}  {c.detail}\n")
    failed = sum(c.status == "fail" for c in checks)
    warned = sum(c.status == "warn" for c in checks)
    out.write(
        f"\n{failed} problem(s), {warned} warning(s).\n" if failed or warned else "\nAll good.\n"
    )
    return 1 if failed else 0

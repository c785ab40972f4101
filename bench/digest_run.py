"""The digest as bench.digest times it: one whole company digest of the bench's ledger, as the
outbox renders it when it is sent (every section read, the card built), and its chart drawn
apart (matplotlib's time is its own, not the database's)."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from bot.kernel.config import Config, load_config
from bot.kernel.digest_card import digest_card
from jobs.chart import render_chart
from jobs.digest import company_scope
from jobs.digest_render import chart_data, scope_for
from storage.db import Database
from storage.digest_build import build_digest
from storage.digest_writes import record_day

ROOT = Path(__file__).resolve().parent.parent


def bench_config() -> Config:
    """The repository's example config (its teams and people), so the circle has contacts."""
    return load_config(ROOT / "config.yaml", env={})


def snapshot(db: Database, config: Config, now: datetime) -> None:
    """Today's snapshot, as the digest job writes it before the posts (timed on its own; its
    once-a-day claim is left out so that a second run of the bench does the work again)."""
    record_day(db, company_scope(config, now.astimezone(config.company.zone).date()), now)


def digest_once(db: Database, config: Config, now: datetime) -> int:
    """Every figure of the day's digest and its card; the number of lines it shows."""
    day = now.astimezone(config.company.zone).date()
    scope = scope_for(config, day, None, "zh-CN", False)
    with db.engine.connect() as conn:
        data = build_digest(conn, scope, now)
    card = digest_card(data, scope.policy.buckets, config, "zh-CN", now)
    return len(card.to_text().splitlines())


def chart_once(db: Database, config: Config, now: datetime) -> int:
    """The chart's data from the snapshots and the PNG drawn; its size in bytes."""
    day = now.astimezone(config.company.zone).date()
    with db.engine.connect() as conn:
        data = chart_data(conn, config, day, "zh-CN")
    if data is None:
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chart.png"
        render_chart(data, "zh-CN", path)
        return path.stat().st_size

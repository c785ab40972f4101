"""An outbox row of kind "digest" as it is sent: the figures read now, the card in the
channel's language, the 30-day chart as a PNG attachment with its text table as the fallback."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bot.kernel.cards import team_name
from bot.kernel.config import Config
from bot.kernel.digest_card import digest_card
from bot.kernel.messages import Reply, Section
from jobs.chart import ChartData, ChartDay, chart_table, render_chart
from playbook.money import from_minor
from storage import snapshots
from storage.circle_types import TeamContacts
from storage.digest_build import DigestScope, build_digest
from storage.offloop import Conn
from storage.outbox import OutRow

log = logging.getLogger(__name__)


def chart_dir() -> Path:
    """Where chart PNGs are written: $ARCIRCLE_CACHE_DIR, else the system's temp folder."""
    base = os.environ.get("ARCIRCLE_CACHE_DIR") or tempfile.gettempdir()
    return Path(base) / "arcircle-charts"


def scope_for(config: Config, day: date, team: str | None, locale: str, late: bool) -> DigestScope:
    return DigestScope(
        day=day,
        zone=config.company.zone,
        policy=config.aging_policy(),
        base_currency=config.company.currency,
        fx=config.company.fx_rates,
        team=team,
        owners=config.team_members(team) if team else None,
        top=config.digest.top,
        locale=locale,
        overrides=config.phrasing.overrides,
        contacts={
            name: TeamContacts(t.lead, t.manager, tuple(config.team_members(name)))
            for name, t in config.teams.items()
        },
        late=late,
    )


def chart_data(conn: Conn, config: Config, day: date, locale: str) -> ChartData | None:
    """The chart's input for the company currency (or the first with history): the snapshots
    of the last 30 days and each team's on-time share over them; None without history."""
    policy = config.aging_policy()
    bounds = snapshots.bounds_key(policy)
    rows = [s for s in snapshots.history(conn, day) if s.bounds == bounds]
    if not rows:
        return None
    currencies = {s.currency for s in rows}
    cur = config.company.currency if config.company.currency in currencies else min(currencies)
    days = tuple(
        ChartDay(
            day=s.day,
            buckets=tuple(from_minor(m, cur) for m in s.buckets),
            overdue=from_minor(s.overdue, cur),
            dso=s.dso,
        )
        for s in rows
        if s.currency == cur
    )
    teams = snapshots.circle_totals(conn, day - timedelta(days=1))
    on_time: list[tuple[str, Decimal | None]] = []
    for team in config.teams:
        seats, in_window = teams.get(team, (0, 0))
        share = Decimal(in_window) / Decimal(seats) if seats else None
        on_time.append((team_name(config, team), share))
    return ChartData(
        currency=cur,
        bucket_labels=tuple(b.label_in(locale) for b in policy.buckets),
        days=days,
        on_time=tuple(on_time),
    )


def draw_chart(data: ChartData, locale: str, key: str) -> tuple[tuple[str, ...], Section | None]:
    """(attachments, fallback): the PNG, named after the outbox key, and its text table."""
    folder = chart_dir()
    name = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
    path = folder / f"digest-{name}.png"
    fallback: Section | None = chart_table(data, locale)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        render_chart(data, locale, path)
    except Exception:
        # The digest goes out without its picture rather than not at all.
        log.exception("digest: the chart could not be drawn")
        return (), fallback
    return (str(path),), fallback


def render_digest(conn: Conn, row: OutRow, config: Config, now: datetime) -> Reply | None:
    p = row.payload
    try:
        day = date.fromisoformat(str(p.get("day")))
    except ValueError:
        log.error("digest row %s: no day in its payload", row.id)
        return None
    team = p.get("team")
    team = str(team) if team and str(team) in config.teams else None
    locale = str(p.get("locale") or config.company.locale)
    scope = scope_for(config, day, team, locale, bool(p.get("late")))
    since = None
    scheduled = p.get("scheduled")
    if isinstance(scheduled, str):
        try:
            # Sync failures since the previous digest moment.
            since = config.digest.latest_at(
                datetime.fromisoformat(scheduled) - timedelta(minutes=1), config.company.zone
            )
        except ValueError:
            since = None
    data = build_digest(conn, scope, now, since=since)
    card = digest_card(data, scope.policy.buckets, config, locale, now)
    attachments: tuple[str, ...] = ()
    fallback: Section | None = None
    chart = chart_data(conn, config, day, locale) if team is None else None
    if chart is not None:
        attachments, fallback = draw_chart(chart, locale, row.key)
    return Reply(card=card, ephemeral=False, attachments=attachments, files_fallback=fallback)

"""When the digest goes out: once per channel and day whatever restarts or second processes
do, a missed time caught up once (marked late), never on a day the config leaves out. SQLite
and PostgreSQL; the clock is a FakeClock, the "processes" two Database objects on one database.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.kernel.clock import FakeClock
from bot.kernel.config import Config, ConfigError, load_config
from bot.kernel.messages import PermanentError, Reply
from jobs.digest import DigestJob, latest_occurrence, run_digest
from jobs.outbox import OutboxWorker
from jobs.render import render_row
from storage import outbox as ob
from storage.db import Database
from storage.models import DailySnapshot
from tests.digest_world import DigestWorld, build_ledger, digest_config

_snap = DailySnapshot.__table__  # type: ignore[attr-defined]
PLATFORMS = ("console", "slack", "wecom")


@pytest.fixture(autouse=True)
def _chart_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chart PNGs go to the test's own folder, not the system's temp folder."""
    monkeypatch.setenv("ARCIRCLE_CACHE_DIR", str(tmp_path / "cache"))


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    """2026-03-<day> hour:minute in Shanghai, as UTC (16th: Monday, 21st: Saturday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def digests(db: Database) -> list[ob.OutRow]:
    with db.engine.connect() as conn:
        return [r for r in ob.listing(conn, ob.STATUSES, 1000) if r.kind == "digest"]


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    return digest_config(tmp_path)


def test_once_a_day_per_channel_whatever_restarts_do(db: Database, cfg: Config) -> None:
    # 08:59: not yet. 09:00: the four targets. Later the same day and after a "restart"
    # (a new DigestJob, as a new process builds): nothing more.
    assert run_digest(db, cfg, shanghai(17, 8, 59), PLATFORMS) == []
    first = run_digest(db, cfg, shanghai(17, 9), PLATFORMS)
    assert len(first) == 4
    assert run_digest(db, cfg, shanghai(17, 9, 1), PLATFORMS) == []
    assert DigestJob(db, cfg, PLATFORMS).poll(shanghai(17, 17)) == []
    rows = digests(db)
    assert sorted(r.key for r in rows) == sorted(first)
    assert {(r.platform, r.destination) for r in rows} == {
        ("console", "#test"),
        ("slack", "C0EN"),
        ("wecom", "#zh"),
        ("console", "#sales"),
    }
    assert all(r.payload["late"] is False for r in rows)
    # The next day, the next one.
    assert len(run_digest(db, cfg, shanghai(18, 9, 0), PLATFORMS)) == 4
    assert len(digests(db)) == 8


def test_two_processes_post_it_once(db: Database, cfg: Config) -> None:
    other = Database(db.url)
    try:
        barrier = threading.Barrier(2)
        found: list[list[str]] = []

        def run(database: Database) -> None:
            barrier.wait()
            found.append(run_digest(database, cfg, shanghai(17, 9, 0), PLATFORMS))

        threads = [threading.Thread(target=run, args=(d,)) for d in (db, other)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    finally:
        other.dispose()
    # Each key went in exactly once, whichever process got there first.
    assert sorted(found[0] + found[1]) == sorted(r.key for r in digests(db))
    assert len(digests(db)) == 4
    with db.engine.connect() as conn:
        # One snapshot claim: the empty ledger wrote no currency rows, and no duplicates.
        assert conn.execute(select(func.count()).select_from(_snap)).scalar_one() == 0


def test_two_processes_write_one_snapshot_row_per_currency(
    db: Database, cfg: Config, tmp_path: Path
) -> None:
    build_ledger(db, tmp_path)
    other = Database(db.url)
    try:
        for database in (db, other, db):
            run_digest(database, cfg, shanghai(17, 9, 0), PLATFORMS)
    finally:
        other.dispose()
    with db.engine.connect() as conn:
        rows = conn.execute(select(_snap.c.day, _snap.c.currency)).all()
    assert sorted((r.day.isoformat(), r.currency) for r in rows) == [
        ("2026-03-17", "CNY"),
        ("2026-03-17", "USD"),
    ]


def test_a_time_missed_while_down_is_posted_once_marked_late(
    db: Database, cfg: Config, tmp_path: Path
) -> None:
    build_ledger(db, tmp_path)
    # Monday's went out at 09:00. The bot was down from Monday noon to Wednesday 08:00.
    assert len(run_digest(db, cfg, shanghai(16, 9, 0), PLATFORMS)) == 4
    # Wednesday 08:00 (before Wednesday's time): Tuesday's, once, late; Monday's stays one.
    late = run_digest(db, cfg, shanghai(18, 8, 0), PLATFORMS)
    assert late == [k.replace("2026-03-16", "2026-03-17") for k in sorted_keys(db, "2026-03-16")]
    assert run_digest(db, cfg, shanghai(18, 8, 1), PLATFORMS) == []
    tuesday = [r for r in digests(db) if r.key.endswith("2026-03-17")]
    assert len(tuesday) == 4 and all(r.payload["late"] is True for r in tuesday)
    # Nothing for the days in between was queued as a backlog.
    assert {r.key[-10:] for r in digests(db)} == {"2026-03-16", "2026-03-17"}
    world = DigestWorld(db, cfg, FakeClock(shanghai(18, 8, 0)), tmp_path)
    text = world.render("digest:console:#test:all:2026-03-17").plain()
    assert text.splitlines()[:2] == [
        "Daily digest · 2026-03-17",
        "Posted late: the bot was not running at 09:00.",
    ]
    zh = world.render("digest:wecom:#zh:all:2026-03-17").plain()
    assert zh.splitlines()[1] == "延迟发送：09:00 时机器人未运行。"


def sorted_keys(db: Database, day: str) -> list[str]:
    return [r.key for r in sorted(digests(db), key=lambda r: r.id) if r.key.endswith(day)]


def test_within_late_after_it_is_on_time(db: Database, cfg: Config) -> None:
    run_digest(db, cfg, shanghai(17, 9, 29), PLATFORMS)
    assert all(r.payload["late"] is False for r in digests(db))
    other = Database(db.url)
    try:
        run_digest(other, cfg, shanghai(18, 9, 31), PLATFORMS)
    finally:
        other.dispose()
    assert all(r.payload["late"] is True for r in digests(db) if r.key.endswith("03-18"))


def test_not_on_a_day_the_config_leaves_out(db: Database, cfg: Config) -> None:
    # Friday's went out; Saturday and Sunday at 09:00 post nothing, Monday's goes out.
    assert len(run_digest(db, cfg, shanghai(20, 9, 0), PLATFORMS)) == 4
    assert run_digest(db, cfg, shanghai(21, 9, 0), PLATFORMS) == []
    assert run_digest(db, cfg, shanghai(22, 23, 0), PLATFORMS) == []
    assert latest_occurrence(cfg, shanghai(22, 23, 0)) is not None
    monday = run_digest(db, cfg, shanghai(23, 9, 0), PLATFORMS)
    assert [k[-10:] for k in monday] == ["2026-03-23"] * 4
    assert all(r.payload["late"] is False for r in digests(db))


def test_the_snapshot_is_written_on_days_without_a_digest(
    db: Database, cfg: Config, tmp_path: Path
) -> None:
    build_ledger(db, tmp_path)
    run_digest(db, cfg, shanghai(21, 9, 0), PLATFORMS)  # Saturday
    with db.engine.connect() as conn:
        days = conn.execute(select(_snap.c.day).distinct()).scalars().all()
    assert [d.isoformat() for d in days] == ["2026-03-21"]


def test_only_the_messengers_this_process_runs_get_a_row(db: Database, cfg: Config) -> None:
    keys = run_digest(db, cfg, shanghai(17, 9, 0), ("console",))
    assert keys == ["digest:console:#test:all:2026-03-17", "digest:console:#sales:sales:2026-03-17"]


def test_a_disabled_digest_posts_nothing(db: Database, tmp_path: Path) -> None:
    cfg = digest_config(tmp_path)
    off = cfg.model_copy(update={"digest": cfg.digest.model_copy(update={"enabled": False})})
    assert run_digest(db, off, shanghai(17, 9, 0), PLATFORMS) == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("  top: 0\n", "digest.top: input should be greater than or equal to 1"),
        ("  late_after: soon\n", "digest.late_after: 'soon' is not a duration"),
    ],
)
def test_a_bad_digest_key_is_named_by_its_path(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        digest_config(tmp_path, extra)
    assert any(message in line for line in err.value.lines), err.value.lines


def test_bad_channels_and_teams_are_named_by_their_path(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    base = tmp_path / "digest.yaml"
    digest_config(tmp_path)
    text = base.read_text(encoding="utf-8")
    path.write_text(
        text.replace('    sales: {console: "#sales"}', '    ops: {console: "#ops"}').replace(
            "{channel: C0EN, locale: en}", "{channel: C0EN, locale: fr}"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    joined = "\n".join(err.value.lines)
    assert "digest.channels.slack.locale: must be one of 'en' or 'zh-CN'" in joined
    path.write_text(text.replace('    sales: {console: "#sales"}', '    ops: {console: "#ops"}'))
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert any("digest.teams.ops: no team 'ops' in teams" in line for line in err.value.lines)


class _Messenger:
    """A transport that takes messages, or refuses every one (a robot without its key)."""

    def __init__(self, refuse: str | None = None) -> None:
        self.refuse = refuse
        self.got: list[tuple[str, Reply]] = []

    async def deliver(
        self, row: ob.OutRow, message: Reply, *, update_ref: str | None, thread_ref: str | None
    ) -> str | None:
        if self.refuse:
            raise PermanentError(self.refuse)
        self.got.append((row.destination, message))
        return f"m{len(self.got)}"


async def test_a_refusing_messenger_parks_its_digest_and_the_others_still_get_theirs(
    db: Database, cfg: Config, tmp_path: Path
) -> None:
    build_ledger(db, tmp_path)
    clock = FakeClock(shanghai(17, 9, 0))
    run_digest(db, cfg, clock.now(), PLATFORMS)
    console, slack, wecom = _Messenger(), _Messenger(), _Messenger("webhook key refused (93000)")

    def render(row: ob.OutRow) -> Reply | None:
        with db.engine.connect() as conn:
            return render_row(conn, row, cfg, clock.now())

    worker = OutboxWorker(
        db,
        clock,
        {"console": console, "slack": slack, "wecom": wecom},
        render,
        rates={p: (100, timedelta(seconds=1)) for p in PLATFORMS},
    )
    for _ in range(3):
        await worker.run_once()
    assert sorted(d for d, _ in console.got) == ["#sales", "#test"]
    assert [d for d, _ in slack.got] == ["C0EN"]
    title = console.got[0][1].card
    assert title is not None and title.title.startswith("Daily digest")
    parked = {r.key: r for r in digests(db) if r.status == ob.PARKED}
    assert list(parked) == ["digest:wecom:#zh:all:2026-03-17"]
    assert parked["digest:wecom:#zh:all:2026-03-17"].last_error == "webhook key refused (93000)"


def test_doctor_names_digest_channels_that_go_nowhere(cfg: Config) -> None:
    from bot.doctor_digest import digest_checks

    lines = digest_checks(cfg, env={})
    # The test config runs the console only: slack and wecom are not enabled.
    assert (
        "warn",
        "digest",
        "digest.channels.slack: slack is not enabled (or has no plugin): no digest goes to C0EN",
    ) in lines
    assert any(
        s == "warn" and "digest.channels.wecom: wecom is not enabled" in d for s, _, d in lines
    )
    on = cfg.model_copy(
        update={
            "platforms": cfg.platforms.model_copy(
                update={"wecom": cfg.platforms.wecom.model_copy(update={"enabled": True})}
            )
        }
    )
    lines = digest_checks(on, env={})
    assert (
        "fail",
        "digest",
        "digest.channels.wecom: no robot key for #zh (WECOM_WEBHOOK_KEY is not set): "
        "the outbox will park its digest",
    ) in lines
    assert digest_checks(on, env={"WECOM_WEBHOOK_KEY": "k"}) == [
        (
            "warn",
            "digest",
            "digest.channels.slack: slack is not enabled (or has no plugin): "
            "no digest goes to C0EN",
        )
    ]


def test_the_first_start_on_a_ledger_backfills_and_posts_no_past_digest(
    db: Database, cfg: Config, tmp_path: Path
) -> None:
    build_ledger(db, tmp_path)
    job = DigestJob(db, cfg, PLATFORMS)
    assert job.poll(shanghai(17, 8, 0)) == []  # Tuesday 08:00: Monday's is not posted
    with db.engine.connect() as conn:
        days = conn.execute(select(_snap.c.day).distinct().order_by(_snap.c.day)).scalars().all()
    assert (days[0].isoformat(), days[-1].isoformat(), len(days)) == (
        "2026-02-15",
        "2026-03-16",
        30,
    )
    # The same process does not back-fill again; at 09:00 Tuesday's goes out on time.
    assert len(job.poll(shanghai(17, 9, 0))) == 4
    assert all(r.payload["late"] is False for r in digests(db))

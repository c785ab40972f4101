"""The daily digest against a hand-built ledger and a day of circle history (tests/digest_world):
every section and figure as the channel reads it, in English and Chinese, for the company and
for a team, and `/ar digest` in private. SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.kernel.clock import FakeClock
from jobs.digest import SNAPSHOT_JOB, write_snapshot
from storage import jobrun, snapshots
from storage.db import Database
from storage.digest_top import top_items
from storage.models import AuditLog, DailySnapshot
from storage.queries import open_items
from tests.digest_world import (
    TUESDAY,
    TUESDAY_9,
    DigestWorld,
    build_ledger,
    digest_config,
    monday_circle,
    pay,
)

_snap = DailySnapshot.__table__  # type: ignore[attr-defined]
_audit = AuditLog.__table__  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _chart_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chart PNGs go to the test's own folder, not the system's temp folder."""
    monkeypatch.setenv("ARCIRCLE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
async def world(db: Database, tmp_path: Path, clock: FakeClock) -> DigestWorld:
    build_ledger(db, tmp_path)
    w = DigestWorld(db, digest_config(tmp_path), clock, tmp_path)
    w.run()  # Monday 10:00: Monday's snapshot (the "yesterday" of Tuesday's digest)
    await monday_circle(w)
    clock.set(TUESDAY_9)
    return w


def _text(w: DigestWorld, key: str) -> str:
    reply = w.render(key)
    assert reply is not None and reply.ephemeral is False
    # The head hash changes with every timestamp in the trail: checked on its own below.
    return re.sub(
        r"\b[0-9a-f]{64}\b", "<head>", re.sub(r":[0-9a-f]{16}\b", ":<head16>", reply.plain())
    )


ENGLISH = """\
Daily digest · 2026-03-17

CNY: CN¥4,000.00 open (4 invoices) · overdue CN¥2,000.00 (+CN¥1,000.00 since yesterday)
USD: $700.00 open (1 invoices) · overdue $0.00 (±0 since yesterday)

CNY by days past due
By stage: early CN¥1,000.00 · mid CN¥400.00 · late CN¥600.00
                    Amount  Since yesterday
  -----------  -----------  ---------------
  Current      CN¥2,000.00     −CN¥1,000.00
  1-30 days    CN¥1,000.00     +CN¥1,000.00
  31-60 days     CN¥400.00               ±0
  91-180 days    CN¥600.00               ±0

USD by days past due
By stage: pre-due $700.00
            Amount  Since yesterday
  -------  -------  ---------------
  Current  $700.00               ±0

Yesterday (2026-03-16)
Newly overdue: 1
  INV-1 · Northwind Trading · CN¥1,000.00
Payments received: 1 · CN¥300.00
  INV-4 · Old Mill Ltd · CN¥300.00
Promises due today: 1
  #1 Northwind Trading · CN¥300.00 (by 王伟)
Promises broken yesterday: 1
  #2 Old Mill Ltd · CN¥100.00 (by 李娜)

The circle yesterday
Cases opened 2 · closed 0
  Team     Seats   On time  Median  90%  Escalations
  -------  -----  --------  ------  ---  -----------
  Finance      1  1/1 100%      5m   5m  -
  Legal        1    0/1 0%       -    -  L1×1
  Sales        1    0/1 0%     20m  20m  L1×1

Waiting now on Finance: #2 Old Mill Ltd (李娜)
Waiting now on Legal: #2 Old Mill Ltd (赵云)
Waiting now on Sales: #2 Old Mill Ltd (王伟)

Decisions yesterday
#1 Northwind Trading: Installment plan (CN¥400.00) — 李娜
#1 Northwind Trading: Credit hold — 王伟
Customers on credit hold: 1 — Northwind Trading

Top 3 by priority
1. Old Mill Ltd · INV-4 · CN¥600.00 · 106d overdue (late) · 李娜
   → Send a formal written reminder with the statement of account; review with sales and \
legal whether to hold new orders and whether a lawyer's letter is due as the final notice.
2. Northwind Trading · INV-1 · CN¥1,000.00 · 1d overdue (early) · 王伟
   → Get a specific payment date and the name of the person who releases it; record it as \
a promise.
3. Northwind Trading · INV-2 · CN¥400.00 · 44d overdue (mid) · 王伟
   → Send the statement of account for confirmation; agree a written payment date; tell \
sales before any new order ships.

Audit checkpoint
{entries} entries, head <head> · check: arcircle audit verify --checkpoint {entries}:<head16>

DSO (30 days): CNY 60.0 · USD 30.0 · /ar overdue for the whole list"""


async def test_the_digest_as_the_channel_reads_it(world: DigestWorld) -> None:
    keys = world.run()
    assert keys == [
        "digest:console:#test:all:2026-03-17",
        "digest:slack:C0EN:all:2026-03-17",
        "digest:wecom:#zh:all:2026-03-17",
        "digest:console:#sales:sales:2026-03-17",
    ]
    with world.db.engine.connect() as conn:
        entries = conn.execute(select(func.count()).select_from(_audit)).scalar_one()
        head = conn.execute(select(_audit.c.hash).order_by(_audit.c.id.desc())).first()
    assert head is not None
    raw = world.render(keys[0]).plain()
    # The checkpoint is the trail's own count and head, as `audit verify --checkpoint` takes it.
    assert f"{entries} entries, head {head.hash} · " in raw
    assert f"--checkpoint {entries}:{head.hash[:16]}" in raw
    # Worked by hand (tests/digest_world.py): CNY 1,000 + 400 + 600 + 2,000 open, 2,000 of it
    # overdue; Monday's snapshot had 1,000 overdue (INV-1 fell due on Monday). DSO: 4,000 open
    # ÷ 2,000 issued in the last 30 days (INV-5) × 30 = 60.0; USD 700 ÷ 700 × 30 = 30.0.
    # Top: 600 × 0.85 × 2.0 = 1,020 (late), 1,000 × 0.95 × 1.0 = 950, 400 × 0.90 × 1.6 = 576.
    assert _text(world, keys[0]) == ENGLISH.format(entries=entries)
    # Slack's channel is English too; the same digest.
    assert _text(world, keys[1]) == ENGLISH.format(entries=entries)


async def test_a_chinese_channel_reads_it_in_chinese(world: DigestWorld) -> None:
    world.run()
    text = _text(world, "digest:wecom:#zh:all:2026-03-17")
    lines = text.splitlines()
    assert lines[0] == "每日简报 · 2026-03-17"
    assert "CNY：未收 ¥4,000.00（4 张发票）· 逾期 ¥2,000.00（较昨日 +¥1,000.00）" in lines
    assert "USD：未收 US$700.00（1 张发票）· 逾期 US$0.00（较昨日 ±0）" in lines
    assert "按阶段：早期 ¥1,000.00 · 中期 ¥400.00 · 后期 ¥600.00" in lines
    assert any(line.split() == ["1-30天", "¥1,000.00", "+¥1,000.00"] for line in lines)
    for expected in (
        "昨日（2026-03-16）",
        "新增逾期：1 张",
        "  INV-1 · Northwind Trading · ¥1,000.00",
        "收到回款：1 笔 · ¥300.00",
        "今日到期的付款承诺：1 个",
        "  #1 Northwind Trading · ¥300.00（王伟 记录）",
        "昨日违约的付款承诺：1 个",
        "昨日响应圈",
        "新开案件 2 个 · 关闭 0 个",
        "当前等待Legal：#2 Old Mill Ltd（赵云）",
        "昨日决定",
        "#1 Northwind Trading：分期付款 (¥400.00) — 李娜",
        "#1 Northwind Trading：停止供货 — 王伟",
        "暂停赊销的客户：1 个 — Northwind Trading",
        "优先级前 3 项",
        "1. Old Mill Ltd · INV-4 · ¥600.00 · 逾期106天（后期） · 李娜",
        "   → 发正式书面提醒并附对账单；与销售、法务评估是否暂停新订单，"
        "以及是否需要发律师函作为最后通知。",
        "审计检查点",
        "DSO（30 天）：CNY 60.0 · USD 30.0 · /ar overdue 查看完整列表",
    ):
        assert expected in lines, expected
    assert not re.search("[A-Za-z]{4,} (?:days|yesterday|overdue:)", text)


async def test_a_team_digest_shows_only_the_customers_its_members_own(
    world: DigestWorld,
) -> None:
    world.run()
    text = _text(world, "digest:console:#sales:sales:2026-03-17")
    lines = text.splitlines()
    assert lines[:2] == [
        "Daily digest · Sales · 2026-03-17",
        "Only the customers the members of Sales own.",
    ]
    # Sales owns Northwind (wang.wei) and Acme (tom.baker): INV-1, INV-2 and INV-3.
    assert "CNY: CN¥1,400.00 open (2 invoices) · overdue CN¥1,400.00" in lines
    assert "USD: $700.00 open (1 invoices) · overdue $0.00" in lines
    assert "Old Mill" not in text.replace("#2 Old Mill Ltd", "")  # only as a case waiting
    assert "Zenith" not in text
    assert "Payments received: 0" in lines  # the payment was Old Mill's
    assert "Promises broken yesterday: 0" in lines
    assert "Top 2 by priority" in lines
    assert [ln.split(" · ")[1] for ln in lines if re.match(r"\d+\. ", ln)] == ["INV-1", "INV-2"]
    # The circle: the team's own row.
    assert any(ln.split()[:2] == ["Sales", "2"] or ln.split()[:2] == ["Sales", "1"] for ln in lines)
    assert not any(ln.startswith("  Finance") for ln in lines)


async def test_ar_digest_is_private_and_in_the_speakers_scope(world: DigestWorld) -> None:
    reply = await world.router.handle(
        "/ar digest", platform="console", channel="#test", user_id="wang.wei", person="wang.wei"
    )
    assert reply is not None and reply.ephemeral is True
    text = reply.plain()
    assert text.splitlines()[:2] == [
        "Only you see this digest.",
        "Daily digest · Sales · 2026-03-17",
    ]
    assert "CNY: CN¥1,400.00 open (2 invoices) · overdue CN¥1,400.00" in text
    # li.na (finance, Chinese) gets the company's, in Chinese; the alias works.
    reply = await world.router.handle(
        "/ar 日报", platform="console", channel="#test", user_id="li.na", person="li.na"
    )
    assert reply is not None and reply.ephemeral is True
    assert reply.plain().splitlines()[:2] == ["此简报仅您可见。", "每日简报 · 2026-03-17"]
    assert "CNY：未收 ¥4,000.00（4 张发票）· 逾期 ¥2,000.00（较昨日 +¥1,000.00）" in reply.plain()
    # Nothing was posted to the channel for it.
    assert all(r.key.endswith("2026-03-16") for r in world.rows())


async def test_the_top_is_what_ar_overdue_lists_first(world: DigestWorld) -> None:
    cfg = world.config
    with world.db.engine.connect() as conn:
        args = dict(base_currency="CNY", fx=cfg.company.fx_rates)
        top = top_items(conn, TUESDAY, cfg.aging_policy(), owners=None, limit=2, **args)
        listed = open_items(conn, TUESDAY, cfg.aging_policy(), overdue_from=1, **args)
    assert [i.invoice_no for i in top] == [i.invoice_no for i in listed[:2]] == ["INV-4", "INV-1"]


async def test_the_snapshot_is_one_row_a_day_and_currency(world: DigestWorld) -> None:
    world.run()
    world.run()
    with world.db.engine.connect() as conn:
        rows = conn.execute(select(_snap).order_by(_snap.c.day, _snap.c.currency)).all()
        circle = snapshots.circle_history(conn, TUESDAY)
    assert [(r.day.isoformat(), r.currency) for r in rows] == [
        ("2026-03-16", "CNY"),
        ("2026-03-16", "USD"),
        ("2026-03-17", "CNY"),
        ("2026-03-17", "USD"),
    ]
    tue = rows[2]
    assert (tue.outstanding_minor, tue.overdue_minor, tue.current_minor) == (400000, 200000, 200000)
    assert (tue.credit_sales_30d_minor, tue.dso, tue.open_count) == (200000, "60.0", 4)
    assert tue.buckets_minor == "[200000, 100000, 40000, 0, 60000, 0, 0]"
    # Monday's circle, written with Tuesday's snapshot: finance 1 of 1 on time, sales 0 of 1.
    assert circle["finance"] == [(date(2026, 3, 16), Decimal(1))]
    assert circle["sales"] == [(date(2026, 3, 16), Decimal(0))]


async def test_a_snapshot_whose_process_died_is_taken_over_later(world: DigestWorld) -> None:
    # A process claimed Tuesday's snapshot and died before writing it.
    assert jobrun.claim(world.db, SNAPSHOT_JOB, TUESDAY.isoformat(), world.clock.now())
    world.advance(minutes=1)
    assert not write_snapshot(world.db, world.config, TUESDAY, world.clock.now())  # still its
    world.advance(minutes=15)
    assert write_snapshot(world.db, world.config, TUESDAY, world.clock.now())
    assert jobrun.status(world.db, SNAPSHOT_JOB, TUESDAY.isoformat()) == "done"
    with world.db.engine.connect() as conn:
        days = {r.day for r in conn.execute(select(_snap.c.day)).all()}
    assert TUESDAY in days


def test_backfill_rebuilds_30_days_from_the_dated_payments(
    db: Database, tmp_path: Path, clock: FakeClock
) -> None:
    build_ledger(db, tmp_path)
    cfg = digest_config(tmp_path)
    now = datetime(2026, 3, 17, 1, 0, tzinfo=UTC)
    written = snapshots.backfill(db, cfg.aging_policy(), TUESDAY, now)
    with db.engine.connect() as conn:
        days = snapshots.history(conn, TUESDAY - timedelta(days=1))
    # 30 days before Tuesday, 02-15 … 03-16, in CNY; USD from 02-20 (INV-3's issue day) on.
    assert written == len(days) == 30 + 25
    by_day = {(s.day, s.currency): s for s in days}
    # On 03-09, before INV-2's 100.00 came (03-10): 500.00 at 36 days, INV-1 current, INV-4
    # 900.00 at 98 days (its 300.00 came on 03-16), INV-5 current.
    mar9 = by_day[(date(2026, 3, 9), "CNY")]
    assert mar9.buckets == (300000, 0, 50000, 0, 90000, 0, 0)
    assert mar9.overdue == 140000
    mar16 = by_day[(date(2026, 3, 16), "CNY")]
    assert mar16.buckets == (300000, 0, 40000, 0, 60000, 0, 0)
    # DSO on 03-16: 4,000.00 open (INV-1 1,000 + 400 + 600 + 2,000) ÷ 2,000 issued × 30.
    assert mar16.dso == Decimal("60.0")
    # A second start finds snapshots and writes nothing; a day missing (the bot was down
    # then) is filled in on the next start, from the same as-of report.
    assert snapshots.backfill(db, cfg.aging_policy(), TUESDAY, now) == 0
    with db.engine.begin() as conn:
        conn.execute(_snap.delete().where(_snap.c.day == date(2026, 3, 9)))
    assert snapshots.backfill(db, cfg.aging_policy(), TUESDAY, now) == 2
    with db.engine.connect() as conn:
        again = {(s.day, s.currency): s for s in snapshots.history(conn, TUESDAY)}
    assert again[(date(2026, 3, 9), "CNY")] == mar9


async def test_a_failed_ledger_sync_since_the_last_digest_is_shown(world: DigestWorld) -> None:
    from storage.models import JobRun

    runs = JobRun.__table__  # type: ignore[attr-defined]
    with world.db.engine.begin() as conn:
        for job, at, detail in (
            # Before Monday's digest (09:00): not news on Tuesday.
            ("ledger_sync", datetime(2026, 3, 16, 0, 30, tzinfo=UTC), '{"source": "old.csv"}'),
            (
                "ledger_sync",
                datetime(2026, 3, 16, 4, 0, tzinfo=UTC),
                '{"source": "ar.csv", "error": "row 3: no due date"}',
            ),
            ("overdue_scan", datetime(2026, 3, 16, 5, 0, tzinfo=UTC), '{"error": "not a sync"}'),
        ):
            conn.execute(
                runs.insert().values(
                    job=job,
                    period=at.isoformat(),
                    started_at=at,
                    finished_at=at,
                    status="failed",
                    detail=detail,
                )
            )
    world.run()
    lines = _text(world, "digest:console:#test:all:2026-03-17").splitlines()
    start = lines.index("Ledger sync failures")
    assert lines[start + 1 : start + 3] == ["03-16 12:00 ar.csv: row 3: no due date", ""]


def test_totals_past_the_64_bit_sum_are_exact(db: Database, tmp_path: Path) -> None:
    from storage.digest_reads import credit_sales, open_totals
    from storage.models import Customer, Invoice

    cus, inv = Customer.__table__, Invoice.__table__  # type: ignore[attr-defined]
    now = datetime(2026, 3, 17, 1, 0, tzinfo=UTC)
    big = 10**17  # 10**15 CNY, the most one invoice may be; 100 of them pass 2**63
    with db.engine.begin() as conn:
        cid = conn.execute(
            cus.insert().values(code="BIG", name="Big", created_at=now, updated_at=now)
        ).inserted_primary_key[0]
        conn.execute(
            inv.insert(),
            [
                dict(
                    invoice_no=f"B-{n}",
                    customer_id=cid,
                    issue_date=date(2026, 3, 1),
                    due_date=date(2026, 3, 1),
                    currency="CNY",
                    amount_minor=big,
                    created_at=now,
                    updated_at=now,
                )
                for n in range(100)
            ],
        )
    cfg = digest_config(tmp_path)
    with db.engine.connect() as conn:
        line = open_totals(conn, TUESDAY, cfg.aging_policy())["CNY"]
        sales = credit_sales(conn, date(2026, 2, 16), TUESDAY)
    assert sum(line.buckets) == 100 * big > 2**63
    assert line.buckets[1] == 100 * big and line.count == 100
    assert sales == {"CNY": 100 * big}


async def test_the_chart_gets_30_days_of_snapshots_and_the_table_fallback(
    world: DigestWorld, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What the digest hands to jobs.chart (the COMMON.md interface), the PNG it attaches and
    the table shown where a messenger takes no files."""
    import jobs.digest_render as dr
    from jobs.chart import ChartData, chart_table

    drawn: list[ChartData] = []
    real = dr.render_chart

    def spy(data: ChartData, locale: str, path: Path) -> object:
        drawn.append(data)
        return real(data, locale, path)

    monkeypatch.setattr(dr, "render_chart", spy)
    monkeypatch.setenv("ARCIRCLE_CACHE_DIR", str(tmp_path / "cache"))
    world.run()
    reply = world.render("digest:wecom:#zh:all:2026-03-17")
    assert len(reply.attachments) == 1
    png = Path(reply.attachments[0])
    assert png.parent == tmp_path / "cache" / "arcircle-charts"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = drawn[0]
    assert reply.files_fallback == chart_table(data, "zh-CN")
    assert data.currency == "CNY"
    assert data.bucket_labels[:2] == ("未到期", "1-30天")
    # Monday's snapshot and Tuesday's, oldest first, in major units.
    assert [d.day for d in data.days] == [date(2026, 3, 16), date(2026, 3, 17)]
    assert data.days[1].buckets[:3] == (Decimal("2000.00"), Decimal("1000.00"), Decimal("400.00"))
    assert [d.overdue for d in data.days] == [Decimal("1000.00"), Decimal("2000.00")]
    assert data.days[1].dso == Decimal("60.0")
    # On time per team on Monday: finance 1 of 1, legal and sales 0 of 1.
    assert data.on_time == (("Sales", Decimal(0)), ("Finance", Decimal(1)), ("Legal", Decimal(0)))
    # A team digest has no chart: the snapshots are the company's.
    team = world.render("digest:console:#sales:sales:2026-03-17")
    assert team.attachments == () and team.files_fallback is None
    # The console takes no files: the table is appended to the card instead.
    from bot.kernel.capabilities import Capabilities, adapt

    shown = adapt(reply, "digest", Capabilities(files=False))
    assert shown.attachments == () and shown.card is not None
    assert shown.card.sections[-1] == reply.files_fallback


async def test_the_digest_posted_with_its_snapshot_shows_the_snapshot_later_ones_count_anew(
    world: DigestWorld,
) -> None:
    [key, *_] = world.run()  # Tuesday 09:00: the snapshot, then the posts
    posted = world.render(key).plain()
    assert "CN¥4,000.00" in posted  # worked above: 1,000 + 400 + 600 + 2,000 open
    # Zenith pays INV-5 in full a minute later. The post that goes out now still shows the
    # figures of its snapshot (read back, not counted again over the whole ledger) ...
    pay(world.db, "INV-5", 200_000, TUESDAY, world.clock.now())
    world.advance(minutes=1)
    assert "CN¥4,000.00" in world.render(key).plain()
    # ... but a digest rendered once the snapshot is no longer fresh counts the ledger as it is.
    world.advance(minutes=6)
    later = world.render(key).plain()
    assert "CN¥4,000.00" not in later and "CN¥2,000.00" in later

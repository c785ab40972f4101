"""`make demo` as a newcomer meets it, on whatever day they try it.

The demo is `arcircle run --clock-speed 60 --clock-start 10:00 < examples/circle_demo.txt`
with the repository's own config.yaml and sample ledger. These tests run that very script
through `arcircle run` in this process, with the wall clock faked to a Saturday, a Sunday, a
configured holiday and a weekday (the clock is scaled so a run takes seconds, not 35 of them),
and read the transcript a newcomer would read.
"""

from __future__ import annotations

import io
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config
from jobs.render import render_row
from storage.db import Database
from tests.conftest import LEDGER_HEADER, run_import, write_csv
from tests.test_circle import LEDGER, World

REPO = Path(__file__).resolve().parents[1]
SHANGHAI = ZoneInfo("Asia/Shanghai")
# 35 minutes of the demo in about 7 seconds; every wait in the script stays longer than the
# bot's tick (2 s of its time) and outbox poll (0.2 s of the wall's, 1 minute of its time).
SPEED = "300"


class FakeWall:
    """The wall clock on another day: starts at `start` and runs at the real pace."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


def _run_demo(tmp_path: Path, wall: datetime) -> str:
    args = cli.build_parser().parse_args(
        [
            "run",
            "--config",
            str(REPO / "config.yaml"),
            "--database",
            f"sqlite:///{tmp_path}/demo.db",
            "--clock-speed",
            SPEED,
            "--clock-start",
            "10:00",
        ]
    )
    out = io.StringIO()
    with (REPO / "examples" / "circle_demo.txt").open(encoding="utf-8") as script:
        assert cli.cmd_run(args, base=FakeWall(wall), stdin=script, stdout=out) == 0
    return out.getvalue()


# The lines of the demo that must appear whatever the day (the sample ledger moves with the
# clock's day, so the same customers open the same cases).
DEMO_LINES = (
    "[#ar-circle] arcircle: 🔴 新案件。@销售 Sales @财务 Finance @法务 Legal：请在 15m 内答复。",
    "[#ar-circle]   案件 #1 · 大连瑞新自动化设备有限公司",
    # 10:10, exactly five minutes left, whenever the tick that sent it came.
    "[#ar-circle › #1] arcircle: ⌛ 案件 #1 大连瑞新自动化设备有限公司：@销售 Sales，"
    "还剩 5 分钟答复 — /ar input 1 sales <text>",
    # 10:15: sales missed its window; its lead is mentioned.
    "[#ar-circle › #1] arcircle: 🔔 案件 #1 大连瑞新自动化设备有限公司：销售 Sales 未在时限内答复"
    "（第 1 级升级）。@王伟，请答复或确认收到：/ar input 1 sales <text>",
    "[#ar-circle] arcircle: ✓ 已记录 销售 Sales 对案件 #1 的答复（2/3 个团队已答复）。",
    "[#ar-circle] arcircle → wang.wei: 只有 法务 Legal（赵云） 可以决定“律师函”。",
    "[#ar-circle] arcircle: ✓ 案件 #1：已记录“分期付款”。",
    "[#ar-circle]   Not yet due: CN¥254,497.90",
    # 10:30: the other cases reach the manager and the channel.
    "[#ar-circle › #2] arcircle: 🔔 案件 #2 台州华海不锈钢制品股份有限公司：销售 Sales "
    "未在时限内答复（第 2 级升级）。@刘洋 @channel，请答复或确认收到：/ar input 2 sales <text>",
    "[#ar-circle › #9] arcircle: 🔔 案件 #9 Osprey Materials Technologies Inc.：法务 Legal "
    "未在时限内答复（第 2 级升级）。@刘洋 @channel，请答复或确认收到：/ar input 9 legal <text>",
)


@pytest.mark.parametrize(
    ("wall", "note"),
    [
        pytest.param(
            datetime(2026, 11, 28, 7, 30, tzinfo=SHANGHAI),
            "the clock starts on the next business day, Monday 2026-11-30 10:00 "
            "(today, Saturday 2026-11-28, is not a business day)",
            id="saturday",
        ),
        pytest.param(
            datetime(2026, 11, 29, 22, 0, tzinfo=SHANGHAI),
            "the clock starts on the next business day, Monday 2026-11-30 10:00 "
            "(today, Sunday 2026-11-29, is not a business day)",
            id="sunday",
        ),
        pytest.param(
            # National Day (config.yaml: 2026-10-01 and 10-02 are holidays, then a weekend).
            datetime(2026, 10, 1, 11, 0, tzinfo=SHANGHAI),
            "the clock starts on the next business day, Monday 2026-10-05 10:00 "
            "(today, Thursday 2026-10-01, is not a business day)",
            id="holiday",
        ),
        pytest.param(
            datetime(2026, 12, 2, 16, 45, tzinfo=SHANGHAI),
            "the clock starts today, Wednesday 2026-12-02 10:00",
            id="weekday",
        ),
    ],
)
def test_the_demo_plays_the_whole_circle_on_any_day(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    wall: datetime,
    note: str,
) -> None:
    monkeypatch.delenv("ARCIRCLE_SAMPLE_LEDGER", raising=False)
    monkeypatch.delenv("ARCIRCLE_CONFIG", raising=False)
    transcript = _run_demo(tmp_path, wall)
    err = capsys.readouterr().err
    assert f"({note}; 300× speed)" in err, err
    assert "dates moved to" in err
    missing = [line for line in DEMO_LINES if line not in transcript]
    assert not missing, f"missing {missing}\n{transcript}"
    # The clock runs: nothing in the demo waits for business hours.
    assert "恢复）" not in transcript and "按工作时间计时" not in transcript, transcript
    assert "还剩 4 分钟" not in transcript and "还剩 6 分钟" not in transcript
    assert "Traceback" not in transcript + err
    assert "出了问题" not in transcript


def _start(text: str, config: Config, wall: datetime) -> tuple[datetime, str]:
    return cli._clock_start(text, config, wall)


@pytest.mark.parametrize(
    ("today", "day"),
    [
        (date(2026, 11, 28), date(2026, 11, 30)),  # Saturday → Monday
        (date(2026, 11, 29), date(2026, 11, 30)),  # Sunday → Monday
        (date(2026, 12, 31), date(2026, 12, 31)),  # Thursday → itself
    ],
)
def test_a_start_time_without_a_date_is_on_the_next_business_day(
    config: Config, today: date, day: date
) -> None:
    wall = datetime(today.year, today.month, today.day, 23, 59, tzinfo=SHANGHAI)
    start, _ = _start("10:00", config, wall)
    assert start == datetime(day.year, day.month, day.day, 10, 0, tzinfo=SHANGHAI)


def test_holidays_and_a_date_given_outright(config: Config) -> None:
    holidays = config.model_copy(
        update={
            "circle": config.circle.model_copy(
                update={"holidays": [date(2026, 12, 31), date(2027, 1, 1)]}
            )
        }
    )
    start, note = _start("9:30", holidays, datetime(2026, 12, 31, 8, 0, tzinfo=SHANGHAI))
    assert start == datetime(2027, 1, 4, 9, 30, tzinfo=SHANGHAI)  # past New Year and a weekend
    assert "Monday 2027-01-04 09:30" in note and "Thursday 2026-12-31" in note
    # A date given outright is kept, business day or not.
    start, note = _start("2026-11-28T10:00", config, datetime(2026, 12, 2, tzinfo=SHANGHAI))
    assert start == datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
    assert note == "the clock starts at Saturday 2026-11-28 10:00"
    for bad in ("25:00", "10:61", "ten", "2026-13-01T10:00"):
        with pytest.raises(cli.Fail, match="expected HH:MM or YYYY-MM-DDTHH:MM"):
            _start(bad, config, datetime(2026, 12, 2, tzinfo=SHANGHAI))


# --- a card that waits for business hours says so ---------------------------------------------


@pytest.fixture
def saturday_world(db: Database, tmp_path: Path, config: Config) -> World:
    # Saturday 2026-03-21, 10:00 in Shanghai: the circle's clock stands until Monday 09:00.
    clock = FakeClock(datetime(2026, 3, 21, 10, 0, tzinfo=SHANGHAI))
    run_import(
        db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER), today=date(2026, 3, 21)
    )
    return World(db, config, clock, tmp_path)


async def test_a_card_waiting_for_business_hours_says_until_when(saturday_world: World) -> None:
    world = saturday_world
    opened = await world.say("wang.wei", "/ar open Northwind")
    assert opened == (
        "Case #1 is open for Northwind Trading; the teams have 15m of business time to answer, "
        "from Monday 09:00."
    )
    cards = world.rendered("card")
    assert cards, world.pending()
    first = cards[0]
    assert first.startswith(
        "🔴 New case. @sales @finance @legal: please answer within 15m of business time; "
        "the clock starts Monday 09:00."
    ), first
    assert "⏳ Sales: waiting, 15m left (paused until Monday 09:00)" in first
    card = await world.say("li.na", "/ar case 1")
    assert "⏳ Sales：等待答复，剩余 15m（暂停，周一 09:00 恢复）" in card, card
    # Monday 09:05: the clock runs, the note is gone.
    world.clock.set(datetime(2026, 3, 23, 9, 5, tzinfo=SHANGHAI))
    card = await world.say("tom.baker", "/ar case 1")
    assert "⏳ Sales: waiting, 10m left" in card and "paused" not in card


async def test_a_holiday_is_named_on_the_card(db: Database, tmp_path: Path, config: Config) -> None:
    holiday = config.model_copy(
        update={"circle": config.circle.model_copy(update={"holidays": [date(2026, 3, 18)]})}
    )
    clock = FakeClock(datetime(2026, 3, 18, 11, 0, tzinfo=SHANGHAI))  # a Wednesday off
    run_import(
        db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER), today=date(2026, 3, 18)
    )
    world = World(db, holiday, clock, tmp_path)
    await world.say("wang.wei", "/ar open Northwind")
    en = await world.say("tom.baker", "/ar case 1")
    assert "⏳ Sales: waiting, 15m left (holiday: paused until tomorrow 09:00)" in en, en
    zh = await world.say("li.na", "/ar case 1")
    assert "剩余 15m（节假日暂停，明天 09:00 恢复）" in zh, zh
    with db.engine.connect() as conn:
        row = world.pending("card")[0]
        reply = render_row(conn, row, holiday, clock.now())
    assert reply is not None and "the clock starts tomorrow 09:00" in reply.plain()

"""/ar metrics (别名 指标) in chat: the card a reader sees in English and Chinese, bad periods,
and the read gate. The circle history is tests/test_circle.py's world on 2026-03-16."""

from __future__ import annotations

from playbook.periods import clip, parse_period
from storage.metrics_report import metrics_report
from tests.test_circle import World, world  # noqa: F401  (the fixture)


async def _history(w: World) -> None:
    # 10:00 case 1 opens (sales, finance, legal); 10:05 finance answers; 10:15 level 1 for
    # sales and legal; 10:20 sales answers.
    w.scan()
    w.advance(minutes=5)
    await w.say("li.na", "/ar input 1 finance statement sent")
    w.advance(minutes=10)
    w.tick()
    w.advance(minutes=5)
    await w.say("wang.wei", "/ar input 1 sales customer agrees")


async def test_the_card_in_english(world: World) -> None:  # noqa: F811
    await _history(world)
    out = await world.say("tom.baker", "/ar metrics 2026-03")
    lines = out.splitlines()
    # March so far: the clock says 2026-03-16.
    assert lines[0] == "Metrics 2026-03 · 2026-03-01 to 2026-03-16 (16 days)"
    # CNY owed on 28 Feb and on 16 Mar: INV-1 1000 + INV-2 500 + INV-4 900 = 2400; nothing was
    # issued in March, so no DSO (— instead of a division by zero).
    assert "Receivables: CN¥2,400.00 → CN¥2,400.00 (sales CN¥0.00)" in lines
    assert "DSO: — (countback —)" in lines
    assert "At risk (90+ days): CN¥900.00 (37.50%)" in lines
    assert "Promises kept: 0 of 0 (—)" in lines
    # The circle: finance answered in 5 minutes (in time); sales after its escalation in 20.
    assert "The circle: cases opened 1, closed 0" in lines
    assert "  Finance      1  100.00%   5.00 min   5.00 min  -                  0" in lines
    assert "  Sales        1    0.00%  20.00 min  20.00 min  L1:1               0" in lines
    assert "  Legal        1    0.00%          —          —  L1:1               1" in lines
    assert "Legal · #1 Northwind Trading: chasing 赵云" in lines


async def test_the_card_in_chinese_by_its_alias(world: World) -> None:  # noqa: F811
    await _history(world)
    out = await world.say("li.na", "/ar 指标 2026-03 cny")
    assert out.startswith("指标 2026-03 · 2026-03-01 至 2026-03-16（16 天）")
    assert "应收账款: ¥2,400.00 → ¥2,400.00（销售 ¥0.00）" in out
    assert "响应圈：新开 1 个案件，关闭 0 个" in out
    assert "Legal · #1 Northwind Trading：催办 赵云" in out
    # One currency asked for: USD is not shown.
    assert "USD" not in out and "US$" not in out


async def test_default_period_is_last_month(world: World) -> None:  # noqa: F811
    out = await world.say("tom.baker", "/ar metrics")
    assert out.splitlines()[0] == "Metrics 2026-02 · 2026-02-01 to 2026-02-28 (28 days)"
    assert "No seats judged, no escalations, nobody waiting." in out


async def test_bad_periods_get_the_usage_line(world: World) -> None:  # noqa: F811
    out = await world.say("tom.baker", "/ar metrics 2026-13")
    assert "'2026-13' is not a period" in out
    assert out.endswith("Usage: /ar metrics [YYYY-MM | YYYY-Qn | YYYY | FROM..TO] [currency]")
    out = await world.say("tom.baker", "/ar metrics 2026-04")
    assert "2026-04 has not started yet (today is 2026-03-16)." in out
    out = await world.say("li.na", "/ar metrics 2026-03-10..2026-03-01")
    assert "日期范围“2026-03-10..2026-03-01”的结束早于开始。" in out and "用法" in out


async def test_someone_the_config_does_not_know_is_told_who_may_read(world: World) -> None:  # noqa: F811
    out = await world.say(None, "/ar metrics")
    assert "Only the people in arcircle's config and its readers may see receivables" in out
    assert "Metrics" not in out


async def test_the_json_has_a_circle_object_per_team(world: World) -> None:  # noqa: F811
    await _history(world)
    with world.db.engine.connect() as conn:
        report = metrics_report(
            conn,
            clip(parse_period("2026-03"), world.today()),
            world.config.aging_policy(),
            zone=world.config.company.zone,
            now=world.clock.now(),
            contacts=world.env.teams,
        )
    doc = report.to_json()
    assert doc["cases"] == {"opened": 1, "closed": 0}
    assert doc["circle"]["finance"] == {
        "seats": 1,
        "in_window": 1,
        "share": "1.0000",
        "median_answer_minutes": "5.00",
        "p90_answer_minutes": "5.00",
        "escalations": {},
        "waiting": [],
    }
    legal = doc["circle"]["legal"]
    assert (legal["share"], legal["escalations"], legal["median_answer_minutes"]) == (
        "0.0000",
        {"1": 1},
        None,
    )
    assert legal["waiting"] == [
        {
            "case": 1,
            "customer": "Northwind Trading",
            "who": ["zhao.yun"],
            "since": "2026-03-16T02:00:00+00:00",
            "level": 1,
        }
    ]

"""The router and the first command families, as a user in a chat would see them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.kernel.clock import FakeClock
from bot.kernel.config import Config
from bot.kernel.messages import Reply
from bot.router import Router
from storage.db import Database
from tests.conftest import LEDGER_HEADER, run_import, write_csv

# As of 2026-03-16 (the fake clock's day in Shanghai).
ROWS = [
    # 上海华东机械: 45 days late 10,000, and a paid-late history (10 and 20 days late)
    (
        "M-1",
        "SH01",
        "上海华东机械有限公司",
        "important",
        "wang.wei",
        "2026-01-01",
        "2026-01-30",
        "CNY",
        "10000",
        "",
        "",
        "no",
    ),
    (
        "M-2",
        "SH01",
        "上海华东机械有限公司",
        "important",
        "wang.wei",
        "2025-10-01",
        "2025-10-31",
        "CNY",
        "500",
        "500",
        "2025-11-10",
        "no",
    ),
    (
        "M-3",
        "SH01",
        "上海华东机械有限公司",
        "important",
        "wang.wei",
        "2025-09-01",
        "2025-09-30",
        "CNY",
        "700",
        "700",
        "2025-10-20",
        "no",
    ),
    # 上海华东电气: 10 days late 10,000, disputed
    (
        "E-1",
        "SH02",
        "上海华东电气有限公司",
        "normal",
        "tom.baker",
        "2026-02-04",
        "2026-03-06",
        "CNY",
        "10000",
        "",
        "",
        "yes",
    ),
    # Northwind: 200 days late USD 1,000 (= 7,000 CNY) and one not yet due
    (
        "N-1",
        "NW",
        "Northwind Supply Ltd",
        "problem",
        "tom.baker",
        "2025-07-29",
        "2025-08-28",
        "USD",
        "1000",
        "",
        "",
        "no",
    ),
    (
        "N-2",
        "NW",
        "Northwind Supply Ltd",
        "problem",
        "tom.baker",
        "2026-03-01",
        "2026-03-20",
        "USD",
        "300",
        "",
        "",
        "no",
    ),
    # Quiet Co: everything paid
    (
        "Q-1",
        "QC",
        "Quiet Co",
        "normal",
        "tom.baker",
        "2025-12-01",
        "2025-12-31",
        "CNY",
        "50",
        "50",
        "2025-12-20",
        "no",
    ),
]


@pytest.fixture
def router(db: Database, config: Config, clock: FakeClock, tmp_path: Path) -> Router:
    run_import(db, write_csv(tmp_path / "l.csv", LEDGER_HEADER, ROWS), today=date(2026, 3, 16))
    return Router(db, config, clock)


async def say(router: Router, text: str, person: str | None = "tom.baker") -> Reply:
    reply = await router.handle(text, platform="test", channel="#t", user_id="u", person=person)
    assert reply is not None, text
    return reply


async def test_overdue_ranks_by_priority(router: Router) -> None:
    text = (await say(router, "/ar overdue")).plain()
    assert "Overdue — top 3 of 3 (as of 2026-03-16)" in text
    lines = [line for line in text.splitlines() if line.strip()[:2] in ("1 ", "2 ", "3 ")]
    # Scores: 10,000 × 0.90 × 1.6 = 14,400 (45 days); USD 1,000 = 7,000 CNY × 0.85 × 2.0
    # = 11,900 (200 days); a disputed 10-day one is worked through its dispute: 10,000 × 0.95
    # × 1.0 × 0.6 = 5,700.
    assert ["M-1" in lines[0], "N-1" in lines[1], "E-1" in lines[2]] == [True, True, True]
    assert "CN¥10,000.00" in lines[0] and " 45 " in lines[0] and "王伟" in lines[0]
    assert "E-1 ⚑" in lines[2]
    assert "Total overdue: CN¥20,000.00 + $1,000.00" in text
    assert "N-2" not in text  # not yet due


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("early", ["E-1"], ["M-1", "N-1"]),
        ("mid", ["M-1"], ["E-1", "N-1"]),
        ("后期", ["N-1"], ["M-1", "E-1"]),
        ("pre-due", ["N-2"], ["M-1", "E-1", "N-1"]),
        ("sales", ["M-1", "E-1", "N-1"], []),
        ("Tom Baker", ["E-1", "N-1"], ["M-1"]),
        ("wang.wei", ["M-1"], ["E-1"]),
        ("mine", ["E-1", "N-1"], ["M-1"]),
        ("Northwind", ["N-1"], ["M-1", "E-1"]),
    ],
)
async def test_overdue_filters(
    router: Router, query: str, present: list[str], absent: list[str]
) -> None:
    text = (await say(router, f"/ar overdue {query}")).plain()
    for inv in present:
        assert inv in text, (query, text)
    for inv in absent:
        assert inv not in text, (query, text)


async def test_overdue_limit_and_bad_input(router: Router) -> None:
    text = (await say(router, "/ar overdue 1")).plain()
    assert "top 1 of 3" in text and "E-1" not in text
    bad = await say(router, "/ar overdue 99")
    assert bad.kind == "usage"
    assert bad.plain().splitlines()[-1] == (
        "Usage: /ar overdue [stage|team|person|customer|mine] [N]"
    )
    none = await say(router, "/ar overdue finance")
    assert none.plain() == "Nothing is overdue (Finance) as of 2026-03-16. 🎉"
    unknown = await say(router, "/ar overdue zzzz")
    assert unknown.plain() == "No customer matches 'zzzz'."


async def test_customer_card(router: Router) -> None:
    text = (await say(router, "/ar customer 上海华东机械")).plain()
    assert text.startswith("上海华东机械有限公司 (SH01)")
    assert "Segment: important" in text and "Owner: 王伟" in text
    assert "Risk grade: in collection" in text
    assert "Open: CN¥10,000.00" in text and "Overdue: CN¥10,000.00" in text
    assert "31-60" in text and "M-1" in text
    assert "Paid invoices: 2" in text
    assert "Average days late: 15.0" in text  # (10 + 20) / 2
    assert "Last payment: 2025-11-10" in text
    assert "Disputes: 0 open, 0 in all" in text
    assert "/ar overdue SH01" in text


async def test_customer_card_in_chinese(router: Router) -> None:
    text = (await say(router, "/ar 客户 上海华东电气", person="li.na")).plain()
    assert "客户分类: 普通客户" in text and "风险等级: 催收款" in text
    assert "E-1 ⚑" in text and "争议: 未解决 1 笔，累计 1 笔" in text


async def test_customer_without_open_invoices_gets_a_relationship_message(router: Router) -> None:
    text = (await say(router, "/ar customer quiet co")).plain()
    assert "No open invoices: nothing to collect" in text
    assert "Overdue" not in text


async def test_customer_lookup_did_you_mean(router: Router) -> None:
    several = await say(router, "/ar customer 上海华东")
    text = several.plain()
    assert "Several customers match '上海华东'" in text
    assert "/ar customer SH01" in text and "/ar customer SH02" in text
    assert several.card is not None and len(several.card.buttons) == 2
    typo = (await say(router, "/ar customer Northwnd Supply Ltd")).plain()
    assert "No customer matches 'Northwnd Supply Ltd'. Did you mean:" in typo
    assert "/ar customer NW" in typo
    by_code = (await say(router, "/ar customer nw")).plain()
    assert by_code.startswith("Northwind Supply Ltd (NW)")
    assert (await say(router, "/ar customer")).plain() == "Usage: /ar customer <name or code>"


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        ("@arcircle what about Northwind?", "Northwind Supply Ltd (NW)"),
        ("@arcircle 上海华东电气怎么样？", "上海华东电气有限公司 (SH02)"),
        ("@arcircle 查一下 Quiet Co", "Quiet Co (QC)"),
        ('/ar customer "Northwind Supply Ltd"', "Northwind Supply Ltd (NW)"),
        ("/AR CUST quiet", "Quiet Co (QC)"),
        ("@arcircle anything overdue?", "Overdue — top 3"),
        ("/ar 逾期", "Overdue — top 3"),
    ],
)
async def test_mentions_aliases_and_plain_questions(router: Router, text: str, starts: str) -> None:
    assert (await say(router, text)).plain().startswith(starts)


async def test_router_ignores_chatter_and_helps(router: Router) -> None:
    assert (
        await router.handle("lunch at 12?", platform="t", channel="c", user_id="u", person=None)
        is None
    )
    help_text = (await say(router, "/ar")).plain()
    assert "/ar overdue" in help_text and "/ar customer" in help_text and "逾期" in help_text
    detail = (await say(router, "/ar help 客户")).plain()
    assert detail.startswith("/ar customer <name or code> [客户, cust, c]")
    unknown = (await say(router, "/ar frobnicate")).plain()
    assert (
        unknown == "I don't know the command 'frobnicate'.\nType /ar help for the list of commands."
    )
    close = (await say(router, "/ar overdu")).plain()
    assert "Did you mean: /ar overdue?" in close
    # A direct message needs no prefix.
    direct = await router.handle(
        "overdue", platform="t", channel="dm", user_id="u", person="tom.baker", addressed=True
    )
    assert direct is not None and direct.plain().startswith("Overdue")


async def test_a_failing_handler_never_shows_a_traceback(
    router: Router, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(cmd: object, ctx: object) -> Reply:
        raise RuntimeError("database exploded")

    verb = router.verbs["overdue"]
    monkeypatch.setitem(
        router.verbs, "overdue", type(verb)(verb.name, verb.aliases, verb.usage, verb.summary, boom)
    )
    reply = await say(router, "/ar overdue")
    assert reply.kind == "error"
    assert reply.plain().startswith("Sorry, something went wrong on my side (ref ")
    assert "Traceback" not in reply.plain() and "exploded" not in reply.plain()
    ref = reply.plain().split("(ref ")[1][:6]
    assert any(ref in r.getMessage() and r.exc_info for r in caplog.records)

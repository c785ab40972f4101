"""What a newcomer (or an attacker) types into the console, and what they read back.

Numbers that overflow, a Chinese keyboard's slash and spaces, a pasted page of bad words,
terminal escapes in a ledger name, and the wording of the replies in English and Chinese.
Every test that touches the database runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.adapters.console.messenger import ConsoleMessenger, harmless
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config, load_config, parse_duration
from bot.kernel.messages import Reply
from bot.router import Router
from playbook.aging import make_buckets
from playbook.circle import CirclePolicy, Remind, SeatState, step
from playbook.decisions import ACTIONS
from playbook.money import format_money
from storage.db import Database
from storage.models import Customer
from storage.reports import aging_report
from tests.conftest import LEDGER_HEADER, TEST_CONFIG, run_import, write_csv
from tests.test_circle import LEDGER, World, row

_cus = Customer.__table__  # type: ignore[attr-defined]

# The fake clock's Monday plus a yen customer, for the currency wording.
LEDGER_JPY = [
    *LEDGER,
    row(
        "JP-1", "C9", "Kosei Cable Co., Ltd.", "tom.baker", "2026-03-01", "3304500", currency="JPY"
    ),
]


@pytest.fixture
def world(db: Database, tmp_path: Path, config: Config, clock: FakeClock) -> World:
    run_import(db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER_JPY))
    w = World(db, config, clock, tmp_path)
    w.scan()  # case 1: Northwind Trading (sales, finance, legal)
    return w


async def reply(world: World, who: str | None, line: str) -> Reply:
    answer = await world.router.handle(
        line, platform="console", channel="#test", user_id=who or "U?", person=who
    )
    assert answer is not None, line
    return answer


def usage_line(answer: Reply) -> str:
    return answer.plain().splitlines()[-1]


# --- numbers that overflow ---------------------------------------------------------------------

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("who", "line", "expected"),
    [
        ("tom.baker", f"/ar case {HUGE}", f"There is no case #{HUGE}."),
        ("tom.baker", "/ar case 2147483648", "There is no case #2147483648."),
        ("tom.baker", "/ar case #" + "9" * 5000, "There is no case #99999999999999999999999…"),
        ("li.na", f"/ar input {HUGE} finance statement sent", f"没有案件 #{HUGE}。"),
        ("wang.wei", f"/ar promise {HUGE} 100 +3d", f"There is no case #{HUGE}."),
        ("wang.wei", f"/ar decide {HUGE} remind", f"There is no case #{HUGE}."),
        ("wang.wei", f"/ar decide {HUGE} lawyers letter", f"There is no case #{HUGE}."),
        ("wang.wei", f"/ar snooze {HUGE} 1h customer travelling", f"There is no case #{HUGE}."),
        ("wang.wei", f"/ar phrase {HUGE}", f"There is no case #{HUGE}."),
        ("wang.wei", f"/ar open {HUGE}", f"No customer matches '{HUGE}'."),
        ("wang.wei", f"/ar customer {HUGE}", f"No customer matches '{HUGE}'."),
        ("wang.wei", f"/ar check {HUGE}", f"No customer matches '{HUGE}'."),
        ("wang.wei", f"/ar dispute {HUGE} wrong goods", f"No invoice '{HUGE}'."),
        ("wang.wei", "/ar dispute " + "I" * 100_000 + " wrong", "No invoice 'IIIIIIIII"),
        ("wang.wei", "/ar open " + "X" * 100_000, "No customer matches 'XXXXXXXX"),
    ],
)
async def test_an_id_no_row_can_have_is_no_such_case(
    world: World, who: str, line: str, expected: str
) -> None:
    answer = await reply(world, who, line)
    text = answer.plain()
    assert answer.kind == "error", text[:300]
    assert text.startswith(expected), text[:300]
    assert len(text) < 300  # a pasted page is not repeated back


@pytest.mark.parametrize(
    ("who", "line", "usage"),
    [
        ("tom.baker", "/ar case ²", "Usage: /ar case [case number]"),
        ("wang.wei", f"/ar promise 1 {HUGE}000 +3d", "Usage: /ar promise <case>"),
        ("wang.wei", "/ar promise 1 100 9999-12-31", "Usage: /ar promise <case>"),
        ("wang.wei", f"/ar promise 1 {'9' * 5000} +3d", "Usage: /ar promise <case>"),
        ("wang.wei", f"/ar promise 1 {HUGE}万 +3d", "Usage: /ar promise <case>"),
        (
            "liu.yang",
            f"/ar decide 1 installment plan --amount {HUGE} --date +7d",
            "Usage: /ar decide <case>",
        ),
        (
            "liu.yang",
            "/ar decide 1 installment plan --amount 100 --date 9999-12-31",
            "Usage: /ar decide <case>",
        ),
        ("wang.wei", "/ar snooze 1 99999999999d customer travelling", "Usage: /ar snooze <case>"),
        ("wang.wei", f"/ar snooze 1 {HUGE}m customer travelling", "Usage: /ar snooze <case>"),
        ("wang.wei", f"/ar overdue {HUGE}", "Usage: /ar overdue"),
        ("wang.wei", "/ar overdue 0", "Usage: /ar overdue"),
        ("wang.wei", f"/ar phrase 1 --variant {HUGE}", "Usage: /ar phrase"),
        ("li.na", f"/ar input {HUGE}x finance hi", "用法: /ar input <case>"),
    ],
)
async def test_a_number_too_big_to_mean_anything_gets_the_usage_line(
    world: World, who: str, line: str, usage: str
) -> None:
    answer = await reply(world, who, line)
    assert answer.kind == "usage", answer.plain()[:300]
    assert usage_line(answer).startswith(usage), answer.plain()[:300]
    view = world.case(1)
    assert view.promises == () and view.decisions == ()


PAGE = "Z" * 100_000


@pytest.mark.parametrize(
    ("who", "line"),
    [
        ("tom.baker", f"/ar {PAGE}"),
        ("tom.baker", f"/ar help {PAGE}"),
        ("tom.baker", f"/ar excuses {PAGE}"),
        ("tom.baker", f"/ar overdue {PAGE}"),
        ("tom.baker", f"/ar customer {PAGE}"),
        ("tom.baker", f"/ar check {PAGE}"),
        ("wang.wei", f"/ar phrase 1 {PAGE}"),
        ("wang.wei", f"/ar promise 1 {PAGE} +3d"),
        ("wang.wei", f"/ar promise 1 100 {PAGE}"),
        ("wang.wei", f"/ar decide 1 {PAGE}"),
        ("liu.yang", f"/ar decide 1 installment --amount {PAGE} --date +7d"),
        ("liu.yang", f"/ar decide 1 installment --amount 100 --date {PAGE}"),
        ("liu.yang", f"/ar input 1 {PAGE}"),
        ("wang.wei", f"/ar snooze 1 {PAGE} customer travelling"),
        ("wang.wei", f"/ar snooze 1 1h customer travelling --team {PAGE}"),
    ],
)
async def test_a_pasted_page_as_an_argument_is_not_repeated_back(
    world: World, who: str, line: str
) -> None:
    answer = await reply(world, who, line)
    text = answer.plain()
    assert answer.kind in ("usage", "error"), text[:300]
    assert len(text) < 1000, text[:300]  # at most the start of the page, clipped with "…"
    assert "something went wrong" not in text


def test_durations_are_bounded_before_they_can_overflow() -> None:
    assert parse_duration("3650d") == timedelta(days=3650)
    for too_long in ("3651d", "99999999999d", HUGE + "s", "9" * 5000 + "m", 10**30):
        with pytest.raises(ValueError, match="too long a duration"):
            parse_duration(too_long)


async def test_a_wait_too_long_gets_the_usage_line_and_the_console_carries_on(
    world: World,
) -> None:
    script = "wait 99999999999d\nas li.na: wait 99999999999d\nas tom.baker: /ar case 1\n"
    out = io.StringIO()
    console = ConsoleMessenger(
        world.router, world.config, stdin=io.StringIO(script), stdout=out, interactive=False
    )
    await console.run()
    lines = out.getvalue().splitlines()
    assert lines[0] == ("(Usage: wait <duration>, e.g. wait 5m or wait 1h30m (at most 3650d).)"), (
        lines
    )
    assert lines[1] == "(用法：wait <时长>，例如 wait 5m 或 wait 1h30m（最长 3650d）。)", lines
    assert "[#test] arcircle → tom.baker: Case #1 · Northwind Trading" in lines


# --- a Chinese keyboard -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "／ar case 1",
        "／AR case 1",
        "／ａｒ case 1",
        "/ar\u00a0case 1",
        "/ar case\u00a01",
        "/ar\u3000case\u30001",
        "／ar\u3000case\u00a0#1",
        "/ar\u2009case\u202f1",
        "/ar case\t1",
        "＠arcircle case 1",
    ],
)
async def test_full_width_slash_and_unicode_spaces_are_understood(world: World, line: str) -> None:
    text = (await reply(world, "tom.baker", line)).plain()
    assert text.startswith("Case #1 · Northwind Trading"), (line, text[:200])


async def test_an_answer_typed_with_no_break_spaces_lands(world: World) -> None:
    out = (
        await reply(world, "li.na", "／ar\u3000input\u00a01\u00a0finance\u3000对账单已寄出")
    ).plain()
    assert out == "✓ 已记录 Finance 对案件 #1 的答复（1/3 个团队已答复）。"
    assert world.case(1).inputs[-1].text == "对账单已寄出"


# --- a pasted page of bad words ----------------------------------------------------------------

BAD = "你这个老赖，我们会告诉你的家人。We will sue you and call the police. "


@pytest.mark.parametrize(("who", "more"), [("tom.baker", "… and "), ("li.na", "……另有 ")])
async def test_lint_on_a_huge_text_caps_its_findings(world: World, who: str, more: str) -> None:
    # about 80,000 characters, 6,000 findings: an insult, a third party, a threat to sue
    # (sue_threat) and a false legal claim per line
    page = BAD * 1500
    answer = await reply(world, who, "/ar lint " + page)
    text = answer.plain()
    assert len(text) < 4000, len(text)  # Telegram's limit is 4,096 characters
    assert "6,000" in text.splitlines()[0]
    bullets = [line for line in text.splitlines() if line.startswith("• ")]
    assert 1 <= len(bullets) <= 20
    tail = [line for line in text.splitlines() if line.startswith(more)]
    assert tail == [f"{more}{6000 - len(bullets):,}" + (" more" if who == "tom.baker" else " 处")]


# --- the terminal -----------------------------------------------------------------------------

EVIL = "Evil\x1b[2J\x1b[31m Co\r[#test] arcircle: fake\x07\x9b31m\u202etxt.exe\u2028next"


async def test_terminal_controls_in_outside_text_are_printed_harmlessly(
    world: World, db: Database
) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(_cus).where(_cus.c.code == "C1").values(name=EVIL))
    out = io.StringIO()
    console = ConsoleMessenger(
        world.router,
        world.config,
        stdin=io.StringIO("/ar case 1\n/ar lint \x1b]0;pwned\x07 hello\n"),
        stdout=out,
        interactive=False,
    )
    await console.run()
    printed = out.getvalue()
    controls = [
        ch for ch in printed if (ord(ch) < 32 and ch not in "\n\t") or 0x7F <= ord(ch) < 0xA0
    ]
    assert controls == [], controls
    assert "\u202e" not in printed and "\u2028" not in printed
    assert (
        "[#test] arcircle → tom.baker: Case #1 · Evil\\x1b[2J\\x1b[31m Co\\x0d[#test] arcircle: "
        "fake\\x07\\x9b31m\\u202etxt.exe\\u2028next" in printed
    ), printed
    # The echo of what was typed, too; every printed line is one of the console's own.
    assert "[#test] tom.baker: /ar lint \\x1b]0;pwned\\x07 hello" in printed
    assert all(re.match(r"^\[#test\]|^\(", line) for line in printed.splitlines()), printed
    # Only the screen changed: the data is as it was imported.
    assert world.case(1).customer_name == EVIL


def test_harmless_keeps_text_newlines_and_tabs() -> None:
    assert harmless("王伟\tok\n§ ünïcode 🎉") == "王伟\tok\n§ ünïcode 🎉"
    assert harmless("a\x00b\x7fc\u200fd\u2066e") == "a\\x00b\\x7fc\\u200fd\\u2066e"


# --- wording, as the reader reads it ----------------------------------------------------------


async def test_credit_check_labels_never_repeat_their_values(world: World) -> None:
    en = (await reply(world, "tom.baker", "/ar check Acme")).plain()
    assert "Not yet due: $700.00" in en and "Open: Open" not in en
    en = (await reply(world, "tom.baker", "/ar check Northwind")).plain()
    assert "Open case: #1 (waiting for answers)" in en and "Status: Open case" not in en
    zh = (await reply(world, "li.na", "/ar check Acme")).plain()
    assert "未到期: US$700.00" in zh and "未结清: 未到期" not in zh
    zh = (await reply(world, "li.na", "/ar check Northwind")).plain()
    assert "进行中的案件: #1（等待各方答复）" in zh


async def test_an_input_with_nothing_left_to_count_says_no_count(world: World) -> None:
    done = await reply(world, "liu.yang", "/ar decide 1 installment plan --amount 500 --date +7d")
    assert done.kind == "answer", done.plain()
    zh = (await reply(world, "li.na", "/ar input 1 finance 对账单已寄出")).plain()
    assert zh == "✓ 已记录 Finance 对案件 #1 的意见。"
    en = (await reply(world, "tom.baker", "/ar input 1 sales they will pay Friday")).plain()
    assert en == "✓ Sales's input on case #1 is recorded."
    assert "0/0" not in zh + en and "0 of 0" not in en


async def test_bucket_labels_and_statuses_in_the_readers_language(
    world: World, db: Database
) -> None:
    en = (await reply(world, "tom.baker", "/ar customer Northwind")).plain()
    assert re.search(r"^\s*1-30 days\s+1\s+CN¥1,000.00$", en, re.M), en
    assert re.search(r"^\s*31-60 days\s+1\s+CN¥500.00$", en, re.M), en
    zh = (await reply(world, "li.na", "/ar customer Northwind")).plain()
    assert re.search(r"^\s*1-30天\s+1\s+¥1,000.00$", zh, re.M), zh
    assert re.search(r"^\s*31-60天\s+1\s+¥500.00$", zh, re.M), zh
    with db.engine.begin() as conn:
        conn.execute(update(_cus).where(_cus.c.code == "C1").values(status="insolvent"))
    zh = (await reply(world, "li.na", "/ar customer Northwind")).plain()
    assert "状态: 已破产" in zh and "insolvent" not in zh
    en = (await reply(world, "tom.baker", "/ar customer Northwind")).plain()
    assert "Status: insolvent" in en


def test_bucket_labels_for_every_range() -> None:
    buckets = make_buckets([30, 60, 90, 180, 365])
    assert [b.label_in("en") for b in buckets] == [
        "Current",
        "1-30 days",
        "31-60 days",
        "61-90 days",
        "91-180 days",
        "181-365 days",
        "365+ days",
    ]
    assert [b.label_in("zh-CN") for b in buckets] == [
        "未到期",
        "1-30天",
        "31-60天",
        "61-90天",
        "91-180天",
        "181-365天",
        "365天以上",
    ]
    assert [b.label for b in buckets][1] == "1-30"  # what reports and exports key on


def test_the_aging_table_reads_in_days_and_its_data_keeps_the_keys(world: World) -> None:
    with world.db.engine.connect() as conn:
        rep = aging_report(conn, date(2026, 3, 16), world.config.aging_policy(), by="customer")
    table = rep.to_table()
    assert re.search(r"^\s*1-30 days\s+1\s+1,000.00\s+41.7%$", table, re.M), table
    assert re.search(r"^\s*365\+ days\s+1\s+900.00", table, re.M), table
    assert "CNY by customer (days past due):" in table
    labels = [b["label"] for b in rep.to_json()["totals"][0]["buckets"]]
    assert labels[1] == "1-30" and labels[-1] == "365+"


@pytest.mark.parametrize(
    ("currency", "amount", "en", "zh"),
    [
        ("CNY", "1234.5", "CN¥1,234.50", "¥1,234.50"),
        ("JPY", "3304500", "¥3,304,500", "日元 3,304,500"),
        ("JPY", "-20", "-¥20", "日元 -20"),
        ("USD", "79529", "$79,529.00", "US$79,529.00"),
        ("EUR", "8754.87", "€8,754.87", "€8,754.87"),
        ("HKD", "18307.16", "HK$18,307.16", "HK$18,307.16"),
    ],
)
def test_each_sample_currency_reads_unambiguously(
    currency: str, amount: str, en: str, zh: str
) -> None:
    assert format_money(Decimal(amount), currency, "en") == en
    assert format_money(Decimal(amount), currency, "zh-CN") == zh


async def test_the_yen_is_yen_in_a_chinese_reply(world: World) -> None:
    zh = (await reply(world, "li.na", "/ar customer Kosei")).plain()
    assert "日元 3,304,500" in zh and "¥3,304,500" not in zh.replace("日元 ", "")
    en = (await reply(world, "tom.baker", "/ar customer Kosei")).plain()
    assert "¥3,304,500" in en and "日元" not in en


async def test_the_card_counts_down_like_a_countdown(world: World) -> None:
    for seconds, left in ((12, "15m"), (630, "5m"), (890, "10s")):
        world.clock.set(world.case(1).opened_at + timedelta(seconds=seconds))
        card = (await reply(world, "tom.baker", "/ar case 1")).plain()
        assert f"⏳ Sales: waiting, {left} left" in card, (seconds, card)


def test_a_reminder_states_the_minutes_left_when_it_fell_due() -> None:
    policy = CirclePolicy(hours=None)
    seat = SeatState(team="sales", started_at=_at(10, 0))
    # Due at 10:10; a tick 50 s late still says five minutes (rendered "还剩 5 分钟").
    _, actions = step(seat, policy, _at(10, 10, 50))
    assert actions == [Remind("sales", left=timedelta(minutes=5))]
    # Two minutes late (the process was down): what is really left.
    _, actions = step(seat, policy, _at(10, 12))
    assert actions == [Remind("sales", left=timedelta(minutes=3))]


def _at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 3, 16, hour, minute, second, tzinfo=UTC)


# --- no English error in a Chinese reply ------------------------------------------------------

# What may stand in Latin letters in a Chinese reply: what the user typed (quoted back “…”),
# the config's names and keys, commands and their keywords, currency and invoice codes.
_ALLOWED_LATIN = re.compile(
    r"“[^”]*”|/ar[^\n]*|--\S+|YYYY-MM-DD|MM-DD|\b(?:Sales|Finance|Legal|Tom Baker|"
    r"Northwind Trading|Acme Tools|CNY|JPY|USD|US|HK|sales|finance|legal|INV-\d|C\d|"
    + "|".join(a.name for a in ACTIONS)
    + r")\b"
)


@pytest.mark.parametrize(
    "line",
    [
        "/ar promise 1 100.555 +3d",
        "/ar promise 1 100.5 JPY +3d",
        "/ar decide 1 installment plan --amount 100.555 --date +7d",
        "/ar decide 1 lawyers letter",
        "/ar decide 1 nonsense",
        "/ar promise 1 100 someday",
        "/ar promise 1 100 9999-12-31",
        "/ar snooze 1 forever busy",
        "/ar input 1 nosuchteam",
        "/ar input 99999999999999999999 finance hi",
        "/ar case ²",
        "/ar frobnicate",
        "/ar overdue 999",
        "/ar customer zzzz",
        "/ar dispute NOPE reason",
        "/ar phrase 1 --variant 99999999999999999999",
        "/ar lint you are a deadbeat, we will call your family",
    ],
)
async def test_a_chinese_reply_has_no_english_error(world: World, line: str) -> None:
    text = (await reply(world, "li.na", line)).plain()
    latin = re.findall(r"[A-Za-z]{3,}", _ALLOWED_LATIN.sub("", text))
    assert latin == [], (line, text)


async def test_who_may_decide_is_said_in_the_readers_language(
    world: World, config_path: Path
) -> None:
    config_path.write_text(
        TEST_CONFIG.replace(
            "tom.baker: {name: Tom Baker, team: sales}",
            "tom.baker: {name: Tom Baker, team: sales, locale: zh-CN}",
        ),
        encoding="utf-8",
    )
    zh_config = load_config(config_path, env={})
    world.router = Router(world.db, zh_config, world.clock, circle=world.env)
    zh = (
        await reply(world, "tom.baker", "/ar decide 1 installment --amount 100 --date +7d")
    ).plain()
    assert zh.startswith(
        "只有 Finance负责人（李娜） / Sales负责人（王伟） / 经理（刘洋） 可以决定“分期付款”。"
    ), zh
    en = (await reply(world, "wang.wei", "/ar decide 1 write-off uncollectable")).plain()
    assert "Only Finance lead (李娜) / a manager (刘洋) may decide 'Write-off'" in en


async def test_a_kept_promise_and_a_paid_invoice_read_in_the_readers_words(
    world: World, tmp_path: Path
) -> None:
    from jobs.circle import watch_promises

    await reply(world, "wang.wei", "/ar promise 1 1000 2026-03-20")
    paid = [
        row("INV-1", "C1", "Northwind Trading", "wang.wei", "2026-03-15", "1000.00", paid="1000"),
        *LEDGER_JPY[1:],
    ]
    run_import(world.db, write_csv(tmp_path / "paid.csv", LEDGER_HEADER, paid))
    assert watch_promises(world.db, world.env, today=date(2026, 3, 16), now=world.clock.now()) == 1
    notes = world.rendered("note")
    assert any("Case #1: the promised CN¥1,000.00 has arrived ✅" in n for n in notes), notes
    zh = (await reply(world, "li.na", "/ar case 1")).plain()
    assert "INV-1 (已付清)" in zh and "(paid)" not in zh
    en = (await reply(world, "tom.baker", "/ar case 1")).plain()
    assert "INV-1 (paid)" in en

"""The five cards of README's "What to say" section, from examples/phrase_ledger.csv.

The very commands the README gives: import the example ledger, record a promise on Monday
(examples/phrase_promise.txt), and on Friday, with the promise missed, ask for the five cards
(examples/phrase_cards.txt). Each card is read for what a collector must see.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot import cli

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


def _run(url: str, script: str, start: str) -> str:
    # As the README runs them: 60× speed, so the cards script's `wait 5m` (the start-up scans
    # mark the promise broken meanwhile) takes five real seconds.
    args = cli.build_parser().parse_args(
        [
            *("run", "--config", str(REPO / "config.yaml"), "--database", url),
            *("--clock-start", start, "--clock-speed", "60"),
        ]
    )
    out = io.StringIO()
    with (EXAMPLES / script).open(encoding="utf-8") as stdin:
        assert cli.cmd_run(args, stdin=stdin, stdout=out) == 0
    return out.getvalue()


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('phrase')}/phrase.db"
    ledger = str(EXAMPLES / "phrase_ledger.csv")
    assert (
        cli.main(["import", ledger, "--config", str(REPO / "config.yaml"), "--database", url]) == 0
    )
    monday = _run(url, "phrase_promise.txt", "2026-11-23T10:00")
    assert "已登记案件 #1 的付款承诺" in monday
    friday = _run(url, "phrase_cards.txt", "2026-11-27T10:00")
    # One card per `/ar phrase` line, keyed by what was asked.
    parts = re.split(r"^\[#ar-circle\] li\.na: /ar phrase (.+)$", friday, flags=re.M)
    found = dict(zip(parts[1::2], parts[2::2], strict=True))
    assert len(found) == 5, friday
    return {
        key: re.sub(r"^\[#ar-circle\] ?\s*", "", text, flags=re.M) for key, text in found.items()
    }


def test_a_bad_debt(cards: dict[str, str]) -> None:
    card = cards["恒通贸易"]
    assert "风险等级：呆账 · 按此账龄预计回收率：80%" in card
    assert "呆账：交由法务处理，发律师函限期付款。" in card
    assert "王总，您好！" in card
    assert "共¥228,000.00" in card and "逾期506天" in card and "全额付清" in card
    assert "截至今日逾期利息约 ¥114,402.00（每日0.1%）" in card
    assert "分期" not in card.split("话术", 1)[1].split("下一步", 1)[0]


def test_a_dead_debt(cards: dict[str, str]) -> None:
    card = cards["华远建材"]
    assert "风险等级：死账" in card and "走法律途径" in card
    assert "欧阳经理，您好！" in card and "正式发出催告" in card
    assert "通过法律途径解决" in card and "核销" in card
    assert "分期" not in card.split("话术", 1)[1].split("下一步", 1)[0]  # not in the words
    assert "installment" not in card  # nor as a button
    assert "逾期利息" not in card  # the contract has no interest clause


def test_a_broken_promise(cards: dict[str, str]) -> None:
    card = cards["1"]
    assert "李经理，您好！" in card
    assert "您承诺于2026年11月24日支付的¥48,000.00，至今未到账。" in card
    assert "书面确认新的付款日期" in card
    assert "一向" not in card and "靠谱" not in card  # no praise after a miss


def test_a_partly_disputed_customer(cards: dict[str, str]) -> None:
    card = cards["新辰电子"]
    words = card.split("话术", 1)[1].split("有争议的发票", 1)[0]
    assert "¥48,500.00" in words and "¥60,500.00" not in words
    assert "XC-2026-102号发票的问题我们另行跟进处理" in words
    assert "XC-2026-102号发票，共¥12,000.00，不计入本次催款" in card
    assert "红字发票" in card


def test_a_big_strategic_customer(cards: dict[str, str]) -> None:
    card = cards["中联重工"]
    assert "由销售经理或分管领导亲自致电对方负责人" in card
    assert "价值高、风险低" in card and "陈总，您好！" in card
    words = card.split("话术", 1)[1].split("未到期", 1)[0]
    assert "¥1,200,000.00" in words and "ZL-2026-120" not in words
    assert "ZL-2026-120号发票共¥650,000.00尚未到期" in card

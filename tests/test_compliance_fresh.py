"""The compliance lint on tables written by people who had not seen its rules: the lead's
table and two helper tables (tests/data/lint_lead.yaml, lint_fresh.yaml, lint_fresh2.yaml).
The same bounds as the hidden tables it will be judged by: per rule, at least 95% recall and
at most 5% false alarms, and no clean line flagged."""

from __future__ import annotations

import timeit
from pathlib import Path

import pytest
import yaml

from playbook.compliance import WORD_RULES, lint
from playbook.compliance_table import TableScore, parse_table, report_lines, score_table

DATA = Path(__file__).parent / "data"
FRESH = ("lint_lead.yaml", "lint_fresh.yaml", "lint_fresh2.yaml")


def _score(name: str) -> TableScore:
    data = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    return score_table(parse_table(data))


SCORES = {name: _score(name) for name in FRESH}


@pytest.mark.parametrize("name", FRESH)
@pytest.mark.parametrize("rule", WORD_RULES)
def test_fresh_table_recall_and_false_alarms_per_rule(name: str, rule: str) -> None:
    score = SCORES[name]
    report = "\n".join(report_lines(score))
    assert score.rule(rule).recall >= 0.95, report
    assert score.rule(rule).false_alarm_rate <= 0.05, report


@pytest.mark.parametrize("name", FRESH)
def test_fresh_table_clean_lines_fire_nothing(name: str) -> None:
    score = SCORES[name]
    assert score.clean_flagged == 0, report_lines(score)


@pytest.mark.parametrize("name", ["lint_fresh.yaml", "lint_fresh2.yaml"])
def test_helper_tables_are_big_enough(name: str) -> None:
    table = parse_table(yaml.safe_load((DATA / name).read_text(encoding="utf-8")))
    assert set(table.bad) == set(WORD_RULES)
    assert all(len(lines) >= 12 for lines in table.bad.values())
    assert len(table.clean) >= 60


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # families, not the table's exact lines
        ("We know which gym your husband goes to on Fridays.", "threat"),
        ("你们老板娘最好别一个人走夜路。", "threat"),
        ("We have e-mailed your main customers about the unpaid invoices.", "third_party"),
        ("Our people are waiting to meet you in person.", "threat"),
        ("Your investors might like a copy of this statement.", "third_party"),
        ("The county court asked me to remind you to pay today.", "fake_authority"),
        ("We'll ring you every quarter of an hour.", "harassment"),
        ("Pay by noon or a summons by Friday.", "sue_threat"),
        ("你們這些外籍老闆就是不守信用。", "discrimination"),
        ("我們會在你家樓下一直守著。", "harassment"),
    ],
)
def test_variants_of_the_fixed_misses_fire(text: str, rule: str) -> None:
    assert rule in {f.rule for f in lint(text)}, lint(text)


@pytest.mark.parametrize(
    "text",
    [
        "The tax bureau asked us to reissue the invoice.",
        "Tell your team to stay safe during the typhoon.",
        "We'd rather settle this without going to court.",
        "Please ask your finance director to call me.",
        "The police report you mentioned can go to your insurer.",
        "我们希望不用通过法院解决。",
    ],
)
def test_lawful_lines_near_the_new_families_pass(text: str) -> None:
    assert lint(text) == []


def test_a_300_character_message_takes_under_a_millisecond() -> None:
    text = (
        "Per clause 7 the overdue balance of 12,300 USD on invoices 4471 and 4472 remains "
        "unpaid. 我们已将贵司列入内部观察名单,请于本周五前确认付款计划。Our legal department "
        "will review the account and we will call your finance manager tomorrow at 10am. "
    ) * 2
    text = text[:300]
    lint(text)
    best = min(timeit.repeat(lambda: lint(text), number=50, repeat=5)) / 50
    # 1 ms is the budget on an idle machine; the bound leaves room for a loaded CI runner.
    assert best < 0.004, f"{best * 1000:.2f} ms"

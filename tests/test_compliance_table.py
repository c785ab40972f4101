"""The compliance lint against its category table and the held-out table, the playbook's own
templates, and the normalisation that lets it see through spelling games."""

from __future__ import annotations

import argparse
import io
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import lint_cli
from playbook.compliance import WORD_RULES, lint
from playbook.compliance_norm import normalise
from playbook.compliance_table import parse_table, report_lines, score_table

DATA = Path(__file__).parent / "data"
PLAYBOOK = Path(__file__).parent.parent / "playbook" / "data"
HAN = re.compile("[\u4e00-\u9fff]")


def _load(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


TABLE = parse_table(_load("lint_table.yaml"))
HOLDOUT = parse_table(_load("lint_holdout.yaml"))
TABLE_SCORE = score_table(TABLE)
HOLDOUT_SCORE = score_table(HOLDOUT)


def _script(line: str) -> str:
    if not HAN.search(line):
        return "en"
    traditional = any(normalise(c)[0] != c for c in line if HAN.match(c))
    return "zh-Hant" if traditional else "zh-Hans"


def test_the_table_is_big_and_covers_three_scripts() -> None:
    assert set(TABLE.bad) == set(WORD_RULES)
    for rule, lines in TABLE.bad.items():
        assert len(lines) >= 25, rule
        assert {_script(line) for line in lines} == {"en", "zh-Hans", "zh-Hant"}, rule
        assert len(set(lines)) == len(lines), rule
    assert len(TABLE.clean) >= 150
    assert {_script(line) for line in TABLE.clean} == {"en", "zh-Hans", "zh-Hant"}
    # the held-out lines are not in the table
    table_lines = {line for lines in TABLE.bad.values() for line in lines} | set(TABLE.clean)
    held = {line for lines in HOLDOUT.bad.values() for line in lines} | set(HOLDOUT.clean)
    assert not table_lines & held


@pytest.mark.parametrize("rule", WORD_RULES)
def test_table_recall_and_false_alarms_per_category(rule: str) -> None:
    score = TABLE_SCORE.rule(rule)
    report = "\n".join(report_lines(TABLE_SCORE))
    assert score.recall >= 0.95, report
    assert score.false_alarm_rate <= 0.05, report


def test_table_clean_lines_fire_nothing_much() -> None:
    assert TABLE_SCORE.clean_flagged <= len(TABLE.clean) * 0.02, report_lines(TABLE_SCORE)


@pytest.mark.parametrize("rule", WORD_RULES)
def test_holdout_recall_and_false_alarms_per_category(rule: str) -> None:
    # Lines written before the lint was tuned: looser bounds, the figures are in the report.
    score = HOLDOUT_SCORE.rule(rule)
    report = "\n".join(report_lines(HOLDOUT_SCORE))
    assert score.recall >= 0.85, report
    assert score.false_alarm_rate <= 0.05, report


def _leaves(value: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _leaves(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [t for i, v in enumerate(value) for t in _leaves(v, f"{path}.{i}")]
    return [(path, str(value))]


@pytest.mark.parametrize("name", sorted(p.name for p in PLAYBOOK.glob("*.yaml")))
def test_every_playbook_text_passes_the_lint(name: str) -> None:
    data = yaml.safe_load((PLAYBOOK / name).read_text(encoding="utf-8"))
    texts = _leaves(data)
    assert len(texts) > 100
    failed = [(path, text, [f.rule for f in lint(text)]) for path, text in texts if lint(text)]
    assert failed == []


# --- normalisation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule", "words"),
    [
        ("你這個老-賴", "insult", "老-賴"),
        ("We will put you in j.a.i.l", "false_legal", "j.a.i.l"),
        ("you'll go to j4il", "false_legal", "you'll go to j4il"),
        ("we will k1ll you", "threat", "k1ll you"),
        ("你 这 个 骗 子", "insult", "骗 子"),
        ("我們會通知你的家屬", "third_party", "通知你的家屬"),
        ("ＰＡＹ ＯＲ ＷＥ ＳＵＥ", "sue_threat", "ＯＲ ＷＥ ＳＵＥ"),
        ("老\u200b赖", "insult", "老\u200b赖"),
        ("you a$$hole", "insult", "a$$hole"),
        ("sc-um", "insult", "sc-um"),
        ("出門注意安全", "threat", "出門注意安全"),
    ],
)
def test_spelling_games_are_seen_through(text: str, rule: str, words: str) -> None:
    findings = [f for f in lint(text) if f.rule == rule]
    assert findings, lint(text)
    assert findings[0].text == words
    assert text[findings[0].start : findings[0].end] == words


@pytest.mark.parametrize(
    "text",
    [
        "Invoice INV-2024-0012 is due on 3 May; call me at 10am or 3pm.",
        "Payment of $5,300.00 (USD) received on the 15th, thank you.",
        "The 0.1% late interest applies per clause 7.3 of the contract.",
        "Please use reference A1B2C3 on the transfer.",
        "我们将于5月3日上午10点致电贵司财务。",
    ],
)
def test_numbers_codes_and_times_are_not_leetspeak(text: str) -> None:
    assert lint(text) == []


def test_normalise_maps_back_to_the_input() -> None:
    text = "Ｗe  will 告訴 你的 家-人, j.a.i.l!"
    norm, to_input = normalise(text)
    assert "告诉你的家人" in norm and "jail" in norm
    start = norm.index("告诉")
    assert text[to_input(start)] == "告"
    assert text[to_input(norm.index("jail") + 3)] == "l"
    plain, same = normalise("plain text")
    assert plain == "plain text" and same(7) == 7


# --- arcircle lint --table ------------------------------------------------------------------


def _run_cli(*argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="arcircle")
    lint_cli.add_parser(parser.add_subparsers(dest="command"))
    out = io.StringIO()
    code = lint_cli.run(parser.parse_args(["lint", *argv]), io.StringIO(), out)
    return code, out.getvalue()


def test_cli_table_reports_each_rule(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "bad:\n"
        "  threat: ['We know where you live.', 'Have a nice day.']\n"
        "  sue_threat: ['Pay by 5pm or we sue.']\n"
        "clean: ['Please pay invoice 42 by Friday.', '你这个骗子']\n",
        encoding="utf-8",
    )
    code, out = _run_cli("--table", str(path))
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split() == ["rule", "bad", "recall", "false", "alarms"]
    threat = next(line for line in lines if line.startswith("threat "))
    assert threat.split() == ["threat", "2", "50.0%", "0/3", "0.0%"]
    insult = next(line for line in lines if line.startswith("insult "))
    assert insult.split() == ["insult", "0", "100.0%", "1/5", "20.0%"]
    assert "clean lines: 2, flagged: 1" in lines
    assert "missed threat: Have a nice day.  (fired: nothing)" in lines
    assert "false alarm (clean): 你这个骗子  (fired: insult)" in lines
    code, quiet = _run_cli("--table", str(path), "--quiet")
    assert code == 0 and "missed" not in quiet


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("bad: {rudeness: [x]}\n", "unknown rule 'rudeness'"),
        ("bad: [x]\n", "'bad' maps a rule to a list of lines"),
        ("clean: 'one line'\n", "'clean' must be a list of lines"),
        ("clean: [1]\n", "'clean' line 1 is not a text"),
        ("other: []\n", "unknown key(s) in the table: other"),
        ("bad: {}\nclean: []\n", "the table has no lines"),
        ("[: not yaml\n", "is not UTF-8 YAML"),
    ],
)
def test_cli_table_refuses_a_bad_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    code, out = _run_cli("--table", str(path))
    assert code == 2 and message in out


def test_cli_table_missing_file(tmp_path: Path) -> None:
    code, out = _run_cli("--table", str(tmp_path / "nope.yaml"))
    assert code == 2 and "cannot read" in out

"""Config: the example file loads, and every mistake is one line naming its path."""

from __future__ import annotations

import subprocess
import sys
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.kernel.config import ConfigError, load_config, parse_duration
from tests.conftest import TEST_CONFIG

REPO = Path(__file__).resolve().parents[1]


def errors(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(path, env=env or {})
    return exc.value.lines


def test_the_shipped_example_config_loads() -> None:
    cfg = load_config(REPO / "config.yaml", env={})
    assert cfg.company.currency == "CNY" and cfg.company.timezone == "Asia/Shanghai"
    assert set(cfg.teams) == {"sales", "finance", "legal"}
    assert cfg.teams["legal"].lead == "zhao.yun"
    assert cfg.circle.response_window == timedelta(minutes=15)
    assert [lv.after for lv in cfg.circle.escalation] == [
        timedelta(minutes=15),
        timedelta(minutes=30),
    ]
    assert cfg.company.fx_rates["USD"] == Decimal("7.10")
    assert cfg.digest.time == time(9, 0)
    policy = cfg.aging_policy()
    assert [b.label for b in policy.buckets][-1] == "365+"
    assert policy.recovery[-1].rate == Decimal("0.20")
    assert cfg.team_members("sales") == ["wang.wei", "zhang.min", "tom.baker"]


def test_a_lead_who_is_not_a_person(tmp_path: Path) -> None:
    text = TEST_CONFIG.replace(
        "legal: {name: Legal, lead: zhao.yun", "legal: {name: Legal, lead: bob"
    )
    lines = errors(tmp_path, text)
    assert len(lines) == 1
    assert lines[0].endswith("teams.legal.lead: no person 'bob' in people")
    legal_line = text.splitlines().index("  legal: {name: Legal, lead: bob, manager: liu.yang}")
    assert f"config.yaml:{legal_line + 1}: " in lines[0]


def test_a_team_without_a_lead(tmp_path: Path) -> None:
    text = TEST_CONFIG.replace(
        "legal: {name: Legal, lead: zhao.yun, manager: liu.yang}",
        "legal: {name: Legal, manager: liu.yang}",
    )
    assert errors(tmp_path, text)[0].endswith("teams.legal.lead: required key is missing")


def test_unknown_key_and_wrong_type(tmp_path: Path) -> None:
    text = TEST_CONFIG + "circle:\n  response_windw: 15m\naging:\n  stages:\n    mid_from: soon\n"
    lines = errors(tmp_path, text)
    assert any(line.endswith("circle.response_windw: unknown key") for line in lines)
    assert any("aging.stages.mid_from:" in line and "integer" in line for line in lines)
    assert all(line.startswith(str(tmp_path / "config.yaml")) for line in lines)


def test_secrets_in_config_are_pointed_to_the_environment(tmp_path: Path) -> None:
    text = TEST_CONFIG.replace("platforms:\n", "platforms:\n  slack: {bot_token: xoxb-1}\n")
    line = errors(tmp_path, text)[0]
    assert "platforms.slack.bot_token: unknown key" in line
    assert "SLACK_BOT_TOKEN" in line and "xoxb-1" not in line


def test_cross_references(tmp_path: Path) -> None:
    text = TEST_CONFIG.replace(
        "tom.baker: {name: Tom Baker, team: sales}", "tom.baker: {name: Tom Baker, team: marketing}"
    )
    text = text.replace("default_person: tom.baker", "default_person: nobody")
    lines = errors(tmp_path, text)
    assert any(
        line.endswith("people.tom.baker.team: no team 'marketing' in teams") for line in lines
    )
    assert any(
        line.endswith("platforms.console.default_person: no person 'nobody' in people")
        for line in lines
    )


def test_lead_of_another_team(tmp_path: Path) -> None:
    text = TEST_CONFIG.replace(
        "legal: {name: Legal, lead: zhao.yun", "legal: {name: Legal, lead: li.na"
    )
    assert errors(tmp_path, text)[0].endswith("teams.legal.lead: 'li.na' is in team 'finance'")


def test_environment_variables(tmp_path: Path) -> None:
    text = TEST_CONFIG.replace("name: Test Machinery", "name: ${COMPANY_NAME}")
    text = text.replace('channel: "#test"', 'channel: "${CHANNEL:-#fallback}"')
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    cfg = load_config(path, env={"COMPANY_NAME": "Acme 机械"})
    assert cfg.company.name == "Acme 机械"
    assert cfg.platforms.console.channel == "#fallback"
    line = errors(tmp_path, text)[0]
    assert line.endswith("company.name: environment variable COMPANY_NAME is not set")


def test_invalid_values(tmp_path: Path) -> None:
    text = TEST_CONFIG.replace("timezone: Asia/Shanghai", "timezone: Mars/Olympus")
    text = text.replace("currency: CNY", "currency: yuan")
    text += (
        "circle:\n  escalation:\n    - {after: 30m, notify: [lead]}\n"
        "    - {after: 15m, notify: [manager]}\n"
        "aging:\n  buckets: [30, 20]\nrisk:\n  bad_after_days: 100\n"
    )
    lines = "\n".join(errors(tmp_path, text))
    assert "company.timezone: unknown timezone 'Mars/Olympus'" in lines
    assert "company.currency: 'yuan' is not a 3-letter ISO currency code" in lines
    assert "circle.escalation: escalation levels must have strictly increasing" in lines
    assert "aging.buckets:" in lines
    assert "risk:" in lines and "bad_after_days" in lines


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    line = errors(tmp_path, "company:\n  name: [unclosed\npeople: {}\n")[0]
    assert "not valid YAML" in line and ":3:" in line


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.yaml", env={})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15m", timedelta(minutes=15)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(days=2)),
        ("90s", timedelta(seconds=90)),
        (15, timedelta(minutes=15)),
    ],
)
def test_durations(text: object, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("bad", ["soon", "15x", "", True, 1.5])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


def test_cli_exit_code_2_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(TEST_CONFIG.replace("lead: zhao.yun", "lead: bob"), encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "report",
            "aging",
            "--config",
            str(path),
            "--database",
            f"sqlite:///{tmp_path}/x.db",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("teams.legal.lead: no person 'bob' in people")
    assert "Traceback" not in proc.stderr


def test_circle_decisions_and_outbox_rates_are_checked(tmp_path: Path) -> None:
    text = TEST_CONFIG + (
        "circle:\n  decisions:\n    write_off: [finance.boss]\n    teleport: [any]\n"
        "outbox:\n  rates: {slack: fast}\n"
    )
    lines = "\n".join(errors(tmp_path, text))
    assert "circle.decisions: unknown decision 'teleport'" in lines
    assert "outbox.rates: slack: 'fast' is not a rate (expected e.g. 1/s, 20/min)" in lines
    text = TEST_CONFIG + "circle:\n  decisions:\n    write_off: [finance.boss]\n"
    lines = "\n".join(errors(tmp_path, text))
    assert "circle.decisions.write_off.0: 'finance.boss' is not a team, team.lead" in lines


def test_circle_permissions_merge_with_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(TEST_CONFIG + "circle:\n  decisions:\n    write_off: [manager]\n")
    cfg = load_config(path, env={})
    perms = cfg.circle.permissions()
    assert perms["write_off"] == ("manager",)
    assert perms["lawyers_letter"] == ("legal",)
    assert cfg.outbox.rate("telegram") == (20, timedelta(minutes=1))

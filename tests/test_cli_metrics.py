"""`arcircle report metrics` as a user runs it: table, JSON, CSV and XLSX for October 2026 over
the ledger of tests/test_metrics_reads.py, and the answers to bad periods and options."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from bot.cli import main
from storage.db import Database
from tests.conftest import LEDGER_HEADER, TEST_CONFIG, run_import, write_csv
from tests.test_metrics_reads import LEDGER


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(TEST_CONFIG, encoding="utf-8")
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("ARCIRCLE_CONFIG", str(config))
    monkeypatch.setenv("DATABASE_URL", url)
    db = Database(url)
    db.migrate()
    run_import(db, write_csv(tmp_path / "l.csv", LEDGER_HEADER, LEDGER), today=date(2026, 11, 28))
    db.dispose()
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["report", "metrics", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_table(cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--period", "2026-10")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Metrics 2026-10: 2026-10-01 to 2026-10-31 (31 days)"
    assert "  DSO                       78.79 days" in lines
    assert "  DSO (countback)           146.00 days" in lines
    assert "  CEI                       25.45%" in lines
    assert "  at risk (90+ days)        3,700.00 (60.66%)" in lines
    assert "  recovered: in collection  0.00 of 3,400.00 (0.00%)" in lines
    # USD's CEI divides 0 by 0: a dash, not an error.
    assert "  CEI                      —" in lines
    assert "Circle: cases opened 0, closed 0" in lines


def test_json_has_the_agreed_keys_as_decimal_strings(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--period", "2026-10", "--currency", "cny", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert [c["currency"] for c in doc["currencies"]] == ["CNY"]
    cny = doc["currencies"][0]
    assert {k: cny[k] for k in ("period_start", "period_end", "dso", "best_possible_dso")} == {
        "period_start": "2026-10-01",
        "period_end": "2026-10-31",
        "dso": "78.79",
        "best_possible_dso": "25.83",
    }
    assert (cny["opening_receivables"], cny["credit_sales"], cny["closing_receivables"]) == (
        "5100.00",
        "2400.00",
        "6100.00",
    )
    assert (cny["closing_current"], cny["add"], cny["cei"]) == ("2000.00", "52.96", "25.45")
    assert (cny["percent_current"], cny["at_risk_90"]) == ("32.79", "3700.00")
    assert cny["recovery_by_grade"]["not_due"] == {
        "owed_at_start": "1000.00",
        "collected": "1000.00",
        "rate": "100.00",
    }
    assert doc["circle"] == {} and doc["cases"] == {"opened": 0, "closed": 0}


def test_csv_and_xlsx(cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--period", "2026-10", "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["period_start", "period_end", "currency", "metric", "value"]
    assert ["2026-10-01", "2026-10-31", "CNY", "cei", "25.45"] in rows
    assert ["2026-10-01", "2026-10-31", "USD", "cei", ""] in rows
    target = cli / "m.xlsx"
    code, _, err = run(capsys, "--period", "2026-10", "-o", str(target))
    assert code == 0 and f"written to {target}" in err
    sheet = openpyxl.load_workbook(target).active
    assert sheet is not None
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0] == ["period_start", "period_end", "currency", "metric", "value"]
    # Figures are numbers in the workbook, not text.
    assert any(r[2:] == ["CNY", "dso", 78.79] for r in values)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--period", "2026-13"), "argument --period: there is no month 13"),
        (("--period", "2026-10-15..2026-10-01"), "ends before it starts"),
        (("--period", "soon"), "is not a period"),
    ],
)
def test_a_bad_period_gets_the_usage_line(
    cli: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], says: str
) -> None:
    with pytest.raises(SystemExit) as stop:
        run(capsys, *args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: arcircle report") and says in err


def test_a_period_not_started_and_mixed_options_say_why(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--period", "2999-01")
    assert code == 2 and "2999-01 has not started yet" in err
    code, _, err = run(capsys, "--period", "2026-10", "--as-of", "2026-10-31")
    assert code == 2 and "use --period" in err
    assert main(["report", "aging", "--period", "2026-10"]) == 2
    assert "use --as-of" in capsys.readouterr().err

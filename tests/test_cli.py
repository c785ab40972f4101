"""The shell commands, run as a user runs them: output, exit codes, no tracebacks."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import LEDGER_HEADER, TEST_CONFIG, write_csv
from tests.fake_slack import closed_port_url

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config.yaml"
    config.write_text(TEST_CONFIG, encoding="utf-8")
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "TELEGRAM_", "WECOM_", "FEISHU_", "DINGTALK_"))
    }
    clean.update(
        {
            "ARCIRCLE_CONFIG": str(config),
            "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
            "PYTHONUTF8": "1",
        }
    )
    return clean


def arcircle(
    env: dict[str, str], *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd or REPO,
    )


def ibm_like(path: Path) -> Path:
    header = (
        "countryCode",
        "customerID",
        "invoiceNumber",
        "InvoiceDate",
        "DueDate",
        "InvoiceAmount",
        "Disputed",
        "SettledDate",
    )
    rows = [
        ("391", "0379-NEVHP", "0000611365", "1/2/2013", "2/1/2013", "55.94", "No", "1/15/2013"),
        ("406", "8976-AMJEO", "0007900770", "5/26/2013", "6/25/2013", "61.74", "Yes", "7/3/2013"),
        ("406", "8976-AMJEO", "0007900771", "4/20/2013", "5/20/2013", "10.00", "No", "7/9/2013"),
        ("391", "2820-XGXSB", "0009231909", "7/3/2013", "8/2/2013", "65.88", "No", "7/8/2013"),
        ("391", "2820-XGXSB", "0009231910", "6/3/2013", "7/3/2013", "oops", "No", "7/8/2013"),
    ]
    return write_csv(path, header, rows)


IBM_MAP = (
    "invoice_no=invoiceNumber,customer=customerID,issue_date=InvoiceDate,"
    "due_date=DueDate,amount=InvoiceAmount,settled_date=SettledDate,disputed=Disputed"
)


def test_import_then_aging_report_json(env: dict[str, str], tmp_path: Path) -> None:
    path = ibm_like(tmp_path / "ibm.csv")
    proc = arcircle(env, "import", str(path), "--map", IBM_MAP, "--currency", "USD")
    assert proc.returncode == 1  # one bad row; the others landed
    assert proc.stdout.startswith(
        "Imported ibm.csv: 5 rows — 4 new, 0 updated, 0 unchanged, "
        "1 bad (3 new customers, 4 payments)"
    )
    assert "row 6: amount: 'oops'" in proc.stderr
    report = arcircle(env, "report", "aging", "--as-of", "2013-06-30", "--format", "json")
    assert report.returncode == 0, report.stderr
    doc = json.loads(report.stdout)
    assert doc["as_of"] == "2013-06-30"
    (usd,) = doc["totals"]
    assert (usd["currency"], usd["count"], usd["amount"]) == ("USD", 2, "71.74")
    by_label = {b["label"]: (b["count"], b["amount"]) for b in usd["buckets"]}
    # 0007900770 is due 6/25 (5 days late on 6/30); 0007900771 due 5/20 (41 days late).
    assert by_label["1-30"] == (1, "61.74") and by_label["31-60"] == (1, "10.00")
    assert by_label["Current"] == (0, "0.00")
    again = arcircle(env, "import", str(path), "--map", IBM_MAP, "--currency", "USD")
    assert "0 new, 0 updated, 4 unchanged, 1 bad" in again.stdout


def test_import_dry_run_and_errors_file(env: dict[str, str], tmp_path: Path) -> None:
    path = ibm_like(tmp_path / "ibm.csv")
    errors = tmp_path / "errors.csv"
    proc = arcircle(
        env, "import", str(path), "--map", IBM_MAP, "--dry-run", "--errors", str(errors)
    )
    assert proc.stdout.startswith("Dry run of ibm.csv")
    assert "Nothing was written. These would change:" in proc.stdout
    assert "new invoice 0000611365 55.94 CNY for 0379-NEVHP" in proc.stdout
    with errors.open(newline="", encoding="utf-8-sig") as fh:
        written = list(csv.reader(fh))
    assert written[0] == [
        "row",
        "reason",
        "countryCode",
        "customerID",
        "invoiceNumber",
        "InvoiceDate",
        "DueDate",
        "InvoiceAmount",
        "Disputed",
        "SettledDate",
    ]
    assert written[1][0] == "6" and written[1][1].startswith("amount: 'oops' is not an amount")
    assert written[1][2:] == [
        "391",
        "2820-XGXSB",
        "0009231910",
        "6/3/2013",
        "7/3/2013",
        "oops",
        "No",
        "7/8/2013",
    ]
    db = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from invoice").fetchone() == (0,)


def test_import_usage_errors(env: dict[str, str], tmp_path: Path) -> None:
    path = ibm_like(tmp_path / "ibm.csv")
    missing = arcircle(env, "import", str(tmp_path / "nope.csv"))
    assert (missing.returncode, missing.stderr.strip()) == (2, f"{tmp_path}/nope.csv: no such file")
    bad_map = arcircle(env, "import", str(path), "--map", "customer=custID")
    assert bad_map.returncode == 2
    assert "customer=custID: no column 'custID' in the file" in bad_map.stderr
    assert "Traceback" not in bad_map.stderr


def test_audit_verify_detects_tampering(env: dict[str, str], tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "l.csv",
        LEDGER_HEADER,
        [("I-1", "C1", "", "", "", "2026-01-01", "2026-01-31", "CNY", "100", "", "", "")],
    )
    arcircle(env, "import", str(path))
    write_csv(
        path,
        LEDGER_HEADER,
        [("I-1", "C1", "", "", "", "2026-01-01", "2026-01-31", "CNY", "120", "", "", "")],
    )
    arcircle(env, "import", str(path))
    ok = arcircle(env, "audit", "verify")
    assert ok.returncode == 0 and ok.stdout.startswith("Audit trail intact: 3 entries.")
    tail = arcircle(env, "audit", "tail")
    assert "invoice.update" in tail.stdout and "I-1" in tail.stdout
    db = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(db) as conn:
        conn.execute("update audit_log set actor = 'someone else' where action = 'invoice.update'")
    broken = arcircle(env, "audit", "verify")
    assert broken.returncode == 1
    assert "content does not match its hash (it was edited)" in broken.stdout


def test_doctor_reports_what_is_missing(env: dict[str, str], tmp_path: Path) -> None:
    ok = arcircle(env, "doctor")
    assert ok.returncode == 0, ok.stdout
    assert "✓ config" in ok.stdout and "Test Machinery" in ok.stdout
    assert "✓ database" in ok.stdout and "sqlite" in ok.stdout
    assert "! ledger" in ok.stdout
    config = Path(env["ARCIRCLE_CONFIG"])
    config.write_text(
        TEST_CONFIG.replace("platforms:\n", "platforms:\n  slack: {enabled: true, mode: socket}\n"),
        encoding="utf-8",
    )
    bad = arcircle(env, "doctor")
    assert bad.returncode == 1
    assert "missing environment: SLACK_BOT_TOKEN, SLACK_APP_TOKEN" in bad.stdout
    assert "no slack id for: tom.baker, li.na, zhao.yun, liu.yang" in bad.stdout
    secret_env = dict(
        env,
        SLACK_BOT_TOKEN="xoxb-very-secret",
        SLACK_APP_TOKEN="xapp-secret",
        SLACK_API_URL=closed_port_url(),  # doctor asks Slack: nothing listens there
    )
    with_secret = arcircle(secret_env, "doctor")
    assert "xoxb-very-secret" not in with_secret.stdout
    assert "xapp-secret" not in with_secret.stdout
    assert "missing environment" not in with_secret.stdout


def test_report_formats(env: dict[str, str], tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "l.csv",
        LEDGER_HEADER,
        [
            (
                "I-1",
                "C1",
                "Alpha",
                "",
                "wang.wei",
                "2026-01-01",
                "2026-01-31",
                "CNY",
                "100",
                "",
                "",
                "",
            )
        ],
    )
    arcircle(env, "import", str(path))
    table = arcircle(env, "report", "aging", "--as-of", "2026-03-16", "--by", "owner")
    assert "CNY: 1 open, 100.00" in table.stdout and "wang.wei" in table.stdout
    csv_out = arcircle(env, "report", "aging", "--as-of", "2026-03-16", "--format", "csv")
    assert csv_out.stdout.splitlines()[0] == (
        "as_of,currency,group,name,bucket,days_from,days_to,count,amount"
    )
    assert "2026-03-16,CNY,,,31-60,31,60,1,100.00" in csv_out.stdout
    bad = arcircle(env, "report", "aging", "--as-of", "30/02/2026")
    assert bad.returncode == 2 and "is not a date" in bad.stderr


def test_console_transcript_from_a_piped_script(env: dict[str, str], tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "l.csv",
        LEDGER_HEADER,
        [
            (
                "I-1",
                "C1",
                "上海华东机械有限公司",
                "",
                "wang.wei",
                "2026-01-01",
                "2026-01-31",
                "CNY",
                "1000",
                "",
                "",
                "",
            ),
            (
                "I-2",
                "C2",
                "Northwind Supply",
                "",
                "tom.baker",
                "2025-01-01",
                "2025-01-31",
                "CNY",
                "500",
                "",
                "",
                "",
            ),
        ],
    )
    env = dict(env, ARCIRCLE_SAMPLE_LEDGER=str(path))
    script = "\n".join(
        [
            "/ar overdue",
            "as li.na: /ar 客户 上海华东",
            "@arcircle what about northwind?",
            "as nobody: hello",
            "/ar frob",
            "",
        ]
    )
    proc = arcircle(env, "run", stdin=script)
    assert proc.returncode == 0, proc.stderr
    assert "loaded the sample ledger, 2 invoices of 2 customers" in proc.stderr
    out = proc.stdout.splitlines()
    assert out[0] == "[#test] tom.baker: /ar overdue"
    assert out[1].startswith("[#test] arcircle → tom.baker: Overdue — top 2 of 2 (as of ")
    text = proc.stdout
    assert "[#test] li.na: /ar 客户 上海华东" in text
    assert "[#test] arcircle → li.na: 上海华东机械有限公司 (C1)" in text
    assert "风险等级" in text
    assert "[#test] arcircle → li.na: Northwind Supply (C2)" in text
    assert "(配置中没有“nobody”这个人。" in text
    assert "我不认识命令“frob”。" in text
    assert "Traceback" not in text + proc.stderr


def test_make_run_path_with_the_shipped_sample(env: dict[str, str], tmp_path: Path) -> None:
    # What a newcomer sees: the repository's own config and sample ledger, an empty database.
    env = dict(env, ARCIRCLE_CONFIG=str(REPO / "config.yaml"))
    env.pop("ARCIRCLE_SAMPLE_LEDGER", None)
    proc = arcircle(
        env, "run", stdin="/ar overdue\nas tom.baker: /ar overdue mine 3\n", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "loaded the sample ledger, 2,000 invoices" in proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "[#ar-circle] li.na: /ar overdue"
    assert lines[1].startswith("[#ar-circle] arcircle → li.na: 逾期账款 — 前 10 笔，共 ")
    assert "[#ar-circle] arcircle → tom.baker: Overdue: Tom Baker — top 3 of " in proc.stdout
    # Ten ranked rows, each with an amount, days late, a stage and a risk grade.
    ranked = [line for line in lines if line.split("]")[-1].strip()[:3].strip().isdigit()]
    assert len(ranked) >= 13
    second = arcircle(env, "run", stdin="", cwd=tmp_path)
    assert "loaded the sample ledger" not in second.stderr  # only into an empty ledger


def test_run_says_which_messengers_only_serve_runs(env: dict[str, str], tmp_path: Path) -> None:
    """Feishu by HTTP callback needs the public server: `run` says so and goes on."""
    config = Path(env["ARCIRCLE_CONFIG"])
    config.write_text(
        TEST_CONFIG.replace("platforms:\n", "platforms:\n  feishu: {enabled: true}\n"),
        encoding="utf-8",
    )
    proc = arcircle(env, "run", "--no-sample", stdin="/ar help\n")
    assert proc.returncode == 0
    assert "feishu is in HTTP mode: `arcircle serve` runs it" in proc.stderr
    assert "[#test] arcircle → tom.baker: arcircle — receivables collection" in proc.stdout


def test_import_keeps_good_rows_warns_and_errors_file_round_trips(
    env: dict[str, str], tmp_path: Path
) -> None:
    header = ("invoice_no", "customer", "customer_name", "issue_date", "amount", "currency")
    rows = [
        ("A-1", "C1", "Alpha", "05/03/2026", "100", "CNY"),
        ("A-2", "C2", '=HYPERLINK("http://x","y")', "06/03/2026", "99999999999999999999999", "CNY"),
        ("A-3", "C3", "Gamma", "07/03/2026", "$1,234.56", "EUR"),
        ("A-4", "C4", "Delta", "08/03/2026", "200", "XXX"),
        ("A-5", "C5", "Epsilon", "09/03/2026", "300", "CNY"),
    ]
    path = write_csv(tmp_path / "l.csv", header, rows)
    errors = tmp_path / "errors.csv"
    proc = arcircle(env, "import", str(path), "--errors", str(errors))
    assert proc.returncode == 1, proc.stderr
    assert "2 new" in proc.stdout and "3 bad" in proc.stdout
    assert "row 3: amount '99999999999999999999999' is more than ledger.max_amount" in proc.stderr
    assert "row 4: amount '$1,234.56' has a dollar or peso sign ($)" in proc.stderr
    assert "row 5: currency: 'XXX' is not a currency" in proc.stderr
    assert "Warning: issue date (column 'issue_date')" in proc.stderr
    assert "--date-format '%d/%m/%Y'" in proc.stderr
    assert "Traceback" not in proc.stderr
    with errors.open(newline="", encoding="utf-8-sig") as fh:
        written = list(csv.reader(fh))
    assert written[0] == ["row", "reason", *header]
    assert written[1][2:] == [
        "A-2",
        "C2",
        '\'=HYPERLINK("http://x","y")',
        "06/03/2026",
        "99999999999999999999999",
        "CNY",
    ]
    # The clerk fixes the amount or the currency of each row, touching nothing else.
    fixed = [list(r) for r in written[1:]]
    fixed[0][6] = "99.00"
    fixed[1][6] = "1234.56"
    fixed[2][7] = "USD"
    with errors.open("w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh).writerows([written[0], *fixed])
    again = arcircle(env, "import", str(errors), "--date-format", "%d/%m/%Y")
    assert again.returncode == 0, again.stderr
    assert "3 new" in again.stdout and "0 bad" in again.stdout
    assert "Warning" not in again.stderr
    db = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(db) as conn:
        name = conn.execute("select name from customer where code = 'C2'").fetchone()[0]
        count = conn.execute("select count(*) from invoice").fetchone()[0]
    assert name == '=HYPERLINK("http://x","y")' and count == 5


def test_report_xlsx_needs_an_output_file(env: dict[str, str], tmp_path: Path) -> None:
    import openpyxl

    path = write_csv(
        tmp_path / "l.csv",
        LEDGER_HEADER,
        [("I-1", "C1", "@Alpha", "", "", "2026-01-01", "2026-01-31", "CNY", "-5", "", "", "")],
    )
    arcircle(env, "import", str(path))
    bare = arcircle(env, "report", "aging", "--format", "xlsx")
    assert bare.returncode == 2 and "--output FILE.xlsx" in bare.stderr
    out = tmp_path / "aging.xlsx"
    made = arcircle(
        env, "report", "aging", "--as-of", "2026-03-16", "--by", "customer", "-o", str(out)
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout == "" and f"written to {out}" in made.stderr
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert ("'@Alpha" in {r[3] for r in rows}) and -5 in {r[8] for r in rows}
    as_csv = tmp_path / "aging.csv"
    arcircle(env, "report", "aging", "--as-of", "2026-03-16", "--by", "customer", "-o", str(as_csv))
    text = as_csv.read_text(encoding="utf-8-sig")
    assert ",C1,'@Alpha,31-60,31,60,1,-5.00" in text

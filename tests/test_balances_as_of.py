"""`arcircle import --balances-as-of DATE`: a file's undated payments count from DATE, so a past
as-of report is right; a DATE in the future is refused."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from playbook.aging import AgingPolicy
from storage.db import Database
from storage.models import Invoice, Payment
from storage.reports import aging_report
from tests.conftest import run_import, write_csv
from tests.test_cli import arcircle, env  # noqa: F401  (the fixture)

_pay = Payment.__table__  # type: ignore[attr-defined]
_inv = Invoice.__table__  # type: ignore[attr-defined]

HEADER = ("invoice_no", "customer", "issue_date", "due_date", "amount", "paid_amount")
ROWS = [
    ("B-1", "C1", "2026-01-01", "2026-01-31", "1000", "400"),  # part paid: no day in the file
    ("B-2", "C1", "2026-01-10", "2026-02-09", "500", "500"),  # paid in full, no settled date
    ("B-3", "C2", "2026-02-01", "2026-03-03", "300", "0"),
]


def aging(environ: dict[str, str], as_of: str) -> dict[str, object]:
    proc = arcircle(environ, "report", "aging", "--as-of", as_of, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc: dict[str, object] = json.loads(proc.stdout)
    return doc


def total(doc: dict[str, object]) -> str:
    (cny,) = doc["totals"]  # type: ignore[misc]
    return str(cny["amount"])


def test_undated_payments_count_from_the_as_of_day(
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "balances.csv", HEADER, ROWS)
    proc = arcircle(env, "import", str(path), "--balances-as-of", "2026-02-28")
    assert proc.returncode == 0, proc.stderr
    # The day before the balances stood, nothing of the file's payments had arrived yet;
    # on the day itself they had. Without the flag they would count from today (later).
    before = aging(env, "2026-02-27")
    assert total(before) == "1800.00"
    assert before["notes"] and "--balances-as-of" in str(before["notes"])
    after = aging(env, "2026-02-28")
    assert total(after) == "900.00"  # 600 left on B-1, B-3's 300
    assert after["notes"] == []


def test_with_and_without_the_as_of_day(db: Database, tmp_path: Path) -> None:
    imported = date(2026, 3, 16)
    flagged = [(f"A{no}", "CA", *rest) for no, _, *rest in ROWS]
    plain = [(f"P{no}", "CP", *rest) for no, _, *rest in ROWS]
    run_import(
        db,
        write_csv(tmp_path / "a.csv", HEADER, flagged),
        today=imported,
        balances_as_of=date(2026, 2, 28),
    )
    run_import(db, write_csv(tmp_path / "p.csv", HEADER, plain), today=imported)
    with db.engine.connect() as conn:
        report = aging_report(conn, date(2026, 3, 1), AgingPolicy(), by="customer")
        paid_on = conn.execute(
            select(_inv.c.invoice_no, _pay.c.paid_on, _pay.c.dated)
            .join(_inv, _inv.c.id == _pay.c.invoice_id)
            .order_by(_inv.c.invoice_no)
        ).all()
    owed = {g.key: g.minor for g in report.groups}
    # With the as-of day the file's payments had arrived by 1 March; without it they only
    # count from the import day (16 March), so on 1 March everything still shows as owed.
    assert owed == {"CA": 90000, "CP": 180000}
    assert report.notes  # about CP's payments, dated the import day
    # Dated the as-of day, and still marked as not dated by the ledger itself.
    assert [tuple(r) for r in paid_on] == [
        ("AB-1", date(2026, 2, 28), False),
        ("AB-2", date(2026, 2, 28), False),
        ("PB-1", imported, False),
        ("PB-2", imported, False),
    ]


def test_the_as_of_day_is_never_before_the_invoice(db: Database, tmp_path: Path) -> None:
    rows = [("N-1", "C1", "2026-03-10", "2026-04-09", "100", "100")]
    run_import(db, write_csv(tmp_path / "n.csv", HEADER, rows), balances_as_of=date(2026, 3, 1))
    with db.engine.connect() as conn:
        (paid_on,) = conn.execute(select(_pay.c.paid_on)).scalars()
        settled = conn.execute(select(_inv.c.settled_date)).scalar_one()
    assert paid_on == settled == date(2026, 3, 10)


def test_a_future_as_of_day_is_refused(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    path = write_csv(tmp_path / "balances.csv", HEADER, ROWS)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    proc = arcircle(env, "import", str(path), "--balances-as-of", tomorrow)
    assert proc.returncode != 0
    assert f"--balances-as-of {tomorrow} is in the future" in proc.stderr
    assert "Traceback" not in proc.stderr
    bad = arcircle(env, "import", str(path), "--balances-as-of", "yesterday-ish")
    assert bad.returncode == 2 and "--balances-as-of" in bad.stderr

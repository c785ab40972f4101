"""`arcircle import --customers FILE`: the customer master onto the customers, by code.

Known codes are updated with what the row fills, unknown ones created when named; bad rows
are reported with their number and reason while good rows land; every change is audited.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.customer_file import CustomerFileOptions, import_customers
from storage.db import Database
from storage.ledger_options import MappingError
from storage.models import AuditLog, Customer
from tests.conftest import NOW, TODAY, run_import, write_csv
from tests.test_cli import arcircle, env  # noqa: F401  (the fixture)

_cus = Customer.__table__  # type: ignore[attr-defined]
_audit = AuditLog.__table__  # type: ignore[attr-defined]

HEADER = ("客户编码", "客户名称", "简称", "联系人", "职务", "首次合作日期", "信用额度", "币种",
          "逾期利率", "客户分类")  # fmt: skip


def _ledger(db: Database, tmp_path: Path) -> None:
    run_import(
        db,
        write_csv(
            tmp_path / "l.csv",
            ("invoice_no", "customer", "customer_name", "due_date", "amount"),
            [("I-1", "C1", "Northwind", "2026-02-01", "100.00")],
        ),
    )


def test_updates_known_customers_creates_named_ones_and_reports_bad_rows(
    db: Database, tmp_path: Path
) -> None:
    _ledger(db, tmp_path)
    rows = [
        ("C1", "", "NW", "王建国", "总经理", "2012-05-01", "300,000", "CNY", "0.05%", "重要"),
        ("C2", "华东精密机械有限公司", "华东精密", "李经理", "财务经理", "2025-09-01", "",
         "", "", ""),
        ("C3", "", "", "赵总", "", "", "", "", "", ""),  # unknown and unnamed
        ("C1", "", "", "", "", "", "", "", "", ""),  # the same code twice
        ("C4", "Far Future", "", "", "", "2030-01-01", "", "", "", ""),
        ("C5", "Greedy", "", "", "", "", "1000", "", "3%", ""),
        ("C6", "Neg", "", "", "", "", "-1", "", "", ""),
        ("C7", "Hostile\u202e\x07 Co", "", "x" * 200, "", "", "", "", "", "vip"),
    ]  # fmt: skip
    result = import_customers(
        db, write_csv(tmp_path / "c.csv", HEADER, rows), CustomerFileOptions(), now=NOW,
        today=TODAY,
    )  # fmt: skip
    reasons = {b.row: b.reason for b in result.bad}
    assert reasons == {
        4: "no customer has the code 'C3'; give its name to create it",
        5: "customer C1 already appears on row 2",
        6: "relationship since 2030-01-01 is not a past date (today is 2026-03-16)",
        7: "'3%' is 3% a day, more than 1% a day (365% a year)",
        8: "credit limit '-1' is negative",
    }
    assert (result.created, result.updated) == (2, 1)
    with db.engine.connect() as conn:
        got = {r.code: r for r in conn.execute(select(_cus))}
        actions = sorted(conn.execute(select(_audit.c.action)).scalars())
    c1 = got["C1"]
    assert c1.name == "Northwind"  # a blank name leaves the ledger's alone
    assert (c1.contact_name, c1.contact_title, c1.segment) == ("王建国", "总经理", "important")
    assert c1.relationship_since == date(2012, 5, 1)
    assert (c1.credit_limit_minor, c1.credit_currency) == (30_000_000, "CNY")
    assert Decimal(str(c1.interest_per_day)) == Decimal("0.0005")
    assert got["C2"].name == "华东精密机械有限公司" and got["C2"].contact_name == "李经理"
    assert got["C7"].name == "Hostile Co" and got["C7"].contact_name == "x" * 80
    assert actions.count("customer.create") == 2 and actions.count("customer.update") == 1
    assert actions.count("customers.import") == 1
    # The same file again changes nothing.
    again = import_customers(db, tmp_path / "c.csv", CustomerFileOptions(), now=NOW, today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_file_without_a_code_column_is_refused(db: Database, tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="no column for the customer code"):
        import_customers(
            db, write_csv(tmp_path / "c.csv", ("name",), [("x",)]), CustomerFileOptions(),
            now=NOW, today=TODAY,
        )  # fmt: skip


def test_cli_import_customers(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    header = ("code", "name", "contact_name", "contact_title", "credit_limit", "interest_per_day")
    path = write_csv(
        tmp_path / "customers.csv",
        header,
        [("C1", "Northwind", "Wang Jianguo", "CFO", "50000", "0.1%"),
         ("C2", "", "", "", "", "")],
    )  # fmt: skip
    proc = arcircle(env, "import", "--customers", str(path))
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith(
        "Imported customers from customers.csv: 2 rows — 1 new, 0 updated, 0 unchanged, 1 bad"
    )
    assert "row 3: no customer has the code 'C2'; give its name to create it" in proc.stderr
    both = arcircle(env, "import", str(path), "--customers", str(path))
    assert both.returncode == 2 and "not both" in both.stderr

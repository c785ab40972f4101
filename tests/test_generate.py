"""The synthetic ledger generator (bench/generate.py): deterministic, valid, believable."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bench.generate import COLUMNS, FX, MAX_CNY, MIN_CNY, generate, main

AS_OF = date(2026, 11, 23)
N = 600


def _text(invoices: int = N, seed: int = 11, **kw: Any) -> str:
    buf = io.StringIO()
    generate(buf, invoices, kw.pop("customers", None), seed, kw.pop("as_of", AS_OF))
    return buf.getvalue()


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_text())))


def _open(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [r for r in rows if Decimal(r["paid_amount"]) != Decimal(r["amount"])]


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = _text(seed=5)
    assert a == _text(seed=5)
    assert a != _text(seed=6)
    # the file and the CLI write exactly the same
    out = tmp_path / "l.csv"
    assert main(["--invoices", str(N), "--seed", "5", "--as-of", "2026-11-23",
                 "--out", str(out)]) == 0  # fmt: skip
    assert out.read_bytes() == a.encode("utf-8")
    generate(tmp_path / "g.csv", N, None, 5, "2026-11-23")
    assert (tmp_path / "g.csv").read_bytes() == out.read_bytes()


def test_stdout(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["--invoices", "30", "--seed", "2"]) == 0
    assert capsysbinary.readouterr().out == _text(30, seed=2).encode("utf-8")


def test_header_and_row_count(rows: list[dict[str, str]]) -> None:
    text = _text()
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert text.endswith("\n") and "\r" not in text
    assert len(rows) == N
    assert all(list(r) == list(COLUMNS) and None not in r.values() for r in rows)


def test_quoting_round_trips_through_csv() -> None:
    # Lines are assembled by hand for speed; the csv module must read back what it would write.
    for line in _text().splitlines():
        cells = next(csv.reader([line]))
        assert len(cells) == len(COLUMNS)
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(cells)
        assert out.getvalue() == line


def test_business_rules_hold_on_every_row(rows: list[dict[str, str]]) -> None:
    seen: set[str] = set()
    customers: dict[str, tuple[str, str, str, str]] = {}
    for r in rows:
        no = r["invoice_no"]
        assert no not in seen
        seen.add(no)
        issue = date.fromisoformat(r["issue_date"])
        due = date.fromisoformat(r["due_date"])
        m = re.fullmatch(r"(INV|CN)-(\d{4})-(\d{6,})", no)
        assert m, no
        assert int(m.group(2)) == issue.year
        assert AS_OF.toordinal() - 740 <= issue.toordinal() <= AS_OF.toordinal()
        terms = int(r["terms_days"])
        assert terms in (30, 45, 60, 90)
        assert (due - issue).days == terms
        assert re.fullmatch(r"C\d{5,}", r["customer"])
        assert r["segment"] in ("important", "normal", "problem")
        assert r["owner"] in ("wang.wei", "zhang.min", "tom.baker")
        assert r["currency"] in FX
        assert r["disputed"] in ("yes", "no")
        places = 0 if r["currency"] == "JPY" else 2
        for field in ("amount", "paid_amount"):
            assert re.fullmatch(r"-?\d+" + (r"\.\d\d" if places else ""), r[field]), r
        amount, paid = Decimal(r["amount"]), Decimal(r["paid_amount"])
        assert amount != 0
        if no.startswith("CN"):
            assert amount < 0
            assert paid in (0, amount)
        else:
            assert amount > 0
            assert 0 <= paid <= amount
            cny = amount * FX[r["currency"]]
            assert MIN_CNY <= cny <= MAX_CNY, r
        if r["settled_date"]:
            settled = date.fromisoformat(r["settled_date"])
            assert paid == amount, r  # only a fully paid row has a settled date
            assert issue <= settled <= AS_OF
        else:
            assert paid != amount, r
        # a customer is the same everywhere
        who = (r["customer_name"], r["segment"], r["owner"], r["currency"])
        assert customers.setdefault(r["customer"], who) == who
    names = [v[0] for v in customers.values()]
    assert len(names) == len(set(names))


def test_default_customer_count() -> None:
    for invoices, expected in ((150, 20), (3000, 300)):
        rows = list(csv.DictReader(io.StringIO(_text(invoices, seed=3))))
        assert len({r["customer"] for r in rows}) <= expected
        assert max(int(r["customer"][1:]) for r in rows) <= expected
    rows = list(csv.DictReader(io.StringIO(_text(300, seed=3, customers=7))))
    assert {r["customer"] for r in rows} <= {f"C{n:05d}" for n in range(1, 8)}


def test_names_chinese_and_english() -> None:
    names = {r["customer_name"] for r in _rows(2000, customers=200)}
    chinese = {n for n in names if re.search(r"[\u4e00-\u9fff]", n)}
    english = names - chinese
    assert all(n.endswith("有限公司") for n in chinese)
    assert all(n.isascii() for n in english)
    assert 0.3 < len(chinese) / len(names) < 0.7


def _rows(invoices: int, **kw: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_text(invoices, **kw))))


@pytest.fixture(scope="module")
def big() -> list[dict[str, str]]:
    return _rows(6000, seed=21)


def test_mix_of_segments_currencies_and_amounts(big: list[dict[str, str]]) -> None:
    segment = {r["customer"]: r["segment"] for r in big}
    share = Counter(segment.values())
    total = len(segment)
    assert 0.12 < share["important"] / total < 0.30
    assert 0.55 < share["normal"] / total < 0.85
    assert 0.03 < share["problem"] / total < 0.18
    currencies = Counter(r["currency"] for r in big)
    assert 0.6 < currencies["CNY"] / len(big) < 0.9
    assert {"USD", "EUR", "HKD", "JPY"} <= set(currencies)
    jpy = [r["amount"] for r in big if r["currency"] == "JPY"]
    assert jpy and all(re.fullmatch(r"-?\d+", a) for a in jpy)
    assert any(not r["description"] for r in big)
    assert any(re.search(r"[\u4e00-\u9fff]", r["description"]) for r in big)
    invoices = [r for r in big if r["invoice_no"].startswith("INV")]
    cny = sorted(Decimal(r["amount"]) * FX[r["currency"]] for r in invoices)
    median = cny[len(cny) // 2]
    assert 10_000 < median < 100_000
    assert cny[-1] > 10 * median  # a long tail of large invoices


def test_credit_notes(big: list[dict[str, str]]) -> None:
    notes = [r for r in big if r["invoice_no"].startswith("CN-")]
    assert 0.004 < len(notes) / len(big) < 0.02
    applied = [r for r in notes if r["settled_date"]]
    assert len(applied) > len(notes) / 2
    assert all(r["paid_amount"] == r["amount"] for r in applied)


def test_payments_and_disputes(big: list[dict[str, str]]) -> None:
    open_ = _open(big)
    paid = [r for r in big if Decimal(r["paid_amount"]) == Decimal(r["amount"])]
    assert 0.08 < len(open_) / len(big) < 0.3  # most invoices are paid
    partial = [r for r in open_ if Decimal(r["paid_amount"]) != 0]
    assert partial and all(not r["settled_date"] for r in partial)
    late = [r for r in paid if r["settled_date"] > r["due_date"]]
    assert len(late) > len(paid) / 3  # and most of them late
    disputed_open = sum(r["disputed"] == "yes" for r in open_) / len(open_)
    disputed_paid = sum(r["disputed"] == "yes" for r in paid) / len(paid)
    assert 0.02 < disputed_open < 0.09
    assert 0.01 < disputed_paid < 0.06


def test_open_items_age_like_a_real_book(big: list[dict[str, str]]) -> None:
    buckets: Counter[str] = Counter()
    oldest_segments: Counter[str] = Counter()
    for r in _open(big):
        dpd = (AS_OF - date.fromisoformat(r["due_date"])).days
        if dpd <= 0:
            buckets["current"] += 1
        elif dpd <= 30:
            buckets["1-30"] += 1
        elif dpd <= 90:
            buckets["31-90"] += 1
        elif dpd <= 365:
            buckets["91-365"] += 1
        else:
            buckets["365+"] += 1
            oldest_segments[r["segment"]] += 1
    total = sum(buckets.values())
    share = {k: v / total for k, v in buckets.items()}
    assert 0.35 < share["current"] < 0.58
    assert 0.15 < share["1-30"] < 0.32
    assert 0.08 < share["31-90"] < 0.22
    assert 0.05 < share["91-365"] < 0.16
    assert 0.02 < share["365+"] < 0.10
    # the oldest debts are mostly the problem customers' (a tenth of the customers)
    assert oldest_segments["problem"] > 0.4 * sum(oldest_segments.values())


def test_dates_follow_the_as_of_date() -> None:
    rows = _rows(300, seed=4, as_of=date(2021, 3, 1))
    assert max(r["issue_date"] for r in rows) <= "2021-03-01"
    assert min(r["issue_date"] for r in rows) >= "2019-02-20"
    assert all(not r["settled_date"] or r["settled_date"] <= "2021-03-01" for r in rows)
    assert any(r["invoice_no"].startswith("INV-2019-") for r in rows)


def test_the_importer_takes_every_row(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from playbook.aging import AgingPolicy
    from storage.db import Database
    from storage.ledger import ImportOptions, import_ledger
    from storage.reports import aging_report

    path = tmp_path / "ledger.csv"
    generate(path, 400, None, 9, AS_OF)
    db = Database(f"sqlite:///{tmp_path}/t.db")
    db.migrate()
    try:
        res = import_ledger(db, path, ImportOptions(currency="CNY"),
                            now=datetime(2026, 11, 23, 9, tzinfo=UTC), today=AS_OF)  # fmt: skip
        assert res.bad == [] and res.created == 400
        with db.engine.connect() as conn:
            report = aging_report(conn, AS_OF, AgingPolicy()).to_json()
    finally:
        db.dispose()
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    open_ = _open(rows)
    assert sum(t["count"] for t in report["totals"]) == len(open_)
    for total in report["totals"]:
        expected = sum(
            Decimal(r["amount"]) - Decimal(r["paid_amount"])
            for r in open_
            if r["currency"] == total["currency"]
        )
        assert Decimal(total["amount"]) == expected


def test_every_customer_has_an_invoice() -> None:
    out = io.StringIO()
    generate(out, invoices=2000, customers=200, seed=7)
    customers = {r["customer"] for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert len(customers) == 200

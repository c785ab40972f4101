"""Finding a customer from what someone typed (storage.customer_search), on SQLite (FTS5
trigram) and PostgreSQL (pg_trgm): every step answers what the old scans answered, from an
index, and hostile text is only text."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, text, update

from storage.customer_search import find_customer
from storage.db import Database
from storage.models import Customer, Invoice
from tests.conftest import LEDGER_HEADER, run_import, write_csv

_cus = Customer.__table__  # type: ignore[attr-defined]
_inv = Invoice.__table__  # type: ignore[attr-defined]

NAMES = [
    ("C001", "恒通贸易有限公司"),
    ("C002", "恒达机械股份有限公司"),
    ("C003", "Summit Materials Holdings Pte. Ltd."),
    ("C004", "Summit Logistics GmbH"),
    ("C005", "Ärzte Versorgung Österreich AG"),
    ("C006", "100% Pure_Steel Ltd"),
    ("C007", 'Quote "Master" OR NEAR Trading'),
    ("C008", "Northwind Trading"),
]


@pytest.fixture
def customers(db: Database, tmp_path: Path) -> Database:
    rows = [
        (f"INV-{n}", code, name, "normal", "", "2026-01-05", "2026-02-04", "CNY", "100.00",
         "0", "", "no")
        for n, (code, name) in enumerate(NAMES)
    ]  # fmt: skip
    run_import(db, write_csv(tmp_path / "c.csv", LEDGER_HEADER, rows))
    return db


def lookup(db: Database, query: str) -> tuple[str | None, list[str]]:
    with db.engine.connect() as conn:
        found = find_customer(conn, query)
    return (found.match.code if found.match else None), [c.code for c in found.candidates]


@pytest.mark.parametrize(
    ("query", "match", "candidates"),
    [
        ("c003", "C003", []),  # a code, any case
        ("northwind trading", "C008", []),  # a whole name, any case
        ("  Northwind   Trading ", "C008", []),  # spaces as typed
        ("ärzte versorgung österreich ag", "C005", []),  # non-ASCII case folded in Python
        ("summit", None, ["C004", "C003"]),  # a prefix two share: which one?
        ("summit mat", "C003", []),
        ("恒通", "C001", []),  # a prefix of two characters
        ("通贸", "C001", []),  # a part of two characters: the scan
        ("materials holdings", "C003", []),  # a part of three or more: the trigram index
        ("机械股份", "C002", []),
        ("versorgung", "C005", []),
        ("100%", "C006", []),  # LIKE's wildcards are literal
        ("pure_steel", "C006", []),
        ("l_t", None, []),  # "_" is not "any character" (no "l?t" either)
        ('"master" or near', "C007", []),  # FTS query syntax is literal text
        ("Sumit Materials Holdings", None, ["C003"]),  # misspelt: did you mean
        ("Nortwind Tradng", None, ["C008"]),
        ("恒通贸意有限公司", None, ["C001"]),
        ("Qwzxv Nonexistent Holdings", None, []),
        ("*", None, []),
        ('"', "C007", []),  # a quote is a character of a name
        ("NEAR(", None, None),  # not FTS syntax: no error (a suggestion may or may not come)
    ],
)
def test_what_was_typed_finds_whom(
    customers: Database, query: str, match: str | None, candidates: list[str] | None
) -> None:
    got_match, got = lookup(customers, query)
    assert got_match == match
    if candidates is None:
        return
    if match is None and candidates:
        assert got[: len(candidates)] == candidates or set(got) >= set(candidates)
        assert got[0] in candidates
    elif match is None:
        assert got == candidates


def test_a_renamed_customer_is_found_by_its_new_name_only(customers: Database) -> None:
    with customers.engine.begin() as conn:
        conn.execute(update(_cus).where(_cus.c.code == "C008").values(name="Southwind Freight"))
    assert lookup(customers, "wind freig") == ("C008", [])
    assert lookup(customers, "northwind tr")[0] is None


def test_a_deleted_customer_is_not_found(customers: Database) -> None:
    with customers.engine.begin() as conn:
        cid = conn.execute(_cus.select().where(_cus.c.code == "C003")).one().id
        conn.execute(delete(_inv).where(_inv.c.customer_id == cid))
        conn.execute(delete(_cus).where(_cus.c.id == cid))
    assert lookup(customers, "materials holdings") == (None, [])


def test_sqlite_answers_from_the_indexes(sqlite_db: Database, tmp_path: Path) -> None:
    with sqlite_db.engine.connect() as conn:
        plan = " ".join(
            str(r[-1])
            for r in conn.execute(
                text("EXPLAIN QUERY PLAN SELECT id FROM customer WHERE lower(name) = 'x'")
            )
        )
        assert "ix_customer_name_lower" in plan
        plan = " ".join(
            str(r[-1])
            for r in conn.execute(
                text("EXPLAIN QUERY PLAN SELECT rowid FROM customer_fts WHERE customer_fts "
                     "MATCH '\"abc\"'")
            )
        )  # fmt: skip
        assert "VIRTUAL TABLE INDEX" in plan


def test_each_database_has_its_trigram_index(db: Database) -> None:
    with db.engine.connect() as conn:
        if db.dialect == "postgresql":
            found = conn.execute(
                text(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_customer_name_trgm' "
                    "AND schemaname = current_schema()"
                )
            ).scalar()
            assert found is not None and "gin_trgm_ops" in found
        else:
            found = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'customer_fts'")
            ).scalar()
            assert found is not None and "trigram" in found

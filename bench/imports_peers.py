"""The import benchmark's peers: pandas and the plain driver, writing what our importer writes.

A fair peer writes the same rows into the same tables: customers, invoices and payments of
a freshly migrated database, with every index, foreign key and (SQLite) the customer search
triggers our schema has. pandas does the least a competent pandas user would to get there
(read_csv, derive customers, minor units, status and payments, then to_sql with
`if_exists="append"` and pandas' default method and chunksize); it checks nothing a bad row
could hold. The floor is the insert alone: the rows our importer stored, read back before
the clock starts, written again by the plain driver (SQLite: one executemany per table;
PostgreSQL: COPY per table).

`same_rows` reads a fingerprint of each database, so a peer that wrote something else shows.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

PLACES = {"JPY": 0}  # every other currency in the generated ledger has 2 decimals
TABLES = ("customer", "invoice", "payment")

# Compared between the databases: counts and sums of what an import decides.
FINGERPRINT = (
    "SELECT (SELECT COUNT(*) FROM customer), (SELECT COUNT(*) FROM invoice), "
    "(SELECT SUM(amount_minor) FROM invoice), (SELECT SUM(paid_minor) FROM invoice), "
    "(SELECT COUNT(*) FROM invoice WHERE status = 'paid'), "
    "(SELECT COUNT(*) FROM invoice WHERE disputed), "
    "(SELECT COUNT(*) FROM payment), (SELECT SUM(amount_minor) FROM payment), "
    "(SELECT COUNT(*) FROM payment WHERE dated)"
)


def fingerprint(url: str) -> tuple[Any, ...]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return tuple(int(v or 0) for v in conn.execute(text(FINGERPRINT)).one())
    finally:
        engine.dispose()


def migrated(url: str) -> None:
    from storage.db import Database

    db = Database(url)
    db.migrate()
    db.dispose()


# --------------------------------------------------------------------------------------------
# pandas


def _frames(csv_path: Path, now: datetime, as_of: date, file: str, sqlite: bool) -> Any:
    """customers, invoices, payments as DataFrames in the columns our importer writes."""
    import numpy as np
    import pandas as pd

    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    # Stored as our importer stores them: on SQLite as SQLAlchemy's text, else as values.
    if sqlite:
        from sqlalchemy import DateTime
        from sqlalchemy.dialects import sqlite as sqlite_dialect

        proc = DateTime()._cached_bind_processor(sqlite_dialect.dialect())
        stamp: Any = proc(now) if proc else now
        day: Any = as_of.isoformat()
    else:
        stamp, day = now, as_of
    first = df.drop_duplicates("customer")
    customers = pd.DataFrame(
        {
            "id": np.arange(1, len(first) + 1),
            "code": first["customer"].to_numpy(),
            "name": first["customer_name"].str.slice(0, 300).to_numpy(),
            "segment": first["segment"].replace("", "normal").to_numpy(),
            "owner": first["owner"].replace("", None).to_numpy(),
            "on_hold": False,
            "status": "active",
            "created_at": stamp,
            "updated_at": stamp,
        }
    )
    customer_id = df["customer"].map(pd.Series(customers["id"].to_numpy(), index=customers["code"]))
    owner_of = pd.Series(customers["owner"].to_numpy(), index=customers["code"])
    scale = df["currency"].map(lambda c: 10 ** PLACES.get(c, 2))
    amount = (df["amount"].astype(float) * scale).round().astype("int64")
    paid = (df["paid_amount"].replace("", "0").astype(float) * scale).round().astype("int64")
    settled_given = pd.to_datetime(df["settled_date"], format="%Y-%m-%d", errors="coerce")
    full = amount == paid
    dated = full & settled_given.notna()
    issue = pd.to_datetime(df["issue_date"], format="%Y-%m-%d")
    due = pd.to_datetime(df["due_date"], format="%Y-%m-%d")

    def days(s: Any) -> Any:
        return s.dt.strftime("%Y-%m-%d") if sqlite else s.dt.date

    settled = days(settled_given).where(dated, None).where(~full | dated, day).where(full, None)
    owner = df["owner"].replace("", None).fillna(df["customer"].map(owner_of))
    invoices = pd.DataFrame(
        {
            "id": np.arange(1, len(df) + 1),
            "invoice_no": df["invoice_no"],
            "customer_id": customer_id,
            "issue_date": days(issue),
            "due_date": days(due),
            "currency": df["currency"],
            "amount_minor": amount,
            "paid_minor": paid,
            "settled_date": settled,
            "status": np.where(full, "paid", "open"),
            "disputed": df["disputed"].str.lower().isin(["yes", "y", "true", "1", "x"]),
            "terms_days": pd.to_numeric(df["terms_days"]).astype("Int64"),
            "owner": owner,
            "description": df["description"].str.slice(0, 500).replace("", None),
            "source": file[:300],
            "created_at": stamp,
            "updated_at": stamp,
        }
    )
    has = paid != 0
    payments = pd.DataFrame(
        {
            "invoice_id": invoices["id"][has],
            "paid_on": settled.where(dated, day)[has],
            "amount_minor": paid[has],
            "dated": dated[has],
            "source": "ledger",
            "created_at": stamp,
        }
    )
    return customers, invoices, payments


def pandas_to_sql(url: str, csv_path: Path, now: datetime, as_of: date) -> float:
    """read_csv + to_sql into our migrated tables; seconds. SQLite through a plain sqlite3
    connection (pandas' fastest path there), PostgreSQL through a SQLAlchemy engine."""
    from sqlalchemy import create_engine

    migrated(url)
    sqlite = url.startswith("sqlite")
    target: Any
    if sqlite:
        target = sqlite3.connect(url.removeprefix("sqlite:///"))
        target.execute("PRAGMA foreign_keys=ON")  # as every connection of ours has
    else:
        target = create_engine(url)
    try:
        started = time.perf_counter()
        frames = _frames(csv_path, now, as_of, csv_path.name, sqlite)
        if sqlite:
            for name, frame in zip(TABLES, frames, strict=True):
                frame.to_sql(name, target, index=False, if_exists="append")
            target.commit()
        else:
            with target.begin() as conn:
                for name, frame in zip(TABLES, frames, strict=True):
                    frame.to_sql(name, conn, index=False, if_exists="append")
        return time.perf_counter() - started
    finally:
        if sqlite:
            target.close()
        else:
            target.dispose()


# --------------------------------------------------------------------------------------------
# the floor


def _rows(url: str) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every row our importer stored, as the driver returns it, per table."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    out: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    try:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            for name in TABLES:
                cur = raw.cursor()  # type: ignore[union-attr]
                cur.execute(f"SELECT * FROM {name} ORDER BY id")
                cols = [d[0] for d in cur.description]
                out[name] = (cols, [tuple(r) for r in cur.fetchall()])
                cur.close()
    finally:
        engine.dispose()
    return out


def floor_sqlite(ours_url: str, path: Path) -> float:
    """Our stored rows, executemany'd into a freshly migrated file: the insert alone."""
    data = _rows(ours_url)
    url = f"sqlite:///{path}"
    migrated(url)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for name, (cols, rows) in data.items():
            marks = ", ".join("?" for _ in cols)
            conn.executemany(f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({marks})", rows)
        conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()


def floor_postgres(ours_url: str, url: str) -> float:
    """Our stored rows, COPYed into a freshly migrated schema: the insert alone."""
    import psycopg

    data = _rows(ours_url)
    migrated(url)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        started = time.perf_counter()
        with conn.cursor() as cur:
            for name, (cols, rows) in data.items():
                with cur.copy(f"COPY {name} ({', '.join(cols)}) FROM STDIN") as cp:
                    for row in rows:
                        cp.write_row(row)
        conn.commit()
        return time.perf_counter() - started

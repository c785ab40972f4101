"""Import speed: our importer beside pandas and the plain driver, on SQLite and PostgreSQL.

    python -m bench.imports [--invoices 100000] [--database postgresql://...] [--keep DIR]

One generated ledger (bench.generate), imported three ways into the same server:
1. ours: `arcircle import` (every cell validated, customers, invoices, payments and their
   indexes; on PostgreSQL through COPY).
2. pandas: read_csv + to_sql into one unindexed table (a SQLite file through a plain sqlite3
   connection, or the PostgreSQL database through SQLAlchemy; `method=None`, pandas'
   default).
3. the floor: the CSV as it is into one unindexed table by the plain driver (SQLite:
   executemany of the raw rows; PostgreSQL: COPY FROM STDIN).

The PostgreSQL figures need `--database`, an EMPTY scratch database (its tables are dropped
and made again). Rows per second; the last line is one JSON object. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

AS_OF = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]


def ours(url: str, csv_path: Path) -> float:
    from storage.db import Database
    from storage.ledger import ImportOptions, import_ledger

    db = Database(url)
    db.migrate()
    started = time.perf_counter()
    import_ledger(db, csv_path, ImportOptions(currency="CNY"), now=NOW, today=AS_OF)
    seconds = time.perf_counter() - started
    db.dispose()
    return seconds


def pandas_to_sql(target: Any, csv_path: Path) -> float:
    import pandas as pd

    started = time.perf_counter()
    df = pd.read_csv(
        csv_path,
        dtype={"invoice_no": str, "customer": str, "amount": str, "paid_amount": str},
        parse_dates=["issue_date", "due_date", "settled_date"],
        keep_default_na=False,
        na_values={"settled_date": [""]},
    )
    df.to_sql("pandas_ledger", target, index=False, if_exists="replace")
    if isinstance(target, sqlite3.Connection):
        target.commit()
        target.close()
    return time.perf_counter() - started


def floor_sqlite(path: Path, csv_path: Path) -> float:
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    with csv_path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        cols = ", ".join(f'"{h}"' for h in header)
        conn.execute(f"CREATE TABLE floor ({cols})")
        marks = ", ".join("?" for _ in header)
        conn.executemany(f"INSERT INTO floor VALUES ({marks})", reader)
    conn.commit()
    conn.close()
    return time.perf_counter() - started


def floor_postgres(url: str, csv_path: Path) -> float:
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        header = csv_path.open(encoding="utf-8").readline().strip().split(",")
        cols = ", ".join(f'"{h}" text' for h in header)
        conn.execute("DROP TABLE IF EXISTS floor")
        conn.execute(f"CREATE TABLE floor ({cols})")
        copy_sql = "COPY floor FROM STDIN (FORMAT csv, HEADER)"
        with conn.cursor() as cur, cur.copy(copy_sql) as cp, csv_path.open("rb") as f:
            while chunk := f.read(1 << 20):
                cp.write(chunk)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__.split("\n")[0])
    ap.add_argument("--invoices", type=int, default=100_000)
    ap.add_argument("--database", default=None, metavar="URL", help="an EMPTY PostgreSQL db")
    ap.add_argument("--keep", type=Path, default=None, metavar="DIR", help="reuse the ledger")
    args = ap.parse_args(argv)
    from sqlalchemy import create_engine, text

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="arcircle-bench-imports-"))
    workdir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"invoices": args.invoices}
    try:
        csv_path = workdir / f"ledger-{args.invoices}.csv"
        if not csv_path.exists():
            gen = ["--invoices", str(args.invoices), "--as-of", AS_OF.isoformat()]
            subprocess.run(
                [sys.executable, "-m", "bench.generate", *gen, "--out", str(csv_path)],
                check=True,
                cwd=ROOT,
            )
        n = args.invoices
        runs = workdir / "runs"
        shutil.rmtree(runs, ignore_errors=True)
        runs.mkdir()
        figures = {
            "sqlite_ours": ours(f"sqlite:///{runs}/ours.db", csv_path),
            "sqlite_pandas": pandas_to_sql(create_engine(f"sqlite:///{runs}/pandas.db"), csv_path),
            "sqlite_floor": floor_sqlite(runs / "floor.db", csv_path),
        }
        if args.database:
            from storage.db import normalise_url

            url = normalise_url(args.database)
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            figures["postgresql_ours"] = ours(url, csv_path)
            figures["postgresql_pandas"] = pandas_to_sql(engine, csv_path)
            figures["postgresql_floor"] = floor_postgres(url, csv_path)
            engine.dispose()
        for name, seconds in figures.items():
            result[f"{name}_rows_s"] = round(n / seconds)
            print(f"  {name:20} {n / seconds:>10,.0f} rows/s  ({seconds:.1f} s)", flush=True)
        for db in ("sqlite", "postgresql"):
            if f"{db}_ours" in figures:
                ratio = figures[f"{db}_pandas"] / figures[f"{db}_ours"]
                result[f"{db}_ours_vs_pandas"] = round(ratio, 2)
                print(f"  {db}: ours at {ratio:.2f}x of pandas", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"command: python -m bench.imports --invoices {args.invoices}"
        + (" --database <scratch>" if args.database else "")
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

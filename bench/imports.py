"""Import speed: our importer beside pandas and the plain driver, on SQLite and PostgreSQL.

    python -m bench.imports [--invoices 100000] [--database postgresql://...] [--keep DIR]

One generated ledger (bench.generate), imported three ways, each into a freshly migrated
database with the same tables, indexes, foreign keys and triggers (bench.imports_peers):
1. ours: `arcircle import` (every cell validated, customers, invoices and payments).
2. pandas: read_csv, the same customers / invoices / payments derived with pandas (minor
   units, status, payments; no validation), then to_sql(if_exists="append") with pandas'
   default method and chunksize: on SQLite through a plain sqlite3 connection (pandas'
   fastest path there), on PostgreSQL through a SQLAlchemy engine (the only one pandas takes).
3. the floor: the rows ours stored, read back before the clock starts and inserted again by
   the plain driver (SQLite: executemany per table; PostgreSQL: COPY per table).
Each database's counts and sums are compared afterwards ("same rows").

Earlier versions timed pandas into ONE unindexed table holding the CSV as it is (and on
SQLite through a SQLAlchemy engine, 3x slower than a plain sqlite3 connection); bench.aging
used a plain connection, hence 39,491 against 114,066 rows/s for the same pandas.

The PostgreSQL figures need `--database`, a scratch database: schemas imp_ours, imp_pandas
and imp_floor are dropped and made again in it. Rows per second; the last line is one JSON
object. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench.imports_peers import fingerprint, floor_postgres, floor_sqlite, pandas_to_sql

AS_OF = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]


def ours(url: str, csv_path: Path) -> float:
    from storage.db import Database
    from storage.ledger import ImportOptions, import_ledger

    db = Database(url)
    db.migrate()
    started = time.perf_counter()
    res = import_ledger(db, csv_path, ImportOptions(currency="CNY"), now=NOW, today=AS_OF)
    seconds = time.perf_counter() - started
    db.dispose()
    if res.bad:
        print(f"WARNING: ours found {len(res.bad)} bad rows, first: {res.bad[0]}", flush=True)
    return seconds


def schema_url(url: str, schema: str) -> str:
    """`url` with its connections in `schema`, dropped and made again (empty)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def run_all(csv_path: Path, runs: Path, database: str | None) -> tuple[dict[str, float], bool]:
    sqlite_urls = {k: f"sqlite:///{runs}/{k}.db" for k in ("ours", "pandas", "floor")}
    figures = {"sqlite_ours": ours(sqlite_urls["ours"], csv_path)}
    figures["sqlite_pandas"] = pandas_to_sql(sqlite_urls["pandas"], csv_path, NOW, AS_OF)
    figures["sqlite_floor"] = floor_sqlite(sqlite_urls["ours"], runs / "floor.db")
    prints = {f"sqlite_{k}": fingerprint(u) for k, u in sqlite_urls.items()}
    if database:
        from storage.db import normalise_url

        base = normalise_url(database)
        pg = {k: schema_url(base, f"imp_{k}") for k in ("ours", "pandas", "floor")}
        figures["postgresql_ours"] = ours(pg["ours"], csv_path)
        figures["postgresql_pandas"] = pandas_to_sql(pg["pandas"], csv_path, NOW, AS_OF)
        figures["postgresql_floor"] = floor_postgres(pg["ours"], pg["floor"])
        prints.update({f"postgresql_{k}": fingerprint(u) for k, u in pg.items()})
    same = len(set(prints.values())) == 1
    if not same:
        for name, values in prints.items():
            print(f"  {name:20} {values}", flush=True)
    return figures, same


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__.split("\n")[0])
    ap.add_argument("--invoices", type=int, default=100_000)
    ap.add_argument("--database", default=None, metavar="URL", help="an EMPTY PostgreSQL db")
    ap.add_argument("--keep", type=Path, default=None, metavar="DIR", help="reuse the ledger")
    args = ap.parse_args(argv)
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
        figures, same = run_all(csv_path, runs, args.database)
        result["same_rows"] = same
        for name, seconds in figures.items():
            result[f"{name}_rows_s"] = round(n / seconds)
            print(f"  {name:20} {n / seconds:>10,.0f} rows/s  ({seconds:.1f} s)", flush=True)
        for db in ("sqlite", "postgresql"):
            if f"{db}_ours" in figures:
                ratio = figures[f"{db}_pandas"] / figures[f"{db}_ours"]
                result[f"{db}_ours_vs_pandas"] = round(ratio, 2)
                print(f"  {db}: ours at {ratio:.2f}x of pandas", flush=True)
        print(f"  same rows in every database: {'yes' if same else 'NO'}", flush=True)
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

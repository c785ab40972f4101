"""Import and aging benchmark: ours against pandas and against a hand-written SQL query.

    python -m bench.aging [--invoices 100000] [--seed 42] [--keep DIR]

One process, in this order (peak RSS is a process-wide high-water mark, so ours runs first
and pandas is imported only after ours has been measured):

1. generate the ledger CSV with bench.generate, in a child process so that its memory does
   not count as ours (nothing is measured here);
2. ours: import_ledger into a fresh SQLite file -> rows/s, then peak RSS;
3. ours: aging_report as of 2026-11-23 (the generator's as-of) and as of 2026-06-30;
4. the same aging as one hand-written SQL query on the same file (sqlite3, read-only);
5. pandas: read_csv + to_sql of the same customers, invoices and payments into the same
   indexed tables of another SQLite file (bench.imports_peers) -> rows/s; then the aging
   from the ledger as one DataFrame with pd.cut + groupby;
6. all three must agree on every count and amount per currency and bucket.

Aging times are the best of 3. The last line of the output is one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.imports_peers import pandas_to_sql

AS_OF = date(2026, 11, 23)
PAST = date(2026, 6, 30)
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
RUNS = 3
# The default AgingPolicy buckets: upper bounds in days past due, then "365+".
BOUNDS: tuple[int, ...] = (0, 30, 60, 90, 180, 365)
LABELS: tuple[str, ...] = ("Current", "1-30", "31-60", "61-90", "91-180", "181-365", "365+")
PLACES = {"JPY": 0}  # every other currency in the generated ledger has 2 decimals

# (currency, bucket label) -> (count, outstanding in minor units)
Aging = dict[tuple[str, str], tuple[int, int]]

# The hand-written peer: what a competent engineer would write against the schema directly.
# Paid-as-of is a correlated sum over the (invoice_id, paid_on) index, days past due come from
# julianday(), buckets from one CASE.
HAND_SQL = """
SELECT currency,
       CASE WHEN dpd <= 0 THEN 0 WHEN dpd <= 30 THEN 1 WHEN dpd <= 60 THEN 2
            WHEN dpd <= 90 THEN 3 WHEN dpd <= 180 THEN 4 WHEN dpd <= 365 THEN 5
            ELSE 6 END AS bucket,
       COUNT(*), SUM(outstanding)
FROM (
    SELECT i.currency,
           julianday(:as_of) - julianday(i.due_date) AS dpd,
           i.amount_minor - COALESCE((SELECT SUM(p.amount_minor) FROM payment p
                                      WHERE p.invoice_id = i.id AND p.paid_on <= :as_of), 0)
               AS outstanding
    FROM invoice i
    WHERE i.issue_date <= :as_of
      AND (i.written_off_on IS NULL OR i.written_off_on > :as_of)
)
WHERE outstanding != 0
GROUP BY currency, bucket
"""


def peak_rss_mb() -> float:
    # ru_maxrss is KiB on Linux (bytes on macOS).
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / (1024 if sys.platform == "darwin" else 1)


def best_of(fn: Callable[[], Any], runs: int = RUNS) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def to_minor(amount: Decimal | float, currency: str) -> int:
    places = PLACES.get(currency, 2)
    if isinstance(amount, float):
        return round(amount * 10**places)
    return int(amount.scaleb(places))


# --------------------------------------------------------------------------------------------
# Ours


def run_ours(csv_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    from playbook.aging import AgingPolicy
    from storage.db import Database
    from storage.ledger import ImportOptions, import_ledger
    from storage.reports import aging_report

    db = Database(f"sqlite:///{workdir}/ours.db")
    db.migrate()
    baseline = peak_rss_mb()
    gc.collect()
    started = time.perf_counter()
    res = import_ledger(db, csv_path, ImportOptions(currency="CNY"), now=NOW, today=AS_OF)
    seconds = time.perf_counter() - started
    rss = peak_rss_mb()
    if res.bad or res.created != n:
        print(f"WARNING: ours imported {res.created} of {n} rows, {len(res.bad)} bad:")
        for bad in res.bad[:10]:
            print(f"  row {bad.row}: {bad.reason}")

    policy = AgingPolicy()
    assert tuple(b.label for b in policy.buckets) == LABELS, policy.buckets

    def aging(as_of: date) -> Callable[[], Any]:
        def run() -> Any:
            with db.engine.connect() as conn:
                return aging_report(conn, as_of, policy)

        return run

    aging_s, today = best_of(aging(AS_OF))
    aging_past_s, past = best_of(aging(PAST))
    db.dispose()
    return {
        "import_s": seconds,
        "import_rows_per_s": n / seconds,
        "created": res.created,
        "bad": len(res.bad),
        "payments": res.payments_added,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": rss,
        "aging_s": aging_s,
        "aging_past_s": aging_past_s,
        "today": _ours_cells(today.to_json()),
        "past": _ours_cells(past.to_json()),
    }


def _ours_cells(doc: dict[str, Any]) -> Aging:
    cells: Aging = {}
    for line in doc["totals"]:
        cur = line["currency"]
        for b in line["buckets"]:
            if b["count"]:
                cells[(cur, b["label"])] = (b["count"], to_minor(Decimal(b["amount"]), cur))
    return cells


# --------------------------------------------------------------------------------------------
# Hand-written SQL


def run_sql(db_path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:

        def aging(as_of: date) -> Callable[[], Aging]:
            def run() -> Aging:
                rows = conn.execute(HAND_SQL, {"as_of": as_of.isoformat()}).fetchall()
                return {(cur, LABELS[b]): (count, int(minor)) for cur, b, count, minor in rows}

            return run

        sql_s, today = best_of(aging(AS_OF))
        sql_past_s, past = best_of(aging(PAST))
    finally:
        conn.close()
    return {"sql_aging_s": sql_s, "sql_aging_past_s": sql_past_s, "today": today, "past": past}


# --------------------------------------------------------------------------------------------
# pandas (imported only here, after ours has been measured)


def run_pandas(csv_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    import pandas as pd

    dtype = {
        "invoice_no": str, "customer": str, "customer_name": str, "segment": str,
        "owner": str, "terms_days": "int64", "currency": str, "amount": "float64",
        "paid_amount": "float64", "disputed": str, "description": str,
    }  # fmt: skip
    dates = ["issue_date", "due_date", "settled_date"]
    # The import peer writes what ours writes, into the same indexed tables (bench.imports_peers).
    gc.collect()
    seconds = pandas_to_sql(f"sqlite:///{workdir}/pandas.db", csv_path, NOW, AS_OF)
    # The aging below works on the ledger as one DataFrame, read outside the import's time.
    df = pd.read_csv(
        csv_path,
        dtype=dtype,
        parse_dates=dates,
        keep_default_na=False,
        na_values={"settled_date": [""]},
    )
    rss = peak_rss_mb()

    bins = [-float("inf"), *(float(b) for b in BOUNDS), float("inf")]

    def aging(as_of: date) -> Callable[[], Aging]:
        stamp = pd.Timestamp(as_of)

        def run() -> Aging:
            if as_of >= AS_OF:  # the ledger's own date: paid_amount is what is paid
                outstanding = df["amount"] - df["paid_amount"]
            else:
                # Earlier, only rows settled by then are paid; a part payment has no date in
                # the file, so (like the importer) it counts from the export day.
                settled = df["settled_date"].notna() & (df["settled_date"] <= stamp)
                outstanding = df["amount"].where(~settled, 0.0)
            open_ = (df["issue_date"] <= stamp) & (outstanding != 0)
            frame = pd.DataFrame(
                {
                    "currency": df["currency"][open_],
                    "bucket": pd.cut((stamp - df["due_date"][open_]).dt.days, bins, labels=LABELS),
                    "outstanding": outstanding[open_],
                }
            )
            grouped = frame.groupby(["currency", "bucket"], observed=True)["outstanding"].agg(
                ["count", "sum"]
            )
            return {
                (cur, str(b)): (int(count), to_minor(float(total), cur))
                for (cur, b), count, total in zip(
                    grouped.index, grouped["count"], grouped["sum"], strict=True
                )
            }

        return run

    aging_s, today = best_of(aging(AS_OF))
    aging_past_s, past = best_of(aging(PAST))
    return {
        "pandas_import_s": seconds,
        "pandas_import_rows_per_s": n / seconds,
        "pandas_peak_rss_mb": rss,
        "pandas_aging_s": aging_s,
        "pandas_aging_past_s": aging_past_s,
        "today": today,
        "past": past,
        "pandas_version": pd.__version__,
    }


# --------------------------------------------------------------------------------------------
# Report


def compare(results: dict[str, Aging]) -> list[str]:
    """Differences between the agings, as readable lines; empty when all agree."""
    diffs = []
    names = list(results)
    keys = sorted(set().union(*results.values()), key=lambda k: (k[0], LABELS.index(k[1])))
    for key in keys:
        values = {name: results[name].get(key, (0, 0)) for name in names}
        if len(set(values.values())) > 1:
            shown = ", ".join(f"{name} {c} / {m}" for name, (c, m) in values.items())
            diffs.append(f"  {key[0]} {key[1]}: count / minor units: {shown}")
    return diffs


def _fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "rate":
        return f"{value:,.0f}"
    if kind == "s":
        return f"{value:.4f}" if value < 10 else f"{value:.2f}"
    if kind == "ratio":
        return f"{value:.2f}×"
    return f"{value:,.0f}"


def table(r: dict[str, Any]) -> str:
    def ratio(a: float | None, b: float | None) -> float | None:
        return None if a is None or not b else a / b

    rows = [
        ("import rows/s", "rate", r["import_rows_per_s"], r["pandas_import_rows_per_s"], None),
        ("aging today s", "s", r["aging_s"], r["pandas_aging_s"], r["sql_aging_s"]),
        ("aging past s", "s", r["aging_past_s"], r["pandas_aging_past_s"], r["sql_aging_past_s"]),
        ("peak RSS MB", "mb", r["peak_rss_mb"], r["pandas_peak_rss_mb"], None),
    ]
    grid = [["", "ours", "pandas", "hand-written SQL", "ours/pandas", "ours/SQL"]]
    for name, kind, ours, pandas, sql in rows:
        grid.append(
            [
                name,
                _fmt(ours, kind),
                _fmt(pandas, kind),
                _fmt(sql, kind),
                _fmt(ratio(ours, pandas), "ratio"),
                _fmt(ratio(ours, sql), "ratio"),
            ]
        )
    widths = [max(len(row[i]) for row in grid) for i in range(len(grid[0]))]
    lines = []
    for n, row in enumerate(grid):
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.aging", description=__doc__.split("\n")[0])
    ap.add_argument("--invoices", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument(
        "--keep",
        type=Path,
        default=None,
        metavar="DIR",
        help="work in DIR and keep the CSV and databases (default: a temp dir)",
    )
    args = ap.parse_args(argv)
    n = args.invoices
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        for name in ("ours.db", "ours.db-wal", "ours.db-shm", "pandas.db", "pandas.db-wal"):
            (args.keep / name).unlink(missing_ok=True)
        workdir = args.keep
    else:
        workdir = Path(tempfile.mkdtemp(prefix="arcircle-bench-"))
    try:
        csv_path = workdir / "ledger.csv"
        print(f"generating {n:,} invoices -> {csv_path}", flush=True)
        gen = ["--invoices", str(n), "--seed", str(args.seed), "--as-of", AS_OF.isoformat()]
        subprocess.run(
            [sys.executable, "-m", "bench.generate", *gen, "--out", str(csv_path)],
            check=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        print(f"  {csv_path.stat().st_size / 1e6:,.1f} MB", flush=True)

        print("ours: import + aging ...", flush=True)
        ours = run_ours(csv_path, workdir, n)
        print("hand-written SQL: aging ...", flush=True)
        sql = run_sql(workdir / "ours.db")
        print("pandas: read_csv + to_sql + aging ...", flush=True)
        pandas = run_pandas(csv_path, workdir, n)

        diffs_today = compare(
            {"ours": ours["today"], "sql": sql["today"], "pandas": pandas["today"]}
        )
        diffs_past = compare({"ours": ours["past"], "sql": sql["past"], "pandas": pandas["past"]})
        agree = not diffs_today and not diffs_past
        result: dict[str, Any] = {
            "n": n,
            "seed": args.seed,
            "import_rows_per_s": round(ours["import_rows_per_s"]),
            "pandas_import_rows_per_s": round(pandas["pandas_import_rows_per_s"]),
            "aging_s": round(ours["aging_s"], 5),
            "aging_past_s": round(ours["aging_past_s"], 5),
            "sql_aging_s": round(sql["sql_aging_s"], 5),
            "sql_aging_past_s": round(sql["sql_aging_past_s"], 5),
            "pandas_aging_s": round(pandas["pandas_aging_s"], 5),
            "pandas_aging_past_s": round(pandas["pandas_aging_past_s"], 5),
            "peak_rss_mb": round(ours["peak_rss_mb"], 1),
            "baseline_rss_mb": round(ours["baseline_rss_mb"], 1),
            "pandas_peak_rss_mb": round(pandas["pandas_peak_rss_mb"], 1),
            "import_s": round(ours["import_s"], 3),
            "pandas_import_s": round(pandas["pandas_import_s"], 3),
            "bad_rows": ours["bad"],
            "open_items": sum(c for c, _ in ours["today"].values()),
            "agree": agree,
            "import_goal": ours["import_rows_per_s"] >= 0.8 * pandas["pandas_import_rows_per_s"],
            "aging_goal": ours["aging_s"] <= 1.5 * sql["sql_aging_s"]
            and ours["aging_past_s"] <= 1.5 * sql["sql_aging_past_s"],
            "python": sys.version.split()[0],
            "sqlite": sqlite3.sqlite_version,
            "pandas": pandas["pandas_version"],
        }
        print()
        print(
            f"{n:,} invoices, {result['open_items']:,} open as of {AS_OF}; "
            f"aging as of {AS_OF} (today) and {PAST} (past), best of {RUNS}"
        )
        print(table(result))
        print(
            "(ratios: for rows/s above 1× is better, for seconds and MB below 1×; ours' RSS "
            f"before the import was {result['baseline_rss_mb']:,.0f} MB; the pandas RSS is the "
            "process peak after pandas ran, so it includes ours)"
        )
        print(
            "import goal (ours >= 0.8× pandas rows/s): "
            f"{'met' if result['import_goal'] else 'MISSED'}"
            f"; aging goal (ours <= 1.5× SQL): {'met' if result['aging_goal'] else 'MISSED'}"
        )
        print(f"agree: {'yes' if agree else 'no'}")
        for title, diffs in ((f"as of {AS_OF}", diffs_today), (f"as of {PAST}", diffs_past)):
            if diffs:
                print(f"differences {title}:")
                print("\n".join(diffs[:40]))
        print(json.dumps(result))
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Metrics and digest benchmark: ours beside one hand-written SQL query for
the same totals and beside pandas on the same data, in one run.

    python -m bench.digest [--invoices 1000000] [--customers 50000] [--cases 10000]
                           [--period 2026-10] [--seed 42] [--keep DIR]

One process, in this order:

1. generate the ledger CSV with bench.generate (as of 2026-11-23) in a child process;
2. import it into a fresh SQLite file with storage.ledger (timed, not the point here);
3. seed a month of circle history: `--cases` cases with three seats each, answered in the
   window, late, or still waiting, with their audit entries (what the scorecard reads);
4. ours: storage.metrics_report.metrics_report for `--period` (every metric per currency and
   the circle's scorecard), its receivables figures alone (storage.metrics_reads), and the
   day's digest (bench.digest_run: its snapshot, every section and the card, the chart);
5. the same receivables totals (opening, closing, closing current, 90+, credit sales per
   currency) as one hand-written SQL query on the same file (sqlite3, read-only), taken in
   turns with ours so that a busy machine weighs on both alike;
6. pandas: the same totals from the invoice and payment tables read into DataFrames;
7. all three must agree on every total.

Times are the best of 3. With `--keep DIR` the CSV and database stay there and a second run
with the same arguments reuses them (no generating, no importing). The last line of the output
is one JSON object. Goal: ours within 1.5× of the hand-written query, everything under 5 s.
"""

from __future__ import annotations

import argparse
import gc
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.digest_seed import seed_circle

AS_OF = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
ZONE = ZoneInfo("Asia/Shanghai")
RUNS = 3
FIGURES = ("opening", "closing", "current", "at_risk", "sales")

# currency -> figure -> minor units
Totals = dict[str, dict[str, int]]

# The hand-written peer: what a competent engineer would write against the schema for the
# same totals. Payments after the opening day are summed once per invoice and joined; one scan
# of the invoices does the rest with CASEs.
HAND_SQL = """
WITH later AS (
    SELECT invoice_id,
           SUM(amount_minor) AS a0,
           SUM(CASE WHEN paid_on > :end THEN amount_minor ELSE 0 END) AS a1
    FROM payment WHERE paid_on > :d0 GROUP BY invoice_id
)
SELECT i.currency,
  SUM(CASE WHEN i.issue_date <= :d0 AND (i.written_off_on IS NULL OR i.written_off_on > :d0)
           THEN i.amount_minor - i.paid_minor + COALESCE(l.a0, 0) ELSE 0 END),
  SUM(CASE WHEN i.issue_date <= :end AND (i.written_off_on IS NULL OR i.written_off_on > :end)
           THEN i.amount_minor - i.paid_minor + COALESCE(l.a1, 0) ELSE 0 END),
  SUM(CASE WHEN i.issue_date <= :end AND (i.written_off_on IS NULL OR i.written_off_on > :end)
            AND i.due_date >= :end
           THEN i.amount_minor - i.paid_minor + COALESCE(l.a1, 0) ELSE 0 END),
  SUM(CASE WHEN i.issue_date <= :end AND (i.written_off_on IS NULL OR i.written_off_on > :end)
            AND i.due_date <= :risk
           THEN i.amount_minor - i.paid_minor + COALESCE(l.a1, 0) ELSE 0 END),
  SUM(CASE WHEN i.issue_date >= :start AND i.issue_date <= :end THEN i.amount_minor ELSE 0 END)
FROM invoice i LEFT JOIN later l ON l.invoice_id = i.id
GROUP BY i.currency
"""


def best_of(fn: Callable[[], Any], runs: int = RUNS) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


# --------------------------------------------------------------------------------------------
# The data


def build(workdir: Path, n: int, customers: int, seed: int) -> dict[str, Any]:
    """The ledger in ours.db, generated and imported unless a kept run left it there."""
    from storage.db import Database
    from storage.ledger import ImportOptions, import_ledger

    marker = workdir / "built.json"
    wanted = {"invoices": n, "customers": customers, "seed": seed}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        print("reusing the ledger and database in", workdir, flush=True)
        return {"import_s": None}
    for name in ("ours.db", "ours.db-wal", "ours.db-shm"):
        (workdir / name).unlink(missing_ok=True)
    csv_path = workdir / "ledger.csv"
    print(f"generating {n:,} invoices, {customers:,} customers -> {csv_path}", flush=True)
    gen = ["--invoices", str(n), "--customers", str(customers), "--seed", str(seed)]
    gen += ["--as-of", AS_OF.isoformat(), "--out", str(csv_path)]
    subprocess.run(
        [sys.executable, "-m", "bench.generate", *gen],
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    db = Database(f"sqlite:///{workdir}/ours.db")
    db.migrate()
    print("importing ...", flush=True)
    started = time.perf_counter()
    res = import_ledger(db, csv_path, ImportOptions(currency="CNY"), now=NOW, today=AS_OF)
    seconds = time.perf_counter() - started
    if res.bad or res.created != n:
        print(f"WARNING: imported {res.created} of {n} rows, {len(res.bad)} bad")
    db.dispose()
    marker.write_text(json.dumps(wanted))
    return {"import_s": seconds}


# --------------------------------------------------------------------------------------------
# Ours


def run_ours_and_sql(workdir: Path, period_text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ours and the hand-written query, taken in turns (ours' report, ours' figures, the
    query; three rounds): on a shared machine the load then weighs on both alike."""
    from playbook.aging import AgingPolicy
    from playbook.money import to_minor
    from playbook.periods import parse_period
    from storage.db import Database
    from storage.metrics_reads import period_inputs
    from storage.metrics_report import metrics_report

    db = Database(f"sqlite:///{workdir}/ours.db")
    period = parse_period(period_text)
    raw = sqlite3.connect(f"file:{workdir}/ours.db?mode=ro", uri=True)
    params = _params(period_text)

    def metrics() -> Any:
        with db.engine.connect() as conn:
            return metrics_report(conn, period, AgingPolicy(), zone=ZONE, now=NOW)

    def figures() -> Any:
        since = datetime.combine(period.start, clock_time(0), tzinfo=ZONE)
        until = datetime.combine(period.end + timedelta(days=1), clock_time(0), tzinfo=ZONE)
        with db.engine.connect() as conn:
            return period_inputs(conn, period, AgingPolicy(), since=since, until=until)

    def query() -> Totals:
        rows = raw.execute(HAND_SQL, params).fetchall()
        return {
            cur: dict(zip(FIGURES, (int(v or 0) for v in values), strict=True))
            for cur, *values in rows
        }

    best = {"metrics": float("inf"), "figures": float("inf"), "sql": float("inf")}
    results: dict[str, Any] = {}
    try:
        for _ in range(RUNS):
            for name, fn in (("metrics", metrics), ("figures", figures), ("sql", query)):
                gc.collect()
                started = time.perf_counter()
                results[name] = fn()
                best[name] = min(best[name], time.perf_counter() - started)
    finally:
        raw.close()
    report = results["metrics"]
    totals: Totals = {}
    for c in report.currencies:
        i, cur = c.inputs, c.inputs.currency
        values = (i.opening, i.closing, i.closing_current, i.at_risk_90, i.credit_sales)
        totals[cur] = {k: to_minor(v, cur) for k, v in zip(FIGURES, values, strict=True)}
    from bench.digest_run import bench_config, chart_once, digest_once, snapshot

    config = bench_config()
    snapshot_s, _ = best_of(lambda: snapshot(db, config, NOW), runs=1)
    digest_s, _ = best_of(lambda: digest_once(db, config, NOW))
    chart_s, _ = best_of(lambda: chart_once(db, config, NOW))
    db.dispose()
    circle = report.circle
    ours = {
        "metrics_s": best["metrics"],
        "figures_s": best["figures"],
        "digest_s": digest_s,
        "snapshot_s": snapshot_s,
        "chart_s": chart_s,
        "totals": totals,
        "seats": sum(t.seats for t in circle.teams.values()),
        "waiting": sum(len(t.waiting) for t in circle.teams.values()),
        "opened": circle.opened,
    }
    return ours, {"sql_s": best["sql"], "totals": results["sql"]}


# --------------------------------------------------------------------------------------------
# Hand-written SQL and pandas


def _params(period_text: str) -> dict[str, str]:
    from playbook.periods import parse_period

    p = parse_period(period_text)
    return {
        "d0": p.before.isoformat(),
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "risk": (p.end - timedelta(days=91)).isoformat(),
    }


def run_pandas(workdir: Path, period_text: str) -> dict[str, Any]:
    import pandas as pd

    params = {k: pd.Timestamp(v) for k, v in _params(period_text).items()}
    conn = sqlite3.connect(f"file:{workdir}/ours.db?mode=ro", uri=True)
    try:
        started = time.perf_counter()
        inv = pd.read_sql_query(
            "SELECT id, currency, issue_date, due_date, written_off_on, amount_minor, paid_minor "
            "FROM invoice",
            conn,
            parse_dates=["issue_date", "due_date", "written_off_on"],
        )
        pay = pd.read_sql_query(
            "SELECT invoice_id, paid_on, amount_minor FROM payment", conn, parse_dates=["paid_on"]
        )
        load_s = time.perf_counter() - started
    finally:
        conn.close()

    def totals() -> Totals:
        d0, start, end, risk = params["d0"], params["start"], params["end"], params["risk"]
        after = pay[pay["paid_on"] > d0]
        a0 = after.groupby("invoice_id")["amount_minor"].sum()
        a1 = after[after["paid_on"] > end].groupby("invoice_id")["amount_minor"].sum()
        ids = inv["id"]
        base = inv["amount_minor"] - inv["paid_minor"]
        out0 = base + ids.map(a0).fillna(0).astype("int64")
        out1 = base + ids.map(a1).fillna(0).astype("int64")
        wo = inv["written_off_on"]
        at0 = (inv["issue_date"] <= d0) & (wo.isna() | (wo > d0))
        at1 = (inv["issue_date"] <= end) & (wo.isna() | (wo > end))
        frame = pd.DataFrame(
            {
                "currency": inv["currency"],
                "opening": out0.where(at0, 0),
                "closing": out1.where(at1, 0),
                "current": out1.where(at1 & (inv["due_date"] >= end), 0),
                "at_risk": out1.where(at1 & (inv["due_date"] <= risk), 0),
                "sales": inv["amount_minor"].where(
                    (inv["issue_date"] >= start) & (inv["issue_date"] <= end), 0
                ),
            }
        )
        sums = frame.groupby("currency")[list(FIGURES)].sum()
        return {str(cur): {k: int(sums.loc[cur, k]) for k in FIGURES} for cur in sums.index}

    seconds, result = best_of(totals)
    return {"pandas_s": seconds, "pandas_load_s": load_s, "totals": result}


# --------------------------------------------------------------------------------------------
# Report


def compare(results: dict[str, Totals]) -> list[str]:
    diffs = []
    currencies = sorted(set().union(*(r.keys() for r in results.values())))
    for cur in currencies:
        for figure in FIGURES:
            values = {name: r.get(cur, {}).get(figure, 0) for name, r in results.items()}
            if len(set(values.values())) > 1:
                shown = ", ".join(f"{name} {v:,}" for name, v in values.items())
                diffs.append(f"  {cur} {figure}: {shown}")
    return diffs


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.digest", description=__doc__.split("\n")[0])
    ap.add_argument("--invoices", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=50_000)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--period", default="2026-10")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--keep", type=Path, default=None, metavar="DIR")
    args = ap.parse_args(argv)
    from playbook.periods import parse_period

    period = parse_period(args.period)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="arcircle-bench-digest-"))
    workdir.mkdir(parents=True, exist_ok=True)
    built = build(workdir, args.invoices, args.customers, args.seed)
    print(f"seeding {args.cases:,} cases of circle history in {period.label} ...", flush=True)
    entries = seed_circle(workdir, period.start, period.end, args.cases, args.seed)
    print("ours and the hand-written SQL, in turns ...", flush=True)
    ours, sql = run_ours_and_sql(workdir, args.period)
    print("pandas ...", flush=True)
    try:
        pandas: dict[str, Any] | None = run_pandas(workdir, args.period)
    except ImportError:
        print("  pandas is not installed (pip install -e '.[bench]'): skipped")
        pandas = None
    results = {"ours": ours["totals"], "sql": sql["totals"]}
    if pandas is not None:
        results["pandas"] = pandas["totals"]
    diffs = compare(results)
    total = ours["metrics_s"] + ours["digest_s"] + ours["snapshot_s"] + ours["chart_s"]
    # Like for like: the hand-written query gives the totals, ours' figures give those and
    # the grades, countback months and promises besides.
    ratio = ours["figures_s"] / sql["sql_s"] if sql["sql_s"] else None
    print()
    print(
        f"{args.invoices:,} invoices, {args.customers:,} customers, {args.cases:,} cases "
        f"({entries:,} audit entries); period {period.label}; best of {RUNS}"
    )
    rows = [
        ("ours: every metric + circle scorecard", ours["metrics_s"]),
        ("ours: the receivables figures alone", ours["figures_s"]),
        ("ours: digest (every section and the card)", ours["digest_s"]),
        ("ours: digest's daily snapshot", ours["snapshot_s"]),
        ("ours: digest's chart (matplotlib)", ours["chart_s"]),
        ("hand-written SQL: the totals only", sql["sql_s"]),
        ("pandas: the totals (tables in memory)", pandas["pandas_s"] if pandas else None),
        ("pandas: reading the tables", pandas["pandas_load_s"] if pandas else None),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name.ljust(width)}  {_s(value):>8} s")
    print(f"  ours (receivables figures) / hand-written SQL: {ratio:.2f}×" if ratio else "")
    if diffs:
        print("DISAGREE:")
        print("\n".join(diffs))
    else:
        print(
            f"all {len(results)} agree on {len(FIGURES)} totals in {len(ours['totals'])} currencies"
        )
    result = {
        "invoices": args.invoices,
        "customers": args.customers,
        "cases": args.cases,
        "period": period.label,
        "import_s": None if built["import_s"] is None else round(built["import_s"], 1),
        "metrics_s": round(ours["metrics_s"], 4),
        "figures_s": round(ours["figures_s"], 4),
        "digest_s": round(ours["digest_s"], 4),
        "snapshot_s": round(ours["snapshot_s"], 4),
        "chart_s": round(ours["chart_s"], 4),
        "total_s": round(total, 3),
        "sql_s": round(sql["sql_s"], 4),
        "pandas_s": None if pandas is None else round(pandas["pandas_s"], 4),
        "pandas_load_s": None if pandas is None else round(pandas["pandas_load_s"], 2),
        "ratio_to_sql": None if ratio is None else round(ratio, 2),
        "seats": ours["seats"],
        "waiting": ours["waiting"],
        "agree": not diffs,
        "goal_ratio": ratio is not None and ratio <= 1.5,
        "goal_5s": total < 5,
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
    }
    print(json.dumps(result, default=str))
    return 0 if not diffs else 1


if __name__ == "__main__":
    sys.exit(main())

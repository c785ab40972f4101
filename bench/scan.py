"""The scans over a big ledger: overdue scan, pre-due reminder, limitation watch.

    python -m bench.scan [--invoices 1000000] [--seed 42] [--database URL] [--ledger CSV]

1. A ledger of N invoices from bench.generate (as of 2026-11-23), or the CSV --ledger names.
2. Imported into a fresh, migrated database: a temporary SQLite file unless --database names
   an EMPTY scratch database (it refuses one with customers).
3. The first overdue scan as of 2026-11-23 (jobs.circle.scan_overdue, all stages): every
   invoice's entry into early / mid / late is recorded, and the entries of that day open cases.
4. The same scan ten minutes later: the steady state, nothing new.
5. The next day's scan: one day of stage entries is news.
6. The pre-due reminder (7 days ahead) and the limitation watch (3 years, warn 90 days before).

Each step is timed once (the scans change the database, so there is no best-of). The figures
are wall seconds, entries recorded and cases opened; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select

AS_OF = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
T = TypeVar("T")

CONFIG = """\
company: {name: Bench Machinery, currency: CNY, timezone: Asia/Shanghai, locale: en}
people:
  wang.wei: {name: 王伟, team: sales, role: lead}
  zhang.min: {name: 张敏, team: sales}
  tom.baker: {name: Tom Baker, team: sales}
  li.na: {name: 李娜, team: finance, role: lead}
  zhao.yun: {name: 赵云, team: legal, role: lead}
  liu.yang: {name: 刘洋, role: manager}
teams:
  sales: {name: Sales, lead: wang.wei, manager: liu.yang}
  finance: {name: Finance, lead: li.na, manager: liu.yang}
  legal: {name: Legal, lead: zhao.yun, manager: liu.yang}
platforms:
  console: {channel: "#bench"}
"""


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.scan", description=__doc__.split("\n")[0])
    ap.add_argument("--invoices", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--ledger", type=Path, default=None, help="import this CSV instead")
    ap.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="an EMPTY scratch database (default: a temporary SQLite file)",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    from bot.circle_env import circle_env
    from bot.kernel.config import load_config
    from jobs.circle import predue_reminders, scan_overdue, watch_limitation
    from storage.db import Database, redact
    from storage.ledger import ImportOptions, import_ledger
    from storage.models import Case, Customer, StageEvent

    workdir = Path(tempfile.mkdtemp(prefix="arcircle-bench-scan-"))
    try:
        csv_path = args.ledger
        if csv_path is None:
            csv_path = workdir / "ledger.csv"
            print(f"generating {args.invoices:,} invoices -> {csv_path}", flush=True)
            gen = ["--invoices", str(args.invoices), "--seed", str(args.seed)]
            gen += ["--as-of", AS_OF.isoformat(), "--out", str(csv_path)]
            subprocess.run(
                [sys.executable, "-m", "bench.generate", *gen],
                check=True,
                cwd=Path(__file__).resolve().parents[1],
            )
        db = Database(args.database or f"sqlite:///{workdir}/scan.db")
        db.migrate()
        cus = Customer.__table__  # type: ignore[attr-defined]
        case = Case.__table__  # type: ignore[attr-defined]
        ev = StageEvent.__table__  # type: ignore[attr-defined]

        def count(table: Any) -> int:
            with db.engine.connect() as conn:
                return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

        if count(cus):
            raise SystemExit("--database must be an empty scratch database (customers found)")
        (workdir / "config.yaml").write_text(CONFIG, encoding="utf-8")
        env = circle_env(load_config(workdir / "config.yaml", env={}))
        print(f"database {redact(db.url)}", flush=True)

        print(f"importing {csv_path} ...", flush=True)
        options = ImportOptions(currency="CNY")
        import_s, imported = timed(
            lambda: import_ledger(db, csv_path, options, now=NOW - timedelta(hours=1), today=AS_OF)
        )
        print(f"  {imported.created:,} invoices in {import_s:.1f}s", flush=True)

        steps: dict[str, dict[str, Any]] = {}

        def scan(name: str, day: date, now: datetime) -> None:
            before = count(case)
            seconds, result = timed(lambda: scan_overdue(db, env, today=day, now=now))
            steps[name] = {
                "s": round(seconds, 3),
                "entries": result.recorded,
                "cases_opened": count(case) - before,
                "cases_touched": len(result.cases),
            }
            print(f"  {name}: {steps[name]}", flush=True)

        print("overdue scan ...", flush=True)
        scan("first_scan", AS_OF, NOW)
        scan("rerun", AS_OF, NOW + timedelta(minutes=10))
        scan("next_day", AS_OF + timedelta(days=1), NOW + timedelta(days=1))
        day, now = AS_OF + timedelta(days=1), NOW + timedelta(days=1, minutes=1)
        seconds, told = timed(lambda: predue_reminders(db, env, today=day, now=now, days=7))
        steps["predue"] = {"s": round(seconds, 3), "invoices": told}
        print(f"  predue: {steps['predue']}", flush=True)
        before = count(case)
        seconds, called = timed(
            lambda: watch_limitation(db, env, today=day, now=now, years=3, warn_days=90)
        )
        steps["limitation"] = {"s": round(seconds, 3), "customers": called}
        print(f"  limitation: {steps['limitation']}", flush=True)
        result = {
            "invoices": imported.created,
            "database": db.dialect,
            "import_s": round(import_s, 1),
            "stage_events": count(ev),
            "cases": count(case),
            **{f"{k}_{f}": v for k, fig in steps.items() for f, v in fig.items()},
            "cases_after_limitation": count(case) - before,
            "python": sys.version.split()[0],
        }
        db.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    source = f"--ledger {args.ledger}" if args.ledger else f"--invoices {args.invoices}"
    command = f"python -m bench.scan {source} --seed {args.seed}" + (
        f" --database {redact(args.database)}" if args.database else ""
    )
    print(f"command: {command}")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

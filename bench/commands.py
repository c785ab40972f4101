"""Chat commands over a big ledger: what a user waits for, beside one hand-written query.

    python -m bench.commands [--invoices 100000] [--rounds 20] [--database URL] [--keep DIR]

1. A ledger of N invoices from bench.generate (as of 2026-11-23), imported into a fresh,
   migrated database (a temporary SQLite file unless --database names an EMPTY scratch
   database). `--keep DIR` keeps the ledger and the SQLite file there and reuses them.
2. Each command goes through the router as a person typed it in the console, `--rounds`
   times: `/ar overdue`, `/ar overdue late 20`, `/ar customer` by exact name, by a part of a
   name, by a misspelt name (the "did you mean" path) and by a name nothing resembles, and
   `/ar phrase` and `/ar check` for a customer with overdue invoices.
3. Beside them, the floor: the same question as one hand-written SQL statement (the overdue
   top ten by days late, a customer by its indexed code).

Figures are milliseconds, p50 and p99 (the worst of 100 rounds is the p99 at 100); the last
line is one JSON object. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from bench.scan import CONFIG

AS_OF = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
ROOT = Path(__file__).resolve().parents[1]

# The peer: the overdue top ten as one statement (no ranking rules, no aging in Python).
OVERDUE_FLOOR = """
SELECT i.invoice_no, c.name, i.amount_minor - i.paid_minor AS outstanding, i.due_date
FROM invoice i JOIN customer c ON c.id = i.customer_id
WHERE i.status = 'open' AND i.due_date < :today
ORDER BY i.due_date, i.id
LIMIT 10
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def figures(ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(ms), 2),
        "p99_ms": round(percentile(ms, 0.99), 2),
    }


async def rounds(fn: Callable[[], Awaitable[Any]], n: int) -> tuple[list[float], Any]:
    out: list[float] = []
    last: Any = None
    for _ in range(n):
        started = time.perf_counter()
        last = await fn()
        out.append((time.perf_counter() - started) * 1000)
    return out, last


def prepare(args: argparse.Namespace, workdir: Path) -> tuple[str, Path]:
    """The database URL and the ledger, generated and imported unless kept from before."""
    from storage.db import Database
    from storage.ledger import ImportOptions, import_ledger

    csv_path = workdir / f"ledger-{args.invoices}.csv"
    url = args.database or f"sqlite:///{workdir}/commands-{args.invoices}.db"
    if not csv_path.exists():
        print(f"generating {args.invoices:,} invoices -> {csv_path}", flush=True)
        gen = ["--invoices", str(args.invoices), "--as-of", AS_OF.isoformat()]
        subprocess.run(
            [sys.executable, "-m", "bench.generate", *gen, "--out", str(csv_path)],
            check=True,
            cwd=ROOT,
        )
    db = Database(url)
    db.migrate()
    with db.engine.connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM invoice")).scalar_one()
    if not have:
        print(f"importing {csv_path} ...", flush=True)
        started = time.perf_counter()
        import_ledger(
            db, csv_path, ImportOptions(currency="CNY"), now=NOW - timedelta(hours=1), today=AS_OF
        )
        print(f"  imported in {time.perf_counter() - started:.1f}s", flush=True)
    db.dispose()
    return url, csv_path


def subjects(db: Any) -> dict[str, str]:
    """Whom to ask about: a customer with overdue invoices, by name, part and misspelling."""
    from storage.models import Customer, Invoice

    cus = Customer.__table__  # type: ignore[attr-defined]
    inv = Invoice.__table__  # type: ignore[attr-defined]
    with db.engine.connect() as conn:
        row = conn.execute(
            select(cus.c.code, cus.c.name)
            .join(inv, inv.c.customer_id == cus.c.id)
            .where(inv.c.status == "open", inv.c.due_date < AS_OF)
            .group_by(cus.c.code, cus.c.name)
            .order_by(func.count().desc(), cus.c.code)
            .limit(1)
        ).one()
    name: str = row.name
    words = name.split()
    part = words[0] if len(words) > 1 and len(words[0]) >= 4 else name[2:6]
    # One letter changed in the middle: close enough for "did you mean".
    middle = len(name) // 2
    typo = name[:middle] + ("x" if name[middle] != "x" else "y") + name[middle + 1 :]
    return {"code": row.code, "name": name, "part": part, "typo": typo}


async def measure(url: str, n: int) -> dict[str, Any]:
    from bot.kernel.clock import FakeClock
    from bot.kernel.config import load_config
    from bot.runtime import build_runtime

    workdir = Path(tempfile.mkdtemp(prefix="arcircle-bench-cmd-"))
    try:
        (workdir / "config.yaml").write_text(CONFIG, encoding="utf-8")
        cfg = load_config(workdir / "config.yaml", env={})
        rt = build_runtime(cfg, FakeClock(NOW), url, platforms=("console",), env={})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    who = subjects(rt.db)
    commands = {
        "overdue": "/ar overdue",
        "overdue_late_20": "/ar overdue late 20",
        "customer_exact": f"/ar customer {who['name']}",
        "customer_part": f"/ar customer {who['part']}",
        "customer_typo": f"/ar customer {who['typo']}",
        "customer_none": "/ar customer Qwzxv Nonexistent Holdings",
        "phrase": f"/ar phrase {who['code']}",
        "check": f"/ar check {who['code']}",
    }
    result: dict[str, Any] = {}
    for name, line in commands.items():

        def ask(line: str = line) -> Awaitable[Any]:
            return rt.router.handle(
                line, platform="console", channel="#bench", user_id="li.na", person="li.na"
            )

        ms, reply = await rounds(ask, n)
        result[name] = figures(ms)
        shown = (reply.text or reply.card.title) if reply and (reply.text or reply.card) else ""
        print(f"  {name:16} {result[name]}  {str(shown)[:60]!r}", flush=True)

    def floor_overdue() -> Any:
        with rt.db.engine.connect() as conn:
            return conn.execute(text(OVERDUE_FLOOR), {"today": AS_OF}).all()

    def floor_customer() -> Any:
        with rt.db.engine.connect() as conn:
            return conn.execute(
                text("SELECT id, name FROM customer WHERE code = :c"), {"c": who["code"]}
            ).all()

    for name, fn in (("floor_overdue", floor_overdue), ("floor_customer", floor_customer)):

        async def call(fn: Callable[[], Any] = fn) -> Any:
            return fn()

        ms, _ = await rounds(call, n)
        result[name] = figures(ms)
        print(f"  {name:16} {result[name]}", flush=True)
    result["database"] = rt.db.dialect
    rt.db.dispose()
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.commands", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--invoices", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--database", default=None, metavar="URL")
    ap.add_argument("--keep", type=Path, default=None, metavar="DIR")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from storage.db import redact

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="arcircle-bench-commands-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        url, _csv = prepare(args, workdir)
        print(f"database {redact(url)}, {args.rounds} rounds each", flush=True)
        result = asyncio.run(measure(url, args.rounds))
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    result = {"invoices": args.invoices, **result, "python": sys.version.split()[0]}
    command = f"python -m bench.commands --invoices {args.invoices} --rounds {args.rounds}" + (
        f" --database {redact(args.database)}" if args.database else ""
    )
    print(f"command: {command}")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

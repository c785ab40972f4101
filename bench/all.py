"""Every benchmark at several ledger sizes on SQLite and PostgreSQL, on one page.

    python -m bench.all [--sizes 10000,100000,1000000] [--postgres postgresql://user@host/db]
                        [--out bench/RESULTS.md]
                        [--only aging,scan,commands,imports,circle,serve,digest,phrase]

Each benchmark runs as its own process (python -m bench.<name> ...) and prints one JSON
object as its last line; this collects them and writes `--out` with the machine, the date,
the command of each run and every figure beside its peer from the same run (pandas, the
hand-written SQL or plain-driver floor, the messenger's rate limit), so the growth of each
cost with the ledger is visible. PostgreSQL runs need `--postgres`: a database this user may
create other databases from; each run gets a fresh scratch database, dropped afterwards.

Nothing is asserted. A run that fails is written down with its last lines of output.
Every run's figures are also kept in `--out` with a .json suffix: a later `--only circle`
re-measures that benchmark and rewrites the page with the others' figures as they were, each
section saying when it was measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
BENCHES = ("aging", "scan", "commands", "imports", "circle", "serve", "digest", "phrase")
# SQLite only: aging and digest compare with pandas and a read-only sqlite3 query on the same
# file; phrase touches no database and does not grow with the ledger, so it runs once.
SQLITE_ONLY = ("aging", "digest", "phrase")
ONCE = ("phrase",)

# What each benchmark's JSON says, as (label, our key, peer key or None, peer label).
FIGURES: dict[str, list[tuple[str, str, str | None, str]]] = {
    "aging": [
        ("import, rows/s", "import_rows_per_s", "pandas_import_rows_per_s", "pandas"),
        ("aging as of today, s", "aging_s", "sql_aging_s", "hand-written SQL"),
        ("aging as of a past date, s", "aging_past_s", "sql_aging_past_s", "hand-written SQL"),
    ],
    "scan": [
        ("first overdue scan, s", "first_scan_s", None, ""),
        ("the same scan again, s", "rerun_s", None, ""),
        ("next day's scan, s", "next_day_s", None, ""),
    ],
    "commands": [
        ("/ar overdue, p99 ms", "overdue.p99_ms", "floor_overdue.p99_ms", "one indexed query"),
        ("/ar overdue late 20, p99 ms", "overdue_late_20.p99_ms", None, ""),
        ("/ar customer <exact>, p99 ms", "customer_exact.p99_ms", "floor_customer.p99_ms",
         "customer by code"),
        ("/ar customer <misspelt>, p99 ms", "customer_typo.p99_ms", None, ""),
        ("/ar phrase, p99 ms", "phrase.p99_ms", None, ""),
        ("/ar check, p99 ms", "check.p99_ms", None, ""),
    ],
    "imports": [
        ("import SQLite, rows/s", "sqlite_ours_rows_s", "sqlite_pandas_rows_s", "pandas"),
        ("import PostgreSQL, rows/s", "postgresql_ours_rows_s", "postgresql_pandas_rows_s",
         "pandas"),
        ("plain driver SQLite, rows/s", "sqlite_floor_rows_s", None, ""),
        ("plain driver PostgreSQL (COPY), rows/s", "postgresql_floor_rows_s", None, ""),
    ],
    "circle": [
        ("tick per fired seat, ms", "tick_per_seat_ms", "peer_per_seat_ms", "bare claim loop"),
        ("escalation lateness max, s", "lateness_s_max", None, ""),
        ("outbox messages/s", "msgs_per_s", "limit_per_s", "messenger's limit"),
    ],
    "serve": [
        ("Slack ack p50, ms", "ack_p50_ms", "bare_p50_ms", "bare endpoint"),
        ("Slack ack p99, ms", "ack_p99_ms", "bare_p99_ms", "bare endpoint"),
        ("answer at the fake Slack p99, ms", "answer_p99_ms", None, ""),
        ("answers missing", "answers_missing", None, ""),
    ],
    "digest": [
        ("receivables figures, s", "figures_s", "sql_s", "hand-written SQL"),
        ("the same figures in pandas, s", "pandas_s", None, ""),
        ("month's metrics with the scorecard, s", "metrics_s", None, ""),
        ("the day's digest with its chart, s", "total_s", None, ""),
    ],
    "phrase": [
        ("suggestions with the lint, per s", "suggestions_with_lint_per_s",
         "suggestions_per_s", "without the lint"),
        ("lint, µs per 1,000 characters", "lint_us_per_kchar", "regex_floor_us_per_kchar",
         "one compiled regex"),
    ],
}  # fmt: skip


def dig(data: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def scratch(admin: str, name: str, drop_only: bool = False) -> str:
    """A fresh database `name` on the server of `admin`; its URL."""
    import psycopg

    url = admin.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def command(bench: str, size: int, database: str | None, keep: Path) -> list[str]:
    args = [sys.executable, "-m", f"bench.{bench}"]
    if bench == "circle":
        args += ["--cases", str(max(100, size // 100)), "--seconds", "5"]
    elif bench == "phrase":
        pass
    elif bench == "digest":
        args += ["--invoices", str(size), "--customers", str(max(100, size // 20))]
        args += ["--cases", str(max(100, size // 100))]
    else:
        args += ["--invoices", str(size)]
    if bench in ("commands", "imports"):
        args += ["--keep", str(keep)]
    if bench == "commands":
        args += ["--rounds", "20"]
    if bench == "serve":
        args += ["--rounds", "2"]
    if database and bench not in SQLITE_ONLY:
        args += ["--database", database]
    return args


def run(args: Sequence[str]) -> tuple[dict[str, Any] | None, float, str]:
    started = time.perf_counter()
    done = subprocess.run(list(args), cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode == 0 and lines:
        try:
            return json.loads(lines[-1]), seconds, ""
        except json.JSONDecodeError:
            pass
    tail = "\n".join((done.stdout + done.stderr).splitlines()[-5:])
    return None, seconds, tail


def fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def page(results: list[dict[str, Any]], started: datetime) -> str:
    machine = (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    out = [
        "# Benchmark results",
        "",
        f"Written by `python -m bench.all` on {started:%Y-%m-%d %H:%M} UTC; {machine}.",
        "Every figure stands beside its peer from the same run. Nothing here is asserted.",
        "",
    ]
    for bench in BENCHES:
        runs = [r for r in results if r["bench"] == bench]
        if not runs:
            continue
        out += [f"## {bench}", ""]
        when = sorted({r.get("at", "")[:16].replace("T", " ") for r in runs} - {""})
        if when:
            out += [f"Measured {' to '.join(dict.fromkeys([when[0], when[-1]]))} UTC.", ""]
        if bench == "circle":
            out += ["Open cases: the ledger size / 100 (100, 1,000, 10,000).", ""]
        if bench == "serve":
            out += ["Acks at 200 concurrent signed Slack requests (the last burst level).", ""]
        if bench == "digest":
            out += ["Customers: the ledger size / 20; a month of circle history for size / 100 "
                    "cases.", ""]  # fmt: skip
        if bench == "phrase":
            out += ["10,000 random cases; does not depend on the ledger.", ""]
        cols = [(r["size"], r["db"]) for r in runs]
        heads = ["no database" if bench in ONCE else f"{s:,} · {d}" for s, d in cols]
        out.append("| figure | " + " | ".join(heads) + " |")
        out.append("|---|" + "---:|" * len(cols))
        for label, ours, peer, peer_label in FIGURES[bench]:
            cells = []
            for r in runs:
                data = r["data"]
                if data is None:
                    cells.append("failed")
                    continue
                cell = fmt(dig(data, ours))
                if peer is not None and dig(data, peer) is not None:
                    cell += f" ({peer_label}: {fmt(dig(data, peer))})"
                cells.append(cell)
            out.append(f"| {label} | " + " | ".join(cells) + " |")
        out.append("")
        out.append("Commands:")
        out.append("")
        for r in runs:
            shown = "python " + " ".join(r["args"][1:]).replace(str(ROOT) + "/", "")
            note = f" — failed: {r['error']!r}" if r["data"] is None else ""
            out.append(f"- `{shown}` ({r['seconds']:.0f} s){note}")
        out.append("")
    ran = {r["size"] for r in results}
    missing = [s for s in (10_000, 100_000, 1_000_000) if s not in ran]
    if missing:
        out += [
            "Not run this time: " + ", ".join(f"{s:,} invoices" for s in missing) + ".",
            "",
        ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.all", description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--postgres", default=None, metavar="URL")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    ap.add_argument("--only", default=",".join(BENCHES))
    args = ap.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    only = [b for b in args.only.split(",") if b in BENCHES]
    started = datetime.now(UTC)
    # The generated ledgers are kept between runs of the same size (bench.commands/imports).
    keep = Path(os.environ.get("TMPDIR", "/tmp")) / "arcircle-bench-all"
    keep.mkdir(parents=True, exist_ok=True)
    kept = args.out.with_suffix(".json")
    results: list[dict[str, Any]] = []
    if kept.exists():
        # Earlier figures of the benchmarks not run now stay on the page.
        results = [r for r in json.loads(kept.read_text()) if r["bench"] not in only]
    for size in sizes:
        for bench in only:
            if bench in ONCE and size != sizes[0]:
                continue
            targets: list[tuple[str, str | None]] = [("sqlite", None)]
            if args.postgres and bench not in (*SQLITE_ONLY, "imports"):
                targets.append(("postgresql", "pg"))
            if args.postgres and bench == "imports":
                targets = [("both", "pg")]
            for db_name, pg in targets:
                url = None
                name = f"arcircle_bench_{bench}_{size}"
                if pg:
                    url = scratch(args.postgres, name)
                cmd = command(bench, size, url, keep)
                print(f"{bench} {size:,} {db_name} ...", flush=True)
                data, seconds, error = run(cmd)
                if pg:
                    scratch(args.postgres, name, drop_only=True)
                shown = [c if c != url else "<scratch>" for c in cmd]
                results.append(
                    {"bench": bench, "size": size, "db": db_name, "data": data,
                     "seconds": seconds, "error": error, "args": shown,
                     "at": datetime.now(UTC).isoformat(timespec="minutes")}
                )  # fmt: skip
                kept.write_text(json.dumps(results, indent=1), encoding="utf-8")
                print(f"  {seconds:.0f} s" + (f"  FAILED {error[-200:]}" if data is None else ""))
    order = {b: i for i, b in enumerate(BENCHES)}
    results.sort(key=lambda r: (order[r["bench"]], r["size"]))
    args.out.write_text(page(results, started), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Circle benchmark: the tick's cost and lateness, and the outbox's throughput under rate limits.

    python -m bench.circle [--cases 10000] [--channels 100] [--seconds 20] [--tick-budget 45]
                           [--database URL]

Two parts in one process (plus a child process for the fake messenger):

1. **Tick.** A fresh, migrated database (a temporary SQLite file unless --database names an
   empty scratch database) gets N customers with one overdue invoice each and one case each,
   with 2 seats (sales and finance, the default seat rules) and business hours off. The first
   300 cases are opened through storage.circle.open_case (its cost is reported); the rest are
   copies of the rows it wrote, made in bulk, because open_case costs 5-10 ms a case. Each
   seat's timer is then set to a random moment in the next 10 minutes of a fake clock: half
   are due for their reminder, half (already reminded) for escalation level 1; `due_at` is
   what playbook.circle.due_at says for that state. The fake clock then advances in steps of
   the tick interval (2 s) and jobs.circle.tick runs at each step (batched: up to 500 due
   seats a transaction, storage.tick_batch); a tick that takes longer
   than the interval moves the clock on by as many whole intervals as it took, as the
   scheduler (max_instances=1) would. Ticking stops at the end of the 10 minutes or after
   --tick-budget seconds of tick wall time.
   Figures: wall time per tick and per fired seat, and each reminder's and escalation's
   lateness: the fake time of the tick that wrote its outbox row minus its deadline.
   Peers: for cost, a hand-written claim loop replayed on the same rows at the same fake
   times after the seats are put back (SELECT the due seats, then per seat one transaction
   with UPDATE ... WHERE id = ? AND version = ?, the schedule computed by hand, no outbox, no
   audit, no card update); for lateness, the tick interval, its bound.
2. **Outbox.** A fake messenger on 127.0.0.1 (asyncio streams, in a child process so the
   worker's event loop cannot delay it) accepts one message per second per channel and
   answers 429 with Retry-After to a faster sender. jobs.outbox.OutboxWorker, with an httpx
   transport, rate 1 per second per channel and the real clock, drains rows queued for
   --channels channels for --seconds seconds.
   Figures: messages per second overall and per channel against the limit, and the 429s.

The last line of the output is one JSON object with every figure.

The code: bench.circle_world (building the database), bench.circle_ticks (part 1),
bench.circle_outbox (part 2), bench.circle_report (the table); this module runs them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import random
import shutil
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.circle_outbox import run_outbox
from bench.circle_report import _fmt, _ms, _r, table
from bench.circle_ticks import TickRun, lateness, run_peer, run_ticks
from bench.circle_world import (
    SEED,
    SPAN,
    T0,
    TOLERANCE,
    _max,
    _median,
    build,
    load_env,
    restore_seats,
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.circle", description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--channels", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=20.0, help="outbox part, real time")
    ap.add_argument(
        "--tick-budget",
        type=float,
        default=45.0,
        metavar="S",
        help="stop ticking after this much wall time (default 45)",
    )
    ap.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="an EMPTY scratch database (default: a temporary SQLite file)",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    command = "python -m bench.circle " + " ".join(
        [f"--cases {args.cases}", f"--channels {args.channels}", f"--seconds {args.seconds:g}"]
        + [f"--tick-budget {args.tick_budget:g}"]
        + ([f"--database {args.database}"] if args.database else [])
    )

    from storage.db import Database, redact

    workdir = Path(tempfile.mkdtemp(prefix="arcircle-bench-circle-"))
    try:
        url = args.database or f"sqlite:///{workdir}/circle.db"
        db = Database(url)
        db.migrate()
        env = load_env(workdir)
        interval = timedelta(seconds=2)  # circle.tick_every's default
        rng = random.Random(SEED)

        print(f"database {redact(db.url)}", flush=True)
        print(f"building {args.cases:,} cases ...", flush=True)
        built = build(db, env, args.cases, rng)
        print(
            f"  {args.cases:,} customers + invoices in {built['ledger_s']:.2f}s; "
            f"{built['opened']:,} cases through open_case in {built['open_s']:.2f}s "
            f"({built['open_s'] / built['opened'] * 1000:.2f} ms a case), {built['copied']:,} "
            f"copied from their rows in {built['copy_s']:.2f}s; {built['seats']:,} seats",
            flush=True,
        )
        print("ticking (ours) ...", flush=True)
        ours = run_ticks(db, env, interval, args.tick_budget)
        late = lateness(db, env, ours, built["started"])
        print("ticking (hand-written claim loop, same rows, same times) ...", flush=True)
        with db.engine.begin() as conn:
            restore_seats(conn, built["snapshot"])
        peer = run_peer(db, env, ours.nows)

        print(f"outbox: {args.channels} channels, {args.seconds:g}s of real time ...", flush=True)
        box = run_outbox(db, args.channels, args.seconds)
        db.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    tick_s = interval.total_seconds()
    covered = (ours.nows[-1] - T0).total_seconds() if ours.nows else 0.0
    fired_agree = ours.fired == peer.fired
    # What the messenger accepted inside the measured window.
    window = box["t1"] - box["t0"]
    names = [f"#bench-{c:03d}" for c in range(args.channels)]
    counts = {
        ch: sum(1 for t in box["accepted"].get(ch, []) if box["t0"] <= t <= box["t1"])
        for ch in names
    }
    delivered = sum(counts.values())
    total_429 = sum(len(times) for times in box["rejected"].values())
    early_429 = sum(1 for ts in box["rejected"].values() for t in ts if t < box["t0"] + 2.0)
    per_channel = [counts[ch] / window for ch in names]
    gaps = [b - a for times in box["accepted"].values() for a, b in itertools.pairwise(times)]
    delays = sorted(box["delays"])
    lags = box["lags"]
    lag_p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))] if lags else None
    limit = float(args.channels)

    def capacity(run: TickRun) -> float | None:
        per_seat = run.per_seat()
        return tick_s / per_seat if per_seat else None

    result: dict[str, Any] = {
        "cases": args.cases,
        "seats": built["seats"],
        "open_case_ms": _ms(built["open_s"] / built["opened"]) if built["opened"] else None,
        "ticks": len(ours.walls),
        "fake_minutes": round(covered / 60, 2),
        "ticks_over_interval": sum(1 for w in ours.walls if w > tick_s),
        "fired": sum(ours.fired),
        "peer_fired": sum(peer.fired),
        "fired_agree": fired_agree,
        "messages": late["kinds"],
        "tick_ms_median": _ms(_median(ours.busy)),
        "tick_ms_max": _ms(_max(ours.walls)),
        "tick_per_seat_ms": _ms(ours.per_seat()),
        "idle_tick_ms_median": _ms(_median(ours.idle)),
        "seats_per_interval": _r(capacity(ours), 0),
        "peer_tick_ms_median": _ms(_median(peer.busy)),
        "peer_tick_ms_max": _ms(_max(peer.walls)),
        "peer_per_seat_ms": _ms(peer.per_seat()),
        "peer_seats_per_interval": _r(capacity(peer), 0),
        "lateness_s_median": _r(_median(late["late"])),
        "lateness_s_max": _r(_max(late["late"])),
        "lateness_commit_s_median": _r(_median(late["late_commit"])),
        "lateness_commit_s_max": _r(_max(late["late_commit"])),
        "lateness_problems": len(late["problems"]),
        "channels": args.channels,
        "seconds": round(window, 3),
        "delivered": delivered,
        "msgs_per_s": _r(delivered / window),
        "limit_per_s": limit,
        "ratio_to_limit": _r(delivered / window / limit),
        "per_channel_median": _r(_median(per_channel)),
        "per_channel_min": _r(min(per_channel) if per_channel else None),
        "per_channel_max": _r(_max(per_channel)),
        "min_gap_s": _r(min(gaps) if gaps else None),
        "http_429": total_429,
        "http_429_first_2s": early_429,
        "send_delay_ms_median": _ms(_median(delays)),
        "send_delay_ms_max": _ms(_max(delays)),
        "worker_cpu_s": _r(box["cpu_s"]),
        "loop_lag_ms_median": _ms(_median(lags)),
        "loop_lag_ms_p99": _ms(lag_p99),
        "loop_lag_ms_max": _ms(_max(lags)),
        "queue_left": box["left"],
        "python": sys.version.split()[0],
    }

    print()
    kinds = ", ".join(f"{v:,} {k}" for k, v in sorted(late["kinds"].items()))
    print(
        f"tick: {args.cases:,} cases, {built['seats']:,} seats due at random over the next "
        f"{SPAN.total_seconds() / 60:g} min of fake time; ticked {covered / 60:.1f} min of it "
        f"({len(ours.walls)} ticks {tick_s:g}s apart, {sum(ours.walls):.1f}s of wall time, "
        f"budget {args.tick_budget:g}s); {sum(ours.fired):,} seats fired ({kinds} rows)"
    )
    rows: list[tuple[str, str, float | None, float | None, str]] = [
        ("tick wall ms, median (ticks that fired)", "ms", _median(ours.busy), _median(peer.busy),
         "ratio"),
        ("tick wall ms, max", "ms", _max(ours.walls), _max(peer.walls), "ratio"),
        ("tick wall ms, median (nothing due)", "ms", _median(ours.idle), _median(peer.idle),
         "ratio"),
        ("wall ms per fired seat", "ms", ours.per_seat(), peer.per_seat(), "ratio"),
        (f"seats one tick fires in {tick_s:g}s", "n", capacity(ours), capacity(peer), "ratio"),
    ]  # fmt: skip
    print(table(rows, ["", "ours", "hand-written claim", "ours/peer"]))
    print(
        "(hand-written claim: SELECT the due seats, then per seat one transaction with UPDATE "
        "... WHERE id = ? AND version = ?; no outbox, audit or card update)"
    )
    print()
    rows = [
        ("lateness s, median", "s", _median(late["late"]), tick_s, "ratio"),
        ("lateness s, max", "s", _max(late["late"]), tick_s, "ratio"),
        ("lateness s incl. tick wall, median", "s", _median(late["late_commit"]), tick_s, "ratio"),
        ("lateness s incl. tick wall, max", "s", _max(late["late_commit"]), tick_s, "ratio"),
    ]
    print(table(rows, ["", "ours", "bound (interval)", "ours/bound"]))
    print(
        "(lateness: fake time of the tick that wrote the reminder/escalation minus its deadline; "
        "'incl. tick wall' adds that tick's wall time, by when the row was committed at the "
        f"latest; {result['ticks_over_interval']} of {len(ours.walls)} ticks took longer than "
        f"{tick_s:g}s)"
    )
    print()
    print(
        f"outbox: {args.channels} channels at 1 message/s each, {window:.1f}s of real time, "
        f"{box['prefilled']:,} rows queued, {box['left']:,} left (the tick part's "
        f"{box['cleared']:,} pending rows were taken out of the queue first)"
    )
    rows = [
        ("messages/s, all channels", "rate", delivered / window, limit, "ratio"),
        ("messages/s per channel, median", "rate", _median(per_channel), 1.0, "ratio"),
        ("messages/s per channel, min", "rate", min(per_channel) if per_channel else None, 1.0,
         "ratio"),
        ("HTTP 429", "n", float(total_429), 0.0, ""),
        ("HTTP 429 in the first 2 s", "n", float(early_429), 0.0, ""),
    ]  # fmt: skip
    print(table(rows, ["", "ours", "limit", "ours/limit"]))
    print(
        f"(the fake messenger refuses a message that arrives less than {TOLERANCE:g}s after the "
        f"channel's last accepted one: 1/s with {1 - TOLERANCE:g}s of tolerance for jitter; "
        f"smallest gap accepted {_fmt(result['min_gap_s'], 's')}s; from the transport's call "
        f"to the request's arrival: median {_fmt(result['send_delay_ms_median'], 'rate')} ms, max "
        f"{_fmt(result['send_delay_ms_max'], 'rate')} ms; worker process CPU {box['cpu_s']:.1f}s "
        f"in {window:.1f}s)"
    )
    print(
        f"event loop lag while delivering (a 10 ms sleeper woken late by): median "
        f"{_fmt(result['loop_lag_ms_median'], 'rate')} ms, p99 "
        f"{_fmt(result['loop_lag_ms_p99'], 'rate')} ms, max "
        f"{_fmt(result['loop_lag_ms_max'], 'rate')} ms"
    )
    goal_rate = result["ratio_to_limit"] is not None and result["ratio_to_limit"] >= 0.9
    print(
        f"goals: outbox within 10 % of the limit: {'met' if goal_rate else 'MISSED'}; "
        f"no 429: {'met' if total_429 == 0 else 'MISSED'}. checks: the tick fires the same "
        f"seats as the hand-written loop: {'yes' if fired_agree else 'NO'}; nothing fired "
        f"before its deadline: {'yes' if not late['problems'] else 'NO'}"
    )
    for problem in late["problems"][:10]:
        print("  " + problem)
    print(f"command: {command}")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

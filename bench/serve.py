"""Slack over HTTP under load: how fast `arcircle serve` acknowledges, beside a bare endpoint.

    python -m bench.serve [--invoices 100000] [--levels 50,200] [--rounds 3] [--seed 42]
                          [--database URL] [--source DIR] [--keep DIR]

Slack waits 3 seconds for the HTTP 200 that acknowledges a slash command or a button click,
then tells the user it failed. This bench measures that acknowledgement under bursts of
concurrent requests, while the bot does the work behind them:

1. A ledger of N invoices from bench.generate is imported with `arcircle import` into a fresh
   database (a temporary SQLite file unless --database names an empty scratch database).
2. A fake Slack Web API runs on 127.0.0.1 in a child process (asyncio streams, so the bot's
   load cannot delay its clock): auth.test, users.info, views.open, chat.* and the
   response_url hooks; it notes when each answer arrives.
3. `arcircle serve` runs as a real process (uvicorn, Slack over HTTP, SLACK_API_URL at the
   fake); a bare endpoint (starlette + uvicorn, same defaults) that only verifies the signature
   and answers 200 runs as another. The circle's triggers are off in the bench's config, so
   the jobs stay idle and the figures are the chat path's.
4. One case is opened with `/ar open`; then each level (50, then 200 concurrent requests),
   --rounds times: a burst of signed requests on connections opened beforehand, the five kinds
   in turn (`/ar overdue 10`, `/ar customer <name>`, `/ar case <n>`, and on that case's card
   the buttons "phrase" and "input" (which opens a form with views.open)), from the people of
   the config; the time from writing a request to reading its HTTP 200 is its ack. The bench
   waits for every answer to reach the fake Slack (response_url or views.open), then sends
   the same burst to the bare endpoint.

Figures: ack p50/p99/max, ours and bare, and how long the answers took (useful, not the goal).
Goal: ack p99 under 1 s at 200 concurrent requests, within 2x of the bare endpoint. --source
runs the server (and the import) from another checkout, for a before/after on the same load.
The last line is one JSON object.

The code: bench.serve_setup (config, ledger), bench.serve_fake (the fake Slack),
bench.serve_load (the bare endpoint, the requests), bench.serve_report (the figures); this
module runs them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.generate import DEFAULT_AS_OF, generate
from bench.serve_fake import _fake_slack
from bench.serve_load import (
    bare_main,
    burst_requests,
    command,
    fake_get,
    fire,
    tail,
    wait_answers,
    wait_up,
)
from bench.serve_report import Level, _fmt, ms, pct, report
from bench.serve_setup import (
    GOAL_MS,
    GOAL_RATIO,
    KINDS,
    PEOPLE,
    ROOT,
    USERS,
    config_text,
    free_port,
    read_ledger,
)

# --------------------------------------------------------------------------------------------
# The run


def import_ledger(python: list[str], env: dict[str, str], cwd: Path, args: list[str]) -> str:
    done = subprocess.run(
        [*python, "-m", "bot", "import", *args], env=env, cwd=cwd, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"arcircle import failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.serve", description=__doc__.split("\n")[0])
    ap.add_argument("--invoices", type=int, default=100_000)
    ap.add_argument("--levels", default="50,200", help="concurrent requests per burst")
    ap.add_argument("--rounds", type=int, default=3, help="bursts per level")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--database", help="an EMPTY scratch database (default: a temporary SQLite)")
    ap.add_argument("--source", type=Path, default=ROOT, help="run the server from this checkout")
    ap.add_argument("--answer-timeout", type=float, default=600.0)
    ap.add_argument("--keep", type=Path, help="keep the work directory (ledger, db, logs) here")
    ap.add_argument("--bare", type=int, help=argparse.SUPPRESS)  # the bare endpoint's process
    args = ap.parse_args(argv)
    if args.bare is not None:
        bare_main(args.bare)
        return 0
    levels = [int(n) for n in args.levels.split(",") if n.strip()]
    command_line = " ".join(
        ["python -m bench.serve", *(argv if argv is not None else sys.argv[1:])]
    )

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="arcircle-serve-"))
    workdir.mkdir(parents=True, exist_ok=True)
    source = args.source.resolve()
    url = args.database or f"sqlite:///{workdir / 'bench.db'}"
    secret = secrets.token_hex(16)
    ours_port, bare_port = free_port(), free_port()
    (workdir / "config.yaml").write_text(config_text(ours_port), encoding="utf-8")
    ledger_csv = workdir / "ledger.csv"
    print(f"generating {args.invoices:,} invoices ...", flush=True)
    generate(ledger_csv, args.invoices, seed=args.seed)
    ledger = read_ledger(ledger_csv, DEFAULT_AS_OF)
    python = [sys.executable]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ARCIRCLE_"))}
    env |= {"PYTHONPATH": str(source), "ARCIRCLE_CONFIG": str(workdir / "config.yaml")}
    env.pop("DATABASE_URL", None)
    print("importing with `arcircle import` ...", flush=True)
    imported = import_ledger(python, env, source, [str(ledger_csv), "--database", url])
    print("  " + imported, flush=True)
    if "0 updated" not in imported or " 0 new," in imported:
        raise SystemExit("--database must name an empty scratch database")

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    fake = ctx.Process(target=_fake_slack, args=(child,), daemon=True)
    fake.start()
    procs: list[subprocess.Popen[bytes]] = []
    fake_url = ""
    try:
        if not parent.poll(60):
            raise SystemExit("the fake Slack did not start")
        fake_url = f"http://127.0.0.1:{parent.recv()}"
        hooks = f"{fake_url}/hooks/"
        server_env = env | {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": secret,
            "SLACK_API_URL": f"{fake_url}/api/",
        }
        ours_log, bare_log = workdir / "serve.log", workdir / "bare.log"
        with ours_log.open("wb") as out:
            procs.append(
                subprocess.Popen(
                    [*python, "-m", "bot", "serve", "--database", url, "--port", str(ours_port)],
                    env=server_env,
                    cwd=source,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        with bare_log.open("wb") as out:
            procs.append(
                subprocess.Popen(
                    [*python, "-m", "bench.serve", "--bare", str(bare_port)],
                    env=server_env | {"PYTHONPATH": str(ROOT)},
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        wait_up(ours_port, procs[0], "arcircle serve", ours_log)
        wait_up(bare_port, procs[1], "the bare endpoint", bare_log)

        # The case the card buttons belong to, then each kind once (caches, first imports).
        opening = command("open", f"open {ledger.open_case}", PEOPLE["wang.wei"][3], hooks)
        asyncio.run(fire(ours_port, [opening], secret))
        wait_answers(fake_url, ["open"], 60)
        posted = fake_get(fake_url, "/bench/arrivals")["posted"]
        opened = [int(m.group(1)) for t in posted if (m := re.search(r"Case #(\d+) is open", t))]
        if not opened:
            raise SystemExit(f"no case was opened:\n{tail(ours_log)}")
        case = opened[0]
        warm = burst_requests("warm", len(USERS) * len(KINDS), case, ledger, hooks, 0)
        for req in warm:
            asyncio.run(fire(ours_port, [req], secret))
            wait_answers(fake_url, [req.key], 120)
        print(
            f"case #{case} open for {ledger.open_case}; {len(ledger.names)} customers asked about",
            flush=True,
        )

        results = []
        for n in levels:
            lv = Level(n)
            for r in range(args.rounds):
                reqs = burst_requests(f"c{n}-r{r}", n, case, ledger, hooks, r)
                acks = asyncio.run(fire(ours_port, reqs, secret))
                lv.ours.extend(acks.ack.values())
                lv.not_200 += sum(1 for s in acks.status.values() if s != 200)
                arrived = wait_answers(fake_url, [q.key for q in reqs], args.answer_timeout)
                for q in reqs:
                    if q.key not in arrived:
                        lv.missing += 1
                        continue
                    at, text = arrived[q.key]
                    lv.answers.setdefault(q.kind, []).append(at - acks.sent[q.key])
                    lv.failed += "something went wrong" in text.lower()
                bare = asyncio.run(fire(bare_port, reqs, secret))
                lv.bare.extend(bare.ack.values())
                lv.not_200 += sum(1 for s in bare.status.values() if s != 200)
                took = [arrived[k][0] - acks.sent[k] for k in arrived]
                print(
                    f"  {n} concurrent, round {r + 1}: ack p99 "
                    f"{_fmt(ms(pct(list(acks.ack.values()), 99)))} ms (bare "
                    f"{_fmt(ms(pct(list(bare.ack.values()), 99)))} ms), answers p99 "
                    f"{_fmt(ms(pct(took, 99)))} ms",
                    flush=True,
                )
            results.append(lv)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if fake_url:
            with contextlib.suppress(OSError):
                fake_get(fake_url, "/bench/quit", 5)
        fake.join(5)
        if fake.is_alive():
            fake.terminate()
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(
        f"arcircle serve ({source}) with {args.invoices:,} invoices ({ledger.customers:,} "
        f"customers) on {url.split(':')[0]}; bursts of concurrent signed requests, the kinds in "
        f"turn: {', '.join(KINDS)}; {args.rounds} rounds per level; ack = request written -> "
        f"HTTP 200 read; answer = request written -> its answer at the fake Slack"
    )
    print(report(results))
    for lv in results:
        per_kind = ", ".join(
            f"{kind} {_fmt(ms(pct(values, 50)))}" for kind, values in lv.answers.items()
        )
        print(
            f"({lv.concurrency} concurrent: answer p50 ms by kind: {per_kind}; non-200 acks "
            f"{lv.not_200}, answers missing {lv.missing}, apologies {lv.failed})"
        )
    top = results[-1]
    ours99, bare99 = ms(pct(top.ours, 99)), ms(pct(top.bare, 99))
    met_abs = ours99 is not None and ours99 < GOAL_MS
    met_rel = ours99 is not None and bare99 is not None and ours99 <= GOAL_RATIO * bare99
    print(
        f"goals at {top.concurrency} concurrent: ack p99 under {GOAL_MS:g} ms: "
        f"{'met' if met_abs else 'MISSED'}; within {GOAL_RATIO:g}× of the bare endpoint: "
        f"{'met' if met_rel else 'MISSED'}"
    )
    print(f"command: {command_line}")
    answers = top.all_answers()
    result = {
        "concurrency": top.concurrency,
        "ack_p50_ms": ms(pct(top.ours, 50)),
        "ack_p99_ms": ours99,
        "bare_p50_ms": ms(pct(top.bare, 50)),
        "bare_p99_ms": bare99,
        "answer_p50_ms": ms(pct(answers, 50)),
        "answer_p99_ms": ms(pct(answers, 99)),
        "answers_missing": top.missing,
        "invoices": args.invoices,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import multiprocessing
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from bench.generate import DEFAULT_AS_OF, generate
from bot.kernel.messages import Table

ROOT = Path(__file__).resolve().parent.parent
CIRCLE = "C0ARCIRCLE"
GENERAL = "C0GENERAL"  # where the slash commands are typed
TEAM = "T0BENCH"
# Slack ids of the config's people; the sales people also click the "input" form button.
PEOPLE = {
    "wang.wei": ("王伟", "sales", "lead", "U0SALESLEAD"),
    "zhang.min": ("张敏", "sales", None, "U0SALES002"),
    "tom.baker": ("Tom Baker", "sales", None, "U0SALES003"),
    "li.na": ("李娜", "finance", "lead", "U0FINLEAD1"),
    "zhao.yun": ("赵云", "legal", "lead", "U0LEGALLD1"),
    "liu.yang": ("刘洋", None, "manager", "U0GENMGR01"),
}
SALES = [p[3] for p in PEOPLE.values() if p[1] == "sales"]
USERS = [p[3] for p in PEOPLE.values()]
KINDS = ("overdue", "customer", "case", "phrase button", "input button")
GOAL_MS = 1000.0
GOAL_RATIO = 2.0


def config_text(port: int) -> str:
    people = "\n".join(
        f"  {key}: {{name: {name}, "
        + (f"team: {team}, " if team else "")
        + (f"role: {role}, " if role else "")
        + f"slack: {slack}}}"
        for key, (name, team, role, slack) in PEOPLE.items()
    )
    return f"""\
company:
  name: Bench Machinery
  currency: CNY
  timezone: Asia/Shanghai
  locale: en
  fx_rates: {{USD: "7.10", EUR: "7.70", HKD: "0.91", JPY: "0.047"}}
people:
{people}
teams:
  sales: {{name: Sales, lead: wang.wei, manager: liu.yang}}
  finance: {{name: Finance, lead: li.na, manager: liu.yang}}
  legal: {{name: Legal, lead: zhao.yun, manager: liu.yang}}
circle:
  channels: {{slack: {CIRCLE}}}
  # No case opens by itself: the jobs stay idle, the figures are the chat path's.
  triggers: {{stages: [], broken_promise: false, dispute: false}}
platforms:
  slack: {{enabled: true, mode: http, host: 127.0.0.1, port: {port}}}
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------------------------
# The ledger: who to ask about


@dataclass
class Ledger:
    open_case: str = ""  # the customer code the bench opens a case for
    names: list[str] = field(default_factory=list)  # customers with open invoices
    customers: int = 0


def read_ledger(path: Path, as_of: date, want: int = 40) -> Ledger:
    """Customers with something overdue, by how much they owe, for `/ar open` and `/ar
    customer` (the whole name, as people paste it)."""
    owed: dict[str, Decimal] = {}
    names: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            names[row["customer"]] = row["customer_name"]
            left = Decimal(row["amount"]) - Decimal(row["paid_amount"] or 0)
            if left > 0 and date.fromisoformat(row["due_date"]) < as_of:
                owed[row["customer"]] = owed.get(row["customer"], Decimal(0)) + left
    ranked = sorted(owed, key=lambda c: (-owed[c], c))
    if not ranked:
        raise SystemExit("the generated ledger has nothing overdue")
    step = max(1, len(ranked) // want)
    return Ledger(ranked[0], [names[c] for c in ranked[::step][:want]], len(names))


# --------------------------------------------------------------------------------------------
# The fake Slack Web API (a child process)


def _fake_slack(pipe: Any) -> None:
    asyncio.run(_fake_main(pipe))


async def _fake_main(pipe: Any) -> None:
    arrivals: dict[str, tuple[float, str]] = {}  # answer key -> (monotonic time, text)
    counts: dict[str, int] = {}
    posted: list[str] = []  # chat.postMessage texts: the circle channel's news
    done = asyncio.Event()
    ts = iter(range(1, 10**9))

    def answer(body: Any, ctype: str = "application/json", status: int = 200) -> bytes:
        data = (json.dumps(body) if ctype == "application/json" else str(body)).encode()
        head = [f"HTTP/1.1 {status} OK", f"Content-Length: {len(data)}", f"Content-Type: {ctype}"]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + data

    def note(key: str, text: str) -> None:
        arrivals.setdefault(key, (time.monotonic(), text[:120]))

    def api(method: str, body: dict[str, Any]) -> dict[str, Any]:
        counts[method] = counts.get(method, 0) + 1
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": TEAM}
        if method == "users.info":
            return {"ok": True, "user": {"id": body.get("user"), "team_id": TEAM}}
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            stamp = f"1800000000.{next(ts):06d}"
            if method == "chat.postMessage":
                posted.append(str(body.get("text"))[:200])
            return {"ok": True, "channel": body.get("channel"), "ts": stamp, "message_ts": stamp}
        if method == "views.open":
            note(str(body.get("trigger_id")), "views.open")
            return {"ok": True, "view": {"id": "V1"}}
        if method == "chat.getPermalink":
            return {"ok": True, "permalink": "https://bench.slack.com/archives/C/p1"}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(body.get("users"))}}
        return {"ok": True}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await reader.readline()
                if not request:
                    break
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                raw = await _read_body(reader, headers)
                path = request.decode("latin-1").split()[1]
                target, _, query = path.partition("?")
                body = _decode(raw, headers.get("content-type", ""), query)
                if target.startswith("/api/"):
                    out = answer(api(target.removeprefix("/api/"), body))
                elif target.startswith("/hooks/"):
                    note(target.removeprefix("/hooks/"), str(body.get("text", "")))
                    out = answer("ok", "text/plain")
                elif target == "/bench/arrivals":
                    out = answer({"arrivals": arrivals, "counts": counts, "posted": posted})
                elif target == "/bench/quit":
                    out = answer({"ok": True})
                    done.set()
                else:
                    out = answer({"ok": False, "error": "unknown_method"}, status=404)
                writer.write(out)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
    pipe.send(server.sockets[0].getsockname()[1])
    async with server:
        await done.wait()


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks: list[bytes] = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return b"".join(chunks)
            chunks.append(chunk[:-2])
    length = int(headers.get("content-length") or 0)
    return await reader.readexactly(length) if length else b""


def _decode(raw: bytes, ctype: str, query: str) -> dict[str, Any]:
    body: dict[str, Any] = dict(parse_qsl(query))
    text = raw.decode("utf-8", "replace")
    if "json" in ctype and text:
        loaded = json.loads(text)
        if isinstance(loaded, dict):
            body.update(loaded)
    elif text:
        body.update(parse_qsl(text))
    return body


# --------------------------------------------------------------------------------------------
# The bare endpoint (a child process): verify the signature, answer 200


def bare_main(port: int) -> None:
    import uvicorn
    from slack_sdk.signature import SignatureVerifier
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    verifier = SignatureVerifier(os.environ["SLACK_SIGNING_SECRET"])

    async def events(request: Request) -> Response:
        body = (await request.body()).decode("utf-8")
        ok = verifier.is_valid(
            body=body,
            timestamp=request.headers.get("x-slack-request-timestamp", ""),
            signature=request.headers.get("x-slack-signature", ""),
        )
        return Response(status_code=200 if ok else 401)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    app = Starlette(
        routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz)]
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


# --------------------------------------------------------------------------------------------
# The load


@dataclass
class Ask:
    key: str  # what its answer is recognised by at the fake Slack
    kind: str
    body: bytes


def command(key: str, text: str, user: str, hooks: str) -> Ask:
    fields = {
        "token": "bench",
        "team_id": TEAM,
        "team_domain": "bench",
        "channel_id": GENERAL,
        "channel_name": "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/ar",
        "text": text,
        "api_app_id": "A0BENCH",
        "response_url": f"{hooks}{key}",
        "trigger_id": f"{key}.trigger",
    }
    return Ask(key, text.split()[0], urlencode(fields).encode())


def click(key: str, value: str, user: str, hooks: str) -> Ask:
    """A button on a case card the user got privately (so answers go by response_url)."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0BENCH",
        "token": "bench",
        "container": {
            "type": "message",
            "message_ts": "1800000000.000001",
            "channel_id": CIRCLE,
            "is_ephemeral": True,
        },
        "trigger_id": key,
        "team": {"id": TEAM, "domain": "bench"},
        "channel": {"id": CIRCLE, "name": "ar-circle"},
        "response_url": f"{hooks}{key}",
        "actions": [
            {
                "action_id": "arcircle:0",
                "block_id": "b",
                "text": {"type": "plain_text", "text": "Button"},
                "value": value,
                "type": "button",
                "action_ts": "1800000001.000001",
            }
        ],
    }
    kind = "input button" if "<text>" in value else "phrase button"
    return Ask(key, kind, ("payload=" + quote(json.dumps(payload))).encode())


def burst_requests(
    tag: str, n: int, case: int, ledger: Ledger, hooks: str, offset: int
) -> list[Ask]:
    out = []
    for i in range(n):
        key = f"{tag}-{i}"
        user = USERS[(i + offset) % len(USERS)]
        kind = (i + offset) % len(KINDS)
        if kind == 0:
            out.append(command(key, "overdue 10", user, hooks))
        elif kind == 1:
            name = ledger.names[(i + offset) % len(ledger.names)]
            out.append(command(key, f"customer {name}", user, hooks))
        elif kind == 2:
            out.append(command(key, f"case {case}", user, hooks))
        elif kind == 3:
            out.append(click(key, f"/ar phrase {case}", user, hooks))
        else:
            sales = SALES[(i + offset) % len(SALES)]
            out.append(click(key, f"/ar input {case} sales <text>", sales, hooks))
    return out


def signed(port: int, body: bytes, secret: str) -> bytes:
    from slack_sdk.signature import SignatureVerifier

    stamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(
        timestamp=stamp, body=body.decode("utf-8")
    )
    head = (
        "POST /slack/events HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"X-Slack-Request-Timestamp: {stamp}\r\n"
        f"X-Slack-Signature: {signature}\r\n\r\n"
    )
    return head.encode() + body


@dataclass
class Acks:
    sent: dict[str, float] = field(default_factory=dict)  # key -> monotonic send time
    ack: dict[str, float] = field(default_factory=dict)  # key -> seconds to the HTTP answer
    status: dict[str, int] = field(default_factory=dict)


async def fire(port: int, requests: Sequence[Ask], secret: str) -> Acks:
    """All requests at once, each on its own connection opened beforehand."""
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in requests]
    wire = [signed(port, r.body, secret) for r in requests]
    acks = Acks()

    async def one(req: Ask, data: bytes, conn: Any) -> None:
        reader, writer = conn
        t0 = time.monotonic()
        acks.sent[req.key] = t0
        writer.write(data)
        head = await reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"(?i)content-length:\s*(\d+)", head)
        if length:
            await reader.readexactly(int(length.group(1)))
        acks.ack[req.key] = time.monotonic() - t0
        acks.status[req.key] = int(head.split()[1])
        writer.close()

    await asyncio.gather(*(one(r, d, c) for r, d, c in zip(requests, wire, conns, strict=True)))
    return acks


def fake_get(base: str, path: str, timeout: float = 30) -> Any:
    with urllib.request.urlopen(base + path, timeout=timeout) as resp:
        return json.loads(resp.read())


def wait_answers(base: str, keys: Sequence[str], timeout: float) -> dict[str, tuple[float, str]]:
    deadline = time.monotonic() + timeout
    while True:
        arrivals = fake_get(base, "/bench/arrivals")["arrivals"]
        found = {k: tuple(arrivals[k]) for k in keys if k in arrivals}
        if len(found) == len(keys) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def wait_up(port: int, proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} stopped (exit {proc.returncode}):\n{tail(log)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{what} did not start in 120 s:\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


# --------------------------------------------------------------------------------------------
# Figures


def pct(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank percentile (p99 of 600 values: the 594th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


@dataclass
class Level:
    concurrency: int
    ours: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    answers: dict[str, list[float]] = field(default_factory=dict)  # kind -> seconds
    not_200: int = 0
    missing: int = 0
    failed: int = 0  # answers that were the bot's apology

    def all_answers(self) -> list[float]:
        return [v for values in self.answers.values() for v in values]


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def report(levels: Sequence[Level]) -> str:
    heads = ["", "ours", "bare", "ours/bare"]
    grid = [heads]
    for lv in levels:
        for name, p in (("p50", 50), ("p99", 99), ("max", 100)):
            ours, bare = ms(pct(lv.ours, p)), ms(pct(lv.bare, p))
            ratio = f"{ours / bare:.2f}×" if ours is not None and bare else "-"
            grid.append(
                [f"{lv.concurrency} concurrent: ack ms {name}", _fmt(ours), _fmt(bare), ratio]
            )
        answers = lv.all_answers()
        for name, p in (("p50", 50), ("p99", 99)):
            grid.append(
                [
                    f"{lv.concurrency} concurrent: answer ms {name}",
                    _fmt(ms(pct(answers, p))),
                    "",
                    "",
                ]
            )
    figures = tuple(range(1, len(heads)))  # every column but the first, aligned right
    return "\n".join(Table(tuple(heads), tuple(map(tuple, grid[1:])), right=figures).lines())


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

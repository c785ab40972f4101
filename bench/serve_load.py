"""bench.serve's load: the bare endpoint to compare with, the signed slash commands and clicks
fired in bursts, and waiting for the server and the answers."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from bench.serve_setup import CIRCLE, GENERAL, KINDS, SALES, TEAM, USERS, Ledger

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

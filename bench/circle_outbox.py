"""bench.circle, part 2: the outbox worker against a fake messenger that allows one message
per second per channel (a child process, so the worker's event loop cannot delay it)."""

from __future__ import annotations

import asyncio
import gc
import json
import math
import multiprocessing
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from bench.circle_world import TOLERANCE

# --------------------------------------------------------------------------------------------
# Part 2: the fake messenger (a child process, so the worker's event loop cannot delay it)


def _serve(conn: Any, tolerance: float) -> None:
    asyncio.run(_server_main(conn, tolerance))


async def _server_main(pipe: Any, tolerance: float) -> None:
    accepted: dict[str, list[float]] = {}
    rejected: dict[str, list[float]] = {}
    last: dict[str, float] = {}
    delays: list[float] = []  # from the transport's call to the request's arrival
    done = asyncio.Event()
    counter = 0

    def answer(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> bytes:
        data = json.dumps(body).encode()
        reason = {200: "OK", 404: "Not Found", 429: "Too Many Requests"}.get(status, "Error")
        head = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(data)}"]
        head += ["Content-Type: application/json"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + data

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal counter
        try:
            while True:
                request = await reader.readline()
                if not request:
                    break
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                body = await reader.readexactly(length) if length else b""
                arrived = time.monotonic()
                method, path = request.decode("latin-1").split()[:2]
                if method == "POST" and path == "/send":
                    sent = json.loads(body)
                    channel = sent["channel"]
                    delays.append(arrived - sent["t"])
                    previous = last.get(channel)
                    if previous is not None and arrived - previous < tolerance:
                        rejected.setdefault(channel, []).append(arrived)
                        wait = max(1, math.ceil(1.0 - (arrived - previous)))
                        out = answer(429, {"ok": False}, {"Retry-After": str(wait)})
                    else:
                        last[channel] = arrived
                        accepted.setdefault(channel, []).append(arrived)
                        counter += 1
                        out = answer(200, {"ok": True, "id": f"m{counter}"})
                elif method == "GET" and path == "/stats":
                    out = answer(
                        200, {"accepted": accepted, "rejected": rejected, "delays": delays}
                    )
                elif method == "POST" and path == "/quit":
                    out = answer(200, {"ok": True})
                    done.set()
                else:
                    out = answer(404, {"ok": False})
                writer.write(out)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away, or the server is shutting down
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    pipe.send(server.sockets[0].getsockname()[1])
    async with server:
        await done.wait()


class HttpTransport:
    """What an adapter does: post, and turn the status into the outbox's errors.

    One httpx client (one keep-alive connection) per channel: httpcore's pool walks all its
    connections on every request (O(connections^2) per request), and one client holding 100
    connections spends more CPU in that walk than the worker itself. See bench/README.md.
    """

    def __init__(self, base_url: str, destinations: Sequence[str]) -> None:
        import httpx

        # Made up front: a client builds an SSL context (tens of ms), which must not block
        # the worker's event loop in the middle of the measurement.
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self.clients = {
            d: httpx.AsyncClient(base_url=base_url, limits=limits, timeout=10) for d in destinations
        }

    async def deliver(
        self, row: Any, message: Any, *, update_ref: str | None, thread_ref: str | None
    ) -> str | None:
        from bot.kernel.messages import PermanentError, RetryAfter, TransientError

        body = {
            "channel": row.destination,
            "text": message.text,
            "thread": thread_ref,
            "t": time.monotonic(),  # to measure how long the request took to arrive
        }
        resp = await self.clients[row.destination].post("/send", json=body)
        if resp.status_code == 429:
            raise RetryAfter(float(resp.headers.get("Retry-After", "1")))
        if resp.status_code >= 500:
            raise TransientError(f"HTTP {resp.status_code}")
        if resp.status_code >= 400:
            raise PermanentError(f"HTTP {resp.status_code}")
        ref: str = resp.json()["id"]
        return ref

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()


def run_outbox(db: Any, channels: int, seconds: float) -> dict[str, Any]:
    from bot.kernel.clock import SystemClock
    from storage.circle import begin_write
    from storage.models import Outbox
    from storage.outbox import enqueue

    out = Outbox.__table__  # type: ignore[attr-defined]
    per_channel = int(seconds) + 5
    destinations = [f"#bench-{c:03d}" for c in range(channels)]
    now = SystemClock().now()
    with db.engine.begin() as conn:
        begin_write(conn)
        # The tick part's messages are not this part's business: out of the queue.
        cleared = conn.execute(
            update(out).where(out.c.status == "pending").values(status="superseded")
        ).rowcount
        for i in range(per_channel):
            for destination in destinations:
                enqueue(
                    conn,
                    key=f"bench:{destination}:{i}",
                    platform="bench",
                    destination=destination,
                    kind="note",
                    payload={"n": i},
                    now=now,
                )

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(child, TOLERANCE), daemon=True)
    server.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the fake messenger did not start")
        port = parent.recv()
        result = asyncio.run(_drive(db, port, seconds, destinations))
    finally:
        server.join(5)
        if server.is_alive():
            server.terminate()
    with db.engine.connect() as conn:
        left = conn.execute(
            select(func.count()).select_from(out).where(out.c.status == "pending")
        ).scalar_one()
    result.update(cleared=cleared, prefilled=per_channel * channels, left=left)
    return result


async def _drive(db: Any, port: int, seconds: float, destinations: Sequence[str]) -> dict[str, Any]:
    import httpx

    from bot.kernel.clock import SystemClock
    from bot.kernel.messages import Reply
    from jobs.outbox import OutboxWorker

    def render(row: Any) -> Reply:
        return Reply(text=f"bench message {row.payload['n']} to {row.destination}")

    base = f"http://127.0.0.1:{port}"
    transport = HttpTransport(base, destinations)
    worker = OutboxWorker(
        db,
        SystemClock(),
        {"bench": transport},
        render,
        rates={"bench": (1, timedelta(seconds=1))},
    )
    stop = asyncio.Event()
    lags: list[float] = []

    async def probe(step: float = 0.01) -> None:
        # How late the loop wakes a 10 ms sleeper: what a chat command waiting for its turn
        # on the same loop (a handler's acknowledgement) would see while the worker delivers.
        while not stop.is_set():
            started = time.perf_counter()
            await asyncio.sleep(step)
            lags.append(time.perf_counter() - started - step)

    gc.collect()
    t0 = time.monotonic()
    cpu0 = time.process_time()
    task = asyncio.create_task(worker.run(stop))
    prober = asyncio.create_task(probe())
    try:
        await asyncio.sleep(seconds)
    finally:
        t1 = time.monotonic()
        cpu = time.process_time() - cpu0
        stop.set()
        await task
        await prober
        await transport.close()
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        stats = (await client.get("/stats")).json()
        await client.post("/quit")
    return {"t0": t0, "t1": t1, "cpu_s": cpu, "lags": sorted(lags), **stats}

"""bench.serve's fake Slack Web API (a child process): it records what the bot posts so the
bench can wait for the answers."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import parse_qsl

from bench.serve_setup import TEAM

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

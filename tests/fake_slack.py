"""A fake Slack Web API on 127.0.0.1 that records every request, for tests.

    from tests.fake_slack import FakeSlack, Response, fake_slack  # noqa: F401

    async def test_post(fake_slack: FakeSlack) -> None:  # noqa: F811 (ruff sees a redefinition)
        client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.url, retry_handlers=[])
        fake_slack.script("chat.postMessage", Response.rate_limited(2), Response.server_error())
        ...
        assert fake_slack.calls_to("chat.postMessage")[-1].body["channel"] == "C1"

The fixture is registered under the name "fake_slack" whatever it is imported as, so
`from tests.fake_slack import fake_slack as _fake_slack  # noqa: F401` gives the same fixture
without ruff's F811 on every test that takes `fake_slack`.

What it serves (on a free port, loopback only):

- `POST|GET {url}<method>` (url ends with "/api/"): every Web API method. Each request is
  recorded as a `Call` (method, body, headers, at) *before* it is answered, scripted answers
  included. The body is the query string, form fields and JSON body merged and decoded; values
  stay as sent (a form or JSON string such as `blocks` stays a string, JSON lists stay lists).
- `POST {root}/upload/<file_id>`: the upload URL handed out by files.getUploadURLExternal, so
  slack_sdk's `files_upload_v2` works end to end (recorded as method "upload").
- `POST {root}/hooks/<anything>`: a `response_url` (see `response_url()`), recorded as method
  "response_url" with the JSON body.

Answers: a queue per method set with `script()` is used first, in order; then the defaults
below. A scripted answer is returned as given and changes no state (`messages` etc.).

- auth.test: ok, user_id UBOT, bot_id BBOT, team_id T1, team Test
- chat.postMessage: ok, channel, a unique increasing ts ("1700000000.000100", ...), message
- chat.update: ok, channel, ts (the message for that ts gets the new text/blocks; unknown ts:
  added, or `message_not_found` when the fake was made with strict=True)
- chat.delete: ok (the message is removed)
- chat.postEphemeral: ok, message_ts (kept in `ephemerals`, not in `messages`)
- views.open / views.push: ok, view {id: "V1", "V2", ...}; views.update: ok, that view id
  (views kept in `views`)
- conversations.open: ok, channel {id: "D" + user}
- conversations.info: ok, channel {id, is_member: not in `outside`}; `channel_not_found` for
  a channel in `missing_channels`
- files.getUploadURLExternal / files.completeUploadExternal: enough for files_upload_v2
  (files kept in `uploads`)
- chat.getPermalink: ok, a permalink
- apps.connections.open: the app-level token (bearer) must start with `xapp-`
  (`not_allowed_token_type` else) and, with `app_token=` set, be that one (`invalid_auth`);
  ok, url: a Socket Mode WebSocket on this fake (see tests/fake_slack_socket.py, `socket`)
- users.info: a full member of team T1 unless `users[id]` says more (e.g. is_restricted) or
  the id is in `missing_users` (`user_not_found`)
- usergroups.users.list: `usergroups[id]`, `no_such_subteam` for others
- anything else: {"ok": true}

auth.test's answer carries `X-OAuth-Scopes` (the `scopes` attribute). A channel in `outside`
is one the bot is not in: posting there answers `not_in_channel`. An ephemeral message is
kept with `visible`: False when it was posted into a thread that has no replies (Slack does
not show it); a thread has replies when a message was posted into it (`thread_ts`) or a
person replied (`add_reply`).

With `token=` set, a request whose bearer token (or `token` field) differs is answered with
`invalid_auth` (`not_authed` when there is none).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest_asyncio
from aiohttp import web

from tests.fake_slack_socket import SocketModeServer

__all__ = ["Call", "FakeSlack", "FakeSlackThread", "Response", "closed_port_url", "fake_slack"]

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T1"
SCOPES = (
    "commands",
    "app_mentions:read",
    "chat:write",
    "im:write",
    "files:write",
    "users:read",
    "usergroups:read",
)


@dataclass
class Call:
    """One request the fake received."""

    method: str  # "chat.postMessage"; "upload" and "response_url" for the non-API routes
    body: dict[str, Any]  # query + form + JSON merged, decoded; JSON-string fields as given
    headers: dict[str, str]
    at: float  # time.monotonic() when it arrived
    path: str = ""  # the request path, e.g. "/api/chat.postMessage"


@dataclass
class Response:
    """A scripted answer. body None: the method's default ok answer (with its effects)."""

    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None  # a raw (non-JSON) body instead of `body`, e.g. an HTML 503 page
    content_type: str = "application/json"
    delay: float = 0.0  # seconds to wait before answering (client timeouts)
    drop: bool = False  # close the connection without answering (a network error)

    @classmethod
    def ok(cls, **fields: Any) -> Response:
        return cls(body={"ok": True, **fields})

    @classmethod
    def rate_limited(cls, retry_after: float = 1) -> Response:
        """HTTP 429 with Retry-After, the way Slack answers."""
        seconds = int(retry_after) if float(retry_after).is_integer() else retry_after
        return cls(
            status=429,
            body={"ok": False, "error": "ratelimited"},
            headers={"Retry-After": str(seconds)},
        )

    @classmethod
    def server_error(cls, status: int = 503) -> Response:
        """A 5xx with a plain-text body (not JSON), as a proxy in front of Slack sends."""
        return cls(status=status, text="Service Unavailable", content_type="text/plain")

    @classmethod
    def error(cls, error: str, status: int = 200, **fields: Any) -> Response:
        """An ok=false answer, e.g. Response.error("channel_not_found")."""
        return cls(status=status, body={"ok": False, "error": error, **fields})

    @classmethod
    def slow(cls, seconds: float, body: dict[str, Any] | None = None) -> Response:
        """The default (or `body`) answer, after `seconds`."""
        return cls(body=body, delay=seconds)

    @classmethod
    def disconnect(cls) -> Response:
        """The connection is closed without an answer."""
        return cls(drop=True)


class FakeSlack:
    """A Slack Web API on 127.0.0.1 (free port) that records every request body.

    Use as `async with FakeSlack() as fake:`, with `await start()` / `await stop()`, or as
    the `fake_slack` pytest fixture of this module.
    """

    def __init__(
        self, *, token: str | None = None, strict: bool = False, app_token: str | None = None
    ) -> None:
        self.token = token
        self.app_token = app_token
        self.strict = strict
        self.scopes: list[str] = list(SCOPES)
        self.users: dict[str, dict[str, Any]] = {}  # user id -> fields over a full member's
        self.missing_users: set[str] = set()
        self.usergroups: dict[str, list[str]] = {}
        self.outside: set[str] = set()  # channels the bot is not a member of
        self.missing_channels: set[str] = set()  # conversations.info: channel_not_found
        self.replied: set[tuple[str, str]] = set()  # (channel, thread_ts) people replied in
        self.socket = SocketModeServer()
        self.url = ""  # "http://127.0.0.1:PORT/api/" once started
        self.root = ""  # "http://127.0.0.1:PORT"
        self.calls: list[Call] = []
        # channel -> messages in post order; each {"ts", "text", "blocks", "thread_ts",
        # "user", "updates"}; blocks decoded to a list (or None).
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self._scripts: dict[str, deque[Response]] = {}
        self._ts = itertools.count(1)
        self._view_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._hook_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()

    # --- life cycle ---------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        if self._runner is not None:
            return self
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/hooks/{rest:.*}", self._hook)
        self.socket.add_routes(app)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        self.root = f"http://127.0.0.1:{port}"
        self.url = f"{self.root}/api/"
        return self

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            self._closing.set()
            await self.socket.close_all()
            try:
                await runner.cleanup()
            finally:
                self._closing = asyncio.Event()

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- for tests ----------------------------------------------------------------------

    def script(self, method: str, *responses: Response) -> None:
        """Queue answers for `method`, used in order before the defaults."""
        self._scripts.setdefault(method, deque()).extend(responses)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Until at least `count` calls to `method` arrived; those calls. TimeoutError else."""
        deadline = time.monotonic() + timeout
        while len(found := self.calls_to(method)) < count:
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"fake slack: {len(found)} call(s) to {method} after {timeout}s, "
                    f"wanted {count}; got {[c.method for c in self.calls]}"
                )
            await asyncio.sleep(0.01)
        return found

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The current state of one message, None when there is none."""
        for msg in self.messages.get(channel, []):
            if msg["ts"] == ts:
                return msg
        return None

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The replies in a message's thread, in post order."""
        return [m for m in self.messages.get(channel, []) if m.get("thread_ts") == thread_ts]

    def add_reply(self, channel: str, thread_ts: str) -> None:
        """A person replied to a message: its thread exists from now on."""
        self.replied.add((channel, thread_ts))

    def thread_exists(self, channel: str, thread_ts: str) -> bool:
        return (channel, thread_ts) in self.replied or bool(self.thread(channel, thread_ts))

    def visible_ephemerals(self, user: str | None = None) -> list[dict[str, Any]]:
        """The ephemeral messages Slack would show (to `user`)."""
        return [e for e in self.ephemerals if e["visible"] and (user is None or e["user"] == user)]

    def response_url(self) -> str:
        """A fresh URL to give as a slash command's or an action's `response_url`."""
        return f"{self.root}/hooks/commands/{TEAM_ID}/{next(self._hook_ids)}/fake"

    def reset(self) -> None:
        """Forget calls, messages and scripts (the server keeps running)."""
        self.calls.clear()
        self.messages.clear()
        self.ephemerals.clear()
        self.replied.clear()
        self.views.clear()
        self.uploads.clear()
        self._scripts.clear()

    def next_ts(self) -> str:
        micros = next(self._ts) * 100
        return f"{1_700_000_000 + micros // 1_000_000}.{micros % 1_000_000:06d}"

    # --- the server ---------------------------------------------------------------------

    async def _record(self, request: web.Request, method: str) -> Call:
        body: dict[str, Any] = dict(request.query)
        ctype = request.content_type
        if request.can_read_body:
            if ctype == "application/json":
                raw = await request.text()
                if raw.strip():
                    decoded = json.loads(raw)
                    if isinstance(decoded, dict):
                        body.update(decoded)
                    else:
                        body["_json"] = decoded
            elif ctype == "application/x-www-form-urlencoded":
                body.update(parse_qsl(await request.text(), keep_blank_values=True))
            elif ctype.startswith("multipart/"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        data = value.file.read()
                        body[key] = {"filename": value.filename, "size": len(data)}
                    else:
                        body[key] = value
            else:
                data = await request.read()
                body["_raw"] = data
        call = Call(
            method=method,
            body=body,
            headers=dict(request.headers),
            at=time.monotonic(),
            path=request.path,
        )
        self.calls.append(call)
        return call

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        call = await self._record(request, method)
        queue = self._scripts.get(method)
        scripted = queue.popleft() if queue else None
        if scripted is not None:
            if scripted.delay:  # cut short when the fake stops
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), scripted.delay)
            if scripted.drop:
                if request.transport is not None:
                    request.transport.close()
                return web.Response(status=500)  # never reaches the client
            if scripted.body is not None or scripted.text is not None:
                return _answer(scripted)
        denied = self._check_app_auth(call) if method == "apps.connections.open" else None
        denied = denied or (self._check_auth(call) if method != "apps.connections.open" else None)
        if denied is not None:
            return _json(denied)
        body = self._default(method, call.body)
        headers = {"X-OAuth-Scopes": ",".join(self.scopes)} if method == "auth.test" else {}
        if scripted is not None:  # body None: the default answer with scripted status/headers
            return _json(body, status=scripted.status, headers={**headers, **scripted.headers})
        return _json(body, headers=headers)

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["file_id"]
        data = await request.read()
        call = Call(
            method="upload",
            body={"file_id": file_id, "size": len(data)},
            headers=dict(request.headers),
            at=time.monotonic(),
            path=request.path,
        )
        self.calls.append(call)
        entry = self.uploads.get(file_id)
        if entry is None:
            return web.Response(status=404, text="unknown upload", content_type="text/plain")
        entry["data"] = data
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    async def _hook(self, request: web.Request) -> web.StreamResponse:
        await self._record(request, "response_url")
        queue = self._scripts.get("response_url")
        if queue:
            return _answer(queue.popleft())
        return web.Response(text="ok", content_type="text/plain")

    def _check_app_auth(self, call: Call) -> dict[str, Any] | None:
        header = call.headers.get("Authorization", "")
        given = header[7:] if header.startswith("Bearer ") else call.body.get("token")
        if not given:
            return {"ok": False, "error": "not_authed"}
        if not str(given).startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if self.app_token is not None and given != self.app_token:
            return {"ok": False, "error": "invalid_auth"}
        return None

    def _check_auth(self, call: Call) -> dict[str, Any] | None:
        if self.token is None:
            return None
        header = call.headers.get("Authorization", "")
        given = header[7:] if header.startswith("Bearer ") else call.body.get("token")
        if not given:
            return {"ok": False, "error": "not_authed"}
        if given != self.token:
            return {"ok": False, "error": "invalid_auth"}
        return None

    # --- default answers ----------------------------------------------------------------

    def _default(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://test.slack.com/",
                "team": "Test",
                "user": "arcircle",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
            }
        posting = method in ("chat.postMessage", "chat.update", "chat.postEphemeral")
        if posting and str(body.get("channel", "")) in self.outside:
            return {"ok": False, "error": "not_in_channel"}
        if method == "conversations.info":
            channel = str(body.get("channel", ""))
            if channel in self.missing_channels:
                return {"ok": False, "error": "channel_not_found"}
            member = channel not in self.outside
            return {"ok": True, "channel": {"id": channel, "is_member": member}}
        if method == "chat.postMessage":
            return self._post(body)
        if method == "chat.update":
            return self._update(body)
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket.url(self.root)}
        if method == "users.info":
            return self._user(str(body.get("user", "")))
        if method == "usergroups.users.list":
            group = str(body.get("usergroup", ""))
            if group not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": list(self.usergroups[group])}
        if method == "chat.delete":
            channel, ts = str(body.get("channel", "")), str(body.get("ts", ""))
            msg = self.message(channel, ts)
            if msg is not None:
                self.messages[channel].remove(msg)
            elif self.strict:
                return {"ok": False, "error": "message_not_found"}
            return {"ok": True, "channel": channel, "ts": ts}
        if method == "chat.postEphemeral":
            ts = self.next_ts()
            channel, thread = str(body.get("channel", "")), body.get("thread_ts") or None
            self.ephemerals.append(
                {
                    "channel": channel,
                    "user": body.get("user"),
                    "text": body.get("text"),
                    "blocks": _decoded(body.get("blocks")),
                    "thread_ts": thread,
                    "message_ts": ts,
                    # Slack shows no ephemeral message in a thread that does not exist yet.
                    "visible": thread is None or self.thread_exists(channel, str(thread)),
                }
            )
            return {"ok": True, "message_ts": ts}
        if method in ("views.open", "views.push"):
            view_id = f"V{next(self._view_ids)}"
            view = _decoded(body.get("view"))
            self.views[view_id] = view if isinstance(view, dict) else {}
            return {"ok": True, "view": {"id": view_id, **self.views[view_id]}}
        if method == "views.update":
            view_id = str(body.get("view_id") or body.get("external_id") or "V1")
            view = _decoded(body.get("view"))
            self.views[view_id] = view if isinstance(view, dict) else {}
            return {"ok": True, "view": {"id": view_id, **self.views[view_id]}}
        if method == "conversations.open":
            if body.get("channel"):
                return {"ok": True, "channel": {"id": body["channel"]}}
            users = [u for u in str(body.get("users", "")).split(",") if u]
            if not users:
                return {"ok": False, "error": "users_list_not_supplied"}
            prefix = "D" if len(users) == 1 else "G"
            return {"ok": True, "channel": {"id": prefix + "".join(users)}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._file_ids)}"
            self.uploads[file_id] = {
                "id": file_id,
                "filename": body.get("filename"),
                "length": int(body.get("length") or 0),
                "data": None,
                "title": None,
                "channel": None,
                "thread_ts": None,
                "initial_comment": None,
                "completed": False,
            }
            return {"ok": True, "upload_url": f"{self.root}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return self._complete_upload(body)
        if method == "chat.getPermalink":
            channel, ts = str(body.get("channel", "")), str(body.get("message_ts", ""))
            return {
                "ok": True,
                "channel": channel,
                "permalink": f"https://test.slack.com/archives/{channel}/p{ts.replace('.', '')}",
            }
        return {"ok": True}

    def _user(self, user_id: str) -> dict[str, Any]:
        if not user_id or user_id in self.missing_users:
            return {"ok": False, "error": "user_not_found"}
        user = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": user_id.lower(),
            "deleted": False,
            "is_bot": False,
            "is_admin": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            **self.users.get(user_id, {}),
        }
        return {"ok": True, "user": user}

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = str(body.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        ts = self.next_ts()
        msg = {
            "ts": ts,
            "text": body.get("text"),
            "blocks": _decoded(body.get("blocks")),
            "thread_ts": body.get("thread_ts") or None,
            "user": BOT_USER_ID,
            "updates": 0,
        }
        self.messages.setdefault(channel, []).append(msg)
        return {"ok": True, "channel": channel, "ts": ts, "message": _message(msg)}

    def _update(self, body: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(body.get("channel", "")), str(body.get("ts", ""))
        msg = self.message(channel, ts)
        if msg is None:
            if self.strict:
                return {"ok": False, "error": "message_not_found"}
            msg = {"ts": ts, "text": None, "blocks": None, "thread_ts": None}
            msg |= {"user": BOT_USER_ID, "updates": 0}
            self.messages.setdefault(channel, []).append(msg)
        if "text" in body:
            msg["text"] = body["text"]
        if "blocks" in body:
            msg["blocks"] = _decoded(body["blocks"])
        msg["updates"] += 1
        return {"ok": True, "channel": channel, "ts": ts, "message": _message(msg)}

    def _complete_upload(self, body: dict[str, Any]) -> dict[str, Any]:
        listed = _decoded(body.get("files"))
        if not isinstance(listed, list) or not listed:
            return {"ok": False, "error": "invalid_arguments"}
        done = []
        for item in listed:
            entry = self.uploads.get(str(item.get("id")))
            if entry is None or entry["data"] is None:
                return {"ok": False, "error": "file_not_found"}
            entry.update(
                title=item.get("title") or entry["filename"],
                channel=body.get("channel_id") or body.get("channels"),
                thread_ts=body.get("thread_ts"),
                initial_comment=body.get("initial_comment"),
                completed=True,
            )
            done.append(
                {
                    "id": entry["id"],
                    "name": entry["filename"],
                    "title": entry["title"],
                    "size": len(entry["data"]),
                }
            )
        return {"ok": True, "files": done}


def _decoded(value: Any) -> Any:
    """A JSON string (form fields) decoded; anything else as it is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _message(msg: dict[str, Any]) -> dict[str, Any]:
    out = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": msg["ts"]}
    out["text"] = msg["text"] or ""
    if msg["blocks"] is not None:
        out["blocks"] = msg["blocks"]
    if msg["thread_ts"]:
        out["thread_ts"] = msg["thread_ts"]
    return out


def _json(
    body: dict[str, Any], *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(body, status=status, headers=headers or {})


def _answer(resp: Response) -> web.Response:
    if resp.text is not None:
        return web.Response(
            status=resp.status,
            text=resp.text,
            content_type=resp.content_type,
            headers=resp.headers,
        )
    return web.Response(
        status=resp.status,
        text=json.dumps(resp.body if resp.body is not None else {"ok": True}),
        content_type=resp.content_type,
        headers=resp.headers,
    )


@pytest_asyncio.fixture(name="fake_slack")
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A started FakeSlack, stopped after the test."""
    async with FakeSlack() as fake:
        yield fake


class FakeSlackThread:
    """A FakeSlack on its own event loop in a thread, for tests that run `arcircle` as a
    process (the test waits on the process; the fake must keep answering meanwhile).

        with FakeSlackThread(app_token="xapp-1-good") as fake:
            arcircle(dict(env, SLACK_API_URL=fake.url), "doctor")
            assert fake.calls_to("apps.connections.open")
    """

    def __init__(self, **kwargs: Any) -> None:
        self._kwargs = kwargs
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.fake: FakeSlack

    def __enter__(self) -> FakeSlack:
        self._thread.start()
        self.fake = self._run(self._start())
        return self.fake

    def __exit__(self, *exc: object) -> None:
        try:
            self._run(self.fake.stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._loop.close()

    async def _start(self) -> FakeSlack:
        return await FakeSlack(**self._kwargs).start()

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)


def closed_port_url() -> str:
    """A Web API URL on loopback where nothing listens (connections are refused)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/api/"

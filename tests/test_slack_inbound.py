"""Slack, inbound: signed requests into the real HTTP endpoint (uvicorn on 127.0.0.1), the
Web API client pointed at the fake Slack; and Socket Mode through the app's dispatch.

Every wait is a poll with a deadline: the work continues after the ack.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import socket
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
import uvicorn
from slack_bolt.async_app import AsyncBoltRequest
from slack_sdk.signature import Clock as SignatureClock
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack import answer as slack_answer
from bot.adapters.slack.http import http_app, signed
from bot.adapters.slack.messenger import SlackMessenger, command_text
from bot.adapters.slack.socket_mode import serve_socket
from bot.app import Runtime, build_runtime
from bot.kernel.clock import FakeClock
from bot.kernel.config import load_config
from tests.conftest import LEDGER_HEADER, run_import, write_csv
from tests.fake_slack import FakeSlack, fake_slack  # noqa: F401 - the fixture

SECRET = "arcircle-test-signing-secret-0001"
BOT_TOKEN = "xoxb-arcircle-test"
CIRCLE = "C0CIRCLE"
DEADLINE = 5.0

CONFIG = """\
company:
  name: Test Machinery
  currency: CNY
  timezone: Asia/Shanghai
  locale: en
  fx_rates: {USD: "7.00"}
people:
  wang.wei: {name: 王伟, team: sales, role: lead, slack: U1}
  tom.baker: {name: Tom Baker, team: sales, slack: U4}
  li.na: {name: 李娜, team: finance, role: lead, slack: U2}
  zhao.yun: {name: 赵云, team: legal, role: lead, slack: U3}
  liu.yang: {name: 刘洋, role: manager, slack: U5}
teams:
  sales: {name: Sales, lead: wang.wei, manager: liu.yang}
  finance: {name: Finance, lead: li.na, manager: liu.yang}
  legal: {name: Legal, lead: zhao.yun, manager: liu.yang}
circle:
  channels: {slack: C0CIRCLE}
platforms:
  console: {channel: "#test", default_person: tom.baker}
  slack: {enabled: true, mode: http}
"""


def _row(no: str, cust: str, name: str, owner: str, due: str, amount: str) -> tuple[str, ...]:
    issued = "2026-01-01" if due >= "2026" else "2023-01-01"
    return (no, cust, name, "normal", owner, issued, due, "CNY", amount, "", "", "no")


LEDGER = [
    _row("INV-1", "C1", "Northwind Trading", "wang.wei", "2026-03-15", "1000.00"),
    _row("INV-2", "C1", "Northwind Trading", "wang.wei", "2026-02-01", "500.00"),
    _row("INV-3", "C2", "Acme Tools", "tom.baker", "2026-03-20", "700.00"),
    _row("INV-4", "C3", "Old Mill Ltd", "wang.wei", "2023-04-01", "900.00"),
]
# What must not change when a request is refused.
TABLES = ("inbound_event", "case", "team_input", "promise", "decision", "audit_log", "outbox")


# --- signing --------------------------------------------------------------------------------


def sign(body: bytes, ts: int | None = None, secret: str = SECRET) -> dict[str, str]:
    """Slack's v0 signature: 'v0=' + hex(HMAC-SHA256(secret, 'v0:' + ts + ':' + body))."""
    stamp = str(int(time.time()) if ts is None else ts)
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"


def command_body(text: str, user: str = "U2", channel: str = CIRCLE, hook: str = "") -> bytes:
    fields = {
        "token": "verification_token",
        "team_id": "T1",
        "team_domain": "test",
        "channel_id": channel,
        "channel_name": "ar-circle",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/ar",
        "text": text,
        "api_app_id": "A1",
        "response_url": hook,
        "trigger_id": "111.222.trigger",
    }
    return urlencode(fields).encode()


def event_body(
    text: str, *, event_id: str, user: str = "U1", ts: str = "1710554400.000100"
) -> bytes:
    # The shape of bolt-python's tests/scenario_tests/test_events.py valid_event_body.
    body = {
        "token": "verification_token",
        "team_id": "T1",
        "api_app_id": "A1",
        "event": {
            "client_msg_id": "9cbd4c5b-7ddf-4ede-b479-ad21fca66d63",
            "type": "app_mention",
            "text": text,
            "user": user,
            "ts": ts,
            "team": "T1",
            "channel": CIRCLE,
            "event_ts": ts,
        },
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1710554400,
        "authed_users": ["UBOT"],
    }
    return json.dumps(body).encode()


def interaction_body(payload: dict[str, Any]) -> bytes:
    # As Slack posts interactivity: payload=<urlencoded JSON> (bolt-python's tests do the same).
    return ("payload=" + quote(json.dumps(payload))).encode()


def action_payload(
    command: str, *, user: str, hook: str, message_ts: str = "1700000000.000100"
) -> dict[str, Any]:
    # The shape of bolt-python's tests/scenario_tests/test_block_actions.py body.
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T1"},
        "api_app_id": "A1",
        "token": "verification_token",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": CIRCLE},
        "trigger_id": "111.222.valid",
        "team": {"id": "T1", "domain": "test"},
        "channel": {"id": CIRCLE, "name": "ar-circle"},
        "message": {"type": "message", "ts": message_ts, "user": "UBOT", "text": "card"},
        "response_url": hook,
        "actions": [
            {
                "action_id": "arcircle:0",
                "block_id": "b",
                "text": {"type": "plain_text", "text": "Button", "emoji": True},
                "value": command,
                "type": "button",
                "action_ts": "1700000001.000001",
            }
        ],
    }


def submission_payload(
    view: dict[str, Any], values: dict[str, Any], *, user: str
) -> dict[str, Any]:
    """A view_submission for a view the fake received in views.open, with these answers
    (block_id -> the element's state, e.g. {"type": "plain_text_input", "value": "5000"})."""
    submitted = {
        **view,
        "id": "V1",
        "team_id": "T1",
        "state": {"values": {block: {"value": state} for block, state in values.items()}},
        "hash": "1700000002.abcdef",
        "app_id": "A1",
        "bot_id": "BBOT",
    }
    return {
        "type": "view_submission",
        "team": {"id": "T1", "domain": "test"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T1"},
        "api_app_id": "A1",
        "token": "verification_token",
        "trigger_id": "111.333.valid",
        "view": submitted,
        "response_urls": [],
    }


def decoded(value: Any) -> Any:
    """A field as the fake recorded it: a JSON body's object as is, a form's JSON string read."""
    return json.loads(value) if isinstance(value, str) else value


# --- the world --------------------------------------------------------------------------------


async def poll(check: Callable[[], Any], what: str, timeout: float = DEADLINE) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.01)


class World:
    def __init__(self, rt: Runtime, fake: FakeSlack) -> None:
        self.rt = rt
        self.fake = fake
        self.waits: list[float] = []  # what slack_sdk's retry handlers waited, in seconds

    async def _wait(self, seconds: float) -> None:
        # A retry's wait is recorded, not slept: the fake answers at once.
        self.waits.append(seconds)
        await asyncio.sleep(0)

    def messenger(self, *, mode: str = "http", secret: str | None = SECRET) -> SlackMessenger:
        return SlackMessenger(
            self.rt.router,
            self.rt.config,
            self.rt.db,
            self.rt.clock,
            token=BOT_TOKEN,
            signing_secret=secret,
            api_url=self.fake.url,
            mode=mode,
            retry_sleep=self._wait,
        )

    async def deliver(self) -> None:
        """Send what the outbox holds for Slack (the circle cards) with the outbox's client."""
        from bot.adapters.slack.outbound import SlackTransport, make_client
        from jobs.outbox import OutboxWorker
        from jobs.render import render_row

        def render(row: Any) -> Any:
            with self.rt.db.engine.connect() as conn:
                return render_row(conn, row, self.rt.config, self.rt.clock.now())

        transport = SlackTransport(make_client(BOT_TOKEN, base_url=self.fake.url), self.rt.config)
        worker = OutboxWorker(
            self.rt.db,
            self.rt.clock,
            {"slack": transport},
            render,
            rates={"slack": (100, timedelta(seconds=1))},
            sleep=self._wait,
        )
        await worker.run_once()

    def counts(self) -> dict[str, int]:
        with self.rt.db.engine.connect() as conn:
            return {
                t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in TABLES
            }

    async def open_case(self) -> None:
        reply = await self.rt.router.handle(
            "/ar open Northwind",
            platform="slack",
            channel=CIRCLE,
            user_id="U1",
            person="wang.wei",
        )
        assert reply is not None and reply.kind == "answer", reply
        assert self.counts()["case"] == 1


class Server:
    """The Starlette app in a real uvicorn server on a free loopback port."""

    def __init__(self, world: World, messenger: SlackMessenger) -> None:
        self.world = world
        self.fake = world.fake
        self.messenger = messenger
        self.http: httpx.AsyncClient

    async def post(
        self, body: bytes, ctype: str = FORM, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        sent = {"Content-Type": ctype, **(headers if headers is not None else sign(body))}
        return await self.http.post("/slack/events", content=body, headers=sent)

    async def command(self, text: str, user: str = "U2", channel: str = CIRCLE) -> dict[str, Any]:
        """/ar <text>; the body the bot sent to the response_url."""
        hook = self.fake.response_url()
        before = len(self.fake.calls_to("response_url"))
        resp = await self.post(command_body(text, user=user, hook=hook, channel=channel))
        assert resp.status_code == 200 and resp.text == ""
        calls = await self.fake.wait_for("response_url", before + 1, timeout=DEADLINE)
        answer = calls[-1]
        assert answer.path == hook.removeprefix(self.fake.root)
        return answer.body

    async def mention(self, text: str, event_id: str, **kw: Any) -> httpx.Response:
        resp = await self.post(event_body(text, event_id=event_id, **kw), JSON_TYPE)
        return resp


def build_world(
    fake: FakeSlack,
    tmp_path: Path,
    config_text: str = CONFIG,
    platforms: tuple[str, ...] | None = None,
) -> World:
    """platforms=("slack",): circle cards go to Slack's outbox too (World.deliver sends them)."""
    path = tmp_path / "config.yaml"
    path.write_text(config_text, encoding="utf-8")
    config = load_config(path, env={})
    # 10:00 in Shanghai on Monday 2026-03-16.
    clock = FakeClock(datetime(2026, 3, 16, 2, 0, tzinfo=UTC))
    rt = build_runtime(config, clock, f"sqlite:///{tmp_path}/slack.db", platforms=platforms)
    run_import(rt.db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    return World(rt, fake)


@pytest_asyncio.fixture(name="world")
async def world(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[World]:  # noqa: F811
    built = build_world(fake_slack, tmp_path)
    try:
        yield built
    finally:
        built.rt.db.dispose()


@contextlib.asynccontextmanager
async def serving(world: World) -> AsyncIterator[Server]:
    """The messenger's HTTP app in uvicorn on a free loopback port, and a client for it."""
    messenger = world.messenger()
    assert await messenger.start_checks() == "UBOT"
    world.fake.reset()  # from here on, every call the fake sees came from a request
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(http_app(messenger), log_level="warning", lifespan="off")
    uv = uvicorn.Server(config)
    task = asyncio.create_task(uv.serve(sockets=[sock]))
    await poll(lambda: uv.started or task.done(), "uvicorn to start")
    assert not task.done(), task.exception()
    srv = Server(world, messenger)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        srv.http = http
        try:
            yield srv
        finally:
            uv.should_exit = True
            await asyncio.wait_for(task, timeout=DEADLINE)
            sock.close()


@pytest_asyncio.fixture(name="server")
async def server(world: World) -> AsyncIterator[Server]:
    async with serving(world) as srv:
        yield srv


# --- the signature ----------------------------------------------------------------------------

# Slack's known-answer vector from "Verifying requests from Slack" (docs.slack.dev), as used in
# slackapi/python-slack-sdk tests/slack_sdk/signature/test_signature_verifier.py; copied from
# /work/shared/vectors/slack/signature_vector.json (its SOURCE.md).
VECTOR_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
VECTOR_TS = "1531420618"
VECTOR_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&"
    "channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&"
    "command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    "%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
    "trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
VECTOR_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


class PinnedClock(SignatureClock):
    def __init__(self, at: float) -> None:
        self.at = at

    def now(self) -> float:
        return self.at


def test_slacks_known_answer_vector_is_accepted_and_a_changed_body_is_not() -> None:
    verifier = SignatureVerifier(VECTOR_SECRET, clock=PinnedClock(float(VECTOR_TS)))
    assert verifier.generate_signature(timestamp=VECTOR_TS, body=VECTOR_BODY) == VECTOR_SIGNATURE
    assert verifier.is_valid(VECTOR_BODY, VECTOR_TS, VECTOR_SIGNATURE)
    headers = {"x-slack-request-timestamp": VECTOR_TS, "x-slack-signature": VECTOR_SIGNATURE}
    assert signed(verifier, VECTOR_BODY.encode(), headers)
    # This file's own signer gives the same answer.
    ours = sign(VECTOR_BODY.encode(), int(VECTOR_TS), VECTOR_SECRET)
    assert ours["X-Slack-Signature"] == VECTOR_SIGNATURE
    changed = VECTOR_BODY.replace("text=&", "text=open+ACME&")
    assert not verifier.is_valid(changed, VECTOR_TS, VECTOR_SIGNATURE)
    assert not signed(verifier, changed.encode(), headers)
    assert not signed(verifier, VECTOR_BODY.encode() + b"&x=1", headers)
    # The same request five minutes and a second later is a replay.
    late = SignatureVerifier(VECTOR_SECRET, clock=PinnedClock(float(VECTOR_TS) + 301))
    assert not signed(late, VECTOR_BODY.encode(), headers)


def _bad_requests() -> list[tuple[str, bytes, str, Callable[[bytes], dict[str, str]]]]:
    write = command_body("open Northwind", user="U1", hook="http://127.0.0.1:9/hooks/x")
    event = event_body("<@UBOT> open Northwind", event_id="EvBAD")
    now = int(time.time())

    def without(name: str) -> Callable[[bytes], dict[str, str]]:
        return lambda b: {k: v for k, v in sign(b).items() if k != name}

    return [
        ("no signature", write, FORM, without("X-Slack-Signature")),
        ("no timestamp", write, FORM, without("X-Slack-Request-Timestamp")),
        ("no headers at all", write, FORM, lambda b: {}),
        ("another secret", write, FORM, lambda b: sign(b, secret="not-the-secret")),
        ("signed another body", write, FORM, lambda b: sign(b + b"&text=x")),
        ("stale timestamp", write, FORM, lambda b: sign(b, now - 330)),
        ("future timestamp", write, FORM, lambda b: sign(b, now + 330)),
        (
            "timestamp swapped after signing",
            write,
            FORM,
            lambda b: {**sign(b, now - 400), "X-Slack-Request-Timestamp": str(now)},
        ),
        (
            "not a number",
            write,
            FORM,
            lambda b: {**sign(b), "X-Slack-Request-Timestamp": "soon"},
        ),
        ("empty signature", write, FORM, lambda b: {**sign(b), "X-Slack-Signature": ""}),
        ("v1 scheme", write, FORM, lambda b: {**sign(b), "X-Slack-Signature": "v1=abc"}),
        ("unsigned event", event, JSON_TYPE, lambda b: {}),
        ("stale event", event, JSON_TYPE, lambda b: sign(b, now - 3600)),
        ("unsigned ssl_check", b"ssl_check=1&token=verification_token", FORM, lambda b: {}),
        (
            "unsigned url_verification",
            b'{"type": "url_verification", "challenge": "abc", "token": "t"}',
            JSON_TYPE,
            lambda b: {},
        ),
        ("unsigned broken JSON", b'{"type": "event_callback", ', JSON_TYPE, lambda b: {}),
        ("unsigned non-UTF-8", b"text=\xff\xfe", FORM, lambda b: {}),
    ]


async def test_bad_signatures_and_timestamps_are_refused_and_nothing_runs(
    server: Server,
) -> None:
    before = server.world.counts()
    for name, body, ctype, headers in _bad_requests():
        resp = await server.post(body, ctype, headers(body))
        assert resp.status_code == 401, (name, resp.status_code, resp.text)
        assert resp.json() == {"error": "invalid request"}, name
        # No handler ran: a request that passes verification makes bolt call auth.test
        # (authorization) before it answers; the fake saw nothing at all.
        assert server.fake.calls == [], (name, [c.method for c in server.fake.calls])
    assert server.world.counts() == before
    # The endpoint works: a good request afterwards is answered, and it is the only thing the
    # fake ever saw (the refused write never arrived late).
    answer = await server.command("overdue")
    assert "Northwind" in json.dumps(answer, ensure_ascii=False)
    # (auth.test: bolt's authorization; users.info: is the reader a guest?)
    assert {c.method for c in server.fake.calls} == {"auth.test", "users.info", "response_url"}
    assert server.world.counts() == before


async def test_bolt_verifies_too_and_never_answers_an_unsigned_ssl_check(world: World) -> None:
    """Behind http_app, bolt's own verification still refuses what is not signed (its built-in
    ssl_check, which answers before verification, is off; ours answers after it)."""
    app = world.messenger().app
    now = str(int(time.time()))
    unsigned = AsyncBoltRequest(body="ssl_check=1&token=x", headers={"content-type": FORM})
    assert (await app.async_dispatch(unsigned)).status == 401
    body = "ssl_check=1&token=x"
    good = AsyncBoltRequest(body=body, headers={"content-type": FORM, **sign(body.encode())})
    resp = await app.async_dispatch(good)
    assert (resp.status, resp.body) == (200, "")
    stale = sign(command_body("overdue"), int(now) - 600)
    old = AsyncBoltRequest(
        body=command_body("overdue").decode(), headers={"content-type": FORM, **stale}
    )
    assert (await app.async_dispatch(old)).status == 401
    assert world.fake.calls == []


async def test_signed_ssl_check_is_answered_without_running_anything(server: Server) -> None:
    resp = await server.post(b"ssl_check=1&token=verification_token")
    assert resp.status_code == 200 and resp.text == ""
    assert server.fake.calls == []


# --- the HTTP edge ----------------------------------------------------------------------------


async def test_wrong_content_type_oversized_body_and_health(server: Server) -> None:
    before = server.world.counts()
    body = command_body("open Northwind", user="U1", hook=server.fake.response_url())
    for ctype in ("text/plain", "multipart/form-data; boundary=x", "application/xml", ""):
        resp = await server.post(body, ctype)
        assert resp.status_code == 400, ctype
    # Over the limit with a Content-Length, and streamed without one (chunked).
    big = b"text=" + b"a" * 1_000_000
    assert (await server.post(big)).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(11):
            yield b"a" * 100_000

    streamed = await server.http.post(
        "/slack/events",
        content=chunks(),
        headers={"Content-Type": FORM, **sign(b"")},
    )
    assert streamed.status_code == 413
    assert server.fake.calls == [] and server.world.counts() == before
    health = await server.http.get("/healthz")
    assert health.status_code == 200 and health.json() == {"ok": True}
    assert (await server.http.get("/slack/events")).status_code == 405


async def test_url_verification_challenge_is_answered(server: Server) -> None:
    # bolt-python tests/scenario_tests/test_events_url_verification.py event_body.
    body = json.dumps(
        {
            "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    ).encode()
    resp = await server.post(body, JSON_TYPE)
    assert resp.status_code == 200
    assert resp.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    assert server.fake.calls == []


# --- the slash command --------------------------------------------------------------------


async def test_slash_command_is_acked_at_once_and_answered_through_the_response_url(
    server: Server,
) -> None:
    answer = await server.command("overdue")
    assert answer["response_type"] == "ephemeral"
    assert "Northwind" in answer["text"] + json.dumps(answer.get("blocks"), ensure_ascii=False)
    # Chinese alias, a known user.
    zh = await server.command("逾期 1", user="U1")
    assert "Northwind" in zh["text"] + json.dumps(zh.get("blocks"), ensure_ascii=False)
    # An unknown verb: the router's one line, ephemeral.
    unknown = await server.command("frobnicate")
    assert unknown["response_type"] == "ephemeral"
    assert "frobnicate" in unknown["text"] and "/ar help" in unknown["text"]
    # A change of shared state typed in the circle channel is posted there, for everyone.
    asked = len(server.fake.calls_to("response_url"))
    await server.post(command_body("open Northwind", user="U1", hook=server.fake.response_url()))
    [post] = await server.fake.wait_for("chat.postMessage", timeout=DEADLINE)
    assert post.body["channel"] == CIRCLE and "thread_ts" not in post.body
    assert "Case #1 is open for Northwind" in post.body["text"]
    assert server.world.counts()["case"] == 1
    assert len(server.fake.calls_to("response_url")) == asked  # no pointer to where they look


async def test_someone_not_in_the_config_reads_nothing_and_is_told_whom_to_ask(
    server: Server,
) -> None:
    # access.read defaults to `configured` (tests/test_slack_access.py has `everyone`).
    for text in ("overdue", "customer Northwind", "open Northwind"):
        answer = await server.command(text, user="U999")
        assert answer["response_type"] == "ephemeral"
        assert "Northwind" not in json.dumps(answer, ensure_ascii=False)
        assert "Ask 刘洋 to add you (access.readers" in answer["text"]
    assert server.world.counts()["case"] == 0
    # What only explains stays open.
    help_ = await server.command("help", user="U999")
    assert "/ar overdue" in help_["text"] + json.dumps(help_.get("blocks"), ensure_ascii=False)


async def test_a_failure_in_the_adapter_is_one_ephemeral_line_with_a_ref(
    server: Server, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(slack_answer, "blocks_for", broken)
    answer = await server.command("overdue")
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("Sorry, something went wrong (ref ")
    assert "\n" not in answer["text"] and "Traceback" not in answer["text"]
    assert "exploded" not in answer["text"]
    ref = answer["text"].split("ref ")[1].rstrip(").")
    assert any(ref in r.getMessage() and r.exc_info for r in caplog.records)


# --- @mentions and events -------------------------------------------------------------------


def test_the_command_is_the_text_after_the_bots_mention() -> None:
    assert command_text("<@UBOT> what about Northwind?", "UBOT") == "what about Northwind?"
    assert command_text("<@UBOT>, /ar overdue", "UBOT") == "/ar overdue"
    assert command_text("hey <@UBOT|arcircle>: 逾期", "UBOT") == "逾期"
    assert command_text("<@U2> <@UBOT> case 1", "UBOT") == "case 1"
    assert command_text("<@UBOT> ask <@U2>", "UBOT") == "ask <@U2>"
    assert command_text("<@UBOT> overdue", None) == "overdue"


async def test_app_mention_is_answered_in_the_thread_of_the_mention(server: Server) -> None:
    resp = await server.mention("<@UBOT> what about Northwind?", "Ev1", ts="1710554400.000200")
    assert resp.status_code == 200
    [post] = await server.fake.wait_for("chat.postMessage", timeout=DEADLINE)
    assert post.body["channel"] == CIRCLE
    assert post.body["thread_ts"] == "1710554400.000200"
    assert "Northwind" in post.body["text"] + str(post.body.get("blocks"))
    # A mistake is told to the asker only: beside the mention, since its thread does not
    # exist yet (Slack shows no ephemeral message in a thread without replies).
    await server.mention("<@UBOT> frobnicate", "Ev2", user="U4", ts="1710554400.000300")
    [eph] = await server.fake.wait_for("chat.postEphemeral", timeout=DEADLINE)
    assert eph.body["user"] == "U4" and eph.body["channel"] == CIRCLE
    assert "thread_ts" not in eph.body
    assert "frobnicate" in eph.body["text"]
    assert [e["text"] for e in server.fake.visible_ephemerals("U4")] == [eph.body["text"]]


async def test_a_retried_event_has_one_effect(server: Server) -> None:
    body = event_body("<@UBOT> open Northwind", event_id="EvRETRY", user="U1")
    first = await server.post(body, JSON_TYPE)
    again = await server.post(
        body,
        JSON_TYPE,
        {**sign(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert first.status_code == 200 and again.status_code == 200
    # Another event afterwards: when its answer is there, a second answer to the retry
    # would be too.
    await server.mention("<@UBOT> what about Acme?", "EvOTHER", ts="1710554400.000900")
    posts = await server.fake.wait_for("chat.postMessage", 2, timeout=DEADLINE)
    # In either order: the answers are worked out side by side, none waits for the other.
    assert sorted(p.body["thread_ts"] for p in posts) == ["1710554400.000100", "1710554400.000900"]
    counts = server.world.counts()
    assert counts["case"] == 1 and counts["inbound_event"] == 2


# --- buttons and modals -----------------------------------------------------------------------


async def test_a_plain_button_runs_its_command_as_the_clicking_user(server: Server) -> None:
    await server.world.open_case()
    payload = action_payload("/ar case 1", user="U2", hook=server.fake.response_url())
    resp = await server.post(interaction_body(payload))
    assert resp.status_code == 200 and resp.text == ""
    [eph] = await server.fake.wait_for("chat.postEphemeral", timeout=DEADLINE)
    assert eph.body["channel"] == CIRCLE and eph.body["user"] == "U2"
    assert "Northwind" in eph.body["text"] + str(eph.body.get("blocks"))


async def test_a_button_that_changes_the_case_answers_in_the_cards_thread(
    server: Server,
) -> None:
    await server.world.open_case()
    payload = action_payload("/ar input 1 finance --ack", user="U2", hook="")
    await server.post(interaction_body(payload))
    [post] = await server.fake.wait_for("chat.postMessage", timeout=DEADLINE)
    assert post.body["channel"] == CIRCLE
    assert post.body["thread_ts"] == "1700000000.000100"


async def test_a_placeholder_button_opens_a_modal_and_its_submission_is_validated(
    server: Server,
) -> None:
    await server.world.open_case()
    clicked = action_payload("/ar input 1 finance <text>", user="U2", hook="")
    assert (await server.post(interaction_body(clicked))).status_code == 200
    [opened] = await server.fake.wait_for("views.open", timeout=DEADLINE)
    assert opened.body["trigger_id"] == "111.222.valid"
    view = decoded(opened.body["view"])
    assert view["type"] == "modal" and view["callback_id"] == "arcircle:modal"
    meta = json.loads(view["private_metadata"])
    assert meta["channel"] == CIRCLE and meta["thread_ts"] == "1700000000.000100"
    assert server.world.counts()["team_input"] == 0  # nothing ran with "<text>" in it

    # A promise: a negative amount is a field error in the modal, and nothing runs.
    promise = action_payload("/ar promise 1 <amount> <date>", user="U2", hook="")
    await server.post(interaction_body(promise))
    calls = await server.fake.wait_for("views.open", 2, timeout=DEADLINE)
    promise_view = decoded(calls[-1].body["view"])
    when = {"type": "datepicker", "selected_date": "2026-03-20"}
    bad = submission_payload(
        promise_view,
        {"amount": {"type": "plain_text_input", "value": "-100"}, "date": when},
        user="U2",
    )
    resp = await server.post(interaction_body(bad))
    assert resp.status_code == 200
    answer = resp.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"amount"}
    past = submission_payload(
        promise_view,
        {
            "amount": {"type": "plain_text_input", "value": "500"},
            "date": {"type": "datepicker", "selected_date": "2026-03-01"},
        },
        user="U2",
    )
    assert set((await server.post(interaction_body(past))).json()["errors"]) == {"date"}
    assert server.world.counts()["promise"] == 0

    # A valid one closes the modal (an empty 200) and records the promise as li.na.
    good = submission_payload(
        promise_view,
        {"amount": {"type": "plain_text_input", "value": "500"}, "date": when},
        user="U2",
    )
    resp = await server.post(interaction_body(good))
    assert resp.status_code == 200 and resp.text == ""
    await poll(lambda: server.world.counts()["promise"] == 1, "the promise in the database")
    with server.world.rt.db.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM promise")).mappings().one()
    assert str(row["due_on"]) == "2026-03-20"
    assert (row["amount_minor"], row["made_by"]) == (50000, "li.na")
    # The answer goes to the card's thread (the channel kept in the modal).
    [post] = await server.fake.wait_for("chat.postMessage", timeout=DEADLINE)
    assert post.body["channel"] == CIRCLE and post.body["thread_ts"] == "1700000000.000100"


async def test_an_unknown_user_clicking_a_form_button_is_told_how_to_be_added(
    server: Server,
) -> None:
    await server.world.open_case()
    payload = action_payload("/ar promise 1 <amount> <date>", user="U999", hook="")
    await server.post(interaction_body(payload))
    [eph] = await server.fake.wait_for("chat.postEphemeral", timeout=DEADLINE)
    assert eph.body["user"] == "U999" and "config.yaml" in eph.body["text"]
    assert server.fake.calls_to("views.open") == []
    assert server.world.counts()["promise"] == 0


# --- start-up and Socket Mode -----------------------------------------------------------------


async def test_http_mode_refuses_an_empty_signing_secret(world: World) -> None:
    for secret in (None, "", "   "):
        with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET is empty"):
            world.messenger(secret=secret)
    # Socket Mode does not sign requests: no secret needed, and no HTTP app without one.
    socket_mode = world.messenger(mode="socket", secret=None)
    with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
        http_app(socket_mode)
    with pytest.raises(ValueError, match="SLACK_APP_TOKEN is empty"):
        await serve_socket(socket_mode.app, " ")
    assert world.messenger().person_for("U2") == "li.na"
    assert world.messenger().person_for("U999") is None


async def test_socket_mode_dispatch_runs_the_command_and_dedupes_events(world: World) -> None:
    messenger = world.messenger(mode="socket", secret=None)
    assert await messenger.start_checks() == "UBOT"
    hook = world.fake.response_url()
    # What AsyncSocketModeHandler hands to the app: the envelope's payload, unsigned.
    payload = dict(
        token="verification_token",
        team_id="T1",
        channel_id="CGENERAL",
        user_id="U1",
        command="/ar",
        text="open Northwind",
        response_url=hook,
        trigger_id="1.2.3",
    )
    resp = await messenger.app.async_dispatch(AsyncBoltRequest(mode="socket_mode", body=payload))
    assert resp.status == 200
    # Typed in another channel: the news goes to the circle channel, a pointer to the asker.
    [post] = await world.fake.wait_for("chat.postMessage", timeout=DEADLINE)
    assert post.body["channel"] == CIRCLE and "Case #1 is open" in post.body["text"]
    [answer] = await world.fake.wait_for("response_url", timeout=DEADLINE)
    assert answer.body["response_type"] == "ephemeral"
    assert f"Posted in <#{CIRCLE}>" in answer.body["text"]
    assert world.counts()["case"] == 1
    # An event, then Slack's retry of it (the handler passes retry_attempt as the header).
    event = json.loads(event_body("<@UBOT> what about Northwind?", event_id="EvSOCK"))
    retry: dict[str, str | Sequence[str]] = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "t"}
    for headers in ({}, retry):
        request = AsyncBoltRequest(mode="socket_mode", body=event, headers=headers)
        assert (await messenger.app.async_dispatch(request)).status == 200
    posts = await world.fake.wait_for("chat.postMessage", 2, timeout=DEADLINE)
    assert "Northwind" in posts[-1].body["text"] + str(posts[-1].body.get("blocks"))
    assert world.counts()["inbound_event"] == 1


async def test_files_in_an_answer_go_up_in_the_channel_or_privately(
    world: World, tmp_path: Path
) -> None:
    from bot.adapters.slack.messenger import Where
    from bot.kernel.messages import Reply

    export = tmp_path / "export.csv"
    export.write_text("a,b\n1,2\n", encoding="utf-8")
    answers = world.messenger().answers
    public = Reply(text="export", attachments=(str(export),), ephemeral=False)
    await answers.post(Where(user_id="U2", channel=CIRCLE, thread_ts="1.1"), public, "en")
    private = Reply(text="export", attachments=(str(export),))
    await answers.tell(Where(user_id="U2", channel=CIRCLE), private, "en")
    done = [u for u in world.fake.uploads.values() if u["completed"]]
    assert [(u["channel"], u["thread_ts"]) for u in done] == [(CIRCLE, "1.1"), ("DU2", None)]

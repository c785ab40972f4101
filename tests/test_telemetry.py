"""GET /metrics (bot.telemetry) and JSON logs: what an operator's Prometheus and log
collector see."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot import http
from bot.adapters.base import Messenger
from bot.kernel.capabilities import Capabilities
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config
from bot.kernel.messages import Reply
from bot.router import Router
from bot.telemetry import Telemetry
from jobs.outbox import OutboxWorker
from storage import outbox as ob
from storage.db import Database
from storage.outbox import OutRow

NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)


class Fake(Messenger):
    name = "fake"
    capabilities = Capabilities()

    def routes(self) -> Sequence[BaseRoute]:
        async def events(request: Request) -> Response:
            code = int(request.query_params.get("code", "200"))
            return PlainTextResponse("ok", status_code=code)

        return [Route("/fake/events", events, methods=["POST"])]

    def transport(self) -> None:
        return None


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus' text format."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        key, value = line.rsplit(" ", 1)
        sample, _, rest = key.partition("{")
        got = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if sample == name and got == want:
            return float(value)
    return None


async def scrape(app: object, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as web:
        return await web.get("/metrics", headers=headers)


async def test_requests_are_counted_by_messenger_and_answer(sqlite_db: Database) -> None:
    telemetry = Telemetry(sqlite_db, FakeClock(NOW), ["fake"])
    app = http.http_app([Fake()], telemetry)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as web:
        for code in ("200", "200", "403"):
            await web.post("/fake/events", params={"code": code})
        await web.get("/healthz")
        page = await web.get("/metrics")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    text = page.text
    assert metric(text, "arcircle_http_requests_total", messenger="fake", code="200") == 2
    assert metric(text, "arcircle_http_requests_total", messenger="fake", code="403") == 1
    assert metric(text, "arcircle_http_request_seconds_count", messenger="fake") == 3
    assert "healthz" not in text  # only the messengers' routes are counted


async def test_the_outbox_backlog_and_what_was_sent(sqlite_db: Database) -> None:
    clock = FakeClock(NOW)
    with sqlite_db.engine.begin() as conn:
        for n in range(3):
            ob.enqueue(
                conn,
                key=f"k{n}",
                platform="fake",
                destination="#ar",
                kind="escalation" if n else "card",
                payload={"text": "x"},
                now=NOW - timedelta(minutes=10 - n),
            )
    telemetry = Telemetry(sqlite_db, clock, ["fake"])
    text = (await scrape(http.http_app([Fake()], telemetry))).text
    assert metric(text, "arcircle_outbox_rows", platform="fake", status="pending") == 3
    assert metric(text, "arcircle_outbox_oldest_seconds", platform="fake", status="pending") == 600

    class Sink:
        async def deliver(
            self, row: OutRow, message: Reply, *, update_ref: str | None, thread_ref: str | None
        ) -> str | None:
            return None

    worker = OutboxWorker(
        sqlite_db,
        clock,
        {"fake": Sink()},
        lambda row: Reply(text="x"),
        rates={"fake": (100, timedelta(seconds=1))},
        monotonic=lambda: clock.now().timestamp(),
        on_sent=telemetry.on_sent,
    )
    await worker.run_once()
    text = (await scrape(http.http_app([Fake()], telemetry))).text
    assert metric(text, "arcircle_outbox_sent_total", platform="fake", kind="escalation") == 2
    assert metric(text, "arcircle_outbox_sent_total", platform="fake", kind="card") == 1
    assert metric(text, "arcircle_outbox_rows", platform="fake", status="pending") is None


async def test_the_jobs_durations_are_histograms(sqlite_db: Database) -> None:
    telemetry = Telemetry(sqlite_db, FakeClock(NOW), [])

    async def work() -> int:
        return 7

    assert await telemetry.timed(telemetry.tick_seconds, work) == 7
    text = (await scrape(http.http_app([], telemetry))).text
    assert metric(text, "arcircle_circle_tick_seconds_count") == 1
    assert metric(text, "arcircle_scan_seconds_count") == 0


async def test_a_token_guards_the_metrics(sqlite_db: Database) -> None:
    telemetry = Telemetry(sqlite_db, FakeClock(NOW), [], token="s3cret-scrape")
    app = http.http_app([], telemetry)
    refused = await scrape(app)
    assert refused.status_code == 401
    assert "s3cret" not in refused.text
    assert (await scrape(app, "wrong")).status_code == 401
    assert (await scrape(app, "s3cret-scrape")).status_code == 200


def test_json_logs_are_one_object_a_line() -> None:
    code = (
        "from bot.cli_common import _setup_logging; import logging\n"
        "_setup_logging('INFO'); logging.getLogger('arcircle.test').warning('tick %s late', 2)"
    )
    env = {**os.environ, "ARCIRCLE_LOG_FORMAT": "json"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert line["level"] == "WARNING"
    assert line["logger"] == "arcircle.test"
    assert line["message"] == "tick 2 late"
    assert "time" in line


async def test_commands_are_counted_by_messenger_verb_and_outcome(
    sqlite_db: Database, config: Config, clock: FakeClock
) -> None:
    telemetry = Telemetry(sqlite_db, clock, ["fake"])
    router = Router(sqlite_db, config, clock)
    router.observe = telemetry.on_command
    for text in ("/ar help", "/ar help", "/ar frobnicate-acme-corp"):
        await router.handle(text, platform="feishu", channel="oc_1", user_id="u1", person="li.na")
    await router.handle("/ar help", platform="console", channel="#ar", user_id="me", person=None)
    text = (await scrape(http.http_app([], telemetry))).text
    assert (
        metric(text, "arcircle_commands_total", messenger="feishu", verb="help", outcome="ok") == 2
    )
    assert (
        metric(
            text, "arcircle_commands_total", messenger="feishu", verb="unknown", outcome="unknown"
        )
        == 1
    )
    assert (
        metric(text, "arcircle_commands_total", messenger="console", verb="help", outcome="ok") == 1
    )
    assert metric(text, "arcircle_command_seconds_count", messenger="feishu") == 3
    # The sender's words are never a label: unbounded, and they may name a customer.
    assert "frobnicate" not in text


async def test_a_failing_counter_never_costs_the_answer(
    sqlite_db: Database, config: Config, clock: FakeClock
) -> None:
    router = Router(sqlite_db, config, clock)

    def broken(*_: object) -> None:
        raise RuntimeError("registry gone")

    router.observe = broken
    reply = await router.handle("/ar help", platform="console", channel="#ar", user_id="me")
    assert reply is not None and "/ar" in reply.plain()

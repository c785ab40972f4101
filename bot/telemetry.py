"""`GET /metrics` on `arcircle serve`, in Prometheus' text format (prometheus-client).

What an operator watches:
- `arcircle_http_requests_total{messenger,code}` and `arcircle_http_request_seconds{messenger}`:
  every request to a messenger's routes and how long its acknowledgement took (the first
  segment of the path names the messenger: /slack/events → slack).
- `arcircle_commands_total{messenger,verb,outcome}` and `arcircle_command_seconds{messenger}`:
  every command answered (ok, refused, error, unknown), whichever way it came (HTTP, Slack's
  Socket Mode, Feishu's or DingTalk's long connection, Telegram's polling, the console).
- `arcircle_outbox_rows{platform,status}` and `arcircle_outbox_oldest_seconds{platform,status}`:
  the pending and parked rows, read from the database at each scrape.
- `arcircle_outbox_sent_total{platform,kind}`: rows this process delivered, escalations among
  them (kind="escalation").
- `arcircle_circle_tick_seconds` and `arcircle_scan_seconds`: how long each tick and overdue
  scan took on the process that holds the lease.

Counters are per process: with several replicas Prometheus sums them. The backlog is the
database's, the same from every replica. When ARCIRCLE_METRICS_TOKEN is set, a scrape must
send it as a bearer token; metrics hold no customer data, but an open port should not tell
strangers how busy the collection team is.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.kernel.clock import Clock
from storage.db import Database
from storage.telemetry_reads import outbox_backlog

_ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_JOB_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0)


class _Backlog(Collector):
    """The outbox's pending and parked rows, from the database, at scrape time."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def collect(self) -> Iterable[GaugeMetricFamily]:
        rows = GaugeMetricFamily(
            "arcircle_outbox_rows", "Outbox rows waiting or parked", labels=["platform", "status"]
        )
        oldest = GaugeMetricFamily(
            "arcircle_outbox_oldest_seconds",
            "Age of the oldest outbox row waiting or parked",
            labels=["platform", "status"],
        )
        with self._db.engine.connect() as conn:
            backlog = outbox_backlog(conn)
        now = self._clock.now()
        for b in backlog:
            rows.add_metric([b.platform, b.status], b.rows)
            if b.oldest is not None:
                written = b.oldest if b.oldest.tzinfo else b.oldest.replace(tzinfo=now.tzinfo)
                oldest.add_metric([b.platform, b.status], (now - written).total_seconds())
        yield rows
        yield oldest


class Telemetry:
    def __init__(
        self, db: Database, clock: Clock, messengers: Iterable[str], token: str | None = None
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._messengers = frozenset(messengers)
        self._token = token or None
        self.requests = Counter(
            "arcircle_http_requests",
            "Requests to the messengers' routes",
            ["messenger", "code"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "arcircle_http_request_seconds",
            "Time to answer a messenger's request",
            ["messenger"],
            buckets=_ACK_BUCKETS,
            registry=self.registry,
        )
        self.commands = Counter(
            "arcircle_commands",
            "Commands answered, by messenger, verb and outcome",
            ["messenger", "verb", "outcome"],
            registry=self.registry,
        )
        self.command_seconds = Histogram(
            "arcircle_command_seconds",
            "Time to answer a command",
            ["messenger"],
            buckets=_ACK_BUCKETS,
            registry=self.registry,
        )
        self.sent = Counter(
            "arcircle_outbox_sent",
            "Outbox rows delivered by this process",
            ["platform", "kind"],
            registry=self.registry,
        )
        self.tick_seconds = Histogram(
            "arcircle_circle_tick_seconds",
            "Duration of a circle tick",
            buckets=_JOB_BUCKETS,
            registry=self.registry,
        )
        self.scan_seconds = Histogram(
            "arcircle_scan_seconds",
            "Duration of an overdue scan",
            buckets=_JOB_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_Backlog(db, clock))

    def on_command(self, messenger: str, verb: str, outcome: str, seconds: float) -> None:
        self.commands.labels(messenger, verb, outcome).inc()
        self.command_seconds.labels(messenger).observe(seconds)

    def on_sent(self, row: Any) -> None:
        self.sent.labels(row.platform, row.kind).inc()

    async def timed(self, histogram: Histogram, work: Callable[[], Awaitable[Any]]) -> Any:
        started = time.perf_counter()
        try:
            return await work()
        finally:
            histogram.observe(time.perf_counter() - started)

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Counts and times every request to a messenger's routes."""

        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            first = scope.get("path", "/").strip("/").split("/", 1)[0]
            if first not in self._messengers:
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            code = "500"

            async def sending(message: Mapping[str, Any]) -> None:
                nonlocal code
                if message["type"] == "http.response.start":
                    code = str(message["status"])
                    self.ack_seconds.labels(first).observe(time.perf_counter() - started)
                await send(message)  # type: ignore[arg-type]

            try:
                await app(scope, receive, sending)
            finally:
                self.requests.labels(first, code).inc()

        return counted

    async def endpoint(self, request: Request) -> Response:
        if self._token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {self._token}".encode()):
                return PlainTextResponse("metrics need the bearer token\n", status_code=401)
        # The backlog reads the database: off the event loop.
        body = await asyncio.to_thread(generate_latest, self.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

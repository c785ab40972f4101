"""The whole circle in Slack, against the fake Slack Web API and the real HTTP endpoint.

The overdue scan opens a case; its card is posted to the circle channel; finance answers by
button and modal; sales does not answer and its lead is @mentioned after the window; legal
records a decision; the card ends up updated in place. Slack answers 429 and 503 on the way and
nothing is lost or sent twice. The clock is fake; the jobs are driven step by step.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
import uvicorn

from bot.adapters.slack.http import http_app
from bot.adapters.slack.messenger import SlackMessenger
from bot.adapters.slack.outbound import SlackTransport, make_client
from bot.app import Runtime, build_runtime
from bot.kernel.clock import FakeClock
from bot.kernel.config import load_config
from jobs.circle import scan_overdue, tick
from jobs.outbox import OutboxWorker
from jobs.render import render_row
from storage.outbox import OutRow
from tests.conftest import LEDGER_HEADER, run_import, write_csv
from tests.fake_slack import FakeSlack, Response, fake_slack  # noqa: F401 - the fixture
from tests.test_slack_inbound import (
    BOT_TOKEN,
    CIRCLE,
    CONFIG,
    DEADLINE,
    FORM,
    LEDGER,
    SECRET,
    action_payload,
    command_body,
    decoded,
    interaction_body,
    poll,
    sign,
    submission_payload,
)


class Circle:
    def __init__(self, rt: Runtime, fake: FakeSlack, http: httpx.AsyncClient) -> None:
        self.rt = rt
        self.fake = fake
        self.http = http
        # The outbox's own client: no retry handlers (the outbox retries through its rows).
        transport = SlackTransport(make_client(BOT_TOKEN, base_url=fake.url), rt.config)

        def render(row: OutRow) -> Any:
            with rt.db.engine.connect() as conn:
                return render_row(conn, row, rt.config, rt.clock.now())

        clock = rt.clock
        assert isinstance(clock, FakeClock)

        async def sleep(seconds: float) -> None:
            # Waiting (Retry-After, pacing) moves the fake clock instead of real time.
            clock.advance(timedelta(seconds=seconds))
            await asyncio.sleep(0)

        self.worker = OutboxWorker(
            rt.db,
            clock,
            {"slack": transport},
            render,
            rates={"slack": (1, timedelta(seconds=1))},
            backoff=timedelta(seconds=1),
            monotonic=lambda: clock.now().timestamp(),
            sleep=sleep,
        )

    async def deliver(self) -> None:
        """Run the outbox until nothing is due (moving the fake clock past retry waits)."""
        for _ in range(20):
            await self.worker.run_once()
            with self.rt.db.engine.connect() as conn:
                from storage import outbox as ob

                pending = ob.listing(conn, ("pending",))
            if not pending:
                return
            assert isinstance(self.rt.clock, FakeClock)
            self.rt.clock.advance(timedelta(seconds=5))
            await asyncio.sleep(0)
        raise AssertionError(f"still pending: {pending}")

    async def post(self, body: bytes) -> httpx.Response:
        return await self.http.post(
            "/slack/events", content=body, headers={"Content-Type": FORM, **sign(body)}
        )


@pytest_asyncio.fixture
async def circle(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[Circle]:  # noqa: F811
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path, env={})
    clock = FakeClock(datetime(2026, 3, 16, 2, 0, tzinfo=UTC))  # Monday 10:00 in Shanghai
    rt = build_runtime(config, clock, f"sqlite:///{tmp_path}/circle.db", platforms=("slack",))
    run_import(rt.db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    messenger = SlackMessenger(
        rt.router, config, rt.db, clock, token=BOT_TOKEN, signing_secret=SECRET,
        api_url=fake_slack.url,
    )  # fmt: skip
    await messenger.start_checks()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(http_app(messenger), log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    await poll(lambda: server.started or task.done(), "uvicorn to start")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            yield Circle(rt, fake_slack, http)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=DEADLINE)
        sock.close()
        rt.db.dispose()


def text_of(call_body: dict[str, Any]) -> str:
    blocks = decoded(call_body.get("blocks")) or []
    return str(call_body.get("text", "")) + json.dumps(blocks, ensure_ascii=False)


async def test_the_whole_circle_in_slack(circle: Circle) -> None:
    rt, fake = circle.rt, circle.fake
    today = rt.clock.now().astimezone(rt.config.company.zone).date()

    # The overdue scan opens a case; Slack is busy for the first card (429, then a 503).
    fake.script("chat.postMessage", Response.rate_limited(retry_after=2), Response.server_error())
    assert scan_overdue(rt.db, rt.circle, today=today, now=rt.clock.now()).cases == (1,)
    await circle.deliver()
    cards = [c for c in fake.calls_to("chat.postMessage") if "Case #1" in text_of(c.body)]
    assert len(cards) == 3  # two refusals, then the one that landed
    posted = [m for m in fake.messages[CIRCLE] if "Case #1 ·" in text_of(m)]
    assert len(posted) == 1, "the card is in the channel exactly once"
    card_ts = posted[0]["ts"]
    assert "<!subteam" not in text_of(posted[0])  # teams without a group: their members
    assert "<@U1>" in text_of(posted[0]) and "<@U2>" in text_of(posted[0])

    # Finance answers by button, in the modal.
    clicked = action_payload("/ar input 1 finance <text>", user="U2", hook="", message_ts=card_ts)
    assert (await circle.post(interaction_body(clicked))).status_code == 200
    [opened] = await fake.wait_for("views.open", timeout=DEADLINE)
    view = decoded(opened.body["view"])
    answer = submission_payload(
        view,
        {"text": {"type": "plain_text_input", "value": "Statement sent; they confirm receipt."}},
        user="U2",
    )
    assert (await circle.post(interaction_body(answer))).status_code == 200
    await poll(
        lambda: any(i.team == "finance" for i in _case(rt).inputs), "finance's input recorded"
    )

    # Sales does not answer: after the window its lead (U1) is @mentioned in the card's thread.
    rt.clock.advance(timedelta(minutes=15))
    tick(rt.db, rt.circle, rt.clock.now())
    await circle.deliver()
    escalations = [
        c.body
        for c in fake.calls_to("chat.postMessage")
        if "has not answered in time" in text_of(c.body) and "Sales" in text_of(c.body)
    ]
    assert len(escalations) == 1
    assert escalations[0]["thread_ts"] == card_ts
    assert "<@U1>" in escalations[0]["text"]

    # Legal records a decision with the slash command.
    hook = fake.response_url()
    body = command_body("decide 1 lawyers_letter final notice before court", user="U3", hook=hook)
    assert (await circle.post(body)).status_code == 200
    await fake.wait_for("response_url", timeout=DEADLINE)
    assert _case(rt).decisions[-1].action == "lawyers_letter"

    # The card was updated in place: same ts, now showing the decision and finance's answer.
    await circle.deliver()
    updates = [c for c in fake.calls_to("chat.update") if c.body.get("ts") == card_ts]
    assert updates, "the card was edited with chat.update"
    card = fake.message(CIRCLE, card_ts)
    assert card is not None
    final = text_of(card)
    assert "Lawyer's letter" in final and "Statement sent" in final
    assert "answered by 李娜" in final
    # Nothing was sent twice: one card, one sales escalation.
    assert len([m for m in fake.messages[CIRCLE] if "Case #1 ·" in text_of(m)]) == 1


def _case(rt: Runtime) -> Any:
    from storage.circle import load_case

    with rt.db.engine.connect() as conn:
        view = load_case(conn, 1)
    assert view is not None
    return view

"""Slack delivery for the outbox, against the fake Slack Web API on loopback.

The transport posts, edits and threads Block Kit messages, opens direct messages once, and
turns Slack's answers into the outbox's RetryAfter / TransientError / PermanentError without
ever putting the token in a reason. The last tests run the real OutboxWorker over outbox rows
(with a fake monotonic clock and sleep) against the fake server.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.blocks import blocks_for, fallback_text
from bot.adapters.slack.outbound import SlackTransport, check_token, make_client
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config
from bot.kernel.messages import (
    Button,
    Card,
    DeliveryError,
    Field,
    Mention,
    PermanentError,
    Reply,
    RetryAfter,
    RichText,
    Section,
    Text,
    TransientError,
)
from jobs.outbox import OutboxWorker
from storage import outbox as ob
from storage.db import Database
from storage.outbox import OutRow
from tests.fake_slack import FakeSlack, Response
from tests.fake_slack import fake_slack as _fake_slack  # noqa: F401 (the fixture)

TOKEN = "xoxb-1111111111-2222222222-SeCrEtToKeNvAlUe0123456789"
CHANNEL = "C0ARCIRCLE"


def card(state: Text = "waiting") -> Reply:
    return Reply(
        card=Card(
            title="Case 42 · ACME Trading",
            subtitle="¥128,000.00 · 45 days overdue",
            fields=(Field("Stage", "mid"), Field("Risk", "催收款")),
            sections=(
                Section(title="Sales", text=RichText(state, " · 12 min left")),
                Section(title="Finance", text="answered"),
            ),
            buttons=(Button("Sales input", "/ar input 42 sales", style="primary"),),
        ),
        ephemeral=False,
    )


def row(
    destination: str = CHANNEL,
    *,
    kind: str = "card",
    key: str = "k1",
    ref_key: str | None = "case:42",
) -> OutRow:
    t0 = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
    return OutRow(
        id=1,
        key=key,
        platform="slack",
        destination=destination,
        kind=kind,
        payload={},
        ref_key=ref_key,
        case_id=42,
        attempts=0,
        status=ob.PENDING,
        next_attempt_at=t0,
        last_error=None,
        created_at=t0,
        sent_at=None,
        message_ref=None,
    )


def blocks_of(call_body: dict[str, Any]) -> Any:
    blocks = call_body.get("blocks")
    return json.loads(blocks) if isinstance(blocks, str) else blocks


@pytest.fixture
def client(fake_slack: FakeSlack) -> AsyncWebClient:
    return make_client(TOKEN, base_url=fake_slack.url, timeout=0.3)


@pytest.fixture
def transport(client: AsyncWebClient, config: Config) -> SlackTransport:
    return SlackTransport(client, config)


# --- posting, editing, threads, direct messages ----------------------------------------------


async def test_card_is_posted_with_blocks_and_text(
    fake_slack: FakeSlack, transport: SlackTransport, config: Config
) -> None:
    reply = card()
    ts = await transport.deliver(row(), reply, update_ref=None, thread_ref=None)

    (call,) = fake_slack.calls_to("chat.postMessage")
    assert call.body["channel"] == CHANNEL
    assert call.body["text"] == fallback_text(reply, config)
    assert call.body["text"]
    assert blocks_of(call.body) == blocks_for(reply, config, locale="en")
    assert blocks_of(call.body)
    assert call.body["unfurl_links"] is False
    assert "thread_ts" not in call.body
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert ts == call_ts(fake_slack, CHANNEL, 0)
    posted = fake_slack.message(CHANNEL, ts)
    assert posted is not None and posted["blocks"] == blocks_for(reply, config, locale="en")


def call_ts(fake: FakeSlack, channel: str, index: int) -> str:
    return str(fake.messages[channel][index]["ts"])


async def test_card_update_edits_the_message_in_place(
    fake_slack: FakeSlack, transport: SlackTransport, config: Config
) -> None:
    ts = await transport.deliver(row(), card("waiting"), update_ref=None, thread_ref=None)
    assert ts is not None
    updated = card(RichText("escalated to ", Mention.person("wang.wei")))
    ref = await transport.deliver(
        row(kind="card_update", key="k2"), updated, update_ref=ts, thread_ref=None
    )

    assert ref == ts
    (call,) = fake_slack.calls_to("chat.update")
    assert call.body["channel"] == CHANNEL
    assert call.body["ts"] == ts
    assert call.body["text"] == fallback_text(updated, config)
    assert blocks_of(call.body) == blocks_for(updated, config, locale="en")
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    message = fake_slack.message(CHANNEL, ts)
    assert message is not None
    assert message["updates"] == 1
    assert message["text"] == fallback_text(updated, config)
    assert message["blocks"] == blocks_for(updated, config, locale="en")
    assert message["blocks"] != blocks_for(card("waiting"), config, locale="en")
    assert "escalated to <@U1> · 12 min left" in json.dumps(message["blocks"], ensure_ascii=False)
    assert len(fake_slack.messages[CHANNEL]) == 1


async def test_a_thread_message_carries_thread_ts(
    fake_slack: FakeSlack, transport: SlackTransport
) -> None:
    card_ts = await transport.deliver(row(), card(), update_ref=None, thread_ref=None)
    assert card_ts is not None
    ts = await transport.deliver(
        row(kind="escalation", key="k2"),
        Reply(
            text=RichText(Mention.person("wang.wei"), " sales has 5 minutes left"),
            ephemeral=False,
        ),
        update_ref=None,
        thread_ref=card_ts,
    )

    call = fake_slack.calls_to("chat.postMessage")[-1]
    assert call.body["thread_ts"] == card_ts
    assert call.body["text"] == "<@U1> sales has 5 minutes left"
    assert ts is not None and ts != card_ts
    assert [m["ts"] for m in fake_slack.thread(CHANNEL, card_ts)] == [ts]


async def test_a_direct_message_opens_the_conversation_once(
    fake_slack: FakeSlack, transport: SlackTransport
) -> None:
    for key in ("d1", "d2"):
        ts = await transport.deliver(
            row("@wang.wei", kind="reminder", key=key, ref_key=None),
            Reply(text="your promise for ACME is due tomorrow", ephemeral=False),
            update_ref=None,
            thread_ref=None,
        )
        assert ts is not None

    (opened,) = fake_slack.calls_to("conversations.open")
    assert opened.body["users"] == "U1"  # wang.wei's slack id in the test config
    posts = fake_slack.calls_to("chat.postMessage")
    assert [c.body["channel"] for c in posts] == ["DU1", "DU1"]
    assert len(fake_slack.messages["DU1"]) == 2


async def test_a_person_without_a_slack_id_is_permanent(
    fake_slack: FakeSlack, transport: SlackTransport
) -> None:
    with pytest.raises(PermanentError) as caught:
        await transport.deliver(
            row("@tom.baker", kind="reminder", ref_key=None),
            Reply(text="hi"),
            update_ref=None,
            thread_ref=None,
        )
    assert caught.value.reason == "no slack id for tom.baker in config"
    with pytest.raises(PermanentError, match="no person nobody"):
        await transport.deliver(
            row("@nobody", kind="reminder", ref_key=None),
            Reply(text="hi"),
            update_ref=None,
            thread_ref=None,
        )
    assert fake_slack.calls == []


async def test_a_failed_direct_message_channel_is_opened_again(
    fake_slack: FakeSlack, transport: SlackTransport
) -> None:
    fake_slack.script("chat.postMessage", Response.server_error())
    dm = row("@wang.wei", kind="reminder", ref_key=None)
    with pytest.raises(TransientError):
        await transport.deliver(dm, Reply(text="hi"), update_ref=None, thread_ref=None)
    assert await transport.deliver(dm, Reply(text="hi"), update_ref=None, thread_ref=None)
    assert len(fake_slack.calls_to("conversations.open")) == 2


# --- what Slack's refusals mean for the outbox -----------------------------------------------


async def deliver_error(transport: SlackTransport, **kw: Any) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        await transport.deliver(row(), card(), update_ref=None, thread_ref=None, **kw)
    return caught.value


@pytest.mark.parametrize(("header", "seconds"), [("7", 7.0), ("0.5", 0.5), (None, 1.0)])
async def test_429_is_retry_after_the_header(
    fake_slack: FakeSlack, transport: SlackTransport, header: str | None, seconds: float
) -> None:
    headers = {} if header is None else {"Retry-After": header}
    fake_slack.script(
        "chat.postMessage",
        Response(status=429, body={"ok": False, "error": "ratelimited"}, headers=headers),
    )
    error = await deliver_error(transport)
    assert isinstance(error, RetryAfter)
    assert error.seconds == seconds
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # slack_sdk did not retry


async def test_ratelimited_without_429_is_retry_after(
    fake_slack: FakeSlack, transport: SlackTransport
) -> None:
    fake_slack.script("chat.postMessage", Response.rate_limited(retry_after=3))
    error = await deliver_error(transport)
    assert isinstance(error, RetryAfter) and error.seconds == 3.0
    fake_slack.script("chat.postMessage", Response.error("ratelimited"))
    error = await deliver_error(transport)
    assert isinstance(error, RetryAfter) and error.seconds == 1.0


@pytest.mark.parametrize(
    "answer",
    [
        Response.server_error(503),
        Response.server_error(500),
        Response(status=502, body={"ok": False, "error": "fatal_error"}),
    ],
)
async def test_5xx_is_transient(
    fake_slack: FakeSlack, transport: SlackTransport, answer: Response
) -> None:
    fake_slack.script("chat.postMessage", answer)
    error = await deliver_error(transport)
    assert type(error) is TransientError
    assert error.reason == f"HTTP {answer.status}"
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize(
    ("error", "hint"),
    [
        ("channel_not_found", f"the bot cannot see channel {CHANNEL}"),
        ("not_in_channel", "invite the bot to the channel (/invite @arcircle"),
        ("is_archived", "archived"),
        ("invalid_auth", "SLACK_BOT_TOKEN"),
        ("account_inactive", "deactivated"),
        ("missing_scope", "chat:write"),
        ("no_permission", "may not post"),
        ("restricted_action", "admin"),
    ],
)
async def test_errors_no_retry_can_fix_are_permanent_with_a_hint(
    fake_slack: FakeSlack, transport: SlackTransport, error: str, hint: str
) -> None:
    fake_slack.script("chat.postMessage", Response.error(error, needed="chat:write"))
    found = await deliver_error(transport)
    assert type(found) is PermanentError
    assert found.reason.startswith(f"{error}: ")
    assert hint in found.reason


async def test_other_errors_are_transient(fake_slack: FakeSlack, transport: SlackTransport) -> None:
    fake_slack.script("chat.postMessage", Response.error("internal_error"))
    error = await deliver_error(transport)
    assert type(error) is TransientError and error.reason == "internal_error"


async def test_network_failures_are_transient(
    fake_slack: FakeSlack, transport: SlackTransport, config: Config
) -> None:
    fake_slack.script("chat.postMessage", Response.disconnect(), Response.slow(5))
    dropped = await deliver_error(transport)
    assert type(dropped) is TransientError and dropped.reason.startswith("network: ")
    timed_out = await deliver_error(transport)  # the client's timeout is 0.3 s
    assert type(timed_out) is TransientError
    assert timed_out.reason == "Slack did not answer in time"

    closed = FakeSlack()
    await closed.start()
    url = closed.url
    await closed.stop()
    nobody = SlackTransport(make_client(TOKEN, base_url=url), config)
    refused = await deliver_error(nobody)
    assert type(refused) is TransientError and refused.reason.startswith("network: ")


async def test_the_token_never_appears_in_a_reason(
    fake_slack: FakeSlack, transport: SlackTransport, config: Config
) -> None:
    answers = [
        Response.rate_limited(2),
        Response.server_error(),
        Response.error("invalid_auth"),
        Response.error("not_in_channel"),
        Response.error("channel_not_found"),
        Response.error("missing_scope", needed="chat:write", provided=TOKEN),
        Response.error(f"weird_{TOKEN}"),  # a server that echoes it back
        Response(status=400, text=f"bad request for {TOKEN}", content_type="text/plain"),
        Response.disconnect(),
    ]
    fake_slack.script("chat.postMessage", *answers)
    errors = [await deliver_error(transport) for _ in answers]
    # A client whose base URL itself holds the token (a misconfigured SLACK_API_URL).
    closed = FakeSlack()
    await closed.start()
    leaky_url = f"{closed.root}/{TOKEN}/api/"
    await closed.stop()
    leaky = SlackTransport(make_client(TOKEN, base_url=leaky_url), config)
    errors.append(await deliver_error(leaky))

    assert len(errors) == len(answers) + 1
    for error in errors:
        for text in (error.reason, str(error), repr(error)):
            assert TOKEN not in text
            assert "SeCrEt" not in text


# --- the client -------------------------------------------------------------------------------


async def test_make_client_has_no_retry_handlers_and_reads_slack_api_url(
    fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url.rstrip("/"))
    client = make_client(TOKEN)
    assert client.retry_handlers == []
    assert client.base_url == fake_slack.url
    assert make_client(TOKEN, base_url="http://127.0.0.1:1/x/").base_url == "http://127.0.0.1:1/x/"
    monkeypatch.delenv("SLACK_API_URL")
    assert make_client(TOKEN).base_url == "https://slack.com/api/"
    with pytest.raises(RuntimeError, match="SLACK_BOT_TOKEN"):
        make_client("")


async def test_check_token_ok(fake_slack: FakeSlack, client: AsyncWebClient) -> None:
    assert await check_token(client) == "UBOT"
    assert len(fake_slack.calls_to("auth.test")) == 1


async def test_check_token_failing() -> None:
    async with FakeSlack(token="xoxb-the-right-one") as fake:
        with pytest.raises(RuntimeError) as caught:
            await check_token(make_client(TOKEN, base_url=fake.url))
        assert str(caught.value) == "Slack rejected SLACK_BOT_TOKEN: invalid_auth"
        assert await check_token(make_client("xoxb-the-right-one", base_url=fake.url)) == "UBOT"
        fake.script("auth.test", Response.server_error())
        with pytest.raises(RuntimeError, match="could not check SLACK_BOT_TOKEN: HTTP 503"):
            await check_token(make_client("xoxb-the-right-one", base_url=fake.url))
        fake.script("auth.test", Response.error("account_inactive"))
        with pytest.raises(RuntimeError) as inactive:
            await check_token(make_client(TOKEN, base_url=fake.url))
        assert str(inactive.value) == "Slack rejected SLACK_BOT_TOKEN: account_inactive"
        assert TOKEN not in str(inactive.value)


# --- through the outbox worker ----------------------------------------------------------------


class VirtualTime:
    """The worker's monotonic clock and sleep, moving the wall clock along."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.clock.advance(timedelta(seconds=seconds))


def render(r: OutRow) -> Reply | None:
    if r.kind in ("card", "card_update"):
        return card(r.payload["state"])
    return Reply(text=r.payload["text"], ephemeral=False)


def enqueue(db: Database, clock: FakeClock, key: str, kind: str, **payload: str) -> None:
    with db.engine.begin() as conn:
        ob.enqueue(
            conn,
            key=key,
            platform="slack",
            destination=CHANNEL,
            kind=kind,
            payload=payload,
            now=clock.now(),
            ref_key="case:42",
        )


def make_worker(
    db: Database, clock: FakeClock, transport: SlackTransport, vt: VirtualTime
) -> OutboxWorker:
    return OutboxWorker(
        db,
        clock,
        {"slack": transport},
        render,
        rates={"slack": (50, timedelta(seconds=1))},
        backoff=timedelta(seconds=2),
        monotonic=vt.monotonic,
        sleep=vt.sleep,
        send_timeout=5,
    )


def rows_by_key(db: Database) -> dict[str, OutRow]:
    with db.engine.connect() as conn:
        return {r.key: r for r in ob.listing(conn, ob.STATUSES, 100)}


async def test_worker_retries_429_then_503_and_delivers_once_in_order(
    fake_slack: FakeSlack, transport: SlackTransport, db: Database, clock: FakeClock
) -> None:
    vt = VirtualTime(clock)
    worker = make_worker(db, clock, transport, vt)
    enqueue(db, clock, "a", "alert", text="first: ACME is 45 days overdue")
    enqueue(db, clock, "b", "alert", text="second: Northwind promised ¥20,000")
    fake_slack.script("chat.postMessage", Response.rate_limited(retry_after=3))
    fake_slack.script("chat.postMessage", Response.server_error(503))

    sent_per_second = []
    for _ in range(8):
        sent_per_second.append(await worker.run_once())
        vt.advance(1)

    posts = [c.body["text"] for c in fake_slack.calls_to("chat.postMessage")]
    first, second = "first: ACME is 45 days overdue", "second: Northwind promised ¥20,000"
    assert posts == [first, first, first, second]  # 429, 503, ok; b waited behind a
    # 429 at 0 s (Retry-After 3), 503 at 3 s (backoff 2 s), both sent at 5 s.
    assert sent_per_second == [0, 0, 0, 0, 0, 2, 0, 0]
    assert [m["text"] for m in fake_slack.messages[CHANNEL]] == [first, second]

    found = rows_by_key(db)
    assert found["a"].status == ob.SENT and found["b"].status == ob.SENT
    assert found["a"].attempts == 1  # the 429 is not a failed attempt, the 503 is
    assert [found["a"].message_ref, found["b"].message_ref] == [
        m["ts"] for m in fake_slack.messages[CHANNEL]
    ]


async def test_worker_edits_the_card_and_threads_under_it(
    fake_slack: FakeSlack,
    transport: SlackTransport,
    db: Database,
    clock: FakeClock,
    config: Config,
) -> None:
    vt = VirtualTime(clock)
    worker = make_worker(db, clock, transport, vt)
    enqueue(db, clock, "card", "card", state="waiting")
    enqueue(db, clock, "esc", "escalation", text="wang.wei: sales is late")
    enqueue(db, clock, "upd1", "card_update", state="escalated")
    enqueue(db, clock, "upd2", "card_update", state="sales answered")
    fake_slack.script("chat.update", Response.rate_limited(retry_after=1))

    for _ in range(4):
        await worker.run_once()
        vt.advance(1)

    found = rows_by_key(db)
    assert {k: r.status for k, r in found.items()} == {
        "card": ob.SENT,
        "esc": ob.SENT,
        "upd1": ob.SUPERSEDED,
        "upd2": ob.SENT,
    }
    card_ts = found["card"].message_ref
    assert card_ts is not None and found["upd2"].message_ref == card_ts
    (_, post_esc) = fake_slack.calls_to("chat.postMessage")
    assert post_esc.body["thread_ts"] == card_ts
    updates = fake_slack.calls_to("chat.update")
    assert [c.body["ts"] for c in updates] == [card_ts, card_ts]  # 429, then the edit
    message = fake_slack.message(CHANNEL, card_ts)
    assert message is not None and message["updates"] == 1
    assert message["blocks"] == blocks_for(card("sales answered"), config, locale="en")
    assert [m["ts"] for m in fake_slack.thread(CHANNEL, card_ts)] == [found["esc"].message_ref]


# --- files ---------------------------------------------------------------------------------


async def test_an_attachment_goes_up_with_the_files_api_before_the_message(
    fake_slack: FakeSlack, transport: SlackTransport, tmp_path: Path
) -> None:
    export = tmp_path / "aging-2026-03-16.csv"
    export.write_text("customer,amount\nNorthwind,1500.00\n", encoding="utf-8")
    reply = Reply(text="The aging report", attachments=(str(export),), ephemeral=False)
    ts = await transport.deliver(row(kind="note"), reply, update_ref=None, thread_ref="111.1")
    [upload] = [u for u in fake_slack.uploads.values() if u["completed"]]
    assert upload["filename"] == "aging-2026-03-16.csv"
    assert upload["data"] == export.read_bytes()
    assert upload["channel"] == CHANNEL and upload["thread_ts"] == "111.1"
    methods = [c.method for c in fake_slack.calls]
    assert methods.index("files.completeUploadExternal") < methods.index("chat.postMessage")
    assert ts is not None


async def test_a_missing_attachment_is_parked_and_nothing_is_posted(
    fake_slack: FakeSlack, transport: SlackTransport, tmp_path: Path
) -> None:
    reply = Reply(text="x", attachments=(str(tmp_path / "gone.csv"),), ephemeral=False)
    with pytest.raises(PermanentError, match=r"gone\.csv is missing"):
        await transport.deliver(row(kind="note"), reply, update_ref=None, thread_ref=None)
    assert fake_slack.calls_to("chat.postMessage") == []

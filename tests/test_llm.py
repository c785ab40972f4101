"""playbook.llm against a fake OpenAI-compatible server on 127.0.0.1 (no real network)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest

from playbook.llm import (
    SHAREABLE,
    LlmRequest,
    LlmResult,
    LlmSettings,
    adapt,
    build_messages,
    clean_answer,
    describe,
    endpoint,
    load_settings,
)

KEY = "sk-test-Sup3rSecretKey-42"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> dict[str, Any]:
        return json.loads(self.raw)

    @property
    def text(self) -> str:
        """What left the process: request line, headers and body (not Host: its random port
        could contain a figure looked for)."""
        head = "\n".join(f"{k}: {v}" for k, v in self.headers.items() if k != "host")
        return f"{self.method} {self.path}\n{head}\n{self.raw.decode('utf-8')}"


@dataclass
class FakeLlm:
    """A minimal HTTP/1.1 server speaking just enough of /v1/chat/completions."""

    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    status: int = 200
    payload: bytes = b""
    delay: float = 0.0
    hang_up: bool = False  # close the connection without answering
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def answer(self, content: Any, finish_reason: str = "stop") -> None:
        self.reply(
            200,
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": finish_reason,
                    }
                ],
            },
        )

    def reply(self, status: int, body: Any) -> None:
        self.status = status
        self.payload = body if isinstance(body, bytes) else json.dumps(body).encode()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            method, path, _ = (await reader.readline()).decode("latin-1").split(" ", 2)
            headers: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, value = line.decode("latin-1").split(":", 1)
                headers[name.strip().lower()] = value.strip()
            raw = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(Recorded(method, path, headers, raw))
            if self.delay:  # a slow model; cut short when the test ends
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), self.delay)
            if self.hang_up:
                return
            head = (
                f"HTTP/1.1 {self.status} Fake\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(self.payload)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + self.payload)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            self.tasks.discard(task)


@pytest.fixture
async def fake() -> AsyncIterator[FakeLlm]:
    server_state = FakeLlm()
    server = await asyncio.start_server(server_state.handle, "127.0.0.1", 0)
    server_state.port = server.sockets[0].getsockname()[1]
    try:
        yield server_state
    finally:
        server.close()
        server_state.stop.set()  # a handler still waiting to send a slow answer
        await asyncio.gather(*server_state.tasks, return_exceptions=True)
        await server.wait_closed()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # trust_env=False: a proxy set in the environment must not see loopback test traffic.
    async with httpx.AsyncClient(trust_env=False) as c:
        yield c


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings(url: str, **kwargs: Any) -> LlmSettings:
    kwargs.setdefault("model", "qwen2.5-14b-instruct")
    kwargs.setdefault("api_key", KEY)
    kwargs.setdefault("timeout", 5.0)
    return LlmSettings(url=url, **kwargs)


def request(**kwargs: Any) -> LlmRequest:
    base: dict[str, Any] = {
        "locale": "en",
        "template": (
            "Hi Wang Wei, could we square the ¥12,000.00 + $300.00 today? The invoice is 45 days "
            "past due, and settling it lets the next shipment go out on time."
        ),
        "tone": "empathetic: acknowledge the difficulty, then anchor one action",
        "technique": "emotion first aid",
        "customer_name": "Wang Wei",
        "amounts": "¥12,000.00 + $300.00",
        "days": 45,
        "stage": "firm reminder",
        "excuse": "finance is travelling",
        "conversation": (
            "Tom: called Wang Wei, he says the finance manager is away",
            "Wang Wei (customer): we will pay the ¥12,000.00 next week",
        ),
        "rules": ("Ask for the full amount first.", "Never threaten."),
    }
    base.update(kwargs)
    return LlmRequest(**base)


def all_text(messages: list[dict[str, str]]) -> str:
    return "\n".join(m["content"] for m in messages)


# --- the normal path ----------------------------------------------------------------------


async def test_normal_answer(fake: FakeLlm, client: httpx.AsyncClient) -> None:
    fake.answer("  Hi Wang Wei, could we settle the ¥12,000.00 + $300.00 this week?  \n")
    result = await adapt(settings(fake.url), request(), client=client)

    assert result == LlmResult(
        text="Hi Wang Wei, could we settle the ¥12,000.00 + $300.00 this week?",
        reason=None,
        elapsed=result.elapsed,
    )
    assert result.ok and 0 < result.elapsed < 5
    [sent] = fake.requests
    assert sent.method == "POST"
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["content-type"] == "application/json"
    body = sent.body
    assert body["model"] == "qwen2.5-14b-instruct"
    assert body["temperature"] == 0.4
    assert body["max_tokens"] == 400
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"] == build_messages(request(), settings(fake.url).send)
    system = body["messages"][0]["content"]
    assert "Ask for the full amount first." in system and "Never threaten." in system
    assert "emotion first aid" in system and "empathetic" in system
    assert "English" in system and "120 words" in system


async def test_no_key_no_authorization_header_and_own_client(
    fake: FakeLlm, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    fake.answer("Hello")
    for key in (None, ""):
        result = await adapt(settings(fake.url, api_key=key), request())  # no client given
        assert result.text == "Hello", result.reason
    assert len(fake.requests) == 2
    assert all("authorization" not in r.headers for r in fake.requests)


@pytest.mark.parametrize("suffix", ["/v1", "/v1/", "", "/", "/v1/chat/completions"])
async def test_url_with_or_without_v1(
    fake: FakeLlm, client: httpx.AsyncClient, suffix: str
) -> None:
    fake.answer("ok")
    url = f"http://127.0.0.1:{fake.port}{suffix}"
    result = await adapt(settings(url), request(), client=client)
    assert result.text == "ok"
    assert fake.requests[0].path == "/v1/chat/completions"


def test_endpoint() -> None:
    assert endpoint("http://h:8000/v1") == "http://h:8000/v1/chat/completions"
    assert endpoint("http://h:8000") == "http://h:8000/v1/chat/completions"
    assert endpoint("https://h/openai/v1/") == "https://h/openai/v1/chat/completions"
    assert endpoint("https://h/x/chat/completions?v=1") == "https://h/x/chat/completions?v=1"


# --- failures become reasons --------------------------------------------------------------


async def test_slow_answer_times_out(fake: FakeLlm, client: httpx.AsyncClient) -> None:
    fake.delay = 2.0
    fake.answer("too late")
    started = time.monotonic()
    result = await adapt(settings(fake.url, timeout=0.3), request(), client=client)
    wall = time.monotonic() - started

    assert result.text is None
    assert result.reason == "timeout after 0.3s"
    assert 0.25 < result.elapsed < 1.0
    assert wall < 1.0


async def test_slow_answer_times_out_with_own_client(fake: FakeLlm) -> None:
    fake.delay = 2.0
    started = time.monotonic()
    result = await adapt(settings(fake.url, timeout=0.3), request())
    assert result.reason == "timeout after 0.3s"
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (500, "HTTP 500"),
        (503, "HTTP 503"),
        (401, "HTTP 401 (check LLM_API_KEY)"),
        (404, "HTTP 404 (check url and model)"),
        (429, "HTTP 429 (rate limited)"),
    ],
)
async def test_http_error(
    fake: FakeLlm, client: httpx.AsyncClient, status: int, reason: str
) -> None:
    fake.reply(status, {"error": {"message": f"bad key {KEY}"}})
    result = await adapt(settings(fake.url), request(), client=client)
    assert (result.text, result.reason) == (None, reason)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"<html>not json</html>", "bad JSON"),
        (b'{"choices": [', "bad JSON"),
        (b"\xff\xfe", "bad JSON"),
        (b"[1, 2]", "unexpected answer shape"),
        (b'{"object": "chat.completion"}', "unexpected answer shape"),
        (b'{"choices": [42]}', "unexpected answer shape"),
        (b'{"error": {"message": "overloaded"}}', "error in answer"),
        (b'{"choices": []}', "empty answer (no choices)"),
        (b'{"choices": [{"message": {"role": "assistant"}}]}', "empty answer"),
        (b'{"choices": [{"message": {"content": null}}]}', "empty answer"),
        (b'{"choices": [{"message": {"content": "   "}}]}', "empty answer"),
        (b'{"choices": [{"message": {"content": "```\\n```"}}]}', "empty answer"),
        (
            b'{"choices": [{"message": {"content": "Hi, could we"}, "finish_reason": "length"}]}',
            "answer cut off (max_tokens)",
        ),
    ],
)
async def test_bad_answers(
    fake: FakeLlm, client: httpx.AsyncClient, payload: bytes, reason: str
) -> None:
    fake.reply(200, payload)
    result = await adapt(settings(fake.url), request(), client=client)
    assert (result.text, result.reason) == (None, reason)


async def test_connection_refused(client: httpx.AsyncClient) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    result = await adapt(settings(url), request(), client=client)
    assert (result.text, result.reason) == (None, "connection refused")
    assert result.elapsed < 1.0


async def test_server_hangs_up(fake: FakeLlm, client: httpx.AsyncClient) -> None:
    fake.hang_up = True
    result = await adapt(settings(fake.url), request(), client=client)
    assert (result.text, result.reason) == (None, "connection closed by the server")


async def test_never_raises(fake: FakeLlm) -> None:
    closed = httpx.AsyncClient(trust_env=False)
    await closed.aclose()
    result = await adapt(settings(fake.url), request(), client=closed)
    assert result.text is None and result.reason == "unexpected error (RuntimeError)"

    result = await adapt(settings("not a url"), request())
    assert (result.text, result.reason) == (None, "invalid url")
    assert fake.requests == []


async def test_too_long_and_unfilled_placeholder(fake: FakeLlm, client: httpx.AsyncClient) -> None:
    fake.answer("word " * 300)
    result = await adapt(settings(fake.url), request(), client=client)
    assert result.reason == "answer too long"

    fake.answer("Dear [customer], please pay.")
    result = await adapt(settings(fake.url), request(customer_name=None), client=client)
    assert (result.text, result.reason) == (None, "unfilled placeholder [customer]")


# --- what leaves the process --------------------------------------------------------------


async def test_send_respected_and_placeholders_restored(
    fake: FakeLlm, client: httpx.AsyncClient
) -> None:
    fake.answer("Hi [customer], could we close the [amount] (of which [amount 1] first) today?")
    only = ("stage", "excuse")
    result = await adapt(settings(fake.url, send=only), request(), client=client)

    assert result.text == (
        "Hi Wang Wei, could we close the ¥12,000.00 + $300.00 (of which ¥12,000.00 first) today?"
    )
    [sent] = fake.requests
    everything = sent.text
    for secret in ("Wang Wei", "wang wei", "12,000", "12000", "300.00", "45"):
        assert secret.lower() not in everything.lower(), secret
    user = sent.body["messages"][1]["content"]
    assert "Hi [customer], could we square the [amount] today?" in user
    assert "[days] days past due" in user
    assert "finance manager is away" not in everything  # conversation not allowed
    assert "firm reminder" in user and "finance is travelling" in user


async def test_everything_allowed(fake: FakeLlm, client: httpx.AsyncClient) -> None:
    fake.answer("fine")
    await adapt(settings(fake.url, send=SHAREABLE), request(), client=client)
    user = fake.requests[0].body["messages"][1]["content"]
    assert "Customer: Wang Wei" in user
    assert "Amount overdue: ¥12,000.00 + $300.00" in user
    assert "Days past due: 45" in user
    assert "> Tom: called Wang Wei, he says the finance manager is away" in user
    assert "Hi Wang Wei, could we square the ¥12,000.00 + $300.00 today?" in user


async def test_conversation_redacted_when_sent_without_name(
    fake: FakeLlm, client: httpx.AsyncClient
) -> None:
    fake.answer("fine")
    send = ("conversation", "stage")
    await adapt(settings(fake.url, send=send), request(), client=client)
    sent = fake.requests[0]
    assert "Wang Wei" not in sent.text and "12,000" not in sent.text
    user = sent.body["messages"][1]["content"]
    assert "> Tom: called [customer], he says the finance manager is away" in user
    assert "> [customer] (customer): we will pay the [amount 1] next week" in user


async def test_chinese(fake: FakeLlm, client: httpx.AsyncClient) -> None:
    fake.answer("```\n[客户]您好，[金额]已逾期[天数]天，今天能先确认付款日期吗？\n```")
    req = request(
        locale="zh-CN",
        template="王伟总您好，¥12,000.00 已逾期45天，我们两分钟对一下账？",
        customer_name="王伟",
        amounts="¥12,000.00",
        conversation=("王伟：财务出差了",),
    )
    result = await adapt(settings(fake.url, send=("stage",)), req, client=client)
    assert result.text == "王伟您好，¥12,000.00已逾期45天，今天能先确认付款日期吗？"
    sent = fake.requests[0]
    assert "王伟" not in sent.text and "12,000" not in sent.text and "45" not in sent.text
    system, user = (m["content"] for m in sent.body["messages"])
    assert "[客户]总您好，[金额] 已逾期[天数]天" in user
    assert "Simplified Chinese" in system and "简体中文" in system and "200" in system


def test_build_messages_fields_not_sent_are_absent() -> None:
    req = request(stage="legal review pending", excuse="quality problem with batch 7")
    messages = build_messages(req, ())
    text = all_text(messages)
    for value in ("Wang Wei", "12,000", "300.00", "45", "legal review", "batch 7", "finance man"):
        assert value not in text, value
    assert "Ask for the full amount first." in text  # the rules always go


def test_name_replacement_keeps_other_words() -> None:
    req = request(template="Hi Li, the delivery list is attached.", customer_name="Li")
    user = build_messages(req, ("stage",))[1]["content"]
    assert "Hi [customer], the delivery list is attached." in user


# --- the key ------------------------------------------------------------------------------


async def test_key_never_in_reasons_or_describe(fake: FakeLlm, client: httpx.AsyncClient) -> None:
    reasons: list[str | None] = []
    for status in (401, 500):
        fake.reply(status, {"error": f"invalid key {KEY}"})
        reasons.append((await adapt(settings(fake.url), request(), client=client)).reason)
    fake.reply(200, f"not json {KEY}".encode())
    reasons.append((await adapt(settings(fake.url), request(), client=client)).reason)
    fake.delay = 2.0
    reasons.append((await adapt(settings(fake.url, timeout=0.2), request(), client=client)).reason)
    refused = f"http://127.0.0.1:{closed_port()}/v1?api-key={KEY}"
    reasons.append((await adapt(settings(refused), request(), client=client)).reason)
    reasons.append((await adapt(settings(f"nope://{KEY}"), request(), client=client)).reason)

    assert all(reasons) and len(reasons) == 6
    for reason in reasons:
        assert reason is not None
        assert KEY not in reason and "api-key" not in reason and "127.0.0.1" not in reason

    s = settings(f"http://user:{KEY}@127.0.0.1:8000/v1?api-key={KEY}")
    line = describe(s)
    assert KEY not in line and KEY not in repr(s) and KEY not in str(s)
    assert "http://127.0.0.1:8000/v1/chat/completions" in line
    assert "key set" in line and "qwen2.5-14b-instruct" in line
    assert "no key" in describe(settings("http://h/v1", api_key=None))


# --- settings and cleaning ----------------------------------------------------------------


def test_settings_validation_and_loading() -> None:
    with pytest.raises(ValueError, match=r"unknown field.*phone.*known: customer_name"):
        LlmSettings(url="http://h/v1", model="m", send=("amounts", "phone"))
    with pytest.raises(ValueError, match="timeout"):
        LlmSettings(url="http://h/v1", model="m", timeout=0)
    loaded = load_settings(
        "http://h/v1",
        "m",
        timeout=timedelta(seconds=3),
        send=["amounts"],
        env={"LLM_API_KEY": KEY},
    )
    assert loaded == LlmSettings("http://h/v1", "m", KEY, 3.0, ("amounts",))
    assert load_settings("http://h/v1", "m", env={"LLM_API_KEY": ""}).api_key is None


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("```\nHello there.\n```", "Hello there."),
        ("```text\nHello there.\n```", "Hello there."),
        ('"Hello there."', "Hello there."),
        ("“您好，请确认付款日期。”", "您好，请确认付款日期。"),
        ("「您好」", "您好"),
        ("<think>the user wants...</think>\n\nHello there.", "Hello there."),
        ('Sure! Here\'s the adapted message:\n\n"Hello there."', "Hello there."),
        ("Here is the message:\n```\nHello there.\n```", "Hello there."),
        ("以下是调整后的消息：\n您好。", "您好。"),
        ("Message: Hello there.", "Hello there."),
        (
            'He said "next week" - could we fix a date?',
            'He said "next week" - could we fix a date?',
        ),
        ('"Next week" you said; "today" works too?', '"Next week" you said; "today" works too?'),
        ("Here is what we agreed: pay on Friday.", "Here is what we agreed: pay on Friday."),
    ],
)
def test_clean_answer(raw: str, clean: str) -> None:
    assert clean_answer(raw) == clean


async def test_code_fences_stripped_end_to_end(fake: FakeLlm, client: httpx.AsyncClient) -> None:
    fake.answer('```markdown\n"Hi Wang Wei, shall we settle [amount] today?"\n```')
    result = await adapt(settings(fake.url, send=("customer_name",)), request(), client=client)
    assert result.text == "Hi Wang Wei, shall we settle ¥12,000.00 + $300.00 today?"

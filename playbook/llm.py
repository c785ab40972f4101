"""Optional language model: adapt a template suggestion to the case, over an OpenAI-compatible API.

The bot always has a template suggestion; the model only rewords it for the case and the
conversation so far, under the playbook's rules (given in the system prompt). `adapt` never
raises to the caller: every failure (timeout, connection error, HTTP error, bad JSON, an empty
or cut-off answer) comes back as an `LlmResult` with `text=None` and a short `reason`, and the
bot falls back to the template. The caller still runs the answer through the compliance lint.

What leaves the process is configurable (`LlmSettings.send`, a subset of `SHAREABLE`). A field
that is not allowed appears nowhere in the request: the customer's name, the amounts and the
days past due are replaced in every text sent (template, conversation, ...) by neutral
placeholders ("[customer]", "[amount]", "[days]"; "[客户]", "[金额]", "[天数]" in Chinese), and
the real values are put back into the model's answer. The replacement catches the name as given
(case-insensitive), each amount as given or as its bare number, and the day count before a
"day(s)"/"天"/"日"; a paraphrase ("Mr. Wang" for "Wang Wei", "twelve thousand") is not caught,
so what the template and the conversation may contain is the caller's business too.

The API key is sent as a bearer token only when set, and never appears in a reason, in
`describe()`, or in the settings' repr.

The endpoint URL: give the API base, with or without the trailing "/v1"
(``http://127.0.0.1:8000/v1`` and ``http://127.0.0.1:8000`` both post to
``http://127.0.0.1:8000/v1/chat/completions``); a URL that already ends in
"/chat/completions" is used as it is. See `endpoint`.
"""

from __future__ import annotations

import asyncio
import errno
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx

from playbook.llm_prompt import _is_zh, _prepare, _Redactor
from playbook.llm_prompt import build_messages as build_messages
from playbook.llm_settings import (
    _KIND,
    _MAX_BODY,
    _PLACEHOLDER_ANSWER,
    _REFUSE_CHARS_ZH,
    _REFUSE_WORDS,
    MAX_TOKENS,
    TEMPERATURE,
    LlmRequest,
    LlmResult,
    LlmSettings,
    endpoint,
)
from playbook.llm_settings import SHAREABLE as SHAREABLE
from playbook.llm_settings import describe as describe
from playbook.llm_settings import load_settings as load_settings

# --- the answer ---------------------------------------------------------------------------

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"^```[\w-]*[ \t]*\n?(.*?)\n?```$", re.DOTALL)
_PREAMBLE = re.compile(
    r"^(?:(?:sure|certainly|of course|okay|ok|here(?:'s| is| are))\b[^\n]*|好的[^\n]*|以下是[^\n]*)"
    r"[:：][ \t]*\n+"
    r"|^(?:(?:adapted |suggested )?message|消息|回复)[:：][ \t]*",
    re.IGNORECASE,
)

_QUOTES = [('"', '"'), ("“", "”"), ("'", "'"), ("「", "」"), ("『", "』"), ("‘", "’")]


def clean_answer(text: str) -> str:
    """The message text alone: no reasoning block, code fence, preamble or wrapping quotes."""
    text = _THINK.sub("", text).strip()
    if text.lower().startswith("<think>"):  # an unclosed reasoning block: nothing usable
        return ""
    for _ in range(3):
        before = text
        fence = _FENCE.match(text)
        if fence:
            text = fence.group(1).strip()
        text = _PREAMBLE.sub("", text, count=1).strip()
        for left, right in _QUOTES:
            inner = text[len(left) : -len(right)]
            if (
                len(text) > len(left) + len(right)
                and text.startswith(left)
                and text.endswith(right)
                and left not in inner
                and right not in inner
            ):
                text = inner.strip()
        if text == before:
            break
    return text


def _restore(text: str, redact: _Redactor) -> tuple[str, str | None]:
    """Puts the real values back for the placeholders; names an unknown one."""
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        kind = _KIND[match.group(1).lower()]
        value = redact.values.get((kind, match.group(2))) or redact.values.get((kind, ""))
        if value is None:
            missing.append(match.group(0))
            return match.group(0)
        return value

    restored = _PLACEHOLDER_ANSWER.sub(fill, text)
    return restored, (f"unfilled placeholder {missing[0]}" if missing else None)


def _too_long(text: str, locale: str) -> bool:
    if _is_zh(locale):
        return len(re.sub(r"\s", "", text)) > _REFUSE_CHARS_ZH
    return len(text.split()) > _REFUSE_WORDS


def _answer(body: Any) -> tuple[str | None, str | None]:
    """The content of the first choice, or why there is none."""
    if not isinstance(body, dict):
        return None, "unexpected answer shape"
    if "error" in body and "choices" not in body:
        return None, "error in answer"
    choices = body.get("choices")
    if not isinstance(choices, list):
        return None, "unexpected answer shape"
    if not choices:
        return None, "empty answer (no choices)"
    first = choices[0]
    if not isinstance(first, dict):
        return None, "unexpected answer shape"
    message = first.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if content is None and isinstance(first.get("text"), str):  # completions-style servers
        content = first["text"]
    if isinstance(content, list):  # content parts
        content = "".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    if not isinstance(content, str):
        return None, "empty answer"
    if first.get("finish_reason") == "length":
        return None, "answer cut off (max_tokens)"
    return content, None


# --- errors -------------------------------------------------------------------------------


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                todo.append(linked)


def _connect_reason(exc: BaseException) -> str:
    for current in _chain(exc):
        if isinstance(current, ConnectionRefusedError) or (
            isinstance(current, OSError) and current.errno == errno.ECONNREFUSED
        ):
            return "connection refused"
        text = str(current).lower()
        if "refused" in text:
            return "connection refused"
        if "name or service not known" in text or "nodename nor servname" in text:
            return "unknown host"
        if "certificate" in text or "ssl" in text:
            return "TLS error"
        if "unreachable" in text:
            return "network unreachable"
    return "cannot connect"


def _reason(exc: BaseException, settings: LlmSettings) -> str:
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return f"timeout after {settings.timeout:g}s"
    if isinstance(exc, httpx.ConnectError):
        return _connect_reason(exc)
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection closed by the server"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "invalid url"
    if isinstance(exc, httpx.LocalProtocolError):
        return "invalid request (check url and key)"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, httpx.NetworkError | OSError):
        return "network error"
    # Only the type: an exception's text may carry the URL or a header.
    return f"unexpected error ({type(exc).__name__})"


def _status_reason(status: int) -> str:
    hint = {401: " (check LLM_API_KEY)", 403: " (check LLM_API_KEY)", 404: " (check url and model)"}
    if status == 429:
        return "HTTP 429 (rate limited)"
    if 300 <= status < 400:
        return f"HTTP {status} (redirect not followed; check url)"
    return f"HTTP {status}{hint.get(status, '')}"


def _scrub(reason: str, settings: LlmSettings) -> str:
    """A reason is short and never carries the key (belt and braces)."""
    if settings.api_key:
        reason = reason.replace(settings.api_key, "***")
    return reason[:120]


# --- the call -----------------------------------------------------------------------------


async def _post(
    client: httpx.AsyncClient, settings: LlmSettings, payload: dict[str, Any]
) -> httpx.Response:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if settings.api_key:
        headers["Authorization"] = f"Bearer {settings.api_key}"
    return await client.post(
        endpoint(settings.url),
        content=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers=headers,
        timeout=settings.timeout,
    )


async def complete(
    settings: LlmSettings,
    messages: list[dict[str, str]],
    *,
    temperature: float,
    max_tokens: int,
    client: httpx.AsyncClient | None,
) -> tuple[str | None, str | None]:
    """One chat completion: the answer's content, or None and why. The answer is hostile
    input: its size, JSON and shape are checked here, its content by the caller."""
    payload = {
        "model": settings.model,
        "messages": messages,
        "temperature": temperature,
        "max_tokens": max_tokens,
    }
    if client is None:
        async with httpx.AsyncClient(timeout=settings.timeout) as own:
            response = await _post(own, settings, payload)
    else:
        response = await _post(client, settings, payload)
    if not response.is_success:
        return None, _status_reason(response.status_code)
    if len(response.content) > _MAX_BODY:
        return None, "answer too long"
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None, "bad JSON"
    return _answer(body)


async def _call(
    settings: LlmSettings, request: LlmRequest, client: httpx.AsyncClient | None
) -> tuple[str | None, str | None]:
    messages, redact = _prepare(request, settings.send)
    content, reason = await complete(
        settings, messages, temperature=TEMPERATURE, max_tokens=MAX_TOKENS, client=client
    )
    if content is None:
        return None, reason
    text = clean_answer(content)
    if not text:
        return None, "empty answer"
    text, reason = _restore(text, redact)
    if reason:
        return None, reason
    if _too_long(text, request.locale):
        return None, "answer too long"
    return text, None


async def adapt(
    settings: LlmSettings, request: LlmRequest, *, client: httpx.AsyncClient | None = None
) -> LlmResult:
    """Asks the model to adapt the template; never raises (but lets a cancellation through).

    The whole call, connection included, is bounded by `settings.timeout`. With no `client`,
    one is made for the call and closed after it.
    """
    started = time.monotonic()
    try:
        text, reason = await asyncio.wait_for(
            _call(settings, request, client), timeout=settings.timeout
        )
    except Exception as exc:  # everything becomes a reason: the bot falls back to the template
        text, reason = None, _reason(exc, settings)
    elapsed = time.monotonic() - started
    return LlmResult(
        text=text,
        reason=None if reason is None else _scrub(reason, settings),
        elapsed=elapsed,
    )

"""Retries for what a user is waiting on: slack_sdk's own retry handlers, bounded.

The bolt app's client (mention replies, button answers, views.open, ephemeral posts) and the
response_url client retry an HTTP 429 after its Retry-After, and a dropped or refused
connection once, so one busy second at Slack is not "Sorry, something went wrong". The
outbox has its own client without these: it retries through its rows.

A 429 asking for a longer wait than `max_wait` is not retried here: the user would be gone,
and the answer's failure is then told to them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

Sleep = Callable[[float], Awaitable[Any]]

MAX_WAIT = 10.0  # seconds a user may wait for one retried call


def _retry_after(headers: Mapping[str, Any] | None) -> float | None:
    """Retry-After in seconds (slack_sdk hands headers over as lists of values)."""
    for name, value in (headers or {}).items():
        if name.lower() != "retry-after":
            continue
        first = value[0] if isinstance(value, list | tuple) and value else value
        try:
            seconds = float(first)
        except (TypeError, ValueError):
            return None
        return seconds if seconds >= 0 else None
    return None


class BoundedRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler that waits Retry-After (1 s without one), at most `max_wait`."""

    def __init__(
        self, max_retry_count: int = 2, *, max_wait: float = MAX_WAIT, sleep: Sleep | None = None
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait
        self._sleep = sleep or asyncio.sleep

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        ):
            return False
        assert response is not None  # a 429 is a response
        wait = _retry_after(response.headers)
        return (1.0 if wait is None else wait) <= self.max_wait

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = _retry_after(response.headers if response is not None else None)
        state.next_attempt_requested = True
        await self._sleep(1.0 if wait is None else wait)
        state.increment_current_attempt()


class ConnectionRetry(AsyncConnectionErrorRetryHandler):
    """slack_sdk's handler for a refused, reset or dropped connection (its backoff)."""

    def __init__(self, max_retry_count: int = 1, *, sleep: Sleep | None = None) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep or asyncio.sleep

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        await self._sleep(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
        state.increment_current_attempt()


def interactive_retry_handlers(sleep: Sleep | None = None) -> list[AsyncRetryHandler]:
    """429 (twice, after Retry-After) and a lost connection (once, after a short backoff).

    `sleep`: how to wait (tests record the waits instead of sleeping).
    """
    return [BoundedRateLimitRetry(sleep=sleep), ConnectionRetry(sleep=sleep)]

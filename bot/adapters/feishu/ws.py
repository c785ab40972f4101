"""Feishu's long connection (长连接, the WebSocket event client): events and card actions
without a public address. Interface fixed for the plugin; the body lands with the fake."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

# The decoded event JSON (schema 2.0: im.message.receive_v1, card.action.trigger) → the
# answer for a card action (its response body), None for an event.
OnEvent = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]


class LongConnectionStopped(RuntimeError):
    """The connection ended for good (credentials refused, app disabled): one line, no secret."""


class FeishuLongConnection:
    def __init__(
        self,
        *,
        base_url: str,
        app_id: str,
        app_secret: str,
        on_event: OnEvent,
        client: httpx.AsyncClient,
        tuning: Mapping[str, float] | None = None,
    ) -> None:
        self._base_url = base_url
        self._app_id = app_id
        self._app_secret = app_secret
        self._on_event = on_event
        self._client = client
        self._tuning = dict(tuning or {})

    async def run(self) -> None:
        """Connect, receive, acknowledge; reconnect when the line drops; raise
        LongConnectionStopped when no retry can help."""
        raise NotImplementedError

    async def close(self) -> None:
        return None

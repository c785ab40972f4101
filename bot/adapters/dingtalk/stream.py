"""DingTalk Stream mode: robot messages and card callbacks over DingTalk's WebSocket gateway,
without a public address. Interface fixed for the plugin; the body lands with the fake."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

# A robot message's body (the same JSON the HTTP callback gets) → nothing (answers go through
# its sessionWebhook or the APIs).
OnMessage = Callable[[dict[str, Any]], Awaitable[None]]
# A card callback's data → the answer (e.g. the card's new data), None for none.
OnCard = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]


class StreamStopped(RuntimeError):
    """The connection ended for good (credentials refused): one line, no secret."""


class DingtalkStream:
    def __init__(
        self,
        *,
        base_url: str,
        app_key: str,
        app_secret: str,
        on_message: OnMessage,
        on_card: OnCard,
        client: httpx.AsyncClient,
        tuning: Mapping[str, float] | None = None,
    ) -> None:
        self._base_url = base_url
        self._app_key = app_key
        self._app_secret = app_secret
        self._on_message = on_message
        self._on_card = on_card
        self._client = client
        self._tuning = dict(tuning or {})

    async def run(self) -> None:
        """Open the connection (gateway/connections/open), receive, acknowledge; reconnect when
        it drops; raise StreamStopped when no retry can help."""
        raise NotImplementedError

    async def close(self) -> None:
        return None

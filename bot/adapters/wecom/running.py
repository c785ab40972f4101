"""WeCom as a running messenger: the smart robot's callback on the shared server, the
message-push robots and the optional app behind the outbox's transport."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import httpx

from bot.adapters.base import Capabilities, Messenger, Services, SetupError
from bot.adapters.wecom.api import App, ResponseUrl, Robot, base_url
from bot.adapters.wecom.callback import Callback
from bot.adapters.wecom.crypto import CryptoError, WecomCrypto
from bot.adapters.wecom.render import MARKDOWN_LIMIT
from bot.adapters.wecom.transport import WecomTransport

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

# A robot post cannot be edited or threaded; the smart robot's cards have buttons but no
# reliable free-text input, so a form shows the command to type. Markdown: 4096 bytes.
CAPABILITIES = Capabilities(
    edit=False,
    threads=False,
    direct_messages=False,
    buttons=True,
    forms="none",
    files=True,  # through the groups' robots (image, upload_media + file)
    user_groups=False,
    max_text=MARKDOWN_LIMIT,
    text_unit="bytes",
)
TIMEOUT = 10.0


class WecomRunning(Messenger):
    name = "wecom"
    capabilities = CAPABILITIES

    def __init__(self, services: Services) -> None:
        env = services.env
        token = env.get("WECOM_BOT_TOKEN", "").strip()
        if not token:
            raise SetupError("WECOM_BOT_TOKEN is not set (the smart robot's Token)")
        try:
            crypto = WecomCrypto(token, env.get("WECOM_BOT_AES_KEY", ""))
        except CryptoError as exc:
            raise SetupError(f"WECOM_BOT_AES_KEY: {exc}") from None
        # httpx logs every request URL at INFO; robot URLs carry their key in the query.
        httpx_log = logging.getLogger("httpx")
        httpx_log.setLevel(max(httpx_log.getEffectiveLevel(), logging.WARNING))
        self._client = httpx.AsyncClient(timeout=TIMEOUT)
        base = base_url(env)
        app = None
        corp, agent, secret = (
            env.get(v, "").strip() for v in ("WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_APP_SECRET")
        )
        if corp and agent and secret:
            clock = services.clock
            app = App(
                self._client,
                base,
                corp_id=corp,
                agent_id=agent,
                secret=secret,
                monotonic=lambda: clock.now().timestamp(),
            )
        self.app = app
        # Direct messages need the app; without it a DM row goes to the group with a mention.
        self.capabilities = replace(CAPABILITIES, direct_messages=app is not None)
        self._transport = WecomTransport(
            Robot(self._client, base), app, services.config, services.identities, env
        )
        self.callback = Callback(
            crypto,
            router=services.router,
            db=services.db,
            clock=services.clock,
            config=services.config,
            identities=services.identities,
            post=ResponseUrl(self._client).send,
            passive_wait=services.tuning.get("wecom.passive_wait", 2.0),
            robots=self._transport,
        )

    def routes(self) -> Sequence[BaseRoute]:
        from starlette.routing import Route

        return [Route("/wecom/callback", self.callback.endpoint, methods=["GET", "POST"])]

    def transport(self) -> WecomTransport:
        return self._transport

    async def stop(self) -> None:
        await self.callback.drain()
        await self._client.aclose()

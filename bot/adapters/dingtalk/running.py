"""DingTalk as a running messenger: the app robot (HTTP callback or Stream mode) with its
group, one-to-one and card APIs behind the outbox, or custom robots alone (mode robot)."""

from __future__ import annotations

import logging
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from bot.adapters.base import Capabilities, Messenger, Services, SetupError
from bot.adapters.dingtalk.api import Api, SessionWebhook, TokenRefused, base_url
from bot.adapters.dingtalk.callback import Callback
from bot.adapters.dingtalk.inbound import Inbound
from bot.adapters.dingtalk.render import MARKDOWN_LIMIT
from bot.adapters.dingtalk.robot import CustomRobots
from bot.adapters.dingtalk.transport import DingtalkTransport
from bot.adapters.dingtalk.webhooks import WebhookPolicy
from bot.kernel.clock import wall_clock
from bot.kernel.messages import DeliveryError

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

log = logging.getLogger(__name__)

# Interactive cards are updated in place (edit) and carry buttons; a StandardCard takes no
# reliable free-text input, so a button's form shows the command to type (forms "none").
APP_CAPABILITIES = Capabilities(
    edit=True,
    threads=False,
    direct_messages=True,
    buttons=True,
    forms="none",
    files=False,
    user_groups=False,
    max_text=MARKDOWN_LIMIT,
)
# Custom robots: markdown posts only.
ROBOT_CAPABILITIES = Capabilities(max_text=MARKDOWN_LIMIT)
TIMEOUT = 10.0


class DingtalkRunning(Messenger):
    name = "dingtalk"
    capabilities = APP_CAPABILITIES

    def __init__(self, services: Services) -> None:
        env = services.env
        config = services.config
        section = config.platforms.dingtalk
        self.mode = section.mode
        self._services = services
        # httpx logs request URLs at INFO: a sessionWebhook or robot URL holds its token.
        httpx_log = logging.getLogger("httpx")
        httpx_log.setLevel(max(httpx_log.getEffectiveLevel(), logging.WARNING))
        self._client = httpx.AsyncClient(timeout=TIMEOUT)
        self.base = base_url(env)
        robots = CustomRobots(self._client, config, env)
        # Sign windows, sessionWebhook expiry, token lifetimes and click dedup are real time.
        clock = wall_clock(services.clock)
        self.api: Api | None = None
        self.inbound: Inbound | None = None
        self.callback: Callback | None = None
        self._stream: Any = None
        if self.mode == "robot":
            self.capabilities = ROBOT_CAPABILITIES
            self._transport = DingtalkTransport(
                None, robots, config, services.identities, clock=clock.now
            )
            return
        self._key = env.get("DINGTALK_APP_KEY", "").strip()
        self._secret = env.get("DINGTALK_APP_SECRET", "").strip()
        if not self._key or not self._secret:
            raise SetupError("DINGTALK_APP_KEY and DINGTALK_APP_SECRET must be set")
        self.api = Api(
            self._client,
            self.base,
            app_key=self._key,
            app_secret=self._secret,
            robot_code=section.robot_code or self._key,
            clock=lambda: clock.now().timestamp(),
        )
        self._transport = DingtalkTransport(
            self.api,
            robots,
            config,
            services.identities,
            clock=clock.now,
        )
        self.inbound = Inbound(
            router=services.router,
            db=services.db,
            clock=clock,
            config=config,
            identities=services.identities,
            api=self.api,
            webhook=SessionWebhook(self._client),
            transport=self._transport,
            # DingTalk's hosts, the configured base (a proxy, a test's fake) and, when that
            # base is a loopback address, any loopback sessionWebhook (webhooks.py).
            webhook_policy=WebhookPolicy(self.base),
        )
        if self.mode == "http":
            self.callback = Callback(
                self.inbound,
                app_secret=self._secret,
                clock=clock,
                reply_wait=services.tuning.get("dingtalk.reply_wait", 3.0),
            )

    async def start(self) -> None:
        if self.api is None:
            return
        try:
            await self.api.access_token()
        except TokenRefused as exc:
            raise SetupError(exc.reason) from None
        except DeliveryError as exc:
            log.warning("dingtalk: no access token yet (%s); retrying when sending", exc.reason)

    def routes(self) -> Sequence[BaseRoute]:
        if self.callback is None:
            return ()
        from starlette.routing import Route

        return [Route("/dingtalk/callback", self.callback.endpoint, methods=["POST"])]

    def connection(self) -> Coroutine[Any, Any, None] | None:
        if self.mode != "stream" or self.inbound is None:
            return None
        from bot.adapters.dingtalk.stream import DingtalkStream

        self._stream = DingtalkStream(
            base_url=self.base,
            app_key=self._key,
            app_secret=self._secret,
            on_message=self.inbound.on_message,
            on_card=self.inbound.on_card,
            client=self._client,
            tuning=self._services.tuning,
        )
        return self._stream.run()

    def transport(self) -> DingtalkTransport:
        return self._transport

    async def stop(self) -> None:
        if self._stream is not None:
            await self._stream.close()
        if self.callback is not None:
            await self.callback.drain()
        await self._client.aclose()

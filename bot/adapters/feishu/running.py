"""Feishu as a running messenger: the app's bot (HTTP callback on the shared server, or the
long connection with no public address) and the outbox's transport; or, in `mode: robot`,
custom group robots alone (alerts and the digest, nothing comes in)."""

from __future__ import annotations

import logging
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from bot.adapters.base import Capabilities, Messenger, Services, SetupError
from bot.adapters.feishu.api import FeishuApi, FeishuError, base_url
from bot.adapters.feishu.callback import Callback
from bot.adapters.feishu.inbound import Inbound
from bot.adapters.feishu.robot import RobotSender
from bot.adapters.feishu.transport import FeishuTransport
from bot.kernel.clock import wall_clock
from bot.kernel.messages import DeliveryError

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

log = logging.getLogger(__name__)

# The app: cards edited in place (PATCH), replies in a card's thread, direct messages by
# user_id/open_id, buttons that call back, forms as a card with inputs in the clicked card's
# thread (bot.adapters.feishu.forms).
APP = Capabilities(
    edit=True,
    threads=True,
    direct_messages=True,
    buttons=True,
    forms="card",
    files=True,  # images and files uploaded through the app (im/v1/images, im/v1/files)
    user_groups=False,
    max_text=8000,
)
# A custom robot posts into its group and nothing more.
ROBOT = Capabilities(buttons=False, max_text=8000)
TIMEOUT = 10.0


class FeishuRunning(Messenger):
    name = "feishu"

    def __init__(self, services: Services) -> None:
        env = services.env
        config = services.config
        self.mode = config.platforms.feishu.mode
        # httpx logs request URLs at INFO; a robot's URL is its credential.
        httpx_log = logging.getLogger("httpx")
        httpx_log.setLevel(max(httpx_log.getEffectiveLevel(), logging.WARNING))
        self._client = httpx.AsyncClient(timeout=TIMEOUT)
        self._base = base_url(env)
        # Event ages, token lifetimes and the robot's signed timestamp are real time.
        clock = wall_clock(services.clock)
        now = lambda: clock.now().timestamp()  # noqa: E731
        self._services = services
        self._connection: Any = None
        robots = RobotSender(self._client, config, env, now)
        self.api: FeishuApi | None = None
        self._app_id = env.get("FEISHU_APP_ID", "").strip()
        self._app_secret = env.get("FEISHU_APP_SECRET", "").strip()
        if self.mode == "robot":
            self.capabilities = ROBOT
            self._transport = FeishuTransport(None, robots, config, services.identities)
            self.inbound: Inbound | None = None
            self.callback: Callback | None = None
            return
        if not self._app_id or not self._app_secret:
            raise SetupError("FEISHU_APP_ID and FEISHU_APP_SECRET must be set (the app's)")
        self.capabilities = APP
        self.api = FeishuApi(
            self._client, self._base, app_id=self._app_id, app_secret=self._app_secret, clock=now
        )
        self._transport = FeishuTransport(self.api, robots, config, services.identities)
        self.inbound = Inbound(
            api=self.api,
            transport=self._transport,
            router=services.router,
            db=services.db,
            clock=clock,
            config=config,
            identities=services.identities,
            card_wait=services.tuning.get("feishu.card_wait", 2.0),
        )
        self.callback = None
        if self.mode == "http":
            token = env.get("FEISHU_VERIFICATION_TOKEN", "").strip()
            if not token:
                raise SetupError("FEISHU_VERIFICATION_TOKEN must be set in mode http")
            self.callback = Callback(
                self.inbound,
                encrypt_key=env.get("FEISHU_ENCRYPT_KEY", "").strip(),
                verification_token=token,
            )

    async def start(self) -> None:
        if self.api is None or self.inbound is None:
            return
        try:
            await self.api.token()
            bot = await self.api.bot_info()
        except FeishuError as exc:
            raise SetupError(
                f"Feishu refused the app's credentials or bot ({exc.hint}); check "
                "FEISHU_APP_ID, FEISHU_APP_SECRET and that the bot ability is on"
            ) from None
        except DeliveryError as exc:
            raise SetupError(f"Feishu did not answer ({exc.reason})") from None
        open_id = bot.get("open_id")
        if isinstance(open_id, str) and open_id:
            self.inbound.bot_open_id = open_id

    def routes(self) -> Sequence[BaseRoute]:
        if self.callback is None:
            return ()
        from starlette.routing import Route

        return [Route("/feishu/events", self.callback.endpoint, methods=["POST"])]

    def connection(self) -> Coroutine[Any, Any, None] | None:
        if self.mode != "websocket" or self.inbound is None:
            return None
        from bot.adapters.feishu.ws import FeishuLongConnection

        self._connection = FeishuLongConnection(
            base_url=self._base,
            app_id=self._app_id,
            app_secret=self._app_secret,
            on_event=self.inbound.on_event,
            client=self._client,
            tuning=self._services.tuning,
        )
        return self._connection.run()

    def transport(self) -> FeishuTransport:
        return self._transport

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        if self.inbound is not None:
            await self.inbound.drain()
        await self._client.aclose()

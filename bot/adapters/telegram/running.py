"""Telegram as a running messenger: the PTB Application in the bot's event loop, its inbound
side (the webhook route on the shared server, or a polling connection) and the outbox's
transport."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Coroutine, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.adapters.base import Capabilities, Messenger, Services, SetupError
from bot.adapters.telegram.client import SECRET_SHAPE, api_root, describe, make_application
from bot.adapters.telegram.forms import GuidedForms
from bot.adapters.telegram.html import MAX_TEXT, Renderer
from bot.adapters.telegram.inbound import SHORT, Inbound
from bot.adapters.telegram.polling import Polling
from bot.adapters.telegram.transport import Poster, TelegramTransport
from bot.kernel.i18n import t
from storage import telegram_state as state

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute

log = logging.getLogger(__name__)

CAPABILITIES = Capabilities(
    edit=True,
    threads=True,
    direct_messages=True,
    buttons=True,
    forms="guided",
    files=True,  # photos and documents (bot.adapters.telegram.files)
    user_groups=False,
    max_text=MAX_TEXT,
)
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_BODY = 1_000_000
BUTTON_TTL = timedelta(days=30)  # a card's buttons work this long; then /ar case N


class TelegramRunning(Messenger):
    name = "telegram"
    capabilities = CAPABILITIES

    def __init__(self, services: Services) -> None:
        env = services.env
        section = services.config.platforms.telegram
        self.mode = section.mode
        self.webhook_url = section.webhook_url
        self.config = services.config
        self._token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not self._token:
            raise SetupError("TELEGRAM_BOT_TOKEN is not set (the token BotFather gave)")
        self._secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
        if self.mode == "webhook" and not SECRET_SHAPE.match(self._secret):
            raise SetupError(
                "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
            )
        self._root = api_root(env.get("TELEGRAM_API_URL"))
        tuning = services.tuning
        self.app = make_application(self._token, self._root)
        renderer = Renderer(
            services.config, lambda key: services.identities.external_id(key, "telegram")
        )
        self.poster = Poster(self.app.bot, services.db, services.clock, renderer)
        self.forms = GuidedForms(services.router, services.config, self.poster)
        ttl = tuning.get("telegram.button_ttl")
        self.inbound = Inbound(
            services.router,
            services.config,
            services.identities,
            self.poster,
            self.forms,
            button_ttl=timedelta(seconds=ttl) if ttl else BUTTON_TTL,
        )
        self.inbound.username = (section.bot_username or "").lstrip("@")
        self.polling = Polling(
            self.app.bot,
            self.inbound,
            services.db,
            services.clock,
            long_poll=int(tuning.get("telegram.long_poll", 30)),
            allowed=ALLOWED_UPDATES,
        )
        self._transport = TelegramTransport(
            self.poster, services.identities, services.config.circle.channels.get("telegram")
        )
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        """getMe proves the token; then the commands, and the webhook or polling set up."""
        from telegram import BotCommand
        from telegram import error as tg

        try:
            await self.app.initialize()  # getMe
        except tg.InvalidToken:
            raise SetupError("Telegram rejected TELEGRAM_BOT_TOKEN (getMe failed)") from None
        except tg.TelegramError as exc:
            raise SetupError(f"cannot reach Telegram at {self._root}: {describe(exc)}") from None
        me = self.app.bot
        self.inbound.bot_id = me.id
        self.inbound.username = self.inbound.username or (me.username or "")
        # The command menu: in the company's language by default, and in Chinese and English
        # for people whose Telegram speaks those.
        menus = ((None, self.config.company.locale), ("zh", "zh-CN"), ("en", "en"))
        try:
            for language, locale in menus:
                commands = [BotCommand("ar", t(locale, "telegram_cmd_ar"))]
                commands += [BotCommand(c, t(locale, f"telegram_cmd_{c}")) for c in SHORT]
                commands.append(BotCommand("cancel", t(locale, "telegram_cmd_cancel")))
                await me.set_my_commands(commands, language_code=language)
        except tg.TelegramError as exc:  # the menu is a convenience: commands work without
            log.warning("telegram: setMyCommands failed: %s", describe(exc))
        try:
            if self.mode == "webhook" and self.webhook_url:
                await me.set_webhook(
                    self.webhook_url, secret_token=self._secret, allowed_updates=ALLOWED_UPDATES
                )
            elif self.mode == "webhook":
                log.warning(
                    "telegram: platforms.telegram.webhook_url is not set: setWebhook skipped "
                    "(%s serves; point the bot's webhook at it yourself)",
                    WEBHOOK_PATH,
                )
            else:
                # getUpdates is refused while a webhook is set.
                await me.delete_webhook(drop_pending_updates=False)
        except tg.TelegramError as exc:
            raise SetupError(f"Telegram refused the webhook set-up: {describe(exc)}") from None
        db, now = self.poster.db, self.poster.clock.now()
        await db.threads.write(state.forget_buttons, now - self.inbound.button_ttl)
        await db.threads.write(state.forget_forms, now - timedelta(days=7))

    def routes(self) -> Sequence[BaseRoute]:
        if self.mode != "webhook":
            return ()
        from starlette.routing import Route

        return [Route(WEBHOOK_PATH, self.webhook, methods=["POST"])]

    async def webhook(self, request: Request) -> Response:
        """Check the secret, answer at once; the update is handled after the answer."""
        from starlette.responses import Response

        given = request.headers.get(SECRET_HEADER)
        if given is None:
            log.warning("telegram webhook: a request without the secret token header, refused")
            return Response("missing secret token", status_code=401)
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            log.warning("telegram webhook: a request with a wrong secret token, refused")
            return Response("wrong secret token", status_code=403)
        body = await request.body()
        try:
            data = json.loads(body) if len(body) <= MAX_BODY else None
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return Response("not an update", status_code=400)
        task = asyncio.create_task(self.inbound.update(data))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return Response(status_code=200)

    def connection(self) -> Coroutine[Any, Any, None] | None:
        return self.polling.run() if self.mode == "polling" else None

    def transport(self) -> TelegramTransport:
        return self._transport

    async def stop(self) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=10)
        try:
            await self.app.shutdown()
        except Exception as exc:
            log.info("telegram: shutdown: %s", describe(exc))

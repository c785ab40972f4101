"""Telegram: `/ar` commands, short commands and Chinese verbs in groups and private chats,
circle cards with inline keyboards edited in place, forms asked as guided replies, forum
topics as case threads. Polling (`mode: polling`, `arcircle run`, no public address) or a
webhook on the shared HTTP server (`mode: webhook`, `arcircle serve`, POST /telegram/webhook).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bot.adapters.base import EnvVar, Finding, Messenger, Plugin, Services
from bot.kernel.config import Config

TIMEOUT = 20.0


class TelegramPlugin(Plugin):
    name = "telegram"
    title = "Telegram"

    def env_vars(self) -> tuple[EnvVar, ...]:
        return (
            EnvVar("TELEGRAM_BOT_TOKEN", "the bot token from BotFather"),
            EnvVar(
                "TELEGRAM_WEBHOOK_SECRET",
                "the webhook's secret token (1-256 of A-Z a-z 0-9 _ -)",
                modes=("webhook",),
            ),
            EnvVar(
                "TELEGRAM_API_URL",
                "the Bot API server root (default https://api.telegram.org)",
                optional=True,
                secret=False,
            ),
        )

    def takes_http(self, config: Config) -> bool:
        return self.mode(config) == "webhook"

    def serve_hint(self) -> str:
        return "set platforms.telegram.enabled: true and mode: webhook"

    def build(self, services: Services) -> Messenger:
        from bot.adapters.telegram.running import TelegramRunning

        return TelegramRunning(services)

    async def doctor(
        self, config: Config, env: Mapping[str, str], *, online: bool
    ) -> list[Finding]:
        from bot.adapters.telegram.doctor import offline, probe

        found = offline(config, env)
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if online and token and not any(f.status == "fail" for f in found):
            try:
                status, text = await asyncio.wait_for(
                    probe(token, env.get("TELEGRAM_API_URL")), TIMEOUT
                )
            except TimeoutError:
                status, text = "fail", "Telegram did not answer in time"
            found.insert(0, Finding(status, text))
        return found


PLUGIN = TelegramPlugin()

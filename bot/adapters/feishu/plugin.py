"""Feishu/Lark (飞书): the app's bot, by HTTP callback (`mode: http`, POST /feishu/events on
`arcircle serve`) or by the long connection (`mode: websocket`, `arcircle run`, no public
address), and optional custom group robots (`mode: robot`: alerts and the digest only).

FEISHU_ENCRYPT_KEY is optional in mode http: with it, events come encrypted and signed
(X-Lark-Signature checked before decryption); without it, Feishu sends plain JSON carrying
only the verification token, which is then the one check. Setting it is recommended.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.adapters.base import EnvVar, Finding, Messenger, Plugin, Services
from bot.kernel.config import Config

APP_MODES = ("http", "websocket")


class FeishuPlugin(Plugin):
    name = "feishu"
    title = "Feishu (飞书/Lark)"

    def env_vars(self) -> tuple[EnvVar, ...]:
        return (
            EnvVar("FEISHU_APP_ID", "the self-built app's App ID (cli_...)", APP_MODES),
            EnvVar("FEISHU_APP_SECRET", "the self-built app's App Secret", APP_MODES),
            EnvVar(
                "FEISHU_VERIFICATION_TOKEN",
                "the event subscription's Verification Token",
                ("http",),
            ),
            EnvVar(
                "FEISHU_ENCRYPT_KEY",
                "the event subscription's Encrypt Key (recommended: events encrypted, signed)",
                ("http",),
                optional=True,
            ),
            EnvVar(
                "FEISHU_API_URL", "Feishu's API base (Lark, tests)", optional=True, secret=False
            ),
        )

    def takes_http(self, config: Config) -> bool:
        return self.mode(config) == "http"

    def serve_hint(self) -> str:
        return (
            "set platforms.feishu.enabled: true, mode: http (and FEISHU_APP_ID, "
            "FEISHU_APP_SECRET, FEISHU_VERIFICATION_TOKEN)"
        )

    def build(self, services: Services) -> Messenger:
        from bot.adapters.feishu.running import FeishuRunning

        return FeishuRunning(services)

    async def doctor(
        self, config: Config, env: Mapping[str, str], *, online: bool
    ) -> list[Finding]:
        from bot.adapters.feishu.doctor import check

        return await check(config, env, online=online)


PLUGIN = FeishuPlugin()

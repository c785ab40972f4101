"""WeCom (企业微信): commands through a smart robot (智能机器人, API mode) whose callback
lives on the shared HTTP server (`arcircle serve`), circle posts through message-push robots
(消息推送), direct messages through a self-built app when one is configured."""

from __future__ import annotations

from collections.abc import Mapping

from bot.adapters.base import EnvVar, Finding, Messenger, Plugin, Services
from bot.kernel.config import Config


class WecomPlugin(Plugin):
    name = "wecom"
    title = "WeCom (企业微信)"

    def env_vars(self) -> tuple[EnvVar, ...]:
        return (
            EnvVar("WECOM_BOT_TOKEN", "the smart robot's callback Token"),
            EnvVar("WECOM_BOT_AES_KEY", "the smart robot's EncodingAESKey (43 characters)"),
            EnvVar(
                "WECOM_WEBHOOK_KEY",
                "the circle group's message-push robot key (or the variables named in "
                "platforms.wecom.webhooks)",
                optional=True,
            ),
            EnvVar("WECOM_CORP_ID", "the company's CorpID (app direct messages)", optional=True),
            EnvVar("WECOM_AGENT_ID", "the self-built app's AgentId", optional=True, secret=False),
            EnvVar("WECOM_APP_SECRET", "the self-built app's Secret", optional=True),
            EnvVar("WECOM_API_URL", "WeCom's API base (tests)", optional=True, secret=False),
        )

    def takes_http(self, config: Config) -> bool:
        return True

    def serve_hint(self) -> str:
        return "set platforms.wecom.enabled: true (and WECOM_BOT_TOKEN, WECOM_BOT_AES_KEY)"

    def build(self, services: Services) -> Messenger:
        from bot.adapters.wecom.running import WecomRunning

        return WecomRunning(services)

    async def doctor(
        self, config: Config, env: Mapping[str, str], *, online: bool
    ) -> list[Finding]:
        from bot.adapters.wecom.doctor import check

        return await check(config, env, online=online)


PLUGIN = WecomPlugin()

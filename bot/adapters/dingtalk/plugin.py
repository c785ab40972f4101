"""DingTalk (钉钉): an internal app's robot (企业内部应用机器人) takes commands when
@mentioned in a group or messaged directly, by HTTP callback on the shared server
(`mode: http`, `arcircle serve`) or by Stream mode (`mode: stream`, `arcircle run`, no public
address); circle cards go to the group as interactive cards updated in place, escalations
@mention people by DingTalk userId, reminders go one to one. `mode: robot`: custom group
robots only (alerts and the digest, nothing inbound)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.adapters.base import EnvVar, Finding, Messenger, Plugin, Services
from bot.kernel.config import Config

APP_MODES = ("http", "stream")


class DingtalkPlugin(Plugin):
    name = "dingtalk"
    title = "DingTalk (钉钉)"

    def env_vars(self) -> tuple[EnvVar, ...]:
        return (
            EnvVar("DINGTALK_APP_KEY", "the internal app's AppKey (Client ID)", modes=APP_MODES),
            EnvVar(
                "DINGTALK_APP_SECRET",
                "the internal app's AppSecret (Client Secret)",
                modes=APP_MODES,
            ),
            EnvVar(
                "DINGTALK_API_URL",
                "DingTalk's API base (default https://api.dingtalk.com; tests)",
                optional=True,
                secret=False,
            ),
        )

    def takes_http(self, config: Config) -> bool:
        return self.mode(config) == "http"

    def serve_hint(self) -> str:
        return (
            "set platforms.dingtalk.enabled: true, mode: http (and DINGTALK_APP_KEY, "
            "DINGTALK_APP_SECRET)"
        )

    def build(self, services: Services) -> Messenger:
        from bot.adapters.dingtalk.running import DingtalkRunning

        return DingtalkRunning(services)

    async def doctor(
        self, config: Config, env: Mapping[str, str], *, online: bool
    ) -> list[Finding]:
        from bot.adapters.dingtalk.doctor import check

        return await check(config, env, online=online)


PLUGIN = DingtalkPlugin()

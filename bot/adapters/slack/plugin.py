"""Slack: the `/ar` slash command, @mentions, Block Kit cards and modals, over the Events API
on the shared HTTP server (`mode: http`, `arcircle serve`) or Socket Mode (`mode: socket`,
no public address, `arcircle run`)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bot.adapters.base import EnvVar, Finding, Messenger, Plugin, Services
from bot.kernel.config import Config

TIMEOUT = 30.0


class SlackPlugin(Plugin):
    name = "slack"
    title = "Slack"

    def env_vars(self) -> tuple[EnvVar, ...]:
        return (
            EnvVar("SLACK_BOT_TOKEN", "the bot token (xoxb-…)"),
            EnvVar("SLACK_SIGNING_SECRET", "verifies Slack's requests", modes=("http",)),
            EnvVar("SLACK_APP_TOKEN", "the app-level token for Socket Mode", modes=("socket",)),
            EnvVar("SLACK_API_URL", "Slack's API base (tests)", optional=True, secret=False),
        )

    def takes_http(self, config: Config) -> bool:
        return self.mode(config) == "http"

    def serve_hint(self) -> str:
        return "set platforms.slack.enabled: true and mode: http"

    def build(self, services: Services) -> Messenger:
        from bot.adapters.slack.running import SlackRunning

        return SlackRunning(services)

    async def doctor(
        self, config: Config, env: Mapping[str, str], *, online: bool
    ) -> list[Finding]:
        found: list[Finding] = []
        if env.get("SLACK_CLIENT_ID") and env.get("SLACK_CLIENT_SECRET"):
            # slack-bolt then switches to multi-workspace OAuth and ignores the bot token.
            found.append(
                Finding(
                    "warn",
                    "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set: unset them, arcircle "
                    "uses the bot token of one workspace",
                )
            )
        if online and not self.missing_env(config, env):
            from bot.adapters.slack.doctor import probe

            try:
                pairs = await asyncio.wait_for(probe(config, env), TIMEOUT)
            except TimeoutError:
                pairs = [("fail", "Slack did not answer in time")]
            found[:0] = [Finding(status, text) for status, text in pairs]
        return found


PLUGIN = SlackPlugin()

"""Slack as a running messenger: the bolt app (bot.adapters.slack.messenger) with its inbound
side (HTTP routes or a Socket Mode connection) and the outbox's transport."""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from bot.adapters.base import Capabilities, Messenger, Services, SetupError
from bot.adapters.slack.messenger import SlackMessenger
from bot.adapters.slack.outbound import SlackSetupError, SlackTransport

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

# Block Kit: a section's text is 3,000 characters; longer messages are split into sections.
CAPABILITIES = Capabilities(
    edit=True,
    threads=True,
    direct_messages=True,
    buttons=True,
    forms="modal",
    files=True,
    user_groups=True,
    max_text=3000,
)


class SlackRunning(Messenger):
    name = "slack"
    capabilities = CAPABILITIES

    def __init__(self, services: Services) -> None:
        env = services.env
        self.mode = services.config.platforms.slack.mode
        self._app_token = env.get("SLACK_APP_TOKEN", "")
        self._ping = services.tuning.get("slack.socket_ping", 10.0)
        self._wss_url: str | None = None
        try:
            self.slack = SlackMessenger(
                services.router,
                services.config,
                services.db,
                services.clock,
                token=env.get("SLACK_BOT_TOKEN", ""),
                signing_secret=env.get("SLACK_SIGNING_SECRET"),
                api_url=env.get("SLACK_API_URL") or None,
                mode=self.mode,
            )
        except ValueError as exc:
            raise SetupError(str(exc)) from None
        self._transport = SlackTransport(self.slack.outbox_client, services.config)

    async def start(self) -> None:
        """auth.test with the bot token; in Socket Mode also the app token (a Socket Mode URL)."""
        from bot.adapters.slack.socket_mode import check_app_token

        try:
            await self.slack.start_checks()
            if self.mode == "socket":
                self._wss_url = await check_app_token(self.slack.app.client, self._app_token)
        except SlackSetupError as exc:
            raise SetupError(str(exc)) from None

    def routes(self) -> Sequence[BaseRoute]:
        from bot.adapters.slack.http import routes

        return routes(self.slack) if self.mode == "http" else ()

    def connection(self) -> Coroutine[Any, Any, None] | None:
        if self.mode != "socket":
            return None
        from bot.adapters.slack.socket_mode import serve_socket

        return serve_socket(
            self.slack.app, self._app_token, wss_url=self._wss_url, ping_interval=self._ping
        )

    def transport(self) -> SlackTransport:
        return self._transport

"""The console: a chat room in the terminal of `arcircle run` (bot.adapters.console.messenger)."""

from __future__ import annotations

from typing import Literal

from bot.adapters.base import EnvVar, Messenger, Plugin, Services
from bot.kernel.config import Config


class ConsolePlugin(Plugin):
    name = "console"
    title = "Console"
    mentions_by_id = False  # a mention is shown as @Name

    def circle_channel(self, config: Config) -> str | None:
        return config.circle.channels.get(self.name) or config.platforms.console.channel

    def env_vars(self) -> tuple[EnvVar, ...]:
        return ()

    def runs_in(self, config: Config, command: Literal["run", "serve"]) -> bool:
        # `arcircle serve` has no terminal to talk to.
        return command == "run"

    def build(self, services: Services) -> Messenger:
        from bot.adapters.console.messenger import ConsoleMessenger

        return ConsoleMessenger(
            services.router, services.config, stdin=services.stdin, stdout=services.stdout
        )


PLUGIN = ConsolePlugin()

"""What a messenger plugin is: the contract between one messenger and the rest of arcircle.

A plugin lives in its own package, `bot/adapters/<name>/`, whose `plugin.py` exposes
`PLUGIN`, a `Plugin`. The registry (bot.adapters.registry) finds the packages by themselves,
so adding a messenger touches no handler, job or composition-root file. `Plugin` knows the
messenger before anything runs: its config section, the environment it needs, whether it
takes HTTP routes on the shared server (bot.http) or holds a connection of its own, and what
`arcircle doctor` should check. `Plugin.build` makes the running `Messenger`, which has:

- an inbound side: `routes()` mounted on the one HTTP app, and/or `connection()`, a
  long-lived coroutine (Slack Socket Mode, Telegram polling);
- a `transport()` for the outbox (post, update in place, thread, direct message, file),
  raising the kernel's DeliveryError kinds;
- its own renderer (neutral Reply/Card/Form to native), used by its inbound and transport;
- `capabilities`, which the kernel adapts to (no forms: the command to type; no edit: a short
  follow-up; no threads: the case number on every line).

Heavy SDKs are imported by `build` and the messenger's modules, never by `plugin.py`: the
registry imports every plugin to read its config and environment.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, TextIO

from bot.kernel.capabilities import Capabilities

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from bot.kernel.access import ReadAccess
    from bot.kernel.clock import Clock
    from bot.kernel.config import Config
    from bot.kernel.forms import Form, FormErrors, FormRef
    from bot.kernel.identity import Identities
    from bot.kernel.messages import Reply
    from jobs.outbox import Transport
    from storage.db import Database

# Capabilities are the kernel's (it adapts messages to them); re-exported for plugins.
__all__ = ["Capabilities", "Dispatch", "EnvVar", "Finding", "Messenger", "Plugin", "Services"]

Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class EnvVar:
    name: str
    purpose: str
    modes: tuple[str, ...] = ()  # required in these modes only; () = in every mode
    optional: bool = False  # never required: it switches on an optional piece
    secret: bool = True  # never shown, not even its length

    def required(self, mode: str) -> bool:
        return not self.optional and (not self.modes or mode in self.modes)


@dataclass(frozen=True)
class Finding:
    """One line of `arcircle doctor` about a messenger."""

    status: Status
    text: str


class SetupError(RuntimeError):
    """A messenger cannot start as configured: one line that says what to fix (no secret)."""


class Dispatch(Protocol):
    """What a plugin may ask of the router (bot.router.Router is one): answer a message, tell
    which case a command changes, who may read. Plugins never import the router itself."""

    clock: Clock
    access: ReadAccess

    async def handle(
        self,
        text: str,
        *,
        platform: str,
        channel: str,
        user_id: str,
        person: str | None = None,
        addressed: bool = False,
    ) -> Reply | None: ...

    def case_of(self, text: str) -> int | None: ...

    # A button's form (bot.kernel.forms): open it for this person (a Reply: show that instead,
    # they may not), and submit it (FormErrors: show them in the form; else the answer, as if
    # the command had been typed).
    async def open_form(
        self, ref: FormRef, *, platform: str, user_id: str, person: str | None = None
    ) -> Form | Reply: ...

    async def submit_form(
        self,
        ref: FormRef,
        values: Mapping[str, str],
        *,
        platform: str,
        channel: str,
        user_id: str,
        person: str | None = None,
    ) -> FormErrors | Reply | None: ...


@dataclass
class Services:
    """What the composition root hands a plugin when it builds the messenger."""

    router: Dispatch
    config: Config
    db: Database
    clock: Clock
    env: Mapping[str, str]
    identities: Identities
    # The terminal of `arcircle run` (tests give their own); None: the process's own.
    stdin: TextIO | None = None
    stdout: TextIO | None = None
    # Timings tests shorten (a messenger reads only its own, e.g. "slack.socket_ping").
    tuning: Mapping[str, float] = field(default_factory=dict)


class Messenger(ABC):
    """A running messenger: inbound, outbound and what it can do."""

    name: ClassVar[str]
    capabilities: Capabilities
    # The process ends when this messenger's connection ends (the console at end of input).
    foreground: ClassVar[bool] = False
    # Its messages only make sense from this process (the console prints to its terminal):
    # only the process holding the jobs' lease delivers them, not any replica.
    local_delivery: ClassVar[bool] = False

    async def start(self) -> None:
        """Before anything is served: check the credentials (auth.test, getMe ...) and raise
        SetupError with one line when they are wrong."""
        return None

    def routes(self) -> Sequence[BaseRoute]:
        """Routes on the shared HTTP app (bot.http), under `/<name>/...`."""
        return ()

    def connection(self) -> Coroutine[Any, Any, None] | None:
        """A long-lived inbound connection to run while the process runs, or None. It returns
        or raises only when it has ended for good (the reason is then shown to the operator)."""
        return None

    @abstractmethod
    def transport(self) -> Transport | None:
        """Where the outbox sends this messenger's rows; None: it takes no proactive posts."""

    async def stop(self) -> None:
        """Close clients and connections (the process is ending)."""
        return None


class Plugin(ABC):
    """A messenger as the registry knows it before it runs."""

    name: ClassVar[str]
    title: ClassVar[str]  # how people call it: "Slack", "WeCom (企业微信)"
    # People are mentioned by their id on it (config `ids`); doctor names those without one.
    mentions_by_id: ClassVar[bool] = True

    def circle_channel(self, config: Config) -> str | None:
        """Where circle cards go on it (config `circle.channels.<name>`)."""
        return config.circle.channels.get(self.name)

    def section(self, config: Config) -> Any:
        """Its part of config.yaml, `platforms.<name>` (None when the config has none)."""
        return getattr(config.platforms, self.name, None)

    def enabled(self, config: Config) -> bool:
        return bool(getattr(self.section(config), "enabled", False))

    def mode(self, config: Config) -> str:
        return str(getattr(self.section(config), "mode", "") or "")

    @abstractmethod
    def env_vars(self) -> tuple[EnvVar, ...]:
        """Every variable the plugin reads, required or optional."""

    def missing_env(self, config: Config, env: Mapping[str, str]) -> list[str]:
        mode = self.mode(config)
        return [
            v.name for v in self.env_vars() if v.required(mode) and not env.get(v.name, "").strip()
        ]

    def serve_hint(self) -> str | None:
        """How to switch it on for `arcircle serve` (None: it never takes HTTP)."""
        return None

    def takes_http(self, config: Config) -> bool:
        """Whether it receives over the shared HTTP server (then `arcircle serve` runs it;
        `arcircle run` runs only messengers with connections of their own)."""
        return False

    def runs_in(self, config: Config, command: Literal["run", "serve"]) -> bool:
        """Which process command serves it: `serve` everything enabled, `run` what needs no
        public address."""
        return command == "serve" or not self.takes_http(config)

    @abstractmethod
    def build(self, services: Services) -> Messenger:
        """The running messenger (imports its SDK here, not at module level)."""

    async def doctor(
        self, config: Config, env: Mapping[str, str], *, online: bool
    ) -> list[Finding]:
        """What `arcircle doctor` says beyond the environment check (which the root does):
        well-formed keys, and with `online` a call that proves them."""
        return []

"""What a handler gets besides the command: the database, config, clock and the speaker.

Handlers run on the bot's event loop, which must never wait for the database (every other
user's command and Slack's acknowledgements wait with it). They reach storage only through
`read` and `write`, which run a storage function in a database thread (storage.offloop);
CPU work on what was read (aging and ranking many rows, building a big card) belongs in the
same function, so it leaves the loop too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from bot.kernel.access import ReadAccess
from bot.kernel.clock import Clock, today
from bot.kernel.config import Config
from bot.kernel.i18n import t
from storage.circle import CircleEnv, CircleError, begin_write
from storage.db import Database
from storage.offloop import Conn

if TYPE_CHECKING:
    from bot.kernel.messages import Reply

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class Context:
    db: Database
    config: Config
    clock: Clock
    person: str | None  # the speaker, None when not in config
    locale: str
    circle: CircleEnv
    # The router's read gate (with what the messengers know of accounts), for a command
    # that tells someone what they may read; None: the config's policy alone.
    access: ReadAccess | None = None

    def today(self) -> date:
        return today(self.clock, self.config.company.zone)

    def t(self, key: str, **values: Any) -> str:
        return t(self.locale, key, **values)

    @property
    def zh(self) -> bool:
        return self.locale.startswith("zh")

    async def read(
        self, fn: Callable[Concatenate[Conn, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`fn(conn, *args, **kwargs)` on a connection of its own, off the event loop."""
        return await self.db.threads.read(fn, *args, **kwargs)

    async def read_long(
        self, fn: Callable[Concatenate[Conn, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`read` for work that takes long (an export): it does not hold up other commands."""
        return await self.db.threads.long_read(fn, *args, **kwargs)

    async def write(
        self,
        change: Callable[[Conn], T],
        explain: Callable[[CircleError], Reply | None] | None = None,
    ) -> T | Reply:
        """Run a change of the circle in one transaction, off the event loop; a refusal
        becomes a one-line answer, nothing changed. `explain` words the refusals a command
        knows better than the common ones."""

        def run(conn: Conn) -> T:
            begin_write(conn)
            return change(conn)

        try:
            return await self.db.threads.write(run)
        except CircleError as err:
            # circle_common words the refusals, and needs this module itself.
            from handlers.circle_common import refusal

            special = explain(err) if explain is not None else None
            return special if special is not None else refusal(self, err)

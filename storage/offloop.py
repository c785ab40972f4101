"""Database work off the event loop: a few threads, bounded by the connection pool.

The bot's one event loop acknowledges Slack within milliseconds only if nothing on it waits for
the database. Handlers and adapters therefore hand their storage work to `DbThreads` as a
function of a connection: `read` runs it on a connection of its own, `write` in one
transaction, both in a worker thread, and the loop goes on with other users meanwhile.

How many threads: never more than the engine has pooled connections, so a burst of commands
queues here, in order, rather than in the pool's checkout (which gives up after 30 s).
PostgreSQL gets the pool's size, shared by reads and writes. SQLite gets one thread for reads
and one for writes: it writes one transaction at a time anyway, a reader never waits behind a
writer holding the lock, and its queries are Python work on rows more than waiting. That
work holds the GIL, and the loop's thread needs the GIL for every socket call: each thread
computing beside the loop slows every acknowledgement (bench.serve measured 5 reading
threads against 1: ack p99 0.9 s against 0.3 s at 200 concurrent commands). Long Python loops
in storage call `share_the_gil` now and then for the same reason.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Concatenate, ParamSpec, TypeAlias, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.pool import QueuePool

# What a handler may name in a type without importing sqlalchemy: an opaque handle it only
# passes on to storage functions.
Conn: TypeAlias = Connection

P = ParamSpec("P")
T = TypeVar("T")


def pool_threads(engine: Engine) -> tuple[int, int]:
    """(reading threads, writing threads); 0 writing threads: writes share the readers'."""
    pool = engine.pool
    size = pool.size() if isinstance(pool, QueuePool) else 1
    if engine.dialect.name == "sqlite":
        # One shared connection (in memory): one thread does everything.
        return (1, 1) if size > 1 else (1, 0)
    return max(1, size), 0


def share_the_gil() -> None:
    """Let the event loop's thread take the GIL if it is waiting for it.

    Call every millisecond or so of pure Python work in a database thread (the rows of a big
    query). Otherwise the loop's thread, back from each socket call, waits out the
    interpreter's switch interval (5 ms) for the GIL while this thread computes: 200
    acknowledgements then take seconds, not milliseconds. Sleeping 0 s releases the GIL and
    costs about a microsecond when nobody is waiting.
    """
    time.sleep(0)


class DbThreads:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        readers, writers = pool_threads(engine)
        self._reads: Executor = ThreadPoolExecutor(readers, thread_name_prefix="db-read")
        self._writes: Executor = (
            ThreadPoolExecutor(writers, thread_name_prefix="db-write") if writers else self._reads
        )
        # Long reads (an export of a million rows takes a minute) must not hold up everyone
        # else's commands. SQLite on disk reads in one thread: they queue in a thread of their
        # own. PostgreSQL reads in several, and SQLite in memory has one connection: there
        # they share the readers' threads.
        self._long: Executor = (
            ThreadPoolExecutor(1, thread_name_prefix="db-long") if writers else self._reads
        )

    async def read(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`fn(conn, *args, **kwargs)` on a connection of its own, in a reading thread."""

        def run() -> T:
            with self.engine.connect() as conn:
                return fn(conn, *args, **kwargs)

        return await self._submit(self._reads, run)

    async def long_read(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`read`, for work that takes long (exports), beside the commands' reads."""

        def run() -> T:
            with self.engine.connect() as conn:
                return fn(conn, *args, **kwargs)

        return await self._submit(self._long, run)

    async def write(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`fn(conn, *args, **kwargs)` in one transaction (committed when it returns, rolled
        back when it raises; the exception reaches the caller), in a writing thread."""

        def run() -> T:
            with self.engine.begin() as conn:
                return fn(conn, *args, **kwargs)

        return await self._submit(self._writes, run)

    async def _submit(self, executor: Executor, run: Callable[[], T]) -> T:
        context = contextvars.copy_context()  # log records keep the caller's context
        return await asyncio.get_running_loop().run_in_executor(
            executor, functools.partial(context.run, run)
        )

    def shutdown(self) -> None:
        """Finish what was handed over, take nothing new."""
        self._reads.shutdown(wait=True)
        if self._writes is not self._reads:
            self._writes.shutdown(wait=True)
        if self._long is not self._reads:
            self._long.shutdown(wait=True)

"""The tick goes first: a long writer (the overdue scan) lets a waiting circle tick through
between two of its transactions.

On SQLite one writer holds the database at a time, and a writer waiting for the lock polls
(busy timeout) while the scan commits one batch and begins the next within microseconds: the
tick could wait behind every batch of a first scan over a million invoices. Both run in the
process that holds the scheduler lease (in threads of their own), so a condition variable
there is enough: the tick says it wants the lock, and the scan does not begin its next batch
until the tick is done. On PostgreSQL they lock different rows and never wait for each other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

# How long a scan waits for ticks at most between two batches: a tick stuck elsewhere must not
# stop the scan for good.
_PATIENCE = 30.0


class TickGate:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._ticks = 0

    @property
    def waiting(self) -> int:
        """Ticks that want the write lock or hold it now."""
        with self._cond:
            return self._ticks

    @contextmanager
    def tick(self) -> Iterator[None]:
        """Around a tick's transaction, from before it asks for the write lock."""
        with self._cond:
            self._ticks += 1
        try:
            yield
        finally:
            with self._cond:
                self._ticks -= 1
                self._cond.notify_all()

    def let_ticks_pass(self, patience: float = _PATIENCE) -> None:
        """Between two transactions of a long writer: wait while a tick wants the lock."""
        with self._cond:
            self._cond.wait_for(lambda: self._ticks == 0, timeout=patience)


GATE = TickGate()

"""Which process runs the scheduler's ticks: the one holding the lease.

PostgreSQL: a session advisory lock on a connection kept open for the purpose; SQLite: an
exclusive `flock` on a file next to the database. Either way the operating system or the
server drops the lease when the holder dies (even by kill -9), and a waiting process takes
over on its next try. Nothing is written, so there is no stale lease to clean up.
"""

from __future__ import annotations

import fcntl
import logging
import os
import zlib
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import Database

log = logging.getLogger(__name__)
_LEASE_BASE = 0x41524353  # "ARCS"


def lease_key(url: str) -> int:
    """One lock per database (and schema): replicas share the URL, so they share the key."""
    return _LEASE_BASE ^ zlib.crc32(url.encode("utf-8"))


class SchedulerLease:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._file: IO[str] | None = None
        self._conn: Any = None
        self._always = False
        self.key = lease_key(db.url)
        if db.is_sqlite:
            database = make_url(db.url).database or ""
            if database in ("", ":memory:") or "mode=memory" in db.url:
                # An in-memory database belongs to this process alone.
                self._always = True
                self.path: Path | None = None
            else:
                self.path = Path(str(Path(database).expanduser().resolve()) + ".scheduler.lock")
        else:
            self.path = None

    @property
    def held(self) -> bool:
        if self._always or self._file is not None:
            return True
        if self._conn is None:
            return False
        try:
            self._conn.exec_driver_sql("SELECT 1")
        except Exception:
            # The server went away: so did the lock. Let someone (maybe us) take it again.
            log.warning("lost the scheduler lease: the database connection dropped")
            self._drop_conn()
            return False
        return True

    def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; True when this process holds it now."""
        if self.held:
            return True
        if self.path is not None:
            handle = self.path.open("a+", encoding="utf-8")
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                return False
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            self._file = handle
            return True
        conn = self.db.engine.connect()
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
            conn.commit()
        except Exception:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def _drop_conn(self) -> None:
        try:
            self._conn.invalidate()
            self._conn.close()
        except Exception:  # already broken
            pass
        self._conn = None

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self._conn.commit()
                self._conn.close()
            except Exception:  # closing drops the lock anyway
                self._drop_conn()
            self._conn = None

"""Engine, sessions and migrations. `DATABASE_URL` picks SQLite (default) or PostgreSQL."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from storage.audit import AuditKey, use_key
from storage.offloop import DbThreads

log = logging.getLogger(__name__)
DEFAULT_URL = "sqlite:///arcircle.db"
# The largest id an Integer primary key holds on every database we run on (PostgreSQL's
# `integer`; SQLite's is wider): a bigger number names no row, and handing it to the driver
# would overflow (OverflowError on SQLite, "integer out of range" on PostgreSQL).
MAX_ID = 2**31 - 1
SQLITE_CACHE_SIZE = -65536  # KiB (negative = size, not pages): 64 MiB per connection

# SQLAlchemy stores a Date on SQLite as ISO text; bulk inserts (storage.bulk) hand plain
# dates to the driver, which then writes the same text. (datetime is a subclass of date but
# sqlite3 matches adapters by exact type, so datetimes are not affected.)
sqlite3.register_adapter(date, date.isoformat)
_MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same in every replica.
_MIGRATION_LOCK = 0x41524349  # "ARCI"
LEDGER_TABLES = ("customer", "invoice", "payment")


def bounded_id(digits: str) -> int | None:
    """The row id a user typed as decimal digits (full-width ones too), or None when it is
    beyond any id the database can hold: no row has it, whatever its length."""
    if len(digits) > 30 or not digits.isdecimal():
        return None
    value = int(digits)
    return value if value <= MAX_ID else None


def normalise_url(url: str) -> str:
    """`postgres://` and `postgresql://` mean psycopg 3 here (the only driver installed)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def resolve_url(url: str | None) -> str:
    """The URL a `Database(url)` connects to."""
    return normalise_url(url or os.environ.get("DATABASE_URL") or DEFAULT_URL)


def sqlite_file(url: str) -> Path | None:
    """The database file, for SQLite on disk; None for PostgreSQL or memory."""
    parsed = make_url(normalise_url(url))
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if "mode=memory" in str(parsed.query):
        return None
    return Path(database).expanduser()


def redact(url: str) -> str:
    """The URL as it may appear in logs and `doctor`: never the password."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the bot read while an import writes; the busy timeout makes a second writer
    # wait its turn instead of failing with "database is locked".
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA cache_size={SQLITE_CACHE_SIZE}")
    cur.close()


def _sqlite_from_hint(self: SQLiteCompiler, table: Any, text: str | None) -> str | None:
    return text


# SQLAlchemy renders `with_hint(..., "sqlite")` only for dialects that say how; SQLite's hint
# ("table INDEXED BY index") is the hint text itself. Only statements that ask for a SQLite
# hint change (storage.overdue_page's).
SQLiteCompiler.get_from_hint_text = _sqlite_from_hint  # type: ignore[method-assign,assignment]


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        in_memory = database in ("", ":memory:") or "mode=memory" in str(parsed.query)
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 10}}
        if in_memory:
            kwargs["poolclass"] = StaticPool
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


class Database:
    def __init__(self, url: str | None = None, *, audit_key: AuditKey | None = None) -> None:
        self.url = resolve_url(url)
        self.engine = make_engine(self.url)
        self._threads: DbThreads | None = None
        self.use_audit_key(audit_key)

    def use_audit_key(self, key: AuditKey | None) -> None:
        """Sign the audit entries every connection writes with `key` (None: plain SHA-256).
        The composition root reads it from the environment; nothing here stores it."""
        self.audit_key = key
        use_key(self.engine, key)

    @property
    def threads(self) -> DbThreads:
        """Where code on the event loop sends its database work (storage.offloop); made on
        first use, so a process that never serves chat starts no threads."""
        if self._threads is None:
            self._threads = DbThreads(self.engine)
        return self._threads

    @property
    def sqlite_path(self) -> Path | None:
        return sqlite_file(self.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def _alembic(self) -> AlembicConfig:
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        return cfg

    def migrate(self) -> None:
        """Bring the schema to the newest revision; safe to run from several processes at once."""
        cfg = self._alembic()
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def pending_migrations(self) -> list[str]:
        script = ScriptDirectory.from_config(self._alembic())
        with self.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_heads()
        head = script.get_current_head()
        if head is None or head in current:
            return []
        return [
            rev.revision
            for rev in script.iterate_revisions(head, current[0] if current else "base")
        ]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def analyze(self, tables: tuple[str, ...] = LEDGER_TABLES) -> None:
        """Refresh the planner's statistics on these tables.

        Without them SQLite picks the (status, due_date) index for "this customer's open
        invoices" and reads every open invoice of the ledger for each case it opens (0.1 s a
        case at a million invoices, against 0.1 ms); PostgreSQL would analyze on its own,
        but only some time after a big import. A million invoices take about a second."""
        try:
            with self.engine.begin() as conn:
                for table in tables:
                    conn.exec_driver_sql(f"ANALYZE {table}")
        except SQLAlchemyError as exc:
            # Slower plans, not wrong answers: never fail the import that asked for it.
            log.warning("could not refresh the planner's statistics: %s", exc)

    def dispose(self) -> None:
        if self._threads is not None:
            self._threads.shutdown()
            self._threads = None
        self.engine.dispose()

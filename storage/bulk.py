"""Fast multi-row INSERT for imports: one executemany, values converted once per distinct value.

SQLAlchemy's per-row parameter processing costs more than SQLite's own insert at a million
rows. Here each column's bind processor (dates to ISO text on SQLite, booleans to integers)
runs once per distinct value, values shared by every row are written into the statement as
literals, and ids are handed out beforehand (`Ids`), so none has to travel back to Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Boolean, Connection, Table, text

T = TypeVar("T")

# Values per `IN (...)` list built from Python: under SQLite's oldest default limit of 999
# variables a statement (PostgreSQL's driver takes 65,535, SQLite 32,766 since 3.32), with
# room left for the statement's other parameters. A longer list goes in batches.
IN_BATCH = 500


def batched(items: Iterable[T], size: int = IN_BATCH) -> Iterator[list[T]]:
    """`items` in lists of at most `size`, in order."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


class _Memo(dict[Any, Any]):
    """A bind processor's results by value; None stays None."""

    def __init__(self, proc: Any) -> None:
        super().__init__({None: None})
        self.proc = proc

    def __missing__(self, value: Any) -> Any:
        done = self[value] = self.proc(value)
        return done


class BulkInsert:
    def __init__(
        self,
        conn: Connection,
        table: Table,
        columns: Sequence[str],
        *,
        constants: Mapping[str, Any] | None = None,
        into: str | None = None,
    ) -> None:
        """`columns` are bound per row, in order; `constants` are the same for every row.

        `into` names another table of the same columns to write to (a staging table)."""
        dialect = conn.dialect
        prep = dialect.identifier_preparer
        target = prep.quote(into) if into else prep.format_table(table)
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        constants = constants or {}
        names: list[str] = []
        values: list[str] = []
        self.converters: list[tuple[int, Any]] = []
        for i, name in enumerate(columns):
            names.append(prep.quote(name))
            values.append(mark)
            col_type = table.c[name].type
            if dialect.name == "sqlite" and isinstance(col_type, Boolean):
                continue  # sqlite3 binds a bool as 0/1 itself, in C
            # A date is converted here, once per distinct day, rather than by sqlite3's
            # adapter: that is a Python call for every value.
            proc = col_type._cached_bind_processor(dialect)
            if proc is not None:
                self.converters.append((i, proc))
        # Constants are stored exactly as a bound value would be (the bind processor runs
        # first); text and integers are then written into the statement, the rest is bound.
        tail: list[Any] = []
        for name, value in constants.items():
            names.append(prep.quote(name))
            proc = table.c[name].type._cached_bind_processor(dialect)
            stored = proc(value) if proc is not None and value is not None else value
            if isinstance(stored, str):
                values.append("'" + stored.replace("'", "''") + "'")
            elif isinstance(stored, int) and not isinstance(stored, bool):
                values.append(str(stored))
            else:
                values.append(mark)
                tail.append(stored)
        self.tail = tuple(tail)
        self.conn = conn
        self.sql = f"INSERT INTO {target} ({', '.join(names)}) VALUES ({', '.join(values)})"
        self.memo = [_Memo(proc) for _, proc in self.converters]
        # PostgreSQL: COPY ... FROM STDIN instead of executemany, every constant sent with
        # each row (COPY has no literals). psycopg adapts the values as it would parameters.
        self.copy_sql: str | None = None
        if dialect.name == "postgresql":
            every = [*columns, *(n for n in constants)]
            self.copy_sql = f"COPY {target} ({', '.join(prep.quote(n) for n in every)}) FROM STDIN"
            self.copy_tail = tuple(
                (
                    proc(v)
                    if (proc := table.c[n].type._cached_bind_processor(dialect)) and v is not None
                    else v
                )
                for n, v in constants.items()
            )

    def _convert(self, rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        tail = self.tail
        if not self.converters:
            return [(*row, *tail) for row in rows] if tail else rows
        # Column by column: zip and map run in C, and the memo calls the bind processor
        # only for a value it has not seen.
        cols: list[Sequence[Any]] = list(zip(*rows, strict=True))
        for (i, _), memo in zip(self.converters, self.memo, strict=True):
            cols[i] = list(map(memo.__getitem__, cols[i]))
            if len(memo) > 100_000:
                memo.clear()
                memo[None] = None
        if tail:
            cols.extend([value] * len(rows) for value in tail)
        return list(zip(*cols, strict=True))

    def run(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.copy_sql is None:
            self.conn.exec_driver_sql(self.sql, self._convert(rows))
            return
        # The constants were left out of _convert's tail for COPY: put them back in order.
        plain = self.tail
        self.tail = ()
        try:
            converted = self._convert(rows)
        finally:
            self.tail = plain
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(self.copy_sql) as copy:  # type: ignore[union-attr]
            tail = self.copy_tail
            for row in converted:
                copy.write_row((*row, *tail))


class Ids:
    """Hands out primary keys for rows about to be inserted, so no id travels back afterwards.

    PostgreSQL: taken from the table's own sequence, safe beside other writers. SQLite: counted
    on from the current maximum, which is safe because the import holds the database's write
    lock from its first statement (`write_lock`).
    """

    def __init__(self, conn: Connection, table: Table) -> None:
        self.conn = conn
        self.table = table
        self.postgres = conn.dialect.name == "postgresql"
        self.next = 0
        self.sequence: str | None = None
        if self.postgres:
            # Looked up once: inside the generate_series below it would be per row.
            self.sequence = conn.exec_driver_sql(
                "SELECT pg_get_serial_sequence(%s, 'id')", (table.name,)
            ).scalar()
        else:
            top = conn.exec_driver_sql(f"SELECT MAX(id) FROM {table.name}").scalar()
            self.next = (top or 0) + 1

    def take(self, n: int) -> list[int]:
        if n <= 0:
            return []
        if self.postgres:
            rows = self.conn.exec_driver_sql(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", (self.sequence, n)
            )
            return [r[0] for r in rows]
        first, self.next = self.next, self.next + n
        return list(range(first, self.next))


def write_lock(conn: Connection) -> None:
    """Take SQLite's write lock now rather than at the first write, in the open transaction.

    Other writers then wait (busy timeout) instead of failing half-way, and ids counted from
    MAX(id) cannot be taken by anyone else. PostgreSQL needs nothing here.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


# The ledger's writers (imports, the folder watch, the HTTP feed) one at a time on PostgreSQL.
_LEDGER_LOCK = 0x4152_4C44  # "ARLD"


def ledger_lock(conn: Connection) -> None:
    """Call first in a transaction that writes the ledger: one ledger writer at a time.

    Two imports naming the same new customer would otherwise both insert it, and the later
    one fail on its code when the first commits (two replicas' folder watches, an import
    beside the feed). SQLite's write lock already serialises them; on PostgreSQL a
    transaction-level advisory lock does, and leaves the circle's writers alone.
    """
    write_lock(conn)
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LEDGER_LOCK})


class DeferredIndexes:
    """Drop tables' secondary indexes for a bulk load into SQLite, and build them at the end.

    Building an index once over sorted keys costs far less than keeping it up to date row by
    row. It happens in the load's own transaction, so a failed load gets its indexes back with
    the rollback; readers meanwhile see the last committed state (WAL). Unique constraints
    stay, since the load relies on them. Not on PostgreSQL, where DROP INDEX would lock
    every reader out of the table until the load commits.
    """

    def __init__(self, conn: Connection, tables: Sequence[Table]) -> None:
        self.conn = conn
        self.indexes = [ix for table in tables for ix in table.indexes if not ix.unique]
        for ix in self.indexes:
            ix.drop(conn)

    def rebuild(self) -> None:
        for ix in self.indexes:
            ix.create(self.conn)
        self.indexes = []

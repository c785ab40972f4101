"""Finding a customer from what someone typed: code or name, then a prefix, then a part of the
name, then close spellings ("did you mean"), each step on an index.

- Exact and prefix: the expression indexes on lower(name) and lower(code) (migration 0010);
  a prefix is a range on them, so both are index seeks on SQLite and PostgreSQL.
- A part of the name: SQLite's FTS5 trigram table `customer_fts`, PostgreSQL's pg_trgm GIN
  index. Trigrams need three characters; a shorter part (两个字 such as 恒通) scans the
  customer table, which is one pass over names only.
- Close spellings: candidates that share trigrams with the text (the same indexes), scored
  by rapidfuzz; without an index, a bounded sample of names. A miss costs a few index
  probes, not a pass of difflib over every name.

Lower() folds ASCII only on SQLite; every step re-checks its candidates with Python's
casefold, so ÄBC and äbc match on both databases.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from rapidfuzz import fuzz, process, utils
from sqlalchemy import Connection, Engine, func, or_, select, text

from storage.models import Customer

_cus = Customer.__table__  # type: ignore[attr-defined]
# What migration 0010 adds for searching and the models do not describe: expression and
# trigram indexes, and SQLite's FTS5 table with its shadow tables.
SEARCH_OBJECTS = frozenset(
    {"ix_customer_name_lower", "ix_customer_code_lower", "ix_customer_name_trgm"}
    | {"customer_fts", *(f"customer_fts_{s}" for s in ("data", "idx", "docsize", "config"))}
)
_TOP = "\U0010ffff"  # above every character: the end of a prefix range
_CANDIDATES = 200  # trigram candidates scored for "did you mean"
_SAMPLE = 20_000  # names scored when there is no trigram index to ask
_CUTOFF = 72.0  # below this a name is not "close" (0-100)


@dataclass(frozen=True)
class CustomerRef:
    id: int
    code: str
    name: str
    segment: str
    status: str
    on_hold: bool

    @property
    def title(self) -> str:
        return self.name if self.name == self.code else f"{self.name} ({self.code})"


@dataclass(frozen=True)
class Lookup:
    match: CustomerRef | None
    candidates: list[CustomerRef]  # several plausible ones: "did you mean"
    more: bool = False  # there were more candidates than listed


CUSTOMER_COLS = (
    _cus.c.id.label("cid"),
    _cus.c.code,
    _cus.c.name,
    _cus.c.segment,
    _cus.c.status.label("cstatus"),
    _cus.c.on_hold,
)


def customer_ref(row: Any) -> CustomerRef:
    return CustomerRef(row.cid, row.code, row.name, row.segment, row.cstatus, row.on_hold)


@cache
def _trigram_index(engine: Engine) -> tuple[str, str] | None:
    """Which trigram index this database has: ("fts5", ""), ("pg_trgm", the extension's
    schema, which need not be on the search path) or None (substring searches scan)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            found = conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE name = 'customer_fts'")
            ).first()
            return ("fts5", "") if found else None
        if conn.dialect.name == "postgresql":
            schema = conn.execute(
                text(
                    "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                    "ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm' AND EXISTS ("
                    "SELECT 1 FROM pg_indexes WHERE indexname = 'ix_customer_name_trgm' "
                    "AND schemaname = current_schema())"
                )
            ).scalar()
            return ("pg_trgm", str(schema)) if schema else None
    return None


def _like_escape(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_customer(conn: Connection, query: str, limit: int = 8) -> Lookup:
    """Exact code or name, then prefix, then substring, case-insensitive; else close spellings."""
    q = " ".join(query.split()).casefold()
    if not q:
        return Lookup(None, [])
    lname, lcode = func.lower(_cus.c.name), func.lower(_cus.c.code)

    def run(cond: Any, *, ids: list[int] | None = None) -> list[CustomerRef]:
        stmt = select(*CUSTOMER_COLS).where(cond)
        if ids is not None:
            stmt = stmt.where(_cus.c.id.in_(ids))
        rows = conn.execute(stmt.order_by(_cus.c.name).limit(limit + 1))
        return [customer_ref(r) for r in rows]

    def pick(found: list[CustomerRef]) -> Lookup:
        if len(found) == 1:
            return Lookup(found[0], [])
        return Lookup(None, found[:limit], more=len(found) > limit)

    def folded(c: CustomerRef) -> tuple[str, str]:
        return c.name.casefold(), c.code.casefold()

    exact = [c for c in run(or_(lname == q, lcode == q)) if q in folded(c)]
    if exact:
        return pick(exact)
    prefix = [
        c
        for c in run(or_(lname.between(q, q + _TOP), lcode.between(q, q + _TOP)))
        if any(f.startswith(q) for f in folded(c))
    ]
    if prefix:
        return pick(prefix)
    inner = [c for c in _containing(conn, q, limit + 1) if any(q in f for f in folded(c))]
    if inner:
        return pick(inner)
    return Lookup(None, _close(conn, q, limit))


def _containing(conn: Connection, q: str, limit: int) -> list[CustomerRef]:
    """Customers whose name or code contains q (ASCII-folded by the database)."""
    pattern = "%" + _like_escape(q) + "%"
    kind, _schema = _trigram_index(conn.engine) or ("", "")
    lname, lcode = func.lower(_cus.c.name), func.lower(_cus.c.code)
    if kind == "fts5" and len(q) >= 3:
        # The trigram table answers LIKE from its index (case-insensitive for ASCII).
        ids = (
            select(text("rowid"))
            .select_from(text("customer_fts"))
            .where(text("customer_fts MATCH :m"))
        )
        quoted = '"' + q.replace('"', '""') + '"'
        stmt = (
            select(*CUSTOMER_COLS)
            .where(_cus.c.id.in_(ids.params(m=quoted)))
            .order_by(_cus.c.name)
            .limit(limit)
        )
    else:
        # pg_trgm serves LIKE '%…%' on lower(name) from its GIN index by itself.
        cond = or_(lname.like(pattern, escape="\\"), lcode.like(pattern, escape="\\"))
        stmt = select(*CUSTOMER_COLS).where(cond).order_by(_cus.c.name).limit(limit)
    return [customer_ref(r) for r in conn.execute(stmt)]


def _trigrams(q: str) -> list[str]:
    padded = f"  {q} "
    return sorted({padded[i : i + 3] for i in range(len(padded) - 2) if padded[i : i + 3].strip()})


def _closeness(typed: str, name: str, **_: Any) -> float:
    """How close a name is to what was typed: the whole name misspelt (ratio), or, for a
    typed text of five or more characters clearly shorter than the name, its beginning or a
    part of it misspelt (partial_ratio). Not WRatio: its token-set scoring calls a name
    close for one shared word ("… Holdings"), which is noise, not a suggestion."""
    score = fuzz.ratio(typed, name)
    if len(typed) >= 5 and len(typed) <= 0.7 * len(name):
        score = max(score, fuzz.partial_ratio(typed, name) * 0.95)
    return score


def _close(conn: Connection, q: str, limit: int) -> list[CustomerRef]:
    """Names spelled almost like q, best first (rapidfuzz, over trigram candidates)."""
    kind, schema = _trigram_index(conn.engine) or ("", "")
    names: dict[int, str] = {}
    if kind == "fts5" and len(q) >= 3:
        grams = [g for g in _trigrams(q) if len(g.strip()) == 3]
        if grams:
            match = " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)
            rows = conn.execute(
                text(
                    "SELECT c.id, c.name, c.code FROM customer_fts f JOIN customer c "
                    "ON c.id = f.rowid WHERE customer_fts MATCH :m ORDER BY rank LIMIT :n"
                ),
                {"m": match, "n": _CANDIDATES},
            )
            for row in rows:
                names[row.id] = row.name
    elif kind == "pg_trgm" and len(q) >= 3:
        rows = conn.execute(
            text(
                f'SELECT id, name, code FROM customer WHERE lower(name) OPERATOR("{schema}".%) :q '
                f'ORDER BY "{schema}".similarity(lower(name), :q) DESC LIMIT :n'
            ),
            {"q": q, "n": _CANDIDATES},
        )
        for row in rows:
            names[row.id] = row.name
    else:
        rows = conn.execute(select(_cus.c.id, _cus.c.name, _cus.c.code).limit(_SAMPLE))
        for row in rows:
            names[row.id] = row.name
    if not names:
        return []
    best = process.extract(
        q, names, scorer=_closeness, processor=utils.default_process, limit=limit,
        score_cutoff=_CUTOFF,
    )  # fmt: skip
    ids = [key for _name, _score, key in best]
    if not ids:
        return []
    found = {
        r.cid: customer_ref(r)
        for r in conn.execute(select(*CUSTOMER_COLS).where(_cus.c.id.in_(ids)))
    }
    return [found[i] for i in ids if i in found]

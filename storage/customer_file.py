"""`arcircle import --customers FILE`: the customer master (CSV or XLSX) onto the customers.

One row per customer, found by its code: code, name, short name, contact_name,
contact_title, relationship_since, credit_limit, credit_currency, interest_per_day, segment
(headers in English or Chinese, see COLUMNS). A known code is updated with the cells the row
fills (a blank cell leaves what is known alone); an unknown code is created when the row
gives its name. A bad row is reported with its number and reason and the good rows still
land, in one transaction with one audit entry per changed customer and one for the file.
The short name is read but not stored: the customer table has no column for it yet.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from playbook.cleantext import clean_text
from playbook.money import MoneyError, from_minor, to_minor
from storage import audit
from storage.bulk import ledger_lock
from storage.db import Database
from storage.ledger_amounts import parse_currency, parse_money
from storage.ledger_cell import ParseError
from storage.ledger_cell import quote as _q
from storage.ledger_files import RowProblem, read_table
from storage.ledger_options import SEGMENTS, BadRow, ImportResult, MappingError
from storage.ledger_parse import parse_date
from storage.ledger_rates import parse_rate
from storage.models import Customer

__all__ = ["COLUMNS", "CustomerFileOptions", "import_customers"]

_cus = Customer.__table__  # type: ignore[attr-defined]

# Each field and the headers it is found under (matched without case, spaces or punctuation).
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "customer", "customer code", "customer id", "客户编码", "客户代码",
             "客户编号", "编码", "代码"),
    "name": ("name", "customer name", "客户名称", "名称", "客户"),
    "short_name": ("short name", "short_name", "简称", "客户简称"),
    "contact_name": ("contact_name", "contact", "contact person", "联系人", "联系人姓名",
                     "对接人"),
    "contact_title": ("contact_title", "contact title", "job title", "职务", "联系人职务",
                      "职位"),
    "relationship_since": ("relationship_since", "customer since", "first order date",
                           "首次合作日期", "合作开始日期", "合作起始日期", "首次下单日期"),
    "credit_limit": ("credit_limit", "credit line", "信用额度", "授信额度", "额度"),
    "credit_currency": ("credit_currency", "currency", "币种", "货币", "额度币种"),
    "interest_per_day": ("interest_per_day", "late interest", "daily interest", "逾期利率",
                         "日利率", "逾期日利率"),
    "segment": ("segment", "客户分类", "分类", "客户类别"),
}  # fmt: skip
_MAX = {"code": 120, "name": 300, "short_name": 40, "contact_name": 80, "contact_title": 40}
_CELL_MAX = 500  # past this a cell is no value of any field here
_STORED = ("name", "segment", "contact_name", "contact_title", "relationship_since",
           "credit_limit_minor", "credit_currency", "interest_per_day")  # fmt: skip
_FIRST_DAY = date(1900, 1, 1)
_RATE_PLACES = Decimal("0.00000001")


class CustomerFileOptions:
    def __init__(
        self,
        *,
        currency: str = "CNY",
        max_amount: Decimal = Decimal(10) ** 12,
        date_format: str | None = None,
        encoding: str | None = None,
        delimiter: str | None = None,
        sheet: str | None = None,
        actor: str = "import",
    ) -> None:
        self.currency = currency
        self.max_amount = max_amount
        self.date_format = date_format
        self.encoding = encoding
        self.delimiter = delimiter
        self.sheet = sheet
        self.actor = actor


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def resolve(columns: Sequence[str]) -> dict[str, int]:
    """Each field's column; raises MappingError without a code column."""
    by_norm: dict[str, int] = {}
    for i, c in enumerate(columns):
        by_norm.setdefault(_norm(c), i)
    index: dict[str, int] = {}
    taken: set[int] = set()
    for name, headers in COLUMNS.items():
        for header in headers:
            found = by_norm.get(_norm(header))
            if found is not None and found not in taken:
                index[name] = found
                taken.add(found)
                break
    if "code" not in index:
        raise MappingError(
            "no column for the customer code (code, 客户编码, ...); the file has: "
            + ", ".join(columns)
        )
    return index


def read_row(
    cells: Sequence[str], index: Mapping[str, int], options: CustomerFileOptions, today: date
) -> dict[str, Any]:
    """The fields a row fills, checked; raises ParseError with the reason."""
    text = {f: (cells[i] if i < len(cells) else "") for f, i in index.items()}
    for name, cell in text.items():
        if len(cell) > _CELL_MAX:
            raise ParseError(f"{name}: the cell is {len(cell):,} characters long")
    out: dict[str, Any] = {}
    code = clean_text(text["code"], 10**6)
    if not code:
        raise ParseError("code is blank")
    if len(code) > _MAX["code"]:
        raise ParseError(f"code {_q(code)} is longer than {_MAX['code']} characters")
    out["code"] = code
    for name in ("name", "contact_name", "contact_title"):
        cleaned = clean_text(text.get(name, ""), _MAX[name])
        if cleaned:
            out[name] = cleaned
    segment = text.get("segment", "").strip()
    if segment:
        found = SEGMENTS.get(segment.lower())
        if found is None:
            raise ParseError(f"segment {_q(segment)} is not important, normal or problem")
        out["segment"] = found
    since_text = text.get("relationship_since", "")
    if since_text:
        since = parse_date(since_text, options.date_format)
        if since is not None:
            if not _FIRST_DAY <= since <= today:
                raise ParseError(
                    f"relationship since {since} is not a past date (today is {today})"
                )
            out["relationship_since"] = since
    currency_text = text.get("credit_currency", "")
    currency = parse_currency(currency_text) if currency_text else None
    limit_text = text.get("credit_limit", "")
    if limit_text:
        limit, code_in, _symbol = parse_money(limit_text)
        if code_in and currency and code_in != currency:
            raise ParseError(f"credit limit {_q(limit_text)} is in {code_in}, not {currency}")
        currency = currency or code_in or options.currency
        if limit < 0:
            raise ParseError(f"credit limit {_q(limit_text)} is negative")
        if limit > options.max_amount:
            raise ParseError(f"credit limit {_q(limit_text)} is more than ledger.max_amount")
        try:
            out["credit_limit_minor"] = to_minor(limit, currency)
        except MoneyError as exc:
            raise ParseError(f"credit limit: {exc}") from None
        out["credit_currency"] = currency
    elif currency:
        raise ParseError("credit currency without a credit limit")
    rate = parse_rate(text.get("interest_per_day", ""))
    if rate is not None:
        out["interest_per_day"] = rate
    return out


def _same(old: Any, new: Any) -> bool:
    if isinstance(new, Decimal) and old is not None:
        return Decimal(str(old)).quantize(_RATE_PLACES) == new.quantize(_RATE_PLACES)
    return bool(old == new)


def _json(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal | float) else value


class _Writer:
    def __init__(self, conn: Connection, result: ImportResult, actor: str, now: datetime):
        self.conn, self.result, self.actor, self.now = conn, result, actor, now

    def apply(self, row: int, fields: dict[str, Any]) -> str | None:
        """Write one row; a reason when it cannot be."""
        code = fields["code"]
        old = self.conn.execute(select(_cus).where(_cus.c.code == code)).first()
        values = {k: v for k, v in fields.items() if k in _STORED}
        if old is None:
            if "name" not in values:
                return f"no customer has the code {_q(code)}; give its name to create it"
            new_id = self.conn.execute(
                _cus.insert()
                .values(code=code, **values, created_at=self.now, updated_at=self.now)
                .returning(_cus.c.id)
            ).scalar_one()
            self._audit("customer.create", code, row, {k: _json(v) for k, v in values.items()})
            self.result.created += 1
            self._note(f"row {row}: new customer {code} (id {new_id})")
            return None
        changes = {
            k: [_json(old._mapping[k]), _json(v)]
            for k, v in values.items()
            if not _same(old._mapping[k], v)
        }
        if not changes:
            self.result.unchanged += 1
            return None
        self.conn.execute(
            _cus.update()
            .where(_cus.c.id == old.id)
            .values(**{k: values[k] for k in changes}, updated_at=self.now)
        )
        self._audit("customer.update", code, row, {"changes": changes})
        self.result.updated += 1
        shown = ", ".join(f"{k} {_shown(k, a, old)} → {_shown(k, b, old, values)}"
                          for k, (a, b) in changes.items())  # fmt: skip
        self._note(f"row {row}: customer {code}: {shown}")
        return None

    def _audit(self, action: str, code: str, row: int, detail: dict[str, Any]) -> None:
        audit.append(
            self.conn,
            at=self.now,
            actor=self.actor,
            action=action,
            entity="customer",
            entity_id=code,
            detail={"row": row, "file": self.result.file, **detail},
        )

    def _note(self, text: str) -> None:
        if len(self.result.changes) < 500:
            self.result.changes.append(text)


def _shown(key: str, value: Any, old: Any, new: Mapping[str, Any] | None = None) -> str:
    if key == "credit_limit_minor" and value is not None:
        currency = (new or {}).get("credit_currency") or old.credit_currency or "CNY"
        return f"{from_minor(int(value), currency)} {currency}"
    return str(value)


def import_customers(
    db: Database,
    path: Path,
    options: CustomerFileOptions,
    *,
    now: datetime,
    today: date,
    dry_run: bool = False,
    sha256: Callable[[Path], str] | None = None,
) -> ImportResult:
    """Import a customer file; raises ParseError (unreadable) or MappingError (no code)."""
    started = _time.perf_counter()
    table = read_table(
        path, encoding=options.encoding, delimiter=options.delimiter, sheet=options.sheet
    )
    result = ImportResult(file=path.name, dry_run=dry_run, columns=list(table.columns))
    try:
        index = resolve(table.columns)
        with db.engine.connect() as conn:
            trans = conn.begin()
            try:
                ledger_lock(conn)
                writer = _Writer(conn, result, options.actor, now)
                seen: dict[str, int] = {}
                for row, cells in table.rows:
                    result.rows += 1
                    reason = _one(writer, row, cells, index, options, today, seen)
                    if reason is not None:
                        result.bad.append(BadRow(row, reason, tuple(c[:_CELL_MAX] for c in cells)))
                if not dry_run:
                    audit.append(
                        conn,
                        at=now,
                        actor=options.actor,
                        action="customers.import",
                        entity="customers",
                        entity_id=path.name[:120],
                        detail={
                            "sha256": sha256(path) if sha256 else None,
                            "rows": result.rows,
                            "created": result.created,
                            "updated": result.updated,
                            "unchanged": result.unchanged,
                            "bad": len(result.bad),
                        },
                    )
                    trans.commit()
                else:
                    trans.rollback()
            except BaseException:
                trans.rollback()
                raise
    finally:
        table.close()
    result.customers_created = result.created
    result.seconds = _time.perf_counter() - started
    return result


def _one(
    writer: _Writer,
    row: int,
    cells: list[str],
    index: Mapping[str, int],
    options: CustomerFileOptions,
    today: date,
    seen: dict[str, int],
) -> str | None:
    if isinstance(cells, RowProblem):
        return cells.reason
    if "\x00" in "".join(cells):
        return "a cell holds a NUL character (\\x00), which is not text"
    try:
        fields = read_row(cells, index, options, today)
    except ParseError as exc:
        return str(exc)
    first = seen.get(fields["code"])
    if first is not None:
        return f"customer {fields['code']} already appears on row {first}"
    seen[fields["code"]] = row
    return writer.apply(row, fields)

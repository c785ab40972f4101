"""What a ledger import is told (fields, mapping, options) and what it reports back.

Bad rows and warnings, kept apart on purpose:

* a **bad row** is not imported: its reason is shown as "row N: reason" and it goes to the
  errors file with its original cells. Anything that would put a wrong or impossible figure
  in the ledger is one: an unreadable cell, an amount beyond `ledger.max_amount`, a payment
  larger than its invoice or of the opposite sign, a currency symbol the currency column
  contradicts, a code that is not a currency, a cell too long for its field.
* a **warning** is about rows that were imported, read by an assumption the user should
  confirm (dates whose day/month order nothing in their column decides).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from playbook.ledger_fields import FIELDS, HEADER_ALIASES

REQUIRED = ("invoice_no", "customer", "amount")
# What the segment column may say, in English and Chinese.
SEGMENTS = {
    "important": "important",
    "key": "important",
    "vip": "important",
    "重要": "important",
    "normal": "normal",
    "regular": "normal",
    "普通": "normal",
    "一般": "normal",
    "problem": "problem",
    "blacklist": "problem",
    "问题": "problem",
    "黑名单": "problem",
}

# How a reason names each field.
LABELS = {
    "invoice_no": "invoice number",
    "customer": "customer",
    "customer_name": "customer name",
    "issue_date": "issue date",
    "due_date": "due date",
    "amount": "amount",
    "paid_amount": "paid amount",
    "outstanding": "outstanding",
    "settled_date": "settled date",
    "disputed": "disputed",
    "currency": "currency",
    "terms_days": "terms",
    "owner": "owner",
    "segment": "segment",
    "description": "description",
    "relationship_since": "relationship since",
    "contact_name": "contact name",
    "contact_title": "contact title",
    "credit_limit": "credit limit",
    "interest_per_day": "interest per day",
}
# One invoice above this (in its currency's major unit) is a typing or export error. The
# ceiling keeps every figure, in minor units and summed with others, inside a 64-bit integer.
DEFAULT_MAX_AMOUNT = Decimal(10) ** 12
MAX_AMOUNT_CEILING = Decimal(10) ** 15


class MappingError(ValueError):
    """The file cannot be imported at all (a mapped column is missing, a field is unknown)."""


@dataclass(frozen=True)
class ImportOptions:
    columns: Mapping[str, str] = field(default_factory=dict)
    date_format: str | None = None
    decimal_comma: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    currency: str = "CNY"
    terms_days: int = 30
    max_amount: Decimal = DEFAULT_MAX_AMOUNT
    # The sample ledger is shipped with fixed dates; shifting keeps the demo's overdue
    # items overdue by the same number of days whenever it is run.
    shift_days: int = 0
    actor: str = "import"
    # `arcircle import --balances-as-of DATE`: the day the file's undated payments are dated
    # (by default the import day).
    balances_as_of: date | None = None


@dataclass(frozen=True)
class BadRow:
    row: int
    reason: str
    # The row's cells as read, in the file's column order (each cut to what a spreadsheet
    # cell holds), for the errors file.
    cells: tuple[str, ...] = ()


@dataclass
class ImportResult:
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    customers_created: int = 0
    payments_added: int = 0
    bad: list[BadRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    # The file's header, as the rows' cells are laid out (for the errors file).
    columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


def parse_map_arg(text: str) -> dict[str, str]:
    """`invoice_no=invoiceNumber,customer=customerID` → {field: column}."""
    mapping: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, column = part.partition("=")
        name, column = name.strip(), column.strip()
        if not sep or not name or not column:
            raise MappingError(f"--map: {part!r} is not field=column")
        if name not in FIELDS:
            raise MappingError(f"--map: unknown field {name!r} (fields: {', '.join(FIELDS)})")
        mapping[name] = column
    return mapping


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def resolve_columns(
    columns: Sequence[str], mapping: Mapping[str, str]
) -> dict[str, tuple[int, ...]]:
    """Each field's column positions in the file: mapped (several joined by +), or found by
    its own name; raises MappingError when a required field has none."""
    by_exact = {c: i for i, c in enumerate(columns)}
    by_norm: dict[str, int] = {}
    for i, c in enumerate(columns):
        by_norm.setdefault(_norm(c), i)
    index: dict[str, tuple[int, ...]] = {}
    for name, spec in mapping.items():
        if name not in FIELDS:
            raise MappingError(f"unknown field {name!r} (fields: {', '.join(FIELDS)})")
        parts = [p.strip() for p in spec.split("+")] if "+" in spec else [spec.strip()]
        idx = []
        for part in parts:
            found = by_exact.get(part, by_norm.get(_norm(part)))
            if found is None:
                raise MappingError(
                    f"{name}={spec}: no column {part!r} in the file (columns: {', '.join(columns)})"
                )
            idx.append(found)
        index[name] = tuple(idx)
    for name in FIELDS:
        if name not in index and _norm(name) in by_norm:
            index[name] = (by_norm[_norm(name)],)
    taken = {i for where in index.values() for i in where}
    for name, aliases in HEADER_ALIASES.items():
        if name in index:
            continue
        found = next((by_norm[k] for a in aliases if (k := _norm(a)) in by_norm), None)
        if found is not None and found not in taken:
            index[name] = (found,)
            taken.add(found)
    missing = [f for f in REQUIRED if f not in index]
    if "issue_date" not in index and "due_date" not in index:
        missing.append("issue_date or due_date")
    if missing:
        raise MappingError(
            f"no column for {', '.join(missing)}: map it with --map field=column "
            f"(or ledger.columns in config); the file has: {', '.join(columns)}"
        )
    return index

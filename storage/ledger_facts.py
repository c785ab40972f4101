"""The customer facts a ledger row may carry beside its invoice: the first order date, the
credit limit (in the row's currency) and the contract's late interest per day. Each cell
is checked like the invoice's own, and a bad one makes the row a bad row with its reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from playbook.money import MoneyError, to_minor
from storage.ledger_cell import ParseError
from storage.ledger_cell import quote as _q
from storage.ledger_parse import parse_date
from storage.ledger_rates import parse_rate

if TYPE_CHECKING:
    from storage.ledger_rows import Record

__all__ = ["FACT_COLUMNS", "changes_json", "customer_cells", "differs", "row_facts", "says_facts"]

# The customer columns a ledger row may set beyond the name and segment.
FACT_COLUMNS = (
    "relationship_since",
    "contact_name",
    "contact_title",
    "credit_limit_minor",
    "credit_currency",
)

_FIRST_DAY = date(1900, 1, 1)
_LAST_DAY = date(2199, 12, 31)


def customer_cells(
    amount: Callable[[str, str, str | None], Decimal],
    date_format: str | None,
    since_text: str,
    limit_text: str,
    rate_text: str,
    currency: str,
) -> tuple[date | None, int | None, Decimal | None]:
    """(relationship since, credit limit in minor units, rate per day); None where blank.
    `amount` reads a figure in the row's currency within ledger.max_amount."""
    try:
        since = parse_date(since_text, date_format)
    except ParseError as exc:
        raise ParseError(f"relationship since: {exc}") from None
    if since is not None and not _FIRST_DAY <= since <= _LAST_DAY:
        raise ParseError(f"relationship since {since} is not a plausible date")
    limit = None
    if limit_text:
        value = amount("credit limit", limit_text, currency)
        if value < 0:
            raise ParseError(f"credit limit {_q(limit_text)} is negative")
        try:
            limit = to_minor(value, currency)
        except MoneyError as exc:
            raise ParseError(f"credit limit: {exc}") from None
    try:
        rate = parse_rate(rate_text)
    except ParseError as exc:
        raise ParseError(f"interest per day: {exc}") from None
    return since, limit, rate


def says_facts(rec: Record) -> bool:
    return bool(
        rec.relationship_since
        or rec.contact_name
        or rec.contact_title
        or rec.credit_limit_minor is not None
    )


def row_facts(rec: Record, old: Mapping[str, Any]) -> dict[str, Any]:
    """The customer's facts after this row: what it says wins, blanks leave them alone; the
    relationship began on the earliest first-order date any row gives."""
    facts = dict(old)
    since = rec.relationship_since
    if since is not None and (
        old["relationship_since"] is None or since < old["relationship_since"]
    ):
        facts["relationship_since"] = since
    if rec.contact_name:
        facts["contact_name"] = rec.contact_name
    if rec.contact_title:
        facts["contact_title"] = rec.contact_title
    if rec.credit_limit_minor is not None:
        facts["credit_limit_minor"] = rec.credit_limit_minor
        facts["credit_currency"] = rec.currency
    return facts


def differs(old: Any, new: Any) -> bool:
    # SQLite hands a NUMERIC back through a float: compare rates as the column keeps them.
    if isinstance(new, Decimal) and old is not None:
        return Decimal(str(old)).quantize(RATE_PLACES) != new.quantize(RATE_PLACES)
    return bool(old != new)


RATE_PLACES = Decimal("0.00000001")


def changes_json(changes: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
    """Changes as the audit's JSON holds them: a rate as its text."""
    return {
        k: [str(v) if isinstance(v, Decimal | float) else v for v in pair]
        for k, pair in changes.items()
    }

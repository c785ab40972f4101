"""Row checks beyond parsing one cell: a payment against its invoice, and the day/month order
of a date column, which only the whole column can tell."""

from __future__ import annotations

from decimal import Decimal

from storage.ledger_cell import ParseError
from storage.ledger_dates import AMBIGUOUS, CONFIRMS, date_order, order_warning

DATE_FIELDS = ("issue_date", "due_date", "settled_date")


class DateOrder:
    """Per date column: values that fit both day/month orders, and whether any decides it.

    Rows only drop their date texts into a dict per column (a few thousand distinct dates
    in a ledger); they are judged in batches, and a column stops collecting once one of its
    dates has decided the order."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels  # field -> "issue date (column 'InvoiceDate')"
        self.collecting = set(labels)
        self.texts: dict[str, dict[str, None]] = {f: {} for f in DATE_FIELDS}
        self.active = bool(labels)
        self.confirmed: set[tuple[str, str]] = set()
        # (field, separator) -> [distinct ambiguous dates, first of them, distinct refused]
        self.seen: dict[tuple[str, str], list[int | str]] = {}

    def judge(self) -> None:
        for name, texts in self.texts.items():
            if name not in self.collecting:
                texts.clear()
                continue
            for text in texts:
                found = date_order(text) if text else None
                if found is None:
                    continue
                sep, kind = found
                if kind == CONFIRMS:
                    self.confirmed.add((name, sep))
                    continue
                stats = self.seen.setdefault((name, sep), [0, text.strip(), 0])
                at = 0 if kind == AMBIGUOUS else 2
                stats[at] = int(stats[at]) + 1
            texts.clear()
            if any(k[0] == name for k in self.confirmed) and not any(
                k[0] == name and k not in self.confirmed for k in self.seen
            ):
                self.collecting.discard(name)
        self.active = bool(self.collecting)

    def warnings(self) -> list[str]:
        self.judge()
        return [
            order_warning(self.labels[name], sep, str(example), int(count), int(refused))
            for (name, sep), (count, example, refused) in self.seen.items()
            if count and (name, sep) not in self.confirmed
        ]


def check_paid(paid: Decimal, amount: Decimal) -> None:
    # A payment runs the same way as its invoice and no further: a refund, a reversal or an
    # overpayment is a document of its own (a credit note), not a figure on this row.
    if 0 <= paid <= amount:
        return
    if paid and (paid < 0) != (amount < 0):
        if amount > 0:
            raise ParseError(
                f"paid amount {paid} is negative, but the invoice is for {amount}; a payment "
                "on an invoice cannot be negative (a refund is a credit note of its own)"
            )
        raise ParseError(
            f"paid amount {paid} is positive, but the row is a credit note of {amount}; "
            "what was applied of a credit note is negative too"
        )
    if abs(paid) > abs(amount):
        raise ParseError(
            f"paid amount {paid} is more than the invoice amount {amount}; an overpayment "
            "is a credit of its own, not a payment on this invoice"
        )


def check_outstanding(outstanding: Decimal, amount: Decimal) -> None:
    if outstanding and (outstanding < 0) != (amount < 0):
        raise ParseError(
            f"outstanding {outstanding} has the opposite sign to the amount {amount}, so the "
            "invoice would be paid more than its amount"
        )
    if abs(outstanding) > abs(amount):
        raise ParseError(
            f"outstanding {outstanding} is more than the amount {amount}, so the payment "
            "would be negative"
        )

"""The sample ledger shipped in examples/, loaded into an empty database on first run, with
its customer file (contacts, first order dates, credit limits, contract interest) beside it."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

from storage.customer_file import CustomerFileOptions, import_customers
from storage.db import Database
from storage.ledger import ImportOptions, ImportResult, import_ledger

# The day examples/sample_ledger.csv was generated for (bench.generate --as-of).
SAMPLE_AS_OF = date(2026, 11, 23)
_CUSTOMERS = "sample_customers.csv"


def sample_path() -> Path:
    override = os.environ.get("ARCIRCLE_SAMPLE_LEDGER")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1] / "examples" / "sample_ledger.csv"


def customers_path(ledger: Path) -> Path | None:
    """The customer file that goes with a sample ledger: `sample_customers.csv` beside the
    shipped one (a ledger of one's own, ARCIRCLE_SAMPLE_LEDGER, comes without it)."""
    if os.environ.get("ARCIRCLE_SAMPLE_LEDGER"):
        return None
    path = ledger.with_name(_CUSTOMERS)
    return path if path.exists() else None


def load_sample(
    db: Database, *, currency: str, now: datetime, today: date, path: Path | None = None
) -> ImportResult:
    """Import the sample with every date moved by (today − SAMPLE_AS_OF), then its customers.

    The demo then shows the same overdue picture whenever it is run: an invoice that was
    45 days late on the day the sample was made is 45 days late today. First order dates are
    years back and stay as they are.
    """
    options = ImportOptions(
        currency=currency, shift_days=(today - SAMPLE_AS_OF).days, actor="sample"
    )
    ledger = path or sample_path()
    result = import_ledger(db, ledger, options, now=now, today=today)
    customers = customers_path(ledger) if path is None else None
    if customers is not None:
        import_customers(
            db,
            customers,
            CustomerFileOptions(currency=currency, actor="sample"),
            now=now,
            today=today,
        )
    return result

"""The sample ledger shipped in examples/, loaded into an empty database on first run."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

from storage.db import Database
from storage.ledger import ImportOptions, ImportResult, import_ledger

# The day examples/sample_ledger.csv was generated for (bench.generate --as-of).
SAMPLE_AS_OF = date(2026, 11, 23)


def sample_path() -> Path:
    override = os.environ.get("ARCIRCLE_SAMPLE_LEDGER")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1] / "examples" / "sample_ledger.csv"


def load_sample(
    db: Database, *, currency: str, now: datetime, today: date, path: Path | None = None
) -> ImportResult:
    """Import the sample with every date moved by (today − SAMPLE_AS_OF).

    The demo then shows the same overdue picture whenever it is run: an invoice that was
    45 days late on the day the sample was made is 45 days late today.
    """
    options = ImportOptions(
        currency=currency, shift_days=(today - SAMPLE_AS_OF).days, actor="sample"
    )
    return import_ledger(db, path or sample_path(), options, now=now, today=today)

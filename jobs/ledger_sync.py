"""Re-import the configured ledger file whenever its content changes (an ERP's nightly export).

Each distinct content is claimed once through a JobRun row keyed by its SHA-256, so two
processes watching the same file import it once, and a restart does not import it again.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

from storage import jobrun
from storage.circle import CircleEnv
from storage.db import Database
from storage.ledger import ImportOptions, ImportResult, file_sha256, import_ledger
from storage.paid_cases import close_paid_cases

log = logging.getLogger(__name__)
JOB = "ledger_sync"


def sync_ledger(
    db: Database,
    path: Path,
    options: ImportOptions,
    now: datetime,
    today: date,
    circle: CircleEnv | None = None,
) -> ImportResult | None:
    """Import `path` if this content was never imported; None when there was nothing to do.
    With the circle's env, cases the import shows paid are closed (storage.paid_cases)."""
    if not path.exists():
        log.warning("ledger source %s does not exist", path)
        return None
    digest = file_sha256(path)
    if not jobrun.claim(db, JOB, digest, now):
        return None
    status = "failed"
    detail: dict[str, Any] = {}
    try:
        result = import_ledger(db, path, options, now=now, today=today, sha256=digest)
        status = "done"
        detail = {
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "bad": len(result.bad),
            "warnings": len(result.warnings),
        }
        for warning in result.warnings:
            log.warning("ledger sync %s: %s", path.name, warning)
        if result.bad:
            log.warning(
                "ledger sync %s: %d bad rows, first: row %d: %s",
                path.name,
                len(result.bad),
                result.bad[0].row,
                result.bad[0].reason,
            )
    except Exception as exc:
        detail = {"source": path.name, "error": str(exc)}
        raise
    finally:
        jobrun.finish(db, JOB, digest, status, now, detail)
    if circle is not None and (result.created or result.updated):
        close_paid_cases(db, circle, now=now, today=today)
    return result

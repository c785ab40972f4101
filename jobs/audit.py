"""The hourly audit checkpoint: check what the trail gained since the last checkpoint and
write a new signed one, so a trail cut short later is caught by `arcircle audit verify`."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from storage.audit_checkpoints import Checkpoint
from storage.audit_verify import checkpoint_database
from storage.db import Database

log = logging.getLogger(__name__)


def audit_checkpoint(db: Database, path: Path, now: datetime) -> Checkpoint | None:
    """The newest checkpoint, written now when the trail grew; None when the trail is empty
    or does not hold (then nothing is written and the log says why)."""
    done = checkpoint_database(db, path, now)
    if done.problems:
        log.error(
            "audit trail: no checkpoint written, %d problem(s), e.g. %s; run `arcircle audit "
            "verify` for the whole report",
            done.total,
            done.problems[0],
        )
        return None
    return done.checkpoint

"""What an outbox row says when it is sent: its case loaded now, then rendered by the kernel."""

from __future__ import annotations

from datetime import datetime

from bot.kernel.circle_messages import needs_case, render_message
from bot.kernel.config import Config
from bot.kernel.messages import Reply
from jobs.digest_render import render_digest
from storage.circle import load_case
from storage.offloop import Conn
from storage.outbox import OutRow


def render_row(conn: Conn, row: OutRow, config: Config, now: datetime) -> Reply | None:
    """The message an outbox row stands for, showing the case as it is now (None: nothing to
    send, the case is gone)."""
    if row.kind == "digest":
        return render_digest(conn, row, config, now)
    case_id = row.payload.get("case")
    view = None
    if needs_case(row.kind) and case_id is not None:
        view = load_case(conn, int(case_id))
    return render_message(row.kind, row.payload, view, config, now)

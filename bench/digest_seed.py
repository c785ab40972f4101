"""A month of circle history for bench.digest, written straight into the tables."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

TEAMS = ("sales", "finance", "legal")


def seed_circle(workdir: Path, start: date, end: date, cases: int, seed: int) -> int:
    """A month of circle history written straight into the tables (the circle's own bench,
    bench.circle, measures writing it): per case three seats, each answered in the window
    (70 %), late after an escalation (20 %) or still waiting after two (10 %). The audit
    entries carry what the real ones carry; their hashes are stand-ins (no verify here)."""
    from playbook.circle import CirclePolicy
    from storage.db import Database
    from storage.models import AuditLog, Case, Seat

    case_t = Case.__table__  # type: ignore[attr-defined]
    seat_t = Seat.__table__  # type: ignore[attr-defined]
    audit_t = AuditLog.__table__  # type: ignore[attr-defined]
    db = Database(f"sqlite:///{workdir}/ours.db")
    rng = random.Random(seed)
    policy = json.dumps(CirclePolicy().to_json(), sort_keys=True)
    with db.engine.begin() as conn:
        conn.execute(audit_t.delete())
        conn.execute(seat_t.delete())
        conn.execute(case_t.delete())
        customer_ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM customer")]
        days = (end - start).days + 1
        case_rows, seat_rows, audits = [], [], []
        seat_id = 0

        def entry(at: datetime, action: str, sid: int, detail: dict[str, Any]) -> None:
            n = len(audits)
            audits.append(
                {
                    "at": at,
                    "actor": "circle",
                    "action": action,
                    "entity": "seat",
                    "entity_id": str(sid),
                    "detail": json.dumps(detail, sort_keys=True),
                    "version": 1,
                    "key_id": None,
                    "prev_hash": hashlib.sha256(f"p{n}".encode()).hexdigest(),
                    "hash": hashlib.sha256(f"h{n}".encode()).hexdigest(),
                }
            )

        for case_id in range(1, cases + 1):
            day = start + timedelta(days=rng.randrange(days))
            # 10:00-16:00 in Shanghai, inside business hours.
            opened = datetime(day.year, day.month, day.day, 2, tzinfo=UTC) + timedelta(
                minutes=rng.randrange(360)
            )
            closed = opened + timedelta(days=rng.randrange(1, 20)) if rng.random() < 0.6 else None
            case_rows.append(
                {
                    "id": case_id,
                    "customer_id": rng.choice(customer_ids),
                    "status": "closed" if closed else "open",
                    "trigger": "stage",
                    "stage": "early",
                    "opened_at": opened,
                    "opened_by": "circle",
                    "closed_at": closed,
                    "policy": policy,
                    "version": 1,
                    "updated_at": opened,
                }
            )
            for team in TEAMS:
                seat_id += 1
                fate = rng.random()
                status, level, answered = "answered", 0, None
                entry(opened, "seat.open", seat_id, {"case": case_id, "team": team})
                if fate < 0.7:
                    answered = opened + timedelta(minutes=rng.randrange(1, 15))
                else:
                    esc = opened + timedelta(minutes=15)
                    entry(
                        esc,
                        "seat.escalation",
                        seat_id,
                        {"case": case_id, "team": team, "level": 1, "people": ["lead"]},
                    )
                    level = 1
                    if fate < 0.9:
                        answered = esc + timedelta(minutes=rng.randrange(1, 120))
                    else:
                        entry(
                            esc + timedelta(minutes=15),
                            "seat.escalation",
                            seat_id,
                            {"case": case_id, "team": team, "level": 2, "people": ["boss"]},
                        )
                        status, level = "waiting", 2
                if answered is not None:
                    entry(answered, "seat.answer", seat_id, {"case": case_id, "team": team})
                if closed is not None:
                    status = "closed"
                seat_rows.append(
                    {
                        "id": seat_id,
                        "case_id": case_id,
                        "team": team,
                        "status": status,
                        "started_at": opened,
                        "level": level,
                        "answered_at": answered,
                        "version": 1,
                        "updated_at": opened,
                    }
                )
        conn.execute(case_t.insert(), case_rows)
        conn.execute(seat_t.insert(), seat_rows)
        conn.execute(audit_t.insert(), audits)
    db.analyze(("seat", "audit_log"))
    db.dispose()
    return len(audits)

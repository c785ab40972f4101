"""Cases the ledger shows paid in full, closed as `close_paid` by the facts, with the thank-you.

A payment that arrives through the ledger sync (the watched folder, the HTTP feed, the synced
file) settles the case's invoices; this closes the active cases that owe nothing any more
through the same decision finance takes by hand (`/ar decide N close_paid`, storage.
circle_decisions.decide), so the seats, the audit entry, the card update and the pending
promises are handled once, in one place. The thank-you and repair suggestion is an outbox
note keyed by the case (`case:N:paid_thanks`): two processes, or a second run, post it once.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import Connection, and_, exists, select

from playbook.case_view import ACTIVE
from playbook.decisions import Actor, DecisionRules
from storage.circle_decisions import decide
from storage.circle_types import CircleEnv, CircleError, _case, _ci, _inv
from storage.circle_write import _fanout, begin_write
from storage.customer_facts import relationship_years
from storage.db import Database

log = logging.getLogger(__name__)

SYNC_ACTOR = "ledger-sync"
PAID_NOTE = "paid_thanks"
# The facts decide here, not a person: close_paid is only taken when nothing is owed
# (decide checks that again under the case's lock), whoever the config lets take it by hand.
_FACTS = DecisionRules(permissions={"close_paid": ("any",)})


def paid_case_ids(conn: Connection) -> list[int]:
    """Active cases with at least one invoice, money received on one, and nothing owed."""
    linked = and_(_ci.c.case_id == _case.c.id, _inv.c.id == _ci.c.invoice_id)
    owed = exists(
        select(_ci.c.invoice_id)
        .select_from(_ci.join(_inv, _inv.c.id == _ci.c.invoice_id))
        .where(linked, _inv.c.status == "open", _inv.c.amount_minor > _inv.c.paid_minor)
    )
    paid = exists(
        select(_ci.c.invoice_id)
        .select_from(_ci.join(_inv, _inv.c.id == _ci.c.invoice_id))
        .where(linked, _inv.c.paid_minor > 0)
    )
    rows = conn.execute(
        select(_case.c.id).where(_case.c.status.in_(ACTIVE), paid, ~owed).order_by(_case.c.id)
    )
    return list(rows.scalars())


def close_paid_cases(
    db: Database, env: CircleEnv, *, now: datetime, today: date, actor: str = SYNC_ACTOR
) -> list[int]:
    """Close every active case the ledger shows paid; the ids closed (each in its own
    transaction, so one case that cannot be closed does not hold back the others)."""
    with db.engine.connect() as conn:
        candidates = paid_case_ids(conn)
    closed: list[int] = []
    who = Actor(key=actor, team=None, role="member")
    for case_id in candidates:
        try:
            with db.engine.begin() as conn:
                begin_write(conn)
                decide(
                    conn,
                    env,
                    case_id=case_id,
                    action="close_paid",
                    actor=who,
                    rules=_FACTS,
                    note="paid in full: the ledger shows nothing owed",
                    amount_minor=None,
                    currency=None,
                    on_date=None,
                    now=now,
                )
                customer_id = conn.execute(
                    select(_case.c.customer_id).where(_case.c.id == case_id)
                ).scalar_one()
                _fanout(
                    conn,
                    env,
                    key=f"case:{case_id}:{PAID_NOTE}",
                    kind="note",
                    payload={
                        "case": case_id,
                        "what": PAID_NOTE,
                        "years": relationship_years(conn, customer_id, today),
                    },
                    now=now,
                    case_id=case_id,
                )
        except CircleError as exc:
            # Closed by someone else meanwhile, or a reversal made it owe again: not ours.
            log.info("paid case %s left as it is: %s", case_id, exc.code)
            continue
        closed.append(case_id)
    return closed

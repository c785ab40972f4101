"""The circle's tables: cases, their invoices and triggers, seats, inputs, decisions, promises,
acknowledgements, the outbox with its lanes, and inbound events seen (dedup).

Imported by storage.models, which every caller uses; the same rules hold (money in minor units,
UTC, a change here needs an Alembic revision)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Case(SQLModel, table=True):
    """One customer's circle: the teams that must answer, what they said, what was decided.

    `policy` is the escalation policy as it was when the case opened (JSON), so editing the
    config later does not move the deadlines of a running case. `version` goes up with every
    change the card shows; card updates in the outbox are keyed by it.
    """

    __tablename__ = "case"
    __table_args__ = (Index("ix_case_customer_status", "customer_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    status: str = Field(default="open", max_length=20)  # open / ready / decided / closed
    trigger: str = Field(max_length=20)  # stage / broken_promise / dispute / limitation / manual
    stage: str = Field(max_length=20)  # the worst stage of its invoices when last triggered
    opened_at: datetime
    opened_by: str = Field(max_length=80)
    closed_at: datetime | None = None
    closed_by: str | None = Field(default=None, max_length=80)
    close_reason: str | None = Field(default=None, max_length=200)
    policy: str = Field(sa_column=Column(Text, nullable=False))
    version: int = 1
    updated_at: datetime


class CaseInvoice(SQLModel, table=True):
    __tablename__ = "case_invoice"
    __table_args__ = (UniqueConstraint("case_id", "invoice_id", name="uq_case_invoice"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    added_at: datetime


class CaseTrigger(SQLModel, table=True):
    """Each reason to open a case fires once: the key (`stage:17:mid`) is unique."""

    __tablename__ = "case_trigger"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=160, unique=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    kind: str = Field(max_length=20)
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    at: datetime


class Seat(SQLModel, table=True):
    """A team's place in a case. `due_at` is the timer: the circle tick claims rows whose
    `due_at` has passed with a compare-and-set on `version`, so two tickers never both fire."""

    __tablename__ = "seat"
    __table_args__ = (
        UniqueConstraint("case_id", "team", name="uq_seat"),
        Index("ix_seat_due", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    team: str = Field(max_length=40)
    status: str = Field(default="waiting", max_length=20)
    started_at: datetime
    due_at: datetime | None = None
    level: int = 0
    repeats: int = 0
    reminded: bool = False
    acknowledged_at: datetime | None = None
    snoozed_until: datetime | None = None
    snooze_reason: str | None = Field(default=None, max_length=300)
    answered_at: datetime | None = None
    answered_by: str | None = Field(default=None, max_length=80)
    version: int = 1
    updated_at: datetime


class TeamInput(SQLModel, table=True):
    __tablename__ = "team_input"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    team: str = Field(max_length=40)
    person: str = Field(max_length=80)
    kind: str = Field(default="answer", max_length=20)  # answer / acknowledge
    text: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime


class Decision(SQLModel, table=True):
    __tablename__ = "decision"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    action: str = Field(max_length=40)
    amount_minor: int | None = Field(default=None, sa_type=BigInteger)
    currency: str | None = Field(default=None, max_length=3)
    on_date: date | None = None
    person: str = Field(max_length=80)
    note: str | None = Field(default=None, sa_column=Column(Text))
    at: datetime


class Promise(SQLModel, table=True):
    """A promise to pay. Kept when the case's invoices received `amount` since it was made
    (measured against `baseline_paid_minor`), broken when `due_on` passed without that."""

    __tablename__ = "promise"
    __table_args__ = (
        Index("ix_promise_status_due", "status", "due_on"),
        # The customer's latest promise restarts its limitation period (storage.acknowledgements).
        Index("ix_promise_customer_made", "customer_id", "made_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    customer_id: int = Field(foreign_key="customer.id")
    amount_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    due_on: date
    baseline_paid_minor: int = Field(sa_type=BigInteger)
    made_by: str = Field(max_length=80)
    made_at: datetime
    status: str = Field(default="pending", max_length=20)  # pending / kept / broken / replaced
    resolved_at: datetime | None = None


class Acknowledgement(SQLModel, table=True):
    """A written acknowledgement of the debt by the customer: a signed or stamped statement of
    account (对账单), a promise or a part payment put on record. Each restarts the limitation
    period (PRC Civil Code art. 195) of the invoices it covers: `invoice_id` None covers all
    the customer's open invoices."""

    __tablename__ = "acknowledgement"
    __table_args__ = (Index("ix_acknowledgement_customer_on", "customer_id", "on_date"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    kind: str = Field(max_length=20)  # statement / promise / payment
    on_date: date
    note: str | None = Field(default=None, max_length=300)
    actor: str = Field(max_length=80)
    created_at: datetime


class OutboxLane(SQLModel, table=True):
    """Which process delivers a destination's rows, until when (storage.lanes).

    With several replicas every one runs an outbox worker; a destination's rows go out only
    from the replica holding its lane, one after another, so their order holds. A replica
    that dies stops renewing and another takes the lane when `until` has passed.
    """

    __tablename__ = "outbox_lane"

    platform: str = Field(max_length=20, primary_key=True)
    destination: str = Field(max_length=120, primary_key=True)
    holder: str = Field(max_length=80)
    until: datetime


class Outbox(SQLModel, table=True):
    """Every proactive message, written in the same transaction as the change it reports.

    `key` makes enqueueing idempotent. `payload` is the event as JSON; it is rendered when it
    is sent. Rows for one (platform, destination) go out in id order. A card is posted once
    (`kind` = card) and later rows with the same `ref_key` update it in place.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "status", "next_attempt_at"),
        Index("ix_outbox_destination", "platform", "destination", "status", "id"),
        Index("ix_outbox_ref", "platform", "ref_key", "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    platform: str = Field(max_length=20)
    destination: str = Field(max_length=120)
    kind: str = Field(max_length=40)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    ref_key: str | None = Field(default=None, max_length=80)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    # pending / sent / parked / superseded
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime
    sent_at: datetime | None = None
    message_ref: str | None = Field(default=None, max_length=120)


class InboundEvent(SQLModel, table=True):
    """Platform event ids already handled: messengers retry, the bot answers once."""

    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("platform", "event_id", name="uq_inbound_event"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    event_id: str = Field(max_length=120)
    received_at: datetime

"""The tables. Money is integer minor units (`*_minor`) with its currency beside it: never float.

Timestamps are UTC. The schema is owned by the Alembic migrations in storage/migrations; a
change here needs a new revision there (tests compare the two).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Column, Index, Numeric, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class Customer(SQLModel, table=True):
    __tablename__ = "customer"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=120, unique=True)  # the ledger's customer id
    name: str = Field(max_length=300, index=True)
    segment: str = Field(default="normal", max_length=20)  # important / normal / problem
    relationship_since: date | None = None
    owner: str | None = Field(default=None, max_length=80)
    credit_limit_minor: int | None = Field(default=None, sa_type=BigInteger)
    credit_currency: str | None = Field(default=None, max_length=3)
    on_hold: bool = False
    # active / insolvent / dissolved: events that move the risk grade regardless of age
    status: str = Field(default="active", max_length=20, index=True)
    contact_name: str | None = Field(default=None, max_length=80)  # whom the words address
    contact_title: str | None = Field(default=None, max_length=40)  # 总经理, 财务经理, CFO
    # The contract's late interest per day for this customer (0.001 = 0.1% a day).
    interest_per_day: Decimal | None = Field(default=None, sa_type=Numeric(12, 8))
    created_at: datetime
    updated_at: datetime


class Invoice(SQLModel, table=True):
    __tablename__ = "invoice"
    __table_args__ = (
        Index("ix_invoice_open_due", "status", "due_date"),
        # Open invoices only, covering what /ar overdue ranks (migration 0011).
        Index(
            "ix_invoice_overdue_cover",
            *("due_date", "currency", "amount_minor", "paid_minor", "disputed", "customer_id"),
            *("issue_date", "owner", "invoice_no"),
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_invoice_customer_status", "customer_id", "status"),
        # The digest's credit sales of the last 30 days (DSO) read by issue date.
        Index("ix_invoice_issue_date", "issue_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    invoice_no: str = Field(max_length=120, unique=True)
    customer_id: int = Field(foreign_key="customer.id")
    issue_date: date
    due_date: date
    currency: str = Field(max_length=3)
    amount_minor: int = Field(sa_type=BigInteger)  # negative for a credit note
    paid_minor: int = Field(default=0, sa_type=BigInteger)  # sum of payments, kept in step
    settled_date: date | None = None  # the day outstanding reached zero
    status: str = Field(default="open", max_length=20)  # open / paid / written_off
    written_off_on: date | None = None  # as-of reports before this day still count it open
    disputed: bool = False
    terms_days: int | None = None
    owner: str | None = Field(default=None, max_length=80, index=True)
    description: str | None = Field(default=None, max_length=500)
    daily_interest: str | None = Field(default=None, max_length=20)  # unused since 0009
    # The contract's late interest per day for this invoice; wins over the customer's rate.
    interest_per_day: Decimal | None = Field(default=None, sa_type=Numeric(12, 8))
    source: str | None = Field(default=None, max_length=300)
    created_at: datetime
    updated_at: datetime


class Payment(SQLModel, table=True):
    __tablename__ = "payment"
    __table_args__ = (
        Index("ix_payment_invoice_paid_on", "invoice_id", "paid_on"),
        # The aging report sums only the payments dated after its as-of day.
        Index("ix_payment_paid_on", "paid_on"),
        # ...and counts those whose day the ledger did not give.
        Index("ix_payment_undated", "dated", "paid_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id")
    paid_on: date
    amount_minor: int = Field(sa_type=BigInteger)  # negative for a reversal
    # False when the ledger showed the money but not the day: it is then dated the import day.
    dated: bool = True
    source: str = Field(default="ledger", max_length=40)
    created_at: datetime


class Person(SQLModel, table=True):
    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=200)
    team: str | None = Field(default=None, max_length=40)
    role: str = Field(default="member", max_length=20)
    locale: str | None = Field(default=None, max_length=10)
    # The person's ids on each messenger are rows of `identity` (since migration 0005).
    active: bool = True
    updated_at: datetime


class Identity(SQLModel, table=True):
    """A person's id on one messenger (person × messenger × external id), as config.yaml
    says; storage.identity keeps it equal to the config at start. An id belongs to one
    person per messenger; a person has at most one id per messenger."""

    __tablename__ = "identity"
    __table_args__ = (
        UniqueConstraint("messenger", "external_id", name="uq_identity_external"),
        UniqueConstraint("person", "messenger", name="uq_identity_person_messenger"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person: str = Field(max_length=80, index=True)  # person.key
    messenger: str = Field(max_length=40)  # a plugin name: slack, wecom, telegram ...
    external_id: str = Field(max_length=200)
    updated_at: datetime


class StageEvent(SQLModel, table=True):
    __tablename__ = "stage_event"
    __table_args__ = (UniqueConstraint("invoice_id", "stage", name="uq_stage_event"),)

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id")
    stage: str = Field(max_length=20)
    entered_on: date
    created_at: datetime


class AuditLog(SQLModel, table=True):
    """Append-only and hash-chained: each row's hash covers its content and the previous hash
    (an HMAC with the audit key when `key_id` is set; see storage.audit).

    `prev_hash` is unique, so two writers racing for the same tail cannot fork the chain:
    one of them fails and retries on the new tail. `entity`/`entity_id` name the record an
    entry is about (`input`/`42`) and `version` the record's version after the change, so
    `audit verify` can find records that have no entry.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor: str = Field(max_length=120)
    action: str = Field(max_length=80, index=True)
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=120)
    detail: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON
    version: int | None = None
    key_id: str | None = Field(default=None, max_length=16)  # None: plain SHA-256
    prev_hash: str = Field(max_length=64, unique=True)
    hash: str = Field(max_length=64, unique=True)


class JobRun(SQLModel, table=True):
    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_job_run"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=80)
    period: str = Field(max_length=80)
    started_at: datetime
    finished_at: datetime | None = None
    status: str = Field(default="running", max_length=20)
    detail: str | None = Field(default=None, sa_column=Column(Text))


# The rest of the tables, in modules of their own; importing this module registers them all
# on SQLModel.metadata (the migrations and the tests rely on it).
from storage.models_circle import (  # noqa: E402
    Acknowledgement,
    Case,
    CaseInvoice,
    CaseTrigger,
    Decision,
    InboundEvent,
    Outbox,
    OutboxLane,
    Promise,
    Seat,
    TeamInput,
)
from storage.models_state import (  # noqa: E402
    DailyCircle,
    DailySnapshot,
    FeedPayment,
    LedgerFeedState,
    TelegramButton,
    TelegramForm,
    TelegramOffset,
)

__all__ = [
    "Acknowledgement",
    "AuditLog",
    "Case",
    "CaseInvoice",
    "CaseTrigger",
    "Customer",
    "DailyCircle",
    "DailySnapshot",
    "Decision",
    "FeedPayment",
    "Identity",
    "InboundEvent",
    "Invoice",
    "JobRun",
    "LedgerFeedState",
    "Outbox",
    "OutboxLane",
    "Payment",
    "Person",
    "Promise",
    "Seat",
    "StageEvent",
    "TeamInput",
    "TelegramButton",
    "TelegramForm",
    "TelegramOffset",
]

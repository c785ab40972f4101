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


# --- the circle ---------------------------------------------------------------------------


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


# --- Telegram (bot.adapters.telegram): state that must survive a restart -------------------


class TelegramOffset(SQLModel, table=True):
    """The last update handled per bot (polling): a restart neither loses nor replays one."""

    __tablename__ = "telegram_offset"

    bot: str = Field(primary_key=True, max_length=40)  # the bot's numeric id (getMe)
    last_update_id: int = Field(sa_type=BigInteger)
    updated_at: datetime


class TelegramButton(SQLModel, table=True):
    """An inline keyboard button: the opaque callback_data token and what it stands for."""

    __tablename__ = "telegram_button"
    __table_args__ = (Index("ix_telegram_button_message", "chat", "message_id"),)

    token: str = Field(primary_key=True, max_length=40)
    command: str | None = Field(default=None, sa_column=Column(Text))
    form_key: str | None = Field(default=None, max_length=200)
    chat: str = Field(max_length=40)
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(index=True)


class TelegramForm(SQLModel, table=True):
    """A guided form in progress: one per person and chat (Telegram has no modals)."""

    __tablename__ = "telegram_form"
    __table_args__ = (UniqueConstraint("chat", "user_id", name="uq_telegram_form"),)

    id: int | None = Field(default=None, primary_key=True)
    chat: str = Field(max_length=40)
    user_id: str = Field(max_length=40)
    form_key: str = Field(max_length=200)
    state: str = Field(sa_column=Column(Text, nullable=False))  # JSON: values, pending, errors
    prompt_id: int | None = Field(default=None, sa_type=BigInteger)
    updated_at: datetime


# --- ledger sync (jobs.ledger_feed): what the HTTP feed said last, and which payments it paid ---


class LedgerFeedState(SQLModel, table=True):
    """The validators of the feed's last full answer: the next poll asks "changed since?"."""

    __tablename__ = "ledger_feed_state"

    source: str = Field(primary_key=True, max_length=40)
    etag: str | None = Field(default=None, max_length=300)
    last_modified: str | None = Field(default=None, max_length=100)
    checked_at: datetime
    changed_at: datetime | None = None


class FeedPayment(SQLModel, table=True):
    """A payment the feed sent, by the feed's own id: a page sent again does not pay twice."""

    __tablename__ = "feed_payment"
    __table_args__ = (UniqueConstraint("source", "ref", name="uq_feed_payment"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=40)
    ref: str = Field(max_length=120)
    payment_id: int = Field(foreign_key="payment.id")
    created_at: datetime


# --- the daily digest (jobs.digest): figures per day, the history of its trends ------------


class DailySnapshot(SQLModel, table=True):
    """The receivables of one currency on a day, as the digest read them at its time that day
    (or as the back-fill rebuilt them, as of that day, from the ledger's dated payments).
    Amounts per aging bucket and per stage are JSON lists of minor units, in the order of
    `bucket_bounds` and of playbook.aging.Stage, so a later change of the buckets is seen,
    not misread."""

    __tablename__ = "daily_snapshot"
    __table_args__ = (UniqueConstraint("day", "currency", name="uq_daily_snapshot"),)

    id: int | None = Field(default=None, primary_key=True)
    day: date
    currency: str = Field(max_length=3)
    bucket_bounds: str = Field(max_length=200)  # the aging.buckets they were counted with
    buckets_minor: str = Field(sa_column=Column(Text, nullable=False))  # JSON [int, ...]
    stages_minor: str | None = Field(default=None, sa_column=Column(Text))  # JSON or None
    open_count: int = 0
    outstanding_minor: int = Field(sa_type=BigInteger)
    overdue_minor: int = Field(sa_type=BigInteger)
    current_minor: int = Field(sa_type=BigInteger)
    credit_sales_30d_minor: int = Field(sa_type=BigInteger)
    dso: str | None = Field(default=None, max_length=40)  # Decimal as text; None: no sales
    source: str = Field(default="digest", max_length=20)  # digest / backfill
    created_at: datetime


class DailyCircle(SQLModel, table=True):
    """One team's circle figures of one day: seats due, answered within the window."""

    __tablename__ = "daily_circle"
    __table_args__ = (UniqueConstraint("day", "team", name="uq_daily_circle"),)

    id: int | None = Field(default=None, primary_key=True)
    day: date
    team: str = Field(max_length=40)
    seats: int = 0
    in_window: int = 0
    share: str | None = Field(default=None, max_length=40)  # Decimal 0..1 as text
    created_at: datetime

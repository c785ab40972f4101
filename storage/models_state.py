"""Tables of state that must survive a restart: Telegram's offset, buttons and forms; the
ledger feed's last answer and the payments it recorded; the daily digest's figures.

Imported by storage.models, which every caller uses."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

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

"""The cases export: every case alive in a window, with everything that happened in it.

Seven sheets linked by `case_id` (a workbook's sheets, or the CSV files of a ZIP): the cases,
their invoices, the teams' seats, the teams' inputs, the promises, the decisions and the audit
entries about any of them. An auditor filters each sheet by case; one long table mixing seven
shapes of row would need a column per field of every kind.

A case is alive in [start, end] when it was opened by the end and not closed before the
start; each one comes whole (all its inputs, promises, decisions and entries, also those
outside the window), as an auditor reads a case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, String, cast, literal, or_, select, union_all

from storage.exports import Scope, Sheet, customer_of, money, rows, stream
from storage.models import (
    AuditLog,
    Case,
    CaseInvoice,
    Customer,
    Decision,
    Invoice,
    Promise,
    Seat,
    TeamInput,
)

_case = Case.__table__  # type: ignore[attr-defined]
_ci = CaseInvoice.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]
_inv = Invoice.__table__  # type: ignore[attr-defined]
_seat = Seat.__table__  # type: ignore[attr-defined]
_inp = TeamInput.__table__  # type: ignore[attr-defined]
_pro = Promise.__table__  # type: ignore[attr-defined]
_dec = Decision.__table__  # type: ignore[attr-defined]
_aud = AuditLog.__table__  # type: ignore[attr-defined]

CASES_HEADER = (
    "case_id",
    "customer_code",
    "customer_name",
    "status",
    "trigger",
    "stage",
    "opened_at",
    "opened_by",
    "closed_at",
    "closed_by",
    "close_reason",
)
INVOICES_HEADER = (
    "case_id",
    "invoice_no",
    "issue_date",
    "due_date",
    "currency",
    "amount",
    "outstanding_now",
    "invoice_status",
    "disputed",
    "added_at",
)
SEATS_HEADER = (
    "case_id",
    "team",
    "status",
    "started_at",
    "level",
    "acknowledged_at",
    "answered_at",
    "answered_by",
)
INPUTS_HEADER = ("input_id", "case_id", "at", "team", "person", "person_name", "kind", "text")
PROMISES_HEADER = (
    "promise_id",
    "case_id",
    "made_at",
    "made_by",
    "amount",
    "currency",
    "due_on",
    "status",
    "resolved_at",
)
DECISIONS_HEADER = (
    "decision_id",
    "case_id",
    "at",
    "person",
    "person_name",
    "action",
    "amount",
    "currency",
    "on_date",
    "note",
)
AUDIT_HEADER = (
    "audit_id",
    "case_id",
    "at",
    "actor",
    "action",
    "entity",
    "entity_id",
    "version",
    "detail",
    "hash",
)


def case_sheets(conn: Connection, start: date, end: date, scope: Scope) -> list[Sheet]:
    lo, hi = scope.span(start, end)
    ids = select(_case.c.id).where(
        _case.c.opened_at < hi,
        or_(_case.c.closed_at.is_(None), _case.c.closed_at >= lo),
        customer_of(scope, _case.c.customer_id),
    )
    local = scope.local

    cases = (
        select(_case, _cus.c.code, _cus.c.name)
        .select_from(_case.join(_cus, _cus.c.id == _case.c.customer_id))
        .where(_case.c.id.in_(ids))
        .order_by(_case.c.id)
    )

    def case_row(r: Any) -> tuple[Any, ...]:
        return (
            r.id,
            r.code,
            r.name,
            r.status,
            r.trigger,
            r.stage,
            local(r.opened_at),
            r.opened_by,
            local(r.closed_at),
            r.closed_by or "",
            r.close_reason or "",
        )

    invoices = (
        select(_ci.c.case_id, _ci.c.added_at, _inv)
        .select_from(_ci.join(_inv, _inv.c.id == _ci.c.invoice_id))
        .where(_ci.c.case_id.in_(ids))
        .order_by(_ci.c.case_id, _inv.c.due_date, _inv.c.invoice_no)
    )

    def invoice_row(r: Any) -> tuple[Any, ...]:
        return (
            r.case_id,
            r.invoice_no,
            r.issue_date,
            r.due_date,
            r.currency,
            money(r.amount_minor, r.currency),
            money(r.amount_minor - r.paid_minor, r.currency),
            r.status,
            bool(r.disputed),
            local(r.added_at),
        )

    seats = select(_seat).where(_seat.c.case_id.in_(ids)).order_by(_seat.c.case_id, _seat.c.team)

    def seat_row(r: Any) -> tuple[Any, ...]:
        return (
            r.case_id,
            r.team,
            r.status,
            local(r.started_at),
            r.level,
            local(r.acknowledged_at),
            local(r.answered_at),
            r.answered_by or "",
        )

    inputs = select(_inp).where(_inp.c.case_id.in_(ids)).order_by(_inp.c.case_id, _inp.c.id)

    def input_row(r: Any) -> tuple[Any, ...]:
        return (
            r.id,
            r.case_id,
            local(r.at),
            r.team,
            r.person,
            scope.name(r.person),
            r.kind,
            r.text,
        )

    promises = select(_pro).where(_pro.c.case_id.in_(ids)).order_by(_pro.c.case_id, _pro.c.id)

    def promise_row(r: Any) -> tuple[Any, ...]:
        return (
            r.id,
            r.case_id,
            local(r.made_at),
            r.made_by,
            money(r.amount_minor, r.currency),
            r.currency,
            r.due_on,
            r.status,
            local(r.resolved_at),
        )

    decisions = select(_dec).where(_dec.c.case_id.in_(ids)).order_by(_dec.c.case_id, _dec.c.id)

    def decision_row(r: Any) -> tuple[Any, ...]:
        return (
            r.id,
            r.case_id,
            local(r.at),
            r.person,
            scope.name(r.person),
            r.action,
            money(r.amount_minor, r.currency),
            r.currency or "",
            r.on_date,
            r.note or "",
        )

    entries = _audit_entries(ids)

    def audit_row(r: Any) -> tuple[Any, ...]:
        return (
            r.id,
            r.case_id,
            local(r.at),
            r.actor,
            r.action,
            r.entity,
            r.entity_id,
            r.version,
            r.detail,
            r.hash,
        )

    parts = (
        ("Cases", CASES_HEADER, cases, case_row),
        ("Invoices", INVOICES_HEADER, invoices, invoice_row),
        ("Seats", SEATS_HEADER, seats, seat_row),
        ("Inputs", INPUTS_HEADER, inputs, input_row),
        ("Promises", PROMISES_HEADER, promises, promise_row),
        ("Decisions", DECISIONS_HEADER, decisions, decision_row),
        ("Audit", AUDIT_HEADER, entries, audit_row),
    )
    return [Sheet(title, header, _lazy(conn, stmt, shape)) for title, header, stmt, shape in parts]


def _lazy(conn: Connection, stmt: Any, shape: Callable[[Any], Sequence[Any]]) -> Any:
    return rows(lambda: stream(conn, stmt, shape))


def _audit_entries(ids: Any) -> Any:
    """The trail's entries about the cases: the case itself (entity `case`) and each of its
    records (an input, promise, decision or seat, by id), and the disputes of its invoices
    (entity `invoice`, by number), as storage.circle_write names them."""
    branches = [
        select(_aud.c.id.label("aid"), _case.c.id.label("case_id")).where(
            _aud.c.entity == "case",
            _aud.c.entity_id == cast(_case.c.id, String),
            _case.c.id.in_(ids),
        )
    ]
    for entity, table in (("input", _inp), ("promise", _pro), ("decision", _dec), ("seat", _seat)):
        branches.append(
            select(_aud.c.id.label("aid"), table.c.case_id.label("case_id")).where(
                _aud.c.entity == literal(entity),
                _aud.c.entity_id == cast(table.c.id, String),
                table.c.case_id.in_(ids),
            )
        )
    branches.append(
        select(_aud.c.id.label("aid"), _ci.c.case_id.label("case_id"))
        .select_from(_ci.join(_inv, _inv.c.id == _ci.c.invoice_id))
        .where(
            _aud.c.entity == "invoice",
            _aud.c.entity_id == _inv.c.invoice_no,
            _aud.c.action == "invoice.dispute",
            _ci.c.case_id.in_(ids),
        )
    )
    about = union_all(*branches).subquery("about")
    return (
        select(about.c.case_id, _aud)
        .select_from(about.join(_aud, _aud.c.id == about.c.aid))
        .order_by(about.c.case_id, _aud.c.id)
    )

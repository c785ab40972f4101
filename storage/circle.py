"""The circle's state changes: open a case, record inputs, promises, decisions, snoozes, and the
tick that escalates seats whose time ran out.

Every change happens in the caller's transaction together with its audit entry and the outbox
rows that tell the teams about it, so a message is never sent for a change that did not land,
and a change never lands without its message. The rules of the clock are in playbook.circle;
this module only loads, applies and stores.

This module is the facade its callers import from; the code lives in storage.circle_types
(plain types, constants, table handles), storage.circle_load (reading), storage.circle_write
(the writing helpers), storage.circle_open (opening a case), storage.circle_inputs (inputs,
promises, disputes) and storage.circle_fire (the tick's seats, calling a team).
"""

from __future__ import annotations

# The loaded case is plain data in the playbook, re-exported for storage's callers.
from playbook.case_view import (
    ACTIVE,
    CaseInvoiceView,
    CaseView,
    DecisionView,
    InputView,
    PromiseView,
    SeatView,
)
from storage.circle_fire import call_team, due_seats, fire_seat
from storage.circle_inputs import (
    InputResult,
    PromiseOutcome,
    add_promise,
    check_amount,
    check_promises,
    mark_disputed,
    owed_minor,
    record_input,
)
from storage.circle_load import CaseSummary, active_case_for, list_cases, load_case
from storage.circle_open import Opened, open_case
from storage.circle_types import (
    DUPLICATE_WINDOW,
    LIVE_SEATS,
    CircleEnv,
    CircleError,
    Target,
    TeamContacts,
)
from storage.circle_write import begin_write

__all__ = [
    "ACTIVE",
    "DUPLICATE_WINDOW",
    "LIVE_SEATS",
    "CaseInvoiceView",
    "CaseSummary",
    "CaseView",
    "CircleEnv",
    "CircleError",
    "DecisionView",
    "InputResult",
    "InputView",
    "Opened",
    "PromiseOutcome",
    "PromiseView",
    "SeatView",
    "Target",
    "TeamContacts",
    "active_case_for",
    "add_promise",
    "begin_write",
    "call_team",
    "check_amount",
    "check_promises",
    "due_seats",
    "fire_seat",
    "list_cases",
    "load_case",
    "mark_disputed",
    "open_case",
    "owed_minor",
    "record_input",
]

"""The circle's plain types and table handles: where cards go (Target), who a team is
(TeamContacts), what the circle needs from the config (CircleEnv), the refusal it raises
(CircleError), and the constants the other storage.circle_* modules share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from playbook import circle as machine
from playbook.aging import AgingPolicy
from storage.models import (
    Case,
    CaseInvoice,
    CaseTrigger,
    Customer,
    Decision,
    Invoice,
    Promise,
    Seat,
    TeamInput,
)

_case = Case.__table__  # type: ignore[attr-defined]
_ci = CaseInvoice.__table__  # type: ignore[attr-defined]
_trig = CaseTrigger.__table__  # type: ignore[attr-defined]
_seat = Seat.__table__  # type: ignore[attr-defined]
_input = TeamInput.__table__  # type: ignore[attr-defined]
_dec = Decision.__table__  # type: ignore[attr-defined]
_prom = Promise.__table__  # type: ignore[attr-defined]
_inv = Invoice.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]

LIVE_SEATS = ("waiting", "acknowledged", "snoozed")
# A new reason to chase reopens the seats that had already answered: the answer was about
# a situation that has changed.
_REOPENING = ("broken_promise", "dispute", "limitation")
DUPLICATE_WINDOW = timedelta(minutes=2)


@dataclass(frozen=True)
class Target:
    """Where circle cards go: one messenger's circle channel."""

    platform: str
    destination: str


@dataclass(frozen=True)
class TeamContacts:
    lead: str | None
    manager: str | None
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class CircleEnv:
    """What the circle needs from the config, in plain data."""

    policy: machine.CirclePolicy
    seat_rules: Mapping[str, machine.SeatRule]
    targets: tuple[Target, ...]
    teams: Mapping[str, TeamContacts]
    aging: AgingPolicy
    people: frozenset[str] = frozenset()
    legal_team: str = "legal"


class CircleError(Exception):
    """A request the circle refuses; `code` picks the message, `facts` fill it in."""

    def __init__(self, code: str, **facts: Any) -> None:
        super().__init__(code)
        self.code = code
        self.facts = facts

"""bench.serve's set-up: the Slack ids and goals, the config it runs with, a free port, and
the ledger's customers and invoices to ask about."""

from __future__ import annotations

import csv
import socket
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CIRCLE = "C0ARCIRCLE"
GENERAL = "C0GENERAL"  # where the slash commands are typed
TEAM = "T0BENCH"
# Slack ids of the config's people; the sales people also click the "input" form button.
PEOPLE = {
    "wang.wei": ("王伟", "sales", "lead", "U0SALESLEAD"),
    "zhang.min": ("张敏", "sales", None, "U0SALES002"),
    "tom.baker": ("Tom Baker", "sales", None, "U0SALES003"),
    "li.na": ("李娜", "finance", "lead", "U0FINLEAD1"),
    "zhao.yun": ("赵云", "legal", "lead", "U0LEGALLD1"),
    "liu.yang": ("刘洋", None, "manager", "U0GENMGR01"),
}
SALES = [p[3] for p in PEOPLE.values() if p[1] == "sales"]
USERS = [p[3] for p in PEOPLE.values()]
KINDS = ("overdue", "customer", "case", "phrase button", "input button")
GOAL_MS = 1000.0
GOAL_RATIO = 2.0


def config_text(port: int) -> str:
    people = "\n".join(
        f"  {key}: {{name: {name}, "
        + (f"team: {team}, " if team else "")
        + (f"role: {role}, " if role else "")
        + f"slack: {slack}}}"
        for key, (name, team, role, slack) in PEOPLE.items()
    )
    return f"""\
company:
  name: Bench Machinery
  currency: CNY
  timezone: Asia/Shanghai
  locale: en
  fx_rates: {{USD: "7.10", EUR: "7.70", HKD: "0.91", JPY: "0.047"}}
people:
{people}
teams:
  sales: {{name: Sales, lead: wang.wei, manager: liu.yang}}
  finance: {{name: Finance, lead: li.na, manager: liu.yang}}
  legal: {{name: Legal, lead: zhao.yun, manager: liu.yang}}
circle:
  channels: {{slack: {CIRCLE}}}
  # No case opens by itself: the jobs stay idle, the figures are the chat path's.
  triggers: {{stages: [], broken_promise: false, dispute: false}}
platforms:
  slack: {{enabled: true, mode: http, host: 127.0.0.1, port: {port}}}
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------------------------
# The ledger: who to ask about


@dataclass
class Ledger:
    open_case: str = ""  # the customer code the bench opens a case for
    names: list[str] = field(default_factory=list)  # customers with open invoices
    customers: int = 0


def read_ledger(path: Path, as_of: date, want: int = 40) -> Ledger:
    """Customers with something overdue, by how much they owe, for `/ar open` and `/ar
    customer` (the whole name, as people paste it)."""
    owed: dict[str, Decimal] = {}
    names: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            names[row["customer"]] = row["customer_name"]
            left = Decimal(row["amount"]) - Decimal(row["paid_amount"] or 0)
            if left > 0 and date.fromisoformat(row["due_date"]) < as_of:
                owed[row["customer"]] = owed.get(row["customer"], Decimal(0)) + left
    ranked = sorted(owed, key=lambda c: (-owed[c], c))
    if not ranked:
        raise SystemExit("the generated ledger has nothing overdue")
    step = max(1, len(ranked) // want)
    return Ledger(ranked[0], [names[c] for c in ranked[::step][:want]], len(names))

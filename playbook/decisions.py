"""What a circle can decide, and who may decide it.

The actions are the collection playbook's ladder: from a reminder through a visit and an
instalment plan to a lawyer's letter and litigation, ending in settlement, write-off or
"paid". Pure data and functions; the permission table itself comes from the config.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "ACTIONS",
    "DEFAULT_PERMISSIONS",
    "Action",
    "Actor",
    "allowed",
    "parse_action",
    "who_may",
]


@dataclass(frozen=True)
class Action:
    name: str
    en: str
    zh: str
    aliases: tuple[str, ...] = ()
    closes_case: bool = False
    needs_amount: bool = False
    needs_date: bool = False
    legal: bool = False  # a legal step: legal must sit in the case

    def label(self, locale: str) -> str:
        return self.zh if locale.lower().startswith("zh") else self.en


ACTIONS: tuple[Action, ...] = (
    Action("remind", "Remind", "提醒", ("reminder", "催告")),
    Action("call", "Call", "电话催收", ("phone", "电话", "打电话")),
    Action("visit", "Visit", "上门拜访", ("拜访", "上门")),
    Action(
        "installment",
        "Installment plan",
        "分期付款",
        ("instalment", "installment plan", "instalment plan", "plan", "分期"),
    ),
    Action("extension", "Extension", "展期", ("extend", "延期"), needs_date=True),
    Action("credit_hold", "Credit hold", "停止供货", ("hold", "credit hold", "停货", "信用冻结")),
    Action(
        "lawyers_letter",
        "Lawyer's letter",
        "律师函",
        ("lawyer's letter", "lawyers letter", "lawyer letter", "letter", "发律师函"),
        legal=True,
    ),
    Action("litigation", "Litigation", "诉讼", ("sue", "lawsuit", "起诉"), legal=True),
    Action(
        "write_off",
        "Write-off",
        "核销坏账",
        ("writeoff", "write off", "核销", "坏账"),
        closes_case=True,
    ),
    Action("settle", "Settle", "和解结案", ("settlement", "和解"), closes_case=True),
    Action(
        "close_paid",
        "Close (paid)",
        "已回款结案",
        ("paid", "close paid", "close", "结案", "已回款"),
        closes_case=True,
    ),
)

# Who may take each action, as the config writes it: a team name (any member), `team.lead`,
# `manager` (anyone with the manager role), `lead` (any team lead), or `any` (anyone in the
# config). The examples in the issue: legal steps for legal, write-off for the finance lead,
# a credit hold for the finance or sales lead.
DEFAULT_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "remind": ("any",),
    "call": ("any",),
    "visit": ("any",),
    "installment": ("finance.lead", "sales.lead", "manager"),
    "extension": ("finance.lead", "sales.lead", "manager"),
    "credit_hold": ("finance.lead", "sales.lead", "manager"),
    "lawyers_letter": ("legal",),
    "litigation": ("legal",),
    "write_off": ("finance.lead", "manager"),
    "settle": ("finance.lead", "legal", "manager"),
    "close_paid": ("finance",),
}


def _key(text: str) -> str:
    return re.sub(r"[\s_\-'’]+", "", text.casefold())


_BY_KEY: dict[str, Action] = {}
for _action in ACTIONS:
    for _spelling in (_action.name, _action.en, _action.zh, *_action.aliases):
        _BY_KEY.setdefault(_key(_spelling), _action)


def parse_action(words: Sequence[str]) -> tuple[Action, int] | None:
    """The action the first words name, and how many words it took (longest match wins).

    `["lawyer's", "letter", "final", "notice"]` → (lawyers_letter, 2).
    """
    for n in (3, 2, 1):
        if len(words) >= n:
            found = _BY_KEY.get(_key(" ".join(words[:n])))
            if found is not None:
                return found, n
    return None


@dataclass(frozen=True)
class Actor:
    key: str
    team: str | None
    role: str  # member / lead / manager
    leads: frozenset[str] = frozenset()  # teams this person is the lead of


def _matches(rule: str, actor: Actor) -> bool:
    if rule == "any":
        return True
    if rule == "manager":
        return actor.role == "manager"
    if rule == "lead":
        return bool(actor.leads) or actor.role == "lead"
    team, _, role = rule.partition(".")
    if role == "lead":
        return team in actor.leads
    return actor.team == team or team in actor.leads


def allowed(action: str, actor: Actor, permissions: Mapping[str, Sequence[str]]) -> bool:
    rules = permissions.get(action, DEFAULT_PERMISSIONS.get(action, ("any",)))
    return any(_matches(rule, actor) for rule in rules)


def who_may(action: str, permissions: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    return tuple(permissions.get(action, DEFAULT_PERMISSIONS.get(action, ("any",))))

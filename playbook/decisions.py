"""What a circle can decide, and who may decide it: the one place permissions are checked.

The actions are the collection playbook's ladder: from a reminder through a visit and an
instalment plan to a lawyer's letter and litigation, ending in settlement, write-off or
"paid". Pure data and functions; the tables themselves come from the config.

Three questions, each answered here for the text command, the storage layer and the forms:
- may this person take this action at all (`allowed`, the per-action table);
- may they end the circle, i.e. close the seats of teams that have not answered
  (`plan_decision`, rule `end_circle`). `remind`, `call` and `visit` never end it: they are
  actions, the decider's own seat counts as answered and every other clock keeps running.
  `close_paid` is the one exemption: it is only accepted when the ledger shows nothing owed,
  so the facts end the circle, not the person;
- may they snooze a seat (`plan_snooze`): their own team's always, another team's by rule
  `snooze_others`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "ACTIONS",
    "CIRCLE_RULES",
    "DEFAULT_END_CIRCLE",
    "DEFAULT_PERMISSIONS",
    "DEFAULT_SNOOZE_OTHERS",
    "LIVE",
    "Action",
    "Actor",
    "DecisionPlan",
    "DecisionRules",
    "SnoozePlan",
    "allowed",
    "decidable",
    "may_end_circle",
    "may_snooze_others",
    "parse_action",
    "plan_decision",
    "plan_snooze",
    "snoozable",
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
    # An action, not a conclusion: recorded, the decider's own seat answered, no other seat
    # closed, whoever takes it.
    follow_up: bool = False
    # Ends the circle by the facts (nothing is owed), so it needs no right to end it.
    ends_by_facts: bool = False

    def label(self, locale: str) -> str:
        return self.zh if locale.lower().startswith("zh") else self.en


ACTIONS: tuple[Action, ...] = (
    Action("remind", "Remind", "提醒", ("reminder", "催告"), follow_up=True),
    Action("call", "Call", "电话催收", ("phone", "电话", "打电话"), follow_up=True),
    Action("visit", "Visit", "上门拜访", ("拜访", "上门"), follow_up=True),
    # A fact heard, not a step taken: the customer said no to paying in full. Only after it
    # may the words for the customer offer an instalment (storage.customer_facts.refused_full).
    Action(
        "refused",
        "Customer refused full payment",
        "客户拒绝全额付款",
        ("refused full", "refused full payment", "refuse", "拒绝全额付款", "拒绝全额", "拒付"),
        follow_up=True,
    ),
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
        ends_by_facts=True,
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
    "refused": ("any",),
    "installment": ("finance.lead", "sales.lead", "manager"),
    "extension": ("finance.lead", "sales.lead", "manager"),
    "credit_hold": ("finance.lead", "sales.lead", "manager"),
    "lawyers_letter": ("legal",),
    "litigation": ("legal",),
    "write_off": ("finance.lead", "manager"),
    "settle": ("finance.lead", "legal", "manager"),
    "close_paid": ("finance",),
}

# Who may end the circle (close the seats of teams that have not answered) and who may snooze
# another team's seat; the config sets them in `circle.decisions` next to the actions. Besides
# the words of the table above, `lead` here means the lead of a team that sits in the case.
END_CIRCLE = "end_circle"
SNOOZE_OTHERS = "snooze_others"
CIRCLE_RULES: tuple[str, ...] = (END_CIRCLE, SNOOZE_OTHERS)
DEFAULT_END_CIRCLE: tuple[str, ...] = ("lead", "manager")
DEFAULT_SNOOZE_OTHERS: tuple[str, ...] = ("manager",)

# Seats whose clock still runs (or will run again): the teams that have not answered.
LIVE: frozenset[str] = frozenset({"waiting", "acknowledged", "snoozed"})


def _key(text: str) -> str:
    return re.sub(r"[\s_\-'’]+", "", text.casefold())


_BY_KEY: dict[str, Action] = {}
for _action in ACTIONS:
    for _spelling in (_action.name, _action.en, _action.zh, *_action.aliases):
        _BY_KEY.setdefault(_key(_spelling), _action)


def parse_action(words: Sequence[str]) -> tuple[Action, int] | None:
    """The action the first words name, and how many words it took (longest match wins).

    `["lawyer's", "letter", "final", "notice"]` → (lawyers_letter, 2). A word starting with a
    dash (an option, or `--`) is never part of the name: `call --` is `call` and `--`.
    """
    words = list(words)
    cut = next((i for i, w in enumerate(words) if w[:1] in ("-", "—", "–")), len(words))
    words = words[:cut]
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

    @property
    def own_teams(self) -> frozenset[str]:
        """The teams whose seat this person answers and snoozes as their own."""
        return self.leads | ({self.team} if self.team else frozenset())

    @property
    def led_teams(self) -> frozenset[str]:
        """The teams this person is a lead of (by the team's `lead`, or by the lead role)."""
        return self.leads | ({self.team} if self.team and self.role == "lead" else frozenset())


@dataclass(frozen=True)
class DecisionRules:
    """The config's tables: who may take each action, end the circle, snooze others' seats."""

    permissions: Mapping[str, Sequence[str]] = field(default_factory=lambda: DEFAULT_PERMISSIONS)
    end_circle: Sequence[str] = DEFAULT_END_CIRCLE
    snooze_others: Sequence[str] = DEFAULT_SNOOZE_OTHERS


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


def decidable(actor: Actor, permissions: Mapping[str, Sequence[str]]) -> list[Action]:
    """The actions this person may take (what a decision form offers them)."""
    return [a for a in ACTIONS if allowed(a.name, actor, permissions)]


def _in_case(rule: str, actor: Actor, sitting: Collection[str]) -> bool:
    if rule == "lead":
        return bool(actor.led_teams & set(sitting))
    return _matches(rule, actor)


def may_end_circle(actor: Actor, rules: DecisionRules, sitting: Collection[str]) -> bool:
    """May this person close the seats of teams that have not answered (`sitting`: the teams
    with a seat in the case, answered or not)?"""
    return any(_in_case(rule, actor, sitting) for rule in rules.end_circle)


def _may_snooze_others(actor: Actor, rules: DecisionRules, sitting: Collection[str]) -> bool:
    return any(_in_case(rule, actor, sitting) for rule in rules.snooze_others)


def may_snooze_others(actor: Actor, rules: DecisionRules, sitting: Collection[str]) -> bool:
    """May this person snooze a seat of another team, in a case where `sitting` sit?"""
    return _may_snooze_others(actor, rules, sitting)


@dataclass(frozen=True)
class DecisionPlan:
    """What a decision does to the seats, decided before anything is written."""

    refused: str | None = None  # "not_allowed"
    answers: tuple[str, ...] = ()  # the decider's own waiting seats: answered by the decision
    closes: tuple[str, ...] = ()  # other teams' waiting seats, closed: the circle ends
    running: tuple[str, ...] = ()  # other teams' waiting seats that keep their clocks
    concludes: bool = False  # the circle's decision (nothing left waiting afterwards)
    closes_case: bool = False
    held_back: bool = False  # would have ended the circle, but this person may not


def plan_decision(
    action: Action, actor: Actor, rules: DecisionRules, seats: Mapping[str, str]
) -> DecisionPlan:
    """`seats`: team → seat status. The decider's own waiting seat counts as answered; the
    other waiting seats close only when the decision ends the circle and the decider may end
    it (or the facts do); otherwise they keep running."""
    if not allowed(action.name, actor, rules.permissions):
        return DecisionPlan(refused="not_allowed")
    live = [team for team, status in seats.items() if status in LIVE]
    own = actor.own_teams
    answers = tuple(t for t in live if t in own)
    others = tuple(t for t in live if t not in own)
    if not others:
        return DecisionPlan(answers=answers, concludes=True, closes_case=action.closes_case)
    if action.follow_up:
        return DecisionPlan(answers=answers, running=others)
    if action.ends_by_facts or may_end_circle(actor, rules, seats):
        return DecisionPlan(
            answers=answers, closes=others, concludes=True, closes_case=action.closes_case
        )
    return DecisionPlan(answers=answers, running=others, held_back=True)


@dataclass(frozen=True)
class SnoozePlan:
    # "snooze_not_allowed" (another team's seat) / "snooze_no_own_seat" / "nothing_to_snooze"
    refused: str | None = None
    team: str | None = None  # the seat the refusal is about
    teams: tuple[str, ...] = ()  # the seats to snooze
    left: tuple[str, ...] = ()  # other teams' waiting seats left running (no right to snooze)


def snoozable(actor: Actor, rules: DecisionRules, seats: Mapping[str, str]) -> tuple[str, ...]:
    """The waiting seats this person may snooze (what a snooze form offers them)."""
    live = [team for team, status in seats.items() if status in LIVE]
    if _may_snooze_others(actor, rules, seats):
        return tuple(live)
    return tuple(t for t in live if t in actor.own_teams)


def plan_snooze(
    actor: Actor, rules: DecisionRules, seats: Mapping[str, str], team: str | None
) -> SnoozePlan:
    """Snooze one team's seat (`team`), or without a team every seat the person may snooze:
    all of them for whoever may snooze others' seats, else only their own team's."""
    live = [t for t, status in seats.items() if status in LIVE]
    mine = snoozable(actor, rules, seats)
    if team is not None:
        if team not in actor.own_teams and not _may_snooze_others(actor, rules, seats):
            return SnoozePlan(refused="snooze_not_allowed", team=team)
        if team not in live:
            return SnoozePlan(refused="nothing_to_snooze", team=team)
        return SnoozePlan(teams=(team,))
    if not live:
        return SnoozePlan(refused="nothing_to_snooze")
    if not mine:
        return SnoozePlan(refused="snooze_no_own_seat")
    return SnoozePlan(teams=mine, left=tuple(t for t in live if t not in mine))

"""The playbook's schema: which slots the YAML has and which placeholders each template may
(and must) use, and the checker that turns a mismatch into one line naming the key.

Used by ``playbook.library`` for the built-in files and a company's override file alike.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "EVIDENCE",
    "GRADE_WORDS",
    "LOCALES",
    "NEXT_STEPS",
    "REASONS",
    "RELATIONSHIPS",
    "SEGMENTS",
    "STAGES",
    "STRATEGIES",
    "TONES",
    "TOP",
    "WHO_ACTS",
    "check",
    "kind",
]

# These keys are shared with playbook.phrasing (which re-exports them through playbook.library).
TONES: tuple[str, ...] = ("empathetic", "partnership", "serious", "sandwich", "nvc", "first_aid")
RELATIONSHIPS: tuple[str, ...] = ("partner", "normal", "new", "problem")
STAGES: tuple[str, ...] = ("pre_due", "early", "mid", "late")
SEGMENTS: tuple[str, ...] = ("important", "normal", "problem")
REASONS: tuple[str, ...] = ("cash_flow", "stuck_process", "testing_limits", "deliberate_delay")
EVIDENCE: tuple[str, ...] = (
    "invoice",
    "invoice_sent",
    "statement",
    "delivery",
    "contract",
    "reminders",
    "promises",
    "defect",
)
LOCALES: tuple[str, ...] = ("en", "zh-CN")


# --------------------------------------------------------------------------------------------
# Schema: what each slot holds and which placeholders its templates may (and must) use


@dataclass(frozen=True)
class _Text:
    allowed: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    blank_ok: bool = False  # separators such as ", " or "" are legitimately blank


@dataclass(frozen=True)
class _Texts:
    """A list of variants; the renderer picks one by the variant number."""

    allowed: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    exact: int | None = None  # e.g. twelve month names


@dataclass(frozen=True)
class _Choice:
    values: tuple[str, ...]


@dataclass(frozen=True)
class _Choices:
    values: tuple[str, ...]


@dataclass(frozen=True)
class _Struct:
    fields: Mapping[str, _Node]
    required: frozenset[str]


@dataclass(frozen=True)
class _Table:
    """A mapping from keys to nodes of one kind; fixed keys are all required, or any key."""

    item: _Node
    keys: tuple[str, ...] | None
    what: str  # "tone", "excuse"... for messages


_Node = _Text | _Texts | _Choice | _Choices | _Struct | _Table

_PARTY = frozenset({"customer", "contact", "greeting", "our_company"})
_CASE = _PARTY | {"amount", "invoices", "count", "days", "due_date", "deadline"}
# Before the due date there are no days past due to speak of.
_PRE_DUE = _CASE - {"days"}
_AMOUNT = frozenset({"amount"})
_PROMISE = frozenset({"promise_date"})
_BROKEN = frozenset({"broken_on", "broken_amount"})
_DISPUTED = frozenset({"disputed_invoices", "disputed_amount"})
# Grades whose words are their own (a formal demand), and the card's who-acts lines.
GRADE_WORDS: tuple[str, ...] = ("bad", "dead")
WHO_ACTS: tuple[str, ...] = ("large", "doubtful", "bad", "dead")
STRATEGIES: tuple[str, ...] = ("large_low", "large_high", "small_low", "small_high")
NEXT_STEPS: tuple[str, ...] = (*STAGES, "disputed", "broken", "doubtful", "bad", "dead")


def _f(*names: str) -> frozenset[str]:
    return frozenset(names)


def _struct(required: Iterable[str] | None = None, **fields: _Node) -> _Struct:
    return _Struct(fields, frozenset(fields if required is None else required))


def _stage_texts(allowed: frozenset[str], required: Iterable[str] = ()) -> _Struct:
    return _struct(required, opening=_Texts(allowed), ask=_Texts(allowed, _AMOUNT))


_TONE = _struct(
    ("label", "how", "aliases", "opening", "ask", "pre_due"),
    label=_Text(),
    how=_Text(),
    aliases=_Texts(),
    opening=_Texts(_CASE),
    ask=_Texts(_CASE, _AMOUNT),
    pre_due=_stage_texts(_PRE_DUE, ("opening", "ask")),
    early=_stage_texts(_CASE),
    mid=_stage_texts(_CASE),
    late=_stage_texts(_CASE),
)

_EXCUSE = _struct(
    ("label", "aliases", "reason", "replies", "next_step"),
    label=_Text(),
    aliases=_Texts(),
    reason=_Choice(REASONS),
    replies=_Texts(_CASE),
    next_step=_Text(_CASE),
    evidence=_Choices(EVIDENCE),
)

_MESSAGE = _struct(
    label=_Text(),
    how=_Text(),
    opening=_Texts(_PARTY),
    follow=_Texts(_PARTY),
    next_step=_Text(_PARTY),
)

_N = _f("n")
_WORDS = _struct(
    contact_fallback=_Text(),
    customer_fallback=_Text(),
    our_company_fallback=_Text(),
    join=_Text(blank_ok=True),
    list_sep=_Text(blank_ok=True),
    list_last=_Text(blank_ok=True),
    invoice_one=_Text(_f("numbers"), _f("numbers")),
    invoice_many=_Text(_f("numbers"), _f("numbers")),
    invoice_more=_Text(_f("numbers", "more", "total"), _f("numbers")),
    days_one=_Text(_N, _N),
    days_many=_Text(_N, _N),
    count_one=_Text(_N, _N),
    count_many=_Text(_N, _N),
    date=_Text(_f("year", "month", "day", "month_name"), _f("day")),
    due_earliest=_Text(_f("date"), _f("date")),
    greeting=_Text(_f("name"), _f("name")),
    greeting_fallback=_Text(),
    broken_amount_fallback=_Text(),
    months=_Texts(exact=12),
    generic=_struct(
        amount=_Text(), invoices=_Text(), days=_Text(), due_date=_Text(), deadline=_Text()
    ),
    stage=_Table(_Text(), STAGES, "stage"),
    relationship=_Table(_Text(), RELATIONSHIPS, "relationship"),
    segment=_Table(_Text(), SEGMENTS, "segment"),
)


def _why(*names: str) -> _Text:
    return _Text(_f(*names), _f(*names))


_WHY = _struct(
    stage=_why("stage", "days"),
    stage_pre_due=_why("stage", "due_date"),
    relationship=_why("relationship"),
    segment=_why("segment"),
    risk=_why("risk"),
    ladder=_why("stage", "relationship", "tone"),
    chosen=_why("tone"),
    important=_why(),
    broken_promises=_why("broken"),
    disputed=_why("tone"),
    excuse=_why("excuse", "reason"),
    promise=_why("promise_date"),
    no_open=_why(),
    closed_paid=_why(),
    large=_why(),
    broken_step=_why(),
    grade_bad=_why(),
    grade_dead=_why(),
    disputed_part=_Text(_DISPUTED, _f("disputed_invoices")),
    all_disputed=_Text(_DISPUTED, _f("disputed_invoices")),
)

TOP = _struct(
    tones=_Table(_TONE, TONES, "tone"),
    excuses=_Table(_EXCUSE, None, "excuse"),
    reasons=_Table(_struct(label=_Text(), action=_Text(_CASE)), REASONS, "reason"),
    promise=_struct(
        pending=_Texts(_CASE | _PROMISE, _AMOUNT | _PROMISE),
        broken=_Texts(_CASE),
        broken_dated=_Texts(_CASE | _BROKEN, _f("broken_on")),
        broken_opening=_Texts(_CASE),
        broken_ask=_Texts(_CASE, _AMOUNT),
    ),
    grades=_Table(_stage_texts(_CASE, ("opening", "ask")), GRADE_WORDS, "grade"),
    dispute=_struct(
        opening=_Texts(_CASE),
        lead=_Texts(_CASE | _DISPUTED, _f("disputed_invoices", "invoices")),
        settle=_Texts(_CASE),
        note=_Text(_DISPUTED, _f("disputed_invoices")),
    ),
    terms=_struct(
        contract=_Texts(),
        interest=_Texts(_f("interest", "rate"), _f("interest", "rate")),
        interest_mixed=_Texts(_f("interest"), _f("interest")),
        upcoming=_Text(_f("invoices", "amount", "due_date"), _f("invoices", "amount")),
    ),
    method=_struct(
        who_acts=_Table(_Text(), WHO_ACTS, "who acts"),
        strategy=_Table(_Text(), STRATEGIES, "strategy"),
        interest=_Text(_f("interest", "rate"), _f("interest", "rate")),
        interest_mixed=_Text(_f("interest"), _f("interest")),
        recovery=_Text(_f("rate"), _f("rate")),
        limitation=_Text(_f("days"), _f("days")),
        limitation_expired=_Text(),
    ),
    installment=_Texts(_CASE),
    closing=_MESSAGE,
    relationship=_MESSAGE,
    timing=_struct(
        ("advice", "month_end", "not_month_end"),
        advice=_Text(
            _f("call_time", "lunch_start", "lunch_end", "month_end_hint"),
            _f("call_time", "lunch_start", "lunch_end"),
        ),
        month_end=_Text(),
        not_month_end=_Text(),
    ),
    evidence=_Table(_Text(), EVIDENCE, "evidence"),
    next_steps=_Table(_Text(_CASE), NEXT_STEPS, "next step"),
    why=_WHY,
    words=_WORDS,
)

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def _placeholder_problems(text: str, node: _Text | _Texts) -> list[str]:
    names: list[str] = []
    problems: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        return [f"malformed braces ({exc}); write {{{{ and }}}} for literal braces"]
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            problems.append(f"placeholder {{{shown}}} must be a plain {{name}}")
            continue
        names.append(name)
    for name in dict.fromkeys(names):
        if name not in node.allowed:
            allowed = ", ".join(f"{{{n}}}" for n in sorted(node.allowed)) or "none"
            problems.append(f"unknown placeholder {{{name}}} (allowed: {allowed})")
    for name in sorted(node.required - set(names)):
        problems.append(f"missing required placeholder {{{name}}}")
    return problems


def check(
    node: _Node,
    value: Any,
    path: tuple[str, ...],
    out: list[tuple[str, str]],
    *,
    complete: bool,
    base: Any,
    extending: bool = False,
) -> None:
    """Append (key path, problem) pairs for ``value`` against ``node``.

    ``complete`` asks for every required key (a built-in file, a new excuse); an override is
    otherwise partial. ``base`` is the built-in value at the same place, to tell a new excuse
    (which must be complete) from a change to an existing one.
    """
    where = ".".join(path)
    if isinstance(node, _Text):
        if not isinstance(value, str):
            out.append((where, f"expected a text, got {kind(value)}"))
        elif not value.strip() and not node.blank_ok:
            out.append((where, "must not be empty"))
        else:
            out.extend((where, p) for p in _placeholder_problems(value, node))
    elif isinstance(node, _Texts):
        if not isinstance(value, list):
            out.append((where, f"expected a list of texts, got {kind(value)}"))
            return
        if not value and not extending:
            out.append((where, "needs at least one text"))
        if node.exact is not None and not extending and len(value) != node.exact:
            out.append((where, f"needs exactly {node.exact} texts, got {len(value)}"))
        item = _Text(node.allowed, node.required)
        for i, text in enumerate(value):
            check(item, text, (*path, str(i)), out, complete=complete, base=None)
    elif isinstance(node, _Choice):
        if value not in node.values:
            out.append((where, f"{value!r} is not one of: {', '.join(node.values)}"))
    elif isinstance(node, _Choices):
        if not isinstance(value, list):
            out.append((where, f"expected a list, got {kind(value)}"))
            return
        for i, item in enumerate(value):
            if item not in node.values:
                out.append((f"{where}.{i}", f"{item!r} is not one of: {', '.join(node.values)}"))
    elif isinstance(node, _Struct):
        _check_struct(node, value, path, out, complete=complete, base=base)
    else:
        _check_table(node, value, path, out, complete=complete, base=base)


def _check_struct(
    node: _Struct,
    value: Any,
    path: tuple[str, ...],
    out: list[tuple[str, str]],
    *,
    complete: bool,
    base: Any,
) -> None:
    where = ".".join(path) or "(top)"
    if not isinstance(value, dict):
        out.append((where, f"expected a mapping, got {kind(value)}"))
        return
    for key, item in value.items():
        name = key[:-1] if isinstance(key, str) and key.endswith("+") else key
        child = node.fields.get(name) if isinstance(name, str) else None
        if child is None:
            known = ", ".join(node.fields)
            out.append((".".join((*path, str(key))), f"unknown key (known here: {known})"))
            continue
        extending = name != key
        if extending and not isinstance(child, _Texts):
            out.append((".".join((*path, key)), f"'+' extends lists only; {name} is not a list"))
            continue
        sub = base.get(name) if isinstance(base, dict) else None
        check(child, item, (*path, key), out, complete=complete, base=sub, extending=extending)
    if complete:
        for name in (n for n in node.fields if n in node.required):  # file order, stable
            if name not in value and f"{name}+" not in value:
                out.append((".".join((*path, name)), "missing"))


def _check_table(
    node: _Table,
    value: Any,
    path: tuple[str, ...],
    out: list[tuple[str, str]],
    *,
    complete: bool,
    base: Any,
) -> None:
    where = ".".join(path)
    if not isinstance(value, dict):
        out.append((where, f"expected a mapping of {node.what} keys, got {kind(value)}"))
        return
    for key, item in value.items():
        here = ".".join((*path, str(key)))
        if node.keys is not None and key not in node.keys:
            out.append((here, f"unknown {node.what} (valid: {', '.join(node.keys)})"))
            continue
        if node.keys is None and not (isinstance(key, str) and _KEY.match(key)):
            out.append((here, f"a new {node.what} key must be lower_case_with_underscores"))
            continue
        sub = base.get(key) if isinstance(base, dict) else None
        # Something the built-in playbook does not have must stand on its own.
        new = not isinstance(base, dict) or key not in base
        check(node.item, item, (*path, key), out, complete=complete or new, base=sub)
    if complete and node.keys is not None:
        for key in node.keys:
            if key not in value:
                out.append((".".join((*path, key)), "missing"))


def kind(value: Any) -> str:
    if value is None:
        return "nothing"
    names: dict[type, str] = {dict: "a mapping", list: "a list", str: "a text"}
    return names.get(type(value), type(value).__name__)

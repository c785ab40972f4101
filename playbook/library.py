"""The collection playbook as data: the built-in texts per locale, a company's overrides, checks.

The words the bot suggests live in ``playbook/data/en.yaml`` and ``playbook/data/zh-CN.yaml``
(same keys in both). This module loads them, merges a company's override file over them and
validates every template, so that a typo in a placeholder is a config error at start-up naming
the file and the key, never a ``KeyError`` or a stray ``{amout}`` in front of a customer.
It is the only playbook module that reads files: the package's own YAML, and the override path
the caller names. Choosing and rendering the words is ``playbook.phrasing``.

Slots (both the built-in files and an override use them):

``tones.<tone>``            label, how (the technique, shown on the card), aliases,
                            opening [...], ask [...] (every ``ask`` needs ``{amount}``),
                            pre_due {opening, ask} (required: before the due date nothing is
                            "past due"), and optional early / mid / late {opening, ask} that
                            replace the defaults at that stage. Tone keys are fixed: empathetic,
                            partnership, serious, sandwich, nvc, first_aid.
``excuses.<key>``           label, aliases, reason (cash_flow, stuck_process, testing_limits,
                            deliberate_delay), replies [...], next_step, optional evidence
                            [evidence keys]. New keys may be added.
``reasons.<reason>``        label, action.
``promise``                 pending [...] (needs ``{promise_date}``), broken [...].
``installment``             [...] the fallback offer.
``closing`` / ``relationship``  label, how, opening [...], follow [...], next_step:
                            after a paid case / for a customer with nothing open (no demand).
``timing``                  advice (needs ``{call_time}``, ``{lunch_start}``, ``{lunch_end}``;
                            may use ``{month_end_hint}``), month_end, not_month_end.
``evidence.<key>``          invoice, invoice_sent, statement, delivery, contract, reminders,
                            promises, defect.
``next_steps.<stage>``      pre_due, early, mid, late, disputed.
``why``, ``words``          the card's "why" lines and the small words rendering needs
                            (salutation fallback, list separators, units, date format).

Placeholders are ``str.format`` fields, ``{name}`` only (no format spec, no conversion). In
case texts: ``{customer}``, ``{contact}`` (the contact's name, or ``words.contact_fallback`` -
use it as a salutation), ``{our_company}``, ``{amount}`` (formatted, currencies joined with
" + "), ``{invoices}`` (numbers with their noun: "invoices A and B"), ``{count}`` (with its
noun), ``{days}`` (with its unit, oldest invoice; not in pre_due texts), ``{due_date}`` (the
earliest). Relationship and closing texts only have ``{customer}``, ``{contact}``,
``{our_company}``: they never name an amount.

Override file (``phrasing.overrides`` in config.yaml)::

    en:
      tones:
        partnership:
          opening+:                # "+" EXTENDS the built-in list
            - "Hi {contact}, quick one before our new line starts production."
          ask:                     # without "+" REPLACES it
            - "Could you release {amount} for {invoices} this week?"
      excuses:
        customs_hold:              # a new excuse: every field is required
          label: Goods held at customs
          aliases: [customs, 海关]
          reason: stuck_process
          replies: ["Which document does customs need? We will send it today."]
          next_step: Send the customs documents; ask for the payment date.
    zh-CN:
      excuses:
        cash_tight:
          replies+: ["理解您的难处，{amount}最早哪天可以安排？"]

Top-level keys are locales (``en``, ``zh-CN``); each is a partial playbook with the slots above.
Mappings merge key by key; a scalar or a list without ``+`` replaces; ``key+`` appends to the
list. Unknown slots, keys, tones or placeholders, a missing required placeholder, an incomplete
new excuse and malformed YAML are all errors, one line each::

    overrides.yaml: en.excuses.cash_tight.replies.1: unknown placeholder {amout} (allowed: ...)
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

__all__ = [
    "EVIDENCE",
    "LOCALES",
    "REASONS",
    "RELATIONSHIPS",
    "SEGMENTS",
    "STAGES",
    "TONES",
    "Excuse",
    "Playbook",
    "PlaybookError",
    "load_playbook",
    "normalize_locale",
    "validate_overrides",
]

# These keys are shared with playbook.phrasing (which re-exports them); they live here so the
# schema below can name them without an import cycle.
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


class PlaybookError(Exception):
    """The playbook or an override file is unusable; ``problems`` holds one line per problem."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join(self.problems))


def normalize_locale(locale: str) -> str:
    """Map "en", "en-GB" to "en" and "zh", "zh_CN", "zh-Hans" to "zh-CN" (the only Chinese)."""
    tag = locale.strip().lower().replace("_", "-")
    if tag.startswith("zh"):
        return "zh-CN"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    raise ValueError(f"unknown locale {locale!r}; valid locales: {', '.join(LOCALES)}")


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

_TOP = _struct(
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


def _check(
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
            out.append((where, f"expected a text, got {_kind(value)}"))
        elif not value.strip() and not node.blank_ok:
            out.append((where, "must not be empty"))
        else:
            out.extend((where, p) for p in _placeholder_problems(value, node))
    elif isinstance(node, _Texts):
        if not isinstance(value, list):
            out.append((where, f"expected a list of texts, got {_kind(value)}"))
            return
        if not value and not extending:
            out.append((where, "needs at least one text"))
        if node.exact is not None and not extending and len(value) != node.exact:
            out.append((where, f"needs exactly {node.exact} texts, got {len(value)}"))
        item = _Text(node.allowed, node.required)
        for i, text in enumerate(value):
            _check(item, text, (*path, str(i)), out, complete=complete, base=None)
    elif isinstance(node, _Choice):
        if value not in node.values:
            out.append((where, f"{value!r} is not one of: {', '.join(node.values)}"))
    elif isinstance(node, _Choices):
        if not isinstance(value, list):
            out.append((where, f"expected a list, got {_kind(value)}"))
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
        out.append((where, f"expected a mapping, got {_kind(value)}"))
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
        _check(child, item, (*path, key), out, complete=complete, base=sub, extending=extending)
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
        out.append((where, f"expected a mapping of {node.what} keys, got {_kind(value)}"))
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
        _check(node.item, item, (*path, key), out, complete=complete or new, base=sub)
    if complete and node.keys is not None:
        for key in node.keys:
            if key not in value:
                out.append((".".join((*path, key)), "missing"))


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    names: dict[type, str] = {dict: "a mapping", list: "a list", str: "a text"}
    return names.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------------------------
# YAML


class _StrictLoader(yaml.SafeLoader):
    """Safe loading that refuses a key given twice (PyYAML keeps the last one silently)."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _parse(text: str, name: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise PlaybookError([f"{name}: {at}invalid YAML: {problem}"]) from exc


# --------------------------------------------------------------------------------------------
# The loaded playbook


@dataclass(frozen=True)
class Excuse:
    key: str
    label: str
    aliases: tuple[str, ...]
    reason: str  # one of REASONS
    replies: tuple[str, ...]  # for listing: placeholders filled with generic words
    next_step: str  # likewise
    templates: tuple[str, ...]  # the raw reply templates that phrasing renders for a case
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Playbook:
    """One locale's playbook, built-in merged with overrides; read-only (it is cached)."""

    locale: str
    data: Mapping[str, Any]

    def tones(self) -> list[tuple[str, str]]:
        return [(key, self.data["tones"][key]["label"]) for key in TONES]

    def reasons(self) -> list[tuple[str, str]]:
        return [(key, self.data["reasons"][key]["label"]) for key in REASONS]

    def excuse_keys(self) -> list[str]:
        return list(self.data["excuses"])

    def excuses(self) -> list[Excuse]:
        return [self.excuse(key) for key in self.data["excuses"]]

    def excuse(self, key: str) -> Excuse:
        e = self.data["excuses"][key]
        return Excuse(
            key=key,
            label=e["label"],
            aliases=tuple(e["aliases"]),
            reason=e["reason"],
            replies=tuple(self._generic(t) for t in e["replies"]),
            next_step=self._generic(e["next_step"]),
            templates=tuple(e["replies"]),
            evidence=tuple(e.get("evidence", ())),
        )

    def find_excuse(self, text: str, *, partial: bool = True) -> str | None:
        """The excuse a person means: by key, label or alias, any case, en or zh words.

        An exact match wins; otherwise (unless ``partial`` is off) the longest alias found
        inside the text ("他说资金紧张" → cash_tight), English words matched whole so "cash"
        does not fire inside "cashier".
        """
        terms = {key: (key, e["label"], *e["aliases"]) for key, e in self.data["excuses"].items()}
        return _find(text, terms, partial=partial)

    def find_tone(self, text: str) -> str | None:
        """The tone a person means: key, label or alias ("同理", "严肃式", "nvc"); exact only.

        No partial matching here: a handler tries trailing words of a command as a tone, and
        "Global Partner Ltd" must stay a customer name.
        """
        terms = {key: (key, t["label"], *t["aliases"]) for key, t in self.data["tones"].items()}
        return _find(text, terms, partial=False)

    def _generic(self, template: str) -> str:
        # Listing an excuse (no case at hand) must not show raw {amount} to a person.
        words = self.data["words"]
        values = {
            "customer": words["customer_fallback"],
            "contact": words["contact_fallback"],
            "our_company": words["our_company_fallback"],
            "greeting": words["greeting_fallback"],
            "count": words["generic"]["invoices"],
            **words["generic"],
        }
        return template.format_map(values)


def _norm(text: str) -> str:
    text = text.casefold().replace("_", " ").replace("-", " ")
    text = text.strip(" \t\r\n\"'“”‘’「」.,!?;:。，！？；：")
    return " ".join(text.split())


def _find(text: str, terms: Mapping[str, tuple[str, ...]], *, partial: bool) -> str | None:
    wanted = _norm(text)
    if not wanted:
        return None
    for key, names in terms.items():
        if any(_norm(n) == wanted for n in names):
            return key
    if not partial:
        return None
    best: tuple[int, str] | None = None
    for key, names in terms.items():
        for name in names:
            term = _norm(name)
            if not term:
                continue
            if term.isascii():
                found = re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", wanted)
            else:
                found = re.search(re.escape(term), wanted)
            # Longest term wins ("已经在走流程了" is already_in_process, not process_stuck);
            # on a tie the earlier excuse in the playbook does.
            if found and (best is None or len(term) > best[0]):
                best = (len(term), key)
    return best[1] if best else None


def _freeze(value: Any) -> Any:
    # Playbooks are cached and shared between handlers; nobody may mutate one in place.
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _merge(base: Any, over: Any) -> Any:
    if not isinstance(base, dict) or not isinstance(over, dict):
        return over
    merged = dict(base)
    # Replacements first, then extensions, so "replies" and "replies+" together mean
    # "these, then those".
    for key, value in over.items():
        if not key.endswith("+"):
            merged[key] = _merge(merged.get(key), value)
    for key, value in over.items():
        if key.endswith("+"):
            name = key[:-1]
            merged[name] = [*merged.get(name, []), *value]
    return merged


# --------------------------------------------------------------------------------------------
# Loading


@lru_cache(maxsize=4)
def _builtin(locale: str) -> dict[str, Any]:
    name = f"{locale}.yaml"
    text = resources.files("playbook").joinpath("data", name).read_text(encoding="utf-8")
    label = f"playbook/data/{name}"
    data = _parse(text, label)
    out: list[tuple[str, str]] = []
    _check(_TOP, data, (), out, complete=True, base=None)
    if out:
        raise PlaybookError(f"{label}: {where}: {problem}" for where, problem in out)
    assert isinstance(data, dict)
    return data


def _override_problems(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The parsed override document and its problems, each line naming the file and key."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [f"{name}: cannot read: {exc}"]
    try:
        doc = _parse(text, name)
    except PlaybookError as exc:
        return {}, list(exc.problems)
    if doc is None:
        return {}, []
    if not isinstance(doc, dict):
        return {}, [
            f"{name}: expected a mapping of locales ({', '.join(LOCALES)}), got {_kind(doc)}"
        ]
    problems: list[str] = []
    for locale, part in doc.items():
        if locale not in LOCALES:
            problems.append(f"{name}: {locale}: unknown locale (valid: {', '.join(LOCALES)})")
            continue
        base = _builtin(locale)
        out: list[tuple[str, str]] = []
        _check(_TOP, part, (locale,), out, complete=False, base=base)
        if not out:
            # The parts were fine on their own; check the whole once more after merging, so
            # nothing the renderer relies on can go missing (e.g. an emptied list via '+').
            _check(_TOP, _merge(base, part), (locale,), out, complete=True, base=None)
        problems.extend(f"{name}: {where}: {problem}" for where, problem in out)
    return doc, problems


def validate_overrides(path: Path) -> list[str]:
    """Problems of an override file, one line each naming the file and the key; [] if fine."""
    return _override_problems(Path(path))[1]


def load_playbook(locale: str, overrides: Path | None = None) -> Playbook:
    """The playbook for "en" or "zh-CN" (any zh* is zh-CN), with a company's overrides merged.

    Cached per (locale, override path, modification time): an edited override file is picked
    up on the next call without a restart. Raises PlaybookError for a bad override file and
    ValueError for an unknown locale.
    """
    loc = normalize_locale(locale)
    if overrides is None:
        return _load(loc, None, 0)
    path = Path(overrides)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise PlaybookError([f"{path}: cannot read: {exc}"]) from exc
    return _load(loc, str(path), stamp)


@lru_cache(maxsize=32)
def _load(locale: str, path: str | None, stamp: int) -> Playbook:
    data = _builtin(locale)
    if path is not None:
        doc, problems = _override_problems(Path(path))
        if problems:
            raise PlaybookError(problems)
        if locale in doc:
            data = _merge(data, doc[locale])
    return Playbook(locale, _freeze(data))

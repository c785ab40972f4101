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
``promise``                 pending [...] (needs ``{promise_date}``), broken [...] (a missed
                            promise without its date), broken_dated [...] (needs
                            ``{broken_on}``, may use ``{broken_amount}``), broken_opening [...],
                            broken_ask [...] (a new date in writing; needs ``{amount}``).
``grades.<bad|dead>``       opening [...], ask [...]: the formal demands of 呆账 and 死账.
``dispute``                 opening [...], settle [...] (every invoice disputed: no payment
                            ask), lead [...] (needs ``{disputed_invoices}`` and ``{invoices}``),
                            note (the card's line; ``{disputed_invoices}``,
                            ``{disputed_amount}``).
``terms``                   contract [...], interest [...] (``{interest}``, ``{rate}``),
                            interest_mixed [...] (``{interest}``): stated as contract terms.
``method``                  who_acts.<large|doubtful|bad|dead>, strategy.<large_low|
                            large_high|small_low|small_high>, interest, interest_mixed,
                            recovery (``{rate}``), limitation (``{days}``), limitation_expired:
                            the card's lines beside the words, never said to the customer.
``installment``             [...] the fallback offer (shown only after a refusal or on request).
``closing`` / ``relationship``  label, how, opening [...], follow [...], next_step:
                            after a paid case / for a customer with nothing open (no demand).
``timing``                  advice (needs ``{call_time}``, ``{lunch_start}``, ``{lunch_end}``;
                            may use ``{month_end_hint}``), month_end, not_month_end.
``evidence.<key>``          invoice, invoice_sent, statement, delivery, contract, reminders,
                            promises, defect.
``next_steps.<key>``        pre_due, early, mid, late, disputed, broken, doubtful, bad, dead.
``why``, ``words``          the card's "why" lines and the small words rendering needs
                            (greeting, salutation fallback, list separators, units, date format,
                            ``due_earliest`` for invoices due on different days).

Placeholders are ``str.format`` fields, ``{name}`` only (no format spec, no conversion). In
case texts: ``{customer}``, ``{greeting}`` ("王总，您好！", "Dear Wang Jianguo,", or
``words.greeting_fallback``: the built-in openings start with it), ``{contact}`` (what to call
the contact, or ``words.contact_fallback``), ``{our_company}`` (the short name),
``{amount}`` (formatted, currencies joined with " + "), ``{invoices}`` (numbers with their
noun: "invoices A and B"), ``{count}`` (with its noun), ``{days}`` (with its unit, oldest
invoice; not in pre_due texts), ``{due_date}`` (the earliest, marked as such when the invoices
differ), ``{deadline}`` (a week from the day of the facts). Relationship and closing texts only
have ``{customer}``, ``{greeting}``, ``{contact}``, ``{our_company}``: they never name an
amount.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from playbook.library_schema import (
    EVIDENCE,
    LOCALES,
    REASONS,
    RELATIONSHIPS,
    SEGMENTS,
    STAGES,
    TONES,
    TOP,
    check,
    kind,
)

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
    check(TOP, data, (), out, complete=True, base=None)
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
            f"{name}: expected a mapping of locales ({', '.join(LOCALES)}), got {kind(doc)}"
        ]
    problems: list[str] = []
    for locale, part in doc.items():
        if locale not in LOCALES:
            problems.append(f"{name}: {locale}: unknown locale (valid: {', '.join(LOCALES)})")
            continue
        base = _builtin(locale)
        out: list[tuple[str, str]] = []
        check(TOP, part, (locale,), out, complete=False, base=base)
        if not out:
            # The parts were fine on their own; check the whole once more after merging, so
            # nothing the renderer relies on can go missing (e.g. an emptied list via '+').
            check(TOP, _merge(base, part), (locale,), out, complete=True, base=None)
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

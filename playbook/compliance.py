"""Compliance lint: the lines that must never be said to a customer, in English and Chinese.

Every text the bot suggests or posts for a customer, and every draft a user asks to check, goes
through ``lint``. Nine rules look at the words — threat (open or veiled), insult,
discrimination, third parties, false legal claims, fake authority, public shaming, harassment
in the words, a lawsuit used as a threat — and two at the circumstances of the contact (hours
and how often today). All word rules apply to both languages whatever the message locale, so
mixed text is covered too.

How it generalises beyond listed phrases:

- the text is normalised first (compliance_norm): Traditional → Simplified Chinese (OpenCC),
  full width → half width, case, leetspeak, and the spaces, dots, hyphens and zero-width
  characters inside words ("老-赖", "j.a.i.l", "k1ll") — findings keep offsets into the text
  as given;
- each rule combines vocabularies (a contact verb near a third-party noun, in either order; a
  posting verb near a medium; a call near a time no one should be called at) rather than
  listing sentences (compliance_harm, compliance_people, compliance_legal);
- a group may require or forbid words in the match's sentence (shaming needs the customer or
  the debt in it; a sue threat is not one when the sentence states the lawful route,
  "依法", "按合同约定"); negations and requests just before a match excuse it ("we will not
  tell your family", "请您通知贵司财务") for the rules where that reading exists.

The aim is precision as well as recall: the firm lines of the playbook (contract clauses, late
interest, a referral to the legal department, a credit hold, a statement of account, a call
to the finance manager, an internal watch list) must pass. Everything here is a pure function
over plain data: no I/O, no clock, no project imports outside playbook.compliance_*.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import time
from typing import Any

from playbook import (
    compliance_families,
    compliance_harm,
    compliance_legal,
    compliance_more,
    compliance_more_law,
    compliance_people,
)
from playbook.compliance_norm import normalise as _normalise
from playbook.compliance_rx import END, Source, Spec, compile_alternatives
from playbook.compliance_text import (
    RULES,
    WORD_RULES,
    frequency_message,
    hours_message,
    is_chinese,
    rule_label,
    wall,
    words_message,
)

__all__ = [
    "RULES",
    "WORD_RULES",
    "Finding",
    "LintContext",
    "lint",
    "rule_label",
]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Finding:
    """One line that must not be said.

    ``text`` is ``input[start:end]``; the whole-message rules (contact_hours,
    contact_frequency) have ``text == ""`` and ``start == end == 0``.
    """

    rule: str  # one of RULES
    text: str
    start: int
    end: int  # exclusive
    message: str  # why, in the requested locale, naming the rule


@dataclass(frozen=True)
class LintContext:
    """What the words alone do not tell: the case's legal state and the contact's timing.

    Times are wall-clock times in the customer's time zone (any tzinfo is ignored). An
    allowed window whose start is after its end runs over midnight; both ends are allowed.
    """

    # A litigation decision exists: "we have filed a lawsuit" is true, not a false claim.
    litigation_decided: bool = False
    # A lawyer's letter was decided: "our lawyer has sent a letter" is true.
    lawyers_letter_decided: bool = False
    local_time: time | None = None  # when the message would be sent or the call made
    contact_hours: tuple[time, time] = (time(8, 0), time(20, 0))
    contacts_today: int = 0  # contacts already made with this customer today
    max_contacts_per_day: int = 2

    def __post_init__(self) -> None:
        # Config loaders hand over lists; a tuple keeps the context hashable.
        hours = self.contact_hours
        if isinstance(hours, list):
            hours = tuple(hours)
            object.__setattr__(self, "contact_hours", hours)
        if (
            not isinstance(hours, tuple)
            or len(hours) != 2
            or not all(isinstance(t, time) for t in hours)
        ):
            raise ValueError(f"LintContext.contact_hours must be two times, got {hours!r}")
        if wall(hours[0]) == wall(hours[1]):
            raise ValueError(f"LintContext.contact_hours is an empty window: {hours[0]:%H:%M}")
        if self.local_time is not None and not isinstance(self.local_time, time):
            raise ValueError(f"LintContext.local_time must be a time, got {self.local_time!r}")
        if not _is_int(self.contacts_today) or self.contacts_today < 0:
            raise ValueError(
                f"LintContext.contacts_today must be 0 or more, got {self.contacts_today!r}"
            )
        if not _is_int(self.max_contacts_per_day) or self.max_contacts_per_day < 1:
            raise ValueError(
                "LintContext.max_contacts_per_day must be 1 or more, "
                f"got {self.max_contacts_per_day!r}"
            )


_DEFAULT_CONTEXT = LintContext()

# Right before a match in the same clause, a negation ("we will not post ...", "我们不会通知 ...")
# or a request or advice to the customer ("please let your customers know", "建议您联系您的客户")
# means the words are not a threat.
_EXCUSED = re.compile(
    r"(?:(?<![a-z])not|(?<![a-z])never|n't|(?<![a-z])no\s+(?:intention|plan|wish|need)\s+(?:of|to))"
    r"\s+(?:(?:ever|be|want|wish|going|intend|plan|plans|planning|to|like|need|have|try"
    r"|trying|seek|mean|would)\s+){0,3}$"
    r"|(?<![a-z])(?:please|kindly|(?:ask|suggest|recommend|advise)(?:\s+that)?(?:\s+you)?"
    r"|(?:could|can|would|will)\s+you)\s+$"
    r"|(?<!要)(?:不|没有?|未|无意|无需)(?:会|要|想|打算|愿意|再|去|能|可能|需要|必|必要|曾|用|准备)?\s*$"
    r"|(?:不|没有?|未)(?:会|要|想|打算|再)?把[^,，。｡]{0,8}$"
    r"|(?:请|麻烦|烦请|劳烦|帮忙|(?:你|您)可以|可以先|建议|能否|能不能)(?:你|您)?"
    r"(?:先|再|尽快|直接|及时)?\s*$"
)
_CLAUSE_END = re.compile(f"[,:{re.escape(END)}]")
_TAIL = 40  # characters before a match searched for a negation or a request


@dataclass(frozen=True)
class _Group:
    rule: str
    source: Source
    en: re.Pattern[str] | None
    zh: re.Pattern[str] | None
    excusable: bool
    needs: Callable[[LintContext], bool]
    requires: re.Pattern[str] | None
    forbids: re.Pattern[str] | None


def _always(_: LintContext) -> bool:
    return True


_NEEDS: dict[str | None, Callable[[LintContext], bool]] = {
    None: _always,
    "litigation": lambda c: not c.litigation_decided,
    "letter": lambda c: not c.lawyers_letter_decided,
}


def _compile(
    alternatives: Iterable[str], *, words: bool, shortcut: bool = True
) -> re.Pattern[str] | None:
    return compile_alternatives(alternatives, words=words, shortcut=shortcut)


def _group(spec: Spec) -> _Group:
    return _Group(
        spec.rule,
        spec.source,
        _compile(spec.source.en, words=True),
        _compile(spec.source.zh, words=False),
        spec.excusable,
        _NEEDS[spec.needs],
        re.compile(spec.requires) if spec.requires else None,
        re.compile(spec.forbids) if spec.forbids else None,
    )


def _with_more(specs: Iterable[Spec]) -> list[Spec]:
    """The specs with compliance_more's families added to each rule's first unconditional
    group."""
    extra = dict(compliance_more.EXTRA)
    for table in (compliance_more_law.EXTRA, compliance_families.EXTRA):
        for rule, source in table.items():
            extra[rule] = extra[rule] + source if rule in extra else source
    out = []
    for spec in specs:
        more = extra.pop(spec.rule, None) if spec.requires is None else None
        out.append(spec if more is None else replace(spec, source=spec.source + more))
    assert not extra, extra
    return out


@functools.cache
def _groups() -> tuple[_Group, ...]:
    """The rules' patterns, compiled on the first lint: a second of regex compiling that every
    process paid at start-up (`arcircle --help` included) before any text was checked."""
    built = tuple(
        _group(spec)
        for spec in _with_more(
            (
                *compliance_harm.SPECS,
                *compliance_people.SPECS,
                *compliance_legal.SPECS,
                *compliance_more_law.SPECS,
                *compliance_families.SPECS,
            )
        )
    )
    assert {g.rule for g in built} == set(WORD_RULES)
    return built


def __getattr__(name: str) -> Any:
    # `compliance._GROUPS` (the tests and bench.phrase read it) is built on first use too.
    if name == "_GROUPS":
        return _groups()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_RULE_ORDER = {rule: i for i, rule in enumerate(RULES)}


def _excused(norm: str, start: int) -> bool:
    tail = norm[max(0, start - _TAIL) : start]
    tail = _CLAUSE_END.split(tail)[-1]  # only the clause the match is in
    return _EXCUSED.search(tail) is not None


def _sentence(norm: str, start: int, end: int) -> str:
    first = max(norm.rfind(c, 0, start) for c in END) + 1
    stops = [i for i in (norm.find(c, end) for c in END) if i >= 0]
    return norm[first : min(stops, default=len(norm))]


def _outside_hours(at: time, hours: tuple[time, time]) -> bool:
    now, start, end = wall(at), wall(hours[0]), wall(hours[1])
    if start < end:
        return now < start or now > end
    return end < now < start  # the window runs over midnight


def lint(
    text: str, *, locale: str = "en", context: LintContext = _DEFAULT_CONTEXT
) -> list[Finding]:
    """Everything in ``text`` (and in the contact's circumstances) that must not be said.

    Findings are sorted by start (the whole-message rules first, at 0), then by rule order;
    messages are in ``locale``. The word rules apply to both languages whatever the locale.
    An empty text is allowed: only the hours and frequency rules can fire then.
    """
    zh = is_chinese(locale)
    found: list[Finding] = []
    if context.local_time is not None and _outside_hours(context.local_time, context.contact_hours):
        message = hours_message(context.contact_hours, wall(context.local_time), zh)
        found.append(Finding("contact_hours", "", 0, 0, message))
    if context.contacts_today >= context.max_contacts_per_day:
        message = frequency_message(context.contacts_today, context.max_contacts_per_day, zh)
        found.append(Finding("contact_frequency", "", 0, 0, message))
    if text and not text.isspace():
        found.extend(_word_findings(text, context, zh))
    found.sort(key=lambda f: (f.start, _RULE_ORDER[f.rule], f.end))
    return found


_LATIN = re.compile("[a-z]")
_HAN = re.compile("[\u3400-\u9fff]")


def _matches(group: _Group, norm: str, latin: bool, cjk: bool) -> Iterator[re.Match[str]]:
    if latin and group.en is not None:
        yield from group.en.finditer(norm)
    if cjk and group.zh is not None:
        yield from group.zh.finditer(norm)


def _kept(group: _Group, norm: str, m: re.Match[str]) -> bool:
    if group.excusable and _excused(norm, m.start()):
        return False
    if group.requires is None and group.forbids is None:
        return True
    sentence = _sentence(norm, m.start(), m.end())
    if group.requires is not None and not group.requires.search(sentence):
        return False
    return group.forbids is None or not group.forbids.search(sentence)


def _word_findings(text: str, context: LintContext, zh: bool) -> list[Finding]:
    norm, to_input = _normalise(text)
    latin = _LATIN.search(norm) is not None
    cjk = _HAN.search(norm) is not None
    spans: dict[str, list[tuple[int, int]]] = {}
    for group in _groups():
        if not group.needs(context):
            continue
        for m in _matches(group, norm, latin, cjk):
            if m.end() <= m.start() or not _kept(group, norm, m):
                continue
            start, end = to_input(m.start()), to_input(m.end() - 1) + 1
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end:
                spans.setdefault(group.rule, []).append((start, end))
    findings = []
    for rule, rule_spans in spans.items():
        # Several groups of one rule may overlap: keep the earliest, longest span.
        last_end = -1
        for start, end in sorted(rule_spans, key=lambda s: (s[0], -s[1])):
            if start < last_end:
                continue
            last_end = end
            words = text[start:end]
            findings.append(Finding(rule, words, start, end, words_message(rule, words, zh)))
    return findings

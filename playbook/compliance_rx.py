"""Building blocks of the compliance lint's patterns: macros, sources and compilation.

English patterns are written with a plain space for "one or more whitespace characters" and
match whole words. Chinese patterns are plain regular expressions over the normalised text
(see compliance_norm). ``%NAME%`` macros are expanded first. A `Spec` is one group of
alternatives for one rule, with what the sentence around a match must (``requires``) or must
not (``forbids``) contain: that is how vocabularies combine (a posting verb near a medium, in a
sentence that names the customer or the debt).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# The end of a sentence in normalised text ("。" is "｡" there).
END = ".!?;\n｡"
_G = f"[^{END}]"
_GZ = f"[^,{END}]"  # inside a Chinese clause: no comma either

EN_MACROS: dict[str, str] = {
    # first person doing something soon: "we'll", "I am going to", "we will have to" ...
    "%WILL%": (
        "(?:we|i)(?:'ll|'re going to|'m going to|'d| (?:will|shall|would|are going to"
        "|am going to|can|could|may|might|must))(?: (?:have to|need to|be forced to"
        "|have no choice but to|(?:just|simply|then|also|now|definitely|immediately)))?"
    ),
    # A first-person subject earlier in the clause, not a request or advice to the customer.
    "%SUBJ%": (
        "(?:we|i|us|our (?:company|team|firm|people|staff|agents?|collectors?))"
        "(?:'ll|'d|'re|'m|'ve)?(?![a-z])"
        "(?:(?!(?<![a-z])(?:you|please|ask|suggest|recommend|advise)(?![a-z]))[^.,!?;\n｡]){0,40}?"
    ),
    "%WEHAVE%": "(?:we|i)(?:'ve| have)(?: (?:already|now|just|officially|finally|today))*",
    "%HAVE%": "(?:has|have)(?: (?:already|now|just|officially|today))*",
    "%W%": "[\\w'$-]+",  # one word
    "%G20%": f"{_G}{{0,20}}?",
    "%G40%": f"{_G}{{0,40}}?",
    "%G60%": f"{_G}{{0,60}}?",
}

ZH_MACROS: dict[str, str] = {
    "%YOU%": "(?:你|您)(?:们)?",
    "%YOU1%": "(?:你们|您们|你|您)(?![的们])",  # "you" as an object, not "your ..."
    "%POSS%": "(?:(?:(?:你|您)(?:们)?|贵司|贵公司|贵方)(?:的)?)",
    "%POSS1%": "(?:(?:你|您)(?:的)?)",  # a person's, not the company's
    "%TPOSS%": "(?:(?:(?:你|您|他|她)(?:们)?|贵司|贵公司|贵方)(?:的)?)",
    "%WE%": "(?:我们|我司|本公司|我方|我)",
    "%ALREADY%": "(?:已经|已)",
    "%STOP%": f"[^,:{END}]",  # any character inside the clause
    # a first-person subject earlier in the clause, with no request or advice in between
    "%WESUBJ%": f"(?:我们|我司|本公司|我方|我)(?:(?!你|您|请|建议|麻烦|可以)[^,:{END}]){{0,10}}?",
    "%Z4%": f"{_GZ}{{0,4}}?",
    "%Z6%": f"{_GZ}{{0,6}}?",
    "%Z8%": f"{_GZ}{{0,8}}?",
    "%Z12%": f"{_GZ}{{0,12}}?",
    "%S16%": f"{_G}{{0,16}}?",  # inside the sentence, commas allowed
}


def _expand(pattern: str, macros: dict[str, str]) -> str:
    for name, body in macros.items():
        pattern = pattern.replace(name, body)
    return pattern


@dataclass(frozen=True)
class Source:
    """A rule's pattern sources: English (whole words) and Chinese, compiled separately."""

    en: tuple[str, ...] = ()
    zh: tuple[str, ...] = ()

    def __add__(self, other: Source) -> Source:
        return Source(self.en + other.en, self.zh + other.zh)


def en(*patterns: str) -> Source:
    return Source(en=tuple(_expand(p, EN_MACROS).replace(" ", r"\s+") for p in patterns))


def zh(*patterns: str) -> Source:
    return Source(zh=tuple(_expand(p, ZH_MACROS) for p in patterns))


def alt(*words: str) -> str:
    return "(?:" + "|".join(words) + ")"


@dataclass(frozen=True)
class Spec:
    """One group of alternatives for one rule.

    excusable: a negation or a request right before the match ("we will not ...", "请您...")
    means no finding. needs: "litigation" / "letter" — only while that step is not decided.
    requires / forbids: a pattern the match's sentence must / must not contain.
    """

    rule: str
    source: Source
    excusable: bool = False
    needs: str | None = None
    requires: str | None = None
    forbids: str | None = None


class _Opaque(Exception):
    """A pattern construct whose first character _first cannot tell."""


def _first(items: Any, k: Any) -> tuple[set[str], bool]:
    """The characters a match of parsed ``items`` can start with, and whether it can be empty."""
    chars: set[str] = set()
    for op, av in items:
        if op is k.LITERAL:
            chars.add(chr(av))
            return chars, False
        if op is k.IN:
            for kind, value in av:
                if kind is k.LITERAL:
                    chars.add(chr(value))
                elif kind is k.RANGE and value[1] - value[0] < 128:
                    chars.update(chr(c) for c in range(value[0], value[1] + 1))
                else:
                    raise _Opaque(kind)
            return chars, False
        if op is k.BRANCH:
            empty = False
            for branch in av[1]:
                more, can_be_empty = _first(branch, k)
                chars |= more
                empty = empty or can_be_empty
        elif op is k.SUBPATTERN:
            more, empty = _first(av[-1], k)
            chars |= more
        elif op in (k.MAX_REPEAT, k.MIN_REPEAT):
            more, inner_empty = _first(av[2], k)
            chars |= more
            empty = av[0] == 0 or inner_empty
        elif op in (k.ASSERT, k.ASSERT_NOT, k.AT):
            empty = True  # zero-width: the first character comes after it
        else:
            raise _Opaque(op)
        if not empty:
            return chars, False
    return chars, True


def first_class(pattern: str) -> str:
    """A look-ahead for the characters a match can start with, so that the many alternatives
    are tried only where one can begin (about three times faster); "" when that cannot be
    worked out, and the pattern then runs without it."""
    try:
        parser: Any = importlib.import_module("re._parser")
        constants: Any = importlib.import_module("re._constants")
        chars, empty = _first(parser.parse(pattern).data, constants)
    except (ImportError, AttributeError, TypeError, ValueError, _Opaque):
        return ""
    if empty or not chars:
        return ""
    return "(?=[" + "".join(re.escape(c) for c in sorted(chars)) + "])"


def compile_alternatives(
    alternatives: Iterable[str], *, words: bool, shortcut: bool = True
) -> re.Pattern[str] | None:
    body = "|".join(alternatives)
    if not body:
        return None
    # The text is lower-cased by the normalisation, so no IGNORECASE (slower on every branch).
    if words:
        body = f"(?<![a-z0-9])(?:{body})(?![a-z0-9])"
    return re.compile((first_class(body) if shortcut else "") + f"(?:{body})")

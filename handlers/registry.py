"""The command families. Each module in handlers/ declares its verb and answers it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType

from bot.kernel.messages import Command, Reply
from handlers.context import Context

Handler = Callable[[Command, Context], Awaitable[Reply]]


@dataclass(frozen=True)
class Verb:
    name: str
    aliases: tuple[str, ...]
    usage: str
    summary: dict[str, str]  # locale → one line
    handle: Handler

    def summary_in(self, locale: str) -> str:
        return self.summary["zh-CN" if locale.startswith("zh") else "en"]


def _verb(module: ModuleType) -> Verb:
    return Verb(
        module.NAME, tuple(module.ALIASES), module.USAGE, dict(module.SUMMARY), module.handle
    )


def verbs() -> list[Verb]:
    # Imported here so a handler module may itself ask for the list (help does).
    from handlers import (
        case,
        check,
        customer,
        decide,
        digest,
        dispute,
        excuses,
        export,
        help,
        lint,
        metrics,
        open_case,
        overdue,
        phrase,
        promise,
        snooze,
        statement,
        team_input,
        whoami,
    )

    modules = (
        help,
        overdue,
        customer,
        open_case,
        case,
        team_input,
        phrase,
        promise,
        decide,
        dispute,
        statement,
        snooze,
        check,
        digest,
        metrics,
        lint,
        excuses,
        export,
        whoami,
    )
    return [_verb(m) for m in modules]


def lookup() -> dict[str, Verb]:
    """Every spelling (name and aliases, case-folded) → verb."""
    table: dict[str, Verb] = {}
    for verb in verbs():
        for spelling in (verb.name, *verb.aliases):
            table[spelling.casefold()] = verb
    return table

"""What every ledger cell parser shares: the error it raises, how it quotes a cell in a
message, and bounded caches (a ledger repeats a few thousand distinct values a million times).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar


class ParseError(ValueError):
    """A value or file that cannot be read; str(e) is the reason shown to the user."""


# Caches are cleared wholesale rather than evicted LRU-style: a ledger's dates come from a
# few thousand distinct strings, so a clear is rare and keeps the hit path a bare dict get.
CACHE_MAX = 100_000
K = TypeVar("K")
V = TypeVar("V")


def quote(text: str) -> str:
    # A runaway cell (a whole note pasted into a date column) must not flood the report.
    if len(text) > 60:
        text = text[:57] + "..."
    return repr(text)


def remember(cache: dict[K, V], key: K, value: V) -> None:
    if len(cache) >= CACHE_MAX:
        cache.clear()
    cache[key] = value


def few_values(parse: Callable[[str], V]) -> Callable[[str], V]:
    """Remember a parser's answers: a ledger repeats a handful of values on every row.

    Only successes are kept, so a bad value raises (with its message) every time."""
    cache: dict[str, V] = {}

    def cached(text: str) -> V:
        if text in cache:
            return cache[text]
        value = parse(text)
        remember(cache, text, value)
        return value

    cached.__doc__ = parse.__doc__
    return cached

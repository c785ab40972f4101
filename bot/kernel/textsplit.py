"""A rendered message in pieces a messenger takes: at line ends where it can, never inside a
character, a mention's markup or an entity.

Every messenger has a length limit (Slack's 3,000-character section, Telegram's 4,096
characters, WeCom's 4,096 *bytes* of markdown). A plugin renders first, then splits what it
rendered with its own limit, unit and `atom`: the pattern of markup that must stay whole
(`<@U1>`, `<at user_id="ou_1"></at>`, `<a href="tg://user?id=1">Name</a>`, `&amp;`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

# Markup in angle brackets, and HTML/mrkdwn entities.
ATOM = re.compile(r"<[^<>\n]*>|&(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);")
# A line longer than this much of the room left in a piece starts in that piece.
_FILL_FROM = 100

Unit = Literal["chars", "bytes"]


def measure(unit: Unit) -> Callable[[str], int]:
    if unit == "bytes":
        return lambda s: len(s.encode("utf-8"))
    return len


def split(
    text: str, limit: int, *, unit: Unit = "chars", atom: re.Pattern[str] = ATOM
) -> list[str]:
    """Pieces of at most `limit` (characters or UTF-8 bytes), joined by the line ends that
    were cut; blank pieces are dropped. An atom longer than `limit` is cut as text (a limit
    that small cannot show it anyway)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    size_of = measure(unit)
    if size_of(text) <= limit:
        return [text] if text.strip() else []
    pieces: list[str] = []
    buf: list[str] = []
    size = -1  # n lines joined take n-1 newlines

    def flush() -> None:
        nonlocal buf, size
        if buf:
            pieces.append("\n".join(buf))
        buf, size = [], -1

    for line in text.split("\n"):
        room = limit - size - 1
        if size_of(line) > limit and room >= _FILL_FROM:
            at = cut_point(line, room, size_of, atom)
            buf.append(line[:at])
            line = line[at:]
            flush()
        while size_of(line) > limit:
            flush()
            at = cut_point(line, limit, size_of, atom)
            pieces.append(line[:at])
            line = line[at:]
        if size + 1 + size_of(line) > limit:
            flush()
        buf.append(line)
        size += 1 + size_of(line)
    flush()
    return [p for p in pieces if p.strip()]


def cut_point(
    line: str, room: int, size_of: Callable[[str], int], atom: re.Pattern[str] = ATOM
) -> int:
    """The longest head of `line` within `room` that does not end inside an atom. When an
    atom begins the line and is longer than the room it is cut after all (something must
    move on, and a room that small cannot show it anyway)."""
    if size_of == len:
        at = min(room, len(line))
    else:
        # Bytes: the longest head within room, by code points (never half a character).
        at, used = 0, 0
        for ch in line:
            width = len(ch.encode("utf-8"))
            if used + width > room:
                break
            used += width
            at += 1
    fits = at
    for found in atom.finditer(line):
        if found.start() >= at:
            break
        if at < found.end():
            at = found.start()
            break
    return at if at > 0 else max(fits, 1)

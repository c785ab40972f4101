"""The compliance lint's normalisation: the text the patterns see, with a map back to offsets.

What changes before matching, so that spelling games do not hide a line:

- case: lower-cased (only ASCII when full lower-casing would change the length);
- width: full-width ASCII and the ideographic space become ASCII; curly quotes, dashes and
  the ellipsis become their ASCII forms; "。" becomes "｡" (still a full stop to the patterns,
  but never dropped as a dot inside a word);
- script: Traditional Chinese becomes Simplified, one character for one, with OpenCC's
  character table (opencc-python-reimplemented's TSCharacters), plus a few variants it keeps
  (妳→你, 著→着, 帳/帐→账);
- leetspeak: inside a token that mixes letters and digits or @/$ ("j4il", "k1ll", "a$$"),
  0→o, 1→i, 3→e, 4→a, 5→s, 7→t, @→a, $→s; plain numbers, amounts, times ("3am", "15th") are
  left alone;
- removed: zero-width characters anywhere; spaces and joining punctuation (- . * _ · ~ | /)
  between two Chinese characters ("老-赖", "老 赖"); joining punctuation between two Latin
  letters ("sc-um", "f*ck"); the separators of a word spelled out letter by letter ("j.a.i.l",
  "k i l l").

Every step but the removals keeps one character for one, so a single sorted list of
breakpoints maps normalised offsets back to the input. Pure: no I/O but reading OpenCC's table
once at import.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from importlib import resources

__all__ = ["CJK", "normalise"]

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


def _t2s_table() -> dict[int, int]:
    """Traditional → Simplified, character for character, from OpenCC's dictionary."""
    table: dict[int, int] = {}
    try:
        text = resources.files("opencc").joinpath("dictionary/TSCharacters.txt").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):  # pragma: no cover - a broken install
        text = ""
    for line in text.splitlines():
        source, _, targets = line.partition("\t")
        first = targets.split(" ")[0] if targets else ""
        if len(source) == 1 and len(first) == 1 and source != first:
            table[ord(source)] = ord(first)
    # Variants OpenCC keeps as they are, but that the patterns spell otherwise.
    for trad, simp in ("妳你", "祢你", "著着", "帳账", "帐账", "賬账", "週周", "裏里", "喫吃"):
        table[ord(trad)] = ord(simp)
    return table


_FOLD: dict[int, int] = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}  # full-width ASCII
_FOLD.update({c: c - 0xFEE0 + 32 for c in range(0xFF21, 0xFF3B)})  # full-width A-Z, lowered
_FOLD.update({0x3000: 0x20, 0x00A0: 0x20, 0x3001: ord(","), 0x3002: 0xFF61, 0xFF0E: ord(".")})
_FOLD.update(dict.fromkeys(map(ord, "‘’‚‛′`´"), ord("'")))
_FOLD.update(dict.fromkeys(map(ord, "“”„‟″「」『』"), ord('"')))
_FOLD.update(dict.fromkeys(map(ord, "‐‑‒–—―"), ord("-")))
_FOLD.update({ord("…"): ord("."), ord("！"): ord("!"), ord("？"): ord("?")})
_T2S = _t2s_table()


def _any_of(table: dict[int, int]) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(table)) + "]")


# Each table is applied only to a text that has one of its characters (a test far cheaper
# than translating every character through a dict).
_T2S_CHARS = frozenset(map(chr, _T2S))
_NEEDS_FOLD = _any_of(_FOLD)
_NEEDS_TABLE = re.compile(r"[^\x20-\x7e\n\t\r]")
_HAN = re.compile(f"[{CJK}]")

_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}

_LEET = str.maketrans("013457@$", "oieastas")
# A token of letters, digits, @ and $ with at least one letter and one of the others.
_LEET_TOKEN = re.compile(r"(?<![a-z0-9@$])(?=[a-z0-9@$]*[a-z])(?=[a-z0-9@$]*[0-9@$])[a-z0-9@$]+")
# Tokens that are numbers with a unit or an ordinal, or codes with a long number: not leet.
_NOT_LEET = re.compile(
    r"\$?\d[\d$]*(?:st|nd|rd|th|am|pm|h|hr|hrs|k|m|mm|cm|kg|g|t|x|pcs|d|days?|mins?|s|v|w)?"
    r"|[a-z]{1,5}\d{3,}[a-z0-9]*|[a-z]+\$"
)


def _unleet(m: re.Match[str]) -> str:
    token = m.group()
    if _NOT_LEET.fullmatch(token):
        return token
    return token.translate(_LEET)


_ZERO_WIDTH = "\u200b-\u200f\u2060\ufeff\u00ad"
_JOIN = r"\-.*_·•~|/\\+'\"#^"
_ZERO = re.compile(f"[{_ZERO_WIDTH}]+")
# Between two Chinese characters: spaces, joining punctuation, zero-width characters.
_CJK_JOIN = re.compile(f"[{CJK}]([\\s{_JOIN}{_ZERO_WIDTH}]+)(?=[{CJK}])")
# Between two Latin letters: a run of joining punctuation, or one dot.
_LATIN_JOIN = re.compile(r"[a-z]([\-*_·•~]+|\.)(?=[a-z])")
_LEET_HINT = re.compile(r"[a-z][0-9@$]|[0-9@$][a-z]")


def _drops(folded: str, cjk: bool) -> list[tuple[int, int]]:
    drops = [m.span() for m in _ZERO.finditer(folded)] if _ZERO.search(folded) else []
    if cjk:
        drops.extend(m.span(1) for m in _CJK_JOIN.finditer(folded))
    drops.extend(m.span(1) for m in _LATIN_JOIN.finditer(folded))
    return drops


# A word spelled out letter by letter: three or more single letters with one separator each.
_SPELLED = re.compile(r"(?<![a-z'])[a-z](?:[ .\-*_·•~][a-z]){3,}(?![a-z'])")
_SPELLED_SEP = re.compile(r"[ .\-*_·•~]")


def normalise(text: str) -> tuple[str, Callable[[int], int]]:
    """The text to match and a map from its indices back to ``text``'s."""
    folded = text.lower()
    if len(folded) != len(text):
        folded = text.translate(_ASCII_LOWER)
    cjk = False
    if _NEEDS_TABLE.search(folded):
        if _NEEDS_FOLD.search(folded):
            folded = folded.translate(_FOLD)
        if not _T2S_CHARS.isdisjoint(folded):
            folded = folded.translate(_T2S)
        cjk = _HAN.search(folded) is not None
    if _LEET_HINT.search(folded):
        folded = _LEET_TOKEN.sub(_unleet, folded)
    drops = _drops(folded, cjk)
    for m in _SPELLED.finditer(folded):
        word = m.group()
        if word.count(" ") == len(word) // 2 and _looks_like_prose(word):
            continue
        base = m.start()
        drops.extend((base + s.start(), base + s.end()) for s in _SPELLED_SEP.finditer(word))
    if not drops:
        return folded, _identity
    drops.sort()
    parts: list[str] = []
    norm_at: list[int] = [0]
    shift: list[int] = [0]
    kept = 0
    last = 0
    for start, end in drops:
        if start < last:  # overlapping removals
            start = last
            if start >= end:
                continue
        parts.append(folded[last:start])
        kept += start - last
        norm_at.append(kept)
        shift.append(end - kept)
        last = end
    parts.append(folded[last:])

    def to_input(i: int) -> int:
        return i + shift[bisect_right(norm_at, i) - 1]

    return "".join(parts), to_input


# Single letters that are words of their own ("i", "a"): "i a m" is not a spelled word, but a
# run of them like "k i l l" is.
def _looks_like_prose(word: str) -> bool:
    letters = word.replace(" ", "")
    return sum(c in "ia" for c in letters) * 2 > len(letters)


def _identity(i: int) -> int:
    return i

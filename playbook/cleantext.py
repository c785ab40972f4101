"""Outside text made safe to store and show: control and format characters removed (a ledger
cell or a chat message may carry NULs, bidi overrides, zero-width joiners), whitespace
collapsed, the length bounded."""

from __future__ import annotations

import unicodedata

__all__ = ["clean_text"]


def clean_text(text: str, most: int) -> str:
    """`text` without control/format characters, spaces collapsed, cut to `most` characters."""
    kept = "".join(
        " " if ch in "\t\n\r\x0b\x0c" else ch
        for ch in text
        if ch in "\t\n\r\x0b\x0c" or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs")
    )
    return " ".join(kept.split())[:most].strip()

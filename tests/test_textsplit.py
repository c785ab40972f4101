"""Splitting a rendered message for a messenger's limit (bot.kernel.textsplit)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.kernel.textsplit import ATOM, split

MENTION = re.compile(r"<@[^>]*>")
# Pieces of text a message is made of: words in several scripts, emoji, mentions, entities,
# line ends.
PARTS = st.one_of(
    st.text(alphabet="ab 中文逾期€😀", min_size=1, max_size=30),
    st.sampled_from(["<@U012345>", "<@ZhangMin>", "&amp;", "&lt;", "\n", "\n\n"]),
)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(PARTS, max_size=60), limit=st.integers(min_value=12, max_value=200))
def test_pieces_fit_keep_every_character_and_never_cut_a_mention(
    parts: list[str], limit: int
) -> None:
    text = "".join(parts)
    for unit in ("chars", "bytes"):
        pieces = split(text, limit, unit=unit)  # type: ignore[arg-type]
        size = (lambda s: len(s.encode())) if unit == "bytes" else len
        assert all(size(p) <= limit for p in pieces)
        # Only the line ends (and blank lines) at the cuts are gone.
        assert "".join("".join(pieces).split()) == "".join(text.split())
        for piece in pieces:
            # The plain text has no < > &: each one in a piece belongs to a whole atom.
            atoms = ATOM.findall(piece)
            assert piece.count("<") == piece.count(">") == len(MENTION.findall(piece))
            assert piece.count("&") == len(atoms) - len(MENTION.findall(piece))


def test_lines_stay_whole_when_they_fit() -> None:
    text = "第一行 line one\nsecond line\nthird"
    assert split(text, 20) == ["第一行 line one", "second line\nthird"]
    # In bytes a Chinese character weighs three.
    assert split(text, 20, unit="bytes") == ["第一行 line one", "second line\nthird"]
    assert split("逾期逾期", 7, unit="bytes") == ["逾期", "逾期"]


def test_a_long_line_is_cut_before_a_mention_not_inside_it() -> None:
    line = "x" * 95 + "<@ZhangMin> please answer"
    pieces = split(line, 100)
    assert pieces[0] == "x" * 95 and pieces[1].startswith("<@ZhangMin>")


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        split("abc", 0)

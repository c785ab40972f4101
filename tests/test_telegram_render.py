"""Telegram HTML: user text escaped, mentions by Telegram user id, cards, and long messages
split at line boundaries without cutting a tag, an entity or a mention."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.telegram.html import Renderer, escape, split
from bot.kernel.config import Config, load_config
from bot.kernel.identity import Identities
from bot.kernel.messages import Button, Card, Field, Mention, Reply, RichText, Section, Table
from tests.fake_telegram import visible
from tests.telegram_world import LI, WANG, write_config


def renderer(tmp_path: Path) -> tuple[Renderer, Config]:
    config = load_config(write_config(tmp_path), env={})
    ids = Identities(config)
    return Renderer(config, lambda key: ids.external_id(key, "telegram")), config


def test_mentions_by_telegram_id_and_text_escaped(tmp_path: Path) -> None:
    r, _ = renderer(tmp_path)
    text = RichText(
        "<b>Case</b> & ", Mention.person("wang.wei"), " @channel ", Mention.team("finance")
    )
    html = r.text(text)
    assert html == (
        f'&lt;b&gt;Case&lt;/b&gt; &amp; <a href="tg://user?id={WANG}">王伟</a> @channel '
        f'<a href="tg://user?id={LI}">李娜</a>'
    )
    assert r.text(RichText(Mention.person("ghost"))) == "@ghost"  # no Telegram id: plain text
    assert r.text('<a href="tg://user?id=1">x</a>') == escape('<a href="tg://user?id=1">x</a>')


def test_a_card_renders_and_parses(tmp_path: Path) -> None:
    r, _ = renderer(tmp_path)
    card = Card(
        title="Case #1 · A&B <Ltd>",
        subtitle=RichText("Owner ", Mention.person("li.na")),
        fields=(Field("Outstanding", "CN¥1,500.00"),),
        sections=(
            Section(title="Invoices", table=Table(("Invoice", "Due"), (("INV-<1>", "2026"),))),
        ),
        buttons=(Button("Decide", "/ar decide 1 <action>"),),
        footer="reply & see",
    )
    html = r.reply(Reply(card=card))
    shown = visible(html)  # Telegram would parse it
    assert shown.startswith("Case #1 · A&B <Ltd>")
    assert "INV-<1>" in shown and "reply & see" in shown
    assert "/ar decide" not in shown  # buttons become the keyboard


def _fixed_renderer() -> Renderer:
    # Hypothesis runs the test many times in one fixture scope: one renderer for all.
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        config = load_config(write_config(Path(folder)), env={})
    ids = Identities(config)
    return Renderer(config, lambda key: ids.external_id(key, "telegram"))


_RENDERER = _fixed_renderer()
_PART = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60),
    st.sampled_from(["<", ">", "&", "&amp;", "\n", "\n\n", '"', "<b>x</b>", "逾期", "😀"]),
    st.builds(Mention.person, st.sampled_from(["wang.wei", "li.na", "ghost"])),
)


def _plain(html: str) -> str:
    return visible(html).replace("\n", "")


@settings(max_examples=150, deadline=None)
@given(
    parts=st.lists(_PART, max_size=40),
    limit=st.integers(min_value=60, max_value=400),
    bold=st.booleans(),
)
def test_split_keeps_every_part_whole_and_under_the_limit(
    parts: list[object], limit: int, bold: bool
) -> None:
    r = _RENDERER
    html = r.text(RichText(*parts))  # type: ignore[arg-type]
    if bold:
        html = f"<b>{html}</b>\n<pre>{html}</pre>"
    chunks = split(html, limit)
    for chunk in chunks:
        assert len(chunk) <= limit
        visible(chunk)  # well-formed on its own: every tag closed, no entity cut
        assert chunk.count("<a ") == chunk.count("</a>")
    # Nothing lost, nothing added (cuts at line ends drop only the newline there).
    assert "".join(_plain(c) for c in chunks) == _plain(html)
    mentions = re.findall(r"<a [^>]*>.*?</a>", html)
    assert [m for c in chunks for m in re.findall(r"<a [^>]*>.*?</a>", c)] == mentions


def test_split_prefers_line_boundaries() -> None:
    lines = [f"line {n} " + "x" * 50 for n in range(200)]
    chunks = split("\n".join(lines), 4096)
    assert len(chunks) > 1
    assert all(len(c) <= 4096 for c in chunks)
    assert [line for c in chunks for line in c.split("\n")] == lines

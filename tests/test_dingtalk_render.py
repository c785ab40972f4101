"""DingTalk's renderer and card data: mentions only by well-formed userId (and only through
code-made Mention parts), outside text inert, buttons carrying their commands, buttons that
need typing shown as commands, and the button id round trip."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.dingtalk import cards
from bot.adapters.dingtalk.render import Renderer, inert
from bot.kernel.config import load_config
from bot.kernel.forms import FormRef
from bot.kernel.identity import Identities
from bot.kernel.messages import Button, Card, Field, Mention, Reply, RichText, Section, Table
from tests.dingtalk_helpers import CONFIG


def renderers(tmp_path: Path) -> tuple[Renderer, Renderer]:
    path = tmp_path / "config.yaml"
    path.write_text(
        CONFIG.replace("dingtalk: tom01", "dingtalk: 'bad id with spaces'"), encoding="utf-8"
    )
    config = load_config(path, env={})
    ids = Identities(config)
    return Renderer(config, ids), Renderer(config, ids, by_id=False)


def test_mentions_notify_by_user_id_and_outside_text_cannot(tmp_path: Path) -> None:
    messages, _ = renderers(tmp_path)
    text = RichText("[x](http://evil) @all @manager4220 ", Mention.person("wang.wei"))
    out = messages.reply(Reply(text=text))
    assert out.text.endswith("@manager4220")  # only the Mention part, written "@id"
    assert out.at == {"manager4220": "王伟"}
    assert "](" not in out.text and "@all" not in out.text
    assert out.text.count("@manager4220") == 1


def test_a_team_mention_reaches_its_members_with_good_ids_only(tmp_path: Path) -> None:
    messages, _ = renderers(tmp_path)
    out = messages.reply(Reply(text=RichText(Mention.team("sales"), " answer")))
    assert out.at_ids == ["manager4220"]  # tom's id is not a DingTalk userId: named only
    assert "@Tom Baker" in out.text


def test_card_data_buttons_and_commands_to_type(tmp_path: Path) -> None:
    _, names = renderers(tmp_path)
    card = Card(
        title="Case #1 · [Evil](http://x)",
        fields=(Field("Owner", RichText(Mention.person("wang.wei"))),),
        buttons=(
            Button("Phrase", "/ar phrase 1"),
            Button.asking("Decide", FormRef("decide", ("1",), ("<action>", "<note>"))),
        ),
    )
    data = cards.card_data(Reply(card=card), names)
    assert data["header"]["title"]["text"] == "Case #1 · [Evil](http://x)"  # a text component
    [markdown, _, action] = data["contents"]
    assert "@王伟" in markdown["text"] and "manager4220" not in markdown["text"]
    assert "Decide → /ar decide 1 ＜action＞ ＜note＞" in markdown["text"]
    [button] = action["actions"]
    assert button["actionType"] == "request"
    assert cards.command_of(button["id"]) == "/ar phrase 1"


def test_inert_keeps_harmless_characters_and_breaks_markup() -> None:
    assert inert("Case #1 (ref 2)!") == "Case #1 (ref 2)!"
    assert inert("# heading") == "＃ heading"
    assert inert("  - item") == "  － item"
    assert inert("![img](http://x)") == "！［img］(http://x)"


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=80))
def test_button_ids_round_trip_and_nothing_else_decodes(words: str) -> None:
    command = "/ar " + words
    ident = cards.button_id(command)
    if ident is not None:
        assert cards.command_of(ident) == command
    assert cards.command_of(words) is None or words.startswith(cards.ID_PREFIX)


def test_a_table_is_one_line_a_row_with_each_value_named_by_the_header(tmp_path: Path) -> None:
    """DingTalk sets markdown in a proportional font: padded columns never line up, so a row
    is one line and a blank cell keeps its place."""
    messages, _ = renderers(tmp_path)
    table = Table(
        ("#", "Customer", "Outstanding", "Owner"),
        (("1", "Northwind Trading", "CN¥1,000.00", "王伟"), ("2", "[x](http://evil)", "9", "")),
        right=(2,),
    )
    text = messages.reply(Reply(card=Card("Overdue", sections=(Section(table=table),)))).text
    lines = text.split("  \n")
    header = lines.index(next(line for line in lines if "Customer" in line))
    assert lines[header].endswith("Customer · Outstanding · Owner")
    assert lines[header + 1] == "1 · Northwind Trading · CN¥1,000.00 · 王伟"
    assert lines[header + 2].endswith(" · 9 · —") and "](" not in lines[header + 2]
    assert "  Northwind" not in text  # no padding

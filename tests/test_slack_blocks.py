"""Slack rendering: mrkdwn and escaping, Block Kit cards within Slack's limits, and modals."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack.blocks import (
    ACTION_PREFIX,
    FORM_PREFIX,
    MAX_BLOCKS,
    blocks_for,
    button_value,
    fallback_text,
    render_text,
)
from bot.adapters.slack.modals import (
    MODAL_CALLBACK_ID,
    legacy_ref,
    modal_view,
    submission_metadata,
    submitted_values,
    value_ref,
)
from bot.kernel.cards import case_card
from bot.kernel.config import Config, load_config
from bot.kernel.forms import Form, FormErrors, FormRef
from bot.kernel.messages import Button, Card, Field, Mention, Reply, RichText, Section, Table
from playbook import circle as machine
from playbook.decisions import parse_action
from playbook.money import parse_amount
from storage.circle import CaseInvoiceView, CaseView, InputView, SeatView
from tests.conftest import TEST_CONFIG
from tests.form_helpers import build, check, form_context

TODAY = date(2026, 3, 16)
NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)

# wang.wei has a Slack id (U1), tom.baker has none; legal has a user group, sales has none.
SLACK_CONFIG = TEST_CONFIG.replace(
    "legal: {name: Legal, lead: zhao.yun,", "legal: {name: Legal, slack_group: S9, lead: zhao.yun,"
).replace("li.na: {name: 李娜,", "li.na: {name: 李娜, slack: U3,")


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    assert "slack_group: S9" in SLACK_CONFIG and "slack: U3" in SLACK_CONFIG
    path = tmp_path / "config.yaml"
    path.write_text(SLACK_CONFIG, encoding="utf-8")
    return load_config(path, env={})


def texts(blocks: list[dict[str, Any]]) -> Iterator[str]:
    """Every mrkdwn text a message shows (the ones Slack parses for mentions and links)."""
    for block in blocks:
        objects = [block.get("text"), *block.get("fields", []), *block.get("elements", [])]
        for obj in objects:
            if isinstance(obj, dict) and obj.get("type") == "mrkdwn":
                yield obj["text"]


# --- mrkdwn ---------------------------------------------------------------------------------


WANG, TOM = Mention.person("wang.wei"), Mention.person("tom.baker")
SALES, LEGAL = Mention.team("sales"), Mention.team("legal")


def test_mentions_become_slack_mentions(cfg: Config) -> None:
    assert render_text(RichText(WANG, " please"), cfg) == "<@U1> please"
    # No Slack id: the name, which notifies nobody but reads right.
    assert render_text(RichText(TOM), cfg) == "@Tom Baker"
    assert render_text(RichText(Mention.person("ghost")), cfg) == "@ghost"
    # A team with a user group: the group; without one: each member.
    assert render_text(RichText(LEGAL), cfg) == "<!subteam^S9>"
    assert render_text(RichText(SALES), cfg) == "<@U1> @Tom Baker"
    assert render_text(RichText(Mention.team("finance")), cfg) == "<@U3>"
    assert render_text(RichText(Mention.team("nobody")), cfg) == "@nobody"
    assert render_text(RichText("Case 42: ", Mention.channel()), cfg) == "Case 42: <!channel>"


def test_the_old_text_tokens_are_only_text(cfg: Config) -> None:
    for token in ("<@person:wang.wei>", "<@team:legal>", "<@channel>"):
        out = render_text(token, cfg)
        assert out.replace("\u2060", "") == token.replace("<", "&lt;").replace(">", "&gt;")
        assert render_text(RichText(token), cfg) == out


def test_a_malformed_slack_id_in_config_is_not_put_in_a_mention(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(TEST_CONFIG.replace("slack: U1", 'slack: "U1> <!channel"'), encoding="utf-8")
    config = load_config(path, env={})
    assert render_text(RichText(WANG), config) == "@王伟"


def test_customer_text_is_escaped_and_can_mention_nobody(cfg: Config) -> None:
    out = render_text("<!channel> pay now & <@U123>", cfg)
    assert out == "&lt;!channel&gt; pay now &amp; &lt;@U123&gt;"
    assert "<!" not in out and "<@" not in out
    link = render_text("see <https://evil.example|your bank> &lt;", cfg)
    assert "<" not in link and link.endswith("&amp;lt;")
    # Our own mentions still work next to escaped text.
    mixed = render_text(RichText(WANG, ": <!here> ", LEGAL), cfg)
    assert mixed == "<@U1>: &lt;!here&gt; <!subteam^S9>"
    # Plain broadcast words cannot be auto-parsed either.
    assert "@channel" not in render_text("hey @channel and @Here", cfg).replace("\u2060", "!")


# --- cards ------------------------------------------------------------------------------------


def case_view(cfg: Config) -> CaseView:
    started = NOW - timedelta(minutes=5)
    seats = tuple(
        SeatView(i, machine.SeatState(team=team, started_at=started), NOW, None, None, None, 1)
        for i, team in enumerate(("sales", "finance", "legal"))
    )
    return CaseView(
        id=42,
        customer_id=1,
        customer_code="C00042",
        customer_name="ACME <!channel> & Co",
        segment="key",
        on_hold=False,
        status="open",
        trigger="stage",
        stage="mid",
        opened_at=NOW,
        opened_by="scan",
        closed_at=None,
        closed_by=None,
        close_reason=None,
        policy=machine.CirclePolicy(),
        version=1,
        invoices=(
            CaseInvoiceView(
                1, "INV-1", "CNY", Decimal("12000"), date(2026, 1, 10), False, "open", None
            ),
            CaseInvoiceView(
                2, "INV-2", "CNY", Decimal("800.5"), date(2026, 2, 1), True, "open", None
            ),
        ),
        seats=seats,
        inputs=(InputView("finance", "li.na", "answer", "They say <@U999> pays & <!here>", NOW),),
    )


def test_the_case_card_as_block_kit(cfg: Config) -> None:
    card = case_card(case_view(cfg), cfg, NOW, "en")
    reply = Reply(text=RichText(SALES, " ", LEGAL, ": case 42 needs you"), card=card)
    blocks = blocks_for(reply, cfg, locale="en")
    kinds = [b["type"] for b in blocks]
    assert kinds[0] == "section" and blocks[0]["text"]["text"].startswith("<@U1> @Tom Baker")
    header = blocks[kinds.index("header")]
    # plain_text: shown as typed, never parsed.
    assert header["text"] == {"type": "plain_text", "text": card.title, "emoji": True}
    fields = next(b for b in blocks if "fields" in b)["fields"]
    assert [f["text"].split("\n")[0] for f in fields] == [
        "*Status*",
        "*Outstanding*",
        "*Days*",
        "*Stage*",
        "*Risk*",
    ]
    assert all(f["type"] == "mrkdwn" for f in fields)
    code = [t for t in texts(blocks) if t.startswith("```")]
    assert len(code) == 1 and "INV-1" in code[0] and code[0].endswith("```")
    assert any(t.startswith("*Who must answer*") for t in texts(blocks))
    # The customer's words arrive escaped: the only mentions are the ones we made.
    everything = "\n".join(texts(blocks))
    assert "They say &lt;@U999&gt; pays &amp; &lt;!here&gt;" in everything
    assert set(re.findall(r"<[@!][^>]*>", everything)) == {"<@U1>", "<!subteam^S9>"}
    actions = [b for b in blocks if b["type"] == "actions"]
    buttons = [e for b in actions for e in b["elements"]]
    # A button with a form opens it (its key after the prefix); a plain one runs its command.
    assert [e["value"] for e in buttons] == [button_value(b) for b in card.buttons]
    assert buttons[0]["value"] == FORM_PREFIX + "input 42 sales"
    assert buttons[3]["value"] == "/ar phrase 42"
    ids = [e["action_id"] for e in buttons]
    assert len(set(ids)) == len(ids) and all(i.startswith(ACTION_PREFIX) for i in ids)
    assert buttons[0]["style"] == "primary" and "style" not in buttons[3]
    assert kinds[-1] == "context"
    assert json.loads(json.dumps(blocks)) == blocks


def test_a_plain_reply_is_one_section(cfg: Config) -> None:
    blocks = blocks_for(Reply(text="Nothing is overdue & all is well"), cfg, locale="en")
    assert blocks == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "Nothing is overdue &amp; all is well",
                "verbatim": True,
            },
        }
    ]


def test_fallback_text(cfg: Config) -> None:
    card = Card(title="Case #42 · A&B <!here>")
    assert fallback_text(Reply(card=card), cfg) == "Case #42 · A&amp;B &lt;!here&gt;"
    assert fallback_text(Reply(text=RichText(WANG, " hi"), card=card), cfg) == "<@U1> hi"
    long = fallback_text(Reply(text="&" * 5000), cfg)
    assert len(long) <= 3000 and long.endswith("&amp;…")


# --- limits -----------------------------------------------------------------------------------


def test_long_text_is_split_at_3000_without_breaking_entities_or_mentions(cfg: Config) -> None:
    lines = [RichText(f"line {i}: A&B ", WANG, f" {'x' * 60}") for i in range(120)]
    text = RichText("\n").join(lines)
    blocks = blocks_for(Reply(text=text), cfg, locale="en")
    parts = [b["text"]["text"] for b in blocks]
    assert len(parts) > 1 and all(0 < len(p) <= 3000 for p in parts)
    assert "\n".join(parts) == render_text(text, cfg)
    # One endless line: cut hard, but never inside &amp; or <@U1>.
    line = RichText("").join(RichText("a&b ", WANG, " ") for _ in range(400))
    pieces = [b["text"]["text"] for b in blocks_for(Reply(text=line), cfg, locale="en")]
    assert all(len(p) <= 3000 for p in pieces)
    assert "".join(pieces) == render_text(line, cfg)
    for p in pieces:
        assert re.search(r"&[a-z]*$", p) is None and re.search(r"<[^>]*$", p) is None


def test_more_than_ten_fields_are_split(cfg: Config) -> None:
    card = Card(title="t", fields=tuple(Field(f"f{i}", str(i)) for i in range(25)))
    sections = [b for b in blocks_for(Reply(card=card), cfg, locale="en") if "fields" in b]
    assert [len(s["fields"]) for s in sections] == [10, 10, 5]


def test_a_long_section_and_a_long_table_are_split(cfg: Config) -> None:
    table = Table(("no", "amount"), tuple((f"INV-{i}", "1,000.00") for i in range(400)))
    card = Card(title="t", sections=(Section(title="Big", text="y " * 2000, table=table),))
    blocks = blocks_for(Reply(card=card), cfg, locale="en")
    bodies = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(b) <= 3000 for b in bodies)
    assert bodies[0].startswith("*Big*\n")
    code = [b for b in bodies if b.startswith("```")]
    assert len(code) > 1 and all(b.endswith("\n```") for b in code)


def test_more_than_fifty_blocks_are_truncated_but_the_buttons_stay(cfg: Config) -> None:
    card = Card(
        title="Many",
        sections=tuple(Section(text=f"section {i}") for i in range(80)),
        buttons=(Button("Decide", "/ar decide 1 <action> <note>"),),
        footer="footer",
    )
    blocks = blocks_for(Reply(card=card), cfg, locale="en")
    assert len(blocks) == MAX_BLOCKS
    assert [b["type"] for b in blocks[-3:]] == ["context", "actions", "context"]
    assert blocks[-3]["elements"][0]["text"] == "… (truncated)"
    assert blocks[-1]["elements"][0]["text"] == "footer"
    zh = blocks_for(Reply(card=card), cfg, locale="zh-CN")
    assert "截断" in zh[-3]["elements"][0]["text"]


def test_buttons_within_limits(cfg: Config) -> None:
    buttons = [Button(f"b{i}", f"/ar case {i}") for i in range(30)]
    buttons.append(Button("L" * 200, "/ar case 99"))
    buttons.append(Button("too long", "/ar note " + "x" * 2000))
    card = Card(title="H" * 300, buttons=tuple(buttons))
    blocks = blocks_for(Reply(card=card), cfg, locale="en")
    assert len(blocks[0]["text"]["text"]) == 150
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 6]
    elements = [e for a in actions for e in a["elements"]]
    assert all(len(e["text"]["text"]) <= 75 for e in elements)
    assert elements[-1]["text"]["text"].endswith("…")
    # A command Slack would refuse as a value is left out, not cut into another command.
    assert all(len(e["value"]) <= 2000 for e in elements)
    ids = [e["action_id"] for e in elements]
    assert len(ids) == len(set(ids)) == 31


# --- modals -----------------------------------------------------------------------------------


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def test_which_buttons_open_a_form() -> None:
    assert value_ref("form:input 42 sales") == FormRef("input", ("42", "sales"))
    # The buttons of cards posted before forms were neutral still open their forms.
    assert legacy_ref("/ar input 42 sales <text>") == FormRef("input", ("42", "sales"), ("<text>",))
    assert value_ref("/ar promise 42 <amount> <date>") == FormRef(
        "promise", ("42",), ("<amount>", "<date>")
    )
    assert value_ref("/ar decide 42 <action> <note>") is not None
    assert value_ref("/ar snooze 42 1h <reason>") == FormRef("snooze", ("42", "1h"), ("<reason>",))
    assert value_ref("/ar phrase 42") is None
    assert value_ref("/ar phrase 42 --variant 1") is None
    assert value_ref("/ar frobnicate 42 <text>") is None


async def modal_for(
    command: str,
    cfg: Config,
    *,
    person: str | None,
    locale: str,
    context: dict[str, Any] | None = None,
    seats: dict[str, str] | None = None,
) -> dict[str, Any] | None:
    """The modal a click on a button with this (old-style) command opens, None when the
    person is refused instead; case 42 is `case_view`."""
    ref = legacy_ref(command)
    if ref is None:
        return None
    ctx = form_context(cfg, person, locale=locale, view=case_view(cfg), seats=seats)
    form = await build(ctx, ref)
    return modal_view(form, locale=locale, context=context) if isinstance(form, Form) else None


async def test_modal_for_team_input(cfg: Config) -> None:
    command = "/ar input 42 sales <text>"
    view = await modal_for(command, cfg, person="tom.baker", locale="en")
    assert view is not None
    assert view["type"] == "modal" and view["callback_id"] == MODAL_CALLBACK_ID
    assert json.loads(view["private_metadata"]) == {"form": "input 42 sales", "main": "text"}
    assert view["title"]["text"] == "Sales input" and len(view["title"]["text"]) <= 24
    assert view["submit"]["type"] == "plain_text" and view["close"]["type"] == "plain_text"
    blocks = inputs(view)
    assert blocks["text"]["element"]["type"] == "plain_text_input"
    assert blocks["text"]["element"]["multiline"] is True
    assert blocks["text"]["element"]["action_id"] == "value"
    assert blocks["text"]["optional"] is False
    assert blocks["link"]["element"]["type"] == "url_text_input"
    assert blocks["link"]["optional"] is True


async def test_modal_for_promise(cfg: Config) -> None:
    view = await modal_for("/ar promise 42 <amount> <date>", cfg, person="li.na", locale="zh-CN")
    assert view is not None
    blocks = inputs(view)
    assert blocks["amount"]["element"]["type"] == "plain_text_input"
    assert blocks["date"]["element"] == {
        "type": "datepicker",
        "initial_date": "2026-03-23",
        "action_id": "value",
    }
    assert view["title"]["text"] == "付款承诺"
    # One currency owed: nothing to choose; what is owed is said above the fields.
    assert "currency" not in blocks
    assert view["blocks"][0]["elements"][0]["text"] == "案件 #42 · 欠款 ¥12,800.50"


async def test_modal_for_decide_lists_only_what_the_person_may_decide(cfg: Config) -> None:
    async def options(person: str) -> list[str]:
        view = await modal_for("/ar decide 42 <action> <note>", cfg, person=person, locale="en")
        assert view is not None
        blocks = inputs(view)
        assert blocks["amount"]["optional"] and blocks["date"]["optional"]
        assert blocks["note"]["optional"] and blocks["note"]["element"]["multiline"]
        assert blocks["date"]["element"]["type"] == "datepicker"
        select = blocks["action"]["element"]
        assert select["type"] == "static_select"
        return [o["value"] for o in select["options"]]

    tom = await options("tom.baker")  # a sales member
    assert "lawyers_letter" not in tom and "write_off" not in tom
    assert {"remind", "call", "visit"} <= set(tom)
    zhao = await options("zhao.yun")  # the legal lead
    assert "lawyers_letter" in zhao and "litigation" in zhao and "write_off" not in zhao
    assert "write_off" in await options("li.na")  # the finance lead
    assert "installment" in await options("wang.wei")  # the sales lead


async def test_modal_for_snooze(cfg: Config) -> None:
    view = await modal_for("/ar snooze 42 1h <reason>", cfg, person="tom.baker", locale="en")
    assert view is not None
    blocks = inputs(view)
    select = blocks["duration"]["element"]
    assert [o["value"] for o in select["options"]] == ["30m", "1h", "2h", "4h", "1d", "3d"]
    assert select["initial_option"]["value"] == "1h"
    assert blocks["reason"]["optional"] is False


async def test_no_modal_for_plain_commands_or_strangers(cfg: Config) -> None:
    kw: dict[str, Any] = {"locale": "en"}
    assert await modal_for("/ar phrase 42", cfg, person="tom.baker", **kw) is None
    assert await modal_for("/ar phrase 42 --variant 1", cfg, person="tom.baker", **kw) is None
    assert await modal_for("/ar frobnicate 42 <text>", cfg, person="tom.baker", **kw) is None
    # Someone not in the config: the command's own answer, instead of a form.
    assert await modal_for("/ar input 42 sales <text>", cfg, person=None, **kw) is None
    assert await modal_for("/ar input 42 sales <text>", cfg, person="stranger", **kw) is None


async def test_context_travels_in_private_metadata(cfg: Config) -> None:
    view = await modal_for(
        "/ar snooze 42 1h <reason>",
        cfg,
        person="tom.baker",
        locale="en",
        context={"channel": "C1", "thread_ts": "1.2"},
    )
    assert view is not None
    assert submission_metadata(view) == {
        "channel": "C1",
        "thread_ts": "1.2",
        "form": "snooze 42 1h",
        "main": "duration",
    }


# --- submissions ------------------------------------------------------------------------------


def submitted(command: str, **values: Any) -> dict[str, Any]:
    """A view_submission's `view`, as Slack sends it (state.values[block_id][action_id])."""
    kinds = {
        "text": "plain_text_input",
        "link": "url_text_input",
        "amount": "plain_text_input",
        "note": "plain_text_input",
        "reason": "plain_text_input",
    }
    state: dict[str, Any] = {}
    for block, value in values.items():
        if block in kinds:
            entry = {"type": kinds[block], "value": value}
        elif block == "date":
            entry = {"type": "datepicker", "selected_date": value}
        else:
            option = None if value is None else {"text": {}, "value": value}
            entry = {"type": "static_select", "selected_option": option}
        state[block] = {"value": entry}
    ref = legacy_ref(command)
    assert ref is not None
    return {
        "callback_id": MODAL_CALLBACK_ID,
        "private_metadata": json.dumps({"form": ref.key()}),
        "state": {"values": state},
    }


async def checked(
    view: dict[str, Any], cfg: Config, locale: str = "en", person: str = "liu.yang"
) -> list[str] | FormErrors | Reply:
    """What the verb's form makes of a submission: the command's args, or what is wrong.
    (The manager, liu.yang, may answer for every team.)"""
    ref = value_ref("form:" + submission_metadata(view)["form"])
    assert ref is not None
    ctx = form_context(cfg, person, locale=locale, view=case_view(cfg))
    return await check(ctx, ref, submitted_values(view))


async def routed(view: dict[str, Any], cfg: Config) -> tuple[str, list[str]]:
    """(verb, args) the router gives the verb's handler for a good submission."""
    args = await checked(view, cfg)
    assert isinstance(args, list), args
    return submission_metadata(view)["form"].split()[0], args


async def errors(view: dict[str, Any], cfg: Config, locale: str = "en") -> dict[str, str]:
    found = await checked(view, cfg, locale)
    return found.errors if isinstance(found, FormErrors) else {}


def decided(args: list[str]) -> tuple[str, str | None, str | None, str | None]:
    """(action, amount, date, note) the way handlers/decide.py reads its args."""
    found = parse_action(args[1:])
    assert found is not None
    action, used = found
    rest = args[1 + used :]
    amount = day = None
    note: list[str] = []
    i = 0
    while i < len(rest):
        if rest[i] in ("--amount", "-m") and i + 1 < len(rest):
            amount, i = rest[i + 1], i + 2
        elif rest[i] in ("--date", "-d") and i + 1 < len(rest):
            day, i = rest[i + 1], i + 2
        elif rest[i] == "--":
            note.extend(rest[i + 1 :])
            break
        else:
            note.append(rest[i])
            i += 1
    return action.name, amount, day, " ".join(note).strip() or None


async def test_input_submission_round_trips(cfg: Config) -> None:
    view = submitted(
        "/ar input 42 sales <text>", text="the text", link="https://files.example/po.pdf"
    )
    _, args = await routed(view, cfg)
    assert args == ["42", "sales", "the text (link: https://files.example/po.pdf)"]
    tricky = 'He said "we\'ll pay" on Friday;\nCFO  agrees — 100% <!channel>'
    verb, args = await routed(submitted("/ar input 42 sales <text>", text=tricky), cfg)
    assert verb == "input" and args[:2] == ["42", "sales"]
    assert " ".join(args[2:]) == tricky
    # Curly quotes and all: one value is one argument, exactly as typed.
    curly = "They’ll “pay” tomorrow"
    _, args = await routed(submitted("/ar input 42 sales <text>", text=curly), cfg)
    assert " ".join(args[2:]) == curly
    # Text that looks like the handler's flags stays text.
    _, args = await routed(submitted("/ar input 42 sales <text>", text="ok --ack later"), cfg)
    assert args == ["42", "sales", "ok --ack later"]


async def test_promise_submission(cfg: Config) -> None:
    view = submitted("/ar promise 42 <amount> <date>", amount="5000", date="2026-12-01")
    assert await routed(view, cfg) == ("promise", ["42", "5000", "2026-12-01"])
    view = submitted("/ar promise 42 <amount> <date>", amount=" 5k cny ", date="2026-12-01")
    assert await routed(view, cfg) == ("promise", ["42", "5k cny", "2026-12-01"])
    assert await errors(view, cfg) == {}


async def test_decide_submission_round_trips(cfg: Config) -> None:
    view = submitted(
        "/ar decide 42 <action> <note>",
        action="installment",
        amount="3000",
        date="2026-12-01",
        note="first half now",
    )
    verb, args = await routed(view, cfg)
    assert args == [
        "42", "installment", "--amount", "3000", "--date", "2026-12-01", "--", "first half now"
    ]  # fmt: skip
    assert verb == "decide" and decided(args) == (
        "installment",
        "3000",
        "2026-12-01",
        "first half now",
    )
    note = 'Customer\'s "final" offer --amount 1 -d today\n(see thread)'
    view = submitted("/ar decide 42 <action> <note>", action="settle", amount="100", note=note)
    assert decided((await routed(view, cfg))[1]) == ("settle", "100", None, note)
    # A note that would read as part of the action's name stays a note.
    view = submitted(
        "/ar decide 42 <action> <note>", action="installment", amount="1", date="2026-04-01",
        note="plan agreed",
    )  # fmt: skip
    assert decided((await routed(view, cfg))[1]) == (
        "installment",
        "1",
        "2026-04-01",
        "plan agreed",
    )
    view = submitted("/ar decide 42 <action> <note>", action="remind", note=None)
    assert await routed(view, cfg) == ("decide", ["42", "remind"])


async def test_snooze_submission_round_trips(cfg: Config) -> None:
    view = submitted("/ar snooze 42 1h <reason>", duration="2h", reason="CFO back at 3pm")
    assert await routed(view, cfg) == ("snooze", ["42", "2h", "--", "CFO back at 3pm"])
    reason = "Waiting for 'the' CFO --team legal"
    view = submitted("/ar snooze 42 1h <reason>", duration="1d", reason=reason)
    verb, args = await routed(view, cfg)
    assert verb == "snooze" and args == ["42", "1d", "--", reason]


def test_a_foreign_view_names_no_form() -> None:
    from bot.adapters.slack.modals import form_ref

    assert form_ref(submission_metadata({"private_metadata": ""})) is None
    assert form_ref({"command": "/ar phrase 42"}) is None
    assert form_ref({"form": ""}) is None


async def test_validation_errors_are_the_commands_words(cfg: Config) -> None:
    """A wrong value is refused with what the typed command says about it."""
    promise = "/ar promise 42 <amount> <date>"
    found = await errors(submitted(promise, amount="-5", date="2026-03-15"), cfg)
    assert found == {
        "amount": "'-5' is not an amount.",
        "date": "2026-03-15 is in the past (today is 2026-03-16).",
    }
    for bad in ("0", "0.00"):
        view = submitted(promise, amount=bad, date="2026-03-16")
        assert await errors(view, cfg) == {"amount": "An amount must be more than zero."}
    found = await errors(submitted(promise, amount="lots", date=None), cfg)
    assert found == {"amount": "'lots' is not an amount.", "date": "Pick a date"}
    view = submitted(promise, amount="5000 USD", date="2026-04-01")
    assert await errors(view, cfg) == {
        "amount": "Case #42 owes nothing in USD. It owes: CN¥12,800.50."
    }
    view = submitted(promise, amount="5000 dollars", date="2026-04-01")  # read as the handler does
    assert "owes nothing in USD" in (await errors(view, cfg))["amount"]
    view = submitted("/ar input 42 sales <text>", text="   ", link="ftp://x")
    found = await errors(view, cfg)
    assert found["text"].endswith("required") and "link" in found
    view = submitted("/ar snooze 42 1h <reason>", duration="2h", reason=None)
    assert await errors(view, cfg) == {"reason": "A reason is required"}
    decide = "/ar decide 42 <action> <note>"
    view = submitted(decide, action="extension", amount="-1")
    assert await errors(view, cfg) == {
        "amount": "'-1' is not an amount.",
        "date": "'Extension' needs a date: --date YYYY-MM-DD.",
    }
    view = submitted(decide, action=None)
    assert await errors(view, cfg, "zh-CN") == {"action": "请选择决定"}
    view = submitted(decide, action="call", date="2026-03-16", note="today")
    assert await errors(view, cfg) == {}
    view = submitted(promise, amount="0", date="2026-03-01")
    assert await errors(view, cfg, "zh-CN") == {
        "amount": "金额必须大于零。",
        "date": "2026-03-01 已过（今天是 2026-03-16）。",
    }


@pytest.mark.parametrize("text", ["5000", "5,000.50", "5k", "3万", "¥800", "0", "1.5K", "5 000"])
async def test_amounts_read_as_the_handlers_read_them(cfg: Config, text: str) -> None:
    """What the form accepts, the handler parses to the same positive number (at most the
    CN¥12,800.50 case 42 owes)."""
    view = submitted("/ar decide 42 <action> <note>", action="call", amount=text)
    found = await checked(view, cfg)
    parsed = parse_amount("".join(text.split()).lstrip("¥"))
    good = parsed is not None and 0 < parsed <= Decimal("12800.5")
    assert isinstance(found, list) == good, found
    if isinstance(found, list):
        assert decided(found)[1] == text

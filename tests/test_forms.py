"""Neutral forms (issue 10): a verb declares its form and its checks once, in the handlers.

The card's buttons carry a FormRef; Router.open_form makes the form for the person who
clicked (only what they may do), Router.submit_form checks the values with the command's own
functions and runs the verb's handler: a wrong value gets the typed command's words, a good
submission the typed command's answer. A messenger without forms shows the command to type.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import shutil
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.adapters.console.messenger import ConsoleMessenger
from bot.adapters.slack.modals import modal_view
from bot.kernel.cards import case_card
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config, load_config
from bot.kernel.forms import Form, FormErrors, FormRef
from bot.kernel.messages import Reply
from playbook.case_view import CaseInvoiceView
from storage.circle import load_case
from storage.db import Database
from tests.conftest import LEDGER_HEADER, TEST_CONFIG, run_import, write_csv
from tests.form_helpers import build, form_context
from tests.test_circle import LEDGER, World
from tests.test_slack_blocks import case_view

INPUT = FormRef("input", ("1", "finance"), ("<text>",))
PROMISE = FormRef("promise", ("1",), ("<amount>", "<date>"))
DECIDE = FormRef("decide", ("1",), ("<action>", "<note>"))
SNOOZE = FormRef("snooze", ("1", "1h"), ("<reason>",))


def _world(template: Path, where: Path, config: Config) -> World:
    where.mkdir()
    shutil.copyfile(template, where / "test.db")
    db = Database(f"sqlite:///{where / 'test.db'}")
    run_import(db, write_csv(where / "ledger.csv", LEDGER_HEADER, LEDGER))
    world = World(db, config, FakeClock(datetime(2026, 3, 16, 2, 0, tzinfo=UTC)), where)
    world.scan()  # case 1: Northwind Trading, CN¥1,500.00 owed
    return world


@pytest.fixture
def twins(tmp_path: Path, _sqlite_template: Path, config: Config) -> Iterator[tuple[World, World]]:
    """Two identical worlds: a command typed in one, the same submitted by form in the other."""
    a = _world(_sqlite_template, tmp_path / "typed", config)
    b = _world(_sqlite_template, tmp_path / "form", config)
    yield a, b
    a.db.dispose()
    b.db.dispose()


@pytest.fixture
def one(twins: tuple[World, World]) -> World:
    return twins[0]


async def opened(world: World, ref: FormRef, person: str | None) -> Form | Reply:
    return await world.router.open_form(ref, platform="console", user_id="u", person=person)


async def submit(
    world: World, ref: FormRef, person: str | None, **values: str
) -> FormErrors | Reply | None:
    return await world.router.submit_form(
        ref, values, platform="console", channel="#test", user_id="u", person=person
    )


# --- the card's buttons ----------------------------------------------------------------------


async def test_the_cards_buttons_carry_forms_and_the_command_to_type(one: World) -> None:
    view = await one.db.threads.read(load_case, 1)
    assert view is not None
    card = case_card(view, one.config, one.clock.now(), "en")
    forms = {b.form.verb: b for b in card.buttons if b.form is not None}
    assert set(forms) == {"input", "promise", "decide", "snooze"}
    assert forms["promise"].command == "/ar promise 1 <amount> <date>"
    assert forms["snooze"].command == "/ar snooze 1 1h <reason>"
    inputs = [b for b in card.buttons if b.form is not None and b.form.verb == "input"]
    for button in inputs:
        assert button.form is not None and button.command == button.form.command()
        assert button.command == f"/ar input 1 {button.form.args[1]} <text>"
    # The phrase button needs nothing: a plain command.
    phrase = next(b for b in card.buttons if b.command == "/ar phrase 1")
    assert phrase.form is None
    # A terminal (and the Markdown fallback) shows what to type.
    assert "[Promise] → /ar promise 1 <amount> <date>" in card.to_text()
    assert "`/ar decide 1 <action> <note>`" in card.to_markdown()


async def test_a_console_card_shows_the_command_to_type(one: World) -> None:
    out = io.StringIO()
    console = ConsoleMessenger(one.router, one.config, stdin=io.StringIO(), stdout=out)
    view = await one.db.threads.read(load_case, 1)
    assert view is not None
    console.post(Reply(card=case_card(view, one.config, one.clock.now(), "en")))
    printed = out.getvalue()
    assert "[#test]   [Sales input] → /ar input 1 sales <text>" in printed
    assert "[#test]   [Snooze] → /ar snooze 1 1h <reason>" in printed


# --- a form made for the person who clicked --------------------------------------------------


def _actions(form: Form | Reply) -> list[str]:
    assert isinstance(form, Form), form
    field = form.field("action")
    assert field is not None and field.kind == "choice"
    return [c.value for c in field.choices]


async def test_the_decision_form_offers_what_this_person_may_decide(one: World) -> None:
    member = _actions(await opened(one, DECIDE, "tom.baker"))
    lead = _actions(await opened(one, DECIDE, "zhao.yun"))
    manager = _actions(await opened(one, DECIDE, "liu.yang"))
    assert {"remind", "call", "visit"} <= set(member)
    assert "lawyers_letter" not in member and "write_off" not in member
    assert "lawyers_letter" in lead and "write_off" not in lead
    assert "write_off" in manager and "lawyers_letter" not in manager  # legal's alone
    assert len(member) < len(lead) < len(manager)
    # Labels in the person's language: li.na reads Chinese.
    zh = await opened(one, DECIDE, "li.na")
    assert isinstance(zh, Form) and zh.title == "记录决定"


async def test_the_snooze_form_offers_the_clocks_this_person_may_pause(one: World) -> None:
    member = await opened(one, SNOOZE, "tom.baker")
    assert isinstance(member, Form) and member.field("seat") is None
    assert member.intro is not None and "Snoozes Sales's clock only" in member.intro
    duration = member.field("duration")
    assert duration is not None and duration.initial == "1h"
    manager = await opened(one, SNOOZE, "liu.yang")
    assert isinstance(manager, Form)
    seat = manager.field("seat")
    assert seat is not None and seat.choices[0].value == "*" and len(seat.choices) > 2


async def test_the_promise_form_knows_the_cases_currencies(config: Config) -> None:
    one = case_view(config)  # case 42: CN¥12,800.50 owed
    ctx = form_context(config, "li.na", locale="en", view=one)
    form = await build(ctx, FormRef("promise", ("42",)))
    assert isinstance(form, Form) and form.field("currency") is None
    assert form.intro == "Case #42 · owes CN¥12,800.50"
    usd = CaseInvoiceView(3, "INV-3", "USD", Decimal("5000"), date(2026, 2, 1), True, "open", None)
    two = dataclasses.replace(one, invoices=(*one.invoices, usd))
    ctx = form_context(config, "li.na", locale="en", view=two)
    form = await build(ctx, FormRef("promise", ("42",)))
    assert isinstance(form, Form)
    currency = form.field("currency")
    # US$5,000 at 7.00 outweighs CN¥12,800.50: USD first and chosen.
    assert currency is not None and [c.value for c in currency.choices] == ["USD", "CNY"]
    assert currency.initial == "USD"


# --- a refusal instead of a form: the command's own words ------------------------------------


@pytest.mark.parametrize(
    ("ref", "person", "typed"),
    [
        (INPUT, "tom.baker", "/ar input 1 finance we called"),  # not his team
        (INPUT, None, "/ar input 1 finance we called"),  # not in the config
        (FormRef("promise", ("77",)), "li.na", "/ar promise 77 100 +7d"),  # no such case
        (FormRef("promise", ("x",)), "li.na", "/ar promise x 100 +7d"),  # not a case number
    ],
)
async def test_a_form_refused_says_what_the_command_says(
    one: World, ref: FormRef, person: str | None, typed: str
) -> None:
    form = await opened(one, ref, person)
    assert isinstance(form, Reply) and form.kind != "answer"
    assert form.plain() == await one.say(person, typed)


async def test_no_form_opens_on_a_closed_case(one: World) -> None:
    await one.say("li.na", "/ar decide 1 close_paid")
    if one.case(1).status != "closed":
        await one.say("liu.yang", "/ar decide 1 write_off --")
    assert one.case(1).status == "closed"
    for ref in (INPUT, PROMISE, DECIDE, SNOOZE):
        form = await opened(one, ref, "liu.yang")
        assert isinstance(form, Reply) and form.plain().startswith("Case 1 was closed by")


async def test_forms_are_gated_like_commands(one: World) -> None:
    one.router.access.check = _refuse  # type: ignore[method-assign]
    for ref in (INPUT, PROMISE):
        form = await opened(one, ref, "wang.wei")
        assert isinstance(form, Reply) and "Guest accounts" in form.plain()
        sent = await submit(one, ref, "wang.wei", text="x", amount="1", date="2026-03-20")
        assert isinstance(sent, Reply) and "Guest accounts" in sent.plain()
    unknown = await opened(one, FormRef("overdue", ()), "li.na")
    assert isinstance(unknown, Reply) and unknown.kind == "error"


async def _refuse(platform: str, user_id: str, person: str | None) -> str:
    return "guest"


async def test_a_failing_form_gives_a_ref_never_a_traceback(
    one: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def boom(*args: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(one.db.threads, "read", boom)
    with caplog.at_level(logging.ERROR):
        form = await opened(one, PROMISE, "wang.wei")
        sent = await submit(one, PROMISE, "wang.wei", amount="100", date="2026-03-20")
    for reply in (form, sent):
        assert isinstance(reply, Reply) and "(ref " in reply.plain()
        assert "secret detail" not in reply.plain() and "Traceback" not in reply.plain()
    assert "RuntimeError: secret detail" in caplog.text


# --- checks: the typed command's words --------------------------------------------------------


def _problem(typed: str) -> str:
    """What the command says is wrong: its answer without the usage line."""
    return re.split(r"\n(?:Usage|用法): ", typed)[0]


@pytest.mark.parametrize(
    ("ref", "values", "field", "typed"),
    [
        (PROMISE, {"amount": "lots", "date": "2026-03-20"}, "amount", "lots 2026-03-20"),
        (PROMISE, {"amount": "0", "date": "2026-03-20"}, "amount", "0 2026-03-20"),
        (PROMISE, {"amount": "100 USD", "date": "2026-03-20"}, "amount", "100 USD 2026-03-20"),
        (PROMISE, {"amount": "99999", "date": "2026-03-20"}, "amount", "99999 2026-03-20"),
        (PROMISE, {"amount": "1.001", "date": "2026-03-20"}, "amount", "1.001 2026-03-20"),
        (PROMISE, {"amount": "100", "date": "2026-03-01"}, "date", "100 2026-03-01"),
        (PROMISE, {"amount": "100", "date": "2099-01-01"}, "date", "100 2099-01-01"),
        (PROMISE, {"amount": "100", "date": "someday"}, "date", "100 someday"),
    ],
)
async def test_promise_checks_are_the_commands(
    one: World, ref: FormRef, values: Mapping[str, str], field: str, typed: str
) -> None:
    errors = await submit(one, ref, "li.na", **values)
    said = await one.say("li.na", f"/ar promise 1 {typed}")
    assert isinstance(errors, FormErrors) and errors.errors == {field: _problem(said)}
    assert one.case(1).promises == ()


@pytest.mark.parametrize(
    ("values", "field", "typed"),
    [
        ({"action": "call", "amount": "-5"}, "amount", "call --amount -5"),
        ({"action": "call", "amount": "5 XYZ"}, "amount", "call --amount 5 XYZ"),
        ({"action": "extension", "date": "2099-01-01"}, "date", "extension --date 2099-01-01"),
        ({"action": "extension"}, "date", "extension"),
    ],
)
async def test_decide_checks_are_the_commands(
    one: World, values: Mapping[str, str], field: str, typed: str
) -> None:
    errors = await submit(one, DECIDE, "liu.yang", **values)
    said = await one.say("liu.yang", f"/ar decide 1 {typed}")
    assert isinstance(errors, FormErrors) and errors.errors == {field: _problem(said)}
    assert one.case(1).decisions == ()


@pytest.mark.parametrize("duration", ["5y", "15d", "0m", "soon", "99999999999999999h"])
async def test_a_bad_duration_is_refused_as_the_command_refuses_it(
    one: World, duration: str
) -> None:
    errors = await submit(one, SNOOZE, "tom.baker", duration=duration, reason="CFO away")
    said = await one.say("tom.baker", f"/ar snooze 1 {duration} CFO away")
    assert isinstance(errors, FormErrors) and errors.errors == {"duration": _problem(said)}


async def test_empty_fields_are_named(one: World) -> None:
    assert await submit(one, INPUT, "liu.yang", text="  ") == FormErrors(
        {"text": "An answer is required"}
    )
    assert await submit(one, PROMISE, "li.na") == FormErrors(
        {"amount": "请输入金额，例如 5000 或 5k", "date": "请选择日期"}
    )
    assert await submit(one, SNOOZE, "tom.baker", duration="1h") == FormErrors(
        {"reason": "A reason is required"}
    )
    assert await submit(one, DECIDE, "tom.baker", action="frobnicate") == FormErrors(
        {"action": "Choose a decision"}
    )


# --- a good submission: the typed command's answer --------------------------------------------


@pytest.mark.parametrize(
    ("ref", "person", "values", "typed"),
    [
        (INPUT, "li.na", {"text": "Statement sent"}, "/ar input 1 finance Statement sent"),
        (
            PROMISE,
            "li.na",
            {"amount": "500", "date": "2026-03-20"},
            "/ar promise 1 500 2026-03-20",
        ),
        (
            DECIDE,
            "zhao.yun",
            {"action": "lawyers_letter", "note": "final notice"},
            "/ar decide 1 lawyers_letter final notice",
        ),
        (
            DECIDE,
            "wang.wei",
            {"action": "installment", "amount": "1000", "date": "2026-04-01", "note": "2 parts"},
            "/ar decide 1 installment --amount 1000 --date 2026-04-01 2 parts",
        ),
        (
            SNOOZE,
            "liu.yang",
            {"duration": "2h", "seat": "legal", "reason": "lawyer away"},
            "/ar snooze 1 2h lawyer away --team legal",
        ),
        # A refusal the handler gives is the same too: tom may not send a lawyer's letter.
        (DECIDE, "tom.baker", {"action": "lawyers_letter"}, "/ar decide 1 lawyers_letter"),
    ],
)
async def test_a_submission_answers_as_the_typed_command(
    twins: tuple[World, World],
    ref: FormRef,
    person: str,
    values: Mapping[str, str],
    typed: str,
) -> None:
    by_hand, by_form = twins
    said = await by_hand.say(person, typed)
    reply = await submit(by_form, ref, person, **values)
    assert isinstance(reply, Reply), reply
    assert reply.plain() == said
    assert by_form.case(1) == by_hand.case(1)  # the same change, nothing more


async def test_hostile_text_stays_literal(one: World, config: Config) -> None:
    hostile = '<!channel> @here <@U1> *bold* `code` [pay](https://evil.example) -- --ack "'
    reply = await submit(one, INPUT, "li.na", text=hostile)
    assert isinstance(reply, Reply) and reply.kind == "answer"
    [answer] = one.case(1).inputs
    assert answer.text == hostile  # stored exactly as typed: one value, one argument
    # A note of a decision too, after `--`: neither an option nor a currency.
    reply = await submit(one, DECIDE, "zhao.yun", action="call", amount="5", note="USD -m 9")
    assert isinstance(reply, Reply) and reply.kind == "answer", reply
    decision = one.case(1).decisions[-1]
    assert (decision.note, decision.amount, decision.currency) == ("USD -m 9", Decimal(5), "CNY")


def test_a_slack_modal_shows_a_hostile_team_name_as_text(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        TEST_CONFIG.replace("finance: {name: Finance,", "finance: {name: '<!channel> Fin',"),
        encoding="utf-8",
    )
    config = load_config(path, env={})
    form = Form(
        ref=INPUT,
        title="<!here>",
        fields=(),
        intro="Case #1 · <!channel> Fin & <@U1>",
    )
    view = modal_view(form, locale="en")
    intro = view["blocks"][0]["elements"][0]["text"]
    assert intro == "Case #1 · &lt;!channel&gt; Fin &amp; &lt;@U1&gt;"
    assert view["title"] == {"type": "plain_text", "text": "<!here>", "emoji": True}
    assert config.teams["finance"].name == "<!channel> Fin"


def test_a_messenger_without_files_gets_the_fallback_table_instead_of_the_chart() -> None:
    from bot.kernel.capabilities import Capabilities, adapt
    from bot.kernel.messages import Card, Reply, Section, Table

    table = Section(title="Aging", table=Table(("day", "overdue"), (("11-27", "1,000.00"),)))
    reply = Reply(
        card=Card(title="Daily digest"),
        attachments=("/var/arcircle/charts/digest-2026-11-28.png",),
        files_fallback=table,
        ephemeral=False,
    )
    shown = adapt(reply, "digest", Capabilities(files=False))
    assert shown.attachments == ()
    assert shown.card is not None and shown.card.sections[-1] == table
    assert "/var/arcircle" not in shown.plain()
    assert adapt(reply, "digest", Capabilities(files=True)) == reply
    bare = adapt(Reply(text="export", attachments=("/x/aging.csv",)), "answer", Capabilities())
    assert bare.attachments == () and bare.card is not None and bare.card.title == "aging.csv"

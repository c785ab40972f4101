"""Mentions cannot be forged: only code makes one, from structured data (bot.kernel.rich).

Every field that carries outside text is tried with hostile strings: team inputs, decision
notes, dispute and snooze reasons, customer names and codes and invoice numbers (from an
imported ledger), team and person names in config.yaml. They are rendered on the console
(what is printed) and on Slack (the bodies the fake Slack records for chat.postMessage,
chat.update, chat.postEphemeral and the response_url: blocks and text): no ping appears, the
typed characters show. And the positive side: real escalations still mention people, the
team's user group and the channel.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.console.messenger import ConsoleMessenger
from bot.adapters.slack.blocks import blocks_for, fallback_text
from bot.adapters.slack.http import http_app
from bot.adapters.slack.messenger import SlackMessenger
from bot.adapters.slack.mrkdwn import inbound_text, plain_text, render_text
from bot.app import build_runtime
from bot.circle_env import circle_env
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config, Llm, load_config
from bot.kernel.i18n import t, t_rich
from bot.kernel.messages import Card, Field, Mention, Reply, RichText, Section, display_names
from bot.router import Router
from jobs.circle import scan_overdue, tick
from jobs.outbox import OutboxWorker
from jobs.render import render_row
from storage.circle import load_case
from storage.db import Database
from storage.outbox import OutRow
from tests.conftest import LEDGER_HEADER, run_import, write_csv
from tests.e2e_helpers import bot_messages
from tests.fake_slack import FakeSlack
from tests.fake_slack import fake_slack as _fake_slack  # noqa: F401 (the fixture)
from tests.test_llm import FakeLlm, fake  # noqa: F401 (the fixture)
from tests.test_slack_circle import Circle
from tests.test_slack_inbound import DEADLINE, FORM, command_body, poll, sign

HOSTILE = (
    "<@channel>",
    "<@person:liu.yang>",
    "<@team:sales>",
    "<!channel>",
    "<!here>",
    "<@U0GENMGR01>",
    "<!subteam^S1>",
    "@channel",
    "<https://evil|bank>",
    "&lt;!channel&gt;",
)
CIRCLE = "C0CIRCLE"
MANAGER = "U0GENMGR01"  # liu.yang, the general manager: the ping an attacker wants
# The only Slack markup a hostile run may contain: the leads' own mentions and legal's group,
# made by the circle itself (sales has no group: its members, U1 and Tom by name).
ALLOWED = {"<@U1>", "<@U2>", "<@U3>", "<!subteam^S0LEGAL>"}
START = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


def config_text(hostile: str = "") -> str:
    """The test company; with `hostile`, Tom's and finance's names carry it."""
    tail = f" {hostile}" if hostile else ""
    data = {
        "company": {"name": "Test Machinery", "currency": "CNY", "timezone": "Asia/Shanghai"},
        # Tom's Slack id is not in the config: he may read only where everyone may.
        "access": {"read": "everyone"},
        "people": {
            "wang.wei": {"name": "王伟", "team": "sales", "role": "lead", "slack": "U1"},
            "tom.baker": {"name": f"Tom{tail}", "team": "sales"},  # no Slack id
            "li.na": {"name": "李娜", "team": "finance", "role": "lead", "slack": "U2"},
            "zhao.yun": {"name": "赵云", "team": "legal", "role": "lead", "slack": "U3"},
            "liu.yang": {"name": "刘洋", "role": "manager", "slack": MANAGER},
        },
        "teams": {
            "sales": {"name": "Sales", "lead": "wang.wei", "manager": "liu.yang"},
            "finance": {"name": f"Finance{tail}", "lead": "li.na", "manager": "liu.yang"},
            "legal": {
                "name": "Legal",
                "lead": "zhao.yun",
                "manager": "liu.yang",
                "slack_group": "S0LEGAL",
            },
        },
        "circle": {"channels": {"slack": CIRCLE, "console": "#test"}},
        "platforms": {
            "console": {"channel": "#test", "default_person": "li.na"},
            "slack": {"enabled": True, "mode": "http"},
        },
    }
    data["company"]["locale"] = "en"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def ledger(tmp_path: Path, hostile: str = "") -> Path:
    """One customer, two invoices: INV-1 entered the early stage today (the scan opens a
    case), INV-2 has been late since February."""
    name = f"Evil {hostile} Co" if hostile else "Northwind Trading"
    code = f"C1{hostile}"
    rows = [
        (f"INV-1{hostile}", code, name, "normal", "wang.wei", "2026-01-01", "2026-03-15",
         "CNY", "1000.00", "", "", "no"),
        (f"INV-2{hostile}", code, name, "normal", "wang.wei", "2026-01-01", "2026-02-01",
         "CNY", "500.00", "", "", "no"),
    ]  # fmt: skip
    return write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, rows)


def literals(h: str) -> dict[str, str]:
    """Where each hostile string travels: the field -> the text it must show as."""
    return {
        "customer name": f"Evil {h} Co",
        "customer code": f"C1{h}",
        "invoice": f"INV-1{h}",
        "other invoice": f"INV-2{h}",
        "input": f"input {h}",
        "dispute reason": f"dispute {h}",
        "snooze reason": f"snooze {h}",
        "decision note": f"note {h}",
        "team name": f"Finance {h}",
        "person name": f"Tom {h}",
    }


def script(h: str) -> list[tuple[str, str]]:
    """(who, command) typed after the scan opened case 1, in this order."""
    return [
        ("li.na", f"/ar input 1 finance input {h}"),
        ("tom.baker", f"/ar customer C1{h}"),
        ("zhao.yun", f"/ar dispute INV-2{h} dispute {h}"),
        ("tom.baker", "/ar promise 1 500 2026-03-20"),
        # 10:16: sales and legal missed the window; the tick escalates them to their leads.
        ("wait", "16m"),
        ("liu.yang", f"/ar snooze 1 1h snooze {h}"),
        ("li.na", "/ar case 1"),
        ("liu.yang", f"/ar decide 1 credit_hold note {h}"),
        ("li.na", "/ar case 1"),
    ]


def _unwire(text: str) -> str:
    """Rendered mrkdwn without the word joiner that defuses a typed @channel."""
    return text.replace("\u2060", "")


def slack_escaped(text: str) -> str:
    """Literal text as Slack shows it in mrkdwn (Slack's rule, written out independently)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- the console ------------------------------------------------------------------------------


class ConsoleWorld:
    def __init__(self, db: Database, config: Config, clock: FakeClock) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.env = circle_env(config)
        self.router = Router(db, config, clock, circle=self.env)
        self.out = io.StringIO()
        self.console = ConsoleMessenger(
            self.router, config, stdin=io.StringIO(), stdout=self.out, interactive=False
        )

        def render(row: OutRow) -> Reply | None:
            with db.engine.connect() as conn:
                return render_row(conn, row, config, clock.now())

        async def sleep(seconds: float) -> None:
            await asyncio.sleep(0)

        self.worker = OutboxWorker(
            db,
            clock,
            {"console": self.console},
            render,
            rates={"console": (1000, timedelta(seconds=1))},
            monotonic=lambda: clock.now().timestamp(),
            sleep=sleep,
        )

    def today(self) -> Any:
        return self.clock.now().astimezone(self.config.company.zone).date()

    async def scan(self) -> None:
        result = scan_overdue(self.db, self.env, today=self.today(), now=self.clock.now())
        assert result.cases == (1,)
        await self.worker.run_once()

    async def run(self, steps: list[tuple[str, str]]) -> None:
        for who, line in steps:
            if who == "wait":
                minutes = int(line.removesuffix("m"))
                for _ in range(minutes):
                    self.clock.advance(timedelta(minutes=1))
                    tick(self.db, self.env, self.clock.now())
            else:
                await self.console.handle_line(f"as {who}: {line}")
            await self.worker.run_once()

    def printed_by_the_bot(self) -> str:
        return "\n".join(bot_messages(self.out.getvalue()))


@pytest.mark.parametrize("hostile", HOSTILE)
async def test_no_text_becomes_a_mention_on_the_console(
    db: Database, tmp_path: Path, hostile: str
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(config_text(hostile), encoding="utf-8")
    config = load_config(path, env={})
    run_import(db, ledger(tmp_path, hostile))
    world = ConsoleWorld(db, config, FakeClock(START))
    await world.scan()
    await world.run(script(hostile))

    said = world.printed_by_the_bot()
    assert "Traceback" not in world.out.getvalue()
    # The typed characters show, exactly as typed, in what the bot printed.
    for field, text in literals(hostile).items():
        assert text in said, f"{field}: {text!r} is not in what the bot printed\n{said}"
    # Nothing was made a mention: with the hostile texts taken out, no one is pinged but
    # the leads the circle escalated to (the manager and the channel were never due).
    rest = said
    for text in sorted(literals(hostile).values(), key=len, reverse=True):
        rest = rest.replace(text, "")
    assert "@王伟" in rest  # sales' lead, escalated at 10:15
    assert "@刘洋" not in rest and "@channel" not in rest, rest


async def test_real_mentions_read_as_names_on_the_console(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(config_text(), encoding="utf-8")
    config = load_config(path, env={})
    run_import(db, ledger(tmp_path))
    world = ConsoleWorld(db, config, FakeClock(START))
    await world.scan()
    await world.run([("wait", "31m")])  # level 2 at 10:30: the manager and the channel

    said = world.printed_by_the_bot()
    assert "🔴 New case. @Sales @Finance @Legal: please answer within 15m." in said
    assert "⌛ Case #1 Northwind Trading: @Sales, 5 min left to answer" in said
    assert "(level 1). @王伟, please answer or acknowledge" in said
    assert "(level 2). @刘洋 @channel, please answer or acknowledge" in said


# --- Slack ------------------------------------------------------------------------------------


@dataclass
class Shown:
    """What a Slack user would see in the recorded requests."""

    mrkdwn: str  # every mrkdwn text and every `text` field, the ones Slack parses
    plain: str  # every plain_text object (header, buttons, options), never parsed

    def markup(self) -> set[str]:
        """Slack markup in what was shown, less the bot's own pointers to the circle channel
        and the fake Slack's permalinks (neither comes from anyone's text)."""
        found = set(re.findall(r"<[^<>]*>", self.mrkdwn))
        pointers = re.compile(
            r"<#C0CIRCLE>|<https://test\.slack\.com/archives/C0CIRCLE/p\d+\|[^<>|]+>"
        )
        return {m for m in found if not pointers.fullmatch(m)}


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def shown(slack: FakeSlack) -> Shown:
    mrkdwn: list[str] = []
    plain: list[str] = []
    for method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url"):
        for call in slack.calls_to(method):
            body = call.body
            mrkdwn.append(str(body.get("text") or ""))
            blocks = body.get("blocks")
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
            for obj in _objects(blocks or []):
                (mrkdwn if obj["type"] == "mrkdwn" else plain).append(obj["text"])
    return Shown("\n".join(mrkdwn), "\n".join(plain))


@dataclass
class SlackWorld:
    circle: Circle
    messenger: SlackMessenger
    hostile: str


@pytest_asyncio.fixture
async def slack_world(
    fake_slack: FakeSlack,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> AsyncIterator[SlackWorld]:
    """The bot serving Slack over HTTP against the fake Slack; `hostile` (the indirect
    parameter) in the config's names and the ledger."""
    hostile: str = getattr(request, "param", "")
    path = tmp_path / "config.yaml"
    path.write_text(config_text(hostile), encoding="utf-8")
    config = load_config(path, env={})
    clock = FakeClock(START)
    rt = build_runtime(config, clock, f"sqlite:///{tmp_path}/slack.db", platforms=("slack",))
    run_import(rt.db, ledger(tmp_path, hostile))
    messenger = SlackMessenger(
        rt.router, config, rt.db, clock, token="xoxb-arcircle-test",
        signing_secret="arcircle-test-signing-secret-0001", api_url=fake_slack.url,
    )  # fmt: skip
    await messenger.start_checks()
    server = uvicorn.Server(uvicorn.Config(http_app(messenger), log_level="warning"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    await poll(lambda: server.started or task.done(), "uvicorn to start")
    port = sock.getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            yield SlackWorld(Circle(rt, fake_slack, http), messenger, hostile)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=DEADLINE)
        sock.close()
        rt.db.dispose()


SLACK_USERS = {"li.na": "U2", "zhao.yun": "U3", "liu.yang": MANAGER, "tom.baker": "U9TOM"}


async def slash(circle: Circle, who: str, typed: str) -> None:
    """`/ar ...` typed in Slack: Slack escapes &, < and > in the text it sends."""
    text = slack_escaped(typed.removeprefix("/ar "))
    hook = circle.fake.response_url()

    def answers() -> int:
        # A private answer goes to the response_url; a change typed in the circle channel is
        # answered in the open there (chat.postMessage), with no pointer.
        return len(circle.fake.calls_to("response_url")) + len(
            circle.fake.calls_to("chat.postMessage")
        )

    before = answers()
    body = command_body(text, user=SLACK_USERS[who], channel=CIRCLE, hook=hook)
    resp = await circle.http.post(
        "/slack/events", content=body, headers={"Content-Type": FORM, **sign(body)}
    )
    assert resp.status_code == 200
    await poll(lambda: answers() > before, f"an answer to {typed!r}")


async def play_in_slack(circle: Circle, steps: list[tuple[str, str]]) -> None:
    rt = circle.rt
    today = rt.clock.now().astimezone(rt.config.company.zone).date()
    assert scan_overdue(rt.db, rt.circle, today=today, now=rt.clock.now()).cases == (1,)
    await circle.deliver()
    assert isinstance(rt.clock, FakeClock)
    for who, line in steps:
        if who == "wait":
            for _ in range(int(line.removesuffix("m"))):
                rt.clock.advance(timedelta(minutes=1))
                tick(rt.db, rt.circle, rt.clock.now())
        else:
            await slash(circle, who, line)
        await circle.deliver()


@pytest.mark.parametrize("slack_world", HOSTILE, indirect=True)
async def test_no_text_becomes_a_mention_on_slack(slack_world: SlackWorld) -> None:
    circle, hostile = slack_world.circle, slack_world.hostile
    # Tom has no Slack id: he may read (his customer lookup runs) but not promise.
    steps = [s for s in script(hostile) if s != ("tom.baker", "/ar promise 1 500 2026-03-20")]
    await play_in_slack(circle, steps)

    seen = shown(circle.fake)
    assert "Sorry, something went wrong" not in seen.mrkdwn
    # No ping but the ones the circle made: no channel, no manager, no link, no forged group.
    assert seen.markup() <= ALLOWED, seen.markup() - ALLOWED
    assert "<@U1>" in seen.markup()  # sales' lead, escalated at 10:15
    # The typed characters show: escaped in mrkdwn, as they are in plain_text.
    readable = _unwire(seen.mrkdwn)
    for field, text in literals(hostile).items():
        if field == "person name":
            continue  # Tom typed nothing here; his name shows in the sales team's mention
        found = slack_escaped(text) in readable or text in seen.plain
        assert found, f"{field}: {text!r} is not shown\n{readable}\n{seen.plain}"
    # Sales has no user group: its members, Tom (no Slack id) by his name, escaped.
    assert f"<@U1> @Tom {slack_escaped(hostile)}" in readable


@pytest.mark.parametrize("slack_world", [""], indirect=True)
async def test_real_escalations_still_ping_on_slack(slack_world: SlackWorld) -> None:
    circle = slack_world.circle
    await play_in_slack(circle, [("wait", "31m")])
    posts = [c.body for c in circle.fake.calls_to("chat.postMessage")]
    texts = [str(p.get("text")) for p in posts]
    call = next(t for t in texts if "New case" in t)
    assert call.startswith("🔴 New case. <@U1> @Tom <@U2> <!subteam^S0LEGAL>: please answer")
    level1 = next(t for t in texts if "(level 1)" in t and "Sales" in t)
    assert "<@U1>, please answer or acknowledge" in level1
    level2 = next(t for t in texts if "(level 2)" in t and "Sales" in t)
    assert f"<@{MANAGER}> <!channel>, please answer or acknowledge" in level2
    assert all(p.get("thread_ts") for p in posts if p.get("text") in (level1, level2))


async def test_slack_markup_a_user_types_is_stored_as_readable_text(
    slack_world: SlackWorld,
) -> None:
    circle, messenger = slack_world.circle, slack_world.messenger
    rt = circle.rt
    today = rt.clock.now().astimezone(rt.config.company.zone).date()
    scan_overdue(rt.db, rt.circle, today=today, now=rt.clock.now())
    # An @mention of the bot as Slack sends it: real mentions, a broadcast, a labelled link.
    typed = (
        "<@UBOT> /ar input 1 finance <!channel> <@U0GENMGR01> <!subteam^S1|@sales> "
        "<https://evil.example|your bank> &lt;!here&gt; &amp;lt;"
    )
    await messenger.on_mention({"user": "U2", "channel": CIRCLE, "ts": "1.1", "text": typed}, None)
    await circle.deliver()
    with rt.db.engine.connect() as conn:
        view = load_case(conn, 1)
    assert view is not None
    assert [i.text for i in view.inputs] == [
        "@channel @刘洋 @sales your bank (https://evil.example) <!here> &lt;"
    ]
    seen = shown(circle.fake)
    assert seen.markup() <= ALLOWED
    assert "@channel @刘洋 @sales your bank (https://evil.example) &lt;!here&gt; &amp;lt;" in (
        _unwire(seen.mrkdwn)
    )


def test_inbound_text_reads_slack_markup(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(config_text(), encoding="utf-8")
    config = load_config(path, env={})
    cases = {
        "<@U0GENMGR01>": "@刘洋",
        "<@U0GENMGR01|liu>": "@刘洋",
        "<@U404>": "@U404",
        "<@U404|bob>": "@bob",
        "<!channel> <!here> <!everyone>": "@channel @here @everyone",
        "<!here|here>": "@here",
        "<!subteam^S0LEGAL>": "@Legal",
        "<!subteam^S0LEGAL|@legal-team>": "@Legal",
        "<!subteam^S1|@sales>": "@sales",
        "<!subteam^S1>": "@S1",
        "<#C123|general>": "#general",
        "<#C123>": "#C123",
        "<https://x.example>": "https://x.example",
        "<https://x.example|x.example>": "x.example",
        "<https://evil|bank>": "bank (https://evil)",
        "<mailto:a@b.example|a@b.example>": "a@b.example",
        "<https://x.example?a=1&amp;b=2|a &amp; b>": "a & b (https://x.example?a=1&b=2)",
        "<!date^1392734382^{date}|Feb 18, 2014>": "Feb 18, 2014",
        "&lt;@channel&gt; &amp;lt; a &amp; b": "<@channel> &lt; a & b",
        "no markup, 5 > 3": "no markup, 5 > 3",
    }
    for slack, literal in cases.items():
        assert inbound_text(slack, config) == literal, slack


async def test_the_language_models_words_ping_nobody(
    tmp_path: Path,
    sqlite_db: Database,
    fake: FakeLlm,  # noqa: F811
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(config_text(), encoding="utf-8")
    config = load_config(path, env={})
    run_import(sqlite_db, ledger(tmp_path))
    clock = FakeClock(START + timedelta(hours=5, minutes=30))  # 15:30: a good time to call
    words = "Hello <!channel> <@U0GENMGR01> <@person:liu.yang> @here, could we settle today?"
    fake.answer(words)
    llm = Llm(url=fake.url, model="fake-model", timeout=timedelta(seconds=2))
    cfg = config.model_copy(update={"phrasing": config.phrasing.model_copy(update={"llm": llm})})
    router = Router(sqlite_db, cfg, clock)
    reply = await router.handle(
        "/ar phrase C1", platform="slack", channel=CIRCLE, user_id="U1", person="wang.wei"
    )
    assert reply is not None
    assert words in reply.plain()  # the model's words are shown (they passed the lint)
    blocks = json.dumps(blocks_for(reply, cfg, locale="en"), ensure_ascii=False)
    assert not re.search(r"<[@!#]|<https?:", blocks + fallback_text(reply, cfg))
    assert _unwire(slack_escaped(words)) in _unwire(blocks)


# --- the message model ------------------------------------------------------------------------


def test_rich_text_keeps_mentions_apart_from_text() -> None:
    wang = Mention.person("wang.wei")
    text = RichText("Case 1: ", wang, "", " and ", "<@person:x>")
    assert text.parts == ("Case 1: ", wang, " and <@person:x>")
    assert text == RichText("Case 1: ") + wang + " and <@person:x>"
    assert text.mentions() == (wang,)
    assert text.plain() == "Case 1: @wang.wei and <@person:x>"
    joined = RichText(", ").join([Mention.team("sales"), "Legal", Mention.channel()])
    assert joined.parts == (Mention.team("sales"), ", Legal, ", Mention.channel())
    assert RichText("  ", wang, " x \n").strip() == RichText(wang, " x")
    assert [line.parts for line in RichText("a\n", wang, "\nb").lines()] == [
        ("a",),
        (wang,),
        ("b",),
    ]
    assert not RichText("", "") and RichText(Mention.channel())
    # Flattening by accident would lose the mention: it is refused.
    with pytest.raises(TypeError):
        str(text)
    with pytest.raises(TypeError):
        f"{wang}"
    with pytest.raises(TypeError):
        t("en", "card_call", teams=wang, window="15m")
    for bad in (("crowd", "x"), ("person", ""), ("channel", "x")):
        with pytest.raises(ValueError):
            Mention(*bad)  # type: ignore[arg-type]


def test_t_rich_puts_mentions_in_and_keeps_values_literal() -> None:
    sales, legal = Mention.team("sales"), Mention.team("legal")
    text = t_rich("zh-CN", "card_call", teams=RichText(" ").join([sales, legal]), window="15m")
    assert text.parts == ("🔴 新案件。", sales, " ", legal, "：请在 15m 内答复。")
    # A customer's name is a value like any other: its characters stay text.
    remind = t_rich(
        "en", "remind_text", case=1, customer="Evil <@channel> Co", team=sales, left=5, command="x"
    )
    assert remind.mentions() == (sales,)
    assert "Evil <@channel> Co" in remind.parts[0]  # type: ignore[operator]


def test_the_fallbacks_show_mentions_by_name(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(config_text(), encoding="utf-8")
    config = load_config(path, env={})
    names = display_names(config)
    card = Card(
        title="Case 1",
        subtitle=RichText("for ", Mention.person("wang.wei")),
        fields=(Field("Owner", RichText(Mention.person("liu.yang"))),),
        sections=(Section(text=RichText(Mention.team("legal"), " ", Mention.channel())),),
    )
    reply = Reply(text=RichText("hi ", Mention.team("finance")), card=card)
    assert reply.plain(names).splitlines()[:4] == [
        "hi @Finance",
        "Case 1",
        "for @王伟",
        "Owner: @刘洋",
    ]
    assert "@Legal @channel" in reply.plain(names)
    assert "for @wang.wei" in card.to_markdown()  # no config: the keys
    # On Slack: Field values carry mentions too; plain_text objects get names.
    blocks = json.dumps(blocks_for(reply, config, locale="en"), ensure_ascii=False)
    assert f"*Owner*\\n<@{MANAGER}>" in blocks
    assert plain_text(RichText("to ", Mention.person("li.na")), config) == "to @李娜"


# --- a property: no text part ever renders to Slack markup ------------------------------------

_MENTIONS = st.sampled_from(
    [
        Mention.person("wang.wei"),
        Mention.person("tom.baker"),
        Mention.person("nobody"),
        Mention.team("sales"),
        Mention.team("legal"),
        Mention.team("ghost"),
        Mention.channel(),
    ]
)
# Text rich in Slack's control characters and keywords, and anything else.
_PIECES = [*"<>&!@^|#", "channel", "here", "everyone", "subteam", "U1", "S1", "http://x"]
_PIECES += ["HERE", "Everyone", "lt;", "gt;", "amp;", " ", "\n"]
_TEXT = st.one_of(
    st.text(),
    st.lists(st.sampled_from(_PIECES)).map("".join),
)


@pytest.fixture(scope="module")
def slack_config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    path = tmp_path_factory.mktemp("cfg") / "config.yaml"
    path.write_text(config_text(), encoding="utf-8")
    return load_config(path, env={})


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.one_of(_TEXT, _MENTIONS), max_size=8))
def test_no_text_part_ever_renders_to_slack_markup(
    slack_config: Config, parts: list[str | Mention]
) -> None:
    rendered = render_text(RichText(*parts), slack_config)
    # Every <...> in the output is one of the mentions the Mention parts made.
    expected = {
        "<@U1>": any(isinstance(p, Mention) and p.key in ("wang.wei", "sales") for p in parts),
        "<!subteam^S0LEGAL>": Mention.team("legal") in parts,
        "<!channel>": Mention.channel() in parts,
    }
    found = re.findall(r"<[^<>]*>", rendered)
    assert set(found) <= {markup for markup, made in expected.items() if made}
    # Text alone: no markup at all, no bare broadcast word, and it reads back as typed.
    for part in parts:
        if isinstance(part, str):
            out = render_text(part, slack_config)
            assert "<" not in out and ">" not in out
            assert not re.search(r"@(channel|here|everyone)", out, re.IGNORECASE)
            unescaped = out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
            assert _unwire(unescaped) == _unwire(part)


@settings(max_examples=100, deadline=None, database=None)
@given(st.lists(st.one_of(_TEXT, _MENTIONS), min_size=1, max_size=40), st.integers(1, 400))
def test_long_text_is_never_cut_inside_a_mention_or_an_entity(
    slack_config: Config, parts: list[str | Mention], repeat: int
) -> None:
    text = RichText("").join([RichText(*parts)] * repeat)
    reply = Reply(text=text)
    pieces = [b["text"]["text"] for b in blocks_for(reply, slack_config, locale="en")]
    for piece in pieces:
        assert len(piece) <= 3000
        assert re.search(r"<[^>]*$", piece) is None and re.search(r"^[^<]*>", piece) is None
        assert re.search(r"&[a-z]*$", piece) is None
    clipped = fallback_text(reply, slack_config)
    assert re.search(r"<[^>]*$", clipped) is None and re.search(r"&[a-z]*$", clipped) is None

"""`/ar whoami` (我是谁) as people see it: a manager, a member, a lead in Chinese, someone Slack
knows but the config does not, the console; and the refusal that tells an unknown user how
to be added. Ids and names from outside stay literal text."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.console.messenger import ConsoleMessenger
from bot.adapters.slack.blocks import blocks_for, fallback_text
from bot.app import Runtime, build_runtime
from bot.kernel.clock import FakeClock
from bot.kernel.config import load_config
from bot.kernel.forms import FormRef
from bot.kernel.messages import Reply
from tests.fake_slack import FakeSlack, fake_slack  # noqa: F401 - the fixture
from tests.test_slack_inbound import CONFIG, build_world, serving

ZH_LEAD = CONFIG.replace(
    "li.na: {name: 李娜, team: finance, role: lead, slack: U2}",
    "li.na: {name: 李娜, team: finance, role: lead, locale: zh-CN, ids: {slack: U2, wecom: LiNa}}",
)


def runtime(tmp_path: Path, text: str = CONFIG) -> Runtime:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    clock = FakeClock(datetime(2026, 3, 16, 2, 0, tzinfo=UTC))
    return build_runtime(
        load_config(path, env={}), clock, f"sqlite:///{tmp_path}/w.db", platforms=()
    )


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    built = runtime(tmp_path, ZH_LEAD)
    yield built
    built.db.dispose()


async def whoami(
    rt: Runtime, user: str, text: str = "/ar whoami", platform: str = "slack"
) -> Reply:
    # No person: the router finds the sender by their id, as for every messenger. Addressed:
    # a direct message, so the words without `/ar` are the command too.
    reply = await rt.router.handle(
        text, platform=platform, channel="C0CIRCLE", user_id=user, addressed=True
    )
    assert reply is not None
    return reply


async def test_a_manager_sees_every_right(rt: Runtime) -> None:
    said = (await whoami(rt, "U5")).plain()
    for line in (
        "刘洋 (person `liu.yang` in config.yaml)",
        "Team: none",
        "Role: manager",
        "Language: en",
        "slack: U5 (this message)",
        "Read receivables: yes.",
        "Answer in a circle for: Sales (sales), Finance (finance), Legal (legal).",
        "Decide: Remind, Call, Visit, Customer refused full payment, Installment plan, "
        "Extension, Credit hold, Write-off, Settle.",
        "End a circle (close the seats of teams that have not answered): yes.",
        "Snooze another team's seat: yes.",
    ):
        assert line in said, (line, said)


async def test_a_member_sees_their_team_and_no_more(rt: Runtime) -> None:
    said = (await whoami(rt, "U4")).plain()
    for line in (
        "Tom Baker (person `tom.baker` in config.yaml)",
        "Team: Sales (sales)",
        "Role: member",
        "Answer in a circle for: Sales (sales).",
        "Decide: Remind, Call, Visit, Customer refused full payment.",
        "End a circle (close the seats of teams that have not answered): no.",
        "Snooze your own team's seat: yes.",
        "Snooze another team's seat: no.",
    ):
        assert line in said, (line, said)


async def test_a_lead_asks_in_chinese_and_sees_every_id(rt: Runtime) -> None:
    said = (await whoami(rt, "U2", "/ar 我是谁")).plain()
    for line in (
        "李娜（config.yaml 中的人员 `li.na`）",
        "团队：Finance (finance)",
        "角色：负责人",
        "语言：zh-CN",
        "slack：U2（本条消息）",
        "wecom：LiNa",
        "查看应收账款：可以。",
        "结束响应圈（关闭未回复团队的席位）：当你负责的团队（Finance (finance)）在案件中时可以。",
        "暂缓其他团队的席位：不可以。",
    ):
        assert line in said, (line, said)
    # The same from WeCom, where she is LiNa (the alias in traditional characters too).
    assert "wecom：LiNa（本条消息）" in (await whoami(rt, "LiNa", "我是誰", "wecom")).plain()
    # Without the prefix the router must be told the message is for it; "whoami" is the verb.
    reply = await rt.router.handle(
        "whoami", platform="slack", channel="D1", user_id="U2", addressed=True
    )
    assert reply is not None and "李娜" in reply.plain()


async def test_someone_unknown_learns_their_id_and_what_they_may_use(rt: Runtime) -> None:
    said = (await whoami(rt, "U999")).plain()
    assert said == (
        "I don't know you on slack (id U999); ask an admin to add `ids: {slack: U999}` under "
        "your entry in people: in config.yaml.\n"
        "Meanwhile you may use only /ar help, /ar lint, /ar excuses, /ar whoami."
    )
    # And the refusal of anything that reads says the same way in.
    refused = (await whoami(rt, "U999", "/ar overdue")).plain()
    assert "Ask 刘洋 to add you" in refused
    assert (
        "I don't know you on slack (id U999): ask an admin to add `ids: {slack: U999}`" in refused
    )
    # An unknown WeCom user is told the WeCom line.
    assert "`ids: {wecom: ZhangSan}`" in (await whoami(rt, "ZhangSan", platform="wecom")).plain()


async def test_with_read_everyone_the_unknown_may_read_but_not_answer(tmp_path: Path) -> None:
    rt = runtime(tmp_path, CONFIG + "access: {read: everyone}\n")
    try:
        said = (await whoami(rt, "U999")).plain()
        assert "I don't know you on slack (id U999)" in said
        assert "you may use every command that reads (access.read is everyone)" in said
        assert "you answer for no team and decide nothing" in said
    finally:
        rt.db.dispose()


async def test_the_console_speaks_as_a_person_key(rt: Runtime) -> None:
    out = io.StringIO()
    console = ConsoleMessenger(
        rt.router,
        rt.config,
        stdin=io.StringIO("/ar whoami\nas li.na: /ar 我是谁\n"),
        stdout=out,
        interactive=False,
    )
    await console.run()
    printed = out.getvalue()
    assert "[#test]   Tom Baker (person `tom.baker` in config.yaml)" in printed
    assert "[#test]   On the console you speak as `tom.baker`." in printed
    assert "[#test]   在控制台上你以 `li.na` 的身份发言。" in printed
    assert "[#test]   wecom：LiNa" in printed
    # The console needs no ids line: nobody is told to add `ids: {console: ...}`.
    assert "console:" not in printed


async def test_whoami_is_listed_in_help(rt: Runtime) -> None:
    help_ = (await whoami(rt, "U999", "/ar help")).plain()
    assert "/ar whoami" in help_ and "我是谁" in help_


async def test_hostile_ids_and_names_stay_literal_on_slack(tmp_path: Path) -> None:
    text = CONFIG.replace(
        "tom.baker: {name: Tom Baker, team: sales, slack: U4}",
        "tom.baker: {name: '<!channel> *Boss* <@U1>', team: sales,"
        " ids: {slack: U4, wecom: '<@U5>'}}",
    )
    rt = runtime(tmp_path, text)
    try:
        for reply in (
            await whoami(rt, "U4"),
            await whoami(rt, "<!here>&<@U1>"),
            await whoami(rt, "<!here>&<@U1>", "/ar overdue"),
        ):
            shown = json.dumps(
                [blocks_for(reply, rt.config, locale="en"), fallback_text(reply, rt.config)],
                ensure_ascii=False,
            )
            for raw in ("<!channel>", "<!here>", "<@U1>", "<@U5>"):
                assert raw not in shown, (raw, shown)
        said = (await whoami(rt, "U4")).plain()
        assert "<!channel> *Boss* <@U1> (person `tom.baker` in config.yaml)" in said
        assert "wecom: <@U5>" in said
    finally:
        rt.db.dispose()


async def test_an_unknown_slack_user_asks_over_slack(
    fake_slack: FakeSlack,  # noqa: F811
    tmp_path: Path,
) -> None:
    world = build_world(fake_slack, tmp_path)
    try:
        async with serving(world) as srv:
            answer = await srv.command("whoami", user="U999")
            shown = answer["text"] + json.dumps(answer.get("blocks"), ensure_ascii=False)
            assert "I don't know you on slack (id U999)" in shown
            assert "`ids: {slack: U999}`" in shown
            known = await srv.command("我是谁", user="U3")
            shown = known["text"] + json.dumps(known.get("blocks"), ensure_ascii=False)
            assert "person `zhao.yun`" in shown and "slack: U3 (this message)" in shown
            refused = await srv.command("overdue", user="U999")
            assert "`ids: {slack: U999}`" in refused["text"]
    finally:
        world.rt.db.dispose()


async def test_the_rights_follow_circle_decisions(tmp_path: Path) -> None:
    text = CONFIG.replace(
        "circle:\n",
        "circle:\n  decisions: {end_circle: [manager], snooze_others: [lead], write_off: [any]}\n",
    )
    rt = runtime(tmp_path, text)
    try:
        said = (await whoami(rt, "U4")).plain()  # tom.baker, a member of sales
        assert "Decide: Remind, Call, Visit, Customer refused full payment, Write-off." in said
        said = (await whoami(rt, "U2")).plain()  # li.na, the finance lead
        assert "End a circle (close the seats of teams that have not answered): no." in said
        assert (
            "Snooze another team's seat: when a team you lead (Finance (finance)) sits in the case."
            in said
        )
    finally:
        rt.db.dispose()


async def test_a_form_finds_its_sender_and_tells_the_unknown_how_to_be_added(rt: Runtime) -> None:
    promise = FormRef("promise", ("1",), ("<amount>", "<date>"))
    refused = await rt.router.open_form(promise, platform="slack", user_id="U999")
    assert isinstance(refused, Reply)
    assert "`ids: {slack: U999}`" in refused.plain()
    # The same button for li.na (known by her Slack id alone) passes the gate and answers in
    # her language: there is no case 1 yet.
    hers = await rt.router.open_form(promise, platform="slack", user_id="U2")
    assert isinstance(hers, Reply) and hers.plain().startswith("没有案件 #1")

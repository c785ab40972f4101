"""A form only opens for someone allowed to submit it, and a refusal at submission is shown in
the form (issue 9, item 6): nobody types an answer only to lose it.

The rules are the handlers' own: Config.speaks_for for a team's answer (and
circle.allow_as_team), playbook.decisions.allowed for decisions.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.adapters.slack.modals import legacy_ref
from bot.kernel.config import Config, load_config
from bot.kernel.messages import Reply
from playbook.decisions import ACTIONS
from storage.circle import begin_write, record_input
from tests.fake_slack import FakeSlack, fake_slack  # noqa: F401 - the fixture
from tests.form_helpers import build, form_context
from tests.test_slack_inbound import (
    CONFIG,
    DEADLINE,
    Server,
    action_payload,
    build_world,
    decoded,
    interaction_body,
    poll,
    serving,
    submission_payload,
)

ONLY_MANAGERS_DECIDE = CONFIG.replace(
    "circle:\n",
    "circle:\n  decisions: {" + ", ".join(f"{a.name}: [manager]" for a in ACTIONS) + "}\n",
)
AS_TEAM = CONFIG.replace("circle:\n", "circle:\n  allow_as_team: true\n")


@contextlib.asynccontextmanager
async def serve(fake: FakeSlack, tmp_path: Path, text: str = CONFIG) -> AsyncIterator[Server]:
    world = build_world(fake, tmp_path, text)
    try:
        await world.open_case()
        async with serving(world) as srv:
            yield srv
    finally:
        world.rt.db.dispose()


async def click(srv: Server, command: str, user: str) -> None:
    resp = await srv.post(interaction_body(action_payload(command, user=user, hook="")))
    assert resp.status_code == 200


async def modal_refusal(
    command: str,
    cfg: Config,
    *,
    person: str | None,
    locale: str,
    seats: Mapping[str, str] | None = None,
) -> str | None:
    """What a click on this button says instead of opening its form (None: the form opens),
    for case 1 (the one tests.test_slack_blocks.case_view shows)."""
    from tests.test_slack_blocks import case_view

    ref = legacy_ref(command)
    assert ref is not None
    view = dataclasses.replace(case_view(cfg), id=1)
    form = await build(form_context(cfg, person, locale=locale, view=view, seats=seats), ref)
    return form.plain() if isinstance(form, Reply) else None


def visible_text(fake: FakeSlack, user: str) -> str:
    shown = fake.visible_ephemerals(user)
    return " ".join(str(e["text"]) for e in shown)


async def test_who_may_submit_which_form(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(ONLY_MANAGERS_DECIDE, encoding="utf-8")
    cfg = load_config(path, env={})
    en = {"locale": "en"}
    # A team's answer: members, the lead and the manager speak for it.
    assert await modal_refusal("/ar input 1 finance <text>", cfg, person="li.na", **en) is None
    assert await modal_refusal("/ar input 1 finance <text>", cfg, person="liu.yang", **en) is None
    refused = await modal_refusal("/ar input 1 finance <text>", cfg, person="tom.baker", **en)
    assert refused == (
        "Only members of Finance may answer for it (李娜). Ask one of them, or answer for your "
        "own team."
    )
    # Decisions: here only managers may take any.
    assert await modal_refusal("/ar decide 1 <action>", cfg, person="liu.yang", **en) is None
    zh = await modal_refusal("/ar decide 1 <action>", cfg, person="wang.wei", locale="zh-CN")
    assert zh == "您在本案中无权记录任何决定；请联系 刘洋。"
    # Promises and snoozes: anyone in the config; someone not in it hears what the command
    # would tell them.
    assert (
        await modal_refusal("/ar promise 1 <amount> <date>", cfg, person="tom.baker", **en) is None
    )
    stranger = await modal_refusal("/ar input 1 finance <text>", cfg, person=None, **en)
    assert stranger is not None and stranger.startswith("You are not in arcircle's config")


async def test_a_form_for_another_team_does_not_open_and_says_who_may(
    fake_slack: FakeSlack,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with serve(fake_slack, tmp_path) as srv:
        await click(srv, "/ar input 1 finance <text>", user="U4")  # Tom Baker, sales
        await fake_slack.wait_for("chat.postEphemeral", timeout=DEADLINE)
        assert "Only members of Finance may answer for it (李娜)" in visible_text(fake_slack, "U4")
        assert fake_slack.calls_to("views.open") == []
        # Their own team's form opens.
        await click(srv, "/ar input 1 sales <text>", user="U4")
        await fake_slack.wait_for("views.open", timeout=DEADLINE)


async def test_a_decision_form_does_not_open_for_someone_who_may_decide_nothing(
    fake_slack: FakeSlack,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with serve(fake_slack, tmp_path, ONLY_MANAGERS_DECIDE) as srv:
        await click(srv, "/ar decide 1 <action>", user="U1")
        await fake_slack.wait_for("chat.postEphemeral", timeout=DEADLINE)
        assert "may not record any decision in this circle; ask 刘洋" in visible_text(
            fake_slack, "U1"
        )
        assert fake_slack.calls_to("views.open") == []
        await click(srv, "/ar decide 1 <action>", user="U5")  # the manager
        [opened] = await fake_slack.wait_for("views.open", timeout=DEADLINE)
        assert "write_off" in json.dumps(decoded(opened.body["view"]))


async def test_with_allow_as_team_the_form_opens_and_answers_on_the_teams_behalf(
    fake_slack: FakeSlack,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with serve(fake_slack, tmp_path, AS_TEAM) as srv:
        await click(srv, "/ar input 1 finance <text>", user="U4")
        [opened] = await fake_slack.wait_for("views.open", timeout=DEADLINE)
        view = decoded(opened.body["view"])
        sent = submission_payload(
            view, {"text": {"type": "plain_text_input", "value": "Finance is out today"}}, user="U4"
        )
        resp = await srv.post(interaction_body(sent))
        assert resp.status_code == 200 and resp.text == ""
        await poll(lambda: srv.world.counts()["team_input"] == 1, "the input recorded")
        with srv.world.rt.db.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT team, person, text FROM team_input")).one()
        assert tuple(row) == ("finance", "tom.baker", "Finance is out today")


async def test_a_refusal_at_submission_is_shown_in_the_form_and_nothing_is_lost(
    fake_slack: FakeSlack,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with serve(fake_slack, tmp_path) as srv:
        await click(srv, "/ar input 1 finance <text>", user="U2")
        [opened] = await fake_slack.wait_for("views.open", timeout=DEADLINE)
        view = decoded(opened.body["view"])
        # While li.na types, the case is closed (settled).
        closed = await srv.world.rt.router.handle(
            "/ar decide 1 settle --amount 1000 agreed",
            platform="slack",
            channel="C0CIRCLE",
            user_id="U2",
            person="li.na",
        )
        assert closed is not None and closed.kind == "answer", closed
        typed = "Called their CFO; payment run is on Friday."
        sent = submission_payload(
            view, {"text": {"type": "plain_text_input", "value": typed}}, user="U2"
        )
        resp = await srv.post(interaction_body(sent))
        assert resp.status_code == 200
        answer: dict[str, Any] = resp.json()
        assert answer["response_action"] == "errors"
        assert list(answer["errors"]) == ["text"]  # shown under the field they typed in
        assert "Case 1 was closed by 李娜" in answer["errors"]["text"]
        assert srv.world.counts()["team_input"] == 0
        assert fake_slack.calls_to("chat.postMessage") == []


async def test_a_guest_in_the_config_gets_no_form(
    fake_slack: FakeSlack,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with serve(fake_slack, tmp_path) as srv:
        fake_slack.users["U2"] = {"is_restricted": True}
        await click(srv, "/ar input 1 finance <text>", user="U2")
        await fake_slack.wait_for("chat.postEphemeral", timeout=DEADLINE)
        assert "Guest accounts cannot see receivables" in visible_text(fake_slack, "U2")
        assert fake_slack.calls_to("views.open") == []


@pytest.mark.parametrize("user", ["U999"])
async def test_someone_not_in_the_config_gets_no_form(
    fake_slack: FakeSlack,  # noqa: F811
    tmp_path: Path,
    user: str,
) -> None:
    async with serve(fake_slack, tmp_path) as srv:
        await click(srv, "/ar promise 1 <amount> <date>", user=user)
        await fake_slack.wait_for("chat.postEphemeral", timeout=DEADLINE)
        assert "Ask 刘洋 to add you" in visible_text(fake_slack, user)
        assert fake_slack.calls_to("views.open") == []


async def test_the_snooze_form_follows_the_seats_of_the_case(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    cfg = load_config(path, env={})
    waiting = {"sales": "waiting", "finance": "waiting", "legal": "waiting"}
    answered = {**waiting, "sales": "answered"}
    form = "/ar snooze 1 1h <reason>"
    # A member may pause their own team's waiting clock, so the form opens.
    assert await modal_refusal(form, cfg, person="tom.baker", locale="en", seats=waiting) is None
    # Once sales has answered, nothing of Tom's is left to pause: no form, and who may.
    refused = await modal_refusal(form, cfg, person="tom.baker", locale="en", seats=answered)
    assert refused == (
        "You may not snooze any clock in this case: only a waiting team's own people or a "
        "manager (刘洋) may."
    )
    zh = await modal_refusal(form, cfg, person="tom.baker", locale="zh-CN", seats=answered)
    assert zh is not None and "刘洋" in zh and "snooze" not in zh
    # The manager may pause the other teams' clocks.
    assert await modal_refusal(form, cfg, person="liu.yang", locale="en", seats=answered) is None


async def test_a_snooze_form_opens_only_for_someone_with_a_clock_to_pause(
    fake_slack: FakeSlack,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with serve(fake_slack, tmp_path) as srv:
        await click(srv, "/ar snooze 1 1h <reason>", user="U4")  # Tom: sales is waiting
        [opened] = await fake_slack.wait_for("views.open", timeout=DEADLINE)
        view = json.dumps(decoded(opened.body["view"]), ensure_ascii=False)
        assert "Sales" in view and "Legal" not in view
        rt = srv.world.rt
        with rt.db.engine.begin() as conn:
            begin_write(conn)
            record_input(
                conn, rt.circle, case_id=1, team="sales", person="wang.wei", text="on it",
                now=rt.clock.now(),
            )  # fmt: skip
        await click(srv, "/ar snooze 1 1h <reason>", user="U4")
        await fake_slack.wait_for("chat.postEphemeral", timeout=DEADLINE)
        assert "may not snooze any clock in this case" in visible_text(fake_slack, "U4")
        assert len(fake_slack.calls_to("views.open")) == 1


async def test_a_cards_form_button_opens_its_form_and_answers_as_the_command(
    fake_slack: FakeSlack,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The value a card's button carries now (`form:` and the FormRef's key), end to end."""
    async with serve(fake_slack, tmp_path) as srv:
        await click(srv, "form:input 1 finance", user="U2")
        [opened] = await fake_slack.wait_for("views.open", timeout=DEADLINE)
        view = decoded(opened.body["view"])
        meta = json.loads(view["private_metadata"])
        assert meta["form"] == "input 1 finance" and meta["main"] == "text"
        typed = "<!channel> paid -- --ack"
        sent = submission_payload(
            view, {"text": {"type": "plain_text_input", "value": typed}}, user="U2"
        )
        resp = await srv.post(interaction_body(sent))
        assert resp.status_code == 200 and resp.text == ""
        await poll(lambda: srv.world.counts()["team_input"] == 1, "the input recorded")
        with srv.world.rt.db.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT team, person, text FROM team_input")).one()
        assert tuple(row) == ("finance", "li.na", typed)
        # A form key no verb has: told so, nothing opens.
        await click(srv, "form:frobnicate 1", user="U2")
        await fake_slack.wait_for("chat.postEphemeral", timeout=DEADLINE)
        assert "There is no form for 'frobnicate'" in visible_text(fake_slack, "U2")
        assert len(fake_slack.calls_to("views.open")) == 1

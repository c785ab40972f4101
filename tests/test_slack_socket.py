"""Socket Mode as a Slack admin meets it (issue 9, item 6): a wrong app-level token stops
`arcircle run` with one line; `arcircle doctor` says the same; a real Socket Mode session on
loopback serves commands, events and clicks; a connection that later fails for good is one
line in the log and on the console, and a passing outage is one line too.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack.doctor import SCOPES
from bot.adapters.slack.outbound import SlackSetupError, make_client
from bot.adapters.slack.socket_mode import app_token_problem, check_app_token
from bot.app import StartError, serve_console
from tests.conftest import TEST_CONFIG
from tests.fake_slack import (
    FakeSlack,
    FakeSlackThread,
    Response,
    closed_port_url,
    fake_slack,  # noqa: F401 - the fixture
)
from tests.test_cli import arcircle, env  # noqa: F401 - the fixture
from tests.test_slack_inbound import (
    BOT_TOKEN,
    CIRCLE,
    CONFIG,
    DEADLINE,
    World,
    action_payload,
    build_world,
    event_body,
    poll,
)

APP_TOKEN = "xapp-1-A1-1700000000-arcircletestapptoken"
SOCKET = CONFIG.replace(
    "slack: {enabled: true, mode: http}", "slack: {enabled: true, mode: socket}"
)


# --- the token, before and when asking Slack -----------------------------------------------


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("", "SLACK_APP_TOKEN is empty"),
        ("   ", "SLACK_APP_TOKEN is empty"),
        ("xoxb-123-456-abcdef", "it starts with xoxb- (that is the bot token: SLACK_BOT_TOKEN)"),
        ("xoxp-123-456-abcdef", "it starts with xoxp-"),
        ("hunter2-not-a-token", "it does not start with xapp-"),
    ],
)
def test_a_token_that_is_no_app_level_token_is_named_and_never_echoed(
    token: str, says: str
) -> None:
    problem = app_token_problem(token)
    assert problem is not None and says in problem
    if token.strip():
        assert "is not an app-level token" in problem and "connections:write" in problem
        assert token.split("-", 1)[1] not in problem
    assert app_token_problem(APP_TOKEN) is None


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (None, "Slack rejected SLACK_APP_TOKEN (invalid_auth)"),  # another app's token
        (
            Response.error("missing_scope", needed="connections:write"),
            "lacks the connections:write scope",
        ),
        (
            Response.error("not_allowed_token_type"),
            "is not an app-level token (Slack answered not_allowed_token_type)",
        ),
        (Response.error("token_revoked"), "SLACK_APP_TOKEN was revoked"),
        (Response.server_error(), "Slack could not open a Socket Mode connection: HTTP 503"),
    ],
)
async def test_apps_connections_open_errors_are_one_sentence(
    fake_slack: FakeSlack,  # noqa: F811
    answer: Response | None,
    says: str,
) -> None:
    fake_slack.app_token = "xapp-1-A1-1700000000-theotherone"
    if answer is not None:
        fake_slack.script("apps.connections.open", answer)
    client = make_client(BOT_TOKEN, base_url=fake_slack.url)
    with pytest.raises(SlackSetupError) as err:
        await check_app_token(client, APP_TOKEN)
    assert says in str(err.value) and "\n" not in str(err.value)
    assert APP_TOKEN not in str(err.value)
    [asked] = fake_slack.calls_to("apps.connections.open")
    assert asked.headers["Authorization"] == f"Bearer {APP_TOKEN}"  # the app token, not the bot's


async def test_the_right_token_opens_a_websocket_url_and_an_unreachable_slack_is_said(
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    fake_slack.app_token = APP_TOKEN
    url = await check_app_token(make_client(BOT_TOKEN, base_url=fake_slack.url), APP_TOKEN)
    assert url.startswith(fake_slack.root.replace("http://", "ws://") + "/link/")
    with pytest.raises(SlackSetupError, match="Slack could not be reached to open a Socket Mode"):
        await check_app_token(make_client(BOT_TOKEN, base_url=closed_port_url()), APP_TOKEN)


# --- `arcircle run` and `arcircle doctor`, as processes --------------------------------------


def squeeze(text: str) -> str:
    """Doctor's lines with the padding between label and message collapsed to one space."""
    return re.sub(r"(?m)^([✓✗!] \S+(?: \(\w+\))?) +", r"\1 ", text)


def socket_env(env: dict[str, str], fake: FakeSlack, app_token: str) -> dict[str, str]:  # noqa: F811
    Path(env["ARCIRCLE_CONFIG"]).write_text(
        TEST_CONFIG.replace("platforms:\n", "platforms:\n  slack: {enabled: true, mode: socket}\n")
        + "circle:\n  channels: {slack: C0CIRCLE}\n"
        + "digest:\n  channels: {console: '#ar-circle', slack: C0DIGEST}\n",
        encoding="utf-8",
    )
    return dict(env, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=app_token, SLACK_API_URL=fake.url)


@pytest.mark.parametrize(
    ("app_token", "says"),
    [
        (
            "xoxb-999-the-bot-token-again",
            "SLACK_APP_TOKEN is not an app-level token: it starts with xoxb-",
        ),
        ("xapp-1-A1-1700000000-revoked", "Slack rejected SLACK_APP_TOKEN (invalid_auth)"),
    ],
)
def test_arcircle_run_stops_with_one_line_on_a_wrong_app_token(
    env: dict[str, str],  # noqa: F811
    app_token: str,
    says: str,
) -> None:
    with FakeSlackThread(app_token=APP_TOKEN) as fake:
        out = arcircle(socket_env(env, fake, app_token), "run", "--no-sample", stdin="/ar help\n")
    assert out.returncode == 1
    [line] = [x for x in out.stderr.splitlines() if x.strip()]
    assert line.startswith("arcircle run: ") and says in line
    assert app_token not in out.stderr and "Traceback" not in out.stderr
    assert "Commands" not in out.stdout  # the console never started
    assert {c.method for c in fake.calls} <= {"auth.test", "apps.connections.open"}


def test_arcircle_run_stops_when_slack_lacks_the_scope(env: dict[str, str]) -> None:  # noqa: F811
    with FakeSlackThread(app_token=APP_TOKEN) as fake:
        fake.script(
            "apps.connections.open", Response.error("missing_scope", needed="connections:write")
        )
        out = arcircle(socket_env(env, fake, APP_TOKEN), "run", "--no-sample", stdin="")
    assert out.returncode == 1
    assert "SLACK_APP_TOKEN lacks the connections:write scope" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_doctor_asks_slack_about_both_tokens_and_the_scopes(env: dict[str, str]) -> None:  # noqa: F811
    with FakeSlackThread(app_token=APP_TOKEN) as fake:
        good = arcircle(socket_env(env, fake, APP_TOKEN), "doctor")
        assert "✓ slack (socket) SLACK_BOT_TOKEN works: bot user UBOT in T1" in squeeze(good.stdout)
        assert "✓ slack (socket) SLACK_APP_TOKEN opens a Socket Mode connection" in squeeze(
            good.stdout
        )
        wrong = arcircle(socket_env(env, fake, "xapp-1-A1-1-someone-elses"), "doctor")
        assert wrong.returncode == 1
        assert "✗ slack (socket) Slack rejected SLACK_APP_TOKEN (invalid_auth)" in squeeze(
            wrong.stdout
        )
        assert "someone-elses" not in wrong.stdout
        fake.scopes = [s for s in fake.scopes if s != "users:read"]
        scopes = arcircle(socket_env(env, fake, APP_TOKEN), "doctor")
        assert scopes.returncode == 1 and "the app lacks the scope(s) users:read" in scopes.stdout
        fake.scopes = list(SCOPES)
        # The digest's channel is asked about too: gone, or the bot not in it, is said.
        fake.missing_channels = {"C0DIGEST"}
        fake.outside = {"C0CIRCLE"}
        channels = squeeze(arcircle(socket_env(env, fake, APP_TOKEN), "doctor").stdout)
        assert "✗ slack (socket) digest.channels.slack C0DIGEST: channel_not_found" in channels
        assert "✗ slack (socket) circle.channels.slack C0CIRCLE: the bot is not in it" in channels
        fake.missing_channels, fake.outside = set(), set()
        fine = squeeze(arcircle(socket_env(env, fake, APP_TOKEN), "doctor").stdout)
        assert "✓ slack (socket) digest.channels.slack C0DIGEST: the bot is in it" in fine
        asked = len(fake.calls)
        offline = arcircle(socket_env(env, fake, APP_TOKEN), "doctor", "--offline")
        assert len(fake.calls) == asked and "SLACK_APP_TOKEN opens" not in offline.stdout


# --- a real Socket Mode session on loopback --------------------------------------------------


class Session:
    """serve_console (the console and Slack over Socket Mode) on a pipe, in this loop."""

    def __init__(self, world: World) -> None:
        self.world = world
        read, write = os.pipe()
        self.stdin = os.fdopen(read, encoding="utf-8")
        self._write = os.fdopen(write, "w", encoding="utf-8")
        self.out = io.StringIO()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        variables = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": self.world.fake.url,
        }
        self.task = asyncio.create_task(
            serve_console(
                self.world.rt, stdin=self.stdin, stdout=self.out, env=variables, socket_ping=0.2
            )
        )

    def type(self, line: str) -> None:
        self._write.write(line + "\n")
        self._write.flush()

    async def stop(self) -> None:
        if not self._write.closed:
            self._write.close()  # end of input: the console returns and everything stops
        assert self.task is not None
        await asyncio.wait_for(self.task, timeout=DEADLINE)
        self.stdin.close()


@pytest.fixture
def socket_world(fake_slack: FakeSlack, tmp_path: Path) -> World:  # noqa: F811
    fake_slack.app_token = APP_TOKEN
    return build_world(fake_slack, tmp_path, SOCKET)


def slash(text: str, user: str, hook: str, channel: str = CIRCLE) -> dict[str, Any]:
    return {
        "token": "verification_token",
        "team_id": "T1",
        "team_domain": "test",
        "channel_id": channel,
        "channel_name": "ar-circle",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/ar",
        "text": text,
        "api_app_id": "A1",
        "response_url": hook,
        "trigger_id": "1.2.3",
    }


async def test_a_real_socket_mode_session_serves_commands_events_and_clicks(
    socket_world: World,
) -> None:
    fake = socket_world.fake
    session = Session(socket_world)
    session.start()
    try:
        await fake.socket.wait_connected()
        # The start-up check's URL was the one used: Slack was asked once.
        assert len(fake.calls_to("apps.connections.open")) == 1

        hook = fake.response_url()
        envelope = await fake.socket.send("slash_commands", slash("overdue", "U2", hook))
        assert await fake.socket.ack(envelope) == {"envelope_id": envelope}
        [answer] = await fake.wait_for("response_url", timeout=DEADLINE)
        assert answer.body["response_type"] == "ephemeral"
        assert "Northwind" in json.dumps(answer.body, ensure_ascii=False)

        mention = json.loads(
            event_body("<@UBOT> what about Acme?", event_id="EvS1", ts="1710554400.1")
        )
        envelope = await fake.socket.send("events_api", mention)
        assert await fake.socket.ack(envelope) == {"envelope_id": envelope}
        await poll(
            lambda: [
                c
                for c in fake.calls_to("chat.postMessage")
                if c.body.get("thread_ts") == "1710554400.1"
            ],
            "the mention's answer in its thread",
        )

        click = action_payload("/ar case 1", user="U2", hook=fake.response_url())
        envelope = await fake.socket.send("interactive", click)
        await fake.socket.ack(envelope)
        await fake.wait_for("chat.postEphemeral", timeout=DEADLINE)

        # A malformed one is acknowledged (Slack would resend it) and goes no further.
        broken = dict(click, actions="not a list")
        envelope = await fake.socket.send("interactive", broken)
        assert await fake.socket.ack(envelope) == {"envelope_id": envelope}

        session.type("/ar help")
        await poll(lambda: "/ar overdue" in session.out.getvalue(), "the console answers")
    finally:
        await session.stop()
    assert fake.socket.open == []  # the connection was closed on the way out


async def test_a_connection_that_fails_for_good_is_one_line_and_the_console_keeps_going(
    socket_world: World, caplog: pytest.LogCaptureFixture
) -> None:
    fake = socket_world.fake
    session = Session(socket_world)
    session.start()
    try:
        await fake.socket.wait_connected()
        # The app-level token is revoked; Slack asks the client to reconnect.
        fake.app_token = "xapp-1-A1-1700000000-thenewone"
        await fake.socket.disconnect("refresh_requested")
        said = "Slack Socket Mode stopped: Slack rejected SLACK_APP_TOKEN (invalid_auth)"
        await poll(lambda: said in session.out.getvalue(), "the console told")
        session.type("/ar help")
        await poll(lambda: "/ar overdue" in session.out.getvalue(), "the console still answers")
    finally:
        await session.stop()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors if said in r.getMessage()] == [errors[0].getMessage()]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert not [r for r in caplog.records if r.exc_info]
    assert len(fake.calls_to("apps.connections.open")) == 2  # no retry loop after that answer


async def test_socket_mode_turned_off_in_the_app_settings_is_one_line(
    socket_world: World, caplog: pytest.LogCaptureFixture
) -> None:
    fake = socket_world.fake
    session = Session(socket_world)
    session.start()
    try:
        await fake.socket.wait_connected()
        await fake.socket.disconnect("link_disabled")
        await poll(lambda: "link_disabled" in session.out.getvalue(), "the console told")
    finally:
        await session.stop()
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert error.getMessage().startswith("Slack Socket Mode stopped: Socket Mode was turned off")
    assert len(fake.calls_to("apps.connections.open")) == 1  # no reconnecting to nothing
    assert fake.socket.open == []


async def test_a_passing_outage_is_one_line_and_the_session_comes_back(
    socket_world: World, caplog: pytest.LogCaptureFixture
) -> None:
    fake = socket_world.fake
    session = Session(socket_world)
    session.start()
    try:
        await fake.socket.wait_connected()
        caplog.clear()
        # Slack drops the connection and cannot hand out a new one for a while.
        fake.script("apps.connections.open", *[Response.server_error()] * 4)
        await fake.socket.close_all()
        await fake.socket.wait_connected(2, timeout=DEADLINE * 2)
    finally:
        await session.stop()
    assert len(fake.calls_to("apps.connections.open")) >= 5  # 1 at start, 4 refused, 1 good
    problems = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("arcircle.slack")
    ]
    assert problems, "the outage is in the log"
    assert not [r for r in caplog.records if r.exc_info]
    assert not [r for r in problems if "\n" in r.getMessage()]  # one line each
    messages = [r.getMessage().split("(")[0] for r in problems]
    assert len(messages) == len(set(messages)), messages  # each complaint once


async def test_run_refuses_to_start_in_process_too(socket_world: World) -> None:
    socket_world.fake.app_token = "xapp-1-A1-1700000000-theotherone"
    session = Session(socket_world)
    session.start()
    assert session.task is not None
    with pytest.raises(StartError, match=r"Slack rejected SLACK_APP_TOKEN \(invalid_auth\)"):
        await asyncio.wait_for(session.task, timeout=DEADLINE)
    assert socket_world.fake.socket.connects == 0

"""Feishu as `arcircle serve`, `run` and `doctor` see it: the plugin's environment by mode,
the callback mounted on the real server, the long connection handed Inbound.on_event, one
line when the app's credentials are refused, and doctor's checks against the fake."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from bot.adapters import registry
from bot.adapters.base import Services, SetupError
from bot.adapters.feishu import running as feishu_running
from bot.app import build_runtime, running_messengers, serve
from bot.kernel.clock import FakeClock
from bot.kernel.config import load_config
from bot.kernel.identity import Identities
from tests.fake_feishu import APP_ID, APP_SECRET, BOT_OPEN_ID, FakeFeishu
from tests.feishu_helpers import CONFIG, ENCRYPT_KEY, GROUP, NOW, TOKEN, rig
from tests.test_plugins import free_port
from tests.test_slack_inbound import DEADLINE

PLUGIN = registry.plugins()["feishu"]
ROBOTS = """\
    robots:
      "oc_alerts": {webhook: FEISHU_ROBOT_ALERTS, secret: FEISHU_ROBOT_SECRET}
"""


def config_of(tmp_path: Path, text: str = CONFIG) -> Any:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, env={})


def test_the_plugin_knows_its_environment_by_mode(tmp_path: Path) -> None:
    assert PLUGIN.title == "Feishu (飞书/Lark)"
    http = config_of(tmp_path)
    assert PLUGIN.takes_http(http) and running_messengers(http, "serve") == ("feishu",)
    assert running_messengers(http, "run") == ()
    assert PLUGIN.missing_env(http, {}) == [
        "FEISHU_APP_ID",
        "FEISHU_APP_SECRET",
        "FEISHU_VERIFICATION_TOKEN",
    ]
    ws = config_of(tmp_path, CONFIG.replace("mode: http", "mode: websocket"))
    assert not PLUGIN.takes_http(ws) and running_messengers(ws, "run") == ("feishu",)
    assert PLUGIN.missing_env(ws, {}) == ["FEISHU_APP_ID", "FEISHU_APP_SECRET"]
    robot = config_of(tmp_path, CONFIG.replace("mode: http", "mode: robot"))
    assert PLUGIN.missing_env(robot, {}) == []
    secret = {v.name for v in PLUGIN.env_vars() if v.secret}
    assert {"FEISHU_APP_SECRET", "FEISHU_ENCRYPT_KEY", "FEISHU_VERIFICATION_TOKEN"} <= secret
    assert "FEISHU_API_URL" not in secret


async def test_serve_mounts_the_callback(tmp_path: Path) -> None:
    config = config_of(tmp_path)
    clock = FakeClock(NOW)
    rt = build_runtime(config, clock, f"sqlite:///{tmp_path}/serve.db", platforms=("feishu",))
    async with FakeFeishu(
        encrypt_key=ENCRYPT_KEY, token=TOKEN, chats={GROUP}, now=int(NOW.timestamp())
    ) as feishu:
        env = {
            "FEISHU_APP_ID": APP_ID,
            "FEISHU_APP_SECRET": APP_SECRET,
            "FEISHU_VERIFICATION_TOKEN": TOKEN,
            "FEISHU_ENCRYPT_KEY": ENCRYPT_KEY,
            "FEISHU_API_URL": feishu.root,
        }
        port = free_port()
        task = asyncio.create_task(serve(rt, "serve", env=env, listen=("127.0.0.1", port)))
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as web:
                deadline = asyncio.get_running_loop().time() + DEADLINE
                while True:
                    try:
                        if (await web.get("/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    assert not task.done(), task.exception()
                    assert asyncio.get_running_loop().time() < deadline, "serve did not start"
                    await asyncio.sleep(0.02)
                assert (await web.get("/healthz")).json()["messengers"] == ["feishu"]
                body, headers = feishu.sealed(
                    {"challenge": "c-1", "token": TOKEN, "type": "url_verification"}
                )
                answer = await web.post("/feishu/events", content=body, headers=headers)
                assert answer.json() == {"challenge": "c-1"}
                body, headers = feishu.sealed(feishu.message("@_user_1 help", user_id="lina01"))
                assert (await web.post("/feishu/events", content=body, headers=headers)).is_success
                while not feishu.sent:
                    assert asyncio.get_running_loop().time() < deadline, "no answer"
                    await asyncio.sleep(0.02)
                assert "/ar" in feishu.sent[0].card_text()
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            rt.db.dispose()


async def test_refused_credentials_stop_the_messenger_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(SetupError) as err:
        async with rig(tmp_path, env={"FEISHU_APP_SECRET": "wrong-secret"}):
            pass
    text = str(err.value)
    assert "\n" not in text and "FEISHU_APP_SECRET" in text and "wrong-secret" not in text


async def test_http_mode_needs_the_verification_token(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match="FEISHU_VERIFICATION_TOKEN"):
        async with rig(tmp_path, env={"FEISHU_VERIFICATION_TOKEN": ""}):
            pass


async def test_start_learns_the_bot_open_id(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        assert r.messenger.inbound is not None
        assert r.messenger.inbound.bot_open_id == BOT_OPEN_ID


class FakeConnection:
    made: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, **kw: Any) -> None:
        FakeConnection.made.append(kw)
        self.closed = False

    async def run(self) -> None:
        return None

    async def close(self) -> None:
        self.closed = True


async def test_websocket_mode_hands_events_to_the_same_inbound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.adapters.feishu import ws

    monkeypatch.setattr(ws, "FeishuLongConnection", FakeConnection)
    FakeConnection.made.clear()
    config = config_of(tmp_path, CONFIG.replace("mode: http", "mode: websocket"))
    clock = FakeClock(NOW)
    rt = build_runtime(config, clock, f"sqlite:///{tmp_path}/ws.db", platforms=("feishu",))
    async with FakeFeishu(chats={GROUP}, now=int(NOW.timestamp())) as feishu:
        env = {
            "FEISHU_APP_ID": APP_ID,
            "FEISHU_APP_SECRET": APP_SECRET,
            "FEISHU_API_URL": feishu.root,
        }
        messenger = feishu_running.FeishuRunning(
            Services(
                router=rt.router,
                config=config,
                db=rt.db,
                clock=clock,
                env=env,
                identities=Identities(config),
                tuning={"feishu.ws_ping": 1.0},
            )
        )
        try:
            await messenger.start()
            assert messenger.routes() == ()
            conn = messenger.connection()
            assert conn is not None
            await conn
            [made] = FakeConnection.made
            assert made["app_id"] == APP_ID and made["base_url"] == feishu.root
            assert made["tuning"] == {"feishu.ws_ping": 1.0}
            assert messenger.inbound is not None
            assert made["on_event"] == messenger.inbound.on_event
            # An event as the long connection delivers it: answered through the API.
            answer = await made["on_event"](feishu.message("@_user_1 逾期", user_id="lina01"))
            assert answer is None
            await messenger.inbound.drain()
            assert feishu.sent and "Nothing is overdue" in feishu.sent[0].text
            # A card click: the toast is the return value.
            click = feishu.click({"ar": "/ar help"}, user_id="lina01", message_id="om_1")
            toast = await made["on_event"](click)
            assert toast is not None and "toast" in toast
        finally:
            await messenger.stop()
            rt.db.dispose()


async def test_doctor_offline_and_online(tmp_path: Path) -> None:
    config = config_of(
        tmp_path,
        CONFIG + ROBOTS,
    )
    offline = await PLUGIN.doctor(config, {"FEISHU_APP_ID": "x"}, online=False)
    texts = [f.text for f in offline]
    assert any(f.status == "warn" and "cli_" in f.text for f in offline)
    assert any(f.status == "warn" and "FEISHU_ENCRYPT_KEY" in f.text for f in offline)
    assert any(f.status == "fail" and "FEISHU_ROBOT_ALERTS" in f.text for f in offline), texts
    async with FakeFeishu(chats={GROUP}) as feishu:
        env = {
            "FEISHU_APP_ID": APP_ID,
            "FEISHU_APP_SECRET": APP_SECRET,
            "FEISHU_VERIFICATION_TOKEN": TOKEN,
            "FEISHU_ENCRYPT_KEY": ENCRYPT_KEY,
            "FEISHU_API_URL": feishu.root,
            "FEISHU_ROBOT_ALERTS": f"{feishu.root}/robot/alerts",
            "FEISHU_ROBOT_SECRET": "robot-secret",
        }
        good = await PLUGIN.doctor(config, env, online=True)
        assert all(f.status == "ok" for f in good), good
        assert any(f"the bot is in chat {GROUP}" in f.text for f in good)
        assert feishu.sent == [] and feishu.robot_posts == []  # doctor posts nothing
        feishu.chats.clear()
        outside = await PLUGIN.doctor(config, env, online=True)
        assert any(f.status == "fail" and "not in chat" in f.text for f in outside)
        refused = await PLUGIN.doctor(config, {**env, "FEISHU_APP_SECRET": "nope"}, online=True)
        fails = [f.text for f in refused if f.status == "fail"]
        assert fails and "tenant access token" in fails[0] and "nope" not in fails[0]


async def test_a_demo_clock_does_not_reach_event_ages(tmp_path: Path) -> None:
    """`arcircle run --clock-speed 60 --clock-start ...`: the business clock runs an hour a
    minute from another day, but Feishu stamps events by real time. Two real hours in (five
    business days later) an event created now is still answered, not dropped as 12 hours old."""
    async with rig(tmp_path, demo=(60.0, NOW - timedelta(days=3))) as r:
        r.clock.advance(timedelta(hours=2))
        r.feishu.now = int(r.clock.now().timestamp())
        sent = await r.say("@_user_1 help", user="lina01")
        assert sent, "the event was dropped"
        assert "/ar" in json.dumps(sent[-1].content, ensure_ascii=False)

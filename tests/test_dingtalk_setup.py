"""DingTalk as `arcircle serve`, `arcircle run` and `arcircle doctor` see it: the callback
mounted in http mode, Stream mode run by `run` and wired to the same inbound, the start
refused with one line for wrong credentials, `/ar whoami` for a DingTalk user, and doctor's
checks against the fake."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from bot.adapters import registry
from bot.adapters.base import Services, SetupError
from bot.adapters.dingtalk.running import DingtalkRunning
from bot.app import build_runtime, running_messengers, serve
from bot.kernel.clock import FakeClock
from bot.kernel.config import load_config
from bot.kernel.identity import Identities
from tests.dingtalk_helpers import APP_KEY, APP_SECRET, CONFIG, GROUP, NOW, rig
from tests.fake_dingtalk import FakeDingtalk
from tests.test_plugins import free_port
from tests.test_slack_inbound import DEADLINE

PLUGIN = registry.plugins()["dingtalk"]
STREAM = CONFIG.replace("mode: http", "mode: stream")
ROBOT = CONFIG.replace("mode: http", "mode: robot") + (
    f'    robots: {{"{GROUP}": {{webhook: DING_ROBOT_URL, secret: DING_ROBOT_SECRET}}}}\n'
)


def config_of(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, env={})


def test_modes_choose_serve_or_run_and_the_variables(tmp_path: Path) -> None:
    http = config_of(tmp_path, CONFIG)
    assert running_messengers(http, "serve") == ("dingtalk",)
    assert running_messengers(http, "run") == ()
    stream = config_of(tmp_path, STREAM)
    assert running_messengers(stream, "run") == ("dingtalk",)
    assert PLUGIN.missing_env(http, {}) == ["DINGTALK_APP_KEY", "DINGTALK_APP_SECRET"]
    assert PLUGIN.missing_env(config_of(tmp_path, ROBOT), {}) == []
    assert PLUGIN.title == "DingTalk (钉钉)"


async def test_serve_mounts_the_callback_and_answers(tmp_path: Path) -> None:
    config = config_of(tmp_path, CONFIG)
    rt = build_runtime(config, FakeClock(NOW), f"sqlite:///{tmp_path}/s.db", platforms=())
    async with FakeDingtalk(app_key=APP_KEY, app_secret=APP_SECRET, groups={GROUP}) as ding:
        env = {"DINGTALK_APP_KEY": APP_KEY, "DINGTALK_APP_SECRET": APP_SECRET}
        env["DINGTALK_API_URL"] = ding.root
        port = free_port()
        task = asyncio.create_task(serve(rt, "serve", env=env, listen=("127.0.0.1", port)))
        ding.now_ms = int(NOW.timestamp() * 1000)
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
                assert (await web.get("/healthz")).json()["messengers"] == ["dingtalk"]
                body = ding.message("help", user="lina02")
                answer = await web.post("/dingtalk/callback", json=body, headers=ding.headers())
                assert answer.status_code == 200
                assert "/ar" in ding.session_posts[0]["markdown"]["text"]
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            rt.db.dispose()


async def test_refused_credentials_stop_the_start_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match="DINGTALK_APP_KEY and DINGTALK_APP_SECRET") as info:
        async with rig(tmp_path, env={"DINGTALK_APP_SECRET": "wrong"}) as r:
            await r.messenger.start()
    assert "wrong" not in str(info.value) and "\n" not in str(info.value)


async def test_whoami_for_a_dingtalk_user(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        await r.say("我是谁", user="lina02", group=None)
        said = r.ding.session_posts[0]["markdown"]["text"]
        assert "li.na" in said and "dingtalk: lina02" in said


class FakeStream:
    """Stands in for bot.adapters.dingtalk.stream.DingtalkStream (another helper's)."""

    made: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, **kw: Any) -> None:
        self.kw = kw
        FakeStream.made.append(kw)

    async def run(self) -> None:
        body = self.kw["_message"]
        await self.kw["on_message"](body)

    async def close(self) -> None:
        return None


async def test_stream_mode_hands_messages_and_cards_to_the_same_inbound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.adapters.dingtalk.stream as stream_module

    monkeypatch.setattr(stream_module, "DingtalkStream", FakeStream)
    cfg = config_of(tmp_path, STREAM)
    rt = build_runtime(cfg, FakeClock(NOW), f"sqlite:///{tmp_path}/st.db", platforms=())
    async with FakeDingtalk(app_key=APP_KEY, app_secret=APP_SECRET, groups={GROUP}) as ding:
        ding.now_ms = int(NOW.timestamp() * 1000)
        services = Services(
            router=rt.router,
            config=cfg,
            db=rt.db,
            clock=rt.clock,
            env={
                "DINGTALK_APP_KEY": APP_KEY,
                "DINGTALK_APP_SECRET": APP_SECRET,
                "DINGTALK_API_URL": ding.root,
            },
            identities=Identities(cfg),
            tuning={"dingtalk.stream_ping": 1.0},
        )
        messenger = DingtalkRunning(services)
        try:
            assert messenger.routes() == ()
            await messenger.start()
            coroutine = messenger.connection()
            assert coroutine is not None
            [made] = FakeStream.made[-1:]
            assert made["base_url"] == ding.root and made["app_key"] == APP_KEY
            assert made["app_secret"] == APP_SECRET and made["tuning"] == services.tuning
            made["_message"] = ding.message("@arcircle 逾期", user="lina02", group=GROUP)
            await coroutine
            [answer] = ding.session_posts  # no ledger here: "nothing overdue", by webhook
            assert "overdue" in answer["markdown"]["text"]
            assert made["on_card"] == messenger.inbound.on_card  # type: ignore[union-attr]
        finally:
            await messenger.stop()
            rt.db.dispose()


async def test_doctor_offline_and_online(tmp_path: Path) -> None:
    config = config_of(
        tmp_path,
        CONFIG.replace(
            "liu.yang: {name: 刘洋, role: manager, dingtalk: liuyang04}",
            "liu.yang: {name: 刘洋, role: manager}",
        ),
    )
    offline = await PLUGIN.doctor(config, {"DINGTALK_APP_KEY": " spaced"}, online=False)
    assert any(f.status == "fail" and "DINGTALK_APP_KEY" in f.text for f in offline)
    async with FakeDingtalk(app_key=APP_KEY, app_secret=APP_SECRET, groups={GROUP}) as ding:
        env = {
            "DINGTALK_APP_KEY": APP_KEY,
            "DINGTALK_APP_SECRET": APP_SECRET,
            "DINGTALK_API_URL": ding.root,
        }
        good = await PLUGIN.doctor(config, env, online=True)
        assert any(f.status == "ok" and "access token" in f.text for f in good)
        assert any(f.status == "ok" and "robot is in the circle group" in f.text for f in good)
        assert ding.group_messages == [] and ding.cards == {}  # nothing posted
        wrong = await PLUGIN.doctor(config, {**env, "DINGTALK_APP_SECRET": "nope"}, online=True)
        assert any(f.status == "fail" and "DINGTALK_APP_SECRET" in f.text for f in wrong)
        assert all("nope" not in f.text for f in wrong)
        ding.groups.clear()
        missing = await PLUGIN.doctor(config, env, online=True)
        assert any(f.status == "fail" and "not in the circle group" in f.text for f in missing)
        # getBotListInGroup not served (404): not checked, a warning rather than a failure.
        ding.script("bots", 404, "NotFound")
        unknown = await PLUGIN.doctor(config, env, online=True)
        assert any(f.status == "warn" and "not checked" in f.text for f in unknown)
        assert not any(f.status == "fail" for f in unknown)
    robot = await PLUGIN.doctor(config_of(tmp_path, ROBOT), {}, online=False)
    assert any(f.status == "warn" and "DING_ROBOT_URL" in f.text for f in robot)


def test_doctor_names_people_without_a_dingtalk_id(tmp_path: Path) -> None:
    from bot.doctor import messenger_checks

    text = CONFIG.replace(
        "liu.yang: {name: 刘洋, role: manager, dingtalk: liuyang04}",
        "liu.yang: {name: 刘洋, role: manager}",
    )
    checks = messenger_checks(config_of(tmp_path, text), {}, online=False)
    said = [(c.status, c.detail) for c in checks]
    assert ("warn", "no dingtalk id for: liu.yang (they cannot be @mentioned there)") in said
    assert any(s == "fail" and "DINGTALK_APP_KEY" in t for s, t in said)


async def test_a_demo_clock_does_not_reach_signatures_or_expiry(tmp_path: Path) -> None:
    """`arcircle run --clock-speed 60 --clock-start ...`: the business clock runs an hour a
    minute from another day, but DingTalk signs and expires by real time. Two real hours in
    (five business days later) a callback signed now is still taken and answered through its
    still-valid sessionWebhook."""
    async with rig(tmp_path, demo=(60.0, NOW - timedelta(days=3))) as r:
        r.clock.advance(timedelta(hours=2))
        answer = await r.say("help", user="lina02")
        assert answer.status_code == 200
        assert r.ding.session_posts, "the answer did not reach the sessionWebhook"
        assert "/ar" in r.ding.session_posts[-1]["markdown"]["text"]

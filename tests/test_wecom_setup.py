"""WeCom as `arcircle serve` and `arcircle doctor` see it: the callback mounted with only the
smart robot's token and key, and doctor's checks of each piece (against the fake)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from bot.adapters import registry
from bot.app import build_runtime, running_messengers, serve
from bot.kernel.clock import FakeClock
from bot.kernel.config import load_config
from tests.fake_wecom import FakeWecom
from tests.test_plugins import free_port
from tests.test_slack_inbound import DEADLINE
from tests.wecom_helpers import AES_KEY, CONFIG, NOW, ROBOT_KEY, TOKEN

PLUGIN = registry.plugins()["wecom"]


async def test_serve_mounts_the_callback_with_only_token_and_key(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path, env={})
    assert running_messengers(config, "serve") == ("wecom",)
    assert running_messengers(config, "run") == ()
    env = {"WECOM_BOT_TOKEN": TOKEN, "WECOM_BOT_AES_KEY": AES_KEY}
    assert PLUGIN.missing_env(config, env) == []
    assert PLUGIN.missing_env(config, {}) == ["WECOM_BOT_TOKEN", "WECOM_BOT_AES_KEY"]
    clock = FakeClock(NOW)
    rt = build_runtime(config, clock, f"sqlite:///{tmp_path}/serve.db", platforms=("wecom",))
    port = free_port()
    task = asyncio.create_task(serve(rt, "serve", env=env, listen=("127.0.0.1", port)))
    sender = FakeWecom(token=TOKEN, aes_key=AES_KEY, now=int(NOW.timestamp()))
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
            assert (await web.get("/healthz")).json()["messengers"] == ["wecom"]
            echostr = sender.crypto.encrypt("5927782489")
            stamp = str(sender.now)
            params = {
                "msg_signature": sender.crypto.sign(TOKEN, stamp, "7", echostr),
                "timestamp": stamp,
                "nonce": "7",
                "echostr": echostr,
            }
            answer = await web.get("/wecom/callback", params=params)
            assert answer.status_code == 200 and answer.text == "5927782489"
            params, body = sender.text("help", user="LiNa")
            answer = await web.post("/wecom/callback", params=params, content=body)
            assert "/ar" in sender.open_reply(answer.json())["stream"]["content"]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        rt.db.dispose()


async def test_doctor_checks_keys_offline_and_the_robot_online(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path, env={})
    bad = await PLUGIN.doctor(
        config, {"WECOM_BOT_TOKEN": "tök en", "WECOM_BOT_AES_KEY": "tooshort"}, online=False
    )
    fails = [f.text for f in bad if f.status == "fail"]
    assert any("WECOM_BOT_TOKEN" in f for f in fails)
    assert any("WECOM_BOT_AES_KEY" in f and "43" in f for f in fails)
    assert any(f.status == "warn" and "WECOM_WEBHOOK_CIRCLE" in f.text for f in bad)
    async with FakeWecom(token=TOKEN, aes_key=AES_KEY, robot_keys={ROBOT_KEY}) as wecom:
        env = {
            "WECOM_BOT_TOKEN": TOKEN,
            "WECOM_BOT_AES_KEY": AES_KEY,
            "WECOM_API_URL": wecom.root,
            "WECOM_WEBHOOK_CIRCLE": ROBOT_KEY,
        }
        good = await PLUGIN.doctor(config, env, online=True)
        assert all(f.status == "ok" for f in good), good
        assert any("robot of #ar-circle answers" in f.text for f in good)
        assert wecom.robot_posts == []  # the probe posts nothing to the group
        revoked = await PLUGIN.doctor(config, {**env, "WECOM_WEBHOOK_CIRCLE": "old"}, online=True)
        assert any(f.status == "fail" and "93000" in f.text for f in revoked)
        assert all("old" not in f.text.split() for f in revoked)

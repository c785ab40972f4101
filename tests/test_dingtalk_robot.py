"""The custom robot (自定义机器人, `mode: robot`): alert-only posts through a signed webhook
against the fake, whose signature check is written from DingTalk's formula; the rate-limit
errcode retried, a refused signature parked with a hint, no URL or secret in logs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.adapters.dingtalk.sign import signed_webhook_url
from tests.dingtalk_helpers import CONFIG, GROUP, rig
from tests.test_dingtalk_outbound import put, rows, worker
from tests.test_slack_outbound import VirtualTime

ROBOT = CONFIG.replace("mode: http", "mode: robot") + (
    f'    robots: {{"{GROUP}": {{webhook: DING_ROBOT_URL, secret: DING_ROBOT_SECRET}}}}\n'
)
SECRET = "SEC0123456789abcdef"
ENV = {"DING_ROBOT_URL": "{root}/robot/send?access_token=rtok", "DING_ROBOT_SECRET": SECRET}


def test_the_webhook_signature_follows_the_documented_formula() -> None:
    # 自定义机器人安全设置 (加签): sign = urlEncode(base64(HmacSHA256(secret,
    # timestamp + "\n" + secret))), timestamp in milliseconds.
    now = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
    url = signed_webhook_url("https://oapi.dingtalk.com/robot/send?access_token=T", SECRET, now)
    query = parse_qs(urlsplit(url).query)
    stamp = query["timestamp"][0]
    assert stamp == "1773626400000"
    digest = hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    assert query["sign"][0] == base64.b64encode(digest).decode()
    assert query["access_token"] == ["T"]


async def test_robot_mode_posts_markdown_with_mentions_and_takes_nothing_in(
    tmp_path: Path,
) -> None:
    async with rig(tmp_path, config=ROBOT, env=ENV, robot_tokens={"rtok": SECRET}) as r:
        m = r.messenger
        assert m.routes() == () and m.connection() is None
        assert not m.capabilities.edit and not m.capabilities.direct_messages
        w = worker(r, VirtualTime(r.clock))
        put(r, "n1", "note", text="digest: 3 overdue")
        put(r, "e1", "escalation", text="")
        await w.run_once()
        note, escalation = r.ding.robot_posts
        assert note["markdown"]["text"] == "digest: 3 overdue"
        assert escalation["at"]["atUserIds"] == ["manager4220"]
        assert "@manager4220" in escalation["markdown"]["text"]
        assert r.ding.tokens_issued == 0  # no app in robot mode


async def test_send_too_fast_is_retried_and_a_bad_sign_parked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with rig(tmp_path, config=ROBOT, env=ENV, robot_tokens={"rtok": SECRET}) as r:
        vt = VirtualTime(r.clock)
        w = worker(r, vt)
        r.ding.script("robot", 130101)
        with caplog.at_level(logging.DEBUG):
            put(r, "n1", "note", text="first")
            await w.run_once()
            assert rows(r)[0].status == "pending"
            vt.advance(61)
            await w.run_once()
            assert [p["markdown"]["text"] for p in r.ding.robot_posts] == ["first"]
            r.ding.robot_tokens["rtok"] = "another-secret"  # the robot's secret was rotated
            put(r, "n2", "note", text="second")
            vt.advance(5)
            await w.run_once()
        parked = [row for row in rows(r) if row.status == "parked"]
        assert len(parked) == 1 and "310000" in (parked[0].last_error or "")
        assert "DING_ROBOT_SECRET" in (parked[0].last_error or "")
        assert SECRET not in caplog.text and "rtok" not in caplog.text
        assert SECRET not in (parked[0].last_error or "")


async def test_an_unknown_robot_token_is_parked_with_a_hint(tmp_path: Path) -> None:
    async with rig(tmp_path, config=ROBOT, env=ENV, robot_tokens={}) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "n1", "note", text="hello")
        await w.run_once()
        [row] = rows(r)
        assert row.status == "parked" and "300001" in (row.last_error or "")
        assert "DING_ROBOT_URL" in (row.last_error or "")
        r.clock.advance(timedelta(seconds=1))


async def test_robot_mode_sends_a_reminder_to_the_group_with_a_mention(tmp_path: Path) -> None:
    async with rig(tmp_path, config=ROBOT, env=ENV, robot_tokens={"rtok": SECRET}) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "p1", "predue", destination="@wang.wei", text="INV-1 falls due in 7 days")
        await w.run_once()
        [post] = r.ding.robot_posts
        assert post["markdown"]["text"] == "@manager4220 INV-1 falls due in 7 days"
        assert post["at"]["atUserIds"] == ["manager4220"]

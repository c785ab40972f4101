"""The custom group robot (`mode: robot`): signed posts to the fake, cards without callback
buttons, escalations with `<at user_id>`, its rate limit retried, a refused signature parked
with a hint that names neither the webhook address nor the secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path

from bot.adapters.feishu.crypto import robot_sign
from bot.kernel.capabilities import Capabilities, adapt
from bot.kernel.messages import Button, Card, Mention, Reply, RichText
from jobs.outbox import OutboxWorker
from storage import outbox as ob
from storage.outbox import OutRow
from tests.feishu_helpers import CONFIG, GROUP, Rig, rig
from tests.outbox_helpers import enqueue_row
from tests.outbox_helpers import outbox_rows as rows
from tests.test_slack_outbound import VirtualTime

ROBOT_CONFIG = CONFIG.replace("mode: http", "mode: robot") + (
    "    robots:\n"
    '      "oc_circle01": {webhook: FEISHU_ROBOT_CIRCLE, secret: FEISHU_ROBOT_SECRET}\n'
)
SECRET = "robot-secret-0001"


def test_robot_sign_matches_the_documented_formula() -> None:
    # Feishu "自定义机器人使用指南" › 签名校验: base64(HMAC-SHA256(key=timestamp+"\n"+secret,
    # msg=b"")), computed here by hand for timestamp 1599360473, secret "demo".
    key = b"1599360473\ndemo"
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert robot_sign("demo", 1599360473) == expected


def message(r: OutRow) -> Reply | None:
    if r.kind == "card":
        return Reply(
            card=Card(title="Case #1 · Northwind", buttons=(Button("Phrase", "/ar phrase 1"),)),
            ephemeral=False,
        )
    if r.kind == "card_update":
        full = Reply(text="case #1 (decided)", card=Card(title="Case #1"), ephemeral=False)
        return adapt(full, r.kind, CAPS[0])
    if r.kind == "escalation":
        return Reply(text=RichText("Case #1: ", Mention.person("wang.wei"), " please answer"))
    return Reply(text=r.payload["text"], ephemeral=False)


CAPS: list[Capabilities] = []  # the running messenger's capabilities, set by each test


def worker(r: Rig, vt: VirtualTime) -> OutboxWorker:
    CAPS[:] = [r.messenger.capabilities]
    return OutboxWorker(
        r.rt.db,
        r.clock,
        {"feishu": r.messenger.transport()},
        message,
        rates={"feishu": (5, timedelta(seconds=1))},
        monotonic=vt.monotonic,
        sleep=vt.sleep,
        send_timeout=5,
    )


def put(r: Rig, key: str, kind: str, **payload: str) -> None:
    enqueue_row(r, key, kind, GROUP, **payload)


async def test_robot_posts_are_signed_and_shaped(tmp_path: Path) -> None:
    async with rig(tmp_path, config=ROBOT_CONFIG, robot_secret=SECRET) as r:
        caps = r.messenger.capabilities
        assert not caps.edit and not caps.threads and not caps.direct_messages
        assert r.messenger.routes() == () and r.messenger.connection() is None
        w = worker(r, VirtualTime(r.clock))
        put(r, "c1", "card")
        put(r, "e1", "escalation")
        put(r, "u1", "card_update")
        await w.run_once()
        assert [row.status for row in rows(r)] == ["sent", "sent", "sent"]
        kinds = [body["msg_type"] for _, body in r.feishu.robot_posts]
        assert kinds == ["interactive", "text", "text"]
        card = r.feishu.robot_posts[0][1]
        shown = json.dumps(card, ensure_ascii=False)
        assert '"tag": "action"' not in shown  # no callback from a robot card
        assert "/ar phrase 1" in shown  # the command to type instead
        assert card["timestamp"] == str(int(r.clock.now().timestamp()))
        escalation = r.feishu.robot_posts[1][1]["content"]["text"]
        assert escalation == 'Case #1: <at user_id="wangwei01"></at> please answer'
        assert r.feishu.robot_posts[2][1]["content"]["text"] == "case #1 (decided)"
        assert r.feishu.sent == []  # nothing through the app


async def test_robot_rate_limit_waits_and_bad_sign_parks(tmp_path: Path) -> None:
    async with rig(tmp_path, config=ROBOT_CONFIG, robot_secret=SECRET) as r:
        vt = VirtualTime(r.clock)
        w = worker(r, vt)
        put(r, "n1", "note", text="hello")
        r.feishu.script("robot", 11232)
        await w.run_once()
        assert rows(r)[0].status == "pending"
        vt.advance(61)
        await w.run_once()
        assert rows(r)[0].status == "sent"
        # The robot's secret was changed in Feishu: 19021, the row parks with a hint.
        r.feishu.robots["circle"] = "a-new-secret"
        put(r, "n2", "note", text="again")
        await w.run_once()
        parked = [row for row in rows(r) if row.status == "parked"]
        assert len(parked) == 1
        error = parked[0].last_error or ""
        assert "19021" in error and "secret" in error
        assert SECRET not in error and r.feishu.root not in error


async def test_robot_without_its_variable_parks_naming_it(tmp_path: Path) -> None:
    async with rig(tmp_path, config=ROBOT_CONFIG) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "n1", "note", text="hello")
        await w.run_once()
        [row] = rows(r)
        assert row.status == "parked" and "FEISHU_ROBOT_CIRCLE" in (row.last_error or "")


async def test_a_direct_row_goes_to_the_group_robot_with_a_mention(tmp_path: Path) -> None:
    async with rig(tmp_path, config=ROBOT_CONFIG, robot_secret=SECRET) as r:
        w = worker(r, VirtualTime(r.clock))
        with r.rt.db.engine.begin() as conn:
            ob.enqueue(
                conn,
                key="p1",
                platform="feishu",
                destination="@wang.wei",
                kind="predue",
                payload={"text": "INV-1 falls due in 7 days"},
                now=r.clock.now(),
            )
        await w.run_once()
        [(name, body)] = r.feishu.robot_posts
        assert name == "circle"
        assert body["content"]["text"] == '<at user_id="wangwei01"></at> INV-1 falls due in 7 days'

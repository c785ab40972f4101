"""WeCom's outbound side through the real outbox worker against the fake: the robot's 45009
(retried after the pause) and 93000 (parked with a hint, the key never shown), card updates
as a short follow-up, pre-due reminders through the app (token refresh) or the group with a
mention, and markdown split by bytes."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.base import SetupError
from bot.adapters.wecom import render
from bot.kernel.messages import Card, Mention, Reply, RichText
from jobs.outbox import OutboxWorker
from storage.outbox import OutRow
from tests.outbox_helpers import enqueue_row
from tests.outbox_helpers import outbox_rows as all_rows
from tests.test_slack_outbound import VirtualTime
from tests.wecom_helpers import ROBOT_KEY, Rig, rig

CHANNEL = "#ar-circle"


def message(r: OutRow) -> Reply | None:
    if r.kind == "card_update":
        return Reply(
            text=r.payload["text"], card=Card(title="Case #1 · whole card"), ephemeral=False
        )
    if r.kind == "escalation":
        return Reply(text=RichText("Case #1: ", Mention.person("wang.wei"), " please answer"))
    return Reply(text=r.payload["text"], ephemeral=False)


def worker(r: Rig, vt: VirtualTime) -> OutboxWorker:
    return OutboxWorker(
        r.rt.db,
        r.clock,
        {"wecom": r.messenger.transport()},
        message,
        rates={"wecom": (20, timedelta(minutes=1))},
        monotonic=vt.monotonic,
        sleep=vt.sleep,
        send_timeout=5,
    )


def put(r: Rig, key: str, kind: str, destination: str = CHANNEL, **payload: str) -> None:
    enqueue_row(r, key, kind, destination, **payload)


async def test_45009_waits_a_minute_then_sends(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        vt = VirtualTime(r.clock)
        w = worker(r, vt)
        put(r, "n1", "note", text="first")
        r.wecom.script("robot", 45009)
        await w.run_once()
        [row] = all_rows(r)
        assert row.status == "pending" and r.wecom.robot_posts == []
        vt.advance(61)
        await w.run_once()
        assert [row.status for row in all_rows(r)] == ["sent"]
        assert r.wecom.markdown_posts() == ["first"]


async def test_93000_parks_with_a_hint_and_no_key(tmp_path: Path) -> None:
    async with rig(tmp_path, env={"WECOM_WEBHOOK_CIRCLE": "revoked-key"}) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "n1", "note", text="hello")
        await w.run_once()
        [row] = all_rows(r)
        assert row.status == "parked"
        assert row.last_error is not None and "93000" in row.last_error
        assert "platforms.wecom.webhooks" in row.last_error
        assert "revoked-key" not in row.last_error and ROBOT_KEY not in row.last_error


async def test_card_update_is_a_follow_up_and_escalation_mentions_by_id(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "u1", "card_update", text="Case #1: finance answered")
        put(r, "e1", "escalation", text="")
        await w.run_once()
        assert r.wecom.markdown_posts() == ["Case #1: finance answered"]
        # The escalation notifies the lead by WeCom id: text with mentioned_list.
        assert r.wecom.text_posts() == [
            {"content": "Case #1: @王伟 please answer", "mentioned_list": ["WangWei"]}
        ]


async def test_predue_goes_through_the_app_and_refreshes_an_expired_token(tmp_path: Path) -> None:
    app_env = {
        "WECOM_CORP_ID": "ww-test",
        "WECOM_AGENT_ID": "1000002",
        "WECOM_APP_SECRET": "app-secret",
    }
    async with rig(tmp_path, env=app_env) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "p1", "predue", destination="@wang.wei", text="INV-1 falls due in 7 days")
        await w.run_once()
        put(r, "p2", "predue", destination="@wang.wei", text="INV-2 falls due in 7 days")
        r.wecom.expire_tokens()
        await w.run_once()
        assert [m["touser"] for m in r.wecom.app_messages] == ["WangWei", "WangWei"]
        assert r.wecom.app_messages[0]["agentid"] == 1000002
        assert r.wecom.tokens_issued == 2  # cached once, fetched again after 42001
        assert r.wecom.robot_posts == []


async def test_predue_without_an_app_goes_to_the_group_with_a_mention(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "p1", "predue", destination="@wang.wei", text="INV-1 falls due in 7 days")
        await w.run_once()
        assert r.wecom.markdown_posts() == ["<@WangWei> INV-1 falls due in 7 days"]


async def test_a_long_message_goes_out_in_pieces_under_4096_bytes(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        w = worker(r, VirtualTime(r.clock))
        text = "\n".join(f"第{i}行 逾期发票 Northwind Trading ¥1,000.00" for i in range(300))
        put(r, "n1", "note", text=text)
        await w.run_once()
        posts = r.wecom.markdown_posts()
        assert len(posts) > 1 and all(len(p.encode()) <= 4096 for p in posts)
        assert "\n".join(posts) == text


# --- splitting by bytes -----------------------------------------------------------------------

MENTION = re.compile(r"<@[A-Za-z0-9_.@-]+>")
words = st.one_of(
    st.text(alphabet="a中文ü€😀 *", min_size=1, max_size=12),
    st.sampled_from(["<@WangWei>", "<@li.na>", "\n"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(words, min_size=1, max_size=120), st.integers(min_value=40, max_value=300))
def test_split_keeps_bytes_characters_and_mentions(parts: list[str], limit: int) -> None:
    text = "".join(parts)
    pieces = render.split(text, limit)
    assert all(len(p.encode("utf-8")) <= limit for p in pieces)
    # Nothing lost (line ends where it was cut and blank lines aside), nothing broken.
    assert re.sub(r"\s", "", "".join(pieces)) == re.sub(r"\s", "", text)
    assert sorted(m for p in pieces for m in MENTION.findall(p)) == sorted(MENTION.findall(text))


def test_renderer_mentions_only_by_id_and_escapes_text() -> None:
    from tests.wecom_helpers import CONFIG  # noqa: F401 (the names the config gives)

    names = {Mention.person("wang.wei"): "<@WangWei>"}
    md = render.text_md(RichText("<@evil> ", Mention.person("wang.wei")), names.__getitem__)
    assert md == "＜@evil＞ <@WangWei>"


async def test_no_robot_key_reaches_the_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with rig(tmp_path) as r:
        vt = VirtualTime(r.clock)
        w = worker(r, vt)
        put(r, "n1", "note", text="hello")
        r.wecom.script("robot", 45009)
        with caplog.at_level(logging.DEBUG):
            await w.run_once()
            vt.advance(120)
            await w.run_once()
        assert r.wecom.markdown_posts() == ["hello"]
        assert ROBOT_KEY not in caplog.text


async def test_a_malformed_aes_key_stops_the_messenger_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match="WECOM_BOT_AES_KEY: the EncodingAESKey must be 43"):
        async with rig(tmp_path, env={"WECOM_BOT_AES_KEY": "short"}):
            pass

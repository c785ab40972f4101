"""DingTalk's outbound side through the real outbox worker against the fake: the rate-limit
answer retried after the pause, a permanent error parked with a hint, the access token
cached and refreshed, cards sent then updated in place by their id, escalations that
@mention by DingTalk userId, reminders one to one."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.dingtalk import cards
from bot.kernel.messages import Button, Card, Mention, Reply, RichText
from jobs.outbox import OutboxWorker
from storage.outbox import OutRow
from tests.dingtalk_helpers import APP_SECRET, GROUP, Rig, rig
from tests.outbox_helpers import enqueue_row
from tests.outbox_helpers import outbox_rows as rows
from tests.test_slack_outbound import VirtualTime


def message(row: OutRow) -> Reply | None:
    if row.kind in ("card", "card_update"):
        return Reply(
            text=None,
            card=Card(
                title=f"Case #1 · {row.payload['text']}",
                buttons=(Button("Phrase", "/ar phrase 1"), Button("Input", "/ar input 1 x <t>")),
            ),
            ephemeral=False,
        )
    if row.kind == "escalation":
        return Reply(text=RichText("Case #1: ", Mention.person("wang.wei"), " please answer"))
    return Reply(text=row.payload["text"], ephemeral=False)


def worker(r: Rig, vt: VirtualTime) -> OutboxWorker:
    return OutboxWorker(
        r.rt.db,
        r.clock,
        {"dingtalk": r.messenger.transport()},
        message,
        rates={"dingtalk": (20, timedelta(minutes=1))},
        monotonic=vt.monotonic,
        sleep=vt.sleep,
        send_timeout=5,
    )


def put(r: Rig, key: str, kind: str, destination: str = GROUP, **payload: str) -> None:
    ref_key = "case:1" if kind.startswith("card") else None
    enqueue_row(r, key, kind, destination, ref_key=ref_key, **payload)


@pytest.mark.parametrize(
    ("status", "code"),
    [(429, "Throttling"), (403, "Forbidden.AccessDenied.QpsLimitForApi")],
    ids=["http-429", "qps-limit"],
)
async def test_the_rate_limit_answer_is_retried_after_the_pause(
    tmp_path: Path, status: int, code: str
) -> None:
    async with rig(tmp_path) as r:
        vt = VirtualTime(r.clock)
        w = worker(r, vt)
        put(r, "n1", "note", text="first")
        r.ding.script("group", status, code)
        await w.run_once()
        [row] = rows(r)
        assert row.status == "pending" and r.ding.group_messages == []
        vt.advance(61)
        await w.run_once()
        assert [row.status for row in rows(r)] == ["sent"]
        assert r.ding.texts() == ["first"]


async def test_a_server_error_is_retried(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        vt = VirtualTime(r.clock)
        w = worker(r, vt)
        put(r, "n1", "note", text="first")
        r.ding.script("group", 503, "ServiceUnavailable")
        await w.run_once()
        assert rows(r)[0].status == "pending"
        vt.advance(600)
        await w.run_once()
        assert r.ding.texts() == ["first"]


async def test_the_robot_not_in_the_group_is_parked_with_a_hint(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "n1", "note", destination="cidNotOurs==", text="hello")
        await w.run_once()
        [row] = rows(r)
        assert row.status == "parked" and row.last_error is not None
        assert "openConversationId" in row.last_error
        assert "circle.channels.dingtalk" in row.last_error
        assert "tok-" not in row.last_error and APP_SECRET not in row.last_error


async def test_the_token_is_cached_and_refreshed_once_when_refused(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        vt = VirtualTime(r.clock)
        w = worker(r, vt)
        put(r, "n1", "note", text="one")
        put(r, "n2", "note", text="two")
        await w.run_once()
        assert r.ding.tokens_issued == 1  # one token for both
        r.ding.expire_tokens()
        put(r, "n3", "note", text="three")
        await w.run_once()
        assert r.ding.tokens_issued == 2  # refused once, fetched again, sent
        vt.advance(7200)  # near expiry by our clock: replaced before it is refused
        put(r, "n4", "note", text="four")
        await w.run_once()
        assert r.ding.tokens_issued == 3
        assert r.ding.texts() == ["one", "two", "three", "four"]
        assert r.ding.calls.count("group") == 5  # one 401, no more


async def test_a_card_is_sent_then_updated_in_place(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "c1", "card", text="open")
        await w.run_once()
        [card_id] = r.ding.cards
        assert card_id.startswith(cards.CIRCLE_PREFIX)
        assert [row.message_ref for row in rows(r)] == [card_id]
        [button] = r.ding.buttons(card_id)  # the input needs typing: shown, not a button
        assert cards.command_of(button["id"]) == "/ar phrase 1"
        assert "/ar input 1 x ＜t＞" in r.ding.card_text(card_id)
        put(r, "c2", "card_update", text="decided")
        await w.run_once()
        assert list(r.ding.cards) == [card_id] and r.ding.cards[card_id].updates == 1
        assert "Case #1 · decided" in r.ding.card_text(card_id)
        assert r.ding.group_messages == []


async def test_an_escalation_mentions_by_dingtalk_user_id(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "e1", "escalation", text="")
        await w.run_once()
        [card] = r.ding.cards.values()
        assert card.at == [{"nickName": "王伟", "userId": "manager4220"}]
        assert "Case #1: @王伟 please answer" in r.ding.card_text(next(iter(r.ding.cards)))


async def test_an_escalation_goes_through_the_custom_robot_when_the_group_has_one(
    tmp_path: Path,
) -> None:
    from tests.dingtalk_helpers import CONFIG

    config = CONFIG + (
        f'    robots: {{"{GROUP}": {{webhook: DING_ROBOT_URL, secret: DING_ROBOT_SECRET}}}}\n'
    )
    env = {"DING_ROBOT_SECRET": "SECrobot", "DING_ROBOT_URL": "{root}/robot/send?access_token=rtok"}
    async with rig(tmp_path, config=config, robot_tokens={"rtok": "SECrobot"}, env=env) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "e1", "escalation", text="")
        await w.run_once()
        [post] = r.ding.robot_posts
        assert post["at"]["atUserIds"] == ["manager4220"]
        assert "@manager4220" in post["markdown"]["text"]
        assert r.ding.cards == {}


async def test_a_reminder_goes_one_to_one_to_the_owner(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "p1", "predue", destination="@wang.wei", text="INV-1 falls due in 7 days")
        await w.run_once()
        [sent] = r.ding.direct_messages
        assert sent["userIds"] == ["manager4220"]
        assert sent["msgParam"]["text"] == "INV-1 falls due in 7 days"
        assert r.ding.group_messages == []


async def test_a_reminder_to_someone_without_a_dingtalk_id_is_parked(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "p1", "predue", destination="@nobody", text="INV-1 falls due")
        await w.run_once()
        [row] = rows(r)
        assert row.status == "parked" and "people.nobody.dingtalk" in (row.last_error or "")


async def test_a_reminder_to_an_id_dingtalk_does_not_know_is_parked(tmp_path: Path) -> None:
    # batchSend answers 200 and names the userId in invalidStaffIdList: not delivered.
    async with rig(tmp_path) as r:
        r.ding.users.discard("manager4220")
        w = worker(r, VirtualTime(r.clock))
        put(r, "p1", "predue", destination="@wang.wei", text="INV-1 falls due")
        await w.run_once()
        [row] = rows(r)
        assert row.status == "parked" and "userId" in (row.last_error or "")
        assert r.ding.direct_messages == []


async def test_no_token_reaches_the_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with rig(tmp_path) as r:
        vt = VirtualTime(r.clock)
        w = worker(r, vt)
        with caplog.at_level(logging.DEBUG):
            await r.say("@arcircle help", user="lina02")
            put(r, "n1", "note", text="hello")
            r.ding.expire_tokens()
            await w.run_once()
        assert "tok-1" not in caplog.text and "tok-2" not in caplog.text
        assert "session=sess" not in caplog.text and APP_SECRET not in caplog.text


async def test_a_card_that_cannot_be_updated_is_sent_anew(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "c1", "card", text="open")
        await w.run_once()
        [first] = r.ding.cards
        del r.ding.cards[first]  # gone on DingTalk's side
        put(r, "c2", "card_update", text="answered")
        await w.run_once()
        [second] = r.ding.cards
        assert second != first and "answered" in r.ding.card_text(second)
        put(r, "c3", "card_update", text="decided")
        await w.run_once()
        assert list(r.ding.cards) == [second] and r.ding.cards[second].updates == 1
        assert [row.status for row in rows(r)] == ["sent", "sent", "sent"]

"""Feishu's outbound side through the real outbox worker against the fake: rate limits
(HTTP 429, 230020) retried after the pause, permanent errors (bot not in chat) parked with a
hint, the tenant token cached and refreshed, cards edited in place, escalations mentioning by
Feishu id, direct messages by user_id/open_id, cards kept under 30 KB, markup escaped."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.feishu import render
from bot.adapters.feishu.api import FeishuApi
from bot.kernel.config import load_config
from bot.kernel.identity import Identities
from bot.kernel.messages import (
    Button,
    Card,
    Mention,
    PermanentError,
    Reply,
    RichText,
    Section,
    Table,
)
from jobs.outbox import OutboxWorker
from storage.outbox import OutRow
from tests.fake_feishu import APP_SECRET
from tests.feishu_helpers import CONFIG, ENCRYPT_KEY, GROUP, Rig, rig
from tests.outbox_helpers import enqueue_row
from tests.outbox_helpers import outbox_rows as all_rows
from tests.test_slack_outbound import VirtualTime


def message(r: OutRow) -> Reply | None:
    if r.kind in ("card", "card_update"):
        return Reply(
            card=Card(title=f"Case #1 · {r.payload['text']}", subtitle="Northwind"),
            ephemeral=False,
        )
    if r.kind == "escalation":
        return Reply(text=RichText("Case #1: ", Mention.person("wang.wei"), " please answer"))
    return Reply(text=r.payload["text"], ephemeral=False)


def worker(r: Rig, vt: VirtualTime) -> OutboxWorker:
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


def put(r: Rig, key: str, kind: str, destination: str = GROUP, **payload: str) -> None:
    enqueue_row(r, key, kind, destination, **payload)


@pytest.mark.parametrize("code", [429, 230020, 11232, 99991400])
async def test_rate_limits_wait_then_send(tmp_path: Path, code: int) -> None:
    async with rig(tmp_path) as r:
        vt = VirtualTime(r.clock)
        w = worker(r, vt)
        put(r, "n1", "note", text="first")
        r.feishu.script("send", code)
        await w.run_once()
        [row] = all_rows(r)
        assert row.status == "pending" and r.feishu.sent == []
        vt.advance(3)
        await w.run_once()
        assert [row.status for row in all_rows(r)] == ["sent"]
        assert [s.text for s in r.feishu.texts()] == ["first"]


async def test_a_5xx_is_retried(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        vt = VirtualTime(r.clock)
        w = worker(r, vt)
        put(r, "n1", "note", text="hello")
        r.feishu.script("send", 502)
        await w.run_once()
        assert all_rows(r)[0].status == "pending"
        vt.advance(30)
        await w.run_once()
        assert all_rows(r)[0].status == "sent"


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        (230002, "add the app's bot to the group"),
        (99991672, "im:message:send_as_bot"),
        (230027, "no permission"),
    ],
)
async def test_permanent_errors_park_with_a_hint(tmp_path: Path, code: int, hint: str) -> None:
    async with rig(tmp_path) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "n1", "note", text="hello")
        r.feishu.script("send", code)
        await w.run_once()
        [row] = all_rows(r)
        assert row.status == "parked"
        assert row.last_error is not None and str(code) in row.last_error
        assert hint in row.last_error
        assert APP_SECRET not in row.last_error and "t-1" not in row.last_error


async def test_a_chat_the_bot_is_not_in_parks(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "n1", "note", destination="oc_elsewhere", text="hello")
        await w.run_once()
        [row] = all_rows(r)
        assert row.status == "parked" and "230002" in (row.last_error or "")


async def test_the_tenant_token_is_cached_and_refreshed(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        w = worker(r, VirtualTime(r.clock))
        issued = r.feishu.tokens_issued  # start() fetched one
        for n in range(3):
            put(r, f"n{n}", "note", text=f"note {n}")
        await w.run_once()
        assert r.feishu.tokens_issued == issued  # cached
        # Feishu says the token is no longer valid: one new token, the message still goes.
        r.feishu.expire_tokens()
        put(r, "n9", "note", text="after expiry")
        await w.run_once()
        assert r.feishu.tokens_issued == issued + 1
        assert r.feishu.texts()[-1].text == "after expiry"
        # Shortly before the 2 hours are over, a new one without being asked.
        r.clock.advance(timedelta(seconds=7200 - 200))
        put(r, "n10", "note", text="later")
        await w.run_once()
        assert r.feishu.tokens_issued == issued + 2


async def test_a_card_is_posted_then_edited_in_place(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        transport = r.messenger.transport()
        row = _row("card", GROUP)
        mid = await transport.deliver(
            row, message(row) or Reply(), update_ref=None, thread_ref=None
        )
        assert mid is not None and r.feishu.by_id(mid) is not None
        update = _row("card_update", GROUP, text="decided")
        again = await transport.deliver(
            update, message(update) or Reply(), update_ref=mid, thread_ref=None
        )
        assert again == mid
        assert len(r.feishu.cards()) == 1  # not reposted
        [(patched, card)] = r.feishu.patches
        assert patched == mid and "decided" in json.dumps(card, ensure_ascii=False)
        assert card["config"]["update_multi"] is True
        # A row about the card replies in its thread.
        note = _row("note", GROUP, text="a note")
        await transport.deliver(note, message(note) or Reply(), update_ref=None, thread_ref=mid)
        last = r.feishu.sent[-1]
        assert last.reply_to == mid and last.in_thread


async def test_escalation_mentions_by_feishu_user_id(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "e1", "escalation", text="")
        await w.run_once()
        [sent] = r.feishu.texts()
        assert sent.text == 'Case #1: <at user_id="wangwei01"></at> please answer'


async def test_direct_messages_go_by_user_id_or_open_id(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        w = worker(r, VirtualTime(r.clock))
        put(r, "p1", "predue", destination="@wang.wei", text="INV-1 falls due in 7 days")
        put(r, "p2", "predue", destination="@tom.baker", text="INV-3 falls due in 7 days")
        await w.run_once()
        got = sorted((s.receive_id_type, s.receive_id, s.text) for s in r.feishu.texts())
        assert got == [
            ("open_id", "ou_tom0000000001", "INV-3 falls due in 7 days"),
            ("user_id", "wangwei01", "INV-1 falls due in 7 days"),
        ]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_files_are_uploaded_then_posted(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        chart = tmp_path / "chart.png"
        chart.write_bytes(PNG)
        export = tmp_path / "overdue.csv"
        export.write_bytes(b"invoice,amount\nINV-1,1000\n")
        transport = r.messenger.transport()
        reply = Reply(text="Aging", attachments=(str(chart), str(export)), ephemeral=False)
        note = _row("note", GROUP)
        await transport.deliver(note, reply, update_ref=None, thread_ref="om_card")
        kinds = [(s.msg_type, s.reply_to) for s in r.feishu.sent]
        assert kinds == [("image", "om_card"), ("file", "om_card"), ("text", "om_card")]
        image_key = r.feishu.sent[0].content["image_key"]
        assert r.feishu.uploads[image_key] == ("chart.png", PNG)
        file_key = r.feishu.sent[1].content["file_key"]
        assert r.feishu.uploads[file_key][0] == "overdue.csv"
        # To one person: the files come to them, not to the group.
        direct = _row("predue", "@wang.wei")
        await transport.deliver(direct, reply, update_ref=None, thread_ref=None)
        assert [(s.msg_type, s.receive_id) for s in r.feishu.sent[3:]] == [
            ("image", "wangwei01"),
            ("file", "wangwei01"),
            ("text", "wangwei01"),
        ]
        # A missing file: nothing sent, the row parks.
        before = len(r.feishu.sent)
        missing = Reply(text="x", attachments=(str(tmp_path / "gone.png"),))
        with pytest.raises(PermanentError, match=r"gone\.png is missing"):
            await transport.deliver(note, missing, update_ref=None, thread_ref=None)
        assert len(r.feishu.sent) == before


def _row(kind: str, destination: str, **payload: str) -> OutRow:
    from datetime import UTC, datetime

    now = datetime(2026, 3, 16, tzinfo=UTC)
    return OutRow(
        id=1,
        key="k",
        platform="feishu",
        destination=destination,
        kind=kind,
        payload={"text": "open", **payload},
        ref_key=None,
        case_id=1,
        attempts=0,
        status="pending",
        next_attempt_at=now,
        last_error=None,
        created_at=now,
        sent_at=None,
        message_ref=None,
    )


async def test_no_secret_or_token_reaches_the_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with rig(tmp_path) as r:
        vt = VirtualTime(r.clock)
        w = worker(r, vt)
        with caplog.at_level(logging.DEBUG):
            put(r, "n1", "note", text="hello")
            r.feishu.script("send", 429, 230002)
            await w.run_once()
            vt.advance(5)
            await w.run_once()
        for secret in (APP_SECRET, ENCRYPT_KEY, "t-1", "Bearer"):
            assert secret not in caplog.text


# --- the renderer -----------------------------------------------------------------------------


def _names(tmp_path: Path, *, card: bool) -> render.Names:
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    cfg = load_config(path, env={})
    return render.mentions(cfg, Identities(cfg), card=card)


def test_card_markdown_escapes_outside_text(tmp_path: Path) -> None:
    names = _names(tmp_path, card=True)
    md = render.rich_md(
        RichText("<at id=all></at> [x](http://e.vil) **b** ", Mention.person("li.na")), names
    )
    assert "<at id=all>" not in md and "[x](" not in md and "**b**" not in md
    assert md.endswith("<at id=lina01></at>")


def test_a_table_in_a_card_is_one_line_a_row(tmp_path: Path) -> None:
    """Card markdown is set in a proportional font: a row is one line, its values in the
    header's order, a blank cell kept as a place; outside text stays inert."""
    table = Table(
        ("#", "Customer", "Outstanding", "Owner"),
        (("1", "Northwind Trading", "CN¥1,000.00", "王伟"), ("2", "**x** [a](http://e)", "9", "")),
    )
    card = render.card_json(
        Card("Overdue", sections=(Section(table=table),)), _names(tmp_path, card=True)
    )
    shown = json.dumps(card, ensure_ascii=False)
    assert "1 · Northwind Trading · CN¥1,000.00 · 王伟" in shown
    assert "Customer · Outstanding · Owner" in shown
    assert " · 9 · —" in shown and "[a](" not in shown and "**x**" not in shown


def test_text_messages_escape_at_tags(tmp_path: Path) -> None:
    names = _names(tmp_path, card=False)
    text = render.rich_text(RichText('<at user_id="all"></at> hi ', Mention.person("li.na")), names)
    assert text == '＜at user_id="all"＞＜/at＞ hi <at user_id="lina01"></at>'


def test_buttons_carry_their_command_or_form(tmp_path: Path) -> None:
    from bot.kernel.forms import FormRef

    names = _names(tmp_path, card=True)
    card = Card(
        title="Case #1",
        buttons=(
            Button("Phrase", "/ar phrase 1"),
            Button.asking("Answer", FormRef("input", ("1", "finance"), ("<text>",))),
            Button("Broken", "/ar input 1 <text>"),
        ),
    )
    out = render.card_json(card, names)
    actions = next(e for e in out["elements"] if e["tag"] == "action")["actions"]
    assert [a["value"] for a in actions] == [
        {"ar": "/ar phrase 1"},
        {"ar_form": "input 1 finance"},
    ]
    assert "/ar input 1 ＜text＞" in json.dumps(out, ensure_ascii=False)  # to type
    assert render.command_of({"ar": "/ar phrase 1"}) == "/ar phrase 1"
    assert render.command_of({"ar": "phrase 1"}) is None
    # A robot's card has no callback: every button is a command to type.
    robot = json.dumps(render.card_json(card, names, buttons=False), ensure_ascii=False)
    assert '"action"' not in robot
    assert "/ar phrase 1" in robot and "/ar input 1 finance ＜text＞" in robot


def test_a_huge_card_is_trimmed_under_30_kb(tmp_path: Path) -> None:
    names = _names(tmp_path, card=True)
    rows = "\n".join(f"INV-{i} 逾期 Northwind Trading ¥1,000.00" for i in range(3000))
    reply = Reply(card=Card(title="Big", sections=(Section(text=rows),)))
    out = render.reply_card(reply, names, "en")
    assert render.size(out) <= render.CARD_LIMIT
    assert "Shortened to fit a Feishu card" in json.dumps(out, ensure_ascii=False)


async def test_the_api_never_puts_the_token_in_an_error(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        api = r.messenger.api
        assert isinstance(api, FeishuApi)
        r.feishu.script("send", 230099)
        with pytest.raises(Exception) as err:
            await api.send("chat_id", GROUP, "text", {"text": "x"})
        assert "t-1" not in str(err.value) and "230099" in str(err.value)

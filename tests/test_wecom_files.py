"""Files on WeCom, through the groups' message-push robots: a chart as an image message (base64
and the md5 of the raw bytes), any other file uploaded (upload_media) and posted by media_id,
byte for byte; from the outbox and from an answer to a command. Where no robot can carry them
(a direct message, a chat without a robot) the files' fallback is shown instead."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.adapters.wecom.transport import WecomTransport
from bot.kernel.messages import Card, DeliveryError, Reply, RetryAfter, Section, Table
from storage.outbox import OutRow
from tests.wecom_helpers import CONFIG, GROUP, ROBOT_KEY, rig

CHANNEL = "#ar-circle"
FALLBACK = Section(
    title="Receivables · CNY (the chart's figures)",
    table=Table(("Date", "Overdue"), (("03-16", "1.2M"),)),
)


def _png(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (1080, 1700), (30, 90, 200)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _row(destination: str, kind: str = "digest") -> OutRow:
    now = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
    return OutRow(
        1, "k", "wecom", destination, kind, {}, None, None, 0, "pending", now, None, now, None, None
    )


def _transport(messenger: Any) -> WecomTransport:
    transport = messenger.transport()
    assert isinstance(transport, WecomTransport)
    return transport


async def test_a_chart_is_an_image_and_an_export_a_file_before_the_card(tmp_path: Path) -> None:
    chart = _png(tmp_path / "chart.png")
    export = tmp_path / "aging.xlsx"
    export.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 50)
    async with rig(tmp_path) as r:
        assert r.messenger.capabilities.files
        reply = Reply(
            card=Card(title="Daily digest · 2026-03-16"),
            attachments=(str(chart), str(export)),
            files_fallback=FALLBACK,
        )
        await _transport(r.messenger).deliver(
            _row(CHANNEL), reply, update_ref=None, thread_ref=None
        )
        assert r.wecom.images == [chart.read_bytes()]
        [upload] = r.wecom.files
        assert (upload.filename, upload.data, upload.key) == (
            "aging.xlsx",
            export.read_bytes(),
            ROBOT_KEY,
        )
        kinds = [p.body["msgtype"] for p in r.wecom.robot_posts]
        assert kinds == ["image", "file", "markdown"]
        [card] = r.wecom.markdown_posts()
        assert "Daily digest" in card and "the chart's figures" not in card  # no fallback


async def test_a_picture_over_2_mb_goes_as_a_file(tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(2 * 1024 * 1024))
    async with rig(tmp_path) as r:
        await _transport(r.messenger).deliver(
            _row(CHANNEL), Reply(attachments=(str(big),)), update_ref=None, thread_ref=None
        )
        assert r.wecom.images == []
        [upload] = r.wecom.files
        assert upload.data == big.read_bytes()
        assert [p.body["msgtype"] for p in r.wecom.robot_posts] == ["file"]  # no empty text


async def test_a_refused_upload_posts_nothing(tmp_path: Path) -> None:
    export = tmp_path / "cases.csv"
    export.write_text("case,customer\n1,Northwind\n", encoding="utf-8")
    async with rig(tmp_path) as r:
        r.wecom.script("upload", 45009)
        with pytest.raises(RetryAfter):
            await _transport(r.messenger).deliver(
                _row(CHANNEL),
                Reply(text="the export", attachments=(str(export),)),
                update_ref=None,
                thread_ref=None,
            )
        assert r.wecom.robot_posts == []
        with pytest.raises(DeliveryError, match=r"gone\.png is missing"):
            await _transport(r.messenger).deliver(
                _row(CHANNEL),
                Reply(text="x", attachments=(str(tmp_path / "gone.png"),)),
                update_ref=None,
                thread_ref=None,
            )
        assert r.wecom.robot_posts == []


async def test_a_direct_message_shows_the_fallback_not_the_file(tmp_path: Path) -> None:
    chart = _png(tmp_path / "chart.png")
    async with rig(tmp_path) as r:  # no app: the circle group, the person mentioned
        reply = Reply(text="your chart", attachments=(str(chart),), files_fallback=FALLBACK)
        await _transport(r.messenger).deliver(
            _row("@wang.wei", "dm"), reply, update_ref=None, thread_ref=None
        )
        assert r.wecom.images == [] and r.wecom.files == []
        [post] = r.wecom.markdown_posts()
        assert "the chart's figures" in post and "1.2M" in post and "chart.png" in post
        assert str(tmp_path) not in post  # a path on the bot's disk is never shown


class FileRouter:
    def __init__(self, real: Any, path: Path) -> None:
        self.real = real
        self.path = path

    async def handle(self, text: str, **kw: Any) -> Reply | None:
        if "export" in text:
            return Reply(text="Your export", attachments=(str(self.path),), files_fallback=FALLBACK)
        result: Reply | None = await self.real.handle(text, **kw)
        return result


async def test_an_answer_in_a_group_with_a_robot_gets_its_file_through_the_robot(
    tmp_path: Path,
) -> None:
    export = tmp_path / "cases.xlsx"
    export.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 30)
    config = CONFIG.replace(
        'webhooks: {"#ar-circle": WECOM_WEBHOOK_CIRCLE}',
        f'webhooks: {{"#ar-circle": WECOM_WEBHOOK_CIRCLE, "{GROUP}": WECOM_WEBHOOK_CIRCLE}}',
    )
    async with rig(tmp_path, config=config) as r:
        r.spy._router = FileRouter(r.spy._router, export)
        answer = await r.say("@arcircle /ar export cases", user="WangWei")
        assert answer["stream"]["content"].startswith("Your export")
        assert "the chart's figures" not in answer["stream"]["content"]
        await r.messenger.callback.drain()
        [upload] = r.wecom.files
        assert (upload.filename, upload.data) == ("cases.xlsx", export.read_bytes())


async def test_an_answer_where_no_robot_is_shows_the_fallback(tmp_path: Path) -> None:
    export = tmp_path / "cases.xlsx"
    export.write_bytes(b"PK\x03\x04" + bytes(100))
    async with rig(tmp_path) as r:
        r.spy._router = FileRouter(r.spy._router, export)
        for chat in (None, GROUP):  # a direct chat; a group whose robot is not configured
            answer = await r.say("/ar export cases", user="WangWei", chat=chat)
            content = answer["stream"]["content"]
            assert "Your export" in content and "the chart's figures" in content
            assert "cases.xlsx" in content and str(tmp_path) not in content
        await r.messenger.callback.drain()
        assert r.wecom.robot_posts == []


async def test_a_slow_answer_with_a_file_gets_it_through_the_robot_after_response_url(
    tmp_path: Path,
) -> None:
    chart = _png(tmp_path / "chart.png")
    async with rig(tmp_path, tuning={"wecom.passive_wait": 0.0}) as r:
        r.spy._router = FileRouter(r.spy._router, chart)
        r.spy.gate = asyncio.Event()  # the answer is not ready within the wait
        r.wecom.now = int(r.clock.now().timestamp())
        answer = await r.send(*r.wecom.text("@arcircle /ar export", user="WangWei", chat=CHANNEL))
        assert answer.status_code == 200 and answer.content == b""
        r.spy.gate.set()
        await r.messenger.callback.drain()
        [posted] = r.wecom.responses
        assert posted["markdown"]["content"].startswith("Your export")
        assert "the chart's figures" not in posted["markdown"]["content"]
        assert r.wecom.images == [chart.read_bytes()]  # the circle's group: its robot


APP_ENV = {
    "WECOM_CORP_ID": "ww-test",
    "WECOM_AGENT_ID": "1000002",
    "WECOM_APP_SECRET": "app-secret",
}


async def test_with_the_app_a_direct_message_and_a_private_answer_carry_their_files(
    tmp_path: Path,
) -> None:
    chart = _png(tmp_path / "chart.png")
    export = tmp_path / "cases.xlsx"
    export.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 30)
    async with rig(tmp_path, env=APP_ENV) as r:
        reply = Reply(text="your chart", attachments=(str(chart),), files_fallback=FALLBACK)
        await _transport(r.messenger).deliver(
            _row("@wang.wei", "dm"), reply, update_ref=None, thread_ref=None
        )
        [image] = r.wecom.app_files
        assert image.data == chart.read_bytes() and image.filename == "chart.png"
        kinds = [(m["touser"], m["msgtype"]) for m in r.wecom.app_messages]
        assert kinds == [("WangWei", "image"), ("WangWei", "markdown")]
        assert "the chart's figures" not in r.wecom.app_messages[1]["markdown"]["content"]

        # `/ar export` in a direct chat with the smart robot: the file comes through the app.
        r.spy._router = FileRouter(r.spy._router, export)
        answer = await r.say("/ar export cases", user="LiNa", chat=None)
        assert answer["stream"]["content"].startswith("Your export")
        await r.messenger.callback.drain()
        assert r.wecom.app_files[-1].data == export.read_bytes()
        assert (r.wecom.app_messages[-1]["touser"], r.wecom.app_messages[-1]["msgtype"]) == (
            "LiNa",
            "file",
        )
        assert r.wecom.robot_posts == []  # nothing private went to a group

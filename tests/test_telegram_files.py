"""Files on Telegram: a chart arrives as a photo and any other file as a document, byte for
byte, from the outbox and from a reply to a command; a picture Telegram would refuse as a
photo goes as a document; a missing file sends nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.kernel.capabilities import adapt
from bot.kernel.messages import Card, DeliveryError, Reply, Section, Table
from storage.outbox import OutRow
from tests.fake_telegram import Answer, FakeTelegram, fake_telegram_fixture, visible  # noqa: F401
from tests.telegram_world import GROUP, WANG, World, group_message, world_fixture  # noqa: F401


def _png(path: Path, width: int = 1080, height: int = 1700) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _row(destination: str, kind: str = "digest") -> OutRow:
    now = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
    return OutRow(
        1,
        "k",
        "telegram",
        destination,
        kind,
        {},
        None,
        None,
        0,
        "pending",
        now,
        None,
        now,
        None,
        None,
    )


def _uploads(fake: FakeTelegram, chat: int) -> list[dict[str, Any]]:
    return [m for m in fake.sent(chat) if "upload" in m]


async def test_a_chart_is_a_photo_before_the_card_and_a_csv_a_document(
    world: World, tmp_path: Path
) -> None:
    m = await world.messenger()
    assert m.capabilities.files
    chart = _png(tmp_path / "chart.png")
    export = tmp_path / "aging.csv"
    export.write_bytes(b"customer,amount\n\"=cmd|' /C calc'!A0\",12.50\n")
    reply = Reply(
        card=Card(title="Daily digest · 2026-03-16", subtitle="Totals <by> stage & bucket"),
        attachments=(str(chart), str(export)),
    )
    message = adapt(reply, "digest", m.capabilities)  # as the outbox renders a row
    ref = await m.transport().deliver(_row(str(GROUP)), message, update_ref=None, thread_ref=None)
    photo, document, card = world.fake.sent(GROUP)
    assert photo["upload"].data == chart.read_bytes()
    assert photo["upload"].filename == "chart.png"
    assert photo["photo"][0]["width"] == 1080 and photo["caption"] == "Daily digest · 2026-03-16"
    assert document["upload"].data == export.read_bytes()
    assert document["document"]["file_name"] == "aging.csv" and document["caption"] is None
    assert "Totals <by> stage & bucket" in visible(card["text"])
    assert ref == str(card["message_id"])
    assert [c.method for c in world.fake.calls if c.method.startswith("send")] == [
        "sendPhoto",
        "sendDocument",
        "sendMessage",
    ]


async def test_a_picture_telegram_would_refuse_as_a_photo_goes_as_a_document(
    world: World, tmp_path: Path
) -> None:
    m = await world.messenger()
    thin = _png(tmp_path / "thin.png", 4200, 100)  # sides 42:1, over Telegram's 20
    fake_png = tmp_path / "not-really.png"
    fake_png.write_bytes(b"GIF89a" + bytes(100))
    for path in (thin, fake_png):
        await m.transport().deliver(
            _row(str(GROUP)), Reply(attachments=(str(path),)), update_ref=None, thread_ref=None
        )
    assert [c.method for c in world.fake.calls if c.method.startswith("send")] == [
        "sendDocument",
        "sendDocument",
    ]
    assert [u["upload"].data for u in _uploads(world.fake, GROUP)] == [
        thin.read_bytes(),
        fake_png.read_bytes(),
    ]


async def test_a_photo_telegram_refuses_is_sent_again_as_a_document(
    world: World, tmp_path: Path
) -> None:
    m = await world.messenger()
    chart = _png(tmp_path / "chart.png")
    world.fake.script("sendPhoto", Answer.error(400, "Bad Request: PHOTO_INVALID_DIMENSIONS"))
    await m.transport().deliver(
        _row(str(GROUP)), Reply(attachments=(str(chart),)), update_ref=None, thread_ref=None
    )
    [sent] = _uploads(world.fake, GROUP)
    assert "document" in sent and sent["upload"].data == chart.read_bytes()


async def test_a_long_title_is_cut_to_a_caption(world: World, tmp_path: Path) -> None:
    m = await world.messenger()
    reply = Reply(card=Card(title="Z" * 3000), attachments=(str(_png(tmp_path / "c.png")),))
    await m.transport().deliver(_row(str(GROUP)), reply, update_ref=None, thread_ref=None)
    [photo] = _uploads(world.fake, GROUP)
    assert len(photo["caption"]) == 1024 and photo["caption"].endswith("…")


async def test_a_missing_file_sends_nothing(world: World, tmp_path: Path) -> None:
    m = await world.messenger()
    present = _png(tmp_path / "c.png")
    reply = Reply(text="the digest", attachments=(str(present), str(tmp_path / "gone.xlsx")))
    with pytest.raises(DeliveryError, match=r"gone\.xlsx is missing"):
        await m.transport().deliver(_row(str(GROUP)), reply, update_ref=None, thread_ref=None)
    assert world.fake.sent(GROUP) == []


class FileRouter:
    """The real router, but `/ar export` answers with a file (as the export command will)."""

    def __init__(self, real: Any, path: Path) -> None:
        self.real = real
        self.clock = real.clock
        self.access = real.access
        self.path = path

    async def handle(self, text: str, **kw: Any) -> Reply | None:
        if "export" in text:
            return Reply(text="Your export", attachments=(str(self.path),))
        result: Reply | None = await self.real.handle(text, **kw)
        return result

    def case_of(self, text: str) -> int | None:
        result: int | None = self.real.case_of(text)
        return result


async def test_a_reply_to_a_command_carries_its_file(world: World, tmp_path: Path) -> None:
    export = tmp_path / "cases.xlsx"
    export.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 40)
    m = await world.messenger(router=FileRouter(world.rt.router, export))
    asked = group_message("/ar export cases", WANG)
    await m.inbound.update(asked)
    document, text = world.fake.sent(GROUP)
    assert document["upload"].data == export.read_bytes()
    assert document["document"]["file_name"] == "cases.xlsx"
    assert document["reply_to"] == asked["message"]["message_id"]
    assert visible(text["text"]) == "Your export"


async def test_a_private_file_goes_to_the_person_never_to_the_group(
    world: World, tmp_path: Path
) -> None:
    m = await world.messenger()
    chart = _png(tmp_path / "chart.png")
    fallback = Section(title="the chart's figures", table=Table(("Date",), (("03-16",),)))
    reply = Reply(text="your chart", attachments=(str(chart),), files_fallback=fallback)
    await m.transport().deliver(_row("@wang.wei", "dm"), reply, update_ref=None, thread_ref=None)
    [photo, text] = world.fake.sent(WANG)
    assert photo["upload"].data == chart.read_bytes() and visible(text["text"]) == "your chart"
    # Someone without a Telegram id: the group gets the text and the figures, not the file.
    await m.transport().deliver(_row("@ghost", "dm"), reply, update_ref=None, thread_ref=None)
    [shown] = world.fake.sent(GROUP)
    assert "upload" not in shown
    assert "the chart's figures" in visible(shown["text"]) and "chart.png" in visible(shown["text"])

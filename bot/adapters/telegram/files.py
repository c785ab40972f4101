"""Files to Telegram: a chart goes as a photo (shown inline), anything else as a document.

What this relies on (Bot API, "sendPhoto", "sendDocument", "Sending files"): a new file is
uploaded as multipart/form-data under the method's field (`photo`, `document`); a photo must
be at most 10 MB, its width and height may not exceed 10000 together, and their ratio may be
at most 20; a bot may upload documents of up to 50 MB; a caption is 0-1024 characters. A
picture Telegram would refuse as a photo (too big, too long and thin, not really a PNG or
JPEG) goes as a document instead, so it still arrives, byte for byte.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.kernel.messages import PermanentError

if TYPE_CHECKING:
    from telegram import Bot

log = logging.getLogger(__name__)

PHOTO_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_SIDES = 10_000  # width + height
MAX_PHOTO_RATIO = 20
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_CAPTION = 1024


def caption(text: str) -> str:
    """A caption within Telegram's 1024 characters, sent as plain text (no parse_mode, so
    nothing in it can make Telegram refuse the file)."""
    text = text.strip()
    return text if len(text) <= MAX_CAPTION else text[: MAX_CAPTION - 1] + "…"


def dimensions(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG or JPEG, read from its header; None when it is neither."""
    try:
        # Pillow comes with matplotlib; opening reads the header only.
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                return None
            width, height = image.size
            return int(width), int(height)
    except Exception:  # not an image Pillow can read: a document then
        return None


def fits_as_photo(name: str, data: bytes) -> bool:
    if Path(name).suffix.lower() not in PHOTO_SUFFIXES or len(data) > MAX_PHOTO_BYTES:
        return False
    size = dimensions(data)
    if size is None:
        return False
    width, height = size
    if width <= 0 or height <= 0 or width + height > MAX_PHOTO_SIDES:
        return False
    return max(width, height) / min(width, height) <= MAX_PHOTO_RATIO


def read(path: str) -> tuple[str, bytes]:
    file = Path(path)
    if not file.is_file():
        raise PermanentError(f"attachment {file.name} is missing on the bot's disk")
    data = file.read_bytes()
    if len(data) > MAX_DOCUMENT_BYTES:
        raise PermanentError(
            f"attachment {file.name} is {len(data) / 1e6:.0f} MB: a Telegram bot may send "
            "files of up to 50 MB"
        )
    return file.name, data


async def send_files(
    bot: Bot,
    chat_id: int | str,
    paths: Sequence[str],
    *,
    text: str = "",
    thread: int | None = None,
    reply_to: int | None = None,
) -> int | None:
    """Upload each file (the first carries `text` as its caption); the last message id.
    Every file is read before anything is sent: a missing one sends nothing."""
    from telegram import InputFile, ReplyParameters
    from telegram import error as tg

    files = [read(path) for path in paths]
    last: int | None = None
    for i, (name, data) in enumerate(files):
        common: dict[str, Any] = {
            "chat_id": chat_id,
            "caption": caption(text) if i == 0 and text.strip() else None,
            "message_thread_id": thread,
            "reply_parameters": (
                ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to is not None and i == 0
                else None
            ),
        }
        sent = None
        if fits_as_photo(name, data):
            try:
                sent = await bot.send_photo(photo=InputFile(data, filename=name), **common)
            except tg.BadRequest as exc:
                # Telegram judges a photo by more than its header (PHOTO_INVALID_DIMENSIONS,
                # IMAGE_PROCESS_FAILED): the same bytes as a document still arrive.
                if not any(w in exc.message.upper() for w in ("PHOTO", "IMAGE")):
                    raise
                log.info("telegram: %s refused as a photo (%s); as a document", name, exc)
        if sent is None:
            sent = await bot.send_document(document=InputFile(data, filename=name), **common)
        last = sent.message_id
    return last

"""The robot's markdown message (`msgtype: markdown`) with @mentions that really notify.

Format per open.dingtalk.com 自定义机器人发送消息 / 消息类型 markdown
(https://open.dingtalk.com/document/robots/custom-robot-access, "markdown类型"):
{"msgtype": "markdown", "markdown": {"title": ..., "text": ...},
 "at": {"atUserIds": [...], "isAtAll": false}} — a person is notified only when their id is in
`atUserIds` AND "@userId" is written in the text.

DingTalk's markdown subset documents no backslash escape, so user text is made inert by
swapping the characters that start syntax (links, images, emphasis, headings, quotes, HTML,
mentions) for their full-width look-alikes: the reader sees the same words, DingTalk sees no
markup and no "@all".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MAX_TITLE = 64
MAX_TEXT = 5000
MAX_FIELD = 500
MAX_MENTIONS = 50
# DingTalk user ids (staffId / userId) are short ASCII; anything else is not one.
_USER_ID = re.compile(r"^[A-Za-z0-9_\-$:.]{1,64}$")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_INERT = str.maketrans(
    {
        "[": "［",
        "]": "］",
        "(": "（",
        ")": "）",
        "!": "！",
        "*": "＊",
        "_": "＿",
        "#": "＃",
        ">": "＞",
        "<": "＜",
        "`": "｀",
        "~": "～",
        "|": "｜",
        "@": "＠",
        "\\": "＼",
    }
)


def escape(text: str, limit: int = MAX_FIELD) -> str:
    """User-provided text made inert for DingTalk markdown, bounded to `limit` characters.

    Newlines become spaces so a value cannot start a heading, list or quote line.
    """
    flat = _CONTROL.sub("", text.replace("\r", " ").replace("\n", " "))
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    inert = flat.translate(_INERT)
    # Only a line's start makes a list item; mid-line "-" and "+" are harmless.
    if inert[:1] in ("-", "+"):
        inert = ("－" if inert[0] == "-" else "＋") + inert[1:]
    return inert


@dataclass(frozen=True)
class Markdown:
    title: str
    text: str
    at_user_ids: tuple[str, ...] = field(default=())
    at_all: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "msgtype": "markdown",
            "markdown": {"title": self.title, "text": self.text},
            "at": {"atUserIds": list(self.at_user_ids), "isAtAll": self.at_all},
        }


def build(title: str, body: str, mention: Iterable[str] = (), *, at_all: bool = False) -> Markdown:
    """A markdown message: `title` is user-safe text, `body` is OUR markdown (already escaped

    where it quotes users), `mention` the DingTalk user ids to notify. Ids that are not
    plausible ids are dropped rather than written into the text; each kept one is written as
    "@id" on a last line, which DingTalk requires for the notification to fire.
    """
    ids = list(dict.fromkeys(m for m in mention if _USER_ID.match(m)))[:MAX_MENTIONS]
    text = body
    if ids:
        text = f"{body}\n\n" + " ".join(f"@{user_id}" for user_id in ids)
    if at_all:
        text = f"{text}\n\n@all"
    if len(text) > MAX_TEXT:
        raise ValueError("the markdown text is longer than DingTalk accepts")
    return Markdown(
        title=escape(title, MAX_TITLE), text=text, at_user_ids=tuple(ids), at_all=at_all
    )


def is_user_id(value: str) -> bool:
    """Whether `value` is shaped like a DingTalk userId (what may follow an "@")."""
    return bool(_USER_ID.match(value))

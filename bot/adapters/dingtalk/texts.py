"""Texts only the DingTalk messenger says, English and Chinese, added to the catalogue on import."""

from __future__ import annotations

from bot.kernel.i18n import register

EN: dict[str, str] = {
    "dingtalk_sorry": "Sorry, something went wrong (ref {ref}).",
}

ZH: dict[str, str] = {
    "dingtalk_sorry": "抱歉，出了点问题（编号 {ref}）。",
}

register(EN, ZH)

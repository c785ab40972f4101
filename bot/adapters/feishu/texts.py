"""Texts only the Feishu messenger says, English and Chinese, added to the catalogue on import."""

from __future__ import annotations

from bot.kernel.i18n import register

EN: dict[str, str] = {
    "feishu_sorry": "Sorry, something went wrong (ref {ref}).",
    "feishu_trimmed": "Shortened to fit a Feishu card; ask again with a narrower question.",
    "feishu_working": "Working on it: the answer follows in the chat.",
    "feishu_done": "Done.",
    "feishu_unknown_button": "This button is no longer in use.",
    "feishu_form_below": "Fill in the form in the card's thread.",
}

ZH: dict[str, str] = {
    "feishu_sorry": "抱歉，出了点问题（编号 {ref}）。",
    "feishu_trimmed": "内容过长，已按飞书卡片上限截短；请缩小查询范围后重试。",
    "feishu_working": "正在处理，结果稍后发到群里。",
    "feishu_done": "已完成。",
    "feishu_unknown_button": "此按钮已失效。",
    "feishu_form_below": "请在卡片的话题中填写表单。",
}

register(EN, ZH)

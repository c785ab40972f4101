"""Texts only the Telegram messenger says, English and Chinese, added to the catalogue on import.

Values filled in are plain text; the adapter escapes them for HTML like any other text.
"""

from __future__ import annotations

from bot.kernel.i18n import register

EN: dict[str, str] = {
    "telegram_button_expired": "This button has expired: type /ar case {case}",
    "telegram_button_expired_any": "This button has expired: type /ar case <number>",
    "telegram_type_it": "Type it with your values: {command}",
    "telegram_form_reply": "Reply to this message with your answer (/cancel stops).",
    "telegram_form_skip": "Send - to leave it empty.",
    "telegram_form_choose": "Reply with a number or a word from the list:",
    "telegram_form_bad_choice": "That is not one of the options.",
    "telegram_form_cancelled": "Cancelled: nothing was recorded.",
    "telegram_form_nothing": "There is nothing to cancel.",
    "telegram_form_done": "Done.",
    "telegram_cmd_ar": "any command: /ar overdue, /ar case 12, /ar 逾期",
    "telegram_cmd_help": "what the bot can do",
    "telegram_cmd_overdue": "overdue invoices",
    "telegram_cmd_case": "a case: /case 12",
    "telegram_cmd_customer": "a customer: /customer name",
    "telegram_cmd_whoami": "who the bot thinks you are",
    "telegram_cmd_digest": "today's digest",
    "telegram_cmd_cancel": "stop the form you are filling in",
}

ZH: dict[str, str] = {
    "telegram_button_expired": "此按钮已过期：请输入 /ar case {case}",
    "telegram_button_expired_any": "此按钮已过期：请输入 /ar case <编号>",
    "telegram_type_it": "请填入内容后输入：{command}",
    "telegram_form_reply": "请回复本消息作答（/cancel 取消）。",
    "telegram_form_skip": "发送 - 表示留空。",
    "telegram_form_choose": "请回复编号或列表中的词：",
    "telegram_form_bad_choice": "这不是可选项之一。",
    "telegram_form_cancelled": "已取消，未记录任何内容。",
    "telegram_form_nothing": "没有正在填写的表单。",
    "telegram_form_done": "已完成。",
    "telegram_cmd_ar": "任意命令：/ar 逾期、/ar 案件 12",
    "telegram_cmd_help": "机器人能做什么",
    "telegram_cmd_overdue": "逾期发票",
    "telegram_cmd_case": "查看案件：/case 12",
    "telegram_cmd_customer": "查看客户：/customer 名称",
    "telegram_cmd_whoami": "机器人认为你是谁",
    "telegram_cmd_digest": "今日日报",
    "telegram_cmd_cancel": "取消正在填写的表单",
}

register(EN, ZH)

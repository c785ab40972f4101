"""Texts only the Slack messenger says, English and Chinese, added to the catalogue on import.

`{channel}` and `{link}` are filled with Slack markup made by the adapter (a channel mention,
a permalink), never with user text.
"""

from __future__ import annotations

from bot.kernel.i18n import register

EN: dict[str, str] = {
    "slack_sorry": "Sorry, something went wrong (ref {ref}).",
    "slack_posted_thread": "Done. Posted in the thread of case #{case} in {channel}{link}.",
    "slack_posted_channel": "Done. Posted in {channel}{link}.",
    "slack_open_link": "open it",
}

ZH: dict[str, str] = {
    "slack_sorry": "抱歉，出了点问题（编号 {ref}）。",
    "slack_posted_thread": "已完成，已发到 {channel} 中案件 #{case} 的讨论串{link}。",
    "slack_posted_channel": "已完成，已发到 {channel}{link}。",
    "slack_open_link": "查看",
}

register(EN, ZH)

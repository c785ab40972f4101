"""DingTalk (see plugin.py). Importing any part of it adds DingTalk's own texts to the catalogue."""

from bot.adapters.dingtalk import texts as _texts  # noqa: F401

"""Feishu/Lark (飞书): the app's bot (HTTP callback or long connection) and custom group robots."""

from bot.adapters.feishu import texts as _texts  # noqa: F401

"""WeCom (see plugin.py). Importing any part of it adds WeCom's own texts to the catalogue."""

from bot.adapters.wecom import texts as _texts  # noqa: F401

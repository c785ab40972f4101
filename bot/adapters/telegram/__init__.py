"""Telegram (see plugin.py). Importing any part of it adds Telegram's own texts to the catalogue."""

from bot.adapters.telegram import texts as _texts  # noqa: F401

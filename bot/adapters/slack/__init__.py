"""Slack (see plugin.py). Importing any part of it adds Slack's own texts to the catalogue."""

from bot.adapters.slack import texts as _texts  # noqa: F401

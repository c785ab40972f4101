"""What `arcircle doctor` says about Telegram: the token's and the secret's shape, the webhook
set-up, and with --online whether getMe answers."""

from __future__ import annotations

from collections.abc import Mapping

from bot.adapters.base import Finding, Status
from bot.adapters.telegram.client import (
    SECRET_SHAPE,
    TOKEN_SHAPE,
    api_root,
    describe,
    make_application,
)
from bot.kernel.config import Config


def offline(config: Config, env: Mapping[str, str]) -> list[Finding]:
    section = config.platforms.telegram
    found: list[Finding] = []
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if token and not TOKEN_SHAPE.match(token):
        found.append(
            Finding("fail", "TELEGRAM_BOT_TOKEN does not look like a bot token (123456:ABC-…)")
        )
    secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
    if section.mode == "webhook":
        if secret and not SECRET_SHAPE.match(secret):
            found.append(
                Finding(
                    "fail",
                    "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -",
                )
            )
        if not section.webhook_url:
            found.append(
                Finding(
                    "warn",
                    "platforms.telegram.webhook_url is not set: setWebhook is skipped at "
                    "start-up; set it to the public https address of /telegram/webhook, "
                    "or register the webhook yourself",
                )
            )
        elif not section.webhook_url.startswith("https://"):
            found.append(Finding("warn", "Telegram calls webhooks over https only"))
    return found


async def probe(token: str, api_url: str | None) -> tuple[Status, str]:
    """getMe with the token: whether Telegram knows the bot."""
    from telegram import error as tg

    app = make_application(token, api_url, read_timeout=10.0)
    try:
        me = await app.bot.get_me()
    except tg.InvalidToken:
        return "fail", "Telegram rejected TELEGRAM_BOT_TOKEN (getMe)"
    except (tg.TelegramError, OSError) as exc:
        return "fail", f"cannot reach Telegram at {api_root(api_url)}: {describe(exc)}"
    finally:
        await app.bot.shutdown()
    return "ok", f"Telegram knows the bot as @{me.username} (getMe)"
